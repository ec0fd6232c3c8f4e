"""The generated city-scale demo (geo.demo_city, data/make_city.py), built at scale 0.01.

The city's files are read with pandas, geopandas and osmium (not only with geo's readers),
so these tests check the data; then ``geo.analyze`` runs on it by straight line and along
its streets: canals are crossed only at bridges, one-way streets are one-way for cycling,
the counts follow the scale and the same seed gives the same bytes.
"""

from __future__ import annotations

import importlib.util
import json

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pytest
import shapely
from _helpers import ROOT
from pyproj import Transformer

import geo
from geo import demo as demomod
from geo import network as gn
from geo import planner
from geo.demo_city import FILES, SEED, counts_for, make_city

SCALE = 0.01
_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GEO_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield make_city(tmp_path_factory.mktemp("city"), scale=SCALE)


@pytest.fixture(scope="module")
def osm(city):
    """The PBF's ways: ``(tags, lon/lat array)``, streets and water apart."""
    streets, water = [], []
    for obj in osmium.FileProcessor(str(city.files["network"])).with_locations():
        if obj.is_way():
            coords = np.array([(n.lon, n.lat) for n in obj.nodes])
            (streets if "highway" in obj.tags else water).append((dict(obj.tags), coords))
    return streets, water


def _utm(lonlat: np.ndarray) -> np.ndarray:
    return np.column_stack(_TO_UTM.transform(lonlat[:, 0], lonlat[:, 1]))


def test_counts_follow_the_scale(city):
    want = counts_for(SCALE)
    stations = pd.read_csv(city.files["stations"], encoding="utf-8-sig")
    demand = gpd.read_parquet(city.files["demand"])
    grids = gpd.read_file(city.files["grids"])
    assert len(stations) == want["stations"] == city.counts["stations"] == 20
    assert len(demand) == want["demand_points"] == city.counts["demand_points"] == 10_000
    assert len(grids) == want["grids"] == city.counts["grids"] == 4
    assert abs(city.counts["street_nodes"] - 3_000) < 300
    assert int(demand["人数"].sum()) == city.counts["demand_weight"]
    assert (demand["人数"] >= 1).all()
    kinds = {"爱心补给点", "就业蓄能池", "海棠加油站", "安全训练营", "电动车充电桩"}
    assert set(stations["类型"]) == kinds
    assert (stations["坐标系"] == "wgs84").all()
    assert list(grids["name"][:2]) == ["示意第001网格", "示意第002网格"]
    meta = json.loads((city.folder / "city.json").read_text(encoding="utf-8"))
    assert meta["counts"] == city.counts and "示意" in meta["illustrative"]


def test_placed_near_suzhou_and_inside_the_area(city):
    area = gpd.read_file(city.files["area"]).geometry.iloc[0]
    grids = gpd.read_file(city.files["grids"])
    demand = gpd.read_parquet(city.files["demand"])
    lon, lat = area.centroid.x, area.centroid.y
    assert abs(lon - 120.6) < 0.02 and abs(lat - 31.3) < 0.02
    assert shapely.contains_xy(area, demand.geometry.x, demand.geometry.y).all()
    # the 网格 tile the area: no gap, no overlap
    union = shapely.union_all(grids.geometry.to_numpy())
    assert union.symmetric_difference(area).area < 1e-6 * area.area
    assert abs(shapely.area(grids.geometry.to_numpy()).sum() - area.area) < 1e-6 * area.area
    # denser in the centre: the inner quarter of the area holds well over a quarter
    x0, y0, x1, y1 = area.bounds
    inner = shapely.box(x0 + (x1 - x0) / 4, y0 + (y1 - y0) / 4,
                        x1 - (x1 - x0) / 4, y1 - (y1 - y0) / 4)
    share = shapely.contains_xy(inner, demand.geometry.x, demand.geometry.y).mean()
    assert share > 0.4


def test_same_seed_same_bytes_other_seed_other_city(city, tmp_path):
    again = make_city(tmp_path / "again", scale=SCALE, seed=SEED)
    for kind in FILES:
        assert again.files[kind].read_bytes() == city.files[kind].read_bytes(), kind
    other = make_city(tmp_path / "other", scale=SCALE, seed=SEED + 1)
    assert other.files["stations"].read_bytes() != city.files["stations"].read_bytes()
    # a folder holding this city is reused, not made again
    assert make_city(tmp_path / "again", scale=SCALE, seed=SEED).seconds == 0.0


def test_street_tags_bridges_and_water(osm):
    streets, water = osm
    kinds = {t["highway"] for t, _ in streets}
    assert {"primary", "secondary", "residential"} <= kinds
    assert any(t.get("oneway") == "yes" for t, _ in streets)
    assert any(t["name"].startswith("示意斜") for t, _ in streets)  # a diagonal avenue
    assert {t["waterway"] for t, _ in water} == {"canal", "river"}
    water_lines = np.array([shapely.linestrings(_utm(c)) for _, c in water])
    bridges = 0
    for tags, coords in streets:
        crosses = shapely.intersects(shapely.linestrings(_utm(coords)), water_lines).any()
        if crosses:  # a street crosses water only on a bridge way
            assert tags.get("bridge") == "yes" and tags.get("layer") == "1", tags
            bridges += 1
        else:
            assert "bridge" not in tags
    assert bridges > 5


def test_maps_draw_its_water(city):
    from geo.network.context import load_context

    layers = load_context(city.files["network"], cache=False)
    assert (layers["kind"] == "waterway").sum() == city.counts["water_ways"]


def _pair(a: np.ndarray, b: np.ndarray) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    def frame(xy: np.ndarray, prefix: str) -> gpd.GeoDataFrame:
        lon, lat = Transformer.from_crs("EPSG:32651", "EPSG:4326",
                                        always_xy=True).transform(xy[0], xy[1])
        gdf = gpd.GeoDataFrame({"id": [f"{prefix}1"], "row": [2]},
                               geometry=shapely.points([lon], [lat]), crs=4326)
        gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
        return gdf

    return frame(a, "S"), frame(b, "D")


def _minutes(city, a: np.ndarray, b: np.ndarray, method: str) -> float:
    st, dm = _pair(a, b)
    kw = {"method": "network", "network": str(city.files["network"])} if method == "network" \
        else {}
    res = geo.analyze(st, demand=dm, **kw)
    return float(res.points["minutes"].iloc[0])


def test_canals_are_crossed_only_at_bridges(city, osm):
    """Across a canal, away from bridges, the streets are much longer than the straight
    line; over a bridge they are about as long."""
    streets, water = osm
    canal = next(_utm(c) for t, c in water if t["waterway"] == "canal" and len(c) == 2)
    along = canal[1] - canal[0]
    length = float(np.hypot(*along))
    unit = along / length
    normal = np.array([-unit[1], unit[0]])
    ratios = []
    for t in np.linspace(0.2, 0.8, 7):
        mid = canal[0] + along * t
        a, b = mid - 30 * normal, mid + 30 * normal
        straight = _minutes(city, a, b, "straight")
        network = _minutes(city, a, b, "network")
        assert network >= 60 / 80 - 1e-6  # never shorter than the walk itself
        ratios.append(network / straight)
    assert np.median(ratios) > 2.0, ratios
    # over a bridge of that canal: the bridge's two ends, about as far as the line
    line = shapely.linestrings(canal)
    bridge = next(_utm(c) for tg, c in streets
                  if tg.get("bridge") == "yes" and shapely.intersects(shapely.linestrings(_utm(c)),
                                                                      line))
    a, b = bridge[0], bridge[-1]
    walk = float(np.hypot(*(b - a))) / 80.0
    assert _minutes(city, a, b, "network") < 1.2 * walk + 0.1


def test_one_way_streets_for_cycling_not_walking(city):
    walk = gn.load_network(city.files["network"], "walk", cache=False, progress=False)
    bike = gn.load_network(city.files["network"], "bike", cache=False, progress=False)
    assert walk.two_way.all()
    assert (~bike.two_way).sum() > 0.05 * len(bike.two_way)
    assert abs(len(walk.x) - city.counts["street_nodes"]) <= 0.01 * city.counts["street_nodes"]


def test_analyze_straight_and_along_the_streets(city):
    f = city.files
    kw = {"demand": str(f["demand"]), "area": str(f["area"]), "grids": str(f["grids"])}
    straight = geo.analyze(str(f["stations"]), **kw)
    network = geo.analyze(str(f["stations"]), method="network", network=str(f["network"]), **kw)
    for res in (straight, network):
        assert res.total_demand == city.counts["demand_weight"]
        assert 0.3 < res.coverage <= 1.0
        assert len(res.grid_table) == city.counts["grids"]
    s = network.summary()["network"]
    assert s["off_network"]["points"] == 0 and s["stations_off_network"] == 0
    assert s["unreachable"]["points"] == 0
    assert s["network"]["nodes"] == city.counts["street_nodes"]
    # cycling honours one-way streets, and no rider is trapped by them
    bike = geo.analyze(str(f["stations"]), method="network", network=str(f["network"]),
                       mode="bike", **kw)
    assert bike.summary()["network"]["unreachable"]["points"] == 0


def test_registered_as_the_city_demo(city, monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path))
    assert "city" in demomod.DATASETS
    frames = planner.read_demo("stations", city.folder, demo="city")
    assert len(frames) == 1 and len(frames[0]) == city.counts["stations"]
    assert frames[0].attrs["source"] == "demo-city/stations.csv"
    assert demomod.dataset_of({"stations": "demo-city/stations.csv"}) == "city"
    assert demomod.network("helsinki") == "helsinki" and demomod.network("canglang") is None
    grids = planner.read_demo("grids", city.folder, demo="city")[0]
    assert len(grids) == city.counts["grids"]


def test_the_script_prints_what_it_made(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("make_city", ROOT / "data" / "make_city.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--scale", "0.005", "--out", str(tmp_path), "--csv"]) == 0
    out = capsys.readouterr().out
    assert "示意城市" in out and "made in" in out and "demand.csv" in out
    assert "stations" in out and "10" in out  # 2,000 × 0.005
    assert (tmp_path / "streets.osm.pbf").is_file() and (tmp_path / "demand.csv").is_file()
    script.main(["--scale", "0.005", "--out", str(tmp_path)])
    assert "already there" in capsys.readouterr().out


def test_app_scale_from_the_environment(monkeypatch):
    """``GEO_CITY_SCALE`` chooses the city the app opens (1: the whole city); the app's list
    names that city's counts; a wrong value is refused, naming the variable."""
    from geo import ui_text as ui
    from geo.demo_city import APP_SCALE, app_scale
    from geo.errors import SettingsError

    monkeypatch.delenv("GEO_CITY_SCALE", raising=False)
    assert app_scale() == APP_SCALE
    assert ui.demo_label("city", "zh") == "示意城市（生成：10 万需求点、200 个站点、自有路网）"
    assert ui.demo_label("city", "en").startswith("Generated city (100,000 demand points, "
                                                  "200 stations")
    monkeypatch.setenv("GEO_CITY_SCALE", "1")
    assert app_scale() == 1.0
    assert ui.demo_label("city", "zh") == "示意城市（生成：100 万需求点、2,000 个站点、自有路网）"
    assert ui.demo_label("city", "en").startswith("Generated city (1,000,000 demand points, "
                                                  "2,000 stations")
    monkeypatch.setenv("GEO_CITY_SCALE", "0.013")
    counts = counts_for(0.013)
    assert f"{counts['demand_points']:,} demand points" in ui.demo_label("city", "en")
    assert ui.demo_label("canglang", "zh") == ui.t("demo_canglang", "zh")
    for bad in ("0", "-1", "nan", "big", "5"):
        monkeypatch.setenv("GEO_CITY_SCALE", bad)
        with pytest.raises(SettingsError, match="GEO_CITY_SCALE"):
            app_scale()
