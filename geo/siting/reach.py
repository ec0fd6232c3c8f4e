"""The candidate × demand reach matrix: which candidate site would cover which demand point.

Both reach models of :func:`geo.analyze` are answered with the same rules it uses,
so a site chosen here covers in the "after" analysis exactly what the model counted:

* :func:`euclidean_reach` — straight line × circuity in the metric CRS; one
  KD-tree per batch of candidates against one KD-tree of the demand points
  (``cKDTree.sparse_distance_matrix``), never a Python loop per point.
* :func:`network_reach` — along the streets, as :func:`geo.network.travel_times`
  measures a point's minutes to a station: the walk from the point to its street,
  riding to either end of its edge (or straight to a candidate on the same edge,
  where the direction allows), the search on the reversed graph, and the walk from
  the street to the candidate. One ``scipy.sparse.csgraph.dijkstra`` call per batch
  of candidates (``indices`` = the batch's virtual source nodes, ``limit`` = the
  reach), with the batch sized to bound memory.

Both return a boolean ``scipy.sparse.csr_matrix`` with one row per candidate and
one column per demand point; a point exactly at the threshold is covered.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.network import (
    WALK_SPEED_M_PER_MIN,
    Network,
    Snap,
    _point_parts,
    _same_edge_direct,
    _seeds,
    _with_sources,
)
from geo.reach import TOL_MIN, euclidean_reach, to_matrix

__all__ = ["euclidean_reach", "network_reach", "to_matrix"]

#: Bytes of the dense distance block one network batch may use.
NETWORK_BATCH_BYTES = 256 * 2**20


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
    for lo in range(0, usable.size, size):
        batch = usable[lo : lo + size]
        sub = candidates.take(batch)
        station, node, cost = _seeds(network, sub, speed, walk)
        graph = _with_sources(base, station, node, cost, batch.size, speed)
        dist = dijkstra(
            graph, directed=True, indices=n + np.arange(batch.size), limit=budget + 1e-9
        )
        r, c = ends.pairs(dist[:, :n], budget)
        rows.append(batch[r])
        cols.append(c)
        pp, ss, direct = _same_edge_direct(network, sub, points, ends.on, speed, walk)
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
        on, e, to_v, to_u = _point_parts(net, points, speed)
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
