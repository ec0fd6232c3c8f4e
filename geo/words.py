"""Words: the (Chinese, English) labels of the domain, table headers and number formats.

One home for what the app, the maps, the report and the command line call things and
how they write numbers, so that a share reads ``72.6%`` and an e-bike is ``电动自行车``
everywhere. Chinese is the default language; the front ends keep only their own
sentences (:mod:`geo.ui_text` for the app, :mod:`geo.report.words` for the report).
The kinds, levels and amenities themselves (with their official Chinese names) are
defined in :mod:`geo.schema`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from geo.errors import SettingsError

if TYPE_CHECKING:
    import pandas as pd

from geo.schema import AMENITY_LABELS, KIND_LABELS, LEVEL_LABELS, category_kind, parse_amenities

__all__ = [
    "COLUMNS",
    "CRS_LABELS",
    "DEFAULT_LANGUAGE",
    "LANGS",
    "LANGUAGES",
    "METHOD_LABELS",
    "MODE_LABELS",
    "amenity_label",
    "check_lang",
    "count_delta",
    "crs_label",
    "demand_delta",
    "headers",
    "kind_label",
    "level_label",
    "method_label",
    "mode_label",
    "num",
    "pct",
    "pick",
    "scenario_label",
    "scenario_line",
    "share_delta",
]

#: The languages: key → the name shown on a language switch.
LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
LANGS: tuple[str, ...] = tuple(LANGUAGES)

#: Reach methods: key → (Chinese, English).
METHOD_LABELS: dict[str, tuple[str, str]] = {
    "euclidean": ("直线×绕行系数", "straight line × circuity"),
    "network": ("沿街道路网", "along the street network"),
}
#: Travel modes: key → (Chinese, English).
MODE_LABELS: dict[str, tuple[str, str]] = {
    "walk": ("步行", "walking"),
    "bike": ("自行车", "bicycle"),
    "ebike": ("电动自行车", "e-bike"),
}

#: Column headers of the tables the app shows and the per-网格 / per-station downloads.
COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"),
    "demand": ("需求", "Demand"),
    "area_m2": ("面积 (m²)", "Area (m²)"),
    "cells": ("单元数", "Cells"),
    "lon": ("经度 (WGS-84)", "Longitude (WGS-84)"),
    "lat": ("纬度 (WGS-84)", "Latitude (WGS-84)"),
    "grid": ("网格", "Grid"),
    "coverage": ("覆盖率", "Coverage"),
    "covered_demand": ("已覆盖需求", "Covered demand"),
    "uncovered_demand": ("未覆盖需求", "Uncovered demand"),
    "points": ("需求点数", "Demand points"),
    "stations": ("站点数", "Stations"),
    "gaps": ("缺口数", "Gaps"),
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "kind": ("类型", "Kind"),
    "used": ("计入", "Used"),
    "excluded": ("未计入原因", "Why not used"),
    "unique_demand": ("独有覆盖需求", "Demand only it covers"),
    "hypothetical": ("假设站点", "What-if"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "reason": ("原因", "Reason"),
    "gcj_lon": ("经度 (GCJ-02)", "Longitude (GCJ-02)"),
    "gcj_lat": ("纬度 (GCJ-02)", "Latitude (GCJ-02)"),
    "address": ("地址", "Address"),
    "gain": ("新增覆盖需求", "Added covered demand"),
    "served_demand": ("服务需求", "Demand served"),
    "coverage_after": ("累计覆盖率", "Coverage after"),
    "source": ("来源", "Source"),
    "status": ("状态", "Status"),
    "status_zh": ("状态说明", "Status (Chinese)"),
    "level": ("精度", "Precision"),
    "coord_system": ("坐标系", "Coordinate system"),
    "geocode_status": ("编码状态", "Geocoding status"),
    "geocode_level": ("编码精度", "Geocoding precision"),
    "geocode_message": ("编码说明", "Geocoding note"),
    "geocode_provider": ("编码服务", "Geocoder"),
    "geocode_query": ("编码查询", "Query sent"),
}

#: Coordinate systems a user can pick.
CRS_LABELS: dict[str, tuple[str, str]] = {
    "wgs84": ("WGS-84（GPS、OpenStreetMap、天地图）", "WGS-84 (GPS, OpenStreetMap)"),
    "gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)"),
    "bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
}

# The few words the scenario labels are made of: key → (Chinese, English).
_SCENARIO_WORDS: dict[str, tuple[str, str]] = {
    "all_stations": ("全部站点", "all stations"),
    "with_amenity": ("有{amenity}的站点", "stations with {amenity}"),
    "open_at": ("{at} 开放的站点", "stations open at {at}"),
    "method_euclidean": ("直线×绕行系数 {circuity:g}（可达 {reach:,.0f} m）",
                         "straight line × {circuity:g} (reach {reach:,.0f} m)"),
    "any_amenity": ("不限", "Any"),
    "pp": ("个百分点", "pp"),
}


def check_lang(lang: str) -> str:
    """Validate a language.

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


def pick(labels: Mapping[str, tuple[str, str]], key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The Chinese or English label of ``key`` in a ``{key: (zh, en)}`` table.

    Parameters
    ----------
    labels
        E.g. :data:`geo.schema.KIND_LABELS` or :data:`COLUMNS`.
    key
        The key; returned unchanged when the table does not hold it.
    lang
        ``zh`` or ``en``; anything else counts as Chinese.

    Returns
    -------
    str
    """
    if key not in labels:
        return key
    zh, en = labels[key]
    return en if lang == "en" else zh


def _w(key: str, lang: str, **fields: Any) -> str:
    text = pick(_SCENARIO_WORDS, key, lang)
    return text.format(**fields) if fields else text


def mode_label(mode: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name of a travel mode: ``步行`` / ``walking``.

    Parameters
    ----------
    mode
        ``walk``, ``bike`` or ``ebike``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    return pick(MODE_LABELS, mode, lang)


def method_label(method: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name of a reach method: ``直线×绕行系数`` / ``沿街道路网``.

    Parameters
    ----------
    method
        ``euclidean`` or ``network``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    return pick(METHOD_LABELS, method, lang)


def kind_label(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name of a station kind: ``爱心补给点`` / its English name.

    Parameters
    ----------
    kind
        A key of :data:`geo.schema.KIND_LABELS`.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    return pick(KIND_LABELS, kind, lang)


def level_label(level: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name of a station level (``street``/``community``/``micro``), or the text as written.

    Parameters
    ----------
    level
        A key of :data:`geo.schema.LEVEL_LABELS`, or free text.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    return pick(LEVEL_LABELS, level, lang)


def amenity_label(amenity: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name of an amenity: ``充电`` / ``charging``; ``不限`` / ``Any`` for a blank one.

    Parameters
    ----------
    amenity
        A key of :data:`geo.schema.AMENITY_LABELS`; blank means any amenity.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    if not amenity:
        return _w("any_amenity", lang)
    return pick(AMENITY_LABELS, amenity, lang)


def crs_label(system: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A coordinate system's name with the map apps that use it.

    Parameters
    ----------
    system
        ``wgs84``, ``gcj02`` or ``bd09``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    return pick(CRS_LABELS, system, lang)


def headers(table: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """A copy of ``table`` with its canonical column names in the chosen language.

    Parameters
    ----------
    table
        E.g. ``result.grid_table``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    pandas.DataFrame
        Columns not in :data:`COLUMNS` keep their names.
    """
    return table.rename(columns={c: pick(COLUMNS, str(c), lang) for c in table.columns})


# --- numbers -------------------------------------------------------------------------------


def pct(share: float | None, digits: int = 1) -> str:
    """A share as a percentage (``72.6%``); ``—`` when unknown.

    Parameters
    ----------
    share
        0..1, or ``None``/NaN.
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
    """A demand weight: whole numbers without decimals (``1,454``), else one (``12.5``).

    Parameters
    ----------
    value
        The number, or ``None``/NaN (``—``).

    Returns
    -------
    str
    """
    if value is None or not math.isfinite(float(value)):
        return "—"
    v = float(value)
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.1f}"


def share_delta(delta: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A change of a share in percentage points: ``+10.6 个百分点`` / ``+10.6 pp``.

    Parameters
    ----------
    delta
        After − before, as a share.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    return f"{delta * 100:+.1f} {_w('pp', lang)}"


def demand_delta(delta: float) -> str:
    """A change of demand with its sign: ``-154`` or ``+2.5``.

    Parameters
    ----------
    delta
        After − before.

    Returns
    -------
    str
    """
    v = float(delta)
    return f"{v:+,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:+,.1f}"


def count_delta(delta: float) -> str:
    """A change of a count with its sign: ``-13``, ``+1`` or ``0``.

    Parameters
    ----------
    delta
        After − before.

    Returns
    -------
    str
    """
    v = round(float(delta))
    return f"{v:+d}" if v else "0"


# --- scenarios -------------------------------------------------------------------------------


def scenario_label(params: Mapping[str, Any], lang: str) -> str:
    """Name a scenario by its station filters: ``全部站点``, ``有充电的站点``, ``23:00 开放的站点``.

    Parameters
    ----------
    params
        ``Settings.params()`` of the scenario.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    parts = []
    sep = "、" if lang == "zh" else ", "
    if params.get("categories"):
        parts.append(sep.join(_kind_text(str(k), lang) for k in params["categories"]))
    if params.get("amenity"):
        names = [amenity_label(a, lang) for a in parse_amenities(params["amenity"])]
        parts.append(_w("with_amenity", lang, amenity=sep.join(names)))
    if params.get("at"):
        parts.append(_w("open_at", lang, at=params["at"]))
    if not parts:
        return _w("all_stations", lang)
    return ("，" if lang == "zh" else "; ").join(parts)


def _kind_text(category: str, lang: str) -> str:
    kind = category_kind(category)
    return category if kind == "other" else kind_label(kind, lang)


def scenario_line(params: Mapping[str, Any], lang: str) -> str:
    """The travel assumptions in one line: ``步行 4.8 km/h · 15 分钟 · 直线×1.3（可达 923 m）``.

    Parameters
    ----------
    params
        ``Settings.params()``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    how = (
        method_label("network", lang)
        if params["method"] == "network"
        else _w("method_euclidean", lang, circuity=params["circuity"], reach=params["reach_m"])
    )
    minutes = f"{params['minutes']:g} 分钟" if lang == "zh" else f"{params['minutes']:g} min"
    return f"{mode_label(params['mode'], lang)} {params['speed_kmh']:g} km/h · {minutes} · {how}"
