"""Reading the tables planners keep, and writing results.

Station, charging-pile, candidate and demand tables come as CSV (UTF-8, UTF-8 with
BOM, GBK/GB18030 as Excel in China saves them; detected, never asked for), XLSX,
GeoJSON, GeoPackage or GeoParquet; study areas and governance grids (网格) are
polygon files. Everything returned is in WGS-84.

The modules, in the order a file passes through them:

* :mod:`geo.io.raw` — a file as it is (:class:`RawTable`): encoding, delimiter,
  title rows, sheets, row numbers as the user sees them;
* :mod:`geo.io.cells` — single cells: blanks, degrees, ``lng,lat`` pairs, weights;
* :mod:`geo.io.points` — stations and demand, validated row by row;
* :mod:`geo.io.polygons` — the study area and the 网格;
* :mod:`geo.io.write` — CSV/XLSX/geodata outputs.

A row that cannot be used is never dropped in silence: the typed readers
(:func:`station_table`, :func:`demand_table`, :func:`area_table`,
:func:`grids_table`) return it in :attr:`Table.rejected` as
:class:`geo.errors.Rejected`; the public ``read_*`` functions return the frame
with the same lists in ``attrs`` (its documented form). The rest is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.lazy import lazy_names

if TYPE_CHECKING:
    from geo.io.cells import parse_degrees, split_lnglat
    from geo.io.points import (
        GEOCODE_TRUSTED,
        demand_table,
        match_point_columns,
        read_demand,
        read_stations,
        station_table,
    )
    from geo.io.polygons import area_table, grids_table, read_area, read_grids
    from geo.io.raw import (
        CSV_SUFFIXES,
        EXCEL_SUFFIXES,
        GEO_SUFFIXES,
        PathArg,
        RawTable,
        detect_encoding,
        raw_table,
        read_raw,
    )
    from geo.io.table import Table
    from geo.io.write import write_csv, write_table

__all__ = [
    "CSV_SUFFIXES",
    "EXCEL_SUFFIXES",
    "GEOCODE_TRUSTED",
    "GEO_SUFFIXES",
    "PathArg",
    "RawTable",
    "Table",
    "area_table",
    "demand_table",
    "detect_encoding",
    "grids_table",
    "match_point_columns",
    "parse_degrees",
    "raw_table",
    "read_area",
    "read_demand",
    "read_grids",
    "read_raw",
    "read_stations",
    "split_lnglat",
    "station_table",
    "write_csv",
    "write_table",
]

# The names are imported on first use (PEP 562): a plain check reads its tables with
# geo.lean, without the pandas and geopandas these modules load.
_LAZY: dict[str, str] = {
    "CSV_SUFFIXES": "geo.io.raw",
    "EXCEL_SUFFIXES": "geo.io.raw",
    "GEOCODE_TRUSTED": "geo.io.points",
    "GEO_SUFFIXES": "geo.io.raw",
    "PathArg": "geo.io.raw",
    "RawTable": "geo.io.raw",
    "Table": "geo.io.table",
    "area_table": "geo.io.polygons",
    "demand_table": "geo.io.points",
    "detect_encoding": "geo.io.raw",
    "grids_table": "geo.io.polygons",
    "match_point_columns": "geo.io.points",
    "parse_degrees": "geo.io.cells",
    "raw_table": "geo.io.raw",
    "read_area": "geo.io.polygons",
    "read_demand": "geo.io.points",
    "read_grids": "geo.io.polygons",
    "read_raw": "geo.io.raw",
    "read_stations": "geo.io.points",
    "split_lnglat": "geo.io.cells",
    "station_table": "geo.io.points",
    "write_csv": "geo.io.write",
    "write_table": "geo.io.write",
}

__getattr__ = lazy_names(__name__, _LAZY, globals())
