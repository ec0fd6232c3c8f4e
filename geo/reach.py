"""The reach rule: when is a place within N minutes of a station, by the straight line?

One home for what every consumer of a coverage answer must agree on:

* :data:`TOL_MIN` and :func:`within` — the covered tolerance: a point exactly at the
  threshold counts as covered (a hair of floating-point slack, 10⁻⁹ minutes);
* :func:`minutes_per_metre` and :func:`straight_reach_m` — straight-line metres ×
  circuity ÷ speed, and its inverse;
* :func:`nearest` — minutes to the nearest station, which one, and whether it alone
  is within reach (one KD-tree query for all points);
* :func:`bands` and :func:`band_demand` — the time band of each point and the demand
  within each band;
* :func:`straight_service_areas` — the 5/10/15-minute circles around the stations,
  one union per band;
* :func:`euclidean_reach` — the candidate × demand reach matrix of siting.

The street-network method (:mod:`geo.network`) uses :func:`within` and
:data:`TOL_MIN` for its own minutes, so both methods call the same point covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from geo import budget
from geo.settings import Settings

__all__ = [
    "PAIRS_PER_BATCH",
    "TOL_MIN",
    "Nearest",
    "band_demand",
    "bands",
    "euclidean_reach",
    "minutes_per_metre",
    "nearest",
    "straight_reach_m",
    "straight_service_areas",
    "to_matrix",
    "within",
]

#: Slack added to a threshold (minutes): a point exactly at the threshold is covered.
TOL_MIN = 1e-9
#: Candidate–point pairs held at once while the straight-line reach matrix is built.
PAIRS_PER_BATCH = 4_000_000


def within(minutes: np.ndarray, limit: float) -> np.ndarray:
    """Whether travel minutes are within a limit (NaN and ``inf`` are not).

    Parameters
    ----------
    minutes
        Travel minutes, NaN or ``inf`` where no station is reachable.
    limit
        The threshold in minutes.

    Returns
    -------
    numpy.ndarray of bool
    """
    return np.asarray(minutes) <= limit + TOL_MIN


def minutes_per_metre(settings: Settings) -> float:
    """Minutes per straight-line metre: circuity ÷ speed.

    Parameters
    ----------
    settings
        Speed and circuity.

    Returns
    -------
    float
    """
    return settings.circuity / settings.speed_m_per_min


def straight_reach_m(settings: Settings, minutes: float) -> float:
    """The straight-line radius reached in ``minutes``: speed × minutes ÷ circuity.

    Parameters
    ----------
    settings
        Speed and circuity.
    minutes
        The time budget.

    Returns
    -------
    float
        Metres.
    """
    return settings.speed_m_per_min * minutes / settings.circuity


class Nearest(NamedTuple):
    """Per point: minutes to the nearest station, its position, and unique coverage.

    Attributes
    ----------
    minutes
        Straight-line minutes to the nearest station (NaN where there is none).
    nearest
        Position of that station among those given (``-1`` where none).
    unique
        Within reach of that station, and of no other.
    """

    minutes: np.ndarray
    nearest: np.ndarray
    unique: np.ndarray


def nearest(
    sx: np.ndarray, sy: np.ndarray, x: np.ndarray, y: np.ndarray, settings: Settings
) -> Nearest:
    """Straight-line minutes from every point to its nearest station (one KD-tree query).

    Parameters
    ----------
    sx, sy
        Station coordinates in metres.
    x, y
        Point coordinates in the same metric CRS.
    settings
        Speed, circuity and the threshold (for ``unique``).

    Returns
    -------
    Nearest
    """
    n = x.size
    if sx.size == 0:
        return Nearest(np.full(n, np.nan), np.full(n, -1, dtype="int64"), np.zeros(n, dtype=bool))
    tree = cKDTree(np.column_stack([sx, sy]))
    k = 2 if sx.size > 1 else 1
    # every core: each point's answer is its own, the same on one thread or several
    dist, idx = tree.query(np.column_stack([x, y]), k=k, workers=-1)
    if k == 1:
        d1, i1, d2 = dist, idx, np.full(n, np.inf)
    else:
        d1, i1, d2 = dist[:, 0], idx[:, 0], dist[:, 1]
    per_m = minutes_per_metre(settings)
    minutes = d1 * per_m
    unique = within(minutes, settings.minutes) & ~within(d2 * per_m, settings.minutes)
    return Nearest(minutes, i1.astype("int64"), unique)


def bands(minutes: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """The smallest band (minutes) each point falls within, NaN beyond the last.

    Parameters
    ----------
    minutes
        Travel minutes per point.
    edges
        The bands, ascending (e.g. ``settings.bands``).

    Returns
    -------
    numpy.ndarray
    """
    e = np.asarray(edges, dtype="float64")
    pos = np.searchsorted(e, minutes - TOL_MIN, side="left")
    out = np.full(minutes.size, np.nan)
    ok = np.isfinite(minutes) & (pos < e.size)
    out[ok] = e[pos[ok]]
    return out


def band_demand(minutes: np.ndarray, weight: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Demand within each band (cumulative: the 10-minute sum includes the 5-minute one).

    Parameters
    ----------
    minutes, weight
        Per point.
    edges
        The bands.

    Returns
    -------
    numpy.ndarray
        One sum per band.
    """
    m = np.asarray(minutes, dtype="float64")
    w = np.asarray(weight, dtype="float64")
    return np.array([float(w[np.isfinite(m) & within(m, b)].sum()) for b in edges])


def straight_service_areas(
    sx: np.ndarray,
    sy: np.ndarray,
    settings: Settings,
    *,
    clip: shapely.Geometry | None = None,
    simplify_m: float = 1.0,
    quad_segs: int = 16,
) -> list[tuple[float, float, shapely.Geometry]]:
    """The straight-line service area of each band: one union of circles per band.

    Parameters
    ----------
    sx, sy
        The (used) stations in metres.
    settings
        Speed, circuity and the bands.
    clip
        The study area in the same metric CRS, or ``None``.
    simplify_m
        Simplification tolerance of the result.
    quad_segs
        Segments per quarter circle.

    Returns
    -------
    list of (minutes, radius_m, geometry)
        One per band, ascending; geometries in the metric CRS. Empty without stations.
    """
    if np.size(sx) == 0:
        return []
    pts = shapely.points(np.asarray(sx), np.asarray(sy))
    out = []
    for minutes in settings.bands:
        radius = straight_reach_m(settings, minutes)
        shape = shapely.union_all(shapely.buffer(pts, radius, quad_segs=quad_segs))
        if clip is not None:
            shape = shapely.intersection(shape, clip)
        out.append((minutes, radius, shapely.simplify(shape, simplify_m)))
    return out


def to_matrix(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> csr_matrix:
    """A boolean CSR matrix with ``True`` at every ``(row, col)`` pair (repeats merged).

    Parameters
    ----------
    rows, cols
        Positions of the ``True`` entries.
    shape
        ``(candidates, points)``.

    Returns
    -------
    scipy.sparse.csr_matrix
        dtype ``bool``, sorted indices, no duplicate entries.
    """
    idx = np.int32 if max(shape) < 2**31 - 1 else np.int64
    m = csr_matrix(
        (np.ones(rows.size, dtype=bool), (rows.astype(idx), cols.astype(idx))), shape=shape
    )
    m.sum_duplicates()
    m.data[:] = True
    return m


def euclidean_reach(
    cx: np.ndarray,
    cy: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    settings: Settings,
    *,
    pairs_per_batch: int = PAIRS_PER_BATCH,
) -> csr_matrix:
    """Which points each candidate reaches by the straight-line method.

    Minutes are straight-line metres × circuity ÷ speed, as in :func:`nearest`;
    a point is reached when its minutes are :func:`within` ``settings.minutes``.
    One KD-tree per batch of candidates against one KD-tree of the points
    (``cKDTree.sparse_distance_matrix``), never a Python loop per point.

    Parameters
    ----------
    cx, cy
        Candidate coordinates in metres (the analysis' metric CRS).
    px, py
        Demand point coordinates in the same CRS.
    settings
        Speed, circuity and minutes.
    pairs_per_batch
        Roughly how many candidate–point pairs one batch of candidates may hold
        (bounds memory; the batches are sized from exact counts per candidate).

    Returns
    -------
    scipy.sparse.csr_matrix
        Boolean, ``(len(cx), len(px))``.
    """
    nc, n_pts = np.size(cx), np.size(px)
    if nc == 0 or n_pts == 0:
        return to_matrix(np.zeros(0, "int64"), np.zeros(0, "int64"), (nc, n_pts))
    per_m = minutes_per_metre(settings)
    limit = settings.minutes + TOL_MIN
    radius = limit / per_m * (1.0 + 1e-12)  # a hair more; the exact test is below
    cand = np.column_stack([cx, cy]).astype("float64")
    tree = cKDTree(np.column_stack([px, py]).astype("float64"))
    counts = np.asarray(tree.query_ball_point(cand, radius, return_length=True), dtype="int64")
    budget.check(f"the reach matrix of {nc:,} candidates × {n_pts:,} points "
                 f"({int(counts.sum()):,} pairs)", float(counts.sum()) * budget.BYTES_PER_PAIR,
                 hint="use fewer candidates (a table, or fewer gap cells with a larger --cell)")
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for lo, hi in _batches(counts, pairs_per_batch):
        pairs = cKDTree(cand[lo:hi]).sparse_distance_matrix(tree, radius, output_type="ndarray")
        ok = pairs["v"] * per_m <= limit
        rows.append(pairs["i"][ok] + lo)
        cols.append(pairs["j"][ok])
    return to_matrix(np.concatenate(rows), np.concatenate(cols), (nc, n_pts))


def _batches(counts: np.ndarray, per_batch: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges whose counts sum to about ``per_batch``."""
    cum = np.cumsum(counts)
    out = []
    lo = 0
    while lo < counts.size:
        base = cum[lo - 1] if lo else 0
        hi = int(np.searchsorted(cum, base + per_batch, side="right"))
        hi = max(hi, lo + 1)
        out.append((lo, hi))
        lo = hi
    return out
