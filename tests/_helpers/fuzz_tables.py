"""Random station and demand tables for the fuzz test of the readers (``geo.io``).

Shared by ``tests/io/test_fuzz_readers.py`` (a few hundred seeded examples in the suite)
and ``bench/fuzz_readers.py`` (a long run). Three kinds of input:

* :func:`csv_tables` — a table (an optional title row, a header, rows of random cells)
  written as CSV in a random encoding (UTF-8, UTF-8 with BOM, GBK, GB18030, UTF-16 with
  BOM as Excel's "Unicode text"), separator and line ending;
* :func:`xlsx_tables` — the same written as an XLSX workbook (cells of any type);
* :func:`garbage` — random bytes named ``.csv`` or ``.xlsx`` (also a zip holding garbage).

:func:`check_file` reads one as stations or demand and holds the readers to their promise:
either geo's own error (:class:`geo.errors.GeoError`) or a table in which every non-blank
data row is used or rejected, once, under the row number a spreadsheet shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from geo import schema
from geo.errors import GeoError
from geo.io import read_demand, read_stations

#: Headers a street office writes, and some that mean nothing to geo.
KNOWN_HEADERS = ["编号", "名称", "类型", "经度", "纬度", "人数", "经纬度", "坐标系", "地址",
                 "开放时间", "设施", "lng", "lat", "id", "weight", "层级"]
OTHER_HEADERS = ["备注", "联系人", "电话", "所属社区", "note", "", "经度(°)", "纬度（GCJ-02）"]
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"]

_NUMBER_TEXT = st.one_of(
    st.floats(min_value=119.0, max_value=122.0).map(lambda v: f"{v:.6f}"),
    st.floats(min_value=30.0, max_value=32.0).map(lambda v: f"{v:.6f}"),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.sampled_from(["1e308", "-0", "nan", "inf", "１２０．６", "120°36′44″E", "北纬31.3",
                     "120.6,31.28", "120.6，31.28", "31.28 120.6", "0", "0,0", "1,454"]),
)
_WORDS = st.sampled_from(["爱心补给点", "就业蓄能池", "海棠加油站", "安全训练营", "充电桩",
                          "gcj02", "wgs84", "bd09", "百度", "24小时", "08:00-20:00", "充电;饮用水",
                          "南门社区·驿站", "=HYPERLINK(\"x\")", "'=1+1", "+86 512", "@sum",
                          "-", "N/A", "无", "true", "NULL", "#VALUE!", "\"", "a\"b", "x\ny",
                          "\r", " ", "\u3000", "\t", "😀", "𠮷"])
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                max_size=12)


def _not_a_header(value: str) -> bool:
    """Data cells never spell a header: a data row naming more columns than the header
    would be taken for the header (and the rows above it for a title)."""
    return schema.canonical_column(value) is None


CELL = st.one_of(st.just(""), _NUMBER_TEXT, _WORDS, _TEXT).filter(_not_a_header)


@dataclass
class TableSpec:
    """A table to write: an optional title row, the header and the data rows (as text)."""

    title: str | None
    header: list[str]
    rows: list[list[str]]

    def nonblank_rows(self) -> list[int]:
        """Spreadsheet row numbers (header = 1 … or 2 under a title) of non-blank rows."""
        first = 2 if self.title is None else 3
        return [first + i for i, r in enumerate(self.rows) if any(c.strip() for c in r)]


@st.composite
def table_specs(draw: st.DrawFn, max_rows: int = 8) -> TableSpec:
    """A header with at least the coordinates most of the time, and rows of random cells."""
    header = draw(st.lists(st.sampled_from(KNOWN_HEADERS + OTHER_HEADERS), min_size=1,
                           max_size=7, unique=True))
    if draw(st.booleans()):
        header = ["编号", "经度", "纬度", *[h for h in header if h not in ("编号", "经度", "纬度")]]
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)),
                         max_size=max_rows))
    title = draw(st.one_of(st.none(), st.just("沧浪街道服务阵地一览表")))
    return TableSpec(title, header, rows)


def _fits(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def csv_bytes(spec: TableSpec, encoding: str, newline: str) -> bytes:
    """The table as a CSV file (tab-separated for UTF-16, as Excel's "Unicode text")."""
    sep = "\t" if encoding == "utf-16" else ","
    out = io.StringIO()
    # a bare carriage return ends a line for every reader (Excel too): such cells are quoted
    cr = any("\r" in c for r in spec.rows for c in r)
    writer = csv.writer(out, delimiter=sep, lineterminator=newline,
                        quoting=csv.QUOTE_ALL if cr else csv.QUOTE_MINIMAL)
    if spec.title is not None:
        writer.writerow([spec.title])
    writer.writerow(spec.header)
    writer.writerows(spec.rows)
    return out.getvalue().encode(encoding)


@st.composite
def csv_tables(draw: st.DrawFn) -> tuple[TableSpec, bytes, str]:
    """A table, its CSV bytes and the encoding used."""
    spec = draw(table_specs())
    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding == "utf-16":  # a tab inside a cell would be a separator
        spec.rows = [[c.replace("\t", " ") for c in r] for r in spec.rows]
    text = "\n".join(["\n".join(spec.header), *("".join(r) for r in spec.rows)])
    if not _fits(text, encoding) or not _fits(spec.title or "", encoding):
        encoding = "utf-8"  # GBK cannot hold every character: such files are saved as UTF-8
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return spec, csv_bytes(spec, encoding, newline), encoding


def xlsx_bytes(spec: TableSpec, values: list[list[object]]) -> bytes:
    """The table as a workbook; text is stored as text (never a formula)."""
    book = openpyxl.Workbook()
    ws = book.active
    r0 = 1
    if spec.title is not None:
        ws.cell(row=1, column=1, value=spec.title)
        r0 = 2
    for j, h in enumerate(spec.header, start=1):
        ws.cell(row=r0, column=j, value=h or None)
    for i, row in enumerate(values, start=r0 + 1):
        for j, v in enumerate(row, start=1):
            if v is None or v == "":
                continue
            cell = ws.cell(row=i, column=j, value=v)
            if isinstance(v, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_XLSX_VALUE = st.one_of(
    CELL.map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-10**15, max_value=10**15),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.none(),
)


@st.composite
def xlsx_tables(draw: st.DrawFn) -> tuple[TableSpec, bytes]:
    """A table and its XLSX bytes; the spec's rows say which cells are blank."""
    spec = draw(table_specs(max_rows=6))
    values = [draw(st.lists(_XLSX_VALUE, min_size=len(spec.header), max_size=len(spec.header)))
              for _ in spec.rows]
    spec.rows = [["" if v is None or (isinstance(v, str) and not v.strip()) else "x"
                  for v in row] for row in values]
    return spec, xlsx_bytes(spec, values)


@st.composite
def garbage(draw: st.DrawFn) -> tuple[str, bytes]:
    """Random bytes as a ``.csv`` or ``.xlsx`` file (or a zip of random members)."""
    suffix = draw(st.sampled_from([".csv", ".xlsx", ".txt", ".tsv"]))
    data = draw(st.binary(max_size=400))
    if suffix == ".xlsx" and draw(st.booleans()):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for name in draw(st.lists(st.sampled_from(
                    ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                     "xl/_rels/workbook.xml.rels", "_rels/.rels"]), unique=True, max_size=5)):
                z.writestr(name, draw(st.binary(max_size=200)))
        data = out.getvalue()
    elif draw(st.booleans()):  # a plausible start, then noise
        head = draw(st.sampled_from(["编号,经度,纬度\n", "经度,纬度\n", "lng,lat,人数\r\n"]))
        data = head.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))) + data
    if draw(st.booleans()):
        data = data.replace(b"\x00", b"") + bytes(draw(st.sampled_from(
            [b"", b'"', b"\xff\xfe", b"\r", b",,,,\n"])))
    return suffix, data


def check_file(path: Path, kind: str, spec: TableSpec | None) -> str:
    """Read ``path`` as ``kind`` (stations or demand); check the readers' promise.

    Returns
    -------
    str
        ``"error"`` (geo's own error), or ``"read"``.

    Raises
    ------
    AssertionError
        When a row was lost or counted twice.
    Exception
        Any error that is not geo's own (the test fails on it).
    """
    read = read_stations if kind == "stations" else read_demand
    try:
        table = read(path)
    except GeoError:
        return "error"
    used = [int(r) for r in table["row"]]
    rejected = [r.row for r in table.attrs["rejected"]]
    assert len(set(used)) == len(used), f"a row used twice: {used}"
    assert set(used).isdisjoint(rejected), f"rows both used and rejected: {used} {rejected}"
    if spec is not None:
        expected = spec.nonblank_rows()
        assert sorted(used + sorted(set(rejected))) == expected, (
            f"rows in {expected}, used {used}, rejected {sorted(set(rejected))}")
    return "read"


__all__ = ["CELL", "TableSpec", "check_file", "csv_tables", "garbage", "table_specs",
           "xlsx_tables"]
