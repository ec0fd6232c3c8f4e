"""The sparse candidate × demand reach matrix (``geo.siting.reach``), straight and on streets.

References written only here (``tests/_helpers/siting.py``): straight-line reach by numpy
broadcasting, street reach by :func:`geo.network.travel_times` with one candidate at a time
(itself checked against networkx in ``tests/network/test_search.py``), brute force over all
k-subsets, and spopt's MCLP / LSCP (PuLP + CBC) on random instances.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _helpers.network import WALK
from _helpers.siting import brute_reach, helsinki_points

import geo
from geo import network as gn
from geo.siting import euclidean_reach, network_reach


def line_net(two_way: bool, length: float = 1000.0) -> gn.Network:
    return gn.network_from_edges([0.0, length], [0.0, 0.0], [0], [1], two_way=two_way,
                                 network_type="cycling")


@pytest.mark.parametrize("pairs", [50, 4_000_000])
def test_euclidean_reach_matches_broadcasting(pairs):
    rng = np.random.default_rng(5)
    cx, cy = rng.random(40) * 4000, rng.random(40) * 4000
    px, py = rng.random(3000) * 4000, rng.random(3000) * 4000
    px[:3], py[:3] = cx[:3], cy[:3]  # a candidate exactly at a point reaches it
    s = geo.Settings(mode="bike", circuity=1.25)
    got = euclidean_reach(cx, cy, px, py, s, pairs_per_batch=pairs)
    ref = brute_reach(cx, cy, px, py, s)
    assert got.dtype == bool and got.shape == (40, 3000)
    assert ref.sum() > 1000
    np.testing.assert_array_equal(got.toarray(), ref)
    assert got[0, 0] and got[1, 1] and got[2, 2]


@pytest.mark.parametrize(("net_name", "speed", "minutes"), [("walk_net", WALK, 6.0),
                                                           ("bike_net", 250.0, 3.0)])
def test_network_reach_matches_travel_times_one_candidate_at_a_time(
    net_name, speed, minutes, request
):
    net = request.getfixturevalue(net_name)
    cx, cy = helsinki_points(net, 25, 1)
    px, py = helsinki_points(net, 800, 2)
    px[:2], py[:2] = cx[:2], cy[:2]  # a candidate exactly at a demand point
    # candidates on the edges of some demand points: the same-edge rule, both directions
    ps = gn.snap(net, px, py)
    own = np.flatnonzero(ps.ok)[10:40]
    mid = shapely.line_interpolate_point(net.geometry[ps.edge[own]], 0.5, normalized=True)
    mx, my = shapely.get_coordinates(mid).T
    cx, cy = np.concatenate([cx, mx]), np.concatenate([cy, my])
    cx = np.append(cx, net.x.min() - 5000.0)  # far off the network
    cy = np.append(cy, net.y.min() - 5000.0)
    cs = gn.snap(net, cx, cy)
    same = cs.edge[:, None] == np.where(ps.ok, ps.edge, -2)[None, :]
    assert same.sum() >= 30
    got = network_reach(net, cs, ps, speed_m_per_min=speed, minutes=minutes, batch_bytes=10_000)
    whole = network_reach(net, cs, ps, speed_m_per_min=speed, minutes=minutes)
    assert (got != whole).nnz == 0  # batching changes nothing
    ref = np.zeros((cx.size, px.size), dtype=bool)
    for c in range(cx.size):
        tt = gn.travel_times(net, cs.take(np.array([c])), ps, speed)
        ref[c] = np.isfinite(tt.minutes) & (tt.minutes <= minutes + 1e-9)
    assert ref.sum() > 200
    np.testing.assert_array_equal(got.toarray(), ref)
    assert got[0, 0] and got[1, 1]
    assert got[cx.size - 1].nnz == 0  # off the network: reaches nothing


def test_network_reach_same_edge_and_one_way():
    one, two = line_net(False), line_net(True)
    at = lambda net, xs: gn.snap(net, np.asarray(xs, float), np.zeros(len(xs)))  # noqa: E731
    # candidate at 700 m; points at 200 (before), 800 (after), 700 (on it); 250 m/min, 2 min
    pts = [200.0, 800.0, 700.0, 950.0]
    r1 = network_reach(one, at(one, [700.0]), at(one, pts), speed_m_per_min=250.0, minutes=2.0)
    r2 = network_reach(two, at(two, [700.0]), at(two, pts), speed_m_per_min=250.0, minutes=2.0)
    # one-way 0 → 1: only points before the candidate ride to it (200 m: 2 min exactly)
    np.testing.assert_array_equal(r1.toarray()[0], [True, False, True, False])
    np.testing.assert_array_equal(r2.toarray()[0], [True, True, True, True])
