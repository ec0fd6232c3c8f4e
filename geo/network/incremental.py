"""Stations added to a finished street-network coverage without searching it all again.

A new station changes only the nodes and points it is nearer to than their current
station, and the count of stations within reach of each point. :func:`add_stations`
takes a :class:`~geo.network.NetworkCoverage` (one multi-source search over the whole
network, no limit) and, per new station:

* snaps it exactly as :func:`~geo.network.coverage_on_network` snaps stations (the
  fragment rule: :func:`~geo.network.eligible_edges` without stations);
* runs **one** Dijkstra from it on the reversed graph with ``limit=`` (minutes, the unit
  of the full search): first the threshold, so that the stations within reach of every
  point are counted exactly; then, while a street leaving the searched region reaches a
  node sooner than its current station does (the new station's region goes on beyond
  the limit), again with twice the limit, and with no limit past every node's current
  minutes. Every node the new station is
  nearer to than its current one is therefore searched to its exact minutes, as in a
  full search without limit (the minutes beyond the threshold, the bands and the service
  areas stay exact);
* takes the minimum of the nodes' minutes and, with the edge-partial rule of
  :func:`~geo.network.travel_times` (ride on to either end of the point's edge, or
  straight to a station on the same edge, plus the walk to the street), of the points'
  minutes; updates the nearest station, the status (an ``unreachable`` point a new
  station reaches is ``ok``) and the unique coverage (stations within reach).

The demand points keep their snaps: the fragment rule lets demand join main pieces and
pieces holding a station, and stations snap to main pieces only, so a new station
changes no demand snap (checked: where it would, :func:`add_stations` declines with
``None``). The result equals :func:`~geo.network.coverage_on_network` of all the stations
(tested on random sequences). Where a point is exactly as many minutes from a new
station as from its current one (a new station on an existing one), the full search's
choice of the nearest station is scipy's: :func:`add_stations` declines with ``None``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.network.areas import grown_from
from geo.network.coverage import NetworkCoverage
from geo.network.model import Network
from geo.network.search import (
    Snap,
    eligible_edges,
    point_parts,
    same_edge_direct,
    seeds,
    snap,
    with_sources,
)
from geo.reach import TOL_MIN, within

__all__ = ["add_stations", "concat_snaps", "station_minutes"]

#: Slack above the threshold of the first limited search (as the second-nearest search).
_LIMIT_SLACK_MIN = 1e-6


def concat_snaps(first: Snap, second: Snap) -> Snap:
    """Two snaps one after the other (the stations of a coverage, then new ones).

    Parameters
    ----------
    first, second
        Snaps with the same snap limit.

    Returns
    -------
    Snap
    """
    skipped = None
    if first.skipped_edge is not None or second.skipped_edge is not None:
        parts = [s.skipped_edge if s.skipped_edge is not None
                 else np.full(len(s), -1, dtype="int64") for s in (first, second)]
        skipped = np.concatenate(parts)
    return Snap(
        np.concatenate([first.edge, second.edge]),
        np.concatenate([first.along_m, second.along_m]),
        np.concatenate([first.distance_m, second.distance_m]),
        first.max_distance_m,
        skipped,
    )


def _needs_more(graph: csr_matrix, dist: np.ndarray, current: np.ndarray) -> bool:
    """Whether a street out of the searched nodes reaches a node not searched sooner than
    that node's current station: the new station's region may go on past the limit.

    ``graph`` is the reversed graph with the station's virtual node; ``dist`` the limited
    search's minutes (``inf`` beyond the limit); ``current`` the nodes' current minutes."""
    n = current.size
    done = np.flatnonzero(np.isfinite(dist))
    if done.size == 0:
        return False
    sub = graph[done]
    rows = np.repeat(done, np.diff(sub.indptr))
    cols = sub.indices
    out = ~np.isfinite(dist[cols]) & (cols < n)
    if not out.any():
        return False
    cols_out = cols[out].astype("int64")
    return bool(np.any(dist[rows[out]] + sub.data[out] < current[cols_out]))


def station_minutes(
    network: Network,
    station: Snap,
    current: np.ndarray,
    *,
    speed_m_per_min: float,
    walk_speed_m_per_min: float,
    first_limit: float,
) -> tuple[np.ndarray, float]:
    """Minutes from every node to one station, exact wherever they are below ``current``
    or within ``first_limit`` (``inf`` where the search did not go).

    Parameters
    ----------
    network
        The street network.
    station
        The station's snap (one point, on the network).
    current
        Per node, minutes to the nearest station so far (``inf`` where none).
    speed_m_per_min, walk_speed_m_per_min
        As the full search.
    first_limit
        The first search's limit (minutes); doubled while the station's region goes on
        past it, then no limit.

    Returns
    -------
    tuple
        The node minutes and the limit the last search used (``inf``: none).
    """
    n = network.n_nodes
    st, node, cost = seeds(network, station, speed_m_per_min, walk_speed_m_per_min)
    graph = with_sources(network.reverse_csr(), np.zeros(st.size, dtype="int64"), node, cost,
                         1, speed_m_per_min)
    finite = current[np.isfinite(current)]
    ceiling = float(finite.max()) if finite.size else 0.0
    limit = float(first_limit)
    while True:
        dist = dijkstra(graph, directed=True, indices=n, limit=limit)
        if not np.isfinite(limit) or not _needs_more(graph, dist, current):
            return dist[:n], limit
        # past every node's current minutes: no limit (nodes no station reaches yet)
        limit = limit * 2 if limit * 2 < ceiling else np.inf


def add_stations(
    coverage: NetworkCoverage,
    station_lon: np.ndarray,
    station_lat: np.ndarray,
    *,
    straight_minutes: np.ndarray | None = None,
) -> NetworkCoverage | None:
    """The coverage with more stations, from the coverage's search (see the module).

    Parameters
    ----------
    coverage
        A :func:`~geo.network.coverage_on_network` answer (or one of this function);
        it is not changed.
    station_lon, station_lat
        The stations to add, WGS-84; they take the positions after the coverage's
        stations (``nearest`` counts them so).
    straight_minutes
        The points' straight-line minutes with every station (``None`` keeps the
        coverage's).

    Returns
    -------
    NetworkCoverage or None
        ``None`` where a new station would change the demand's snaps (a station on a
        piece of the network no station was on before, which the fragment rule does not
        give stations), where a point is exactly as far from a new station as from its
        nearest one, or where the coverage's search had a limit.
    """
    search = coverage.search
    if search.limit_minutes is not None:
        return None
    net = coverage.network
    speed, walk = search.speed_m_per_min, search.walk_speed_m_per_min
    to_m = Transformer.from_crs(4326, net.crs, always_xy=True)
    sx, sy = (np.atleast_1d(np.asarray(a, dtype="float64"))
              for a in to_m.transform(np.asarray(station_lon, dtype="float64"),
                                      np.asarray(station_lat, dtype="float64")))
    limit_m = coverage.stations.max_distance_m
    new = snap(net, sx, sy, max_distance_m=limit_m, eligible=eligible_edges(net))
    stations = concat_snaps(coverage.stations, new)
    if not np.array_equal(eligible_edges(net, stations), eligible_edges(net, coverage.stations)):
        return None  # the demand would snap otherwise
    budget = coverage.budget
    pts = coverage.points
    node_minutes = search.node_minutes.copy()
    node_station = search.node_station.copy()
    minutes = np.where(np.isnan(coverage.minutes), np.inf, coverage.minutes)
    nearest = coverage.nearest.copy()
    status = coverage.status  # copied only where a point's status changes (rare)
    covered = within(coverage.minutes, budget)
    in_reach = covered.astype("int64") + (covered & ~coverage.unique)  # 0, 1, or 2 (2 or more)
    on = np.flatnonzero(pts.ok)
    on_edge = pts.edge[on]
    on_u, on_v = net.u[on_edge], net.v[on_edge]
    first = budget + max(_LIMIT_SLACK_MIN, TOL_MIN)
    base = len(coverage.stations)
    for j in np.flatnonzero(new.ok):
        one = new.take(np.array([j]))
        dist, _ = station_minutes(net, one, node_minutes, speed_m_per_min=speed,
                                  walk_speed_m_per_min=walk, first_limit=first)
        position = base + int(j)
        nearer_node = dist < node_minutes
        node_minutes[nearer_node] = dist[nearer_node]
        node_station[nearer_node] = position
        # the points it may reach: an end of their edge searched, or on its own edge
        searched = np.isfinite(dist)
        near = on[searched[on_u] | searched[on_v] | (on_edge == one.edge[0])]
        sub = pts.take(near)
        # the edge-partial rule: on to v, back to u, or straight to it on the same edge
        at, e, to_v, to_u = point_parts(net, sub, speed)
        t = np.minimum(to_v + dist[net.v[e]], to_u + dist[net.u[e]])
        pp, _, direct = same_edge_direct(net, one, sub, at, speed, walk)
        if pp.size:
            np.minimum.at(t, pp, direct)
        t = t + sub.distance_m / walk
        if np.any((t == minutes[near]) & np.isfinite(t)):
            return None  # a tie: which station the full search names nearest is scipy's
        nearer = t < minutes[near]
        idx = near[nearer]
        minutes[idx] = t[nearer]
        nearest[idx] = position
        in_reach[near] += within(t, budget)
        newly_ok = idx[status[idx] != "ok"]  # an unreachable point it reaches is ok
        if newly_ok.size:
            if status is coverage.status:
                status = status.copy()
            status[newly_ok] = "ok"
    minutes[~np.isfinite(minutes)] = np.nan  # off the network, or still unreachable
    unique = within(minutes, budget) & (in_reach == 1)
    new_search = replace(search, stations=stations, node_minutes=node_minutes,
                         node_station=node_station)
    grown_from(new_search, search)  # its service areas: the base's and what changed
    return replace(
        coverage,
        search=new_search,
        stations=stations,
        minutes=minutes,
        nearest=nearest,
        status=status,
        unique=unique,
        straight_minutes=(coverage.straight_minutes if straight_minutes is None
                          else np.asarray(straight_minutes, dtype="float64")),
    )
