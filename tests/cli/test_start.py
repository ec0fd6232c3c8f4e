"""What ``geo check`` imports: only what the command uses (issue 20, a fast start).

Each test runs the command line in a fresh interpreter, as the console script does, and
lists the modules loaded by its end. A module named here that a check does not use must
stay out of that list, so a top-level import that pulls it in again fails this test
rather than slowly adding to every command's start (``bench/bench_cli_start.py`` prints
the seconds).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import ROOT

DEMO = ROOT / "data" / "canglang"
CSV_ONLY = [str(DEMO / "stations.csv"), "--demand", str(DEMO / "demand.csv")]
FULL = [*CSV_ONLY, "--area", str(DEMO / "area.geojson"), "--grids", str(DEMO / "grids.geojson")]

#: Runs ``geo.cli.main`` with the given arguments, then writes the loaded modules to a file.
_PROBE = """
import json, sys
out, sys.argv = sys.argv[1], ["geo", *sys.argv[2:]]
try:
    from geo.cli import main
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(out, "w", encoding="utf-8") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""

#: Loaded by other commands or other methods, never by a straight-line check.
NOT_FOR_CHECK = [
    "geo.network",  # --method network
    "geo.geocode.providers",  # the error handler's key redaction, on an error only
    "geo.geocode.cache",
    "geo.maps",
    "geo.report",
    "geo.siting",
    "geo.scenario",
    "geo.distributed",
    "folium",
    "matplotlib",
    "streamlit",
    "networkx",
    "osmnx",
    "pyrosm",
    "h3",  # hexagonal cells only
    "openpyxl",  # XLSX only
    "tqdm",  # progress bars on a terminal only
    "dask",
    "sqlite3",
]


#: Never loaded by a straight-line check of plain tables (:mod:`geo.lean`).
NOT_FOR_PLAIN = [
    *NOT_FOR_CHECK,
    "pandas",
    "geopandas",
    "pyogrio",
    "pydantic",  # Typer 0.29 loads it at every start
    "geo.coverage",
    "geo.io.points",
    "geo.io.raw",
]


def loaded(tmp_path: Path, *args: str, general: bool = False) -> tuple[int, set[str], str]:
    """Run ``geo ARGS`` in a fresh interpreter; its exit code, loaded modules and stdout
    (``general``: the general path even for plain inputs, ``GEO_PLAIN_CHECK=0``)."""
    out = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**_env(), "PYTHONPATH": str(ROOT), "GEO_PLAIN_CHECK": "0" if general else "1"},
    )
    assert out.exists(), proc.stderr
    found = json.loads(out.read_text(encoding="utf-8"))
    return found["code"], set(found["modules"]), proc.stdout


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_demo_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    code, modules, stdout = loaded(tmp_path, "check", *FULL, "--json")
    assert code == 0
    assert json.loads(stdout)["total_demand"] > 0
    # the probe sees the analysis it ran (else an empty list would pass anything)
    assert {"geo.lean", "geo.reach", "shapely", "pyproj"} <= modules
    assert sorted(m for m in NOT_FOR_PLAIN if m in modules) == []


def test_general_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    code, modules, _ = loaded(tmp_path, "check", *FULL, "--json", general=True)
    assert code == 0
    assert {"geo.coverage", "geo.reach", "pandas", "shapely", "pyproj"} <= modules
    assert sorted(m for m in NOT_FOR_CHECK if m in modules) == []


@pytest.mark.parametrize("args", [
    [*FULL, "--json"], [*CSV_ONLY, "--json", "--minutes", "10"], FULL,
    [*FULL, "--min-coverage", "0.8"],
])
def test_plain_and_general_paths_print_the_same(tmp_path: Path, args: list[str]) -> None:
    """The same output and exit status, whether the check ran on arrays or on tables."""
    code, modules, stdout = loaded(tmp_path, "check", *args)
    code_g, modules_g, stdout_g = loaded(tmp_path, "check", *args, general=True)
    assert "geo.lean.check" in modules and "geo.coverage" not in modules
    assert "geo.coverage" in modules_g
    assert (code, stdout) == (code_g, stdout_g)
    assert code == (1 if "--min-coverage" in args else 0)


@pytest.mark.skipif(not Path("/proc/meminfo").exists(), reason="psutil is the fallback there")
def test_memory_budget_reads_the_system_without_psutil(tmp_path: Path) -> None:
    code, modules, _ = loaded(tmp_path, "check", *CSV_ONLY, "--json")
    assert code == 0
    assert "geo.budget" in modules
    assert "psutil" not in modules


def test_csv_check_loads_no_gdal(tmp_path: Path) -> None:
    """Tables in CSV need no GDAL (pyogrio): it reads GeoJSON, GeoPackage, shapefiles."""
    code, modules, _ = loaded(tmp_path, "check", *CSV_ONLY, "--json", general=True)
    assert code == 0
    assert "geo.io.raw" in modules  # the files were read, without pyogrio
    assert "pyogrio" not in modules


def test_points_out_still_writes_geodata(tmp_path: Path) -> None:
    """pyogrio is loaded when a GeoJSON is written (the lazy import still works)."""
    target = tmp_path / "points.geojson"
    code, modules, _ = loaded(tmp_path, "check", *CSV_ONLY, "--points-out", str(target))
    assert code == 0
    assert "pyogrio" in modules
    assert json.loads(target.read_text(encoding="utf-8"))["features"]


def test_error_message_still_redacts_keys(tmp_path: Path) -> None:
    """The redaction the error handler imports on an error only still removes a key."""
    secret = "k3y-0123456789abcdef"
    missing = tmp_path / f"stations-{secret}.csv"
    out = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), "check", str(missing)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**_env(), "PYTHONPATH": str(ROOT), "AMAP_KEY": secret},
    )
    assert json.loads(out.read_text(encoding="utf-8"))["code"] == 2
    assert "file not found" in proc.stderr
    assert secret not in proc.stderr
    assert "***" in proc.stderr
