"""GeoParquet demand by partition (``geo.distributed.parquet``), equal to the local analysis."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers.distributed import DEMO, DEMO_ARGS

import geo
from geo.distributed import check_parquet

distributed = pytest.importorskip("distributed")


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
