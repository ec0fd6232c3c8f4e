"""``report.xlsx``: the summary, per-网格, gaps, stations, rejected rows and the curve, as sheets.

Readable Chinese (or English) headers, a frozen and filtered header row,
column widths set from the content, number formats for shares, demand and
coordinates. The file is deterministic: document properties carry a fixed
time (or the analysis date) and the zip entries a fixed timestamp, so the same
inputs give the same bytes. Text that would start a formula (``=…``) is
stored as text, and characters XML cannot hold are removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from geo.io.sheets import FIXED_TIME, ZIP_TIME, Sheet, xlsx_bytes
from geo.report.charts import coverage_curve
from geo.report.places import gap_places
from geo.report.words import scenario_label, w
from geo.result import CoverageResult
from geo.schema import KIND_LABELS, LEVEL_LABELS
from geo.words import COLUMNS, method_label, mode_label, pick

__all__ = ["FIXED_TIME", "FORMATS", "SHEETS", "ZIP_TIME", "workbook_bytes"]


SHEETS: dict[str, tuple[str, str]] = {
    "summary": ("摘要", "Summary"),
    "grids": ("网格", "Grids"),
    "gaps": ("缺口", "Gaps"),
    "stations": ("站点", "Stations"),
    "issues": ("问题数据", "Rejected rows"),
    "curve": ("覆盖曲线", "Coverage curve"),
}
_EXTRA_COLUMNS: dict[str, tuple[str, str]] = {
    "item": ("项目", "Item"),
    "value": ("值", "Value"),
    "unit": ("说明", "Note"),
    "key": ("JSON 键", "JSON key"),
    "station": ("最近站点", "Nearest station"),
    "station_id": ("最近站点编号", "Nearest station ID"),
    "distance_m": ("距最近站点 (m)", "Distance to it (m)"),
    "direction": ("位于站点的方向", "Direction from it"),
    "level": ("层级", "Level"),
    "category": ("类型（原文）", "Category as written"),
    "amenities": ("设施", "Amenities"),
    "hours": ("开放时间", "Hours"),
    "address": ("地址", "Address"),
    "source_file": ("来源文件", "Source file"),
    "type": ("类别", "Type"),
    "minutes": ("分钟", "Minutes"),
}
FORMATS: dict[str, str] = {
    "coverage": "0.0%",
    "share": "0.0%",
    "area_m2": "#,##0",
    "distance_m": "#,##0",
    "lon": "0.000000",
    "lat": "0.000000",
    "gcj_lon": "0.000000",
    "gcj_lat": "0.000000",
}


def _label(key: str, lang: str) -> str:
    if key in _EXTRA_COLUMNS:
        return pick(_EXTRA_COLUMNS, key, lang)
    return pick(COLUMNS, key, lang)








def _summary_rows(
    result: CoverageResult,
    lang: str,
    *,
    title: str,
    illustrative: bool,
    date: str | None,
    sources: Mapping[str, str],
) -> pd.DataFrame:
    s = result.summary()
    p = s["params"]
    zh = lang != "en"
    none = "不限" if zh else "any"

    def row(item: tuple[str, str], value: Any, unit: str = "", key: str = "") -> dict[str, Any]:
        return {"item": item[1] if not zh else item[0], "value": value, "unit": unit, "key": key}

    method = method_label(p["method"], lang)
    rows = [
        row(("标题", "Title"), title),
        row(("情景", "Scenario"), scenario_label(p, lang)),
    ]
    if illustrative:
        rows.append(row(("数据说明", "Data"), w("illustrative", lang)))
    if date:
        rows.append(row(("分析日期", "Analysis date"), date))
    for key, label in (("stations", ("站点数据", "Station data")),
                       ("demand", ("需求数据", "Demand data")),
                       ("area", ("研究范围", "Study area")),
                       ("grids", ("网格数据", "Grid data")),
                       ("network", ("路网数据", "Street network"))):
        if sources.get(key):
            rows.append(row(label, sources[key]))
    rows += [
        row(("可达计算", "Reach method"), p["method"], method, "params.method"),
        row(("出行方式", "Mode"), p["mode"], mode_label(p["mode"], lang), "params.mode"),
        row(("速度", "Speed"), p["speed_kmh"], "km/h", "params.speed_kmh"),
        row(("时间阈值", "Threshold"), p["minutes"], "分钟" if zh else "min", "params.minutes"),
        row(("绕行系数", "Circuity"), p["circuity"],
            "" if p["method"] == "euclidean" else ("路网方法不用" if zh else "not used"),
            "params.circuity"),
        row(("直线可达距离", "Straight-line reach"), p["reach_m"], "m", "params.reach_m"),
        row(("单元大小", "Cell size"), p["cell_m"], "m", "params.cell_m"),
        row(("单元形状", "Cell shape"), p["cell_shape"], "", "params.cell_shape"),
        row(("站点类型筛选", "Kinds"), "、".join(p["categories"]) or none, "", ""),
        row(("设施筛选", "Amenity"), p["amenity"] or none, "", ""),
        row(("开放时间筛选", "Open at"), p["at"] or none, "", ""),
        row(("需求来源", "Demand from"), s["demand_source"],
            ("需求点表" if zh else "demand points") if s["demand_source"] == "points"
            else ("研究范围内的单元（每格权重 1）" if zh else "cells over the area (weight 1)"),
            "demand_source"),
        row(("总需求", "Total demand"), s["total_demand"], "", "total_demand"),
        row(("已覆盖需求", "Covered demand"), s["covered_demand"], "", "covered_demand"),
        row(("未覆盖需求", "Uncovered demand"), s["uncovered_demand"], "", "uncovered_demand"),
        row(("覆盖率", "Coverage"), s["coverage"], "", "coverage"),
    ]
    for i, b in enumerate(s.get("bands") or []):
        rows.append(row((f"{b['minutes']:g} 分钟内需求占比", f"Share within {b['minutes']:g} min"),
                        b["share"], "", f"bands.{i}.share"))
    rows += [
        row(("有需求的单元", "Cells with demand"), s["total_cells"], "", "total_cells"),
        row(("全部覆盖的单元", "Cells fully covered"), s["covered_cells"], "", "covered_cells"),
        row(("计入的站点", "Stations used"), s["stations_used"], "", "stations_used"),
        row(("站点总数", "Stations read"), s["stations_total"], "", "stations_total"),
        row(("缺口数", "Gaps"), len(s["gaps"]), "", "len(gaps)"),
        row(("网格数", "Grids"), len(s["grids"]), "", "len(grids)"),
    ]
    if s.get("outside_grids"):
        rows.append(row(("网格外需求", "Demand outside every grid"),
                        s["outside_grids"]["demand"], "", "outside_grids.demand"))
    if s.get("outside_area"):
        rows.append(row(("研究范围外需求", "Demand outside the area"),
                        s["outside_area"]["demand"], "", "outside_area.demand"))
    net = s.get("network")
    if net:
        rows += [
            row(("直线高估需求", "Overstated by straight line"), net["overstated_demand"], "",
                "network.overstated_demand"),
            row(("直线高估占比", "Overstated share"), net["overstated_share"], "",
                "network.overstated_share"),
            row(("路网外需求", "Demand off the network"), net["off_network"]["demand"], "",
                "network.off_network.demand"),
            row(("不可达需求", "Demand unreachable"), net["unreachable"]["demand"], "",
                "network.unreachable.demand"),
            row(("吸附距离上限", "Snap limit"), net["snap_limit_m"], "m", "network.snap_limit_m"),
        ]
    rows += [
        row(("剔除的行", "Rejected rows"), len(s["rejected"]), "", "len(rejected)"),
        row(("提示", "Warnings"), len(s["warnings"]), "", "len(warnings)"),
        row(("度量坐标系", "Metric CRS"), s["metric_crs"], "", "metric_crs"),
    ]
    return pd.DataFrame(rows, columns=["item", "value", "unit", "key"])


def _station_sheet(result: CoverageResult, lang: str) -> pd.DataFrame:
    from geo import crs as crsmod

    st = result.stations
    table = result.station_table
    n = len(st)

    def col(name: str) -> np.ndarray:
        return st[name].astype(object).to_numpy() if name in st else np.full(n, None, dtype=object)

    kinds = col("kind")
    levels = col("level")
    lon = st.geometry.x.to_numpy(dtype="float64")
    lat = st.geometry.y.to_numpy(dtype="float64")
    glon, glat = crsmod.wgs84_to_gcj02(lon, lat)
    yes, no = ("是", "否") if lang != "en" else ("yes", "no")
    frame = pd.DataFrame({
        "id": table["id"].to_numpy(dtype=object),
        "name": col("name"),
        "kind": [pick(KIND_LABELS, str(k), lang) if k else None for k in kinds],
        "level": [pick(LEVEL_LABELS, str(v), lang) if v else None for v in levels],
        "amenities": col("amenities_text") if "amenities_text" in st else col("amenities"),
        "hours": col("hours"),
        "address": col("address"),
        "used": np.where(table["used"].to_numpy(dtype=bool), yes, no),
        "excluded": table["excluded"].astype(object).to_numpy(),
        "covered_demand": table["covered_demand"].to_numpy(dtype="float64"),
        "unique_demand": table["unique_demand"].to_numpy(dtype="float64"),
        "lon": np.round(lon, 6),
        "lat": np.round(lat, 6),
        "gcj_lon": np.round(np.asarray(glon, dtype="float64"), 6),
        "gcj_lat": np.round(np.asarray(glat, dtype="float64"), 6),
    })
    if "source_file" in st:
        frame["source_file"] = col("source_file")
    if "hypothetical" in st:
        frame["hypothetical"] = np.where(st["hypothetical"].fillna(False).to_numpy(dtype=bool),
                                         yes, no)
    return frame


def _issues_sheet(result: CoverageResult, lang: str) -> pd.DataFrame:
    rej, warn = ("剔除", "提示") if lang != "en" else ("rejected", "warning")
    rows = [(rej, r.file, int(r.row), r.column, r.reason) for r in result.rejected]
    rows += [(warn, r.file, int(r.row), r.column, r.reason) for r in result.warnings]
    return pd.DataFrame(rows, columns=["type", "file", "row", "column", "reason"])


def _curve_sheet(scenarios: Mapping[str, CoverageResult]) -> tuple[pd.DataFrame, list[str]]:
    labels = list(scenarios)
    main = scenarios[labels[0]]
    grid = coverage_curve(main)["minutes"].to_numpy()
    frame = pd.DataFrame({"minutes": grid})
    for i, label in enumerate(labels):
        frame[f"s{i}"] = coverage_curve(scenarios[label], grid)["share"].to_numpy()
    return frame, labels


def workbook_bytes(
    result: CoverageResult,
    *,
    lang: str = "zh",
    title: str,
    scenarios: Mapping[str, CoverageResult] | None = None,
    illustrative: bool = False,
    date: str | None = None,
    sources: Mapping[str, str] | None = None,
) -> bytes:
    """Build ``report.xlsx``.

    Parameters
    ----------
    result
        The analysis.
    lang
        ``zh`` (Chinese sheet names and headers) or ``en``.
    title
        The report's title (first row of the summary).
    scenarios
        Label → result for the coverage-curve sheet (default: this result alone).
    illustrative
        Say that the data are illustrative.
    date
        Analysis date (``YYYY-MM-DD``) for the summary and the document properties.
    sources
        Where the inputs came from (``stations``, ``demand``, ``area``, ``grids``,
        ``network`` → text), shown in the summary.

    Returns
    -------
    bytes
        The XLSX file; the same inputs give the same bytes.
    """
    scenarios = scenarios or {scenario_label(result.settings.params(), lang): result}
    when = FIXED_TIME
    if date:
        try:
            when = dt.datetime.fromisoformat(str(date)[:10])
        except ValueError:
            when = FIXED_TIME

    def sheet(key: str, frame: pd.DataFrame, **kw: Any) -> Sheet:
        headers = kw.pop("headers", None) or [_label(str(k), lang) for k in frame.columns]
        return Sheet(pick(SHEETS, key, lang), frame, headers=headers,
                     formats={**FORMATS, **kw.pop("formats", {})}, **kw)

    summ = _summary_rows(result, lang, title=title, illustrative=illustrative, date=date,
                         sources=sources or {})
    shares = {
        (r, 2): "0.00%" for r, key in enumerate(summ["key"], start=2)
        if key in ("coverage", "network.overstated_share") or key.endswith(".share")
    }
    grids = pd.DataFrame(result.summary()["grids"],
                         columns=["grid", "coverage", "demand", "covered_demand",
                                  "uncovered_demand", "points", "stations", "gaps"])
    curve, labels = _curve_sheet(scenarios)
    return xlsx_bytes(
        [
            sheet("summary", summ, cell_formats=shares),
            sheet("grids", grids),
            sheet("gaps", gap_places(result, lang)),
            sheet("stations", _station_sheet(result, lang)),
            sheet("issues", _issues_sheet(result, lang)),
            sheet("curve", curve, headers=[_label("minutes", lang), *labels],
                  formats={f"s{i}": "0.0%" for i in range(len(labels))}),
        ],
        title=title,
        when=when,
    )
