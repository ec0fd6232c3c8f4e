"""Which coordinate system a geodata file is in, and whether its numbers can be degrees.

GDAL reads a file's own statement of its coordinate system (a shapefile's ``.prj``, a
GeoPackage's SRS, GeoJSON's legacy ``crs`` member for names it knows). What it cannot
tell, geo checks before a metre is computed:

* a GeoJSON ``crs`` member naming a system GDAL does not know (a typo, a local system)
  is silently taken as WGS-84 degrees by GDAL: :func:`geojson_crs_member` reads the
  member, :func:`crs_of_member` says whether it names a known system;
* coordinates taken as degrees that cannot be degrees (a UTM shapefile whose ``.prj``
  was not copied: x = 270,546, y = 3,461,928) would become infinite distances:
  :func:`not_degrees` finds them, and the reader refuses the file with what is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

__all__ = ["crs_of_member", "geojson_crs_member", "not_degrees"]

#: Bytes read at each end of a GeoJSON file to find its ``crs`` member (it is written
#: before or after ``features``).
_SCAN_BYTES = 1 << 20
# {"type": …, "properties": {…}} in either order: an object with objects one level deep
_MEMBER = re.compile(rb'"crs"\s*:\s*(\{(?:[^{}]|\{[^{}]*\})*\})')


def geojson_crs_member(path: Path) -> str | None:
    """The coordinate system a GeoJSON file's legacy ``crs`` member names, as written.

    Parameters
    ----------
    path
        A GeoJSON file.

    Returns
    -------
    str or None
        ``properties.name`` of a ``"name"`` member (``urn:ogc:def:crs:EPSG::32651``,
        ``EPSG:4490`` …), ``EPSG:<code>`` of an ``"EPSG"`` member, the ``href`` of a
        ``"link"`` member; ``None`` when the file has no ``crs`` member (then it is
        WGS-84 degrees, as RFC 7946 says).
    """
    with open(path, "rb") as fh:
        head = fh.read(_SCAN_BYTES)
        fh.seek(0, 2)
        size = fh.tell()
        tail = b""
        if size > _SCAN_BYTES:
            fh.seek(max(size - _SCAN_BYTES, _SCAN_BYTES))
            tail = fh.read()
    for text in (head, tail):
        m = _MEMBER.search(text)
        if m is None:
            continue
        try:
            member = json.loads(m.group(1))
        except ValueError:
            continue
        props = member.get("properties") or {}
        kind = str(member.get("type", "")).lower()
        if kind == "name" and props.get("name") is not None:
            return str(props["name"])
        if kind == "epsg" and props.get("code") is not None:
            return f"EPSG:{props['code']}"
        if kind == "link" and props.get("href") is not None:
            return str(props["href"])
        return json.dumps(member, ensure_ascii=False)
    return None


def crs_of_member(name: str) -> CRS | None:
    """The coordinate system a ``crs`` member names, or ``None`` when it is not one pyproj
    knows (only names are read: a ``link`` to a file or URL is never followed).

    Parameters
    ----------
    name
        As returned by :func:`geojson_crs_member`.

    Returns
    -------
    pyproj.CRS or None
    """
    text = name.strip()
    if not re.match(r"^(urn:ogc:def:crs:|EPSG:|epsg:|OGC:|CRS:?84$|urn:x-ogc:def:crs:)", text):
        return None  # a link, a file name, JSON: not a name of a system
    try:
        return CRS.from_user_input(text)
    except CRSError:
        return None


def not_degrees(geoms: np.ndarray) -> tuple[bool, tuple[float, float, float, float]]:
    """Whether most features lie outside longitude ±180, latitude ±90, and their extent.

    Parameters
    ----------
    geoms
        Shapely geometries (missing or empty ones are not counted).

    Returns
    -------
    bool
        True when more than half of the features cannot be in degrees.
    tuple
        ``(min x, min y, max x, max y)`` of those features (NaN when none).
    """
    geoms = np.asarray(geoms, dtype=object)
    if geoms.size and (shapely.get_type_id(geoms) == 0).all():
        # points only (a demand table's million): their bounds are their coordinates,
        # without GEOS building a box per point
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        return _outside_degrees(x, y, x, y)
    b = shapely.bounds(geoms)
    return _outside_degrees(b[:, 0], b[:, 1], b[:, 2], b[:, 3])


def _outside_degrees(
    x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
) -> tuple[bool, tuple[float, float, float, float]]:
    """:func:`not_degrees` from the features' bounds, one array per side."""
    present = np.isfinite(x0) & np.isfinite(y0) & np.isfinite(x1) & np.isfinite(y1)
    outside = present & ((np.abs(x0) > 180) | (np.abs(x1) > 180)
                         | (np.abs(y0) > 90) | (np.abs(y1) > 90))
    n_out = int(outside.sum())
    if n_out * 2 <= int(present.sum()) or n_out == 0:
        return False, (np.nan, np.nan, np.nan, np.nan)
    extent = (float(x0[outside].min()), float(y0[outside].min()), float(x1[outside].max()),
              float(y1[outside].max()))
    return True, extent
