"""The Dask engine (``geo.distributed.engine``) against the local engine, partitioned.

Every test compares ``engine="dask"`` with the local engine on the same input:
per-point minutes bit for bit, nearest station, covered and unique flags, the
summary (gaps, per-网格 table, bands), the station table.

The borders between partitions are where a naive partitioning goes wrong, so the large
test puts stations on them and checks that many points are served across a border.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers.distributed import DEMO, DEMO_ARGS, assert_same, points_frame
from pyproj import Transformer

import geo
from geo.distributed import DaskEngine
from geo.distributed.partition import bbox, kd_partitions
from geo.errors import SettingsError

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def million():
    """1,000,000 demand points over 30 km × 30 km, 600 stations, many on partition borders."""
    rng = np.random.default_rng(11)
    n = 1_000_000
    to_ll = Transformer.from_crs(32651, 4326, always_xy=True)
    x0, y0 = 330_000.0, 3_450_000.0
    x = x0 + rng.random(n) * 30_000
    y = y0 + rng.random(n) * 30_000
    parts = kd_partitions(x, y, 8)
    edges = np.unique(np.concatenate([bbox(x[p], y[p])[0::2] for p in parts]))
    # stations on every vertical cut (and scattered), so partitions must look across
    on_cut = np.concatenate([np.full(20, e) for e in edges])
    sx = np.concatenate([on_cut, x0 + rng.random(600 - on_cut.size) * 30_000])
    sy = y0 + rng.random(sx.size) * 30_000
    stations = points_frame(*to_ll.transform(sx, sy), "S")
    lon, lat = to_ll.transform(x, y)
    demand = gpd.GeoDataFrame(
        {"weight": rng.integers(1, 4, n).astype(float)}, geometry=shapely.points(lon, lat), crs=4326
    )
    demand.attrs = {"source": "demand", "rejected": [], "warnings": []}
    grids = gpd.GeoDataFrame(
        {"grid": [f"G{i}" for i in range(4)]},
        geometry=[
            shapely.box(
                *to_ll.transform(x0 + i * 7_500, y0),
                *to_ll.transform(x0 + (i + 1) * 7_500, y0 + 30_000),
            )
            for i in range(4)
        ],
        crs=4326,
    )
    settings = geo.Settings(mode="ebike", minutes=5, cell_m=250)
    local = geo.analyze(stations, demand=demand, grids=grids, settings=settings)
    return stations, demand, grids, settings, local, parts


# --- in-memory engine: the demo ------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"mode": "ebike", "minutes": 5},
        {"amenity": "充电", "at": "23:00"},
        {"cell_shape": "hex", "minutes": 10},
    ],
    ids=["default", "ebike-5min", "charging-night", "hex"],
)
def test_demo_dask_equals_local(threads_client, options):
    stations = DEMO / "stations.csv"
    local = geo.analyze(stations, **DEMO_ARGS, **options)
    dask = geo.analyze(
        stations, **DEMO_ARGS, engine="dask", scheduler=threads_client, partitions=5, **options
    )
    assert_same(local, dask)


def test_demo_cells_and_two_station_files(threads_client):
    """Area cells as demand (no demand file), stations and charging piles combined."""
    files = [DEMO / "stations.csv", DEMO / "charging_piles.csv"]
    args = {"area": DEMO_ARGS["area"], "grids": DEMO_ARGS["grids"], "cell_m": 50}
    local = geo.analyze(files, **args)
    engine = DaskEngine(scheduler=threads_client, partitions=7)
    dask = geo.analyze(files, **args, engine=engine)
    assert_same(local, dask)
    assert engine.stats["partitions"] == 7
    assert sum(engine.stats["points"]) == len(local.points)


# --- a million points, stations on the partition borders, real worker processes ----------


def test_million_points_across_borders(process_client, million):
    stations, demand, grids, settings, local, parts = million
    # the test means something: many points' nearest station is outside their partition
    pos = pd.Index(stations["id"]).get_indexer(local.points["nearest"])
    assert (pos >= 0).all()
    s = local.stations
    s_x, s_y = Transformer.from_crs(4326, local.metric_crs, always_xy=True).transform(
        s.geometry.x.to_numpy(), s.geometry.y.to_numpy()
    )
    px, py = Transformer.from_crs(4326, local.metric_crs, always_xy=True).transform(
        local.points["lon"].to_numpy(), local.points["lat"].to_numpy()
    )
    across = 0
    for p in parts:
        minx, miny, maxx, maxy = bbox(px[p], py[p])
        outside = ~((s_x >= minx) & (s_x <= maxx) & (s_y >= miny) & (s_y <= maxy))
        across += int(outside[pos[p]].sum())
    assert across > 10_000
    engine = DaskEngine(scheduler=process_client, partitions=8)
    t0 = time.perf_counter()
    dask = geo.analyze(stations, demand=demand, grids=grids, settings=settings, engine=engine)
    assert time.perf_counter() - t0 < 60
    assert_same(local, dask)
    # gaps across partition borders are merged: some gap spans two partitions
    assert local.summary()["gaps"]


def test_lost_worker_is_recomputed(process_client, million):
    """Kill a worker process mid-run: Dask reruns its partitions; the result is unchanged."""
    stations, demand, grids, settings, local, _ = million
    pids = process_client.run(os.getpid)
    engine = DaskEngine(scheduler=process_client, partitions=16)
    out: dict[str, geo.CoverageResult] = {}
    job = threading.Thread(
        target=lambda: out.update(
            r=geo.analyze(stations, demand=demand, grids=grids, settings=settings, engine=engine)
        )
    )
    job.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline and job.is_alive():
        busy = [w for w, tasks in process_client.processing().items() if tasks]
        if any("partition_task" in str(t) for w in busy for t in process_client.processing()[w]):
            victim = next(w for w in busy if w in pids)
            os.kill(pids[victim], signal.SIGKILL)
        time.sleep(0.005)
    job.join(timeout=120)
    assert victim is not None, "the job finished before a worker could be killed"
    assert "r" in out
    assert_same(local, out["r"])
    process_client.wait_for_workers(2, timeout=60)


# --- failure behaviour and errors ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "spark"}, "unknown engine 'spark'"),
        ({"engine": "dask", "partitions": 0}, "partitions must be"),
        ({"scheduler": "tcp://x:1"}, "engine='dask' only"),
    ],
)
def test_engine_options_checked(kwargs, message):
    with pytest.raises(SettingsError, match=message):
        geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"], **kwargs)
