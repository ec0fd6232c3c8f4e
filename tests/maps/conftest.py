"""The demo's report map as HTML on a WGS-84 (OpenStreetMap) and a GCJ-02 (Amap) basemap."""

from __future__ import annotations

import pytest

from geo import maps


@pytest.fixture(scope="module")
def html_osm(demo) -> str:
    return maps.map_html(demo, tiles="osm")


@pytest.fixture(scope="module")
def html_amap(demo) -> str:
    return maps.map_html(demo, tiles="amap")
