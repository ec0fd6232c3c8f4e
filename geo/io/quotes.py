"""Where a CSV file's double quote opens a cell and never closes, in a planner's words.

A quote opened and not closed makes the rest of the file one cell. The parsers say so in
their own terms — pandas "EOF inside string starting at row 2" (a line counted from the
header, from 0), Python's csv module "field larger than field limit (131072)" on whatever
line the swallowed text passes 128 KB — and a quote in the header row made the rest of the
file a column name. :func:`unclosed_quote` finds the row as a spreadsheet counts it (a
cell may hold line breaks; header = row 1) and the cell the quote opens, named by its
header when the row is below the header, by its column letter otherwise.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from pathlib import Path

from geo.errors import InputError

__all__ = ["FIELD_LIMIT", "is_field_limit", "unclosed_quote"]

#: The longest cell Python's csv module reads (its ``field_size_limit``, left as it is: it
#: is one setting for the whole process).
FIELD_LIMIT = csv.field_size_limit()
#: Characters of the quoted cell's row read again to find the cell.
_RECORD_CHARS = 1 << 16
#: Characters of the cell shown in the message.
_SHOWN = 24


def is_field_limit(exc: csv.Error) -> bool:
    """Whether the csv module gave up on a cell longer than :data:`FIELD_LIMIT`."""
    return "field larger than field limit" in str(exc)


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j)


def _find_record(p: Path, encoding: str, sep: str, line: int | None) -> tuple[int, int, bool]:
    """``(record, its first line, cut)`` of the record holding physical ``line`` (or, when
    ``line`` is ``None``, of the first record the csv module cannot finish); ``cut`` when
    the csv module gave up on it (a cell past :data:`FIELD_LIMIT`)."""
    with open(p, encoding=encoding, newline="", errors="replace") as fh:
        reader = csv.reader(fh, delimiter=sep)
        record, start = 0, 1
        while True:
            start = reader.line_num + 1
            try:
                next(reader)
            except StopIteration:
                return record, start, False  # the last record ran to the end
            except csv.Error:
                return record + 1, start, True
            record += 1
            if line is not None and reader.line_num >= line:
                return record, start, False


def _opened_cell(p: Path, encoding: str, sep: str, start: int) -> tuple[int, str]:
    """(0-based position, first characters) of the cell left open in the record that
    starts on physical line ``start``: the last cell of that record."""
    with open(p, encoding=encoding, newline="", errors="replace") as fh:
        text, size = [], 0
        for piece in itertools.islice(fh, start - 1, None):
            text.append(piece)
            size += len(piece)
            if size >= _RECORD_CHARS:
                break
    try:
        fields = next(csv.reader(io.StringIO("".join(text)[:_RECORD_CHARS]), delimiter=sep),
                      [""])
    except csv.Error:
        return 0, ""
    cell = fields[-1] if fields else ""
    return max(len(fields) - 1, 0), cell.splitlines()[0] if cell else ""


def unclosed_quote(
    p: Path,
    file: str,
    encoding: str,
    sep: str,
    *,
    line: int | None = None,
    headers: Sequence[object] | None = None,
    header_row: int | None = None,
) -> InputError:
    """The error for a double quote that opens a cell and is never closed.

    Parameters
    ----------
    p, file
        The CSV file, and its name for messages.
    encoding, sep
        How it is read.
    line
        The physical line (1-based) on which the parser saw the quoted cell start, or
        ``None``: the first record the csv module cannot finish (a cell past
        :data:`FIELD_LIMIT` characters).
    headers, header_row
        The header row's cells and its row number (1-based), when known: a cell below it
        is named by its header, any other by its column letter.

    Returns
    -------
    InputError
        Naming the row as a spreadsheet shows it and the column, with the cell's first
        characters, saying to close or remove the quote.
    """
    row, start, cut = _find_record(p, encoding, sep, line)
    j, shown = _opened_cell(p, encoding, sep, start)
    below = headers is not None and header_row is not None and row > header_row
    column = (str(headers[j]) if below and j < len(headers)  # type: ignore[arg-type]
              else _column_letter(j + 1))
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN] + "…"
    how = (f"is not closed in the next {FIELD_LIMIT:,} characters" if cut
           else "is never closed")
    return InputError(
        f"a double quote (\") opens this cell but {how}, so the rest of the file would be "
        f"one cell: close the quote, or remove it (the cell starts: \"{shown})",
        file=file, row=row if row > 0 else None, column=column)
