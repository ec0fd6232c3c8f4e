"""Tests of geo.io: reading planners' tables (CSV, XLSX, geodata) and writing results.

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
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geo import crs as crsmod
from geo.errors import InputError, Rejected
from geo.io import (
    detect_encoding,
    parse_degrees,
    read_area,
    read_demand,
    read_grids,
    read_raw,
    read_stations,
    split_lnglat,
    write_table,
)

HEADER = "编号,名称,类型,经度,纬度"
TITLE = "沧浪街道服务阵地一览表"
NAMES = ["沧浪街道党群服务中心", "南门社区·爱心补给点", "胥江驿站"]


# --- helpers ----------------------------------------------------------------------------------


def write_csv(
    path: Path, lines: list[str], *, encoding: str = "utf-8", newline: str = "\n",
    bom: bool = False,
) -> Path:
    data = (newline.join(lines) + newline).encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


def make_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
    book.save(path)
    return path


def by_row(gdf: gpd.GeoDataFrame) -> dict[int, Rejected]:
    rejected = gdf.attrs["rejected"]
    out = {r.row: r for r in rejected}
    assert len(out) == len(rejected), f"a row is rejected twice: {rejected}"
    return out


def assert_rejected(
    gdf: gpd.GeoDataFrame, file: Path | str, row: int, column: str, *fragments: str
) -> Rejected:
    rej = by_row(gdf)
    assert row in rej, f"row {row} not rejected; rejected: {gdf.attrs['rejected']}"
    r = rej[row]
    assert r.file == str(file)
    assert r.column == column, r
    for fragment in fragments:
        assert fragment.lower() in r.reason.lower(), (fragment, r.reason)
    return r


def assert_accounted(gdf: gpd.GeoDataFrame, data_rows: int) -> None:
    """Nothing silently dropped: every non-blank data row is used or rejected, not both."""
    rejected_rows = {r.row for r in gdf.attrs["rejected"]}
    assert len(gdf) + len(gdf.attrs["rejected"]) == data_rows
    assert rejected_rows.isdisjoint(set(gdf["row"].tolist()))


def xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_x(gdf.geometry.to_numpy()), shapely.get_y(gdf.geometry.to_numpy())


def rows_of(gdf: gpd.GeoDataFrame) -> list[int]:
    return [int(r) for r in gdf["row"]]


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

XLSX_HEADER = ["编号", "名称", "类型", "经度", "纬度"]


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


# --- coordinates as written -------------------------------------------------------------------


def _stations_with(tmp_path: Path, cells: list[tuple[str, str]], header: str = HEADER,
                   encoding: str = "utf-8") -> tuple[Path, gpd.GeoDataFrame]:
    lines = [header] + [f"{i},点{i},x,{lo},{la}" for i, (lo, la) in enumerate(cells, start=1)]
    path = write_csv(tmp_path / "s.csv", lines, encoding=encoding)
    return path, read_stations(path)


DMS_LON = 120 + 36 / 60 + 44 / 3600
DMS_LAT = 31 + 17 / 60 + 30.5 / 3600


@pytest.mark.parametrize(
    ("lon", "lat", "want_lon", "want_lat"),
    [
        ("１２０．６", "３１．３", 120.6, 31.3),
        ("120.6°", "31.3°", 120.6, 31.3),
        ("120°36′44″E", "31°17′30.5″N", DMS_LON, DMS_LAT),
        ("120度36分44秒", "31度17分30.5秒", DMS_LON, DMS_LAT),
        ("120°36'44\"", "31°17'30.5\"", DMS_LON, DMS_LAT),
        ("东经120.6", "北纬31.3", 120.6, 31.3),
        ("120.6E", "31.3N", 120.6, 31.3),
        (" 120.6 ", "31.3n", 120.6, 31.3),
    ],
)
def test_messy_degrees_in_csv(tmp_path, lon, lat, want_lon, want_lat):
    _, gdf = _stations_with(tmp_path, [("120.5", "31.2"), (lon, lat)], encoding="gb18030")
    assert gdf.attrs["rejected"] == []
    got_lon, got_lat = xy(gdf)
    assert got_lon[1] == pytest.approx(want_lon, abs=1e-9)
    assert got_lat[1] == pytest.approx(want_lat, abs=1e-9)
    assert got_lon[0] == 120.5


def test_parse_degrees_direct():
    values = pd.Series(["120.5", "１２０．６", "120°36′44″E", "31.3S", "西经73.9", "abc", "", None,
                        "120°75′", "W120°30′"], dtype=object)
    deg, bad = parse_degrees(values)
    assert deg[0] == 120.5 and deg[1] == pytest.approx(120.6)
    assert deg[2] == pytest.approx(DMS_LON, abs=1e-12)
    assert deg[3] == pytest.approx(-31.3) and deg[4] == pytest.approx(-73.9)
    assert np.isnan(deg[5:9]).all()
    assert deg[9] == pytest.approx(-120.5)
    assert bad.tolist() == [False, False, False, False, False, True, False, False, True, False]
    deg, bad = parse_degrees(pd.Series([120.5, np.nan]))
    assert deg[0] == 120.5 and np.isnan(deg[1]) and not bad.any()


def test_split_lnglat_direct():
    lon, lat, bad = split_lnglat(
        pd.Series(["120.61,31.29", "120.61，31.29", "120.61 31.29", "(120.61, 31.29)", "120.61",
                   "", None, "1,2,3"], dtype=object)
    )
    assert lon.tolist()[:4] == ["120.61"] * 4
    assert lat.tolist()[:4] == ["31.29"] * 4
    assert bad.tolist() == [False, False, False, False, True, False, False, True]


def test_combined_lnglat_column(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            "编号,名称,经纬度",
            '1,甲,"120.61,31.29"',
            "2,乙,120.62，31.30",
            "3,丙,120.63 31.31",
            "4,丁,120.64",
            "5,戊,１２０．６５，３１．３３",
            "6,己,abc，31.3",
        ],
    )
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1", "2", "3", "5"]
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, [120.61, 120.62, 120.63, 120.65])
    np.testing.assert_allclose(lat, [31.29, 31.30, 31.31, 31.33])
    assert_rejected(gdf, path, 5, "lnglat", "'120.64'", "pair")
    assert_rejected(gdf, path, 7, "lnglat", "abc")
    assert_accounted(gdf, 6)


def test_lnglat_column_fills_rows_without_lon_lat(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["编号,经度,纬度,经纬度", "1,120.61,31.29,", '2,,,"120.62,31.30"', '3,,,"abc,31.3"',
         "4,abc,31.3,", '5,,,"190,31"'],
    )
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1", "2"]
    np.testing.assert_allclose(xy(gdf)[0], [120.61, 120.62])
    assert_rejected(gdf, path, 4, "lnglat", "经纬度", "'abc,31.3'")
    assert_rejected(gdf, path, 5, "lon", "经度", "'abc'")
    assert_rejected(gdf, path, 6, "lnglat", "190")
    assert_accounted(gdf, 5)


def test_combined_lnglat_out_of_range_names_the_combined_column(tmp_path):
    path = write_csv(tmp_path / "s.csv",
                     ["编号,经纬度", '1,"120.61,31.29"', '2,"31.29,120.61"', '3,"0,0"'])
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1"]
    assert_rejected(gdf, path, 3, "lnglat", "swapped")
    assert_rejected(gdf, path, 4, "lnglat", "(0, 0)")


def test_swapped_row_rejected_and_others_used(tmp_path):
    path, gdf = _stations_with(
        tmp_path, [("120.61", "31.29"), ("31.30", "120.62"), ("120.63", "31.31")]
    )
    r = assert_rejected(gdf, path, 3, "lat", "swapped", "31.3", "120.62")
    assert "headers" not in r.reason
    assert rows_of(gdf) == [2, 4]
    assert_accounted(gdf, 3)


def test_every_row_swapped_hints_at_exchanged_headers(tmp_path):
    path, gdf = _stations_with(tmp_path, [("31.29", "120.61"), ("31.30", "120.62")])
    assert len(gdf) == 0
    for row in (2, 3):
        assert_rejected(gdf, path, row, "lat", "swapped", "headers")


def test_zero_and_out_of_range(tmp_path):
    path, gdf = _stations_with(
        tmp_path,
        [("120.61", "31.29"), ("0", "0"), ("190", "31.3"), ("120.6", "95"), ("-181", "-91"),
         ("0", "31.3")],
    )
    assert_rejected(gdf, path, 3, "lat", "(0, 0)")
    assert_rejected(gdf, path, 4, "lon", "190", "-180..180")
    assert_rejected(gdf, path, 5, "lat", "95", "-90..90")
    assert_rejected(gdf, path, 6, "lon", "-181")
    assert rows_of(gdf) == [2, 7]  # (0, 31.3) is a valid, if odd, point
    assert_accounted(gdf, 6)


def test_text_in_coordinate_column(tmp_path):
    path, gdf = _stations_with(tmp_path, [("120.61", "31.29"), ("abc", "31.3"), ("120.6", "北")])
    assert_rejected(gdf, path, 3, "lon", "经度", "'abc'")
    assert_rejected(gdf, path, 4, "lat", "纬度", "'北'")
    assert_accounted(gdf, 3)


def test_missing_coordinates_with_and_without_address(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            "编号,名称,地址,经度,纬度",
            "1,甲,三香路1号,120.61,31.29",
            "2,乙,姑苏区人民路100号,,",
            "3,丙,,,",
            "4,丁,xx路,120.6,",
        ],
    )
    gdf = read_stations(path)
    assert_rejected(gdf, path, 3, "lon", "geocode")
    r = assert_rejected(gdf, path, 4, "lon", "no coordinates")
    assert "geocode" not in r.reason
    assert_rejected(gdf, path, 5, "lat", "geocode")
    assert gdf["id"].tolist() == ["1"]
    assert_accounted(gdf, 4)


def test_gcj02_far_outside_china_rejected_but_wgs84_kept(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["编号,名称,经度,纬度,坐标系", "1,赫尔辛基,24.94,60.17,gcj02",
         "2,赫尔辛基,24.94,60.17,wgs84", "3,苏州,120.61,31.29,gcj02", "4,x,120.61,31.29,xyz",
         "5,y,24.94,60.17,bd09"],
    )
    gdf = read_stations(path)
    assert_rejected(gdf, path, 2, "coord_system", "outside China", "gcj02")
    assert_rejected(gdf, path, 6, "coord_system", "outside China", "bd09")
    assert_rejected(gdf, path, 5, "coord_system", "xyz")
    assert gdf["id"].tolist() == ["2", "3"]
    lon, lat = xy(gdf)
    assert (lon[0], lat[0]) == (24.94, 60.17)
    assert gdf["coord_system"].tolist() == ["wgs84", "gcj02"]
    assert_accounted(gdf, 5)


def test_gcj02_far_outside_china_without_system_column(tmp_path):
    path, _ = _stations_with(tmp_path, [("24.94", "60.17")])
    gdf = read_stations(path, crs="gcj02")
    r = by_row(gdf)[2]
    assert r.column == "lon" and "outside China" in r.reason


# --- coordinate systems -----------------------------------------------------------------------


def test_per_row_coord_systems_and_file_default(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["编号,经度,纬度,坐标系", "w,120.61,31.29,WGS-84", "g,120.61,31.29,gcj02",
         "b,120.61,31.29,百度", "blank,120.61,31.29,", "g2,120.62,31.30,高德"],
    )
    gdf = read_stations(path, crs="gcj02")
    assert gdf.attrs["rejected"] == []
    assert gdf["coord_system"].tolist() == ["wgs84", "gcj02", "bd09", "gcj02", "gcj02"]
    lon, lat = xy(gdf)
    g = crsmod.gcj02_to_wgs84(120.61, 31.29)
    b = crsmod.bd09_to_wgs84(120.61, 31.29)
    g2 = crsmod.gcj02_to_wgs84(120.62, 31.30)
    np.testing.assert_allclose(lon, [120.61, g[0], b[0], g[0], g2[0]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(lat, [31.29, g[1], b[1], g[1], g2[1]], rtol=0, atol=1e-12)
    # the conversion moved the point by hundreds of metres, as GCJ-02 does in Suzhou
    assert abs(lon[1] - 120.61) > 0.003
    # without crs=, blank means WGS-84
    plain = read_stations(path)
    assert plain["coord_system"].tolist()[3] == "wgs84"
    assert xy(plain)[0][3] == 120.61


@pytest.mark.parametrize(
    "header", ["编号,经度(GCJ-02),纬度(GCJ-02)", "编号,经度（gcj02）,纬度（gcj02）"]
)
def test_header_names_the_coordinate_system(tmp_path, header):
    path = write_csv(tmp_path / "s.csv", [header, "1,120.61,31.29"], encoding="gbk")
    gdf = read_stations(path)
    assert gdf["coord_system"].tolist() == ["gcj02"]
    want = crsmod.gcj02_to_wgs84(np.array([120.61]), np.array([31.29]))
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, want[0], atol=1e-12)
    np.testing.assert_allclose(lat, want[1], atol=1e-12)


def test_unknown_crs_argument_is_an_input_error(tmp_path):
    path, _ = _stations_with(tmp_path, [("120.61", "31.29")])
    with pytest.raises(InputError) as err:
        read_stations(path, crs="utm")
    assert err.value.file == str(path) and "utm" in str(err.value)


# --- ids --------------------------------------------------------------------------------------


def test_duplicate_id_second_occurrence_rejected(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [HEADER, "S1,甲,x,120.61,31.29", "S2,乙,x,120.62,31.30", "S1,丙,x,120.63,31.31",
         "S2,丁,x,120.64,31.32", "S1,戊,x,120.65,31.33"],
    )
    gdf = read_stations(path)
    assert gdf["name"].tolist() == ["甲", "乙"]
    assert_rejected(gdf, path, 4, "id", "'S1'", "row 2")
    assert_rejected(gdf, path, 5, "id", "'S2'", "row 3")
    assert_rejected(gdf, path, 6, "id", "'S1'", "row 2")
    assert_accounted(gdf, 5)


def test_duplicate_of_a_rejected_row_is_used(tmp_path):
    path = write_csv(tmp_path / "s.csv", [HEADER, "S1,甲,x,abc,31.29", "S1,乙,x,120.62,31.30"])
    gdf = read_stations(path)
    assert gdf["name"].tolist() == ["乙"]
    assert_rejected(gdf, path, 2, "lon", "abc")


def test_generated_ids(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["名称,经度,纬度", "甲,120.61,31.29", "乙,abc,31.3",
                                          "丙,120.63,31.31"])
    stations = read_stations(path)
    assert stations["id"].tolist() == ["S001", "S003"]
    demand = read_demand(path)
    assert demand["id"].tolist() == ["D001", "D003"]
    assert read_stations(path, id_prefix="P")["id"].tolist() == ["P001", "P003"]


def test_blank_id_cell_warns_and_keeps_the_row(tmp_path):
    path = write_csv(tmp_path / "s.csv", [HEADER, "A,甲,x,120.61,31.29", ",乙,x,120.62,31.30",
                                          "C,丙,x,120.63,31.31"])
    gdf = read_stations(path)
    assert len(gdf) == 3 and gdf.attrs["rejected"] == []
    assert gdf["id"].tolist()[1] not in ("", "A", "C")
    assert gdf["id"].is_unique
    (w,) = [w for w in gdf.attrs["warnings"] if w.column == "id"]
    assert w.file == str(path) and w.row == 3


# --- demand weights ---------------------------------------------------------------------------


def test_demand_weights(tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        ["编号,名称,经度,纬度,人数", "D1,甲,120.61,31.29,5", "D2,乙,120.62,31.30,",
         "D3,丙,120.63,31.31,abc", "D4,丁,120.64,31.32,-3", "D5,戊,120.65,31.33,１２",
         "D6,己,120.66,31.34,2.5", "D7,庚,120.67,31.35,"],
        encoding="gbk",
    )
    gdf = read_demand(path)
    assert gdf["id"].tolist() == ["D1", "D2", "D5", "D6", "D7"]
    assert gdf["weight"].tolist() == [5.0, 1.0, 12.0, 2.5, 1.0]
    assert gdf["weight"].dtype == np.float64
    assert_rejected(gdf, path, 4, "weight", "人数", "'abc'", "not a number")
    assert_rejected(gdf, path, 5, "weight", "negative", "-3")
    (w,) = [w for w in gdf.attrs["warnings"] if w.column == "weight"]
    assert w.file == str(path) and w.row == 3
    assert "3" in w.reason and "8" in w.reason and "1" in w.reason
    assert_accounted(gdf, 7)


def test_demand_infinite_weight_rejected(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["经度,纬度,权重", "120.61,31.29,inf", "120.62,31.3,2",
                                          "120.63,31.31,1e400"])
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [2.0]
    assert_rejected(gdf, path, 2, "weight", "'inf'", "finite")
    assert_rejected(gdf, path, 4, "weight", "finite")


def test_demand_without_weight_column_weighs_one(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["经度,纬度", "120.61,31.29", "120.62,31.30"])
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [1.0, 1.0]
    assert gdf["id"].tolist() == ["D001", "D002"]
    assert gdf.attrs["warnings"] == []


def test_demand_weight_in_xlsx(tmp_path):
    sheet = [["经度", "纬度", "需求量"], [120.61, 31.29, 7], [120.62, 31.30, "３人"],
             [120.63, 31.31, None]]
    path = make_xlsx(tmp_path / "d.xlsx", {"需求": sheet})
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [7.0, 3.0, 1.0]
    assert [w.row for w in gdf.attrs["warnings"] if w.column == "weight"] == [4]


# --- tables that cannot be used ---------------------------------------------------------------


def test_table_without_coordinate_columns(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["编号,名称,备注", "1,甲,无"])
    with pytest.raises(InputError) as err:
        read_stations(path)
    message = str(err.value)
    assert err.value.file == str(path)
    assert "编号" in message and "名称" in message and "备注" in message
    assert "geocode" not in message


def test_table_with_address_only_suggests_geocoding(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["编号,名称,地址", "1,甲,人民路100号"], encoding="gbk")
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert "geocode" in str(err.value) and err.value.file == str(path)


def test_lon_without_lat_names_the_missing_column(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["编号,经度", "1,120.61"])
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert err.value.column == "lat" and err.value.file == str(path)
    assert "经度" in str(err.value)


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


# --- geodata ----------------------------------------------------------------------------------


def _point_gdf(crs: int | str = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"编号": ["G1", "G2", "G3"], "名称": NAMES, "类型": ["爱心补给点", "充电桩", "驿站"]},
        geometry=[shapely.Point(120.61, 31.29), None, shapely.Point(120.63, 31.31)],
        crs=crs,
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet"])
def test_point_geodata_files(tmp_path, suffix):
    path = tmp_path / f"stations{suffix}"
    src = _point_gdf()
    if suffix == ".parquet":
        src.to_parquet(path)
    else:
        src.to_file(path)
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["G1", "G3"]
    assert gdf["name"].tolist() == [NAMES[0], NAMES[2]]
    assert gdf["kind"].tolist() == ["supply", "rest"]
    assert rows_of(gdf) == [1, 3]  # feature numbers
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, [120.61, 120.63])
    np.testing.assert_allclose(lat, [31.29, 31.31])
    assert_rejected(gdf, path, 2, "geometry", "geometry")
    assert_accounted(gdf, 3)


def test_geojson_in_gcj02_converted(tmp_path):
    path = tmp_path / "s.geojson"
    _point_gdf().iloc[[0, 2]].to_file(path)
    gdf = read_stations(path, crs="gcj02")
    want = crsmod.gcj02_to_wgs84(np.array([120.61, 120.63]), np.array([31.29, 31.31]))
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, want[0], atol=1e-12)
    np.testing.assert_allclose(lat, want[1], atol=1e-12)


def test_projected_geopackage_converted_to_wgs84(tmp_path):
    path = tmp_path / "s.gpkg"
    utm = Transformer.from_crs(4326, 32651, always_xy=True)
    x, y = utm.transform([120.61, 120.63], [31.29, 31.31])
    src = gpd.GeoDataFrame({"编号": ["a", "b"]}, geometry=shapely.points(x, y), crs=32651)
    src.to_file(path)
    # --crs gcj02 applies to degrees in a file, not to a projected CRS already defined
    gdf = read_stations(path, crs="gcj02")
    assert gdf.crs.to_epsg() == 4326
    back = Transformer.from_crs(32651, 4326, always_xy=True).transform(x, y)
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, back[0], atol=1e-9)
    np.testing.assert_allclose(lat, back[1], atol=1e-9)
    np.testing.assert_allclose(lon, [120.61, 120.63], atol=1e-7)
    assert gdf["coord_system"].tolist() == ["wgs84", "wgs84"]


def test_plain_parquet_with_lon_lat_columns(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"lon": [120.61, 120.62, 200.0], "lat": [31.29, 31.30, 31.3],
                  "weight": [3, 4, 5]}).to_parquet(path)
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [3.0, 4.0]
    assert rows_of(gdf) == [1, 2]
    assert_rejected(gdf, path, 3, "lon", "200")
    np.testing.assert_allclose(xy(gdf)[0], [120.61, 120.62])


def test_polygon_features_in_a_point_file_use_an_inner_point(tmp_path):
    path = tmp_path / "s.geojson"
    gpd.GeoDataFrame({"编号": ["a", "b"]},
                     geometry=[shapely.Point(120.6, 31.3), shapely.box(120.6, 31.2, 120.7, 31.3)],
                     crs=4326).to_file(path)
    gdf = read_stations(path)
    assert len(gdf) == 2
    assert gdf.geometry.iloc[1].within(shapely.box(120.6, 31.2, 120.7, 31.3))
    (w,) = gdf.attrs["warnings"]
    assert w.row == 2 and w.column == "geometry"


# --- study area and grids ---------------------------------------------------------------------


def test_read_area_polygons_and_gcj02(tmp_path):
    path = tmp_path / "area.geojson"
    poly = shapely.Polygon([(120.59, 31.27), (120.64, 31.27), (120.64, 31.305), (120.59, 31.305)])
    gpd.GeoDataFrame({"名称": ["沧浪街道"]}, geometry=[poly], crs=4326).to_file(path)
    area = read_area(path)
    assert area.geometry.iloc[0].equals(poly)
    assert area["row"].tolist() == [1]
    converted = read_area(path, crs="gcj02")
    xs, ys = np.asarray(poly.exterior.coords).T
    want = crsmod.gcj02_to_wgs84(xs, ys)
    got = np.asarray(converted.geometry.iloc[0].exterior.coords)
    np.testing.assert_allclose(got[:, 0], want[0], atol=1e-12)
    np.testing.assert_allclose(got[:, 1], want[1], atol=1e-12)


def test_read_area_rejects_non_polygons(tmp_path):
    path = tmp_path / "area.geojson"
    gpd.GeoDataFrame(
        {"n": [1, 2, 3]},
        geometry=[shapely.box(120.6, 31.2, 120.7, 31.3), shapely.Point(120.6, 31.3), None],
        crs=4326,
    ).to_file(path)
    area = read_area(path)
    assert area["row"].tolist() == [1]
    assert_rejected(area, path, 2, "geometry", "Point", "not a polygon")
    assert_rejected(area, path, 3, "geometry", "no geometry")


def test_read_area_from_points_or_csv_is_an_input_error(tmp_path):
    pts = tmp_path / "pts.geojson"
    _point_gdf().to_file(pts)
    with pytest.raises(InputError) as err:
        read_area(pts)
    assert err.value.file == str(pts) and "polygon" in str(err.value)
    csv = write_csv(tmp_path / "area.csv", [HEADER, "1,甲,x,120.6,31.3"])
    with pytest.raises(InputError) as err:
        read_area(csv)
    assert err.value.file == str(csv) and ".csv" in str(err.value)


def test_read_grids_names(tmp_path):
    boxes = [shapely.box(120.59 + i * 0.01, 31.27, 120.60 + i * 0.01, 31.28) for i in range(4)]
    path = tmp_path / "grids.geojson"
    gpd.GeoDataFrame({"网格": ["网格甲", None, "网格丙", ""], "面积": [1, 2, 3, 4]},
                     geometry=boxes, crs=4326).to_file(path)
    grids = read_grids(path)
    assert grids["grid"].tolist() == ["网格甲", "网格2", "网格丙", "网格4"]
    assert grids["row"].tolist() == [1, 2, 3, 4]
    assert grids["面积"].tolist() == [1, 2, 3, 4]
    (w,) = grids.attrs["warnings"]
    assert w.file == str(path) and w.row == 2 and "2" in w.reason

    named = tmp_path / "named.geojson"
    gpd.GeoDataFrame({"name": ["A区", "B区"]}, geometry=boxes[:2], crs=4326).to_file(named)
    assert read_grids(named)["grid"].tolist() == ["A区", "B区"]
    assert read_grids(named).attrs["warnings"] == []


def test_read_grids_without_name_property(tmp_path):
    path = tmp_path / "grids.gpkg"
    gpd.GeoDataFrame({"area": [1.0, 2.0]},
                     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
                     crs=4326).to_file(path)
    grids = read_grids(path)
    assert grids["grid"].tolist() == ["网格1", "网格2"]
    assert len(grids.attrs["warnings"]) == 1


def test_read_grids_rejects_non_polygon_features(tmp_path):
    path = tmp_path / "grids.geojson"
    gpd.GeoDataFrame(
        {"name": ["A", "线", "C"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)]),
                  shapely.MultiPolygon([shapely.box(2, 0, 3, 1), shapely.box(4, 0, 5, 1)])],
        crs=4326,
    ).to_file(path)
    grids = read_grids(path)
    assert grids["grid"].tolist() == ["A", "C"]
    assert grids["row"].tolist() == [1, 3]
    assert_rejected(grids, path, 2, "geometry", "LineString", "not a polygon")
    assert_accounted(grids, 3)


# --- writing ----------------------------------------------------------------------------------


TABLE = pd.DataFrame({"id": ["D1", "D2"], "名称": ["映月街取餐点", "南门"], "lon": [120.61, 120.62],
                      "lat": [31.29, 31.30], "covered": [True, False]})


def test_write_csv_with_bom(tmp_path):
    path = tmp_path / "out.csv"
    write_table(TABLE, path)
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert "映月街取餐点".encode() in data
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back.columns.tolist() == TABLE.columns.tolist()
    assert back["名称"].tolist() == ["映月街取餐点", "南门"]
    # and our own reader takes it back
    assert read_demand(path)["id"].tolist() == ["D1", "D2"]


def test_write_xlsx_and_geojson(tmp_path):
    xlsx = tmp_path / "out.xlsx"
    write_table(TABLE, xlsx)
    back = pd.read_excel(xlsx)
    assert back["名称"].tolist() == ["映月街取餐点", "南门"]
    assert back["lon"].tolist() == [120.61, 120.62]

    gj = tmp_path / "out.geojson"
    write_table(TABLE, gj)
    pts = gpd.read_file(gj)
    assert pts.crs.to_epsg() == 4326
    assert pts["名称"].tolist() == ["映月街取餐点", "南门"]
    np.testing.assert_allclose(shapely.get_x(pts.geometry.to_numpy()), [120.61, 120.62])
    np.testing.assert_allclose(shapely.get_y(pts.geometry.to_numpy()), [31.29, 31.30])


def test_write_stations_geodataframe_to_each_format(tmp_path):
    src = write_csv(
        tmp_path / "s.csv", [HEADER + ",设施", "1,甲,爱心补给点,120.61,31.29,饮用水、充电"]
    )
    stations = read_stations(src)
    for suffix in (".csv", ".xlsx", ".geojson", ".gpkg", ".parquet"):
        out = tmp_path / f"out{suffix}"
        write_table(stations, out)
        assert out.stat().st_size > 0
    flat = pd.read_excel(tmp_path / "out.xlsx")
    assert flat["name"].tolist() == ["甲"]
    assert (flat["lon"].tolist(), flat["lat"].tolist()) == ([120.61], [31.29])
    assert "geometry" not in flat.columns
    # what we write, we read back: same points, and `kind` is not a second `category`
    for suffix in (".csv", ".xlsx", ".geojson", ".gpkg", ".parquet"):
        again = read_stations(tmp_path / f"out{suffix}")
        assert again["name"].tolist() == ["甲"], suffix
        assert again["kind"].tolist() == ["supply"], suffix
        assert again["amenities"].tolist() == ["water;charging"], suffix
        assert again.attrs["rejected"] == [], suffix
        np.testing.assert_allclose(np.column_stack(xy(again)), [[120.61, 31.29]], atol=1e-12)


def test_write_table_errors(tmp_path):
    with pytest.raises(InputError) as err:
        write_table(TABLE, tmp_path / "out.docx")
    assert err.value.file == str(tmp_path / "out.docx") and ".docx" in str(err.value)
    missing = tmp_path / "no" / "such" / "out.csv"
    with pytest.raises(InputError) as err:
        write_table(TABLE, missing)
    assert err.value.file == str(missing) and "folder" in str(err.value)
    assert not missing.parent.exists()


# --- station output columns -------------------------------------------------------------------


def test_station_columns(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            "编号,名称,类型,层级,经度,纬度,坐标系,地址,设施,开放时间,负责人,备注",
            "1,甲,爱心补给点,社区党群服务中心,120.61,31.29,wgs84,人民路1号,饮用水、医护药箱；充电,"
            "08:30-21:00,张三,门口",
            "2,乙,电动车充电桩,微阵地,120.62,31.30,,,,24小时,李四,",
            "3,丙,海棠加油站,街道,120.63,31.31,,,,看情况,,",
        ],
        encoding="gb18030",
    )
    gdf = read_stations(path)
    for column in ("id", "name", "category", "kind", "level", "address", "amenities",
                   "amenities_text", "hours", "coord_system", "row", "负责人", "备注"):
        assert column in gdf.columns, column
    for consumed in ("编号", "名称", "类型", "经度", "纬度", "坐标系", "设施", "开放时间"):
        assert consumed not in gdf.columns, consumed
    assert gdf["kind"].tolist() == ["supply", "charging_pile", "rest"]
    assert gdf["level"].tolist() == ["community", "micro", "street"]
    assert gdf["amenities"].iloc[0] == "water;medical;charging"
    assert gdf["amenities_text"].iloc[0] == "饮用水、医护药箱；充电"
    assert gdf["amenities"].iloc[1] == ""
    assert gdf["hours"].tolist() == ["08:30-21:00", "24小时", "看情况"]
    assert gdf["负责人"].tolist()[:2] == ["张三", "李四"]
    assert gdf["备注"].iloc[0] == "门口"
    assert gdf["address"].iloc[0] == "人民路1号"
    assert gdf["row"].tolist() == [2, 3, 4]
    (w,) = gdf.attrs["warnings"]
    assert (w.file, w.row, w.column) == (str(path), 4, "hours")
    assert "看情况" in w.reason
    assert gdf.attrs["source"] == str(path)
    assert gdf.crs.to_epsg() == 4326


def test_read_stations_from_a_dataframe():
    df = pd.DataFrame({"id": ["a", "b"], "lon": [120.61, "abc"], "lat": [31.29, 31.3]})
    df.attrs["source"] = "mem.csv"
    gdf = read_stations(df)
    assert gdf["id"].tolist() == ["a"]
    assert_rejected(gdf, "mem.csv", 3, "lon", "abc")


# --- properties -------------------------------------------------------------------------------

plain_numbers = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(repr),
    st.from_regex(r"\A[+-]?[0-9]{1,4}(\.[0-9]{1,9})?\Z"),
    st.floats(min_value=-180, max_value=180, allow_nan=False).map(lambda v: f"{v:.6f}"),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(plain_numbers, min_size=1, max_size=20))
def test_parse_degrees_agrees_with_float(texts):
    deg, bad = parse_degrees(pd.Series(texts, dtype=object))
    assert not bad.any()
    assert deg.tolist() == [float(t) for t in texts]


def _dms(value: float, style: int) -> str:
    hemi = ("E", "W") if style % 2 else ("N", "S")
    sign = value < 0
    v = abs(value)
    deg = int(v)
    minutes = int((v - deg) * 60)
    seconds = max(0.0, (v - deg - minutes / 60) * 3600)
    if f"{seconds:.6f}" == "60.000000":  # rounds up to a full minute
        seconds, minutes = 0.0, minutes + 1
        if minutes == 60:
            deg, minutes = deg + 1, 0
    if style in (0, 1):
        return f"{deg}°{minutes}′{seconds:.6f}″{hemi[sign]}"
    if style == 2:
        return f"{'-' if sign else ''}{deg}度{minutes}分{seconds:.6f}秒"
    return f"{'-' if sign else ''}{deg}°{minutes}'{seconds:.6f}\""


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-180, max_value=180, allow_nan=False), st.integers(0, 3))
def test_dms_round_trip(value, style):
    text = _dms(value, style)
    deg, bad = parse_degrees(pd.Series([text], dtype=object))
    assert not bad[0], text
    assert deg[0] == pytest.approx(value, abs=1e-6), text


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
