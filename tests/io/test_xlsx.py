"""One sheet of a workbook (``geo.io.xlsx``): hidden sheets, merged cells, sheets wider than
their data. Issue 18 item 13 and issue 19: each was read silently wrong, or blew memory."""

from __future__ import annotations

import tracemalloc

import openpyxl
import pytest
from _helpers.io import make_xlsx
from openpyxl.styles import PatternFill

from geo.errors import InputError
from geo.io import read_raw, read_stations
from geo.io.raw import MAX_COLUMNS

HEADER = ["编号", "类型", "经度", "纬度"]


def test_merged_category_is_filled_down_with_a_warning(tmp_path):
    """Merged 类型 cells gave the value to the first row only: the others were blank."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["沧浪街道服务阵地"])  # a title merged across the table stays a title
    ws.merge_cells("A1:D1")
    ws.append(HEADER)
    ws.append(["S1", "爱心补给点", 120.60, 31.28])
    ws.append(["S2", None, 120.61, 31.28])
    ws.append(["S3", None, 120.62, 31.28])
    ws.append(["S4", "海棠加油站", 120.60, 31.29])
    ws.merge_cells("B3:B5")
    book.save(tmp_path / "merged.xlsx")
    table = read_stations(tmp_path / "merged.xlsx")
    assert list(table["category"]) == ["爱心补给点"] * 3 + ["海棠加油站"]
    (warning,) = table.attrs["warnings"]
    assert (warning.row, warning.column) == (3, "类型")
    assert "B3:B5" in warning.reason and "爱心补给点" in warning.reason
    assert list(table["row"]) == [3, 4, 5, 6]


def test_a_merge_across_columns_is_named(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["编号", "名称", "类型", "经度", "纬度"])
    ws.append(["S1", "南门驿站", None, 120.60, 31.28])
    ws.merge_cells("B2:C2")
    book.save(tmp_path / "across.xlsx")
    raw = read_raw(tmp_path / "across.xlsx")
    (warning,) = raw.warnings
    assert "B2:C2" in warning.reason and "stay blank" in warning.reason


def test_first_visible_sheet_is_read_and_the_hidden_one_named(tmp_path):
    path = make_xlsx(tmp_path / "hidden.xlsx", {
        "旧表": [["编号", "经度", "纬度"], ["OLD", 120.60, 31.28]],
        "站点": [["编号", "经度", "纬度"], ["S1", 120.61, 31.28], ["S2", 120.62, 31.28]],
    })
    book = openpyxl.load_workbook(path)
    book["旧表"].sheet_state = "hidden"
    book.save(path)
    raw = read_raw(path)
    assert list(raw.data["编号"]) == ["S1", "S2"]
    (warning,) = raw.warnings
    assert "'旧表'" in warning.reason and "'站点'" in warning.reason and "--sheet" in warning.reason
    asked = read_raw(path, sheet="旧表")  # asked for by name: read, and said to be hidden
    assert list(asked.data["编号"]) == ["OLD"] and "hidden" in asked.warnings[0].reason


def test_a_sheet_formatted_to_column_xfd_reads_only_its_data(tmp_path):
    """16,384 styled empty cells per row were all kept (gigabytes for a large sheet)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["编号", "经度", "纬度"])
    for i in range(300):
        ws.append([f"S{i}", 120.6 + i * 1e-4, 31.28])
    fill = PatternFill("solid", fgColor="FFFF00")
    for r in range(1, 302):
        ws.cell(row=r, column=16384).fill = fill
    book.save(tmp_path / "wide.xlsx")
    tracemalloc.start()
    try:
        raw = read_raw(tmp_path / "wide.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert raw.data.shape == (300, 3)
    assert peak < 40e6, f"{peak / 1e6:.0f} MB for a 300-row sheet"  # was 160 MB


def test_a_value_beyond_the_column_limit_is_refused_with_its_cell(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["编号", "经度", "纬度"])
    for i in range(5):
        ws.append([f"S{i}", 120.6, 31.28])
    ws.cell(row=4, column=16384, value="备注")
    book.save(tmp_path / "note.xlsx")
    with pytest.raises(InputError, match=r"column XFD.*at most 500") as info:
        read_raw(tmp_path / "note.xlsx")
    assert (info.value.row, info.value.column) == (4, "XFD")


def test_a_sheet_of_16384_columns_of_data_is_refused_on_its_first_row(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["编号", "经度", "纬度", *[f"c{j}" for j in range(16381)]])
    for i in range(3):
        ws.append([f"S{i}", 120.6, 31.28, *[1] * 16381])
    book.save(tmp_path / "data.xlsx")
    with pytest.raises(InputError, match=f"at most {MAX_COLUMNS}") as info:
        read_raw(tmp_path / "data.xlsx")
    assert info.value.row == 1
