"""Benchmark: `geo check` on 1,000,000 demand points and 2,000 stations.

Prints wall time and peak memory of

* ours: ``geo check STATIONS --demand DEMAND --json --points-out OUT`` (the real CLI
  path: read + validate + project + KD-tree + gaps + summary + write), and
* a bare reference: ``pd.read_csv`` + projection + ``cKDTree.query`` + ``to_csv``,

each in a fresh Python process, measured in the same run, and their ratio.
The issue's targets: ratio ≤ 2.5, peak memory under 2 GB.

Usage: ``python bench/bench_check.py [--points 1000000] [--stations 2000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

# A region the size of Suzhou's urban core (about 40 km × 40 km) around 120.6°E, 31.3°N.
BOX = (120.40, 31.12, 120.82, 31.48)

REFERENCE = textwrap.dedent(
    """
    import resource, sys, time
    t0 = time.perf_counter()
    import numpy as np, pandas as pd
    from pyproj import Transformer
    from scipy.spatial import cKDTree
    t1 = time.perf_counter()
    st = pd.read_csv(sys.argv[1])
    dm = pd.read_csv(sys.argv[2])
    tr = Transformer.from_crs(4326, 32651, always_xy=True)
    sx, sy = tr.transform(st["lon"].to_numpy(), st["lat"].to_numpy())
    dx, dy = tr.transform(dm["lon"].to_numpy(), dm["lat"].to_numpy())
    d, i = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([dx, dy]))
    minutes = d * 1.3 / 80.0
    out = pd.DataFrame({"id": dm["id"], "lon": dm["lon"], "lat": dm["lat"],
                        "weight": dm["weight"], "minutes": minutes.round(3),
                        "nearest": st["id"].to_numpy()[i],
                        "covered": np.where(minutes <= 15, "true", "false")})
    out.to_csv(sys.argv[3], index=False)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{t1 - t0:.3f} {t2 - t1:.3f} {peak:.1f}")
    """
)

OURS = textwrap.dedent(
    """
    import resource, sys, time, io, contextlib, json
    t0 = time.perf_counter()
    from geo.cli import app
    t1 = time.perf_counter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            app(["check", sys.argv[1], "--demand", sys.argv[2], "--json",
                 "--points-out", sys.argv[3]], standalone_mode=False)
        except SystemExit:
            pass
    t2 = time.perf_counter()
    summary = json.loads(buf.getvalue())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{t1 - t0:.3f} {t2 - t1:.3f} {peak:.1f} {summary['coverage']} {len(summary['gaps'])}")
    """
)


def make_data(folder: Path, n_points: int, n_stations: int, seed: int = 7) -> tuple[Path, Path]:
    """Clustered demand (as in a real city) and stations placed near demand."""
    rng = np.random.default_rng(seed)
    n_centres = 400
    c_lon = rng.uniform(BOX[0], BOX[2], n_centres)
    c_lat = rng.uniform(BOX[1], BOX[3], n_centres)
    which = rng.integers(0, n_centres, n_points)
    spread = 0.01  # about 1 km
    lon = np.clip(c_lon[which] + rng.normal(0, spread, n_points), BOX[0], BOX[2])
    lat = np.clip(c_lat[which] + rng.normal(0, spread, n_points), BOX[1], BOX[3])
    demand = pd.DataFrame(
        {
            "id": np.char.add("D", np.arange(n_points).astype(str)),
            "lon": lon.round(6),
            "lat": lat.round(6),
            "weight": rng.integers(1, 10, n_points),
        }
    )
    pick = rng.integers(0, n_points, n_stations)
    stations = pd.DataFrame(
        {
            "id": np.char.add("S", np.arange(n_stations).astype(str)),
            "name": [f"站点{i}" for i in range(n_stations)],
            "lon": (lon[pick] + rng.normal(0, 0.003, n_stations)).round(6),
            "lat": (lat[pick] + rng.normal(0, 0.003, n_stations)).round(6),
        }
    )
    s_path, d_path = folder / "stations.csv", folder / "demand.csv"
    stations.to_csv(s_path, index=False)
    demand.to_csv(d_path, index=False)
    return s_path, d_path


def run(script: str, *args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], check=True, capture_output=True, text=True
    )
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        s_path, d_path = make_data(folder, args.points, args.stations)
        ref_t, ours_t, ref_mem, ours_mem, ours_imp = [], [], [], [], []
        info = None
        for _ in range(args.repeat):
            r = run(REFERENCE, str(s_path), str(d_path), str(folder / "ref.csv"))
            o = run(OURS, str(s_path), str(d_path), str(folder / "ours.csv"))
            ref_t.append(float(r[1]))
            ref_mem.append(float(r[2]))
            ours_imp.append(float(o[0]))
            ours_t.append(float(o[1]))
            ours_mem.append(float(o[2]))
            info = o[3:]
        ref_best, ours_best = min(ref_t), min(ours_t)
        figures = {
            "points": args.points,
            "stations": args.stations,
            "reference_s": round(ref_best, 2),
            "geo_check_s": round(ours_best, 2),
            "ratio": round(ours_best / ref_best, 2),
            "geo_import_s": round(min(ours_imp), 2),
            "reference_peak_mb": round(max(ref_mem)),
            "geo_check_peak_mb": round(max(ours_mem)),
            "coverage": float(info[0]) if info else None,
            "gaps": int(info[1]) if info else None,
        }
        print(
            f"geo check, {args.points:,} demand points x {args.stations:,} stations "
            f"(best of {args.repeat}):\n"
            f"  reference (read_csv + project + cKDTree + to_csv): {ref_best:6.2f} s, "
            f"peak {max(ref_mem):,.0f} MB\n"
            f"  geo check --json --points-out:                    {ours_best:6.2f} s, "
            f"peak {max(ours_mem):,.0f} MB (+{min(ours_imp):.2f} s imports)\n"
            f"  ratio: {ours_best / ref_best:.2f} (target ≤ 2.5); peak memory target < 2048 MB"
        )
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
