"""Map layers (``geo.maps.layers``): stations once, datum per basemap, rounding, demand."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely
from _helpers import ROOT
from _helpers.maps import layers, popup_text, station_features

from geo import crs as crsmod
from geo import maps

DATA = ROOT / "data" / "canglang"


def test_every_station_drawn_once_with_chinese_popup(demo, html_osm):
    feats = station_features(html_osm)
    assert len(feats) == len(demo.stations)
    names = set(demo.stations["name"])
    first = feats[0]
    assert first["properties"]["t"].split(" · ")[0] in names
    text = popup_text(first)
    for label in ("名称", "类型", "层级", "设施", "开放时间"):
        assert label in text
    piles = [f for f in feats if "geo-st pile" in f["properties"]["icon"]]
    assert len(piles) == int((demo.stations["kind"] == "charging_pile").sum()) > 0


def test_station_positions_follow_the_basemap_datum(demo, html_osm, html_amap):
    lon = demo.stations.geometry.x.to_numpy()
    lat = demo.stations.geometry.y.to_numpy()
    osm = np.array([f["geometry"]["coordinates"] for f in station_features(html_osm)])
    amap = np.array([f["geometry"]["coordinates"] for f in station_features(html_amap)])
    np.testing.assert_allclose(osm[:, 0], lon, atol=1e-6)
    np.testing.assert_allclose(osm[:, 1], lat, atol=1e-6)
    g_lon, g_lat = crsmod.wgs84_to_gcj02(lon, lat)
    np.testing.assert_allclose(amap[:, 0], g_lon, atol=1e-6)
    np.testing.assert_allclose(amap[:, 1], g_lat, atol=1e-6)
    # the shift is real (hundreds of metres in Suzhou), so the test would notice a missing one
    assert np.abs(amap - osm).max() > 1e-3
    # the demo file is GCJ-02: on Amap tiles a station is drawn where the file put it
    raw = __import__("pandas").read_csv(DATA / "stations.csv", encoding="utf-8-sig")
    np.testing.assert_allclose(amap[: len(raw), 0], raw["经度"], atol=2e-6)
    np.testing.assert_allclose(amap[: len(raw), 1], raw["纬度"], atol=2e-6)


def test_polygons_are_shifted_vertex_by_vertex(html_osm, html_amap):
    def gap_rings(html):
        out = []
        for layer in layers(html):
            for f in layer["features"]:
                if f["properties"].get("t", "").startswith("缺口 #") and f["geometry"][
                    "type"
                ] in ("Polygon", "MultiPolygon"):
                    out.append(shapely.geometry.shape(f["geometry"]))
        return out

    osm, amap = gap_rings(html_osm), gap_rings(html_amap)
    assert len(osm) == len(amap) > 0
    for a, b in zip(osm, amap, strict=True):
        xy = shapely.get_coordinates(a)
        shifted = np.column_stack(crsmod.wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
        got = shapely.get_coordinates(b)
        assert got.shape == shifted.shape
        np.testing.assert_allclose(got, shifted, atol=2e-5)  # rounding to ~1 m on both sides


def test_coordinates_rounded_and_report_small(demo, tmp_path):
    path = maps.save_map(demo, tmp_path / "report.html", tiles="osm")
    data = path.read_bytes()
    assert len(data) < 2_000_000
    text = data.decode("utf-8")  # written as UTF-8 explicitly
    assert 'charset="utf-8"' in text.lower() or "charset=utf-8" in text.lower()
    coords = [c for layer in layers(text) for f in layer["features"]
              for c in shapely.get_coordinates(shapely.geometry.shape(f["geometry"])).ravel()]
    decimals = [len(repr(float(c)).split(".")[1]) for c in coords if "." in repr(float(c))]
    assert max(decimals) <= 6


def test_many_demand_points_drawn_per_cell(demo, monkeypatch):
    monkeypatch.setattr(maps.layers, "DEMAND_POINT_LIMIT", 10)
    text = maps.map_html(demo)
    demand = [f for layer in layers(text) for f in layer["features"]
              if f["properties"].get("t", "").startswith("需求")]
    assert len(demand) == demo.points["cell"].nunique()
    weights = [float(re.search(r"· ([\d,.]+) ·", f["properties"]["t"]).group(1).replace(",", ""))
               for f in demand]
    assert sum(weights) == pytest.approx(demo.total_demand, rel=1e-3)


def _demand_frame_by_text(result, cell_limit):
    """The reference: a text label per point and a pandas groupby on it (the method before
    integer codes; slow for a million points, plain enough to trust)."""
    import pandas as pd

    p = result.points
    cells = p["cell"].astype(str).to_numpy()
    if pd.unique(cells).size > cell_limit:
        xy = result.metric_coords()
        k = int(np.ceil(np.sqrt(pd.unique(cells).size / cell_limit)))
        while True:
            side = result.settings.cell_m * k
            ix = np.floor(xy.x / side).astype("int64")
            iy = np.floor(xy.y / side).astype("int64")
            keys = ix * 2**32 + (iy - iy.min())
            if pd.unique(keys).size <= cell_limit:
                break
            k += 1
        cells = np.char.add(f"{side:g}m:", keys.astype(str))
    w = p["weight"].to_numpy(dtype=float)
    frame = pd.DataFrame({
        "cell": cells, "weight": w, "wlon": p["lon"].to_numpy() * w,
        "wlat": p["lat"].to_numpy() * w, "wcov": np.where(p["covered"], w, 0.0),
        "lon": p["lon"].to_numpy(dtype=float), "lat": p["lat"].to_numpy(dtype=float),
        "minutes": p["minutes"].to_numpy(dtype=float)})
    return frame.groupby("cell", sort=False).agg(
        weight=("weight", "sum"), wlon=("wlon", "sum"), wlat=("wlat", "sum"),
        wcov=("wcov", "sum"), lon=("lon", "mean"), lat=("lat", "mean"),
        minutes=("minutes", "min"), n=("weight", "size")).reset_index()


@pytest.mark.parametrize("cell_limit", [10_000, 40, 7])
def test_demand_per_cell_as_grouped_by_text(demo, monkeypatch, cell_limit):
    """Many points are grouped on integer codes (a city's million without a text per
    point): the same cells, in the same order, with the same sums as a groupby on each
    point's cell label — its own cells, and squares of k × k cells when they are too many."""
    monkeypatch.setattr(maps.layers, "DEMAND_POINT_LIMIT", 10)
    got, per_cell = maps.layers.demand_frame(demo, cell_limit)
    want = _demand_frame_by_text(demo, cell_limit)
    assert per_cell
    assert got["cell"].tolist() == want["cell"].tolist() == got["id"].tolist()
    assert len(got) <= cell_limit
    if cell_limit == 10_000:
        assert len(got) == demo.points["cell"].nunique()
    else:
        assert got["cell"].str.contains("m:").all()
    for col in ("weight", "wcov", "minutes", "n"):
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy())
    has = want["weight"].to_numpy() > 0
    np.testing.assert_array_equal(got["lon"].to_numpy()[has],
                                  (want["wlon"] / want["weight"]).to_numpy()[has])
    np.testing.assert_array_equal(got["covered"].to_numpy(),
                                  (want["wcov"] >= want["weight"] - 1e-9).to_numpy())
