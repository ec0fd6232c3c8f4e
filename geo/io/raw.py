"""Reading a table file as it is, before its columns are interpreted.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 as Excel in China saves them; detected,
never asked for), XLSX (a title row above the header is skipped), GeoJSON,
GeoPackage, Shapefile, FlatGeobuf and (Geo)Parquet become a :class:`RawTable`:
the cells with their headers as written, and the row numbers a user sees.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import budget, schema
from geo.errors import InputError, Rejected
from geo.io.cells import blank, blank_mask, cell_text
from geo.io.formats import check_content, check_local_path, gdal_offline
from geo.io.geocrs import crs_of_member, geojson_crs_member, not_degrees
from geo.io.plain import MAX_COLUMNS, MAX_ROWS, plain_columns
from geo.io.quotes import is_field_limit, unclosed_quote
from geo.io.sheets import restore
from geo.io.widths import SCAN_LINES, check_csv_width, check_geojson_width
from geo.io.workbook import open_workbook, value_bytes
from geo.io.xlsx import choose_sheet, fill_merged, merged_ranges, sheet_rows

__all__ = [
    "CSV_SUFFIXES",
    "EXCEL_SUFFIXES",
    "GEO_SUFFIXES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "PathArg",
    "RawTable",
    "detect_encoding",
    "is_lonlat_crs",
    "raw_table",
    "read_raw",
]

PathArg = str | PathLike[str]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet")
_HEADER_SCAN_ROWS = SCAN_LINES


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
        CSV/TXT/TSV, XLSX, GeoJSON, GeoPackage, Shapefile, FlatGeobuf or (Geo)Parquet,
        on this computer; its content must be what its extension says
        (:mod:`geo.io.formats`).
    sheet
        XLSX sheet name or 0-based index (hidden sheets count); by default the first
        visible sheet, with a warning naming hidden sheets before it.

    Returns
    -------
    RawTable

    Raises
    ------
    InputError
        If the file is missing, empty, of an unknown kind or unreadable (also: not
        permitted), too large for the memory budget (:mod:`geo.budget`), has more than
        :data:`MAX_COLUMNS` columns or :data:`MAX_ROWS` rows (a CSV's first lines, an
        XLSX cell beyond the limit and a GeoJSON's first features' properties are counted
        before the file is read, :mod:`geo.io.widths`), an unclosed quote (row and column
        named, :mod:`geo.io.quotes`), or geodata whose coordinates cannot be degrees and
        whose coordinate system is missing or unknown.
    """
    file = str(path)
    check_local_path(path, file)
    try:
        return _read_raw(Path(path), file, sheet)
    except PermissionError as exc:
        raise InputError(
            f"cannot read this file: permission denied ({exc.filename or file}); ask for read "
            "access to the file and its folders, or copy it to a folder of your own",
            file=file) from None
    except OSError as exc:  # a disk or network-drive error: the user's to fix
        raise InputError(f"cannot read this file ({exc.strerror or exc})", file=file) from None


def _read_raw(p: Path, file: str, sheet: str | int | None) -> RawTable:
    if not p.exists():
        raise InputError("file not found", file=file)
    if p.is_dir():
        raise InputError("this is a folder, not a table file", file=file)
    suffix = p.suffix.lower()
    if suffix in GEO_SUFFIXES or suffix in EXCEL_SUFFIXES:
        check_content(p, file)
    _check_memory(p, file, suffix)
    if suffix in CSV_SUFFIXES:
        return _check_shape(_read_csv(p, file))
    if suffix in EXCEL_SUFFIXES:
        return _check_shape(_read_excel(p, file, sheet))
    if suffix == ".xls":
        raise InputError(
            "old Excel format (.xls) is not supported: open it in Excel or WPS and "
            "save as .xlsx (or CSV)",
            file=file,
        )
    if suffix in GEO_SUFFIXES:
        if suffix in (".geojson", ".json"):
            check_geojson_width(p, file)
        return _check_shape(_read_geo(p, file))
    raise InputError(
        f"unknown file type '{suffix or '(none)'}': use CSV, XLSX, GeoJSON, GeoPackage "
        "or GeoParquet",
        file=file,
    )


def _check_shape(table: RawTable) -> RawTable:
    """Refuse a table wider than :data:`MAX_COLUMNS` or longer than :data:`MAX_ROWS`."""
    n_rows, n_cols = table.data.shape
    if n_cols == 0 and table.geometry is None:
        raise InputError("the table has no columns: no header row with column names was "
                         "found (经度, 纬度, 名称 …); is this the right file?", file=table.file)
    if n_cols > MAX_COLUMNS:
        raise InputError(f"the table has {n_cols:,} columns; geo reads at most {MAX_COLUMNS:,} "
                         "(a station, demand or 网格 table needs a handful): delete the "
                         "unused columns", file=table.file)
    if n_rows > MAX_ROWS:
        raise InputError(f"the table has {n_rows:,} rows; geo reads at most {MAX_ROWS:,}: "
                         "aggregate the demand to a grid first, or split the file",
                         file=table.file)
    return table


#: XLSX: memory per byte of the sheets' uncompressed XML (openpyxl holds every cell).
_XLSX_MEMORY_PER_XML_BYTE = 6
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml$")


def _check_memory(p: Path, file: str, suffix: str) -> None:
    """Refuse a file whose table would not fit the memory budget, before reading it."""
    if suffix in EXCEL_SUFFIXES:
        try:
            with zipfile.ZipFile(p) as z:
                parts = [i for i in z.infolist() if i.filename.startswith("xl/")]
                estimate = sum(i.file_size for i in parts) * _XLSX_MEMORY_PER_XML_BYTE
                if estimate > budget.current():
                    # a sheet formatted to column XFD is mostly value-less cells, which are
                    # never held (geo.io.workbook): count what is read of each sheet
                    estimate = _XLSX_MEMORY_PER_XML_BYTE * sum(
                        value_bytes(z, i.filename) if _SHEET_PART.match(i.filename)
                        else i.file_size for i in parts)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError,
                NotImplementedError, zlib.error):
            return  # the reader says what is wrong with it
    else:
        estimate = p.stat().st_size * budget.READ_BYTES_PER_FILE_BYTE.get(suffix, 8)
    budget.check(f"reading this file ({budget.format_bytes(p.stat().st_size)})", estimate,
                 hint="split it, or save it as CSV or GeoParquet", file=file)


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
    ascii_compatible = codec != "utf-16"
    offset = 0
    cjk = 0
    while True:
        chunk = fh.read(1 << 20)
        pending = decoder.getstate()[0]
        if ascii_compatible and chunk and not pending and chunk.isascii():
            # ASCII decodes as itself and holds no CJK character: nothing to look at
            offset += len(chunk)
            continue
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
        If the file starts with a byte-order mark its bytes do not follow, is
        neither UTF-8 nor GB18030, or is UTF-8 Chinese text with
        bytes that are not UTF-8 further on (e.g. a cell pasted from a GBK
        file, which decoding as GB18030 would garble); ``row`` is the line of
        the first byte that does not fit.
    """
    file = str(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
        marked = ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-16"
                  if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else None)
        if marked is not None:  # the byte-order mark says; the rest must agree
            bad = _first_bad_byte(fh, marked)
            if bad is None:
                return marked
            name = "UTF-8" if marked == "utf-8-sig" else "UTF-16"
            raise InputError(
                f"the file starts as {name} text (its first bytes say so), but this line "
                f"holds bytes that are not {name} (a damaged or cut file, or text pasted "
                "from another encoding): save the file again as 'CSV UTF-8' from Excel",
                file=file, row=_line_of(fh, bad[0]))
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
    found = {schema.canonical_column(v) for v in values if cell_text(v)}
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
    rows: list[list[str]] = []
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        try:
            rows += itertools.islice(reader, _HEADER_SCAN_ROWS)
        except csv.Error as exc:
            if is_field_limit(exc):  # a quote that swallows the rest of a large file
                h = _find_header(_padded(rows)) if rows else None
                found = h is not None and _header_score(rows[h]) > 0
                raise unclosed_quote(path, file, encoding, sep,
                                     headers=rows[h] if found else None,
                                     header_row=h + 1 if found else None) from None
            raise InputError(f"not a readable CSV table ({exc})", file=file,
                             row=reader.line_num) from None
    return _padded(rows)


def _padded(rows: list[list[str]]) -> pd.DataFrame:
    """Rows of text as one table, short rows padded with ``""``."""
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)


_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_QUOTES = re.compile(r"EOF inside string starting at row (\d+)")
#: Whether plain CSV files take :func:`_plain_csv` (pyarrow's reader); the tests turn it
#: off to compare with the general path.
_FAST_CSV = True


def _plain_csv(
    p: Path, encoding: str, sep: str, h: int, headers: list[object], numeric: set[str]
) -> pd.DataFrame | None:
    """A plain CSV file read with pyarrow's multi-threaded reader, exactly as
    :func:`pandas.read_csv` reads it in :func:`_read_csv`; ``None`` when the file is not
    plain and must take that general path (:func:`geo.io.plain.plain_columns` says what
    plain is). Text columns become the same Arrow-backed ``str`` columns (``""`` read as
    missing), numeric columns the same ``int64`` (integers, none blank) or ``float64``.
    """
    if encoding not in ("utf-8", "utf-8-sig") or h != 0 or len(sep) != 1:
        return None
    names = [str(c) for c in headers]
    if not all(isinstance(c, str) for c in headers):
        return None
    with open(p, "rb") as fh:
        raw = fh.read()
    columns = plain_columns(raw, sep, names, numeric)
    if columns is None:
        return None
    for name in names:
        if name not in numeric:
            columns[name] = pd.array(columns[name],
                                     dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    return pd.DataFrame(columns, columns=names)


def _read_csv(p: Path, file: str) -> RawTable:
    if p.stat().st_size == 0:
        raise InputError("the file is empty", file=file)
    encoding = detect_encoding(p)
    sep = _sniff_delimiter(p, encoding)
    common = {"encoding": encoding, "sep": sep, "skip_blank_lines": False}
    check_csv_width(p, file, encoding, sep)
    top = _top_rows(p, file, encoding, sep)
    if not any(cell_text(v) for v in top.to_numpy().ravel()):
        raise InputError("the file is empty (no text in its first rows)", file=file)
    h = _find_header(top)
    headers = top.iloc[h].tolist()
    numeric = {
        str(c) for c in headers if schema.canonical_column(c) in {"lon", "lat", "weight"}
    }
    data = _plain_csv(p, encoding, sep, h, headers, numeric) if _FAST_CSV else None
    try:
        if data is None:
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
        eof = _EOF_IN_QUOTES.search(str(exc))
        if eof:  # pandas counts lines from the header, from 0
            raise unclosed_quote(p, file, encoding, sep, line=int(eof.group(1)) + h + 1,
                                 headers=headers, header_row=h + 1) from None
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
    for c in data.columns:  # a ' put before a formula character by geo's own CSV writer
        data[c] = restore(data[c])
    rows = np.arange(len(data), dtype=np.int64) + h + 2
    return RawTable(data, rows, file)


def _forbidden_xml(exc: BaseException | None) -> bool:
    """Whether defusedxml (openpyxl parses with it) refused an entity or DTD in ``exc``."""
    while exc is not None:
        if type(exc).__module__.startswith("defusedxml"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _unreadable_workbook(exc: Exception, file: str) -> InputError:
    """The error for a workbook openpyxl could not read (``exc``)."""
    if _forbidden_xml(exc):
        return InputError("the workbook's XML declares entities or a DTD, which Excel and WPS "
                          "never write and geo does not read (a crafted file?): save it again "
                          "from Excel or WPS", file=file)
    return InputError(f"not a readable XLSX workbook ({exc})", file=file)


def _read_excel(p: Path, file: str, sheet: str | int | None) -> RawTable:
    # the file is opened here, so that it is closed whatever openpyxl raises (a workbook
    # refused while loading left it open until the garbage collector came)
    with contextlib.ExitStack() as stack:
        try:
            fh = stack.enter_context(open(p, "rb"))
            book = open_workbook(fh)
        except Exception as exc:  # openpyxl raises several kinds for damaged files
            raise _unreadable_workbook(exc, file) from None
        stack.callback(book.close)
        # the stored <dimension> is not used (some exporters get it wrong, e.g. "A1"): every
        # row is read to its last cell with a value (geo.io.workbook)
        ws, warnings = choose_sheet(book, sheet, file)
        try:
            cells = sheet_rows(ws.iter_rows(values_only=True), file, MAX_COLUMNS)
        except InputError:
            raise
        except Exception as exc:  # the sheet's XML is parsed as it is read
            raise _unreadable_workbook(exc, file) from None
    while cells and all(blank(v) for v in cells[-1]):
        cells.pop()
    if not cells:
        raise InputError("the sheet is empty", file=file)
    width = max(len(r) for r in cells)
    grid = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in cells], dtype=object)
    h = _find_header(grid)
    written = grid.iloc[h].tolist()
    headers = _dedupe([_header_text(v, j) for j, v in enumerate(written)])
    warnings += fill_merged(grid, merged_ranges(p, ws), h, headers, file)
    data = grid.iloc[h + 1 :].reset_index(drop=True)
    data.columns = headers
    # columns without a header are kept only when they hold something (not mere formatting)
    keep = [
        c for c, v in zip(data.columns, written, strict=True)
        if cell_text(v) or not blank_mask(data[c]).all()
    ]
    data = data[keep]
    rows = np.arange(len(data), dtype=np.int64) + h + 2
    return RawTable(data, rows, file, warnings=warnings)


def _header_text(value: object, j: int) -> str:
    text = cell_text(value)
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
            gdal_offline()
            gdf = gpd.read_file(p, engine="pyogrio")
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"not a readable geodata file ({exc})", file=file) from None
    lonlat = True
    warnings: list[Rejected] = []
    member = geojson_crs_member(p) if suffix in (".geojson", ".json") else None
    unknown = None
    if member is not None:
        known = crs_of_member(member)
        if known is None:
            unknown = member  # GDAL took it as WGS-84 degrees without a word
        elif gdf.crs is None or not known.equals(gdf.crs):
            gdf = gdf.set_crs(known, allow_override=True)
    if gdf.crs is not None and not is_lonlat_crs(gdf.crs):
        gdf = gdf.to_crs(4326)
        lonlat = False
    else:
        _check_degrees(p, file, gdf, unknown)
        if unknown is not None:
            warnings.append(Rejected(
                file, 1, "crs",
                f"the file's \"crs\" member names '{unknown[:80]}', a coordinate system geo "
                "does not know; the coordinates look like degrees and are read as longitude "
                "and latitude (in the --crs system): export the file as WGS-84 (EPSG:4326) "
                "to be sure"))
    data = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    data.columns = [str(c) for c in data.columns]
    rows = np.arange(len(data), dtype=np.int64) + 1
    return RawTable(data, rows, file, gdf.geometry.to_numpy(), lonlat, warnings)


def _check_degrees(p: Path, file: str, gdf: gpd.GeoDataFrame, unknown: str | None) -> None:
    """Refuse geodata taken as degrees whose coordinates cannot be degrees, saying what is
    missing (a shapefile's .prj, a known ``crs`` member)."""
    bad, (x0, y0, x1, y1) = not_degrees(gdf.geometry.to_numpy())
    if not bad:
        return
    where = f"x {x0:,.0f} to {x1:,.0f}, y {y0:,.0f} to {y1:,.0f}"
    if unknown is not None:
        why = (f"its \"crs\" member names '{unknown[:80]}', a coordinate system geo does not "
               "know: export the file again in WGS-84 (EPSG:4326) or with an EPSG code")
    elif p.suffix.lower() == ".shp" and not any(
        q.suffix.lower() == ".prj" for q in p.parent.glob(p.stem + ".*") if q.stem == p.stem
    ):
        why = (f"the shapefile's .prj file ({p.stem}.prj), which says which coordinate system "
               "they are in, is missing: copy it beside the .shp (with .shx and .dbf), or "
               "export the file again as GeoPackage or in WGS-84")
    elif gdf.crs is None:
        why = ("the file does not say which coordinate system they are in: export it again "
               "with its coordinate system, or in WGS-84 (EPSG:4326)")
    else:
        why = (f"the file says they are degrees ({gdf.crs.name}), but the numbers are metres "
               "or another unit: export it again with its true coordinate system")
    raise InputError(f"the coordinates are not longitude/latitude degrees ({where}): {why}",
                     file=file)


def is_lonlat_crs(crs: object) -> bool:
    """Whether a CRS is geographic (degrees), e.g. EPSG:4326 or a GCJ-02 file's WGS-84 tag."""
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    return bool(c.is_geographic)



def raw_table(path: PathArg | pd.DataFrame, sheet: str | int | None) -> RawTable:
    """A file, or a (Geo)DataFrame already in memory, as a :class:`RawTable`.

    Parameters
    ----------
    path
        A file (see :func:`read_raw`) or a DataFrame; a GeoDataFrame in a projected
        CRS is converted to WGS-84, one in degrees is kept as it is.
    sheet
        XLSX sheet name or 0-based index (files only).

    Returns
    -------
    RawTable
        Row numbers: spreadsheet rows (header = 1) for a plain DataFrame, feature
        numbers for a GeoDataFrame; named after ``attrs["source"]`` when set.
        ``attrs["first_row"]`` gives the first row's number instead (1 for a frame
        read from Parquet, whose rows count from 1 as features do).
    """
    if isinstance(path, gpd.GeoDataFrame):
        geoms = path.geometry.to_numpy()
        data = pd.DataFrame(path.drop(columns=path.geometry.name)).reset_index(drop=True)
        rows = np.arange(len(data), dtype=np.int64) + 1
        lonlat = path.crs is None or is_lonlat_crs(path.crs)
        if not lonlat:
            geoms = path.geometry.to_crs(4326).to_numpy()
        return RawTable(data, rows, str(path.attrs.get("source", "table")), geoms, lonlat)
    if isinstance(path, pd.DataFrame):
        data = path.reset_index(drop=True)
        data.columns = [str(c) for c in data.columns]
        rows = np.arange(len(data), dtype=np.int64) + int(path.attrs.get("first_row", 2))
        return RawTable(data, rows, str(path.attrs.get("source", "table")))
    return read_raw(path, sheet=sheet)

