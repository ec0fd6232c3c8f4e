"""Incremental what-if (issue 20): adding stations to a finished analysis equals a full
analysis of the same stations, on random sequences, for the tables and the summary."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from _helpers import ROOT

import geo
from geo import scenario

DEMO = ROOT / "data" / "canglang"
STATIONS = [str(DEMO / "stations.csv"), str(DEMO / "charging_piles.csv")]
KINDS = ["supply", "energy_pool", "rest", "training", "charging_pile"]


def _frames():
    return (scenario.combine([geo.read_stations(p) for p in STATIONS]),
            geo.read_demand(str(DEMO / "demand.csv")), geo.read_area(str(DEMO / "area.geojson")),
            geo.read_grids(str(DEMO / "grids.geojson")))


def _same(a: geo.CoverageResult, b: geo.CoverageResult) -> None:
    assert a.summary() == b.summary()
    cols = ["id", "weight", "minutes", "nearest", "covered", "band", "grid", "cell"]
    pd.testing.assert_frame_equal(pd.DataFrame(a.points[cols]), pd.DataFrame(b.points[cols]))
    pd.testing.assert_frame_equal(a.station_table, b.station_table)
    pd.testing.assert_frame_equal(a.gap_table, b.gap_table)
    pd.testing.assert_frame_equal(a.grid_table, b.grid_table)


SETTINGS = [
    {},
    {"minutes": 10, "mode": "ebike"},
    {"categories": ("supply", "rest")},
    {"at": "23:00"},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["walk15", "ebike10", "kinds", "at23"])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_additions_and_removals_equal_a_full_analysis(settings, seed) -> None:
    rng = random.Random(seed)
    stations, demand, area, grids = _frames()
    s = geo.Settings(**settings)
    base = geo.analyze(stations, demand=demand, area=area, grids=grids, settings=s)
    minx, miny, maxx, maxy = area.total_bounds
    whatifs: list[dict] = []
    for _ in range(6):
        if whatifs and rng.random() < 0.3:
            whatifs.pop(rng.randrange(len(whatifs)))  # removal: the rest added to the baseline
        else:
            whatifs.append({"lon": rng.uniform(minx - 0.01, maxx + 0.01),
                            "lat": rng.uniform(miny - 0.01, maxy + 0.01),
                            "kind": rng.choice(KINDS),
                            "crs": rng.choice(["wgs84", "gcj02"])})
        table = scenario.with_stations(stations, whatifs)
        quick = scenario.add_incrementally(base, table)
        assert quick is not None
        full = geo.analyze(table, demand=demand, area=area, grids=grids, settings=s)
        _same(quick, full)
        assert (quick.coverage >= base.coverage) or not whatifs


def test_cells_over_a_given_area_are_incremental_too() -> None:
    stations, _demand, area, grids = _frames()
    s = geo.Settings(cell_m=150, cell_shape="hex")
    base = geo.analyze(stations, area=area, grids=grids, settings=s)
    lon, lat = base.gap_table.iloc[0][["lon", "lat"]]
    table = scenario.with_stations(stations, [{"lon": float(lon), "lat": float(lat)}])
    quick = scenario.add_incrementally(base, table)
    assert quick is not None and quick.coverage > base.coverage
    _same(quick, geo.analyze(table, area=area, grids=grids, settings=s))


def test_where_the_study_depends_on_the_stations_it_declines() -> None:
    stations, *_ = _frames()
    base = geo.analyze(stations)  # no area nor demand: the stations' extent is the study
    table = scenario.with_stations(stations, [{"lon": 120.70, "lat": 31.35}])
    assert scenario.add_incrementally(base, table) is None
    # nor a table that is not the baseline's plus new rows
    _, demand, area, _ = _frames()
    base = geo.analyze(stations, demand=demand, area=area)
    assert scenario.add_incrementally(base, table.iloc[1:]) is None
    assert scenario.add_incrementally(base, table.iloc[::-1]) is None


def test_along_the_street_network_it_declines() -> None:
    hel = ROOT / "data" / "helsinki"
    base = geo.analyze(str(hel / "stations.csv"), demand=str(hel / "demand.csv"),
                       method="network", network="helsinki")
    stations = scenario.combine(geo.read_stations(str(hel / "stations.csv")))
    table = scenario.with_stations(stations, [{"lon": 24.94, "lat": 60.17}])
    assert scenario.add_incrementally(base, table) is None
    assert np.isfinite(base.coverage)
