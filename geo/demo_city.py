"""A whole illustrative city, generated on the fly: the city-scale demo (issue 20).

Everything here is **invented** (示意数据): a synthetic city placed in the Suzhou UTM zone
(around 120.6°E 31.3°N, WGS-84), with

* a street grid of blocks 80–150 m on a side, about ``300,000 × scale`` street nodes
  (intersections and one shape node per block side), primary and secondary streets
  every few blocks, residential streets between them, a quarter of the residential
  streets one-way (``oneway=yes``), diagonal avenues through the block corners;
* canals (``waterway=canal``: straight ones, a moat around the centre) and rivers
  (``waterway=river``, meandering) that cut it: a street crosses water only on a bridge
  (its own way tagged ``bridge=yes``, ``layer=1``); primary and secondary streets always
  have one, about one residential street in five;
* ``2,000 × scale`` stations of the Canglang demo's kinds (爱心补给点, 就业蓄能池, 海棠加油站,
  安全训练营, 电动车充电桩), ``1,000,000 × scale`` weighted demand points (denser in the
  centre and in a few sub-centres), a study area and ``200 × scale`` 网格 (示意第001网格 …).

:func:`make_city` writes the files (stations CSV, demand GeoParquet and optionally CSV,
area and 网格 GeoJSON, the street network as an OSM PBF that ``--network`` reads) into a
folder of the cache (``$GEO_CACHE_DIR/demo/city-…``) or one given, in seconds; the same
seed and scale give the same files. :func:`city_folder` finds (or makes) the cached
city the app and :func:`geo.planner.read_demo` read (``demo="city"``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

from geo.errors import SettingsError
from geo.paths import atomic_file, cache_root

__all__ = [
    "APP_SCALE",
    "CRS_UTM",
    "FILES",
    "SEED",
    "City",
    "app_scale",
    "city_folder",
    "counts_for",
    "make_city",
]

#: The seed of the city everyone gets unless they ask for another.
SEED = 20_261_205
#: The scale the planner app opens (30,000 street nodes, 200 stations, 100,000 points).
APP_SCALE = 0.1
#: The projected CRS the city is designed in (UTM zone 51N, Suzhou's zone).
CRS_UTM = "EPSG:32651"
#: The files of a city, by input (the street network under ``network``).
FILES: dict[str, str] = {
    "stations": "stations.csv",
    "demand": "demand.parquet",
    "area": "area.geojson",
    "grids": "grids.geojson",
    "network": "streets.osm.pbf",
}
# Bumped when the generator changes, so that a cached city is made again.
_VERSION = 4
_CENTRE_LONLAT = (120.6, 31.3)
_FULL_NODES = 300_000
_FULL_STATIONS = 2_000
_FULL_DEMAND = 1_000_000
_FULL_GRIDS = 200
_BLOCK_M = (80.0, 150.0)
_JITTER_M = 4.0
_BRIDGE_SHARE = 0.2  # residential streets that cross water on a bridge
_ONEWAY_SHARE = 0.25  # residential streets that are one-way
_CLOSED_SHARE = 0.03  # residential block sides that are not streets
_KINDS = ("爱心补给点", "就业蓄能池", "海棠加油站", "安全训练营", "电动车充电桩")
_KIND_SHARE = (0.3, 0.15, 0.2, 0.1, 0.25)
_AMENITIES = ("充电设备", "饮用水", "医护药箱", "阅读书架", "厕所", "空调", "微波炉")
_HOURS = ("24小时", "全天", "08:00-22:00", "09:00-21:00", "07:00-20:00", "18:00-02:00")
_STATION_HEADER = ["编号", "名称", "类型", "层级", "经度", "纬度", "坐标系", "地址", "设施",
                   "开放时间"]
_DEMAND_HEADER = ["编号", "经度", "纬度", "坐标系", "人数"]
_MANIFEST = "city.json"
#: metres (UTM 51N) → WGS-84 degrees
_ToWgs = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class City:
    """A generated city: where its files are and what they hold.

    Attributes
    ----------
    folder
        The folder of the files.
    files
        Input → file (``stations``, ``demand``, ``area``, ``grids``, ``network``, and
        ``demand_csv`` when asked for).
    counts
        ``street_nodes``, ``street_ways``, ``one_way_ways``, ``bridges``, ``water_ways``,
        ``stations``, ``demand_points``, ``demand_weight``, ``grids``.
    scale, seed
        As given to :func:`make_city`.
    seconds
        How long making it took (0 when the cached files were reused).
    """

    folder: Path
    files: dict[str, Path]
    counts: dict[str, int]
    scale: float
    seed: int
    seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)


def counts_for(scale: float) -> dict[str, int]:
    """The numbers a city of this scale is made with.

    Parameters
    ----------
    scale
        1.0 is the full city (about 300,000 street nodes, 2,000 stations, 1,000,000
        demand points, 200 网格); every count scales linearly, the city's side with the
        square root (blocks keep their size).

    Returns
    -------
    dict
        ``side`` (intersections per street line), ``stations``, ``demand_points``,
        ``grids``.
    """
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, not {scale!r}")
    return {
        "side": max(8, round(np.sqrt(_FULL_NODES * scale / 2.9))),
        "stations": max(3, round(_FULL_STATIONS * scale)),
        "demand_points": max(10, round(_FULL_DEMAND * scale)),
        "grids": max(4, round(_FULL_GRIDS * scale)),
    }


def app_scale() -> float:
    """The scale of the city the app opens: ``GEO_CITY_SCALE`` when set (``1`` for the whole
    city of 1,000,000 demand points), else :data:`APP_SCALE`.

    Returns
    -------
    float

    Raises
    ------
    SettingsError
        When ``GEO_CITY_SCALE`` is not a number above 0 and at most 4.
    """
    text = os.environ.get("GEO_CITY_SCALE", "").strip()
    if not text:
        return APP_SCALE
    try:
        scale = float(text)
    except ValueError:
        scale = float("nan")
    if not np.isfinite(scale) or scale <= 0 or scale > 4:
        raise SettingsError(f"GEO_CITY_SCALE must be a number above 0 and at most 4 (1 is the "
                            f"whole city of 1,000,000 demand points), not {text!r}")
    return scale


def city_folder(scale: float | None = None, seed: int = SEED, *, make: bool = True) -> Path:
    """The cache folder of a city (``$GEO_CACHE_DIR/demo/city-<scale>-<seed>``), made if asked.

    Parameters
    ----------
    scale, seed
        As :func:`make_city`; the scale defaults to :func:`app_scale`.
    make
        Generate the city there when it is not complete yet.

    Returns
    -------
    pathlib.Path
    """
    if scale is None:
        scale = app_scale()
    where = cache_root("demo", f"city-{scale:g}-{seed}")
    if make:
        make_city(where, scale=scale, seed=seed)
    return where


def _cached(folder: Path, scale: float, seed: int, demand_csv: bool) -> City | None:
    try:
        meta = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (meta.get("version"), meta.get("scale"), meta.get("seed")) != (_VERSION, scale, seed):
        return None
    files = {k: folder / v for k, v in meta.get("files", {}).items()}
    if demand_csv and "demand_csv" not in files:
        return None
    if not all(p.is_file() for p in files.values()):
        return None
    return City(folder, files, dict(meta["counts"]), scale, seed, 0.0,
                {k: p.stat().st_size for k, p in files.items()})


def make_city(
    out: str | PathLike[str] | None = None,
    *,
    scale: float = 1.0,
    seed: int = SEED,
    demand_csv: bool = False,
    force: bool = False,
) -> City:
    """Generate the illustrative city and write its files.

    Parameters
    ----------
    out
        The folder to write into (made if missing); default :func:`city_folder`'s.
    scale
        1.0: about 300,000 street nodes, 2,000 stations, 1,000,000 demand points and 200
        网格 (see :func:`counts_for`).
    seed
        The random seed: the same seed and scale give the same files.
    demand_csv
        Also write the demand as ``demand.csv`` (UTF-8 with BOM, as the other demos).
    force
        Make the files again even when the folder holds this city already.

    Returns
    -------
    City
        The files, the counts, and the seconds it took.

    Examples
    --------
    >>> city = make_city("/tmp/city", scale=0.01)  # doctest: +SKIP
    >>> city.counts["stations"]                     # doctest: +SKIP
    20
    """
    scale = float(scale)
    n = counts_for(scale)
    folder = Path(out) if out is not None else cache_root("demo", f"city-{scale:g}-{seed}")
    if not force:
        done = _cached(folder, scale, seed, demand_csv)
        if done is not None:
            return done
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    streets = _streets(rng, n["side"])
    to_wgs = _to_wgs84()
    area_m = streets.area
    files: dict[str, Path] = {k: folder / v for k, v in FILES.items()}
    _write_pbf(files["network"], streets, to_wgs)
    stations = _stations(rng, streets, n["stations"])
    _write_stations(files["stations"], stations, to_wgs)
    dx, dy, weight = _demand(rng, streets, n["demand_points"])
    dlon, dlat = _round7(*to_wgs(dx, dy))
    ids = np.char.add("D", np.char.zfill(np.arange(1, len(dx) + 1).astype(str), 7))
    _write_demand_parquet(files["demand"], ids, dlon, dlat, weight)
    if demand_csv:
        files["demand_csv"] = folder / "demand.csv"
        _write_demand_csv(files["demand_csv"], ids, dlon, dlat, weight)
    cells = [_project(c, to_wgs) for c in _grids(rng, area_m, n["grids"])]
    # the area is the union of the 网格 in degrees, so that they tile it exactly
    area = shapely.normalize(shapely.union_all(cells))
    _write_geojson(files["area"], [area], [{"id": "AREA", "name": "示意城市研究范围（示意）"}])
    _write_geojson(
        files["grids"], cells,
        [{"id": f"G{i:03d}", "name": f"示意第{i:03d}网格"} for i in range(1, len(cells) + 1)],
    )
    counts = {
        **streets.counts,
        "stations": len(stations["x"]),
        "demand_points": len(dx),
        "demand_weight": int(weight.sum()),
        "grids": len(cells),
    }
    meta = {
        "version": _VERSION, "scale": scale, "seed": seed, "illustrative": "示意数据，全部虚构",
        "files": {k: p.name for k, p in files.items()}, "counts": counts,
    }
    with atomic_file(folder / _MANIFEST) as tmp:
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    seconds = time.perf_counter() - start
    return City(folder, files, counts, scale, seed, seconds,
                {k: p.stat().st_size for k, p in files.items()})


# --- the streets -------------------------------------------------------------------------


@dataclass
class _Streets:
    """The street grid in metres (UTM 51N): nodes, ways and water."""

    x: np.ndarray  # node coordinates by node id (index 0 unused)
    y: np.ndarray
    ways: list[tuple[np.ndarray, dict[str, str]]]  # node ids, tags
    water: list[tuple[np.ndarray, np.ndarray, dict[str, str]]]  # x, y, tags
    inter_x: np.ndarray  # the used intersections, for placing stations
    inter_y: np.ndarray
    inter_name: np.ndarray  # "<row street>与<column street>"
    area: shapely.Polygon
    centre: tuple[float, float]
    subcentres: np.ndarray  # (k, 2)
    extent: float
    counts: dict[str, int]


def _streets(rng: np.random.Generator, side: int) -> _Streets:
    """The grid, its water, its bridges and its ways (all vectorised but the way lists)."""
    cx, cy = _centre_utm()
    gx = np.concatenate([[0.0], np.cumsum(rng.uniform(*_BLOCK_M, side - 1))])
    gy = np.concatenate([[0.0], np.cumsum(rng.uniform(*_BLOCK_M, side - 1))])
    extent = float(max(gx[-1], gy[-1]))
    gx += cx - gx[-1] / 2
    gy += cy - gy[-1] / 2
    n_inter = side * side
    rows, cols = np.divmod(np.arange(n_inter), side)  # intersection r*side+c (id = +1)
    ix = gx[cols] + rng.uniform(-_JITTER_M, _JITTER_M, n_inter)
    iy = gy[rows] + rng.uniform(-_JITTER_M, _JITTER_M, n_inter)

    # street classes per line: rows then columns
    lines = np.arange(2 * side)
    idx = lines % side
    klass = np.full(2 * side, "residential", dtype=object)
    klass[idx % 4 == 2] = "secondary"
    klass[idx % 8 == 6] = "primary"
    # one-way: some residential streets, never the city's edge (a corner would be a trap)
    oneway = (klass == "residential") & (rng.random(2 * side) < _ONEWAY_SHARE)
    oneway &= (idx > 0) & (idx < side - 1)
    reverse = rng.random(2 * side) < 0.5
    names = np.array([f"示意横{i + 1}路" for i in range(side)]
                     + [f"示意纵{i + 1}路" for i in range(side)], dtype=object)

    # grid segments: rows (r, c)-(r, c+1), then columns (r, c)-(r+1, c)
    r, c = np.divmod(np.arange(side * (side - 1)), side - 1)
    h_start, h_end = r * side + c, r * side + c + 1
    c2, r2 = np.divmod(np.arange(side * (side - 1)), side - 1)
    v_start, v_end = r2 * side + c2, (r2 + 1) * side + c2
    seg_start = np.concatenate([h_start, v_start])
    seg_end = np.concatenate([h_end, v_end])
    seg_line = np.concatenate([r, side + c2])
    n_grid = len(seg_start)
    seg_mid = n_inter + np.arange(n_grid)  # one shape node per block side
    seg_pos = np.concatenate([c, r2])  # position along its line

    # diagonal avenues through block corners
    n_diag = max(1, round(side / 80))
    d_start, d_end, d_line, d_pos = [], [], [], []
    diag_names = []
    for k in range(n_diag):
        sign = 1 if k % 2 == 0 else -1
        length = int(side * rng.uniform(0.5, 0.8))
        r0 = int(rng.integers(0, side - length))
        c0 = int(rng.integers(0, side - length)) if sign > 0 else int(
            rng.integers(length, side))
        t = np.arange(length)
        nodes = (r0 + t) * side + (c0 + sign * t)
        d_start.append(nodes[:-1])
        d_end.append(nodes[1:])
        d_line.append(np.full(length - 1, 2 * side + k))
        d_pos.append(t[:-1])
        diag_names.append(f"示意斜{k + 1}大道")
    seg_start = np.concatenate([seg_start, *d_start])
    seg_end = np.concatenate([seg_end, *d_end])
    seg_line = np.concatenate([seg_line, *d_line])
    seg_pos = np.concatenate([seg_pos, *d_pos])
    seg_mid = np.concatenate([seg_mid, np.full(len(seg_start) - n_grid, -1)])
    klass = np.concatenate([klass, np.full(n_diag, "primary", dtype=object)])
    oneway = np.concatenate([oneway, np.zeros(n_diag, dtype=bool)])
    reverse = np.concatenate([reverse, np.zeros(n_diag, dtype=bool)])
    names = np.concatenate([names, np.array(diag_names, dtype=object)])

    water = _water(rng, gx, gy, extent)
    chords = shapely.linestrings(np.stack(
        [np.stack([ix[seg_start], iy[seg_start]], 1), np.stack([ix[seg_end], iy[seg_end]], 1)],
        axis=1))
    tree = shapely.STRtree(chords)
    hits = tree.query(np.array([shapely.linestrings(np.c_[wx, wy]) for wx, wy, _ in water]),
                      predicate="intersects")
    crossing = np.zeros(len(seg_start), dtype=bool)
    crossing[hits[1]] = True
    major = klass[seg_line] != "residential"
    bridge = crossing & (major | (rng.random(len(seg_start)) < _BRIDGE_SHARE))
    closed = (~major) & (~crossing) & (~oneway[seg_line]) & (
        rng.random(len(seg_start)) < _CLOSED_SHARE)
    status = np.where(crossing & ~bridge, 0, np.where(bridge, 2, 1))
    status[closed] = 0

    # shape nodes: the middle of the chord, so that a way bends nowhere near water
    n_nodes = n_inter + n_grid
    x = np.zeros(n_nodes + 1)
    y = np.zeros(n_nodes + 1)
    x[1:n_inter + 1], y[1:n_inter + 1] = ix, iy
    grid = np.arange(n_grid)
    x[n_inter + 1:] = (ix[seg_start[grid]] + ix[seg_end[grid]]) / 2
    y[n_inter + 1:] = (iy[seg_start[grid]] + iy[seg_end[grid]]) / 2

    ways, used = _ways(seg_start, seg_mid, seg_end, seg_line, seg_pos, status,
                       klass, oneway, reverse, names, n_nodes)
    inter_used = used[1:n_inter + 1]
    inter_name = np.char.add(np.char.add(
        np.array([f"示意横{i + 1}路" for i in range(side)])[rows[inter_used]], "与"),
        np.array([f"示意纵{i + 1}路" for i in range(side)])[cols[inter_used]])
    margin = float(np.mean(_BLOCK_M))
    area = shapely.box(gx[0] + margin, gy[0] + margin, gx[-1] - margin, gy[-1] - margin)
    k_sub = max(2, round(extent / 5000))
    sub = np.c_[rng.uniform(gx[0] + 0.15 * extent, gx[-1] - 0.15 * extent, k_sub),
                rng.uniform(gy[0] + 0.15 * extent, gy[-1] - 0.15 * extent, k_sub)]
    counts = {
        "street_nodes": int(used.sum()),
        "street_ways": len(ways),
        "one_way_ways": sum(1 for _, t in ways if t.get("oneway") == "yes"),
        "bridges": sum(1 for _, t in ways if t.get("bridge") == "yes"),
        "water_ways": len(water),
    }
    return _Streets(x, y, ways, water, ix[inter_used], iy[inter_used], inter_name, area,
                    (cx, cy), sub, extent, counts)


def _water(rng: np.random.Generator, gx: np.ndarray, gy: np.ndarray,
           extent: float) -> list[tuple[np.ndarray, np.ndarray, dict[str, str]]]:
    """Canals between grid lines (straight ones and a moat round the centre) and rivers."""
    out: list[tuple[np.ndarray, np.ndarray, dict[str, str]]] = []
    side = len(gx)
    between_x = (gx[:-1] + gx[1:]) / 2
    between_y = (gy[:-1] + gy[1:]) / 2
    n_canals = max(1, round(extent / 3000))
    number = 0
    for axis in (0, 1):
        picks = np.linspace(side * 0.1, side * 0.9, n_canals + 2)[1:-1].astype(int)
        picks = np.clip(picks + rng.integers(-2, 3, len(picks)), 1, side - 3)
        for p in picks:
            lo, hi = np.sort(rng.uniform(0, 1, 2))
            lo, hi = (0.0, 1.0) if hi - lo < 0.5 else (lo * 0.5, 0.5 + hi * 0.5)
            along = gy if axis == 0 else gx
            a = along[0] + lo * (along[-1] - along[0])
            b = along[0] + hi * (along[-1] - along[0])
            number += 1
            tags = {"waterway": "canal", "name": f"示意{number}号河"}
            if axis == 0:
                out.append((np.array([between_x[p]] * 2), np.array([a, b]), tags))
            else:
                out.append((np.array([a, b]), np.array([between_y[p]] * 2), tags))
    # the moat: a ring between grid lines round the centre, about a sixth of the city
    half = max(2, side // 12)
    mid = side // 2
    x0, x1 = between_x[mid - half], between_x[mid + half]
    y0, y1 = between_y[mid - half], between_y[mid + half]
    out.append((np.array([x0, x1, x1, x0, x0]), np.array([y0, y0, y1, y1, y0]),
                {"waterway": "canal", "name": "示意护城河"}))
    # meandering rivers across the city
    for k in range(max(1, round(extent / 20000))):
        t = np.linspace(0.0, 1.0, 400)
        waves = rng.uniform(2.0, 4.0)
        amp = extent * rng.uniform(0.03, 0.06)
        base = rng.uniform(0.3, 0.7)
        slope = rng.uniform(-0.2, 0.2)
        u = gx[0] + t * (gx[-1] - gx[0])
        v = gy[0] + (base + slope * (t - 0.5)) * (gy[-1] - gy[0]) \
            + amp * np.sin(2 * np.pi * waves * t + rng.uniform(0, 2 * np.pi))
        xs, ys = (u, v) if k % 2 == 0 else (v - gy[0] + gx[0], u - gx[0] + gy[0])
        out.append((xs, ys, {"waterway": "river", "name": f"示意{'一二三四五六'[k % 6]}江"}))
    return out


def _ways(
    start: np.ndarray, mid: np.ndarray, end: np.ndarray, line: np.ndarray, pos: np.ndarray,
    status: np.ndarray, klass: np.ndarray, oneway: np.ndarray, reverse: np.ndarray,
    names: np.ndarray, n_nodes: int,
) -> tuple[list[tuple[np.ndarray, dict[str, str]]], np.ndarray]:
    """OSM ways: runs of kept segments along a line with the same status (street/bridge).

    A run of a one-way street that ends where the street is cut (water without a bridge,
    a missing block side) is two-way: a one-way street into a dead end would trap riders.
    """
    order = np.lexsort((pos, line))
    kidx = np.flatnonzero(status[order] > 0)
    keep = order[kidx]
    s_line, s_pos, s_stat = line[keep], pos[keep], status[keep]
    new = np.ones(len(keep), dtype=bool)
    new[1:] = (s_line[1:] != s_line[:-1]) | (s_pos[1:] != s_pos[:-1] + 1) | (
        s_stat[1:] != s_stat[:-1])
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(keep)] - 1
    o_first, o_last = kidx[first], kidx[last]
    before = np.maximum(o_first - 1, 0)
    open_before = (pos[order[o_first]] == 0) | (status[order[before]] > 0)
    after = np.minimum(o_last + 1, len(order) - 1)
    line_end = (o_last + 1 == len(order)) | (line[order[after]] != line[order[o_last]])
    open_after = line_end | (status[order[after]] > 0)
    through = open_before & open_after
    tokens = np.stack([start[keep] + 1, np.where(mid[keep] >= 0, mid[keep] + 1, 0)], 1).ravel()
    ends = end[keep][last] + 1
    used = np.zeros(n_nodes + 1, dtype=bool)
    used[tokens] = True
    used[ends] = True
    used[0] = False
    ways: list[tuple[np.ndarray, dict[str, str]]] = []
    for a, b, e, th in zip(first.tolist(), last.tolist(), ends.tolist(), through.tolist(),
                           strict=True):
        nodes = tokens[2 * a:2 * b + 2]
        nodes = np.append(nodes[nodes > 0], e)
        ln = int(s_line[a])
        tags = {"highway": str(klass[ln]), "name": str(names[ln])}
        if oneway[ln] and th:
            tags["oneway"] = "yes"
            if reverse[ln]:
                nodes = nodes[::-1]
        if s_stat[a] == 2:
            tags["bridge"] = "yes"
            tags["layer"] = "1"
        ways.append((nodes, tags))
    return ways, used


# --- stations, demand, 网格 ----------------------------------------------------------------


def _mixture(rng: np.random.Generator, streets: _Streets, n: int,
             shares: tuple[float, float, float], spread: float) -> tuple[np.ndarray, np.ndarray]:
    """Points in the study area: a centre, sub-centres and a uniform background."""
    b = streets.area.bounds
    x0, y0, x1, y1 = b[0] + 1.0, b[1] + 1.0, b[2] - 1.0, b[3] - 1.0  # 1 m inside
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    have = 0
    while have < n:
        m = int((n - have) * 1.3) + 16
        which = rng.choice(3, size=m, p=shares)
        sub = streets.subcentres[rng.integers(0, len(streets.subcentres), m)]
        sigma = np.where(which == 0, spread * streets.extent, 0.04 * streets.extent)
        mx = np.where(which == 0, streets.centre[0], sub[:, 0])
        my = np.where(which == 0, streets.centre[1], sub[:, 1])
        px = mx + rng.normal(0.0, 1.0, m) * sigma
        py = my + rng.normal(0.0, 1.0, m) * sigma
        uni = which == 2
        px[uni] = rng.uniform(x0, x1, int(uni.sum()))
        py[uni] = rng.uniform(y0, y1, int(uni.sum()))
        inside = (px > x0) & (px < x1) & (py > y0) & (py < y1)
        xs.append(px[inside])
        ys.append(py[inside])
        have += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _demand(rng: np.random.Generator, streets: _Streets,
            n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y = _mixture(rng, streets, n, (0.5, 0.3, 0.2), 0.15)
    d = np.hypot(x - streets.centre[0], y - streets.centre[1]) / streets.extent
    weight = 1 + rng.poisson(np.clip(3.0 - 6.0 * d, 0.3, None))
    return x, y, weight.astype(np.int64)


def _stations(rng: np.random.Generator, streets: _Streets, n: int) -> dict[str, np.ndarray]:
    """Stations at street corners (a few metres off), fewer than the demand far out."""
    from scipy.spatial import cKDTree

    px, py = _mixture(rng, streets, n, (0.65, 0.33, 0.02), 0.08)
    inside = np.c_[streets.inter_x, streets.inter_y]
    _, nearest = cKDTree(inside).query(np.c_[px, py])
    ang = rng.uniform(0, 2 * np.pi, n)
    off = rng.uniform(5.0, 15.0, n)
    x = streets.inter_x[nearest] + off * np.cos(ang)
    y = streets.inter_y[nearest] + off * np.sin(ang)
    kind = rng.choice(len(_KINDS), size=n, p=_KIND_SHARE)
    level = np.where(rng.random(n) < 0.02, 0, np.where(rng.random(n) < 0.12, 1, 2))
    return {"x": x, "y": y, "kind": kind, "level": level, "corner": streets.inter_name[nearest],
            "amen": rng.random((n, len(_AMENITIES))) < 0.45,
            "hours": rng.choice(len(_HOURS), size=n, p=(0.25, 0.1, 0.3, 0.2, 0.1, 0.05)),
            "number": rng.integers(1, 300, n)}


def _grids(rng: np.random.Generator, area: shapely.Polygon, n: int) -> list[shapely.Polygon]:
    """``n`` 网格 tiling the area: Voronoi cells of jittered seeds, ordered north-west first."""
    x0, y0, x1, y1 = area.bounds
    cols = int(np.ceil(np.sqrt(n * (x1 - x0) / (y1 - y0))))
    rws = int(np.ceil(n / cols))
    k = np.arange(n)
    sx = x0 + ((k % cols) + 0.5 + rng.uniform(-0.3, 0.3, n)) * (x1 - x0) / cols
    sy = y1 - ((k // cols) + 0.5 + rng.uniform(-0.3, 0.3, n)) * (y1 - y0) / rws
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(np.c_[sx, sy]),
                                                       extend_to=area))
    cells = shapely.intersection(cells, area)
    # the cell of seed k is the one holding it
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(shapely.points(sx, sy), predicate="within")
    out = np.empty(n, dtype=object)
    out[seed_idx] = cells[cell_idx]
    return [shapely.normalize(c) for c in out]


# --- writing -------------------------------------------------------------------------


def _centre_utm() -> tuple[float, float]:
    t = Transformer.from_crs("EPSG:4326", CRS_UTM, always_xy=True)
    x, y = t.transform(*_CENTRE_LONLAT)
    return float(round(x)), float(round(y))


def _to_wgs84() -> _ToWgs:
    t = Transformer.from_crs(CRS_UTM, "EPSG:4326", always_xy=True)

    def to(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = t.transform(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"))
        return np.asarray(lon), np.asarray(lat)

    return to


def _round7(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.round(lon, 7), np.round(lat, 7)


def _write_pbf(path: Path, streets: _Streets, to_wgs: _ToWgs) -> None:
    import osmium

    used = np.zeros(len(streets.x), dtype=bool)
    for nodes, _ in streets.ways:
        used[nodes] = True
    ids = np.flatnonzero(used)
    lon, lat = _round7(*to_wgs(streets.x[ids], streets.y[ids]))
    water_ids: list[np.ndarray] = []
    next_id = len(streets.x)
    water_lon, water_lat = [], []
    for wx, wy, _ in streets.water:
        water_ids.append(np.arange(next_id, next_id + len(wx)))
        next_id += len(wx)
        a, b = _round7(*to_wgs(wx, wy))
        water_lon.append(a)
        water_lat.append(b)
    node = osmium.osm.mutable.Node
    way = osmium.osm.mutable.Way
    with atomic_file(path) as tmp:
        writer = osmium.SimpleWriter(os.fspath(tmp))
        try:
            for i, x, y in zip(ids.tolist(), lon.tolist(), lat.tolist(), strict=True):
                writer.add_node(node(id=i, location=(x, y)))
            for wid, wlon, wlat in zip(water_ids, water_lon, water_lat, strict=True):
                for i, x, y in zip(wid.tolist(), wlon.tolist(), wlat.tolist(), strict=True):
                    writer.add_node(node(id=i, location=(x, y)))
            way_id = 1
            for nodes, tags in streets.ways:
                writer.add_way(way(id=way_id, nodes=nodes.tolist(), tags=tags))
                way_id += 1
            for wid, (_, _, tags) in zip(water_ids, streets.water, strict=True):
                writer.add_way(way(id=way_id, nodes=wid.tolist(), tags=tags))
                way_id += 1
        finally:
            writer.close()


def _write_stations(path: Path, st: dict[str, np.ndarray], to_wgs: _ToWgs) -> None:
    lon, lat = to_wgs(st["x"], st["y"])
    levels = ("街道党群服务中心", "社区党群服务中心", "微阵地")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(_STATION_HEADER)
    for i in range(len(lon)):
        kind = _KINDS[int(st["kind"][i])]
        pile = kind == "电动车充电桩"
        amen = "充电" if pile else "、".join(
            a for a, on in zip(_AMENITIES, st["amen"][i], strict=True) if on) or "饮用水"
        w.writerow([
            f"SC{i + 1:04d}", f"{st['corner'][i]}{kind}", kind,
            "" if pile else levels[int(st["level"][i])],
            f"{lon[i]:.6f}", f"{lat[i]:.6f}", "wgs84",
            f"苏州市示意区{str(st['corner'][i]).split('与')[0]}{int(st['number'][i])}号",
            amen, "24小时" if pile else _HOURS[int(st["hours"][i])],
        ])
    with atomic_file(path) as tmp:
        tmp.write_bytes(buf.getvalue().encode("utf-8-sig"))


def _write_demand_parquet(path: Path, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                          weight: np.ndarray) -> None:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"编号": ids, "人数": weight},
        geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326",
    )
    with atomic_file(path) as tmp:
        # points as coordinates (GeoArrow), not WKB: read back without decoding a million
        # geometries (0.8 s of the app's first view of the whole city)
        frame.to_parquet(tmp, index=False, geometry_encoding="geoarrow")


def _write_demand_csv(path: Path, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                      weight: np.ndarray) -> None:
    import pandas as pd

    frame = pd.DataFrame({"编号": ids, "经度": lon, "纬度": lat, "坐标系": "wgs84",
                          "人数": weight})
    with atomic_file(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.7f")


def _project(shape: shapely.Geometry, to_wgs: _ToWgs) -> shapely.Geometry:
    """A geometry in metres to WGS-84 degrees (7 decimals)."""
    def project(xy: np.ndarray) -> np.ndarray:
        lon, lat = _round7(*to_wgs(xy[:, 0], xy[:, 1]))
        return np.c_[lon, lat]

    return shapely.transform(shape, project)


def _write_geojson(path: Path, shapes: list[shapely.Geometry],
                   props: list[dict[str, str]]) -> None:
    features = []
    for shape, prop in zip(shapes, props, strict=True):
        geom = shapely.orient_polygons(shape)
        features.append({"type": "Feature", "properties": {**prop, "示意": "示意数据，虚构"},
                         "geometry": json.loads(shapely.to_geojson(geom))})
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
