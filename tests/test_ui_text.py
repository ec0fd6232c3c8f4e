"""The app's words (``geo.ui_text``): both languages complete (number formats: test_words.py)."""

from __future__ import annotations

import pandas as pd

from geo import ui_text as ui
from geo.schema import AMENITY_LABELS, KIND_LABELS


def test_every_label_has_both_languages() -> None:
    for table in (ui.TEXT, ui.COLUMNS, ui.CRS_LABELS):
        for key, pair in table.items():
            assert len(pair) == 2 and all(s.strip() for s in pair), key


def test_chinese_is_default_and_english_on_request() -> None:
    assert ui.t("mode") == "出行方式 Mode"
    assert ui.t("mode", "en") == "Mode"
    assert ui.t("kpi_coverage") == "覆盖率" and ui.t("kpi_coverage", "en") == "Coverage"
    assert ui.mode_label("ebike") == "电动自行车" and ui.mode_label("ebike", "en") == "e-bike"
    assert ui.kind_label("supply") == KIND_LABELS["supply"][0]
    assert ui.amenity_label("") == "不限 Any"
    assert ui.amenity_label("charging", "en") == AMENITY_LABELS["charging"][1]
    assert ui.pick(ui.COLUMNS, "unknown_column") == "unknown_column"


def test_demo_note_says_illustrative_chinese_first() -> None:
    for lang in ui.LANGUAGES:
        note = ui.t("demo_note", lang)
        assert note.index("示意数据") < note.index("Illustrative")


def test_headers_rename_known_columns_only() -> None:
    table = pd.DataFrame({"grid": ["甲"], "coverage": [0.5], "extra": [1]})
    assert list(ui.headers(table).columns) == ["网格", "覆盖率", "extra"]
    assert list(ui.headers(table, "en").columns) == ["Grid", "Coverage", "extra"]
    assert list(table.columns) == ["grid", "coverage", "extra"]
