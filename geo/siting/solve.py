"""Solving MCLP and partial LSCP: heuristics first, HiGHS where it pays, bounds always.

MCLP (add ``k`` sites): greedy → interchange → Lagrangian bound (which also offers
choices of its own); if the bound does not yet prove the choice optimal and the
instance is not too large (``auto``) or ``exact`` was asked for, the HiGHS MIP gets
the rest of the time limit. The better of the MIP's incumbent and the heuristic is
kept, with the best bound any of them proved.

LSCP (fewest sites for ``needed`` demand): greedy → pruning of sites the target does
not need → bisection on the number of sites with the MCLP Lagrangian bound (``m``
sites cannot do when the bound for ``m`` is below ``needed``; a Lagrangian choice of
``m`` sites that does is a smaller answer); then, if still not proven, the HiGHS MIP
(``exact``, or ``auto`` when not too large). When every candidate together adds less
than ``needed``, the fewest sites adding all they can are chosen and ``feasible`` is
``False``.

Every chosen set is reported in order of marginal gain (:func:`order_by_gain`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from geo.siting.heuristics import greedy, interchange, lagrangian_bound, order_by_gain, prune
from geo.siting.instance import Instance
from geo.siting.models import Mip, lscp_model, mclp_model

__all__ = [
    "AUTO_EXACT_NNZ",
    "LAGRANGE_SHARE",
    "MCLP_ITERATIONS",
    "SOLVERS",
    "Solution",
    "solve_lscp",
    "solve_mclp",
    "use_exact",
]

#: ``auto`` runs the HiGHS MIP up to this many reach-matrix entries (after compression).
AUTO_EXACT_NNZ = 2_000_000
#: MCLP without a MIP to follow: share of the time limit the heuristics and bound may use.
LAGRANGE_SHARE = 0.9
#: Subgradient steps at most for the MCLP bound (the deadline usually comes first).
MCLP_ITERATIONS = 1_000
SOLVERS: tuple[str, ...] = ("auto", "exact", "greedy")


@dataclass
class Solution:
    """Chosen rows of an :class:`~geo.siting.instance.Instance` and what is proven about them.

    Attributes
    ----------
    rows
        Chosen rows in order of marginal gain (each the largest gain given the earlier ones).
    gains
        Demand each adds, in that order.
    bound
        MCLP: an upper bound on the demand any ``k`` sites can add.
        LSCP: a lower bound on the number of sites any set reaching the target needs.
    optimal
        Whether the bound proves the choice optimal.
    solver
        ``exact`` (the HiGHS MIP's solution) or ``greedy`` (greedy, improved by
        interchange / pruning).
    status
        What happened, in words.
    feasible
        LSCP: whether the target is reached (always ``True`` for MCLP).
    time_s
        Seconds spent.
    """

    rows: np.ndarray
    gains: np.ndarray
    bound: float
    optimal: bool
    solver: str
    status: str
    feasible: bool = True
    time_s: float = 0.0

    @property
    def objective(self) -> float:
        """Demand the chosen sites add together."""
        return float(self.gains.sum())


def use_exact(inst: Instance, solver: str) -> bool:
    """Whether the HiGHS MIP runs for this instance and solver choice."""
    return solver == "exact" or (solver == "auto" and inst.matrix.nnz <= AUTO_EXACT_NNZ)


def solve_mclp(
    inst: Instance, k: int, *, solver: str = "auto", time_limit: float = 60.0, gap: float = 0.0
) -> Solution:
    """Choose up to ``k`` rows that add the most covered demand.

    Parameters
    ----------
    inst
        The instance.
    k
        Sites to add (at least 1).
    solver
        ``exact`` (HiGHS MIP unless a heuristic is already proven optimal), ``greedy``
        (heuristics and their bound only) or ``auto`` (exact up to
        :data:`AUTO_EXACT_NNZ` matrix entries).
    time_limit
        Seconds for the whole solve: the heuristics use at most half, the MIP the rest
        (without a MIP to follow, the heuristics and the bound use up to
        :data:`LAGRANGE_SHARE` of it).
    gap
        Stop once the choice is proven within this share of the best possible gain
        (``(bound − value) / bound``; 0.01: within 1 %): no further bound steps and no MIP.
        0 (the default) looks for a proof of optimality until the time limit.

    Returns
    -------
    Solution
    """
    t0 = time.perf_counter()
    tol = max(inst.tol(), 1e-6)

    def open_gap(bound: float, value: float) -> bool:
        return bound - value > max(tol, gap * bound)

    g = greedy(inst, k=k)
    rows, value, bound = g.rows, float(g.gains.sum()), g.bound
    notes: list[str] = []
    if open_gap(bound, value):
        rows = interchange(inst, rows, deadline=t0 + time_limit / 4)
        value = inst.value(rows)
    mip = use_exact(inst, solver)
    # without a MIP to follow, the bound gets most of the time
    share = 0.5 if mip else LAGRANGE_SHARE
    if open_gap(bound, value):
        lag = lagrangian_bound(inst, k, value, iterations=MCLP_ITERATIONS,
                               deadline=t0 + time_limit * share, start_rows=rows, reduce=True,
                               gap=gap)
        bound = min(bound, lag.bound)
        kept = (f", {lag.kept:,} of {inst.n_rows:,} candidates left"
                if lag.kept < inst.n_rows else "")
        notes.append(f"Lagrangian bound ({lag.iterations} steps{kept})")
        if lag.value > value + tol:
            better = interchange(inst, lag.rows, deadline=t0 + time_limit * share)
            if inst.value(better) > value:
                rows, value = better, inst.value(better)
    used = "greedy"
    if open_gap(bound, value) and mip:
        res = mclp_model(inst, k, time_limit=time_limit - (time.perf_counter() - t0))
        if math.isfinite(res.bound):
            bound = min(bound, res.bound)
        if res.rows is not None and inst.value(res.rows) > value - tol:
            rows, value, used = res.rows, inst.value(res.rows), "exact"
        notes.append(_mip_note(res, time_limit))
    elif open_gap(bound, value):
        notes.append("no MIP (large instance)" if solver == "auto" else "no MIP (greedy asked for)")
    elif bound - value > tol:
        notes.append(f"stopped within the gap asked for ({_share(gap)})")
    rows, gains = order_by_gain(inst, rows)
    value = float(gains.sum())
    if inst.integral:  # whole-number demand: no choice adds a fraction
        bound = math.floor(bound + tol)
    bound = max(bound, value)
    optimal = bound - value <= tol
    head = "proven optimal" if optimal else (
        f"within {_share((bound - value) / bound)} of the best possible gain "
        f"(bound {bound:,.2f})"
    )
    return Solution(rows, gains, float(bound), optimal, used, "; ".join([head, used, *notes]),
                    time_s=time.perf_counter() - t0)


def solve_lscp(
    inst: Instance, needed: float, *, solver: str = "auto", time_limit: float = 60.0
) -> Solution:
    """Choose the fewest rows that add at least ``needed`` demand.

    Parameters
    ----------
    inst
        The instance.
    needed
        Demand to add.
    solver, time_limit
        As :func:`solve_mclp` (the Lagrangian bisection gets at most half the time).

    Returns
    -------
    Solution
        ``bound`` is a lower bound on the number of sites; ``feasible`` ``False`` when
        every candidate together adds less than ``needed``.
    """
    t0 = time.perf_counter()
    tol = inst.tol()
    feasible = needed <= inst.total + tol
    goal = min(needed, inst.total)
    if goal <= tol:
        return Solution(np.zeros(0, "int64"), np.zeros(0), 0.0, True, "greedy",
                        "no new site is needed", feasible, time.perf_counter() - t0)
    g = greedy(inst, needed=goal)
    rows = prune(inst, g.rows, goal)
    bound = g.bound
    notes: list[str] = []
    used = "greedy"
    if rows.size > bound:
        rows, bound, steps = _lagrangian_count(inst, goal, rows, bound, t0 + time_limit / 2)
        notes.append(f"Lagrangian bounds ({steps} runs)")
    if rows.size > bound and use_exact(inst, solver):
        mip = lscp_model(inst, goal, time_limit=time_limit - (time.perf_counter() - t0))
        if math.isfinite(mip.bound):
            bound = max(bound, math.ceil(mip.bound - 1e-6))
        ok = mip.rows is not None and inst.value(mip.rows) >= goal - tol
        if ok and mip.rows is not None and mip.rows.size <= rows.size:
            rows, used = mip.rows, "exact"
        notes.append(_mip_note(mip, time_limit))
    elif rows.size > bound:
        notes.append("no MIP (large instance)" if solver == "auto" else "no MIP (greedy asked for)")
    rows, gains = order_by_gain(inst, rows)
    bound = min(bound, rows.size)
    optimal = rows.size <= bound
    head = "proven optimal" if optimal else f"at least {int(bound)} site(s) needed (lower bound)"
    return Solution(rows, gains, float(bound), optimal, used, "; ".join([head, used, *notes]),
                    feasible, time.perf_counter() - t0)


def _lagrangian_count(
    inst: Instance, goal: float, rows: np.ndarray, bound: float, deadline: float
) -> tuple[np.ndarray, float, int]:
    """Tighten an LSCP by bisection on the number of sites with MCLP Lagrangian bounds.

    ``m`` sites cannot add ``goal`` when the MCLP bound for ``m`` is below it (so at least
    ``m + 1`` are needed); a Lagrangian choice of ``m`` sites that does add ``goal`` is
    a smaller solution.
    """
    tol = inst.tol()
    lo, hi = max(int(bound), 1), int(rows.size)  # goal > 0 needs a site
    runs = 0
    while lo < hi and time.perf_counter() < deadline:
        mid = (lo + hi) // 2
        lag = lagrangian_bound(inst, mid, goal, deadline=deadline)
        runs += 1
        if lag.value >= goal - tol and mid < rows.size:
            rows = lag.rows
        if lag.bound < goal - tol:
            lo = mid + 1
        else:
            hi = mid
    return rows, float(lo), runs


def _share(x: float) -> str:
    return "< 0.01%" if x < 1e-4 else f"{x:.2%}"


def _mip_note(mip: Mip, time_limit: float) -> str:
    if mip.status == 0:
        return "HiGHS MIP solved"
    if mip.status == 1:
        return f"HiGHS stopped at the time limit ({time_limit:g} s)"
    return f"HiGHS: {mip.message}"
