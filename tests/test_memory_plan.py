"""Memory is planned, not discovered (issue 19): the cases that were killed at 3–8 GB are
refused at once with the estimate and an option that fits, or planned small.

Nothing here allocates the memory it talks about: each refusal comes before the grid is
made, and the test checks the process did not grow.
"""

from __future__ import annotations

import math
import re
import resource

import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

import geo
from geo import budget
from geo.cli import app
from geo.errors import InputError

#: A province-sized box (~314,000 km²) and about 144 km² of Suzhou.
PROVINCE = shapely.box(115.0, 28.0, 120.9, 33.0)
CITY = shapely.box(120.55, 31.25, 120.55 + 12 / (111.32 * math.cos(math.radians(31.3))),
                   31.25 + 12 / 111.32)
SUZHOU = pd.DataFrame({"id": ["A", "B", "C"], "lon": [120.60, 120.62, 120.61],
                       "lat": [31.30, 31.29, 31.31]})


def _grown_mb(before: int) -> float:
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def _area_file(tmp_path, geom, name):
    import geopandas as gpd

    path = tmp_path / f"{name}.geojson"
    gpd.GeoDataFrame({"name": [name]}, geometry=[geom], crs=4326).to_file(path)
    return path


def _stations_file(tmp_path, df=SUZHOU):
    path = tmp_path / "stations.csv"
    df.to_csv(path, index=False)
    return path


def test_a_province_at_130_m_is_refused_with_the_estimate_and_a_cell_that_fits(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = CliRunner().invoke(app, ["check", str(_stations_file(tmp_path)), "--area",
                                   str(_area_file(tmp_path, PROVINCE, "province")),
                                   "--cell", "130", "--max-memory", "8GB"])
    assert run.exit_code == 2, run.output
    message = run.output
    assert "18,5" in message and "cells" in message  # 18.5 million cells counted
    assert "34.6 GB" in message and "8.0 GB allowed" in message
    fits = float(message.split("larger --cell (")[1].split(" m")[0])
    assert 130 < fits <= 300  # 130 m × sqrt(34.6 / 8), rounded up to 10 m
    assert "Traceback" not in message and _grown_mb(before) < 200


def test_the_suggested_cell_fits_the_budget():
    with budget.limit("8GB"), pytest.raises(budget.BudgetError) as info:
        geo.analyze(geo.read_stations(SUZHOU), area=PROVINCE, cell_m=130)
    fits = float(str(info.value).split("larger --cell (")[1].split(" m")[0])
    area_m2 = float(str(info.value).split("(")[1].split(" km²")[0].replace(",", "")) * 1e6
    assert area_m2 / fits**2 * budget.BYTES_PER_CELL <= 8 * 2**30


def test_a_map_of_144_km2_at_10_m_is_refused_under_a_2_gb_cap(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = CliRunner().invoke(app, ["map", str(_stations_file(tmp_path)), "--area",
                                   str(_area_file(tmp_path, CITY, "city")), "--cell", "10",
                                   "--max-memory", "2GB", "-o", str(tmp_path / "m.html")])
    assert run.exit_code == 2, run.output
    assert re.search(r"1,4\d\d,\d{3} cells", run.output)  # 1.44 million cells of 10 m
    assert "2.0 GB allowed" in run.output and "larger --cell (" in run.output
    assert not (tmp_path / "m.html").exists() and _grown_mb(before) < 200


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_stations_near_a_pole_without_demand_make_no_giant_grid(shape):
    far = pd.concat([SUZHOU, pd.DataFrame({"id": ["P"], "lon": [0.0], "lat": [89.9]})])
    with budget.limit("256MB"):
        result = geo.analyze(geo.read_stations(far), cell_m=100, cell_shape=shape)
    assert result.summary()["total_cells"] < 100_000
    assert any("km from the study" in w.reason for w in result.warnings)


def test_hexagons_over_a_pole_are_refused_clearly(tmp_path):
    """Every station near the pole: the study is there. H3 fails on it (exit 3 before)."""
    pole = pd.DataFrame({"id": ["A", "B", "C"], "lon": [0.0, 120.0, -120.0],
                         "lat": [89.9, 89.9, 89.9]})
    with pytest.raises(InputError, match=r"near a pole.*--cell-shape square"):
        geo.analyze(geo.read_stations(pole), cell_shape="hex")
    run = CliRunner().invoke(app, ["check", str(_stations_file(tmp_path, pole)),
                                   "--cell-shape", "hex"])
    assert run.exit_code == 2 and "near a pole" in run.output, run.output


def test_the_default_budget_follows_what_the_machine_has_available(monkeypatch):
    monkeypatch.delenv("GEO_MAX_MEMORY", raising=False)
    monkeypatch.setattr(budget, "available_bytes", lambda: 2 * 2**30)
    monkeypatch.setattr(budget, "_machine_bytes", lambda: 64 * 2**30)
    assert budget.default_bytes() == int(0.8 * 2 * 2**30)
    with pytest.raises(budget.BudgetError, match=r"1\.6 GB allowed \(80 % of the 2\.0 GB this "
                       r"machine has available now\)"):
        geo.analyze(geo.read_stations(SUZHOU), area=CITY, cell_m=10)
    monkeypatch.setattr(budget, "available_bytes", lambda: 40 * 2**30)
    assert budget.default_bytes() == 8 * 2**30  # the ceiling
    monkeypatch.setattr(budget, "available_bytes", lambda: None)
    assert budget.default_bytes() == 8 * 2**30
    monkeypatch.setattr(budget, "available_bytes", lambda: 10 * 2**20)
    assert budget.default_bytes() == 256 * 2**20  # a floor: small jobs still run


def test_available_bytes_reads_this_machine():
    free = budget.available_bytes()
    assert free is None or 0 < free < 2**50


def test_the_map_under_a_process_limit_is_refused_not_killed(tmp_path):
    """`ulimit -v 3000000` (3 GB of address space): the default budget is what the process
    may still take under it, so the 144 km² map at 10 m is refused with exit 2 before it
    builds anything (it was exit 3, an unexpected MemoryError); the refusal does not tell
    to look for a far station when the area was given."""
    import subprocess
    import sys

    stations = _stations_file(tmp_path)
    area = _area_file(tmp_path, CITY, "city")
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, "
            "3 * 2**30)); from geo.cli import main; sys.argv = ['geo'] + sys.argv[1:]; main()")
    env = {k: v for k, v in __import__("os").environ.items() if k != "GEO_MAX_MEMORY"}
    proc = subprocess.run(
        [sys.executable, "-c", code, "map", str(stations), "--area", str(area), "--cell", "10",
         "-o", str(tmp_path / "m.html")],
        capture_output=True, text=True, timeout=300, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "this process may still take under its limit" in proc.stderr
    assert "Without --area" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "m.html").exists()


def test_process_room_reads_the_address_space_limit(monkeypatch):
    import resource

    monkeypatch.setattr(resource, "getrlimit", lambda what: (6 * 2**30, resource.RLIM_INFINITY)
                        if what == resource.RLIMIT_AS else (resource.RLIM_INFINITY,) * 2)
    monkeypatch.setattr(budget, "_status_kb", lambda key: 2 * 2**30)
    monkeypatch.setattr(budget, "_read_int", lambda path: None)
    assert budget.process_room() == 4 * 2**30
    monkeypatch.setattr(budget, "available_bytes", lambda: 40 * 2**30)
    monkeypatch.delenv("GEO_MAX_MEMORY", raising=False)
    assert budget.default_bytes() == int(0.8 * 4 * 2**30)
    # a container's limit (cgroup v2) counts the same way
    monkeypatch.setattr(resource, "getrlimit", lambda what: (resource.RLIM_INFINITY,) * 2)
    files = {"/sys/fs/cgroup/memory.max": 3 * 2**30, "/sys/fs/cgroup/memory.current": 2**30}
    monkeypatch.setattr(budget, "_read_int", files.get)
    assert budget.process_room() == 2 * 2**30


def test_running_out_of_memory_past_the_plan_is_exit_2(tmp_path, monkeypatch):
    """A --max-memory above what the machine gives ends in MemoryError: a message that
    says what to change, exit 2, not 'unexpected MemoryError' (exit 3)."""
    import geo.api

    def boom(*args, **kwargs):
        raise MemoryError("Unable to allocate 34.4 GiB")

    monkeypatch.setattr(geo.api, "analyze", boom)
    run = CliRunner().invoke(app, ["check", str(_stations_file(tmp_path)), "--max-memory",
                                   "40GB"])
    assert run.exit_code == 2, run.output
    assert "ran out of memory" in run.output and "--engine dask" in run.output
    assert "unexpected" not in run.output
