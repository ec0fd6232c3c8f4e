"""Report maps: a standalone Folium/Leaflet HTML map of a coverage result.

Layers: 15/10/5-minute coverage bands, gaps (ranked, labelled), 网格 outlines
coloured by coverage, demand (graduated circles, covered or not) and stations
(one symbol and colour per kind; charging piles square), with a layer control,
a legend and a title.

Three things a report map in China must get right:

* **Datum per basemap.** Amap and Tencent tiles are drawn in GCJ-02,
  OpenStreetMap and Carto in WGS-84. Every geometry is shifted to the
  basemap's datum (points and polygon vertices), so a station sits on its
  street whichever basemap is chosen.
* **Escaping.** Names, addresses and 网格 names come from users. They are
  HTML-escaped in Python, and the layer data is embedded as JSON with
  ``<``, ``>``, ``&`` and quotes written as ``\\u`` escapes, so nothing a user
  typed can open a tag or end a script.
* **Reach.** Only core Leaflet is loaded (no jQuery, Bootstrap or icon fonts):
  from a CDN (``assets="cdn"``), from an office mirror (``asset_base``), or
  embedded in the file (``assets="inline"``, see :mod:`geo.assets`), so a
  report opens where public CDNs are blocked. Tiles always need the network.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template
from pyproj import Transformer

from geo import crs as crsmod
from geo import demo as demomod
from geo.errors import SettingsError
from geo.reach import straight_service_areas
from geo.schema import AMENITY_LABELS, KIND_LABELS, LEVEL_LABELS
from geo.settings import MODE_LABELS_ZH

if TYPE_CHECKING:
    from geo.result import CoverageResult


@dataclass(frozen=True)
class TileSpec:
    """A basemap: where its tiles come from and in which datum they are drawn."""

    label_zh: str
    label_en: str
    url: str
    attribution: str
    datum: str  # "wgs84" or "gcj02"
    subdomains: str = "abc"
    max_zoom: int = 19


TILES: dict[str, TileSpec] = {
    "osm": TileSpec(
        "OpenStreetMap 标准地图", "OpenStreetMap",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        "wgs84",
    ),
    "carto": TileSpec(
        "Carto 浅色底图", "Carto light",
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
        "wgs84", "abcd", 20,
    ),
    "amap": TileSpec(
        "高德地图", "Amap (Gaode)",
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>',
        "gcj02", "1234", 18,
    ),
    "amap-satellite": TileSpec(
        "高德卫星图", "Amap satellite",
        "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
        '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>',
        "gcj02", "1234", 18,
    ),
    "tencent": TileSpec(
        "腾讯地图", "Tencent Maps",
        "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&type=vector&styleid=0",
        '&copy; <a href="https://map.qq.com/">腾讯地图 Tencent</a>',
        "gcj02", "0123", 18,
    ),
}

#: Colour and one-character symbol per station kind.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "supply": ("#d1495b", "补"),
    "energy_pool": ("#00798c", "能"),
    "rest": ("#edae49", "站"),
    "training": ("#6a4c93", "训"),
    "charging_pile": ("#2a9d8f", "桩"),
    "other": ("#6c757d", "他"),
}
BAND_COLOURS = ("#1b7837", "#5aae61", "#a6dba0")  # 5, 10, 15 minutes (darkest nearest)
COVERED_COLOUR, UNCOVERED_COLOUR, GAP_COLOUR = "#3a86ff", "#e63946", "#e63946"
CAPTURED_COLOUR = "#8338ec"  # demand newly covered by sites chosen in siting
GRID_CLASSES = (  # (minimum coverage, colour, label)
    (0.8, "#2a9d8f", "≥ 80%"),
    (0.5, "#f4a261", "50–80%"),
    (0.0, "#e63946", "< 50%"),
)
DEMAND_POINT_LIMIT = 5000  # above this, demand is drawn per cell
_PRECISION_DEG = 1e-5  # about 1 m: coordinates written with 5 decimals
_SIMPLIFY_M = 1.0


def esc(value: object) -> str:
    """HTML-escape a user string for popups, tooltips and legends (quotes and backticks too)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).replace("`", "&#96;")


def _json_for_script(obj: Any) -> str:
    """JSON safe inside a ``<script>``: no raw ``<``, ``>``, ``&``, quotes or line separators."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


class _GeoLayer(MacroElement):
    """A Leaflet GeoJSON layer whose features carry ready-made (escaped) tooltip/popup HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
            style: function (f) { return f.properties.s || {}; },
            pointToLayer: function (f, latlng) {
                var s = f.properties.s || {};
                if (f.properties.icon) {
                    return L.marker(latlng, {icon: L.divIcon({
                        html: f.properties.icon, className: "geo-icon",
                        iconSize: [s.size || 22, s.size || 22]}),
                        zIndexOffset: s.z || 0, keyboard: false});
                }
                return L.circleMarker(latlng, s);
            },
            onEachFeature: function (f, layer) {
                if (f.properties.t) {
                    layer.bindTooltip(f.properties.t, {sticky: !f.properties.icon});
                }
                if (f.properties.p) { layer.bindPopup(f.properties.p, {maxWidth: 340}); }
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]]) -> None:
        super().__init__()
        self._name = "GeoLayer"
        self.data = _json_for_script({"type": "FeatureCollection", "features": features})


class _HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML (legend, title); the HTML is built escaped."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", {{ this.css_class }});
            div.innerHTML = {{ this.html }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.html = _json_for_script(html_text)
        self.position = _json_for_script(position)
        self.css_class = _json_for_script(css_class)


_CSS = """
<style>
.geo-icon { background: none; border: none; }
.geo-st { width: 20px; height: 20px; border-radius: 50%; border: 2px solid #fff;
  color: #fff; font: bold 11px/20px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  text-align: center; box-shadow: 0 0 3px rgba(0,0,0,.6); }
.geo-st.pile { border-radius: 3px; width: 16px; height: 16px; line-height: 16px; font-size: 10px; }
.geo-st.unused { opacity: .45; }
.geo-st.new { border: 2px dashed #111; }
.geo-rank { background: #fff; border: 2px solid #e63946; color: #e63946; border-radius: 10px;
  font: bold 11px/16px sans-serif; text-align: center; min-width: 16px; padding: 0 3px; }
.geo-legend, .geo-title { background: rgba(255,255,255,.93); padding: 8px 10px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.35);
  font: 12px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; }
.geo-legend { max-width: 260px; }
.geo-legend h4, .geo-title h3 { margin: 0 0 4px; font-size: 13px; }
.geo-title h3 { font-size: 15px; }
.geo-legend .row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.geo-legend .sw { width: 16px; height: 12px; flex: none; border-radius: 2px; }
.geo-legend .dot { width: 12px; height: 12px; flex: none; border-radius: 50%; }
.geo-legend .note, .geo-title .note { color: #555; font-size: 11px; margin-top: 4px; }
.geo-legend .demo, .geo-title .demo { color: #b00020; font-weight: bold; }
.geo-pop table { border-collapse: collapse; font-size: 12px; }
.geo-pop th { text-align: left; color: #555; font-weight: normal; padding: 1px 8px 1px 0;
  white-space: nowrap; vertical-align: top; }
.geo-pop td { padding: 1px 0; }
</style>
"""


# --- geometry helpers ---------------------------------------------------------------------


def _to_display(
    lon: np.ndarray, lat: np.ndarray, datum: str
) -> tuple[np.ndarray, np.ndarray]:
    if datum == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return crsmod.from_wgs84(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), datum)


def _geoms_to_display(geoms: np.ndarray, datum: str) -> np.ndarray:
    """WGS-84 geometries → the basemap's datum, snapped to about 1 m."""
    geoms = np.asarray(geoms, dtype=object)
    if datum != "wgs84" and geoms.size:
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(crsmod.from_wgs84(xy[:, 0], xy[:, 1], datum))
        )
    snapped = shapely.set_precision(geoms, _PRECISION_DEG)  # keeps polygons valid
    return shapely.transform(snapped, lambda xy: np.round(xy, 5))  # short decimals in the file


def _metric_simplify(geoms: np.ndarray, result: CoverageResult) -> np.ndarray:
    """Simplify WGS-84 polygons by about 1 m (in the result's metric CRS)."""
    if not len(geoms):
        return geoms
    to_m = Transformer.from_crs(4326, result.metric_crs, always_xy=True)
    back = Transformer.from_crs(result.metric_crs, 4326, always_xy=True)
    m = crsmod.reproject(geoms, to_m)
    m = shapely.simplify(m, _SIMPLIFY_M)
    return crsmod.reproject(m, back)


def _feature(geom: shapely.Geometry, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {k: v for k, v in props.items() if v is not None},
        "geometry": json.loads(shapely.to_geojson(geom)),
    }


def _rows_html(rows: list[tuple[str, object]]) -> str:
    """A popup table; labels are ours, values are escaped here."""
    cells = "".join(
        f"<tr><th>{label}</th><td>{esc(value)}</td></tr>"
        for label, value in rows
        if value not in (None, "") and not (isinstance(value, float) and np.isnan(value))
    )
    return f'<div class="geo-pop"><table>{cells}</table></div>'


def _pct(share: float | None) -> str:
    if share is None or (isinstance(share, float) and not np.isfinite(share)):
        return "—"
    return f"{share * 100:.1f}%"


def _num(value: float) -> str:
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"


def _amenity_labels(keys: str) -> str:
    out = []
    for key in str(keys or "").split(";"):
        if key:
            out.append(AMENITY_LABELS[key][0] if key in AMENITY_LABELS else key)
    return "、".join(out)


# --- layers -------------------------------------------------------------------------------


def _network_bands(result: CoverageResult) -> list[tuple[float, Any, str]]:
    """Service areas along the streets (one union per band, built by :mod:`geo.network`)."""
    s = result.settings
    area = (
        shapely.union_all(result.area.geometry.to_numpy()) if result.area is not None else None
    )
    bands = result.network.band_polygons(s.bands, area=area)
    mode = f"{MODE_LABELS_ZH.get(s.mode, s.mode)} {s.speed_kmh:g} km/h"
    return [
        (m, geom, f"{m:g} 分钟路网可达 within {m:g} min along the streets ({mode})")
        for m, geom in zip(bands["minutes"], bands.geometry.to_numpy(), strict=True)
    ]


def _overstated_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    """Demand the straight line calls covered but the streets do not reach in time."""
    p = result.points
    if result.network is None or "straight_covered" not in p:
        return []
    mask = p["straight_covered"].to_numpy(dtype=bool) & ~p["covered"].to_numpy(dtype=bool)
    if not mask.any():
        return []
    sub = p[mask]
    lon, lat = _to_display(sub["lon"].to_numpy(), sub["lat"].to_numpy(), datum)
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
                    "s": {"radius": 7, "color": "#f77f00", "weight": 2, "fill": False},
                    "t": f"直线高估 overstated: {esc(row.id)} · {_num(row.weight)} · {why}",
                },
                "geometry": {"type": "Point",
                             "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)]},
            }
        )
    return feats


def _straight_bands(result: CoverageResult) -> list[tuple[float, Any, str]]:
    """Circles of straight-line reach (÷ circuity) around the used stations, one union per band."""
    st = result.stations[result.stations["used"].to_numpy(dtype=bool)]
    if len(st) == 0:
        return []
    s = result.settings
    to_m = Transformer.from_crs(4326, result.metric_crs, always_xy=True)
    back = Transformer.from_crs(result.metric_crs, 4326, always_xy=True)
    x, y = to_m.transform(st.geometry.x.to_numpy(), st.geometry.y.to_numpy())
    clip = None
    if result.area is not None:
        area = shapely.union_all(result.area.geometry.to_numpy())
        clip = crsmod.reproject(area, to_m)
    mode = f"{MODE_LABELS_ZH.get(s.mode, s.mode)} {s.speed_kmh:g} km/h"
    out = []
    for minutes, radius, shape in straight_service_areas(
        np.asarray(x), np.asarray(y), s, clip=clip, simplify_m=_SIMPLIFY_M
    ):
        wgs = crsmod.reproject(shape, back)
        tip = f"{minutes:g} 分钟可达 within {minutes:g} min ({mode}, 直线 {radius:,.0f} m)"
        out.append((minutes, wgs, tip))
    return out


def _band_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    """The 5/10/15-minute bands, widest first (drawn underneath), darkest nearest."""
    bands = _network_bands(result) if result.network is not None else _straight_bands(result)
    if not bands:
        return []
    bands.sort(key=lambda band: -band[0])
    geoms = _geoms_to_display(np.array([g for _, g, _ in bands], dtype=object), datum)
    colours = dict(zip(sorted(result.settings.bands), BAND_COLOURS, strict=False))
    features = []
    for (minutes, _, tip), geom in zip(bands, geoms, strict=True):
        if geom is None or shapely.is_empty(geom):
            continue
        colour = colours.get(minutes, BAND_COLOURS[-1])
        features.append(
            _feature(
                geom,
                s={"color": colour, "weight": 0, "fillColor": colour, "fillOpacity": 0.28},
                t=tip,
            )
        )
    return features


def _gap_features(result: CoverageResult, datum: str, top: int) -> tuple[list, list]:
    gaps = result.gaps
    if len(gaps) == 0:
        return [], []
    geoms = _geoms_to_display(_metric_simplify(gaps.geometry.to_numpy(), result), datum)
    polys, labels = [], []
    lon, lat = _to_display(gaps["lon"].to_numpy(), gaps["lat"].to_numpy(), datum)
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    for i, row in enumerate(gaps.itertuples(index=False)):
        grid = row.grid if isinstance(row.grid, str) else ""
        tip = (
            f"缺口 #{int(row.rank)} Gap · 未覆盖需求 {_num(row.demand)} · "
            f"{row.area_m2 / 1e6:.3f} km²" + (f" · {esc(grid)}" if grid else "")
        )
        polys.append(
            _feature(
                geoms[i],
                s={"color": GAP_COLOUR, "weight": 1.5, "fillColor": GAP_COLOUR,
                   "fillOpacity": 0.35},
                t=tip,
                p=_rows_html([
                    ("缺口 Gap", f"#{int(row.rank)}"),
                    ("未覆盖需求 Uncovered demand", _num(row.demand)),
                    ("面积 Area", f"{row.area_m2 / 1e6:.3f} km²"),
                    ("网格 Grid", grid),
                    ("位置 WGS-84", f"{row.lon:.5f}, {row.lat:.5f}"),
                ]),
            )
        )
        if i < top:
            labels.append(
                _feature(
                    shapely.Point(lon[i], lat[i]),
                    icon=f'<div class="geo-rank">{int(row.rank)}</div>',
                    s={"size": 20, "z": 500},
                    t=tip,
                )
            )
    return polys, labels


def _grid_class(share: float) -> tuple[str, str]:
    if not np.isfinite(share):
        return "#8d99ae", "无需求 no demand"
    for minimum, colour, label in GRID_CLASSES:
        if share >= minimum:
            return colour, label
    return GRID_CLASSES[-1][1], GRID_CLASSES[-1][2]  # pragma: no cover


def _grid_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    if result.grids is None or len(result.grids) == 0:
        return []
    table = result.grid_table
    geoms = _geoms_to_display(_metric_simplify(result.grids.geometry.to_numpy(), result), datum)
    feats = []
    for geom, row in zip(geoms, table.itertuples(index=False), strict=True):
        colour, _ = _grid_class(float(row.coverage))
        feats.append(
            _feature(
                geom,
                s={"color": colour, "weight": 2.5, "dashArray": "6 4", "fill": True,
                   "fillColor": colour, "fillOpacity": 0.04},
                t=f"{esc(row.grid)} · 覆盖率 {_pct(float(row.coverage))}",
                p=_rows_html([
                    ("网格 Grid", row.grid),
                    ("覆盖率 Coverage", _pct(float(row.coverage))),
                    ("需求 Demand", _num(row.demand)),
                    ("未覆盖 Uncovered", _num(row.uncovered_demand)),
                    ("站点 Stations", int(row.stations)),
                    ("缺口 Gaps", int(row.gaps)),
                ]),
            )
        )
    return feats


def _demand_frame(result: CoverageResult) -> tuple[pd.DataFrame, bool]:
    """Demand to draw: the points, or per cell when there are many."""
    p = result.points
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
    if len(frame) <= DEMAND_POINT_LIMIT:
        return frame, False
    w = frame["weight"].to_numpy()
    frame["wlon"] = frame["lon"] * w
    frame["wlat"] = frame["lat"] * w
    frame["wcov"] = np.where(frame["covered"], w, 0.0)
    g = frame.assign(cell=p["cell"].astype(str).to_numpy()).groupby("cell", sort=False)
    agg = g.agg(
        weight=("weight", "sum"), wlon=("wlon", "sum"), wlat=("wlat", "sum"),
        wcov=("wcov", "sum"), lon=("lon", "mean"), lat=("lat", "mean"),
        minutes=("minutes", "min"), n=("id", "size"),
    ).reset_index()
    has = agg["weight"] > 0
    agg.loc[has, "lon"] = agg.loc[has, "wlon"] / agg.loc[has, "weight"]
    agg.loc[has, "lat"] = agg.loc[has, "wlat"] / agg.loc[has, "weight"]
    agg["covered"] = agg["wcov"] >= agg["weight"] - 1e-9
    agg["id"] = agg["cell"]
    agg["nearest"] = None
    return agg, True


def _demand_features(result: CoverageResult, datum: str) -> list[dict[str, Any]]:
    frame, per_cell = _demand_frame(result)
    if len(frame) == 0:
        return []
    lon, lat = _to_display(frame["lon"].to_numpy(), frame["lat"].to_numpy(), datum)
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
                    "t": f"需求{unit} {esc(row.id)} · {_num(row.weight)} · {mins} · {state}",
                    "p": _rows_html([
                        ("需求 Demand", f"{_num(row.weight)} ({esc(row.id)})"),
                        ("到最近站点 To nearest station", mins),
                        ("最近站点 Nearest", row.nearest),
                        ("状态 Status", state),
                    ]),
                },
                "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]},
            }
        )
    return feats


def _captured_features(captured: pd.DataFrame, datum: str) -> list[dict[str, Any]]:
    if len(captured) == 0:
        return []
    lon, lat = _to_display(captured["lon"].to_numpy(dtype=float),
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
                "t": f"由新站点 {esc(site)} 覆盖 captured by new site · {_num(weight)}",
            },
            "geometry": {"type": "Point",
                         "coordinates": [round(float(x), 5), round(float(y), 5)]},
        }
        for x, y, r, weight, site in zip(lon, lat, radius, w, captured["site"], strict=True)
    ]


def _station_features(
    result: CoverageResult, datum: str, stations: gpd.GeoDataFrame | None = None
) -> list[dict[str, Any]]:
    st = result.stations if stations is None else stations
    if len(st) == 0:
        return []
    lon, lat = _to_display(st.geometry.x.to_numpy(), st.geometry.y.to_numpy(), datum)
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
    new = (
        st["hypothetical"].to_numpy(dtype=bool)
        if "hypothetical" in st
        else np.zeros(len(st), dtype=bool)
    )
    feats = []
    for i in range(len(st)):
        kind = str(kinds[i] or "other")
        colour, symbol = KIND_STYLE.get(kind, KIND_STYLE["other"])
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
        popup = _rows_html([
            ("名称 Name", name),
            ("类型 Kind", f"{kind_zh} {kind_en}" + (f"（{cats[i]}）" if cats[i] and cats[i]
                                                      != kind_zh else "")),
            ("层级 Level", level_text),
            ("设施 Amenities", amen_text[i] or _amenity_labels(amen[i])),
            ("开放时间 Hours", hours[i]),
            ("地址 Address", addresses[i]),
            ("编号 ID", ids[i]),
            ("覆盖需求 Covers", _num(covered) if covered is not None else ""),
            ("独有覆盖 Only it covers", _num(unique) if unique is not None else ""),
            ("状态 Status", status),
            ("假设站点 What-if", "是 yes" if new[i] else ""),
        ])
        size = 16 if kind == "charging_pile" else 20
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "icon": f'<div class="{classes}" style="background:{colour}">{symbol}</div>',
                    "s": {"size": size + 4, "z": 1000 if new[i] else 0},
                    "t": f"{esc(name)} · {kind_zh}",
                    "p": popup,
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)],
                },
            }
        )
    return feats


# --- legend and title -----------------------------------------------------------------------


def _legend_html(result: CoverageResult, tile: TileSpec, kinds: list[str], demo: bool) -> str:
    s = result.settings
    rows = ['<h4>图例 Legend</h4>']
    for minutes, colour in zip(sorted(s.bands), BAND_COLOURS, strict=False):
        rows.append(
            f'<div class="row"><span class="sw" style="background:{colour};opacity:.6"></span>'
            f"{minutes:g} 分钟可达 within {minutes:g} min</div>"
        )
    rows.append(
        f'<div class="row"><span class="sw" style="background:{GAP_COLOUR};opacity:.6;'
        f'border:1px solid {GAP_COLOUR}"></span>缺口（数字为排名）gap, ranked</div>'
    )
    if result.grids is not None and len(result.grids):
        for _, colour, label in GRID_CLASSES:
            rows.append(
                f'<div class="row"><span class="sw" style="border:2px dashed {colour}"></span>'
                f"网格覆盖率 grid coverage {label}</div>"
            )
    rows.append(
        f'<div class="row"><span class="dot" style="background:{COVERED_COLOUR}"></span>'
        "需求·已覆盖 demand covered</div>"
        f'<div class="row"><span class="dot" style="background:{UNCOVERED_COLOUR}"></span>'
        "需求·未覆盖 demand uncovered（大小=需求 size = demand）</div>"
    )
    for kind in kinds:
        colour, symbol = KIND_STYLE.get(kind, KIND_STYLE["other"])
        zh, en = KIND_LABELS.get(kind, KIND_LABELS["other"])
        pile = " pile" if kind == "charging_pile" else ""
        rows.append(
            f'<div class="row"><span class="geo-st{pile}" style="background:{colour};'
            f'width:16px;height:16px;line-height:16px;font-size:10px">{symbol}</span>'
            f"{zh} {en}</div>"
        )
    if result.network is not None:
        rows.append(
            '<div class="row"><span class="dot" style="border:2px solid #f77f00"></span>'
            "直线高估：直线可达、路网不可达 overstated by straight line</div>"
        )
    mode = MODE_LABELS_ZH.get(s.mode, s.mode)
    how = (
        "沿路网 along the streets"
        if result.network is not None
        else f"直线×{s.circuity:g}（可达 {s.reach_m:,.0f} m）"
    )
    rows.append(
        f'<div class="note">{mode} {s.speed_kmh:g} km/h · {s.minutes:g} 分钟 · {how}'
        f"<br>底图 {esc(tile.label_zh)}（{tile.datum.upper()}）"
        "；坐标已按底图坐标系显示 drawn in the basemap's datum</div>"
    )
    if demo:
        rows.append('<div class="note demo">示意数据，非调查数据 · illustrative demo data</div>')
    return "".join(rows)


def _title_html(result: CoverageResult, title: str | None, demo: bool) -> str:
    s = result.summary()
    head = esc(title) if title else "15分钟服务圈覆盖 · 15-minute coverage"
    gaps = len(s["gaps"])
    body = (
        f"覆盖率 Coverage <b>{_pct(s['coverage'])}</b> · 未覆盖需求 {_num(s['uncovered_demand'])}"
        f" · 缺口 {gaps} gaps · 站点 {s['stations_used']}/{s['stations_total']}"
    )
    demo_line = (
        '<div class="note demo">示意数据，非调查数据 — illustrative demo data</div>' if demo else ""
    )
    return f"<h3>{head}</h3><div>{body}</div>{demo_line}"


# --- the map ---------------------------------------------------------------------------------


def _is_demo(result: CoverageResult) -> bool:
    return demomod.dataset_of(result.sources) == "canglang"


def coverage_map(
    result: CoverageResult,
    *,
    tiles: str = "osm",
    title: str | None = None,
    assets: str = "cdn",
    asset_base: str | None = None,
    extra_stations: gpd.GeoDataFrame | None = None,
    demo: bool | None = None,
    gap_labels: int = 10,
    compact: bool = False,
    captured: pd.DataFrame | None = None,
) -> folium.Map:
    """Draw a coverage result on a Folium map.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    tiles
        Basemap key of :data:`TILES`: ``osm``, ``carto``, ``amap``,
        ``amap-satellite`` or ``tencent``. Geometries are drawn in its datum.
    title
        Shown top left (escaped); a default bilingual title otherwise.
    assets
        ``"cdn"`` (Leaflet from ``asset_base`` or jsDelivr) or ``"inline"``
        (Leaflet embedded: the file opens without any CDN).
    asset_base
        Base URL of an office mirror of the npm packages (``…/leaflet@1.9.3/dist/…``).
    extra_stations
        Stations to draw instead of ``result.stations`` (e.g. with what-if ones).
    demo
        Label the map as illustrative demo data; guessed from the file names by default.
    gap_labels
        How many gaps get a rank label.
    compact
        For small map panes (the app): the layer control collapsed, the legend
        folded (click "图例 Legend" to open it) and no title box.
    captured
        Demand newly covered by chosen sites (``lon, lat, weight, site`` in WGS-84;
        :meth:`geo.siting.SitingResult.to_map` gives it): a layer of its own, each
        point saying which new site captures it.

    Returns
    -------
    folium.Map

    Raises
    ------
    SettingsError
        For an unknown basemap or asset mode.
    """
    if tiles not in TILES:
        raise SettingsError(f"unknown basemap '{tiles}': use one of {', '.join(TILES)}")
    if assets not in ("cdn", "inline"):
        raise SettingsError(f"unknown asset mode '{assets}': use cdn or inline")
    tile = TILES[tiles]
    datum = tile.datum
    demo = _is_demo(result) if demo is None else demo

    m = folium.Map(location=[0, 0], zoom_start=13, tiles=None, control_scale=True,
                   prefer_canvas=False)
    _set_assets(m, assets, asset_base)
    m.get_root().header.add_child(Element(_CSS), name="geo_css")
    m.get_root().header.add_child(
        Element(f"<title>{esc(title) if title else '15分钟服务圈覆盖 15-minute coverage'}</title>"),
        name="geo_title",
    )
    folium.TileLayer(
        tiles=tile.url, attr=tile.attribution, name=f"{tile.label_zh} {tile.label_en}",
        subdomains=tile.subdomains, max_zoom=tile.max_zoom, overlay=False, control=True,
    ).add_to(m)

    def layer(name: str, features: list[dict[str, Any]], show: bool = True) -> None:
        if not features:
            return
        group = folium.FeatureGroup(name=name, show=show)
        group.add_child(_GeoLayer(features))
        group.add_to(m)

    layer("可达范围 Reach (5/10/15 min)", _band_features(result, datum))
    grids = _grid_features(result, datum)
    layer("网格 Grids", grids)
    gap_polys, gap_marks = _gap_features(result, datum, gap_labels)
    layer("缺口 Gaps", gap_polys)
    layer("需求 Demand", _demand_features(result, datum))
    layer("直线高估 Overstated by straight line", _overstated_features(result, datum))
    if captured is not None:
        layer("新站点覆盖的需求 Captured by new sites", _captured_features(captured, datum))
    stations = _station_features(result, datum, extra_stations)
    layer("站点 Stations", stations)
    layer("缺口排名 Gap ranks", gap_marks)
    folium.LayerControl(collapsed=compact).add_to(m)

    st = result.stations if extra_stations is None else extra_stations
    kinds = [k for k in KIND_STYLE if "kind" in st and (st["kind"] == k).any()]
    legend = _legend_html(result, tile, kinds, demo)
    if captured is not None and len(captured):
        mark = (f'<div class="row"><span class="dot" style="background:{CAPTURED_COLOUR}"></span>'
                "需求·由新站点覆盖 demand captured by new sites</div>")
        legend = legend.replace('<div class="note">', mark + '<div class="note">', 1)
    if compact:
        head, _, body = legend.partition("</h4>")
        legend = f"<details><summary><b>{head.removeprefix('<h4>')}</b></summary>{body}</details>"
    m.add_child(_HtmlControl(legend, "bottomright", "geo-legend"))
    if not compact:  # the app shows the figures above the map
        m.add_child(_HtmlControl(_title_html(result, title, demo), "topleft", "geo-title"))

    bounds = _bounds(result, st)
    if bounds is not None:
        lon, lat = _to_display(np.array(bounds[0::2]), np.array(bounds[1::2]), datum)
        m.fit_bounds([[float(lat[0]), float(lon[0])], [float(lat[1]), float(lon[1])]])
    return m


def _bounds(result: CoverageResult, stations: gpd.GeoDataFrame) -> tuple[float, ...] | None:
    if result.area is not None and len(result.area):
        return tuple(result.area.total_bounds)
    parts = [result.points.total_bounds] if len(result.points) else []
    if len(stations):
        parts.append(stations.total_bounds)
    if not parts:
        return None
    b = np.array(parts)
    return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def _set_assets(m: folium.Map, mode: str, base: str | None) -> None:
    """Load only core Leaflet: from a CDN or mirror, or embedded in the page."""
    from geo import assets

    if mode == "inline":
        js, css = assets.inline_leaflet()
        m.default_js = []
        m.default_css = []
        root = m.get_root()
        root.header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
        safe_js = js.replace("</script", "<\\/script")
        root.header.add_child(Element(f"<script>{safe_js}</script>"), name="leaflet_js_inline")
    else:
        js_url, css_url = assets.leaflet_urls(base)
        m.default_js = [("leaflet", js_url)]
        m.default_css = [("leaflet_css", css_url)]


def map_html(result: CoverageResult, **kwargs: Any) -> str:
    """The standalone report map as an HTML string (see :func:`coverage_map` for options)."""
    return coverage_map(result, **kwargs).get_root().render()


def save_map(result: CoverageResult, path: str | PathLike[str], **kwargs: Any) -> Path:
    """Write the report map to an HTML file in UTF-8.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    path
        Output ``.html`` file.
    **kwargs
        Options of :func:`coverage_map`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    from geo.errors import InputError

    p = Path(path)
    if not p.parent.exists():
        raise InputError("cannot write: the folder does not exist", file=str(path))
    text = map_html(result, **kwargs)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    return p
