"""Street networks: OSM → graph, snapping to edges, one multi-source search, service areas.

The street-network reach model answers "how many minutes from here to the nearest
station, along the streets this mode may use?" for every demand point at once. The
modules, in the order a run uses them:

* :mod:`geo.network.model` — :class:`Network`: nodes and edges in metres;
* :mod:`geo.network.load` — :func:`load_network` from OSM PBF / OSM XML / GraphML
  (offline, cached);
* :mod:`geo.network.search` — :func:`snap`, :func:`station_search` (one Dijkstra from
  all stations), :func:`travel_times`, :func:`second_minutes`, :func:`network_reach`;
* :mod:`geo.network.areas` — :func:`service_polygons` (5/10/15-minute service areas);
* :mod:`geo.network.coverage` — :func:`coverage_on_network` and
  :class:`NetworkCoverage`, what :func:`geo.analyze` reports.
"""

from __future__ import annotations

from geo.network.areas import BUFFER_M, FILL_HOLES_M2, edge_pieces, fill_holes, service_polygons
from geo.network.coverage import (
    NetworkCoverage,
    NetworkNearest,
    coverage_on_network,
    nearest_on_network,
)
from geo.network.load import (
    BUNDLED,
    MODE_NETWORK_TYPE,
    ProgressArg,
    cache_dir,
    cache_key,
    clear_memory_cache,
    describe,
    download_network,
    file_digest,
    load_network,
    network_type_of,
    resolve_path,
)
from geo.network.model import Network, network_from_edges
from geo.network.search import (
    SNAP_LIMIT_M,
    STATUSES,
    WALK_SPEED_M_PER_MIN,
    Search,
    Snap,
    TravelTimes,
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
    "MODE_NETWORK_TYPE",
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
    "cache_dir",
    "cache_key",
    "clear_memory_cache",
    "coverage_on_network",
    "describe",
    "download_network",
    "edge_pieces",
    "file_digest",
    "fill_holes",
    "load_network",
    "nearest_on_network",
    "network_from_edges",
    "network_reach",
    "network_type_of",
    "resolve_path",
    "second_minutes",
    "service_polygons",
    "snap",
    "station_search",
    "travel_times",
]
