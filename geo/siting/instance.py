"""The reach matrix made small: demand no candidate reaches dropped, identical demand
columns merged into weighted groups, useless and repeated candidates dropped.

The mapping back to every candidate and demand point is kept, so the output still
names each candidate (a repeated one points to the first with the same reach).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

__all__ = ["Instance", "compress", "row_entries", "weight_reached"]


@dataclass
class Instance:
    """A reach matrix ready for the models.

    Attributes
    ----------
    matrix
        Boolean CSR: one row per distinct useful candidate, one column per demand group.
    csc
        The same matrix in CSC form (for updates by column).
    weight
        Demand per group.
    candidate
        Per row: the position of its candidate in the original matrix (the first of
        identical ones).
    row_of
        Per original candidate: its row, or ``-1`` when it reaches no demand.
    group_of
        Per original demand column: its group, or ``-1`` when no candidate reaches it.
    """

    matrix: sp.csr_matrix
    csc: sp.csc_matrix
    weight: np.ndarray
    candidate: np.ndarray
    row_of: np.ndarray
    group_of: np.ndarray

    @property
    def total(self) -> float:
        """Demand some candidate reaches: the most any set of candidates can add."""
        return float(self.weight.sum())

    @property
    def n_rows(self) -> int:
        """Distinct useful candidates."""
        return int(self.matrix.shape[0])

    @cached_property
    def fmatrix(self) -> sp.csr_matrix:
        """:attr:`matrix` with float64 ones (scipy's products run twice as fast on it)."""
        return sp.csr_matrix(
            (np.ones(self.matrix.nnz), self.matrix.indices, self.matrix.indptr),
            shape=self.matrix.shape,
        )

    @cached_property
    def integral(self) -> bool:
        """Whether every demand weight is a whole number (then so is any demand added)."""
        w = self.weight
        return bool(np.all(w == np.round(w)) and w.sum() < 2**52)

    def tol(self) -> float:
        """Demand differences below this are rounding."""
        return 1e-9 * max(1.0, self.total)

    def cover_count(self, rows: np.ndarray) -> np.ndarray:
        """Per group, how many of ``rows`` reach it."""
        return np.bincount(row_entries(self.matrix, rows), minlength=self.weight.size)

    def value(self, rows: np.ndarray) -> float:
        """Demand ``rows`` reach together."""
        return float(self.weight[self.cover_count(rows) > 0].sum())


def row_entries(m: sp.csr_matrix | sp.csc_matrix, rows: np.ndarray) -> np.ndarray:
    """The stored indices of several rows of a CSR matrix (columns of a CSC), concatenated."""
    rows = np.asarray(rows, dtype="int64")
    starts = m.indptr[rows].astype("int64")
    cnt = m.indptr[rows + 1].astype("int64") - starts
    total = int(cnt.sum())
    if total == 0:
        return np.zeros(0, dtype="int64")
    offset = np.repeat(starts - (np.cumsum(cnt) - cnt), cnt)
    return m.indices[offset + np.arange(total)]


def weight_reached(csc: sp.csc_matrix, cols: np.ndarray, w: np.ndarray, n_rows: int
                   ) -> np.ndarray:
    """Per row, the weight of the columns ``cols`` it reaches."""
    cols = np.asarray(cols, dtype="int64")
    cnt = (csc.indptr[cols + 1] - csc.indptr[cols]).astype("int64")
    rows = row_entries(csc, cols)
    if rows.size == 0:
        return np.zeros(n_rows)
    return np.bincount(rows, weights=np.repeat(w[cols], cnt), minlength=n_rows)


def _hashes(indptr: np.ndarray, indices: np.ndarray, n_keys: int, seed: int) -> np.ndarray:
    """Two 64-bit sums of random keys per segment (wrapping, so order-independent) and
    the segment length: equal rows of the result mean equal index sets (collision
    probability about 2⁻¹²⁸)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((indptr.size - 1, 3), dtype=np.uint64)
    lengths = np.diff(indptr)
    filled = lengths > 0
    for col in (0, 1):
        keys = rng.integers(0, 2**63, size=n_keys, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        if indices.size:
            out[filled, col] = np.add.reduceat(keys[indices], indptr[:-1][filled])
    out[:, 2] = lengths
    return out


def compress(matrix: sp.csr_matrix | sp.csc_matrix, weight: np.ndarray) -> Instance:
    """Drop what cannot matter and merge what is identical.

    Parameters
    ----------
    matrix
        Boolean reach matrix, candidates × demand points: CSR (repeated entries are
        merged), or CSC holding each pair once, its columns in any order (as
        :func:`geo.reach.euclidean_reach` makes it with ``csc=True``; no transpose then).

    weight
        Demand per point.

    Returns
    -------
    Instance
    """
    if isinstance(matrix, sp.csc_matrix):
        csc = sp.csc_matrix(matrix, dtype=bool)
    else:
        m = sp.csr_matrix(matrix, dtype=bool)
        m.sum_duplicates()
        csc = m.tocsc()  # one transpose
    weight = np.asarray(weight, dtype="float64")
    nc, n_pts = csc.shape
    reached = (np.diff(csc.indptr) > 0) & (weight > 0)
    cols = np.flatnonzero(reached)
    if cols.size < n_pts:
        csc = csc[:, cols]  # selecting columns of a CSC is a copy
    # the row order within a column does not matter below: the hashes are sums, and
    # the transposes give sorted rows and columns
    # demand columns reached by the same candidates → one group
    _, first, inv = np.unique(
        _hashes(csc.indptr, csc.indices, nc, seed=1), axis=0, return_index=True,
        return_inverse=True,
    )
    order = np.argsort(first, kind="stable")  # groups in order of their first point
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    group = rank[inv.ravel()]
    group_w = np.bincount(group, weights=weight[cols], minlength=order.size)
    sel = csc[:, first[order]]
    reduced = sel.tocsr()
    reduced.sort_indices()
    # candidates reaching nothing, or exactly what an earlier one reaches → dropped
    useful = np.diff(reduced.indptr) > 0
    _, rfirst, rinv = np.unique(
        _hashes(reduced.indptr, reduced.indices, order.size, seed=2), axis=0,
        return_index=True, return_inverse=True,
    )
    keep_mask = np.zeros(nc, dtype=bool)
    keep_mask[rfirst] = True
    keep = np.flatnonzero(keep_mask & useful)
    new_row = np.full(nc, -1, dtype="int64")
    new_row[keep] = np.arange(keep.size)
    row_of = np.where(useful, new_row[rfirst[rinv.ravel()]], -1)
    group_of = np.full(n_pts, -1, dtype="int64")
    group_of[cols] = group
    final = reduced[keep]
    return Instance(final, final.tocsc(), group_w, keep, row_of, group_of)
