"""Solving MCLP and LSCP (``geo.siting.solve``): bounds, time limits, the exact models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers.siting import classic_instance

from geo.siting import greedy, heuristics, models, solve_lscp, solve_mclp
from geo.siting import solve as solvemod


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
