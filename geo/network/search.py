"""Snapping points to the streets and one multi-source search from all stations.

* :func:`snap` joins points to the nearest *edge* (not node) at the projected point;
  the walk from the point to the street counts at walking speed. Of edges at exactly
  the same distance (a point nearest a node that several edges share) the one with the
  lowest index wins; the search itself is :mod:`geo.network.snapping` (a quadtree of
  candidate segments, numpy only). With ``eligible``
  (from :func:`eligible_edges`) only some edges count: the fragment rule below.
* :func:`eligible_edges` — **snapping and fragments**. Real OSM extracts break into
  pieces (a gated compound's paths, a footway cut at the extract's edge). The
  weakly connected pieces of the network (``Network.fragment``) with at least
  :data:`MIN_COMPONENT_NODES` (50) nodes, and the largest piece, are *main* pieces.
  Stations snap to the nearest edge of a main piece (a station on a 3-node island
  would serve nobody); demand points snap to the nearest edge of the largest piece
  or of a piece holding a snapped station, and only where none is within the snap
  limit to a main piece without a station (they reach no station). A point farther
  than the snap limit from every main piece is off the network; the pieces passed
  over are reported
  (:attr:`Snap.skipped_edge`, :meth:`geo.network.NetworkCoverage.summary`).
* :func:`station_search` runs **one** Dijkstra from all stations at once on the
  reversed graph (riders travel *to* stations): a virtual source node per station
  is joined to the two ends of its edge with the partial-edge costs, and
  ``scipy.sparse.csgraph.dijkstra(..., indices=virtual, min_only=True)`` gives every
  node its minutes to the nearest station and which station that is.
* :func:`travel_times` turns node times into point times (pro rata along the
  point's edge, also when the station sits on the same edge) and says which points
  are ``off_network`` or ``unreachable``; :func:`second_minutes` gives the minutes to
  the second-nearest station (for demand only one station covers).
* :func:`network_reach` — the candidate × demand reach matrix of siting, one
  Dijkstra per batch of candidates.

Nothing here loops over stations, nodes, edges or points in Python.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo import budget as memory
from geo.errors import SettingsError
from geo.network.model import TOL_M, Network, index_dtype
from geo.network.snapping import (
    has_segment_index,
    locate,
    nearest_by_tree,
    nearest_segments,
    network_segments,
    segment_index,
)
from geo.reach import TOL_MIN, to_matrix, within

__all__ = [
    "MIN_COMPONENT_NODES",
    "NETWORK_BATCH_BYTES",
    "SNAP_LIMIT_M",
    "STATUSES",
    "WALK_SPEED_M_PER_MIN",
    "Search",
    "Snap",
    "TravelTimes",
    "edge_set_key",
    "eligible_edges",
    "fragment_nodes",
    "main_fragments",
    "network_reach",
    "point_parts",
    "same_edge_direct",
    "second_minutes",
    "seeds",
    "snap",
    "station_search",
    "tied_snaps",
    "travel_times",
    "with_sources",
]

#: Walking speed for the walk between a point and its street: 4.8 km/h (docs/domain.md).
WALK_SPEED_M_PER_MIN = 80.0
#: Default largest distance between a point and a usable street, in metres.
SNAP_LIMIT_M = 200.0
#: Status of a point in :class:`TravelTimes`.
STATUSES: tuple[str, ...] = ("ok", "off_network", "unreachable")
#: Bytes of the dense distance block one batch of :func:`network_reach` may use.
NETWORK_BATCH_BYTES = 256 * 2**20
#: Pieces of the network (weakly connected) with at least this many nodes are *main*
#: pieces, as is the largest piece: stations snap only to them, demand points to them or
#: to a piece holding a station (Valhalla's default ``minimum_reachability``).
MIN_COMPONENT_NODES = 50
#: Spatial indexes of edge subsets kept per network (one per distinct ``eligible`` mask).
_SUBSET_TREES = 4


@dataclass(frozen=True, eq=False)
class Snap:
    """Points joined to their nearest edge.

    Attributes
    ----------
    edge
        The nearest edge of each point, ``-1`` where it is farther than the snap limit.
    along_m
        Where the projected point lies on the edge: metres of edge length from its ``u``.
    distance_m
        Straight distance from the point to its nearest edge (also where ``edge`` is -1).
    max_distance_m
        The snap limit used.
    skipped_edge
        Per point, the edge it would have joined had every edge counted, where that
        edge was passed over (a piece of the network that is not eligible, see
        :func:`eligible_edges`) and is strictly nearer than any eligible edge; ``-1``
        elsewhere. ``None``: no edge was passed over (snapped without ``eligible``).
    """

    edge: np.ndarray
    along_m: np.ndarray
    distance_m: np.ndarray
    max_distance_m: float
    skipped_edge: np.ndarray | None = None

    @property
    def ok(self) -> np.ndarray:
        """Whether each point is on the network (within the snap limit)."""
        return self.edge >= 0

    @property
    def skipped(self) -> np.ndarray:
        """Whether each point was nearer a passed-over piece of the network than any
        eligible edge (it joined an eligible edge farther away, or is off the network)."""
        if self.skipped_edge is None:
            return np.zeros(self.edge.size, dtype=bool)
        return self.skipped_edge >= 0

    def __len__(self) -> int:
        return int(self.edge.size)

    def take(self, index: np.ndarray) -> Snap:
        """The snaps of some points (by position or boolean mask)."""
        return Snap(
            self.edge[index],
            self.along_m[index],
            self.distance_m[index],
            self.max_distance_m,
            None if self.skipped_edge is None else self.skipped_edge[index],
        )


# --- fragments: which pieces of the network points may join --------------------------------


def fragment_nodes(network: Network) -> np.ndarray:
    """The number of nodes of each piece of the network.

    Parameters
    ----------
    network
        The street network.

    Returns
    -------
    numpy.ndarray
        Indexed by fragment id (``Network.fragment``); 0 for an id no edge carries.
    """
    frag = network.fragment
    assert frag is not None
    k = int(frag.max()) + 1 if frag.size else 0
    node_frag = np.full(network.n_nodes, -1, dtype="int64")
    node_frag[network.u] = frag
    node_frag[network.v] = frag
    return np.bincount(node_frag[node_frag >= 0], minlength=k)


def main_fragments(network: Network, *, min_nodes: int = MIN_COMPONENT_NODES) -> np.ndarray:
    """Which pieces of the network are *main* pieces.

    A weakly connected piece (``Network.fragment``) is a main piece when it has at
    least ``min_nodes`` nodes, or is the largest piece (by nodes; the first of equals).

    Parameters
    ----------
    network
        The street network.
    min_nodes
        The smallest main piece (:data:`MIN_COMPONENT_NODES`, Valhalla's default
        ``minimum_reachability``).

    Returns
    -------
    numpy.ndarray
        Boolean, indexed by fragment id.
    """
    size = fragment_nodes(network)
    main = size >= min_nodes
    if size.size and size.max() > 0:
        main[int(size.argmax())] = True
    return main


def eligible_edges(
    network: Network, stations: Snap | None = None, *, min_nodes: int = MIN_COMPONENT_NODES
) -> np.ndarray:
    """The edges a point may snap to: **the fragment rule**, for every path that snaps.

    * Without ``stations`` — for stations (and siting candidates): the edges of the
      main pieces (:func:`main_fragments`: at least ``min_nodes`` nodes, or the largest).
    * With ``stations`` (their snaps) — for demand points: the edges of the largest
      piece (the main network) and of every piece holding a snapped station.

    Pass the result as ``snap(..., eligible=...)``, and for demand points the
    stations' set as ``fallback=``. A point next to a piece without a station (a
    compound's paths, a campus, a footway cut at the file's edge, whatever its size)
    then joins the nearest street of the main network or of a station's piece instead,
    its walk to it counted. Only a point farther than the snap limit from all of those
    joins a main piece without a station (and reaches no station); one farther than
    the snap limit from every main piece is off the network.

    Parameters
    ----------
    network
        The street network.
    stations
        The stations' snaps, or ``None`` for the rule of stations.
    min_nodes
        The smallest main piece (the rule of stations).

    Returns
    -------
    numpy.ndarray
        Boolean, one per edge.
    """
    if stations is None:
        ok = main_fragments(network, min_nodes=min_nodes)
    else:  # no piece reaches a threshold above every piece: the largest alone
        ok = main_fragments(network, min_nodes=network.n_nodes + 1)
        ok[network.fragment[stations.edge[stations.ok]]] = True
    return ok[network.fragment] if ok.size else np.zeros(network.n_edges, dtype=bool)


#: Fewer points than one per this many edges are snapped with the edges' STRtree while
#: the network's quadtree (:mod:`geo.network.snapping`) is not built yet.
FEW_POINTS = 20


def edge_set_key(eligible: np.ndarray) -> str:
    """A short name of a set of edges (one bool per edge), for what is kept per set: the
    indexes on the network, the demand snaps of :func:`geo.network.coverage.snap_demand`.

    Parameters
    ----------
    eligible
        One bool per edge.

    Returns
    -------
    str
    """
    return hashlib.blake2b(np.packbits(eligible).tobytes(), digest_size=16).hexdigest()


def _subset_tree(network: Network, eligible: np.ndarray) -> tuple[shapely.STRtree, np.ndarray]:
    """The spatial index of the eligible edges and their positions (kept on the network)."""
    key = "eligible:" + edge_set_key(eligible)
    memo = network._memo
    if key not in memo:
        old = [k for k in memo if k.startswith("eligible:")]
        for k in old[: max(0, len(old) - _SUBSET_TREES + 1)]:
            del memo[k]
        idx = np.flatnonzero(eligible)
        memo[key] = (shapely.STRtree(network.geometry[idx]), idx)
    return memo[key]


#: Points located on their edges at once by :func:`snap`.
_LOCATE_AT_ONCE = 1 << 15


def snap(
    network: Network,
    x: np.ndarray,
    y: np.ndarray,
    *,
    max_distance_m: float = SNAP_LIMIT_M,
    eligible: np.ndarray | None = None,
    fallback: np.ndarray | None = None,
) -> Snap:
    """Join points to the nearest edge at the projected point.

    Parameters
    ----------
    network
        The street network.
    x, y
        Point coordinates in the network's CRS (metres).
    max_distance_m
        A point farther than this from every (eligible) edge is off the network
        (``edge`` -1); its distance to the nearest (eligible) edge is still reported.
    eligible
        Boolean per edge: only these edges may be joined — :func:`eligible_edges`
        gives the fragment rule (stations: ``eligible_edges(network)``; demand
        points: ``eligible_edges(network, station_snaps)``). ``None``: every edge.
        A point whose nearest edge is not eligible and strictly nearer than every
        eligible one is listed in :attr:`Snap.skipped_edge`.
    fallback
        Boolean per edge, with ``eligible``: the edges a point may also join when no
        eligible edge is within ``max_distance_m`` (demand points: the main pieces
        without a station, ``eligible_edges(network)``; such a point reaches no station).

    Returns
    -------
    Snap
        Distances are GEOS's (``shapely.distance`` to the edge, bit for bit) and
        ``along_m`` is ``shapely.line_locate_point(..., normalized=True)`` (clipped to
        0..1) times the edge's ``length_m``. **Ties**: of the edges at exactly the least
        distance, the one with the lowest index (then its first segment along it) —
        also for the skipped edge and among the eligible ones. Each point's snap
        depends on that point only.
    """
    x = np.atleast_1d(np.asarray(x, dtype="float64"))
    y = np.atleast_1d(np.asarray(y, dtype="float64"))
    n = x.size
    edge = np.full(n, -1, dtype="int64")
    dist = np.full(n, np.inf)
    along = np.full(n, np.nan)
    skipped = None if eligible is None else np.full(n, -1, dtype="int64")
    restricted = False
    if eligible is not None:
        eligible = np.asarray(eligible, dtype=bool)
        if eligible.shape != (network.n_edges,):
            raise ValueError("eligible needs one value per edge")
        restricted = not eligible.all()
    if n == 0 or network.n_edges == 0:
        return Snap(edge, along, dist, float(max_distance_m), skipped)
    limit = float(max_distance_m)
    fidx = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    px, py = x[fidx], y[fidx]
    seg, d = _nearest_segment(network, px, py, None)
    segs = network_segments(network)
    if restricted:
        assert eligible is not None and skipped is not None
        nearest_any = segs.edge[np.maximum(seg, 0)]
        passed = np.flatnonzero((seg >= 0) & ~eligible[nearest_any])
        if passed.size:
            seg_e, d_e = _nearest_segment(network, px[passed], py[passed], eligible)
            far = np.flatnonzero(d_e > limit)
            wider = None if fallback is None else eligible | np.asarray(fallback, dtype=bool)
            if far.size and wider is not None and (wider != eligible).any():
                seg_w, d_w = _nearest_segment(network, px[passed[far]], py[passed[far]], wider)
                use = far[d_w <= limit]
                seg_e[use], d_e[use] = seg_w[d_w <= limit], d_w[d_w <= limit]
            # passed over: strictly nearer than every eligible edge (a tie is no skip)
            over = (d[passed] < d_e) & (d[passed] <= limit)
            skipped[fidx[passed[over]]] = nearest_any[passed[over]]
            seg[passed], d[passed] = seg_e, d_e
    dist[fidx] = d
    on = (seg >= 0) & (d <= limit)
    s_on = seg[on]
    e_on = segs.edge[s_on]
    frac = np.empty(s_on.size)
    ox, oy = px[on], py[on]
    # a block at a time: temporaries of a few hundred kilobytes are reused, where a
    # million points' would be fresh memory (page faults) each time
    for lo in range(0, s_on.size, _LOCATE_AT_ONCE):
        part = slice(lo, lo + _LOCATE_AT_ONCE)
        frac[part] = locate(segs, s_on[part], ox[part], oy[part])
    frac = np.where(np.isfinite(frac), np.clip(frac, 0.0, 1.0), 0.0)
    edge[fidx[on]] = e_on
    along[fidx[on]] = frac * network.length_m[e_on]
    return Snap(edge, along, dist, limit, skipped)


def _nearest_segment(
    network: Network, x: np.ndarray, y: np.ndarray, eligible: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest segment (of the eligible edges) of each finite point and its distance:
    segment -1 and distance ``inf`` where no edge counts. Ties: the lowest edge, then its
    first segment (:mod:`geo.network.snapping`)."""
    if eligible is None:
        key, edges = "all", np.ones(network.n_edges, dtype=bool)

        def tree() -> tuple[shapely.STRtree, np.ndarray]:
            return network.tree, np.arange(network.n_edges)
    else:
        key, edges = edge_set_key(eligible), eligible

        def tree() -> tuple[shapely.STRtree, np.ndarray]:
            return _subset_tree(network, eligible)
    if x.size * FEW_POINTS < network.n_edges and not has_segment_index(network, key):
        # a few points (stations, a what-if): the STRtree's queries cost less than the
        # quadtree's build (the same answers, ties included)
        if not edges.any():
            return np.full(x.size, -1, dtype="int64"), np.full(x.size, np.inf)
        return nearest_by_tree(network_segments(network), x, y, tree)
    index = segment_index(network, edges, key)
    if index is None:
        return np.full(x.size, -1, dtype="int64"), np.full(x.size, np.inf)
    return nearest_segments(network_segments(network), index, x, y, tree)


def tied_snaps(
    network: Network,
    x: np.ndarray,
    y: np.ndarray,
    snaps: Snap,
    *,
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Whether each point's nearest street is tied with another one at exactly the same
    distance, so that another spatial index (of a clip of the network) may pick the other.

    Parameters
    ----------
    network
        The street network the points were snapped onto.
    x, y
        The points (metres, the network's CRS).
    snaps
        Their :func:`snap` with ``eligible``.
    eligible
        As given to :func:`snap`: ties are sought among all edges (which edge was passed
        over) and, where a passed-over edge is among the nearest, among the eligible ones.

    Returns
    -------
    numpy.ndarray
        Boolean per point.
    """
    x = np.atleast_1d(np.asarray(x, dtype="float64"))
    y = np.atleast_1d(np.asarray(y, dtype="float64"))
    tied = np.zeros(x.size, dtype=bool)
    near = np.flatnonzero(snaps.ok | snaps.skipped)
    if near.size == 0:
        return tied
    pts = shapely.points(x[near], y[near])
    (qi, ei), _ = network.tree.query_nearest(
        pts, max_distance=snaps.max_distance_m, return_distance=True, all_matches=True
    )
    tied[near] = np.bincount(qi, minlength=near.size) > 1
    if eligible is not None and not np.all(eligible):
        mixed = np.unique(qi[~np.asarray(eligible, dtype=bool)[ei]])
        mixed = mixed[snaps.ok[near[mixed]]]
        tree, idx = _subset_tree(network, np.asarray(eligible, dtype=bool))
        if mixed.size and idx.size:
            (qj, _), _ = tree.query_nearest(
                pts[mixed], max_distance=snaps.max_distance_m, return_distance=True,
                all_matches=True,
            )
            tied[near[mixed]] |= np.bincount(qj, minlength=mixed.size) > 1
    return tied


# --- the multi-source search ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Search:
    """Minutes from every node to its nearest station (one multi-source Dijkstra).

    Attributes
    ----------
    network
        The network searched.
    stations
        The stations' snaps (stations off the network take no part).
    speed_m_per_min, walk_speed_m_per_min
        Travel speed along streets and walking speed between a point and its street.
    limit_minutes
        The search stopped here (``None``: no limit); nodes beyond have ``inf``.
    node_minutes
        Per node, minutes to the nearest station (``inf`` if none within the limit).
    node_station
        Per node, the position of that station in ``stations`` (``-1`` if none).
    """

    network: Network
    stations: Snap
    speed_m_per_min: float
    walk_speed_m_per_min: float
    limit_minutes: float | None
    node_minutes: np.ndarray
    node_station: np.ndarray

    def station_seeds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per usable station and end of its edge: ``(station, node, minutes)``."""
        return seeds(self.network, self.stations, self.speed_m_per_min, self.walk_speed_m_per_min)


def seeds(
    net: Network, st: Snap, speed: float, walk: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Virtual edges from each station to the ends of its edge, in minutes.

    A rider at ``u`` reaches a station at ``t`` metres along ``u → v`` by riding ``t``
    forward; from ``v`` by riding ``L − t`` backward, allowed on two-way edges (and
    trivially when the station sits on ``v``). The walk from the street to the
    station is added at walking speed.
    """
    sid = np.flatnonzero(st.ok)
    e = st.edge[sid]
    t = st.along_m[sid]
    length = net.length_m[e]
    walk_min = st.distance_m[sid] / walk
    via_v = net.two_way[e] | (length - t <= TOL_M)
    station = np.concatenate([sid, sid[via_v]])
    node = np.concatenate([net.u[e], net.v[e][via_v]])
    cost = np.concatenate([t / speed + walk_min, ((length - t) / speed + walk_min)[via_v]])
    return station, node, cost


def with_sources(
    base: csr_matrix, src: np.ndarray, dst: np.ndarray, cost: np.ndarray, n_src: int, scale: float
) -> csr_matrix:
    """``base`` (metres) divided by ``scale``, plus ``n_src`` virtual rows appended at the end
    whose edges go from virtual row ``src`` to node ``dst`` with ``cost``."""
    n = base.shape[0]
    total = n + n_src
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n_src)
    idx_dtype = index_dtype(max(total, base.nnz + cost.size))
    indptr = np.concatenate(
        [base.indptr.astype(idx_dtype), base.indptr[-1] + np.cumsum(counts).astype(idx_dtype)]
    )
    indices = np.concatenate([base.indices.astype(idx_dtype), dst[order].astype(idx_dtype)])
    data = np.concatenate([base.data / scale, cost[order]])
    return csr_matrix((data, indices, indptr), shape=(total, total))


def station_search(
    network: Network,
    stations: Snap,
    speed_m_per_min: float,
    *,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    limit_minutes: float | None = None,
) -> Search:
    """Minutes from every node to its nearest station, in one search from all stations.

    The search runs on the reversed graph (riders travel *to* stations) from one
    virtual node per station, joined to both ends of the station's edge with the
    partial-edge minutes (plus the walk from the street to the station), with
    ``dijkstra(indices=virtual_nodes, min_only=True, return_predecessors=True)``;
    its ``sources`` name the nearest station of every node.

    Parameters
    ----------
    network
        The street network.
    stations
        The stations' snaps (from :func:`snap`); those off the network take no part.
    speed_m_per_min
        Travel speed along the streets.
    walk_speed_m_per_min
        Walking speed between a station and its street.
    limit_minutes
        Stop the search here (nodes beyond get ``inf``); ``None`` searches everything.

    Returns
    -------
    Search
    """
    if not speed_m_per_min > 0 or not walk_speed_m_per_min > 0:
        raise SettingsError("speeds must be positive")
    n = network.n_nodes
    station, node, cost = seeds(network, stations, speed_m_per_min, walk_speed_m_per_min)
    usable = np.unique(station)
    node_minutes = np.full(n, np.inf)
    node_station = np.full(n, -1, dtype="int64")
    if usable.size and n:
        vpos = np.searchsorted(usable, station)
        graph = with_sources(network.reverse_csr(), vpos, node, cost, usable.size, speed_m_per_min)
        dist, _, sources = dijkstra(
            graph,
            directed=True,
            indices=n + np.arange(usable.size),
            min_only=True,
            return_predecessors=True,
            limit=np.inf if limit_minutes is None else float(limit_minutes),
        )
        node_minutes = dist[:n]
        src = sources[:n].astype("int64")
        reached = src >= n
        node_station[reached] = usable[src[reached] - n]
        node_minutes[~reached] = np.inf
    return Search(
        network=network,
        stations=stations,
        speed_m_per_min=float(speed_m_per_min),
        walk_speed_m_per_min=float(walk_speed_m_per_min),
        limit_minutes=None if limit_minutes is None else float(limit_minutes),
        node_minutes=node_minutes,
        node_station=node_station,
    )


class TravelTimes(NamedTuple):
    """Minutes from each point to its nearest station.

    Attributes
    ----------
    minutes
        Travel minutes (walk to the street, ride, walk to the station); ``inf``
        for a point beyond the search limit, ``NaN`` where ``status`` is not ``ok``.
    nearest
        Position of the nearest station among the stations searched, ``-1`` if none.
    status
        ``ok``, ``off_network`` (farther than the snap limit from any usable street)
        or ``unreachable`` (no station can be reached: its part of the network has
        none, or only against one-way streets).
    """

    minutes: np.ndarray
    nearest: np.ndarray
    status: np.ndarray


def _same_edge_pairs(net: Network, st: Snap, pt_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(point, station)`` position pairs where a usable station sits on the point's edge."""
    sid = np.flatnonzero(st.ok)
    if sid.size == 0 or pt_edge.size == 0:
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    order = np.argsort(st.edge[sid], kind="stable")
    s_sorted = sid[order]
    # per edge: how many stations, and where they start among the sorted ones (two
    # lookups per point instead of two binary searches of a million points)
    per_edge = np.bincount(st.edge[s_sorted], minlength=net.n_edges)
    first = np.cumsum(per_edge) - per_edge
    on = pt_edge >= 0
    lo = np.where(on, first[np.where(on, pt_edge, 0)], 0)
    counts = np.where(on, per_edge[np.where(on, pt_edge, 0)], 0)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    point = np.repeat(np.arange(pt_edge.size), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    station = s_sorted[np.repeat(lo, counts) + np.arange(total) - start]
    return point, station


def point_parts(
    net: Network, points: Snap, speed: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per point on the network: its position, its edge, and the minutes of riding from it
    to the edge's ``v`` and back to its ``u`` (``inf`` where a one-way edge forbids it)."""
    on = np.flatnonzero(points.ok)
    e = points.edge[on]
    t = points.along_m[on]
    to_v = (net.length_m[e] - t) / speed
    back_ok = net.two_way[e] | (t <= TOL_M)
    to_u = np.where(back_ok, t / speed, np.inf)
    return on, e, to_v, to_u


def same_edge_direct(
    net: Network, stations: Snap, points: Snap, on: np.ndarray, speed: float, walk: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(point, station, minutes)`` for every usable station on a point's own edge, riding
    straight along the edge where its direction allows (``inf`` where not)."""
    pp, ss = _same_edge_pairs(net, stations, points.edge[on])
    if pp.size == 0:
        return pp, ss, np.zeros(0)
    e = points.edge[on][pp]
    dt = stations.along_m[ss] - points.along_m[on][pp]
    allowed = (dt >= -TOL_M) | net.two_way[e]
    direct = np.where(allowed, np.abs(dt) / speed + stations.distance_m[ss] / walk, np.inf)
    return pp, ss, direct


_OK_UNREACHABLE = np.array(["ok", "unreachable"], dtype=object)


def travel_times(
    network: Network,
    stations: Snap,
    points: Snap,
    speed_m_per_min: float,
    *,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    limit_minutes: float | None = None,
    search: Search | None = None,
) -> TravelTimes:
    """Minutes from every point to its nearest station along the streets.

    A point at ``t`` metres along edge ``u → v`` (length ``L``) rides on to ``v``
    (``L − t``), or back to ``u`` (``t``) where the edge is two-way, or straight to
    a station on the same edge where the direction allows; the walk between the
    point and its street counts at walking speed.

    Parameters
    ----------
    network
        The street network.
    stations, points
        Snaps of the stations and of the points (from :func:`snap`).
    speed_m_per_min
        Travel speed along the streets (the mode's speed).
    walk_speed_m_per_min
        Walking speed between a point (or station) and its street.
    limit_minutes
        Search no farther (points beyond get ``inf`` minutes, status ``ok``);
        ``None`` gives exact minutes everywhere.
    search
        A :func:`station_search` already run with these stations and speeds.

    Returns
    -------
    TravelTimes
        ``(minutes, nearest, status)``.
    """
    if search is None:
        search = station_search(
            network,
            stations,
            speed_m_per_min,
            walk_speed_m_per_min=walk_speed_m_per_min,
            limit_minutes=limit_minutes,
        )
    net = network
    n = len(points)
    speed, walk = search.speed_m_per_min, search.walk_speed_m_per_min
    minutes = np.full(n, np.nan)
    nearest = np.full(n, -1, dtype="int64")
    status = np.full(n, "off_network", dtype=object)
    tn, sn = search.node_minutes, search.node_station
    on, e, to_v, to_u = point_parts(net, points, speed)
    via_v = to_v + tn[net.v[e]]
    via_u = to_u + tn[net.u[e]]
    best = np.minimum(via_v, via_u)
    best_lab = np.where(via_v <= via_u, sn[net.v[e]], sn[net.u[e]])
    # a station on the point's own edge
    pp, ss, direct = same_edge_direct(net, stations, points, on, speed, walk)
    if pp.size:
        order = np.lexsort((ss, direct, pp))
        first = np.ones(order.size, dtype=bool)
        first[1:] = pp[order][1:] != pp[order][:-1]
        bp, bd, bs = pp[order][first], direct[order][first], ss[order][first]
        better = bd < best[bp]
        best[bp[better]] = bd[better]
        best_lab[bp[better]] = bs[better]
    total = best + points.distance_m[on] / walk
    if search.limit_minutes is not None:
        total = np.where(within(total, search.limit_minutes), total, np.inf)
    finite = np.isfinite(total)
    best_lab = np.where(finite, best_lab, -1)
    # fragments holding a usable station
    frag_ok = np.zeros(int(net.fragment.max()) + 1 if net.n_edges else 0, dtype=bool)
    frag_ok[net.fragment[stations.edge[stations.ok]]] = True
    on_station_fragment = frag_ok[net.fragment[points.edge[on]]] if on.size else on.astype(bool)
    unreachable = ~finite & (~on_station_fragment | (search.limit_minutes is None))
    minutes[on] = np.where(unreachable, np.nan, total)
    nearest[on] = best_lab
    # the two words themselves, by reference: a new string object per point would cost a
    # million allocations on a city
    status[on] = _OK_UNREACHABLE[unreachable.astype(np.intp)]
    return TravelTimes(minutes, nearest, status)


def second_minutes(
    search: Search,
    points: Snap,
    travel: TravelTimes,
    *,
    limit_minutes: float | None = None,
) -> np.ndarray:
    """Minutes from each point to the nearest station *other than* its nearest one.

    Exact, with one more search: a path to another station leaves the region of
    the point's own station (the nodes it is nearest to) once for good, so the
    second-nearest minutes are a shortest path inside that region from a
    boundary seed (an edge into a node of another station's region, costing that
    node's minutes plus the edge). Used to tell demand that only one station covers.

    Parameters
    ----------
    search
        The :func:`station_search` the travel times came from.
    points
        The points' snaps.
    travel
        The points' :func:`travel_times`.
    limit_minutes
        Search no farther (beyond: ``inf``).

    Returns
    -------
    numpy.ndarray
        Minutes (``inf`` if no other station is reachable within the limit, ``NaN``
        where the point is not ``ok``).
    """
    net = search.network
    n = net.n_nodes
    node2 = np.full(n, np.inf)
    station, node, cost = search.station_seeds()
    usable = np.unique(station)
    speed, walk = search.speed_m_per_min, search.walk_speed_m_per_min
    if usable.size > 1 and n:
        k = usable.size
        vpos = np.searchsorted(usable, station)
        graph = with_sources(net.reverse_csr(), vpos, node, cost, k, speed)
        rows = np.repeat(np.arange(n + k), np.diff(graph.indptr))
        cols = graph.indices.astype("int64")
        w = graph.data
        # nearest station and minutes of every node; a virtual node is its own station
        lab = np.concatenate([search.node_station, usable])
        dist = np.concatenate([search.node_minutes, np.zeros(k)])
        boundary = (lab[rows] >= 0) & (lab[cols] >= 0) & (lab[rows] != lab[cols])
        boundary &= np.isfinite(dist[rows])
        inside = (lab[rows] == lab[cols]) & (lab[rows] >= 0) & (rows < n)
        # one super source (position n) with an edge to every seeded node, at the least
        # cost of the boundary edges into it
        seed = np.full(n, np.inf)
        np.minimum.at(seed, cols[boundary], dist[rows[boundary]] + w[boundary])
        seeded = np.flatnonzero(np.isfinite(seed))
        # the edges inside the regions, rows still ascending as in the graph (which has
        # no parallel entries), then the super source's row
        per_row = np.bincount(rows[inside], minlength=n)
        indptr = np.concatenate([[0], np.cumsum(per_row), [per_row.sum() + seeded.size]])
        sub = csr_matrix(
            (np.concatenate([w[inside], seed[seeded]]),
             np.concatenate([cols[inside], seeded]), indptr), shape=(n + 1, n + 1))
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        node2 = dijkstra(sub, directed=True, indices=n, limit=limit)[:n]
    out = np.full(len(points), np.nan)
    tn, sn = search.node_minutes, search.node_station
    on, e, to_v, to_u = point_parts(net, points, speed)
    mine = travel.nearest[on]
    second = np.full(on.size, np.inf)
    for to_end, end in ((to_v, net.v[e]), (to_u, net.u[e])):
        other = np.where(sn[end] != mine, tn[end], node2[end])
        second = np.minimum(second, to_end + other)
    pp, ss, direct = same_edge_direct(net, search.stations, points, on, speed, walk)
    if pp.size:
        np.minimum.at(second, pp, np.where(ss != mine[pp], direct, np.inf))
    second = second + points.distance_m[on] / walk
    if limit_minutes is not None:
        second = np.where(within(second, limit_minutes), second, np.inf)
    out[on] = second
    out[travel.status != "ok"] = np.nan
    return out


# --- the candidate × demand reach matrix (siting) ----------------------------------------


def network_reach(
    network: Network,
    candidates: Snap,
    points: Snap,
    *,
    speed_m_per_min: float,
    minutes: float,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    batch_bytes: int = NETWORK_BATCH_BYTES,
) -> csr_matrix:
    """Which points each candidate reaches along the street network.

    The minutes from a point to a candidate are those :func:`geo.network.travel_times`
    gives with that candidate as the only station; a point is reached when they are at
    most ``minutes``. Candidates and points off the network reach / are reached by nothing.
    Snap both as the analysis does (the fragment rule, :func:`eligible_edges`): candidates
    like stations, points with the stations' pieces — :func:`geo.siting.site` passes the
    candidates' snaps and the baseline analysis' point snaps.

    Parameters
    ----------
    network
        The street network.
    candidates, points
        Snaps (:func:`geo.network.snap`) of the candidate sites and of the demand points.
    speed_m_per_min
        Travel speed along the streets.
    minutes
        The threshold.
    walk_speed_m_per_min
        Walking speed between a point (or candidate) and its street.
    batch_bytes
        Memory for the dense ``batch × nodes`` block of one Dijkstra call.

    Returns
    -------
    scipy.sparse.csr_matrix
        Boolean, ``(len(candidates), len(points))``.
    """
    nc, n_pts = len(candidates), len(points)
    n = network.n_nodes
    usable = np.flatnonzero(candidates.ok)
    budget = float(minutes) + TOL_MIN
    rows: list[np.ndarray] = [np.zeros(0, "int64")]
    cols: list[np.ndarray] = [np.zeros(0, "int64")]
    if usable.size == 0 or n == 0 or not points.ok.any():
        return to_matrix(rows[0], cols[0], (nc, n_pts))
    speed, walk = float(speed_m_per_min), float(walk_speed_m_per_min)
    ends = _PointEnds.build(network, points, speed, walk, budget)
    base = network.reverse_csr()
    size = max(1, min(usable.size, int(batch_bytes // (8 * (n + 1)))))
    held = 0
    for lo in range(0, usable.size, size):
        batch = usable[lo : lo + size]
        sub = candidates.take(batch)
        station, node, cost = seeds(network, sub, speed, walk)
        graph = with_sources(base, station, node, cost, batch.size, speed)
        dist = dijkstra(
            graph, directed=True, indices=n + np.arange(batch.size), limit=budget + 1e-9
        )
        r, c = ends.pairs(dist[:, :n], budget)
        rows.append(batch[r])
        cols.append(c)
        held += r.size
        memory.check(f"the street reach matrix of {nc:,} candidates × {n_pts:,} points "
                     f"(so far {held:,} pairs)", held * memory.BYTES_PER_PAIR,
                     hint="use fewer candidates, or fewer minutes")
        pp, ss, direct = same_edge_direct(network, sub, points, ends.on, speed, walk)
        ok = direct + ends.walk[pp] <= budget
        rows.append(batch[ss[ok]])
        cols.append(ends.on[pp[ok]])
    return to_matrix(np.concatenate(rows), np.concatenate(cols), (nc, n_pts))


class _PointEnds:
    """The points on the network grouped by the edge end they ride to (CSR by node),
    with the minutes from the point to that end (walk to the street included)."""

    def __init__(self, on: np.ndarray, walk: np.ndarray, ptr: np.ndarray, point: np.ndarray,
                 extra: np.ndarray) -> None:
        self.on = on
        self.walk = walk
        self.ptr = ptr
        self.point = point
        self.extra = extra

    @classmethod
    def build(
        cls, net: Network, points: Snap, speed: float, walk: float, budget: float
    ) -> _PointEnds:
        on, e, to_v, to_u = point_parts(net, points, speed)
        walk_min = points.distance_m[on] / walk
        node = np.concatenate([net.v[e], net.u[e]])
        point = np.concatenate([on, on])
        extra = np.concatenate([to_v, to_u]) + np.tile(walk_min, 2)
        keep = extra <= budget
        node, point, extra = node[keep], point[keep], extra[keep]
        order = np.argsort(node, kind="stable")
        ptr = np.zeros(net.n_nodes + 1, dtype="int64")
        np.cumsum(np.bincount(node, minlength=net.n_nodes), out=ptr[1:])
        return cls(on, walk_min, ptr, point[order], extra[order])

    def pairs(self, dist: np.ndarray, budget: float) -> tuple[np.ndarray, np.ndarray]:
        """``(candidate row, point)`` pairs within ``budget`` via an edge end, given the
        minutes ``dist[row, node]`` from every node to each candidate of a batch."""
        deg = np.diff(self.ptr)
        reach = (dist <= budget) & (deg > 0)[None, :]
        r, node = np.nonzero(reach)
        d = dist[r, node]
        cnt = deg[node]
        total = int(cnt.sum())
        if total == 0:
            return np.zeros(0, "int64"), np.zeros(0, "int64")
        rep = np.repeat(np.arange(node.size), cnt)
        start = np.cumsum(cnt) - cnt
        pos = self.ptr[node][rep] + (np.arange(total) - start[rep])
        ok = d[rep] + self.extra[pos] <= budget
        return r[rep[ok]], self.point[pos[ok]]
