"""Street networks: OSM → graph, snapping to edges, one multi-source search, service areas.

The street-network reach model answers "how many minutes from here to the nearest
station, along the streets this mode may use?" for every demand point at once. The
modules, in the order a run uses them:

* :mod:`geo.network.model` — :class:`Network`: nodes and edges in metres;
* :mod:`geo.network.profile` — the street profile: which OSM ways a mode may use
  (:data:`RULES`, China's expressway rules);
* :mod:`geo.network.load` — :func:`load_network` from OSM PBF / OSM XML / GraphML
  (offline, cached);
* :mod:`geo.network.extent` — :func:`check_covers`: the network must cover the data;
* :mod:`geo.network.search` — :func:`snap` (with :func:`eligible_edges`: the fragment
  rule), :func:`station_search` (one Dijkstra from all stations), :func:`travel_times`,
  :func:`second_minutes`, :func:`network_reach`;
* :mod:`geo.network.areas` — :func:`service_polygons` (5/10/15-minute service areas);
* :mod:`geo.network.coverage` — :func:`coverage_on_network` and
  :class:`NetworkCoverage`, what :func:`geo.analyze` reports;
* getting a network: :mod:`geo.network.extract` (clip a large PBF), :mod:`~geo.network.info`,
  :mod:`~geo.network.export` (GraphML, GeoPackage), :mod:`~geo.network.download`
  (Overpass, online), :mod:`~geo.network.context` (water and rail for the basemap).
"""

from __future__ import annotations

from geo.network.areas import BUFFER_M, FILL_HOLES_M2, edge_pieces, fill_holes, service_polygons
from geo.network.coverage import (
    NetworkCoverage,
    NetworkNearest,
    coverage_on_network,
    nearest_on_network,
)
from geo.network.extent import check_covers, network_extent
from geo.network.load import (
    BUNDLED,
    MODE_NETWORK_TYPE,
    ProgressArg,
    cache_dir,
    cache_key,
    clear_memory_cache,
    describe,
    file_digest,
    load_network,
    network_type_of,
    resolve_path,
)
from geo.network.model import Network, network_from_edges
from geo.network.profile import RULES, apply_profile, rules_table
from geo.network.search import (
    MIN_COMPONENT_NODES,
    SNAP_LIMIT_M,
    STATUSES,
    WALK_SPEED_M_PER_MIN,
    Search,
    Snap,
    TravelTimes,
    eligible_edges,
    main_fragments,
    network_reach,
    second_minutes,
    snap,
    station_search,
    travel_times,
)

__all__ = [
    "BUFFER_M",
    "BUNDLED",
    "FILL_HOLES_M2",
    "MIN_COMPONENT_NODES",
    "MODE_NETWORK_TYPE",
    "RULES",
    "SNAP_LIMIT_M",
    "STATUSES",
    "WALK_SPEED_M_PER_MIN",
    "Network",
    "NetworkCoverage",
    "NetworkNearest",
    "ProgressArg",
    "Search",
    "Snap",
    "TravelTimes",
    "apply_profile",
    "cache_dir",
    "cache_key",
    "check_covers",
    "clear_memory_cache",
    "coverage_on_network",
    "describe",
    "edge_pieces",
    "eligible_edges",
    "file_digest",
    "fill_holes",
    "load_network",
    "main_fragments",
    "nearest_on_network",
    "network_extent",
    "network_from_edges",
    "network_reach",
    "network_type_of",
    "resolve_path",
    "rules_table",
    "second_minutes",
    "service_polygons",
    "snap",
    "station_search",
    "travel_times",
]
