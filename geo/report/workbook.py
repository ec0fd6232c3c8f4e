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
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from geo.io.sheets import FIXED_TIME, ZIP_TIME, Sheet, neutralise, xlsx_bytes
from geo.maps.whatif import hypothetical_ids, hypothetical_mask, id_span, whatif_count
from geo.report.places import gap_places
from geo.report.words import scenario_label, w
from geo.result import CoverageResult
from geo.schema import AMENITY_LABELS, KIND_LABELS, LEVEL_LABELS
from geo.words import COLUMNS, amenity_label, method_label, mode_label, pct, pick

__all__ = [
    "FIXED_TIME",
    "FORMATS",
    "SHEETS",
    "TABLE_SHEETS",
    "ZIP_TIME",
    "readable_table",
    "table_csv",
    "table_download",
    "table_headers",
    "table_view",
    "table_xlsx",
    "workbook_bytes",
]


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
    # gaps are placed by existing stations (never a what-if one): geo.report.places
    "station": ("最近已建站点", "Nearest existing station"),
    "station_id": ("最近已建站点编号", "Nearest existing station ID"),
    "distance_m": ("距最近已建站点 (m)", "Distance to it (m)"),
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
        *_whatif_rows(result, row, zh),
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


def _whatif_rows(result: CoverageResult, row: Any, zh: bool) -> list[dict[str, Any]]:
    """Existing and hypothetical stations counted apart (no JSON key: the JSON has no such
    number), only when there are what-if stations."""
    count = whatif_count(result.stations)
    if not count.hypothetical:
        return []
    ids = id_span(hypothetical_ids(result.stations), lang="zh" if zh else "en")
    note = (f"非已建站点：{ids}" if zh else f"not built: {ids}")
    return [
        row(("已建站点", "Existing stations"), count.existing,
            f"计入 {count.existing_used}" if zh else f"{count.existing_used} counted"),
        row(("假设站点", "Hypothetical stations"), count.hypothetical,
            note + (f"；计入 {count.hypothetical_used}" if zh
                    else f"; {count.hypothetical_used} counted")),
    ]


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
    # always there: 否 for every station of a file, 是 for a what-if one
    frame["hypothetical"] = np.where(hypothetical_mask(st), yes, no)
    return frame


def _issues_sheet(result: CoverageResult, lang: str) -> pd.DataFrame:
    rej, warn = ("剔除", "提示") if lang != "en" else ("rejected", "warning")
    rows = [(rej, r.file, int(r.row), r.column, r.reason) for r in result.rejected]
    rows += [(warn, r.file, int(r.row), r.column, r.reason) for r in result.warnings]
    return pd.DataFrame(rows, columns=["type", "file", "row", "column", "reason"])


def _curve_sheet(scenarios: Mapping[str, CoverageResult]) -> tuple[pd.DataFrame, list[str]]:
    from geo.report.charts import coverage_curve  # matplotlib: only for the workbook's curve

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


# --- the app's download tables, as polished as report.xlsx ------------------------------------

#: The tables the app offers for download: key → (Chinese, English) sheet name.
TABLE_SHEETS: dict[str, tuple[str, str]] = {
    "stations": ("站点", "Stations"),
    "grids": ("网格", "Grids"),
    "gaps": ("缺口", "Gaps"),
    "rejected": ("剔除的行", "Rejected rows"),
    "warnings": ("提示", "Warnings"),
    "issues": ("问题数据", "Rejected rows"),
    "whatif": ("假设站点", "What-if stations"),
    "sites": ("选址", "Sites"),
}
#: Headers of columns the app's tables hold beyond :data:`geo.words.COLUMNS`.
_TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "coord_system": ("坐标系", "Coordinate system"),
    "amenities_text": ("设施", "Amenities"),
    "row": ("行", "Row"),
    "gap_rank": ("缺口排名", "Gap rank"),
    # not "经度 (GCJ-02)": a download with both positions reads back as a station file
    "gcj_lon": ("高德/腾讯经度 (GCJ-02)", "Amap/Tencent longitude (GCJ-02)"),
    "gcj_lat": ("高德/腾讯纬度 (GCJ-02)", "Amap/Tencent latitude (GCJ-02)"),
}
_SHARES = ("coverage", "share", "coverage_after", "overstated_share")
_DEMANDS = ("demand", "covered_demand", "uncovered_demand", "unique_demand", "gain",
            "served_demand", "weight")
_CRS_SHORT = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}
_SOURCES: dict[str, tuple[str, str]] = {
    "gaps": ("缺口单元中心", "gap-cell centre"),
    "candidates": ("候选点表", "candidate table"),
    "what-if": ("假设站点（非文件）", "what-if (not from a file)"),
    "siting": ("选址结果", "siting"),
}
_EXCLUDED: tuple[tuple[str, tuple[str, str]], ...] = (
    (r"^category not selected$", ("类型未选中", "kind not selected")),
    (r"^opening hours unknown$", ("开放时间不明", "opening hours unknown")),
    (r"^closed at (?P<at>.+)$", ("{at} 未开放", "closed at {at}")),
    (r"^no (?P<amenity>.+)$", ("无{amenity}", "no {amenity}")),
)


def _yes_no(values: pd.Series, lang: str) -> pd.Series | None:
    """是/否 (Yes/No) for a column of booleans (``True``/``False``, ``"true"``/``"false"``),
    else ``None``."""
    words = {True: "是", False: "否"} if lang != "en" else {True: "Yes", False: "No"}
    if values.dtype == bool:
        return values.map(words).astype(object)
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return None
    values = values.astype(object)
    known = {True: True, False: False, "true": True, "false": False, "True": True,
             "False": False, "TRUE": True, "FALSE": False}
    present = values.dropna()
    if present.empty or not all(isinstance(v, bool | str) and v in known for v in present):
        return None
    return values.map(lambda v: words[known[v]] if v in known else v).astype(object)


def _excluded_text(reason: object, lang: str) -> object:
    if not isinstance(reason, str) or not reason:
        return reason
    for pattern, pair in _EXCLUDED:
        found = re.match(pattern, reason)
        if found:
            fields = dict(found.groupdict())
            if "amenity" in fields:
                fields["amenity"] = amenity_label(fields["amenity"], lang)
            return pick({"x": pair}, "x", lang).format(**fields)
    return reason


def _amenities_text(value: object, lang: str) -> object:
    if not isinstance(value, str) or not value:
        return value
    parts = [p for p in value.split(";") if p]
    if not parts or not all(p in AMENITY_LABELS for p in parts):
        return value
    return ("、" if lang != "en" else ", ").join(pick(AMENITY_LABELS, p, lang) for p in parts)


def readable_table(table: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """One of the app's tables with its values in words: kinds, booleans, coordinate systems.

    Column names stay the canonical keys (so number formats can be chosen by them);
    :func:`table_headers` gives the header row. Kind codes (``supply``,
    ``energy_pool``) become their labels (``爱心补给点``), booleans (``used``,
    ``hypothetical``, ``true``/``false``) 是/否 (Yes/No), station levels their labels,
    ``coord_system`` ``WGS-84``/``GCJ-02``/``BD-09``, amenity codes their names, the
    reasons a filter left a station out (``closed at 23:00``) Chinese, the source of
    a site (``gaps``) words. Other text (names, addresses, files, reasons of rejected
    rows) is kept as written.

    Parameters
    ----------
    table
        E.g. :func:`geo.planner.station_report`, ``result.grid_table``,
        :func:`geo.planner.gap_report`, :func:`geo.planner.issues_table`.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    pandas.DataFrame
        A copy; the input is not changed.
    """
    out = table.copy()
    if "geometry" in out:
        out = pd.DataFrame(out.drop(columns="geometry"))
    for col in out.columns:
        key = str(col)
        values = out[col]
        flags = _yes_no(values, lang)
        if flags is not None:
            out[col] = flags
        elif key == "kind":
            out[col] = values.map(lambda k: pick(KIND_LABELS, str(k), lang)
                                  if isinstance(k, str) and k else k).astype(object)
        elif key == "level" and values.dropna().astype(str).isin([*LEVEL_LABELS, ""]).all():
            out[col] = values.map(lambda v: pick(LEVEL_LABELS, str(v), lang)
                                  if isinstance(v, str) and v else v).astype(object)
        elif key == "coord_system":
            out[col] = values.map(lambda c: _CRS_SHORT.get(str(c).lower(), c)).astype(object)
        elif key == "excluded":
            out[col] = values.map(lambda r: _excluded_text(r, lang)).astype(object)
        elif key in ("amenities", "amenities_text"):
            out[col] = values.map(lambda a: _amenities_text(a, lang)).astype(object)
        elif key in ("source", "source_file"):
            out[col] = values.map(lambda v: pick(_SOURCES, v, lang)
                                  if isinstance(v, str) and v in _SOURCES else v).astype(object)
    return out


def table_headers(table: pd.DataFrame, *, lang: str = "zh") -> list[str]:
    """The header row of a download table in ``lang`` (unknown columns keep their names).

    Parameters
    ----------
    table
        A table with canonical column names (``coverage``, ``kind`` …).
    lang
        ``zh`` or ``en``.

    Returns
    -------
    list of str
    """
    heads = []
    for col in table.columns:
        key = str(col)
        if key == "level" and not table[col].dropna().astype(str).isin([*LEVEL_LABELS, ""]).all():
            heads.append(pick(COLUMNS, key, lang))  # a geocoder's precision
        elif key in _TABLE_COLUMNS:
            heads.append(pick(_TABLE_COLUMNS, key, lang))
        elif key in COLUMNS:
            heads.append(pick(COLUMNS, key, lang))
        else:
            heads.append(_label(key, lang))
    return heads


def table_view(table: pd.DataFrame, *, lang: str = "zh") -> pd.DataFrame:
    """One of the app's tables for the screen: values in words and headers in ``lang``.

    :func:`readable_table` with the header row of :func:`table_headers`; numbers stay
    numbers (shares 0..1, for a percent column format).

    Parameters
    ----------
    table
        A table with canonical column names.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    pandas.DataFrame
    """
    out = readable_table(table, lang=lang)
    out.columns = table_headers(table, lang=lang)
    return out


def _table_formats(table: pd.DataFrame) -> dict[str, str]:
    formats = {k: v for k, v in FORMATS.items() if k in table.columns}
    for col in table.columns:
        key = str(col)
        if key in _SHARES:
            formats[key] = "0.0%"
        elif key in _DEMANDS and pd.api.types.is_numeric_dtype(table[col]):
            values = table[col].dropna().to_numpy(dtype="float64")
            whole = bool(np.all(np.isfinite(values) & (values == np.round(values))))
            formats[key] = "#,##0" if whole else "#,##0.00"
    return formats


def _sheet_name(what: str, lang: str) -> str:
    if what in TABLE_SHEETS:
        return pick(TABLE_SHEETS, what, lang)
    return str(what)[:31] or ("数据" if lang != "en" else "Data")


def table_xlsx(table: pd.DataFrame, what: str, *, lang: str = "zh", title: str = "") -> bytes:
    """One of the app's download tables as an XLSX file styled like ``report.xlsx``.

    A sheet named in ``lang`` (``网格`` / ``Grids``), the header row in ``lang``, bold,
    filled, frozen and filtered, column widths from the content, shares formatted as
    percentages (``0.0%``), demand with thousands separators, coordinates with six
    decimals, values in words (:func:`readable_table`); text is stored as text, never as
    a formula; the same table gives the same bytes.

    Parameters
    ----------
    table
        The table with canonical column names: ``stations`` (:func:`geo.planner.station_report`),
        ``grids`` (``result.grid_table``), ``gaps`` (:func:`geo.planner.gap_report`),
        ``rejected``/``warnings`` (:func:`geo.planner.issues_table`), ``whatif``
        (:func:`geo.scenario.hypothetical_table`) or ``sites`` (``siting.sites_table()``).
    what
        Which table it is (a key of :data:`TABLE_SHEETS`; names the sheet; any other text
        is used as the sheet name).
    lang
        ``zh`` (Chinese, the default) or ``en``.
    title
        The document title in the file's properties (default: the sheet name).

    Returns
    -------
    bytes
    """
    readable = readable_table(table, lang=lang)
    name = _sheet_name(what, lang)
    sheet = Sheet(name, readable, headers=table_headers(table, lang=lang),
                  formats=_table_formats(table))
    return xlsx_bytes([sheet], title=title or name)


def table_csv(table: pd.DataFrame, *, lang: str = "zh") -> bytes:
    """One of the app's download tables as CSV (UTF-8 with BOM, so Excel shows Chinese).

    The same headers and values as :func:`table_xlsx`; shares are written as
    percentages (``72.6%``, which Excel reads as a number), whole demand and areas
    without decimals, coordinates with six; text that would start a formula gets a
    leading ``'``.

    Parameters
    ----------
    table
        A table with canonical column names (see :func:`table_xlsx`).
    lang
        ``zh`` or ``en``.

    Returns
    -------
    bytes
    """
    out = readable_table(table, lang=lang)
    formats = _table_formats(table)
    for col in out.columns:
        fmt = formats.get(str(col))
        if fmt is None or not pd.api.types.is_numeric_dtype(out[col]):
            continue
        if fmt.endswith("%"):
            out[col] = [pct(float(v)) if pd.notna(v) else "" for v in out[col]]
        elif fmt == "#,##0":
            out[col] = out[col].round(0).astype("Int64")
        elif fmt.startswith("0.0"):
            out[col] = out[col].round(len(fmt.split(".")[1]))
        elif fmt == "#,##0.00":
            out[col] = out[col].round(2)
    out.columns = table_headers(table, lang=lang)
    text = neutralise(out).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def table_download(table: pd.DataFrame, what: str, suffix: str, *, lang: str = "zh") -> bytes:
    """One of the app's download tables as XLSX or CSV bytes (:func:`table_xlsx`,
    :func:`table_csv`).

    Parameters
    ----------
    table
        A table with canonical column names.
    what
        Which table it is (a key of :data:`TABLE_SHEETS`).
    suffix
        ``.xlsx`` or ``.csv`` (``xlsx``/``csv`` also accepted).
    lang
        ``zh`` or ``en``.

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        For another suffix.
    """
    kind = suffix.lower().lstrip(".")
    if kind == "xlsx":
        return table_xlsx(table, what, lang=lang)
    if kind == "csv":
        return table_csv(table, lang=lang)
    raise ValueError(f"a download table is .xlsx or .csv, not {suffix!r}")
