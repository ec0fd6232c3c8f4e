"""The layers of a coverage map as GeoJSON features: reach bands, gaps, 网格, demand, stations.

Every geometry is shifted to the basemap's datum (points and polygon vertices), so
a station exported from Amap sits on its street whichever basemap is chosen;
coordinates are written with 5–6 decimals (about 1 m) and polygons simplified by 1 m.
Tooltips and popups are Chinese first, and every user string is escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import crs as crsmod
from geo import gapshapes
from geo.maps.html import esc, feature, rows_html
from geo.maps.whatif import hypothetical_mask
from geo.schema import AMENITY_LABELS, KIND_LABELS, LEVEL_LABELS
from geo.style import (
    BAND_COLOURS,
    CAPTURED_COLOUR,
    COVERED_COLOUR,
    GAP_COLOUR,
    OVERSTATED_COLOUR,
    UNCOVERED_COLOUR,
    grid_class,
    kind_style,
)
from geo.words import mode_label, num, pct

if TYPE_CHECKING:
    from geo.result import CoverageResult

__all__ = [
    "DEMAND_CELL_LIMIT",
    "DEMAND_CELL_LIMIT_COMPACT",
    "DEMAND_POINT_LIMIT",
    "MAP_GAP_LIMIT",
    "band_features",
    "captured_features",
    "demand_features",
    "demand_frame",
    "gap_features",
    "geoms_to_display",
    "grid_features",
    "overstated_features",
    "station_features",
    "to_display",
]

#: Above this many demand points, demand is drawn per cell.
DEMAND_POINT_LIMIT = 5000
#: Above this many cells, demand is drawn per square of k × k cells: a map carries
#: thousands of features, not a million.
DEMAND_CELL_LIMIT = 10000
#: The same in the app's compact map, redrawn in the browser on every change: a city's
#: demand as at most this many squares keeps each redraw within a second or so.
DEMAND_CELL_LIMIT_COMPACT = 2000
#: Gaps drawn one by one; smaller ones beyond are drawn as one shape.
MAP_GAP_LIMIT = 2000
PRECISION_DEG = 1e-5  # about 1 m: coordinates written with 5 decimals
SIMPLIFY_M = 1.0


def to_display(
    lon: np.ndarray, lat: np.ndarray, datum: str
) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 coordinates in the basemap's datum (GCJ-02 for Amap and Tencent tiles)."""
    if datum == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return crsmod.from_wgs84(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), datum)


def geoms_to_display(geoms: np.ndarray, datum: str) -> np.ndarray:
    """WGS-84 geometries → the basemap's datum, snapped to about 1 m."""
    geoms = np.asarray(geoms, dtype=object)
    if datum != "wgs84" and geoms.size:
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(crsmod.from_wgs84(xy[:, 0], xy[:, 1], datum))
        )
    snapped = shapely.set_precision(geoms, PRECISION_DEG)  # keeps polygons valid
    return shapely.transform(snapped, lambda xy: np.round(xy, 5))  # short decimals in the file


def metric_simplify(geoms: np.ndarray, result: CoverageResult) -> np.ndarray:
    """Simplify WGS-84 polygons (inputs such as the 网格) by about 1 m, in the metric CRS."""
    if not len(geoms):
        return geoms
    to_m = Transformer.from_crs(4326, result.metric_crs, always_xy=True)
    back = Transformer.from_crs(result.metric_crs, 4326, always_xy=True)
    m = crsmod.reproject(geoms, to_m)
    m = shapely.simplify(m, SIMPLIFY_M)
    return crsmod.reproject(m, back)



def _amenity_labels(keys: str) -> str:
    out = []
    for key in str(keys or "").split(";"):
        if key:
            out.append(AMENITY_LABELS[key][0] if key in AMENITY_LABELS else key)
    return "、".join(out)




def overstated_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    """Demand the straight line calls covered but the streets do not reach in time."""
    p = result.points
    if result.network is None or "straight_covered" not in p:
        return []
    mask = p["straight_covered"].to_numpy(dtype=bool) & ~p["covered"].to_numpy(dtype=bool)
    if not mask.any():
        return []
    sub = p[mask]
    lon, lat = to_display(sub["lon"].to_numpy(), sub["lat"].to_numpy(), datum)
    status = sub["status"].astype(str).to_numpy() if "status" in sub else np.full(len(sub), "")
    words = {"off_network": "路网外 off network", "unreachable": "不可达 unreachable",
             "ok": "路网时间超出 too far along the streets"}
    feats = []
    for i, row in enumerate(sub.itertuples(index=False)):
        why = words.get(status[i], status[i])
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "s": {"radius": 7, "color": OVERSTATED_COLOUR, "weight": 2, "fill": False},
                    "t": f"直线高估 overstated: {esc(row.id)} · {num(row.weight)} · {why}",
                },
                "geometry": {"type": "Point",
                             "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)]},
            }
        )
    return feats




def band_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    """The 5/10/15-minute service areas, widest first (drawn underneath), darkest nearest.

    Parameters
    ----------
    result
        The analysis (:meth:`geo.CoverageResult.service_areas`).
    datum
        The basemap's datum.

    Returns
    -------
    list of dict
        GeoJSON features.
    """
    areas = result.service_areas("wgs84")
    if len(areas) == 0:
        return []
    s = result.settings
    mode = f"{mode_label(s.mode)} {s.speed_kmh:g} km/h"
    bands = []
    for minutes, radius, geom in zip(areas["minutes"], areas["radius_m"],
                                     areas.geometry.to_numpy(), strict=True):
        if result.network is not None:
            tip = f"{minutes:g} 分钟路网可达 within {minutes:g} min along the streets ({mode})"
        else:
            tip = f"{minutes:g} 分钟可达 within {minutes:g} min ({mode}, 直线 {radius:,.0f} m)"
        bands.append((minutes, geom, tip))
    bands.sort(key=lambda band: -band[0])
    geoms = geoms_to_display(np.array([g for _, g, _ in bands], dtype=object), datum)
    colours = dict(zip(sorted(s.bands), BAND_COLOURS, strict=False))
    features = []
    for (minutes, _, tip), geom in zip(bands, geoms, strict=True):
        if geom is None or shapely.is_empty(geom):
            continue
        colour = colours.get(minutes, BAND_COLOURS[-1])
        features.append(
            feature(
                geom,
                s={"color": colour, "weight": 0, "fillColor": colour, "fillOpacity": 0.28},
                t=tip,
            )
        )
    return features


def gap_features(result: CoverageResult, datum: str, top: int) -> tuple[list, list]:
    table = result.gap_table
    gaps = table.iloc[:MAP_GAP_LIMIT]
    if len(gaps) == 0:
        return [], []
    back = Transformer.from_crs(result.metric_crs, 4326, always_xy=True)
    metric = result.gaps_metric.geometry.to_numpy()

    def outlines(at: np.ndarray) -> np.ndarray:
        simple = shapely.simplify(metric[at], SIMPLIFY_M)
        return geoms_to_display(crsmod.reproject(simple, back), datum)

    # the outline of a gap drawn before (the same cells: a what-if far from it) is kept
    names = result.gap_names(len(table), ("outline", datum, SIMPLIFY_M))
    labels = gaps["label"].to_numpy()
    geoms = gapshapes.kept_shapes([names[i] for i in labels], outlines)
    rest = shapely.simplify(metric[MAP_GAP_LIMIT:], SIMPLIFY_M)
    polys, labels = [], []
    lon, lat = to_display(gaps["lon"].to_numpy(), gaps["lat"].to_numpy(), datum)
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    for i, row in enumerate(gaps.itertuples(index=False)):
        grid = row.grid if isinstance(row.grid, str) else ""
        tip = (
            f"缺口 #{int(row.rank)} Gap · 未覆盖需求 {num(row.demand)} · "
            f"{row.area_m2 / 1e6:.3f} km²" + (f" · {esc(grid)}" if grid else "")
        )
        polys.append(
            feature(
                geoms[i],
                s={"color": GAP_COLOUR, "weight": 1.5, "fillColor": GAP_COLOUR,
                   "fillOpacity": 0.35},
                t=tip,
                p=rows_html([
                    ("缺口 Gap", f"#{int(row.rank)}"),
                    ("未覆盖需求 Uncovered demand", num(row.demand)),
                    ("面积 Area", f"{row.area_m2 / 1e6:.3f} km²"),
                    ("网格 Grid", grid),
                    ("位置 WGS-84", f"{row.lon:.5f}, {row.lat:.5f}"),
                ]),
            )
        )
        if i < top:
            labels.append(
                feature(
                    shapely.Point(lon[i], lat[i]),
                    icon=f'<div class="geo-rank">{int(row.rank)}</div>',
                    s={"size": 20, "z": 500},
                    t=tip,
                )
            )
    if rest.size:  # the smallest gaps, beyond what a map can carry one by one, as one shape
        others = shapely.simplify(shapely.union_all(rest), 5 * SIMPLIFY_M)
        polys.append(feature(
            geoms_to_display(crsmod.reproject(np.array([others], dtype=object), back), datum)[0],
            s={"color": GAP_COLOUR, "weight": 1, "fillColor": GAP_COLOUR, "fillOpacity": 0.25},
            t=f"其余 {rest.size:,} 个较小缺口 {rest.size:,} smaller gaps",
        ))
    return polys, labels


def grid_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    if result.grids is None or len(result.grids) == 0:
        return []
    table = result.grid_table
    geoms = geoms_to_display(metric_simplify(result.grids.geometry.to_numpy(), result), datum)
    feats = []
    for geom, row in zip(geoms, table.itertuples(index=False), strict=True):
        colour, _ = grid_class(float(row.coverage))
        feats.append(
            feature(
                geom,
                s={"color": colour, "weight": 2.5, "dashArray": "6 4", "fill": True,
                   "fillColor": colour, "fillOpacity": 0.04},
                t=f"{esc(row.grid)} · 覆盖率 {pct(float(row.coverage))}",
                p=rows_html([
                    ("网格 Grid", row.grid),
                    ("覆盖率 Coverage", pct(float(row.coverage))),
                    ("需求 Demand", num(row.demand)),
                    ("未覆盖 Uncovered", num(row.uncovered_demand)),
                    ("站点 Stations", int(row.stations)),
                    ("缺口 Gaps", int(row.gaps)),
                ]),
            )
        )
    return feats


def demand_frame(
    result: CoverageResult, cell_limit: int = DEMAND_CELL_LIMIT
) -> tuple[pd.DataFrame, bool]:
    """Demand to draw: the points, or per cell when there are many (at most ``cell_limit``
    cells, else squares of several cells)."""
    p = result.points
    if len(p) <= DEMAND_POINT_LIMIT:
        frame = pd.DataFrame(
            {
                "id": p["id"].astype(str).to_numpy(),
                "lon": p["lon"].to_numpy(dtype=float),
                "lat": p["lat"].to_numpy(dtype=float),
                "weight": p["weight"].to_numpy(dtype=float),
                "minutes": p["minutes"].to_numpy(dtype=float),
                "nearest": p["nearest"].to_numpy(dtype=object),
                "covered": p["covered"].to_numpy(dtype=bool),
            }
        )
        return frame, False
    # many points (a city's million): grouped on integer codes, without a text per point
    codes, labels = _draw_cells(result, cell_limit)
    w = p["weight"].to_numpy(dtype=float)
    lon = p["lon"].to_numpy(dtype=float)
    lat = p["lat"].to_numpy(dtype=float)
    frame = pd.DataFrame({
        "weight": w, "wlon": lon * w, "wlat": lat * w,
        "wcov": np.where(p["covered"].to_numpy(dtype=bool), w, 0.0), "lon": lon, "lat": lat,
        "minutes": p["minutes"].to_numpy(dtype=float),
    })
    agg = frame.groupby(codes, sort=False).agg(
        weight=("weight", "sum"), wlon=("wlon", "sum"), wlat=("wlat", "sum"),
        wcov=("wcov", "sum"), lon=("lon", "mean"), lat=("lat", "mean"),
        minutes=("minutes", "min"), n=("weight", "size"),
    )
    agg.insert(0, "cell", labels[agg.index.to_numpy()])
    agg = agg.reset_index(drop=True)
    has = agg["weight"] > 0
    agg.loc[has, "lon"] = agg.loc[has, "wlon"] / agg.loc[has, "weight"]
    agg.loc[has, "lat"] = agg.loc[has, "wlat"] / agg.loc[has, "weight"]
    agg["covered"] = agg["wcov"] >= agg["weight"] - 1e-9
    agg["id"] = agg["cell"]
    agg["nearest"] = None
    return agg, True


def _draw_cells(
    result: CoverageResult, limit: int = DEMAND_CELL_LIMIT
) -> tuple[np.ndarray, np.ndarray]:
    """The cell each demand point is drawn in — its own cell, or, when there are more cells
    than a map can carry (``limit``), a square of k × k cells — as a code per point (in
    order of first appearance) and a label per code."""
    codes, labels = pd.factorize(result.points["cell"], sort=False, use_na_sentinel=False)
    labels = np.asarray(labels, dtype=object).astype(str)
    if labels.size <= limit:
        return codes, labels
    xy = result.metric_coords()
    k = int(np.ceil(np.sqrt(labels.size / limit)))
    while True:
        side = result.settings.cell_m * k
        ix = np.floor(xy.x / side).astype("int64")
        iy = np.floor(xy.y / side).astype("int64")
        keys = ix * 2**32 + (iy - iy.min())
        codes, uniq = pd.factorize(keys, sort=False)
        if uniq.size <= limit:
            break
        k += 1
    return codes, np.char.add(f"{side:g}m:", uniq.astype(str)).astype(object)


def demand_features(
    result: CoverageResult, datum: str, cell_limit: int = DEMAND_CELL_LIMIT
) -> list[dict[str, Any]]:
    frame, per_cell = demand_frame(result, cell_limit)
    if len(frame) == 0:
        return []
    lon, lat = to_display(frame["lon"].to_numpy(), frame["lat"].to_numpy(), datum)
    lon, lat = np.round(lon, 5), np.round(lat, 5)
    w = frame["weight"].to_numpy(dtype=float)
    wmax = max(float(w.max()), 1e-9)
    radius = 3.0 + 9.0 * np.sqrt(np.clip(w, 0, None) / wmax)
    unit = "格 cell" if per_cell or result.demand_source == "cells" else "点 point"
    feats = []
    for i, row in enumerate(frame.itertuples(index=False)):
        covered = bool(row.covered)
        colour = COVERED_COLOUR if covered else UNCOVERED_COLOUR
        minutes = float(row.minutes)
        mins = f"{minutes:.1f} 分钟 min" if np.isfinite(minutes) else "无可达站点 none reachable"
        state = "已覆盖 covered" if covered else "未覆盖 uncovered"
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "s": {"radius": round(float(radius[i]), 1), "color": colour, "weight": 1,
                          "fillColor": colour, "fillOpacity": 0.55},
                    "t": f"需求{unit} {esc(row.id)} · {num(row.weight)} · {mins} · {state}",
                    "p": rows_html([
                        ("需求 Demand", f"{num(row.weight)} ({esc(row.id)})"),
                        ("到最近站点 To nearest station", mins),
                        ("最近站点 Nearest", row.nearest),
                        ("状态 Status", state),
                    ]),
                },
                "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
            }
        )
    return feats


def captured_features(captured: pd.DataFrame, datum: str) -> list[dict[str, Any]]:
    if len(captured) == 0:
        return []
    lon, lat = to_display(captured["lon"].to_numpy(dtype=float),
                           captured["lat"].to_numpy(dtype=float), datum)
    w = captured["weight"].to_numpy(dtype=float)
    radius = 4.0 + 8.0 * np.sqrt(np.clip(w, 0, None) / max(float(w.max()), 1e-9))
    style = {"color": CAPTURED_COLOUR, "weight": 2, "fillColor": CAPTURED_COLOUR,
             "fillOpacity": 0.75}
    return [
        {
            "type": "Feature",
            "properties": {
                "s": {**style, "radius": round(float(r), 1)},
                "t": f"由新站点 {esc(site)} 覆盖 captured by new site · {num(weight)}",
            },
            "geometry": {"type": "Point",
                         "coordinates": [round(float(x), 5), round(float(y), 5)]},
        }
        for x, y, r, weight, site in zip(lon, lat, radius, w, captured["site"], strict=True)
    ]


def station_features(
    result: CoverageResult, datum: str, stations: gpd.GeoDataFrame | None = None
) -> list[dict[str, Any]]:
    st = result.stations if stations is None else stations
    if len(st) == 0:
        return []
    lon, lat = to_display(st.geometry.x.to_numpy(), st.geometry.y.to_numpy(), datum)
    table = result.station_table.set_index("id") if len(result.station_table) else None

    def col(name: str) -> np.ndarray:
        if name in st:
            return st[name].to_numpy(dtype=object)
        return np.full(len(st), "", dtype=object)

    ids, names, kinds, cats = col("id"), col("name"), col("kind"), col("category")
    levels, amen, amen_text, hours = col("level"), col("amenities"), col("amenities_text"), col(
        "hours"
    )
    addresses = col("address")
    used = st["used"].to_numpy(dtype=bool) if "used" in st else np.ones(len(st), dtype=bool)
    excluded = col("excluded")
    new = hypothetical_mask(st)
    feats = []
    for i in range(len(st)):
        kind = str(kinds[i] or "other")
        colour, symbol = kind_style(kind)
        kind_zh, kind_en = KIND_LABELS.get(kind, KIND_LABELS["other"])
        classes = "geo-st" + (" pile" if kind == "charging_pile" else "")
        classes += "" if used[i] else " unused"
        classes += " new" if new[i] else ""
        level = str(levels[i] or "")
        level_text = LEVEL_LABELS[level][0] if level in LEVEL_LABELS else level
        covered = unique = None
        if table is not None and str(ids[i]) in table.index:
            rec = table.loc[str(ids[i])]
            if isinstance(rec, pd.DataFrame):
                rec = rec.iloc[0]
            covered, unique = float(rec["covered_demand"]), float(rec["unique_demand"])
        name = names[i] if str(names[i] or "") else ids[i]
        status = "使用中 in use" if used[i] else f"未计入 not counted: {excluded[i]}"
        popup = rows_html([
            ("名称 Name", name),
            ("类型 Kind", f"{kind_zh} {kind_en}" + (f"（{cats[i]}）" if cats[i] and cats[i]
                                                      != kind_zh else "")),
            ("层级 Level", level_text),
            ("设施 Amenities", amen_text[i] or _amenity_labels(amen[i])),
            ("开放时间 Hours", hours[i]),
            ("地址 Address", addresses[i]),
            ("编号 ID", ids[i]),
            ("覆盖需求 Covers", num(covered) if covered is not None else ""),
            ("独有覆盖 Only it covers", num(unique) if unique is not None else ""),
            ("状态 Status", status),
            ("假设站点 What-if", "是 yes（非已建 not built）" if new[i] else ""),
        ])
        size = 16 if kind == "charging_pile" else 20
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "icon": f'<div class="{classes}" style="background:{colour}">{symbol}</div>',
                    "s": {"size": size + 4, "z": 1000 if new[i] else 0},
                    "t": f"{esc(name)} · {kind_zh}" + (" · 假设站点 what-if" if new[i] else ""),
                    "p": popup,
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)],
                },
            }
        )
    return feats

