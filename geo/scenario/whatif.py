"""What-if stations: add hypothetical stations, remove them, compare two analyses.

A planner asks "what if we opened a station here?". The answer is an ordinary
analysis on a station table with one more row: :func:`add_station` returns that
table (the same columns :func:`geo.read_stations` returns, plus a boolean
``hypothetical`` column), :func:`geo.analyze` runs on it, and :func:`compare`
tells what changed. Nothing here imports Streamlit: the app, the command line
and notebooks share it.

Example::

    import geo
    from geo import scenario

    stations = geo.read_stations("data/canglang/stations.csv")
    before = geo.analyze(stations, demand="data/canglang/demand.csv")
    gap = before.gap_table.iloc[0]
    what_if = scenario.add_station(stations, gap.lon, gap.lat, name="拟建补给点")
    after = geo.analyze(what_if, demand="data/canglang/demand.csv")
    scenario.compare(before, after)["coverage"]   # {"before": …, "after": …, "delta": …}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import crs as crsmod
from geo import schema
from geo.errors import InputError, SettingsError
from geo.inputs import combine_stations
from geo.io.table import Table
from geo.result import CoverageResult

__all__ = [
    "ID_PREFIX",
    "SOURCE",
    "add_station",
    "append_stations",
    "combine",
    "compare",
    "hypothetical_stations",
    "hypothetical_table",
    "remove_station",
    "with_stations",
]

#: Prefix of the ids given to added stations (``NEW1``, ``NEW2`` …).
ID_PREFIX = "NEW"
#: ``source_file`` of added stations in a combined station table.
SOURCE = "what-if"
#: The file name used in messages about added stations.
_WHERE = "what-if station"


def combine(stations: gpd.GeoDataFrame | Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Combine station tables into one, exactly as :func:`geo.analyze` does.

    Ids must be unique across the tables: a repeated id is rejected (listed in
    ``attrs["rejected"]``) in the later table. Rejected rows and warnings of
    every table are kept in ``attrs``, so an analysis of the combined table
    reports the same as an analysis of the list.

    Parameters
    ----------
    stations
        One or several tables from :func:`geo.read_stations`.

    Returns
    -------
    geopandas.GeoDataFrame
        One table in WGS-84 (a single table is returned as it is).

    Raises
    ------
    InputError
        If no table is given.
    """
    frames = [stations] if isinstance(stations, gpd.GeoDataFrame) else list(stations)
    return combine_stations([Table.of(f, "stations") for f in frames]).view()


def add_station(
    stations: gpd.GeoDataFrame,
    lon: float,
    lat: float,
    *,
    name: str = "新增站点",
    kind: str = "supply",
    crs: str = "wgs84",
    amenities: str = "",
    hours: str = "24小时",
    station_id: str | None = None,
) -> gpd.GeoDataFrame:
    """Return the station table with one hypothetical station added.

    Parameters
    ----------
    stations
        A station table as :func:`geo.read_stations` (or :func:`combine`)
        returns it, possibly already holding hypothetical stations.
    lon, lat
        Where the station would be, in degrees of ``crs``.
    name
        Its name.
    kind
        A kind key of :data:`geo.schema.KIND_LABELS` (``supply``, ``rest`` …)
        or a category as written (``爱心补给点``, ``充电桩``).
    crs
        Coordinate system of ``lon``/``lat``: ``wgs84`` (GPS, OpenStreetMap),
        ``gcj02`` (Amap/Gaode, Tencent) or ``bd09`` (Baidu). Stored in WGS-84.
    amenities
        What it offers, as a planner writes it (``充电、饮用水``); normalised to
        keys in ``amenities`` as on reading a file.
    hours
        Opening hours (``24小时``, ``08:00-22:00``).
    station_id
        Its id; by default the first of ``NEW1``, ``NEW2`` … not yet used.

    Returns
    -------
    geopandas.GeoDataFrame
        A new table (the input is not changed): the input's rows with
        ``hypothetical`` False (unless already True), then the new row with
        ``hypothetical`` True, ``category`` the kind's Chinese label,
        ``coord_system`` the system the coordinates were given in, ``row`` 0
        (not from a file), ``source_file`` ``"what-if"`` where the table has
        that column, and missing values in the file's other columns. ``attrs``
        (source, rejected rows, warnings) are kept.

    Raises
    ------
    InputError
        If a coordinate is not a number or out of range (the message names
        ``lon`` or ``lat``), a GCJ-02/BD-09 point lies far outside China, the
        coordinate system, kind or hours are not understood, or the id is taken.
    """
    system = _coord_system(crs)
    x = _degrees(lon, "lon", 180.0)
    y = _degrees(lat, "lat", 90.0)
    if system != "wgs84" and not bool(crsmod.in_china(x, y)):
        raise InputError(
            f"({x}, {y}) is far outside China, but its coordinate system is {system}, "
            "which is only used in China; give WGS-84 coordinates",
            file=_WHERE,
            column="lon",
        )
    wlon, wlat = crsmod.to_wgs84(x, y, system)
    key = _kind_key(kind)
    hours_text = str(hours).strip()
    try:
        schema.parse_hours(hours_text or None)
    except schema.HoursError as exc:
        raise InputError(str(exc), file=_WHERE, column="hours") from None

    existing = _ids(stations)
    if station_id is None:
        station_id = _next_id(existing)
    elif not str(station_id).strip():
        raise InputError("the station id is blank", file=_WHERE, column="id")
    elif str(station_id) in existing:
        raise InputError(f"id '{station_id}' is already used", file=_WHERE, column="id")

    amen_text = str(amenities or "").strip()
    values: dict[str, Any] = {
        "id": str(station_id),
        "name": str(name).strip() or str(station_id),
        "category": schema.KIND_LABELS[key][0],
        "kind": key,
        "level": "",
        "address": "",
        "amenities": str(schema.normalize_amenities(pd.Series([amen_text], dtype=object))[0]),
        "amenities_text": amen_text,
        "hours": hours_text,
        "coord_system": system,
        "row": 0,
        "source_file": SOURCE,
        "hypothetical": True,
    }
    new = {c: [values.get(c)] for c in stations.columns if c != stations.geometry.name}
    for c in ("id", "name", "category", "kind", "hours", "coord_system", "hypothetical"):
        new.setdefault(c, [values[c]])
    row = gpd.GeoDataFrame(new, geometry=[shapely.Point(wlon, wlat)], crs=4326)
    return append_stations(stations, row)


def remove_station(stations: gpd.GeoDataFrame, station_id: str) -> gpd.GeoDataFrame:
    """Return the station table without one hypothetical station.

    Parameters
    ----------
    stations
        A table from :func:`add_station`.
    station_id
        The id of the station to remove.

    Returns
    -------
    geopandas.GeoDataFrame
        A new table without that row (index renumbered, ``attrs`` kept).

    Raises
    ------
    InputError
        If no station has that id, or the station is not hypothetical (stations
        read from a file are removed in the file, not here).
    """
    ids = stations["id"].astype(str).to_numpy()
    hit = ids == str(station_id)
    if not hit.any():
        raise InputError(f"no station has the id '{station_id}'", file=_WHERE, column="id")
    flag = _flag(stations)
    if not flag[hit].all():
        raise InputError(
            f"station '{station_id}' was read from a file, not added as a what-if "
            "station; only what-if stations can be removed here",
            file=_WHERE,
            column="id",
        )
    out = stations.loc[~hit].reset_index(drop=True)
    out.attrs = _copy_attrs(stations.attrs)
    return out


def with_stations(
    stations: gpd.GeoDataFrame, specs: Iterable[Mapping[str, Any]]
) -> gpd.GeoDataFrame:
    """Add several hypothetical stations, each given as :func:`add_station` keywords.

    A stored ``station_id`` that the table now uses for a real station (e.g.
    after a new file was uploaded) is replaced by a new ``NEW…`` id rather
    than refused, so a saved scenario still applies.

    Parameters
    ----------
    stations
        The station table.
    specs
        Dicts with ``lon``, ``lat`` and optionally ``name, kind, crs,
        amenities, hours, station_id``.

    Returns
    -------
    geopandas.GeoDataFrame
        The table with every station added (``hypothetical`` column present
        even when ``specs`` is empty).
    """
    out = _with_flag(stations)
    for spec in specs:
        kwargs = dict(spec)
        sid = kwargs.get("station_id")
        if sid is not None and str(sid) in _ids(out):
            kwargs["station_id"] = None
        out = add_station(out, **kwargs)
    return out


def hypothetical_stations(stations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The hypothetical rows of a station table (empty when there are none).

    Parameters
    ----------
    stations
        A station table, e.g. ``result.stations``.

    Returns
    -------
    geopandas.GeoDataFrame
        Those rows, index renumbered.
    """
    return stations.loc[_flag(stations)].reset_index(drop=True)


def hypothetical_table(stations: gpd.GeoDataFrame) -> pd.DataFrame:
    """The hypothetical stations as a table to download.

    The table reads back with :func:`geo.read_stations` (``lon``/``lat`` are
    WGS-84 and ``coord_system`` says so); ``gcj_lon``/``gcj_lat`` repeat the
    position in GCJ-02 for pasting into Amap or Tencent maps.

    Parameters
    ----------
    stations
        A station table, e.g. from :func:`add_station` or ``result.stations``.

    Returns
    -------
    pandas.DataFrame
        ``id, name, kind, lon, lat, coord_system, gcj_lon, gcj_lat, amenities,
        hours``; coordinates rounded to 7 decimals (about 1 cm).
    """
    hyp = hypothetical_stations(stations)
    lon = shapely.get_x(hyp.geometry.to_numpy()).astype("float64")
    lat = shapely.get_y(hyp.geometry.to_numpy()).astype("float64")
    glon, glat = crsmod.wgs84_to_gcj02(lon, lat)
    n = len(hyp)
    return pd.DataFrame(
        {
            "id": hyp["id"].astype(str).to_numpy(),
            "name": _column(hyp, "name", n),
            "kind": _column(hyp, "kind", n),
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "coord_system": np.full(n, "wgs84", dtype=object),
            "gcj_lon": np.round(np.asarray(glon, dtype="float64"), 7),
            "gcj_lat": np.round(np.asarray(glat, dtype="float64"), 7),
            "amenities": _column(hyp, "amenities_text", n),
            "hours": _column(hyp, "hours", n),
        }
    )


def compare(before: CoverageResult, after: CoverageResult) -> dict[str, dict[str, float]]:
    """What changed between two analyses (e.g. without and with what-if stations).

    Parameters
    ----------
    before, after
        The two results.

    Returns
    -------
    dict
        ``{"coverage": {"before", "after", "delta"}, "covered_demand": …,
        "uncovered_demand": …, "gaps": …, "stations_used": …}``; coverage as a
        share 0..1 (exact, as ``result.coverage``), demand in weights, gaps
        and stations as counts, ``delta`` = after − before.
    """

    def pair(b: float, a: float) -> dict[str, float]:
        return {"before": b, "after": a, "delta": a - b}

    def uncovered(r: CoverageResult) -> float:
        return r.total_demand - r.covered_demand

    return {
        "coverage": pair(before.coverage, after.coverage),
        "covered_demand": pair(before.covered_demand, after.covered_demand),
        "uncovered_demand": pair(uncovered(before), uncovered(after)),
        "gaps": pair(before.gap_count, after.gap_count),
        "stations_used": pair(before.stations_used, after.stations_used),
    }


# --- helpers -----------------------------------------------------------------------------


def _coord_system(crs: str) -> str:
    try:
        return crsmod.normalize_coord_system(crs)
    except SettingsError as exc:
        raise InputError(str(exc), file=_WHERE, column="coord_system") from None


def _degrees(value: object, column: str, limit: float) -> float:
    word = "longitude" if column == "lon" else "latitude"
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(
            f"{word} '{value}' is not a number", file=_WHERE, column=column
        ) from None
    if not math.isfinite(v) or not -limit <= v <= limit:
        raise InputError(
            f"{word} {value} is outside -{limit:g}..{limit:g}"
            + ("; are longitude and latitude swapped?" if column == "lat" else ""),
            file=_WHERE,
            column=column,
        )
    return v


def _kind_key(kind: str) -> str:
    text = str(kind or "").strip()
    if text in schema.KIND_LABELS:
        return text
    key = schema.category_kind(text)
    if key == "other" and text.lower() not in {"other", "其他"}:
        raise InputError(
            f"unknown kind '{kind}': use one of {', '.join(schema.KIND_LABELS)}",
            file=_WHERE,
            column="kind",
        )
    return key


def _ids(stations: gpd.GeoDataFrame) -> set[str]:
    if "id" not in stations or len(stations) == 0:
        return set()
    return set(stations["id"].astype(str).tolist())


def _next_id(existing: set[str]) -> str:
    k = 1
    while f"{ID_PREFIX}{k}" in existing:
        k += 1
    return f"{ID_PREFIX}{k}"


def _flag(stations: gpd.GeoDataFrame) -> np.ndarray:
    if "hypothetical" not in stations:
        return np.zeros(len(stations), dtype=bool)
    return stations["hypothetical"].fillna(False).to_numpy(dtype=bool)


def _with_flag(stations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = stations.copy()
    out["hypothetical"] = _flag(stations)
    out.attrs = _copy_attrs(stations.attrs)
    return out


def _copy_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in attrs.items()}


def _column(frame: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in frame:
        return np.full(n, "", dtype=object)
    return frame[name].astype(object).where(frame[name].notna(), "").to_numpy()


def append_stations(stations: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Append hypothetical station rows to a station table.

    Parameters
    ----------
    stations
        The station table (``attrs`` kept).
    new
        The new rows (WGS-84), ``hypothetical`` True, with any of the table's columns.

    Returns
    -------
    geopandas.GeoDataFrame
        A new table: the input's columns in their order and dtypes where they hold,
        ``hypothetical`` False for the rows that were not flagged.
    """
    base = _with_flag(stations)
    geom = base.geometry.name
    row = new.rename_geometry(geom) if new.geometry.name != geom else new
    frames = [base, row[list(base.columns)]] if len(base) else [row]
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry=geom, crs=4326)
    for c in base.columns:
        if c == geom or c not in out:
            continue
        dtype = base[c].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            out[c] = pd.Categorical(out[c].astype(object))
        elif isinstance(dtype, pd.StringDtype):
            out[c] = out[c].astype(dtype)
    out["hypothetical"] = out["hypothetical"].fillna(False).astype(bool)
    out.attrs = _copy_attrs(stations.attrs)
    return out
