"""How long ``geo --help`` and ``geo check`` on the demo take from a fresh process.

Issue 20's target: ``geo check`` on the 46-station demo within 0.6 s wall, and
``geo --help`` much faster than the 1.6 s it took when every command module (and
through them pandas, SciPy, the geocoder …) was imported to print the help.

Every case is a fresh process with its bytecode cached (as after ``pip install``),
run ``--repeat`` times in turn (interleaved, so a busy moment of the machine hits
all cases alike); the best wall time and the best CPU time (user + system) of each
are printed. The references, measured in the
same run:

* ``python -c pass`` — the interpreter alone;
* ``python -c "import geopandas, pyproj, scipy.spatial"`` — the reference: what a
  check imports for tables, polygons, projections and the KD-tree;
* two floors below it: ``numpy, shapely, pyproj, scipy.spatial, scipy.sparse.csgraph``
  (what any check computes with: arrays, polygons, projections, the KD-tree, the gap
  regions; no table library at all: what a check of plain tables imports, see
  :mod:`geo.lean`) and the same plus ``pandas`` (what geo's general readers build their
  tables with). A check cannot start faster than the floor it imports; the demo's check
  is also measured on the general path (``GEO_PLAIN_CHECK=0``).

The ratios are to the reference.

    python bench/bench_cli_start.py [--repeat 7] [--src DIR] [--also DIR ...]

``--src DIR`` measures the ``geo`` package found in ``DIR`` instead (e.g. an earlier
commit: ``git archive <commit> geo | tar -x -C DIR``), on this repository's demo.
``--also DIR`` (repeatable) measures the ``geo`` commands of ``DIR`` as well, in the same
run, labelled ``[DIR]``: a before/after comparison under the same load (``DIR`` may also
hold other versions of libraries, e.g. another Typer, found before the installed ones).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _targets import target

ROOT = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).with_name("geo")
GEO = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "geo.cli"]
_DATA = ROOT / "data" / "canglang"
DEMO = [str(_DATA / "stations.csv"), "--demand", str(_DATA / "demand.csv"),
        "--area", str(_DATA / "area.geojson"), "--grids", str(_DATA / "grids.geojson")]
FLOOR = "import geopandas, pyproj, scipy.spatial"
#: What any check computes with, without a table library; and with pandas, which geo's
#: readers build their tables with.
ARRAYS = "import numpy, shapely, pyproj, scipy.spatial, scipy.sparse.csgraph"
TABLES = f"{ARRAYS}, pandas"

#: Case name → command line; geo's cases of another checkout carry their environment in
#: ``EXTRA_ENV``.
CASES: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "floor: numpy shapely pyproj scipy.spatial csgraph": [sys.executable, "-c", ARRAYS],
    "floor + pandas": [sys.executable, "-c", TABLES],
    f'reference: python -c "{FLOOR}"': [sys.executable, "-c", FLOOR],
    "geo --help": [*GEO, "--help"],
    "geo check (demo)": [*GEO, "check", *DEMO],
    "geo check --json (demo)": [*GEO, "check", *DEMO, "--json"],
    "geo check (demo, general path)": [*GEO, "check", *DEMO],
}
REFERENCE = f'reference: python -c "{FLOOR}"'
EXTRA_ENV: dict[str, dict[str, str]] = {
    # the same check on pandas and geopandas tables (geo.api.check), not on arrays
    "geo check (demo, general path)": {"GEO_PLAIN_CHECK": "0"},
}
#: Bytecode is written and read as on an installed machine (``pip install`` compiles
#: site-packages; geo's own modules are compiled on the warm-up run), into a folder of its
#: own so the working tree stays clean, even where ``PYTHONDONTWRITEBYTECODE`` is set.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "geo-bench-pycache")


def run_once(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``args`` in a fresh process.

    Parameters
    ----------
    args
        The command line.
    env
        Variables to set besides :data:`ENV`.

    Returns
    -------
    tuple of float
        Wall seconds and CPU seconds (user + system) of the child.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # run outside the repository: ``python -m`` puts the working folder first on the path
    proc = subprocess.run(args, cwd=tempfile.gettempdir(), capture_output=True, text=True,
                          env={**ENV, **(env or {})})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def use_source(src: Path) -> None:
    """Run ``geo`` from the package in ``src`` (``python -m geo.cli`` with ``src`` first
    on the path).

    Parameters
    ----------
    src
        A folder holding a ``geo`` package.
    """
    ENV["PYTHONPATH"] = str(src.resolve())
    geo = [sys.executable, "-m", "geo.cli"]
    for name, args in CASES.items():
        if name.startswith("geo "):
            CASES[name] = [*geo, *args[len(GEO):]]


def add_source(src: Path) -> None:
    """Measure the ``geo`` commands of ``src`` too, labelled ``[src]``.

    Parameters
    ----------
    src
        A folder holding a ``geo`` package (and possibly other libraries).
    """
    geo = [sys.executable, "-m", "geo.cli"]
    for name, args in list(CASES.items()):
        if name.startswith("geo ") and "[" not in name:
            label = f"{name} [{src}]"
            CASES[label] = [*geo, *args[len(GEO):]]
            EXTRA_ENV[label] = {**EXTRA_ENV.get(name, {}), "PYTHONPATH": str(src.resolve())}


def measure(repeat: int) -> dict[str, tuple[float, float]]:
    """Best wall and best CPU seconds of every case, the cases interleaved.

    Parameters
    ----------
    repeat
        Runs of each case.

    Returns
    -------
    dict
        Case name → (best wall seconds, best CPU seconds).
    """
    best = {name: (float("inf"), float("inf")) for name in CASES}
    for name, args in CASES.items():  # warm the file cache and the bytecode once
        run_once(args, EXTRA_ENV.get(name))
    for _ in range(repeat):
        for name, args in CASES.items():
            wall, cpu = run_once(args, EXTRA_ENV.get(name))
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--src", type=Path, help="a folder with the geo package to measure")
    ap.add_argument("--also", type=Path, action="append", default=[],
                    help="another folder with a geo package, measured in the same run")
    args = ap.parse_args()
    if args.src is not None:
        use_source(args.src)
    for src in args.also:
        add_source(src)
    best = measure(args.repeat)
    ref_wall = best[REFERENCE][0]
    print(f"geo from {args.src or ROOT}; fresh processes, best of {args.repeat}, "
          f"{os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    width = max(58, *(len(name) for name in best))
    print(f"{'case':{width}} {'wall s':>7} {'cpu s':>7} {'wall/ref':>9}")
    for name, (wall, cpu) in best.items():
        print(f"{name:{width}} {wall:7.3f} {cpu:7.3f} {wall / ref_wall:9.2f}")
    check = best["geo check (demo)"][0]
    floor = best["floor: numpy shapely pyproj scipy.spatial csgraph"][0]
    general = best["geo check (demo, general path)"][0]
    print(f"target: geo check (demo) <= 0.6 s wall: {'met' if check <= 0.6 else 'not met'} "
          f"({check:.3f} s; the reference alone {ref_wall:.3f} s, the floor without pandas "
          f"{floor:.3f} s: a check adds {check - floor:.3f} s to it; the general path "
          f"{general:.3f} s)")
    target("geo check on the demo, fresh process", measured=f"{check:.2f} s wall",
           reference=f"import geopandas, pyproj, scipy.spatial {ref_wall:.2f} s; "
           f"numpy shapely pyproj scipy.spatial csgraph {floor:.2f} s",
           ratio=check / ref_wall, goal="<= 0.6 s wall", met=check <= 0.6)


if __name__ == "__main__":
    main()
