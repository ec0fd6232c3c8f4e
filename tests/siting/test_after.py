"""The analysis after siting (``geo.siting.after``): new sites counted under the filters."""

from __future__ import annotations

import pytest
from _helpers.siting import run, small_instance


def test_category_filter_counts_the_new_sites():
    st, dem, cand = small_instance(42)
    st["category"] = ["海棠加油站", "爱心补给点", "海棠加油站", "爱心补给点"]
    res = run(st, dem, cand, add=2, categories=("rest",))
    assert (res.selected["kind"] == "rest").all()
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    assert not [w for w in res.warnings if "left out" in w.reason]


@pytest.mark.parametrize("seed", [3, 7, 11])
def test_the_after_analysis_is_derived_and_equals_a_full_analysis(seed, monkeypatch):
    import pandas as pd

    from geo import scenario

    st, dem, cand = small_instance(seed)
    derived = []
    real = scenario.add_incrementally

    def spy(baseline, stations):
        out = real(baseline, stations)
        derived.append(out is not None)
        return out

    monkeypatch.setattr(scenario, "add_incrementally", spy)
    quick = run(st, dem, cand, add=3)
    assert derived == [True]
    monkeypatch.setattr(scenario, "add_incrementally", lambda baseline, stations: None)
    full = run(st, dem, cand, add=3)
    assert list(full.selected["id"]) == list(quick.selected["id"])
    a, b = quick.after, full.after
    assert a.summary() == b.summary()
    cols = ["id", "weight", "minutes", "nearest", "covered", "band", "cell"]
    pd.testing.assert_frame_equal(pd.DataFrame(a.points[cols]), pd.DataFrame(b.points[cols]))
    pd.testing.assert_frame_equal(a.station_table, b.station_table)
    pd.testing.assert_frame_equal(a.gap_table, b.gap_table)
