"""Walking speed, the nodes of the real network the references are built on, and the
references themselves: networkx Dijkstra on the same edges (split by hand wherever a
station or point sits on them), networkx connected components and brute-force distances
for the fragment rule."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import shapely

from geo import network as gn

WALK = 80.0  # m/min


def node_fragment(net: gn.Network) -> np.ndarray:
    frag = np.full(net.n_nodes, -1)
    frag[net.u] = net.fragment
    frag[net.v] = net.fragment
    return frag


def unique_position(net: gn.Network) -> np.ndarray:
    """Nodes whose position no other node shares (a point there has one node)."""
    xy = np.round(np.c_[net.x, net.y], 6)
    _, inv, cnt = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    return cnt[inv.ravel()] == 1


def main_nodes(net: gn.Network) -> np.ndarray:
    """Nodes of the largest fragment at a position of their own."""
    big = np.bincount(net.fragment).argmax()
    return np.flatnonzero((node_fragment(net) == big) & unique_position(net))


def reference_graph(net: gn.Network, placed: list[tuple[str, int, float]], speed: float):
    """networkx DiGraph of the network in minutes, with edges split at placed points.

    ``placed`` holds ``(name, edge, metres from u)``; each becomes its own node.
    """
    g = nx.DiGraph()

    def arc(a, b, w):
        if not g.has_edge(a, b) or g[a][b]["w"] > w:
            g.add_edge(a, b, w=w)

    on_edge: dict[int, list[tuple[float, str]]] = {}
    for name, e, t in placed:
        on_edge.setdefault(e, []).append((t, name))
    for e in range(net.n_edges):
        u, v, length = int(net.u[e]), int(net.v[e]), float(net.length_m[e])
        stops = [(0.0, ("n", u)), *sorted(on_edge.get(e, [])), (length, ("n", v))]
        for (t0, a), (t1, b) in itertools.pairwise(stops):
            if a == b:
                continue
            w = (t1 - t0) / speed
            arc(a, b, w)
            if net.two_way[e] or t1 - t0 == 0.0:
                arc(b, a, w)
    return g


def reference_times(net, stations, points, speed, walk=WALK):
    """Minutes and nearest station per point: stations/points as ``(edge, t, offset_m)``.

    An edge of -1 means "at node t" (an int).
    """
    placed = []
    s_nodes, p_nodes = [], []
    for kind, items, out in (("s", stations, s_nodes), ("p", points, p_nodes)):
        for k, (e, t, _) in enumerate(items):
            if e < 0:
                out.append(("n", int(t)))
            else:
                placed.append(((kind, k), int(e), float(t)))
                out.append((kind, k))
    g = reference_graph(net, placed, speed)
    r = g.reverse(copy=True)
    for k, node in enumerate(s_nodes):
        r.add_node(node)
        r.add_edge("SRC", ("S", k), w=0.0)
        r.add_edge(("S", k), node, w=stations[k][2] / walk)
    dist, paths = nx.single_source_dijkstra(r, "SRC", weight="w")
    minutes = np.full(len(points), np.nan)
    nearest = np.full(len(points), -1)
    for k, node in enumerate(p_nodes):
        if node in dist:
            minutes[k] = dist[node] + points[k][2] / walk
            nearest[k] = paths[node][1][1]
    return minutes, nearest


def reference_main_edges(net: gn.Network, min_nodes: int = 50) -> np.ndarray:
    """Per edge: whether its piece of the network (networkx connected components, one-way
    ignored) has at least ``min_nodes`` nodes or is the largest piece."""
    g = nx.Graph()
    g.add_edges_from(zip(net.u.tolist(), net.v.tolist(), strict=True))
    pieces = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
    main = np.zeros(net.n_nodes, dtype=bool)
    for k, piece in enumerate(pieces):
        if k == 0 or len(piece) >= min_nodes:
            main[list(piece)] = True
    return main[net.u]


def reference_piece_edges(net: gn.Network, edges: np.ndarray) -> np.ndarray:
    """Per edge: whether it is in the same connected piece as one of ``edges`` (networkx)."""
    g = nx.Graph()
    g.add_edges_from(zip(net.u.tolist(), net.v.tolist(), strict=True))
    nodes: set[int] = set()
    for e in np.asarray(edges, dtype=int):
        nodes |= nx.node_connected_component(g, int(net.u[e]))
    return np.isin(net.u, list(nodes))


def reference_snap(
    net: gn.Network, x: np.ndarray, y: np.ndarray, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Brute force: every point's distance to every eligible edge; ``(min distance, the
    edges at that distance as a boolean points × edges matrix)``."""
    pts = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    d = shapely.distance(pts[:, None], net.geometry[None, :])
    d[:, ~eligible] = np.inf
    best = d.min(axis=1)
    return best, d <= best[:, None]


#: Places on :func:`fragmented_network`, metres from its origin: stations A (on the main
#: grid), B (on the 50-node piece), C (5 m from the 4-node piece T2, 95 m from the grid);
#: demand P1 (4 m from the 3-node piece T, 104 m from the grid), P2 (10 m from the 50-node
#: piece), P3 (2 m from T2, 102 m from the grid), P4 (10 m from the 3-node piece T3, 410 m
#: from the grid: off the network) and P5 (far from everything).
FRAGMENT_STATIONS = {"A": (150.0, 300.0), "B": (1500.0, 450.0), "C": (750.0, -95.0)}
FRAGMENT_POINTS = {
    "P1": (410.0, 1004.0),
    "P2": (1290.0, 455.0),
    "P3": (650.0, -102.0),
    "P4": (400.0, 1310.0),
    "P5": (3000.0, 3000.0),
}


class Pieces:
    """A street network drawn piece by piece (a grid of 100 m blocks, a path), two-way,
    remembering the edges of each piece by name."""

    def __init__(self) -> None:
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.us: list[int] = []
        self.vs: list[int] = []
        self.edges: dict[str, np.ndarray] = {}

    def grid(self, name: str, cols: int, rows: int, ox: float) -> np.ndarray:
        """``cols`` × ``rows`` nodes 100 m apart from ``(ox, 0)``: the new edges."""
        base, first = len(self.xs), len(self.us)
        for i in range(cols):
            for j in range(rows):
                self.xs.append(ox + i * 100.0)
                self.ys.append(j * 100.0)
        for i in range(cols):
            for j in range(rows):
                k = base + i * rows + j
                if i + 1 < cols:
                    self.us.append(k)
                    self.vs.append(k + rows)
                if j + 1 < rows:
                    self.us.append(k)
                    self.vs.append(k + 1)
        self.edges[name] = np.arange(first, len(self.us))
        return self.edges[name]

    def path(self, name: str, pts: list[tuple[float, float]]) -> np.ndarray:
        """A path through ``pts``: the new edges."""
        base, first = len(self.xs), len(self.us)
        for px, py in pts:
            self.xs.append(px)
            self.ys.append(py)
        for k in range(len(pts) - 1):
            self.us.append(base + k)
            self.vs.append(base + k + 1)
        self.edges[name] = np.arange(first, len(self.us))
        return self.edges[name]

    def network(self, x0: float = 0.0, y0: float = 0.0, crs: str = "EPSG:32651") -> gn.Network:
        """The pieces as one network, shifted by ``(x0, y0)``."""
        return gn.network_from_edges(
            np.asarray(self.xs) + x0, np.asarray(self.ys) + y0, np.asarray(self.us),
            np.asarray(self.vs), two_way=True, crs=crs,
        )


def fragmented_network(
    x0: float = 0.0, y0: float = 0.0, crs: str = "EPSG:32651"
) -> tuple[gn.Network, dict[str, np.ndarray]]:
    """A street network in pieces, as real extracts are, and the edges of each piece.

    * ``G``: the main grid, 10 × 10 nodes 100 m apart (x, y in 0..900);
    * ``S50``: a 5 × 10 grid of exactly 50 nodes, 400 m east of it (x 1300..1700):
      a main piece by the 50-node rule, though not the largest;
    * ``T``: 3 nodes 100 m north of the grid (x 300..500, y 1000), no station;
    * ``T2``: 4 nodes 100 m south of it (x 600..900, y -100), where station C stands;
    * ``T3``: 3 nodes 400 m north of it (x 300..500, y 1300).
    """
    p = Pieces()
    p.grid("G", 10, 10, 0.0)
    p.grid("S50", 5, 10, 1300.0)
    p.path("T", [(300.0, 1000.0), (400.0, 1000.0), (500.0, 1000.0)])
    p.path("T2", [(600.0, -100.0), (700.0, -100.0), (800.0, -100.0), (900.0, -100.0)])
    p.path("T3", [(300.0, 1300.0), (400.0, 1300.0), (500.0, 1300.0)])
    return p.network(x0, y0, crs), p.edges


def placed(snaps: gn.Snap, which: np.ndarray | None = None) -> list[tuple[int, float, float]]:
    """``(edge, metres from u, walk metres)`` of snapped places, for :func:`reference_times`."""
    idx = np.flatnonzero(snaps.ok) if which is None else np.asarray(which)
    return [
        (int(snaps.edge[i]), float(snaps.along_m[i]), float(snaps.distance_m[i])) for i in idx
    ]
