"""Fast answers and their bounds: greedy, interchange and the Lagrangian bound.

* :func:`greedy` adds the candidate of largest marginal gain, keeping every
  candidate's gain exact from the sparse matrix (one ``bincount`` over the newly
  covered groups' column entries per step). For MCLP it also records the
  data-dependent bound ``f(S_i) + (sum of the k largest marginal gains at step i)``,
  valid at every step; for LSCP the fewest sites whose marginal gains could still
  reach the target.
* :func:`interchange` improves an MCLP choice by the best single swap (one site
  out, one in) while any swap adds demand; every swap is scored for all candidates
  at once.
* :func:`lagrangian_bound` relaxes the coupling rows ``y_j ≤ Σ_i a_ij x_i`` with
  multipliers ``0 ≤ λ_j ≤ w_j``: ``L(λ) = Σ_j (w_j − λ_j) + (sum of the k largest
  (Aλ)_i)`` is an upper bound on the MCLP for every such ``λ``, and its minimum is
  the LP-relaxation bound (the relaxed problem has the integrality property).
  Deflected subgradient steps (Polyak step towards the best known solution, or with a
  ``gap`` towards the level that proves it) lower it; each costs one sparse product and
  a few vector operations, so it scales where HiGHS'
  simplex does not. It approaches the LP bound from above, slowly on large degenerate
  instances (on the Gusu-scale benchmark 0.2 % above it after 300 steps).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from geo.siting.instance import Instance, row_entries, weight_reached

__all__ = [
    "LAGRANGE_ITERATIONS",
    "Greedy",
    "Lagrange",
    "greedy",
    "interchange",
    "lagrangian_bound",
    "order_by_gain",
    "prune",
]

#: Subgradient iterations of :func:`lagrangian_bound`.
LAGRANGE_ITERATIONS = 300


@dataclass
class Greedy:
    """A greedy run.

    Attributes
    ----------
    rows
        Chosen rows in order.
    gains
        Demand each adds, in that order.
    bound
        MCLP: an upper bound on the demand any ``k`` rows add. LSCP: a lower bound on the
        number of rows any set adding the needed demand has.
    """

    rows: np.ndarray
    gains: np.ndarray
    bound: float


def greedy(
    inst: Instance,
    *,
    k: int | None = None,
    needed: float | None = None,
    rows: np.ndarray | None = None,
) -> Greedy:
    """Add the candidate of largest marginal gain until ``k`` sites or ``needed`` demand.

    Parameters
    ----------
    inst
        The instance.
    k
        Stop after this many sites (MCLP).
    needed
        Stop once this much demand is added (LSCP).
    rows
        Only these rows may be chosen (to order a given set by marginal gain).

    Returns
    -------
    Greedy
        Sites stop early when nothing more can be gained.
    """
    m, csc, w = inst.matrix, inst.csc, inst.weight
    tol = inst.tol()
    gains = np.asarray(inst.fmatrix @ w, dtype="float64") if m.shape[0] else np.zeros(0)
    if rows is not None:
        allowed = np.zeros(m.shape[0], dtype=bool)
        allowed[rows] = True
        gains = np.where(allowed, gains, -np.inf)
    covered = np.zeros(w.size, dtype=bool)
    chosen: list[int] = []
    added: list[float] = []
    total = 0.0
    bound = math.inf if k is not None else 0.0
    limit = k if k is not None else m.shape[0]
    while len(chosen) < limit and gains.size:
        if needed is not None and total >= needed - tol:
            break
        if k is not None:
            bound = min(bound, total + _top_sum(gains, k))
        elif needed is not None and (len(chosen) < 100 or len(chosen) % 10 == 0):
            bound = max(bound, float(_fewest(gains, needed - total, tol)))
        i = int(np.argmax(gains))
        if not gains[i] > tol:
            break
        cols = m.indices[m.indptr[i] : m.indptr[i + 1]]
        new = cols[~covered[cols]]
        covered[new] = True
        g = float(w[new].sum())
        chosen.append(i)
        added.append(g)
        total += g
        gains -= weight_reached(csc, new, w, m.shape[0])
        gains[i] = -np.inf
    if k is not None:
        bound = min(bound, total + _top_sum(gains, k), inst.total)
        if len(chosen) < limit:  # nothing more to gain: the choice is optimal
            bound = min(bound, total)
    return Greedy(np.asarray(chosen, dtype="int64"), np.asarray(added, dtype="float64"), bound)


def _top_sum(gains: np.ndarray, k: int) -> float:
    g = gains[np.isfinite(gains) & (gains > 0)]
    if g.size <= k:
        return float(g.sum())
    return float(np.partition(g, g.size - k)[g.size - k :].sum())


def _fewest(gains: np.ndarray, remaining: float, tol: float) -> int:
    """The fewest sites whose marginal gains could add ``remaining`` demand."""
    if remaining <= tol:
        return 0
    g = np.sort(gains[np.isfinite(gains) & (gains > 0)])[::-1]
    return int(np.searchsorted(np.cumsum(g), remaining - tol, side="left")) + 1


def order_by_gain(inst: Instance, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order a chosen set by marginal gain (rows adding nothing are left out).

    Parameters
    ----------
    inst
        The instance.
    rows
        The chosen rows, in any order.

    Returns
    -------
    tuple of numpy.ndarray
        Rows and their gains, the largest marginal gain first at each step.
    """
    g = greedy(inst, k=len(rows), rows=np.asarray(rows, dtype="int64"))
    return g.rows, g.gains


def interchange(
    inst: Instance, rows: np.ndarray, *, deadline: float = math.inf, max_swaps: int = 1000
) -> np.ndarray:
    """Swap one chosen site for another while that adds demand (best swap first).

    For each chosen site ``r``, the value of swapping it for any candidate ``i`` is
    ``gain_i + w(groups only r reaches that i reaches) − w(groups only r reaches)``,
    computed for all ``i`` with one product over ``r``'s unique groups.

    Parameters
    ----------
    inst
        The instance.
    rows
        The chosen rows.
    deadline
        ``time.perf_counter()`` value to stop at.
    max_swaps
        At most this many swaps.

    Returns
    -------
    numpy.ndarray
        The improved rows (unordered).
    """
    m, csc, w = inst.matrix, inst.csc, inst.weight
    nc = m.shape[0]
    rows = np.asarray(rows, dtype="int64").copy()
    if rows.size == 0 or rows.size >= nc:
        return rows
    tol = inst.tol()
    cnt = inst.cover_count(rows)
    for _ in range(max_swaps):
        if time.perf_counter() > deadline:
            break
        gains = np.asarray(inst.fmatrix @ (w * (cnt == 0)), dtype="float64")
        gains[rows] = -np.inf
        best, swap = tol, None
        for pos, r in enumerate(rows):
            cols = m.indices[m.indptr[r] : m.indptr[r + 1]]
            only = cols[cnt[cols] == 1]
            delta = gains + weight_reached(csc, only, w, nc) - w[only].sum()
            i = int(np.argmax(delta))
            if delta[i] > best:
                best, swap = float(delta[i]), (pos, i)
        if swap is None:
            break
        pos, i = swap
        np.subtract.at(cnt, m.indices[m.indptr[rows[pos]] : m.indptr[rows[pos] + 1]], 1)
        np.add.at(cnt, m.indices[m.indptr[i] : m.indptr[i + 1]], 1)
        rows[pos] = i
    return rows


@dataclass
class Lagrange:
    """A Lagrangian run: the bound and the best choice met on the way.

    ``kept`` is the number of candidate rows still in the problem at the end (all of them
    unless ``reduce`` let the run drop rows that cannot beat the known choice).
    """

    bound: float
    rows: np.ndarray
    value: float
    iterations: int
    kept: int = -1


#: Shares of the weight a start for the multipliers gives the demand a known choice covers
#: (the rest gets its whole weight); the best start of these is used.
START_SHARES = (0.25, 0.5, 0.75)
#: With ``reduce``: rows are checked for dropping every this many steps …
REDUCE_EVERY = 5
#: … and the problem is cut down to the rows left once at most this share of its rows stay.
SHRINK_SHARE = 0.7
THETA0, STALL, DEFLECT = 1.0, 5, 0.7
#: With ``gap``: the Polyak steps aim this share of the way from the best known value to
#: the level the gap asks for (``known / (1 − gap)``) instead of at the known value, which
#: lies below the bound's minimum and makes the steps overshoot.
LEVEL = 0.75


def lagrangian_bound(
    inst: Instance,
    k: int,
    known: float,
    *,
    iterations: int = LAGRANGE_ITERATIONS,
    deadline: float = math.inf,
    start_rows: np.ndarray | None = None,
    reduce: bool = False,
    gap: float = 0.0,
) -> Lagrange:
    """An upper bound on the MCLP from the Lagrangian relaxation of the coupling rows.

    Parameters
    ----------
    inst
        The instance.
    k
        Sites to add.
    known
        Demand a known choice adds (the target of the Polyak steps; with ``reduce`` it
        must be the value of a real choice).
    iterations
        Subgradient steps at most.
    deadline
        ``time.perf_counter()`` value to stop at.
    start_rows
        A known choice (the one adding ``known``): the multipliers then start at a share
        of the weight on the demand it covers and the whole weight elsewhere (the best of
        :data:`START_SHARES`), which is much closer to the optimum on large instances than
        the default start.
    reduce
        Drop, every :data:`REDUCE_EVERY` steps, each row whose Lagrangian bound with
        that row forced in is below ``known`` (reduced-cost fixing: no choice adding more
        than ``known`` uses it), and continue on the smaller problem. The bound returned
        is then ``max(known, bound of the smaller problem)``, valid for the whole instance
        (any better choice lies in the smaller problem), but it is no longer the
        Lagrangian bound of the whole instance, so it can be below the LP bound.
    gap
        Stop once the bound is within this share of the best value met (``(bound −
        value) / bound ≤ gap``); 0 runs until the bound meets the value, the steps stall,
        ``iterations`` or the deadline.

    Returns
    -------
    Lagrange
        The smallest bound met, and the best choice met (the ``k`` rows of largest
        ``(Aλ)_i`` at some step) with the demand it adds.
    """
    m, w = inst.matrix, inst.weight
    nc = m.shape[0]
    tol = inst.tol()
    if k <= 0:
        return Lagrange(0.0, np.zeros(0, dtype="int64"), 0.0, 0, nc)
    if k >= nc:
        return Lagrange(inst.total, np.arange(nc), inst.total, 0, nc)
    fm = inst.fmatrix
    lam = _start(inst, k, start_rows)
    active = np.arange(nc)  # rows of inst still in the problem
    cols = np.arange(w.size)  # demand groups still reachable
    sub, subm, wa = fm, m, w
    best, theta, stall = math.inf, THETA0, 0
    best_lam = lam
    best_rows, best_value = np.zeros(0, dtype="int64"), -math.inf
    direction = np.zeros_like(w)
    reduced = exact = False
    it = 0
    for it in range(1, iterations + 1):
        # one product per step: updating (Aλ) from the multipliers that moved costs more,
        # as they hold a quarter to a half of the entries on the city demo
        score = np.asarray(sub @ lam, dtype="float64")
        n_act = score.size
        if n_act <= k:  # every row left fits: the smaller problem is solved exactly
            best = min(best, float(wa[np.bincount(row_entries(subm, np.arange(n_act)),
                                                  minlength=wa.size) > 0].sum()))
            top = np.arange(n_act)
            cnt = np.bincount(row_entries(subm, top), minlength=wa.size)
            primal = float(wa[cnt > 0].sum())
            if primal > best_value:
                best_value, best_rows = primal, active[top]
            exact = True
            break
        top = np.argpartition(score, n_act - k)[n_act - k :]
        value = float((wa - lam).sum() + score[top].sum())
        cnt = np.bincount(row_entries(subm, top), minlength=wa.size)
        primal = float(wa[cnt > 0].sum())
        if primal > best_value:
            best_value, best_rows = primal, active[top]
        if value < best - tol:
            best, stall, best_lam = value, 0, lam
        else:
            stall += 1
            if stall >= STALL:
                theta, stall = theta / 2.0, 0
        target = max(known, best_value)
        if (best - target <= max(tol, gap * best) or theta < 1e-4
                or time.perf_counter() > deadline):
            break
        if gap > 0:  # aim at the level that proves the gap, not below it
            target = min(best, target + LEVEL * (target / (1.0 - gap) - target))
        if reduce and it % REDUCE_EVERY == 0:
            keep = _survivors(sub, best_lam, wa, k, known,
                              score if best_lam is lam else None)
            if keep.size <= SHRINK_SHARE * n_act:
                reduced = True
                active = active[keep]
                subm = subm[keep]
                # every column left is used: renumbering keeps the rows' order sorted
                hit = np.bincount(subm.indices, minlength=wa.size) > 0
                used = np.flatnonzero(hit)
                new_col = np.cumsum(hit) - 1
                subm = sp.csr_matrix(
                    (subm.data, new_col[subm.indices].astype(subm.indices.dtype), subm.indptr),
                    shape=(subm.shape[0], used.size),
                )
                sub = sp.csr_matrix((np.ones(subm.nnz), subm.indices, subm.indptr),
                                    shape=subm.shape)
                cols, wa = cols[used], wa[used]
                lam, best_lam, direction = lam[used], best_lam[used], direction[used]
                # the smaller problem's bound at the best multipliers (never above the old)
                sc = np.sort(np.asarray(sub @ best_lam, dtype="float64"))[::-1]
                best = min(best, float((wa - best_lam).sum() + sc[:k].sum()))
                continue
        g = cnt - 1.0
        g[((lam <= 0) & (g > 0)) | ((lam >= wa) & (g < 0))] = 0.0
        direction = g + DEFLECT * direction  # deflected subgradient: fewer zig-zags
        norm = float(direction @ direction)
        if norm == 0.0:
            break
        new = np.clip(lam - theta * (value - target) / norm * direction, 0.0, wa)
        lam = new
    if not exact and np.isfinite(best):  # the bound at the best multipliers, exactly
        sc = np.sort(np.asarray(sub @ best_lam, dtype="float64"))[::-1]
        best = float((wa - best_lam).sum() + sc[:k].sum())
    if reduced:
        best = max(best, known)
    return Lagrange(best, np.asarray(best_rows, dtype="int64"), best_value, it, int(active.size))


def _start(inst: Instance, k: int, start_rows: np.ndarray | None) -> np.ndarray:
    """Starting multipliers: from a known choice when given, else a share of each weight."""
    w = inst.weight
    deg = np.diff(inst.csc.indptr)
    default = np.minimum(w, w * k / np.maximum(deg, 1))
    if start_rows is None or len(start_rows) == 0:
        return default
    nc = inst.matrix.shape[0]
    covered = inst.cover_count(np.asarray(start_rows, dtype="int64")) > 0
    best, out = math.inf, default
    for share in START_SHARES:
        lam = np.where(covered, share * w, w)
        score = np.asarray(inst.fmatrix @ lam, dtype="float64")
        value = float((w - lam).sum() + np.partition(score, nc - k)[nc - k :].sum())
        if value < best:
            best, out = value, lam
    return out


def _survivors(
    sub: sp.csr_matrix,
    lam: np.ndarray,
    w: np.ndarray,
    k: int,
    known: float,
    score: np.ndarray | None = None,
) -> np.ndarray:
    """Rows that could still be part of a choice adding more than ``known``.

    With ``x_i`` forced to 1 the Lagrangian bound is ``L − s_(k) + s_i`` (``s_(k)`` the
    k-th largest score) for a row outside the top ``k``; a row whose bound is below
    ``known`` is in no better choice. The top ``k`` rows always stay.
    """
    if score is None:
        score = np.asarray(sub @ lam, dtype="float64")
    n = score.size
    part = np.partition(score, n - k)
    kth = float(part[n - k])
    bound = float((w - lam).sum() + part[n - k :].sum())
    slack = 1e-9 * max(1.0, abs(bound))
    return np.flatnonzero(bound - kth + score >= known - slack)


def prune(inst: Instance, rows: np.ndarray, needed: float) -> np.ndarray:
    """Drop chosen sites the target does not need (the least-losing one first).

    Parameters
    ----------
    inst
        The instance.
    rows
        Chosen rows adding at least ``needed``.
    needed
        Demand the rows must still add.

    Returns
    -------
    numpy.ndarray
        The rows kept (unordered).
    """
    m, w = inst.matrix, inst.weight
    rows = np.asarray(rows, dtype="int64").copy()
    tol = inst.tol()
    cnt = inst.cover_count(rows)
    value = float(w[cnt > 0].sum())
    while rows.size:
        only = np.where(cnt == 1, w, 0.0)
        loss = np.bincount(
            np.repeat(np.arange(rows.size), np.diff(m.indptr)[rows]),
            weights=only[row_entries(m, rows)],
            minlength=rows.size,
        )
        pos = int(np.argmin(loss))
        if value - loss[pos] < needed - tol:
            break
        np.subtract.at(cnt, m.indices[m.indptr[rows[pos]] : m.indptr[rows[pos] + 1]], 1)
        value -= float(loss[pos])
        rows = np.delete(rows, pos)
    return rows
