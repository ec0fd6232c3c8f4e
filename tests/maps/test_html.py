"""The map's HTML (``geo.maps.html``): user text inert, Leaflet from a CDN, a mirror or inline.

HTML-level; the same maps opened in headless Chromium are in ``test_browser.py``.
"""

from __future__ import annotations

import re

import pytest
from _helpers import ROOT
from _helpers.maps import station_features

import geo
from geo import maps

DATA = ROOT / "data" / "canglang"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_QUOTE = "\"'><script>alert(2)</script>"
XSS_TICK = "`${alert(3)}`"


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
    text = maps.map_html(demo, assets="cdn")
    srcs = re.findall(r'<script src="([^"]+)"', text)
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    assert srcs == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"]
    assert hrefs == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"]
    assert "jquery" not in text.lower() and "bootstrap" not in text.lower()
    mirror = maps.map_html(demo, assets="cdn", asset_base="https://mirror.example.gov.cn/npm/")
    assert re.findall(r'<script src="([^"]+)"', mirror) == [
        "https://mirror.example.gov.cn/npm/leaflet@1.9.3/dist/leaflet.js"
    ]


def test_inline_mode_needs_no_asset_url(demo):
    text = maps.map_html(demo)  # the default
    # the same page as assets="inline" (element ids are random)
    strip = re.compile(r"[0-9a-f]{32}")
    assert strip.sub("", text) == strip.sub("", maps.map_html(demo, assets="inline"))
    assert re.findall(r'<script src="([^"]+)"', text) == []
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', text) == []
    assert '"1.9.3"' in text or "1.9.3" in text
    assert "url(images/" not in text


def test_data_mode_links_leaflet_as_data_urls_only(demo):
    text = maps.map_html(demo, assets="data")
    srcs = re.findall(r'<script src="([^"]+)"', text)
    hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    assert len(srcs) == 1 and srcs[0].startswith("data:text/javascript;base64,")
    assert len(hrefs) == 1 and hrefs[0].startswith("data:text/css;base64,")


@pytest.mark.parametrize("mode", ["data", "inline", "cdn"])
def test_flat_leaflet_is_set_before_leaflet_loads(mode):
    # L_DISABLE_3D is read once, as Leaflet's script runs: it must come first
    from urllib.parse import unquote

    import folium

    from geo.maps.html import set_assets

    for flat in (False, True):
        m = folium.Map(tiles=None)
        set_assets(m, mode, None, flat=flat)
        page = m.get_root().render()
        if mode == "inline":
            at = page.find("window.L_DISABLE_3D = true;")
            assert (at >= 0) is flat
            if flat:
                assert 0 <= at < page.find("Leaflet 1.")  # the library's own banner
        else:
            names = [name for name, _ in m.default_js]
            assert names == (["geo_flat", "leaflet"] if flat else ["leaflet"])
            if flat:
                assert unquote(m.default_js[0][1]).endswith("window.L_DISABLE_3D = true;")
