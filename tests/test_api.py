"""geo.api: the engine and the out-of-core path are chosen by the library, not its front ends."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import geo
from geo import api
from geo.coverage import KernelInput, KernelOutput, local_kernel
from geo.errors import SettingsError

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "canglang"
ARGS = {"demand": DEMO / "demand.csv", "grids": DEMO / "grids.geojson"}


def test_kernel_for_names_the_engines() -> None:
    assert api.kernel_for("local") is local_kernel
    mine = lambda job: local_kernel(job)  # noqa: E731
    assert api.kernel_for(mine) is mine
    with pytest.raises(SettingsError, match="unknown engine 'gpu'"):
        api.kernel_for("gpu")
    with pytest.raises(SettingsError, match="dask"):
        api.kernel_for("local", partitions=4)


def test_analyze_runs_the_kernel_it_is_given() -> None:
    calls: list[int] = []

    def spy(job: KernelInput) -> KernelOutput:
        calls.append(job.x.size)
        return local_kernel(job)

    mine = geo.analyze(DEMO / "stations.csv", engine=spy, **ARGS)
    plain = geo.analyze(DEMO / "stations.csv", **ARGS)
    assert calls == [len(plain.points)]
    assert mine.summary() == plain.summary()


@pytest.mark.parametrize(
    ("engine", "demand", "expected"),
    [("dask", "demand.parquet", True), ("dask", "parts", True), ("local", "demand.parquet", False),
     ("dask", "demand.csv", False)],
)
def test_out_of_core_only_for_dask_and_geoparquet(
    tmp_path: Path, engine: str, demand: str, expected: bool
) -> None:
    (tmp_path / "parts").mkdir()
    assert api.is_out_of_core(engine, tmp_path / demand) is expected


def test_check_writes_the_points_table(tmp_path: Path) -> None:
    out = tmp_path / "points.csv"
    result = geo.check(DEMO / "stations.csv", points_out=out, **ARGS)
    written = pd.read_csv(out, encoding="utf-8-sig", dtype={"covered": str})
    assert len(written) == len(result.points)
    assert written["id"].tolist() == result.points["id"].tolist()
    assert written["covered"].str.lower().tolist() == result.points_table()["covered"].tolist()


def test_check_refuses_partitions_for_a_geoparquet_demand(tmp_path: Path) -> None:
    parquet = tmp_path / "d.parquet"
    geo.read_demand(DEMO / "demand.csv")[["id", "weight", "geometry"]].to_parquet(parquet)
    with pytest.raises(SettingsError, match="partitioned by its parts"):
        geo.check(DEMO / "stations.csv", demand=parquet, engine="dask", partitions=3)


def test_local_sweep_is_one_analysis_per_row() -> None:
    per_scenario, per_grid = api.sweep(DEMO / "stations.csv", [{"minutes": 10}, {"mode": "ebike"}],
                                       **ARGS)
    ten = geo.analyze(DEMO / "stations.csv", minutes=10, **ARGS)
    ebike = geo.analyze(DEMO / "stations.csv", mode="ebike", **ARGS)
    assert per_scenario["coverage"].tolist() == [ten.coverage, ebike.coverage]
    assert per_grid["scenario"].nunique() == 2
    with pytest.raises(SettingsError, match="unknown engine"):
        api.sweep(DEMO / "stations.csv", [{"minutes": 10}], engine="spark", **ARGS)
