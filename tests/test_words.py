"""Words and number formats (``geo.words``), as the app shows them through ``geo.ui_text``."""

from __future__ import annotations

import pytest

from geo import ui_text as ui


@pytest.mark.parametrize(
    ("func", "value", "text"),
    [
        (ui.share, 0.72558, "72.6%"),
        (ui.share, 1.0, "100.0%"),
        (ui.demand, 1454.0, "1,454"),
        (ui.demand, 12.25, "12.2"),
        (ui.demand_delta, -154.0, "-154"),
        (ui.demand_delta, 2.5, "+2.5"),
        (ui.count_delta, 1, "+1"),
        (ui.count_delta, -13, "-13"),
        (ui.count_delta, 0, "0"),
    ],
)
def test_number_formats(func, value, text) -> None:
    assert func(value) == text


def test_share_delta_in_percentage_points() -> None:
    assert ui.share_delta(0.10591) == "+10.6 个百分点"
    assert ui.share_delta(-0.005, "en") == "-0.5 pp"
