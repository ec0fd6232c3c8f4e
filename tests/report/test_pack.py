"""The report pack (``geo.report.pack``): every file, its pictures, the same bytes, hostile text.

Most tests draw the static map at a low resolution to stay quick; the print size is
checked in ``test_staticmap.py``, the picture in headless Chromium in ``test_browsermap.py``.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import openpyxl
import pytest
from _helpers import ROOT
from _helpers.report import DPI, PACK_FILES, SCENARIOS, image, not_blank

import geo
from geo.report import pack, report_files, write_report
from geo.report._figure import pixels

DATA = ROOT / "data" / "canglang"
XSS = "<script>alert(1)</script>"


# --- the pack ---------------------------------------------------------------------------------


def test_every_file_is_made(demo_pack):
    result, out = demo_pack
    assert set(result.files) == PACK_FILES
    assert {p.name for p in out.iterdir()} == PACK_FILES
    assert result.map_png == "static"
    assert result.skipped == {}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["map_png"] == "static"
    assert manifest["files"] == sorted(PACK_FILES)
    assert manifest["scenarios"] == ["全部站点", "有充电", "23:00 开放"]
    assert manifest["illustrative"] is True
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "示意数据" in html and "leaflet" in html.lower()


def test_pictures_have_their_size_and_are_not_blank(demo_pack):
    _, out = demo_pack
    a4 = (pixels(297, DPI), pixels(210, DPI))
    assert image(out / "map.png").size == a4 == (1169, 827)
    assert image(out / "coverage_curve.png").size == (pixels(170, DPI), pixels(105, DPI))
    grids = image(out / "grids.png")
    assert grids.size[0] == pixels(170, DPI) and grids.size[1] >= pixels(70, DPI)
    for name in ("map.png", "coverage_curve.png", "grids.png"):
        assert not_blank(image(out / name)), name
    # the map is mostly drawn, not white
    grey = np.asarray(image(out / "map.png").convert("L"))
    assert (grey < 245).mean() > 0.25


# --- determinism ------------------------------------------------------------------------------


def test_the_same_inputs_give_the_same_bytes(demo, demo_pack, tmp_path):
    _, first = demo_pack
    options = {"map_png": "static", "dpi": DPI, "scenarios": SCENARIOS, "target": 0.9}
    again = write_report(demo, tmp_path / "again", **options)
    for name in again.files:
        assert (tmp_path / "again" / name).read_bytes() == (first / name).read_bytes(), name
    packed = demo.report(tmp_path / "pack.zip", **options)
    with zipfile.ZipFile(packed.path) as z:
        assert z.namelist() == sorted(PACK_FILES)
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        for name in z.namelist():
            assert z.read(name) == (first / name).read_bytes(), name
    files = {p.name: p.read_bytes() for p in first.iterdir()}
    assert pack.zip_bytes(files) == packed.path.read_bytes()


# --- hostile text -------------------------------------------------------------------------------


def test_hostile_names_are_escaped(tmp_path):
    stations = geo.read_stations(DATA / "stations.csv")
    stations["name"] = XSS
    stations.loc[0, "name"] = "=HYPERLINK(\"http://x\")"
    grids = geo.read_grids(DATA / "grids.geojson")
    grids["grid"] = [f"<b onmouseover=alert({i})>网格{i}</b>" for i in range(len(grids))]
    result = geo.analyze(stations, demand=str(DATA / "demand.csv"), grids=grids)
    files, _ = report_files(result, map_png="static", dpi=50, title="<svg onload=alert(6)>")
    html = files["summary.html"].decode("utf-8")
    for raw in ("<script>alert", "<svg onload", "<b onmouseover"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;svg onload=alert(6)&gt;" in html
    md = files["summary.md"].decode("utf-8")
    assert "<script>" not in md and r"\<script\>" in md
    wb = openpyxl.load_workbook(io.BytesIO(files["report.xlsx"]))
    names = list(wb["站点"]["B"][1:])
    assert names[0].value == "=HYPERLINK(\"http://x\")" and names[0].data_type == "s"
    assert names[1].value == XSS
    assert "<script>alert(1)</script>" not in files["map.html"].decode("utf-8")


# --- other inputs and options -------------------------------------------------------------------


def test_without_grids_the_grid_chart_is_skipped_and_said(stations, demand, area):
    result = geo.analyze(stations, demand=demand, area=area)
    files, manifest = report_files(result, map_png="static", dpi=50, illustrative=False)
    assert "grids.png" not in files and "grids.png" in manifest["skipped"]
    md = files["summary.md"].decode("utf-8")
    assert "没有网格" in md and "示意数据" not in md
    assert manifest["illustrative"] is False


def test_bad_options_are_named(demo, tmp_path):
    with pytest.raises(geo.SettingsError, match="language"):
        report_files(demo, lang="fr")
    with pytest.raises(geo.SettingsError, match="map picture"):
        report_files(demo, map_png="svg")
    with pytest.raises(geo.SettingsError, match="target"):
        report_files(demo, target=80)
    with pytest.raises(geo.InputError, match="folder does not exist"):
        demo.report(tmp_path / "missing" / "pack.zip", map_png="static", dpi=50)
