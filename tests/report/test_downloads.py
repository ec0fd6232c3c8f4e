"""The app's download tables as polished as report.xlsx (``geo.report.workbook.table_xlsx``,
``table_csv``, ``table_download``; issue 18, items 4-5): sheet names, headers, formats, words."""

from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import pandas as pd
import pytest
from _helpers.report import DATA

import geo
from geo import planner, scenario
from geo.errors import Rejected
from geo.report.workbook import table_csv, table_download, table_xlsx

INPUTS = {"demand": str(DATA / "demand.csv"), "area": str(DATA / "area.geojson"),
          "grids": str(DATA / "grids.geojson")}


@pytest.fixture(scope="module")
def at23() -> geo.CoverageResult:
    """The demo at 23:00 (half the stations closed) with two what-if stations."""
    st = scenario.combine([geo.read_stations(DATA / "stations.csv"),
                           geo.read_stations(DATA / "charging_piles.csv")])
    st = scenario.add_station(st, 120.60, 31.29, name="=HYPERLINK(\"http://x\")")
    st = scenario.add_station(st, 120.61, 31.29, kind="energy_pool")
    return geo.analyze(st, **INPUTS, settings=geo.Settings(at="23:00"))


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _styled(ws) -> None:
    """The header row of report.xlsx: bold, filled, frozen, filtered; widths set."""
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    for cell in ws[1]:
        assert cell.font.bold, cell.value
        assert cell.fill.fgColor.rgb.endswith("E8EEF4"), cell.value
    assert all(ws.column_dimensions[c].width >= 8 for c in "AB")


def _column(ws, header: str) -> list:
    head = [c.value for c in ws[1]]
    j = head.index(header) + 1
    return [ws.cell(row=r, column=j) for r in range(2, ws.max_row + 1)]


def test_grids_xlsx_sheet_headers_and_percent(at23) -> None:
    wb = _book(table_xlsx(at23.grid_table, "grids"))
    assert wb.sheetnames == ["网格"]
    ws = wb["网格"]
    assert [c.value for c in ws[1]] == ["网格", "覆盖率", "需求", "已覆盖需求", "未覆盖需求",
                                        "需求点数", "站点数", "缺口数"]
    _styled(ws)
    cov = _column(ws, "覆盖率")
    assert all(c.number_format == "0.0%" for c in cov)
    assert [c.value for c in cov] == pytest.approx(at23.grid_table["coverage"].tolist())
    assert all(c.number_format == "#,##0" for c in _column(ws, "需求"))
    en = _book(table_xlsx(at23.grid_table, "grids", lang="en"))
    assert en.sheetnames == ["Grids"] and en["Grids"]["B1"].value == "Coverage"


def test_station_xlsx_has_words_not_codes(at23) -> None:
    table = planner.station_report(at23)
    ws = _book(table_xlsx(table, "stations"))["站点"]
    _styled(ws)
    head = [c.value for c in ws[1]]
    assert head[:5] == ["编号", "名称", "类型", "计入", "未计入原因"] and "假设站点" in head
    values = [str(c.value) for row in ws.iter_rows(min_row=2) for c in row]
    for raw in ("supply", "energy_pool", "charging_pile", "True", "False", "true", "false",
                "closed at"):
        assert not any(v == raw or v.startswith(raw) for v in values), raw
    kinds = {c.value for c in _column(ws, "类型")}
    assert {"爱心补给点", "就业蓄能池", "电动车充电桩"} <= kinds
    assert {c.value for c in _column(ws, "计入")} == {"是", "否"}
    assert "23:00 未开放" in {c.value for c in _column(ws, "未计入原因")}
    flags = dict(zip([c.value for c in _column(ws, "编号")],
                     [c.value for c in _column(ws, "假设站点")], strict=True))
    assert flags["NEW1"] == flags["NEW2"] == "是" and list(flags.values()).count("否") == 66
    # a name that would be a formula stays text
    name = next(c for c in _column(ws, "名称") if str(c.value).startswith("=HYPERLINK"))
    assert name.data_type == "s"
    en = _book(table_xlsx(table, "stations", lang="en"))["Stations"]
    assert {c.value for c in _column(en, "Used")} == {"Yes", "No"}
    assert "closed at 23:00" in {c.value for c in _column(en, "Why not used")}
    assert {c.value for c in _column(en, "What-if")} == {"Yes", "No"}


def test_gaps_and_rejected_rows(at23) -> None:
    ws = _book(table_xlsx(planner.gap_report(at23), "gaps"))["缺口"]
    _styled(ws)
    assert all(c.number_format == "0.000000" for c in _column(ws, "经度 (WGS-84)"))
    assert all(c.number_format == "#,##0" for c in _column(ws, "面积 (m²)"))
    rejected = planner.issues_table([Rejected("站点.csv", 3, "lat", "bad latitude")])
    wb = _book(table_xlsx(rejected, "rejected"))
    assert wb.sheetnames == ["剔除的行"]
    assert [c.value for c in wb.active[1]] == ["文件", "行", "列", "原因"]
    assert [c.value for c in wb.active[2]] == ["站点.csv", 3, "lat", "bad latitude"]
    assert _book(table_xlsx(rejected, "rejected", lang="en")).sheetnames == ["Rejected rows"]


def test_raw_headers_and_codes_are_translated() -> None:
    st = scenario.add_station(geo.read_stations(DATA / "stations.csv"), 120.6, 31.28,
                              amenities="充电、饮用水")
    table = scenario.hypothetical_table(st)
    ws = _book(table_xlsx(table, "whatif"))["假设站点"]
    head = [c.value for c in ws[1]]
    assert "coord_system" not in head and "坐标系" in head
    assert _column(ws, "坐标系")[0].value == "WGS-84"
    assert _column(ws, "类型")[0].value == "爱心补给点"
    frame = pd.DataFrame({"id": ["a", "b"], "ok": ["true", "false"], "flag": [True, False]})
    wb = _book(table_xlsx(frame, "别的表"))
    assert wb.sheetnames == ["别的表"]
    assert [c.value for c in wb.active[2]] == ["a", "是", "是"]
    assert [c.value for c in wb.active[3]] == ["b", "否", "否"]


def test_csv_in_the_chosen_language(at23) -> None:
    data = table_csv(planner.station_report(at23))
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "名称", "类型", "计入"] and rows[0][-1] == "假设站点"
    assert {r[3] for r in rows[1:]} == {"是", "否"}
    assert not any(cell in ("supply", "True", "False") for r in rows[1:] for cell in r)
    hyperlink = next(r[1] for r in rows[1:] if "HYPERLINK" in r[1])
    assert hyperlink.startswith("'=")  # not a formula when Excel opens it
    grid = list(csv.reader(io.StringIO(table_csv(at23.grid_table, lang="en")
                                       .decode("utf-8-sig"))))
    assert grid[0][:2] == ["Grid", "Coverage"] and grid[1][1].endswith("%")
    assert table_download(at23.grid_table, "grids", ".csv") == table_csv(at23.grid_table)
    assert table_download(at23.grid_table, "grids", "xlsx") == table_xlsx(at23.grid_table,
                                                                          "grids")
    with pytest.raises(ValueError, match="a download table is"):
        table_download(at23.grid_table, "grids", ".pdf")


def test_the_apps_downloads_are_polished(at23) -> None:
    items = {d.key: d for d in planner.downloads(at23, lang="zh")}
    grids = _book(items["grids_xlsx"].make())
    assert grids.sheetnames == ["网格"]
    _styled(grids["网格"])
    assert all(c.number_format == "0.0%" for c in _column(grids["网格"], "覆盖率"))
    stations = _book(items["stations_xlsx"].make())
    assert stations.sheetnames == ["站点"]
    assert "假设站点" in [c.value for c in stations["站点"][1]]
    csv_rows = items["stations_csv"].make().decode("utf-8-sig").splitlines()
    assert "爱心补给点" in csv_rows[1] + csv_rows[-1] or "就业蓄能池" in "".join(csv_rows)
    english = {d.key: d for d in planner.downloads(at23, lang="en")}
    assert _book(english["stations_xlsx"].make()).sheetnames == ["Stations"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_polished_whatif_and_sites_downloads_read_back_as_stations(lang) -> None:
    from geo.siting import site

    st = scenario.add_station(geo.read_stations(DATA / "stations.csv"), 120.6, 31.28,
                              kind="energy_pool", amenities="充电、饮用水", hours="08:00-22:00")
    whatif = scenario.hypothetical_table(st)
    sites = site(geo.read_stations(DATA / "stations.csv"), demand=DATA / "demand.csv",
                 add=2, from_gaps=True).sites_table()
    for what, table in (("whatif", whatif), ("sites", sites)):
        for suffix in (".csv", ".xlsx"):
            data = table_download(table, what, suffix, lang=lang)
            back = planner.read_upload("stations", f"{what}{suffix}", data)
            assert back.attrs["rejected"] == [], (what, suffix)
            assert back["id"].tolist() == table["id"].tolist()
            assert back.geometry.x.round(6).tolist() == table["lon"].round(6).tolist()
            assert back.geometry.y.round(6).tolist() == table["lat"].round(6).tolist()
            assert back["kind"].tolist() == table["kind"].tolist()
    back = planner.read_upload("stations", "w.csv", table_csv(whatif, lang=lang))
    assert back["amenities"].tolist() == ["charging;water"]
    assert back["hours"].tolist() == ["08:00-22:00"]


def test_table_view_for_the_screen(at23) -> None:
    from geo.report.workbook import table_view

    view = table_view(planner.station_report(at23))
    assert list(view.columns[:4]) == ["编号", "名称", "类型", "计入"]
    assert set(view["计入"]) == {"是", "否"} and "supply" not in set(view["类型"])
    grids = table_view(at23.grid_table, lang="en")
    assert grids["Coverage"].tolist() == at23.grid_table["coverage"].tolist()
