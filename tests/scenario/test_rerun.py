"""A finished analysis again with other settings (``geo.scenario.rerun``), labelled."""

from __future__ import annotations

import pytest
from _helpers.report import FILES, INPUTS, SCENARIOS

import geo
from geo.report import scenario_results


def test_curve_of_scenarios_and_their_labels(demo):
    base = geo.analyze(FILES[0], **INPUTS)  # without the charging piles the filters matter
    runs = scenario_results(base, SCENARIOS)
    assert list(runs) == ["全部站点", "有充电", "23:00 开放"]
    for label, overrides in SCENARIOS.items():
        fresh = geo.analyze(FILES[0], **INPUTS, **overrides)
        assert runs[label].coverage == pytest.approx(fresh.coverage, abs=1e-12)
        assert runs[label].coverage < base.coverage
    unnamed = scenario_results(base, [{"at": "23:00"}, ("mine", base)])
    assert list(unnamed) == ["mine", "23:00 开放的站点"]
    assert list(scenario_results(demo, [{"amenity": "充电"}])) == ["全部站点", "有充电的站点"]
    with pytest.raises(geo.SettingsError):
        scenario_results(demo, [{"label": "x", "at": "23:00"}, {"label": "x", "at": "22:00"}])
