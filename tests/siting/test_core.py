"""``geo.siting.site``: the chosen sites against brute force, spopt and the street network.

References written only here (``tests/_helpers/siting.py``): straight-line reach by numpy
broadcasting, street reach by :func:`geo.network.travel_times` with one candidate at a time
(itself checked against networkx in ``tests/network/test_search.py``), brute force over all
k-subsets, and spopt's MCLP / LSCP (PuLP + CBC) on random instances.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _helpers import make_points
from _helpers.network import (
    FRAGMENT_STATIONS,
    WALK,
    fragmented_network,
    placed,
    reference_main_edges,
    reference_piece_edges,
    reference_times,
)
from _helpers.siting import (
    SMALL,
    best_subset,
    euclid_reference,
    frame,
    helsinki_points,
    metric_xy,
    run,
    small_instance,
)
from pyproj import Transformer

from geo import network as gn
from geo.siting import site

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")


def fewest_sites(reach: np.ndarray, base: np.ndarray, w: np.ndarray, needed: float) -> int | None:
    """The fewest candidates covering ``needed`` demand with ``base`` (None: impossible)."""
    for m in range(reach.shape[0] + 1):
        if best_subset(reach, base, w, m) >= needed - 1e-9:
            return m
    return None


def covered_by(reach: np.ndarray, rows: np.ndarray, base: np.ndarray, w: np.ndarray) -> float:
    cov = base | (reach[rows].any(axis=0) if len(rows) else False)
    return float(w[cov].sum())


def spopt_instance(seed: int):
    st, dem, cand = small_instance(seed, n_st=3, n_dem=250, n_cand=25)
    return st, dem, cand


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
    # reference: travel_times per candidate, on the same WGS-84 → metric round trip, with
    # the fragment rule from networkx's components: stations and candidates on main pieces
    to_m = Transformer.from_crs(4326, net.crs, always_xy=True)
    main = reference_main_edges(net)
    cs = gn.snap(net, *to_m.transform(cands.geometry.x, cands.geometry.y), eligible=main)
    ss = gn.snap(net, *to_m.transform(stations.geometry.x, stations.geometry.y), eligible=main)
    ps = gn.snap(net, *to_m.transform(demand.geometry.x, demand.geometry.y),
                 eligible=main | reference_piece_edges(net, ss.edge[ss.ok]))

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


def test_network_candidate_beside_a_small_piece_serves_the_main_network():
    """A candidate 3 m from a 3-node island is placed on the main grid (103 m away), like a
    station: it then reaches the grid's demand, which on the island it could not."""
    crs, x0, y0 = "EPSG:32651", 300_000.0, 3_460_000.0
    net, pieces = fragmented_network(x0, y0, crs)
    back = Transformer.from_crs(crs, 4326, always_xy=True)
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    origin = np.array([x0, y0])
    sxy = np.array([FRAGMENT_STATIONS["A"]]) + origin
    # beside the island T, on the grid's top streets, and in the grid's far corner
    dxy = np.array([[410.0, 1004.0], [450.0, 880.0], [250.0, 905.0], [880.0, 50.0]]) + origin
    cxy = np.array([[420.0, 1003.0], [900.0, 0.0]]) + origin
    w = np.array([3.0, 4.0, 5.0, 1.0])
    stations = frame(*back.transform(*sxy.T), "S")
    demand = frame(*back.transform(*dxy.T), "D", weight=w)
    cands = frame(*back.transform(*cxy.T), "C")
    res = site(stations, demand=demand, candidates=cands, add=1, method="network", network=net,
               minutes=5.0, solver="exact")
    table = res.candidates.set_index("id")
    assert table.loc["C0", "status"] == "ok"
    assert table.loc["C0", "snap_m"] == pytest.approx(103.0)  # to the grid, not the island
    assert list(res.selected["id"]) == ["C0"]
    # reference: networkx minutes with the station and C0 joined to their nearest main
    # streets (networkx's components), the points to theirs
    main = reference_main_edges(net)
    xy = np.r_[sxy, cxy[:1]]
    st = gn.snap(net, *to_m.transform(*back.transform(*xy.T)), eligible=main)
    pt = gn.snap(net, *to_m.transform(*back.transform(*dxy.T)), eligible=main)
    assert np.isin(st.edge, pieces["G"]).all() and pt.ok.all()
    ref, _ = reference_times(net, placed(st), placed(pt), WALK)
    covered = ref <= 5.0 + 1e-9
    assert covered[:3].all() and not covered[3]  # C0 reaches the island's neighbour and more
    np.testing.assert_array_equal(res.after.points["covered"].to_numpy(), covered)
    np.testing.assert_allclose(res.after.points["minutes"].to_numpy(), ref, rtol=1e-9)
    assert res.covered_demand == pytest.approx(w[covered].sum())


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
