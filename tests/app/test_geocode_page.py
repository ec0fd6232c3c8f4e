"""The app's geocoding page under ``AppTest``: demo list offline, review by typed fix, use."""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import ROOT
from streamlit.testing.v1 import AppTest

import geo
from geo import ui_text as ui
from geo.geocode import review as rv

APP = ROOT / "app.py"
TIMEOUT = 120


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("GEO_APP_MAP", "off")
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("AMAP_KEY", "BAIDU_AK", "TIANDITU_TK"):
        monkeypatch.delenv(var, raising=False)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.radio(key="page").set_value("geocode").run()
    assert not at.exception, at.exception
    return at


def _counts(at: AppTest) -> dict[str, int]:
    codes = {label: code for code, label in rv.STATUS_LABELS_ZH.items()}
    return {codes[m.label]: int(m.value) for m in at.metric if m.label in codes}


def test_demo_list_geocodes_offline_and_lists_rows_to_review(page: AppTest) -> None:
    assert page.title[0].value.startswith("地址")
    assert any("示意数据" in i.value for i in page.info)
    page.button(key="gc_run").click().run()
    assert not page.exception, page.exception
    assert _counts(page) == {"ok": 40, "given": 2, "manual": 0, "needs_review": 2, "failed": 2}
    review = [d.value for d in page.dataframe if "状态说明" in d.value.columns]
    assert len(review) == 1 and len(review[0]) == 4
    assert review[0]["行"].tolist() == [9, 21, 25, 47]  # spreadsheet rows (title row, header)


def test_the_tables_say_no_none_and_name_the_service_in_chinese(page: AppTest) -> None:
    """No cell is missing: Streamlit's table writes None for one (a Styler cannot change
    that), so a row without coordinates shows —; the table of all rows names the geocoding
    service as the page does, not by its code."""
    page.button(key="gc_run").click().run()
    frames = {("review" if "状态说明" in d.value.columns else "all"): d.value
              for d in page.dataframe}
    review = frames["review"]
    assert not review.isna().any().any(), review
    assert review["经度 (WGS-84)"].tolist().count("—") == 2, review
    assert "116.978647" in review["经度 (WGS-84)"].tolist()
    assert not frames["all"].isna().any().any()
    providers = set(frames["all"]["编码服务"]) - {""}
    assert providers == {ui.pick(ui.PROVIDER_LABELS, "demo", "zh")}, providers


def test_a_typed_fix_is_recorded_as_manual_and_the_table_can_be_used(
    page: AppTest, tmp_path
) -> None:
    page.button(key="gc_run").click().run()
    pick = page.selectbox(key="gc_pick")
    pos = pick.value
    page.number_input(key=f"gc_lon_{pos}").set_value(120.6165)
    page.number_input(key=f"gc_lat_{pos}").set_value(31.2951)
    page.selectbox(key=f"gc_sys_{pos}").set_value("gcj02")
    page.button(key="FormSubmitter:gc_fix_form-按输入坐标校正").click()
    page.run()
    assert not page.exception, page.exception
    assert _counts(page)["manual"] == 1 and _counts(page)["needs_review"] == 1
    table = page.session_state["gc_table"]
    assert table.loc[pos, "geocode_status"] == "manual"
    assert table.loc[pos, "坐标系"] == "wgs84"
    assert abs(table.loc[pos, "lon"] - 120.6165) > 1e-3  # converted from GCJ-02, not copied

    page.button(key="gc_use").click().run()
    assert any("覆盖分析现在使用" in s.value for s in page.success)
    page.radio(key="page").set_value("coverage").run()
    assert not page.exception, page.exception
    used = {m.label: m.value for m in page.metric}["使用站点"]
    assert int(used) == 43  # rows still to review or without a point are listed, not used
    rejected = [d.value for d in page.dataframe if "原因" in d.value.columns]
    assert rejected and rejected[0]["行"].tolist() == [20, 24, 46]
    # the geocoded stations join the dataset's demand, area and 网格 (issue 18, sequence 1),
    # and the screen says so
    basis = " ".join(m.value for m in page.markdown if "当前数据" in m.value).replace("\\", "")
    assert "geocoded.csv" in basis and "替换数据集的站点" in basis
    assert "demand.csv" in basis and "grids.geojson" in basis
    name, data = page.session_state["geocoded_stations"]
    csv = tmp_path / name
    csv.write_bytes(data)
    demo = ROOT / "data" / "canglang"
    expected = geo.analyze([str(csv)], demand=str(demo / "demand.csv"),
                           area=str(demo / "area.geojson"), grids=str(demo / "grids.geojson"))
    shown = {m.label: m.value for m in page.metric}
    assert shown["覆盖率"] == ui.share(expected.coverage)
    assert int(shown["缺口数"]) == len(expected.gap_table)
    # and stop using them: back to the dataset's own stations
    page.button(key="geocoded_stop").click().run()
    assert int({m.label: m.value for m in page.metric}["使用站点"]) != 43


def test_parameters_survive_a_visit_to_the_geocoding_page(page: AppTest) -> None:
    page.radio(key="page").set_value("coverage").run()
    page.selectbox(key="mode").set_value("ebike").run()
    page.radio(key="page").set_value("geocode").run()
    page.radio(key="page").set_value("coverage").run()
    assert page.selectbox(key="mode").value == "ebike"


def test_a_provider_with_a_key_asks_for_it_and_keeps_nothing(page: AppTest) -> None:
    page.selectbox(key="gc_provider").set_value("amap").run()
    assert page.button(key="gc_run").disabled
    assert any(t.label.startswith("密钥") for t in page.text_input)
    page.text_input[-1].input("SeCrEt-typed-key").run()
    assert not page.button(key="gc_run").disabled
    # only the password widget holds it while shown; the app keeps no copy of its own
    ours = page.session_state._state.filtered_state
    assert ours and all("SeCrEt-typed-key" not in repr(v) for v in ours.values())
