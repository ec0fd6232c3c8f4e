"""The legend (``geo.maps.legend``): basemap and datum named, folded on a compact map."""

from __future__ import annotations

from _helpers.maps import contains

from geo import maps


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
