"""Benchmark (issue 20): the straight-line check at city scale against its floor.

1,000,000 demand points × 2,000 stations (the data of ``bench/bench_check.py``), each
contender in a fresh Python process, all in the same run:

* **floor**: ``pyarrow.csv.read_csv`` of both files + projection to UTM 51N + one
  ``cKDTree.query`` (no validation, no output);
* **geopandas**: ``pandas.read_csv`` + ``points_from_xy`` + ``to_crs`` + each station
  buffered by the reach (``quad_segs=16``: a 64-gon) + ``union_all`` + ``sjoin``;
* **geo**: ``geo check STATIONS --demand DEMAND --json`` (plain CSV files: the check on
  arrays of :mod:`geo.lean`, no pandas), the same on the general path
  (``GEO_PLAIN_CHECK=0``: pandas and geopandas tables), and the same with
  ``--points-out`` (as ``bench/bench_check.py`` runs it), through the real command line.

Prints each one's wall time (process start to exit, the interpreter's start included),
the ratios the issue sets as targets (geo ≤ 1.5 × floor; geo at least 2 × faster than
the geopandas script), the points the geopandas script gets wrong (its 64-gon sits
inside the circle, so points between 922 and 923 m from their nearest station are
missed), and geo's time split (imports / read + validate / analysis / output), taken in
a further fresh process with timers around :func:`geo.inputs.load_inputs` and
:func:`geo.api.analyze`.

Usage: ``python bench/bench_floor.py [--points 1000000] [--stations 2000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from _targets import target

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import make_data

#: Walking 15 minutes at 4.8 km/h with circuity 1.3: the straight-line reach in metres.
REACH_M = 15 * 4800 / 60 / 1.3

FLOOR = textwrap.dedent(
    """
    import sys, time
    t0 = time.perf_counter()
    import numpy as np
    import pyarrow.csv as pv
    from pyproj import Transformer
    from scipy.spatial import cKDTree
    t1 = time.perf_counter()
    st = pv.read_csv(sys.argv[1])
    dm = pv.read_csv(sys.argv[2])
    tr = Transformer.from_crs(4326, 32651, always_xy=True)
    sx, sy = tr.transform(st["lon"].to_numpy(), st["lat"].to_numpy())
    dx, dy = tr.transform(dm["lon"].to_numpy(), dm["lat"].to_numpy())
    d, i = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([dx, dy]))
    t2 = time.perf_counter()
    np.save(sys.argv[3], d)
    print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
    """
)

GEOPANDAS = textwrap.dedent(
    """
    import sys, time
    t0 = time.perf_counter()
    import numpy as np, pandas as pd, geopandas as gpd
    t1 = time.perf_counter()
    reach = float(sys.argv[4])
    st = pd.read_csv(sys.argv[1])
    dm = pd.read_csv(sys.argv[2])
    stations = gpd.GeoDataFrame(st, geometry=gpd.points_from_xy(st["lon"], st["lat"]),
                                crs=4326).to_crs(32651)
    demand = gpd.GeoDataFrame(dm, geometry=gpd.points_from_xy(dm["lon"], dm["lat"]),
                              crs=4326).to_crs(32651)
    served = gpd.GeoDataFrame(geometry=[stations.buffer(reach, quad_segs=16).union_all()],
                              crs=32651).explode(index_parts=False)
    # served on the left: geopandas queries the right side's tree with the left's
    # geometries, prepared, so each covered polygon is prepared once
    hit = gpd.sjoin(served, demand[["geometry"]], how="inner", predicate="intersects")
    covered = np.zeros(len(demand), dtype=bool)
    covered[np.unique(hit["index_right"].to_numpy())] = True
    coverage = float(dm["weight"].to_numpy()[covered].sum() / dm["weight"].sum())
    t2 = time.perf_counter()
    np.save(sys.argv[3], covered)
    print(f"{t1 - t0:.3f} {t2 - t1:.3f} {coverage:.6f}")
    """
)

# geo's time split: the command run in-process with timers around the reading and the
# analysis (fresh process, so the imports are the command's own).
SPLIT = textwrap.dedent(
    """
    import contextlib, io, sys, time
    t0 = time.perf_counter()
    from geo.cli import app
    import geo.api, geo.inputs  # the command imports these when it runs
    t1 = time.perf_counter()
    spent = {"read": 0.0, "analyze": 0.0}
    def timed(name, fn):
        def wrapper(*a, **k):
            s = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.perf_counter() - s
        return wrapper
    geo.api.load_inputs = timed("read", geo.api.load_inputs)
    geo.api.analyze = timed("analyze", geo.api.analyze)
    args = ["check", sys.argv[1], "--demand", sys.argv[2], "--json"]
    if len(sys.argv) > 3:
        args += ["--points-out", sys.argv[3]]
    buf = io.StringIO()
    t2 = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        try:
            app(args, standalone_mode=False)
        except SystemExit:
            pass
    t3 = time.perf_counter()
    analysis = spent["analyze"] - spent["read"]
    print(f"{t1 - t0:.3f} {spent['read']:.3f} {analysis:.3f} {t3 - t2 - spent['analyze']:.3f}")
    """
)


def _geo_command() -> list[str]:
    exe = Path(sys.executable).with_name("geo")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "geo.cli"]


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    return time.perf_counter() - start, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=None,
                        help="folder for the generated files (kept), else a temporary one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        s_path, d_path = folder / "stations.csv", folder / "demand.csv"
        if not (s_path.exists() and d_path.exists()):
            s_path, d_path = make_data(folder, args.points, args.stations)
        s, d = str(s_path), str(d_path)
        geo = _geo_command()
        py = [sys.executable, "-c"]
        runs: dict[str, list[float]] = {k: [] for k in ("floor", "geopandas", "geo_json",
                                                         "geo_json_general",
                                                         "geo_points_out")}
        splits: list[list[float]] = []
        geopandas_coverage = geo_summary = None
        for _ in range(args.repeat):
            t, _out = _wall([*py, FLOOR, s, d, str(folder / "floor_d.npy")])
            runs["floor"].append(t)
            t, out = _wall([*py, GEOPANDAS, s, d, str(folder / "gpd_covered.npy"),
                            repr(REACH_M)])
            runs["geopandas"].append(t)
            geopandas_coverage = float(out.split()[2])
            t, out = _wall([*geo, "check", s, "--demand", d, "--json"])
            runs["geo_json"].append(t)
            geo_summary = json.loads(out)
            t, general = _wall([*geo, "check", s, "--demand", d, "--json"],
                               env={"GEO_PLAIN_CHECK": "0"})
            runs["geo_json_general"].append(t)
            assert general == out, "the plain and general paths disagree"
            t, _out = _wall([*geo, "check", s, "--demand", d, "--json", "--points-out",
                             str(folder / "geo_points.csv")])
            runs["geo_points_out"].append(t)
            _t, out = _wall([*py, SPLIT, s, d, str(folder / "geo_points.csv")])
            splits.append([float(v) for v in out.split()])
        best = {k: min(v) for k, v in runs.items()}
        split = [min(col) for col in zip(*splits, strict=True)]
        dist = np.load(folder / "floor_d.npy")
        gp_covered = np.load(folder / "gpd_covered.npy")
        truly = dist <= REACH_M
        wrong = int((truly != gp_covered).sum())
        band = int(((dist > 922.0) & (dist <= 923.0)).sum())
        band_wrong = int(((dist > 922.0) & (dist <= 923.0) & (truly != gp_covered)).sum())
        figures = {
            "points": args.points, "stations": args.stations, "repeat": args.repeat,
            "machine": f"{platform.processor() or platform.machine()}, "
                       f"{os.cpu_count()} cores, Python {platform.python_version()}",
            **{f"{k}_s": round(v, 2) for k, v in best.items()},
            "geo_json_over_floor": round(best["geo_json"] / best["floor"], 2),
            "geo_points_out_over_floor": round(best["geo_points_out"] / best["floor"], 2),
            "geo_json_general_over_floor": round(best["geo_json_general"] / best["floor"], 2),
            "geopandas_over_geo_json": round(best["geopandas"] / best["geo_json"], 2),
            "geopandas_over_floor": round(best["geopandas"] / best["floor"], 2),
            "geo_split_s": dict(zip(("imports", "read_validate", "analysis", "output"),
                                    split, strict=True)),
            "geo_coverage": geo_summary["coverage"] if geo_summary else None,
            "geopandas_coverage": geopandas_coverage,
            "geopandas_wrong_points": wrong,
            "points_922_923_m": band,
            "geopandas_wrong_922_923_m": band_wrong,
        }
        imp, rd, an, outp = split
        print(
            f"straight-line check, {args.points:,} demand points x {args.stations:,} stations, "
            f"fresh processes, wall time best of {args.repeat} ({figures['machine']}):\n"
            f"  floor (pyarrow read_csv + project + cKDTree.query):     {best['floor']:6.2f} s\n"
            f"  geopandas (buffer + union_all + sjoin):                 "
            f"{best['geopandas']:6.2f} s  ({best['geopandas'] / best['floor']:.2f} x floor)\n"
            f"  geo check --json:                                       {best['geo_json']:6.2f} s"
            f"  ({best['geo_json'] / best['floor']:.2f} x floor, target <= 1.5; "
            f"{best['geopandas'] / best['geo_json']:.2f} x faster than geopandas, target >= 2)\n"
            f"  geo check --json, general path (GEO_PLAIN_CHECK=0):     "
            f"{best['geo_json_general']:6.2f} s  "
            f"({best['geo_json_general'] / best['floor']:.2f} x floor; the same JSON)\n"
            f"  geo check --json --points-out:                          "
            f"{best['geo_points_out']:6.2f} s  ({best['geo_points_out'] / best['floor']:.2f}"
            f" x floor)\n"
            f"  geo split (--points-out, in-process timers): imports {imp:.2f} s, read + "
            f"validate {rd:.2f} s, analysis {an:.2f} s, output {outp:.2f} s\n"
            f"  geopandas wrong on {wrong:,} points ({band_wrong:,} of the {band:,} points "
            f"between 922 and 923 m; reach {REACH_M:.2f} m)"
        )
        print(json.dumps(figures))
        over_floor = best["geo_json"] / best["floor"]
        gp_over = best["geopandas"] / best["geo_json"]
        target(f"straight-line check, {args.points:,} points, fresh process",
               measured=f"{best['geo_json']:.2f} s",
               reference=f"pyarrow + cKDTree floor {best['floor']:.2f} s", ratio=over_floor,
               goal="<= 1.5x the floor", met=over_floor <= 1.5)
        target(f"straight-line check, {args.points:,} points, against geopandas",
               measured=f"{best['geo_json']:.2f} s",
               reference=f"geopandas buffer + union + sjoin {best['geopandas']:.2f} s",
               ratio=gp_over, goal=">= 2x faster than geopandas", met=gp_over >= 2.0)


if __name__ == "__main__":
    main()
