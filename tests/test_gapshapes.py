"""Gap polygons kept by their cells (``geo.gapshapes``): a redraw after a what-if merges only
the gaps that changed, and every polygon equals one built from scratch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

import geo
from geo import gapshapes, scenario
from geo.maps.layers import gap_features

DEMO = Path(__file__).resolve().parents[1] / "data" / "canglang"
ARGS = {"demand": DEMO / "demand.csv", "area": DEMO / "area.geojson",
        "grids": DEMO / "grids.geojson"}


def test_signatures_name_the_set_of_cells() -> None:
    # equal signatures exactly where the sets of keys are equal (a reference with sets)
    rng = np.random.default_rng(3)
    n = 400
    keys = rng.integers(-(2**62), 2**62, 3000)
    label = rng.integers(0, n, keys.size)
    # some gaps made of the same cells as others, listed in another order
    for a, b in [(5, 6), (7, 8), (9, 10)]:
        label[label == b] = -1
        take = np.flatnonzero(label == a)
        keys = np.concatenate([keys, keys[take][::-1]])
        label = np.concatenate([label, np.full(take.size, b)])
    # a gap that differs from another by one cell only, one by one key
    take = np.flatnonzero(label == 11)
    label[label == 12] = -1
    keys = np.concatenate([keys, keys[take][1:], [keys[take][0] + 1]])
    label = np.concatenate([label, np.full(take.size, 12)])
    keep = label >= 0
    keys, label = keys[keep], label[keep]
    sigs = gapshapes.signatures(label, keys, n)
    sets = [frozenset(keys[label == i].tolist()) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            assert (sigs[i] == sigs[j]) == (sets[i] == sets[j]), (i, j)
    assert sigs[5] == sigs[6] and sigs[11] != sigs[12]
    assert all(sig[0] == len(cells) for sig, cells in zip(sigs, sets, strict=True))


@pytest.fixture
def fresh():
    """Each test starts with no shape kept."""
    gapshapes._SHAPES.clear()
    yield
    gapshapes._SHAPES.clear()


def _scratch(result: geo.CoverageResult) -> np.ndarray:
    """The result's gap polygons built from scratch (nothing kept)."""
    saved = dict(gapshapes._SHAPES)
    gapshapes._SHAPES.clear()
    try:
        again = geo.analyze(result.stations.drop(columns=["used"]), settings=result.settings,
                            **ARGS)
        return again.gaps_metric.geometry.to_numpy()
    finally:
        gapshapes._SHAPES.clear()
        gapshapes._SHAPES.update(saved)


def test_a_what_if_merges_only_the_gaps_it_changes(fresh) -> None:
    stations = scenario.combine(geo.read_stations(str(DEMO / "stations.csv")))
    s = geo.Settings(minutes=8)
    base = geo.analyze(stations, settings=s, **ARGS)
    before = base.gaps_metric
    assert len(before) > 10
    # a station in the largest gap: that gap changes, the far ones do not
    big = base.gap_table.iloc[0]
    table = scenario.with_stations(stations, [{"lon": big["lon"], "lat": big["lat"]}])
    quick = scenario.add_incrementally(base, table)
    assert quick is not None
    merged = []
    real = quick._merged_gaps
    quick._merged_gaps = lambda labels: merged.append(len(labels)) or real(labels)
    after = quick.gaps_metric
    assert merged and 0 < merged[0] < 0.5 * len(after)  # only the changed gaps were merged
    old = {g.wkb: g for g in before.geometry}
    reused = [g for g in after.geometry if any(g is o for o in old.values())]
    assert len(reused) == len(after) - merged[0]
    # every polygon is the one a build from scratch makes (as a point set)
    scratch = _scratch(quick)
    assert len(scratch) == len(after)
    assert shapely.equals(after.geometry.to_numpy(), scratch).all()
    np.testing.assert_allclose(after["area_m2"], shapely.area(scratch), rtol=1e-9)


def test_the_maps_gap_outlines_are_kept_and_equal(fresh) -> None:
    s = geo.Settings(minutes=8)
    base = geo.analyze(DEMO / "stations.csv", settings=s, **ARGS)
    first, _ = gap_features(base, "gcj02", 5)
    big = base.gap_table.iloc[0]
    table = scenario.with_stations(scenario.combine(geo.read_stations(str(DEMO / "stations.csv"))),
                                   [{"lon": big["lon"], "lat": big["lat"]}])
    quick = geo.analyze(table, settings=s, **ARGS)
    kept, _ = gap_features(quick, "gcj02", 5)
    gapshapes._SHAPES.clear()
    scratch, _ = gap_features(quick, "gcj02", 5)
    assert len(kept) == len(scratch) > 10
    assert [f["properties"] for f in kept] == [f["properties"] for f in scratch]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in kept]
    fresh_shapes = [shapely.geometry.shape(f["geometry"]) for f in scratch]
    # outlines of unchanged gaps are the first map's; all cover what a fresh drawing covers
    unchanged = {f["geometry"]["coordinates"].__repr__() for f in first}
    assert sum(repr(f["geometry"]["coordinates"]) in unchanged for f in kept) > len(kept) // 2
    for a, b in zip(shapes, fresh_shapes, strict=True):
        assert shapely.symmetric_difference(a, b).area <= 1e-6 * max(b.area, 1e-12)
