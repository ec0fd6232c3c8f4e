"""Writing result tables: CSV (UTF-8 with BOM, so that Excel shows Chinese), XLSX, geodata."""

from __future__ import annotations

import codecs
import csv
import errno
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import InputError
from geo.io.raw import EXCEL_SUFFIXES, GEO_SUFFIXES, PathArg, is_lonlat_crs
from geo.io.sheets import Sheet, neutralise, neutralise_arrow, xlsx_bytes
from geo.paths import atomic_file, free_space

__all__ = ["write_csv", "write_table"]


def write_csv(table: pd.DataFrame, path: PathArg, *, sep: str = ",") -> None:
    """Write a CSV file in UTF-8 with a BOM (so that Excel shows Chinese), no index.

    Written by pyarrow's multithreaded CSV writer when no cell needs quoting
    (the common case: several times faster than pandas for a million rows);
    otherwise, and for column types pyarrow cannot write, by pandas. Missing
    values are empty cells either way. A text cell that would start a formula in a
    spreadsheet (``=``, ``+``, ``-``, ``@``, tab, CR) is written with a leading ``'``
    (:func:`geo.io.sheets.neutralise`); the readers drop it again.

    Parameters
    ----------
    table
        The table.
    path
        Output file.
    sep
        Field separator.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        arrow = neutralise_arrow(pa.Table.from_pandas(table, preserve_index=False))
        # Columns of mixed objects, text with separators or quotes: leave them to pandas.
        options = pacsv.WriteOptions(
            include_header=False, delimiter=sep, quoting_style="none"
        )
        header = io.StringIO()
        csv.writer(header, delimiter=sep, lineterminator="\n").writerow(
            [str(c) for c in table.columns]
        )
        with open(path, "wb") as fh:
            fh.write(codecs.BOM_UTF8 + header.getvalue().encode("utf-8"))
            _write_rows(arrow, fh, options)
        return
    except (pa.ArrowException, TypeError, ValueError):
        pass
    neutralise(table).to_csv(path, index=False, sep=sep, encoding="utf-8-sig")



#: Rows from which the CSV writer formats slices of the table on several threads.
PARALLEL_ROWS = 200_000


def _write_rows(arrow: Any, fh: BinaryIO, options: Any) -> None:
    """The rows of a ``pyarrow.Table`` as CSV into ``fh``: a large table's slices formatted
    on several threads (pyarrow formats without the GIL), written in order, the same
    bytes as one call of ``pyarrow.csv.write_csv``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n, threads = arrow.num_rows, min(os.cpu_count() or 1, 4)
    if n < PARALLEL_ROWS or threads < 2:
        pacsv.write_csv(arrow, fh, options)
        return
    bounds = np.linspace(0, n, threads + 1).astype(np.int64)

    def part(i: int) -> Any:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(arrow.slice(bounds[i], bounds[i + 1] - bounds[i]), sink, options)
        return sink.getvalue()

    with ThreadPoolExecutor(threads) as pool:
        for buf in pool.map(part, range(threads)):
            fh.write(buf)


def _flat(table: pd.DataFrame) -> pd.DataFrame:
    """A table for CSV/XLSX: point geometries become ``lon``/``lat`` (WGS-84), others WKT."""
    if not isinstance(table, gpd.GeoDataFrame):
        return pd.DataFrame(table)
    geom = table.geometry
    if geom.crs is not None and not is_lonlat_crs(geom.crs):
        geom = geom.to_crs(4326)
    out = pd.DataFrame(table.drop(columns=table.geometry.name))
    shapes = geom.to_numpy()
    types = shapely.get_type_id(shapes)
    if np.isin(types, [-1, 0]).all() and "lon" not in out and "lat" not in out:
        out["lon"] = shapely.get_x(shapes)
        out["lat"] = shapely.get_y(shapes)
    else:
        out[table.geometry.name] = shapely.to_wkt(shapes)
    return out


def write_table(table: pd.DataFrame, path: PathArg, *, sheet: str = "数据 data") -> None:
    """Write a table by its extension: CSV (UTF-8 with BOM, so Excel shows Chinese), XLSX,
    GeoJSON, GeoPackage or GeoParquet (points from ``lon``/``lat`` when not geodata); a
    table without places (no geometry, no ``lon``/``lat``) as CSV, XLSX or plain Parquet.

    A GeoDataFrame of points written as CSV or XLSX gets ``lon``/``lat`` columns
    (WGS-84) in place of its geometry, so :func:`read_stations` reads it back;
    other geometries are written as WKT text.

    Parameters
    ----------
    table
        The table; ``lon``/``lat`` in WGS-84 for geodata outputs.
    path
        Output file.
    sheet
        The sheet's name in an XLSX file.

    Raises
    ------
    InputError
        For an unknown extension, a folder that does not exist, or a table without
        places asked for as GeoJSON or GeoPackage.

    Notes
    -----
    Text never becomes a formula: CSV cells that would start one get a leading ``'``,
    XLSX cells are stored as text (:mod:`geo.io.sheets`).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.parent.exists():
        raise InputError("cannot write: the folder does not exist", file=str(path))
    if suffix not in (".csv", ".txt", ".tsv", *EXCEL_SUFFIXES, *GEO_SUFFIXES) or suffix == ".shp":
        raise InputError(
            f"cannot write '{suffix or '(none)'}' files: use .csv, .xlsx, .geojson, .gpkg "
            "or .parquet",
            file=str(path),
        )
    if not _has_places(table) and suffix in GEO_SUFFIXES and suffix not in (".parquet",
                                                                             ".geoparquet"):
        raise InputError(
            f"this table has no places (no lon/lat columns) to write as '{suffix}': use "
            ".csv, .xlsx or .parquet", file=str(path))
    try:
        with atomic_file(p) as tmp:  # a failure leaves nothing half-written under p
            _write(table, tmp, suffix, sheet, layer=p.stem)
    except _write_errors() as exc:
        raise InputError(_cannot_write(exc, p), file=str(path)) from None


def _has_places(table: pd.DataFrame) -> bool:
    """Whether a table locates its rows: geodata, or ``lon``/``lat`` columns."""
    return isinstance(table, gpd.GeoDataFrame) or {"lon", "lat"} <= set(map(str, table.columns))


def _write_errors() -> tuple[type[BaseException], ...]:
    """What a failed write raises: ``OSError`` and GDAL's errors (pyogrio is imported when
    one is caught, not by every command that might write a table)."""
    from pyogrio.errors import DataLayerError, DataSourceError

    return (OSError, DataLayerError, DataSourceError)


def _write(table: pd.DataFrame, p: Path, suffix: str, sheet: str, layer: str) -> None:
    if suffix in (".csv", ".txt", ".tsv"):
        write_csv(_flat(table), p, sep="\t" if suffix == ".tsv" else ",")
    elif suffix in EXCEL_SUFFIXES:
        p.write_bytes(xlsx_bytes([Sheet(sheet, _flat(table))]))
    elif not _has_places(table):
        pd.DataFrame(table).to_parquet(p, index=False)  # a plain table: Parquet without places
    else:
        gdf = (
            table
            if isinstance(table, gpd.GeoDataFrame)
            else gpd.GeoDataFrame(
                table,
                geometry=shapely.points(
                    table["lon"].to_numpy(dtype=float), table["lat"].to_numpy(dtype=float)
                ),
                crs=4326,
            )
        )
        if suffix in (".parquet", ".geoparquet"):
            gdf.to_parquet(p, index=False)
        else:
            driver = {".gpkg": "GPKG", ".fgb": "FlatGeobuf"}.get(suffix, "GeoJSON")
            gdf.to_file(p, driver=driver, layer=layer)  # named as the file, not the temporary


def _cannot_write(exc: BaseException, path: Path) -> str:
    """Why a file could not be written, in the user's words (GDAL's own are vague)."""
    from geo.budget import format_bytes

    cause = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if (getattr(exc, "errno", None) == errno.ENOSPC
            or any(w in cause for w in ("disk is full", "No space left", "errno 28"))):
        cause = "No space left on device"
    elif not isinstance(exc, OSError):  # GDAL says "Cannot write feature", "I/O failure"
        cause = re.sub(rf"\.{re.escape(path.name)}\.tmp-[0-9a-f]{{8}}{re.escape(path.suffix)}",
                       path.name, cause)  # the temporary name means nothing to the user
        free = free_space(path.parent)
        if not os.access(path.parent, os.W_OK):
            cause = f"the folder is read-only ({cause})"
        elif free is not None and free < 2**20:
            cause = f"No space left on device ({format_bytes(free)} free; {cause})"
    return f"cannot write: {cause}; nothing was left under this name"
