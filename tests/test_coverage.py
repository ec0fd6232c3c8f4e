"""Coverage against an independent reference: geodesic distances with pyproj.Geod."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from _helpers import ROOT
from pyproj import Geod

import geo
from geo import analyze
from geo.errors import SettingsError

GEOD = Geod(ellps="WGS84")


def geodesic_matrix(points: gpd.GeoDataFrame, stations: gpd.GeoDataFrame) -> np.ndarray:
    """Metres between every point and every station, on the ellipsoid (reference only)."""
    plon = np.repeat(points.geometry.x.to_numpy()[:, None], len(stations), axis=1)
    plat = np.repeat(points.geometry.y.to_numpy()[:, None], len(stations), axis=1)
    slon = np.broadcast_to(stations.geometry.x.to_numpy()[None, :], plon.shape)
    slat = np.broadcast_to(stations.geometry.y.to_numpy()[None, :], plat.shape)
    _, _, dist = GEOD.inv(plon.ravel(), plat.ravel(), np.ravel(slon), np.ravel(slat))
    return dist.reshape(plon.shape)


@pytest.mark.parametrize("mode", ["walk", "bike", "ebike"])
def test_minutes_match_geodesic_reference(stations, demand, mode):
    settings = geo.Settings(mode=mode)
    result = analyze(stations, demand=demand, settings=settings)
    dist = geodesic_matrix(demand, stations)
    ref_minutes = dist.min(axis=1) * settings.circuity / (settings.speed_kmh * 1000 / 60)
    got = result.points["minutes"].to_numpy()
    np.testing.assert_allclose(got, ref_minutes, rtol=0.01)
    # nearest station agrees wherever the runner-up is not a near tie
    srt = np.sort(dist, axis=1)
    clear = srt[:, 1] > srt[:, 0] * 1.01
    ref_nearest = stations["id"].to_numpy()[dist.argmin(axis=1)]
    assert (result.points["nearest"].to_numpy()[clear] == ref_nearest[clear]).all()
    # covered flags agree away from the threshold; coverage agrees to 1%
    ref_cov = ref_minutes <= settings.minutes
    away = np.abs(ref_minutes - settings.minutes) > 0.01 * settings.minutes
    assert (result.points["covered"].to_numpy()[away] == ref_cov[away]).all()
    w = demand["weight"].to_numpy()
    assert result.coverage == pytest.approx(w[ref_cov].sum() / w.sum(), abs=0.01)


def test_unique_contribution_matches_brute_force(stations, demand):
    settings = geo.Settings()
    result = analyze(stations, demand=demand, settings=settings)
    dist = geodesic_matrix(demand, stations)
    reach = settings.reach_m
    within = dist <= reach
    count = within.sum(axis=1)
    # leave out points within 1% of the reach from any station (projection tolerance)
    fuzzy = (np.abs(dist - reach) < 0.01 * reach).any(axis=1)
    w = demand["weight"].to_numpy()
    only = (count == 1) & ~fuzzy
    ref = np.zeros(len(stations))
    np.add.at(ref, within[only].argmax(axis=1), w[only])
    table = result.station_table.set_index("id")
    got = table["unique_demand"].to_numpy()
    slack = np.zeros(len(stations))
    np.add.at(slack, dist[fuzzy].argmin(axis=1), w[fuzzy])
    assert (np.abs(got - ref) <= slack + 1e-9).all()
    assert got.sum() > 0
    # covered demand is split among nearest stations: totals agree
    assert table["covered_demand"].sum() == pytest.approx(result.covered_demand)


def test_summary_totals_are_consistent(stations, demand, area, grids):
    result = analyze(stations, demand=demand, area=area, grids=grids)
    s = result.summary()
    assert s["total_demand"] == pytest.approx(demand["weight"].sum())
    assert s["covered_demand"] + s["uncovered_demand"] == pytest.approx(s["total_demand"])
    assert s["coverage"] == pytest.approx(s["covered_demand"] / s["total_demand"], abs=1e-4)
    assert sum(g["demand"] for g in s["gaps"]) == pytest.approx(s["uncovered_demand"])
    demands = [g["demand"] for g in s["gaps"]]
    assert demands == sorted(demands, reverse=True)
    assert [g["rank"] for g in s["gaps"]] == list(range(1, len(demands) + 1))
    # per grid + outside grids = everything
    grid_total = sum(g["demand"] for g in s["grids"]) + s["outside_grids"]["demand"]
    assert grid_total == pytest.approx(s["total_demand"])
    assert s["outside_grids"]["points"] > 0  # the fixture's east grid stops short
    shares = [b["share"] for b in s["bands"]]
    assert shares == sorted(shares)
    assert shares[-1] == pytest.approx(s["coverage"], abs=1e-4)
    assert s["stations_used"] == len(stations)
    assert set(s["params"]) >= {"method", "mode", "speed_kmh", "minutes", "circuity", "cell_m"}


def test_gaps_are_edge_connected_uncovered_cells(stations, area, grids):
    """Area mode: gaps equal the connected components of uncovered cells (networkx reference)."""
    stations = stations.iloc[:8]
    result = analyze(stations, area=area, grids=grids, cell_m=250)
    pts = result.points
    unc = pts.loc[~pts["covered"]]
    # reference: cells are squares of 250 m; neighbours share an edge
    cell_poly = result.gap_cells.cells.polygons_metric()
    g = nx.Graph()
    g.add_nodes_from(range(cell_poly.size))
    tree = shapely.STRtree(cell_poly)
    a, b = tree.query(cell_poly, predicate="touches")
    for i, j in zip(a, b, strict=True):
        if shapely.length(shapely.intersection(cell_poly[i], cell_poly[j])) > 1.0:
            g.add_edge(i, j)
    ref_sizes = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    got_sizes = sorted(result.gap_table["cells"].tolist(), reverse=True)
    assert got_sizes == ref_sizes
    assert sum(got_sizes) == len(unc)
    # polygons: disjoint interiors and cover exactly the uncovered cells (clipped to the area)
    gaps = result.gaps.to_crs(result.metric_crs)
    for x, y in itertools.combinations(gaps.geometry, 2):
        assert shapely.area(shapely.intersection(x, y)) < 1e-3
    uncovered_union = shapely.union_all(cell_poly)
    area_m = gpd.GeoSeries([area], crs=4326).to_crs(result.metric_crs).iloc[0]
    expected = shapely.intersection(uncovered_union, area_m)
    assert shapely.union_all(gaps.geometry.to_numpy()).symmetric_difference(expected).area < 1.0
    # every gap's reported point lies in its gap
    for row in result.gaps.itertuples():
        assert row.geometry.buffer(1e-6).contains(shapely.Point(row.lon, row.lat))


def test_area_mode_is_area_share(stations, area):
    result = analyze(stations, area=area, cell_m=100)
    s = result.summary()
    assert s["demand_source"] == "cells"
    assert s["total_demand"] == s["total_cells"]
    assert s["covered_cells"] == pytest.approx(s["covered_demand"])
    # cell count ≈ area / cell area
    area_m2 = gpd.GeoSeries([area], crs=4326).to_crs(result.metric_crs).area.iloc[0]
    assert s["total_cells"] == pytest.approx(area_m2 / 100**2, rel=0.01)


def test_hex_cells_give_similar_coverage(stations, area):
    square = analyze(stations, area=area, cell_m=100)
    hexed = analyze(stations, area=area, cell_m=100, cell_shape="hex")
    assert hexed.cell_spec.h3_res == 10
    assert hexed.coverage == pytest.approx(square.coverage, abs=0.02)
    assert hexed.summary()["gaps"]


def test_no_area_no_demand_uses_station_extent_plus_reach(stations):
    result = analyze(stations)
    bounds = result.area.total_bounds
    sb = stations.total_bounds
    assert bounds[0] < sb[0] and bounds[2] > sb[2]
    # about one reach (923 m ≈ 0.0097° of longitude at 31°N) beyond the extreme stations
    assert sb[0] - bounds[0] == pytest.approx(923 / (111_320 * np.cos(np.radians(31.3))), rel=0.1)


def test_threshold_edge_counts_as_covered(stations):
    """A demand point exactly `minutes` away is covered; a hair further is not."""
    st = stations.iloc[:1]
    settings = geo.Settings(circuity=1.0)
    lon0, lat0 = st.geometry.x.iloc[0], st.geometry.y.iloc[0]
    # find the point due north at exactly the reach, measured in the analysis' own CRS
    probe = analyze(st, demand=_points([(lon0, lat0 + 0.01)]), settings=settings)
    crs = probe.metric_crs
    p = gpd.GeoSeries(shapely.points([lon0], [lat0]), crs=4326).to_crs(crs)
    x, y = p.x.iloc[0], p.y.iloc[0]
    inside = gpd.GeoSeries(shapely.points([x], [y + settings.reach_m - 0.01]), crs=crs)
    outside = gpd.GeoSeries(shapely.points([x], [y + settings.reach_m + 0.5]), crs=crs)
    ll = gpd.GeoSeries(list(inside) + list(outside), crs=crs).to_crs(4326)
    result = analyze(st, demand=_points(list(zip(ll.x, ll.y, strict=True))), settings=settings)
    assert result.points["covered"].tolist() == [True, False]


def test_no_station_used_gives_zero_coverage(demand):
    empty = demand.iloc[:0][["id", "row", "geometry"]]
    empty.attrs = {"source": "empty.csv", "rejected": [], "warnings": []}
    result = analyze(empty, demand=demand)
    assert result.coverage == 0.0
    assert result.points["minutes"].isna().all()
    assert result.summary()["stations_used"] == 0


def test_network_method_is_refused_clearly(stations, demand):
    with pytest.raises(SettingsError, match="street-network"):
        analyze(stations, demand=demand, method="network")


def _points(coords):
    lon, lat = zip(*coords, strict=True)
    gdf = gpd.GeoDataFrame(
        {"id": [f"P{i}" for i in range(len(lon))], "row": range(2, len(lon) + 2)},
        geometry=shapely.points(lon, lat),
        crs=4326,
    )
    gdf.attrs = {"source": "p.csv", "rejected": [], "warnings": []}
    return gdf


def test_network_needed_for_network_method(stations, demand):
    with pytest.raises(SettingsError, match="--network"):
        geo.analyze(stations, demand=demand, method="network")


@pytest.mark.parametrize(("lon", "lat"), [(-70.0, -50.0), (0.0, 31.3), (87.6, 43.8)],
                         ids=["patagonia", "longitude-0", "urumqi"])
def test_one_stray_station_changes_nothing_and_is_reported(tmp_path, lon, lat):
    """Issue 18: the UTM zone came from every point, so one far station distorted every
    distance (72.6% became 66.9% with a station in Patagonia)."""
    import pandas as pd

    demo = ROOT / "data" / "canglang"
    args = {"demand": str(demo / "demand.csv"), "area": str(demo / "area.geojson"),
            "grids": str(demo / "grids.geojson")}
    base = geo.analyze(str(demo / "stations.csv"), **args)
    table = pd.read_csv(demo / "stations.csv", dtype=str)
    stray = table.iloc[[0]].assign(编号="STRAY", 经度=str(lon), 纬度=str(lat), 坐标系="wgs84")
    path = tmp_path / "stations.csv"
    pd.concat([table, stray], ignore_index=True).to_csv(path, index=False)
    result = geo.analyze(str(path), **args)
    assert result.metric_crs == base.metric_crs and result.metric_crs.to_epsg() == 32651
    assert result.coverage == base.coverage
    assert len(result.gap_table) == len(base.gap_table)
    (note,) = [w for w in result.warnings if "STRAY" in w.reason]
    assert note.file == str(path) and note.row == len(table) + 2 and note.column == "lon"
    assert "km from the study" in note.reason
    # without area or demand, the stations' own extent is not stretched either
    alone = geo.analyze(str(path))
    assert alone.coverage == geo.analyze(str(demo / "stations.csv")).coverage
