"""The inputs of one analysis, read once and typed: stations, demand, area, 网格, rejected rows.

Every analysis (:func:`geo.analyze`, :func:`geo.site`, scenario sweeps, the
out-of-core Parquet path) starts with :func:`load_inputs`: paths are read with the
typed readers of :mod:`geo.io`, frames a user passes in are taken as they are
(their ``attrs`` — the form :func:`geo.read_stations` returns — give their rejected
rows), several station tables are combined, and everything that could not be used
is gathered in one :class:`Inputs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from os import PathLike
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import io
from geo.errors import InputError, Rejected
from geo.io.table import Table

__all__ = [
    "Inputs",
    "PathOrFrame",
    "as_list",
    "combine_stations",
    "load_inputs",
    "read_area_input",
    "read_demand_input",
    "read_grids_input",
    "read_station_inputs",
]

#: A table given by path, or already in memory.
PathOrFrame = str | PathLike[str] | pd.DataFrame


@dataclass(eq=False)
class Inputs:
    """What one analysis reads: every table in WGS-84, and what could not be used.

    Attributes
    ----------
    stations
        All station tables combined (``source_file`` names each row's file when there
        are several); not yet filtered.
    demand
        Weighted demand points, or ``None`` (a grid of cells over the area is used).
    area
        The study area, or ``None``.
    grids
        The governance grids (网格) with names, or ``None``.
    rejected
        Rows that could not be used, from every table, in the order stations,
        demand, area, 网格.
    warnings
        Rows used with a caveat, in the same order.
    sources
        The file each input came from, as the user named it (``stations`` lists
        several files with ``, ``).
    """

    stations: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame | None = None
    area: gpd.GeoDataFrame | None = None
    grids: gpd.GeoDataFrame | None = None
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    def source(self, kind: str) -> str:
        """The file name of an input for messages (``kind`` when unknown).

        Parameters
        ----------
        kind
            ``stations``, ``demand``, ``area`` or ``grids``.

        Returns
        -------
        str
        """
        return self.sources.get(kind, kind)

    def station_files(self) -> np.ndarray:
        """The file of each station row, as the user named it.

        Returns
        -------
        numpy.ndarray of object
        """
        st = self.stations
        if "source_file" in st:
            return st["source_file"].astype(str).to_numpy()
        return np.full(len(st), self.source("stations"), dtype=object)

    def station_rows(self) -> np.ndarray:
        """The row (as a spreadsheet shows it) of each station in its file.

        Returns
        -------
        numpy.ndarray of int
        """
        st = self.stations
        if "row" in st:
            return st["row"].to_numpy(dtype="int64")
        return np.arange(len(st), dtype="int64") + 2

    def with_stations(self, stations: gpd.GeoDataFrame) -> Inputs:
        """The same inputs with another station table (e.g. with what-if stations added).

        Parameters
        ----------
        stations
            The new station table (WGS-84).

        Returns
        -------
        Inputs
        """
        return replace(self, stations=stations)

    def with_area(self, area: gpd.GeoDataFrame) -> Inputs:
        """The same inputs with another study area (e.g. the stations' extent).

        Parameters
        ----------
        area
            Polygons in WGS-84.

        Returns
        -------
        Inputs
        """
        return replace(self, area=area)


def as_list(obj: PathOrFrame | Sequence[PathOrFrame]) -> list[PathOrFrame]:
    """One table or several, as a list.

    Parameters
    ----------
    obj
        A path, a frame, or a sequence of them.

    Returns
    -------
    list
    """
    if isinstance(obj, pd.DataFrame | str | PathLike):
        return [obj]
    return list(obj)


def _as_table(obj: PathOrFrame, read: Any, default_source: str, **kwargs: Any) -> Table:
    """A GeoDataFrame taken as it is (e.g. from :func:`geo.read_stations`); a path or a
    plain table with coordinate columns read with ``read``."""
    if isinstance(obj, gpd.GeoDataFrame):
        return Table.of(obj, default_source)
    return read(obj, **kwargs)


def read_station_inputs(
    stations: PathOrFrame | Sequence[PathOrFrame], *, crs: str = "wgs84",
    sheet: str | int | None = None, empty: str = "refuse",
) -> list[Table]:
    """Read each station table (a frame from :func:`geo.read_stations` is taken as it is).

    A station *file* with a header but no rows (an export that went wrong, the wrong
    file) is said so: with a warning when other station files have rows, else refused
    (``empty="refuse"``: a coverage of 0 would look like an answer) or with a warning
    (``empty="warn"``: siting may start from no station at all). Rows that are all
    rejected are not "no rows": they are listed as rejected.

    Parameters
    ----------
    stations
        One or several paths or frames.
    crs, sheet
        For tables given as paths (or plain DataFrames).
    empty
        ``refuse`` or ``warn``, see above.

    Returns
    -------
    list of Table

    Raises
    ------
    InputError
        When every station file has no rows and ``empty`` is ``refuse``.
    """
    items = as_list(stations)
    tables = [
        _as_table(item, io.station_table, "stations", crs=crs, sheet=sheet) for item in items
    ]
    files = [isinstance(item, str | PathLike) for item in items]
    no_rows = [f and len(t.frame) == 0 and not t.rejected
               for f, t in zip(files, tables, strict=True)]
    if not any(no_rows):
        return tables
    if all(no_rows) and empty == "refuse":
        raise InputError(
            "no stations: the file has no rows below its header (an empty export, or the "
            "wrong file?): give the station table with its rows",
            file=", ".join(t.source for t in tables))
    reason = ("no stations: the file has no rows below its header, so nothing is read "
              "from it" + ("" if not all(no_rows) else "; the analysis starts from no "
                           "existing station"))
    for table, empty_file in zip(tables, no_rows, strict=True):
        if empty_file:
            table.warnings.append(Rejected(table.source, 1, "id", reason))
    return tables


def read_demand_input(
    demand: PathOrFrame, *, crs: str = "wgs84", sheet: str | int | None = None
) -> Table:
    """Read the demand table (a frame from :func:`geo.read_demand` is taken as it is).

    Parameters
    ----------
    demand
        A path or frame.
    crs, sheet
        For a table given as a path.

    Returns
    -------
    Table

    Raises
    ------
    InputError
        For a demand file with a header but no rows.
    """
    table = _as_table(demand, io.demand_table, "demand", crs=crs, sheet=sheet)
    if isinstance(demand, str | PathLike) and len(table.frame) == 0 and not table.rejected:
        raise InputError("no demand: the file has no rows below its header (an empty export, "
                         "or the wrong file?): give the demand table with its rows, or leave "
                         "out --demand to measure the area", file=table.source)
    return table


def read_area_input(
    area: PathOrFrame | shapely.Geometry, *, crs: str = "wgs84"
) -> Table:
    """Read the study area: a path, a GeoDataFrame or a shapely geometry (WGS-84).

    Parameters
    ----------
    area
        The area.
    crs
        For a file whose features are in degrees.

    Returns
    -------
    Table
    """
    if isinstance(area, shapely.Geometry):
        return Table(gpd.GeoDataFrame({"name": ["area"]}, geometry=[area], crs=4326), "area")
    if isinstance(area, gpd.GeoDataFrame):
        frame = area.to_crs(4326) if area.crs is not None else area.set_crs(4326)
        return Table.of(frame, "area")
    return io.area_table(area, crs=crs)


def read_grids_input(grids: PathOrFrame, *, crs: str = "wgs84") -> Table:
    """Read the governance grids (a frame from :func:`geo.read_grids` is taken as it is).

    Parameters
    ----------
    grids
        A path or frame.
    crs
        For a file whose features are in degrees.

    Returns
    -------
    Table
    """
    if isinstance(grids, gpd.GeoDataFrame):
        return Table.of(grids, "grids")
    return io.grids_table(grids, crs=crs)


def combine_stations(tables: Iterable[Table]) -> Table:
    """Several station tables as one; an id used again in a later table is rejected there.

    Parameters
    ----------
    tables
        Station tables (stations, charging piles …).

    Returns
    -------
    Table
        One table (a single table is returned as it is); with several, a
        ``source_file`` column names each row's file, and the rejected rows and
        warnings of every table are kept, in order.

    Raises
    ------
    InputError
        If no table is given.
    """
    tables = list(tables)
    if not tables:
        raise InputError("no station file given")
    if len(tables) == 1:
        return tables[0]
    rejected: list[Rejected] = []
    warnings: list[Rejected] = []
    seen: dict[str, str] = {}
    kept = []
    for table in tables:
        frame, src = table.frame, table.source
        rejected += table.rejected
        warnings += table.warnings
        ids = frame["id"].astype(str)
        dup = ids.isin(seen.keys()).to_numpy()
        for row, sid in zip(frame.loc[dup, "row"], ids[dup], strict=True):
            rejected.append(
                Rejected(src, int(row), "id", f"id '{sid}' is already used in {seen[sid]}")
            )
        seen.update(dict.fromkeys(ids[~dup], src))
        part = frame.loc[~dup].copy()
        part["source_file"] = src
        kept.append(part)
    combined = gpd.GeoDataFrame(pd.concat(kept, ignore_index=True), crs=4326)
    return Table(combined, ", ".join(t.source for t in tables), rejected, warnings)


def load_inputs(
    stations: PathOrFrame | Sequence[PathOrFrame],
    *,
    demand: PathOrFrame | None = None,
    area: PathOrFrame | shapely.Geometry | None = None,
    grids: PathOrFrame | None = None,
    crs: str = "wgs84",
    sheet: str | int | None = None,
    empty_stations: str = "refuse",
) -> Inputs:
    """Read every input of an analysis once.

    Parameters
    ----------
    stations
        One or several station tables (paths or frames), combined.
    demand, area, grids
        The other inputs (paths or frames), or ``None``.
    crs
        Coordinate system of tables given as paths, unless a row says otherwise.
    sheet
        XLSX sheet of tables given as paths.
    empty_stations
        ``refuse`` (default) or ``warn`` when every station file has a header but no
        rows (:func:`read_station_inputs`).

    Returns
    -------
    Inputs

    Raises
    ------
    InputError
        For a file that cannot be used at all.
    """
    st = combine_stations(read_station_inputs(stations, crs=crs, sheet=sheet,
                                              empty=empty_stations))
    parts: dict[str, Table | None] = {
        "stations": st,
        "demand": read_demand_input(demand, crs=crs, sheet=sheet) if demand is not None else None,
        "area": read_area_input(area, crs=crs) if area is not None else None,
        "grids": read_grids_input(grids, crs=crs) if grids is not None else None,
    }
    rejected: list[Rejected] = []
    warnings: list[Rejected] = []
    for table in parts.values():
        if table is not None:
            rejected += table.rejected
            warnings += table.warnings
    frames = {k: (t.frame if t is not None else None) for k, t in parts.items()}
    return Inputs(
        stations=st.frame,
        demand=frames["demand"],
        area=frames["area"],
        grids=frames["grids"],
        rejected=rejected,
        warnings=warnings,
        sources={k: t.source for k, t in parts.items() if t is not None},
    )
