"""Random station and demand tables for the fuzz test of the readers (``geo.io``).

Shared by ``tests/io/test_fuzz_readers.py`` (a few hundred seeded examples in the suite)
and ``bench/fuzz_readers.py`` (a long run). Three kinds of input:

* :func:`csv_tables` — a table (an optional title row, a header, rows of random cells)
  written as CSV in a random encoding (UTF-8, UTF-8 with BOM, GBK, GB18030, UTF-16 with
  BOM as Excel's "Unicode text"), separator and line ending;
* :func:`xlsx_tables` — the same written as an XLSX workbook (cells of any type);
* :func:`garbage` — random bytes named ``.csv`` or ``.xlsx`` (also a zip holding garbage);
* :func:`plain_csv_tables` — station and demand CSV files that are *plain* (what the
  pandas-free reader of :mod:`geo.lean`, which ``geo check`` tries first, takes) most of
  the time, with odd cells, headers, encodings and line endings now and then.

:func:`check_file` reads one as stations or demand and holds the readers to their promise:
either geo's own error (:class:`geo.errors.GeoError`) or a table in which every non-blank
data row is used or rejected, once, under the row number a spreadsheet shows.
:func:`check_lean` holds the plain reader to its own: it declines (and the general path
keeps the promise above), or it gives the general reader's coordinates and weights byte
for byte, every row, where the general reader rejects and remarks on nothing.
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


# --- nearly plain CSV tables, for the pandas-free reader of geo.lean --------------------------

#: Headers of a plain table (:mod:`geo.lean.points` takes every known column once), and a
#: few that make it not plain.
PLAIN_HEADERS: dict[str, list[str]] = {
    "id": ["编号", "id", "序号", "站点编号"], "name": ["名称", "name", "站点名称"],
    "category": ["类型", "category"], "level": ["层级"], "lon": ["经度", "lng", "lon", "x"],
    "lat": ["纬度", "lat", "y"], "coord_system": ["坐标系", "coord_system"],
    "address": ["地址"], "amenities": ["设施"], "hours": ["开放时间"],
    "weight": ["人数", "weight", "需求"],
}
_NOT_PLAIN_HEADERS = ["备注", "经度(GCJ-02)", "纬度（WGS84）", "kind", "Lng ", "", "经纬度"]
_PLAIN_DIGITS = st.integers(min_value=0, max_value=9)


@st.composite
def _decimal(draw: st.DrawFn, low: float, high: float) -> str:
    value = draw(st.floats(min_value=low, max_value=high, allow_nan=False))
    return f"{value:.{draw(_PLAIN_DIGITS)}f}"


# Cells of four kinds: "normal"; "odd" — plain and usable, but written oddly (13 to 16
# characters of a long decimal, a leading zero, a trailing or leading point, fractions of a
# person, Chinese ids, an ideographic space to trim); "edge" — plain in form, but a value
# the general reader rejects or remarks on (zero, out of range, abroad in GCJ-02, a weight
# above the limit, a repeated id), which the plain reader must decline; "bad" — not plain
# (blank, spaces, signs and exponents, full-width digits, words).


def _odd_coordinate(low: float, high: float) -> st.SearchStrategy[str]:
    value = st.floats(min_value=low, max_value=high, allow_nan=False)
    return st.one_of(
        st.tuples(value, st.integers(13, 17)).map(lambda t: f"{t[0]:.13f}"[:t[1]]),
        value.map(lambda v: f"0{v:.4f}"),
        value.map(lambda v: f"{v:.0f}."),
    )


_EDGE_COORDINATE = st.sampled_from(
    ["-0", "0", "0.0", "-120.6", "200.5", "91", "-91", "31.28", "116.4", "2.35", ".5", "-.5",
     "1206123456789012", "4.5"])
_ODD_WEIGHT = st.one_of(
    st.sampled_from(["2.3", "0.1", "0.000001", "999999999999.9", "1000000000000", "3.", ".7",
                     "007", "0.1234567890123", "-0", "0", "1.05", "12.34", "0.333333333333"]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda v: f"{v:.9f}"[:16]),
    st.floats(min_value=0, max_value=1, allow_nan=False).map(lambda v: f"{v:.6f}"[1:]))
_EDGE_WEIGHT = st.sampled_from(["-1", "1000000000001", "1000000000000.5", "9999999999999",
                                "100000000000000", "-0.5"])
_ODD_ID = st.sampled_from(["站点一", "站点一\u3000", "ABCDEFGHIJ12", "D1234567", "D123456", "0",
                           "=1+1", "-5", "𠮷", "\u3000S9", "s1"])
_NOT_PLAIN_NUMBER = st.sampled_from(
    ["", " 120.6", "120.6 ", "1.206e2", "+120.6", "１２０．６", "120.6°", "abc", "-", "1-2",
     "1.2.3", "nan", "inf", "120.60000000000001", " 3", "1e13"])
_NOT_PLAIN_ID = st.sampled_from(["", " ", "S1 ", " S2", "S'1", "\u3000"])
_CRS_CELLS = st.sampled_from(["wgs84", "gcj02", "bd09", "WGS-84", "高德", "GCJ02 ", "", "etrs89",
                              "火星", "百度"])
_HOURS = st.sampled_from(["24h", "08:00-20:00", "20:00-02:00", "", "全天", "bad", "8-20"])
#: Text a plain table may hold (no quote, apostrophe, comma or line break).
_PLAIN_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",),
                                             exclude_characters="\"',\r\n"), max_size=6)
_COORDINATE_RANGE = {"lon": (119.0, 122.0), "lat": (30.0, 32.5)}


@st.composite
def _plain_cell(draw: st.DrawFn, canonical: str, i: int, how: str) -> str:
    """One cell of a column, of the kind ``how`` (see above)."""
    if canonical in _COORDINATE_RANGE:
        low, high = _COORDINATE_RANGE[canonical]
        return draw({"normal": _decimal(low, high), "odd": _odd_coordinate(low, high),
                     "edge": _EDGE_COORDINATE, "bad": _NOT_PLAIN_NUMBER}[how])
    if canonical == "weight":
        return draw({"normal": st.integers(0, 60).map(str), "odd": _ODD_WEIGHT,
                     "edge": _EDGE_WEIGHT, "bad": _NOT_PLAIN_NUMBER}[how])
    if canonical == "id":
        repeated = st.one_of(st.integers(1, max(i - 1, 1)).map(lambda k: f"S{k}"),
                             st.sampled_from(["\u3000S1", "S1\u3000", "S1\u00a0"]))
        return draw({"normal": st.just(f"S{i}"), "odd": _ODD_ID, "edge": repeated,
                     "bad": _NOT_PLAIN_ID}[how])
    if canonical == "coord_system":
        return draw(_CRS_CELLS) if how != "normal" else draw(st.sampled_from(["wgs84", "gcj02"]))
    if canonical == "hours":
        return draw(_HOURS) if how != "normal" else "08:00-20:00"
    return draw({"normal": st.sampled_from(["爱心补给点", "南门驿站", "x"]), "odd": _PLAIN_TEXT,
                 "edge": _PLAIN_TEXT, "bad": _WORDS}[how])


@dataclass
class PlainCase:
    """A nearly plain CSV file: its bytes, the table as written, the kind and ``--crs``."""

    spec: TableSpec
    data: bytes
    kind: str
    crs: str


@st.composite
def plain_csv_tables(draw: st.DrawFn) -> PlainCase:
    """A station or demand CSV table that is plain (:mod:`geo.lean.points`) most of the time,
    with a few odd cells, headers, encodings or line endings that may make it not plain."""
    kind = draw(st.sampled_from(["stations", "demand"]))
    wanted = ["lon", "lat", *draw(st.lists(st.sampled_from(
        [c for c in PLAIN_HEADERS if c not in ("lon", "lat")]), unique=True, max_size=5))]
    if kind == "demand" and draw(st.booleans()) and "weight" not in wanted:
        wanted.append("weight")
    order = draw(st.permutations(wanted))
    header = [draw(st.sampled_from(PLAIN_HEADERS[c])) for c in order]
    # (rare draws are the high ones: hypothesis starts from, and shrinks towards, 0)
    if draw(st.integers(0, 9)) == 9:  # a header geo knows another way, or not at all
        header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(_NOT_PLAIN_HEADERS))
    n = draw(st.integers(1, 12))
    # how often a cell is odd, on an edge or bad (cumulative)
    odd = draw(st.sampled_from([0.0, 0.2, 0.5]))
    edge = odd + draw(st.sampled_from([0.0, 0.0, 0.03, 0.1]))
    bad = edge + draw(st.sampled_from([0.0, 0.0, 0.0, 0.05]))
    rows = []
    for i in range(1, n + 1):
        cells = []
        for c in order:
            u = draw(st.floats(0, 1, exclude_max=True))
            how = ("odd" if u < odd else "edge" if u < edge else "bad" if u < bad
                   else "normal")
            cells.append(draw(_plain_cell(c, i, how)))
        rows.append(cells)
    spec = TableSpec(None, header, rows)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    out = io.StringIO()
    # a bare carriage return ends a line for every reader: such cells are quoted (csv_bytes)
    cr = any("\r" in c for r in rows for c in r)
    csv.writer(out, lineterminator=newline,
               quoting=csv.QUOTE_ALL if cr else csv.QUOTE_MINIMAL).writerows([header, *rows])
    text = out.getvalue()
    if draw(st.booleans()):
        text = text[: -len(newline)]  # no line break after the last row
    ending = draw(st.sampled_from(["", "", newline, newline * 2]))  # trailing blank lines
    bom = draw(st.sampled_from(["", "", "\ufeff"]))
    encoding = "gbk" if draw(st.integers(0, 9)) == 9 and _fits(text, "gbk") else "utf-8"
    data = (bom + text + ending).encode(encoding) if encoding == "utf-8" else (
        text + ending).encode(encoding)
    crs = draw(st.sampled_from(["wgs84", "wgs84", "gcj02", "bd09"]))
    return PlainCase(spec, data, kind, crs)


def check_lean(path: Path, case: PlainCase) -> str:
    """Read ``path`` with the plain reader of :mod:`geo.lean` and hold it to its promise:
    it declines (``None``), or it reads every row exactly as the general reader does —
    the same longitudes, latitudes and weights, byte for byte, with the general reader
    rejecting nothing and saying nothing. No exception either way.

    Returns
    -------
    str
        ``"declined"`` (the general path was then checked by :func:`check_file`) or
        ``"same"``.

    Raises
    ------
    AssertionError
        When the two readers differ, or a row is lost.
    """
    import numpy as np
    import shapely

    from geo.io import raw
    from geo.lean.points import read_plain_points

    lean = read_plain_points(path, kind=case.kind, crs_name=case.crs)
    if lean is None:
        check_file(path, case.kind, case.spec, crs=case.crs)
        return "declined"
    read = read_stations if case.kind == "stations" else read_demand
    expected = case.spec.nonblank_rows()
    for fast in (True, False):  # the general reader's pyarrow path, and pandas alone
        raw._FAST_CSV = fast
        try:
            general = read(path, crs=case.crs)
        finally:
            raw._FAST_CSV = True
        assert general.attrs["rejected"] == [], f"plain, but rejected: {general.attrs['rejected']}"
        assert general.attrs["warnings"] == [], f"plain, but warned: {general.attrs['warnings']}"
        assert [int(r) for r in general["row"]] == expected, "rows lost"
        assert len(lean) == len(expected), f"{len(lean)} rows read of {len(expected)}"
        points = general.geometry.to_numpy()
        for name, mine, theirs in (("lon", lean.lon, shapely.get_x(points)),
                                   ("lat", lean.lat, shapely.get_y(points))):
            assert mine.dtype == np.float64 and mine.tobytes() == theirs.tobytes(), (
                f"{name} differs (fast={fast}): {mine.tolist()} != {theirs.tolist()}")
        if case.kind == "demand":
            weight = general["weight"].to_numpy(dtype="float64")
            assert lean.weight is not None and lean.weight.tobytes() == weight.tobytes(), (
                f"weights differ (fast={fast}): {lean.weight} != {weight}")
    return "same"


def check_file(path: Path, kind: str, spec: TableSpec | None, *, crs: str = "wgs84") -> str:
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
        table = read(path, crs=crs)
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


__all__ = ["CELL", "PlainCase", "TableSpec", "check_file", "check_lean", "csv_tables", "garbage",
           "plain_csv_tables", "table_specs", "xlsx_tables"]
