"""The point inputs: stations, charging piles, candidate sites and demand points.

A row that cannot be used is never dropped in silence: it is listed as a
:class:`geo.errors.Rejected` (file, row as a spreadsheet shows it, column, reason)
and the rest of the table is used. Remarks that do not cost a row (a blank weight
counted as 1, opening hours not understood) are warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import crs as crsmod
from geo import schema
from geo.columns import MAX_WEIGHT
from geo.errors import InputError, Rejected, SettingsError
from geo.io.cells import (
    blank_mask,
    cell_texts,
    parse_degrees,
    parse_weight,
    row_list,
    split_lnglat,
    text_column,
)
from geo.io.plain import short_text_keys
from geo.io.raw import PathArg, RawTable, raw_table
from geo.io.table import Table

__all__ = [
    "GEOCODE_TRUSTED",
    "MAX_WEIGHT",
    "demand_table",
    "match_point_columns",
    "read_demand",
    "read_stations",
    "station_table",
]


def station_table(
    path: PathArg | pd.DataFrame,
    *,
    crs: str = "wgs84",
    sheet: str | int | None = None,
    id_prefix: str = "S",
) -> Table:
    """Read a station (or charging-pile, or candidate-site) table, typed.

    As :func:`read_stations`, but the rejected rows and warnings come as fields of
    the returned :class:`~geo.io.table.Table` rather than in ``attrs``.

    Parameters
    ----------
    path, crs, sheet, id_prefix
        As :func:`read_stations`.

    Returns
    -------
    Table
    """
    return _PointReader(raw_table(path, sheet), crs=crs, kind="stations").read(id_prefix)


def demand_table(
    path: PathArg | pd.DataFrame, *, crs: str = "wgs84", sheet: str | int | None = None
) -> Table:
    """Read weighted demand points, typed (see :func:`read_demand`).

    Parameters
    ----------
    path, crs, sheet
        As :func:`read_demand`.

    Returns
    -------
    Table
    """
    return _PointReader(raw_table(path, sheet), crs=crs, kind="demand").read("D")


def read_stations(
    path: PathArg | pd.DataFrame,
    *,
    crs: str = "wgs84",
    sheet: str | int | None = None,
    id_prefix: str = "S",
) -> gpd.GeoDataFrame:
    """Read a station (or charging-pile, or candidate-site) table.

    Parameters
    ----------
    path
        A table file (see :func:`geo.io.read_raw`) or a DataFrame with such columns.
    crs
        Coordinate system of the coordinates (``wgs84``, ``gcj02``, ``bd09``)
        for rows without their own ``coord_system``.
    sheet
        XLSX sheet name or 0-based index.
    id_prefix
        Prefix of generated ids (``S001`` …) when the table has no id column.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in WGS-84 (EPSG:4326) with columns ``id, name, category, kind,
        level, address, amenities`` (keys, ``;``-joined), ``amenities_text``
        (as written), ``hours, coord_system, row`` and every other column of
        the file under its own header. ``attrs`` holds ``source``,
        ``rejected`` and ``warnings``.

    Raises
    ------
    InputError
        If the file cannot be read or has no coordinate columns.
    """
    return station_table(path, crs=crs, sheet=sheet, id_prefix=id_prefix).view()


def read_demand(
    path: PathArg | pd.DataFrame,
    *,
    crs: str = "wgs84",
    sheet: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read weighted demand points (where riders wait, ride and live).

    Parameters
    ----------
    path
        A table file or a DataFrame.
    crs
        Coordinate system for rows without ``coord_system``.
    sheet
        XLSX sheet name or 0-based index.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in WGS-84 with ``id`` (generated ``D001`` … when absent),
        ``weight`` (1 where the table has no weight column; a blank cell counts
        as 1 with a warning), ``row``, ``coord_system`` and the file's other
        columns. Rows with a weight that is not a number, negative or above
        :data:`MAX_WEIGHT` are rejected. ``attrs`` holds ``source``, ``rejected`` and ``warnings``.
    """
    return demand_table(path, crs=crs, sheet=sheet).view()


@dataclass
class _Rejects:
    """Rejected rows as they are found: the first fault of a row is the one reported."""

    file: str
    rows: np.ndarray
    reason: np.ndarray = field(init=False)
    column: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.reason = np.full(self.rows.size, None, dtype=object)
        self.column = np.full(self.rows.size, None, dtype=object)
        self._bad = np.zeros(self.rows.size, dtype=bool)

    @property
    def ok(self) -> np.ndarray:
        return ~self._bad

    def add(
        self,
        mask: np.ndarray,
        column: str | np.ndarray,
        reason: str | np.ndarray | Callable[[np.ndarray], Sequence[str]],
    ) -> None:
        """Reject rows in ``mask`` not yet rejected (the first fault of a row is reported).

        ``column`` is one value or one per row; ``reason`` one value, one per
        row, or a function of the rejected row positions (so that messages are
        only built for rows that need them).
        """
        new = mask & ~self._bad
        if not new.any():
            return
        idx = np.flatnonzero(new)
        self._bad[idx] = True
        self.column[idx] = column[idx] if isinstance(column, np.ndarray) else column
        if callable(reason):
            self.reason[idx] = np.asarray(list(reason(idx)), dtype=object)
        elif isinstance(reason, np.ndarray):
            self.reason[idx] = reason[idx]
        else:
            self.reason[idx] = reason

    def to_list(self) -> list[Rejected]:
        bad = np.flatnonzero(~self.ok)
        return [
            Rejected(self.file, int(self.rows[i]), str(self.column[i]), str(self.reason[i]))
            for i in bad
        ]


#: ``geocode_status`` values whose coordinates are used (blank: not geocoded).

GEOCODE_TRUSTED = frozenset({"", "given", "ok", "manual"})

# Columns this module writes that an alias would also claim: a table written by
# :func:`write_table` from :func:`read_stations` has ``kind`` (the key derived from
# ``category``, and an English alias of it) next to ``category``.
_DERIVED_COLUMNS = {"kind": "category"}


def match_point_columns(headers: list[str], file: str) -> dict[str, str]:
    """:func:`geo.schema.match_columns` for a point table, our own derived columns left alone.

    Parameters
    ----------
    headers
        The headers as written.
    file
        The file, for messages.

    Returns
    -------
    dict
        Canonical column → header.
    """
    keys = {schema.normalize_header(h) for h in headers}
    use = [
        h for h in headers
        if _DERIVED_COLUMNS.get(schema.normalize_header(h)) not in keys
    ]
    return schema.match_columns(use, file=file)


class _PointReader:
    """One point table through its validation steps, in the order faults are reported.

    Each step rejects the rows it finds at fault (a row keeps its first fault) or
    adds a warning; :meth:`read` runs them all and builds the table.
    """

    def __init__(self, raw: RawTable, *, crs: str, kind: str) -> None:
        self.file = raw.file
        try:
            self.default_system = crsmod.normalize_coord_system(crs)
        except SettingsError as exc:
            raise InputError(str(exc), file=self.file) from None
        self.kind = kind
        self.raw = raw
        self.data = raw.data
        self.cols = match_point_columns(list(self.data.columns), self.file)
        self.warnings: list[Rejected] = list(raw.warnings)

    def read(self, id_prefix: str) -> Table:
        """Run every step; the usable rows in WGS-84 and what was said about the others."""
        self._drop_blank_rows()
        self.rej = _Rejects(self.file, self.rows)
        self._from_geometry()
        self._coordinate_columns()
        self._parse_coordinates()
        self._reject_unparsed()
        self._row_systems()
        self._check_positions()
        self._check_geocoded()
        ids = self._ids(id_prefix)
        weight = self._weights() if self.kind == "demand" else None
        return self._finish(ids, weight)

    # --- the steps ---------------------------------------------------------------------------

    def _drop_blank_rows(self) -> None:
        """Blank rows (Excel's trailing ``,,,,``) carry nothing: skipped, row numbers kept."""
        raw, data = self.raw, self.data
        if len(data) and raw.geometry is None:
            blank_rows = np.logical_and.reduce([blank_mask(data[c]) for c in data.columns])
            if blank_rows.any():
                keep = ~blank_rows
                data = data.loc[keep].reset_index(drop=True)
                raw = RawTable(data, raw.rows[keep], self.file, None, raw.geo_crs_is_lonlat,
                               raw.warnings)
        self.raw, self.data, self.rows, self.n = raw, data, raw.rows, len(data)
        n = self.n
        self.lon = np.full(n, np.nan)
        self.lat = np.full(n, np.nan)
        self.lon_bad = np.zeros(n, dtype=bool)
        self.lat_bad = np.zeros(n, dtype=bool)
        self.from_geometry = np.zeros(n, dtype=bool)
        self.shapes = False  # some feature is not a point (a point inside it is used)
        self.pair_rows = np.zeros(n, dtype=bool)  # coordinates from the lng,lat column

    def _from_geometry(self) -> None:
        """Geodata: the point of each feature (a point inside shapes that are not points)."""
        geoms = self.raw.geometry
        if geoms is None:
            return
        is_null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        not_point = ~is_null & (shapely.get_type_id(geoms) != 0)
        pts = geoms
        if not_point.any():  # a point inside each shape; points as they are
            pts = geoms.copy()
            pts[not_point] = shapely.point_on_surface(geoms[not_point])
        has = ~is_null
        self.lon[has] = shapely.get_x(pts[has])
        self.lat[has] = shapely.get_y(pts[has])
        self.from_geometry = has
        self.shapes = bool(not_point.any())
        if not_point.any():
            i = np.flatnonzero(not_point)[0]
            self.warnings.append(
                Rejected(
                    self.file, int(self.rows[i]), "geometry",
                    f"{int(not_point.sum())} feature(s) are not points: a point inside "
                    "each shape is used",
                )
            )

    def _coordinate_columns(self) -> None:
        """Which columns hold the coordinates, and the system a header may name."""
        cols, data = self.cols, self.data
        self.lon_text: pd.Series | None = None
        self.lat_text: pd.Series | None = None
        self.header_system: str | None = None
        if "lon" in cols and "lat" in cols:
            self.lon_text, self.lat_text = data[cols["lon"]], data[cols["lat"]]
            self.header_system = schema.header_coord_system(
                cols["lon"]
            ) or schema.header_coord_system(cols["lat"])
        elif "lon" in cols or "lat" in cols:
            have = "lon" if "lon" in cols else "lat"
            missing = "lat" if have == "lon" else "lon"
            if "lnglat" not in cols and self.raw.geometry is None:
                raise InputError(
                    f"there is a '{cols[have]}' column but no {missing} column "
                    f"({_aliases(missing)}); both are needed",
                    file=self.file,
                    column=missing,
                )
        if self.lon_text is None and "lnglat" not in cols and self.raw.geometry is None:
            hint = (
                " This table has addresses only: geocode them first (geo geocode)."
                if "address" in cols
                else ""
            )
            raise InputError(
                f"no coordinate columns: looked for longitude ({_aliases('lon')}) and latitude "
                f"({_aliases('lat')}), or one 'lng,lat' column ({_aliases('lnglat')}); "
                f"the headers are: {', '.join(map(str, data.columns))}.{hint}",
                file=self.file,
            )
        # Which column each row's coordinates come from, as named in messages.
        pair_or_geometry = "lnglat" if "lnglat" in cols else "geometry"
        base = "lon" if self.lon_text is not None else pair_or_geometry
        self.lon_col = _filled(self.n, base)
        self.lat_col = _filled(self.n, "lat" if base == "lon" else base)
        self.lon_col[self.from_geometry] = self.lat_col[self.from_geometry] = "geometry"

    def _parse_coordinates(self) -> None:
        """Degrees from the lon/lat columns, else from one ``lng,lat`` column."""
        need = ~self.from_geometry
        if self.lon_text is not None and self.lat_text is not None:
            lo, lb = parse_degrees(self.lon_text)
            la, lab = parse_degrees(self.lat_text)
            self.lon = np.where(need, lo, self.lon)
            self.lat = np.where(need, la, self.lat)
            self.lon_bad |= need & lb
            self.lat_bad |= need & lab
        if "lnglat" not in self.cols:
            return
        header = self.cols["lnglat"]
        pair = self.data[header]
        use = need & np.isnan(self.lon) & np.isnan(self.lat) & ~self.lon_bad & ~self.lat_bad
        if not use.any():
            return
        lo_t, la_t, pair_bad = split_lnglat(pair)
        lo, lb = parse_degrees(lo_t)
        la, lab = parse_degrees(la_t)
        self.lon = np.where(use, lo, self.lon)
        self.lat = np.where(use, la, self.lat)
        self.lon_col[use] = self.lat_col[use] = "lnglat"
        self.pair_rows = use
        self.rej.add(
            use & pair_bad, "lnglat",
            lambda idx: [
                f"{header} '{t}' is not one 'longitude,latitude' pair (e.g. 120.6123,31.2956)"
                for t in cell_texts(pair, idx)
            ],
        )
        self.lon_bad |= use & lb
        self.lat_bad |= use & lab

    def _reject_unparsed(self) -> None:
        """Cells that hold text but not a coordinate; rows without coordinates."""
        cols, n = self.cols, self.n
        self.rej.add(self.lon_bad, self.lon_col, self._not_number(self.lon_col, self.lon_text))
        self.rej.add(self.lat_bad, self.lat_col, self._not_number(self.lat_col, self.lat_text))
        missing = np.isnan(self.lon) | np.isnan(self.lat)
        if not missing.any():
            return
        reason = _filled(n, "no coordinates")
        if self.raw.geometry is not None:
            reason[self.lon_col == "geometry"] = "no geometry: the feature has no point"
        if "address" in cols:
            has_addr = (text_column(self.data[cols["address"]]) != "").to_numpy()
            reason[missing & has_addr] = (
                "no coordinates (the address can be geocoded first: geo geocode)"
            )
        self.rej.add(missing & np.isnan(self.lon), self.lon_col, reason)
        self.rej.add(missing, self.lat_col, reason)

    def _source_text(self, idx: np.ndarray, text: pd.Series | None) -> list[str]:
        """The cells a row's coordinate came from (its ``lng,lat`` cell where it had one)."""
        out = cell_texts(text, idx) if text is not None else [""] * idx.size
        from_pair = self.pair_rows[idx]
        if from_pair.any():
            pair_text = cell_texts(self.data[self.cols["lnglat"]], idx[from_pair])
            for k, t in zip(np.flatnonzero(from_pair), pair_text, strict=True):
                out[k] = t
        return out

    def _not_number(
        self, col: np.ndarray, text: pd.Series | None
    ) -> Callable[[np.ndarray], list[str]]:
        """Messages for the rejected rows ``idx``, naming each one's header as written
        (``col`` holds the canonical column of each row: lon, lat, lnglat or geometry)."""
        cols = self.cols
        return lambda idx: [
            f"{cols.get(c, c) if c in ('lon', 'lat', 'lnglat') else c} '{t}' is not a "
            "coordinate in degrees (e.g. 120.6123 or 120°36′44″E)"
            for c, t in zip(col[idx], self._source_text(idx, text), strict=True)
        ]

    def _row_systems(self) -> None:
        """The coordinate system of each row: its own cell, else the header's, else ``crs``."""
        fallback = self.header_system or self.default_system
        system = _filled(self.n, fallback)
        #: the one system of every row when no cell says otherwise (skips per-row work)
        self.one_system: str | None = fallback
        if "coord_system" in self.cols:
            self.one_system = None
            written = text_column(self.data[self.cols["coord_system"]])
            codes, uniques = pd.factorize(written)
            canon = np.empty(len(uniques), dtype=object)
            errors: dict[int, str] = {}
            for i, u in enumerate(uniques):
                if not u:
                    canon[i] = fallback
                    continue
                try:
                    canon[i] = crsmod.normalize_coord_system(u)
                except SettingsError as exc:
                    canon[i] = None
                    errors[i] = str(exc)
            system = canon[codes]
            if errors:
                unknown = np.isin(codes, list(errors))
                self.rej.add(unknown, "coord_system",
                             np.array([errors.get(c, "") for c in codes], dtype=object))
        if not self.raw.geo_crs_is_lonlat:
            system = np.where(self.from_geometry, "wgs84", system)
            self.one_system = None
        self.system = system

    def _check_positions(self) -> None:
        """(0, 0), swapped latitude and longitude, out of range, GCJ-02/BD-09 outside China."""
        rej, lon, lat = self.rej, self.lon, self.lat
        lon_col, lat_col = self.lon_col, self.lat_col
        system = self.system
        faults = crsmod.position_faults(
            lon, lat, self.one_system if self.one_system is not None else system)
        zero = rej.ok & faults.zero
        rej.add(zero, lat_col, "point at (0, 0): an empty coordinate exported as zero")
        ok = rej.ok
        out_of_range = ok & faults.out_of_range
        swapped = (out_of_range & crsmod.in_china(lat, lon) & ~crsmod.in_china(lon, lat)
                   if out_of_range.any() else out_of_range)
        all_swapped = swapped.any() and swapped.sum() == ok.sum()
        advice = (
            " (every row is: are the two column headers exchanged?)"
            if all_swapped
            else "; exchange the two values"
        )
        rej.add(
            swapped, lat_col,
            lambda idx: [
                f"latitude and longitude look swapped: longitude {a}, latitude {b}{advice}"
                for a, b in zip(cell_texts(lon, idx), cell_texts(lat, idx), strict=True)
            ],
        )
        rej.add(
            out_of_range & (np.abs(lon) > 180), lon_col,
            lambda idx: [f"longitude {a} is outside -180..180" for a in cell_texts(lon, idx)],
        )
        rej.add(
            out_of_range & (np.abs(lat) > 90), lat_col,
            lambda idx: [f"latitude {a} is outside -90..90" for a in cell_texts(lat, idx)],
        )
        far = rej.ok & faults.outside_china
        if far.any():
            rej.add(
                far, "coord_system" if "coord_system" in self.cols else lon_col,
                lambda idx: [
                    f"({a}, {b}) is far outside China, but its coordinate system is {c}, which "
                    "is used only in China: check the coordinates or the coordinate system"
                    for a, b, c in zip(
                        cell_texts(lon, idx), cell_texts(lat, idx), system[idx], strict=True
                    )
                ],
            )

    def _check_geocoded(self) -> None:
        """``geo geocode`` output read back: rows whose geocoding is not (yet) trusted."""
        data, n = self.data, self.n
        if "geocode_status" not in data.columns:
            return
        status = text_column(data["geocode_status"]).to_numpy(dtype=object)
        level = (text_column(data["geocode_level"]).to_numpy(dtype=object)
                 if "geocode_level" in data.columns else _filled(n, ""))
        untrusted = ~np.isin(status, list(GEOCODE_TRUSTED))
        self.rej.add(
            untrusted, "geocode_status",
            lambda idx: [
                f"geocoding result not trusted ({s}{', ' + lv if lv else ''}): check the point "
                "and mark it manual (the app's 地址编码审核 page), or fix its coordinates"
                for s, lv in zip(status[idx], level[idx], strict=True)
            ],
        )

    def _ids(self, id_prefix: str) -> pd.Series:
        """Ids as written (a blank one named after its row), else generated; repeats rejected."""
        rows, n = self.rows, self.n
        if "id" in self.cols:
            ids = text_column(self.data[self.cols["id"]]).reset_index(drop=True)
            blank_id = (ids == "").to_numpy(dtype=bool)
            if blank_id.any():
                ids = ids.astype(object)
                ids[blank_id] = np.char.add("row", rows[blank_id].astype(str)).astype(object)
                self.warnings.append(
                    Rejected(
                        self.file, int(rows[np.flatnonzero(blank_id)[0]]), "id",
                        f"{int(blank_id.sum())} row(s) have no id; named after their row "
                        "(e.g. row7)",
                    )
                )
        else:
            width = max(3, len(str(n)))
            ids = id_prefix + pd.Series(np.arange(1, n + 1), dtype="int64").astype(str).str.zfill(
                width
            )
        ok = self.rej.ok
        ids_ok = ids.reset_index(drop=True) if ok.all() else ids[ok].reset_index(drop=True)
        dup_local = _repeats(ids_ok)
        if dup_local.any():
            ok_idx = np.flatnonzero(ok)
            first_row = (
                pd.Series(rows[ok_idx]).groupby(ids_ok.to_numpy()).transform("first").to_numpy()
            )
            dup = np.zeros(n, dtype=bool)
            dup[ok_idx[dup_local]] = True
            reason = _filled(n, "")
            reason[ok_idx[dup_local]] = [
                f"id '{i}' is already used in row {r}"
                for i, r in zip(ids_ok[dup_local], first_row[dup_local], strict=True)
            ]
            self.rej.add(dup, "id", reason)
        return ids

    def _weights(self) -> np.ndarray:
        """Demand weights: not a number, infinite, negative or above :data:`MAX_WEIGHT`
        rejected; blank counts as 1."""
        if "weight" not in self.cols:
            return np.ones(self.n)
        header = self.cols["weight"]
        wcol = self.data[header]
        wv, wbad = parse_weight(wcol)
        rej = self.rej
        rej.add(
            wbad, "weight",
            lambda idx: [f"{header} '{t}' is not a number" for t in cell_texts(wcol, idx)],
        )
        rej.add(
            rej.ok & np.isinf(wv), "weight",
            lambda idx: [f"{header} '{t}' is not a finite number" for t in cell_texts(wcol, idx)],
        )
        rej.add(
            rej.ok & (wv < 0), "weight",
            lambda idx: [f"{header} {t} is negative" for t in cell_texts(wv, idx)],
        )
        rej.add(
            rej.ok & (wv > MAX_WEIGHT), "weight",
            lambda idx: [f"{header} {_short_number(t)} is larger than {MAX_WEIGHT:,.0f} (a "
                         "weight counts people, riders or trips at the point)"
                         for t in cell_texts(wcol, idx)],
        )
        wblank = rej.ok & np.isnan(wv)
        if wblank.any():
            first = np.flatnonzero(wblank)
            self.warnings.append(
                Rejected(
                    self.file, int(self.rows[first[0]]), "weight",
                    f"{int(wblank.sum())} row(s) have a blank {header}; each "
                    f"counted as 1 (rows {row_list(self.rows[first])})",
                )
            )
        return np.where(np.isnan(wv), 1.0, wv)

    def _finish(self, ids: pd.Series, weight: np.ndarray | None) -> Table:
        """The usable rows, converted to WGS-84, with the file's other columns."""
        ok = self.rej.ok
        lon, lat, system, n = self.lon, self.lat, self.system, self.n
        all_ok = bool(ok.all())
        if not n:
            systems = np.array(["wgs84"], dtype=object)
        elif self.one_system is not None:
            systems = np.array([self.one_system], dtype=object)
        else:
            systems = pd.unique(system[ok])
        if all_ok and systems.size == 1:  # the common case: one system for the whole file
            wlon, wlat = crsmod.to_wgs84(lon, lat, str(systems[0]))
        else:
            wlon, wlat = crsmod.to_wgs84(
                np.where(ok, lon, 0.0), np.where(ok, lat, 0.0), np.where(ok, system, "wgs84")
            )
        if n and self.one_system is not None:  # as pd.Categorical(system), without a pass
            like = pd.Categorical(np.array([self.one_system], dtype=object))
            categories = pd.Categorical.from_codes(np.zeros(n, dtype=like.codes.dtype),
                                                   dtype=like.dtype)
        else:
            categories = pd.Categorical(system)
        out = _output_frame(
            self.data, self.cols, ids, self.rows, categories, self.kind, weight,
            self.file, self.warnings, ok,
        )
        # the file's own points when they are the answer already (a GeoParquet of WGS-84
        # points): the same geometries, without making a million new ones
        same = self._points_as_read() and systems.size == 1 and str(systems[0]) == "wgs84"
        if all_ok:
            geometry = self.raw.geometry if same else shapely.points(wlon, wlat)
        else:
            keep = np.flatnonzero(ok)
            out = out.iloc[keep].reset_index(drop=True)
            geometry = (self.raw.geometry[keep] if same
                        else shapely.points(wlon[keep], wlat[keep]))
        frame = gpd.GeoDataFrame(out, geometry=geometry, crs=4326)
        return Table(frame, self.file, self.rej.to_list(), self.warnings)


    def _points_as_read(self) -> bool:
        """Every row's coordinates are its feature's own 2-D point (so that point is the
        row's geometry as it is)."""
        geoms = self.raw.geometry
        return bool(
            geoms is not None and self.n and self.from_geometry.all() and not self.shapes
            and not shapely.has_z(geoms).any()
        )


def _short_number(text: str) -> str:
    """A number as a cell shows it, shortened when it runs to dozens of digits (``1e+308``)."""
    if len(text) <= 20:
        return text
    try:
        return f"{float(text):.6g}"
    except ValueError:
        return text[:19] + "…"


def _repeats(ids: pd.Series) -> np.ndarray:
    """``ids.duplicated(keep="first")``, sooner for short ids (a demand table's ``D123456``):
    each id of at most 7 bytes packed with its length into one 64-bit integer, so that equal
    integers mean equal ids and one integer hash pass finds the repeats."""
    keys = _short_text_keys(ids)
    if keys is not None:
        return pd.Series(keys).duplicated(keep="first").to_numpy()
    return ids.duplicated(keep="first").to_numpy()


def _short_text_keys(ids: pd.Series) -> np.ndarray | None:
    """:func:`geo.io.plain.short_text_keys` of an Arrow text column, else ``None``."""
    array = ids.array
    if not isinstance(array, pd.arrays.ArrowStringArray) or ids.isna().any():
        return None
    return short_text_keys(array._pa_array)


def _filled(n: int, value: object) -> np.ndarray:
    """An object array of ``n`` references to ``value`` (``np.full`` would make ``n`` string
    copies, slow for a million rows)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _aliases(column: str) -> str:
    return "/".join(schema.COLUMN_ALIASES[column][:4])


def _output_frame(
    data: pd.DataFrame,
    cols: dict[str, str],
    ids: pd.Series,
    rows: np.ndarray,
    system: pd.Categorical,
    kind: str,
    weight: np.ndarray | None,
    file: str,
    warnings: list[Rejected],
    ok: np.ndarray,
) -> pd.DataFrame:
    out: dict[str, object] = {"id": ids.array}
    consumed = {cols[c] for c in ("id", "lon", "lat", "lnglat", "coord_system") if c in cols}
    if kind == "stations":
        text = {
            c: (text_column(data[cols[c]]) if c in cols else pd.Series([""] * len(data)))
            for c in ("name", "category", "level", "address", "amenities", "hours")
        }
        out["name"] = text["name"].to_numpy()
        out["category"] = text["category"].to_numpy()
        out["kind"] = schema.category_kinds(text["category"])
        out["level"] = schema.level_keys(text["level"])
        out["address"] = text["address"].to_numpy()
        out["amenities"] = schema.normalize_amenities(text["amenities"])
        out["amenities_text"] = text["amenities"].to_numpy()
        out["hours"] = text["hours"].to_numpy()
        # rows rejected anyway need no remark on their hours
        _check_hours(text["hours"][ok], rows[ok], file, warnings)
        consumed |= {cols[c] for c in text if c in cols}
    else:
        for c in ("name", "address"):
            if c in cols:
                out[c] = text_column(data[cols[c]]).array
                consumed.add(cols[c])
        out["weight"] = weight
        if "weight" in cols:
            consumed.add(cols["weight"])
    out["coord_system"] = system
    out["row"] = rows
    frame = pd.DataFrame(out)
    for c in data.columns:
        if c not in consumed and c not in frame.columns:
            frame[c] = data[c].to_numpy()
    if kind == "stations" and "weight" in cols and "weight" not in frame:
        frame["weight"] = data[cols["weight"]].to_numpy()
    return frame


def _check_hours(hours: pd.Series, rows: np.ndarray, file: str, warnings: list[Rejected]) -> None:
    codes, uniques = pd.factorize(hours)
    bad_codes = []
    for i, value in enumerate(uniques):
        try:
            schema.parse_hours(value)
        except schema.HoursError as exc:
            bad_codes.append((i, str(exc)))
    for code, message in bad_codes:
        for r in rows[codes == code]:
            warnings.append(
                Rejected(file, int(r), "hours",
                         f"{message}; the station is not counted as open with --at")
            )
