"""The sentences of the report pack, in Chinese and English.

Chinese is the default; the English words are for ``lang="en"``. Labels, number
formats and scenario names come from :mod:`geo.words` (re-exported here), so the
pictures, the workbook and the summary agree with the app and the maps.
"""

from __future__ import annotations

from typing import Any

from geo.words import LANGS, check_lang, num, pct, pick, scenario_label, scenario_line

__all__ = ["LANGS", "WORDS", "check_lang", "num", "pct", "scenario_label", "scenario_line", "w"]

#: key → (Chinese, English)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("{minutes:g}分钟服务圈覆盖报告", "{minutes:g}-minute service coverage report"),
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
    "streets_from": ("街道、水系、铁路取自路网文件 {file}", "streets, water and rail from {file}"),
    "streets": ("街道", "streets"),
    "water": ("水系", "water"),
    "rail": ("铁路", "rail"),
    "no_tiles_short": ("无在线底图 no web basemap", "no web basemap"),
    "north": ("北", "N"),
    "scale_unit_m": ("m", "m"),
    "scale_unit_km": ("km", "km"),
    "date": ("分析日期 {date}", "analysis date {date}"),
    "whatif": ("假设站点（虚线圈，非已建）{n} 个：{ids}",
               "what-if stations (dashed ring, not built): {n}, {ids}"),
    "whatif_count": ("（含假设站点 {n} 个）", " (incl. {n} what-if)"),
}




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
    text = pick(WORDS, key, lang)
    return text.format(**fields) if fields else text









