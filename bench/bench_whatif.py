"""Benchmark: a what-if station added incrementally against a full analysis (issue 20).

On N demand points and S stations in a Suzhou-sized region (random, seeded), prints:

* the baseline analysis (``geo.analyze`` on frames already read);
* adding one what-if station by a full analysis of the stations plus it (the reference,
  what every what-if click cost before), and by :func:`geo.scenario.add_incrementally`
  from the baseline; their ratio;
* the same for five what-if stations at once (a removal is the remaining ones added);
* that both give the same summary (``summary()`` equal).

Straight-line reach by default. ``--method network``: along the streets of the bundled
Helsinki extract (walking), on ``--points`` random demand points (default 100,000) in the
network's extent and its 12 stations, each what-if at a random place in the extent; the
full analysis reads the network from geo's memory cache, as the app's does.
``--method network --city``: the generated city-scale demo at scale 1 (``geo.demo_city``:
~300,000 street nodes, 2,000 stations, 1,000,000 demand points, 网格), its own files.

Usage::

    python bench/bench_whatif.py [--points 1000000] [--stations 2000]
    python bench/bench_whatif.py --method network [--points 100000]
    python bench/bench_whatif.py --method network --city [--scale 1] [--repeat 1]
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
from _measure import best_of
from _targets import target

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


def _helsinki(points: int, seed: int = 7):
    from geo.network import load_network
    from geo.network.extent import network_extent

    box = network_extent(load_network("helsinki", "walk"))
    rng = np.random.default_rng(seed)
    dm = gpd.GeoDataFrame({"id": np.char.add("D", np.arange(points).astype(str)),
                           "weight": rng.integers(1, 5, points)},
                          geometry=gpd.points_from_xy(rng.uniform(box[0], box[2], points),
                                                      rng.uniform(box[1], box[3], points)),
                          crs=4326)
    stations = geo.read_stations("data/helsinki/stations.csv")
    return stations, geo.read_demand(dm), {"method": "network", "network": "helsinki"}, box


def _city(scale: float):
    from geo.demo_city import FILES, city_folder

    folder = city_folder(scale)
    stations = geo.read_stations(str(folder / FILES["stations"]))
    demand = geo.read_demand(str(folder / FILES["demand"]))
    kw = {"method": "network", "network": str(folder / FILES["network"]),
          "area": geo.read_area(str(folder / FILES["area"])),
          "grids": geo.read_grids(str(folder / FILES["grids"]))}
    b = kw["area"].total_bounds
    return stations, demand, kw, (b[0], b[1], b[2], b[3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=("euclidean", "network"), default="euclidean")
    parser.add_argument("--city", action="store_true",
                        help="with --method network: the generated city demo")
    parser.add_argument("--scale", type=float, default=1.0, help="the city's scale")
    parser.add_argument("--points", type=int, default=None)
    parser.add_argument("--stations", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kw: dict = {}
    box = BOX
    if args.method == "network" and args.city:
        stations, demand, kw, box = _city(args.scale)
        what = (f"city demo at scale {args.scale:g}: {len(demand):,} points, "
                f"{len(stations):,} stations")
    elif args.method == "network":
        stations, demand, kw, box = _helsinki(args.points or 100_000)
        what = f"Helsinki walking: {len(demand):,} points, {len(stations):,} stations"
    else:
        stations, demand = _frames(args.points or 1_000_000, args.stations)
        what = f"{len(demand):,} points, {len(stations):,} stations"
    t_base, base = best_of(lambda: geo.analyze(stations, demand=demand, **kw), 1)
    base.summary()
    if base.network is not None:
        what += f", {base.network.network.n_nodes:,} street nodes"
    print(f"{what}; baseline analysis {t_base:.2f} s")
    rng = np.random.default_rng(1)
    for k in (1, 5):
        specs = [{"lon": float(rng.uniform(box[0], box[2])),
                  "lat": float(rng.uniform(box[1], box[3]))} for _ in range(k)]
        table = scenario.with_stations(stations, specs)

        def full(table=table):
            r = geo.analyze(table, demand=demand, **kw)
            r.summary()
            return r

        def quick(table=table):
            r = scenario.add_incrementally(base, table)
            r.summary()
            return r

        t_full, r_full = best_of(full, args.repeat)
        t_quick, r_quick = best_of(quick, args.repeat)
        same = r_full.summary() == r_quick.summary()
        print(f"+{k} what-if: full analysis {t_full:.3f} s, incremental {t_quick:.3f} s "
              f"({t_full / t_quick:.1f}x faster); same summary: {same}")
        target(f"incremental what-if, +{k} station(s), {what.split(';')[0]}",
               measured=f"{t_quick:.3f} s", reference=f"full analysis {t_full:.3f} s",
               ratio=t_full / t_quick, goal="the same summary as the full analysis, faster",
               met=same and t_quick < t_full)
        if base.network is not None:  # where the incremental step's time goes
            from geo.network.incremental import add_stations

            added = table.iloc[len(stations):]
            lon, lat = added.geometry.x.to_numpy(), added.geometry.y.to_numpy()
            t_net, _ = best_of(lambda lon=lon, lat=lat: add_stations(base.network, lon, lat),
                             args.repeat)
            t_inc, _ = best_of(lambda table=table: scenario.add_incrementally(base, table),
                             args.repeat)
            print(f"  of which: street update (snap, bounded Dijkstra, minimum) {t_net:.3f} s; "
                  f"the rest of add_incrementally (filters, tables) {t_inc - t_net:.3f} s; "
                  f"summary() (gap polygons, 网格) {max(t_quick - t_inc, 0.0):.3f} s")
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
