"""Siting (MCLP / LSCP) against independent references.

References written only here: straight-line reach by numpy broadcasting, street
reach by :func:`geo.network.travel_times` with one candidate at a time (itself
checked against networkx in test_network.py), brute force over all k-subsets,
and spopt's MCLP / LSCP (PuLP + CBC) on random instances.
"""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from conftest import make_points
from pyproj import Transformer

import geo
from geo import network as gn
from geo.errors import InputError, SettingsError
from geo.siting import (
    compress,
    euclidean_reach,
    greedy,
    heuristics,
    interchange,
    lagrangian_bound,
    models,
    network_reach,
    parse_share,
    site,
    solve_lscp,
    solve_mclp,
)
from geo.siting import solve as solvemod
from geo.siting.models import mclp_model

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")

SMALL = (120.600, 31.280, 120.625, 31.298)  # about 2.4 km × 2 km
WALK = 80.0


# --- references ---------------------------------------------------------------------------


def metric_xy(gdf: gpd.GeoDataFrame, crs) -> tuple[np.ndarray, np.ndarray]:
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    x, y = to_m.transform(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
    return np.asarray(x), np.asarray(y)


def brute_reach(ax, ay, bx, by, settings: geo.Settings) -> np.ndarray:
    """Boolean ``len(a) × len(b)``: within the minutes by straight line × circuity."""
    d = np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :])
    return d * settings.circuity / settings.speed_m_per_min <= settings.minutes + 1e-9


def best_subset(reach: np.ndarray, base: np.ndarray, w: np.ndarray, k: int) -> float:
    """The most demand ``k`` candidates (rows of ``reach``) cover together with ``base``."""
    n = reach.shape[0]
    k = min(k, n)
    combos = np.array(list(itertools.combinations(range(n), k)), dtype=int)
    cov = reach[combos].any(axis=1) | base[None, :]
    return float((cov * w[None, :]).sum(axis=1).max())


def fewest_sites(reach: np.ndarray, base: np.ndarray, w: np.ndarray, needed: float) -> int | None:
    """The fewest candidates covering ``needed`` demand with ``base`` (None: impossible)."""
    for m in range(reach.shape[0] + 1):
        if best_subset(reach, base, w, m) >= needed - 1e-9:
            return m
    return None


def covered_by(reach: np.ndarray, rows: np.ndarray, base: np.ndarray, w: np.ndarray) -> float:
    cov = base | (reach[rows].any(axis=0) if len(rows) else False)
    return float(w[cov].sum())


def small_instance(seed: int, n_st=4, n_dem=150, n_cand=10):
    rng = np.random.default_rng(seed)
    st = make_points(n_st, seed, "S", box=SMALL)
    dem = make_points(n_dem, seed + 100, "D", box=SMALL,
                      weight=rng.integers(1, 9, n_dem).astype(float))
    cand = make_points(n_cand, seed + 200, "C", box=SMALL)
    return st, dem, cand


def run(st, dem, cand, **kwargs):
    """site() on a small instance; 5 minutes on foot (about 300 m) leaves gaps to close."""
    kwargs.setdefault("minutes", 5.0)
    return site(st, demand=dem, candidates=cand, **kwargs)


def euclid_reference(st, dem, cand, crs, settings):
    sx, sy = metric_xy(st, crs)
    dx, dy = metric_xy(dem, crs)
    cx, cy = metric_xy(cand, crs)
    base = brute_reach(sx, sy, dx, dy, settings).any(axis=0)
    reach = brute_reach(cx, cy, dx, dy, settings)
    return base, reach, dem["weight"].to_numpy(dtype=float)


# --- the reach matrix ---------------------------------------------------------------------


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


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))


def helsinki_points(net: gn.Network, n: int, seed: int, jitter: float = 30.0):
    """Random points near the largest fragment's edges (metric)."""
    rng = np.random.default_rng(seed)
    big = np.bincount(net.fragment).argmax()
    edges = np.flatnonzero(net.fragment == big)
    e = rng.choice(edges, n)
    pts = shapely.line_interpolate_point(net.geometry[e], rng.random(n), normalized=True)
    x, y = shapely.get_coordinates(pts).T
    return x + rng.normal(0, jitter, n), y + rng.normal(0, jitter, n)


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


def line_net(two_way: bool, length: float = 1000.0) -> gn.Network:
    return gn.network_from_edges([0.0, length], [0.0, 0.0], [0], [1], two_way=two_way,
                                 network_type="cycling")


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


# --- compression and the greedy -----------------------------------------------------------


def random_matrix(seed: int, nc: int = 30, n_pts: int = 400, density: float = 0.08):
    rng = np.random.default_rng(seed)
    m = sp.random(nc, n_pts, density=density, random_state=rng, format="csr").astype(bool)
    m = sp.vstack([m, m[:3], sp.csr_matrix((2, n_pts), dtype=bool)]).tocsr()  # repeats, empties
    dense = m.toarray()
    dense[:, -20:] = dense[:, :20]  # repeated columns
    w = rng.integers(0, 6, n_pts).astype(float)
    return sp.csr_matrix(dense), dense, w


def test_compress_keeps_every_coverage():
    m, dense, w = random_matrix(1)
    inst = compress(m, w)
    assert inst.matrix.shape[1] < m.shape[1] and inst.n_rows < m.shape[0]
    reached = dense.any(axis=0) & (w > 0)
    assert inst.total == pytest.approx(w[reached].sum())
    assert (inst.row_of[-2:] == -1).all()  # empty rows are useless
    assert inst.row_of[-5] == inst.row_of[0]  # a repeated row maps to the first
    rng = np.random.default_rng(2)
    for _ in range(50):
        pick = rng.choice(m.shape[0], 5, replace=False)
        direct = w[dense[pick].any(axis=0)].sum()
        rows = np.unique(inst.row_of[pick][inst.row_of[pick] >= 0])
        via = inst.weight[inst.matrix[rows].toarray().any(axis=0)].sum() if rows.size else 0.0
        assert via == pytest.approx(direct)


@pytest.mark.parametrize("seed", range(8))
def test_greedy_within_its_bound_and_the_classic_ratio(seed):
    m, dense, w = random_matrix(seed, nc=14, n_pts=300, density=0.12)
    inst = compress(m, w)
    for k in (1, 2, 3, 4):
        g = greedy(inst, k=k)
        opt = best_subset(dense, np.zeros(dense.shape[1], bool), w, k)
        value = g.gains.sum()
        assert np.all(np.diff(g.gains) <= 1e-9)  # marginal gains never grow
        assert value <= opt + 1e-9
        assert value >= (1 - 1 / math.e) * opt - 1e-9
        assert opt <= g.bound + 1e-9  # the bound is a true upper bound
        exact = solve_mclp(inst, k, solver="exact")
        assert exact.objective == pytest.approx(opt)
        assert exact.optimal


def classic_instance(scale: float = 1.0):
    """Greedy takes the big set and misses the optimum: {1,2,3,4} vs {1,2,5} + {3,4,6}."""
    rows = [[0, 1, 2, 3], [0, 1, 4], [2, 3, 5]]
    r = np.repeat(np.arange(3), [len(x) for x in rows])
    m = sp.csr_matrix((np.ones(r.size, bool), (r, np.concatenate(rows))), shape=(3, 6))
    return compress(m, np.full(6, scale))


def test_greedy_misses_the_classic_case_interchange_and_highs_do_not():
    inst = classic_instance()
    g = greedy(inst, k=2)
    assert g.gains.sum() == 5 and g.bound == pytest.approx(6.0)
    assert inst.value(interchange(inst, g.rows)) == 6
    mip = mclp_model(inst, 2)
    assert mip.status == 0 and inst.value(mip.rows) == 6 and mip.bound == pytest.approx(6.0)
    sol = solve_mclp(inst, 2, solver="exact")
    assert sol.objective == 6 and sol.optimal
    assert list(sol.gains) == [3.0, 3.0]


@pytest.mark.parametrize(("scale", "lagrange", "bound"), [(10.0, 55.5, 55.0), (1.5, 8.25, 8.25)])
def test_time_limit_reports_the_incumbent_and_the_bound(monkeypatch, scale, lagrange, bound):
    """HiGHS stopped without a solution: the heuristic's choice, not called optimal, with
    the better of the two bounds (rounded down when every weight is a whole number)."""

    class Stopped:
        status, x, fun, message = 1, None, math.nan, "time limit reached"
        mip_dual_bound = -6.9 * scale

    monkeypatch.setattr(models, "milp", lambda *a, **k: Stopped())
    monkeypatch.setattr(solvemod, "interchange", lambda inst, rows, **k: rows)
    monkeypatch.setattr(
        solvemod, "lagrangian_bound",
        lambda inst, k, known, **kw: heuristics.Lagrange(lagrange, np.zeros(0, "int64"), 0.0, 1),
    )
    inst = classic_instance(scale)
    sol = solve_mclp(inst, 2, solver="exact", time_limit=0.5)
    assert sol.objective == 5 * scale and not sol.optimal and sol.solver == "greedy"
    assert sol.bound == pytest.approx(bound)  # 55.5 → 55 with whole-number weights
    assert "time limit" in sol.status and "0.5" in sol.status


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_bound_is_valid_and_near_the_lp(seed):
    m, _, w = random_matrix(seed, nc=40, n_pts=600, density=0.05)
    inst = compress(m, w)
    for k in (2, 4, 6):
        g = greedy(inst, k=k)
        lag = lagrangian_bound(inst, k, g.gains.sum(), iterations=2000)
        lp = mclp_model(inst, k, integer=False).bound
        opt = mclp_model(inst, k)
        assert lag.bound >= lp - 1e-6 >= inst.value(opt.rows) - 2e-6
        assert lag.bound <= lp * 1.02 + 1e-6  # the subgradient gets close to the LP bound
        assert inst.value(lag.rows) == pytest.approx(lag.value) and lag.rows.size == k


def test_lscp_greedy_bound_and_exact():
    inst = classic_instance()
    g = greedy(inst, needed=6.0)
    assert g.rows.size == 3 and g.bound <= 2  # greedy takes the big set first
    kept = heuristics.prune(inst, g.rows, 6.0)
    assert sorted(kept) == [1, 2]  # … which the other two make redundant
    lp = models.lscp_model(inst, 6.0, integer=False)
    assert lp.bound == pytest.approx(2.0)  # groups 5 and 6 each need their own site
    sol = solve_lscp(inst, 6.0, solver="greedy")
    assert sol.rows.size == 2 and sol.optimal and sol.bound == 2
    ex = solve_lscp(inst, 6.0, solver="exact")
    assert ex.rows.size == 2 and ex.optimal and ex.feasible
    over = solve_lscp(inst, 7.0, solver="exact")
    assert not over.feasible and over.objective == 6.0 and over.rows.size == 2


# --- site(): straight line against brute force --------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_mclp_matches_brute_force(seed, k):
    st, dem, cand = small_instance(seed)
    res = run(st, dem, cand, add=k, solver="exact")
    s = res.baseline.settings
    base, reach, w = euclid_reference(st, dem, cand, res.baseline.metric_crs, s)
    assert res.baseline_covered_demand == pytest.approx(w[base].sum())
    opt = best_subset(reach, base, w, k)
    assert res.covered_demand == pytest.approx(opt)
    assert res.optimal and res.solver in ("exact", "greedy") and res.gap == 0.0
    pos = cand["id"].tolist()
    rows = np.array([pos.index(i) for i in res.selected["id"]], dtype=int)
    assert covered_by(reach, rows, base, w) == pytest.approx(opt)  # the sites really do it
    # in order of marginal gain, each gain what it adds to the earlier ones
    for j in range(len(rows)):
        added = covered_by(reach, rows[: j + 1], base, w) - covered_by(reach, rows[:j], base, w)
        assert res.selected["gain"].iloc[j] == pytest.approx(added)
    assert np.all(np.diff(res.selected["gain"].to_numpy()) <= 1e-9)
    # the after analysis agrees
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    assert res.after.coverage == pytest.approx(res.baseline.coverage + res.gain / res.total_demand)
    hyp = res.after.stations[res.after.stations["hypothetical"]]
    assert sorted(hyp["id"]) == sorted(res.selected["station_id"]) and hyp["used"].all()
    # greedy: never better, within its bound and the 1 − 1/e guarantee on the gain
    gr = run(st, dem, cand, add=k, solver="greedy")
    gain_opt = opt - res.baseline_covered_demand
    assert gr.covered_demand <= opt + 1e-9
    assert gr.gain >= (1 - 1 / math.e) * gain_opt - 1e-9
    assert opt <= gr.bound + 1e-9
    if gr.optimal:  # only when the bound proves it
        assert gr.covered_demand == pytest.approx(opt) and gr.bound <= opt + 1e-6


@pytest.mark.parametrize(("seed", "minutes"), [(4, 8.0), (5, 8.0), (4, 12.0), (5, 12.0)])
@pytest.mark.parametrize("share", [0.8, 0.95, 1.0])
def test_lscp_matches_brute_force(seed, minutes, share):
    st, dem, cand = small_instance(seed, n_st=2, n_cand=9)
    cand = pd.concat([cand, make_points(3, seed + 300, "X", box=SMALL)], ignore_index=True)
    cand = gpd.GeoDataFrame(cand, geometry="geometry", crs=4326)
    res = run(st, dem, cand, target=share, minutes=minutes, solver="exact")
    base, reach, w = euclid_reference(st, dem, cand, res.baseline.metric_crs,
                                      res.baseline.settings)
    needed = share * w.sum()
    best = fewest_sites(reach, base, w, needed)
    if best is None:
        assert not res.feasible
        full = covered_by(reach, np.arange(len(cand)), base, w)
        assert res.covered_demand == pytest.approx(full)
        assert res.best_coverage == pytest.approx(full / w.sum())
        assert len(res.selected) == fewest_sites(reach, base, w, full)
        assert "cannot be reached" in res.status
    else:
        assert res.feasible and res.optimal
        assert len(res.selected) == best
        assert res.coverage >= share - 1e-12
        assert res.summary()["target"] == share
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    gr = run(st, dem, cand, target=share, minutes=minutes, solver="greedy")
    assert gr.feasible == res.feasible and len(gr.selected) >= len(res.selected)
    assert gr.bound <= len(res.selected)  # a true lower bound on the count
    assert gr.covered_demand >= min(share * w.sum(), res.covered_demand) - 1e-9


def test_lscp_infeasible_says_how_far_it_gets():
    st, dem, cand = small_instance(7, n_st=1, n_cand=3)
    far = make_points(5, 8, "F", box=(120.70, 31.35, 120.71, 31.36), weight=np.full(5, 10.0))
    dem = gpd.GeoDataFrame(pd.concat([dem, far], ignore_index=True), geometry="geometry",
                           crs=4326)
    res = run(st, dem, cand, target=1.0)
    assert not res.feasible and not res.summary()["feasible"]
    assert res.best_coverage < 1.0 and res.coverage == pytest.approx(res.best_coverage)
    assert f"{res.best_coverage:.1%}" in res.status
    base, reach, w = euclid_reference(st, dem, cand, res.baseline.metric_crs,
                                      res.baseline.settings)
    assert res.covered_demand == pytest.approx(covered_by(reach, np.arange(3), base, w))


def test_target_already_met_needs_no_site():
    st, dem, cand = small_instance(9)
    res = run(st, dem, cand, target=0.01)
    assert len(res.selected) == 0 and res.optimal and res.feasible
    assert "already cover" in res.status and res.after is res.baseline


def test_more_sites_than_candidates():
    st, dem, cand = small_instance(10, n_cand=3)
    res = run(st, dem, cand, add=10)
    base, reach, w = euclid_reference(st, dem, cand, res.baseline.metric_crs,
                                      res.baseline.settings)
    assert 0 < len(res.selected) <= 3 and (res.selected["gain"] > 0).all()
    assert res.covered_demand == pytest.approx(covered_by(reach, np.arange(3), base, w))
    assert res.covered_demand > res.baseline_covered_demand
    assert res.optimal and "only" in res.status and res.k == 10


def test_candidates_at_existing_stations_are_never_chosen():
    st, dem, cand = small_instance(11, n_cand=4)
    dup = st.copy()
    dup["id"] = "DUP" + dup["id"].astype(str)
    cands = gpd.GeoDataFrame(pd.concat([dup, cand], ignore_index=True), geometry="geometry",
                             crs=4326)
    res = run(st, dem, cands, add=len(cands))
    chosen = set(res.selected["id"])
    assert not chosen & set(dup["id"])
    table = res.candidates.set_index("id")
    assert (table.loc[dup["id"], "status"] == "no_gain").all()
    assert (table.loc[dup["id"], "reach_demand"] == 0).all()
    assert (res.selected["gain"] > 0).all()
    # a duplicated candidate is kept once, and said so
    twice = gpd.GeoDataFrame(pd.concat([cand, cand.assign(id=cand["id"] + "b")],
                                       ignore_index=True), geometry="geometry", crs=4326)
    res2 = run(st, dem, twice, add=2)
    st2 = res2.candidates.set_index("id")["status"]
    assert any(str(v).startswith("same_as:") for v in st2)


# --- spopt as an independent solver -------------------------------------------------------


def spopt_instance(seed: int):
    st, dem, cand = small_instance(seed, n_st=3, n_dem=250, n_cand=25)
    return st, dem, cand


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_mclp_objective_matches_spopt(seed):
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    st, dem, cand = spopt_instance(seed)
    k = 4
    res = run(st, dem, cand, add=k, solver="exact")
    crs, s = res.baseline.metric_crs, res.baseline.settings
    fac = pd.concat([st, cand], ignore_index=True)
    fx, fy = metric_xy(fac, crs)
    dx, dy = metric_xy(dem, crs)
    cost = np.hypot(dx[:, None] - fx[None, :], dy[:, None] - fy[None, :]) * (
        s.circuity / s.speed_m_per_min
    )
    pre = np.r_[np.ones(len(st)), np.zeros(len(cand))].astype(int)
    w = dem["weight"].to_numpy(dtype=float)
    model = MCLP.from_cost_matrix(cost, w, service_radius=s.minutes, p_facilities=len(st) + k,
                                  predefined_facilities_arr=pre)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert res.covered_demand == pytest.approx(pulp.value(model.problem.objective))


@pytest.mark.parametrize("seed", [31, 32])
def test_lscp_count_matches_spopt(seed):
    pulp = pytest.importorskip("pulp")
    from spopt.locate import LSCP

    st, dem, cand = spopt_instance(seed)
    probe = run(st, dem, cand, add=1)
    crs, s = probe.baseline.metric_crs, probe.baseline.settings
    fac = pd.concat([st, cand], ignore_index=True)
    fx, fy = metric_xy(fac, crs)
    dx, dy = metric_xy(dem, crs)
    cost = np.hypot(dx[:, None] - fx[None, :], dy[:, None] - fy[None, :]) * (
        s.circuity / s.speed_m_per_min
    )
    coverable = (cost <= s.minutes).any(axis=1)
    dem = dem[coverable].reset_index(drop=True)  # spopt's LSCP needs every point coverable
    cost = cost[coverable]
    res = run(st, dem, cand, target=1.0, solver="exact")
    pre = np.r_[np.ones(len(st)), np.zeros(len(cand))].astype(int)
    model = LSCP.from_cost_matrix(cost, service_radius=s.minutes, predefined_facilities_arr=pre)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert res.feasible and res.optimal and res.coverage == pytest.approx(1.0)
    assert len(res.selected) == round(pulp.value(model.problem.objective)) - len(st)


# --- site() on the street network ----------------------------------------------------------


def frame(lon, lat, prefix, **cols):
    n = len(lon)
    data = {"id": [f"{prefix}{i}" for i in range(n)], "row": np.arange(2, n + 2), **cols}
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
    return gdf


@pytest.mark.parametrize("k", [1, 2, 3])
def test_network_mclp_matches_brute_force(walk_net, k):
    net = walk_net
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    sx, sy = helsinki_points(net, 3, 11)
    dx, dy = helsinki_points(net, 250, 12)
    cx, cy = helsinki_points(net, 9, 13)
    cx[0], cy[0] = dx[0], dy[0]  # a candidate exactly at a demand point
    w = np.random.default_rng(3).integers(1, 5, dx.size).astype(float)
    stations = frame(*back.transform(sx, sy), "S")
    demand = frame(*back.transform(dx, dy), "D", weight=w)
    cands = frame(*back.transform(cx, cy), "C")
    res = site(stations, demand=demand, candidates=cands, add=k, method="network",
               network=net, minutes=5.0, solver="exact")
    # reference: travel_times per candidate, on the same WGS-84 → metric round trip
    to_m = Transformer.from_crs(4326, net.crs, always_xy=True)
    ps = gn.snap(net, *to_m.transform(demand.geometry.x, demand.geometry.y))
    cs = gn.snap(net, *to_m.transform(cands.geometry.x, cands.geometry.y))
    ss = gn.snap(net, *to_m.transform(stations.geometry.x, stations.geometry.y))

    def within(snap_):
        m = gn.travel_times(net, snap_, ps, WALK).minutes
        return np.isfinite(m) & (m <= 5.0 + 1e-9)

    base = within(ss)
    reach = np.array([within(cs.take(np.array([c]))) for c in range(len(cands))])
    assert reach[0, 0]
    assert res.baseline_covered_demand == pytest.approx(w[base].sum())
    opt = best_subset(reach, base, w, k)
    assert res.covered_demand == pytest.approx(opt) and res.optimal
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    assert res.covered_demand > res.baseline_covered_demand


def test_on_network_moves_candidates_onto_streets(walk_net):
    net = walk_net
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    sx, sy = helsinki_points(net, 3, 21)
    dx, dy = helsinki_points(net, 200, 22)
    cx, cy = helsinki_points(net, 8, 23, jitter=60.0)
    cx = np.append(cx, net.x.max() + 3000.0)
    cy = np.append(cy, net.y.max() + 3000.0)
    kw = {"demand": frame(*back.transform(dx, dy), "D"), "add": 2, "minutes": 5.0,
          "network": net}
    stations = frame(*back.transform(sx, sy), "S")
    cands = frame(*back.transform(cx, cy), "C")
    for method in ("euclidean", "network"):
        res = site(stations, candidates=cands, on_network=True, method=method, **kw)
        table = res.candidates
        off = table["status"] == "off_network"
        assert off.tolist() == [False] * 8 + [True]
        to_m = Transformer.from_crs(4326, net.crs, always_xy=True)
        x, y = to_m.transform(table["lon"][~off], table["lat"][~off])
        assert gn.snap(net, x, y).distance_m.max() < 0.01  # now on a street
        assert "C8" not in set(res.selected["id"])
        assert any("farther than 200 m" in w.reason for w in res.warnings)
        assert res.after.covered_demand == pytest.approx(res.covered_demand)


def test_network_candidates_off_the_network_are_reported(walk_net):
    net = walk_net
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    dx, dy = helsinki_points(net, 100, 31)
    sx, sy = helsinki_points(net, 2, 32)
    far = frame(*back.transform([net.x.max() + 2000.0], [net.y.max() + 2000.0]), "C")
    res = site(frame(*back.transform(sx, sy), "S"), demand=frame(*back.transform(dx, dy), "D"),
               candidates=far, add=1, method="network", network=net)
    assert res.candidates["status"].tolist() == ["off_network"]
    assert len(res.selected) == 0 and res.summary()["candidates_off_network"] == 1
    assert any("'C0'" in w.reason for w in res.warnings)


# --- options, filters, files ---------------------------------------------------------------


def test_charging_counts_only_stations_with_charging():
    st, dem, cand = small_instance(41, n_st=6)
    st["amenities"] = ["充电、饮用水", "饮用水", "医护药箱", "充电", "饮用水", ""]
    st["category"] = ["爱心补给点"] * 5 + ["充电桩"]  # a pile with a blank amenities column
    st["kind"] = ["supply"] * 5 + ["charging_pile"]
    res = run(st, dem, cand, add=2, charging=True)
    used = res.baseline.stations.set_index("id")["used"]
    assert used.tolist() == [True, False, False, True, False, True]
    charging = st.iloc[[0, 3, 5]]
    base, reach, w = euclid_reference(charging, dem, cand, res.baseline.metric_crs,
                                      res.baseline.settings)
    assert res.baseline_covered_demand == pytest.approx(w[base].sum())
    assert res.covered_demand == pytest.approx(best_subset(reach, base, w, 2))
    assert (res.selected["kind"] == "charging_pile").all()
    new = res.after.stations[res.after.stations["hypothetical"]]
    assert new["used"].all()
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    everyone = run(st, dem, cand, add=2)
    assert everyone.baseline_covered_demand > res.baseline_covered_demand


def test_category_filter_counts_the_new_sites():
    st, dem, cand = small_instance(42)
    st["category"] = ["海棠加油站", "爱心补给点", "海棠加油站", "爱心补给点"]
    res = run(st, dem, cand, add=2, categories=("rest",))
    assert (res.selected["kind"] == "rest").all()
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    assert not [w for w in res.warnings if "left out" in w.reason]


def test_rejected_candidate_rows_are_listed(tmp_path):
    st, dem, _ = small_instance(43)
    path = tmp_path / "candidates.csv"
    path.write_text(
        "编号,名称,经度,纬度\n"
        "C1,甲,120.610,31.290\n"
        "C2,乙,abc,31.290\n"
        "C3,丙,31.290,120.610\n"
        "C4,丁,120.615,31.285\n",
        encoding="utf-8",
    )
    res = run(st, dem, path, add=1)
    rows = {(r.file.endswith("candidates.csv"), r.row) for r in res.rejected}
    assert {(True, 3), (True, 4)} <= rows
    out = res.summary()
    assert out["candidates_rejected"] == 2 and out["candidates"] == 2
    assert {r["row"] for r in out["rejected"]} >= {3, 4}


def test_candidate_file_without_usable_rows(tmp_path):
    st, dem, _ = small_instance(44)
    path = tmp_path / "bad.csv"
    path.write_text("id,lon,lat\nC1,abc,31.29\n", encoding="utf-8")
    with pytest.raises(InputError, match="no usable candidate"):
        run(st, dem, path, add=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "either"),
        ({"add": 2, "target": 0.9}, "either"),
        ({"add": 0}, "whole number"),
        ({"add": 1.5}, "whole number"),
        ({"target": 1.2}, "at most 1"),
        ({"target": 0}, "above 0"),
        ({"target": "lots"}, "not a share"),
        ({"add": 1, "solver": "magic"}, "unknown solver"),
        ({"add": 1, "time_limit": 0}, "time limit"),
        ({"add": 1, "on_network": True}, "street network"),
        ({"add": 1, "candidates": None}, "no candidate sites"),
    ],
)
def test_options_are_checked(kwargs, match):
    st, dem, cand = small_instance(45)
    args = {"demand": dem, "candidates": cand, **kwargs}
    with pytest.raises(SettingsError, match=match):
        site(st, **args)


def test_parse_share():
    assert parse_share("90%") == pytest.approx(0.9)
    assert parse_share("95％") == pytest.approx(0.95)
    assert parse_share(1) == 1.0


def test_outputs_read_back(tmp_path):
    st, dem, cand = small_instance(46)
    res = run(st, dem, cand, add=2)
    table = res.sites_table()
    assert list(table.columns[:6]) == ["rank", "id", "name", "kind", "lon", "lat"]
    path = tmp_path / "sites.csv"
    res.write_sites(path)
    again = geo.read_stations(path)
    np.testing.assert_allclose(again.geometry.x, res.selected["lon"], atol=1e-7)
    assert again.attrs["rejected"] == []
    out = res.summary()
    for key in ("selected", "baseline_covered_demand", "covered_demand", "gain", "optimal",
                "model", "k", "total_demand", "baseline_coverage", "coverage", "solver",
                "bound", "gap", "time_s", "candidates", "candidates_rejected", "params"):
        assert key in out
    assert out["params"] == res.baseline.summary()["params"]
    assert [s["rank"] for s in out["selected"]] == [1, 2]
    assert out["gain"] == pytest.approx(sum(s["gain"] for s in out["selected"]))
    assert res.to_json().startswith("{")


# --- the demo data -------------------------------------------------------------------------


def test_canglang_demo_from_gaps():
    d = "data/canglang/"
    res = site(d + "stations.csv", crs="gcj02", demand=d + "demand.csv",
               area=d + "area.geojson", grids=d + "grids.geojson", from_gaps=True, add=3)
    assert res.gain > 0 and len(res.selected) == 3
    assert res.after.coverage == pytest.approx(
        res.baseline.coverage + res.gain / res.total_demand, abs=1e-12
    )
    assert (res.selected["source"] == "gaps").all()
    assert res.selected["id"].str.match(r"^G\d{4}$").all()
    served = res.after.station_table.set_index("id").loc[res.selected["station_id"],
                                                          "covered_demand"]
    np.testing.assert_allclose(res.selected["served_demand"], served)


def test_nothing_to_add_when_everything_is_covered():
    d = "data/canglang/"
    res = site(d + "stations.csv", crs="gcj02", demand=d + "demand.csv", from_gaps=True,
               add=2, mode="ebike")
    assert res.baseline_coverage == 1.0 and len(res.candidates) == 0
    assert len(res.selected) == 0 and res.optimal and res.gain == 0
    assert "nothing to add" in res.status and res.after is res.baseline


def test_canglang_charging_piles_and_area_cells():
    d = "data/canglang/"
    res = site([d + "stations.csv", d + "charging_piles.csv"], crs="gcj02",
               demand=d + "demand.csv", from_gaps=True, add=2, charging=True, minutes=8)
    st = res.baseline.stations
    piles = st["source_file"].astype(str).str.endswith("charging_piles.csv").to_numpy()
    assert st.loc[piles, "used"].all()  # every pile charges
    assert not st.loc[~piles & ~st["amenities"].astype(str).str.contains("charging"),
                      "used"].any()
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    cells = site(d + "stations.csv", crs="gcj02", area=d + "area.geojson", from_gaps=True,
                 target="95%")
    assert cells.baseline.demand_source == "cells" and cells.feasible
    assert cells.coverage >= 0.95 and cells.after.coverage == pytest.approx(cells.coverage)
