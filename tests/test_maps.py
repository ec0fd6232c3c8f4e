"""Report maps: layers, datum per basemap, escaping, assets, size (HTML-level; see test_browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely

import geo
from geo import crs as crsmod
from geo import maps
from geo.cli import app
from geo.errors import SettingsError

DATA = Path(__file__).resolve().parents[1] / "data" / "canglang"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_QUOTE = "\"'><script>alert(2)</script>"
XSS_TICK = "`${alert(3)}`"


@pytest.fixture(scope="module")
def demo():
    return geo.analyze(
        [str(DATA / "stations.csv"), str(DATA / "charging_piles.csv")],
        demand=str(DATA / "demand.csv"),
        area=str(DATA / "area.geojson"),
        grids=str(DATA / "grids.geojson"),
    )


@pytest.fixture(scope="module")
def html_osm(demo) -> str:
    return maps.map_html(demo, tiles="osm")


@pytest.fixture(scope="module")
def html_amap(demo) -> str:
    return maps.map_html(demo, tiles="amap")


def contains(html: str, text: str) -> bool:
    """Text in the page, raw or as a JSON string (folium writes layer names ASCII-escaped)."""
    return text in html or json.dumps(text)[1:-1] in html


def layers(html: str) -> list[dict]:
    """Every GeoJSON layer embedded in the page, decoded (independent of the module's code)."""
    found = re.findall(r"L\.geoJSON\((\{.*?\}), \{\n", html, flags=re.S)
    return [json.loads(text) for text in found]


def station_features(html: str) -> list[dict]:
    feats = [f for layer in layers(html) for f in layer["features"]]
    return [f for f in feats if "geo-st" in f["properties"].get("icon", "")]


def popup_text(feature: dict) -> str:
    return re.sub(r"<[^>]+>", " ", feature["properties"].get("p", ""))


def test_layers_legend_and_control_present(html_osm):
    for name in ("可达范围 Reach", "网格 Grids", "缺口 Gaps", "需求 Demand", "站点 Stations",
                 "缺口排名 Gap ranks"):
        assert contains(html_osm, name), name
    assert "L.control.layers" in html_osm
    assert "图例 Legend" in html_osm
    for label in ("爱心补给点", "就业蓄能池", "海棠加油站", "安全训练营", "电动车充电桩",
                  "5 分钟可达", "15 分钟可达", "未覆盖"):
        assert contains(html_osm, label), label
    assert contains(html_osm, "示意数据")  # the demo is labelled as illustrative


def test_every_station_drawn_once_with_chinese_popup(demo, html_osm):
    feats = station_features(html_osm)
    assert len(feats) == len(demo.stations)
    names = set(demo.stations["name"])
    first = feats[0]
    assert first["properties"]["t"].split(" · ")[0] in names
    text = popup_text(first)
    for label in ("名称", "类型", "层级", "设施", "开放时间"):
        assert label in text
    piles = [f for f in feats if "geo-st pile" in f["properties"]["icon"]]
    assert len(piles) == int((demo.stations["kind"] == "charging_pile").sum()) > 0


def test_station_positions_follow_the_basemap_datum(demo, html_osm, html_amap):
    lon = demo.stations.geometry.x.to_numpy()
    lat = demo.stations.geometry.y.to_numpy()
    osm = np.array([f["geometry"]["coordinates"] for f in station_features(html_osm)])
    amap = np.array([f["geometry"]["coordinates"] for f in station_features(html_amap)])
    np.testing.assert_allclose(osm[:, 0], lon, atol=1e-6)
    np.testing.assert_allclose(osm[:, 1], lat, atol=1e-6)
    g_lon, g_lat = crsmod.wgs84_to_gcj02(lon, lat)
    np.testing.assert_allclose(amap[:, 0], g_lon, atol=1e-6)
    np.testing.assert_allclose(amap[:, 1], g_lat, atol=1e-6)
    # the shift is real (hundreds of metres in Suzhou), so the test would notice a missing one
    assert np.abs(amap - osm).max() > 1e-3
    # the demo file is GCJ-02: on Amap tiles a station is drawn where the file put it
    raw = __import__("pandas").read_csv(DATA / "stations.csv", encoding="utf-8-sig")
    np.testing.assert_allclose(amap[: len(raw), 0], raw["经度"], atol=2e-6)
    np.testing.assert_allclose(amap[: len(raw), 1], raw["纬度"], atol=2e-6)


def test_polygons_are_shifted_vertex_by_vertex(html_osm, html_amap):
    def gap_rings(html):
        out = []
        for layer in layers(html):
            for f in layer["features"]:
                if f["properties"].get("t", "").startswith("缺口 #") and f["geometry"][
                    "type"
                ] in ("Polygon", "MultiPolygon"):
                    out.append(shapely.geometry.shape(f["geometry"]))
        return out

    osm, amap = gap_rings(html_osm), gap_rings(html_amap)
    assert len(osm) == len(amap) > 0
    for a, b in zip(osm, amap, strict=True):
        xy = shapely.get_coordinates(a)
        shifted = np.column_stack(crsmod.wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
        got = shapely.get_coordinates(b)
        assert got.shape == shifted.shape
        np.testing.assert_allclose(got, shifted, atol=2e-5)  # rounding to ~1 m on both sides


def test_coordinates_rounded_and_report_small(demo, tmp_path):
    path = maps.save_map(demo, tmp_path / "report.html", tiles="osm")
    data = path.read_bytes()
    assert len(data) < 2_000_000
    text = data.decode("utf-8")  # written as UTF-8 explicitly
    assert 'charset="utf-8"' in text.lower() or "charset=utf-8" in text.lower()
    coords = [c for layer in layers(text) for f in layer["features"]
              for c in shapely.get_coordinates(shapely.geometry.shape(f["geometry"])).ravel()]
    decimals = [len(repr(float(c)).split(".")[1]) for c in coords if "." in repr(float(c))]
    assert max(decimals) <= 6


def test_user_strings_are_inert(tmp_path):
    stations = geo.read_stations(DATA / "stations.csv")
    stations.loc[0, "name"] = XSS_NAME
    stations.loc[1, "name"] = XSS_QUOTE
    stations.loc[2, "name"] = XSS_TICK
    stations.loc[3, "address"] = "</script><script>alert(4)</script>"
    grids = geo.read_grids(DATA / "grids.geojson")
    grids.loc[0, "grid"] = "<b onmouseover=alert(5)>网格</b>"
    result = geo.analyze(stations, demand=str(DATA / "demand.csv"), grids=grids)
    text = maps.map_html(result, title="<svg onload=alert(6)>")
    for raw in (XSS_NAME, XSS_QUOTE, "<script>alert(4)", "<b onmouseover", "<svg onload",
                XSS_TICK):
        assert raw not in text, raw
    baseline = maps.map_html(geo.analyze(geo.read_stations(DATA / "stations.csv"),
                                         demand=str(DATA / "demand.csv")))
    assert text.count("<script") == baseline.count("<script")
    # the names are still there, escaped, for people to read
    feats = station_features(text)
    names = [f["properties"]["t"] for f in feats]
    assert any("&lt;img src=x onerror=alert(1)&gt;" in n for n in names)
    assert any("&quot;&#x27;&gt;&lt;script&gt;" in n for n in names)
    assert "&lt;svg onload=alert(6)&gt;" in text.replace("\\u003c", "<").replace("\\u003e", ">")


def test_cdn_mode_loads_only_leaflet_and_mirror_is_configurable(demo):
    text = maps.map_html(demo)
    srcs = re.findall(r'<script src="([^"]+)"', text)
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    assert srcs == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"]
    assert hrefs == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"]
    assert "jquery" not in text.lower() and "bootstrap" not in text.lower()
    mirror = maps.map_html(demo, asset_base="https://mirror.example.gov.cn/npm/")
    assert re.findall(r'<script src="([^"]+)"', mirror) == [
        "https://mirror.example.gov.cn/npm/leaflet@1.9.3/dist/leaflet.js"
    ]


def test_inline_mode_needs_no_asset_url(demo):
    pytest.importorskip("geo.assets")
    from geo import assets

    try:
        assets.package_dir(fetch=False)
    except geo.GeoError:
        pytest.skip("Leaflet's npm package is not available offline here (run npm ci)")
    text = maps.map_html(demo, assets="inline")
    assert re.findall(r'<script src="([^"]+)"', text) == []
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', text) == []
    assert '"1.9.3"' in text or "1.9.3" in text
    assert "url(images/" not in text


def test_tiles_carry_attribution_and_datum(demo):
    for key, spec in maps.TILES.items():
        text = maps.map_html(demo, tiles=key)
        written = [json.loads(a) for a in re.findall(r'"attribution": (".*?"),\n', text)]
        assert written == [spec.attribution], key
        assert spec.datum in ("wgs84", "gcj02")
    assert maps.TILES["amap"].datum == maps.TILES["tencent"].datum == "gcj02"
    assert maps.TILES["osm"].datum == maps.TILES["carto"].datum == "wgs84"
    with pytest.raises(SettingsError, match="basemap"):
        maps.coverage_map(demo, tiles="google")
    with pytest.raises(SettingsError, match="asset"):
        maps.coverage_map(demo, assets="offline")


def test_many_demand_points_drawn_per_cell(demo, monkeypatch):
    monkeypatch.setattr(maps.layers, "DEMAND_POINT_LIMIT", 10)
    text = maps.map_html(demo)
    demand = [f for layer in layers(text) for f in layer["features"]
              if f["properties"].get("t", "").startswith("需求")]
    assert len(demand) == demo.points["cell"].nunique()
    weights = [float(re.search(r"· ([\d,.]+) ·", f["properties"]["t"]).group(1).replace(",", ""))
               for f in demand]
    assert sum(weights) == pytest.approx(demo.total_demand, rel=1e-3)


def test_to_map_and_geo_map_command(demo, tmp_path):
    from typer.testing import CliRunner

    assert demo.to_map().get_root().render().count("L.geoJSON(") == len(layers(
        maps.map_html(demo)))
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, [
        "map", str(DATA / "stations.csv"), "--demand", str(DATA / "demand.csv"),
        "--area", str(DATA / "area.geojson"), "--grids", str(DATA / "grids.geojson"),
        "-o", str(out), "--tiles", "tencent", "--title", "沧浪街道", "--min-coverage", "99%",
    ])
    assert res.exit_code == 1, res.stderr  # written, but coverage below the threshold
    text = out.read_text(encoding="utf-8")
    assert contains(text, "腾讯地图") and contains(text, "沧浪街道")
    res = CliRunner().invoke(app, ["map", str(DATA / "stations.csv"), "-o", str(out),
                                   "--tiles", "google"])
    assert res.exit_code == 2


def test_assets_fetch_command_reports_an_unreachable_registry(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_NPM_URL", "http://127.0.0.1:9")  # nothing listens on port 9
    res = CliRunner().invoke(app, ["assets", "fetch"])
    assert res.exit_code == 2
    assert res.stderr.startswith("geo: error:") and "Leaflet" in res.stderr
    assert "Traceback" not in res.stderr


def test_compact_map_folds_legend_and_layer_control(demo):
    text = maps.map_html(demo, compact=True)
    assert '"collapsed": true' in text
    assert "\\u003cdetails\\u003e\\u003csummary\\u003e" in text
    full = maps.map_html(demo)
    assert '"collapsed": false' in full and "details" not in full


def test_legend_names_basemap_and_datum(html_osm, html_amap):
    assert contains(html_osm, "底图 OpenStreetMap 标准地图（WGS84）")
    assert contains(html_amap, "底图 高德地图（GCJ02）")
    assert "{esc(" not in html_osm and "{tile." not in html_osm
