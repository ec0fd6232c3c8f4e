"""Scenario sweeps as Dask tasks (``geo.distributed.sweep``), equal to the local sweep."""

from __future__ import annotations

import pandas as pd
import pytest
from _helpers.distributed import DEMO, DEMO_ARGS

import geo
from geo.distributed import sweep
from geo.errors import SettingsError

distributed = pytest.importorskip("distributed")


SCENARIOS = [
    {"mode": mode, "minutes": minutes, "amenity": amenity, "at": at}
    for mode in ("walk", "ebike")
    for minutes in (5, 15)
    for amenity, at in ((None, None), ("充电", "23:00"))
]


def test_sweep_dask_equals_local(threads_client):
    args = {"scenarios": SCENARIOS, **DEMO_ARGS}
    per_scenario, per_grid = sweep(
        DEMO / "stations.csv", engine="dask", scheduler=threads_client, **args
    )
    ref_scenario, ref_grid = sweep(DEMO / "stations.csv", engine="local", **args)
    pd.testing.assert_frame_equal(per_scenario, ref_scenario)
    pd.testing.assert_frame_equal(per_grid, ref_grid)
    assert len(per_scenario) == len(SCENARIOS)
    n_grids = len(geo.read_grids(DEMO_ARGS["grids"]))
    assert len(per_grid) == len(SCENARIOS) * n_grids
    # each row is the analysis of that scenario
    row = per_scenario.iloc[5]
    one = geo.analyze(DEMO / "stations.csv", **DEMO_ARGS, **SCENARIOS[5])
    assert row["coverage"] == one.coverage
    assert row["speed_kmh"] == 15.0 and row["stations_used"] == one.stations_used
    # slower and shorter never covers more
    walk = per_scenario[(per_scenario["mode"] == "walk") & per_scenario["amenity"].isna()]
    assert walk["coverage"].is_monotonic_increasing


def test_sweep_street_network(threads_client, helsinki):
    net, stations, demand = helsinki
    scenarios = pd.DataFrame(
        {"method": ["network", "network", "euclidean"], "minutes": [5, 10, 10]}
    )
    args = {"scenarios": scenarios, "demand": demand, "network": net}
    per_scenario, _ = sweep(stations, engine="dask", scheduler=threads_client, **args)
    ref, _ = sweep(stations, engine="local", **args)
    pd.testing.assert_frame_equal(per_scenario, ref)
    one = geo.analyze(stations, demand=demand, method="network", network=net, minutes=10)
    assert per_scenario.loc[1, "coverage"] == one.coverage
    assert per_scenario["coverage"].iloc[0] < per_scenario["coverage"].iloc[1]


def test_sweep_checks_scenarios_first():
    with pytest.raises(SettingsError, match="unknown scenario column"):
        sweep(DEMO / "stations.csv", [{"speed": 3}], demand=DEMO_ARGS["demand"], engine="local")
    with pytest.raises(SettingsError, match="scenario 1"):
        sweep(
            DEMO / "stations.csv",
            pd.DataFrame({"minutes": [5, -1]}),
            demand=DEMO_ARGS["demand"],
            engine="local",
        )
