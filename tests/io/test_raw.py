"""Files as they are (``geo.io.raw``): encodings, CSV layout, XLSX sheets, unusable files.

Every input file is built here, in ``tmp_path``, as bytes in an explicit encoding.
Malformed rows must come back as :class:`geo.errors.Rejected` naming the file,
the row as a spreadsheet shows it (header = row 1), the column and a reason, and
no row may disappear: used + rejected == non-blank data rows.
"""

from __future__ import annotations

import codecs
import re
import warnings
import zipfile

import numpy as np
import openpyxl
import pytest
from _helpers.io import (
    HEADER,
    NAMES,
    assert_accounted,
    assert_rejected,
    make_xlsx,
    rows_of,
    write_csv,
    xy,
)

from geo.errors import InputError
from geo.io import detect_encoding, read_demand, read_raw, read_stations

TITLE = "沧浪街道服务阵地一览表"
XLSX_HEADER = ["编号", "名称", "类型", "经度", "纬度"]


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8-sig"),
        ("gbk", False, "gb18030"),
        ("gb18030", False, "gb18030"),
    ],
)
def test_csv_encodings_detected_and_read(tmp_path, encoding, bom, detected):
    path = write_csv(
        tmp_path / "stations.csv",
        [
            HEADER + ",地址",
            f"CL01,{NAMES[0]},就业蓄能池,120.628344,31.291726,苏州市姑苏区澄波路212号",
            f"CL02,{NAMES[1]},爱心补给点,120.633080,31.295972,姑苏区映月街28号",
            f"CL03,{NAMES[2]},海棠加油站,120.61,31.28,三元一村",
        ],
        encoding=encoding,
        bom=bom,
    )
    assert detect_encoding(path) == detected
    gdf = read_stations(path)
    assert gdf["name"].tolist() == NAMES
    assert gdf["id"].tolist() == ["CL01", "CL02", "CL03"]
    assert gdf["category"].tolist() == ["就业蓄能池", "爱心补给点", "海棠加油站"]
    assert gdf["address"].iloc[0] == "苏州市姑苏区澄波路212号"
    assert rows_of(gdf) == [2, 3, 4]
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, [120.628344, 120.633080, 120.61], atol=1e-12)
    np.testing.assert_allclose(lat, [31.291726, 31.295972, 31.28], atol=1e-12)
    assert gdf.attrs["rejected"] == []


def test_gb18030_only_characters(tmp_path):
    name = "𠮷野家骑手驿站"  # 𠮷 is not in GBK: four bytes in GB18030
    path = write_csv(
        tmp_path / "s.csv", [HEADER, f"1,{name},驿站,120.6,31.3"], encoding="gb18030"
    )
    assert detect_encoding(path) == "gb18030"
    assert read_stations(path)["name"].tolist() == [name]


def test_encoding_detection_reads_past_the_first_megabyte(tmp_path):
    # ASCII for more than 1 MiB, then GBK: the whole file decides, not its head.
    filler = [f"A{i:06d},station{i},x,120.6,31.3" for i in range(40_000)]
    gbk = write_csv(tmp_path / "gbk.csv", [HEADER, *filler, f"Z1,{NAMES[0]},x,120.6,31.3"],
                    encoding="gbk")
    assert gbk.stat().st_size > 1 << 20
    assert detect_encoding(gbk) == "gb18030"
    # UTF-8 with a three-byte character straddling the 1 MiB chunk boundary
    head = "编号,名称\n"
    pad = (1 << 20) - len(head.encode()) - 1
    text = head + "a" * pad + "沧浪\n"
    utf = tmp_path / "utf.csv"
    utf.write_bytes(text.encode("utf-8"))
    assert detect_encoding(utf) == "utf-8"


def test_file_in_neither_encoding_is_an_input_error(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("id,name,lon,lat\n1,cafe,120.5,31.2\n2,café,120.6,31.3\n".encode("latin-1"))
    with pytest.raises(InputError) as err:
        detect_encoding(path)
    assert err.value.file == str(path)
    assert err.value.row == 3  # the line with the first byte that fits neither
    assert "UTF-8" in str(err.value)
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert err.value.file == str(path)


def test_utf8_file_with_a_gbk_cell_is_not_garbled(tmp_path):
    # Decoding as GB18030 would "succeed" and garble every Chinese name: refuse, name the line.
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        f"{HEADER}\n1,{NAMES[0]},x,120.61,31.29\n".encode()
        + "2,苏州,x,120.62,31.30\n".encode("gbk")
        + f"3,{NAMES[0]},x,120.63,31.31\n".encode()
    )
    assert path.read_bytes().decode("gb18030")  # the trap: it does decode as GB18030
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert (err.value.file, err.value.row) == (str(path), 3)
    assert "UTF-8" in str(err.value)


# --- CSV layout -------------------------------------------------------------------------------


def test_csv_crlf_and_trailing_blank_rows(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [HEADER, "1,甲,爱心补给点,120.61,31.29", "2,乙,爱心补给点,120.62,31.30",
         ",,,,", ",,,,", ""],
        newline="\r\n",
        bom=True,
    )
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1", "2"]
    assert gdf["name"].tolist() == ["甲", "乙"]  # no stray '\r'
    assert rows_of(gdf) == [2, 3]
    assert gdf.attrs["rejected"] == []
    assert_accounted(gdf, 2)


def test_csv_blank_rows_in_the_middle_keep_row_numbers(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [HEADER, "1,甲,x,120.61,31.29", ",,,,", "", "2,乙,x,abc,31.30", "3,丙,x,120.63,31.31"],
        newline="\r\n",
    )
    gdf = read_stations(path)
    assert rows_of(gdf) == [2, 6]  # header 1, blank 3 and 4, rejected 5
    assert_rejected(gdf, path, 5, "lon", "abc")
    assert_accounted(gdf, 3)


@pytest.mark.parametrize("title", [TITLE + ",,,,", TITLE, f'"{TITLE}（2024年）",,', ""])
def test_csv_title_row_above_header(tmp_path, title):
    path = write_csv(
        tmp_path / "s.csv",
        [title, HEADER, "1,甲,x,120.61,31.29", "2,乙,x,120.62,abc", "3,丙,x,120.63,31.31"],
        encoding="gbk",
    )
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1", "3"]
    assert rows_of(gdf) == [3, 5]
    assert_rejected(gdf, path, 4, "lat", "纬度", "'abc'")
    assert_accounted(gdf, 3)


@pytest.mark.parametrize(("suffix", "sep"), [(".tsv", "\t"), (".txt", "\t"), (".csv", ";")])
def test_other_separators(tmp_path, suffix, sep):
    lines = [HEADER, "1,甲,x,120.61,31.29", "2,乙 丙,x,abc,31.3"]
    path = write_csv(tmp_path / f"s{suffix}", [line.replace(",", sep) for line in lines],
                     encoding="gbk")
    gdf = read_stations(path)
    assert gdf["name"].tolist() == ["甲"]
    assert_rejected(gdf, path, 3, "lon", "abc")


def test_excel_unicode_text_utf16(tmp_path):
    path = tmp_path / "s.txt"  # Excel's "Unicode Text": UTF-16 with BOM, tab-separated
    path.write_bytes("编号\t名称\t经度\t纬度\r\n1\t沧浪\t120.61\t31.29\r\n".encode("utf-16"))
    assert detect_encoding(path) == "utf-16"
    gdf = read_stations(path)
    assert gdf["name"].tolist() == ["沧浪"] and rows_of(gdf) == [2]


def test_csv_numeric_looking_ids_and_names_stay_text(tmp_path):
    path = write_csv(
        tmp_path / "s.csv", [HEADER, "001,NA,x,120.61,31.29", "1.50,007,x,120.62,31.30"]
    )
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["001", "1.50"]
    assert gdf["name"].tolist() == ["NA", "007"]


def test_ragged_csv_is_an_input_error_naming_the_file(tmp_path):
    path = write_csv(
        tmp_path / "s.csv", [HEADER, "1,甲,x,120.61,31.29", "2,乙,x,120.62,31.3,多,余"]
    )
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert err.value.file == str(path)
    assert err.value.row == 3


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_first_sheet_by_default_and_by_name_or_index(tmp_path):
    path = make_xlsx(
        tmp_path / "book.xlsx",
        {
            "站点": [XLSX_HEADER, ["A1", "甲", "爱心补给点", 120.61, 31.29]],
            "充电桩": [XLSX_HEADER, ["P1", "乙", "充电桩", 120.62, 31.30],
                       ["P2", "丙", "充电桩", 120.63, 31.31]],
        },
    )
    assert read_stations(path)["id"].tolist() == ["A1"]
    assert read_stations(path, sheet="充电桩")["id"].tolist() == ["P1", "P2"]
    assert read_stations(path, sheet=1)["id"].tolist() == ["P1", "P2"]
    assert read_stations(path, sheet=0)["id"].tolist() == ["A1"]
    with pytest.raises(InputError) as err:
        read_stations(path, sheet="Sheet1")
    assert err.value.file == str(path)
    assert "站点" in str(err.value) and "充电桩" in str(err.value) and "Sheet1" in str(err.value)
    with pytest.raises(InputError) as err:
        read_stations(path, sheet=2)
    assert "站点" in str(err.value) and err.value.file == str(path)


def test_xlsx_title_row_numeric_ids_and_blank_rows(tmp_path):
    path = tmp_path / "stations.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([TITLE])
    ws.merge_cells("A1:E1")
    ws.append(XLSX_HEADER)  # row 2
    ws.append([1, "甲", "爱心补给点", 120.61, 31.29])  # row 3
    ws.append([2, "乙", "充电桩", 120.62, 31.30])  # row 4
    ws.append([None] * 5)  # row 5 blank
    ws.cell(row=6, column=1, value="   ")  # row 6: only spaces
    ws.append([3, "丙", "x", "abc", 31.31])  # row 7
    ws.append([4.0, "丁", "x", 120.64, 31.32])  # row 8
    ws.cell(row=12, column=2).number_format = "0.00"  # formatted, empty: trailing blank
    book.save(path)
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1", "2", "4"]
    assert rows_of(gdf) == [3, 4, 8]
    assert gdf["kind"].tolist() == ["supply", "charging_pile", "other"]
    assert_rejected(gdf, path, 7, "lon", "经度", "'abc'")
    assert_accounted(gdf, 4)


def test_xlsx_missing_rows_and_wrong_dimension(tmp_path):
    """Rows absent from the sheet XML and a wrong <dimension> (some exporters) still count."""
    path = make_xlsx(
        tmp_path / "s.xlsx",
        {"Sheet1": [XLSX_HEADER, ["a", "甲", "x", 120.61, 31.29], [], [],
                    ["b", "乙", "x", 120.62, 95]]},
    )
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet], count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"',
                                  parts[sheet])
    assert count == 1
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["a"]
    assert_rejected(gdf, path, 5, "lat", "95")
    assert_accounted(gdf, 2)


def test_xlsx_unnamed_empty_columns_are_not_kept(tmp_path):
    path = tmp_path / "s.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([*XLSX_HEADER, "备注"])
    ws.append(["a", "甲", "x", 120.61, 31.29, "门口"])
    ws.cell(row=1, column=9).number_format = "0.00"  # styled but empty, no header
    ws.cell(row=2, column=11, value="孤值")  # a value without a header is kept
    book.save(path)
    gdf = read_stations(path)
    assert gdf["备注"].tolist() == ["门口"]
    assert gdf["column11"].tolist() == ["孤值"]
    assert not any(c in gdf.columns for c in ("column7", "column8", "column9", "column10"))


def test_xlsx_table_not_starting_at_a1(tmp_path):
    path = tmp_path / "s.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    for col, header in zip("BCDE", ["编号", "经度", "纬度", "开放时间"], strict=True):
        ws[f"{col}3"] = header
    ws.append([None, "a", 120.61, 31.29, "08:00-20:00"])  # row 4
    ws.append([None, "b", "abc", 31.29, "看情况"])  # row 5: rejected, no remark on hours
    ws.append([None, "c", 120.62, 31.29, "全天"])  # row 6
    book.save(path)
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["a", "c"]
    assert rows_of(gdf) == [4, 6]
    assert "column1" not in gdf.columns
    assert_rejected(gdf, path, 5, "lon", "abc")
    assert gdf.attrs["warnings"] == []


def test_empty_sheet_and_header_only_sheet(tmp_path):
    path = make_xlsx(tmp_path / "s.xlsx", {"空": [], "表头": [XLSX_HEADER]})
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert err.value.file == str(path) and "empty" in str(err.value)
    gdf = read_stations(path, sheet="表头")
    assert len(gdf) == 0 and gdf.attrs["rejected"] == []


def test_damaged_xlsx_is_an_input_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert err.value.file == str(path)


# --- tables that cannot be used ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.csv", None, "not found"),
        ("empty.csv", b"", "empty"),
        ("bom_only.csv", codecs.BOM_UTF8, "empty"),
        ("blank.csv", b"\r\n\r\n", "empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
        ("notes.docx", b"PK", "unknown file type"),
        ("noext", b"a,b\n", "unknown file type"),
    ],
)
def test_unusable_files(tmp_path, name, content, fragment):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert err.value.file == str(path)
    assert str(path) in str(err.value)
    assert fragment in str(err.value)


def test_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        read_raw(tmp_path)
    assert err.value.file == str(tmp_path)


def test_header_only_file_gives_an_empty_table(tmp_path):
    path = write_csv(tmp_path / "s.csv", [HEADER])
    gdf = read_stations(path)
    assert len(gdf) == 0 and gdf.attrs["rejected"] == []
    assert gdf.crs.to_epsg() == 4326


# --- properties -------------------------------------------------------------------------------


def test_large_csv_with_a_late_messy_cell_reads_without_dtype_warning(tmp_path):
    # past pandas' low-memory chunk (~262k rows) one full-width cell used to give a
    # DtypeWarning on stderr and a column of mixed floats and strings
    n = 270_000
    body = ["120.6,31.3\n"] * n
    body[-1] = "１２０．７,31.3\n"
    path = tmp_path / "big.csv"
    path.write_bytes(("经度,纬度\n" + "".join(body)).encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gdf = read_demand(path)
    assert len(gdf) == n and gdf.attrs["rejected"] == []
    lon = xy(gdf)[0]
    assert lon[-1] == pytest.approx(120.7) and (lon[:-1] == 120.6).all()
    assert gdf["row"].iloc[-1] == n + 1


# --- hostile shapes and faults (issue 19) ------------------------------------------------------


def test_a_million_columns_are_refused_before_parsing(tmp_path, monkeypatch):
    """A CSV a million columns wide ran for minutes in the parser: the header line decides."""
    import pandas as pd

    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n"
                    + ",".join("1" for _ in range(1_000_000)) + "\n", encoding="utf-8")

    def no_parsing(*args, **kwargs):
        raise AssertionError("the file was parsed before its width was checked")

    monkeypatch.setattr(pd, "read_csv", no_parsing)
    monkeypatch.setattr(pd, "DataFrame", no_parsing)
    with pytest.raises(InputError, match=r"columns on this line; geo reads at most 500") as info:
        read_raw(path)
    assert info.value.row == 1 and info.value.file == str(path)


def test_a_wide_header_within_the_limit_is_read(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("编号,经度,纬度," + ",".join(f"c{i}" for i in range(400)) + "\n"
                    "S1,120.6,31.28," + ",".join("1" for _ in range(400)) + "\n", encoding="utf-8")
    assert read_raw(path).data.shape == (1, 403)


@pytest.mark.parametrize(
    ("lines", "row", "column"),
    [
        (["编号,名称,经度,纬度", 'S1,"南门驿站,120.6,31.28', "S2,胥江,120.61,31.29"], 2, "名称"),
        # a title row, and a quoted cell with a line break before: rows as a spreadsheet counts
        (["沧浪街道站点表", "编号,名称,经度,纬度", 'S0,"两行\n名称",120.5,31.2',
          "S1,ok,120.6,31.28", 'S2,def,"120.61,31.29', "S3,x,120.62,31.3"], 5, "经度"),
    ],
)
def test_an_unclosed_quote_names_the_spreadsheet_row_and_column(tmp_path, lines, row, column):
    """Was: "EOF inside string starting at row 2" for spreadsheet row 3, no column."""
    path = write_csv(tmp_path / "quote.csv", lines)
    with pytest.raises(InputError, match="never closed") as info:
        read_raw(path)
    assert (info.value.row, info.value.column) == (row, column)


@pytest.mark.parametrize("n_rows", [5, 20_000])
def test_an_unclosed_quote_in_the_header_names_row_1_and_its_column(tmp_path, n_rows):
    """Was: the rest of the file as the column's name (5 rows), or "row 5333: … field larger
    than field limit (131072)" (20,000 rows): the wrong row, and no word of the quote."""
    from _helpers.wide import quoted_header_csv

    path = quoted_header_csv(tmp_path / "header.csv", n_rows)
    with pytest.raises(InputError, match="double quote") as info:
        read_raw(path)
    err = info.value
    assert (err.row, err.column) == (1, "B")
    assert "close the quote, or remove it" in err.reason and "field limit" not in err.reason
    assert "S0" not in str(err) and len(str(err)) < 300
    assert '(the cell starts: "名称,经度,纬度)' in err.reason
    assert ("never closed" if n_rows == 5 else "not closed in the next 131,072") in err.reason


@pytest.mark.parametrize("quoted_row", [5, 40])
def test_an_unclosed_quote_in_a_large_file_names_its_row_and_header(tmp_path, quoted_row):
    """Row 5 is among the rows read to find the header, row 40 is read by pandas: either
    way the quote's row and column, not the line where 128 KB ran out."""
    lines = ["编号,名称,经度,纬度"] + [f"S{i},站{i},120.6,31.28" for i in range(2, 20_000)]
    lines[quoted_row - 1] = f'S{quoted_row},南门,"120.6,31.28'
    path = write_csv(tmp_path / "big.csv", lines)
    with pytest.raises(InputError, match="double quote") as info:
        read_raw(path)
    assert (info.value.row, info.value.column) == (quoted_row, "经度")
    assert '(the cell starts: "120.6,31.28)' in info.value.reason


def test_a_file_in_a_folder_without_permission_is_a_clear_error(tmp_path, monkeypatch):
    """PermissionError was an unexpected error (exit 3). As root, chmod does not stop reading,
    so the operating system's answer is given by a patched ``stat``."""
    import os
    import pathlib

    locked = tmp_path / "locked"
    locked.mkdir()
    path = write_csv(locked / "stations.csv", [HEADER, "S1,南门,supply,120.6,31.28"])
    locked.chmod(0)
    try:
        if os.geteuid() == 0:
            real_stat = pathlib.Path.stat

            def stat(self, *args, **kwargs):
                if str(self).startswith(str(locked)):
                    raise PermissionError(13, "Permission denied", str(self))
                return real_stat(self, *args, **kwargs)

            monkeypatch.setattr(pathlib.Path, "stat", stat)
        with pytest.raises(InputError, match="cannot read this file: permission denied") as info:
            read_raw(path)
        assert info.value.file == str(path)
    finally:
        locked.chmod(0o755)


# --- found by the fuzz test (tests/io/test_fuzz_readers.py) ------------------------------------


def test_a_number_beyond_int64_in_a_coordinate_column_is_a_rejected_row(tmp_path):
    """pandas keeps -9223372036854775809 as a Python int: the formula-quote restore crashed."""
    path = write_csv(tmp_path / "big.csv", ["编号,经度,纬度", "S1,-9223372036854775809,31",
                                             "S2,99999999999999999999,31.28"])
    gdf = read_stations(path)
    assert rows_of(gdf) == []
    assert_rejected(gdf, path, 2, "lon", "outside")
    assert_rejected(gdf, path, 3, "lon", "outside")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (codecs.BOM_UTF16_LE + "编号\t经度\t纬度\n".encode("utf-16-le") + b"\x00", "UTF-16"),
        (codecs.BOM_UTF8 + "编号,经度,纬度\nS1,120.6,31.28\n".encode() + b"S2,\xff\xfe,31\n",
         "UTF-8"),
    ],
)
def test_a_byte_order_mark_the_bytes_do_not_follow_is_a_clear_error(tmp_path, data, what):
    """UnicodeDecodeError (exit 3) for a cut UTF-16 file or a damaged UTF-8 file with a BOM."""
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=f"starts as {what} text") as info:
        read_raw(path)
    assert info.value.row is not None


def test_a_file_without_any_column_is_a_clear_error(tmp_path):
    """b"\\r\\x00" was read as one row of no columns: KeyError (exit 3) in the point reader."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"\r\x00")
    with pytest.raises(InputError, match="no columns"):
        read_stations(path)
