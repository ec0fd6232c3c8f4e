"""geo.result: the JSON contract of ``geo check --json`` (docs/interface.md) and the result's
tables, checked against numbers recomputed here from the per-point table."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

import geo
from geo.result import POINT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "canglang"

#: The keys docs/interface.md promises (more may be added, none removed).
TOP_KEYS = {"coverage", "total_demand", "covered_demand", "uncovered_demand", "covered_cells",
            "total_cells", "stations_used", "rejected", "gaps", "grids", "params"}
GAP_KEYS = {"rank", "demand", "area_m2", "lon", "lat", "grid"}
GRID_KEYS = {"grid", "coverage", "demand", "uncovered_demand"}
PARAM_KEYS = {"method", "mode", "speed_kmh", "minutes", "circuity", "cell_m"}


@pytest.fixture(scope="module")
def demo() -> geo.CoverageResult:
    return geo.analyze(
        [DEMO / "stations.csv", DEMO / "charging_piles.csv"], demand=DEMO / "demand.csv",
        area=DEMO / "area.geojson", grids=DEMO / "grids.geojson",
    )


@pytest.fixture(scope="module")
def summary(demo: geo.CoverageResult) -> dict:
    return json.loads(demo.to_json())


def test_summary_holds_every_key_of_the_contract(summary: dict) -> None:
    assert set(summary) >= TOP_KEYS
    assert set(summary["params"]) >= PARAM_KEYS
    assert summary["gaps"] and all(set(g) >= GAP_KEYS for g in summary["gaps"])
    assert summary["grids"] and all(set(g) >= GRID_KEYS for g in summary["grids"])
    for item in summary["rejected"]:
        assert set(item) == {"file", "row", "column", "reason"}


def test_headline_numbers_agree_with_the_points(demo: geo.CoverageResult, summary: dict) -> None:
    p = demo.points
    w = p["weight"].to_numpy()
    covered = p["covered"].to_numpy(dtype=bool)
    assert summary["coverage"] == w[covered].sum() / w.sum()  # exact, not rounded
    assert summary["total_demand"] == round(w.sum(), 2)
    assert summary["covered_demand"] == round(w[covered].sum(), 2)
    assert summary["uncovered_demand"] == round(w.sum() - w[covered].sum(), 2)
    assert summary["stations_used"] == int(demo.stations["used"].sum())
    # covered exactly when the minutes are within the threshold
    m = p["minutes"].to_numpy()
    np.testing.assert_array_equal(covered, np.isfinite(m) & (m <= summary["params"]["minutes"]))


def test_gaps_are_ranked_by_uncovered_demand(demo: geo.CoverageResult, summary: dict) -> None:
    gaps = summary["gaps"]
    assert [g["rank"] for g in gaps] == list(range(1, len(gaps) + 1))
    demand = [g["demand"] for g in gaps]
    assert demand == sorted(demand, reverse=True)
    p = demo.points
    uncovered = p["weight"].to_numpy()[~p["covered"].to_numpy(dtype=bool)].sum()
    assert math.isclose(sum(g["demand"] for g in gaps), uncovered, abs_tol=0.01 * len(gaps))
    # each gap's point lies inside its polygon, and its area is the polygon's
    polys = demo.gaps
    for g, geom in zip(gaps, polys.geometry, strict=True):
        assert geom.buffer(1e-6).contains(shapely.Point(g["lon"], g["lat"]))
    metric = demo.gaps_metric
    np.testing.assert_allclose(shapely.area(metric.geometry.to_numpy()), metric["area_m2"])


@pytest.mark.parametrize("minutes", [3, 15, 60])  # many gaps, some, none
def test_gap_count_is_the_gap_tables_rows(minutes: float) -> None:
    r = geo.analyze(DEMO / "stations.csv", demand=DEMO / "demand.csv", area=DEMO / "area.geojson",
                    settings=geo.Settings(minutes=minutes))
    count = r.gap_count  # before the table is built
    assert count == len(r.gap_table) == len(r.summary()["gaps"])
    assert (count == 0) == (minutes == 60)


def test_grids_follow_the_file_and_add_up(demo: geo.CoverageResult, summary: dict) -> None:
    names = geo.read_grids(DEMO / "grids.geojson")["grid"].tolist()
    assert [g["grid"] for g in summary["grids"]] == names
    p = demo.points
    for g in summary["grids"]:
        inside = (p["grid"] == g["grid"]).to_numpy()
        w = p["weight"].to_numpy()[inside]
        cov = p["covered"].to_numpy(dtype=bool)[inside]
        assert g["demand"] == round(w.sum(), 2)
        assert g["uncovered_demand"] == round(w[~cov].sum(), 2)
        assert g["coverage"] == round(w[cov].sum() / w.sum(), 4)
    outside = summary["outside_grids"]
    assert outside["demand"] == pytest.approx(p["weight"][p["grid"].isna()].sum())


def test_summary_is_a_copy(demo: geo.CoverageResult) -> None:
    first = demo.summary()
    first["gaps"].clear()
    first["coverage"] = -1
    again = demo.summary()
    assert again["gaps"] and again["coverage"] >= 0


def test_points_table_is_the_points_out_contract(demo: geo.CoverageResult) -> None:
    table = demo.points_table()
    assert tuple(table.columns) == POINT_COLUMNS
    assert set(table["covered"]) <= {"true", "false"}
    assert len(table) == len(demo.points)
    assert table["id"].tolist() == demo.points["id"].tolist()  # input order


def test_metric_coordinates_are_those_of_the_metric_crs(demo: geo.CoverageResult) -> None:
    xy = demo.metric_coords()
    assert xy.crs == demo.metric_crs
    to_m = Transformer.from_crs(4326, demo.metric_crs, always_xy=True)
    x, y = to_m.transform(demo.points["lon"].to_numpy(), demo.points["lat"].to_numpy())
    np.testing.assert_allclose(xy.x, x, atol=1e-6)
    np.testing.assert_allclose(xy.y, y, atol=1e-6)
    st = demo.stations.geometry
    sx, sy = to_m.transform(st.x.to_numpy(), st.y.to_numpy())
    np.testing.assert_allclose(xy.sx, sx, atol=1e-6)
    np.testing.assert_allclose(xy.sy, sy, atol=1e-6)


def test_service_areas_nest_and_agree_in_both_crs(demo: geo.CoverageResult) -> None:
    wgs = demo.service_areas("wgs84")
    metric = demo.service_areas("metric")
    assert list(wgs["minutes"]) == list(demo.settings.bands)
    geoms = metric.geometry.to_numpy()
    for inner, outer in itertools.pairwise(geoms):
        # nested, up to the 1 m simplification of each band's outline
        assert shapely.area(shapely.difference(inner, outer)) <= shapely.length(inner) * 1.0
    back = gpd.GeoSeries(wgs.geometry, crs=4326).to_crs(demo.metric_crs)
    np.testing.assert_allclose(shapely.area(back.to_numpy()), shapely.area(geoms), rtol=1e-6)
    # a straight-line band's radius is the reach of its minutes
    last = metric.iloc[-1]
    assert last["radius_m"] == pytest.approx(demo.settings.reach_m)
    # every covered demand point lies in the last band (up to the 1 m simplification)
    p = demo.points
    x = demo.metric_coords().x[p["covered"].to_numpy(dtype=bool)]
    y = demo.metric_coords().y[p["covered"].to_numpy(dtype=bool)]
    inside = shapely.contains_xy(shapely.buffer(geoms[-1], 1.5), x, y)
    assert inside.all()


def test_sources_name_the_files_as_given(demo: geo.CoverageResult) -> None:
    assert demo.sources["stations"] == f"{DEMO / 'stations.csv'}, {DEMO / 'charging_piles.csv'}"
    assert demo.sources["demand"] == str(DEMO / "demand.csv")
    assert demo.sources["grids"] == str(DEMO / "grids.geojson")


def test_json_is_strict_json(demo: geo.CoverageResult) -> None:
    text = demo.to_json()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))


def _strict(text: str) -> dict:
    """Parse JSON as a strict reader does (JavaScript, jq): NaN and Infinity are errors."""
    def refuse(word: str) -> None:
        raise ValueError(f"not JSON: {word}")

    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_even_if_a_value_is_not_finite(demo: geo.CoverageResult) -> None:
    """Issue 18 item 13: a NaN or infinity anywhere printed bare NaN/Infinity (not JSON)."""
    summary = demo._summary  # the cached object to_json serialises
    saved = (summary["coverage"], summary["bands"][0]["share"], summary["params"]["reach_m"])
    try:
        summary["coverage"] = float("nan")
        summary["bands"][0]["share"] = np.float64("inf")
        summary["params"]["reach_m"] = -math.inf
        out = _strict(demo.to_json())
    finally:
        summary["coverage"], summary["bands"][0]["share"], summary["params"]["reach_m"] = saved
    assert out["coverage"] is None and out["bands"][0]["share"] is None
    assert out["params"]["reach_m"] is None


def test_json_of_extreme_inputs_is_strict(tmp_path: Path) -> None:
    """Weights at the cap (1e12), a subnormal weight, one far above it (rejected), and the
    longest threshold: every number in --json stays finite."""
    from typer.testing import CliRunner

    from geo.cli import app

    demand = tmp_path / "demand.csv"
    demand.write_text("编号,经度,纬度,人数\nD1,120.60,31.28,1e12\nD2,120.61,31.28,999999999999.9\n"
                      "D3,120.61,31.29,1e-320\nD4,120.62,31.29,1e308\nD5,120.62,31.30,inf\n",
                      encoding="utf-8")
    for extra in ([], ["--minutes", "1440", "--grids", str(DEMO / "grids.geojson")]):
        res = CliRunner().invoke(app, ["check", str(DEMO / "stations.csv"), "--demand",
                                       str(demand), "--json", *extra])
        assert res.exit_code == 0, res.output
        out = _strict(res.stdout)
        assert 0 <= out["coverage"] <= 1 and math.isfinite(out["total_demand"])
        assert {r["row"] for r in out["rejected"]} == {5, 6}
    res = CliRunner().invoke(app, ["check", str(DEMO / "stations.csv"), "--demand", str(demand),
                                   "--json", "--minutes", "1e308"])
    assert res.exit_code == 2 and "1,440" in res.output


def test_the_gap_areas_leave_the_results_study_area_unprepared(demo: geo.CoverageResult) -> None:
    # a result is shared by the app's sessions (threads): its kept study area must not be
    # prepared in place, a race when two threads do it at once
    fresh = geo.analyze(DEMO / "stations.csv", demand=DEMO / "demand.csv",
                        area=DEMO / "area.geojson", settings=geo.Settings(minutes=8))
    table = fresh.gap_table  # the gaps' areas inside the study area
    assert len(table) and fresh._area_metric is not None
    assert not shapely.is_prepared(fresh._area_metric)
    np.testing.assert_allclose(table["area_m2"].sum(),
                               shapely.area(fresh.gaps_metric.geometry).sum(), rtol=1e-9)
