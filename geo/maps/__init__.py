"""Report maps: a standalone Folium/Leaflet HTML map of a coverage result.

Three things a report map in China must get right:

* **Datum per basemap.** Amap and Tencent tiles are drawn in GCJ-02,
  OpenStreetMap and Carto in WGS-84. Every geometry is shifted to the
  basemap's datum (points and polygon vertices), so a station sits on its
  street whichever basemap is chosen (:mod:`geo.maps.layers`).
* **Escaping.** Names, addresses and 网格 names come from users; they are
  HTML-escaped and embedded as safe JSON (:mod:`geo.maps.html`).
* **Reach.** Only core Leaflet is loaded: from a CDN, an office mirror, or
  embedded in the file (:func:`geo.maps.html.set_assets`).

The modules: :mod:`~geo.maps.tiles` (basemaps), :mod:`~geo.maps.html` (escaping,
Leaflet elements), :mod:`~geo.maps.layers` (GeoJSON features),
:mod:`~geo.maps.legend` (legend, title), :mod:`~geo.maps.build` (the map).
Colours and symbols come from :mod:`geo.style`.
"""

from __future__ import annotations

from geo.maps.build import coverage_map, map_bounds, map_html, save_map
from geo.maps.html import esc
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
    "TILES",
    "UNCOVERED_COLOUR",
    "TileSpec",
    "coverage_map",
    "esc",
    "map_bounds",
    "map_html",
    "save_map",
]
