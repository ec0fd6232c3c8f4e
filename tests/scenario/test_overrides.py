"""Scenario text as settings changes (``geo.scenario.overrides``)."""

from __future__ import annotations

import pytest

from geo.errors import SettingsError
from geo.settings import Settings


def test_scenarios_are_read_from_text_with_labels_aliases_and_numbers() -> None:
    from geo.scenario import parse_overrides

    assert parse_overrides("有充电:amenity=充电") == ("有充电", {"amenity": "充电"})
    label, ov = parse_overrides("晚高峰:speed=10，at=18:30")
    assert label == "晚高峰" and ov == {"speed_kmh": 10.0, "at": "18:30"}
    assert parse_overrides("minutes=10") == (None, {"minutes": 10.0})
    assert parse_overrides("23:00 开放:at=23:00") == ("23:00 开放", {"at": "23:00"})
    assert parse_overrides("kinds:category=supply|rest")[1] == {"categories": ("supply", "rest")}
    # each result is accepted by Settings.replace
    Settings().replace(**parse_overrides("晚高峰:speed=10,at=18:30")[1])
    for bad in ("speed=fast", "colour=red", "有充电:", "amenity"):
        with pytest.raises(SettingsError):
            parse_overrides(bad)
