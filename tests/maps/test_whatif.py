"""What-if stations on the HTML map: one symbol on the map and in the legend; the analysis'
own minutes in every title (issue 18, item 4)."""

from __future__ import annotations

import html as htmlmod
import re

import pytest
from _helpers import ROOT
from _helpers.maps import contains, popup_text, station_features

import geo
from geo import maps, planner, scenario

DATA = ROOT / "data" / "canglang"
INPUTS = {"demand": str(DATA / "demand.csv"), "area": str(DATA / "area.geojson"),
          "grids": str(DATA / "grids.geojson")}


def _stations():
    return scenario.combine([geo.read_stations(DATA / "stations.csv"),
                             geo.read_stations(DATA / "charging_piles.csv")])


@pytest.fixture(scope="module")
def whatif4() -> geo.CoverageResult:
    st = _stations()
    for i in range(4):
        st = scenario.add_station(st, 120.60 + 0.003 * i, 31.29)
    return geo.analyze(st, **INPUTS, settings=geo.Settings(minutes=10))


def _legend(page: str, control: str = "geo-legend") -> str:
    """A control's HTML (the legend, the title box) as the browser gets it (folium writes it
    as a JS string)."""
    found = re.search(r'L\.DomUtil\.create\("div", "' + control
                      + r'"\);\s*div\.innerHTML = "(.*?)";\n', page, flags=re.S)
    assert found, f"no {control}"
    return found.group(1).encode("utf-8").decode("unicode_escape").encode("latin-1").decode(
        "utf-8")


def test_legend_has_the_whatif_symbol_the_stations_carry(whatif4) -> None:
    page = maps.map_html(whatif4)
    legend = _legend(page)
    row = re.search(r'<div class="row geo-whatif">(.*?)</div>', legend)
    assert row, legend
    assert '<span class="geo-st new"' in row.group(1)
    assert "假设站点" in row.group(1) and "NEW1–NEW4" in row.group(1)
    feats = station_features(page)
    new = [f for f in feats if re.search(r'class="geo-st[^"]* new"', f["properties"]["icon"])]
    assert len(new) == 4
    for f in new:
        assert "假设站点 what-if" in f["properties"]["t"]
        assert "假设站点 What-if" in popup_text(f) and "NEW" in popup_text(f)
    others = [f for f in feats if f not in new]
    assert len(others) == 66 and not any(" new" in f["properties"]["icon"] for f in others)
    # the CSS gives .geo-st.new its dashed ring, in the map and in the legend alike
    assert ".geo-st.new { border: 2px dashed #111; }" in page
    # the title box counts them
    assert "站点 70/70（含假设站点 4 incl. 4 what-if）" in _legend(page, "geo-title")


def test_no_whatif_row_without_whatif_stations(demo) -> None:
    assert "geo-whatif" not in maps.map_html(demo)


def test_whatif_ids_in_the_legend_are_escaped() -> None:
    st = scenario.add_station(_stations(), 120.60, 31.29, station_id="<img src=x onerror=1>",
                              name="<b>x</b>")
    result = geo.analyze(st, **INPUTS)
    legend = _legend(maps.map_html(result))
    assert "<img" not in legend
    assert htmlmod.escape("<img src=x onerror=1>") in legend


def test_titles_use_the_analysis_minutes(whatif4) -> None:
    page = maps.map_html(whatif4)
    assert "<title>10分钟服务圈覆盖 · 10-minute coverage</title>" in page
    assert "<h3>10分钟服务圈覆盖 · 10-minute coverage</h3>" in _legend(page, "geo-title")
    assert contains(page, "可达范围 Reach (5/10/15 min)")
    assert "15分钟" not in page and "15-minute" not in page
    # the app's HTML map download has no title of its own: the analysis' minutes again
    item = {d.key: d for d in planner.downloads(whatif4)}["map"]
    download = item.make().decode("utf-8")
    assert "<title>10分钟服务圈覆盖 · 10-minute coverage</title>" in download
    assert "15分钟" not in download and "15-minute" not in download


def test_band_layer_names_the_bands() -> None:
    result = geo.analyze(_stations(), **INPUTS,
                         settings=geo.Settings(minutes=12, bands=(4.0, 8.0)))
    page = maps.map_html(result)
    assert contains(page, "可达范围 Reach (4/8/12 min)")
    assert "<title>12分钟服务圈覆盖 · 12-minute coverage</title>" in page


def test_the_check_text_heading_uses_the_analysis_minutes() -> None:
    from geo.text import format_summary

    result = geo.analyze(_stations(), **INPUTS, settings=geo.Settings(minutes=10))
    head = format_summary(result.summary()).splitlines()[0]
    assert head == "10分钟服务圈覆盖检查 / 10-minute coverage check"
