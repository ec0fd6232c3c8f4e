"""Benchmark: the same large job on the local engine and on Dask with 1 and 2 workers.

Part 1 (straight line) — 2,000,000 demand points clustered over 40 km × 40 km around
Suzhou, 5,000 stations, walking 15 minutes, 10 网格, 100 m cells: ``geo.analyze`` on
the local engine, on Dask with 1 and with 2 worker processes, and the out-of-core path
(``check_parquet``: GeoParquet parts in, per-point GeoParquet parts out, 2 workers).
Part 2 (street network) — a 600 × 600 grid street network (360,000 nodes, 50 m apart,
nodes jittered), 1,500 stations and 500,000 demand points, walking 15 minutes.

Each contender runs in a fresh Python process (``--part NAME``), so the client's peak
memory is its own; Dask workers report their own peak (``VmHWM`` read on each
worker: ``ru_maxrss`` would include the client's peak inherited at their start).
Every contender prints the SHA-1 of its per-point minutes, nearest stations and
covered flags (in input order): they must be the same within a part.

Printed per contender: wall time (cluster start and the workers' imports excluded,
shown apart), the kernel's time, per-partition task seconds and points, peak RSS of
the client and of each worker; then a paper estimate for all of China at 100 m cells
from the measured per-point costs.

Usage::

    python bench/bench_dask.py [--points 2000000] [--stations 5000] [--partitions 8]
                               [--net-side 600] [--net-points 500000] [--skip-network]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time

import numpy as np

BOX = (120.40, 31.12, 120.82, 31.48)  # about 40 km × 40 km around Suzhou
SEED = 7
_MARK = "BENCH-RESULT "
CHINA_LAND_KM2 = 9.6e6


def peak_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def own_peak_mb() -> float:
    """Peak resident memory of this process's own address space (``VmHWM``), in MB.

    Run on the workers: ``ru_maxrss`` survives ``exec`` and would report the peak of
    the client process the worker was started from; ``VmHWM`` starts afresh.
    """
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


# --- data ------------------------------------------------------------------------------


def euclidean_job(n_points: int, n_stations: int):  # type: ignore[no-untyped-def]
    """Clustered demand, stations near demand, 10 网格 as vertical strips."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(SEED)
    c_lon = rng.uniform(BOX[0], BOX[2], 400)
    c_lat = rng.uniform(BOX[1], BOX[3], 400)
    which = rng.integers(0, 400, n_points)
    lon = np.clip(c_lon[which] + rng.normal(0, 0.01, n_points), BOX[0], BOX[2])
    lat = np.clip(c_lat[which] + rng.normal(0, 0.01, n_points), BOX[1], BOX[3])
    demand = gpd.GeoDataFrame(
        {"weight": rng.integers(1, 10, n_points).astype(float)},
        geometry=shapely.points(lon, lat),
        crs=4326,
    )
    pick = rng.integers(0, n_points, n_stations)
    stations = gpd.GeoDataFrame(
        {"id": [f"S{i}" for i in range(n_stations)], "row": np.arange(2, n_stations + 2)},
        geometry=shapely.points(
            lon[pick] + rng.normal(0, 0.003, n_stations),
            lat[pick] + rng.normal(0, 0.003, n_stations),
        ),
        crs=4326,
    )
    edges = np.linspace(BOX[0], BOX[2], 11)
    grids = gpd.GeoDataFrame(
        {"grid": [f"网格{i + 1}" for i in range(10)]},
        geometry=[shapely.box(edges[i], BOX[1], edges[i + 1], BOX[3]) for i in range(10)],
        crs=4326,
    )
    for frame, name in ((demand, "demand"), (stations, "stations"), (grids, "grids")):
        frame.attrs = {"source": name, "rejected": [], "warnings": []}
    return stations, {"demand": demand, "grids": grids}


def network_job(side: int, n_points: int, n_stations: int):  # type: ignore[no-untyped-def]
    """A jittered grid street network in UTM 51N, stations and demand on it."""
    import geopandas as gpd
    import shapely
    from pyproj import Transformer

    from geo.network import network_from_edges

    spacing, jitter = 50.0, 10.0
    rng = np.random.default_rng(SEED + 1)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    node = ii * side + jj
    x0, y0 = 300_000.0, 3_440_000.0
    x = x0 + ii.ravel() * spacing + rng.uniform(-jitter, jitter, side * side)
    y = y0 + jj.ravel() * spacing + rng.uniform(-jitter, jitter, side * side)
    u = np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel()])
    v = np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel()])
    net = network_from_edges(x, y, u, v, crs="EPSG:32651", network_type="walking")
    extent = (side - 1) * spacing
    to_ll = Transformer.from_crs(32651, 4326, always_xy=True)
    slon, slat = to_ll.transform(
        x0 + rng.uniform(0, extent, n_stations), y0 + rng.uniform(0, extent, n_stations)
    )
    dlon, dlat = to_ll.transform(
        x0 + rng.uniform(-100, extent + 100, n_points),
        y0 + rng.uniform(-100, extent + 100, n_points),
    )
    stations = gpd.GeoDataFrame(
        {"id": [f"S{i}" for i in range(n_stations)], "row": np.arange(2, n_stations + 2)},
        geometry=shapely.points(slon, slat),
        crs=4326,
    )
    demand = gpd.GeoDataFrame(
        {"weight": np.ones(n_points)}, geometry=shapely.points(dlon, dlat), crs=4326
    )
    for frame, name in ((demand, "demand"), (stations, "stations")):
        frame.attrs = {"source": name, "rejected": [], "warnings": []}
    return stations, {"demand": demand, "method": "network", "network": net}


# --- one contender, in its own process ---------------------------------------------------


def digest(points) -> str:  # type: ignore[no-untyped-def]
    """SHA-1 of per-point minutes, nearest station and covered flag (input order)."""
    h = hashlib.sha1()
    h.update(np.ascontiguousarray(points["minutes"].to_numpy(dtype="float64")).tobytes())
    h.update("|".join(points["nearest"].fillna("").astype(str)).encode())
    h.update(points["covered"].to_numpy(dtype=bool).tobytes())
    return h.hexdigest()[:12]


def run_part(name: str, args: argparse.Namespace) -> dict:
    import geo
    from geo.coverage import local_kernel

    kind, engine = name.split("-")
    if engine == "parquet2":
        return run_parquet(args)
    if kind == "euclid":
        stations, inputs = euclidean_job(args.points, args.stations)
    else:
        stations, inputs = network_job(args.net_side, args.net_points, args.net_stations)
    n = len(inputs["demand"])
    out: dict = {"part": name, "points": n}
    if engine == "local":
        kernel_s: list[float] = []

        def timed(job):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            res = local_kernel(job)
            kernel_s.append(time.perf_counter() - t)
            return res

        t0 = time.perf_counter()
        result = geo.analyze(stations, engine=timed, **inputs)
        out.update(wall_s=time.perf_counter() - t0, kernel_s=kernel_s[0])
        out.update(client_peak_mb=peak_mb(), worker_peak_mb=[])
    else:
        from distributed import Client, LocalCluster

        from geo.distributed import DaskEngine

        workers = int(engine.removeprefix("dask"))
        t0 = time.perf_counter()
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=":0",
                silence_logs=40,
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: __import__("geo.distributed.kernels"))  # worker imports
            out["cluster_start_s"] = time.perf_counter() - t0
            eng = DaskEngine(scheduler=client, partitions=args.partitions)
            t0 = time.perf_counter()
            result = geo.analyze(stations, engine=eng, **inputs)
            out.update(wall_s=time.perf_counter() - t0, kernel_s=eng.stats["wall_s"])
            out.update(
                partitions=eng.stats["partitions"],
                part_points=eng.stats["points"],
                part_seconds=[round(s, 3) for s in eng.stats["seconds"]],
                redone=eng.stats["redone"],
                tied=eng.stats["tied"],
                stationless=eng.stats["stationless"],
                wider=eng.stats["wider"],
                whole_network=eng.stats["whole_network"],
                client_peak_mb=peak_mb(),
                worker_peak_mb=sorted(round(v) for v in client.run(own_peak_mb).values()),
            )
    out.update(
        coverage=result.coverage, gaps=len(result.gap_table), digest=digest(result.points)
    )
    return out


def run_parquet(args: argparse.Namespace) -> dict:
    """The out-of-core path: GeoParquet parts in, per-point GeoParquet parts out, 2 workers."""
    import tempfile
    from pathlib import Path

    import geopandas as gpd
    from distributed import Client, LocalCluster

    from geo.distributed import check_parquet

    stations, inputs = euclidean_job(args.points, args.stations)
    demand = inputs["demand"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demand"
        folder.mkdir()
        order = np.argsort(demand.geometry.x.to_numpy(), kind="stable")  # strips by longitude
        chunks = [np.sort(c) for c in np.array_split(order, args.partitions)]
        for i, chunk in enumerate(chunks):
            demand.iloc[chunk].to_parquet(folder / f"part.{i:03d}.parquet")
        del demand, inputs["demand"]
        out: dict = {"part": "euclid-parquet2", "points": args.points}
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, dashboard_address=":0", silence_logs=40
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: __import__("geo.distributed.parquet"))
            t0 = time.perf_counter()
            result = check_parquet(
                stations, folder, points_out=Path(tmp) / "points", grids=inputs["grids"],
                scheduler=client,
            )
            out["wall_s"] = time.perf_counter() - t0
            out["kernel_s"] = out["wall_s"]
            out["client_peak_mb"] = peak_mb()
            out["worker_peak_mb"] = sorted(round(v) for v in client.run(own_peak_mb).values())
        back = gpd.read_parquet(Path(tmp) / "points")
        back.index = np.concatenate(chunks)  # the input row of every output row
        out["digest"] = digest(back.sort_index())
    out.update(coverage=result.coverage, gaps=len(result.gap_table))
    return out


def spawn(name: str, argv: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--part", name, *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")


# --- the estimate ------------------------------------------------------------------------


def china_estimate(
    euclid: dict, parquet: dict, network: dict | None, net_km2: float
) -> list[str]:
    """Cluster size and time for all of China at 100 m cells, from measured costs.

    Per-partition costs come from the 1-worker runs (a worker alone on a core; with 2
    workers the client and the scheduler share the same two cores). The out-of-core
    figure is wall time × 2 workers and the street-network one the 1-worker run's
    wall time (upper bounds: the client's work is in them).
    """
    per_pt = sum(euclid["part_seconds"]) / sum(euclid["part_points"])
    per_pt_full = parquet["wall_s"] * 2 / parquet["points"]
    cells_all = CHINA_LAND_KM2 * 100  # 100 m cells: 100 per km²
    scenarios = {
        "all land (9.6 M km²)": CHINA_LAND_KM2,
        "east of the Hu line (43 % of land)": 0.43 * CHINA_LAND_KM2,
        "built-up land (≈ 0.4 M km²)": 0.4e6,
    }
    lines = [
        f"  straight-line kernel: {per_pt * 1e6:.2f} µs per point on one worker "
        f"(partitions of {max(euclid['part_points']):,} points, worker peak "
        f"{max(euclid['worker_peak_mb'])} MB)",
        f"  out-of-core pipeline (read, validate, project, kernel, 网格, cells, write): "
        f"{per_pt_full * 1e6:.1f} µs per point per worker (workers peak "
        f"{parquet['worker_peak_mb']} MB)",
    ]
    for label, km2 in scenarios.items():
        hours = km2 * 100 * per_pt_full / 3600
        lines.append(
            f"  {label}: {km2 * 100 / 1e6:,.0f} M cells → {hours:,.1f} worker-hours "
            f"(kernel alone {km2 * 100 * per_pt / 3600:,.2f}); on 32 workers "
            f"≈ {hours * 60 / 32:,.0f} min"
        )
    if network:
        per_km2 = network["kernel_s"] / net_km2  # 1 worker: its whole run, rounds included
        lines.append(
            f"  street network: {per_km2:.3f} worker-s per km² of a dense grid "
            f"({network['points'] / net_km2:,.0f} points/km², clips and wider rounds included; "
            f"worker peak {max(network['worker_peak_mb'])} MB)"
        )
        for label, km2 in scenarios.items():
            hours = km2 * per_km2 / 3600
            lines.append(
                f"  {label} at that density: ≈ {hours:,.1f} worker-hours; on 64 workers "
                f"≈ {hours * 60 / 64:,.0f} min"
            )
    lines.append(f"  (all land is {cells_all / 1e6:,.0f} M cells of 100 m)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2_000_000)
    parser.add_argument("--stations", type=int, default=5_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--net-side", type=int, default=600)
    parser.add_argument("--net-points", type=int, default=500_000)
    parser.add_argument("--net-stations", type=int, default=1_500)
    parser.add_argument("--skip-network", action="store_true")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print(_MARK + json.dumps(run_part(args.part, args)))
        return
    argv = list(sys.argv[1:])
    kinds = ["euclid"] + ([] if args.skip_network else ["net"])
    results: dict[str, dict] = {}
    for kind in kinds:
        engines = ("local", "dask1", "dask2") + (("parquet2",) if kind == "euclid" else ())
        for engine in engines:
            name = f"{kind}-{engine}"
            results[name] = r = spawn(name, argv)
            extra = ""
            if "partitions" in r:
                extra += (
                    f", cluster start {r['cluster_start_s']:.1f} s, partitions "
                    f"{r['partitions']} × ~{max(r['part_points']):,} pts, task s "
                    f"{min(r['part_seconds']):.2f}–{max(r['part_seconds']):.2f}"
                )
            if r["worker_peak_mb"]:
                extra += f", workers peak {r['worker_peak_mb']} MB"
            if kind == "net" and "partitions" in r:
                extra += (
                    f"; settled after the partitions: {r['tied']:,} tied snaps, "
                    f"{r['stationless']:,} stationless, "
                    f"{r['wider']:,} on wider clips, {r['whole_network']:,} on the whole network"
                )
            print(
                f"{name:12s} analyze {r['wall_s']:6.2f} s (kernel {r['kernel_s']:6.2f} s), "
                f"client peak {r['client_peak_mb']:,.0f} MB{extra}; coverage "
                f"{r['coverage']:.4f}, digest {r['digest']}",
                flush=True,
            )
        digests = {results[f"{kind}-{e}"]["digest"] for e in engines}
        print(f"{kind}: per-point results identical across engines: {len(digests) == 1}")
    print("Paper estimate, all of China at 100 m cells:")
    net_km2 = ((args.net_side - 1) * 0.05 + 0.2) ** 2
    estimate = china_estimate(
        results["euclid-dask1"], results["euclid-parquet2"], results.get("net-dask1"), net_km2
    )
    for line in estimate:
        print(line)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
