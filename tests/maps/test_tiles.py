"""Basemaps (``geo.maps.tiles``): attribution and datum, unknown names refused."""

from __future__ import annotations

import json
import re

import pytest

from geo import maps
from geo.errors import SettingsError


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
