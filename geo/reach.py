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
from scipy.sparse import csc_matrix, csr_matrix
from scipy.spatial import cKDTree

from geo import budget
from geo.recent import Recent, array_digest
from geo.settings import Settings

__all__ = [
    "LATTICE_CELLS_PER_ITEM",
    "LATTICE_TOL_M",
    "PAIRS_PER_BATCH",
    "STENCIL_MARGIN_M",
    "TOL_MIN",
    "Nearest",
    "band_demand",
    "bands",
    "euclidean_reach",
    "minutes_per_metre",
    "nearest",
    "nearest_minutes",
    "straight_reach_m",
    "straight_service_areas",
    "to_matrix",
    "within",
]

#: Slack added to a threshold (minutes): a point exactly at the threshold is covered.
TOL_MIN = 1e-9
#: Candidate–point pairs held at once while the straight-line reach matrix is built.
PAIRS_PER_BATCH = 4_000_000
#: Candidates closer than this (metres) to a node of a square lattice count as on it …
LATTICE_TOL_M = 1e-3
#: … and the stencil of lattice offsets is drawn with this much room (metres) either side
#: of the radius, so only offsets the radius may cut are tested pair by pair.
STENCIL_MARGIN_M = 0.01
#: The lattice path is taken when its dense index (cells of the candidates' box) holds
#: at most this many cells per candidate and point.
LATTICE_CELLS_PER_ITEM = 64


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
    d1, i1, d2 = _query(sx, sy, x, y)
    per_m = minutes_per_metre(settings)
    minutes = d1 * per_m
    unique = within(minutes, settings.minutes) & ~within(d2 * per_m, settings.minutes)
    return Nearest(minutes, i1.astype("int64"), unique)


def nearest_minutes(
    sx: np.ndarray, sy: np.ndarray, x: np.ndarray, y: np.ndarray, settings: Settings
) -> np.ndarray:
    """Straight-line minutes from every point to its nearest station, and nothing else.

    The ``minutes`` of :func:`nearest` (the same distances), from a query of the nearest
    station only: what a summary needs, without the station's position and the second
    nearest station that the per-point and per-station tables use.

    Parameters
    ----------
    sx, sy
        Station coordinates in metres.
    x, y
        Point coordinates in the same metric CRS.
    settings
        Speed and circuity.

    Returns
    -------
    numpy.ndarray
        NaN everywhere without a station.
    """
    if sx.size == 0:
        return np.full(x.size, np.nan)
    tree = cKDTree(np.column_stack([sx, sy]))
    dist, _ = tree.query(np.column_stack([x, y]), k=1, workers=-1)
    return dist * minutes_per_metre(settings)


#: The last two KD-tree answers ``(d1, i1, d2)``, by the points' arrays (identity: an
#: analysis of other minutes lends its points' coordinates) and the stations' coordinates.
#: The distances do not depend on the speed or the threshold, so such an analysis does not
#: query again.
_QUERIES = Recent(2)


def _query(
    sx: np.ndarray, sy: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance to the nearest station, its position and the distance to the second."""
    def query() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tree = cKDTree(np.column_stack([sx, sy]))
        k = 2 if sx.size > 1 else 1
        # every core: each point's answer is its own, the same on one thread or several
        dist, idx = tree.query(np.column_stack([x, y]), k=k, workers=-1)
        return ((dist, idx, np.full(x.size, np.inf)) if k == 1
                else (dist[:, 0], idx[:, 0], dist[:, 1]))

    stations = array_digest(np.asarray(sx, dtype="float64"), np.asarray(sy, dtype="float64"))
    return _QUERIES.get((x, y), stations, query)


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
    cell_m: float | None = None,
    csc: bool = False,
) -> csr_matrix | csc_matrix:
    """Which points each candidate reaches by the straight-line method.

    Minutes are straight-line metres × circuity ÷ speed, as in :func:`nearest`;
    a point is reached when its minutes are :func:`within` ``settings.minutes``.
    One KD-tree per batch of candidates against one KD-tree of the points
    (``cKDTree.sparse_distance_matrix``), never a Python loop per point; or, for the
    candidates on a square lattice of side ``cell_m`` (the centres of gap cells), a
    stencil of lattice offsets per point (:func:`lattice_reach`): the offsets the radius
    cannot cut are taken whole and the others tested pair by pair with the same distance
    the KD-tree computes, so both give the same matrix.

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
    cell_m
        The side of a square lattice many candidates may sit on (their positions are
        checked; the others take the KD-tree path), or ``None``.
    csc
        Return the matrix in CSC form (by point; each point's candidates possibly
        unsorted), as the lattice path makes it, instead of a sorted CSR.

    Returns
    -------
    scipy.sparse.csr_matrix or scipy.sparse.csc_matrix
        Boolean, ``(len(cx), len(px))``.
    """
    nc, n_pts = np.size(cx), np.size(px)
    if nc == 0 or n_pts == 0:
        out = to_matrix(np.zeros(0, "int64"), np.zeros(0, "int64"), (nc, n_pts))
        return out.tocsc() if csc else out
    on = _on_lattice(cx, cy, cell_m, n_pts, settings) if cell_m else None
    if on is not None:
        lat = lattice_reach(cx[on], cy[on], px, py, settings, cell_m=float(cell_m or 0.0))
        if on.size < nc:
            rest = np.setdiff1d(np.arange(nc), on)
            off = euclidean_reach(cx[rest], cy[rest], px, py, settings,
                                  pairs_per_batch=pairs_per_batch, csc=True)
            lat = _stack_rows([lat, off], [on, rest], nc)
        return lat if csc else _sorted_csr(lat)
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
    out = to_matrix(np.concatenate(rows), np.concatenate(cols), (nc, n_pts))
    return out.tocsc() if csc else out


def _sorted_csr(m: csc_matrix) -> csr_matrix:
    """The CSR form of a boolean CSC matrix (the transpose sorts every row)."""
    out = m.tocsr()
    out.has_canonical_format = True  # one entry per pair, rows sorted by the transpose
    return out


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


def _stack_rows(parts: list[csc_matrix], rows: list[np.ndarray], n_rows: int) -> csc_matrix:
    """One CSC matrix whose rows ``rows[i]`` are the rows of ``parts[i]`` (renumbered)."""
    r, c = [], []
    for part, pos in zip(parts, rows, strict=True):
        coo = part.tocoo()
        r.append(pos[coo.row])
        c.append(coo.col)
    return to_matrix(np.concatenate(r), np.concatenate(c), (n_rows, parts[0].shape[1])).tocsc()


def _on_lattice(
    cx: np.ndarray, cy: np.ndarray, cell_m: float | None, n_pts: int, settings: Settings
) -> np.ndarray | None:
    """Positions of the candidates on the lattice of side ``cell_m``, or ``None`` when the
    lattice path does not pay (too few on it, or a box too sparse for a dense index)."""
    if not cell_m or cell_m <= 0 or np.size(cx) < 2:
        return None
    if not (np.all(np.isfinite(cx)) and np.all(np.isfinite(cy))):
        return None
    h = float(cell_m)
    ox, oy = _offset(cx, h), _offset(cy, h)
    fx, fy = (cx - ox) / h, (cy - oy) / h
    on = np.flatnonzero((np.abs(fx - np.rint(fx)) * h <= LATTICE_TOL_M)
                        & (np.abs(fy - np.rint(fy)) * h <= LATTICE_TOL_M))
    ix, iy = np.rint(fx[on]), np.rint(fy[on])
    _, first = np.unique(np.column_stack([ix, iy]), axis=0, return_index=True)
    if first.size < on.size:  # one candidate per node; the repeats take the KD-tree path
        first.sort()
        on, ix, iy = on[first], ix[first], iy[first]
    if on.size < max(2, np.size(cx) // 2):
        return None
    reach = straight_reach_m(settings, settings.minutes)
    pad = 4 * (int(np.ceil(reach / h)) + 2)
    cells = (ix.max() - ix.min() + 1 + pad) * (iy.max() - iy.min() + 1 + pad)
    if cells > LATTICE_CELLS_PER_ITEM * (on.size + n_pts) or (pad / 2) ** 2 > 40_000:
        return None
    return on


def _offset(v: np.ndarray, h: float) -> float:
    """The most common position of the values within a lattice period ``h``."""
    res = np.round(np.mod(v, h), 3)
    res[res >= h] -= h
    vals, counts = np.unique(res, return_counts=True)
    return float(vals[np.argmax(counts)])


def lattice_reach(
    cx: np.ndarray,
    cy: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    settings: Settings,
    *,
    cell_m: float,
    entries_per_batch: int = 8_000_000,
) -> csr_matrix:
    """:func:`euclidean_reach` for candidates on a square lattice, by a stencil of offsets.

    Each point looks up the candidates at the lattice nodes around its own node (one dense
    index of the lattice, one gather per point and offset); offsets whose every position is
    within the radius (with :data:`STENCIL_MARGIN_M` of room) are taken whole, offsets
    the radius may cut are tested with the distance ``sqrt(dx² + dy²)`` that
    ``cKDTree`` computes, so the matrix equals the KD-tree path's entry for entry. The
    pairs come out point by point: the matrix is made in CSC form without a sort.

    Parameters
    ----------
    cx, cy
        Candidate coordinates in metres, each within :data:`LATTICE_TOL_M` of a node of
        the lattice of side ``cell_m`` (and one candidate per node).
    px, py
        Demand point coordinates in the same CRS.
    settings
        Speed, circuity and minutes.
    cell_m
        The lattice side in metres.
    entries_per_batch
        Point × offset lookups held at once (bounds memory).

    Returns
    -------
    scipy.sparse.csc_matrix
        Boolean, ``(len(cx), len(px))``, by point (each point's candidates unsorted).

    Raises
    ------
    ValueError
        If two candidates share a lattice node.
    """
    nc, n_pts = np.size(cx), np.size(px)
    per_m = minutes_per_metre(settings)
    limit = settings.minutes + TOL_MIN
    h = float(cell_m)
    ox, oy = _offset(cx, h), _offset(cy, h)
    ix = np.rint((cx - ox) / h).astype("int64")
    iy = np.rint((cy - oy) / h).astype("int64")
    offsets, whole = _stencil(limit / per_m, h)
    reach_cells = int(np.abs(offsets).max()) if offsets.size else 0
    # the box: the candidates' nodes, the nodes of the points that may reach one
    # (``reach_cells`` either side) and room for their stencils (as much again)
    x0, y0 = ix.min() - 2 * reach_cells, iy.min() - 2 * reach_cells
    n_x = int(ix.max() - x0 + 2 * reach_cells + 1)
    n_y = int(iy.max() - y0 + 2 * reach_cells + 1)
    index = np.full(n_x * n_y, -1, dtype="int32" if max(nc, n_x * n_y) < 2**31 - 1 else "int64")
    node = (ix - x0) * n_y + (iy - y0)
    index[node] = np.arange(nc)
    if np.unique(node).size != nc:
        raise ValueError("two candidates share a lattice node")
    flat = (offsets[:, 0] * n_y + offsets[:, 1]).astype(index.dtype)
    # each point's own node; points whose node is out of the box reach no candidate
    ax = np.floor((px - ox) / h + 0.5) - x0
    ay = np.floor((py - oy) / h + 0.5) - y0
    inside = np.flatnonzero((ax >= reach_cells) & (ax < n_x - reach_cells)
                            & (ay >= reach_cells) & (ay < n_y - reach_cells))
    own = (ax[inside].astype("int64") * n_y + ay[inside].astype("int64")).astype(index.dtype)
    n_cut = int((~whole).sum())
    flat = np.concatenate([flat[~whole], flat[whole]])  # the offsets to test first
    step = max(1, entries_per_batch // max(1, flat.size))
    per_point: list[np.ndarray] = []
    cands: list[np.ndarray] = []
    for lo in range(0, inside.size, step):
        sel = inside[lo : lo + step]
        table = index[own[lo : lo + step, None] + flat[None, :]]
        cut = table[:, :n_cut]  # a view: the tests write into ``table``
        r, c = np.nonzero(cut >= 0)
        cand = cut[r, c]
        dx = px[sel[r]] - cx[cand]
        dy = py[sel[r]] - cy[cand]
        far = np.sqrt(dx * dx + dy * dy) * per_m > limit  # cKDTree's distance
        cut[r[far], c[far]] = -1
        valid = table >= 0
        per_point.append(valid.sum(axis=1))
        cands.append(table[valid])
    counts = np.zeros(n_pts, dtype="int64")
    counts[inside] = np.concatenate(per_point) if per_point else 0
    indptr = np.zeros(n_pts + 1, dtype="int64")
    np.cumsum(counts, out=indptr[1:])
    rows = np.concatenate(cands) if cands else np.zeros(0, index.dtype)
    idx = np.int32 if max(nc, n_pts, rows.size) < 2**31 - 1 else np.int64
    m = csc_matrix((np.ones(rows.size, dtype=bool), rows.astype(idx, copy=False),
                    indptr.astype(idx)), shape=(nc, n_pts))
    m.has_sorted_indices = False  # each point's candidates in stencil order
    return m


def _stencil(radius: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Lattice offsets ``(dx, dy)`` a point's own node may reach within ``radius`` from
    anywhere in its cell (±h/2 around the node, plus room), and whether every position
    of the offset is within it (no test needed)."""
    n = int(np.ceil(radius / h)) + 2
    g = np.arange(-n, n + 1)
    dx, dy = (a.ravel() for a in np.meshgrid(g, g, indexing="ij"))
    half = h / 2 + LATTICE_TOL_M
    near_x = np.maximum(np.abs(dx) * h - half, 0.0)
    near_y = np.maximum(np.abs(dy) * h - half, 0.0)
    far_x, far_y = np.abs(dx) * h + half, np.abs(dy) * h + half
    near = np.hypot(near_x, near_y)
    far = np.hypot(far_x, far_y)
    keep = near <= radius + STENCIL_MARGIN_M
    whole = far <= radius - STENCIL_MARGIN_M
    return np.column_stack([dx[keep], dy[keep]]).astype("int64"), whole[keep]
