"""Hypothetical (what-if) stations in the report pack: the summary, the workbook, the static map,
the manifest; gaps placed by landmarks, never by an internal gap-cell id (issue 18, item 4)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import geopandas as gpd
import matplotlib
import numpy as np
import openpyxl
import pytest
from _helpers.report import DATA
from pyproj import Transformer
from scipy.spatial import cKDTree

import geo
from geo import scenario
from geo.maps.whatif import hypothetical_ids, id_span, whatif_count
from geo.report import pack, staticmap, summary
from geo.report.places import gap_places, is_landmark_name

matplotlib.use("Agg")

INPUTS = {"demand": str(DATA / "demand.csv"), "area": str(DATA / "area.geojson"),
          "grids": str(DATA / "grids.geojson")}


def _existing() -> gpd.GeoDataFrame:
    return scenario.combine([geo.read_stations(DATA / "stations.csv"),
                             geo.read_stations(DATA / "charging_piles.csv")])


@pytest.fixture(scope="module")
def whatif4() -> geo.CoverageResult:
    """The demo with four what-if stations NEW1–NEW4 (as the app adds them), 10 minutes."""
    st = _existing()
    for i in range(4):
        st = scenario.add_station(st, 120.60 + 0.003 * i, 31.29)
    return geo.analyze(st, **INPUTS, settings=geo.Settings(minutes=10))


@pytest.fixture(scope="module")
def whatif_pack(whatif4) -> tuple[dict[str, bytes], dict]:
    return pack.report_files(whatif4, map_png="static", dpi=60)


def test_summary_names_the_hypothetical_stations_and_counts_them_apart(whatif_pack) -> None:
    files, _ = whatif_pack
    md = files["summary.md"].decode("utf-8")
    assert "> 含 4 个假设站点（NEW1–NEW4），非已建站点" in md
    assert "其中已建站点 66 个（计入 66 个），假设站点 4 个（计入 4 个）" in md
    assert "站点：计入 70 个（共 70 个）" in md
    html = files["summary.html"].decode("utf-8")
    assert '<p class="note">含 4 个假设站点（NEW1–NEW4），非已建站点' in html


def test_english_summary_says_hypothetical(whatif4) -> None:
    md = summary.render_markdown(summary.summary_blocks(whatif4, title="t", lang="en"))
    assert "> Includes 4 hypothetical stations (NEW1–NEW4), not built" in md
    assert "existing stations 66 (66 counted), hypothetical stations 4 (4 counted)" in md


def test_summary_without_whatif_has_no_such_line(demo) -> None:
    md = summary.render_markdown(summary.summary_blocks(demo, title="t"))
    assert "假设站点" not in md and "非已建" not in md


def test_workbook_station_sheet_says_hypothetical_yes_or_no(whatif_pack, demo) -> None:
    files, manifest = whatif_pack
    wb = openpyxl.load_workbook(io.BytesIO(files["report.xlsx"]))
    rows = list(wb["站点"].iter_rows(values_only=True))
    head = list(rows[0])
    col = head.index("假设站点")
    flags = {r[head.index("编号")]: r[col] for r in rows[1:]}
    assert {k for k, v in flags.items() if v == "是"} == {"NEW1", "NEW2", "NEW3", "NEW4"}
    assert sum(v == "否" for v in flags.values()) == 66
    summ = {r[0]: (r[1], r[2]) for r in wb["摘要"].iter_rows(min_row=2, values_only=True)}
    assert summ["已建站点"][0] == 66 and summ["假设站点"][0] == 4
    assert "NEW1–NEW4" in summ["假设站点"][1]
    assert manifest["hypothetical_stations"] == ["NEW1", "NEW2", "NEW3", "NEW4"]
    # without what-if stations the column is there, every station 否 (No in English)
    plain = openpyxl.load_workbook(io.BytesIO(pack.report_files(demo, map_png="static",
                                                                 dpi=50, lang="en")[0]
                                              ["report.xlsx"]))
    rows = list(plain["Stations"].iter_rows(values_only=True))
    col = list(rows[0]).index("What-if")
    assert {r[col] for r in rows[1:]} == {"no"}


def test_static_map_legend_has_the_whatif_symbol_drawn_on_the_map(whatif4, demo) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    handles = staticmap._stations(ax, whatif4, None, "zh", ["sans-serif"])
    labels = [h.get_label() for h in handles]
    ring = [h for h in handles if "假设站点" in h.get_label()]
    assert len(ring) == 1, labels
    assert "NEW1–NEW4" in ring[0].get_label()
    # the legend's handle is the very ring drawn around the four what-if stations
    assert ring[0] in ax.collections and len(ring[0].get_offsets()) == 4
    assert ring[0].get_linestyle()[0][1] is not None  # dashed
    plt.close(fig)
    fig, ax = plt.subplots()
    assert not any("假设站点" in h.get_label()
                   for h in staticmap._stations(ax, demo, None, "zh", ["sans-serif"]))
    plt.close(fig)


def test_id_span_and_counts() -> None:
    assert id_span(["NEW1", "NEW2", "NEW3", "NEW4"]) == "NEW1–NEW4"
    assert id_span(["NEW3", "NEW1", "NEW2"]) == "NEW1–NEW3"
    assert id_span(["NEW1", "NEW3"]) == "NEW1、NEW3"
    assert id_span(["NEW1", "NEW3"], lang="en") == "NEW1, NEW3"
    assert id_span(["A", "B", "C"], limit=2) == "A、B 等 3 个"
    assert id_span([]) == "" and id_span(["X"]) == "X"
    st = scenario.add_station(_existing(), 120.6, 31.29)
    assert hypothetical_ids(st) == ["NEW1"]
    assert whatif_count(st)[:2] == (66, 1)


# --- gaps are placed by landmarks -----------------------------------------------------------


def _nearest_used(result: geo.CoverageResult, lon: float, lat: float) -> str:
    """The id of the used station nearest a point, what-if ones included (the old rule)."""
    st = result.stations[result.stations["used"].to_numpy(dtype=bool)]
    to_m = Transformer.from_crs(4326, result.metric_crs, always_xy=True)
    sx, sy = to_m.transform(st.geometry.x.to_numpy(), st.geometry.y.to_numpy())
    gx, gy = to_m.transform(lon, lat)
    _, i = cKDTree(np.column_stack([sx, sy])).query([gx, gy])
    return str(st["id"].iloc[int(i)])


def test_a_gap_is_never_placed_by_a_gap_cell_id() -> None:
    base = _existing()
    first = geo.analyze(base, **INPUTS).summary()["gaps"][0]
    # a siting site added as a what-if station, named after its gap cell, ~1 km north of
    # gap 1: out of reach of it, but nearer than any existing station
    st = scenario.add_station(base, first["lon"], first["lat"] + 0.009,
                              name="gap cell C2713_34623")
    result = geo.analyze(st, **INPUTS)
    gap = result.summary()["gaps"][0]
    assert _nearest_used(result, gap["lon"], gap["lat"]) == "NEW1"  # the old text's landmark
    places = gap_places(result)
    assert not places["station"].astype(str).str.contains("gap cell").any()
    assert "NEW1" not in set(places["station_id"])
    assert places["station"].iloc[0] == "石桥新村东区电动车充电桩"
    for lang in ("zh", "en"):
        md = summary.render_markdown(summary.summary_blocks(result, title="t", lang=lang))
        assert "gap cell" not in md and "C2713_34623" not in md
    assert "在「石桥新村东区电动车充电桩」北侧" in summary.render_markdown(
        summary.summary_blocks(result, title="t"))


def test_without_a_named_existing_station_the_area_places_the_gap() -> None:
    st = _existing()
    st["hypothetical"] = True  # nothing built: no station is a landmark
    result = geo.analyze(st, **INPUTS)
    assert gap_places(result)["station"].isna().all()
    md = summary.render_markdown(summary.summary_blocks(result, title="t"))
    gaps = re.findall(r"^\d\. \*\*缺口 \d\*\*.*$", md, flags=re.M)
    assert len(gaps) == 3
    for line in gaps:
        assert "位于沧浪第" in line and "在研究范围「沧浪街道研究范围（示意）」内" in line


@pytest.mark.parametrize(("name", "ok"), [
    ("gap cell C2713_34623", False), ("C2713_34623", False), ("GAP CELL 8a2a1072b59ffff", False),
    ("8a2a1072b59ffff", False), ("", False), ("  ", False), (None, False), (float("nan"), False),
    ("沧浪街道党群服务中心", True), ("New station", True), ("CL01", True),
])
def test_landmark_names(name, ok) -> None:
    assert is_landmark_name(name) is ok


def test_report_zip_of_the_app_says_which_stations_are_hypothetical(whatif4) -> None:
    from geo import planner

    item = {d.key: d for d in planner.downloads(whatif4)}["report"]
    with zipfile.ZipFile(io.BytesIO(item.make())) as z:
        md = z.read("summary.md").decode("utf-8")
        manifest = json.loads(z.read("manifest.json"))
        html = z.read("map.html").decode("utf-8")
    assert "含 4 个假设站点（NEW1–NEW4），非已建站点" in md
    assert manifest["hypothetical_stations"] == ["NEW1", "NEW2", "NEW3", "NEW4"]
    assert manifest["title"] == "10分钟服务圈覆盖报告"
    assert "geo-whatif" in html and "NEW1–NEW4" in html
