"""The app's siting panel under ``AppTest``: results equal ``geo.siting.site``; add as what-if."""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import ROOT
from streamlit.testing.v1 import AppTest

from geo import planner
from geo.siting import site

APP = ROOT / "app.py"


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("GEO_APP_MAP", "off")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_siting_panel_finds_the_library_sites_and_adds_them_as_what_if(app: AppTest) -> None:
    app.number_input(key="siting_k").set_value(2)
    app.button(key="FormSubmitter:siting_form-计算选址").click().run()
    assert not app.exception, app.exception
    ref = site(planner.read_demo("stations"), demand=planner.read_demo("demand")[0],
               area=planner.read_demo("area")[0], grids=planner.read_demo("grids")[0],
               from_gaps=True, add=2, solver="auto", time_limit=30.0)
    shown = [d.value for d in app.dataframe if "新增覆盖需求" in d.value.columns]
    assert len(shown) == 1
    assert shown[0]["编号"].tolist() == [s["id"] for s in ref.summary()["selected"]]
    m = _metrics(app)
    assert m["选址后覆盖率"] == f"{ref.coverage * 100:.1f}%"

    app.button(key="siting_use").click().run()
    assert not app.exception, app.exception
    added = app.session_state["whatif"]
    assert len(added) == 2 and len({s["station_id"] for s in added}) == 2  # each its own id
    kpi = _metrics(app)["覆盖率"]
    assert kpi == f"{ref.after.coverage * 100:.1f}%"  # the what-if view shows the same coverage
    # each can be removed on its own
    app.button(key=f"remove_{added[1]['station_id']}").click().run()
    assert [s["station_id"] for s in app.session_state["whatif"]] == [added[0]["station_id"]]


def test_sites_added_as_what_if_keep_what_the_filters_count(app: AppTest) -> None:
    app.selectbox(key="amenity").set_value("water").run()
    app.number_input(key="siting_k").set_value(2)
    app.button(key="FormSubmitter:siting_form-计算选址").click().run()
    ref = site(planner.read_demo("stations"), demand=planner.read_demo("demand")[0],
               area=planner.read_demo("area")[0], grids=planner.read_demo("grids")[0],
               from_gaps=True, add=2, amenity="water", time_limit=30.0)
    app.button(key="siting_use").click().run()
    assert not app.exception, app.exception
    assert _metrics(app)["覆盖率"] == f"{ref.after.coverage * 100:.1f}%"
    assert _metrics(app)["使用站点"] == str(ref.after.stations_used)


def test_target_that_cannot_be_reached_is_said(app: AppTest, tmp_path: Path) -> None:
    one = "名称,经度,纬度\r\n候选甲,120.6000,31.2850\r\n".encode("utf-8-sig")
    app.radio(key="siting_model").set_value("target")
    app.number_input(key="siting_share").set_value(1.0)
    app.radio(key="siting_source").set_value("upload")
    app.file_uploader(key="siting_candidates").set_value(("cand.csv", one, "text/csv"))
    app.button(key="FormSubmitter:siting_form-计算选址").click().run()
    assert not app.exception, app.exception
    (tmp_path / "cand.csv").write_bytes(one)
    ref = site(planner.read_demo("stations"), demand=planner.read_demo("demand")[0],
               area=planner.read_demo("area")[0], grids=planner.read_demo("grids")[0],
               candidates=str(tmp_path / "cand.csv"), target=1.0)
    assert not ref.feasible
    warnings = [w.value for w in app.warning]
    best = f"{ref.best_coverage * 100:.1f}%"
    assert any("无法达到" in w and best in w for w in warnings), warnings


def test_siting_panel_on_the_street_network_demo(app: AppTest) -> None:
    app.selectbox(key="demo_name").set_value("helsinki").run()
    assert app.radio(key="method").value == "network"
    app.number_input(key="siting_k").set_value(1)
    app.button(key="FormSubmitter:siting_form-计算选址").click().run()
    assert not app.exception, app.exception
    hel = Path(__file__).resolve().parents[2] / "data" / "helsinki"
    ref = site(str(hel / "stations.csv"), demand=str(hel / "demand.csv"),
               area=str(hel / "area.geojson"), method="network", network="helsinki",
               from_gaps=True, add=1, time_limit=30.0)
    shown = [d.value for d in app.dataframe if "新增覆盖需求" in d.value.columns]
    assert shown and shown[0]["编号"].tolist() == [s["id"] for s in ref.summary()["selected"]]
    assert _metrics(app)["选址后覆盖率"] == f"{ref.coverage * 100:.1f}%"


def test_upload_chosen_without_a_file_says_the_gaps_are_used(app: AppTest) -> None:
    app.radio(key="siting_source").set_value("upload")
    app.button(key="FormSubmitter:siting_form-计算选址").click().run()
    assert not app.exception, app.exception
    assert any("缺口单元中心" in i.value for i in app.info)
    assert any("新增覆盖需求" in d.value.columns for d in app.dataframe)
