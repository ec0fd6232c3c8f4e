"""The app's map in two parts (``geo.maps.live``), and user text kept out of the templates."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

import geo
from geo import planner, scenario
from geo.maps import map_html
from geo.maps.html import GeoLayer, LayerHtmlControl
from geo.maps.live import LEGEND_LAYER, live_map

streamlit_folium = pytest.importorskip("streamlit_folium")


DATA = Path(__file__).resolve().parents[2] / "data" / "canglang"
FILES = {"demand": str(DATA / "demand.csv"), "area": str(DATA / "area.geojson"),
         "grids": str(DATA / "grids.geojson")}


def _base_key(result: geo.CoverageResult, tiles: str = "osm") -> str:
    """The key streamlit-folium gives the map's frame: the base map's script, ids aside."""
    base = live_map(result, tiles=tiles).base
    base.get_root().render()
    return streamlit_folium.generate_js_hash(streamlit_folium.generate_leaflet_string(base),
                                             "map")


def _with_whatif(demo: geo.CoverageResult, name: str = "新站") -> geo.CoverageResult:
    """The demo with a what-if station at its largest gap."""
    top = planner.gap_report(demo).head(1)
    stations = scenario.combine([geo.read_stations(DATA / "stations.csv"),
                                 geo.read_stations(DATA / "charging_piles.csv")])
    stations = scenario.add_station(stations, float(top["lon"].iloc[0]),
                                    float(top["lat"].iloc[0]), name=name)
    return geo.analyze(stations, **FILES)


def _scripts(layer) -> str:
    """The script of a feature group's layers (GeoJSON and legend), as the page gets it."""
    return "".join(child._template.module.script(child, {}) for child in
                   layer._children.values() if isinstance(child, GeoLayer | LayerHtmlControl))


def _legend(layer) -> str:
    """The legend's HTML in its (JSON-escaped) script."""
    return json.loads(re.search(r"div\.innerHTML = (\".*?\");", _scripts(layer)).group(1))


def test_the_base_stays_while_the_coverage_changes(demo):
    whatif = _with_whatif(demo)
    ten = scenario.rerun(demo, minutes=10)
    assert whatif.covered_demand > demo.covered_demand
    # the browser keeps the map's frame: the same base for a what-if and new minutes
    assert _base_key(demo) == _base_key(whatif) == _base_key(ten)
    assert _base_key(demo) != _base_key(demo, tiles="amap")  # another basemap: a new map


def test_the_layers_carry_the_coverage_and_the_legend(demo):
    live = live_map(_with_whatif(demo))
    names = [g.layer_name for g in live.layers]
    assert names[:-1] == ["可达范围 Reach (5/10/15 min)", "网格 Grids", "缺口 Gaps", "需求 Demand",
                          "站点 Stations", "缺口排名 Gap ranks"]
    assert names[-1] == LEGEND_LAYER and not live.layers[-1].control
    stations = _scripts(live.layers[names.index("站点 Stations")])
    assert stations.count("geo-st") == len(demo.stations) + 1 and "geo-st new" in stations
    legend = _legend(live.layers[-1])
    assert "图例 Legend" in legend and "NEW1" in legend and "<details>" in legend
    # the coverage is not in the base
    base = live.base.get_root().render()
    assert "geo-st new" not in base and "L.geoJSON" not in base
    assert "图例 Legend" in _legend(live_map(demo).layers[-1])
    assert "NEW1" not in _legend(live_map(demo).layers[-1])


@pytest.mark.parametrize("name", ["{{ 7*7 }} 站", "{% raw %} 站", "{# 注 #} 站"])
def test_user_text_is_not_read_as_a_template(demo, name):
    result = _with_whatif(demo, name)
    html = map_html(result)  # a name opening a Jinja block once made the map fail
    # as typed once the browser reads its character references
    assert name in unescape(html.replace("\\u0026", "&"))
    assert "49 站" not in html
    for layer in live_map(result).layers:
        assert "49 站" not in _scripts(layer)
