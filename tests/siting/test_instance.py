"""Compressing an instance (``geo.siting.instance``) keeps every coverage."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers.siting import random_matrix

from geo.siting import compress


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


@pytest.mark.parametrize("seed", range(4))
def test_compressed_csc_is_the_matrix_by_column(seed):
    """The CSC copy is made without a transpose when rows are dropped: same entries, sorted."""
    m, _, w = random_matrix(seed)
    inst = compress(m, w)
    assert inst.n_rows < m.shape[0]  # repeated and empty rows were dropped
    assert inst.csc.shape == inst.matrix.shape and inst.csc.has_sorted_indices
    np.testing.assert_array_equal(inst.csc.toarray(), inst.matrix.toarray())
    np.testing.assert_array_equal(np.diff(inst.csc.indptr), inst.matrix.getnnz(axis=0))
