"""The report pack (geo.report): every file, pictures, curve, workbook, summary, determinism.

Most tests draw the static map at a low resolution to stay quick; one test checks
the print size (A4 landscape at 300 dpi), one takes the picture in headless
Chromium (skipped without it), and one proves that "auto" falls back to the static
picture when no browser is there.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from PIL import Image
from typer.testing import CliRunner

import geo
from geo import crs as crsmod
from geo.cli import app
from geo.report import (
    browsermap,
    charts,
    coverage_curve,
    fonts,
    pack,
    report_files,
    report_zip,
    scenario_results,
    staticmap,
    write_report,
)
from geo.report._figure import pixels
from geo.report.fonts import FontMissingError

DATA = Path(__file__).resolve().parents[1] / "data" / "canglang"
FILES = [str(DATA / "stations.csv"), str(DATA / "charging_piles.csv")]
INPUTS = {
    "demand": str(DATA / "demand.csv"),
    "area": str(DATA / "area.geojson"),
    "grids": str(DATA / "grids.geojson"),
}
PACK_FILES = {
    "coverage.json", "coverage_curve.png", "grids.png", "manifest.json", "map.html", "map.png",
    "report.xlsx", "summary.html", "summary.md",
}
SCENARIOS = {"有充电": {"amenity": "充电"}, "23:00 开放": {"at": "23:00"}}
DPI = 100  # quick; the print size is checked once at 300 dpi
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def demo() -> geo.CoverageResult:
    return geo.analyze(FILES, **INPUTS)


@pytest.fixture(scope="module")
def demo_pack(demo, tmp_path_factory) -> tuple[pack.ReportPack, Path]:
    out = tmp_path_factory.mktemp("pack") / "report"
    result = demo.report(out, map_png="static", dpi=DPI, scenarios=SCENARIOS, target=0.9)
    return result, out


@pytest.fixture(scope="module")
def cli_json() -> dict:
    args = ["check", *FILES, *(f"--{k}={v}" for k, v in INPUTS.items()), "--json"]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)


def image(data: bytes | Path) -> Image.Image:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return Image.open(io.BytesIO(raw))


def not_blank(img: Image.Image, min_std: float = 10.0) -> bool:
    grey = np.asarray(img.convert("L"), dtype="float64")
    return grey.std() > min_std and len(np.unique(grey)) > 20


def by_path(obj, key: str):
    """``a.b.0.c`` or ``len(x)`` into a JSON object."""
    if key.startswith("len(") and key.endswith(")"):
        return len(by_path(obj, key[4:-1]))
    for part in key.split("."):
        obj = obj[int(part)] if part.isdigit() else obj[part]
    return obj


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


def test_static_map_is_a4_landscape_at_300_dpi(demo):
    families = fonts.report_families(lang="zh", texts=[])
    png = staticmap.static_map_png(demo, lang="zh", families=families, dpi=300,
                                   illustrative=True)
    img = image(png)
    assert img.size == (3508, 2480)
    assert round(img.info["dpi"][0]) == 300
    assert not_blank(img)


# --- the coverage curve -----------------------------------------------------------------------


def test_curve_is_monotone_and_crosses_the_coverage_at_15(demo, cli_json):
    curve = coverage_curve(demo)
    share = curve["share"].to_numpy()
    assert curve["minutes"].iloc[0] == 0 and curve["minutes"].iloc[-1] == 30
    assert np.all(np.diff(share) >= 0)
    assert share[0] >= 0 and share[-1] <= 1
    at15 = float(curve.loc[curve["minutes"] == 15, "share"].iloc[0])
    assert at15 == pytest.approx(demo.summary()["coverage"], abs=1e-12)
    assert at15 == pytest.approx(cli_json["coverage"], abs=1e-12)
    for band in cli_json["bands"]:
        value = float(curve.loc[curve["minutes"] == band["minutes"], "share"].iloc[0])
        assert round(value, 4) == band["share"]
    # the same as counting directly, at any N
    p = demo.points
    for n in (0.5, 7.25, 22.0):
        direct = p.loc[p["minutes"] <= n + 1e-9, "weight"].sum() / p["weight"].sum()
        assert float(coverage_curve(demo, [n])["share"].iloc[0]) == pytest.approx(direct)


def test_curve_of_scenarios_and_their_labels(demo):
    base = geo.analyze(FILES[0], **INPUTS)  # without the charging piles the filters matter
    runs = scenario_results(base, SCENARIOS)
    assert list(runs) == ["全部站点", "有充电", "23:00 开放"]
    for label, overrides in SCENARIOS.items():
        fresh = geo.analyze(FILES[0], **INPUTS, **overrides)
        assert runs[label].coverage == pytest.approx(fresh.coverage, abs=1e-12)
        assert runs[label].coverage < base.coverage
    unnamed = scenario_results(base, [{"at": "23:00"}, ("mine", base)])
    assert list(unnamed) == ["mine", "23:00 开放的站点"]
    assert list(scenario_results(demo, [{"amenity": "充电"}])) == ["全部站点", "有充电的站点"]
    with pytest.raises(geo.SettingsError):
        scenario_results(demo, [{"label": "x", "at": "23:00"}, {"label": "x", "at": "22:00"}])


def test_curve_on_the_street_network_stops_at_unreachable_demand():
    from pyproj import Transformer

    from geo import network as gn

    crs = "EPSG:32651"
    back = Transformer.from_crs(crs, 4326, always_xy=True)
    x0, y0 = 300_000.0, 3_460_000.0
    net = gn.network_from_edges([x0, x0 + 3000, x0, x0 + 500], [y0, y0, y0 + 400, y0 + 400],
                                [0, 2], [1, 3], crs=crs)
    slon, slat = back.transform([x0], [y0])
    # along the street at 300, 900, 1500 and 2400 m, and one on an island without a station
    dlon, dlat = back.transform([x0 + 300, x0 + 900, x0 + 1500, x0 + 2400, x0 + 200],
                                [y0] * 4 + [y0 + 400])
    stations = gpd.GeoDataFrame({"id": ["S1"]}, geometry=shapely.points(slon, slat), crs=4326)
    demand = gpd.GeoDataFrame({"id": list("ABCDE"), "weight": [1.0, 2.0, 3.0, 4.0, 10.0]},
                              geometry=shapely.points(dlon, dlat), crs=4326)
    result = geo.analyze(stations, demand=demand, method="network", network=net, mode="walk")
    curve = coverage_curve(result, [0, 5, 15, 30, 60])
    assert float(curve["share"].iloc[2]) == pytest.approx(result.coverage, abs=1e-12)
    assert np.all(np.diff(curve["share"]) >= 0)
    # the island (10 of 20) is never reached, however long the wait
    assert float(curve["share"].iloc[-1]) == pytest.approx(0.5)
    assert charts.unknown_share(result) == pytest.approx(0.5)
    files, manifest = report_files(result, map_png="static", dpi=50)
    assert manifest["map_png"] == "static" and "grids.png" in manifest["skipped"]
    assert "路网" in files["summary.md"].decode("utf-8")


# --- the workbook -----------------------------------------------------------------------------


def test_workbook_sheets_headers_and_frozen_rows(demo_pack):
    _, out = demo_pack
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert wb.sheetnames == ["摘要", "网格", "缺口", "站点", "问题数据", "覆盖曲线"]
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb}
    assert headers["摘要"] == ["项目", "值", "说明", "JSON 键"]
    assert headers["网格"][:5] == ["网格", "覆盖率", "需求", "已覆盖需求", "未覆盖需求"]
    assert headers["缺口"][:9] == ["排名", "需求", "面积 (m²)", "单元数", "网格", "经度 (WGS-84)",
                                  "纬度 (WGS-84)", "经度 (GCJ-02)", "纬度 (GCJ-02)"]
    assert {"编号", "名称", "独有覆盖需求", "已覆盖需求", "经度 (GCJ-02)"} <= set(headers["站点"])
    assert headers["问题数据"] == ["类别", "文件", "行", "列", "原因"]
    assert headers["覆盖曲线"] == ["分钟", "全部站点", "有充电", "23:00 开放"]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.bold
        assert all(ws.column_dimensions[c].width >= 8 for c in "ABC"), ws.title
    gaps = list(wb["缺口"].iter_rows(min_row=2, values_only=True))
    lon, lat, glon, glat = (np.array([r[i] for r in gaps], dtype=float) for i in (5, 6, 7, 8))
    want_lon, want_lat = crsmod.wgs84_to_gcj02(lon, lat)
    np.testing.assert_allclose(glon, want_lon, atol=2e-6)
    np.testing.assert_allclose(glat, want_lat, atol=2e-6)
    assert wb["摘要"]["B2"].value == "15分钟服务圈覆盖报告"


def test_workbook_and_summary_numbers_equal_geo_check_json(demo_pack, cli_json):
    _, out = demo_pack
    # the pack's coverage.json is what `geo check --json` prints, byte for byte
    args = ["check", *FILES, *(f"--{k}={v}" for k, v in INPUTS.items()), "--json"]
    assert (out / "coverage.json").read_text(encoding="utf-8") == CliRunner().invoke(
        app, args).stdout
    wb = openpyxl.load_workbook(out / "report.xlsx")
    keyed = [(r[1], r[3]) for r in wb["摘要"].iter_rows(min_row=2, values_only=True) if r[3]]
    assert len(keyed) > 20
    for value, key in keyed:
        assert value == by_path(cli_json, key), key
    grids = [dict(zip(["grid", "coverage", "demand", "covered_demand", "uncovered_demand",
                       "points", "stations", "gaps"], row, strict=True))
             for row in wb["网格"].iter_rows(min_row=2, values_only=True)]
    assert grids == cli_json["grids"]
    gaps = list(wb["缺口"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in gaps] == [
        (g["rank"], g["demand"], g["area_m2"], g["cells"], g["grid"], g["lon"], g["lat"])
        for g in cli_json["gaps"]
    ]
    # the summary's numbers carry their JSON key and value
    html = (out / "summary.html").read_text(encoding="utf-8")
    pairs = re.findall(r'data-key="([^"]+)" data-value="([^"]+)"', html)
    assert {k for k, _ in pairs} >= {"coverage", "total_demand", "uncovered_demand", "len(gaps)",
                                     "gaps.0.demand", "bands.0.share"}
    for key, value in pairs:
        assert json.loads(value.replace("&quot;", '"')) == by_path(cli_json, key), key
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert f"覆盖率 {cli_json['coverage'] * 100:.1f}%" in md
    assert "示意数据" in md and md.count("**缺口 ") == 3


def test_summary_names_the_three_largest_gaps_and_the_assumptions(demo_pack, cli_json):
    _, out = demo_pack
    md = (out / "summary.md").read_text(encoding="utf-8")
    for gap in cli_json["gaps"][:3]:
        assert f"{gap['lon']:.6f}, {gap['lat']:.6f}（WGS-84）" in md
        assert gap["grid"] in md
    assert "4.8 km/h" in md and "15 分钟" in md and "绕行系数 1.3" in md
    assert "data/canglang/stations.csv" in md
    assert "分析日期" not in md  # no date unless asked for


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


def test_a_date_is_printed_only_when_given(demo):
    from geo.report import summary, workbook

    def text(date):
        blocks = summary.summary_blocks(demo, title="t", date=date)
        return summary.render_markdown(blocks)

    assert "分析日期" not in text(None)
    assert "分析日期：2025-03-01" in text("2025-03-01")
    assert pack._date_text(None, stamp=False) is None
    assert pack._date_text(None, stamp=True) == dt.date.today().isoformat()
    dated = workbook.workbook_bytes(demo, title="t", date="2025-03-01")
    core = zipfile.ZipFile(io.BytesIO(dated)).read("docProps/core.xml").decode("utf-8")
    assert "2025-03-01T00:00:00Z" in core
    plain = workbook.workbook_bytes(demo, title="t")
    core = zipfile.ZipFile(io.BytesIO(plain)).read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z" in core and plain == workbook.workbook_bytes(demo, title="t")


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


# --- map picture: browser, static, fallback -----------------------------------------------------


def test_auto_falls_back_to_the_static_map_without_a_browser(demo, monkeypatch):
    monkeypatch.setattr(browsermap, "find_chromium", lambda: None)
    monkeypatch.delenv("GEO_CHROMIUM", raising=False)
    assert "Chromium" in browsermap.unavailable_reason()
    # what the app's download button gets: the pack as zip bytes
    with zipfile.ZipFile(io.BytesIO(report_zip(demo, map_png="auto", dpi=50))) as z:
        files = {name: z.read(name) for name in z.namelist()}
    assert set(files) == PACK_FILES
    manifest = json.loads(files["manifest.json"])
    assert manifest["map_png"] == "static"
    assert any("Chromium" in note for note in manifest["notes"])
    assert image(files["map.png"]).size == (pixels(297, 50), pixels(210, 50))
    assert "（static）" in files["summary.md"].decode("utf-8")
    with pytest.raises(browsermap.BrowserMapError, match="Chromium"):
        report_files(demo, map_png="browser", dpi=50)


def test_map_picture_in_headless_chromium(demo, tmp_path):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium fonts-noto-cjk)")
    reason = browsermap.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    result = demo.report(tmp_path / "b", map_png="browser", dpi=DPI)
    assert result.map_png == "browser"
    img = image(tmp_path / "b" / "map.png")
    assert img.size == (pixels(297, DPI), pixels(210, DPI))
    assert not_blank(img)
    # stations and bands were drawn: the kind colours and the band greens are there
    rgb = np.asarray(img.convert("RGB")).reshape(-1, 3).astype(int)
    for colour in ("#d1495b", "#00798c"):
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(rgb - target).sum(axis=1) < 30).sum() > 50, colour
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["map_png"] == "browser"


# --- fonts ----------------------------------------------------------------------------------------


def _render(text: str, family: list[str]) -> np.ndarray:
    from geo.report._figure import new_figure, png_bytes

    fig = new_figure(20, 10, 100)
    fig.text(0.1, 0.2, text, fontsize=24, family=family)
    return np.asarray(image(png_bytes(fig)).convert("L"))


def test_the_chosen_font_draws_chinese():
    font = fonts.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    from matplotlib import ft2font

    face = ft2font.FT2Font(font.path, face_index=font.index)
    assert all(face.get_char_index(ord(ch)) for ch in "覆盖率网格缺口站点示意数据")
    glyphs = [_render(ch, [font.name]) for ch in "覆盖率"]
    assert all((g < 128).sum() > 30 for g in glyphs)
    assert len({g.tobytes() for g in glyphs}) == 3  # three different glyphs, not three boxes
    # the check can fail: a Latin-only font draws the same box for each
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tofu = [_render(ch, ["DejaVu Sans"]) for ch in "覆盖率"]
    assert len({g.tobytes() for g in tofu}) == 1


def test_without_a_cjk_font_chinese_fails_clearly_and_english_works(
    monkeypatch, stations, demand
):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    result = geo.analyze(stations, demand=demand)
    with pytest.raises(FontMissingError, match="fonts-noto-cjk"):
        report_files(result, map_png="static", dpi=50)
    assert issubclass(FontMissingError, geo.GeoError)
    files, manifest = report_files(result, map_png="static", dpi=50, lang="en",
                                   title="Test street")
    assert manifest["lang"] == "en" and not_blank(image(files["map.png"]))
    assert "Coverage" in files["summary.md"].decode("utf-8")
    wb = openpyxl.load_workbook(io.BytesIO(files["report.xlsx"]))
    assert wb.sheetnames == ["Summary", "Grids", "Gaps", "Stations", "Rejected rows",
                             "Coverage curve"]
    # a Chinese name needs the font in English too
    stations = stations.assign(name="爱心补给点")
    grids = gpd.GeoDataFrame({"grid": ["西网格"]}, geometry=[shapely.box(120.59, 31.27, 120.62,
                                                                        31.305)], crs=4326)
    with pytest.raises(FontMissingError):
        report_files(geo.analyze(stations, demand=demand, grids=grids), lang="en",
                     map_png="static", dpi=50)


def test_geo_cjk_font_overrides(monkeypatch):
    monkeypatch.setenv("GEO_CJK_FONT", "/nowhere/font.ttc")
    with pytest.raises(FontMissingError, match="GEO_CJK_FONT"):
        fonts.find_cjk_font()
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if noto.exists():
        monkeypatch.setenv("GEO_CJK_FONT", str(noto))
        font = fonts.find_cjk_font()
        assert font is not None and Path(font.path).name == noto.name and "SC" in font.name


# --- other inputs and options -------------------------------------------------------------------


def test_without_grids_the_grid_chart_is_skipped_and_said(stations, demand, area):
    result = geo.analyze(stations, demand=demand, area=area)
    files, manifest = report_files(result, map_png="static", dpi=50, illustrative=False)
    assert "grids.png" not in files and "grids.png" in manifest["skipped"]
    md = files["summary.md"].decode("utf-8")
    assert "没有网格" in md and "示意数据" not in md
    assert manifest["illustrative"] is False


def test_area_share_without_demand(area, stations):
    result = geo.analyze(stations, area=area, cell_m=200)
    curve = coverage_curve(result)
    at = float(curve.loc[curve["minutes"] == 15, "share"].iloc[0])
    assert at == pytest.approx(result.coverage, abs=1e-12)
    files, _ = report_files(result, map_png="static", dpi=50)
    assert "面积占比" in files["summary.md"].decode("utf-8")


def test_bad_options_are_named(demo, tmp_path):
    with pytest.raises(geo.SettingsError, match="language"):
        report_files(demo, lang="fr")
    with pytest.raises(geo.SettingsError, match="map picture"):
        report_files(demo, map_png="svg")
    with pytest.raises(geo.SettingsError, match="target"):
        report_files(demo, target=80)
    with pytest.raises(geo.InputError, match="folder does not exist"):
        demo.report(tmp_path / "missing" / "pack.zip", map_png="static", dpi=50)
