"""The basis of the numbers on screen: which stations, demand, area, 网格 and network.

The app names the data in use next to its KPIs, so that a planner always knows what a
share is a share *of*: the dataset (a demo or uploads), the station files and how many
rows each gave, the stations taken over from the geocoding page (in place of the
dataset's stations or added to them), the hypothetical (what-if) stations, the demand
(a table, or the area's cells when there is none), the area, the 网格 and the street
network. :class:`Basis` holds that; :func:`basis_lines` writes it in Chinese or English.

Nothing here imports Streamlit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from geo.words import check_lang, method_label, mode_label

__all__ = ["GEOCODED_USES", "Basis", "Source", "basis_lines", "dataset_id"]

#: How stations from the geocoding page join the dataset: in place of its stations, or
#: added to them (its demand, area and 网格 are kept either way).
GEOCODED_USES: dict[str, tuple[str, str]] = {
    "replace": ("替换数据集的站点（保留其需求、区域和网格）",
                "in place of the dataset's stations (its demand, area and grids kept)"),
    "add": ("加入数据集的站点（保留其需求、区域和网格）",
            "added to the dataset's stations (its demand, area and grids kept)"),
}

_WORDS: dict[str, tuple[str, str]] = {
    "head": ("当前数据", "Data in use"),
    "stations": ("站点", "Stations"),
    "demand": ("需求", "Demand"),
    "area": ("研究区域", "Area"),
    "grids": ("网格", "Grids"),
    "network": ("路网", "Street network"),
    "method": ("计算", "Measured"),
    "demo": ("示例数据", "demo data"),
    "upload": ("上传", "uploaded"),
    "geocoded": ("地理编码页的站点", "stations from the geocoding page"),
    "rows": ("{n} 行", "{n} rows"),
    "whatif": ("假设站点 {n} 个：{ids}", "{n} hypothetical: {ids}"),
    "none": ("无", "none"),
    "cells": ("无需求表：按研究区域的格子面积计", "no demand table: the area's cells, by area"),
    "no_area": ("无：取站点与需求的范围", "none: the extent of the stations and demand"),
    "straight": ("直线距离 × 绕行系数 {circuity:g}", "straight line × circuity {circuity:g}"),
    "limit": ("{minutes:g} 分钟 · {mode} {speed:g} km/h",
              "{minutes:g} min · {mode} {speed:g} km/h"),
}


def _w(key: str, lang: str, **fields: object) -> str:
    zh, en = _WORDS[key]
    text = en if lang == "en" else zh
    return text.format(**fields) if fields else text


@dataclass(frozen=True)
class Source:
    """One input file in use.

    Attributes
    ----------
    name
        The file name as the planner knows it (the upload's or the demo's file name).
    rows
        Rows read from it (``None`` when not counted, e.g. an area).
    origin
        ``demo``, ``upload`` or ``geocoded``.
    """

    name: str
    rows: int | None = None
    origin: str = "upload"


@dataclass(frozen=True)
class Basis:
    """What the numbers on screen are computed from.

    Attributes
    ----------
    dataset
        The dataset's name (e.g. ``沧浪街道（示例）`` or ``上传的文件``).
    stations
        The station files in use (the geocoded table among them, ``origin="geocoded"``).
    whatif
        Ids of the hypothetical stations, in the order they were added.
    demand, area, grids
        The file of each, or ``None`` when there is none.
    network
        The street network's name, or ``None`` (straight-line distances).
    geocoded_use
        ``replace`` or ``add`` when stations from the geocoding page are in use.
    """

    dataset: str
    stations: tuple[Source, ...]
    whatif: tuple[str, ...] = ()
    demand: Source | None = None
    area: Source | None = None
    grids: Source | None = None
    network: str | None = None
    geocoded_use: str | None = None


def _source(src: Source, lang: str) -> str:
    origin = {"demo": _w("demo", lang), "upload": _w("upload", lang),
              "geocoded": _w("geocoded", lang)}.get(src.origin, src.origin)
    rows = f", {_w('rows', lang, n=src.rows)}" if src.rows is not None else ""
    return f"{src.name} ({origin}{rows})"


def _ids(ids: Sequence[str]) -> str:
    return "、".join(ids) if len(ids) <= 6 else f"{'、'.join(ids[:3])} … {ids[-1]}"


def basis_lines(
    basis: Basis,
    *,
    minutes: float,
    mode: str,
    speed_kmh: float,
    method: str,
    circuity: float,
    lang: str = "zh",
) -> list[str]:
    """The data in use and the limit, one line per input, in ``lang``.

    Parameters
    ----------
    basis
        What the analysis used.
    minutes, mode, speed_kmh, method, circuity
        The analysis' settings (``Settings.minutes`` …).
    lang
        ``zh`` or ``en``.

    Returns
    -------
    list of str
        Plain text (escape it before rendering as Markdown). The first line names the
        dataset; then stations (files, geocoded, hypothetical), demand, area, 网格, the
        network and the time limit.

    Examples
    --------
    >>> b = Basis("沧浪街道（示例）", (Source("stations.csv", 46, "demo"),))
    >>> basis_lines(b, minutes=15, mode="walk", speed_kmh=4.5, method="euclidean",
    ...             circuity=1.3)[1]
    '站点：stations.csv (示例数据, 46 行)'
    """
    lang = check_lang(lang)
    sep = "：" if lang == "zh" else ": "
    stations = "; ".join(_source(s, lang) for s in basis.stations) or _w("none", lang)
    if basis.geocoded_use:
        zh, en = GEOCODED_USES[basis.geocoded_use]
        stations += f" — {en if lang == 'en' else zh}"
    if basis.whatif:
        stations += " + " + _w("whatif", lang, n=len(basis.whatif), ids=_ids(basis.whatif))
    demand = _source(basis.demand, lang) if basis.demand else _w("cells", lang)
    area = _source(basis.area, lang) if basis.area else _w("no_area", lang)
    grids = _source(basis.grids, lang) if basis.grids else _w("none", lang)
    if method == "network" and basis.network:
        measured = f"{method_label('network', lang)} ({basis.network})"
    else:
        measured = _w("straight", lang, circuity=circuity)
    limit = _w("limit", lang, minutes=minutes, mode=mode_label(mode, lang), speed=speed_kmh)
    lines = [
        f"{_w('head', lang)}{sep}{basis.dataset}",
        f"{_w('stations', lang)}{sep}{stations}",
        f"{_w('demand', lang)}{sep}{demand}",
        f"{_w('area', lang)}{sep}{area}",
        f"{_w('grids', lang)}{sep}{grids}",
        f"{_w('method', lang)}{sep}{measured} · {limit}",
    ]
    if basis.network and method != "network":
        lines.append(f"{_w('network', lang)}{sep}{basis.network}")
    return lines


def dataset_id(parts: Sequence[object]) -> str:
    """A short, stable id of a dataset from the parts that identify it (file names and
    content hashes, the demo's name): what-if stations belong to one.

    Parameters
    ----------
    parts
        Anything with a stable ``repr`` (tuples of strings).

    Returns
    -------
    str
        16 hexadecimal digits.
    """
    return hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:16]
