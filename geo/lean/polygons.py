"""Plain study-area and 网格 GeoJSON files as shapely arrays, without pandas or GDAL.

A polygon file is *plain* when the general reader (:mod:`geo.io.polygons`) would read it
without rejecting a feature or saying a word about it, and without repairing anything: a
``.geojson``/``.json`` FeatureCollection without a ``crs`` member (so WGS-84 degrees, or
the ``--crs`` system), every feature a valid Polygon or MultiPolygon of closed 2-D rings
in degrees, coordinate systems (a ``coord_system`` property) geo knows, and for 网格 a
name on every feature (the first of :data:`geo.columns.GRID_NAME_HEADERS` present), each
name once; at most :data:`geo.io.plain.MAX_COLUMNS` property names in all. Anything else
returns ``None`` and takes the general reader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo import budget, crs
from geo.columns import grid_name_column, match_columns
from geo.errors import GeoError
from geo.io.plain import MAX_COLUMNS

__all__ = ["PlainPolygons", "read_plain_polygons"]



@dataclass(frozen=True, eq=False)
class PlainPolygons:
    """The features of a plain polygon file, in file order.

    Attributes
    ----------
    file
        The file, as the user named it.
    geoms
        The polygons in WGS-84.
    names
        The 网格 names (``grids=True``), else ``None``.
    """

    file: str
    geoms: np.ndarray
    names: np.ndarray | None = None

    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of every polygon."""
        b = shapely.bounds(self.geoms)
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                float(b[:, 3].max()))


def read_plain_polygons(path: str | Path, *, grids: bool, crs_name: str = "wgs84"
                        ) -> PlainPolygons | None:
    """A study area (``grids=False``) or 网格 (``grids=True``) GeoJSON file, if plain.

    Parameters
    ----------
    path
        The file.
    grids
        Whether the features are 网格 (named).
    crs_name
        The coordinate system of features in degrees that name none (``--crs``).

    Returns
    -------
    PlainPolygons or None
        ``None`` when the file is not plain (see the module's description).
    """
    p = Path(path)
    if p.suffix.lower() not in (".geojson", ".json"):
        return None
    try:  # the size first: a file the budget refuses is not read here
        if p.stat().st_size * budget.READ_BYTES_PER_FILE_BYTE[".geojson"] > budget.current():
            return None
        doc = json.loads(p.read_bytes())
        default = crs.normalize_coord_system(crs_name)
    except (OSError, ValueError, RecursionError, GeoError):  # RecursionError: nested too deep
        return None
    if (not isinstance(doc, dict) or doc.get("type") != "FeatureCollection"
            or "crs" in doc):
        return None
    features = doc.get("features")
    if (not isinstance(features, list) or not features
            or not all(isinstance(f, dict) and f.get("type") == "Feature"
                       and isinstance(f.get("properties"), dict | None) for f in features)):
        return None
    props = [f.get("properties") or {} for f in features]
    keys = list(dict.fromkeys(k for q in props for k in q))
    if len(keys) > MAX_COLUMNS:
        return None  # a column each: the general reader refuses the file
    try:
        system_key = match_columns(keys, use=["coord_system"]).get("coord_system")
    except GeoError:
        return None
    systems = _texts(props, system_key) if system_key else [""] * len(props)
    names = None
    if grids:
        name_key = grid_name_column(keys)
        names = _texts(props, name_key) if name_key else None
        if names is None or "" in names or len(set(names)) != len(names):
            return None
    if systems is None:
        return None
    try:
        per = [crs.normalize_coord_system(s) if s else default for s in systems]
    except GeoError:
        return None
    geoms = _polygons([f.get("geometry") for f in features])
    if geoms is None:
        return None
    from geo.io.geocrs import not_degrees

    if not_degrees(geoms)[0]:
        return None
    out = crs.geometries_to_wgs84(geoms, np.array(per, dtype=object))
    return PlainPolygons(str(path), out,
                         np.array(names, dtype=object) if names is not None else None)


def _texts(props: list[dict[str, Any]], key: str | None) -> list[str] | None:
    """One property of every feature as text, ``None`` unless each is written as trimmed
    text (a number, a blank or a missing one takes the general reader)."""
    out = [q.get(key) for q in props]
    if not all(isinstance(v, str) and v == v.strip() for v in out):
        return None
    return out  # type: ignore[return-value]


def _polygons(geometries: list[Any]) -> np.ndarray | None:
    """Valid Polygons and MultiPolygons of closed 2-D rings, else ``None``."""
    out = np.empty(len(geometries), dtype=object)
    for i, g in enumerate(geometries):
        if not isinstance(g, dict):
            return None
        coords = g.get("coordinates")
        if g.get("type") == "Polygon":
            parts = [coords]
        elif g.get("type") == "MultiPolygon" and isinstance(coords, list):
            parts = coords
        else:
            return None
        polys = []
        for rings in parts:
            arrays = [_ring(r) for r in rings] if isinstance(rings, list) and rings else [None]
            if any(a is None for a in arrays):
                return None
            polys.append(shapely.Polygon(arrays[0], arrays[1:]))
        out[i] = polys[0] if g["type"] == "Polygon" else shapely.MultiPolygon(polys)
    if not shapely.is_valid(out).all():
        return None
    return out


def _ring(ring: Any) -> np.ndarray | None:
    """A closed ring of at least four 2-D positions of finite numbers, else ``None``."""
    try:
        xy = np.asarray(ring, dtype="float64")
    except (TypeError, ValueError):  # ragged positions, text
        return None
    if (xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 4 or not np.isfinite(xy).all()
            or not (xy[0] == xy[-1]).all()):
        return None
    return xy
