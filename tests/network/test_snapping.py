"""Snapping points to edges (``geo.network.snapping`` behind ``geo.network.snap``) against
brute force with GEOS.

The reference measures every point against every edge with ``shapely.distance`` (GEOS's
point–line distance), takes the lowest edge index among the least distances (the tie
rule), applies the fragment rule's ``eligible`` edges and the snap limit as
:func:`geo.network.snap` documents them, and locates the point with
``shapely.line_locate_point``. Results must be *equal*, not close: the quadtree only
chooses which segments to measure, GEOS's formulas are reproduced bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo import network as gn
from geo.network import snapping
from geo.network.search import eligible_edges, travel_times

LIMIT = 60.0


def reference(
    net: gn.Network, x: np.ndarray, y: np.ndarray, limit: float, eligible: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Brute force over every (point, edge) pair with shapely."""
    pts = shapely.points(x, y)
    with np.errstate(invalid="ignore"):
        d = shapely.distance(pts[:, None], net.geometry[None, :])
    d[~np.isfinite(d)] = np.inf  # NaN points
    nearest_any = np.argmin(d, axis=1)  # the first of equals: the lowest edge index
    d_any = d[np.arange(x.size), nearest_any]
    if eligible is not None:
        d = np.where(eligible[None, :], d, np.inf)
    best = np.argmin(d, axis=1)
    dist = d[np.arange(x.size), best]
    edge = np.where(dist <= limit, best, -1)
    on = edge >= 0
    frac = shapely.line_locate_point(net.geometry[edge[on]], pts[on], normalized=True)
    frac = np.where(np.isfinite(frac), np.clip(frac, 0.0, 1.0), 0.0)
    along = np.full(x.size, np.nan)
    along[on] = frac * net.length_m[edge[on]]
    skipped = np.full(x.size, -1)
    if eligible is not None:
        over = (d_any < dist) & (d_any <= limit)
        skipped[over] = nearest_any[over]
    return {"edge": edge, "distance_m": dist, "along_m": along, "skipped_edge": skipped}


def assert_same(snap: gn.Snap, ref: dict[str, np.ndarray], eligible: bool) -> None:
    np.testing.assert_array_equal(snap.edge, ref["edge"])
    np.testing.assert_array_equal(snap.distance_m, ref["distance_m"])
    np.testing.assert_array_equal(snap.along_m, ref["along_m"])
    if eligible:
        assert snap.skipped_edge is not None
        np.testing.assert_array_equal(snap.skipped_edge, ref["skipped_edge"])


def polyline_network(seed: int, n_nodes: int = 60, n_edges: int = 120) -> gn.Network:
    """Random nodes on a 10 m lattice (so that equal distances happen), edges between
    random pairs with 0–4 bends (multi-segment geometries), some one-way, a few of
    zero length."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 40, n_nodes) * 10.0
    y = rng.integers(0, 40, n_nodes) * 10.0
    u = rng.integers(0, n_nodes, n_edges)
    v = rng.integers(0, n_nodes, n_edges)
    geoms = []
    for a, b in zip(u, v, strict=True):
        k = int(rng.integers(0, 5))
        mid = np.column_stack([rng.integers(0, 40, k) * 10.0, rng.integers(0, 40, k) * 10.0])
        coords = np.vstack([[x[a], y[a]], mid, [x[b], y[b]]])
        geoms.append(shapely.LineString(coords))
    geometry = np.array(geoms, dtype=object)
    return gn.network_from_edges(x, y, u, v, geometry=geometry,
                                 length_m=shapely.length(geometry) * 1.1 + 1.0,
                                 two_way=rng.random(n_edges) < 0.7)


def probe_points(net: gn.Network, seed: int, n: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """Random points, points exactly on nodes and bends, on the lattice (equidistant from
    parallel segments), far outside, and not finite."""
    rng = np.random.default_rng(seed)
    coords = shapely.get_coordinates(net.geometry)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    rand = rng.uniform(lo - 80, hi + 80, (n, 2))
    on_vertex = coords[rng.integers(0, coords.shape[0], n // 5)]
    lattice = rng.integers(-2, 42, (n // 5, 2)) * 5.0
    far = np.array([[lo[0] - 5000.0, lo[1]], [hi[0] + 1e5, hi[1] + 3e4], [0.0, -2500.0]])
    bad = np.array([[np.nan, 1.0], [np.inf, 0.0], [1.0, -np.inf]])
    pts = np.vstack([rand, on_vertex, lattice, far, bad])
    return pts[:, 0], pts[:, 1]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("with_eligible", [False, True])
def test_snap_equals_brute_force(seed, with_eligible):
    net = polyline_network(seed)
    x, y = probe_points(net, seed)
    eligible = None
    if with_eligible:
        eligible = np.random.default_rng(seed).random(net.n_edges) < 0.6
    s = gn.snap(net, x, y, max_distance_m=LIMIT, eligible=eligible)
    assert_same(s, reference(net, x, y, LIMIT, eligible), with_eligible)
    # ties were exercised: points whose least distance two edges share
    ok = np.isfinite(x) & np.isfinite(y)
    d = shapely.distance(shapely.points(x[ok], y[ok])[:, None], net.geometry[None, :])
    tied = (d == d.min(axis=1, keepdims=True)).sum(axis=1) > 1
    assert tied.sum() > 50


@pytest.mark.parametrize("block", [1, 7, 256])
def test_points_measured_in_blocks_equal_brute_force(monkeypatch, block):
    # a million points are measured a block at a time (memory); blocks of any size, with
    # points outside the quadtree and not finite among them, give the reference's answer
    monkeypatch.setattr(snapping, "_POINTS_AT_ONCE", block)
    net = polyline_network(6)
    x, y = probe_points(net, 6, n=600)
    assert x.size > 3 * block
    eligible = np.random.default_rng(6).random(net.n_edges) < 0.6
    s = gn.snap(net, x, y, max_distance_m=LIMIT, eligible=eligible)
    assert_same(s, reference(net, x, y, LIMIT, eligible), True)


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("with_eligible", [False, True])
def test_a_few_points_before_the_quadtree_is_built_equal_brute_force(seed, with_eligible):
    # fewer points than one per FEW_POINTS edges take the STRtree (no quadtree is built);
    # the same points once the quadtree exists take it: both equal the reference
    from geo.network import search

    net = polyline_network(seed, n_nodes=150, n_edges=600)
    x, y = probe_points(net, seed, n=120)
    pick = np.random.default_rng(seed).choice(x.size - 6, net.n_edges // search.FEW_POINTS - 7,
                                              replace=False)
    pick = np.union1d(pick, np.arange(x.size - 6, x.size))  # the far and not-finite points
    x, y = x[pick], y[pick]
    assert x.size * search.FEW_POINTS < net.n_edges
    ok = np.isfinite(x) & np.isfinite(y)
    d = shapely.distance(shapely.points(x[ok], y[ok])[:, None], net.geometry[None, :])
    assert ((d == d.min(axis=1, keepdims=True)).sum(axis=1) > 1).sum() >= 3  # ties among them
    eligible = (np.random.default_rng(seed).random(net.n_edges) < 0.6 if with_eligible
                else None)
    ref = reference(net, x, y, LIMIT, eligible)
    few = gn.snap(net, x, y, max_distance_m=LIMIT, eligible=eligible)
    assert not [k for k in net._memo if k.startswith("segment_index:")]  # no quadtree yet
    assert_same(few, ref, with_eligible)
    gn.snap(net, *probe_points(net, seed), max_distance_m=LIMIT, eligible=eligible)
    assert [k for k in net._memo if k.startswith("segment_index:")]  # now built
    assert_same(gn.snap(net, x, y, max_distance_m=LIMIT, eligible=eligible), ref,
                with_eligible)


def test_fragment_rule_on_helsinki():
    """The real extract: 3,000 random points, the fragment rule, the default limit."""
    net = gn.load_network("helsinki", "walk")
    rng = np.random.default_rng(5)
    x = rng.uniform(net.x.min() - 300, net.x.max() + 300, 3000)
    y = rng.uniform(net.y.min() - 300, net.y.max() + 300, 3000)
    # and 300 points on nodes (ties between the edges that meet there)
    pick = rng.integers(0, net.n_nodes, 300)
    x, y = np.r_[x, net.x[pick]], np.r_[y, net.y[pick]]
    el = eligible_edges(net)
    assert not el.all()
    s = gn.snap(net, x, y, eligible=el)
    ref = reference(net, x, y, gn.SNAP_LIMIT_M, el)
    assert_same(s, ref, True)
    assert (s.skipped_edge >= 0).any() and (s.edge < 0).any()


def test_each_point_on_its_own():
    """A point's snap does not depend on the other points, nor on their order."""
    net = polyline_network(4)
    x, y = probe_points(net, 4)
    whole = gn.snap(net, x, y, max_distance_m=LIMIT)
    order = np.random.default_rng(0).permutation(x.size)
    again = gn.snap(net, x[order], y[order], max_distance_m=LIMIT)
    np.testing.assert_array_equal(again.edge, whole.edge[order])
    np.testing.assert_array_equal(again.along_m, whole.along_m[order])
    one = gn.snap(net, x[7:8], y[7:8], max_distance_m=LIMIT)
    assert one.edge[0] == whole.edge[7] and one.distance_m[0] == whole.distance_m[7]


def test_tie_at_a_shared_node_goes_to_the_lowest_edge():
    # three edges meet at (0, 0); the point's nearest street point on edges 1 and 2 is
    # that node (14.14 m away), edge 0 is farther
    x = np.array([0.0, 100.0, 0.0, 150.0, 150.0])
    y = np.array([0.0, 0.0, 100.0, 150.0, 160.0])
    net = gn.network_from_edges(x, y, [3, 1, 0], [4, 0, 2])
    s = gn.snap(net, [-10.0], [-10.0])
    assert s.edge[0] == 1
    assert s.along_m[0] == net.length_m[1]  # its end: the shared node
    s = gn.snap(net, [-10.0], [-10.0], eligible=np.array([True, False, True]))
    assert s.edge[0] == 2 and s.along_m[0] == 0.0
    assert s.skipped_edge[0] == -1  # a tie is no skip
    # between two parallel streets, exactly midway: the lower index again
    net2 = gn.network_from_edges([0.0, 100.0, 0.0, 100.0], [40.0, 40.0, 0.0, 0.0], [0, 2],
                                 [1, 3])
    assert gn.snap(net2, [50.0], [20.0]).edge[0] == 0


def test_minutes_do_not_depend_on_which_tied_edge():
    """A point whose nearest street point is a node shared by several edges (one-way or
    not) gets the same minutes whichever of them it joins. (Points exactly midway between
    two streets are ties too, between different street points: there the rule's edge
    decides the minutes — see the parallel streets above.)"""
    rng = np.random.default_rng(8)
    side = 8
    gx, gy = np.meshgrid(np.arange(side) * 100.0, np.arange(side) * 100.0)
    x, y = gx.ravel(), gy.ravel()
    idx = np.arange(side * side).reshape(side, side)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    flip = rng.random(u.size) < 0.5
    u, v = np.where(flip, v, u), np.where(flip, u, v)
    net = gn.network_from_edges(x, y, u, v, two_way=rng.random(u.size) < 0.4)
    stations = gn.snap(net, [130.0, 620.0, 0.0], [310.0, 550.0, 240.0])
    # below the bottom row, left of the left column, beyond the corners: the nearest
    # street point is a node that two or three edges share
    along = np.arange(side) * 100.0
    px = np.r_[along, np.full(side, -7.0), -7.0, 707.0, 707.0]
    py = np.r_[np.full(side, -7.0), along, -7.0, -7.0, 707.0]
    node = np.argmin(np.hypot(net.x[None, :] - px[:, None], net.y[None, :] - py[:, None]), axis=1)
    pts = gn.snap(net, px, py)
    base = travel_times(net, stations, pts, 200.0).minutes
    assert np.isfinite(base).sum() > 10
    d = shapely.distance(shapely.points(px, py)[:, None], net.geometry[None, :])
    checked = 0
    for e in range(net.n_edges):  # every other edge at the same least distance
        alt = np.flatnonzero((d[:, e] == pts.distance_m) & (pts.edge != e))
        if alt.size == 0:
            continue
        edge, at = pts.edge.copy(), pts.along_m.copy()
        edge[alt] = e
        at[alt] = np.where(net.u[e] == node[alt], 0.0, net.length_m[e])
        other = gn.Snap(edge, at, pts.distance_m, pts.max_distance_m)
        np.testing.assert_array_equal(travel_times(net, stations, other, 200.0).minutes, base)
        checked += alt.size
    assert checked >= 2 * side


@pytest.mark.parametrize(("leaf", "min_cell", "far", "margin"),
                         [(1, 0.5, 2.0, 0.0), (3, 1.0, 100.0, 0.1), (40, 50.0, 6.0, 1.0)])
def test_index_shapes_agree(leaf, min_cell, far, margin):
    """Deep or shallow quadtrees, tiny or no margins (points outside: the STRtree path)
    give the same nearest segment: the first of equals, in edge order."""
    net = polyline_network(6)
    x, y = probe_points(net, 6)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    seg = snapping.network_segments(net)
    index = snapping.SegmentIndex.build(seg, np.arange(seg.n), leaf_segments=leaf,
                                        min_cell_m=min_cell, far_ratio=far, margin=margin)
    got, dist = snapping.nearest_segments(seg, index, x, y,
                                          lambda: (net.tree, np.arange(net.n_edges)))
    d = snapping.point_segment_distance(x[:, None], y[:, None], seg.ax, seg.ay, seg.bx, seg.by)
    np.testing.assert_array_equal(got, np.argmin(d, axis=1))
    np.testing.assert_array_equal(dist, d.min(axis=1))


def test_a_large_network_gets_the_coarser_quadtree_with_the_same_answers(monkeypatch):
    # from LARGE_INDEX segments on, leaves hold more segments (the build is most of a first
    # analysis there); the answers stay the reference's
    net = polyline_network(9)
    x, y = probe_points(net, 9)
    seg = snapping.network_segments(net)
    fine = snapping.SegmentIndex.build(seg, np.arange(seg.n))
    monkeypatch.setattr(snapping, "LARGE_INDEX", 1)
    coarse = snapping.SegmentIndex.build(seg, np.arange(seg.n))
    assert coarse.n_leaves < fine.n_leaves
    s = gn.snap(net, x, y, max_distance_m=LIMIT)
    assert_same(s, reference(net, x, y, LIMIT, None), False)


@pytest.mark.parametrize("threads", [1, 3])
def test_index_built_in_small_pieces_on_threads_is_the_same(monkeypatch, threads):
    # a level's (cell, segment) pairs are split into pieces handled on several threads;
    # any piece size and thread count give the same quadtree, array for array
    net = polyline_network(7)
    seg = snapping.network_segments(net)
    whole = snapping.SegmentIndex.build(seg, np.arange(seg.n))
    monkeypatch.setattr(snapping, "_CHUNK", 37)
    monkeypatch.setattr(snapping, "THREADS", threads)
    pieces = snapping.SegmentIndex.build(seg, np.arange(seg.n))
    assert whole.depth > 3 and whole.n_leaves > 20
    for name in ("leaf_start", "first", "count", "cand"):
        np.testing.assert_array_equal(getattr(pieces, name), getattr(whole, name))


def test_segments_kept_from_the_cache_equal_those_of_the_geometries(tmp_path):
    # a network read from its cache keeps the segments made from the cached vertices;
    # they equal, array for array, those taken apart from its edge geometries
    from geo.network import load

    net = polyline_network(8)
    load._write_cache(tmp_path / "net.npz", net)
    again = load._read_cache(tmp_path / "net.npz", source="test")
    assert "segments" in again._memo
    kept = snapping.network_segments(again)
    fresh = snapping.segments_of(again.geometry)
    assert kept.n > 2 * again.n_edges  # edges with bends
    for name in ("ax", "ay", "bx", "by", "edge", "start_m", "length", "edge_length", "first",
                 "dx", "dy", "inv"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name), err_msg=name)


def test_formulas_are_geos_bit_for_bit():
    rng = np.random.default_rng(9)
    n = 20000
    ax, ay = rng.uniform(3e5, 3.1e5, n), rng.uniform(6.6e6, 6.61e6, n)
    bx, by = ax + rng.normal(0, 80, n), ay + rng.normal(0, 80, n)
    bx[:50], by[:50] = ax[:50], ay[:50]  # segments of one point
    px, py = ax + rng.normal(0, 100, n), ay + rng.normal(0, 100, n)
    px[50:100], py[50:100] = ax[50:100], ay[50:100]  # on an end
    px[100:150] = ax[100:150] + 0.5 * (bx[100:150] - ax[100:150])  # on the line (nearly)
    py[100:150] = ay[100:150] + 0.5 * (by[100:150] - ay[100:150])
    lines = shapely.linestrings(np.stack([np.c_[ax, ay], np.c_[bx, by]], axis=1))
    pts = shapely.points(px, py)
    np.testing.assert_array_equal(snapping.point_segment_distance(px, py, ax, ay, bx, by),
                                  shapely.distance(pts, lines))
    # a multi-segment line: where a point projects, as line_locate_point says
    walk = np.cumsum(rng.normal(0, 30, (40, 2)), axis=0)
    seg = snapping.segments_of(np.array([shapely.LineString(walk)]))
    qx = rng.uniform(seg.ax.min(), seg.ax.max(), 3000)
    qy = rng.uniform(seg.ay.min(), seg.ay.max(), 3000)
    d = snapping.point_segment_distance(qx[:, None], qy[:, None], seg.ax, seg.ay, seg.bx, seg.by)
    first = np.argmin(d, axis=1)
    line = shapely.LineString(np.r_[np.c_[seg.ax, seg.ay], np.c_[seg.bx[-1:], seg.by[-1:]]])
    np.testing.assert_array_equal(snapping.locate(seg, first, qx, qy),
                                  shapely.line_locate_point(line, shapely.points(qx, qy),
                                                            normalized=True))
    np.testing.assert_array_equal(d.min(axis=1), shapely.distance(shapely.points(qx, qy), line))


def test_no_usable_edge():
    net = polyline_network(7, n_edges=10)
    s = gn.snap(net, [10.0, 20.0], [10.0, 20.0], eligible=np.zeros(net.n_edges, dtype=bool))
    assert (s.edge == -1).all() and np.isinf(s.distance_m).all()
    assert (s.skipped_edge >= 0).all()  # the whole network was passed over
