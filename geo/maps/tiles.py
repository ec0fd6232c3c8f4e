"""Basemaps: where their tiles come from and in which datum (WGS-84 or GCJ-02) they are drawn."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TILES", "TileSpec"]


@dataclass(frozen=True)
class TileSpec:
    """A basemap: where its tiles come from and in which datum they are drawn."""

    label_zh: str
    label_en: str
    url: str
    attribution: str
    datum: str  # "wgs84" or "gcj02"
    subdomains: str = "abc"
    max_zoom: int = 19


TILES: dict[str, TileSpec] = {
    "osm": TileSpec(
        "OpenStreetMap 标准地图", "OpenStreetMap",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "wgs84",
    ),
    "carto": TileSpec(
        "Carto 浅色底图", "Carto light",
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        "wgs84", "abcd", 20,
    ),
    "amap": TileSpec(
        "高德地图", "Amap (Gaode)",
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>',
        "gcj02", "1234", 18,
    ),
    "amap-satellite": TileSpec(
        "高德卫星图", "Amap satellite",
        "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
        '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>',
        "gcj02", "1234", 18,
    ),
    "tencent": TileSpec(
        "腾讯地图", "Tencent Maps",
        "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&type=vector&styleid=0",
        '&copy; <a href="https://map.qq.com/">腾讯地图 Tencent</a>',
        "gcj02", "0123", 18,
    ),
}

