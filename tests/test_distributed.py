"""The Dask engine against the local engine: the same numbers, partitioned.

Every test compares ``engine="dask"`` with the local engine on the same input:
per-point minutes bit for bit, nearest station, covered and unique flags, the
summary (gaps, per-网格 table, bands), the station table. The borders between
partitions are where a naive partitioning goes wrong, so the large test puts
stations on them and checks that many points are served across a border.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

import geo
from geo import network as gn
from geo.distributed import (
    DaskEngine,
    DaskNotInstalledError,
    SchedulerError,
    atomic_path,
    check_parquet,
    sweep,
    write_points_parquet,
)
from geo.distributed import cluster as clustermod
from geo.distributed.partition import bbox, kd_partitions
from geo.errors import SettingsError

distributed = pytest.importorskip("distributed")

DEMO = Path(__file__).resolve().parents[1] / "data" / "canglang"
DEMO_ARGS = {
    "demand": DEMO / "demand.csv",
    "area": DEMO / "area.geojson",
    "grids": DEMO / "grids.geojson",
}


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def threads_client():
    """A cluster of two worker threads in this process (quick to start)."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def process_client():
    """A cluster of two worker processes, as on a real machine."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


def points_frame(lon: np.ndarray, lat: np.ndarray, prefix: str, **cols) -> gpd.GeoDataFrame:
    n = lon.size
    data = {"id": [f"{prefix}{i}" for i in range(n)], "row": np.arange(2, n + 2), **cols}
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
    return gdf


def assert_same(local: geo.CoverageResult, dask: geo.CoverageResult) -> None:
    """The Dask result is the local one: per point, per station, per 网格, per gap."""
    a, b = local.points, dask.points
    assert list(a.columns) == list(b.columns)
    np.testing.assert_array_equal(a["minutes"].to_numpy(), b["minutes"].to_numpy())
    assert (a["nearest"].fillna("") == b["nearest"].fillna("")).all()
    assert (a["covered"] == b["covered"]).all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
    )
    pd.testing.assert_frame_equal(local.station_table, dask.station_table)
    pd.testing.assert_frame_equal(local.grid_table, dask.grid_table)
    pd.testing.assert_frame_equal(local.gap_table, dask.gap_table)
    assert local.summary() == dask.summary()


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


def test_local_cluster_started_and_closed():
    """Without a scheduler (and no active client) a local cluster runs the job and stops."""
    with pytest.raises(ValueError, match="client"):
        distributed.get_client()
    stations = DEMO / "stations.csv"
    engine = DaskEngine(partitions=2, processes=False)
    dask = geo.analyze(stations, demand=DEMO_ARGS["demand"], engine=engine)
    assert_same(geo.analyze(stations, demand=DEMO_ARGS["demand"]), dask)
    with pytest.raises(ValueError, match="client"):
        distributed.get_client()


# --- in-memory engine: the street network --------------------------------------------------


@pytest.fixture(scope="module")
def helsinki():
    net = gn.load_network("helsinki", "walk", cache=False, progress=False)
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = net.x.min(), net.y.min(), net.x.max(), net.y.max()
    sx, sy = rng.uniform(minx, maxx, 12), rng.uniform(miny, maxy, 12)
    dx, dy = rng.uniform(minx - 300, maxx + 300, 6000), rng.uniform(miny - 300, maxy + 300, 6000)
    stations = points_frame(*back.transform(sx, sy), "S")
    demand = points_frame(*back.transform(dx, dy), "D", weight=rng.integers(1, 4, 6000) * 1.0)
    return net, stations, demand


@pytest.mark.parametrize("minutes", [5.0, 15.0])
def test_network_dask_equals_local(threads_client, helsinki, minutes):
    net, stations, demand = helsinki
    args = {"demand": demand, "method": "network", "network": net, "minutes": minutes}
    local = geo.analyze(stations, **args)
    engine = DaskEngine(scheduler=threads_client, partitions=6)
    dask = geo.analyze(stations, **args, engine=engine)
    assert_same(local, dask)
    for name in ("status", "snap_m", "straight_minutes"):
        np.testing.assert_array_equal(local.points[name].to_numpy(), dask.points[name].to_numpy())
    assert local.warnings == dask.warnings
    # most points are answered on their partition's clipped network
    assert engine.stats["whole_network"] < len(demand) / 2
    # the service areas (drawn from the whole-network search) are the same
    np.testing.assert_array_equal(
        local.network.search.node_minutes, dask.network.search.node_minutes
    )


def test_network_far_points_settled_on_wider_clips(threads_client):
    """A 6 km grid network, 3-minute walks: uncovered points get their exact minutes from
    wider clips, and points with tied nearest streets are snapped as the whole network
    snaps them."""
    side, spacing = 120, 50.0
    rng = np.random.default_rng(4)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    node = ii * side + jj
    x = 300_000 + ii.ravel() * spacing + rng.uniform(-8, 8, side * side)
    y = 3_440_000 + jj.ravel() * spacing + rng.uniform(-8, 8, side * side)
    u = np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel()])
    v = np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel()])
    net = gn.network_from_edges(x, y, u, v, crs="EPSG:32651")
    to_ll = Transformer.from_crs(32651, 4326, always_xy=True)
    extent = (side - 1) * spacing
    s_xy = 300_000 + rng.uniform(0, extent, 60), 3_440_000 + rng.uniform(0, extent, 60)
    # some demand beyond the grid's edge: its nearest street place is a corner node that
    # two edges share, a tie the whole network's index decides
    d_xy = (
        300_000 + rng.uniform(-150, extent + 150, 8000),
        3_440_000 + rng.uniform(-150, extent + 150, 8000),
    )
    stations = points_frame(*to_ll.transform(*s_xy), "S")
    demand = points_frame(*to_ll.transform(*d_xy), "D")
    args = {"demand": demand, "method": "network", "network": net, "minutes": 3, "bands": (1, 2)}
    local = geo.analyze(stations, **args)
    engine = DaskEngine(scheduler=threads_client, partitions=4)
    assert_same(local, geo.analyze(stations, **args, engine=engine))
    assert engine.stats["wider"] > 1000
    assert engine.stats["tied"] > 0 and engine.stats["wider"] > engine.stats["whole_network"]


# --- a million points, stations on the partition borders, real worker processes ----------


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


def test_unreachable_scheduler_says_so(monkeypatch):
    monkeypatch.setattr(clustermod, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(SchedulerError, match=r"tcp://127\.0\.0\.1:9.*scheduler"):
        geo.analyze(
            DEMO / "stations.csv",
            demand=DEMO_ARGS["demand"],
            engine="dask",
            scheduler="tcp://127.0.0.1:9",
        )


def test_missing_dask_says_how_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DaskNotInstalledError, match=r"pip install 'geo\[dask\]'"):
        geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"], engine="dask")


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


def _fail_writing(path: Path, directory: bool) -> None:
    with atomic_path(path) as tmp:
        if directory:
            tmp.mkdir()
        else:
            tmp.write_text("half")
        raise RuntimeError("worker died")


def test_atomic_path_file_and_directory(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError, match="worker died"):
        _fail_writing(target, directory=False)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary left behind
    with atomic_path(target) as tmp:
        tmp.write_text("done")
    assert target.read_text() == "done"
    # a directory replaces the old one whole, and a failure leaves the old one
    folder = tmp_path / "parts"
    for text in ("old", "new"):
        with atomic_path(folder) as tmp:
            tmp.mkdir()
            (tmp / "part.0").write_text(text)
    assert (folder / "part.0").read_text() == "new"
    with pytest.raises(RuntimeError, match="worker died"):
        _fail_writing(folder, directory=True)
    assert (folder / "part.0").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet", "parts"]


# --- GeoParquet by partition ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demand_parquet(tmp_path_factory):
    """The demo demand repeated with jitter to 40,000 points, in 5 GeoParquet parts by
    longitude (so parts are spatial strips and gaps cross their borders)."""
    demand = geo.read_demand(DEMO / "demand.csv")
    rng = np.random.default_rng(5)
    reps = -(-40_000 // len(demand))
    lon = np.repeat(demand.geometry.x.to_numpy(), reps) + rng.normal(0, 0.004, len(demand) * reps)
    lat = np.repeat(demand.geometry.y.to_numpy(), reps) + rng.normal(0, 0.004, len(demand) * reps)
    weight = np.repeat(demand["weight"].to_numpy(), reps)
    order = np.argsort(lon, kind="stable")
    gdf = gpd.GeoDataFrame(
        {"weight": weight[order]}, geometry=shapely.points(lon[order], lat[order]), crs=4326
    )
    folder = tmp_path_factory.mktemp("demand") / "demand"
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(gdf)), 5)):
        gdf.iloc[chunk].to_parquet(folder / f"part.{i}.parquet")
    single = folder.parent / "demand.parquet"
    gdf.to_parquet(single)
    return folder, single


def test_check_parquet_equals_local(threads_client, demand_parquet, tmp_path):
    folder, single = demand_parquet
    stations = DEMO / "stations.csv"
    args = {"area": DEMO_ARGS["area"], "grids": DEMO_ARGS["grids"], "mode": "ebike", "minutes": 3}
    local = geo.analyze(stations, demand=single, **args)
    out = tmp_path / "points"
    result = check_parquet(stations, folder, points_out=out, scheduler=threads_client, **args)
    assert result.summary() == local.summary()
    pd.testing.assert_frame_equal(result.station_table, local.station_table)
    assert len(local.gap_table) > 1
    written = gpd.read_parquet(out)
    assert sorted(p.name for p in out.iterdir()) == [f"part.{i:05d}.parquet" for i in range(5)]
    assert [p.name for p in tmp_path.iterdir()] == ["points"]
    np.testing.assert_array_equal(written["minutes"], local.points["minutes"])
    assert (written["id"].to_numpy() == local.points["id"].to_numpy()).all()
    assert (written["nearest"].fillna("") == local.points["nearest"].fillna("")).all()


def test_check_parquet_rejected_rows_and_their_zone(threads_client, tmp_path):
    """A row with an impossible longitude is rejected (listed by its row, as geo.analyze
    lists it) and does not move the UTM zone the rest is measured in."""
    demand = geo.read_demand(DEMO / "demand.csv")[["weight", "geometry"]]
    bad = gpd.GeoDataFrame({"weight": [1.0]}, geometry=[shapely.Point(250.0, 31.3)], crs=4326)
    gdf = pd.concat([demand.iloc[:150], bad, demand.iloc[150:]], ignore_index=True)
    folder = tmp_path / "demand"
    folder.mkdir()
    gdf.iloc[:100].to_parquet(folder / "part.0.parquet")
    gdf.iloc[100:].to_parquet(folder / "part.1.parquet")
    gdf.iloc[:0].to_parquet(folder / "part.2.parquet")  # an empty part
    gdf.to_parquet(tmp_path / "all.parquet")
    stations = DEMO / "stations.csv"
    local = geo.analyze(stations, demand=tmp_path / "all.parquet")
    result = check_parquet(stations, folder, scheduler=threads_client)
    ours, ref = result.summary(), local.summary()
    assert ref["rejected"][0]["row"] == 151
    for entry in ours["rejected"] + ref["rejected"]:
        entry.pop("file")  # the folder of parts, and the single file
    assert ours == ref


def test_write_points_parquet(threads_client, tmp_path):
    result = geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"])
    out = write_points_parquet(result, tmp_path / "pts", partitions=3)
    back = gpd.read_parquet(out)
    table = result.points_table()
    assert len(list(out.iterdir())) == 3
    assert list(back["id"]) == list(table["id"])
    np.testing.assert_array_equal(back["minutes"], table["minutes"])
    assert [p.name for p in tmp_path.iterdir()] == ["pts"]


# --- scenario sweeps -----------------------------------------------------------------------


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


def test_kd_partitions_cover_everything_once():
    rng = np.random.default_rng(0)
    x, y = rng.random(1001) * 5, rng.random(1001)
    parts = kd_partitions(x, y, 6)
    assert len(parts) == 6
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(1001))
    sizes = [p.size for p in parts]
    assert max(sizes) - min(sizes) <= 2
    assert kd_partitions(x[:3], y[:3], 10)[0].size == 1
