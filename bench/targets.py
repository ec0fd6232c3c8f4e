"""Run the benchmarks that check issue 20's targets and print one table of them all.

Each benchmark runs as its own process with the arguments below and prints its full
report (kept in ``--log``); the lines it marks ``TARGET`` (``bench/_targets.py``) are
gathered into one table: what is measured, geo's figure, the reference measured in the
same run, the ratio, the goal and whether it was met. A benchmark that fails or has no
``TARGET`` line is listed as such, never skipped silently.

Usage::

    python bench/targets.py [--only floor,snap,...] [--log bench-targets.log]

The full set takes about 20–30 minutes on 2 cores (pandana's and cityseer's builds on the
city are most of it); ``--only`` runs a part.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from _targets import PREFIX

HERE = Path(__file__).resolve().parent

#: name → the benchmark's command line (after ``python``)
BENCHES: dict[str, list[str]] = {
    "floor": ["bench_floor.py", "--repeat", "3"],
    "cli_start": ["bench_cli_start.py", "--repeat", "10"],
    "snap": ["bench_snap.py", "--repeat", "5"],
    "snap_check": ["bench_snap.py", "--part", "check", "--repeat", "3"],
    "city_network": ["bench_city_network.py", "--repeat", "2", "--timeout", "1200"],
    "whatif": ["bench_whatif.py", "--repeat", "3"],
    "whatif_network": ["bench_whatif.py", "--method", "network", "--repeat", "3"],
    "app_city": ["bench_app_city.py"],
    "app_city_full": ["bench_app_city.py", "--scale", "1"],
    "siting_city": ["bench_siting.py", "--part", "city"],
}


def run(name: str, log) -> tuple[list[dict], str]:
    """Run one benchmark; its ``TARGET`` lines and a status (``ok`` or what went wrong)."""
    cmd = [sys.executable, str(HERE / BENCHES[name][0]), *BENCHES[name][1:]]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, check=False)
    seconds = time.perf_counter() - t0
    log.write(f"$ {' '.join(cmd)}  # exit {out.returncode}, {seconds:.0f} s\n{out.stdout}\n"
              f"{out.stderr}\n")
    log.flush()
    rows = [json.loads(line[len(PREFIX):]) for line in out.stdout.splitlines()
            if line.startswith(PREFIX)]
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        return rows, f"exit {out.returncode}: {tail}"
    return rows, "ok" if rows else "no TARGET line"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated names: " + ", ".join(BENCHES))
    ap.add_argument("--log", type=Path, default=Path("bench-targets.log"),
                    help="where every benchmark's full output goes")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M')}")
    rows: list[dict] = []
    problems: list[str] = []
    with args.log.open("w", encoding="utf-8") as log:
        for name in names:
            got, status = run(name, log)
            print(f"  {name}: {status}, {len(got)} target(s)", flush=True)
            rows += got
            if status != "ok":
                problems.append(f"{name}: {status}")
    print()
    print("| target | geo | reference (same run) | ratio | goal | met |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:g}"
        print(f"| {r['name']} | {r['measured']} | {r['reference']} | {ratio} | {r['goal']} | "
              f"{'yes' if r['met'] else '**no**'} |")
    met = sum(r["met"] for r in rows)
    print(f"\n{met} of {len(rows)} targets met; full output in {args.log}")
    for p in problems:
        print(f"problem: {p}")
    return 0 if rows and met == len(rows) and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
