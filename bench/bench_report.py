"""How long ``geo report`` takes on the demos, against ``geo check --json`` in the same run.

Each case is a fresh ``geo`` process (imports counted, as a user meets it),
best of ``--repeat``. The reference is ``geo check --json`` on the same inputs:
the ratio says what the pack adds to the analysis. Target (issue 8): the demo's
pack "offline in seconds".

    python bench/bench_report.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEO = [sys.executable, "-m", "geo.cli"]
CANGLANG = ["data/canglang/stations.csv", "data/canglang/charging_piles.csv",
            "--demand", "data/canglang/demand.csv", "--area", "data/canglang/area.geojson",
            "--grids", "data/canglang/grids.geojson"]
HELSINKI = ["data/helsinki/stations.csv", "--demand", "data/helsinki/demand.csv",
            "--area", "data/helsinki/area.geojson", "--method", "network",
            "--network", "helsinki"]


def timed(args: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr}")
        best = min(best, took)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    browser = shutil.which("chromium") or Path("/usr/bin/chromium").exists()
    print(f"geo report, best of {args.repeat}, fresh process each (chromium: "
          f"{'yes' if browser else 'no'})")
    print(f"{'demo':10} {'map.png':8} {'check --json':>13} {'report':>8} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, inputs in (("canglang", CANGLANG), ("helsinki", HELSINKI)):
            ref = timed([*GEO, "check", *inputs, "--json"], args.repeat)
            for how in ("static", "browser") if browser else ("static",):
                out = str(Path(tmp) / f"{name}-{how}.zip")
                took = timed([*GEO, "report", *inputs, "-o", out, "--map-png", how],
                             args.repeat)
                print(f"{name:10} {how:8} {ref:12.2f}s {took:7.2f}s {took / ref:6.2f}")


if __name__ == "__main__":
    main()
