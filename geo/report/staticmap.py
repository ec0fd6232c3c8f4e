"""The offline report map picture: drawn with matplotlib, no web tiles, no browser.

Everything is drawn in the analysis's metric CRS (the UTM zone of the data):
the study area, the 5/10/15-minute bands (the same polygons as the HTML map:
straight-line circles ÷ circuity, or street-network service areas), 网格
outlines coloured by coverage with their names, gaps with rank labels, demand
points, stations by kind (the map's colours and characters), a scale bar, a
north arrow (true north, turned by the grid convergence), a legend, the
headline numbers and the "示意数据" note for illustrative data.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Polygon, Rectangle
from pyproj import CRS, Transformer

from geo import crs as crsmod
from geo.maps.layers import demand_frame
from geo.maps.streets import streets_of
from geo.maps.whatif import hypothetical_ids, hypothetical_mask, id_span, whatif_count
from geo.report._figure import A4_LANDSCAPE_MM, new_figure, png_bytes, polygon_path
from geo.report.fonts import LATIN_FALLBACK
from geo.report.words import num, pct, scenario_label, scenario_line, w
from geo.result import CoverageResult
from geo.schema import KIND_LABELS
from geo.style import (
    BAND_COLOURS,
    COVERED_COLOUR,
    GAP_COLOUR,
    GRID_CLASSES,
    KIND_STYLE,
    NO_DEMAND_COLOUR,
    OVERSTATED_COLOUR,
    STREET_STYLE,
    UNCOVERED_COLOUR,
    WHATIF_STYLE,
    grid_class,
)

__all__ = ["AREA_FILL", "BAND_ALPHA", "GAP_LABELS", "STATION_CHAR_LIMIT", "static_map_png"]

#: Station marker size (points) and its character size.
STATION_PT, STATION_CHAR_PT = 8.5, 5.2
#: Above this many stations the characters inside the markers are left out.
STATION_CHAR_LIMIT = 300
GAP_LABELS = 10
AREA_FILL = "#f3f3ef"
BAND_ALPHA = 0.32
_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def _metric(result: CoverageResult) -> tuple[Transformer, CRS]:
    return Transformer.from_crs(4326, result.metric_crs, always_xy=True), result.metric_crs


def _patch(ax: Axes, geom: shapely.Geometry | None, **style: object) -> None:
    path = polygon_path(geom)
    if path is not None:
        ax.add_patch(PathPatch(path, **style))


def _extent(result: CoverageResult, to_m: Transformer) -> tuple[float, float, float, float]:
    parts = [result.points.total_bounds] if len(result.points) else []
    if len(result.stations):
        parts.append(result.stations.total_bounds)
    if result.area is not None and len(result.area):
        parts.append(result.area.total_bounds)
    arr = np.array(parts)
    b = (arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())
    edge = shapely.segmentize(shapely.box(*b), max((b[2] - b[0]) / 20, 1e-6))
    x0, y0, x1, y1 = shapely.bounds(crsmod.reproject(edge, to_m))
    pad = 0.04 * max(x1 - x0, y1 - y0, 100.0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _fit(
    extent: tuple[float, float, float, float], ratio: float
) -> tuple[float, float, float, float]:
    """Grow an extent about its centre to the width/height ``ratio`` of the map frame."""
    x0, y0, x1, y1 = extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = (x1 - x0) / 2, (y1 - y0) / 2
    if half_w / half_h < ratio:
        half_w = half_h * ratio
    else:
        half_h = half_w / ratio
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def _bands(result: CoverageResult) -> list[tuple[float, shapely.Geometry]]:
    """The HTML map's band polygons (in the metric CRS), widest first."""
    areas = result.service_areas("metric")
    bands = zip(areas["minutes"], areas.geometry.to_numpy(), strict=True)
    return sorted(bands, key=lambda b: -b[0])


def _nice_length(span: float) -> float:
    """A round scale-bar length near a fifth of ``span`` metres (1, 2 or 5 × 10ⁿ)."""
    target = max(span / 5.0, 1.0)
    base = 10 ** math.floor(math.log10(target))
    return max(m * base for m in (1, 2, 5) if m * base <= target)


def _scale_bar(ax: Axes, lang: str, families: list[str]) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    left, bottom = x0 + 0.03 * (x1 - x0), y0 + 0.035 * (y1 - y0)
    height = 0.010 * (y1 - y0)
    ax.add_patch(Rectangle((left - 0.012 * (x1 - x0), bottom - 0.018 * (y1 - y0)),
                           length + 0.05 * (x1 - x0), 0.075 * (y1 - y0), fc="white",
                           ec="none", alpha=0.85, zorder=20))
    for i in range(4):
        ax.add_patch(Rectangle((left + i * length / 4, bottom), length / 4, height,
                               fc="#222" if i % 2 == 0 else "white", ec="#222", lw=0.6,
                               zorder=21))
    km = length >= 1000
    unit = w("scale_unit_km" if km else "scale_unit_m", lang)
    for frac in (0.0, 0.5, 1.0):
        value = length * frac / (1000 if km else 1)
        label = f"{value:g}" + (f" {unit}" if frac == 1.0 else "")
        ax.text(left + frac * length, bottom + height * 1.6, label, ha="center", va="bottom",
                fontsize=6.5, family=families, zorder=22)


def _north_arrow(ax: Axes, angle_deg: float, lang: str, families: list[str]) -> None:
    """A north arrow in the top-left corner, turned by ``angle_deg`` (grid → true north)."""
    cx, cy, size = 0.045, 0.90, 0.05
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    aspect = ax.bbox.width / ax.bbox.height
    tri_left = np.array([[0, 1], [-0.45, -0.6], [0, -0.25]]) @ rot.T
    tri_right = np.array([[0, 1], [0.45, -0.6], [0, -0.25]]) @ rot.T

    def place(pts: np.ndarray) -> np.ndarray:
        return np.column_stack([cx + pts[:, 0] * size * 0.5 / aspect, cy + pts[:, 1] * size * 0.5])

    ax.add_patch(Rectangle((cx - 0.03 / aspect * 1.25, cy - 0.045), 0.06 / aspect * 1.25, 0.115,
                           transform=ax.transAxes, fc="white", ec="none", alpha=0.85, zorder=20))
    ax.add_patch(Polygon(place(tri_left), closed=True, transform=ax.transAxes, fc="#222",
                         ec="#222", lw=0.6, zorder=21))
    ax.add_patch(Polygon(place(tri_right), closed=True, transform=ax.transAxes, fc="white",
                         ec="#222", lw=0.6, zorder=21))
    tip = place(np.array([[0.0, 1.55]]) @ rot.T)[0]
    ax.text(tip[0], tip[1], w("north", lang), transform=ax.transAxes, ha="center",
            va="center", fontsize=8, fontweight="bold", family=families, zorder=22)


def _convergence(result: CoverageResult, to_m: Transformer, centre: tuple[float, float]) -> float:
    """Degrees from grid north to true north at the map centre (positive = counter-clockwise)."""
    back = Transformer.from_crs(result.metric_crs, 4326, always_xy=True)
    lon, lat = back.transform(*centre)
    x0, y0 = to_m.transform(lon, lat)
    x1, y1 = to_m.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(-(x1 - x0), y1 - y0))


def static_map_png(
    result: CoverageResult,
    *,
    lang: str,
    families: list[str],
    dpi: float = 300,
    title: str | None = None,
    illustrative: bool = False,
    date: str | None = None,
    target: float | None = None,
) -> bytes:
    """Draw the report map as an A4-landscape picture without web tiles.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    lang
        ``zh`` or ``en``.
    families
        Font families (from :func:`geo.report.fonts.report_families`).
    dpi
        Resolution (300 → 3508 × 2480 pixels).
    title
        The title; a default one otherwise.
    illustrative
        Say "示意数据" (illustrative data) on the picture.
    date
        Analysis date to print, if any.
    target
        Coverage aimed at (0..1): the panel says whether it is met.

    Returns
    -------
    bytes
        PNG.
    """
    s = result.settings
    summ = result.summary()
    to_m, metric = _metric(result)
    width_mm, height_mm = A4_LANDSCAPE_MM
    fig = new_figure(width_mm, height_mm, dpi)
    font = {"family": families}

    def box(left: float, top: float, wdt: float, hgt: float) -> tuple[float, float, float, float]:
        return (left / width_mm, 1 - (top + hgt) / height_mm, wdt / width_mm, hgt / height_mm)

    map_w, map_h = 206.0, 176.0
    ax = fig.add_axes(box(8, 24, map_w, map_h))
    ax.set_facecolor("white")
    x0, y0, x1, y1 = _fit(_extent(result, to_m), map_w / map_h)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#999")
        spine.set_linewidth(0.6)

    handles = [
        *_draw_area_and_bands(ax, result, to_m, lang),
        *_draw_streets(ax, result, to_m, lang),
        *_draw_gaps(ax, result, to_m, lang),
        *_draw_grids(ax, result, to_m, lang, families),
        *_draw_demand(ax, result, to_m, lang),
        *_stations(ax, result, to_m, lang, families),
    ]
    _draw_gap_ranks(ax, result, to_m, families)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    _scale_bar(ax, lang, families)
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    _north_arrow(ax, _convergence(result, to_m, centre), lang, families)

    # title and scenario
    head = title or w("title", lang, minutes=s.minutes)
    fig.text(8 / width_mm, 1 - 7 / height_mm, head, fontsize=16, fontweight="bold", va="top",
             **font)
    params = summ["params"]
    fig.text(8 / width_mm, 1 - 16.5 / height_mm,
             f"{scenario_label(params, lang)} · {scenario_line(params, lang)}", fontsize=9,
             color="#333", va="top", **font)
    _side_panel(fig, summ, handles, lang, families, width_mm, height_mm, illustrative, target,
                hypothetical=whatif_count(result.stations).hypothetical)
    # footer
    foot = [w("no_tiles", lang, crs=_crs_name(metric))]
    basemap = streets_of(result)
    if basemap is not None:
        foot.append(w("streets_from", lang,
                      file=basemap.source.replace("\\", "/").rsplit("/", 1)[-1]))
    if date:
        foot.append(w("date", lang, date=date))
    fig.text(8 / width_mm, 4 / height_mm, " · ".join(foot), fontsize=6.5, color="#555", **font)
    return png_bytes(fig)


def _lines(ax: Axes, geoms: np.ndarray, to_m: Transformer, style: dict, zorder: float) -> None:
    """Lines (WGS-84) as one collection, in metres."""
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(crsmod.reproject(np.asarray(geoms, dtype=object), to_m))
    coords, index = shapely.get_coordinates(parts, return_index=True)
    if not len(coords):
        return
    pieces = np.split(coords, np.flatnonzero(np.diff(index)) + 1)
    dash = style.get("dashArray")
    ax.add_collection(LineCollection(
        pieces, colors=str(style["color"]), linewidths=float(style["weight"]) * 0.45,
        alpha=float(style.get("opacity", 1.0)), zorder=zorder,
        linestyles=(0, tuple(float(v) * 0.5 for v in str(dash).split())) if dash else "solid",
    ))


def _draw_streets(ax: Axes, result: CoverageResult, to_m: Transformer, lang: str) -> list[object]:
    """The study's own streets, water and rail (:mod:`geo.maps.streets`) under the coverage."""
    basemap = streets_of(result)
    if basemap is None:
        return []
    water = STREET_STYLE["water"]
    handles: list[object] = []
    if len(basemap.water):
        for geom in crsmod.reproject(np.asarray(basemap.water, dtype=object), to_m):
            _patch(ax, geom, fc=str(water["fillColor"]), ec="none", zorder=1.2)
        handles.append(Patch(fc=str(water["fillColor"]), label=w("water", lang)))
    if len(basemap.waterways):
        _lines(ax, basemap.waterways, to_m, STREET_STYLE["waterway"], 1.3)
    if len(basemap.rail):
        _lines(ax, basemap.rail, to_m, STREET_STYLE["rail"], 1.4)
        handles.append(Line2D([], [], color=str(STREET_STYLE["rail"]["color"]), lw=0.8,
                              ls=(0, (2.5, 2)), label=w("rail", lang)))
    _lines(ax, basemap.streets, to_m, STREET_STYLE["street"], 1.5)
    handles.insert(0, Line2D([], [], color=str(STREET_STYLE["street"]["color"]), lw=0.8,
                             label=w("streets", lang)))
    return handles


def _draw_area_and_bands(
    ax: Axes, result: CoverageResult, to_m: Transformer, lang: str
) -> list[object]:
    """The study area and the 5/10/15-minute bands (widest first, darkest nearest)."""
    handles: list[object] = []
    if result.area is not None and len(result.area):
        area_m = crsmod.reproject(shapely.union_all(result.area.geometry.to_numpy()), to_m)
        _patch(ax, area_m, fc=AREA_FILL, ec="#666", lw=0.9, zorder=1)
        handles.append(Patch(fc=AREA_FILL, ec="#666", lw=0.9, label=w("area", lang)))
    colours = dict(zip(sorted(result.settings.bands), BAND_COLOURS, strict=False))
    band_handles = []
    shade = to_rgb(AREA_FILL)
    for minutes, geom in _bands(result):
        colour = colours.get(minutes, BAND_COLOURS[-1])
        _patch(ax, geom, fc=colour, ec="none", alpha=BAND_ALPHA, zorder=2)
        # the legend shows the colour as it appears: this band over the wider ones
        shade = tuple(BAND_ALPHA * c + (1 - BAND_ALPHA) * b
                      for c, b in zip(to_rgb(colour), shade, strict=True))
        band_handles.append(Patch(fc=shade, label=w("band", lang, minutes=minutes)))
    return handles + band_handles[::-1]


def _draw_gaps(ax: Axes, result: CoverageResult, to_m: Transformer, lang: str) -> list[object]:
    gaps = result.gaps_metric
    if not len(gaps):
        return []
    for geom in gaps.geometry.to_numpy():
        _patch(ax, geom, fc=GAP_COLOUR, ec=GAP_COLOUR, lw=0.7, alpha=0.45, zorder=3)
    return [Patch(fc=GAP_COLOUR, ec=GAP_COLOUR, alpha=0.45, label=w("gap", lang))]


def _draw_gap_ranks(
    ax: Axes, result: CoverageResult, to_m: Transformer, families: list[str]
) -> None:
    """Rank labels of the largest gaps, on top of everything."""
    top = result.gaps.iloc[:GAP_LABELS]
    if not len(top):
        return
    gx, gy = to_m.transform(top["lon"].to_numpy(), top["lat"].to_numpy())
    for x, y, rank in zip(gx, gy, top["rank"], strict=True):
        ax.text(x, y, str(int(rank)), ha="center", va="center", fontsize=6.5,
                fontweight="bold", color=GAP_COLOUR, zorder=12, family=families,
                bbox={"boxstyle": "circle,pad=0.25", "fc": "white", "ec": GAP_COLOUR,
                      "lw": 0.9})


def _draw_grids(
    ax: Axes, result: CoverageResult, to_m: Transformer, lang: str, families: list[str]
) -> list[object]:
    """网格 outlines coloured by coverage (the HTML map's classes), with name and coverage."""
    if result.grids is None or not len(result.grids):
        return []
    table = result.grid_table
    geoms = crsmod.reproject(result.grids.geometry.to_numpy(), to_m)
    spots = shapely.point_on_surface(geoms)
    seen = set()
    for geom, spot, row in zip(geoms, spots, table.itertuples(index=False), strict=True):
        colour, _ = grid_class(float(row.coverage))
        _patch(ax, geom, fc="none", ec=colour, lw=1.3, ls=(0, (5, 3)), zorder=4)
        ax.text(shapely.get_x(spot), shapely.get_y(spot),
                f"{row.grid}\n{pct(float(row.coverage))}", ha="center", va="center",
                fontsize=6.5, color="#333", path_effects=_HALO, zorder=11.5, family=families)
        seen.add(colour)
    handles: list[object] = [
        Line2D([], [], color=colour, lw=1.3, ls=(0, (5, 3)),
               label=w("grid_class", lang, label=label))
        for _, colour, label in GRID_CLASSES
        if colour in seen
    ]
    if NO_DEMAND_COLOUR in seen:
        handles.append(Line2D([], [], color=NO_DEMAND_COLOUR, lw=1.3, ls=(0, (5, 3)),
                              label=w("grid_nodemand", lang)))
    return handles


def _draw_demand(ax: Axes, result: CoverageResult, to_m: Transformer, lang: str) -> list[object]:
    """Demand points (sized by weight, covered or not) and, on a street network, the
    points the straight line overstates."""
    handles: list[object] = []
    if result.demand_source == "points" and len(result.points):
        frame, _ = demand_frame(result)
        dx, dy = to_m.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
        wt = frame["weight"].to_numpy(dtype="float64")
        size = (1.2 + 3.2 * np.sqrt(np.clip(wt, 0, None) / max(float(wt.max()), 1e-9))) ** 2
        cov = frame["covered"].to_numpy(dtype=bool)
        colour = np.where(cov, COVERED_COLOUR, UNCOVERED_COLOUR)
        ax.scatter(dx, dy, s=size, c=colour, alpha=0.55, linewidths=0, zorder=5)
        handles.append(Line2D([], [], ls="none", marker="o", ms=4, mfc=COVERED_COLOUR,
                              mec="none", alpha=0.7, label=w("demand_covered", lang)))
        handles.append(Line2D([], [], ls="none", marker="o", ms=4, mfc=UNCOVERED_COLOUR,
                              mec="none", alpha=0.7,
                              label=w("demand_uncovered", lang) + w("demand_size", lang)))
    p = result.points
    if result.network is not None and "straight_covered" in p:
        mask = p["straight_covered"].to_numpy(dtype=bool) & ~p["covered"].to_numpy(dtype=bool)
        if mask.any():
            ox, oy = to_m.transform(p["lon"].to_numpy()[mask], p["lat"].to_numpy()[mask])
            ax.scatter(ox, oy, s=30, facecolors="none", edgecolors=OVERSTATED_COLOUR,
                       linewidths=1.0, zorder=6)
            handles.append(Line2D([], [], ls="none", marker="o", ms=6, mfc="none",
                                  mec=OVERSTATED_COLOUR, label=w("overstated", lang)))
    return handles


def _crs_name(metric: CRS) -> str:
    epsg = metric.to_epsg()
    return f"{metric.name} (EPSG:{epsg})" if epsg else metric.name


def _stations(
    ax: Axes, result: CoverageResult, to_m: Transformer, lang: str, families: list[str]
) -> list[object]:
    st = result.stations
    if len(st) == 0:
        return []
    xy = result.metric_coords()
    sx, sy = xy.sx, xy.sy
    kinds = (st["kind"].astype(str).to_numpy() if "kind" in st
             else np.full(len(st), "other", dtype=object))
    kinds = np.where(np.isin(kinds, list(KIND_STYLE)), kinds, "other")
    used = st["used"].to_numpy(dtype=bool) if "used" in st else np.ones(len(st), dtype=bool)
    new = hypothetical_mask(st)
    # the kind's character needs a CJK font (lang="en" may run without one)
    chars = len(st) <= STATION_CHAR_LIMIT and families[0] != LATIN_FALLBACK
    handles: list[object] = []
    for kind, (colour, symbol) in KIND_STYLE.items():
        mask = kinds == kind
        if not mask.any():
            continue
        marker = "s" if kind == "charging_pile" else "o"
        size = (STATION_PT * (0.85 if marker == "s" else 1.0)) ** 2
        for on, alpha in ((False, 0.35), (True, 1.0)):
            sel = mask & (used == on)
            if sel.any():
                ax.scatter(sx[sel], sy[sel], s=size, marker=marker, c=colour, alpha=alpha,
                           edgecolors=np.where(new[sel], "#111", "white"),
                           linewidths=np.where(new[sel], 1.2, 0.7), zorder=10)
        if chars:
            for x, y in zip(sx[mask & used], sy[mask & used], strict=True):
                ax.text(x, y, symbol, ha="center", va="center", fontsize=STATION_CHAR_PT,
                        color="white", fontweight="bold", zorder=11, family=families)
        zh, en = KIND_LABELS.get(kind, KIND_LABELS["other"])
        handles.append(Line2D([], [], ls="none", marker=marker, ms=STATION_PT * 0.8, mfc=colour,
                              mec="white", label=f"{symbol} {zh}" if lang == "zh" else en))
    if (~used).any():
        handles.append(Line2D([], [], ls="none", marker="o", ms=STATION_PT * 0.8, mfc="#6c757d",
                              mec="white", alpha=0.35, label=w("unused", lang)))
    if new.any():
        # the what-if symbol: a dashed dark ring around the station, the same in the legend
        ring = ax.scatter(sx[new], sy[new], s=(STATION_PT * 1.75) ** 2, marker="o",
                          facecolors="none", edgecolors=str(WHATIF_STYLE["ring"]),
                          linewidths=1.1, linestyles=[WHATIF_STYLE["dash"]], zorder=12,
                          label=w("whatif", lang, n=int(new.sum()),
                                  ids=id_span(hypothetical_ids(st), 3, lang)))
        handles.append(ring)
    return handles


def _side_panel(
    fig: Figure,
    summ: dict,
    handles: list[object],
    lang: str,
    families: list[str],
    width_mm: float,
    height_mm: float,
    illustrative: bool,
    target: float | None,
    hypothetical: int = 0,
) -> None:
    font = {"family": families}
    left = 220 / width_mm

    def at(top_mm: float) -> float:
        return 1 - top_mm / height_mm

    fig.text(left, at(24), w("coverage", lang), fontsize=9, color="#555", va="top", **font)
    share = float(summ["coverage"])
    colour = "#1b7837" if share >= 0.8 else "#d97706" if share >= 0.5 else "#b00020"
    fig.text(left, at(29), pct(share), fontsize=24, fontweight="bold", color=colour, va="top",
             **font)
    lines = [
        f"{w('uncovered', lang)}  {num(summ['uncovered_demand'])} / {num(summ['total_demand'])}",
        f"{w('gaps', lang)}  {len(summ['gaps'])}",
        f"{w('stations', lang)}  {summ['stations_used']} / {summ['stations_total']}"
        + (w("whatif_count", lang, n=hypothetical) if hypothetical else ""),
    ]
    bands = summ.get("bands") or []
    if bands:
        mins = " / ".join(f"{b['minutes']:g}" for b in bands)
        shares = " / ".join(pct(b["share"]) for b in bands)
        lines.append(w("within_bands", lang, minutes=mins, shares=shares))
    if target is not None:
        met = share >= target - 1e-12
        lines.append(w("target_met" if met else "target_missed", lang, share=pct(target, 0)))
    fig.text(left, at(41), "\n".join(lines), fontsize=8.5, color="#222", va="top",
             linespacing=1.55, **font)
    legend_top = 41 + 4.7 * len(lines) + 5  # mm: below the numbers (8.5 pt, 1.55 lines)
    leg = fig.legend(handles=handles, loc="upper left",
                     bbox_to_anchor=(left - 0.004, at(legend_top)),
                     prop={"family": families, "size": 7.5}, frameon=False,
                     title=w("legend", lang), title_fontproperties={"family": families,
                                                                    "size": 9,
                                                                    "weight": "bold"},
                     alignment="left", handlelength=1.8, borderaxespad=0, labelspacing=0.55)
    leg.set_zorder(30)
    if illustrative:
        fig.text(left, at(7), w("illustrative", lang), fontsize=9, color="#b00020",
                 fontweight="bold", va="top", **font)
