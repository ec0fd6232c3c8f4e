"""One sheet of an XLSX workbook as rows: which sheet, how wide, and its merged cells.

What a workbook from a street office can hold besides its table, and what geo does:

* a **hidden sheet** before the table (an old version, a lookup list): the first
  *visible* sheet is read, with a warning naming the hidden one(s) (``--sheet`` reads
  any sheet, hidden or not);
* **merged cells** in the data (one 类型 written once for several stations): openpyxl
  gives the value to the first cell only, so the others would be blank; the value is
  filled down the merged rows of its column, with a warning naming the cells;
* a sheet **wider than its data** (formatting to column XFD, 16,384 columns): only
  cells that hold something count (the value-less ones are dropped before openpyxl parses
  the sheet, :mod:`geo.io.workbook`); a value beyond :data:`geo.io.raw.MAX_COLUMNS`
  columns refuses the file at once, naming the row and column, before the rest is read.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import InputError, Rejected
from geo.io.cells import blank, cell_text

__all__ = ["MergedRange", "choose_sheet", "fill_merged", "merged_ranges", "sheet_rows"]

#: A merged block of cells: first row, first column, last row, last column (1-based, as
#: Excel numbers them).
MergedRange = tuple[int, int, int, int]

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+[^>]*?ref="([A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?)"')
_CHUNK = 1 << 20
#: Merged ranges named one by one in the warnings; the rest are counted.
_LISTED = 10


def choose_sheet(book: Any, sheet: str | int | None, file: str) -> tuple[Any, list[Rejected]]:
    """The worksheet to read, and a warning when a hidden sheet was passed over or chosen.

    Parameters
    ----------
    book
        An openpyxl workbook.
    sheet
        A sheet name or 0-based index (hidden sheets count), or ``None``: the first
        visible sheet.
    file
        The file name for messages.

    Returns
    -------
    worksheet, warnings

    Raises
    ------
    InputError
        For a sheet that does not exist.
    """
    names = book.sheetnames
    states = [getattr(ws, "sheet_state", "visible") for ws in book.worksheets]
    if sheet is None:
        visible = [i for i, s in enumerate(states) if s == "visible"]
        index = visible[0] if visible else 0
        skipped = [names[i] for i in range(index)]
        warnings = []
        if skipped:
            listed = ", ".join(f"'{n}'" for n in skipped)
            warnings.append(Rejected(
                file, 1, "sheet",
                f"the first visible sheet '{names[index]}' is read; the hidden sheet(s) "
                f"{listed} before it are not (give --sheet {skipped[0]} to read one)"))
        return book.worksheets[index], warnings
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(
                f"sheet {sheet} does not exist: the workbook has {len(names)} sheet(s) "
                f"({', '.join(names)}), numbered from 0",
                file=file,
            )
        index = sheet
    elif sheet in names:
        index = names.index(sheet)
    else:
        raise InputError(f"no sheet named '{sheet}': the sheets are {', '.join(names)}",
                         file=file)
    warnings = []
    if states[index] != "visible":
        warnings.append(Rejected(file, 1, "sheet", f"sheet '{names[index]}' is hidden in the "
                                 "workbook; it is read because it was asked for"))
    return book.worksheets[index], warnings


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def sheet_rows(rows: Iterable[tuple[Any, ...]], file: str, max_columns: int) -> list[tuple]:
    """The sheet's rows, each cut to ``max_columns`` cells when the rest are empty.

    A sheet formatted to its last column (XFD) gives 16,384 empty cells per row: kept,
    they took gigabytes. A value beyond ``max_columns`` stops the reading at once.

    Parameters
    ----------
    rows
        Rows of cell values, in sheet order from row 1 (``iter_rows(values_only=True)``).
    file
        The file name for messages.
    max_columns
        The widest table read.

    Returns
    -------
    list of tuple

    Raises
    ------
    InputError
        For a value in a column beyond ``max_columns``, with its row and column.
    """
    out: list[tuple] = []
    for i, row in enumerate(rows, start=1):
        if len(row) > max_columns:
            extra = row[max_columns:]
            if extra.count(None) != len(extra):  # C speed; blank text is checked next
                for j, v in enumerate(extra, start=max_columns + 1):
                    if not blank(v):
                        raise InputError(
                            f"the sheet has a value ({cell_text(v)[:40]!r}) in column "
                            f"{_column_letter(j)}, number {j:,}: geo reads tables of at most "
                            f"{max_columns:,} columns (a station, demand or 网格 table needs "
                            "a handful): delete the columns to the right of the table",
                            file=file, row=i, column=_column_letter(j))
            row = row[:max_columns]
        out.append(row)
    return out


def merged_ranges(path: Path, ws: Any) -> list[MergedRange]:
    """The merged cells of a read-only worksheet, read from its XML (openpyxl's read-only
    mode does not keep them).

    Parameters
    ----------
    path
        The workbook.
    ws
        Its worksheet, opened read-only.

    Returns
    -------
    list of (first row, first column, last row, last column)
        1-based; empty when the sheet has none (or its part cannot be found).
    """
    from openpyxl.utils.cell import range_boundaries

    member = getattr(ws, "_worksheet_path", None)
    if not member:
        return []
    refs: list[bytes] = []
    try:
        with zipfile.ZipFile(path) as z, z.open(member.lstrip("/")) as fh:
            tail = b""
            while chunk := fh.read(_CHUNK):
                text = tail + chunk
                # most chunks of a large sheet hold no merge: a plain search says so fast
                found = list(_MERGE.finditer(text)) if b"mergeCell" in text else []
                refs += [m.group(1) for m in found]
                # keep what may be the start of a cut element; never count one twice
                cut = max(len(text) - 256, found[-1].end() if found else 0)
                tail = text[cut:]
    except (KeyError, OSError, zipfile.BadZipFile):
        return []
    out = []
    for ref in dict.fromkeys(refs):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        out.append((min_row, min_col, max_row, max_col))
    return out


def _ref(r: MergedRange) -> str:
    a = f"{_column_letter(r[1])}{r[0]}"
    b = f"{_column_letter(r[3])}{r[2]}"
    return a if a == b else f"{a}:{b}"


def fill_merged(
    grid: pd.DataFrame, ranges: list[MergedRange], header: int, headers: list[str], file: str
) -> list[Rejected]:
    """Give every row of a merged block in the data its value (in place), and say so.

    Parameters
    ----------
    grid
        The sheet as cells, position ``[i, j]`` = sheet row ``i + 1``, column ``j + 1``.
    ranges
        The merged blocks (:func:`merged_ranges`).
    header
        The position of the header row in ``grid``: blocks that start on it or above
        (a title merged across the columns, two-level headers) are left alone.
    headers
        The column names, for messages.
    file
        The file name for messages.

    Returns
    -------
    list of Rejected
        One warning per filled block (the first few; then one counting the rest).
    """
    n_rows, n_cols = grid.shape
    filled: list[tuple[MergedRange, object]] = []
    for r in ranges:
        top, left = r[0] - 1, r[1] - 1  # positions in grid
        if top <= header or top >= n_rows or left >= n_cols:
            continue  # above the data (a title, two-level headers) or outside the table
        value = grid.iat[top, left]
        if blank(value):
            continue
        bottom = min(r[2], n_rows)  # exclusive position
        if bottom > top + 1:
            grid.iloc[top + 1 : bottom, left] = np.full(bottom - top - 1, value, dtype=object)
        filled.append((r, value))
    warnings = []
    for r, value in filled[:_LISTED]:
        column = headers[r[1] - 1] if r[1] - 1 < len(headers) else _column_letter(r[1])
        others = (f"; the other column(s) of the block ({_column_letter(r[1] + 1)}–"
                  f"{_column_letter(r[3])}) stay blank" if r[3] > r[1] else "")
        rows = f"used for rows {r[0]}–{r[2]}" if r[2] > r[0] else f"in row {r[0]}"
        warnings.append(Rejected(
            file, r[0], column,
            f"cells {_ref(r)} are merged: their value '{cell_text(value)[:40]}' is "
            f"{rows} of column '{column}'{others} (unmerge the cells in Excel to check)"))
    if len(filled) > _LISTED:
        first = filled[_LISTED][0]
        warnings.append(Rejected(
            file, first[0], headers[first[1] - 1] if first[1] - 1 < len(headers) else "",
            f"… and {len(filled) - _LISTED} more merged blocks filled the same way "
            f"({', '.join(_ref(r) for r, _ in filled[_LISTED:_LISTED + 5])} …)"))
    return warnings
