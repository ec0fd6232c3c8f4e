"""The basemap of the study's own streets: drawn from the street network, offline.

A map whose tiles cannot load (an intranet, no internet) would show the coverage on flat
grey. When the analysis has a street network — the one it measured on, or one given only
for the map (:attr:`geo.CoverageResult.basemap_network`) — its streets, and the water and
rail of the same OSM file (:mod:`geo.network.context`), are drawn as a light layer under
the coverage: the 街道 Streets layer of the HTML maps and the app, and the background of
the report's static ``map.png``.

Lines are simplified by :data:`SIMPLIFY_M` in metres and merged where they meet, so a
district's streets stay a small part of the file; the HTML maps draw them on a canvas.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo import crs as crsmod
from geo.style import STREET_STYLE

if TYPE_CHECKING:
    from geo.network import Network
    from geo.result import CoverageResult

__all__ = ["SIMPLIFY_M", "Streets", "street_features", "street_json", "streets_of"]

#: The streets of a network, and their map layer's JSON per datum, kept while the network
#: is (a what-if makes a new result on the same network: its basemap is not drawn again).
#: Only the text is kept, not the features it is written from: a city's streets as Python
#: coordinate tuples took about 75 MB.
_BY_NETWORK: weakref.WeakKeyDictionary[Any, Streets] = weakref.WeakKeyDictionary()
_JSON: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()

log = logging.getLogger(__name__)

#: How far (metres) a street line may move when simplified for the basemap.
SIMPLIFY_M = 2.0


@dataclass(frozen=True, eq=False)
class Streets:
    """The basemap's lines and areas, in WGS-84.

    Attributes
    ----------
    streets
        The streets as merged lines.
    water
        Water areas (lakes, rivers drawn as areas, basins).
    waterways
        Rivers, canals and coastline as lines.
    rail
        Railway, metro and tram lines.
    source
        The file they come from, for the legend.
    """

    streets: np.ndarray
    water: np.ndarray
    waterways: np.ndarray
    rail: np.ndarray
    source: str

    def layers(self) -> list[tuple[str, np.ndarray]]:
        """``(kind, geometries)`` in drawing order: water, waterways, rail, streets."""
        return [("water", self.water), ("waterway", self.waterways), ("rail", self.rail),
                ("street", self.streets)]


def _network_of(result: CoverageResult) -> Network | None:
    if result.network is not None:
        return result.network.network
    given = result.basemap_network
    if given is None:
        return None
    from geo.network import Network, load_network

    if isinstance(given, Network):
        return given
    return load_network(given, mode=result.settings.mode, progress=False,
                        profile=result.settings.street_profile)


def streets_of(result: CoverageResult) -> Streets | None:
    """The streets (and water and rail) to draw under a result, or ``None`` without a network.

    Parameters
    ----------
    result
        An analysis; its network is the one measured on (``method="network"``) or
        the one given only for the map (:attr:`geo.CoverageResult.basemap_network`).

    Returns
    -------
    Streets or None
        ``None`` when the analysis has no street network.
    """
    memo = result.__dict__.setdefault("_streets_memo", {})
    if "streets" in memo:
        return memo["streets"]
    net = _network_of(result)
    if net is None or net.geometry is None or net.n_edges == 0:
        memo["streets"] = None
        return None
    if net in _BY_NETWORK:  # the same network under another result (e.g. with a what-if)
        memo["streets"] = _BY_NETWORK[net]
        return memo["streets"]
    lines = shapely.line_merge(shapely.multilinestrings(shapely.simplify(net.geometry,
                                                                          SIMPLIFY_M)))
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    streets = np.asarray(shapely.get_parts(crsmod.reproject(np.array([lines]), back)))
    context = _context(net)
    by_kind = {k: np.asarray(context.geometry[context["kind"] == k].array, dtype=object)
               for k in ("water", "waterway", "rail")}
    out = Streets(streets=streets, water=by_kind["water"], waterways=by_kind["waterway"],
                  rail=by_kind["rail"], source=net.source or net.path)
    memo["streets"] = out
    _BY_NETWORK[net] = out
    return out


def _context(net: Network) -> gpd.GeoDataFrame:
    from geo.network.context import load_context

    empty = gpd.GeoDataFrame({"kind": []}, geometry=[], crs=4326)
    if not net.path:
        return empty
    try:
        return load_context(net.path)
    except Exception as exc:  # the basemap is an aid: without water and rail, streets only
        log.warning("no water or rail for the basemap from %s: %s", net.path, exc)
        return empty


def street_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    """GeoJSON features of the streets basemap in the map's datum, one per kind.

    Parameters
    ----------
    result
        The analysis (see :func:`streets_of`).
    datum
        The basemap's datum (``wgs84`` or ``gcj02``).

    Returns
    -------
    list of dict
        A MultiLineString (or MultiPolygon for water) per kind present, each with its
        style (``s``); empty without a street network.
    """

    basemap = streets_of(result)
    if basemap is None:
        return []
    return _features(basemap, datum)


def street_json(result: CoverageResult, datum: str) -> str | None:
    """The streets basemap as the map embeds it: a FeatureCollection in safe JSON.

    Kept per network and datum, so a map redrawn on the same network (a what-if, a change
    of minutes) does not write a few megabytes of lines again.

    Parameters
    ----------
    result
        The analysis (see :func:`streets_of`).
    datum
        The basemap's datum (``wgs84`` or ``gcj02``).

    Returns
    -------
    str or None
        ``None`` without a street network (or with nothing to draw).
    """
    from geo.maps.html import feature_collection_json

    basemap = streets_of(result)
    if basemap is None:
        return None
    done = _JSON.setdefault(basemap, {})
    if datum not in done:
        features = _features(basemap, datum)
        done[datum] = feature_collection_json(features) if features else ""
    return done[datum] or None


def _features(basemap: Streets, datum: str) -> list[dict[str, Any]]:
    from geo.maps.layers import geoms_to_display

    features = []
    for kind, geoms in basemap.layers():
        if not len(geoms):
            continue
        shown = geoms_to_display(geoms, datum)
        shown = shown[~shapely.is_empty(shown)]
        if not len(shown):
            continue
        merged = (shapely.multipolygons(shapely.get_parts(shown)) if kind == "water"
                  else shapely.multilinestrings(shapely.get_parts(shown)))
        features.append({
            "type": "Feature",
            "properties": {"s": dict(STREET_STYLE[kind], interactive=False)},
            "geometry": shapely.geometry.mapping(merged),
        })
    return features
