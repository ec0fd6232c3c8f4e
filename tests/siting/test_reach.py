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


def lattice_case(seed: int, cell: float = 100.0, n_cand: int = 400, n_pts: int = 4000):
    """Candidates on the nodes of a square lattice (a hair off, as after a round trip
    through longitude and latitude), points around them, 600 at the radius of candidates
    ``pick`` (exactly, a few ulps either side, and around the covered tolerance)."""
    rng = np.random.default_rng(seed)
    s = geo.Settings(mode="walk", minutes=5.0)
    r = float(s.minutes / (s.circuity / s.speed_m_per_min))
    nodes = rng.choice(40 * 40, n_cand, replace=False)
    ox, oy = 500_000.0 + cell / 2, 3_400_000.0 + cell / 2
    cx = ox + (nodes // 40) * cell + rng.normal(0, 1e-9, n_cand)
    cy = oy + (nodes % 40) * cell + rng.normal(0, 1e-9, n_cand)
    px = rng.uniform(ox - 2 * r, ox + 40 * cell + 2 * r, n_pts)
    py = rng.uniform(oy - 2 * r, oy + 40 * cell + 2 * r, n_pts)
    # points at the radius (and a few ulps and the covered tolerance either side of it)
    k = 600
    pick = rng.integers(0, n_cand, k)
    angle = rng.uniform(0, 2 * np.pi, k)
    tol_m = 1e-9 / (s.circuity / s.speed_m_per_min)
    dist = r + rng.choice([0.0, -1e-12 * r, 1e-12 * r, tol_m, 2 * tol_m, 0.5 * tol_m], k)
    ax = np.where(rng.random(k) < 0.3, 0.0, np.cos(angle))  # some straight along an axis
    ay = np.where(ax == 0.0, 1.0, np.sin(angle))
    px = np.concatenate([px, cx[pick] + dist * ax, [cx[0], cx[1] + cell / 2]])
    py = np.concatenate([py, cy[pick] + dist * ay, [cy[0], cy[1] + cell / 2]])
    return cx, cy, px, py, s, pick


@pytest.mark.parametrize("seed", range(4))
def test_lattice_reach_equals_the_kdtree_entry_for_entry(seed):
    from geo.reach import lattice_reach

    cx, cy, px, py, s, pick = lattice_case(seed)
    kd = euclidean_reach(cx, cy, px, py, s)  # no lattice: the KD-tree path
    lat = lattice_reach(cx, cy, px, py, s, cell_m=100.0)
    assert lat.format == "csc" and lat.shape == kd.shape
    assert (lat.tocsr() != kd).nnz == 0
    ref = brute_reach(cx, cy, px, py, s)
    np.testing.assert_array_equal(kd.toarray(), ref)
    # the points at the radius from their candidate: within the tolerance covered, past it not
    at = ref[pick, 4000 + np.arange(pick.size)]
    assert at.sum() >= 300 and (~at).sum() >= 100
    # … and through euclidean_reach, in both forms, with the same sorted CSR as before
    for csc in (False, True):
        got = euclidean_reach(cx, cy, px, py, s, cell_m=100.0, csc=csc)
        assert got.format == ("csc" if csc else "csr") and got.dtype == bool
        assert (got.tocsr() != kd).nnz == 0
    got = euclidean_reach(cx, cy, px, py, s, cell_m=100.0)
    np.testing.assert_array_equal(got.indptr, kd.indptr)
    np.testing.assert_array_equal(got.indices, kd.indices)


def test_euclidean_reach_mixes_lattice_and_other_candidates(monkeypatch):
    import geo.reach as reachmod

    cx, cy, px, py, s, _ = lattice_case(7)
    cx, cy = cx.copy(), cy.copy()
    cx[::9] += 13.7  # off the lattice: the KD-tree path
    cx = np.append(cx, cx[4])  # a repeat of a node: the KD-tree path too
    cy = np.append(cy, cy[4])
    calls = []
    real = reachmod.lattice_reach
    monkeypatch.setattr(reachmod, "lattice_reach",
                        lambda *a, **k: calls.append(np.size(a[0])) or real(*a, **k))
    got = euclidean_reach(cx, cy, px, py, s, cell_m=100.0)
    assert calls and calls[0] == cx.size - 45 - 1  # the others went to the KD-tree
    np.testing.assert_array_equal(got.toarray(), brute_reach(cx, cy, px, py, s))
    assert (got[4] != got[cx.size - 1]).nnz == 0
    # too few on the lattice, or no lattice given: the KD-tree only
    calls.clear()
    jitter = np.random.default_rng(1).uniform(1.0, 49.0, cx.size)
    euclidean_reach(cx + jitter, cy, px, py, s, cell_m=100.0)
    euclidean_reach(cx, cy, px, py, s)
    assert calls == []


def test_compress_takes_the_csc_form_and_gives_the_same_instance():
    from geo.siting import compress

    cx, cy, px, py, s, _ = lattice_case(3)
    w = np.random.default_rng(3).integers(0, 4, px.size).astype(float)
    a = compress(euclidean_reach(cx, cy, px, py, s), w)
    b = compress(euclidean_reach(cx, cy, px, py, s, cell_m=100.0, csc=True), w)
    for m, n in ((a.matrix, b.matrix), (a.csc, b.csc)):
        assert m.format == n.format and m.shape == n.shape
        for f in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(m, f), getattr(n, f))
    for f in ("weight", "candidate", "row_of", "group_of"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert b.csc.has_sorted_indices and (b.csc != b.matrix.tocsc()).nnz == 0
