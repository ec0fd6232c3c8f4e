"""The planner app (``app.py``) driven headless by ``streamlit.testing.v1.AppTest``.

Every KPI the app shows is compared with an independent ``geo.analyze`` run on
the same demo files (given as paths, not through the app's readers).

AppTest cannot click a Leaflet map, so clicks on the map are not simulated
here (a click only calls ``geo.scenario.add_station`` with the basemap's datum,
tested in ``tests/scenario/test_whatif.py``); what-if stations are added through the
coordinate form. streamlit-folium itself runs under AppTest (it shows as a
``component_instance``): one test keeps the map on; the others set
``GEO_APP_MAP=off`` (see ``app.py``) to skip building it and run faster.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _helpers import ROOT
from _helpers.app import shown, whatif_input
from streamlit.testing.v1 import AppTest

import geo
from geo import ui_text as ui

APP = ROOT / "app.py"
DEMO = ROOT / "data" / "canglang"
STATION_FILES = [DEMO / "stations.csv", DEMO / "charging_piles.csv"]
INPUTS = {"demand": DEMO / "demand.csv", "area": DEMO / "area.geojson",
          "grids": DEMO / "grids.geojson"}
TIMEOUT = 120
WHATIF_SUBMIT = "FormSubmitter:whatif_form-添加站点"
BAD_ROWS = (
    "编号,名称,类型,经度,纬度,坐标系\r\n"
    "X1,甲站,爱心补给点,120.61,31.29,gcj02\r\n"
    "X2,乙站,爱心补给点,abc,31.29,gcj02\r\n"
    "X3,丙站,爱心补给点,31.29,120.61,gcj02\r\n"
).encode("utf-8-sig")
NO_COORDS = "名称,地址\r\n甲站,苏州市姑苏区某路1号\r\n".encode()


def _analyze(extra: gpd.GeoDataFrame | None = None, **settings) -> geo.CoverageResult:
    stations = [*STATION_FILES] if extra is None else [*STATION_FILES, extra]
    return geo.analyze(stations, **INPUTS, settings=geo.Settings(**settings))


def _kpis(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta or "") for m in at.metric}


def _assert_kpis(at: AppTest, result: geo.CoverageResult) -> None:
    """The four KPIs (Chinese labels) against a result, parsed from the shown text."""
    k = _kpis(at)
    assert set(k) == {"覆盖率", "未覆盖需求", "缺口数", "使用站点"}
    shown = float(k["覆盖率"][0].rstrip("%")) / 100
    assert abs(shown - result.coverage) <= 0.0005 + 1e-12
    uncovered = result.total_demand - result.covered_demand
    assert float(k["未覆盖需求"][0].replace(",", "")) == pytest.approx(uncovered, abs=0.05)
    assert int(k["缺口数"][0]) == len(result.summary()["gaps"])
    assert int(k["使用站点"][0]) == result.summary()["stations_used"]


def _start(map_on: bool = False, monkeypatch: pytest.MonkeyPatch | None = None) -> AppTest:
    if monkeypatch is not None and not map_on:
        monkeypatch.setenv("GEO_APP_MAP", "off")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return _start(monkeypatch=monkeypatch)


def test_opens_on_the_demo_with_map_note_and_kpis() -> None:
    at = _start(map_on=True)
    _assert_kpis(at, _analyze())
    notes = [i.value for i in at.info]
    assert notes[0].startswith("**示意数据**") and "Illustrative" not in notes[0], notes
    maps = at.get("component_instance")
    assert len(maps) == 1
    assert "streamlit_folium" in maps[0].proto.component_name
    assert not at.error
    assert all(not k[1] for k in _kpis(at).values())  # no what-if: no deltas
    # tables beside the map, with Chinese headers
    frames = [d.value for d in at.dataframe]
    assert any(list(f.columns[:3]) == ["排名", "需求", "面积 (m²)"] for f in frames)
    assert any(list(f.columns[:2]) == ["网格", "覆盖率"] and len(f) == 9 for f in frames)


def test_mode_ebike_changes_coverage_to_the_analysis(app: AppTest) -> None:
    walk = _analyze()
    ebike = _analyze(mode="ebike")
    assert ebike.coverage != walk.coverage
    app.selectbox(key="mode").set_value("ebike").run()
    assert not app.exception
    _assert_kpis(app, ebike)
    assert app.number_input(key="speed_ebike").value == 15.0


@pytest.mark.parametrize(
    ("widget", "key", "value", "settings"),
    [
        ("number_input", "minutes", 10.0, {"minutes": 10}),
        ("number_input", "circuity", 1.5, {"circuity": 1.5}),
        ("selectbox", "amenity", "charging", {"amenity": "charging"}),
        ("multiselect", "categories", ["supply", "rest"], {"categories": ("supply", "rest")}),
    ],
)
def test_parameters_reach_the_analysis(app: AppTest, widget, key, value, settings) -> None:
    getattr(app, widget)(key=key).set_value(value).run()
    assert not app.exception
    _assert_kpis(app, _analyze(**settings))


def test_time_of_day_filter(app: AppTest) -> None:
    from datetime import time

    app.checkbox(key="use_time").check().run()
    app.time_input(key="at").set_value(time(23, 0)).run()
    assert not app.exception
    _assert_kpis(app, _analyze(at="23:00"))


def test_whatif_station_from_the_form_changes_kpis_and_removal_restores(app: AppTest) -> None:
    base = _analyze()
    before = _kpis(app)
    gap = base.gap_table.iloc[0]
    whatif_input(app, "lon").set_value(float(gap["lon"]))
    whatif_input(app, "lat").set_value(float(gap["lat"]))
    whatif_input(app, "crs").set_value("wgs84")
    app.button(key=WHATIF_SUBMIT).click().run()
    assert not app.exception

    # an independent what-if: the same point as a one-row station table
    extra = geo.read_stations(
        pd.DataFrame({"id": ["T1"], "类型": ["爱心补给点"], "经度": [float(gap["lon"])],
                      "纬度": [float(gap["lat"])]})
    )
    _assert_kpis(app, _analyze(extra))
    after = _kpis(app)
    assert after != before
    assert after["覆盖率"][1].startswith("+") and "百分点" in after["覆盖率"][1]
    assert after["未覆盖需求"][1].startswith("-")
    assert after["使用站点"][1] == "+1"
    assert any("NEW1" in m.value for m in app.markdown)

    app.button(key="remove_NEW1").click().run()
    assert not app.exception
    assert _kpis(app) == before
    assert not any("NEW1" in m.value for m in app.markdown)


def test_whatif_form_rejects_bad_coordinates(app: AppTest) -> None:
    before = _kpis(app)
    whatif_input(app, "lat").set_value(120.6)
    app.button(key=WHATIF_SUBMIT).click().run()
    assert not app.exception
    assert any("column 'lat'" in shown(e.value) for e in app.error)
    assert _kpis(app) == before


def test_bad_uploads_show_error_and_rejected_rows_and_keep_running(app: AppTest) -> None:
    app.file_uploader(key="up_stations").set_value(
        [("mine.csv", BAD_ROWS, "text/csv"), ("nocoords.csv", NO_COORDS, "text/csv")]
    ).run()
    assert not app.exception
    errors = [shown(e.value) for e in app.error]
    assert any("nocoords.csv" in e and "no coordinate columns" in e for e in errors)
    rejected = [d.value for d in app.dataframe if "原因" in d.value.columns]
    assert len(rejected) == 1
    table = rejected[0]
    assert table[["文件", "行", "列"]].values.tolist() == [["mine.csv", 3, "lon"],
                                                         ["mine.csv", 4, "lat"]]
    assert int(_kpis(app)["使用站点"][0]) == 1  # the one good row is analysed
    assert not app.info  # the user's stations: no demo note

    # a demand file without one usable row is left out with an error, the rest goes on
    app.file_uploader(key="up_demand").set_value(
        ("demand.csv", "经度,纬度,人数\r\n120.6,abc,3\r\n".encode(), "text/csv")
    ).run()
    assert not app.exception
    assert any("demand.csv" in shown(e.value) for e in app.error)
    assert len(app.metric) == 4


def test_unreadable_only_station_upload_falls_back_to_the_demo(app: AppTest) -> None:
    app.file_uploader(key="up_stations").set_value(("x.csv", NO_COORDS, "text/csv")).run()
    assert not app.exception
    assert any("x.csv" in shown(e.value) for e in app.error)
    assert app.warning and any("示意数据" in i.value for i in app.info)
    _assert_kpis(app, _analyze())


def test_language_toggle_switches_labels(app: AppTest) -> None:
    app.selectbox(key="mode").set_value("bike").run()
    assert app.selectbox(key="mode").label == "出行方式"
    app.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert {m.label for m in app.metric} == {"Coverage", "Uncovered demand", "Gaps",
                                             "Stations used"}
    assert app.selectbox(key="mode").label == "Mode"
    assert app.selectbox(key="mode").value == "bike"  # the choice survives the switch
    assert app.title[0].value.startswith("Service stations")
    assert any(list(d.value.columns[:2]) == ["Grid", "Coverage"] for d in app.dataframe)
    app.radio(key="lang").set_value("zh").run()
    assert app.title[0].value.startswith("新就业形态")
    _assert_kpis(app, _analyze(mode="bike"))


def test_helsinki_demo_runs_along_the_street_network(app: AppTest) -> None:
    app.selectbox(key="demo_name").set_value("helsinki").run()
    assert not app.exception, app.exception
    assert app.radio(key="method").value == "network"
    hel = Path(__file__).resolve().parents[2] / "data" / "helsinki"
    expected = geo.analyze(
        str(hel / "stations.csv"), demand=str(hel / "demand.csv"),
        area=str(hel / "area.geojson"), method="network", network="helsinki",
    )
    _assert_kpis(app, expected)
    assert any("赫尔辛基" in i.value or "Helsinki" in i.value for i in app.info)
    captions = " ".join(c.value for c in app.caption)
    assert "直线高估" in captions
    # back to the straight line on the same data: coverage is higher (streets do not go straight)
    app.radio(key="method").set_value("euclidean").run()
    straight = geo.analyze(
        str(hel / "stations.csv"), demand=str(hel / "demand.csv"),
        area=str(hel / "area.geojson"),
    )
    _assert_kpis(app, straight)
    assert straight.coverage > expected.coverage


def test_the_street_method_never_uses_another_citys_network(app: AppTest) -> None:
    # the Canglang demo has no street network: the method asks for one ...
    app.radio(key="method").set_value("network").run()
    assert not app.exception
    assert app.selectbox(key="network_source").value == "none"
    assert any("需要路网" in w.value or "needs a network" in w.value for w in app.warning)
    assert len(app.metric) == 0  # no 0% coverage drawn from nothing
    # ... and Helsinki's streets under Suzhou stations are refused with both extents named
    app.selectbox(key="network_source").set_value("helsinki").run()
    assert not app.exception
    errors = [shown(e.value) for e in app.error]
    assert any("路网不覆盖数据" in e and "赫尔辛基路网" in e and "120." in e
               for e in errors), errors
    assert len(app.metric) == 0


def _basis(at: AppTest) -> str:
    """The data-in-use panel next to the KPIs, Markdown escapes removed."""
    return " ".join(m.value for m in at.markdown if "当前数据" in m.value or "Data in use"
                    in m.value).replace("\\", "")


def test_whatifs_belong_to_their_dataset(app: AppTest) -> None:
    # issue 18, sequence 2: a what-if on the Canglang demo
    app.button(key=WHATIF_SUBMIT).click().run()
    assert "NEW1" in _basis(app) and "假设站点 1 个" in _basis(app)
    suzhou_lon = whatif_input(app, "lon").value
    # ... is not in the Helsinki view, and the form forgets Suzhou's coordinates
    app.selectbox(key="demo_name").set_value("helsinki").run()
    assert not app.exception, app.exception
    assert "NEW1" not in _basis(app) and "赫尔辛基" in _basis(app)
    assert all(not delta for _, delta in _kpis(app).values())  # no "vs. without what-ifs"
    assert whatif_input(app, "lon").value != suzhou_lon
    assert 24 < whatif_input(app, "lon").value < 25.5
    hel = ROOT / "data" / "helsinki"
    _assert_kpis(app, geo.analyze(str(hel / "stations.csv"), demand=str(hel / "demand.csv"),
                                  area=str(hel / "area.geojson"), method="network",
                                  network="helsinki"))
    kept = [shown(c.value) for c in app.caption if "1 个假设站点属于其他数据集" in c.value]
    assert len(kept) == 1 and ui.demo_label("canglang", "zh") in kept[0], kept
    # the dataset they wait for is named in the page's language, whatever it was then
    app.radio(key="lang").set_value("en").run()
    kept = [shown(c.value) for c in app.caption if "belong to another dataset" in c.value]
    assert len(kept) == 1 and ui.demo_label("canglang", "en") in kept[0], kept
    app.radio(key="lang").set_value("zh").run()
    # back on Canglang, it is there again
    app.selectbox(key="demo_name").set_value("canglang").run()
    assert "NEW1" in _basis(app)
    assert _kpis(app)["使用站点"][1] == "+1"
    # set aside and cleared explicitly
    app.selectbox(key="demo_name").set_value("helsinki").run()
    app.button(key="whatif_kept_clear").click().run()
    app.selectbox(key="demo_name").set_value("canglang").run()
    assert "NEW1" not in _basis(app)
    _assert_kpis(app, _analyze())


def test_the_basis_names_every_input_and_follows_uploads(app: AppTest) -> None:
    basis = _basis(app)
    for name in ("stations.csv (示例数据, 46 行)", "charging_piles.csv (示例数据, 20 行)",
                 "demand.csv", "area.geojson", "grids.geojson (示例数据, 9 行)", "15 分钟"):
        assert name in basis, (name, basis)
    app.file_uploader(key="up_stations").set_value([("mine.csv", BAD_ROWS, "text/csv")]).run()
    basis = _basis(app)
    assert "mine.csv (上传, 1 行)" in basis and "stations.csv" not in basis
    assert "无需求表" in basis  # the demo's demand is not silently kept under other stations


def test_no_widget_has_a_default_and_a_session_state_value(monkeypatch) -> None:
    """Streamlit warns (once per process) about a widget made with ``value=`` whose key is
    also set in session state; the app keeps its widgets' keys there across runs, so every
    start logged it for ``speed_walk``. Every widget with a starting value, on both pages,
    in both languages, is made without one now."""
    import logging

    from streamlit.elements.lib import policies

    monkeypatch.setenv("GEO_APP_MAP", "off")
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger(policies.__name__)
    logger.addHandler(handler)
    try:
        at = _start()
        at.selectbox(key="mode").set_value("bike").run()  # speed_bike
        at.number_input(key="minutes").set_value(10.0).run()
        at.button(key=WHATIF_SUBMIT).click().run()  # wi_lon_…, wi_name, wi_hours
        at.button(key="FormSubmitter:siting_form-计算选址").click().run()  # siting_k, _share
        at.radio(key="method").set_value("network").run()
        at.radio(key="lang").set_value("en").run()
        at.radio(key="page").set_value("geocode").run()  # gc_city
        at.button(key="gc_run").click().run()  # gc_lon_…, gc_lat_…
        at.radio(key="page").set_value("coverage").run()
        at.radio(key="lang").set_value("zh").run()
        assert not at.exception, at.exception
    finally:
        logger.removeHandler(handler)
    warned = [r.getMessage() for r in records if "default value" in r.getMessage()]
    assert not warned, warned


def test_every_multiselect_says_what_to_choose_in_the_pages_language(app: AppTest) -> None:
    """Without a placeholder, an empty multiselect shows Streamlit's own "Choose options"."""
    for lang in ("zh", "en"):
        app.radio(key="lang").set_value(lang).run()
        holders = {w.key: w.proto.placeholder for w in app.multiselect}
        assert {"categories", "wi_amenities"} <= set(holders), holders
        assert all(holders.values()), holders
        assert holders["wi_amenities"] == ui.t("amenities_placeholder", lang)


def test_language_switch_keeps_choices_and_form_defaults_follow(app: AppTest) -> None:
    app.radio(key="siting_model").set_value("target")
    app.radio(key="siting_source").set_value("both")
    app.button(key="FormSubmitter:siting_form-计算选址").click()
    app.number_input(key="minutes").set_value(10.0).run()
    assert "10分钟" in app.title[0].value and "15" not in app.title[0].value
    assert app.text_input(key="wi_hours").value == "24小时"
    app.radio(key="lang").set_value("en").run()
    assert not app.exception, app.exception
    assert app.radio(key="siting_model").value == "target"
    assert app.radio(key="siting_source").value == "both"
    assert app.radio(key="page").value == "coverage"
    assert app.text_input(key="wi_name").value == "New station"  # not the Chinese default
    assert app.text_input(key="wi_hours").value == "24h"
    assert "10-minute" in app.title[0].value
    assert "caring supply point" in " ".join(
        o for s in app.selectbox if s.key == "wi_kind" for o in s.options)


def test_the_generated_city_is_a_third_demo_with_its_own_streets(app: AppTest) -> None:
    from geo import demo, planner

    app.selectbox(key="demo_name").set_value("city").run()
    assert not app.exception, app.exception
    assert app.radio(key="method").value == "euclidean"
    assert app.selectbox(key="network_source").value == "city"  # drawn as the map's streets
    assert any("示意城市" in i.value and "示意数据" in i.value for i in app.info)
    frames = {k: planner.read_demo(k, demo="city") for k in ("stations", "demand", "area",
                                                             "grids")}
    expected = geo.analyze(frames["stations"], demand=frames["demand"][0],
                           area=frames["area"][0], grids=frames["grids"][0])
    _assert_kpis(app, expected)
    assert "示意城市" in _basis(app)
    # along its own streets, and a what-if there equals a full analysis with it
    app.radio(key="method").set_value("network").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    app.button(key=WHATIF_SUBMIT).click().run()
    spec = app.session_state["whatif"][0]
    extra = geo.read_stations(pd.DataFrame({
        "id": ["T1"], "kind": [spec["kind"]], "lon": [spec["lon"]], "lat": [spec["lat"]],
        "coord_system": [spec["crs"]]}))
    full = geo.analyze([*frames["stations"], extra], demand=frames["demand"][0],
                       area=frames["area"][0], grids=frames["grids"][0], method="network",
                       network=demo.network("city"))
    _assert_kpis(app, full)
    assert _kpis(app)["使用站点"][1] == "+1"


def test_running_out_of_memory_is_a_message_not_a_crash(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the plan (a server whose limit is below the app's budget) the analysis ends in
    MemoryError: the page says what to change, in Chinese, instead of an error page."""
    import geo

    def boom(*args, **kwargs):
        raise MemoryError("Unable to allocate 3.07 GiB")

    monkeypatch.setattr(geo, "analyze", boom)
    app.number_input(key="minutes").set_value(13.0).run()
    assert not app.exception
    errors = [shown(e.value) for e in app.error]
    assert any("内存不足" in e and "GEO_APP_MAX_MEMORY" in e for e in errors), errors
