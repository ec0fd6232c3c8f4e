"""An XLSX workbook opened to read one sheet, as fast for a sheet formatted to column XFD as
for one that is not.

openpyxl's read-only mode has two costs that a sheet wider than its data makes huge:

* **opening**: every sheet without a ``<dimension>`` element (openpyxl's own streaming
  writer and several exporters leave it out) is parsed to its end to find one, before a
  row is read; geo never uses the stored dimension (it is often wrong) and reads each row
  to its last cell instead;
* **reading**: every cell element becomes a Python object, including the value-less cells
  of formatting (``<c r="D2" s="1"/>``): 16,384 of them per row of a sheet formatted to its
  last column, 0.1 s per row.

:func:`open_workbook` opens without the first, and streams each sheet's XML through
:class:`ValueCells`, which drops runs of value-less cells (a C-speed regular expression)
before openpyxl parses it: a row is then as wide as its last cell holding something, and a
42 MB sheet of 1,000 rows formatted to XFD reads in about a second instead of minutes.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO, Any

__all__ = ["ValueCells", "open_workbook", "value_bytes"]

#: Bytes of a sheet's XML read from the archive at a time.
_CHUNK = 1 << 20
#: Bytes held back looking for the start of a row before the XML is cut at any tag instead.
_MAX_CARRY = 64 << 20
#: The root element, and its namespace prefix if it has one (``<x:worksheet``).
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")


def _empty_runs(prefix: bytes) -> re.Pattern[bytes]:
    """Runs of self-closing (so value-less) cells followed by the end of their row or by a
    cell that names its own position (``r="…"``).

    openpyxl places a cell without ``r`` one column right of the cell before it: a run is
    dropped only where no such cell follows, so no kept cell changes column.
    """
    p = re.escape(prefix)
    return re.compile(rb"(?:<" + p + rb"c\s[^>]*/>\s*)+(?=</" + p + rb"row>|<" + p
                      + rb"c\s[^>]*\br=)")


class ValueCells(io.RawIOBase):
    """A worksheet's XML without its value-less cells, read from ``raw`` as it is read.

    Parameters
    ----------
    raw
        The worksheet part of the archive (a binary file object); closed with this one.

    Notes
    -----
    The XML is filtered a chunk at a time, each cut before the last row that starts in it
    (so a run of empty cells is never split), holding back at most ``_MAX_CARRY`` bytes.
    A sheet whose root element is not found in its first chunk (not SpreadsheetML) passes
    unchanged.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._out = b""
        self._pos = 0
        self._carry = b""
        self._done = False
        self._runs: re.Pattern[bytes] | None = None
        self._row = b"<row"
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        """Fill ``b`` with the next filtered bytes; 0 at the end."""
        while self._pos >= len(self._out) and not self._done:
            self._out, self._pos = self._next(), 0
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n

    def _next(self) -> bytes:
        """The next piece of filtered XML (possibly empty while rows are gathered)."""
        chunk = self._raw.read(_CHUNK)
        buf = self._carry + chunk
        if not chunk:
            self._done, self._carry = True, b""
            return self._filter(buf)
        if not self._started:
            root = _ROOT.search(buf)
            if root is None and len(buf) < _CHUNK:
                self._carry = buf  # the root element is still to come
                return b""
            self._started = True
            if root is not None:
                prefix = root.group(1) + b":" if root.group(1) else b""
                self._runs = _empty_runs(prefix)
                self._row = b"<" + prefix + b"row"
        cut = buf.rfind(self._row)
        if cut <= 0:
            if len(buf) < _MAX_CARRY:
                self._carry = buf  # one row so far: gather the next one
                return b""
            cut = max(buf.rfind(b"<"), 0) or len(buf)
        self._carry = buf[cut:]
        return self._filter(buf[:cut])

    def _filter(self, xml: bytes) -> bytes:
        return self._runs.sub(b"", xml) if self._runs is not None else xml

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def value_bytes(archive: zipfile.ZipFile, member: str) -> int:
    """The size of a worksheet's XML once :class:`ValueCells` has dropped its value-less
    cells: what reading it holds, counted in one pass (about a second per GB of XML).

    Parameters
    ----------
    archive
        The workbook, open.
    member
        The worksheet's part (``xl/worksheets/sheet1.xml``).

    Returns
    -------
    int
    """
    n = 0
    with ValueCells(archive.open(member)) as src:
        while chunk := src.read(_CHUNK):
            n += len(chunk)
    return n


def open_workbook(fh: IO[bytes]) -> Any:
    """An openpyxl workbook opened read-only (cached values, not formulas) whose worksheets
    are read through :class:`ValueCells` and not measured when opened.

    Parameters
    ----------
    fh
        The workbook file, open in binary mode.

    Returns
    -------
    openpyxl.Workbook
        Read-only; its worksheets have no dimensions (``max_column`` is ``None``), so each
        row is as long as its last cell with a value.

    Raises
    ------
    Exception
        Whatever openpyxl raises for a damaged workbook (the caller says what is wrong).
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class _Sheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            """Not measured: the stored dimension is not used (no parse to find one)."""

        def _get_source(self) -> ValueCells:
            return ValueCells(super()._get_source())

    class _Reader(ExcelReader):  # type: ignore[misc]
        def read_worksheets(self) -> None:
            """openpyxl's read-only branch, with :class:`_Sheet` worksheets."""
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                ws = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    reader = _Reader(fh, read_only=True, data_only=True)
    reader.read()
    return reader.wb
