"""The words of the report pack, in Chinese and English, and the scenario labels.

Chinese is the default; the English words are for ``lang="en"``. Numbers are
formatted here once, so the pictures, the workbook and the summary agree.
"""

from __future__ import annotations

import math
from typing import Any

from geo.errors import SettingsError
from geo.schema import category_kind, parse_amenities
from geo.ui_text import amenity_label, kind_label, mode_label

LANGS: tuple[str, ...] = ("zh", "en")

#: key → (Chinese, English)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("{minutes:g}分钟服务圈覆盖报告", "{minutes:g}-minute service coverage report"),
    "all_stations": ("全部站点", "all stations"),
    "with_amenity": ("有{amenity}的站点", "stations with {amenity}"),
    "open_at": ("{at} 开放的站点", "stations open at {at}"),
    "kinds": ("{kinds}", "{kinds}"),
    "curve_title": ("N 分钟内可达的需求占比", "Share of demand within N minutes"),
    "curve_title_cells": ("N 分钟内可达的面积占比", "Share of area within N minutes"),
    "curve_x": ("到最近站点的出行时间（分钟）", "Travel time to the nearest station (minutes)"),
    "curve_y": ("可达需求占比", "Share of demand reached"),
    "curve_y_cells": ("可达面积占比", "Share of area reached"),
    "threshold": ("{minutes:g} 分钟", "{minutes:g} min"),
    "target": ("目标 {share}", "target {share}"),
    "target_met": ("目标 {share}：已达到", "target {share}: met"),
    "target_missed": ("目标 {share}：未达到", "target {share}: not met"),
    "network_note": (
        "沿路网计算；路网外或不可达的需求（{share}）在任何时间内都不计为可达",
        "along the street network; demand off the network or unreachable ({share}) "
        "is never counted as reached",
    ),
    "straight_note": ("直线距离 × 绕行系数 {circuity:g}", "straight line × circuity {circuity:g}"),
    "grids_title": ("各网格 {minutes:g} 分钟覆盖率", "{minutes:g}-minute coverage per grid"),
    "grids_x": ("覆盖率", "Coverage"),
    "no_demand": ("无需求", "no demand"),
    "uncovered_short": ("未覆盖 {value}", "uncovered {value}"),
    "more_grids": ("另有 {n} 个网格见 report.xlsx", "{n} more grids in report.xlsx"),
    "legend": ("图例", "Legend"),
    "band": ("{minutes:g} 分钟可达", "within {minutes:g} min"),
    "gap": ("缺口（数字为排名）", "gap (number = rank)"),
    "grid_class": ("网格覆盖率 {label}", "grid coverage {label}"),
    "grid_nodemand": ("网格（无需求）", "grid (no demand)"),
    "area": ("研究范围", "study area"),
    "demand_covered": ("需求·已覆盖", "demand, covered"),
    "demand_uncovered": ("需求·未覆盖", "demand, uncovered"),
    "demand_size": ("（大小 = 需求）", "(size = demand)"),
    "unused": ("未计入的站点（筛选）", "station not counted (filter)"),
    "overstated": ("直线高估：直线可达、路网不可达", "overstated by the straight line"),
    "coverage": ("覆盖率", "Coverage"),
    "uncovered": ("未覆盖需求", "Uncovered demand"),
    "gaps": ("缺口", "Gaps"),
    "stations": ("站点", "Stations"),
    "within_bands": ("{minutes} 分钟内：{shares}", "within {minutes} min: {shares}"),
    "illustrative": ("示意数据，非调查数据", "illustrative data, not surveyed"),
    "no_tiles": ("无在线底图；坐标 WGS-84，按 {crs} 投影绘制",
                 "no web basemap; WGS-84 data drawn in {crs}"),
    "no_tiles_short": ("无在线底图 no web basemap", "no web basemap"),
    "north": ("北", "N"),
    "scale_unit_m": ("m", "m"),
    "scale_unit_km": ("km", "km"),
    "date": ("分析日期 {date}", "analysis date {date}"),
    "method_euclidean": ("直线×绕行系数 {circuity:g}（可达 {reach:,.0f} m）",
                         "straight line × {circuity:g} (reach {reach:,.0f} m)"),
    "method_network": ("沿街道路网", "along the street network"),
}


def check_lang(lang: str) -> str:
    """Validate a report language.

    Parameters
    ----------
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str

    Raises
    ------
    SettingsError
        For any other value.
    """
    if lang not in LANGS:
        raise SettingsError(f"unknown report language '{lang}': use zh or en")
    return lang


def w(key: str, lang: str, **fields: Any) -> str:
    """The words ``key`` in ``lang``, with ``fields`` filled in.

    Parameters
    ----------
    key
        A key of :data:`WORDS`.
    lang
        ``zh`` or ``en``.
    **fields
        Values for the ``{placeholders}``.

    Returns
    -------
    str
    """
    zh, en = WORDS[key]
    text = en if lang == "en" else zh
    return text.format(**fields) if fields else text


def pct(share: float | None, digits: int = 1) -> str:
    """A share as a percentage (``72.6%``), ``—`` when unknown.

    Parameters
    ----------
    share
        0..1 or ``None``/NaN.
    digits
        Decimals.

    Returns
    -------
    str
    """
    if share is None or not math.isfinite(float(share)):
        return "—"
    return f"{float(share) * 100:.{digits}f}%"


def num(value: float | None) -> str:
    """A demand weight: whole numbers without decimals, else one decimal; ``—`` when unknown.

    Parameters
    ----------
    value
        The number.

    Returns
    -------
    str
    """
    if value is None or not math.isfinite(float(value)):
        return "—"
    v = float(value)
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.1f}"


def scenario_label(params: dict[str, Any], lang: str) -> str:
    """Name a scenario by its station filters: ``全部站点``, ``有充电的站点``, ``23:00 开放的站点``.

    Parameters
    ----------
    params
        ``summary()["params"]`` of the scenario's result.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    parts = []
    if params.get("categories"):
        sep = "、" if lang == "zh" else ", "
        parts.append(sep.join(_kind_text(str(k), lang) for k in params["categories"]))
    if params.get("amenity"):
        words = [amenity_label(a, lang) for a in parse_amenities(params["amenity"])]
        parts.append(w("with_amenity", lang, amenity=("、" if lang == "zh" else ", ").join(words)))
    if params.get("at"):
        parts.append(w("open_at", lang, at=params["at"]))
    if not parts:
        return w("all_stations", lang)
    return ("，" if lang == "zh" else "; ").join(parts)


def _kind_text(category: str, lang: str) -> str:
    kind = category_kind(category)
    return category if kind == "other" else kind_label(kind, lang)


def scenario_line(params: dict[str, Any], lang: str) -> str:
    """The travel assumptions in one line: ``步行 4.8 km/h · 15 分钟 · 直线×1.3（可达 923 m）``.

    Parameters
    ----------
    params
        ``summary()["params"]``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    how = (
        w("method_network", lang)
        if params["method"] == "network"
        else w("method_euclidean", lang, circuity=params["circuity"], reach=params["reach_m"])
    )
    minutes = f"{params['minutes']:g} 分钟" if lang == "zh" else f"{params['minutes']:g} min"
    return f"{mode_label(params['mode'], lang)} {params['speed_kmh']:g} km/h · {minutes} · {how}"
