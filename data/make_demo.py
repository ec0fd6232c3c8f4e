"""Generate the ILLUSTRATIVE Canglang Street (沧浪街道) demo data in ``data/canglang/``.

Everything written here is INVENTED (示意数据): the study area, the 网格, the 46
service positions, the charging piles and the demand points are not surveyed
and are not official locations. They are modelled on the facts in docs/domain.md
(46 positions of four kinds, three levels, 1,454 surveyed workers used only as
the total of the invented demand weights, e-bike charging piles in old
compounds, governance grids). See ``data/README.md``.

The script is deterministic (fixed seed, no network, pure numpy/shapely), so::

    python data/make_demo.py            # rewrites data/canglang/
    python data/make_demo.py OUT_DIR    # writes the same files elsewhere

regenerates every file byte-identically.

Geometry is designed in a local metric frame (metres east/north of
lon 120.590, lat 31.270, WGS-84), converted to WGS-84 degrees, and the point
tables are then converted to GCJ-02 with :func:`geo.crs.wgs84_to_gcj02`, as an
export from Amap (高德) would be.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient

from geo.crs import wgs84_to_gcj02

SEED = 20_240_615
OUT_DIR = Path(__file__).resolve().parent / "canglang"
TOTAL_WORKERS = 1454  # the survey's head count; used only as the sum of invented weights
STATION_HEADER = [
    "编号",
    "名称",
    "类型",
    "层级",
    "经度",
    "纬度",
    "坐标系",
    "地址",
    "设施",
    "开放时间",
]
DEMAND_HEADER = ["编号", "名称", "经度", "纬度", "坐标系", "人数"]

# Local frame: metres east / north of this WGS-84 origin (equirectangular, fine at 5 km).
LON0, LAT0 = 120.590, 31.270
M_PER_DEG_LAT = 110_874.0
M_PER_DEG_LON = 111_320.0 * float(np.cos(np.radians(31.2875)))
GRID_SIZE_DEG = 1e-6  # every output coordinate is a multiple of this (6 decimals)

# Study area (WGS-84): the south-western old town and beyond, a few more vertices
# than a rectangle. (lon, lat), anticlockwise.
AREA_LONLAT = [
    (120.5915, 31.2712),
    (120.6140, 31.2700),
    (120.6385, 31.2725),
    (120.6400, 31.2880),
    (120.6372, 31.3050),
    (120.6120, 31.3038),
    (120.5960, 31.3020),
    (120.5900, 31.2870),
]

# Nodes of the 网格 pattern (lon, lat), 4 x 4, jittered like streets and canals
# rather than a chessboard; the outer ring lies outside the area.
GRID_LONS = [
    [120.585, 120.6050, 120.6215, 120.645],
    [120.585, 120.6068, 120.6238, 120.645],
    [120.585, 120.6075, 120.6222, 120.645],
    [120.585, 120.6052, 120.6240, 120.645],
]
GRID_LATS = [
    [31.265, 31.265, 31.265, 31.265],
    [31.2832, 31.2818, 31.2805, 31.2822],
    [31.2945, 31.2938, 31.2950, 31.2935],
    [31.310, 31.310, 31.310, 31.310],
]
# Invented household counts, one per grid in reading order (south-west first).
GRID_HOUSEHOLDS = [1180, 1630, 1410, 1520, 2870, 2340, 1260, 2690, 3120]

# --- Demand ------------------------------------------------------------------
# (name, x m, y m, sigma m, points, total weight before rounding, label of a point)
# Covered hotspots sit in the north-east (old town); gap hotspots in the south
# and west, so the gaps rank meaningfully.
HOTSPOTS = [
    ("映月街美食街", 3600, 3300, 160, 24, 210, "取餐点{:02d}"),
    ("云帆商业广场", 2700, 3050, 170, 18, 165, "商户{:02d}"),
    ("鹤鸣路写字楼群", 3900, 2300, 190, 18, 150, "{}号楼"),
    ("桂香新村", 4200, 3500, 180, 14, 95, "{}幢"),
    ("澄波路餐饮街", 3050, 1950, 150, 14, 110, "取餐点{:02d}"),
    ("清漪新村", 1950, 2950, 190, 12, 80, "{}幢"),
    ("柳岸新村", 4300, 1700, 190, 12, 75, "{}幢"),
    ("松风路外卖集中取餐区", 900, 1000, 180, 18, 120, "取餐点{:02d}"),
    ("竹溪花园及南环物流园", 3850, 520, 200, 15, 95, "点位{:02d}"),
    ("石桥新村", 600, 2500, 190, 12, 65, "{}幢"),
    ("沧湾路商业街", 2250, 700, 180, 10, 60, "商户{:02d}"),
]
N_BACKGROUND = 60  # light background demand spread over the whole area

# --- Stations ------------------------------------------------------------------
KINDS = {
    "love": "爱心补给点",
    "energy": "就业蓄能池",
    "haitang": "海棠加油站",
    "safety": "安全训练营",
}
LEVEL_STREET, LEVEL_COMMUNITY, LEVEL_MICRO = "街道党群服务中心", "社区党群服务中心", "微阵地"

STREET_CENTRE = ("沧浪街道党群服务中心", 3250, 2650, "澄波路", "energy")
# (community, x, y, road, kind)
COMMUNITY_CENTRES = [
    ("映月", 3700, 3120, "映月街", "energy"),
    ("云帆", 2600, 3180, "云帆路", "safety"),
    ("鹤鸣", 3420, 2020, "鹤鸣路", "energy"),
    ("桂香", 4250, 3280, "桂香路", "safety"),
    ("柳岸", 4200, 1650, "柳岸路", "energy"),
    ("清漪", 1900, 2720, "清漪路", "safety"),
]
# Micro-positions by anchor, one per place name: ("blob", x, y, sigma, road, places)
# scattered around a centre, ("line", x0, y0, x1, y1, road, places) spread along a
# road, ("fixed", x, y, 0, road, [place]) at one spot. Dense in the north-east.
MICRO_ANCHORS = [
    (
        "blob",
        3600,
        3300,
        190,
        "映月街",
        ["映月街东口", "映月街中段", "映月街西口", "听枫里", "映月菜场", "映月街夜市"],
    ),
    ("blob", 2700, 3000, 190, "云帆路", ["云帆商业广场", "云帆路北口", "云帆里", "云帆路南段"]),
    ("blob", 3900, 2300, 200, "鹤鸣路", ["鹤鸣大厦", "鹤鸣科创园", "澄波商务楼", "鹤鸣路东段"]),
    ("blob", 4200, 3500, 180, "桂香路", ["桂香新村", "桂香路口", "桂香菜场"]),
    (
        "line",
        1900,
        2600,
        4550,
        2620,
        "澄波路",
        ["澄波路西段", "澄波桥", "澄波路中段", "梧桐街口", "澄波路东段", "澄波路东口"],
    ),
    (
        "line",
        3020,
        1900,
        3000,
        3800,
        "鹤鸣路",
        ["鹤鸣路南段", "鹤鸣桥", "鹤鸣路中段", "鹤鸣路北段", "鹤鸣路北口"],
    ),
    ("blob", 3300, 3550, 170, "听雨巷", ["听雨巷", "听雨巷东口", "桐荫里"]),
    ("blob", 4300, 1800, 160, "柳岸路", ["柳岸新村", "柳岸路口"]),
    ("blob", 3050, 1850, 140, "澄波路", ["澄波路餐饮街", "澄波路南口"]),
    ("fixed", 1500, 2250, 0, "石桥街", ["石桥街"]),
    ("fixed", 2550, 2050, 0, "沧湾路", ["沧湾路北口"]),
    ("fixed", 2300, 3500, 0, "梧桐街", ["梧桐街"]),
    ("fixed", 4550, 2900, 0, "桂香路", ["桂香路东口"]),
]
# Kinds of the 39 micro-positions (16 爱心补给点, 10 海棠加油站, 8 就业蓄能池,
# 5 安全训练营); with the centres: 16 / 10 / 12 / 8.
MICRO_KIND_COUNTS = {"love": 16, "haitang": 10, "energy": 8, "safety": 5}
EXPECTED_COUNTS = {"爱心补给点": 16, "海棠加油站": 10, "就业蓄能池": 12, "安全训练营": 8}

AMENITY_ORDER = ["充电设备", "饮用水", "医护药箱", "阅读书架", "厕所", "空调", "微波炉"]
ALL_DAY = ["24小时", "全天"]
DAY_HOURS = ["08:00-20:00", "09:00-21:00", "07:00-22:00", "08:30-17:30", "10:00-22:00"]
NIGHT_HOURS = ["18:00-02:00", "17:00-03:00", "16:00-01:00"]
NIGHT_QUIET_ROADS = {"鹤鸣路", "柳岸路", "沧湾路", "石桥街"}

# --- Charging piles (电动车充电桩) in old residential compounds ------------------
# (compound, x, y, road, piles)
PILE_COMPOUNDS = [
    ("桂香新村", 4200, 3520, "桂香路", 3),
    ("清漪新村", 1950, 2950, "清漪路", 2),
    ("柳岸新村", 4300, 1700, "柳岸路", 2),
    ("石桥新村", 620, 2480, "石桥街", 2),
    ("听雨新村", 3250, 3600, "听雨巷", 2),
    ("梧桐新村", 2250, 3450, "梧桐街", 2),
    ("沧湾新村", 2150, 820, "沧湾路", 2),
    ("松风新村", 1150, 1250, "松风路", 2),
    ("竹溪新村", 3700, 650, "竹溪路", 2),
    ("鹤鸣新村", 2950, 1500, "鹤鸣路", 1),
]
PILE_PARTS = ["东区", "西区", "南区", "北区"]


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres to WGS-84 degrees."""
    return LON0 + np.asarray(x) / M_PER_DEG_LON, LAT0 + np.asarray(y) / M_PER_DEG_LAT


def _to_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 degrees to local metres."""
    return (np.asarray(lon) - LON0) * M_PER_DEG_LON, (np.asarray(lat) - LAT0) * M_PER_DEG_LAT


def area_polygon() -> Polygon:
    """The study area in WGS-84 degrees."""
    return orient(Polygon(AREA_LONLAT), 1.0)


def grid_polygons(area: Polygon) -> list[Polygon]:
    """Clip the jittered 4 x 4 node pattern to the area: 9 网格 that tile it."""
    cells = []
    for r in range(3):
        for c in range(3):
            ring = [
                (GRID_LONS[r][c], GRID_LATS[r][c]),
                (GRID_LONS[r][c + 1], GRID_LATS[r][c + 1]),
                (GRID_LONS[r + 1][c + 1], GRID_LATS[r + 1][c + 1]),
                (GRID_LONS[r + 1][c], GRID_LATS[r + 1][c]),
            ]
            cell = shapely.intersection(Polygon(ring), area, grid_size=GRID_SIZE_DEG)
            if not isinstance(cell, Polygon) or cell.is_empty:
                raise RuntimeError(f"grid cell {r},{c} is not a single polygon: {cell.geom_type}")
            cells.append(orient(cell, 1.0))
    return cells


def _inside_sampler(area_xy: Polygon, rng: np.random.Generator, margin: float = 40.0):
    inner = area_xy.buffer(-margin)

    def sample(cx: float, cy: float, sigma: float, n: int) -> np.ndarray:
        out = np.empty((0, 2))
        while len(out) < n:
            pts = rng.normal([cx, cy], sigma, size=(n, 2))
            ok = shapely.contains_xy(inner, pts[:, 0], pts[:, 1])
            out = np.vstack([out, pts[ok]])
        return out[:n]

    def uniform(n: int) -> np.ndarray:
        x0, y0, x1, y1 = inner.bounds
        out = np.empty((0, 2))
        while len(out) < n:
            pts = rng.uniform([x0, y0], [x1, y1], size=(n, 2))
            ok = shapely.contains_xy(inner, pts[:, 0], pts[:, 1])
            out = np.vstack([out, pts[ok]])
        return out[:n]

    return sample, uniform


def _integer_weights(raw: np.ndarray, total: int) -> np.ndarray:
    """Integers >= 1 proportional to ``raw`` summing exactly to ``total`` (largest remainder)."""
    extra = total - len(raw)
    share = raw / raw.sum() * extra
    base = np.floor(share).astype(int)
    left = extra - int(base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:left]] += 1
    return base + 1


def _fmt(value: float) -> str:
    return f"{value:.6f}"


def build_demand(sample, uniform, rng: np.random.Generator) -> list[dict]:
    xy_parts, raw_parts, names = [], [], []
    for name, cx, cy, sigma, n, weight, label in HOTSPOTS:
        pts = sample(cx, cy, sigma, n)
        w = rng.gamma(2.0, 1.0, size=n)
        xy_parts.append(pts)
        raw_parts.append(w / w.sum() * weight)
        names += [name + label.format(i + 1) for i in range(n)]
    pts = uniform(N_BACKGROUND)
    background = TOTAL_WORKERS - sum(h[5] for h in HOTSPOTS)
    # Light background, a little heavier towards the busy north-east.
    w = rng.gamma(2.0, 1.0, size=N_BACKGROUND) * (1.0 + pts[:, 0] / 4760.0 + pts[:, 1] / 3880.0)
    xy_parts.append(pts)
    raw_parts.append(w / w.sum() * background)
    names += [f"沿街零散等单点{i + 1:02d}" for i in range(N_BACKGROUND)]
    xy = np.vstack(xy_parts)
    weights = _integer_weights(np.concatenate(raw_parts), TOTAL_WORKERS)
    lon, lat = _to_lonlat(xy[:, 0], xy[:, 1])
    glon, glat = wgs84_to_gcj02(lon, lat)
    return [
        {
            "编号": f"D{i + 1:03d}",
            "名称": names[i],
            "经度": _fmt(glon[i]),
            "纬度": _fmt(glat[i]),
            "坐标系": "gcj02",
            "人数": str(int(weights[i])),
        }
        for i in range(len(xy))
    ]


def _station_specs(sample, rng: np.random.Generator) -> list[dict]:
    """Positions, names, roads, levels and kinds of the 46 stations (local metres)."""
    specs = []
    name, x, y, road, kind = STREET_CENTRE
    specs.append(
        {
            "name": f"{name}{KINDS[kind]}",
            "x": x,
            "y": y,
            "road": road,
            "level": LEVEL_STREET,
            "kind": kind,
        }
    )
    for comm, x, y, road, kind in COMMUNITY_CENTRES:
        specs.append(
            {
                "name": f"{comm}社区党群服务中心{KINDS[kind]}",
                "x": x,
                "y": y,
                "road": road,
                "level": LEVEL_COMMUNITY,
                "kind": kind,
            }
        )
    micro = []
    for anchor in MICRO_ANCHORS:
        if anchor[0] == "line":
            _, x0, y0, x1, y1, road, places = anchor
            t = (np.arange(len(places)) + rng.uniform(0.2, 0.8, len(places))) / len(places)
            jitter = rng.normal(0.0, 35.0, size=(len(places), 2))
            pts = np.column_stack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]) + jitter
        elif anchor[0] == "blob":
            _, cx, cy, sigma, road, places = anchor
            pts = sample(cx, cy, sigma, len(places))
        else:
            _, cx, cy, _, road, places = anchor
            pts = np.array([[cx, cy]], dtype=float)
        for place, (px, py) in zip(places, pts, strict=True):
            micro.append(
                {"place": place, "x": float(px), "y": float(py), "road": road, "level": LEVEL_MICRO}
            )
    kinds = [k for k, n in MICRO_KIND_COUNTS.items() for _ in range(n)]
    if len(kinds) != len(micro):
        raise RuntimeError(f"{len(micro)} micro-positions but {len(kinds)} kinds")
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    for spec, kind in zip(micro, kinds, strict=True):
        spec["kind"] = kind
        spec["name"] = f"{spec.pop('place')}{KINDS[kind]}"
    return specs + micro


def _amenities_and_hours(specs: list[dict], rng: np.random.Generator) -> None:
    """Give each station its amenities and opening hours (in place)."""
    n = len(specs)
    # Charging (充电设备) at about 40%: mostly rest stops and supply points.
    pref = np.array(
        [{"haitang": 4.0, "love": 2.0, "energy": 1.0, "safety": 0.6}[s["kind"]] for s in specs]
    )
    pref[0] = 0.0  # the street centre has no charging; riders go to the piles
    # Chargers were fitted first in the eastern old town; the west and south have few.
    pref *= np.array([1.0 if s["x"] > 3300 and s["y"] > 1700 else 0.05 for s in specs])
    n_charge = round(0.4 * n)
    charge = set(rng.choice(n, size=n_charge, replace=False, p=pref / pref.sum()).tolist())
    # All-day (about a third): rest stops and supply points on the busy streets.
    day_pref = np.array(
        [
            {"haitang": 3.0, "love": 2.0, "energy": 0.4, "safety": 0.3}[s["kind"]]
            if s["level"] == LEVEL_MICRO
            else 0.0
            for s in specs
        ]
    )
    # Offices and the quieter south close in the evening.
    day_pref *= np.array([0.05 if s["road"] in NIGHT_QUIET_ROADS else 1.0 for s in specs])
    n_all_day = round(n / 3)
    all_day = rng.choice(n, size=n_all_day, replace=False, p=day_pref / day_pref.sum())
    all_day_set = set(all_day.tolist())
    rest = [
        i
        for i in range(n)
        if i not in all_day_set
        and specs[i]["level"] == LEVEL_MICRO
        and specs[i]["kind"] in ("love", "haitang")
    ]
    night = set(rng.choice(rest, size=3, replace=False).tolist())
    probs = {
        "饮用水": 0.8,
        "医护药箱": 0.55,
        "阅读书架": 0.3,
        "厕所": 0.3,
        "空调": 0.35,
        "微波炉": 0.2,
    }
    for i, s in enumerate(specs):
        have = {a for a, p in probs.items() if rng.random() < p}
        if s["level"] != LEVEL_MICRO:
            have |= {"饮用水", "医护药箱", "阅读书架", "厕所", "空调"}
        if s["kind"] == "energy":
            have.add("阅读书架")
        if i in charge:
            have.add("充电设备")
        if not have:
            have.add("饮用水")
        s["amenities"] = "、".join(a for a in AMENITY_ORDER if a in have)
        if i in all_day_set:
            s["hours"] = ALL_DAY[int(rng.integers(len(ALL_DAY)))]
        elif i in night:
            s["hours"] = NIGHT_HOURS[len([j for j in night if j < i])]
        elif s["level"] != LEVEL_MICRO:
            s["hours"] = "08:30-17:30" if s["level"] == LEVEL_STREET else "09:00-21:00"
        else:
            s["hours"] = DAY_HOURS[int(rng.integers(len(DAY_HOURS)))]


def _address(road: str, rng: np.random.Generator, used: set[str], suffix: str = "") -> str:
    while True:
        addr = f"苏州市姑苏区{road}{int(rng.integers(1, 300))}号{suffix}"
        if addr not in used:
            used.add(addr)
            return addr


def build_stations(sample, rng: np.random.Generator) -> list[dict]:
    specs = _station_specs(sample, rng)
    _amenities_and_hours(specs, rng)
    names = [s["name"] for s in specs]
    if len(set(names)) != len(names):
        raise RuntimeError("station names are not unique")
    counts = {KINDS[k]: sum(s["kind"] == k for s in specs) for k in KINDS}
    if len(specs) != 46 or counts != EXPECTED_COUNTS:
        raise RuntimeError(f"expected 46 stations {EXPECTED_COUNTS}, got {len(specs)} {counts}")
    x = np.array([s["x"] for s in specs], dtype=float)
    y = np.array([s["y"] for s in specs], dtype=float)
    glon, glat = wgs84_to_gcj02(*_to_lonlat(x, y))
    used: set[str] = set()
    return [
        {
            "编号": f"CL{i + 1:02d}",
            "名称": s["name"],
            "类型": KINDS[s["kind"]],
            "层级": s["level"],
            "经度": _fmt(glon[i]),
            "纬度": _fmt(glat[i]),
            "坐标系": "gcj02",
            "地址": _address(s["road"], rng, used),
            "设施": s["amenities"],
            "开放时间": s["hours"],
        }
        for i, s in enumerate(specs)
    ]


def build_piles(sample, rng: np.random.Generator) -> list[dict]:
    rows, xy = [], []
    used: set[str] = set()
    for compound, cx, cy, road, n in PILE_COMPOUNDS:
        pts = sample(cx, cy, 70.0, n)
        for k in range(n):
            part = PILE_PARTS[k] if n > 1 else ""
            hours = "全天" if rng.random() < 0.8 else "06:00-23:00"
            rows.append(
                {
                    "名称": f"{compound}{part}电动车充电桩",
                    "类型": "充电桩",
                    "层级": "",
                    "坐标系": "gcj02",
                    "地址": _address(road, rng, used, compound),
                    "设施": "充电",
                    "开放时间": hours,
                }
            )
            xy.append(pts[k])
    xy_a = np.array(xy)
    glon, glat = wgs84_to_gcj02(*_to_lonlat(xy_a[:, 0], xy_a[:, 1]))
    out = []
    for i, row in enumerate(rows):
        full = {"编号": f"CD{i + 1:02d}", **row, "经度": _fmt(glon[i]), "纬度": _fmt(glat[i])}
        out.append({h: full[h] for h in STATION_HEADER})
    return out


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    """UTF-8 with BOM and CRLF line ends, as Excel in China saves a CSV."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[h] for h in header])


def _round_coords(obj):  # type: ignore[no-untyped-def]
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], float):
            return [round(v, 6) for v in obj]
        return [_round_coords(o) for o in obj]
    return obj


def _write_geojson(path: Path, features: list[tuple[dict, Polygon]]) -> None:
    """One feature per line, 6-decimal WGS-84 coordinates (RFC 7946, no ``crs`` member)."""
    lines = []
    for props, geom in features:
        feature = {
            "type": "Feature",
            "properties": props,
            "geometry": {
                "type": "Polygon",
                "coordinates": _round_coords(mapping(geom)["coordinates"]),
            },
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def main(out_dir: str | Path | None = None) -> Path:
    """Write every demo file into ``out_dir`` (default ``data/canglang/``).

    Parameters
    ----------
    out_dir
        Target folder, created if missing.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    out = Path(out_dir) if out_dir is not None else OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)

    grids = grid_polygons(area_polygon())
    # The written area is the union of the 网格 (the outline plus the points where
    # grid boundaries meet it), so the grids tile it exactly after rounding.
    area = shapely.union_all(grids, grid_size=GRID_SIZE_DEG)
    if not isinstance(area, Polygon):
        raise RuntimeError(f"the union of the grids is a {area.geom_type}, not a polygon")
    area = orient(area, 1.0)
    ax, ay = _to_xy(*np.asarray(area.exterior.coords).T)
    sample, uniform = _inside_sampler(Polygon(np.column_stack([ax, ay])), rng)

    stations = build_stations(sample, rng)
    piles = build_piles(sample, rng)
    demand = build_demand(sample, uniform, rng)

    _write_geojson(
        out / "area.geojson",
        [
            (
                {
                    "name": "沧浪街道研究范围（示意）",
                    "note": "示意范围，非官方行政边界 / illustrative, not an official boundary",
                },
                area,
            ),
        ],
    )
    _write_geojson(
        out / "grids.geojson",
        [
            ({"id": f"G{i + 1}", "name": f"沧浪第{i + 1}网格", "households": GRID_HOUSEHOLDS[i]}, g)
            for i, g in enumerate(grids)
        ],
    )
    _write_csv(out / "stations.csv", STATION_HEADER, stations)
    _write_csv(out / "charging_piles.csv", STATION_HEADER, piles)
    _write_csv(out / "demand.csv", DEMAND_HEADER, demand)
    return out


if __name__ == "__main__":
    target = main(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"wrote demo data to {target}")
