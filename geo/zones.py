"""Which polygon holds each point: the study area and the governance grids (网格).

Demand outside every 网格 and outside the study area is counted apart, never lost;
:func:`assign_grids` names the 网格 of each point (the first in file order on a
shared border) and :func:`outside_area` sums what lies outside the area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:  # tables are passed in, never made here: a check on arrays needs no pandas
    import geopandas as gpd

__all__ = ["assign_grid_codes", "assign_grids", "codes_in", "grid_names", "names_of",
           "outside_area", "outside_mask", "outside_of", "prepared_copy", "union"]


def prepared_copy(geom: shapely.Geometry) -> shapely.Geometry:
    """A prepared copy of a geometry, for fast point-in-polygon tests, leaving ``geom``
    itself unprepared.

    A geometry shared with other threads (a 网格 of a table Dask's partitions read at
    once, a study area kept in a result the app's sessions use) must not be prepared in
    place: preparing, or first querying, one GEOS geometry in two threads at once is a
    race that aborts the process.

    Parameters
    ----------
    geom
        Any geometry.

    Returns
    -------
    shapely.Geometry
        An equal geometry of its own, prepared.
    """
    mine = shapely.from_wkb(shapely.to_wkb(geom))
    shapely.prepare(mine)
    return mine


def union(gdf: gpd.GeoDataFrame) -> shapely.Geometry:
    """All polygons of a table as one geometry.

    Parameters
    ----------
    gdf
        Polygons (e.g. the study area).

    Returns
    -------
    shapely.Geometry
    """
    return shapely.union_all(gdf.geometry.to_numpy())


def grid_names(grids: gpd.GeoDataFrame | None) -> np.ndarray:
    """The 网格 names in file order (empty without 网格).

    Parameters
    ----------
    grids
        From :func:`geo.read_grids`, or ``None``.

    Returns
    -------
    numpy.ndarray of str
    """
    if grids is None:
        return np.zeros(0, dtype=object)
    return grids["grid"].astype(str).to_numpy()


def assign_grid_codes(
    lon: np.ndarray, lat: np.ndarray, grids: gpd.GeoDataFrame | None
) -> np.ndarray:
    """The position (in :func:`grid_names` order) of the 网格 containing each point.

    Parameters
    ----------
    lon, lat
        Points in WGS-84.
    grids
        From :func:`geo.read_grids` (WGS-84), or ``None``.

    Returns
    -------
    numpy.ndarray of int64
        The 网格's row, the first in file order on shared borders; ``-1`` where a point
        lies in no 网格 (or without 网格).
    """
    if grids is None or len(grids) == 0:
        return np.full(np.size(lon), -1, dtype="int64")
    return codes_in(lon, lat, np.asarray(grids.geometry.to_numpy(), dtype=object))


def codes_in(lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """The position of the polygon containing each point: :func:`assign_grid_codes` on an
    array of polygons.

    Parameters
    ----------
    lon, lat
        Points in WGS-84.
    geoms
        Polygons (WGS-84), e.g. the 网格 in file order.

    Returns
    -------
    numpy.ndarray of int64
        The first polygon in ``geoms`` order holding the point, ``-1`` for none.
    """
    out = np.full(np.size(lon), -1, dtype="int64")
    if len(geoms) == 0:
        return out
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    bounds = shapely.bounds(geoms)  # NaN for a missing or empty polygon: it holds nothing
    # the points in longitude order: each 网格 looks only at the points of its own x-range
    order = np.argsort(lon, kind="stable")
    xs = lon[order]
    lo = np.searchsorted(xs, bounds[:, 0], side="left")
    hi = np.searchsorted(xs, bounds[:, 2], side="right")
    # last to first: where 网格 share a border, the first in file order is written last
    for j in np.flatnonzero(np.isfinite(bounds).all(axis=1))[::-1]:
        cand = order[lo[j]:hi[j]]
        cand = cand[(lat[cand] >= bounds[j, 1]) & (lat[cand] <= bounds[j, 3])]
        if cand.size:
            # the caller's 网格 are shared with other threads (Dask's partitions)
            mine = prepared_copy(geoms[j])
            out[cand[shapely.intersects_xy(mine, lon[cand], lat[cand])]] = j
    return out


def names_of(codes: np.ndarray, grids: gpd.GeoDataFrame | None) -> np.ndarray:
    """The 网格 names of :func:`assign_grid_codes`'s codes (``None`` for ``-1``).

    Parameters
    ----------
    codes
        Positions in :func:`grid_names` order, ``-1`` for none.
    grids
        The 网格 the codes refer to.

    Returns
    -------
    numpy.ndarray of object
    """
    out = np.full(np.size(codes), None, dtype=object)
    inside = codes >= 0
    if inside.any():
        out[inside] = grid_names(grids)[codes[inside]]
    return out


def assign_grids(lon: np.ndarray, lat: np.ndarray, grids: gpd.GeoDataFrame | None) -> np.ndarray:
    """The name of the 网格 containing each point (first in file order on shared borders).

    Parameters
    ----------
    lon, lat
        Points in WGS-84.
    grids
        From :func:`geo.read_grids` (WGS-84), or ``None``.

    Returns
    -------
    numpy.ndarray of object
        The 网格 name, ``None`` where a point lies in no 网格 (or without 网格).
    """
    return names_of(assign_grid_codes(lon, lat, grids), grids)


def outside_mask(lon: np.ndarray, lat: np.ndarray, area: gpd.GeoDataFrame) -> np.ndarray:
    """Which points lie outside the study area.

    Parameters
    ----------
    lon, lat
        Points in WGS-84.
    area
        The study area (WGS-84).

    Returns
    -------
    numpy.ndarray of bool
    """
    return outside_of(lon, lat, np.asarray(area.geometry.to_numpy(), dtype=object))


def outside_of(lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """:func:`outside_mask` for an array of polygons (the study area's parts).

    Parameters
    ----------
    lon, lat
        Points in WGS-84.
    geoms
        The study area's polygons (WGS-84).

    Returns
    -------
    numpy.ndarray of bool
    """
    geom = shapely.union_all(geoms)
    shapely.prepare(geom)
    return ~shapely.intersects_xy(geom, lon, lat)


def outside_area(
    lon: np.ndarray,
    lat: np.ndarray,
    weight: np.ndarray,
    covered: np.ndarray,
    area: gpd.GeoDataFrame,
    *,
    outside: np.ndarray | None = None,
) -> dict[str, float]:
    """Demand points outside the study area: how many, their demand, and what is uncovered.

    Parameters
    ----------
    lon, lat, weight, covered
        Per demand point (WGS-84).
    area
        The study area (WGS-84).
    outside
        :func:`outside_mask` of the same points and area, when known.

    Returns
    -------
    dict
        ``points``, ``demand``, ``uncovered_demand``.
    """
    out = outside_mask(lon, lat, area) if outside is None else outside
    return {
        "points": int(out.sum()),
        "demand": float(weight[out].sum()),
        "uncovered_demand": float(weight[out & ~covered].sum()),
    }
