"""The illustrative Canglang Street demo in data/canglang/ keeps its promises.

Reads the CSVs with pandas on purpose (not with geo's own reader), so these
tests check the data, not the reader.
"""

from __future__ import annotations

import importlib.util
import json
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers import ROOT
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo.crs import gcj02_to_wgs84

DATA = ROOT / "data"
DEMO = DATA / "canglang"
FILES = ("area.geojson", "grids.geojson", "stations.csv", "charging_piles.csv", "demand.csv")
STATION_COLUMNS = [
    "编号",
    "名称",
    "类型",
    "层级",
    "经度",
    "纬度",
    "坐标系",
    "地址",
    "设施",
    "开放时间",
]
DEMAND_COLUMNS = ["编号", "名称", "经度", "纬度", "坐标系", "人数"]
KIND_COUNTS = {"爱心补给点": 16, "海棠加油站": 10, "就业蓄能池": 12, "安全训练营": 8}
TOTAL_WORKERS = 1454

# Straight-line reach of 15 minutes with circuity 1.3 (docs/domain.md defaults).
WALK_M = 15 * 80 / 1.3  # 4.8 km/h -> 923 m
EBIKE_M = 15 * 15_000 / 60 / 1.3  # 15 km/h -> 2885 m

_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)


def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DEMO / name, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def _wgs84(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(df["经度"].astype(float).to_numpy(), df["纬度"].astype(float).to_numpy())


def _utm_xy(df: pd.DataFrame) -> np.ndarray:
    x, y = _TO_UTM.transform(*_wgs84(df))
    return np.column_stack([x, y])


def _to_utm(geom):  # type: ignore[no-untyped-def]
    return shapely.transform(geom, lambda c: np.column_stack(_TO_UTM.transform(c[:, 0], c[:, 1])))


def _features(name: str) -> list[dict]:
    return json.loads((DEMO / name).read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def area():  # type: ignore[no-untyped-def]
    features = _features("area.geojson")
    assert len(features) == 1
    return shapely.geometry.shape(features[0]["geometry"])


@pytest.fixture(scope="module")
def stations() -> pd.DataFrame:
    return _read_csv("stations.csv")


@pytest.fixture(scope="module")
def piles() -> pd.DataFrame:
    return _read_csv("charging_piles.csv")


@pytest.fixture(scope="module")
def demand() -> pd.DataFrame:
    return _read_csv("demand.csv")


def _open_at(hours: str, minute: int) -> bool:
    if hours in ("24小时", "全天", "24h"):
        return True
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in hours.split("-"))
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # passes midnight


def _weighted_share(stations_xy: np.ndarray, demand_xy: np.ndarray, w: np.ndarray, r: float):  # type: ignore[no-untyped-def]
    dist, _ = cKDTree(stations_xy).query(demand_xy)
    return float(w[dist <= r].sum() / w.sum())


# --- files and columns ---------------------------------------------------------


def test_csvs_are_utf8_with_bom_and_chinese_headers(stations, piles, demand):
    for name in ("stations.csv", "charging_piles.csv", "demand.csv"):
        assert (DEMO / name).read_bytes().startswith(b"\xef\xbb\xbf"), name
    assert list(stations.columns) == STATION_COLUMNS
    assert list(piles.columns) == STATION_COLUMNS
    assert list(demand.columns) == DEMAND_COLUMNS


def test_area_is_a_named_polygon_of_the_expected_extent(area):
    props = _features("area.geojson")[0]["properties"]
    assert props["name"] == "沧浪街道研究范围（示意）"
    assert area.geom_type == "Polygon"
    assert area.is_valid
    assert len(area.exterior.coords) - 1 > 4  # not a plain rectangle
    lon0, lat0, lon1, lat1 = area.bounds
    assert lon0 == pytest.approx(120.590, abs=0.003)
    assert lon1 == pytest.approx(120.640, abs=0.003)
    assert lat0 == pytest.approx(31.270, abs=0.003)
    assert lat1 == pytest.approx(31.305, abs=0.003)


# --- stations --------------------------------------------------------------------


def test_46_stations_of_four_kinds_and_three_levels(stations):
    assert len(stations) == 46
    assert stations["类型"].value_counts().to_dict() == KIND_COUNTS
    levels = stations["层级"].value_counts().to_dict()
    assert levels == {"街道党群服务中心": 1, "社区党群服务中心": 6, "微阵地": 39}


def test_ids_and_names_unique(stations, piles, demand):
    for df in (stations, piles, demand):
        assert df["编号"].is_unique
        assert df["名称"].is_unique
        assert (df["编号"] != "").all()


def test_every_row_is_gcj02(stations, piles, demand):
    for df in (stations, piles, demand):
        assert (df["坐标系"] == "gcj02").all()
        assert df["经度"].str.fullmatch(r"\d+\.\d{6}").all()
        assert df["纬度"].str.fullmatch(r"\d+\.\d{6}").all()


def test_coordinates_really_are_gcj02(stations):
    # Stored GCJ-02 lies a few hundred metres from the WGS-84 truth in Suzhou.
    gcj = np.column_stack(
        _TO_UTM.transform(stations["经度"].astype(float), stations["纬度"].astype(float))
    )
    offset = np.hypot(*(gcj - _utm_xy(stations)).T)
    assert ((offset > 100) & (offset < 1000)).all()


def test_amenities_and_hours_vary(stations):
    charging = stations["设施"].str.contains("充电")
    assert 0.3 <= charging.mean() <= 0.5
    assert (stations["设施"] != "").all()
    assert stations["设施"].nunique() > 20
    hours = stations["开放时间"]
    pattern = r"24小时|全天|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d"
    assert hours.str.fullmatch(pattern).all()
    all_day = hours.isin(["24小时", "全天"])
    assert 0.25 <= all_day.mean() <= 0.42
    passes_midnight = hours.map(lambda h: "-" in h and h.split("-")[1] < h.split("-")[0])
    assert passes_midnight.sum() >= 2


def test_charging_piles(piles):
    assert 15 <= len(piles) <= 25
    assert (piles["类型"] == "充电桩").all()
    assert (piles["设施"] == "充电").all()
    assert piles["名称"].str.contains("新村").all()
    assert piles["名称"].str.endswith("电动车充电桩").all()
    assert (piles["开放时间"] == "全天").mean() >= 0.6


# --- inside the area -------------------------------------------------------------


@pytest.mark.parametrize("name", ["stations.csv", "charging_piles.csv", "demand.csv"])
def test_points_inside_area_after_gcj02_to_wgs84(area, name):
    lon, lat = _wgs84(_read_csv(name))
    inside = shapely.contains_xy(area, lon, lat)
    assert inside.all(), f"{name}: rows outside the area: {np.flatnonzero(~inside) + 2}"


# --- demand --------------------------------------------------------------------------


def test_demand_weights_sum_to_surveyed_workers(demand):
    weights = demand["人数"].astype(int)
    assert 150 <= len(demand) <= 300
    assert (weights >= 1).all()
    assert weights.sum() == TOTAL_WORKERS


# --- grids -----------------------------------------------------------------------------


def test_grids_tile_the_area(area):
    features = _features("grids.geojson")
    assert 8 <= len(features) <= 10
    names = [f["properties"]["name"] for f in features]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"沧浪第\d+网格", n) for n in names)
    assert all(isinstance(f["properties"]["households"], int) for f in features)
    grids = [_to_utm(shapely.geometry.shape(f["geometry"])) for f in features]
    assert all(g.is_valid and g.geom_type == "Polygon" for g in grids)
    area_m = _to_utm(area)
    union = shapely.union_all(grids)
    assert union.area == pytest.approx(area_m.area, rel=1e-3)
    assert union.symmetric_difference(area_m).area < 1.0
    overlap = sum(
        grids[i].intersection(grids[j]).area
        for i in range(len(grids))
        for j in range(i + 1, len(grids))
    )
    assert overlap < 1.0


# --- regeneration ------------------------------------------------------------------------


def test_regeneration_is_byte_identical(tmp_path):
    spec = importlib.util.spec_from_file_location("make_demo", DATA / "make_demo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name


# --- the story: straight-line coverage ------------------------------------------------


def test_straight_line_coverage_leaves_gaps_on_foot_but_not_by_ebike(stations, demand):
    s_xy, d_xy = _utm_xy(stations), _utm_xy(demand)
    w = demand["人数"].astype(float).to_numpy()
    walk = _weighted_share(s_xy, d_xy, w, WALK_M)
    ebike = _weighted_share(s_xy, d_xy, w, EBIKE_M)
    assert 0.5 <= walk <= 0.9
    assert ebike >= 0.97


def test_charging_only_and_late_night_tell_other_stories(stations, demand):
    s_xy, d_xy = _utm_xy(stations), _utm_xy(demand)
    w = demand["人数"].astype(float).to_numpy()
    walk = _weighted_share(s_xy, d_xy, w, WALK_M)
    charging = stations["设施"].str.contains("充电").to_numpy()
    late = stations["开放时间"].map(lambda h: _open_at(h, 23 * 60)).to_numpy()
    assert _weighted_share(s_xy[charging], d_xy, w, WALK_M) <= walk - 0.03
    assert _weighted_share(s_xy[late], d_xy, w, WALK_M) <= walk - 0.03
    assert not np.array_equal(charging, late)
