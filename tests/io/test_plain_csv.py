"""The fast path for plain CSV files (pyarrow's reader, issue 20) reads exactly what the
general path (``pandas.read_csv``) reads: same cells, same column types, same row numbers,
same errors; files it cannot read the same way take the general path."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _helpers.fuzz_tables import csv_tables
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import GeoError
from geo.io import raw as rawmod
from geo.io.raw import read_raw

SUITE = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])

#: Number cells of every form a coordinate or weight column may hold, plain or not.
NUMBERS = st.one_of(
    st.just(""),
    st.floats(min_value=-180, max_value=180).map(lambda v: f"{v:.6f}"),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(min_value=0, max_value=1).map(lambda v: f"{v:.15f}"),
    st.integers(min_value=-10**17, max_value=10**17).map(str),
    st.sampled_from(["0", "-0", "007", "1.", ".5", "-.5", "5.0", "+1", "1e5", "1E-30", "nan",
                     "NaN", "inf", "-inf", " 1.5", "1.5 ", "1.2.3", "1-2", "-", ".", "１２０",
                     "120.6°", "1234567890123456", "123456789012345.6", "0.1234567890123456",
                     "-123456789012345", "9999999999999999", "12345678901234567", "1,454",
                     "true", "N/A"]),
)
WORDS = st.one_of(st.just(""), st.sampled_from(["S1", "站点", "'=1+1", "=SUM(A1)", "a b", " ",
                                                "NULL", "nan", "NA", "#N/A", "\t", "😀"]),
                  st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",),
                                                 exclude_characters='"\r\n,'), max_size=8))


def _read(path: Path, fast: bool) -> tuple[str, object]:
    old = rawmod._FAST_CSV
    rawmod._FAST_CSV = fast
    try:
        table = read_raw(path)
    except GeoError as exc:
        return "error", str(exc)
    finally:
        rawmod._FAST_CSV = old
    return "table", table


def _same(path: Path) -> None:
    kind_fast, fast = _read(path, True)
    kind_slow, slow = _read(path, False)
    assert kind_fast == kind_slow, (fast, slow)
    if kind_fast == "error":
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast.data, slow.data, check_exact=True)
    assert list(fast.data.dtypes) == list(slow.data.dtypes)
    np.testing.assert_array_equal(fast.rows, slow.rows)
    assert fast.warnings == slow.warnings


@st.composite
def number_tables(draw: st.DrawFn) -> bytes:
    """A station or demand table whose number columns hold any of :data:`NUMBERS`."""
    header = draw(st.sampled_from([["id", "lon", "lat", "weight"], ["编号", "经度", "纬度"],
                                   ["lng", "lat", "名称", "人数"], ["经度", "纬度", "备注"]]))
    numeric = {"lon", "lat", "weight", "经度", "纬度", "人数", "lng"}
    n = draw(st.integers(min_value=0, max_value=12))
    rows = [[draw(NUMBERS if h in numeric else WORDS) for h in header] for _ in range(n)]
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(
        [header, *rows])
    data = out.getvalue().encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.booleans()):
        data = data.rstrip(b"\r\n")
    return data


@SUITE
@given(data=number_tables())
def test_number_columns_read_the_same_either_way(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("plain") / "t.csv"
    path.write_bytes(data)
    _same(path)


@settings(SUITE, max_examples=150)
@given(table=csv_tables())
def test_random_tables_read_the_same_either_way(tmp_path_factory, table):
    _spec, data, _encoding = table
    path = tmp_path_factory.mktemp("plain") / "t.csv"
    path.write_bytes(data)
    _same(path)


@pytest.mark.parametrize("text", [
    "id,lon,lat\nS1,120.6,31.3\n\nS2,120.7,31.4\n",  # a blank line: a blank row
    "id,lon,lat\nS1,120.6,31.3\nS2,120.7\n",  # a short row
    "id,lon,lat\nS1,120.6,31.3,x\n",  # a long row: the general path's message
    "id,lon,lat\nS1,120.6,31.3\n,,\n,,\n",  # Excel's trailing commas
    "id,id,lon,lat\nS1,S2,120.6,31.3\n",  # headers repeated
    "id,,lon,lat\nS1,x,120.6,31.3\n",  # a column without a header
    "沧浪街道站点表,,\nid,lon,lat\nS1,120.6,31.3\n",  # a title row
    "id;lon;lat\nS1;120,6;31,3\n",  # semicolons
    "id,lon,lat\r\nS1,120.6,31.3\r\n",
    "id,lon,lat\nS1,\"120.6\",31.3\n",  # a quoted cell
    "id,lon,lat,name\nS1,120.6,31.3,'=1+1\n",  # a cell geo's own writer protected
    "id,lon,lat\nS1,120.6,31.3\nS2,,\n",
    "id,lon,lat,weight\nS1,120.6,31.3,3\nS2,120.7,31.4,\n",  # an integer column with a blank
])
def test_edge_files_read_the_same_either_way(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    _same(path)


def test_a_plain_file_takes_the_fast_path(tmp_path, monkeypatch):
    path = tmp_path / "demand.csv"
    path.write_text("id,lon,lat,weight\nD1,120.6,31.3,3\nD2,120.7,31.4,1\n", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise AssertionError("the general path was taken")

    monkeypatch.setattr(rawmod.pd, "read_csv", refuse)
    table = read_raw(path)
    assert table.data["lon"].tolist() == [120.6, 120.7]
    assert table.data["weight"].dtype == np.int64
    assert table.rows.tolist() == [2, 3]


@SUITE
@given(cells=st.lists(st.one_of(st.none(), WORDS, st.sampled_from(["=1", "+86", "-", "@x", "\t1",
                                                                  "\r", "'=1", "é=", "＝1"])),
                      max_size=30),
       cut=st.integers(min_value=0, max_value=5), large=st.booleans())
def test_first_byte_look_matches_the_pattern(cells, cut, large):
    """:func:`geo.io.sheets.starts_with_any` flags what the formula pattern matches."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from geo.io.sheets import _PATTERN, FORMULA_START, starts_with_any

    arr = pa.array(cells, type=pa.large_string() if large else pa.string())
    col = pa.chunked_array([arr[cut:], arr[:cut]], type=arr.type)
    expected = pc.fill_null(pc.match_substring_regex(col, _PATTERN), False).to_numpy(
        zero_copy_only=False)
    np.testing.assert_array_equal(starts_with_any(col, FORMULA_START), expected)
    quoted = pc.fill_null(pc.match_substring_regex(col, r"^'"), False).to_numpy(
        zero_copy_only=False)
    np.testing.assert_array_equal(starts_with_any(col, "'"), quoted)


def test_short_text_keys_are_equal_exactly_for_equal_texts() -> None:
    import pyarrow as pa

    from geo.io.plain import cell_ends, short_text_keys

    texts = ["", "a", "ab", "a\x00", "D123456", "D12345", "站", "站1", "b", "a", "D123456"]
    col = pa.chunked_array([pa.array(texts[:4], pa.large_string()),
                            pa.array(texts[4:], pa.large_string())])
    keys = short_text_keys(col)
    assert keys is not None
    for i, a in enumerate(texts):
        for j, b in enumerate(texts):
            assert (keys[i] == keys[j]) == (a == b), (a, b)
    assert short_text_keys(pa.chunked_array([pa.array(["D1234567"])])) is None
    length, first, last = cell_ends(col)
    assert length.tolist() == [len(t.encode()) for t in texts]
    assert first[6] == "站".encode()[0] and last[7] == ord("1") and first[0] == 0
