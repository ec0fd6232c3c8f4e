"""Basemaps (``geo.maps.tiles``): attribution and datum, Tianditu's key, the failure note."""

from __future__ import annotations

import json
import re

import pytest
from _helpers.maps import contains

from geo import maps
from geo.errors import SettingsError
from geo.maps.tiles import tile_key, tile_urls

KEY = "0123456789abcdef0123456789abcdef"


def test_tiles_carry_attribution_and_datum(demo, monkeypatch):
    monkeypatch.setenv("TIANDITU_TK", KEY)
    for key, spec in maps.TILES.items():
        text = maps.map_html(demo, tiles=key)
        written = [json.loads(a) for a in re.findall(r'"attribution": (".*?"),\n', text)]
        # a basemap with an annotation layer (Tianditu) credits it on both layers
        assert written == [spec.attribution] * (2 if spec.overlay else 1), key
        assert spec.datum in ("wgs84", "gcj02")
    assert maps.TILES["amap"].datum == maps.TILES["tencent"].datum == "gcj02"
    assert maps.TILES["osm"].datum == maps.TILES["carto"].datum == "wgs84"
    # CGCS2000 agrees with WGS-84 to well under a metre: Tianditu shifts nothing
    assert maps.TILES["tianditu"].datum == maps.TILES["tianditu-img"].datum == "wgs84"
    with pytest.raises(SettingsError, match="basemap"):
        maps.coverage_map(demo, tiles="google")
    with pytest.raises(SettingsError, match="asset"):
        maps.coverage_map(demo, assets="offline")


def test_tianditu_needs_a_key_and_never_has_one_written_in(demo, monkeypatch):
    monkeypatch.delenv("TIANDITU_TK", raising=False)
    spec = maps.TILES["tianditu"]
    assert "{tk}" in spec.url and "{tk}" in spec.overlay  # no key in the code
    with pytest.raises(SettingsError, match="TIANDITU_TK"):
        maps.coverage_map(demo, tiles="tianditu")
    with pytest.raises(SettingsError, match="8 to 64 letters"):
        tile_key(spec, 'abc"><script>')
    assert tile_key(maps.TILES["osm"], None) is None


def test_tianditu_tiles_and_labels_with_the_key(demo, monkeypatch):
    monkeypatch.setenv("TIANDITU_TK", KEY)
    url, labels = tile_urls(maps.TILES["tianditu"])
    # the WMTS GetTile request of the Web-Mercator ("_w") vector layer and its annotation
    assert url.startswith("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile")
    assert "LAYER=vec" in url and "TILEMATRIXSET=w" in url and url.endswith(f"tk={KEY}")
    assert "cva_w" in labels and "LAYER=cva" in labels
    img, img_labels = tile_urls(maps.TILES["tianditu-img"], "fedcba9876543210")
    assert "img_w" in img and "cia_w" in img_labels and img.endswith("tk=fedcba9876543210")
    text = maps.map_html(demo, tiles="tianditu")
    assert text.count(f"tk={KEY}") == 2  # tiles and labels
    assert contains(text, "注记 Labels")


def test_every_map_says_when_its_tiles_fail(demo):
    text = maps.map_html(demo)
    assert '.on("tileerror"' in text
    assert contains(text, "底图瓦片无法加载") and contains(text, "Basemap tiles could not load")
