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
