"""The app's map in two parts: a base that stays, and the layers a change replaces.

A what-if station or a new time limit changes the coverage, the demand's colours, the
stations and the legend, but not Leaflet, the basemap tiles, the study's own streets
(megabytes of lines on a city) or where the planner has zoomed to. streamlit-folium
keeps its map while the base map's script stays the same and replaces only the feature
groups given as ``feature_group_to_add``; :func:`live_map` splits a coverage map that
way. Together they draw what :func:`geo.maps.coverage_map` draws with ``compact=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import folium

from geo.maps.build import base_map, is_demo, map_legend, overlays, tile_spec
from geo.maps.html import GeoLayer, LayerHtmlControl
from geo.maps.whatif import hypothetical_mask

if TYPE_CHECKING:
    from geo.result import CoverageResult

__all__ = ["LEGEND_LAYER", "LiveMap", "live_map"]

#: The name of the (unlisted) group that holds the legend.
LEGEND_LAYER = "图例 Legend"


@dataclass(frozen=True)
class LiveMap:
    """A coverage map split for ``st_folium``.

    Attributes
    ----------
    base
        Leaflet, the basemap tiles, the streets and the view: the same script for every
        analysis of one dataset on one basemap and network (what-if stations, minutes,
        speed... change nothing in it), so the browser keeps the map.
    layers
        The coverage layers (reach, 网格, gaps, demand, stations, ranks...) and the
        legend, one feature group each: ``feature_group_to_add``.
    control
        The layer control over both parts: ``layer_control``.
    """

    base: folium.Map
    layers: list[folium.FeatureGroup]
    control: folium.LayerControl


def live_map(
    result: CoverageResult,
    *,
    tiles: str = "osm",
    tile_key: str | None = None,
    assets: str = "data",
    demo: bool | None = None,
    gap_labels: int = 10,
    publish: Callable[[str], str | None] | None = None,
) -> LiveMap:
    """The compact coverage map of ``result`` as a base and replaceable layers.

    Parameters
    ----------
    result
        From :func:`geo.analyze` (what-if stations included).
    tiles
        Basemap key of :data:`geo.maps.tiles.TILES`; geometries are drawn in its datum.
    tile_key
        The browser key of a basemap that needs one (``tianditu``).
    assets
        Where the page gets Leaflet (see :func:`geo.maps.coverage_map`); ``"data"`` for
        streamlit-folium's frame.
    demo
        Label the legend as illustrative demo data; guessed from the file names by default.
    gap_labels
        How many gaps get a rank label.
    publish
        Serves the streets as a file instead of in the page (see
        :func:`geo.maps.build.base_map`): a city's streets are megabytes that
        streamlit-folium would otherwise send, and the browser parse, on every click.

    Returns
    -------
    LiveMap

    Raises
    ------
    SettingsError
        For an unknown basemap or asset mode, or a basemap that needs a key without one.
    """
    tile = tile_spec(tiles, assets)
    demo = is_demo(result) if demo is None else demo
    stations = result.stations
    # the view holds the dataset's own stations: a what-if does not move the base map
    existing = stations[~hypothetical_mask(stations)]
    base = base_map(result, tile, tile_key=tile_key, assets=assets, stations=existing,
                    publish=publish)
    layers = []
    for name, features in overlays(result, tile.datum, gap_labels=gap_labels, compact=True):
        group = folium.FeatureGroup(name=name)
        group.add_child(GeoLayer(features))
        layers.append(group)
    legend = folium.FeatureGroup(name=LEGEND_LAYER, control=False)
    legend.add_child(LayerHtmlControl(map_legend(result, tile, demo, stations, compact=True),
                                      "bottomright", "geo-legend"))
    layers.append(legend)
    return LiveMap(base, layers, folium.LayerControl(collapsed=True))
