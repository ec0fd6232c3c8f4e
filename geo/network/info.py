"""What a built street network holds: size, connected pieces, length, extent, rules.

``geo network info`` prints this before a planner measures coverage on a network: a
network in many small pieces (an extract cut too tight, a mode that may not use the
main roads) makes points unreachable, and the ways each street-profile rule removed
say why streets are missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyproj import Transformer

from geo.network.model import Network, fragments

__all__ = ["SMALL_COMPONENT_NODES", "NetworkInfo", "network_info"]

#: A connected piece with fewer nodes than this is counted as small (an island of a few
#: streets: a courtyard, a path cut off by the extract's edge, a mapping error).
SMALL_COMPONENT_NODES = 50


@dataclass(frozen=True)
class NetworkInfo:
    """The figures of one street network (see :func:`network_info`).

    Attributes
    ----------
    source
        Where the network came from (its file).
    network_type
        ``walking``, ``cycling`` … (the mode's ways and one-way rules).
    profile
        The street profile its ways were chosen with (``china``, ``osm``), or ``None``
        when the network does not record one.
    nodes, edges, two_way_edges
        Street nodes, street segments, and segments usable in both directions.
    components
        Connected pieces (weakly connected: one-way streets count as links).
    largest_component
        Nodes of the largest piece.
    small_components
        Pieces with fewer than ``small_limit`` nodes.
    small_limit
        The size below which a piece counts as small (50 nodes).
    length_km
        Total length of the street segments, kilometres (each segment once).
    extent
        ``(min_lon, min_lat, max_lon, max_lat)`` of the nodes, WGS-84 (``None`` if empty).
    crs
        The metric coordinate system the network is measured in.
    removed
        OSM ways each profile rule removed (rule name → ways), as the network records.
    """

    source: str
    network_type: str
    profile: str | None
    nodes: int
    edges: int
    two_way_edges: int
    components: int
    largest_component: int
    small_components: int
    small_limit: int
    length_km: float
    extent: tuple[float, float, float, float] | None
    crs: str
    removed: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict (``geo network info --json``).

        Returns
        -------
        dict
        """
        return {
            "source": self.source,
            "network_type": self.network_type,
            "profile": self.profile,
            "nodes": self.nodes,
            "edges": self.edges,
            "two_way_edges": self.two_way_edges,
            "components": self.components,
            "largest_component": self.largest_component,
            "small_components": self.small_components,
            "small_limit": self.small_limit,
            "length_km": self.length_km,
            "extent": None if self.extent is None else list(self.extent),
            "crs": self.crs,
            "removed": dict(self.removed),
        }

    def text(self) -> str:
        """The figures as lines for a terminal.

        Returns
        -------
        str
        """
        profile = f", profile {self.profile}" if self.profile else ""
        lines = [
            f"{self.source}: {self.network_type} network{profile}",
            f"  nodes              {self.nodes:,}",
            f"  edges              {self.edges:,} ({self.two_way_edges:,} two-way)",
            f"  components         {self.components:,} (largest {self.largest_component:,} "
            f"nodes; {self.small_components:,} with fewer than {self.small_limit} nodes)",
            f"  street length      {self.length_km:,.1f} km",
        ]
        if self.extent is not None:
            x0, y0, x1, y1 = self.extent
            lines.append(f"  extent (WGS-84)    lon {x0:.5f} – {x1:.5f}, lat {y0:.5f} – {y1:.5f}")
        lines.append(f"  measured in        {self.crs}")
        if self.removed:
            lines.append("ways removed by the profile's rules (opened: kept open by a rule):")
            width = max(len(name) for name in self.removed)
            lines += [f"  {name:<{width}}  {count:,}" for name, count in self.removed.items()]
        return "\n".join(lines)


def network_info(net: Network, *, small_limit: int = SMALL_COMPONENT_NODES) -> NetworkInfo:
    """Count a network's nodes, edges, connected pieces and length, and find its extent.

    Parameters
    ----------
    net
        A street network (:func:`geo.network.load_network`).
    small_limit
        Pieces with fewer nodes than this are counted as small.

    Returns
    -------
    NetworkInfo
        Also the street profile and the ways each of its rules removed, when the
        network records them (``profile``, ``removed``).
    """
    node_label = fragments(net.n_nodes, net.u, net.v)[0]
    sizes = np.bincount(node_label) if node_label.size else np.zeros(0, dtype="int64")
    sizes = sizes[sizes > 0]
    extent = None
    if net.n_nodes:
        to_deg = Transformer.from_crs(net.crs, 4326, always_xy=True)
        lon, lat = (np.asarray(a) for a in to_deg.transform(net.x, net.y))
        extent = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    profile = getattr(net, "profile", None) or None
    removed = getattr(net, "removed", None) or {}
    return NetworkInfo(
        source=net.source or net.path or "network",
        network_type=net.network_type,
        profile=profile,
        nodes=net.n_nodes,
        edges=net.n_edges,
        two_way_edges=int(np.count_nonzero(net.two_way)),
        components=int(sizes.size),
        largest_component=int(sizes.max()) if sizes.size else 0,
        small_components=int(np.count_nonzero(sizes < small_limit)),
        small_limit=int(small_limit),
        length_km=float(net.length_m.sum()) / 1000.0,
        extent=extent,
        crs=net.crs.name,
        removed={str(k): int(v) for k, v in dict(removed).items()},
    )
