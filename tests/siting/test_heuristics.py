"""Greedy, interchange and the Lagrangian bound (``geo.siting.heuristics``) against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
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
