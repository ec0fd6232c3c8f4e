"""Benchmark: a what-if station added incrementally against a full analysis (issue 20).

On N demand points and S stations in a Suzhou-sized region (random, seeded), prints:

* the baseline analysis (``geo.analyze`` on frames already read);
* adding one what-if station by a full analysis of the stations plus it (the reference,
  what every what-if click cost before), and by :func:`geo.scenario.add_incrementally`
  from the baseline; their ratio;
* the same for five what-if stations at once (a removal is the remaining ones added);
* that both give the same summary (``summary()`` equal).

Straight-line reach; along the street network the app analyses in full (not measured
here). Usage: ``python bench/bench_whatif.py [--points 1000000] [--stations 2000]``
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np

import geo
from geo import scenario

BOX = (120.40, 31.12, 120.82, 31.48)


def _frames(points: int, stations: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(BOX[0], BOX[2], stations)
    lat = rng.uniform(BOX[1], BOX[3], stations)
    st = gpd.GeoDataFrame({"id": [f"S{i:05d}" for i in range(stations)],
                           "kind": rng.choice(["supply", "rest", "charging_pile"], stations)},
                          geometry=gpd.points_from_xy(lon, lat), crs=4326)
    dlon = rng.uniform(BOX[0], BOX[2], points)
    dlat = rng.uniform(BOX[1], BOX[3], points)
    dm = gpd.GeoDataFrame({"id": np.char.add("D", np.arange(points).astype(str)),
                           "weight": rng.integers(1, 5, points)},
                          geometry=gpd.points_from_xy(dlon, dlat), crs=4326)
    return geo.read_stations(st), geo.read_demand(dm)


def _best(fn, repeat: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return best, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    stations, demand = _frames(args.points, args.stations)
    t_base, base = _best(lambda: geo.analyze(stations, demand=demand), 1)
    base.summary()
    print(f"{args.points:,} points, {args.stations:,} stations; baseline analysis {t_base:.2f} s")
    rng = np.random.default_rng(1)
    for k in (1, 5):
        specs = [{"lon": float(rng.uniform(BOX[0], BOX[2])),
                  "lat": float(rng.uniform(BOX[1], BOX[3]))} for _ in range(k)]
        table = scenario.with_stations(stations, specs)

        def full(table=table):
            r = geo.analyze(table, demand=demand)
            r.summary()
            return r

        def quick(table=table):
            r = scenario.add_incrementally(base, table)
            r.summary()
            return r

        t_full, r_full = _best(full, args.repeat)
        t_quick, r_quick = _best(quick, args.repeat)
        same = r_full.summary() == r_quick.summary()
        print(f"+{k} what-if: full analysis {t_full:.3f} s, incremental {t_quick:.3f} s "
              f"({t_full / t_quick:.1f}x faster); same summary: {same}")
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
