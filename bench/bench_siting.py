"""Benchmark: siting (MCLP / LSCP) at district and city scale, exact against greedy.

Synthetic instances in the UTM zone of Suzhou (EPSG:32651), straight-line reach,
walking 15 minutes (80 m/min, circuity 1.3 → 923 m):

* **street** — a 4 km × 4 km street office area: 30,000 demand points, 1,500
  candidates; MCLP with k = 3, LSCP to 98 % (small enough for HiGHS to prove optima).
* **gusu** — a 6 km × 6 km district (Gusu District is 37 km²): 100,000 clustered
  demand points (weights 1–5), existing stations added at demand points until
  they cover about 70 %, 5,000 candidate sites (half anywhere, half near demand);
  MCLP with k = 5, LSCP to 95 %.
* **region** — 40 km × 40 km: 1,000,000 demand points, 20,000 candidates; MCLP with
  k = 50, LSCP to 85 % (called ``city`` before the city-scale demo existed).
* **city** — the city-scale demo (:mod:`geo.demo_city`, made in the cache on first
  use): 1,000,000 demand points, 2,000 stations, 200 网格; candidates the centres of
  the gap cells (``from_gaps``, 100 m cells: about 74,000); ``site(..., add=20,
  gap=0.01)`` (stop once proven within 1 %) with the default solver and ``--city-limit``
  (30 s). Printed: seconds per phase, the gain,
  the bound and the gap, whether the target (gap ≤ 1 %, ``site()`` ≤ 30 s) is met, and
  references on the same reach matrix in the same run: the plain greedy, and the
  Lagrangian bound run without a deadline (``--reference-steps``, the tightest bound
  this run knows).

Per part, in its own Python process (so the peak memory is its own): the reach
matrix (candidates × uncovered demand, one KD-tree per candidate batch) and its
compression; MCLP by the plain greedy (with its data-dependent bound), by the
heuristics (greedy + interchange + Lagrangian bound, ``solver="greedy"``) and by the
HiGHS MIP with the time limit (``solver="exact"``), and the LP relaxation by HiGHS
with the same limit; LSCP the same way; then ``geo.siting.site()`` end to end
(``solver="auto"``: baseline analysis, reach, solve, and the "after" analysis) on the
same data as GeoDataFrames. Gaps are ``(bound − value) / bound`` on the demand
*added* (MCLP) and ``(sites − bound) / sites`` (LSCP).

Usage::

    python bench/bench_siting.py [--part street|gusu|region|city|all] [--time-limit 60] [--skip-lp]
                                 [--city-limit 30] [--reference-steps 1000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
from _targets import target

_MARK = "BENCH-RESULT "
PARTS = {
    "street": {"side_m": 4_000.0, "demand": 30_000, "candidates": 1_500, "clusters": 25,
               "spread_m": 300.0, "k": 3, "target": 0.98},
    "gusu": {"side_m": 6_000.0, "demand": 100_000, "candidates": 5_000, "clusters": 60,
             "spread_m": 400.0, "k": 5, "target": 0.95},
    "region": {"side_m": 40_000.0, "demand": 1_000_000, "candidates": 20_000,
               "clusters": 2_000, "spread_m": 500.0, "k": 50, "target": 0.85},
}
#: The city-scale demo part: sites to add and the targets of issue 20.
CITY = {"k": 20, "gap": 0.01, "seconds": 30.0}
BASELINE = 0.70
SEED = 11


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_instance(p: dict) -> dict:
    """Demand, stations (≈ 70 % baseline) and candidates, in metres (EPSG:32651)."""
    from scipy.spatial import cKDTree

    import geo

    rng = np.random.default_rng(SEED)
    side, n = p["side_m"], p["demand"]
    centres = rng.uniform(0, side, (p["clusters"], 2))
    pick = rng.integers(0, p["clusters"], n)
    pts = centres[pick] + rng.normal(0, p["spread_m"], (n, 2))
    background = rng.random(n) < 0.3
    pts[background] = rng.uniform(0, side, (int(background.sum()), 2))
    pts = np.clip(pts, 0, side)
    w = rng.integers(1, 6, n).astype(float)
    s = geo.Settings()
    reach = s.reach_m
    order = rng.permutation(n)
    tree = cKDTree(pts)

    def coverage(m: int) -> float:
        d, _ = cKDTree(pts[order[:m]]).query(pts, distance_upper_bound=reach * 1.01)
        return float(w[d <= reach].sum() / w.sum())

    lo, hi = 1, 2
    while coverage(hi) < BASELINE:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if coverage(mid) < BASELINE else (lo, mid)
    stations = pts[order[:hi]]
    nc = p["candidates"]
    near = pts[rng.integers(0, n, nc // 2)] + rng.normal(0, 150.0, (nc // 2, 2))
    cands = np.vstack([rng.uniform(0, side, (nc - nc // 2, 2)), near])
    del tree
    return {"demand": pts, "weight": w, "stations": stations, "candidates": cands}


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def run_child(name: str, time_limit: float, skip_lp: bool) -> dict:
    from scipy.spatial import cKDTree

    import geo
    from geo.siting import compress, euclidean_reach, greedy, site, solve_lscp, solve_mclp
    from geo.siting.models import mclp_model

    p = PARTS[name]
    out: dict = {"part": name, **{k: p[k] for k in ("demand", "candidates", "k", "target")}}
    inst_data, out["generate_s"] = timed(make_instance, p)
    pts, w = inst_data["demand"], inst_data["weight"]
    st, cand = inst_data["stations"], inst_data["candidates"]
    s = geo.Settings()
    d, _ = cKDTree(st).query(pts)
    covered = d * s.circuity / s.speed_m_per_min <= s.minutes + 1e-9
    out["stations"] = len(st)
    out["baseline"] = float(w[covered].sum() / w.sum())
    unc = np.flatnonzero(~covered)
    out["uncovered_points"] = int(unc.size)
    reach, out["reach_s"] = timed(euclidean_reach, cand[:, 0], cand[:, 1], pts[unc, 0],
                                  pts[unc, 1], s)
    out["reach_nnz"] = int(reach.nnz)
    inst, out["compress_s"] = timed(compress, reach, w[unc])
    out["instance"] = [int(inst.matrix.shape[0]), int(inst.matrix.shape[1]), int(inst.matrix.nnz)]
    del reach
    k = p["k"]
    base = float(w[covered].sum())
    g, out["greedy_s"] = timed(greedy, inst, k=k)
    out["greedy_gain"], out["greedy_bound"] = float(g.gains.sum()), float(g.bound)
    heur, out["heuristic_s"] = timed(solve_mclp, inst, k, solver="greedy", time_limit=time_limit)
    out["heuristic"] = _sol(heur)
    exact, out["exact_s"] = timed(solve_mclp, inst, k, solver="exact", time_limit=time_limit)
    out["exact"] = _sol(exact)
    if not skip_lp:
        lp, out["lp_s"] = timed(mclp_model, inst, k, integer=False, time_limit=time_limit)
        out["lp"] = {"status": lp.status, "bound": lp.bound}
    needed = p["target"] * w.sum() - base
    lg, out["lscp_greedy_s"] = timed(solve_lscp, inst, needed, solver="greedy",
                                     time_limit=time_limit)
    out["lscp_greedy"] = _sol(lg)
    le, out["lscp_exact_s"] = timed(solve_lscp, inst, needed, solver="exact",
                                    time_limit=time_limit)
    out["lscp_exact"] = _sol(le)
    out["peak_solve_mb"] = peak_mb()
    del inst
    out["site"] = _end_to_end(inst_data, k, time_limit, site)
    out["peak_mb"] = peak_mb()
    out["total_demand"] = float(w.sum())
    out["baseline_demand"] = base
    return out


def _sol(sol) -> dict:
    return {"sites": int(sol.rows.size), "value": sol.objective, "bound": sol.bound,
            "optimal": bool(sol.optimal), "solver": sol.solver, "status": sol.status,
            "feasible": bool(sol.feasible)}


def _end_to_end(data: dict, k: int, time_limit: float, site) -> dict:
    """``site()`` on GeoDataFrames in WGS-84 (as a planner's files would give them)."""
    import geopandas as gpd
    import shapely
    from pyproj import Transformer

    to_ll = Transformer.from_crs(32651, 4326, always_xy=True)
    x0, y0 = 270_000.0, 3_450_000.0  # south-west corner, near Suzhou

    def frame(xy: np.ndarray, prefix: str, **cols) -> gpd.GeoDataFrame:
        lon, lat = to_ll.transform(xy[:, 0] + x0, xy[:, 1] + y0)
        n = xy.shape[0]
        ids = np.char.add(prefix, np.arange(n).astype(str)).astype(object)
        gdf = gpd.GeoDataFrame({"id": ids, "row": np.arange(2, n + 2), **cols},
                               geometry=shapely.points(lon, lat), crs=4326)
        gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
        return gdf

    stations = frame(data["stations"], "S")
    demand = frame(data["demand"], "D", weight=data["weight"])
    cands = frame(data["candidates"], "C")
    t0 = time.perf_counter()
    res = site(stations, demand=demand, candidates=cands, add=k, time_limit=time_limit)
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "steps_s": res.time_s, "solver": res.solver,
            "optimal": res.optimal, "gain": res.gain, "gap": res.gap,
            "baseline": res.baseline_coverage, "coverage": res.coverage,
            "after_matches": abs(res.after.covered_demand - res.covered_demand) < 1e-6}


def run_city(time_limit: float, reference_steps: int) -> dict:
    """``site(..., add=20)`` on the city-scale demo, and references on its reach matrix."""
    from geo.coverage import analyze_inputs
    from geo.demo_city import FILES, city_folder, make_city
    from geo.inputs import load_inputs
    from geo.settings import Settings
    from geo.siting import compress, greedy, lagrangian_bound, site
    from geo.siting import core as sitecore

    k = CITY["k"]
    city, make_s = timed(make_city, city_folder(1.0, make=False), scale=1.0)
    f = {key: str(city.folder / name) for key, name in FILES.items() if key != "network"}
    out: dict = {"part": "city", "k": k, "made_s": make_s, "generated": city.seconds > 0,
                 "counts": city.counts, "time_limit": time_limit}
    res, out["wall_s"] = timed(site, f["stations"], demand=f["demand"], area=f["area"],
                               grids=f["grids"], from_gaps=True, add=k, time_limit=time_limit,
                               gap=CITY["gap"])
    out["steps_s"] = res.time_s
    out["status"] = res.status
    out["solver"], out["optimal"] = res.solver, bool(res.optimal)
    out["baseline"], out["coverage"] = res.baseline_coverage, res.coverage
    out["gain"] = res.gain
    out["bound_gain"] = res.bound - res.baseline_covered_demand
    out["gap"] = res.gap
    out["candidates"] = len(res.candidates)
    out["after_matches"] = abs(res.after.covered_demand - res.covered_demand) < 1e-6
    out["peak_site_mb"] = peak_mb()
    # references on the same reach matrix, built again the way site() builds it
    inputs = load_inputs(f["stations"], demand=f["demand"], area=f["area"], grids=f["grids"],
                         empty_stations="warn")
    base = analyze_inputs(inputs, Settings(), network=None, snap_limit_m=200.0)
    unc = sitecore._uncovered(base)
    table = res.candidates.assign(status="ok")
    reach, out["ref_reach_s"] = timed(sitecore._reach, table, None, base, unc, None)
    weight = base.points["weight"].to_numpy(dtype="float64")[unc]
    inst, out["ref_compress_s"] = timed(compress, reach, weight)
    out["instance"] = [int(inst.matrix.shape[0]), int(inst.matrix.shape[1]),
                       int(inst.matrix.nnz), int(reach.nnz), int(unc.size)]
    del reach
    g, out["greedy_s"] = timed(greedy, inst, k=k)
    out["greedy_gain"], out["greedy_bound"] = float(g.gains.sum()), float(g.bound)
    rows = np.flatnonzero(np.isin(inst.candidate,
                                  np.flatnonzero(res.candidates["rank"].to_numpy() > 0)))
    lag, out["reference_s"] = timed(lagrangian_bound, inst, k, res.gain,
                                    iterations=reference_steps, start_rows=rows, reduce=True)
    out["reference_bound"] = float(np.floor(lag.bound + 1e-9) if inst.integral else lag.bound)
    out["reference_steps"] = lag.iterations
    out["reference_value"] = float(lag.value)
    out["peak_mb"] = peak_mb()
    return out


def report_city(r: dict) -> None:
    c = r["counts"]
    made = f"made in {r['made_s']:.1f} s" if r["generated"] else "cached"
    print(f"\n== city (city-scale demo, {made}): {c['demand_points']:,} demand points, "
          f"{c['stations']:,} stations, {c['grids']} 网格; add {r['k']}, "
          f"--time-limit {r['time_limit']:g}, gap {CITY['gap']:.0%} ==")
    n_c, n_g, nnz, pairs, n_unc = r["instance"]
    st = r["steps_s"]
    print(f"candidates: {r['candidates']:,} gap cells; {n_unc:,} uncovered points, "
          f"{pairs:,} reach pairs → {n_c:,} × {n_g:,}, {nnz:,} entries after compression")
    print("site() phases: " + ", ".join(f"{key} {v:.2f} s" for key, v in st.items())
          + f" (wall {r['wall_s']:.2f} s)")
    print(f"coverage {r['baseline']:.2%} → {r['coverage']:.2%}: gain {r['gain']:,.0f}, "
          f"bound on the gain {r['bound_gain']:,.0f} (Lagrangian), gap {r['gap']:.2%}, "
          f"solver {r['solver']}, after analysis agrees: {r['after_matches']}")
    print(f"  status: {r['status']}")
    ok_gap = r["gap"] <= CITY["gap"]
    ok_time = st["total"] <= CITY["seconds"]
    print(f"target gap ≤ {CITY['gap']:.0%}: {'met' if ok_gap else 'MISSED'} "
          f"({r['gap']:.2%}); site() ≤ {CITY['seconds']:g} s: "
          f"{'met' if ok_time else 'MISSED'} ({st['total']:.1f} s)")
    target(f"siting on the city demo, add {r['k']}", measured=f"{st['total']:.1f} s, gap "
           f"{r['gap']:.2%}", reference=f"plain greedy {r['greedy_s']:.2f} s with its own "
           f"bound's gap {(r['greedy_bound'] - r['greedy_gain']) / r['greedy_bound']:.1%}",
           ratio=None, goal=f"within {CITY['gap']:.0%} of the bound in <= {CITY['seconds']:g} s",
           met=ok_gap and ok_time)
    gg = r["greedy_gain"]
    ref = r["reference_bound"]
    print("references on the same reach matrix (same run):")
    print(f"  plain greedy: {r['greedy_s']:.2f} s, gain {gg:,.0f} "
          f"({(gg - r['gain']) / r['gain']:+.2%} against site()), its own bound "
          f"{r['greedy_bound']:,.0f} (gap {(r['greedy_bound'] - gg) / r['greedy_bound']:.2%})")
    print(f"  Lagrangian bound without a deadline: {r['reference_steps']} steps in "
          f"{r['reference_s']:.1f} s: bound {ref:,.0f}; site()'s choice is within "
          f"{(ref - r['gain']) / ref:.2%} of it (ratio of the reported gap to this one "
          f"{r['gap'] / max((ref - r['gain']) / ref, 1e-12):.2f})")
    print(f"peak memory: {r['peak_site_mb']:,.0f} MB (site()), {r['peak_mb']:,.0f} MB (with the "
          "references)")


def run_part(name: str, args: argparse.Namespace) -> dict | str:
    cmd = [sys.executable, __file__, "--child", name, "--time-limit", str(args.time_limit),
           "--city-limit", str(args.city_limit), "--reference-steps", str(args.reference_steps)]
    if args.skip_lp:
        cmd.append("--skip-lp")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    return f"failed (exit {proc.returncode}): {proc.stderr.strip()[-800:]}"


def report(r: dict) -> None:
    n_c, n_g, nnz = r["instance"]
    add = r["total_demand"] - r["baseline_demand"]
    print(f"\n== {r['part']}: {r['demand']:,} demand points, {r['candidates']:,} candidates, "
          f"{r['stations']:,} existing stations (baseline {r['baseline']:.1%}) ==")
    print(f"reach matrix: {r['uncovered_points']:,} uncovered points, {r['reach_nnz']:,} pairs "
          f"in {r['reach_s']:.2f} s; compressed to {n_c:,} candidates × {n_g:,} groups, "
          f"{nnz:,} entries, in {r['compress_s']:.2f} s")
    print(f"MCLP k={r['k']} (demand added; uncovered demand {add:,.0f}):")
    rows = [("plain greedy", r["greedy_s"], r["greedy_gain"], r["greedy_bound"], False)]
    for key, label in (("heuristic", "greedy + interchange + Lagrangian"),
                       ("exact", "exact (HiGHS MIP, time limit)")):
        sol = r[key]
        rows.append((label, r[f"{key}_s"], sol["value"], sol["bound"], sol["optimal"]))
    print(f"  {'method':36s} {'time s':>8s} {'added':>12s} {'bound':>12s} {'gap':>7s}  optimal")
    for label, t, v, b, opt in rows:
        gap = (b - v) / b if b > 0 else 0.0
        print(f"  {label:36s} {t:8.2f} {v:12,.0f} {b:12,.1f} {gap:7.2%}  {opt}")
    print(f"  exact status: {r['exact']['status']}")
    if "lp" in r:
        lp = r["lp"]
        done = f"bound {lp['bound']:,.1f}" if lp["status"] == 0 else "not solved within the limit"
        print(f"  LP relaxation by HiGHS: {r['lp_s']:.2f} s, {done}")
    print(f"LSCP to {r['target']:.0%}:")
    for key, label in (("lscp_greedy", "greedy + prune + Lagrangian"),
                       ("lscp_exact", "exact (HiGHS MIP, time limit)")):
        sol = r[key]
        gap = (sol["sites"] - sol["bound"]) / sol["sites"] if sol["sites"] else 0.0
        print(f"  {label:36s} {r[key + '_s']:8.2f} s  {sol['sites']:5d} sites  "
              f"lower bound {sol['bound']:.0f}  gap {gap:.1%}  optimal {sol['optimal']}")
    e = r["site"]
    steps = ", ".join(f"{k} {v:.2f}" for k, v in e["steps_s"].items())
    print(f"site() end to end (auto): {e['wall_s']:.2f} s ({steps}); solver {e['solver']}, "
          f"coverage {e['baseline']:.1%} → {e['coverage']:.1%}, gap {e['gap']:.2%}, "
          f"after analysis agrees: {e['after_matches']}")
    print(f"peak memory: {r['peak_solve_mb']:,.0f} MB (through the solves), "
          f"{r['peak_mb']:,.0f} MB (with site())")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=[*PARTS, "city", "all"], default="all")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--skip-lp", action="store_true", help="skip the HiGHS LP relaxation")
    ap.add_argument("--city-limit", type=float, default=CITY["seconds"],
                    help="site()'s --time-limit on the city-scale demo (default 30)")
    ap.add_argument("--reference-steps", type=int, default=1000,
                    help="subgradient steps of the reference bound on the city (default 1000)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "city":
        print(_MARK + json.dumps(run_city(args.city_limit, args.reference_steps)))
        return
    if args.child:
        print(_MARK + json.dumps(run_child(args.child, args.time_limit, args.skip_lp)))
        return
    names = [*PARTS, "city"] if args.part == "all" else [args.part]
    print(f"siting benchmark, time limit {args.time_limit:g} s per solve")
    for name in names:
        r = run_part(name, args)
        if isinstance(r, str):
            print(f"\n== {name}: {r}")
        elif name == "city":
            report_city(r)
        else:
            report(r)


if __name__ == "__main__":
    main()
