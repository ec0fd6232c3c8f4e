"""Siting options (``geo.siting.options``): checked, and charging counts only what charges."""

from __future__ import annotations

import pytest
from _helpers.siting import best_subset, euclid_reference, run, small_instance

from geo.errors import SettingsError
from geo.siting import site


def test_charging_counts_only_stations_with_charging():
    st, dem, cand = small_instance(41, n_st=6)
    st["amenities"] = ["充电、饮用水", "饮用水", "医护药箱", "充电", "饮用水", ""]
    st["category"] = ["爱心补给点"] * 5 + ["充电桩"]  # a pile with a blank amenities column
    st["kind"] = ["supply"] * 5 + ["charging_pile"]
    res = run(st, dem, cand, add=2, charging=True)
    used = res.baseline.stations.set_index("id")["used"]
    assert used.tolist() == [True, False, False, True, False, True]
    charging = st.iloc[[0, 3, 5]]
    base, reach, w = euclid_reference(charging, dem, cand, res.baseline.metric_crs,
                                      res.baseline.settings)
    assert res.baseline_covered_demand == pytest.approx(w[base].sum())
    assert res.covered_demand == pytest.approx(best_subset(reach, base, w, 2))
    assert (res.selected["kind"] == "charging_pile").all()
    new = res.after.stations[res.after.stations["hypothetical"]]
    assert new["used"].all()
    assert res.after.covered_demand == pytest.approx(res.covered_demand)
    everyone = run(st, dem, cand, add=2)
    assert everyone.baseline_covered_demand > res.baseline_covered_demand


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "either"),
        ({"add": 2, "target": 0.9}, "either"),
        ({"add": 0}, "whole number"),
        ({"add": 1.5}, "whole number"),
        ({"target": 1.2}, "at most 1"),
        ({"target": 0}, "above 0"),
        ({"target": "lots"}, "not a share"),
        ({"add": 1, "solver": "magic"}, "unknown solver"),
        ({"add": 1, "time_limit": 0}, "time limit"),
        ({"add": 1, "gap": 1.0}, "gap"),
        ({"add": 1, "gap": -0.1}, "gap"),
        ({"add": 1, "on_network": True}, "street network"),
        ({"add": 1, "candidates": None}, "no candidate sites"),
    ],
)
def test_options_are_checked(kwargs, match):
    st, dem, cand = small_instance(45)
    args = {"demand": dem, "candidates": cand, **kwargs}
    with pytest.raises(SettingsError, match=match):
        site(st, **args)
