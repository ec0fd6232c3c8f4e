"""The summary's numbers from plain arrays (geo.tally), against pandas as a reference."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo import grid as gridmod
from geo import tally
from geo.crs import metric_crs


def _reference_gap_grids(label, grid, weight, n):
    """The former pandas form: group by (label, 网格), most demand first, first on a tie."""
    frame = pd.DataFrame({"label": label, "grid": pd.Series(grid, dtype=object), "w": weight})
    out = np.full(n, None, dtype=object)
    known = frame.dropna(subset=["grid"])
    if len(known):
        sums = known.groupby(["label", "grid"], sort=True)["w"].sum().reset_index()
        sums = sums.sort_values(["label", "w"], ascending=[True, False], kind="stable")
        best = sums.drop_duplicates("label")
        out[best["label"].to_numpy()] = best["grid"].to_numpy()
    return out


@pytest.mark.parametrize("seed", range(12))
def test_gap_grids_equal_the_grouped_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 400)), int(rng.integers(1, 30))
    label = rng.integers(0, n, m)
    names = np.array(["网格B", "网格A", "Z", "a", None, np.nan], dtype=object)
    grid = names[rng.integers(0, names.size, m)]
    weight = rng.integers(1, 4, m).astype(float)  # small integers: many ties
    got = tally.gap_grids(label, grid, weight, n)
    want = _reference_gap_grids(label, grid, weight, n)
    assert got.tolist() == want.tolist()


def test_gap_grids_without_any_grid() -> None:
    got = tally.gap_grids(np.array([0, 1]), np.array([None, np.nan], dtype=object),
                          np.ones(2), 2)
    assert got.tolist() == [None, None]


def _cells(keys: np.ndarray) -> gridmod.Cells:
    spec = gridmod.make_spec("square", 100.0, metric_crs(np.array([120.6]), np.array([31.3])))
    return gridmod.cells_from_keys(keys, spec)


def test_gap_rows_rank_by_demand_then_cells_then_key() -> None:
    keys = np.array([gridmod.square_key(np.array([i]), np.array([0]))[0] for i in range(6)])
    cells = _cells(np.sort(keys))
    label = np.array([0, 0, 1, 2, 2, 3])
    demand = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 5.0])
    rows = tally.gap_rows(cells, demand, label, np.array(["A", None, "B", "C"], dtype=object))
    # gaps 0 and 2 hold 3 each in 2 cells, gap 1 holds 3 in one cell, gap 3 holds 5
    assert rows["label"].tolist() == [3, 0, 2, 1]
    assert rows["rank"].tolist() == [1, 2, 3, 4]
    assert rows["demand"].tolist() == [5.0, 3.0, 3.0, 3.0]
    assert rows["grid"].tolist() == ["C", "A", "B", None]
    assert rows["area_m2"].tolist() == pytest.approx([1e4, 2e4, 2e4, 1e4])


def test_grid_rows_sum_per_grid() -> None:
    codes = np.array([0, 0, 1, -1, 2])
    weight = np.array([1.0, 2.0, 4.0, 8.0, 0.0])
    covered = np.array([True, False, True, True, False])
    sums = tally.grid_sums(codes, weight, covered, 3)
    rows = tally.grid_rows(np.array(["a", "b", "c"], dtype=object), sums,
                           np.array([1, 1, -1]), np.array(["a", None, "zz"], dtype=object))
    assert rows["demand"].tolist() == [3.0, 4.0, 0.0]
    assert rows["covered_demand"].tolist() == [1.0, 4.0, 0.0]
    assert rows["points"].tolist() == [2, 1, 1]
    assert rows["stations"].tolist() == [0, 2, 0]
    assert rows["gaps"].tolist() == [1, 0, 0]
    assert rows["coverage"][:2].tolist() == [1 / 3, 1.0] and np.isnan(rows["coverage"][2])


def test_summary_json_is_strict() -> None:
    text = tally.summary_json({"a": float("nan"), "b": [float("inf"), 1.5], "c": "网格"})
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": "网格"}
    assert "网格" in text  # not escaped


@pytest.mark.parametrize("values", [
    np.zeros(0, dtype=np.int64), np.array([5]), np.array([3, 1, 3, 2, 1], dtype=np.uint64),
    np.random.default_rng(1).integers(0, 50, 1000),
])
def test_distinct_count(values: np.ndarray) -> None:
    assert tally.distinct_count(values) == len(set(values.tolist()))


@pytest.mark.parametrize("values", [
    np.zeros(0, dtype=np.int64), np.array([7]), np.array([5, 1, 5, 3, 1, 1], dtype=np.int64),
    np.random.default_rng(2).integers(-50, 50, 2000),
])
def test_unique_inverse_is_numpys(values: np.ndarray) -> None:
    got_u, got_inv = tally.unique_inverse(values)
    want_u, want_inv = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(got_u, want_u)
    np.testing.assert_array_equal(got_inv, want_inv)
