"""The report map (``geo.maps.build``): every layer, the legend and the layer control."""

from __future__ import annotations

from _helpers.maps import contains


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
