"""The app's words (``geo.ui_text``): both languages complete (number formats: test_words.py)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from _helpers import ROOT

from geo import ui_text as ui
from geo.schema import AMENITY_LABELS, KIND_LABELS


def test_every_label_has_both_languages() -> None:
    for table in (ui.TEXT, ui.COLUMNS, ui.CRS_LABELS):
        for key, pair in table.items():
            assert len(pair) == 2 and all(s.strip() for s in pair), key


def test_chinese_is_default_and_english_on_request() -> None:
    assert ui.t("mode") == "出行方式"
    assert ui.t("mode", "en") == "Mode"
    assert ui.t("kpi_coverage") == "覆盖率" and ui.t("kpi_coverage", "en") == "Coverage"
    assert ui.mode_label("ebike") == "电动自行车" and ui.mode_label("ebike", "en") == "e-bike"
    assert ui.kind_label("supply") == KIND_LABELS["supply"][0]
    assert ui.amenity_label("") == "不限" and ui.amenity_label("", "en") == "Any"
    assert ui.amenity_label("charging", "en") == AMENITY_LABELS["charging"][1]
    assert ui.pick(ui.COLUMNS, "unknown_column") == "unknown_column"


def test_demo_notes_say_illustrative_each_in_its_language() -> None:
    for key in ("demo_note", "demo_note_helsinki", "demo_note_city"):
        zh, en = ui.t(key, "zh"), ui.t(key, "en")
        assert zh.startswith("**示意数据**") and "Illustrative" not in zh, zh
        assert en.startswith("**Illustrative data**") and "示意" not in en, en


def _chinese_labels() -> dict[str, str]:
    """Every Chinese text the app's pages take from the word tables, by where it is."""
    from geo import words
    from geo.basis import GEOCODED_USES
    from geo.maps import TILES
    from geo.schema import LEVEL_LABELS

    tables = {"TEXT": ui.TEXT, "COLUMNS": ui.COLUMNS, "CRS_LABELS": ui.CRS_LABELS,
              "SOLVER_LABELS": ui.SOLVER_LABELS, "PROVIDER_LABELS": ui.PROVIDER_LABELS,
              "KIND_LABELS": KIND_LABELS, "AMENITY_LABELS": AMENITY_LABELS,
              "LEVEL_LABELS": LEVEL_LABELS, "METHOD_LABELS": words.METHOD_LABELS,
              "MODE_LABELS": words.MODE_LABELS, "GEOCODED_USES": GEOCODED_USES}
    out = {f"{name}[{key}]": pair[0] for name, table in tables.items()
           for key, pair in table.items()}
    out.update({f"TILES[{k}]": t.label_zh for k, t in TILES.items()})
    out["amenity_label('')"] = ui.amenity_label("", "zh")
    return out


def test_every_chinese_label_is_chinese_only() -> None:
    """Help texts and labels the app tests may not reach: Chinese, with only the words of
    the explicit whitelist (units, formats, coordinate systems, proper names)."""
    from _helpers.app import ALLOWED_WORDS, english_words

    labels = _chinese_labels()
    assert len(labels) > 200
    bad = {where: sorted(found) for where, text in labels.items()
           if (found := english_words([re.sub(r"\{\w+(:[^}]*)?\}", "", text)],
                                      ALLOWED_WORDS, set()))}
    assert not bad, bad


def test_the_english_word_check_is_not_fooled() -> None:
    """The check of the Chinese page finds an English word in a label, a code or a status
    and lets through only units, formats, names, file names and settings as typed."""
    from _helpers.app import ALLOWED_WORDS, english_words

    def found(text: str) -> set[str]:
        return english_words([text], ALLOWED_WORDS, set())

    assert found("点击地图添加假设站点 Click map to add") == {"Click", "map", "to", "add"}
    assert found("类型 energy_pool、supply") == {"energy", "pool", "supply"}
    assert found("计入 true") == {"true"} and found("是 yes") == {"yes"}
    assert found("3 site(s) add 59.00 demand") == {"site", "add", "demand"}
    assert not found("速度（km/h）· GCJ-02 · WGS-84 · 上传 CSV、XLSX、GeoJSON · OpenStreetMap")
    assert not found("data/helsinki/demand.csv · secrets.toml · TIANDITU_TK · GEO_APP_MAP=off")


def test_headers_rename_known_columns_only() -> None:
    table = pd.DataFrame({"grid": ["甲"], "coverage": [0.5], "extra": [1]})
    assert list(ui.headers(table).columns) == ["网格", "覆盖率", "extra"]
    assert list(ui.headers(table, "en").columns) == ["Grid", "Coverage", "extra"]
    assert list(table.columns) == ["grid", "coverage", "extra"]


def _reasons_of_bad_rows(tmp_path) -> list[str]:
    """Reasons the station reader really gives (not copied strings: a change of wording
    in the reader must show here)."""
    import geo

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,名称,经度,纬度,坐标系\n"
        "A1,甲,120.61,31.29,wgs84\n"
        "A2,乙,abc,31.29,wgs84\n"
        "A3,丙,31.29,120.61,wgs84\n"
        "A4,丁,,,wgs84\n"
        "A5,戊,0,0,wgs84\n"
        "A6,己,200,31.2,wgs84\n"
        "A7,庚,-70.1,40.2,gcj02\n",
        encoding="utf-8",
    )
    table = geo.read_stations(str(bad))
    return [r.reason for r in table.attrs["rejected"]]


def test_reader_messages_are_chinese_on_the_chinese_page(tmp_path) -> None:
    reasons = _reasons_of_bad_rows(tmp_path)
    assert len(reasons) == 6
    for reason in reasons:
        zh = ui.message_text(reason, "zh")
        assert not zh.startswith("（英文原文）"), reason
        assert not re.search(r"[A-Za-z]{4,}", zh.replace("WGS", "")), (reason, zh)
        assert ui.message_text(reason, "en") == reason
    # a message no pattern knows is still shown, marked as English
    assert ui.message_text("a brand-new message", "zh") == "（英文原文）a brand-new message"


def test_far_station_and_foreign_network_messages_are_translated() -> None:
    import geo

    data = ROOT / "data" / "canglang"
    far = geo.read_stations(pd.DataFrame({"id": ["X"], "lon": [-70.6], "lat": [-33.4]}))
    result = geo.analyze([str(data / "stations.csv"), far], demand=str(data / "demand.csv"))
    far_msgs = [w.reason for w in result.warnings if "km from the study" in w.reason]
    assert far_msgs and "距研究范围" in ui.message_text(far_msgs[0], "zh")
    with pytest.raises(geo.GeoError) as err:
        geo.analyze(str(data / "stations.csv"), demand=str(data / "demand.csv"),
                    method="network", network="helsinki")
    zh = ui.message_text(str(err.value), "zh")
    assert "路网不覆盖数据" in zh and "个站点" in zh


def test_siting_status_in_chinese_from_the_fields() -> None:
    from geo.siting import site

    data = ROOT / "data" / "canglang"
    args = {"demand": str(data / "demand.csv"), "area": str(data / "area.geojson"),
            "from_gaps": True}
    add = site(str(data / "stations.csv"), add=2, **args).summary()
    zh = ui.siting_status(add, "zh")
    assert zh.startswith("2 个新站点增加覆盖需求") and f"{add['gain']:,.2f}" in zh
    assert ("已证明最优" in zh) == add["optimal"]
    assert ui.siting_status(add, "en") == add["status"]
    target = site(str(data / "stations.csv"), target=0.99, **args).summary()
    zh = ui.siting_status(target, "zh")
    assert ("达到 99.0%" in zh) if target["feasible"] else ("达不到" in zh)
    done = site(str(data / "stations.csv"), target=0.1, **args).summary()
    assert ui.siting_status(done, "zh").startswith("现有站点已覆盖")
    for line in (ui.siting_status(s, "zh") for s in (add, target, done)):
        assert not re.search(r"[A-Za-z]{3,}", line), line


def test_workbook_and_empty_file_messages_are_chinese(tmp_path) -> None:
    """The readers' new warnings (issue 18 item 13) reach the app: in Chinese there."""
    import openpyxl

    import geo

    book = openpyxl.Workbook()
    old = book.active
    old.title = "旧表"
    old.append(["编号", "经度", "纬度"])
    old.sheet_state = "hidden"
    ws = book.create_sheet("站点")
    ws.append(["编号", "类型", "经度", "纬度", "备注"])
    ws.append(["S1", "爱心补给点", 120.60, 31.28, "甲"])
    ws.append(["S2", None, 120.61, 31.28, None])
    ws.append(["S3", "驿站", 120.62, 31.28, None])
    ws.merge_cells("B2:B3")
    ws.merge_cells("C4:D4")
    book.save(tmp_path / "s.xlsx")
    warnings = [w.reason for w in geo.read_stations(tmp_path / "s.xlsx").attrs["warnings"]]
    empty = tmp_path / "empty.csv"
    empty.write_text("编号,经度,纬度\n", encoding="utf-8")
    with pytest.raises(geo.GeoError) as err:
        geo.analyze(str(empty))
    local = tmp_path / "local.geojson"
    local.write_text('{"type": "FeatureCollection", "crs": {"type": "name", "properties": '
                     '{"name": "urn:x-local:crs:SZ"}}, "features": [{"type": "Feature", '
                     '"properties": {}, "geometry": {"type": "Point", "coordinates": '
                     '[120.6, 31.28]}}]}', encoding="utf-8")
    warnings += [w.reason for w in geo.read_stations(local).attrs["warnings"]]
    assert len(warnings) == 4
    for message in [*warnings, str(err.value)]:
        zh = ui.message_text(message, "zh")
        assert not zh.startswith("（英文原文）"), message
        body = re.sub(r"WGS|EPSG|Excel|urn:x-local:crs:SZ|[A-Z]\d+(:[A-Z]\d+)?", "", zh)
        assert not re.search(r"[A-Za-z]{4,}", body.split(":", 1)[-1]), (message, zh)


def test_a_memory_refusal_names_the_apps_settings_not_command_line_options() -> None:
    import geo
    from geo import budget

    data = ROOT / "data" / "canglang"
    with budget.limit("2MB"), pytest.raises(geo.GeoError) as err:
        geo.analyze(str(data / "stations.csv"), area=str(data / "area.geojson"), cell_m=10)
    message = str(err.value)
    assert "--cell" in message  # the command line's words ...
    for lang in ("zh", "en"):
        shown = ui.message_text(message, lang)
        assert "--" not in shown and "GEO_MAX_MEMORY" not in shown, shown  # ... not the app's
        assert "GEO_APP_MAX_MEMORY" in shown
    zh = ui.message_text(message, "zh")
    assert "约需" in zh and "网格单元" in zh and "m 可行" in zh, zh
    assert not re.search(r"[A-Za-z]{4,}", zh.replace("GEO_APP_MAX_MEMORY", "")), zh


def test_street_network_and_geocoder_reasons_are_chinese_on_the_chinese_page() -> None:
    """The reasons the app's tables list for the Helsinki demo along its streets (points
    off the network, unreachable, joined to a small piece) and for the demo address list
    (not found, coarse, another city, no address) — made by the library, not copied."""
    from _helpers.app import ALLOWED_WORDS, english_words

    import geo
    from geo import planner
    from geo.geocode import geocode_table

    hel = ROOT / "data" / "helsinki"
    result = geo.analyze(str(hel / "stations.csv"), demand=str(hel / "demand.csv"),
                         area=str(hel / "area.geojson"), method="network", network="helsinki",
                         mode="bike")  # by bicycle, one-way streets leave points unreachable
    network = [r.reason for r in [*result.rejected, *result.warnings]]
    assert any("off_network" in r for r in network) and any("unreachable" in r for r in network)
    table = geocode_table(planner.demo_addresses(), provider="demo", city="苏州市", rate=0)
    geocoder = [m for m in table["geocode_message"].dropna().astype(str) if m]
    assert len(geocoder) >= 3, geocoder
    for reason in [*network, *geocoder]:
        zh = ui.message_text(reason, "zh")
        assert not zh.startswith("（英文原文）"), reason
        found = english_words([re.sub(r"'[^']*'|“[^”]*”", "", zh)], ALLOWED_WORDS, set())
        assert not found, (reason, zh, found)


def test_weight_refusals_are_chinese_on_the_chinese_page(tmp_path) -> None:
    """The reader's weight reasons (too large, negative) were shown in English."""
    from geo.io import read_demand

    bad = tmp_path / "demand.csv"
    bad.write_text("编号,经度,纬度,人数\nD1,120.60,31.29,1e308\nD2,120.61,31.29,-4\n",
                   encoding="utf-8")
    reasons = [r.reason for r in read_demand(str(bad)).attrs["rejected"]]
    assert len(reasons) == 2
    for reason in reasons:
        zh = ui.message_text(reason, "zh")
        assert not zh.startswith("（英文原文）"), reason
        assert not re.search(r"[A-Za-z]{4,}", zh), (reason, zh)
