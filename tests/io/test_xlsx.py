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


# --- sheets wider than their data, read at the width of their data (issue 19) -----------------


def _count_parsed_cells(monkeypatch) -> list[int]:
    """Count the cells openpyxl turns into Python objects."""
    from openpyxl.worksheet._reader import WorkSheetParser

    parsed = [0]
    parse_cell = WorkSheetParser.parse_cell

    def counting(self, element):
        parsed[0] += 1
        return parse_cell(self, element)

    monkeypatch.setattr(WorkSheetParser, "parse_cell", counting)
    return parsed


@pytest.mark.parametrize("dimension", [True, False])
def test_cells_styled_to_column_xfd_are_not_parsed(tmp_path, monkeypatch, dimension):
    """Every row styled to XFD took 0.1 s a row (1,000 rows: 100 s): openpyxl made an object
    of each of the 16,381 empty cells. Now only the cells holding something are parsed."""
    from _helpers.wide import wide_xlsx

    path = wide_xlsx(tmp_path / "styled.xlsx", 40, dimension=dimension)
    parsed = _count_parsed_cells(monkeypatch)
    raw = read_raw(path)
    assert raw.data.shape == (40, 3)
    assert list(raw.data.columns) == ["编号", "经度", "纬度"]
    assert list(raw.data["编号"][:2]) == ["S1", "S2"] and list(raw.rows[:2]) == [2, 3]
    assert parsed[0] == 41 * 3  # was 41 * 16,384
    assert len(read_stations(path)) == 40


def test_a_sheet_of_values_to_xfd_is_refused_before_it_is_loaded(tmp_path, monkeypatch):
    """A sheet without a <dimension> was parsed to its end when the workbook was opened
    (openpyxl looks for one), 9-16 s for 50 rows, before its first row was refused."""
    import zipfile

    from _helpers.wide import wide_xlsx

    path = wide_xlsx(tmp_path / "values.xlsx", 50, values=True, dimension=False)
    with zipfile.ZipFile(path) as z:
        sheet_size = z.getinfo("xl/worksheets/sheet1.xml").file_size
    read = [0]
    real_read = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        data = real_read(self, n)
        if self.name == "xl/worksheets/sheet1.xml":
            read[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    with pytest.raises(InputError, match=f"at most {MAX_COLUMNS}") as info:
        read_raw(path)
    assert (info.value.row, info.value.column) == (1, "SG")
    assert read[0] < sheet_size / 5, f"{read[0]:,} of {sheet_size:,} bytes read"


def test_value_less_cells_keep_the_columns_of_cells_after_them(tmp_path):
    """A cell without r="…" sits right of the cell before it: empty cells before one are kept."""
    import zipfile

    from _helpers.wide import _template

    path = tmp_path / "norefs.xlsx"
    _template(tmp_path / "t.xlsx")
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             "<sheetData>"
             '<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>经度</t></is></c>'
             '<c r="C1" t="inlineStr"><is><t>纬度</t></is></c><c r="D1" s="1"/></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>S1</t></is></c><c s="1"/>'
             "<c><v>31.28</v></c></row>"  # B2 empty, C2 = 31.28 by position
             '<row r="3"><c r="A3" t="inlineStr"><is><t>S2</t></is></c><c r="B3" s="1"/>'
             '<c r="C3" s="1"/>\n  <c r="D3" s="1" />\n</row>'
             "</sheetData></worksheet>")
    with zipfile.ZipFile(tmp_path / "t.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else src.read(name))
    raw = read_raw(path)
    assert list(raw.data.columns) == ["编号", "经度", "纬度"]
    assert raw.data.iloc[0].tolist()[2] == 31.28 and raw.data.iloc[0].tolist()[1] is None
    assert raw.data.iloc[1].tolist() == ["S2", None, None]


@pytest.mark.parametrize(("chunk", "carry"), [(64, 1 << 26), (5000, 300), (1 << 20, 1 << 26)])
@pytest.mark.parametrize("prefix", ["", "x:"])
def test_the_filtered_sheet_reads_as_the_whole_sheet(tmp_path, monkeypatch, chunk, carry, prefix):
    """However the XML is cut into chunks (rows longer than a chunk, a cut at any tag), the
    rows read through the filter are those openpyxl reads from the whole sheet."""
    import zipfile

    from _helpers.wide import _template

    from geo.io import workbook

    _template(tmp_path / "t.xlsx")
    p = prefix
    rows = []
    for r in range(1, 30):
        cells = [f'<{p}c r="A{r}" t="inlineStr"><{p}is><{p}t>S{r}</{p}t></{p}is></{p}c>']
        cells += [f'<{p}c r="{chr(66 + j)}{r}" s="1"/>' for j in range(r % 7)]
        if r % 3:
            cells.append(f'<{p}c r="J{r}"><{p}v>{r}.5</{p}v></{p}c>')
        cells += [f'<{p}c r="K{r}" s="1" t="n" />', "\n"] * (r % 2)
        rows.append(f'<{p}row r="{r}">{"".join(cells)}</{p}row>')
    xmlns = (f'xmlns:{p[:-1]}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' if p
             else 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    sheet = f'<{p}worksheet {xmlns}><{p}sheetData>{"".join(rows)}</{p}sheetData></{p}worksheet>'
    path = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(tmp_path / "t.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else src.read(name))
    whole = openpyxl.load_workbook(path, read_only=True, data_only=True)
    expected = [tuple(v for v in row) for row in whole.active.iter_rows(values_only=True)]
    whole.close()
    monkeypatch.setattr(workbook, "_CHUNK", chunk)
    monkeypatch.setattr(workbook, "_MAX_CARRY", carry)
    with open(path, "rb") as fh:
        book = workbook.open_workbook(fh)
        got = list(book.active.iter_rows(values_only=True))
        book.close()

    def trimmed(row):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        return row

    assert [trimmed(r) for r in got] == [trimmed(r) for r in expected]
    assert max(len(r) for r in got) == 10  # column J, not K: the empty cells are gone


def test_a_sheet_styled_to_xfd_is_not_refused_for_memory_it_never_takes(tmp_path):
    """The memory estimate counted the XML of the value-less cells too (6 bytes a byte):
    40 rows styled to XFD were 'too large' for a 50 MB budget. Counted once filtered."""
    from _helpers.wide import wide_xlsx

    from geo import budget
    from geo.errors import InputError as Refused

    path = wide_xlsx(tmp_path / "styled.xlsx", 40)
    with budget.limit("50MB"):
        assert read_raw(path).data.shape == (40, 3)
    values = wide_xlsx(tmp_path / "values.xlsx", 3, values=True)
    with budget.limit("1MB"), pytest.raises(Refused, match="reading this file"):
        read_raw(values)  # values are held: still refused before reading
