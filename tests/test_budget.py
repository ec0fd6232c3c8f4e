"""geo.budget: memory is estimated before a step builds anything, and refused beyond the budget.

The case of issue 14: a 144 km² area at the app's smallest cell (10 m) drove the app
process to 10.8 GB. Now it is refused at once, with the estimate and a cell that fits.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

import geo
from geo import budget
from geo.cli import app
from geo.maps import map_html

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "canglang"
#: About 144 km² around Suzhou's old town.
CITY = shapely.box(120.50, 31.20, 120.626, 31.31)


@pytest.mark.parametrize(("text", "n"), [("512MB", 512 * 2**20), ("2 GB", 2 * 2**30),
                                          ("1.5g", int(1.5 * 2**30)), ("800000", 800000),
                                          ("64KiB", 64 * 2**10)])
def test_parse_bytes(text: str, n: int) -> None:
    assert budget.parse_bytes(text) == n


@pytest.mark.parametrize("text", ["", "abc", "-1GB", "0", "12 parsecs"])
def test_parse_bytes_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="size"):
        budget.parse_bytes(text)


def test_a_city_at_ten_metres_is_refused_at_once_with_a_cell_that_fits() -> None:
    stations = geo.read_stations(DEMO / "stations.csv")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with budget.limit("512MB"), pytest.raises(budget.BudgetError) as err:
        geo.analyze(stations, area=CITY, cell_m=10)
    message = str(err.value)
    assert "10 m" in message and "512.0 MB" in message and "GB" in message
    fits = float(message.split("larger --cell (")[1].split(" m")[0])
    # nothing was built: the process did not grow by anything like the estimate
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024 < 100 * 2**20
    # the suggested cell does fit, and is analysed
    with budget.limit("512MB"):
        result = geo.analyze(stations, area=CITY, cell_m=fits)
    assert len(result.points) * budget.BYTES_PER_CELL <= 512 * 2**20
    assert isinstance(err.value, geo.InputError) and isinstance(err.value, MemoryError)


def test_the_estimate_is_an_upper_bound_of_what_the_analysis_takes(tmp_path: Path) -> None:
    """Measured in a fresh process: peak memory of analysing n cells vs the estimate."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import resource, sys, shapely, geo\n"
        "st = geo.read_stations(sys.argv[1])\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "r = geo.analyze(st, area=shapely.box(120.55, 31.25, 120.62, 31.31), cell_m=20)\n"
        "r.summary()\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(len(r.points), (peak - base) * 1024)\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), str(DEMO / "stations.csv")],
                         capture_output=True, text=True, check=True).stdout.split()
    cells, used = int(out[0]), int(out[1])
    assert cells > 50_000
    assert used <= cells * budget.BYTES_PER_CELL


def test_the_cli_refuses_and_takes_a_larger_budget() -> None:
    args = ["check", str(DEMO / "stations.csv"), "--area", str(DEMO / "area.geojson"),
            "--cell", "5", "--json"]
    res = CliRunner().invoke(app, [*args, "--max-memory", "100MB"])
    assert res.exit_code == 2 and "100.0 MB" in res.stderr and "--cell" in res.stderr
    assert res.stdout == ""
    res = CliRunner().invoke(app, [*args, "--max-memory", "8GB"])
    assert res.exit_code == 0, res.stderr
    res = CliRunner().invoke(app, [*args, "--max-memory", "lots"])
    assert res.exit_code == 2 and "--max-memory" in res.stderr


def test_a_file_too_large_for_the_budget_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "demand.csv"
    n = 200_000
    pd.DataFrame({"lon": np.full(n, 120.6), "lat": np.full(n, 31.3)}).to_csv(path, index=False)
    with budget.limit("10MB"), pytest.raises(budget.BudgetError) as err:
        geo.read_demand(path)
    assert str(path) in str(err.value)
    assert len(geo.read_demand(path)) == n  # within the default budget it reads


def test_a_wide_xlsx_is_refused_by_its_size_not_read(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["经度", "纬度", *[f"c{i}" for i in range(2000)]])
    for _ in range(200):
        ws.append([120.6, 31.3, *range(2000)])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    with budget.limit("20MB"), pytest.raises(budget.BudgetError, match="reading this file"):
        geo.read_stations(path)


def test_a_map_of_a_million_cells_stays_small() -> None:
    stations = geo.read_stations(DEMO / "stations.csv")
    result = geo.analyze(stations, area=shapely.box(120.55, 31.25, 120.62, 31.31), cell_m=20)
    assert len(result.points) > 40_000
    html = map_html(result)
    from geo.maps.layers import DEMAND_CELL_LIMIT

    assert html.count('"t":"需求') <= DEMAND_CELL_LIMIT
    assert len(html) < 15e6
    # the demand drawn still adds up to all of it
    import re

    weights = [float(w.replace(",", "")) for w in re.findall(r'"t":"需求[^·]*· ([\d,.]+) ·', html)]
    assert sum(weights) == pytest.approx(result.total_demand, rel=1e-3)


def test_a_siting_reach_matrix_beyond_the_budget_is_refused() -> None:
    from geo.reach import euclidean_reach
    from geo.settings import Settings

    rng = np.random.default_rng(0)
    px, py = rng.random(50_000) * 2000, rng.random(50_000) * 2000
    cx, cy = rng.random(2_000) * 2000, rng.random(2_000) * 2000
    with budget.limit("64MB"), pytest.raises(budget.BudgetError, match="reach matrix"):
        euclidean_reach(cx, cy, px, py, Settings())
