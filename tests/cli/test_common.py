"""The cluster options every analysis command shares (``--engine dask``, ``--partitions``).

With ``--engine dask`` (a LocalCluster) ``geo check`` prints the local JSON, and reads and
writes a GeoParquet demand by partition; options a command would ignore are refused.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _helpers.cli import DEMO, INPUTS, STATIONS, _json
from typer.testing import CliRunner

import geo
from geo.cli import app

pytest.importorskip("distributed")


def test_check_on_dask_prints_the_local_json() -> None:
    local = _json(["check", *STATIONS, *INPUTS, "--json", "--mode", "bike", "--minutes", "5"])
    dask = _json(["check", *STATIONS, *INPUTS, "--json", "--mode", "bike", "--minutes", "5",
                  "--engine", "dask", "--partitions", "3"])
    assert dask == local
    assert 0 < local["coverage"] < 1  # a case with gaps, so equality means something


def test_cluster_options_need_the_dask_engine() -> None:
    res = CliRunner().invoke(app, ["check", *STATIONS, "--partitions", "4"])
    assert res.exit_code == 2 and "need --engine dask" in res.output


def test_geoparquet_demand_is_read_and_written_by_partition(tmp_path) -> None:
    demand = geo.read_demand(DEMO / "demand.csv")
    path = tmp_path / "demand"  # a folder of GeoParquet parts, as a large demand is kept
    path.mkdir()
    for i, start in enumerate(range(0, len(demand), 80)):
        demand[["id", "weight", "geometry"]].iloc[start:start + 80].to_parquet(
            path / f"part{i}.parquet")
    local = _json(["check", *STATIONS, "--demand", str(DEMO / "demand.csv"), "--json"])
    out = tmp_path / "points"
    by_part = _json(["check", *STATIONS, "--demand", str(path), "--json", "--engine", "dask",
                     "--points-out", str(out)])
    for key in ("coverage", "total_demand", "covered_demand", "stations_used", "gaps"):
        assert by_part[key] == local[key], key
    parts = sorted(out.glob("*.parquet"))
    assert len(parts) == 3  # one per input part, each written by a worker
    points = pd.concat([pd.read_parquet(p) for p in parts])
    assert len(points) == len(demand)
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary name left behind


def test_cluster_options_a_command_would_ignore_are_refused(tmp_path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["site", *STATIONS, "--from-gaps", "--add", "1", "--engine", "dask"])
    assert res.exit_code == 2 and "geo site runs in this process" in res.output
    table = tmp_path / "scenarios.csv"
    table.write_text("minutes\n10\n", encoding="utf-8")
    res = runner.invoke(app, ["sweep", *STATIONS, "--scenarios", str(table), "--engine", "dask",
                              "--partitions", "4"])
    assert res.exit_code == 2 and "one task per scenario" in res.output
    parquet = tmp_path / "d.parquet"
    geo.read_demand(DEMO / "demand.csv")[["id", "weight", "geometry"]].to_parquet(parquet)
    res = runner.invoke(app, ["check", *STATIONS, "--demand", str(parquet), "--engine", "dask",
                              "--partitions", "4"])
    assert res.exit_code == 2 and "partitioned by its parts" in res.output
