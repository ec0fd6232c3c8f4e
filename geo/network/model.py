"""The street network: nodes and edges in metres, for one travel mode.

A :class:`Network` stores each street segment once, as an edge ``u → v`` that may
be travelled from ``u`` to ``v``; ``two_way`` says whether ``v → u`` may be travelled
too (a one-way street that runs against its way is stored reversed). The reversed
graph is kept as a CSR matrix (parallel edges at their minimum) for the searches of
:mod:`geo.network.search`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "TOL_M",
    "Network",
    "fragments",
    "index_dtype",
    "min_csr",
    "network_from_edges",
    "straight_lines",
]

#: Lengths closer than this (metres) count as equal (a point on an edge's end).
TOL_M = 1e-6


@dataclass(frozen=True, eq=False)
class Network:
    """A street network for one travel mode, in a metric CRS.

    Parameters
    ----------
    x, y
        Node coordinates in metres (``crs``).
    u, v
        Per edge, the node it starts and ends at: an edge may always be travelled
        from ``u`` to ``v``.
    length_m
        Per edge, its length in metres (the travel cost).
    two_way
        Per edge, whether it may be travelled from ``v`` to ``u`` as well.
    crs
        The metric CRS of ``x``, ``y`` and ``geometry`` (the UTM zone of the data).
    geometry
        Per edge, a LineString from ``u`` to ``v`` (metric); straight lines between
        the nodes when not given.
    fragment
        Per edge, the id of the connected piece of the network it belongs to
        (weakly connected components); computed when not given.
    node_id
        OSM node ids (or any ids), for reference.
    network_type
        ``walking`` or ``cycling`` (pyrosm's names), or a free label.
    source
        Where the network came from (a file name), for messages.
    path
        The file it was read from (``""`` for a network built in memory): the
        basemap reads the file's water and rail from it (:mod:`geo.network.context`).
    profile
        The street profile its ways were chosen with (``china`` or ``osm``,
        :mod:`geo.network.profile`; ``""`` for a network built in memory).
    removed
        The number of OSM ways each profile rule removed (``opened:<rule>``: ways a
        rule kept open that another would have closed).
    """

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    two_way: np.ndarray
    crs: CRS
    geometry: np.ndarray | None = None
    fragment: np.ndarray | None = None
    node_id: np.ndarray | None = None
    network_type: str = "walking"
    source: str = ""
    path: str = ""
    profile: str = ""
    removed: dict[str, int] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("x", np.ascontiguousarray(self.x, dtype="float64"))
        put("y", np.ascontiguousarray(self.y, dtype="float64"))
        put("u", np.ascontiguousarray(self.u, dtype="int64"))
        put("v", np.ascontiguousarray(self.v, dtype="int64"))
        put("length_m", np.ascontiguousarray(self.length_m, dtype="float64"))
        put("two_way", np.broadcast_to(np.asarray(self.two_way, dtype=bool), self.u.shape).copy())
        put("crs", CRS.from_user_input(self.crs))
        n, m = self.x.size, self.u.size
        if self.y.size != n or self.v.size != m or self.length_m.size != m:
            raise ValueError("node and edge arrays must have matching sizes")
        if m and (min(self.u.min(), self.v.min()) < 0 or max(self.u.max(), self.v.max()) >= n):
            raise ValueError("edge end nodes must be node positions 0..n-1")
        if m and not (np.isfinite(self.length_m).all() and (self.length_m >= 0).all()):
            raise ValueError("edge lengths must be finite and non-negative")
        if self.geometry is None:
            put("geometry", straight_lines(self.x, self.y, self.u, self.v))
        else:
            geom = np.asarray(self.geometry, dtype=object)
            if geom.size != m:
                raise ValueError("one geometry per edge is needed")
            put("geometry", geom)
        if self.fragment is None:
            put("fragment", fragments(n, self.u, self.v)[1])
        else:
            put("fragment", np.asarray(self.fragment, dtype="int64"))
        if self.node_id is not None:
            put("node_id", np.asarray(self.node_id))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_memo"] = {}  # indexes are rebuilt where needed, not pickled
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        """Number of edges (each street segment once, see ``two_way``)."""
        return int(self.u.size)

    @property
    def n_fragments(self) -> int:
        """Number of connected pieces of the network (1 when it is all connected)."""
        assert self.fragment is not None
        return int(np.unique(self.fragment).size)

    @property
    def tree(self) -> shapely.STRtree:
        """The spatial index of the edge geometries (built once)."""
        if "tree" not in self._memo:
            self._memo["tree"] = shapely.STRtree(self.geometry)
        return self._memo["tree"]

    def directed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every travellable direction as ``(from_node, to_node, length_m)``.

        Returns
        -------
        tuple of numpy.ndarray
            Edges ``u → v`` first, then ``v → u`` of the two-way edges.
        """
        two = self.two_way
        return (
            np.concatenate([self.u, self.v[two]]),
            np.concatenate([self.v, self.u[two]]),
            np.concatenate([self.length_m, self.length_m[two]]),
        )

    def reverse_csr(self) -> csr_matrix:
        """The reversed directed graph as a CSR matrix of metres (built once).

        Row ``b``, column ``a`` holds the length of the shortest edge ``a → b``:
        parallel edges keep their minimum and self-loops are left out.
        """
        if "rcsr" not in self._memo:
            self._memo["rcsr"] = min_csr(*self.directed(), self.n_nodes)
        return self._memo["rcsr"]

    def edges_frame(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame (``u, v, length_m, two_way, fragment``), metric CRS."""
        return gpd.GeoDataFrame(
            {
                "u": self.u,
                "v": self.v,
                "length_m": self.length_m,
                "two_way": self.two_way,
                "fragment": self.fragment,
            },
            geometry=self.geometry,
            crs=self.crs,
        )

    def vertices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vertex coordinates of every edge, a sorted key ``2·edge + fraction`` per
        vertex, and the geometric length of every edge (for substrings)."""
        if "vertices" not in self._memo:
            coords, idx = shapely.get_coordinates(self.geometry, return_index=True)
            seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
            seg[idx[1:] != idx[:-1]] = 0.0
            cum = np.concatenate([[0.0], np.cumsum(seg)])
            first = np.searchsorted(idx, np.arange(self.n_edges))
            first_clipped = np.minimum(first, max(idx.size - 1, 0))
            cum_in = cum - cum[first_clipped][idx] if idx.size else cum[:0]
            glen = shapely.length(self.geometry)
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(glen[idx] > 0, cum_in / glen[idx], 0.0)
            key = idx * 2.0 + np.clip(frac, 0.0, 1.0)
            self._memo["vertices"] = (coords, key, glen)
        return self._memo["vertices"]


def min_csr(src: np.ndarray, dst: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """CSR matrix with row ``dst``, column ``src``: the minimum ``w`` of parallel entries,
    self-loops left out. scipy builds it (summing duplicates, in C); the few entries
    that parallel edges summed are then set to their minimum."""
    keep = src != dst
    rows, cols, w = dst[keep], src[keep], w[keep]
    graph = csr_matrix((w, (rows, cols)), shape=(n, n))
    if graph.nnz == w.size:  # no parallel edges: nothing was summed
        return graph
    count = csr_matrix((np.ones(w.size), (rows, cols)), shape=(n, n))
    dup = np.flatnonzero(np.asarray(count[rows, cols]).ravel() > 1)
    r, c, d = rows[dup], cols[dup], w[dup]
    order = np.lexsort((d, c, r))  # only the parallel entries
    r, c, d = r[order], c[order], d[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    graph[r[first], c[first]] = d[first]  # existing entries: the structure stays
    return graph


def index_dtype(n: int) -> str:
    return "int32" if n < 2**31 - 1 else "int64"


def straight_lines(x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    m = u.size
    if m == 0:
        return np.empty(0, dtype=object)
    coords = np.empty((2 * m, 2))
    coords[0::2, 0], coords[0::2, 1] = x[u], y[u]
    coords[1::2, 0], coords[1::2, 1] = x[v], y[v]
    return shapely.linestrings(coords, indices=np.repeat(np.arange(m), 2))


def fragments(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weakly connected component per node and per edge."""
    if n == 0:
        return np.zeros(0, dtype="int64"), np.zeros(u.size, dtype="int64")
    g = coo_matrix((np.ones(u.size, dtype="int8"), (u, v)), shape=(n, n))
    _, node_label = connected_components(g, directed=False)
    node_label = node_label.astype("int64")
    return node_label, node_label[u]


def network_from_edges(
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    *,
    two_way: bool | np.ndarray = True,
    length_m: np.ndarray | None = None,
    geometry: np.ndarray | None = None,
    crs: Any = "EPSG:32651",
    network_type: str = "walking",
    node_id: np.ndarray | None = None,
    source: str = "edges",
) -> Network:
    """Build a :class:`Network` from node coordinates and edge arrays (synthetic data).

    Parameters
    ----------
    x, y
        Node coordinates in metres.
    u, v
        Edge end nodes (positions into ``x``/``y``); each edge may be travelled ``u → v``.
    two_way
        Whether each edge may also be travelled ``v → u`` (one value or one per edge).
    length_m
        Edge lengths; the geometric lengths when not given.
    geometry
        Edge LineStrings from ``u`` to ``v``; straight lines when not given.
    crs
        The metric CRS of the coordinates (UTM zone 51N, Suzhou, by default).
    network_type, node_id, source
        Labels kept on the network.

    Returns
    -------
    Network
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    u = np.asarray(u, dtype="int64")
    v = np.asarray(v, dtype="int64")
    if geometry is None:
        geometry = straight_lines(x, y, u, v)
    if length_m is None:
        length_m = shapely.length(geometry)
    return Network(
        x=x,
        y=y,
        u=u,
        v=v,
        length_m=np.asarray(length_m, dtype="float64"),
        two_way=np.broadcast_to(np.asarray(two_way, dtype=bool), u.shape),
        crs=crs,
        geometry=geometry,
        node_id=node_id,
        network_type=network_type,
        source=source,
    )

