"""Basemaps: where their tiles come from and in which datum (WGS-84 or GCJ-02) they are drawn.

Tiles always come from a tile server on the internet; a map whose tiles cannot load
says so on the map, and draws the study's own streets where it has a street network
(:mod:`geo.maps.streets`). 天地图 Tianditu, the official basemap for government maps in
China, needs a browser key (``TIANDITU_TK``) and is drawn in CGCS2000, which agrees with
WGS-84 to well under a metre, so nothing is shifted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from geo.errors import SettingsError

__all__ = ["TILES", "TileSpec", "tile_key", "tile_urls"]

_KEY = re.compile(r"[A-Za-z0-9]{8,64}")


@dataclass(frozen=True)
class TileSpec:
    """A basemap: where its tiles come from and in which datum they are drawn.

    Attributes
    ----------
    label_zh, label_en
        Its name.
    url
        The tile URL template (Leaflet's ``{s}``, ``{z}``, ``{x}``, ``{y}``; ``{tk}`` for
        the key of a basemap that needs one).
    attribution
        The credit line (HTML, ours).
    datum
        ``wgs84`` or ``gcj02``: the datum geometries are shifted to.
    subdomains, max_zoom
        Leaflet's options.
    key_env
        The environment variable holding the key, for a basemap that needs one.
    overlay
        The URL template of an annotation layer drawn over the tiles (Tianditu's
        place names), ``""`` for none.
    """

    label_zh: str
    label_en: str
    url: str
    attribution: str
    datum: str  # "wgs84" or "gcj02"
    subdomains: str = "abc"
    max_zoom: int = 19
    key_env: str = ""
    overlay: str = ""


def tile_key(spec: TileSpec, key: str | None = None) -> str | None:
    """The key a basemap's tiles need: ``key``, else its environment variable.

    Parameters
    ----------
    spec
        The basemap.
    key
        A key given for this map (e.g. typed into the app), or ``None``.

    Returns
    -------
    str or None
        ``None`` for a basemap that needs no key.

    Raises
    ------
    SettingsError
        If the basemap needs a key and none is given or set, or the key is not made of
        8 to 64 letters and digits (it goes into the page's tile URLs).
    """
    if not spec.key_env:
        return None
    value = (key or os.environ.get(spec.key_env, "")).strip()
    if not value:
        raise SettingsError(
            f"the {spec.label_zh} {spec.label_en} basemap needs a browser key: set "
            f"{spec.key_env} (apply at https://console.tianditu.gov.cn), or choose another "
            "basemap"
        )
    if not _KEY.fullmatch(value):
        raise SettingsError(
            f"{spec.key_env} is not a {spec.label_en} key (8 to 64 letters and digits)"
        )
    return value


def tile_urls(spec: TileSpec, key: str | None = None) -> tuple[str, str]:
    """The tile and annotation URL templates of a basemap, with its key filled in.

    Parameters
    ----------
    spec
        The basemap.
    key
        As :func:`tile_key`.

    Returns
    -------
    tuple of str
        ``(tiles, overlay)``; ``overlay`` is ``""`` when the basemap has none.

    Raises
    ------
    SettingsError
        As :func:`tile_key`.
    """
    value = tile_key(spec, key)
    if value is None:
        return spec.url, spec.overlay
    return spec.url.replace("{tk}", value), spec.overlay.replace("{tk}", value)


def _tianditu(layer: str) -> str:
    return (f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}")


_TIANDITU_CREDIT = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'


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
    "tianditu": TileSpec(
        "天地图 矢量", "Tianditu vector", _tianditu("vec"), _TIANDITU_CREDIT, "wgs84",
        "01234567", 18, key_env="TIANDITU_TK", overlay=_tianditu("cva"),
    ),
    "tianditu-img": TileSpec(
        "天地图 影像", "Tianditu imagery", _tianditu("img"), _TIANDITU_CREDIT, "wgs84",
        "01234567", 18, key_env="TIANDITU_TK", overlay=_tianditu("cia"),
    ),
}

