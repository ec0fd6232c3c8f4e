"""Greedy, interchange and the Lagrangian bound (``geo.siting.heuristics``) against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers.siting import best_subset, classic_instance, random_matrix

from geo.siting import compress, greedy, interchange, lagrangian_bound, solve_mclp
from geo.siting.models import mclp_model


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


def geometric_instance(seed: int, nc: int = 400, n_pts: int = 3000, k: int = 5):
    """Candidates on a fine grid over clustered demand (like gap cells at city scale)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 5000, (12, 2))
    pts = centres[rng.integers(0, 12, n_pts)] + rng.normal(0, 400, (n_pts, 2))
    side = int(np.sqrt(nc))
    gx, gy = np.meshgrid(np.linspace(0, 5000, side), np.linspace(0, 5000, side))
    cand = np.column_stack([gx.ravel(), gy.ravel()])
    d = np.hypot(cand[:, None, 0] - pts[None, :, 0], cand[:, None, 1] - pts[None, :, 1])
    w = rng.integers(1, 6, n_pts).astype(float)
    return compress(sp.csr_matrix(d <= 700.0), w), k


@pytest.mark.parametrize("seed", range(4))
def test_reduced_lagrangian_bound_stays_valid_and_drops_rows(seed):
    """Reduced-cost fixing: rows that cannot beat the known choice are dropped, and the
    bound (the larger of the known value and the smaller problem's bound) still holds."""
    inst, k = geometric_instance(seed)
    opt = mclp_model(inst, k)
    assert opt.status == 0
    best = inst.value(opt.rows)
    g = greedy(inst, k=k)
    known = inst.value(interchange(inst, g.rows))
    for start in (None, g.rows):
        lag = lagrangian_bound(inst, k, known, iterations=400, start_rows=start, reduce=True)
        assert lag.bound >= best - 1e-6  # valid for the whole instance
        assert lag.bound <= best * 1.02 + 1e-6
        assert inst.value(lag.rows) == pytest.approx(lag.value) and lag.rows.size == k
        assert 0 < lag.kept < inst.n_rows  # rows were dropped
    # told the optimum, it drops every row that is in no optimal choice
    lag = lagrangian_bound(inst, k, best, iterations=400, start_rows=opt.rows, reduce=True)
    assert lag.bound >= best - 1e-6 and lag.kept < inst.n_rows / 2
    sol = solve_mclp(inst, k, solver="greedy", time_limit=20)
    assert sol.bound >= best - 1e-6 and sol.objective <= best + 1e-6


def test_reduced_lagrangian_proves_a_known_optimum_when_rows_run_out():
    inst = classic_instance()
    lag = lagrangian_bound(inst, 2, 6.0, iterations=200, start_rows=np.array([1, 2]),
                           reduce=True)
    assert lag.bound == pytest.approx(6.0)


def test_solve_stops_within_the_gap_asked_for():
    inst, k = geometric_instance(1, nc=900, n_pts=4000, k=8)
    exact = solve_mclp(inst, k, solver="greedy", time_limit=30)
    loose = solve_mclp(inst, k, solver="auto", time_limit=30, gap=0.05)
    assert loose.bound >= exact.objective - 1e-6  # still a true bound
    assert loose.bound - loose.objective <= 0.05 * loose.bound + 1e-6
    if not loose.optimal:
        assert "gap asked for" in loose.status and "HiGHS" not in loose.status
