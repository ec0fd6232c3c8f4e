"""The coverage map: a standalone Folium/Leaflet page of a coverage result.

Layers: the coverage bands (5/10/15 minutes by default), gaps (ranked, labelled), 网格 outlines
coloured by coverage, demand (graduated circles, covered or not) and stations
(one symbol and colour per kind; charging piles square), with a layer control,
a legend and a title. Only core Leaflet is loaded (no jQuery, Bootstrap or icon
fonts), from the ``xstatic-leaflet`` package: embedded in the file (``assets="inline"``,
the default: it opens with no network), as ``data:`` URLs (``"data"``, the app's frame),
or linked from a CDN or an office mirror (``"cdn"``, ``asset_base``); see :mod:`geo.assets`.
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.demo import dataset_of as demo_dataset
from geo.errors import InputError, SettingsError
from geo.maps.html import (
    ASSET_MODES,
    CSS,
    GeoLayer,
    HtmlControl,
    Raw,
    add_basemap,
    esc,
    set_assets,
)
from geo.maps.layers import (
    DEMAND_CELL_LIMIT,
    DEMAND_CELL_LIMIT_COMPACT,
    band_features,
    captured_features,
    demand_features,
    gap_features,
    grid_features,
    overstated_features,
    station_features,
    to_display,
)
from geo.maps.legend import default_title, legend_html, title_html
from geo.maps.streets import street_json, streets_of
from geo.maps.tiles import TILES, TileSpec
from geo.paths import atomic_file
from geo.style import CAPTURED_COLOUR, KIND_STYLE

if TYPE_CHECKING:
    from geo.result import CoverageResult

__all__ = ["STREETS_LAYER", "base_map", "coverage_map", "is_demo", "map_bounds", "map_html",
           "map_legend", "overlays", "save_map", "tile_spec"]

#: The name of the streets basemap layer in the layer control.
STREETS_LAYER = "街道 Streets"
#: Above this many stations, Leaflet places markers without 3D transforms
#: (:func:`geo.maps.html.set_assets`, ``flat``): a city's thousands of station markers.
MANY_MARKERS = 500
#: The Leaflet pane of streets fetched from a URL: under the coverage's overlays.
STREETS_PANE = "geoStreets"


def is_demo(result: CoverageResult) -> bool:
    """Whether ``result`` is of a bundled demo (its stations invented), from its file names.

    Parameters
    ----------
    result
        The analysis.

    Returns
    -------
    bool
    """
    return demo_dataset(result.sources) is not None


def coverage_map(
    result: CoverageResult,
    *,
    tiles: str = "osm",
    title: str | None = None,
    assets: str = "inline",
    asset_base: str | None = None,
    extra_stations: gpd.GeoDataFrame | None = None,
    demo: bool | None = None,
    gap_labels: int = 10,
    compact: bool = False,
    captured: pd.DataFrame | None = None,
    tile_key: str | None = None,
) -> folium.Map:
    """Draw a coverage result on a Folium map.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    tiles
        Basemap key of :data:`TILES`: ``osm``, ``carto``, ``amap``,
        ``amap-satellite`` or ``tencent``. Geometries are drawn in its datum.
    title
        Shown top left (escaped); otherwise a bilingual title with the analysis' own
        minutes (``10分钟服务圈覆盖 · 10-minute coverage``), also the page's ``<title>``.
    assets
        ``"inline"`` (Leaflet embedded: the file opens with no network), ``"data"``
        (linked as ``data:`` URLs, for frames that load scripts by URL) or ``"cdn"``
        (Leaflet from ``asset_base`` or jsDelivr).
    asset_base
        Base URL of an office mirror of the npm packages (``…/leaflet@1.9.3/dist/…``).
    extra_stations
        Stations to draw instead of ``result.stations`` (e.g. with what-if ones).
    demo
        Label the map as illustrative demo data; guessed from the file names by default.
    gap_labels
        How many gaps get a rank label.
    compact
        For small map panes (the app): the layer control collapsed, the legend
        folded (click "图例 Legend" to open it) and no title box.
    captured
        Demand newly covered by chosen sites (``lon, lat, weight, site`` in WGS-84;
        :meth:`geo.siting.SitingResult.to_map` gives it): a layer of its own, each
        point saying which new site captures it.
    tile_key
        The browser key of a basemap that needs one (``tianditu``): else read from its
        environment variable (``TIANDITU_TK``). It is written into the page's tile URLs.

    Returns
    -------
    folium.Map

    Raises
    ------
    SettingsError
        For an unknown basemap or asset mode, or a basemap that needs a key without one.
    """
    tile = tile_spec(tiles, assets)
    datum = tile.datum
    demo = is_demo(result) if demo is None else demo
    st = result.stations if extra_stations is None else extra_stations
    m = base_map(result, tile, tile_key=tile_key, assets=assets, asset_base=asset_base,
                 title=title, stations=st)
    for name, features in overlays(result, datum, gap_labels=gap_labels, compact=compact,
                                   captured=captured, extra_stations=extra_stations):
        group = folium.FeatureGroup(name=name)
        group.add_child(GeoLayer(features))
        group.add_to(m)
    folium.LayerControl(collapsed=compact).add_to(m)
    m.add_child(HtmlControl(map_legend(result, tile, demo, st, compact=compact,
                                       captured=captured), "bottomright", "geo-legend"))
    if not compact:  # the app shows the figures above the map
        m.add_child(HtmlControl(title_html(result, title, demo, st), "topleft", "geo-title"))
    return m


def tile_spec(tiles: str, assets: str = "inline") -> TileSpec:
    """The basemap of key ``tiles``, with the asset mode checked.

    Parameters
    ----------
    tiles
        A key of :data:`geo.maps.tiles.TILES`.
    assets
        One of :data:`geo.maps.html.ASSET_MODES`.

    Returns
    -------
    TileSpec

    Raises
    ------
    SettingsError
        For an unknown basemap or asset mode.
    """
    if tiles not in TILES:
        raise SettingsError(f"unknown basemap '{tiles}': use one of {', '.join(TILES)}")
    if assets not in ASSET_MODES:
        raise SettingsError(f"unknown asset mode '{assets}': use {', '.join(ASSET_MODES)}")
    return TILES[tiles]


def base_map(
    result: CoverageResult,
    tile: TileSpec,
    *,
    tile_key: str | None = None,
    assets: str = "inline",
    asset_base: str | None = None,
    title: str | None = None,
    stations: gpd.GeoDataFrame | None = None,
    publish: Callable[[str], str | None] | None = None,
) -> folium.Map:
    """The part of a coverage map that does not depend on the coverage: Leaflet, the
    basemap tiles, the study's own streets and the view.

    Parameters
    ----------
    result
        The analysis (its streets, area, demand; its minutes for the page's title).
    tile
        The basemap (:data:`geo.maps.tiles.TILES`); geometries are drawn in its datum.
    tile_key, assets, asset_base, title
        As for :func:`coverage_map`.
    stations
        The stations the view must hold when there is no study area (default
        ``result.stations``).
    publish
        Makes the streets' GeoJSON text a file the page's server serves and returns its
        URL relative to the page (:func:`geo.maps.served.publish` in the app), or
        ``None`` when it cannot; the map then fetches the streets instead of holding them.
        ``None``: in the page.

    Returns
    -------
    folium.Map
        With the streets as the layer :data:`STREETS_LAYER` when the analysis has a
        street network; fitted to :func:`map_bounds`.
    """
    m = folium.Map(location=[0, 0], zoom_start=13, tiles=None, control_scale=True,
                   prefer_canvas=False)
    shown = result.stations if stations is None else stations
    set_assets(m, assets, asset_base, flat=len(shown) > MANY_MARKERS)
    m.get_root().header.add_child(Raw(CSS), name="geo_css")
    m.get_root().header.add_child(
        Raw(f"<title>{esc(title or default_title(result.settings.minutes))}</title>"),
        name="geo_title",
    )
    add_basemap(m, tile, tile_key, streets=streets_of(result) is not None)
    # the study's own streets, water and rail: a basemap that needs no tile server
    streets = street_json(result, tile.datum)
    if streets is not None:
        group = folium.FeatureGroup(name=STREETS_LAYER)
        group.add_to(m)
        url = publish(streets) if publish is not None else None
        if url is None:
            group.add_child(GeoLayer(canvas=True, data=streets))
        else:  # a file beside the page: the page stays small
            group.add_child(GeoLayer(canvas=True, url=url, pane=STREETS_PANE))
    bounds = map_bounds(result, shown)
    if bounds is not None:
        lon, lat = to_display(np.array(bounds[0::2]), np.array(bounds[1::2]), tile.datum)
        m.fit_bounds([[float(lat[0]), float(lon[0])], [float(lat[1]), float(lon[1])]])
    return m


def overlays(
    result: CoverageResult,
    datum: str,
    *,
    gap_labels: int = 10,
    compact: bool = False,
    captured: pd.DataFrame | None = None,
    extra_stations: gpd.GeoDataFrame | None = None,
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The coverage layers of a map, in drawing order, each as its GeoJSON features.

    Parameters
    ----------
    result
        The analysis.
    datum
        The basemap's datum (``wgs84`` or ``gcj02``).
    gap_labels, compact, captured, extra_stations
        As for :func:`coverage_map` (``compact``: demand as fewer squares).

    Returns
    -------
    list of (str, list of dict)
        ``(layer name, features)``: reach bands, 网格, gaps, demand, the straight line's
        overstatement, captured demand, stations, gap ranks; empty layers left out.
    """
    bands = "/".join(f"{b:g}" for b in sorted(result.settings.bands))
    gap_polys, gap_marks = gap_features(result, datum, gap_labels)
    layers = [
        (f"可达范围 Reach ({bands} min)", band_features(result, datum)),
        ("网格 Grids", grid_features(result, datum)),
        ("缺口 Gaps", gap_polys),
        ("需求 Demand", demand_features(
            result, datum, DEMAND_CELL_LIMIT_COMPACT if compact else DEMAND_CELL_LIMIT)),
        ("直线高估 Overstated by straight line", overstated_features(result, datum)),
    ]
    if captured is not None:
        layers.append(("新站点覆盖的需求 Captured by new sites",
                       captured_features(captured, datum)))
    layers.append(("站点 Stations", station_features(result, datum, extra_stations)))
    layers.append(("缺口排名 Gap ranks", gap_marks))
    return [(name, features) for name, features in layers if features]


def map_legend(
    result: CoverageResult,
    tile: TileSpec,
    demo: bool,
    stations: gpd.GeoDataFrame,
    *,
    compact: bool = False,
    captured: pd.DataFrame | None = None,
) -> str:
    """The legend's HTML for a map of ``result`` with ``stations`` drawn.

    Parameters
    ----------
    result
        The analysis.
    tile
        The basemap.
    demo
        Say that the data are illustrative.
    stations
        The stations drawn (their kinds and what-if ones are explained).
    compact
        Folded: "图例 Legend" opens it.
    captured
        Demand captured by new sites (a row of its own when any).

    Returns
    -------
    str
    """
    kinds = [k for k in KIND_STYLE if "kind" in stations and (stations["kind"] == k).any()]
    legend = legend_html(result, tile, kinds, demo, streets_of(result), stations=stations)
    if captured is not None and len(captured):
        mark = (f'<div class="row"><span class="dot" style="background:{CAPTURED_COLOUR}"></span>'
                "需求·由新站点覆盖 demand captured by new sites</div>")
        legend = legend.replace('<div class="note">', mark + '<div class="note">', 1)
    if compact:
        head, _, body = legend.partition("</h4>")
        legend = f"<details><summary><b>{head.removeprefix('<h4>')}</b></summary>{body}</details>"
    return legend


def map_bounds(result: CoverageResult, stations: gpd.GeoDataFrame) -> tuple[float, ...] | None:
    """What a map of the result shows: the study area, else the demand and the stations.

    Parameters
    ----------
    result
        The analysis.
    stations
        The stations drawn.

    Returns
    -------
    tuple or None
        ``(min lon, min lat, max lon, max lat)`` in WGS-84, ``None`` when empty.
    """
    if result.area is not None and len(result.area):
        return tuple(result.area.total_bounds)
    parts = [result.points.total_bounds] if len(result.points) else []
    if len(stations):
        parts.append(stations.total_bounds)
    if not parts:
        return None
    b = np.array(parts)
    return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())



def map_html(result: CoverageResult, **kwargs: Any) -> str:
    """The standalone report map as an HTML string (see :func:`coverage_map` for options)."""
    return coverage_map(result, **kwargs).get_root().render()


def save_map(result: CoverageResult, path: str | PathLike[str], **kwargs: Any) -> Path:
    """Write the report map to an HTML file in UTF-8.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    path
        Output ``.html`` file.
    **kwargs
        Options of :func:`coverage_map`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    p = Path(path)
    if not p.parent.exists():
        raise InputError("cannot write: the folder does not exist", file=str(path))
    text = map_html(result, **kwargs)
    try:
        with atomic_file(p) as tmp:  # a full disk leaves no half map under the final name
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    return p
