"""Inputs and outputs of the planner app, without Streamlit.

The app (``app.py``) only draws widgets; what it reads and what it offers for
download is made here, so it can be tested and reused:

* :func:`read_input` and :func:`read_upload` read a station, demand, area or
  grid file with the same readers (and so the same errors and rejected rows)
  as ``geo check``. An upload is written to a temporary file with its
  original name and suffix; messages and rejected rows name the file as the
  user knows it, never the temporary path.
* :func:`issues_table` lists rejected rows and warnings (file, row, column, reason).
* :func:`downloads` builds the files offered for download, each made only
  when asked for; the summary JSON is byte for byte what ``geo check --json``
  prints for the same inputs and parameters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import demo as demomod
from geo.errors import InputError, Rejected
from geo.result import CoverageResult

__all__ = [
    "DEMO_FILES",
    "HELSINKI_FILES",
    "INPUT_KINDS",
    "NETWORK_TYPES",
    "UPLOAD_TYPES",
    "XLSX_MIME",
    "Download",
    "demo_addresses",
    "demo_dir",
    "downloads",
    "error_reference",
    "gap_report",
    "geocode_upload",
    "issues_table",
    "password_matches",
    "read_demo",
    "read_input",
    "read_upload",
    "redacted_traceback",
    "save_network_upload",
    "station_report",
    "summary_json",
    "table_bytes",
    "whatif_csv",
]

#: The inputs of an analysis.
INPUT_KINDS: tuple[str, ...] = ("stations", "demand", "area", "grids")
#: File suffixes the app accepts for upload (what :func:`geo.io.read_raw` reads from one file).
UPLOAD_TYPES: tuple[str, ...] = (
    "csv", "txt", "tsv", "xlsx", "xlsm", "geojson", "json", "gpkg", "fgb", "parquet",
    "geoparquet",
)
#: The bundled illustrative demo: input → file names in ``data/canglang/`` (:mod:`geo.demo`).
DEMO_FILES: dict[str, tuple[str, ...]] = demomod.FILES["canglang"]
#: The street-network demo: input → file names in ``data/helsinki/``; it has no 网格.
HELSINKI_FILES: dict[str, tuple[str, ...]] = demomod.FILES["helsinki"]
NETWORK_TYPES: tuple[str, ...] = ("pbf", "osm", "xml", "graphml")


def demo_dir() -> Path:
    """The folder of the bundled demo data (``data/canglang`` of the repository).

    Returns
    -------
    pathlib.Path
    """
    return demomod.folder("canglang")


def read_input(
    kind: str,
    path: str | PathLike[str],
    *,
    crs: str = "wgs84",
    label: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one input file as ``geo check`` would.

    Parameters
    ----------
    kind
        ``stations``, ``demand``, ``area`` or ``grids``.
    path
        The file.
    crs
        Coordinate system of the file where its rows do not say (``wgs84``,
        ``gcj02``, ``bd09``).
    label
        The name to use for the file in messages, rejected rows and JSON
        (default: ``path`` as given).

    Returns
    -------
    geopandas.GeoDataFrame
        In WGS-84; ``attrs`` hold ``source`` (the label), ``rejected`` and ``warnings``.

    Raises
    ------
    InputError
        If the file cannot be used at all; the message names ``label``.
    """
    from geo import io

    readers: dict[str, Callable[..., gpd.GeoDataFrame]] = {
        "stations": io.read_stations,
        "demand": io.read_demand,
        "area": io.read_area,
        "grids": io.read_grids,
    }
    if kind not in readers:
        raise ValueError(f"unknown input kind {kind!r}: use one of {', '.join(INPUT_KINDS)}")
    real = str(path)
    name = real if label is None else str(label)
    try:
        gdf = readers[kind](path, crs=crs)
    except InputError as exc:
        if name == real:
            raise
        raise InputError(
            exc.reason.replace(real, name),
            file=name if exc.file in (None, real) else exc.file.replace(real, name),
            row=exc.row,
            column=exc.column,
        ) from None
    if name != real:
        _relabel(gdf, real, name)
    return gdf


@contextmanager
def _upload_file(name: str, data: bytes) -> Iterator[tuple[Path, str]]:
    """The uploaded bytes as a temporary file under the file's own base name (its suffix
    tells the format): yields the path and that name; removed afterwards."""
    base = Path(str(name).replace("\\", "/")).name or "upload"
    with tempfile.TemporaryDirectory(prefix="geo-upload-") as tmp:
        # saved as "upload" + its type, whatever its name's length or characters; the
        # user's name is what messages and tables show
        path = Path(tmp) / f"upload{_safe_suffix(base)}"
        path.write_bytes(data)
        yield path, base


_SUFFIX = re.compile(r"(?:\.[A-Za-z0-9]{1,12}){1,2}$")


def _safe_suffix(name: str) -> str:
    """The file type of ``name`` (``.csv``, ``.osm.pbf``), lower case; ``""`` if it has none
    made of letters and digits."""
    found = _SUFFIX.search(name)
    return found.group(0).lower() if found else ""


def read_upload(kind: str, name: str, data: bytes, *, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """Read an uploaded file from its bytes.

    The bytes are written to a temporary folder under the file's own name (so
    its suffix tells the format) and read with :func:`read_input`.

    Parameters
    ----------
    kind
        ``stations``, ``demand``, ``area`` or ``grids``.
    name
        The file name as uploaded, e.g. ``站点.xlsx``.
    data
        The file's bytes.
    crs
        Coordinate system where the file's rows do not say.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`read_input`, the file named ``name`` everywhere.

    Raises
    ------
    InputError
        If the file cannot be used at all; the message names ``name``.
    """
    with _upload_file(name, data) as (path, base):
        return read_input(kind, path, crs=crs, label=base)


def geocode_upload(name: str, data: bytes, **kwargs: Any) -> pd.DataFrame:
    """Geocode an uploaded address table (bytes), the file named ``name`` in messages.

    Parameters
    ----------
    name
        The uploaded file's name (its suffix decides the reader).
    data
        The file's bytes.
    **kwargs
        Passed to :func:`geo.geocode.geocode_table` (provider, city, key, progress ...).

    Returns
    -------
    pandas.DataFrame
        As :func:`geo.geocode.geocode_table`, ``attrs["source"]`` = ``name``.
    """
    from geo.geocode import geocode_table

    with _upload_file(name, data) as (path, base):
        try:
            table = geocode_table(path, **kwargs)
        except InputError as exc:
            file = base if exc.file in (None, str(path)) else exc.file
            raise InputError(exc.reason, file=file, row=exc.row, column=exc.column) from None
    table.attrs["source"] = base
    return table


def demo_addresses() -> Path:
    """The demo's address list (``data/canglang/stations_addresses.xlsx``; invented)."""
    return demo_dir() / "stations_addresses.xlsx"


def read_demo(
    kind: str, folder: str | PathLike[str] | None = None, *, demo: str = "canglang"
) -> list[gpd.GeoDataFrame]:
    """Read the bundled demo files of one input.

    Parameters
    ----------
    kind
        ``stations`` (two files: stations and charging piles), ``demand``,
        ``area`` or ``grids``.
    folder
        Where the demo files are (default :func:`demo_dir`, ``data/helsinki``, or the
        generated city's cache folder).
    demo
        ``canglang`` (Suzhou, straight-line demo), ``helsinki`` (street-network demo) or
        ``city`` (the generated city-scale demo at :data:`geo.demo_city.APP_SCALE`, made in
        the cache on first use: about 1 s; its network is :func:`geo.demo.network`).

    Returns
    -------
    list of geopandas.GeoDataFrame
        One frame per file, named ``data/<demo>/<file>`` (``demo-city/<file>`` for the
        city; empty for Helsinki's 网格).
    """
    name = demo if demo in ("helsinki", "city") else "canglang"
    where = Path(folder) if folder is not None else demomod.folder(name)
    label = demomod.label_dir(name)
    return [
        read_input(kind, where / f, crs="wgs84", label=f"{label}/{f}")
        for f in demomod.FILES[name][kind]
    ]


def save_network_upload(name: str, data: bytes, folder: str | PathLike[str]) -> Path:
    """Keep an uploaded street network (OSM PBF/XML, GraphML) as a file named by its content.

    Parameters
    ----------
    name
        The uploaded file's name (its suffix decides the reader).
    data
        The bytes.
    folder
        Where to keep it (the same content is written once).

    Returns
    -------
    pathlib.Path
        The file, for ``geo.analyze(..., network=path)``.

    Raises
    ------
    InputError
        If the suffix is not one of :data:`NETWORK_TYPES`.
    """
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in NETWORK_TYPES:
        raise InputError(
            f"a street network must be an OSM PBF, OSM XML or GraphML file, not '.{suffix}'",
            file=name,
        )
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = Path(folder) / f"{digest}{_safe_suffix(Path(name).name)}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return path


def _relabel(gdf: gpd.GeoDataFrame, real: str, name: str) -> None:
    gdf.attrs["source"] = name

    def fix(items: Iterable[Rejected]) -> list[Rejected]:
        return [
            dataclasses.replace(
                r, file=name if r.file == real else r.file, reason=r.reason.replace(real, name)
            )
            for r in items
        ]

    gdf.attrs["rejected"] = fix(gdf.attrs.get("rejected", []))
    gdf.attrs["warnings"] = fix(gdf.attrs.get("warnings", []))


def issues_table(items: Iterable[Rejected]) -> pd.DataFrame:
    """Rejected rows or warnings as a table, each listed once, in order.

    Parameters
    ----------
    items
        :class:`geo.Rejected` records, e.g. ``result.rejected`` and those of
        files that could not be used at all.

    Returns
    -------
    pandas.DataFrame
        ``file, row, column, reason``.
    """
    seen = list(dict.fromkeys((r.file, int(r.row), r.column, r.reason) for r in items))
    return pd.DataFrame(seen, columns=["file", "row", "column", "reason"])


# --- downloads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """One file offered for download, made only when :attr:`make` is called.

    Attributes
    ----------
    key
        What it is: ``map``, ``summary``, ``gaps``, ``points``, ``grids_csv``,
        ``grids_xlsx``, ``stations_csv``, ``stations_xlsx``.
    file_name
        Suggested file name.
    mime
        MIME type.
    make
        Returns the file's bytes.
    """

    key: str
    file_name: str
    mime: str
    make: Callable[[], bytes]


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_bytes(table: pd.DataFrame, suffix: str) -> bytes:
    """A table as file bytes, written by :func:`geo.io.write_table`.

    Parameters
    ----------
    table
        The table.
    suffix
        ``.csv`` (UTF-8 with BOM, opens in Excel), ``.xlsx``, ``.geojson`` …

    Returns
    -------
    bytes
    """
    from geo.io import write_table

    with tempfile.TemporaryDirectory(prefix="geo-download-") as tmp:
        path = Path(tmp) / f"table{suffix}"
        write_table(table, path)
        return path.read_bytes()


def summary_json(result: CoverageResult) -> bytes:
    """The summary exactly as ``geo check --json`` prints it (UTF-8, one line, newline).

    Parameters
    ----------
    result
        The analysis.

    Returns
    -------
    bytes
    """
    return (result.to_json() + "\n").encode("utf-8")


def station_report(result: CoverageResult) -> pd.DataFrame:
    """Per station: ``id, name, kind, used, excluded, covered_demand, unique_demand,
    hypothetical`` (True for a what-if station, False for every station of a file).

    Parameters
    ----------
    result
        The analysis.

    Returns
    -------
    pandas.DataFrame
    """
    from geo.maps.whatif import hypothetical_mask

    table = result.station_table.copy()
    st = result.stations
    if len(st) == len(table):
        table["hypothetical"] = hypothetical_mask(st)
    return table


def gap_report(result: CoverageResult) -> pd.DataFrame:
    """The ranked gaps without internal columns: ``rank, demand, area_m2, cells, lon, lat, grid``.

    Parameters
    ----------
    result
        The analysis.

    Returns
    -------
    pandas.DataFrame
    """
    return result.gap_table.drop(columns=["label"], errors="ignore")


def downloads(
    result: CoverageResult,
    *,
    tiles: str = "osm",
    title: str | None = None,
    lang: str = "zh",
    tile_key: str | None = None,
) -> list[Download]:
    """The files the app offers for a result.

    Parameters
    ----------
    result
        The analysis (with what-if stations, if any).
    tiles
        Basemap of the report map (a key of :data:`geo.maps.TILES`).
    title
        Title of the report map.
    lang
        Language of the per-网格 and per-station tables (``zh``/``en``): sheet names,
        headers and values in words (:func:`geo.report.workbook.table_download`).
    tile_key
        The browser key of a basemap that needs one (Tianditu).

    Returns
    -------
    list of Download
        The report pack (zip, as ``geo report``), report map HTML, summary JSON,
        gaps GeoJSON, demand points (or cells) GeoJSON, per-网格 and per-station tables
        as CSV (UTF-8 with BOM) and XLSX styled like the report pack's workbook; the
        station tables say which stations are hypothetical (是/否).
    """
    from geo.report.workbook import table_download

    def map_bytes() -> bytes:
        from geo.maps import map_html

        return map_html(result, tiles=tiles, title=title, tile_key=tile_key).encode("utf-8")

    def geojson(frame: gpd.GeoDataFrame) -> Callable[[], bytes]:
        return lambda: frame.to_json(ensure_ascii=False).encode("utf-8")

    def table(
        make_table: Callable[[], pd.DataFrame], what: str, suffix: str
    ) -> Callable[[], bytes]:
        # as polished as report.xlsx: named sheet, styled header, % formats, words not codes
        return lambda: table_download(make_table(), what, suffix, lang=lang)

    def report_bytes() -> bytes:
        from geo.report import report_zip

        return report_zip(result, tiles=tiles, title=title, lang=lang, tile_key=tile_key)

    points_name = "cells" if result.demand_source == "cells" else "points"
    items: list[tuple[str, str, str, Callable[[], bytes]]] = [
        ("report", "report.zip", "application/zip", report_bytes),
        ("map", "coverage_map.html", "text/html", map_bytes),
        ("summary", "coverage.json", "application/json", lambda: summary_json(result)),
        ("gaps", "gaps.geojson", "application/geo+json",
         lambda: result.gaps.drop(columns=["label"], errors="ignore")
         .to_json(ensure_ascii=False).encode("utf-8")),
        (points_name, f"{points_name}.geojson", "application/geo+json", geojson(result.points)),
        ("grids_csv", "grids.csv", "text/csv", table(lambda: result.grid_table, "grids", ".csv")),
        ("grids_xlsx", "grids.xlsx", XLSX_MIME,
         table(lambda: result.grid_table, "grids", ".xlsx")),
        ("stations_csv", "stations.csv", "text/csv",
         table(lambda: station_report(result), "stations", ".csv")),
        ("stations_xlsx", "stations.xlsx", XLSX_MIME,
         table(lambda: station_report(result), "stations", ".xlsx")),
    ]
    return [Download(k, f, m, make) for k, f, m, make in items]


def whatif_csv(stations: gpd.GeoDataFrame) -> bytes:
    """The hypothetical stations as CSV (UTF-8 with BOM) that :func:`geo.read_stations` reads.

    Parameters
    ----------
    stations
        A station table with a ``hypothetical`` column.

    Returns
    -------
    bytes
    """
    from geo.scenario import hypothetical_table

    return table_bytes(hypothetical_table(stations), ".csv")


def password_matches(given: str | None, expected: str) -> bool:
    """Whether a password typed at the app's access gate is the configured one.

    Parameters
    ----------
    given
        What was typed.
    expected
        ``app_password`` from the secrets (or ``GEO_APP_PASSWORD``).

    Returns
    -------
    bool
        Compared in constant time.
    """
    return hmac.compare_digest(str(given or "").encode("utf-8"), str(expected).encode("utf-8"))


def error_reference() -> str:
    """A short reference for an unexpected error: shown to the user, written to the log.

    Returns
    -------
    str
        E.g. ``E-3F9A2C1B``.
    """
    return "E-" + secrets.token_hex(4).upper()


def redacted_traceback(exc: BaseException) -> str:
    """The traceback of an exception for the server log, provider keys removed.

    Parameters
    ----------
    exc
        The exception.

    Returns
    -------
    str
    """
    from geo.geocode.providers import redact

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return redact(text)
