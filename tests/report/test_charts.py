"""The coverage curve and the charts (``geo.report.charts``)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geo
from geo.report import charts, coverage_curve, report_files

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


# --- other inputs and options -------------------------------------------------------------------


def test_area_share_without_demand(area, stations):
    result = geo.analyze(stations, area=area, cell_m=200)
    curve = coverage_curve(result)
    at = float(curve.loc[curve["minutes"] == 15, "share"].iloc[0])
    assert at == pytest.approx(result.coverage, abs=1e-12)
    files, _ = report_files(result, map_png="static", dpi=50)
    assert "面积占比" in files["summary.md"].decode("utf-8")
