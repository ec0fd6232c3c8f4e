"""The polygon inputs: the study area and the governance grids (网格).

Features in a projected CRS are converted; features in degrees are taken in the
coordinate system the user declares (GeoJSON exported from Chinese map tools is
often GCJ-02). Features that are not polygons are rejected with their feature number.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import crs as crsmod
from geo import schema
from geo.columns import grid_name_column
from geo.errors import InputError, Rejected, SettingsError
from geo.io.cells import row_list, text_column
from geo.io.raw import GEO_SUFFIXES, PathArg, RawTable, raw_table, read_raw
from geo.io.table import Table

__all__ = ["area_table", "grids_table", "read_area", "read_grids"]



def _polygons(path: PathArg | gpd.GeoDataFrame, *, crs: str, what: str) -> RawTable:
    if isinstance(path, gpd.GeoDataFrame):
        raw = raw_table(path, None)
    else:
        p = Path(path)
        if p.suffix.lower() not in GEO_SUFFIXES:
            raise InputError(
                f"the {what} must be a polygon file (GeoJSON, GeoPackage, Shapefile or "
                f"GeoParquet), not '{p.suffix or '(none)'}'",
                file=str(path),
            )
        raw = read_raw(path)
    if raw.geometry is None:
        raise InputError(f"the {what} file has no geometry", file=raw.file)
    return raw


def _convert_polygons(raw: RawTable, crs: str, cols: dict[str, str]) -> np.ndarray:
    geoms = raw.geometry
    assert geoms is not None
    if not raw.geo_crs_is_lonlat:
        return geoms
    try:
        default = crsmod.normalize_coord_system(crs)
    except SettingsError as exc:
        raise InputError(str(exc), file=raw.file) from None
    if "coord_system" in cols:
        written = text_column(raw.data[cols["coord_system"]])
        codes, uniques = pd.factorize(written)
        systems = []
        for i, u in enumerate(uniques):
            try:
                systems.append(crsmod.normalize_coord_system(u, default=default))
            except SettingsError as exc:
                row = int(raw.rows[np.flatnonzero(codes == i)[0]])
                raise InputError(str(exc), file=raw.file, row=row, column="coord_system") from None
        per = np.array(systems, dtype=object)[codes] if len(uniques) else np.array([], object)
    else:
        per = np.full(len(geoms), default, dtype=object)
    return crsmod.geometries_to_wgs84(geoms, per)


def _polygon_checks(raw: RawTable, geoms: np.ndarray, what: str) -> tuple[np.ndarray, list]:
    """Which features are usable polygons; the others are rejected with their feature number."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(np.where(missing, None, geoms))
    polygonal = np.isin(types, [3, 6]) | (types == 7)
    rejected: list[Rejected] = []
    for i in np.flatnonzero(missing):
        rejected.append(Rejected(raw.file, int(raw.rows[i]), "geometry", "no geometry"))
    wrong = ~missing & ~polygonal
    for i in np.flatnonzero(wrong):
        rejected.append(
            Rejected(
                raw.file, int(raw.rows[i]), "geometry",
                f"a {geoms[i].geom_type} is not a polygon; a "
                f"{what} must be drawn as polygons",
            )
        )
    ok = ~missing & ~wrong
    if ok.any():
        fixed = geoms.copy()
        invalid = ok & ~shapely.is_valid(np.where(ok, geoms, None))
        if invalid.any():
            fixed[invalid] = shapely.make_valid(geoms[invalid])
        # collections (e.g. from make_valid) keep only their polygonal parts
        coll = ok & (shapely.get_type_id(np.where(ok, fixed, None)) == 7)
        for i in np.flatnonzero(coll):
            parts = [g for g in shapely.get_parts(fixed[i]) if g.geom_type in {"Polygon",
                                                                               "MultiPolygon"}]
            fixed[i] = shapely.union_all(parts) if parts else None
        geoms[:] = fixed
        still = ok & (shapely.is_missing(geoms) | shapely.is_empty(geoms))
        for i in np.flatnonzero(still):
            rejected.append(Rejected(raw.file, int(raw.rows[i]), "geometry",
                                     "holds no polygon"))
        ok &= ~still
    return ok, rejected


def read_area(path: PathArg | gpd.GeoDataFrame, *, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """Read the study area: one or more polygons (``attrs``: source, rejected, warnings).

    Parameters
    ----------
    path, crs
        As :func:`area_table`.

    Returns
    -------
    geopandas.GeoDataFrame
        Polygons in WGS-84 with the file's attributes and ``row``.
    """
    return area_table(path, crs=crs).view()


def area_table(path: PathArg | gpd.GeoDataFrame, *, crs: str = "wgs84") -> Table:
    """Read the study area, typed: one or more polygons.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile or GeoParquet; features in a projected CRS
        are converted, features in degrees are taken in ``crs`` (or the
        ``coord_system`` column).
    crs
        ``wgs84``, ``gcj02`` or ``bd09``.

    Returns
    -------
    Table
        Polygons in WGS-84 with the file's attributes and ``row``.

    Raises
    ------
    InputError
        If the file holds no usable polygon.
    """
    raw = _polygons(path, crs=crs, what="study area")
    cols = schema.match_columns(list(raw.data.columns), file=raw.file, use=["coord_system"])
    geoms = _convert_polygons(raw, crs, cols)
    ok, rejected = _polygon_checks(raw, geoms, "study area")
    if not ok.any():
        raise InputError("the study area holds no polygon", file=raw.file)
    data = raw.data.loc[ok].reset_index(drop=True)
    data["row"] = raw.rows[ok]
    gdf = gpd.GeoDataFrame(data, geometry=list(geoms[ok]), crs=4326)
    return Table(gdf, raw.file, rejected, list(raw.warnings))


def read_grids(path: PathArg | gpd.GeoDataFrame, *, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """Read governance grids (网格): polygons with names (``attrs``: source, rejected, warnings).

    Parameters
    ----------
    path, crs
        As :func:`grids_table`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``grid`` (name), ``row``, the file's other attributes, and
        polygons in WGS-84.
    """
    return grids_table(path, crs=crs).view()


def grids_table(path: PathArg | gpd.GeoDataFrame, *, crs: str = "wgs84") -> Table:
    """Read governance grids (网格), typed: polygons with names.

    The name comes from the first column among ``grid``, ``网格``,
    ``网格名称`` …, ``name``, ``名称``; features without one are called
    ``网格N`` (N = feature number) with a warning.

    Parameters
    ----------
    path
        A polygon file.
    crs
        ``wgs84``, ``gcj02`` or ``bd09`` for features in degrees.

    Returns
    -------
    Table
        Columns ``grid`` (name), ``row``, the file's other attributes, and
        polygons in WGS-84. Non-polygon or empty features are rejected.
    """
    raw = _polygons(path, crs=crs, what="网格 (grid)")
    cols = schema.match_columns(list(raw.data.columns), file=raw.file, use=["coord_system"])
    geoms = _convert_polygons(raw, crs, cols)
    ok, rejected = _polygon_checks(raw, geoms, "网格 (grid)")
    warnings = list(raw.warnings)
    data = raw.data.copy()
    name_col = grid_name_column(list(data.columns))
    names = (
        text_column(data[name_col]).to_numpy(dtype=object, copy=True)
        if name_col is not None
        else np.full(len(data), "", dtype=object)
    )
    unnamed = names == ""
    if unnamed.any():
        names[unnamed] = np.char.add("网格", raw.rows[unnamed].astype(str)).astype(object)
        warnings.append(
            Rejected(
                raw.file, int(raw.rows[np.flatnonzero(unnamed)[0]]), name_col or "grid",
                f"{int(unnamed.sum())} 网格 without a name; called 网格N after their feature "
                "number (add a 'name' or '网格' property)",
            )
        )
    if not ok.any():
        raise InputError("the 网格 file holds no polygon", file=raw.file)
    out = data.loc[ok].reset_index(drop=True)
    if "grid" in out.columns and name_col != "grid":
        out = out.rename(columns={"grid": "grid_original"})
    out.insert(0, "grid", names[ok])
    out["row"] = raw.rows[ok]
    gdf = gpd.GeoDataFrame(out, geometry=list(geoms[ok]), crs=4326)
    gdf, merged = _merge_same_names(gdf, raw.file, name_col or "grid")
    return Table(gdf, raw.file, rejected, warnings + merged)


def _merge_same_names(
    gdf: gpd.GeoDataFrame, file: str, field: str
) -> tuple[gpd.GeoDataFrame, list[Rejected]]:
    """Features sharing a 网格 name are one 网格 (e.g. a 网格 split by a river): their
    polygons are united, the first feature's attributes and row kept, and a warning
    names the rows of each merged name."""
    dup = gdf["grid"].duplicated(keep=False).to_numpy()
    if not dup.any():
        return gdf, []
    warnings = [
        Rejected(file, int(rows.iloc[0]), field,
                 f"网格 '{name}' is drawn in {len(rows)} features (rows "
                 f"{row_list(rows.to_numpy())}): taken as one 网格 of all their polygons")
        for name, rows in gdf.loc[dup].groupby("grid", sort=False)["row"]
    ]
    merged = gdf.dissolve(by="grid", aggfunc="first", sort=False).reset_index()
    merged = merged[list(gdf.columns)]
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=gdf.crs), warnings
