"""Reading the tables planners keep, and writing results.

Station, charging-pile and demand tables come as CSV (UTF-8, UTF-8 with BOM,
GBK/GB18030 as Excel in China saves them; detected, never asked for), XLSX,
GeoJSON, GeoPackage or GeoParquet. Study areas and governance grids (网格) are
polygon files. Everything returned is in WGS-84.

A row that cannot be used is never dropped in silence: it is returned in
``gdf.attrs["rejected"]`` as :class:`geo.errors.Rejected` (file, row as a
spreadsheet shows it, column, reason) and the rest of the table is used.
Remarks that do not cost a row (a blank weight counted as 1, opening hours
not understood) go to ``gdf.attrs["warnings"]``.

Clean numeric columns take a fast path (pandas' C parser, numpy masks); only
cells that are not plain numbers (``１２０．６``, ``120.6°``, ``120°36′E``)
go through the slower text cleaning.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.api.types import is_numeric_dtype

from geo import crs as crsmod
from geo import schema
from geo.errors import InputError, Rejected, SettingsError

PathArg = str | PathLike[str]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet")
_HEADER_SCAN_ROWS = 20
_GRID_NAME_HEADERS = ("grid", "网格", "网格名称", "网格名", "gridname", "网格编号", "name", "名称")


# --- raw tables -------------------------------------------------------------------------------


@dataclass
class RawTable:
    """A table as read, before its columns are interpreted.

    Attributes
    ----------
    data
        The cells, headers as written.
    rows
        Row numbers as the user sees them: spreadsheet rows (header = 1) for
        CSV/XLSX, feature numbers (first = 1) for geodata.
    file
        The file name as given, for messages.
    geometry
        Geometries of a geodata file (``None`` for CSV/XLSX).
    geo_crs_is_lonlat
        Whether the geodata's coordinates are degrees (in the system the user
        declares, possibly GCJ-02) rather than a projected CRS already converted.
    """

    data: pd.DataFrame
    rows: np.ndarray
    file: str
    geometry: np.ndarray | None = None
    geo_crs_is_lonlat: bool = True
    warnings: list[Rejected] = field(default_factory=list)


def read_raw(path: PathArg, *, sheet: str | int | None = None) -> RawTable:
    """Read a table file into a :class:`RawTable` (no column interpreted yet).

    Parameters
    ----------
    path
        CSV/TXT/TSV, XLSX, GeoJSON, GeoPackage, Shapefile, FlatGeobuf or (Geo)Parquet.
    sheet
        XLSX sheet name or 0-based index; the first sheet by default.

    Returns
    -------
    RawTable

    Raises
    ------
    InputError
        If the file is missing, empty, of an unknown kind or unreadable.
    """
    p = Path(path)
    file = str(path)
    if not p.exists():
        raise InputError("file not found", file=file)
    if p.is_dir():
        raise InputError("this is a folder, not a table file", file=file)
    suffix = p.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(p, file)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(p, file, sheet)
    if suffix == ".xls":
        raise InputError(
            "old Excel format (.xls) is not supported: open it in Excel or WPS and "
            "save as .xlsx (or CSV)",
            file=file,
        )
    if suffix in GEO_SUFFIXES:
        return _read_geo(p, file)
    raise InputError(
        f"unknown file type '{suffix or '(none)'}': use CSV, XLSX, GeoJSON, GeoPackage "
        "or GeoParquet",
        file=file,
    )


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# Chinese characters that must decode as UTF-8 before a bad byte for the file to be taken
# as damaged UTF-8 rather than GBK: GBK text almost never forms even one by chance.
_UTF8_EVIDENCE = 2


def _first_bad_byte(fh, codec: str) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    """Where ``codec`` first fails to decode the file, and how many CJK characters came before.

    Returns ``None`` if the whole file decodes.
    """
    fh.seek(0)
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    cjk = 0
    while True:
        chunk = fh.read(1 << 20)
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            good = (pending + chunk)[: exc.start].decode(codec, errors="replace")
            return offset - len(pending) + exc.start, cjk + len(_CJK.findall(good))
        if not chunk:
            return None
        if cjk < _UTF8_EVIDENCE:
            cjk += len(_CJK.findall(text))
        offset += len(chunk)


def _line_of(fh, position: int) -> int:
    """The 1-based line holding byte ``position``."""
    fh.seek(0)
    lines, done = 1, 0
    while done < position:
        chunk = fh.read(min(1 << 20, position - done))
        if not chunk:
            break
        lines += chunk.count(b"\n")
        done += len(chunk)
    return lines


def detect_encoding(path: PathArg) -> str:
    """Return the encoding of a CSV file: ``utf-8-sig``, ``utf-8`` or ``gb18030``.

    A BOM means UTF-8 with BOM; text that decodes as UTF-8 is UTF-8; anything
    else is taken as GB18030, the superset of GBK and GB2312 that Excel and
    WPS in China write.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        A Python codec name; ``utf-16`` for a file with a UTF-16 BOM (Excel's
        "Unicode Text", tab-separated).

    Raises
    ------
    InputError
        If the file is neither UTF-8 nor GB18030, or is UTF-8 Chinese text with
        bytes that are not UTF-8 further on (e.g. a cell pasted from a GBK
        file, which decoding as GB18030 would garble); ``row`` is the line of
        the first byte that does not fit.
    """
    file = str(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        utf8 = _first_bad_byte(fh, "utf-8")
        if utf8 is None:
            return "utf-8"
        utf8_at, utf8_chinese = utf8
        if utf8_chinese >= _UTF8_EVIDENCE:
            # UTF-8 Chinese before the bad byte: damaged UTF-8, which GB18030 would garble
            line = _line_of(fh, utf8_at)
            message = (
                "the file is UTF-8 text, but this line holds bytes that are not UTF-8 "
                "(perhaps pasted from a GBK file): retype it, or save the file again as "
                "'CSV UTF-8' from Excel"
            )
        else:
            gb = _first_bad_byte(fh, "gb18030")
            if gb is None:
                return "gb18030"
            line = _line_of(fh, gb[0])
            message = (
                "the file is neither UTF-8 nor GBK/GB18030 text (first found on this "
                "line); save it as 'CSV UTF-8' from Excel"
            )
    raise InputError(message, file=file, row=line)


def _sniff_delimiter(path: Path, encoding: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    with open(path, encoding=encoding, errors="replace") as fh:
        sample = "".join(fh.readline() for _ in range(_HEADER_SCAN_ROWS))
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 and counts[","] == 0 else ","


def _header_score(values: Sequence[object]) -> int:
    found = {schema.canonical_column(v) for v in values if _text(v)}
    found.discard(None)
    return len(found)


def _find_header(top: pd.DataFrame) -> int:
    """The row among the first few that names the most known columns (title rows skipped)."""
    best, best_row = 0, 0
    for i in range(min(len(top), _HEADER_SCAN_ROWS)):
        score = _header_score(top.iloc[i].tolist())
        if score > best:
            best, best_row = score, i
    return best_row


def _top_rows(path: Path, file: str, encoding: str, sep: str) -> pd.DataFrame:
    """The first rows as text, padded to one width (a title row may have fewer cells)."""
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        try:
            rows = [row for _, row in zip(range(_HEADER_SCAN_ROWS), reader, strict=False)]
        except csv.Error as exc:
            raise InputError(f"not a readable CSV table ({exc})", file=file,
                             row=reader.line_num) from None
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)


_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(p: Path, file: str) -> RawTable:
    if p.stat().st_size == 0:
        raise InputError("the file is empty", file=file)
    encoding = detect_encoding(p)
    sep = _sniff_delimiter(p, encoding)
    common = {"encoding": encoding, "sep": sep, "skip_blank_lines": False}
    top = _top_rows(p, file, encoding, sep)
    if not any(_text(v) for v in top.to_numpy().ravel()):
        raise InputError("the file is empty (no text in its first rows)", file=file)
    h = _find_header(top)
    headers = top.iloc[h].tolist()
    numeric = {
        str(c) for c in headers if schema.canonical_column(c) in {"lon", "lat", "weight"}
    }
    try:
        data = pd.read_csv(
            p,
            skiprows=h,
            header=0,
            dtype={c: str for c in headers if str(c) not in numeric},
            keep_default_na=False,
            na_values=[""],
            # one type per column (no chunk-wise guessing, no DtypeWarning on stderr)
            low_memory=False,
            **common,  # type: ignore[arg-type]
        )
    except pd.errors.ParserError as exc:
        m = _RAGGED.search(str(exc))
        if m:
            raise InputError(
                f"this row has {m.group(3)} cells but the header has {m.group(1)}: a value "
                f"holding '{sep}' must be in double quotes",
                file=file,
                row=int(m.group(2)),
            ) from None
        raise InputError(f"not a readable CSV table ({exc})", file=file) from None
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", file=file) from None
    data.columns = [str(c) for c in data.columns]
    rows = np.arange(len(data), dtype=np.int64) + h + 2
    return RawTable(data, rows, file)


def _read_excel(p: Path, file: str, sheet: str | int | None) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for damaged files
        raise InputError(f"not a readable XLSX workbook ({exc})", file=file) from None
    try:
        names = book.sheetnames
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise InputError(
                    f"sheet {sheet} does not exist: the workbook has {len(names)} sheet(s) "
                    f"({', '.join(names)}), numbered from 0",
                    file=file,
                )
            ws = book.worksheets[sheet]
        elif sheet in names:
            ws = book[sheet]
        else:
            raise InputError(
                f"no sheet named '{sheet}': the sheets are {', '.join(names)}", file=file
            )
        if hasattr(ws, "reset_dimensions"):
            # Read-only sheets trust the stored <dimension>, which some exporters get
            # wrong (e.g. "A1"): read every row and cell the sheet actually holds.
            ws.reset_dimensions()
        cells = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    while cells and all(_blank(v) for v in cells[-1]):
        cells.pop()
    if not cells:
        raise InputError("the sheet is empty", file=file)
    width = max(len(r) for r in cells)
    grid = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in cells], dtype=object)
    h = _find_header(grid)
    written = grid.iloc[h].tolist()
    headers = [_header_text(v, j) for j, v in enumerate(written)]
    data = grid.iloc[h + 1 :].reset_index(drop=True)
    data.columns = _dedupe(headers)
    # columns without a header are kept only when they hold something (not mere formatting)
    keep = [
        c for c, v in zip(data.columns, written, strict=True)
        if _text(v) or not _blank_mask(data[c]).all()
    ]
    data = data[keep]
    rows = np.arange(len(data), dtype=np.int64) + h + 2
    return RawTable(data, rows, file)


def _header_text(value: object, j: int) -> str:
    text = _text(value)
    return text if text else f"column{j + 1}"


def _dedupe(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        if h in seen:
            seen[h] += 1
            out.append(f"{h}.{seen[h]}")
        else:
            seen[h] = 0
            out.append(h)
    return out


def _read_geo(p: Path, file: str) -> RawTable:
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".geoparquet"):
            try:
                gdf = gpd.read_parquet(p)
            except ValueError:  # plain Parquet without geo metadata: lon/lat columns
                frame = pd.read_parquet(p)
                rows = np.arange(len(frame), dtype=np.int64) + 1
                return RawTable(frame.reset_index(drop=True), rows, file)
        else:
            gdf = gpd.read_file(p)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"not a readable geodata file ({exc})", file=file) from None
    lonlat = True
    warnings: list[Rejected] = []
    if gdf.crs is not None and not _is_lonlat_crs(gdf.crs):
        gdf = gdf.to_crs(4326)
        lonlat = False
    data = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    rows = np.arange(len(data), dtype=np.int64) + 1
    return RawTable(data, rows, file, gdf.geometry.to_numpy(), lonlat, warnings)


def _is_lonlat_crs(crs: object) -> bool:
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    return bool(c.is_geographic)


# --- cell helpers ---------------------------------------------------------------------------


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0``, blanks as ``""``."""
    if _blank(value) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text_column(values: pd.Series) -> pd.Series:
    """A column as stripped text, blanks as ``""`` (string dtype stays string, else object).

    String columns (what pandas 3 reads CSV text into) use vectorised string
    methods; other columns are converted once per distinct value.
    """
    if isinstance(values.dtype, pd.StringDtype):
        return values.str.strip().fillna("")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([*(_text(u) for u in uniques), ""], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def _blank_mask(values: pd.Series) -> np.ndarray:
    if is_numeric_dtype(values):
        return values.isna().to_numpy()
    na = values.isna().to_numpy()
    if values.dtype == object:
        s = values.where(~na, "")
        return na | (s.astype(str).str.strip() == "").to_numpy()
    return na | (values.fillna("").str.strip() == "").to_numpy()


# --- numbers in degrees ----------------------------------------------------------------------

_HEMI_PREFIX = re.compile(r"^(东经|西经|北纬|南纬|[NSEW])\s*")
_HEMI_SUFFIX = re.compile(r"\s*([NSEW]|东经|西经|北纬|南纬)$")
_DMS = re.compile(
    r"^([+-]?\d+(?:\.\d+)?)\s*°\s*(?:(\d+(?:\.\d+)?)\s*′\s*)?(?:(\d+(?:\.\d+)?)\s*″\s*)?$"
)
_DMS_CHARS = str.maketrans(
    {"度": "°", "º": "°", "˚": "°", "分": "′", "'": "′", "’": "′", "秒": "″", '"': "″",
     "”": "″"}
)


def _parse_messy_degrees(text: str) -> float:
    """One cell that is not a plain number: full-width, ``°``, DMS, hemisphere letters."""
    t = unicodedata.normalize("NFKC", text).strip().upper().translate(_DMS_CHARS)
    t = t.replace("′′", "″").replace(" ", "")
    sign = 1.0
    for pattern in (_HEMI_PREFIX, _HEMI_SUFFIX):
        m = pattern.search(t)
        if m:
            if m.group(1) in {"S", "W", "西经", "南纬"}:
                sign = -sign
            t = pattern.sub("", t)
    try:
        return sign * float(t)
    except ValueError:
        pass
    m = _DMS.match(t)
    if not m:
        return np.nan
    deg = float(m.group(1))
    minutes = float(m.group(2) or 0.0)
    seconds = float(m.group(3) or 0.0)
    if minutes >= 60 or seconds >= 60:
        return np.nan
    value = abs(deg) + minutes / 60.0 + seconds / 3600.0
    return sign * (-value if deg < 0 or m.group(1).startswith("-") else value)


def parse_degrees(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse a coordinate column into float degrees.

    Plain numbers take pandas' vectorised parser; only other cells are cleaned
    one distinct value at a time: full-width digits and points (``１２０．６``),
    degree signs (``120.6°``), degrees-minutes-seconds (``120°36′44″``,
    ``120度36分44秒``) and hemisphere letters (``120.6E``, ``北纬31.3``).

    Parameters
    ----------
    values
        One column as read.

    Returns
    -------
    degrees : numpy.ndarray of float
        NaN where blank or not understood.
    bad : numpy.ndarray of bool
        Cells that hold text but not a coordinate.
    """
    def messy(sub: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(sub)
        return np.array([_parse_messy_degrees(u) for u in uniques], dtype="float64")[codes]

    return _parse_numbers(values, messy)


def _parse_numbers(
    values: pd.Series, messy: Callable[[pd.Series], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats: numeric columns as they are, plain numbers by pandas' parser,
    and only the other non-blank cells (as text) through ``messy``.

    Returns the values (NaN where blank or not understood) and the cells that hold
    text but no number.
    """
    if is_numeric_dtype(values) and values.dtype != bool:
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        return v, np.zeros(v.size, dtype=bool)
    blank = _blank_mask(values)
    v = pd.to_numeric(values.where(~blank, None), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan, copy=True  # written below
    )
    need = np.isnan(v) & ~blank
    if need.any():
        v[need] = messy(values[need].astype(str))
    return v, np.isnan(v) & ~blank


_PAIR_SPLIT = re.compile(r"\s*[,;/|\s]\s*")


def split_lnglat(values: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Split one ``"lng,lat"`` column (``120.6,31.3``, ``120.6，31.3``, ``120.6 31.3``).

    Parameters
    ----------
    values
        The combined column.

    Returns
    -------
    lon, lat : pandas.Series of str
        The two parts (blank where the cell is blank or malformed).
    bad : numpy.ndarray of bool
        Cells that hold text but not exactly two parts.
    """
    blank = _blank_mask(values)
    text = values.astype(object).where(~blank, "").astype(str)
    nonascii = text.str.contains(r"[^\x00-\x7f]", regex=True).to_numpy(dtype=bool)
    if nonascii.any():
        text = text.copy()
        text[nonascii] = text[nonascii].str.normalize("NFKC")
    text = text.str.strip().str.strip("()[]")
    parts = text.str.split(_PAIR_SPLIT, n=-1, regex=True)
    count = parts.str.len().to_numpy()
    ok = (count == 2) & ~blank
    lon = parts.str[0].where(ok, "")
    lat = parts.str[1].where(ok, "")
    return lon, lat, ~blank & ~ok


# --- point tables ----------------------------------------------------------------------------


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
        A table file (see :func:`read_raw`) or a DataFrame with such columns.
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
    raw = _raw_from(path, sheet)
    return _points(raw, crs=crs, kind="stations", id_prefix=id_prefix)


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
        columns. Rows with a weight that is not a number, or negative, are
        rejected.
    """
    raw = _raw_from(path, sheet)
    return _points(raw, crs=crs, kind="demand", id_prefix="D")


def _raw_from(path: PathArg | pd.DataFrame, sheet: str | int | None) -> RawTable:
    if isinstance(path, gpd.GeoDataFrame):
        geoms = path.geometry.to_numpy()
        data = pd.DataFrame(path.drop(columns=path.geometry.name)).reset_index(drop=True)
        rows = np.arange(len(data), dtype=np.int64) + 1
        lonlat = path.crs is None or _is_lonlat_crs(path.crs)
        if not lonlat:
            geoms = path.geometry.to_crs(4326).to_numpy()
        return RawTable(data, rows, str(path.attrs.get("source", "table")), geoms, lonlat)
    if isinstance(path, pd.DataFrame):
        data = path.reset_index(drop=True)
        data.columns = [str(c) for c in data.columns]
        rows = np.arange(len(data), dtype=np.int64) + 2
        return RawTable(data, rows, str(path.attrs.get("source", "table")))
    return read_raw(path, sheet=sheet)


@dataclass
class _Rejects:
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


def _cells(values: pd.Series | np.ndarray, idx: np.ndarray) -> list[str]:
    """The cells at positions ``idx`` as text, for messages."""
    sub = values.iloc[idx] if isinstance(values, pd.Series) else np.asarray(values)[idx]
    return [_text(v) for v in np.asarray(sub, dtype=object)]


# Columns this module writes that an alias would also claim: a table written by
# :func:`write_table` from :func:`read_stations` has ``kind`` (the key derived from
# ``category``, and an English alias of it) next to ``category``.
_DERIVED_COLUMNS = {"kind": "category"}


def _match_point_columns(headers: list[str], file: str) -> dict[str, str]:
    """:func:`geo.schema.match_columns`, leaving our own derived columns as ordinary ones."""
    keys = {schema.normalize_header(h) for h in headers}
    use = [
        h for h in headers
        if _DERIVED_COLUMNS.get(schema.normalize_header(h)) not in keys
    ]
    return schema.match_columns(use, file=file)


def _points(raw: RawTable, *, crs: str, kind: str, id_prefix: str) -> gpd.GeoDataFrame:
    file = raw.file
    try:
        default_system = crsmod.normalize_coord_system(crs)
    except SettingsError as exc:
        raise InputError(str(exc), file=file) from None
    data = raw.data
    cols = _match_point_columns(list(data.columns), file)
    n = len(data)

    # Blank rows (Excel's trailing ",,,,") carry nothing: skip them, keep row numbers exact.
    if n and raw.geometry is None:
        blank_rows = np.logical_and.reduce([_blank_mask(data[c]) for c in data.columns])
        if blank_rows.any():
            keep = ~blank_rows
            data = data.loc[keep].reset_index(drop=True)
            raw = RawTable(data, raw.rows[keep], file, None, raw.geo_crs_is_lonlat, raw.warnings)
            n = len(data)
    rows = raw.rows
    rej = _Rejects(file, rows)
    warnings: list[Rejected] = list(raw.warnings)

    lon_text: pd.Series | None = None
    lat_text: pd.Series | None = None
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon_bad = np.zeros(n, dtype=bool)
    lat_bad = np.zeros(n, dtype=bool)
    from_geometry = np.zeros(n, dtype=bool)

    if raw.geometry is not None:
        geoms = raw.geometry
        is_null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        not_point = ~is_null & (shapely.get_type_id(geoms) != 0)
        pts = np.where(not_point, shapely.point_on_surface(geoms), geoms)
        has = ~is_null
        lon[has] = shapely.get_x(pts[has])
        lat[has] = shapely.get_y(pts[has])
        from_geometry = has
        if not_point.any():
            for i in np.flatnonzero(not_point)[:1]:
                warnings.append(
                    Rejected(
                        file, int(rows[i]), "geometry",
                        f"{int(not_point.sum())} feature(s) are not points: a point inside "
                        "each shape is used",
                    )
                )

    header_system: str | None = None
    if "lon" in cols and "lat" in cols:
        lon_text, lat_text = data[cols["lon"]], data[cols["lat"]]
        header_system = schema.header_coord_system(cols["lon"]) or schema.header_coord_system(
            cols["lat"]
        )
    elif "lon" in cols or "lat" in cols:
        have = "lon" if "lon" in cols else "lat"
        missing = "lat" if have == "lon" else "lon"
        if "lnglat" not in cols and raw.geometry is None:
            raise InputError(
                f"there is a '{cols[have]}' column but no {missing} column "
                f"({_aliases(missing)}); both are needed",
                file=file,
                column=missing,
            )
    need = ~from_geometry
    # Which column each row's coordinates come from, as named in messages, and its text.
    base = "lon" if lon_text is not None else ("lnglat" if "lnglat" in cols else "geometry")
    lon_col = np.full(n, base, dtype=object)
    lat_col = np.full(n, "lat" if base == "lon" else base, dtype=object)
    lon_col[from_geometry] = lat_col[from_geometry] = "geometry"
    pair_rows = np.zeros(n, dtype=bool)  # rows whose coordinates come from the lng,lat column
    if lon_text is not None and lat_text is not None:
        lo, lb = parse_degrees(lon_text)
        la, lab = parse_degrees(lat_text)
        lon = np.where(need, lo, lon)
        lat = np.where(need, la, lat)
        lon_bad |= need & lb
        lat_bad |= need & lab
    if "lnglat" in cols:
        pair = data[cols["lnglat"]]
        use = need & np.isnan(lon) & np.isnan(lat) & ~lon_bad & ~lat_bad
        if use.any():
            lo_t, la_t, pair_bad = split_lnglat(pair)
            lo, lb = parse_degrees(lo_t)
            la, lab = parse_degrees(la_t)
            lon = np.where(use, lo, lon)
            lat = np.where(use, la, lat)
            lon_col[use] = lat_col[use] = "lnglat"
            pair_rows = use
            rej.add(
                use & pair_bad, "lnglat",
                lambda idx: [
                    f"{cols['lnglat']} '{t}' is not one 'longitude,latitude' pair "
                    "(e.g. 120.6123,31.2956)"
                    for t in _cells(pair, idx)
                ],
            )
            lon_bad |= use & lb
            lat_bad |= use & lab
    if lon_text is None and "lnglat" not in cols and raw.geometry is None:
        hint = (
            " This table has addresses only: geocode them first (geo geocode)."
            if "address" in cols
            else ""
        )
        raise InputError(
            f"no coordinate columns: looked for longitude ({_aliases('lon')}) and latitude "
            f"({_aliases('lat')}), or one 'lng,lat' column ({_aliases('lnglat')}); "
            f"the headers are: {', '.join(map(str, data.columns))}.{hint}",
            file=file,
        )

    # --- coordinates: what each row holds ---
    lon_hdr, lat_hdr = lon_col.copy(), lat_col.copy()
    for c in ("lon", "lat", "lnglat"):
        if c in cols:
            lon_hdr[lon_col == c] = lat_hdr[lat_col == c] = cols[c]
    def source_text(idx: np.ndarray, text: pd.Series | None) -> list[str]:
        out = _cells(text, idx) if text is not None else [""] * idx.size
        from_pair = pair_rows[idx]
        if from_pair.any():
            pair_text = _cells(data[cols["lnglat"]], idx[from_pair])
            for k, t in zip(np.flatnonzero(from_pair), pair_text, strict=True):
                out[k] = t
        return out

    def not_number(hdr: np.ndarray, text: pd.Series | None) -> Callable[[np.ndarray], list[str]]:
        return lambda idx: [
            f"{h} '{t}' is not a coordinate in degrees (e.g. 120.6123 or 120°36′44″E)"
            for h, t in zip(hdr[idx], source_text(idx, text), strict=True)
        ]

    rej.add(lon_bad, lon_col, not_number(lon_hdr, lon_text))
    rej.add(lat_bad, lat_col, not_number(lat_hdr, lat_text))
    missing = np.isnan(lon) | np.isnan(lat)
    if missing.any():
        address = _text_column(data[cols["address"]]) if "address" in cols else None
        reason = np.full(n, "no coordinates", dtype=object)
        if raw.geometry is not None:
            reason[lon_col == "geometry"] = "no geometry: the feature has no point"
        if address is not None:
            has_addr = (address != "").to_numpy()
            reason[missing & has_addr] = (
                "no coordinates (the address can be geocoded first: geo geocode)"
            )
        rej.add(missing & np.isnan(lon), lon_col, reason)
        rej.add(missing, lat_col, reason)

    # Per-row coordinate systems.
    system = np.full(n, header_system or default_system, dtype=object)
    if "coord_system" in cols:
        written = _text_column(data[cols["coord_system"]])
        codes, uniques = pd.factorize(written)
        canon = np.empty(len(uniques), dtype=object)
        errors: dict[int, str] = {}
        for i, u in enumerate(uniques):
            if not u:
                canon[i] = header_system or default_system
                continue
            try:
                canon[i] = crsmod.normalize_coord_system(u)
            except SettingsError as exc:
                canon[i] = None
                errors[i] = str(exc)
        system = canon[codes]
        if errors:
            unknown = np.isin(codes, list(errors))
            rej.add(unknown, "coord_system",
                    np.array([errors.get(c, "") for c in codes], dtype=object))
    if not raw.geo_crs_is_lonlat:
        system = np.where(from_geometry, "wgs84", system)

    ok = rej.ok
    zero = ok & (lon == 0) & (lat == 0)
    rej.add(zero, lat_col, "point at (0, 0): an empty coordinate exported as zero")
    ok = rej.ok
    out_of_range = ok & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    swapped = out_of_range & crsmod.in_china(lat, lon) & ~crsmod.in_china(lon, lat)
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
            for a, b in zip(_cells(lon, idx), _cells(lat, idx), strict=True)
        ],
    )
    lon_out = out_of_range & (np.abs(lon) > 180)
    rej.add(
        lon_out, lon_col,
        lambda idx: [f"longitude {a} is outside -180..180" for a in _cells(lon, idx)],
    )
    lat_out = out_of_range & (np.abs(lat) > 90)
    rej.add(
        lat_out, lat_col,
        lambda idx: [f"latitude {a} is outside -90..90" for a in _cells(lat, idx)],
    )
    ok = rej.ok
    china_only = ok & ((system == "gcj02") | (system == "bd09"))
    far = china_only & ~crsmod.in_china(lon, lat)
    if far.any():
        rej.add(
            far, "coord_system" if "coord_system" in cols else lon_col,
            lambda idx: [
                f"({a}, {b}) is far outside China, but its coordinate system is {c}, which is "
                "used only in China: check the coordinates or the coordinate system"
                for a, b, c in zip(_cells(lon, idx), _cells(lat, idx), system[idx], strict=True)
            ],
        )

    # --- geocoded rows not (yet) trusted: `geo geocode` output read back ---
    if "geocode_status" in data.columns:
        status = _text_column(data["geocode_status"]).to_numpy(dtype=object)
        level = (_text_column(data["geocode_level"]).to_numpy(dtype=object)
                 if "geocode_level" in data.columns else np.full(n, "", dtype=object))
        untrusted = ~np.isin(status, list(GEOCODE_TRUSTED))
        rej.add(
            untrusted, "geocode_status",
            lambda idx: [
                f"geocoding result not trusted ({s}{', ' + lv if lv else ''}): check the point "
                "and mark it manual (the app's 地址编码审核 page), or fix its coordinates"
                for s, lv in zip(status[idx], level[idx], strict=True)
            ],
        )

    # --- ids ---
    if "id" in cols:
        ids = _text_column(data[cols["id"]]).reset_index(drop=True)
        blank_id = (ids == "").to_numpy(dtype=bool)
        if blank_id.any():
            ids = ids.astype(object)
            ids[blank_id] = np.char.add("row", rows[blank_id].astype(str)).astype(object)
            warnings.append(
                Rejected(
                    file, int(rows[np.flatnonzero(blank_id)[0]]), "id",
                    f"{int(blank_id.sum())} row(s) have no id; named after their row "
                    "(e.g. row7)",
                )
            )
    else:
        width = max(3, len(str(n)))
        ids = id_prefix + pd.Series(np.arange(1, n + 1), dtype="int64").astype(str).str.zfill(width)
    ok = rej.ok
    ids_ok = ids[ok].reset_index(drop=True)
    dup_local = ids_ok.duplicated(keep="first").to_numpy()
    if dup_local.any():
        ok_idx = np.flatnonzero(ok)
        first_row = (
            pd.Series(rows[ok_idx]).groupby(ids_ok.to_numpy()).transform("first").to_numpy()
        )
        dup = np.zeros(n, dtype=bool)
        dup[ok_idx[dup_local]] = True
        reason = np.full(n, "", dtype=object)
        reason[ok_idx[dup_local]] = [
            f"id '{i}' is already used in row {r}"
            for i, r in zip(ids_ok[dup_local], first_row[dup_local], strict=True)
        ]
        rej.add(dup, "id", reason)

    # --- weights (demand) ---
    weight = None
    if kind == "demand":
        if "weight" in cols:
            wv, wbad = _parse_weight(data[cols["weight"]])
            wcol = data[cols["weight"]]
            rej.add(
                wbad, "weight",
                lambda idx: [f"{cols['weight']} '{t}' is not a number" for t in _cells(wcol, idx)],
            )
            infinite = rej.ok & np.isinf(wv)
            rej.add(
                infinite, "weight",
                lambda idx: [
                    f"{cols['weight']} '{t}' is not a finite number" for t in _cells(wcol, idx)
                ],
            )
            neg = rej.ok & (wv < 0)
            rej.add(
                neg, "weight",
                lambda idx: [f"{cols['weight']} {t} is negative" for t in _cells(wv, idx)],
            )
            wblank = rej.ok & np.isnan(wv)
            if wblank.any():
                first = np.flatnonzero(wblank)
                warnings.append(
                    Rejected(
                        file, int(rows[first[0]]), "weight",
                        f"{int(wblank.sum())} row(s) have a blank {cols['weight']}; each "
                        f"counted as 1 (rows {_row_list(rows[first])})",
                    )
                )
            weight = np.where(np.isnan(wv), 1.0, wv)
        else:
            weight = np.ones(n)

    ok = rej.ok
    all_ok = bool(ok.all())
    systems = pd.unique(system[ok]) if n else np.array(["wgs84"], dtype=object)
    if all_ok and systems.size == 1:  # the common case: one system for the whole file
        wlon, wlat = crsmod.to_wgs84(lon, lat, str(systems[0]))
    else:
        wlon, wlat = crsmod.to_wgs84(
            np.where(ok, lon, 0.0), np.where(ok, lat, 0.0), np.where(ok, system, "wgs84")
        )
    system_col = pd.Categorical(system)
    out = _output_frame(data, cols, ids, rows, system_col, kind, weight, file, warnings, ok)
    if all_ok:
        geometry = shapely.points(wlon, wlat)
    else:
        keep = np.flatnonzero(ok)
        out = out.iloc[keep].reset_index(drop=True)
        geometry = shapely.points(wlon[keep], wlat[keep])
    gdf = gpd.GeoDataFrame(out, geometry=geometry, crs=4326)
    gdf.attrs = {"source": file, "rejected": rej.to_list(), "warnings": warnings}
    return gdf


def _row_list(rows: np.ndarray, limit: int = 10) -> str:
    head = ", ".join(str(int(r)) for r in rows[:limit])
    return head + (f" and {rows.size - limit} more" if rows.size > limit else "")


def _aliases(column: str) -> str:
    return "/".join(schema.COLUMN_ALIASES[column][:4])


def _parse_weight(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    def messy(sub: pd.Series) -> np.ndarray:  # full-width digits, "1,234", "12人"
        cleaned = sub.str.normalize("NFKC").str.strip().str.replace(
            r"(?<=\d),(?=\d{3})", "", regex=True
        )
        cleaned = cleaned.str.replace(r"\s*(人|个|名)$", "", regex=True)
        return pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype="float64")

    return _parse_numbers(values, messy)


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
            c: (_text_column(data[cols[c]]) if c in cols else pd.Series([""] * len(data)))
            for c in ("name", "category", "level", "address", "amenities", "hours")
        }
        out["name"] = text["name"].to_numpy()
        out["category"] = text["category"].to_numpy()
        out["kind"] = schema.category_kinds(text["category"])
        levels = schema._per_unique(text["level"], schema.level_key)
        out["level"] = np.where(pd.isna(levels), text["level"].to_numpy(), levels)
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
                out[c] = _text_column(data[cols[c]]).array
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


# --- polygons: study area and governance grids -----------------------------------------------


def _polygons(path: PathArg | gpd.GeoDataFrame, *, crs: str, what: str) -> RawTable:
    if isinstance(path, gpd.GeoDataFrame):
        raw = _raw_from(path, None)
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
        written = _text_column(raw.data[cols["coord_system"]])
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
    out = np.array(geoms, dtype=object)
    for system in set(per.tolist()) - {"wgs84"}:
        mask = per == system

        def convert(xy: np.ndarray, system: str = system) -> np.ndarray:
            x, y = crsmod.to_wgs84(xy[:, 0], xy[:, 1], system)
            return np.column_stack([x, y])

        out[mask] = shapely.transform(out[mask], convert)
    return out


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
    """Read the study area: one or more polygons.

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
    geopandas.GeoDataFrame
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
    gdf.attrs = {"source": raw.file, "rejected": rejected, "warnings": raw.warnings}
    return gdf


def read_grids(path: PathArg | gpd.GeoDataFrame, *, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """Read governance grids (网格): polygons with names.

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
    geopandas.GeoDataFrame
        Columns ``grid`` (name), ``row``, the file's other attributes, and
        polygons in WGS-84. Non-polygon or empty features are rejected.
    """
    raw = _polygons(path, crs=crs, what="网格 (grid)")
    cols = schema.match_columns(list(raw.data.columns), file=raw.file, use=["coord_system"])
    geoms = _convert_polygons(raw, crs, cols)
    ok, rejected = _polygon_checks(raw, geoms, "网格 (grid)")
    warnings = list(raw.warnings)
    data = raw.data.copy()
    by_key = {schema.normalize_header(c): c for c in data.columns}
    name_col = next(
        (by_key[k] for k in map(schema.normalize_header, _GRID_NAME_HEADERS) if k in by_key),
        None,
    )
    names = (
        _text_column(data[name_col]).to_numpy(dtype=object, copy=True)
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
    gdf.attrs = {"source": raw.file, "rejected": rejected, "warnings": warnings}
    return gdf


# --- writing ----------------------------------------------------------------------------------


def write_csv(table: pd.DataFrame, path: PathArg, *, sep: str = ",") -> None:
    """Write a CSV file in UTF-8 with a BOM (so that Excel shows Chinese), no index.

    Written by pyarrow's multithreaded CSV writer when no cell needs quoting
    (the common case: several times faster than pandas for a million rows);
    otherwise, and for column types pyarrow cannot write, by pandas. Missing
    values are empty cells either way.

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
        arrow = pa.Table.from_pandas(table, preserve_index=False)
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
            pacsv.write_csv(arrow, fh, options)
        return
    except (pa.ArrowException, TypeError, ValueError):
        pass
    table.to_csv(path, index=False, sep=sep, encoding="utf-8-sig")



def _flat(table: pd.DataFrame) -> pd.DataFrame:
    """A table for CSV/XLSX: point geometries become ``lon``/``lat`` (WGS-84), others WKT."""
    if not isinstance(table, gpd.GeoDataFrame):
        return pd.DataFrame(table)
    geom = table.geometry
    if geom.crs is not None and not _is_lonlat_crs(geom.crs):
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


def write_table(table: pd.DataFrame, path: PathArg) -> None:
    """Write a table by its extension: CSV (UTF-8 with BOM, so Excel shows Chinese), XLSX,
    GeoJSON, GeoPackage or GeoParquet (points from ``lon``/``lat`` when not geodata).

    A GeoDataFrame of points written as CSV or XLSX gets ``lon``/``lat`` columns
    (WGS-84) in place of its geometry, so :func:`read_stations` reads it back;
    other geometries are written as WKT text.

    Parameters
    ----------
    table
        The table; ``lon``/``lat`` in WGS-84 for geodata outputs.
    path
        Output file.

    Raises
    ------
    InputError
        For an unknown extension or a folder that does not exist.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.parent.exists():
        raise InputError("cannot write: the folder does not exist", file=str(path))
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            write_csv(_flat(table), p, sep="\t" if suffix == ".tsv" else ",")
        elif suffix in EXCEL_SUFFIXES:
            _flat(table).to_excel(p, index=False)
        elif suffix in GEO_SUFFIXES and suffix != ".shp":
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
                gdf.to_file(p, driver=driver)
        else:
            raise InputError(
                f"cannot write '{suffix or '(none)'}' files: use .csv, .xlsx, .geojson, .gpkg "
                "or .parquet",
                file=str(path),
            )
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
