"""Report maps: a standalone Folium/Leaflet HTML map of a coverage result.

Three things a report map in China must get right:

* **Datum per basemap.** Amap and Tencent tiles are drawn in GCJ-02,
  OpenStreetMap and Carto in WGS-84. Every geometry is shifted to the
  basemap's datum (points and polygon vertices), so a station sits on its
  street whichever basemap is chosen (:mod:`geo.maps.layers`).
* **Escaping.** Names, addresses and 网格 names come from users; they are
  HTML-escaped and embedded as safe JSON (:mod:`geo.maps.html`).
* **Offline.** Only core Leaflet is loaded, from a Python package: embedded in the
  file by default (:func:`geo.maps.html.set_assets`); tiles that cannot load are
  said on the map, and the study's own streets, water and rail are drawn from its
  street network (:mod:`geo.maps.streets`).

The modules: :mod:`~geo.maps.tiles` (basemaps), :mod:`~geo.maps.html` (escaping,
Leaflet elements), :mod:`~geo.maps.layers` (GeoJSON features),
:mod:`~geo.maps.streets` (the streets basemap), :mod:`~geo.maps.legend` (legend,
title), :mod:`~geo.maps.build` (the map).
Colours and symbols come from :mod:`geo.style`.
"""

from __future__ import annotations

from geo.lazy import lazy_names
from geo.maps.tiles import TILES, TileSpec
from geo.style import (
    BAND_COLOURS,
    CAPTURED_COLOUR,
    COVERED_COLOUR,
    GAP_COLOUR,
    GRID_CLASSES,
    KIND_STYLE,
    UNCOVERED_COLOUR,
)

__all__ = [
    "BAND_COLOURS",
    "CAPTURED_COLOUR",
    "COVERED_COLOUR",
    "GAP_COLOUR",
    "GRID_CLASSES",
    "KIND_STYLE",
    "STREETS_LAYER",
    "TILES",
    "UNCOVERED_COLOUR",
    "TileSpec",
    "coverage_map",
    "esc",
    "map_bounds",
    "map_html",
    "save_map",
]

# Folium is imported on first use (PEP 562): the app's sidebar needs the basemaps only.
_LAZY: dict[str, str] = {
    "STREETS_LAYER": "geo.maps.build",
    "coverage_map": "geo.maps.build",
    "map_bounds": "geo.maps.build",
    "map_html": "geo.maps.build",
    "save_map": "geo.maps.build",
    "esc": "geo.maps.html",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())
