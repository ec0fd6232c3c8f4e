"""The review loop: which geocoded rows need a look, and fixing a point by hand.

A planner reviews the rows :func:`geo.geocode.geocode_table` could not trust
(``needs_review``) or could not place at all (``not_found``, ``failed``, a stopped
run ...), puts each point where it belongs (a click on the map, or typed
coordinates), and every such fix is recorded as ``geocode_status = manual``
with the coordinates in WGS-84. Nothing here asks a provider.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo import crs as crsmod
from geo import schema
from geo.errors import InputError

__all__ = [
    "STATUS_COLOURS",
    "STATUS_LABELS_EN",
    "STATUS_LABELS_ZH",
    "TRUSTED",
    "apply_fix",
    "explicit_systems",
    "needs_review",
    "points_wgs84",
    "review_map",
    "review_rows",
]

#: Statuses that need no review: coordinates given, trusted, or already fixed by hand.
TRUSTED = frozenset({"given", "ok", "manual"})

#: Marker colours on the review map, by status.
STATUS_COLOURS = {"given": "#7f8c8d", "ok": "#27ae60", "manual": "#2c7fb8",
                  "needs_review": "#e67e22"}

#: Chinese labels of the statuses, for planners.
STATUS_LABELS_ZH = {
    "given": "已有坐标", "ok": "成功", "manual": "人工校正", "needs_review": "待核实",
    "not_found": "未找到", "bad_key": "密钥无效", "quota": "配额用尽",
    "too_frequent": "请求过快", "timeout": "超时", "server_error": "服务出错", "failed": "失败",
    "unreachable": "无法连接",
}
#: The same statuses in English, for the app's English page.
STATUS_LABELS_EN = {
    "given": "coordinates given", "ok": "found", "manual": "fixed by hand",
    "needs_review": "to review", "not_found": "not found", "bad_key": "bad key",
    "quota": "quota used up", "too_frequent": "too frequent", "timeout": "timed out",
    "server_error": "server error", "failed": "failed", "unreachable": "unreachable",
}


def _columns(table: pd.DataFrame) -> dict[str, str]:
    if "geocode_status" not in table.columns:
        raise InputError("this table has not been geocoded (no geocode_status column)")
    cols = schema.match_columns(
        list(table.columns), file=str(table.attrs.get("source", "table")),
        use=["id", "name", "address", "lon", "lat", "lnglat", "coord_system"],
    )
    if "lon" not in cols or "lat" not in cols:
        raise InputError("the geocoded table has no longitude/latitude columns")
    return cols


def needs_review(table: pd.DataFrame) -> np.ndarray:
    """Rows whose status is not ``given``, ``ok`` or ``manual`` (a boolean mask).

    Parameters
    ----------
    table
        A table returned by :func:`geo.geocode.geocode_table`.

    Returns
    -------
    numpy.ndarray of bool
    """
    return ~table["geocode_status"].astype(str).isin(TRUSTED).to_numpy()


def points_wgs84(table: pd.DataFrame, crs: str = "wgs84") -> tuple[np.ndarray, np.ndarray]:
    """Every row's coordinates in WGS-84 (NaN where it has none).

    Parameters
    ----------
    table
        A geocoded table.
    crs
        The coordinate system of rows whose ``coord_system`` is blank (the file's
        own, e.g. ``gcj02`` for a list picked on Amap); geocoded and fixed rows
        say ``wgs84``.

    Returns
    -------
    lon, lat : numpy.ndarray
    """
    from geo.geocode.run import written_coordinates

    cols = _columns(table)
    lon, lat = written_coordinates(table, cols)
    default = crsmod.normalize_coord_system(crs)
    if "coord_system" in cols:
        text = table[cols["coord_system"]].astype(object).where(
            table[cols["coord_system"]].notna(), ""
        ).astype(str).str.strip().to_numpy(dtype=object)
        system = np.where(text == "", default, text)
    else:
        system = np.full(len(table), default, dtype=object)
    out_lon = np.full(len(table), np.nan)
    out_lat = np.full(len(table), np.nan)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.any():
        out_lon[ok], out_lat[ok] = crsmod.to_wgs84(lon[ok], lat[ok], system[ok])
    return out_lon, out_lat


def review_rows(table: pd.DataFrame, crs: str = "wgs84") -> pd.DataFrame:
    """The rows to review, as a small table for people.

    Parameters
    ----------
    table
        A geocoded table.
    crs
        The file's coordinate system (see :func:`points_wgs84`).

    Returns
    -------
    pandas.DataFrame
        One row per row to review, indexed by its position in ``table``:
        ``row`` (as a spreadsheet shows it, header = 1), ``name``, ``address``,
        ``status``, ``status_zh``, ``level``, ``lon``, ``lat`` (WGS-84, NaN when
        the provider gave no point).
    """
    cols = _columns(table)
    mask = needs_review(table)
    lon, lat = points_wgs84(table, crs)
    rows = np.asarray(table.attrs.get("rows") or np.arange(len(table)) + 2)

    def col(name: str) -> np.ndarray:
        if name not in cols:
            return np.full(int(mask.sum()), "", dtype=object)
        return table[cols[name]].astype(object).where(table[cols[name]].notna(), "").to_numpy(
            dtype=object)[mask]

    status = table["geocode_status"].astype(str).to_numpy()[mask]
    return pd.DataFrame(
        {
            "row": rows[mask],
            "name": col("name"),
            "address": col("address"),
            "status": status,
            "status_zh": [STATUS_LABELS_ZH.get(s, s) for s in status],
            "level": table["geocode_level"].astype(str).to_numpy()[mask],
            "lon": lon[mask],
            "lat": lat[mask],
        },
        index=np.flatnonzero(mask),
    )


def apply_fix(
    table: pd.DataFrame, position: int, lon: float, lat: float, *, datum: str = "wgs84"
) -> pd.DataFrame:
    """Put one row's point where the reviewer says; recorded as ``manual``.

    Parameters
    ----------
    table
        A geocoded table (not changed).
    position
        The row's position in ``table`` (0 = first data row).
    lon, lat
        Where the row belongs, in ``datum``.
    datum
        ``wgs84``, ``gcj02`` or ``bd09``: the basemap's datum for a click on an
        Amap or Tencent map, or the system typed coordinates are in.

    Returns
    -------
    pandas.DataFrame
        A copy with the row's coordinates in WGS-84 (its ``coord_system`` set to
        ``wgs84``) and ``geocode_status = manual``; every other row as it was.

    Raises
    ------
    InputError
        For a row that does not exist or coordinates that are not a place.
    """
    cols = _columns(table)
    if not 0 <= int(position) < len(table):
        raise InputError(f"there is no row {position} to fix (the table has {len(table)} rows)")
    lon_f, lat_f = float(lon), float(lat)
    if not (np.isfinite(lon_f) and np.isfinite(lat_f) and -180 <= lon_f <= 180
            and -90 <= lat_f <= 90):
        raise InputError(f"({lon}, {lat}) is not a longitude/latitude pair in degrees")
    w_lon, w_lat = crsmod.to_wgs84(lon_f, lat_f, datum)
    out = table.copy()
    out.attrs = dict(table.attrs)
    label = out.index[int(position)]
    for name, value in (("lon", float(w_lon)), ("lat", float(w_lat))):
        column = cols[name]
        if not pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].astype(object)
        out.loc[label, column] = value
    system = cols.get("coord_system", "coord_system")
    if system not in out.columns:
        out[system] = ""
    out[system] = out[system].astype(object)
    out.loc[label, system] = "wgs84"
    out["geocode_status"] = out["geocode_status"].astype(object)
    out.loc[label, "geocode_status"] = "manual"
    return out


def review_map(
    table: pd.DataFrame,
    *,
    crs: str = "wgs84",
    selected: int | None = None,
    tiles: str = "osm",
    center: tuple[float, float] | None = None,
    assets: str = "inline",
    tile_key: str | None = None,
) -> Any:
    """A map of the geocoded points, coloured by status, the selected row marked.

    Parameters
    ----------
    table
        A geocoded table.
    crs
        The file's coordinate system (see :func:`points_wgs84`).
    selected
        Position of the row being fixed: marked, and the map opens on it.
    tiles
        Basemap (:data:`geo.maps.TILES`); points are drawn in its datum, so a click
        is read in it too.
    center
        (lon, lat) in WGS-84 to open at when no row has a point yet.
    assets
        Where the page gets Leaflet (:data:`geo.maps.html.ASSET_MODES`); the app's
        frame takes ``"data"``.
    tile_key
        The browser key of a basemap that needs one (Tianditu).

    Returns
    -------
    folium.Map
    """
    import folium

    from geo.maps import TILES, esc
    from geo.maps.html import add_basemap, set_assets

    tile = TILES[tiles]
    lon, lat = points_wgs84(table, crs)
    has = np.isfinite(lon) & np.isfinite(lat)
    d_lon = np.full(len(table), np.nan)
    d_lat = np.full(len(table), np.nan)
    if has.any():
        d_lon[has], d_lat[has] = crsmod.from_wgs84(lon[has], lat[has], tile.datum)
    cols = _columns(table)
    names = (table[cols["name"]].astype(str).to_numpy() if "name" in cols
             else np.array([f"#{i + 1}" for i in range(len(table))]))
    status = table["geocode_status"].astype(str).to_numpy()
    trusted = has & np.isin(status, list(TRUSTED))
    marked = selected is not None and 0 <= selected < len(table) and bool(has[selected])
    focus = marked
    if marked and trusted.any():  # a stray answer (another city) opens where the others are
        assert selected is not None
        pad = 0.05  # degrees, about 5 km
        focus = bool(d_lon[trusted].min() - pad <= d_lon[selected] <= d_lon[trusted].max() + pad
                     and d_lat[trusted].min() - pad <= d_lat[selected]
                     <= d_lat[trusted].max() + pad)
    if focus:
        assert selected is not None
        start = [float(d_lat[selected]), float(d_lon[selected])]
    elif trusted.any():
        start = [float(np.median(d_lat[trusted])), float(np.median(d_lon[trusted]))]
    elif center is not None:
        c_lon, c_lat = crsmod.from_wgs84(center[0], center[1], tile.datum)
        start = [float(c_lat), float(c_lon)]
    else:
        start = [31.3, 120.6]
    m = folium.Map(location=start, zoom_start=16 if focus else 14, tiles=None,
                   control_scale=True)
    set_assets(m, assets, None)  # core Leaflet only, from the package (no network)
    add_basemap(m, tile, tile_key)
    for i in np.flatnonzero(has):
        st_i = status[i]
        colour = STATUS_COLOURS.get(st_i, "#c0392b")
        folium.CircleMarker(
            location=[d_lat[i], d_lon[i]], radius=6, color="#ffffff", weight=1,
            fill=True, fill_color=colour, fill_opacity=0.9,
            tooltip=f"{esc(names[i])} · {esc(STATUS_LABELS_ZH.get(st_i, st_i))}",
        ).add_to(m)
    if marked:
        folium.Marker(  # Leaflet's own marker image: no icon font needed
            location=[d_lat[selected], d_lon[selected]],
            tooltip=f"正在校正 Fixing: {esc(names[selected])}",
        ).add_to(m)
    if not focus and trusted.sum() > 1:  # the trusted points: a stray answer must not zoom out
        m.fit_bounds([[float(d_lat[trusted].min()), float(d_lon[trusted].min())],
                      [float(d_lat[trusted].max()), float(d_lon[trusted].max())]])
    return m


def explicit_systems(table: pd.DataFrame, crs: str) -> pd.DataFrame:
    """A copy whose rows with coordinates all name their coordinate system.

    Rows that had coordinates before geocoding leave ``coord_system`` blank (they
    are in the file's own system); this writes ``crs`` there, so the table reads
    the same whatever ``--crs`` it is later read with.

    Parameters
    ----------
    table
        A geocoded table.
    crs
        The file's own coordinate system.

    Returns
    -------
    pandas.DataFrame
    """
    cols = _columns(table)
    system = cols.get("coord_system", "coord_system")
    out = table.copy()
    out.attrs = dict(table.attrs)
    current = (out[system].astype(object).where(out[system].notna(), "").astype(str).str.strip()
               if system in out.columns else pd.Series("", index=out.index))
    out[system] = current.where(current != "", crsmod.normalize_coord_system(crs)).to_numpy(
        dtype=object)
    return out
