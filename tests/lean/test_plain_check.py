"""The pandas-free check of plain inputs (geo.lean) against the general path.

Every plain case must give the general path's summary byte for byte as JSON (and so
would fail on any difference in reading, projecting, measuring, gaps, 网格 or rounding);
every case that is not plain must be declined (``None``), so that the general path reads
it and says what it rejected or remarked on.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from _helpers import ROOT

import geo
from geo.demo_city import make_city
from geo.lean import plain_summary
from geo.settings import Settings
from geo.tally import summary_json

DEMO = ROOT / "data" / "canglang"
HELSINKI = ROOT / "data" / "helsinki"


def both(stations, *, demand, area=None, grids=None, settings=None, crs="wgs84"):
    """(plain JSON or None, general JSON) of the same inputs."""
    settings = settings or Settings()
    plain = plain_summary([str(s) for s in stations], demand=str(demand),
                          area=str(area) if area else None, grids=str(grids) if grids else None,
                          settings=settings, crs=crs)
    general = geo.check([str(s) for s in stations], demand=str(demand),
                        area=str(area) if area else None, grids=str(grids) if grids else None,
                        settings=settings, crs=crs).to_json()
    return (summary_json(plain) if plain is not None else None), general


def assert_same(stations, **kwargs) -> dict:
    plain, general = both(stations, **kwargs)
    assert plain is not None, "a plain study was declined"
    assert plain == general
    return json.loads(plain)


# --- plain studies: the same JSON -------------------------------------------------------------


@pytest.mark.parametrize("parts", [
    ("area", "grids"), ("area",), ("grids",), (),
])
def test_demo_gives_the_general_summary(parts: tuple[str, ...]) -> None:
    files = {"area": DEMO / "area.geojson", "grids": DEMO / "grids.geojson"}
    out = assert_same([DEMO / "stations.csv"], demand=DEMO / "demand.csv",
                      **{p: files[p] for p in parts})
    assert out["gaps"] and out["total_demand"] == 1454


@pytest.mark.parametrize("settings", [
    Settings(mode="ebike", minutes=10), Settings(mode="bike", cell_m=50, circuity=1.0),
    Settings(minutes=5, cell_m=250),
])
def test_demo_with_other_settings(settings: Settings) -> None:
    assert_same([DEMO / "stations.csv"], demand=DEMO / "demand.csv",
                area=DEMO / "area.geojson", grids=DEMO / "grids.geojson", settings=settings)


def test_charging_piles_and_helsinki() -> None:
    assert_same([DEMO / "charging_piles.csv"], demand=DEMO / "demand.csv",
                grids=DEMO / "grids.geojson")
    assert_same([HELSINKI / "stations.csv"], demand=HELSINKI / "demand.csv",
                area=HELSINKI / "area.geojson")


def test_generated_city(tmp_path: Path) -> None:
    city = make_city(tmp_path / "city", scale=0.02, demand_csv=True)
    f = city.files
    out = assert_same([f["stations"]], demand=f["demand_csv"], area=f["area"], grids=f["grids"])
    assert len(out["grids"]) == city.counts["grids"] and out["gaps"]


def _write_random(folder: Path, seed: int, *, crlf: bool, bom: bool, system: str) -> dict:
    """Random stations, weighted demand, an area with a hole and overlapping 网格."""
    rng = np.random.default_rng(seed)
    nl = "\r\n" if crlf else "\n"
    head = "\ufeff" if bom else ""
    lon0, lat0 = 120.55 + rng.random() * 0.1, 31.25 + rng.random() * 0.1
    n_st, n_dm = int(rng.integers(3, 40)), int(rng.integers(50, 3000))
    st_lon, st_lat = lon0 + rng.random(n_st) * 0.05, lat0 + rng.random(n_st) * 0.04
    dm_lon, dm_lat = lon0 + rng.random(n_dm) * 0.05, lat0 + rng.random(n_dm) * 0.04
    weight = np.round(rng.random(n_dm) * 20, int(rng.integers(0, 3)))
    lines = ["编号,名称,经度,纬度,开放时间"] + [
        f"S{i},站{i},{a:.6f},{b:.6f},{'' if i % 3 else '08:00-20:00'}"
        for i, (a, b) in enumerate(zip(st_lon, st_lat, strict=True))]
    (folder / "st.csv").write_text(head + nl.join(lines) + nl, encoding="utf-8")
    lines = ["id,lng,lat,coord_system,weight"] + [
        f"D{i},{a:.7f},{b:.7f},{system},{w:g}"
        for i, (a, b, w) in enumerate(zip(dm_lon, dm_lat, weight, strict=True))]
    (folder / "dm.csv").write_text(head + nl.join(lines) + nl, encoding="utf-8")
    outer = shapely.box(lon0 + 0.002, lat0 + 0.002, lon0 + 0.045, lat0 + 0.035)
    area = outer.difference(shapely.box(lon0 + 0.02, lat0 + 0.01, lon0 + 0.025, lat0 + 0.02))
    features = [{"type": "Feature", "properties": {"name": "area"},
                 "geometry": json.loads(shapely.to_geojson(area))}]
    (folder / "area.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    grids = []
    for k in range(int(rng.integers(2, 8))):
        x, y = lon0 + rng.random() * 0.04, lat0 + rng.random() * 0.03
        box = shapely.box(x, y, x + 0.005 + rng.random() * 0.02, y + 0.005 + rng.random() * 0.02)
        shape = box if k % 2 else shapely.MultiPolygon([box])
        grids.append({"type": "Feature", "properties": {"网格": f"第{k}网格", "n": k},
                      "geometry": json.loads(shapely.to_geojson(shape))})
    (folder / "grids.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": grids}), encoding="utf-8")
    return {"stations": [folder / "st.csv"], "demand": folder / "dm.csv",
            "area": folder / "area.geojson", "grids": folder / "grids.geojson"}


@pytest.mark.parametrize("seed", range(8))
def test_random_studies(tmp_path: Path, seed: int) -> None:
    files = _write_random(tmp_path, seed, crlf=seed % 2 == 1, bom=seed % 3 == 0,
                          system=("wgs84", "gcj02", "bd09")[seed % 3])
    settings = Settings(minutes=float(3 + seed), mode=("walk", "bike", "ebike")[seed % 3])
    assert_same(files.pop("stations"), settings=settings, **files)


def test_crs_option_and_header_systems(tmp_path: Path) -> None:
    (tmp_path / "st.csv").write_text("id,经度（GCJ-02）,纬度（GCJ-02）\nA,120.61,31.29\n"
                                     "B,120.62,31.30\n", encoding="utf-8")
    (tmp_path / "dm.csv").write_text("lon,lat\n120.611,31.291\n120.64,31.31\n120.60,31.28\n",
                                     encoding="utf-8")
    assert_same([tmp_path / "st.csv"], demand=tmp_path / "dm.csv", crs="bd09")
    assert_same([tmp_path / "st.csv"], demand=tmp_path / "dm.csv", crs="gcj02")


# --- not plain: declined ----------------------------------------------------------------------

ST = "编号,经度,纬度,开放时间\nS1,120.61,31.29,08:00-20:00\nS2,120.62,31.30,\n"
DM = "编号,经度,纬度,人数\nD1,120.611,31.291,3\nD2,120.64,31.31,2\n"

DECLINED = {
    "quoted cell": (ST.replace("S1,", '"S1",'), DM),
    "apostrophe": (ST.replace("S1,", "'S1,"), DM),
    "unknown column": (ST.replace("开放时间", "备注"), DM),
    "lng,lat column": ("编号,经纬度\nS1,120.61;31.29\n", DM),
    "blank weight": (ST, DM.replace(",3\n", ",\n")),
    "negative weight": (ST, DM.replace(",3\n", ",-3\n")),
    "weight as text": (ST, DM.replace(",3\n", ",3人\n")),
    "repeated id": (ST.replace("S2,", "S1,"), DM),
    "id repeated after trimming": (ST.replace("S2,", " S1,"), DM),
    "blank id": (ST.replace("S2,", ","), DM),
    "Chinese id repeated after trimming a wide space": (
        ST.replace("S1,", "站点一,").replace("S2,", "站点一\u3000,"), DM),
    "opening hours not understood": (ST.replace("08:00-20:00", "mornings"), DM),
    "point at (0, 0)": (ST.replace("120.62,31.30", "0,0"), DM),
    "longitude out of range": (ST.replace("120.62", "220.62"), DM),
    "gcj02 outside China": (ST.replace("开放时间", "坐标系").replace("08:00-20:00", "gcj02")
                            .replace("120.62,31.30", "2.35,48.85"), DM),
    "unknown coordinate system": (ST.replace("开放时间", "坐标系")
                                  .replace("08:00-20:00", "ETRS89"), DM),
    "blank coordinate system": (ST.replace("开放时间", "坐标系").replace("08:00-20:00", "wgs84"),
                                DM),
    "blank coordinate": (ST.replace("31.30", ""), DM),
    "degrees written with a sign": (ST.replace("120.61", "120.61°"), DM),
    "exponent": (ST.replace("120.61", "1.2061e2"), DM),
    "a far station": (ST.replace("120.62,31.30", "87.6,43.8"), DM),
    "ragged row": (ST + "S3,120.6,31.3,,extra\n", DM),
    "semicolon separated": (ST.replace(",", ";"), DM),
    "header only": ("编号,经度,纬度\n", DM),
}


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_tables_that_are_not_plain_are_declined(tmp_path: Path, case: str) -> None:
    st, dm = DECLINED[case]
    (tmp_path / "st.csv").write_text(st, encoding="utf-8")
    (tmp_path / "dm.csv").write_text(dm, encoding="utf-8")
    assert plain_summary([str(tmp_path / "st.csv")], demand=str(tmp_path / "dm.csv"),
                         settings=Settings()) is None


def test_the_plain_tables_of_the_declined_cases_are_taken(tmp_path: Path) -> None:
    """The base of every case above is plain: each case declines for its own change."""
    (tmp_path / "st.csv").write_text(ST, encoding="utf-8")
    (tmp_path / "dm.csv").write_text(DM, encoding="utf-8")
    assert_same([tmp_path / "st.csv"], demand=tmp_path / "dm.csv")


def _fc(*features: dict, **extra) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features), **extra})


def _feature(geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


SQUARE = {"type": "Polygon", "coordinates": [[[120.6, 31.28], [120.63, 31.28], [120.63, 31.31],
                                               [120.6, 31.31], [120.6, 31.28]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[120.6, 31.28], [120.63, 31.31], [120.63, 31.28],
                                               [120.6, 31.31], [120.6, 31.28]]]}
OPEN = {"type": "Polygon", "coordinates": [SQUARE["coordinates"][0][:-1]]}
IN_3D = {"type": "Polygon", "coordinates": [[[*q, 5.0] for q in SQUARE["coordinates"][0]]]}
METRES = {"type": "Polygon", "coordinates": [[[500000, 3460000], [501000, 3460000],
                                               [501000, 3461000], [500000, 3460000]]]}
POLYGONS_DECLINED = {
    "crs member": _fc(_feature(SQUARE, name="a"),
                      crs={"type": "name", "properties": {"name": "EPSG:4490"}}),
    "self-crossing polygon": _fc(_feature(BOWTIE, name="a")),
    "unclosed ring": _fc(_feature(OPEN, name="a")),
    "3-D coordinates": _fc(_feature(IN_3D, name="a")),
    "metres": _fc(_feature(METRES, name="a")),
    "a point": _fc(_feature({"type": "Point", "coordinates": [120.6, 31.3]}, name="a")),
    "no geometry": _fc(_feature(None, name="a")),
    "same name twice": _fc(_feature(SQUARE, name="a"), _feature(SQUARE, name="a")),
    "a 网格 without a name": _fc(_feature(SQUARE, name="a"), _feature(SQUARE)),
    "a number as the name": _fc(_feature(SQUARE, name=7)),
    "unknown coordinate system": _fc(_feature(SQUARE, name="a", coord_system="ETRS89")),
    "no feature": _fc(),
    "not geojson": "{not json",
    "a feature that is not an object": _fc(_feature(SQUARE, name="a"), 7),
    "properties that are not an object": _fc({"type": "Feature", "properties": [1],
                                              "geometry": SQUARE}),
    "nested deeper than a parser goes": ('{"type": "FeatureCollection", "features": '
                                         + "[" * 100_000 + "]" * 100_000 + "}"),
    # a column each on the general path, which refuses the file (issue 19; was a summary)
    "more than 500 properties": _fc(_feature(SQUARE, name="a", **{f"p{j}": j
                                                                  for j in range(600)})),
}


@pytest.mark.parametrize("case", sorted(POLYGONS_DECLINED))
def test_polygon_files_that_are_not_plain_are_declined(tmp_path: Path, case: str) -> None:
    (tmp_path / "st.csv").write_text(ST, encoding="utf-8")
    (tmp_path / "dm.csv").write_text(DM, encoding="utf-8")
    (tmp_path / "g.geojson").write_text(POLYGONS_DECLINED[case], encoding="utf-8")
    assert plain_summary([str(tmp_path / "st.csv")], demand=str(tmp_path / "dm.csv"),
                         grids=str(tmp_path / "g.geojson"), settings=Settings()) is None
    (tmp_path / "ok.geojson").write_text(_fc(_feature(SQUARE, name="a")), encoding="utf-8")
    assert_same([tmp_path / "st.csv"], demand=tmp_path / "dm.csv", grids=tmp_path / "ok.geojson")


@pytest.mark.parametrize("settings", [
    Settings(method="network"), Settings(cell_shape="hex"), Settings(categories=("爱心补给点",)),
    Settings(amenity="充电"), Settings(at="22:00"),
])
def test_options_the_plain_check_leaves_to_the_general_path(settings: Settings) -> None:
    assert plain_summary([str(DEMO / "stations.csv")], demand=str(DEMO / "demand.csv"),
                         settings=settings) is None


def test_other_files_are_left_to_the_general_path(tmp_path: Path) -> None:
    kw = {"demand": str(DEMO / "demand.csv"), "settings": Settings()}
    assert plain_summary([str(DEMO / "stations_addresses.xlsx")], **kw) is None
    assert plain_summary([str(DEMO / "stations.csv"), str(DEMO / "charging_piles.csv")],
                         **kw) is None
    txt = tmp_path / "stations.txt"
    txt.write_bytes((DEMO / "stations.csv").read_bytes())
    assert plain_summary([str(txt)], **kw) is None
    assert plain_summary([str(DEMO / "stations.csv")], demand=None, settings=Settings()) is None


def test_long_and_chinese_ids_are_compared_as_text(tmp_path: Path) -> None:
    st = ST.replace("S1,", "站点一号,").replace("S2,", "\u3000站点二号,")
    (tmp_path / "st.csv").write_text(st, encoding="utf-8")
    (tmp_path / "dm.csv").write_text(DM.replace("D1,", "demand-point-1,"), encoding="utf-8")
    assert_same([tmp_path / "st.csv"], demand=tmp_path / "dm.csv")

