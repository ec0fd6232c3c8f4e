"""Inputs and downloads of the planner app (``geo.planner``), without Streamlit.

The summary download is compared byte for byte with what ``geo check --json``
prints for the same files, run from the folder the file names are relative to.
"""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

import openpyxl
import pytest
from _helpers import ROOT
from typer.testing import CliRunner

import geo
from geo import planner, scenario
from geo.cli import app
from geo.errors import InputError, Rejected

DEMO = ROOT / "data" / "canglang"
BAD_ROWS = (
    "编号,名称,类型,经度,纬度,坐标系\r\n"
    "X1,甲站,爱心补给点,120.61,31.29,gcj02\r\n"
    "X2,乙站,爱心补给点,abc,31.29,gcj02\r\n"
    "X3,丙站,爱心补给点,31.29,120.61,gcj02\r\n"
).encode("utf-8-sig")


def _demo_result(**settings) -> geo.CoverageResult:
    return geo.analyze(
        scenario.combine(planner.read_demo("stations")),
        demand=planner.read_demo("demand")[0],
        area=planner.read_demo("area")[0],
        grids=planner.read_demo("grids")[0],
        settings=geo.Settings(**settings),
    )


def _cli_json(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.chdir(cwd)
    run = CliRunner().invoke(app, ["check", *args, "--json"])
    assert run.exit_code == 0, run.stderr
    return run.stdout_bytes


@pytest.mark.parametrize(
    ("options", "settings"),
    [([], {}), (["--mode", "ebike", "--at", "23:00", "--category", "supply",
                 "--category", "charging_pile", "--cell", "50"],
                {"mode": "ebike", "at": "23:00", "categories": ("supply", "charging_pile"),
                 "cell_m": 50})],
)
def test_summary_json_is_geo_check_json_on_the_demo(options, settings, monkeypatch) -> None:
    files = ["data/canglang/stations.csv", "data/canglang/charging_piles.csv",
             "--demand", "data/canglang/demand.csv", "--area", "data/canglang/area.geojson",
             "--grids", "data/canglang/grids.geojson"]
    expected = _cli_json(files + options, ROOT, monkeypatch)
    assert planner.summary_json(_demo_result(**settings)) == expected


def test_summary_json_is_geo_check_json_for_an_upload(tmp_path, monkeypatch) -> None:
    (tmp_path / "我的站点.csv").write_bytes(BAD_ROWS)
    expected = _cli_json(["我的站点.csv", "--crs", "gcj02"], tmp_path, monkeypatch)
    gdf = planner.read_upload("stations", "我的站点.csv", BAD_ROWS, crs="gcj02")
    got = planner.summary_json(geo.analyze(gdf))
    assert got == expected
    assert [r["file"] for r in json.loads(got)["rejected"]] == ["我的站点.csv"] * 2


def test_upload_rejected_rows_name_the_uploaded_file() -> None:
    gdf = planner.read_upload("stations", "C:\\Users\\me\\mine.csv", BAD_ROWS, crs="wgs84")
    assert gdf["id"].tolist() == ["X1"]
    assert gdf.attrs["source"] == "mine.csv"
    rejected = gdf.attrs["rejected"]
    assert [(r.file, r.row, r.column) for r in rejected] == [
        ("mine.csv", 3, "lon"), ("mine.csv", 4, "lat")
    ]
    assert all("geo-upload-" not in r.reason for r in rejected)


@pytest.mark.parametrize(
    ("kind", "name", "data", "words"),
    [
        ("stations", "nocoords.csv", "名称,地址\n甲,某路1号\n".encode(), "no coordinate columns"),
        ("stations", "old.xls", b"\xd0\xcf\x11\xe0", ".xls"),
        ("demand", "notes.docx", b"PK", "unknown file type"),
        ("area", "area.geojson", b"{not json", None),
        ("grids", "empty.csv", b"", None),
    ],
)
def test_unusable_upload_raises_naming_the_upload(kind, name, data, words) -> None:
    with pytest.raises(InputError, match=words) as err:
        planner.read_upload(kind, name, data)
    assert err.value.file == name
    assert str(err.value).startswith(name)
    assert "geo-upload-" not in str(err.value)


def test_read_upload_formats_agree(tmp_path) -> None:
    frame = geo.read_stations(DEMO / "stations.csv")
    ref = geo.analyze(frame).summary()
    for suffix in (".xlsx", ".geojson", ".gpkg", ".parquet"):
        path = tmp_path / f"stations{suffix}"
        # positions are WGS-84 now: the file must not say GCJ-02 any more
        geo.write_table(frame.drop(columns=["row", "coord_system"]), path)
        gdf = planner.read_upload("stations", path.name, path.read_bytes())
        assert len(gdf) == 46, suffix
        got = geo.analyze(gdf).summary()
        assert got["coverage"] == pytest.approx(ref["coverage"], abs=1e-12), suffix


def test_read_demo_labels_like_the_cli() -> None:
    frames = planner.read_demo("stations")
    assert [f.attrs["source"] for f in frames] == [
        "data/canglang/stations.csv", "data/canglang/charging_piles.csv"
    ]
    with pytest.raises(ValueError, match="unknown input kind"):
        planner.read_input("roads", DEMO / "area.geojson")


def test_issues_table_lists_each_once() -> None:
    a = Rejected("a.csv", 3, "lat", "bad")
    b = Rejected("a.csv", 4, "lon", "bad")
    table = planner.issues_table([a, b, a])
    assert list(table.columns) == ["file", "row", "column", "reason"]
    assert table.values.tolist() == [["a.csv", 3, "lat", "bad"], ["a.csv", 4, "lon", "bad"]]
    assert planner.issues_table([]).empty


def test_downloads_make_every_file() -> None:
    result = _demo_result()
    items = {d.key: d for d in planner.downloads(result, tiles="amap", lang="zh")}
    assert set(items) == {"report", "map", "summary", "gaps", "points", "grids_csv",
                          "grids_xlsx", "stations_csv", "stations_xlsx"}
    html = items["map"].make().decode("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "webrd0" in html  # the chosen basemap
    gaps = json.loads(items["gaps"].make())
    assert len(gaps["features"]) == len(result.gap_table)
    assert [f["properties"]["rank"] for f in gaps["features"]] == list(
        range(1, len(result.gap_table) + 1)
    )
    points = json.loads(items["points"].make())
    assert len(points["features"]) == len(result.points)
    grids_csv = items["grids_csv"].make()
    assert grids_csv.startswith(codecs.BOM_UTF8)
    header = grids_csv.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["网格", "覆盖率", "需求"]
    book = openpyxl.load_workbook(io.BytesIO(items["stations_xlsx"].make()))
    rows = list(book.active.values)
    assert rows[0][:3] == ("编号", "名称", "类型") and len(rows) == 1 + len(result.stations)
    english = {d.key: d for d in planner.downloads(result, lang="en")}
    assert english["grids_csv"].make().decode("utf-8-sig").startswith("Grid,Coverage")


def test_cells_download_without_demand() -> None:
    result = geo.analyze(planner.read_demo("stations")[0], area=planner.read_demo("area")[0])
    keys = [d.key for d in planner.downloads(result)]
    assert "cells" in keys and "points" not in keys


def test_station_report_marks_what_if_stations() -> None:
    stations = scenario.add_station(scenario.combine(planner.read_demo("stations")), 120.6, 31.28)
    result = geo.analyze(stations, demand=planner.read_demo("demand")[0])
    table = planner.station_report(result)
    assert table["hypothetical"].tolist() == [False] * 66 + [True]
    assert "label" not in planner.gap_report(result)


def test_whatif_csv_reads_back(tmp_path) -> None:
    stations = scenario.add_station(geo.read_stations(DEMO / "stations.csv"), 120.6, 31.28)
    data = planner.whatif_csv(stations)
    assert data.startswith(codecs.BOM_UTF8)
    back = planner.read_upload("stations", "whatif.csv", data)
    assert back["id"].tolist() == ["NEW1"] and back.attrs["rejected"] == []


def test_network_upload_of_wrong_type_is_reported(tmp_path: Path) -> None:
    from geo import planner

    with pytest.raises(geo.InputError, match="OSM PBF"):
        planner.save_network_upload("roads.csv", b"x", tmp_path)
    path = planner.save_network_upload("city.osm.pbf", b"abc", tmp_path)
    assert path.read_bytes() == b"abc"
    assert planner.save_network_upload("city.osm.pbf", b"abc", tmp_path) == path


def test_an_uploaded_list_is_geocoded_and_named_as_uploaded() -> None:
    from geo import planner

    good = "名称,地址\r\n甲,苏州市姑苏区云帆路48号\r\n".encode("utf-8-sig")
    table = planner.geocode_upload("上传/站点.csv", good, provider="demo", cache=False)
    assert table.attrs["source"] == "站点.csv" and table["geocode_status"].tolist() == ["ok"]
    bad = "名称,备注\r\n甲,无\r\n".encode("utf-8-sig")
    with pytest.raises(InputError) as err:
        planner.geocode_upload("站点.csv", bad, provider="demo", cache=False)
    assert err.value.file == "站点.csv" and "geo-upload-" not in str(err.value)
    assert "address" in str(err.value)


def test_an_upload_with_a_very_long_chinese_name_is_read_and_named_as_uploaded() -> None:
    name = "沧浪街道新就业形态劳动者服务站点" * 20 + ".csv"  # 960 bytes in UTF-8
    data = (ROOT / "data" / "canglang" / "stations.csv").read_bytes()
    gdf = planner.read_upload("stations", name, data, crs="gcj02")
    assert gdf.attrs["source"] == name and len(gdf) > 0
    with pytest.raises(InputError) as err:
        planner.read_upload("stations", name, "名称\r\n甲\r\n".encode(), crs="gcj02")
    assert err.value.file == name
