"""Table headers: canonical column names and the headers planners actually write.

``编号``, ``经度``, ``纬度（GCJ-02）`` … become ``id``, ``lon``, ``lat`` (with the coordinate
system a header names). Without pandas, so that a command that only reads plain tables
starts without it (:mod:`geo.schema` re-exports these names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from geo.errors import InputError

__all__ = [
    "COLUMN_ALIASES",
    "GRID_NAME_HEADERS",
    "MAX_WEIGHT",
    "canonical_column",
    "grid_name_column",
    "header_coord_system",
    "match_columns",
    "normalize_header",
]

# --- columns -----------------------------------------------------------------------------------

#: Canonical column → headers accepted for it (matched without case, spaces or punctuation).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号", "code", "no", "站点编号", "点位编号", "编码", "代码", "number"),
    "name": ("name", "名称", "站点名称", "阵地名称", "点位名称", "站名", "名字", "title"),
    "category": ("category", "类型", "类别", "阵地类型", "种类", "kind", "type", "站点类型"),
    "level": ("level", "层级", "级别", "阵地层级", "tier"),
    "lon": ("lon", "经度", "lng", "long", "longitude", "x", "东经", "经度坐标"),
    "lat": ("lat", "纬度", "latitude", "y", "北纬", "纬度坐标"),
    "lnglat": ("经纬度", "坐标", "location", "coordinates", "lnglat", "lonlat", "coords",
               "经纬度坐标"),
    "address": ("address", "地址", "详细地址", "位置", "addr", "所在地址"),
    "coord_system": ("coord_system", "坐标系", "坐标系统", "crs", "coordsystem", "datum",
                     "坐标类型", "srs"),
    "amenities": ("amenities", "设施", "服务内容", "配套设施", "服务设施", "服务项目", "facilities",
                  "services"),
    "hours": ("hours", "开放时间", "营业时间", "服务时间", "opening_hours", "openinghours",
              "open", "时间"),
    "weight": ("weight", "人数", "需求", "权重", "需求量", "数量", "demand", "count", "population",
               "people"),
}

_BRACKETED = re.compile(r"[(\[{<（【〔［｛《〈「『].*?[)\]}>）】〕］｝》〉」』]")
_CRS_WORDS = ("wgs84", "gcj02", "bd09ll", "bd09", "cgcs2000", "百度", "高德", "火星", "国测局")


def normalize_header(text: object) -> str:
    """Return a header reduced to lower-case letters and digits (full-width folded).

    Parameters
    ----------
    text
        The header as written, e.g. ``"Lat "`` or ``"经度(°)"``.

    Returns
    -------
    str
        E.g. ``"lat"``, ``"经度"``.
    """
    s = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in s if ch.isalnum())


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, aliases in COLUMN_ALIASES.items():
        for alias in (canonical, *aliases):
            key = normalize_header(alias)
            if lookup.setdefault(key, canonical) != canonical:  # pragma: no cover - table bug
                raise AssertionError(f"alias {alias!r} maps to two columns")
    return lookup


_LOOKUP = _build_lookup()


def _strip_crs_words(key: str) -> tuple[str, str | None]:
    for word in _CRS_WORDS:
        if word in key and key != word:
            return key.replace(word, ""), word
    return key, None


@lru_cache(maxsize=4096)
def canonical_column(header: object) -> str | None:
    """Return the canonical column a header stands for, or ``None``.

    The header is compared without case, spaces and punctuation; if that
    fails, bracketed parts (``经度(°)``, ``纬度（GCJ-02）``, ``【经度】``) and
    coordinate-system words (``gcj02_lng``) are removed and it is tried again.

    Parameters
    ----------
    header
        The header as written in the file.

    Returns
    -------
    str or None
        ``"id"``, ``"lon"``, ``"lnglat"`` (one cell holding ``lng,lat``) …
    """
    if header is None or (isinstance(header, float) and np.isnan(header)):
        return None
    key = normalize_header(header)
    if key in _LOOKUP:
        return _LOOKUP[key]
    text = unicodedata.normalize("NFKC", str(header))
    key = normalize_header(_BRACKETED.sub("", text))
    if key in _LOOKUP:
        return _LOOKUP[key]
    key, word = _strip_crs_words(key)
    if word is not None and key in _LOOKUP:
        return _LOOKUP[key]
    return None


def header_coord_system(header: object) -> str | None:
    """Return the coordinate system a header names, e.g. ``纬度（GCJ-02）`` → ``"gcj02"``.

    Parameters
    ----------
    header
        The header as written.

    Returns
    -------
    str or None
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"``; ``None`` when the header names none.
    """
    from geo.crs import normalize_coord_system

    key = normalize_header(header)
    _, word = _strip_crs_words(key)
    if word is None:
        return None
    return normalize_coord_system(word)


def match_columns(
    headers: Sequence[object], *, file: str = "", use: Iterable[str] | None = None
) -> dict[str, str]:
    """Map canonical columns to the headers of a table.

    Parameters
    ----------
    headers
        The table's headers, as written.
    file
        The file name, for messages.
    use
        Canonical columns to take; others (e.g. ``weight`` in a station table)
        are left to the caller as ordinary columns. All by default.

    Returns
    -------
    dict
        ``{canonical: header}`` for the headers recognised.

    Raises
    ------
    InputError
        If two headers stand for the same canonical column.
    """
    wanted = set(COLUMN_ALIASES) if use is None else set(use)
    found: dict[str, str] = {}
    for header in headers:
        canonical = canonical_column(header)
        if canonical is None or canonical not in wanted:
            continue
        if canonical in found:
            raise InputError(
                f"the headers '{found[canonical]}' and '{header}' both look like the "
                f"'{canonical}' column; rename one of them so the column is unambiguous",
                file=file or None,
                column=str(header),
            )
        found[canonical] = str(header)
    return found


#: The properties a 网格 file may name its 网格 by, the first present wins.
GRID_NAME_HEADERS = ("grid", "网格", "网格名称", "网格名", "gridname", "网格编号", "name", "名称")


def grid_name_column(headers: Sequence[object]) -> str | None:
    """The header a 网格 file names its 网格 by: the first of :data:`GRID_NAME_HEADERS`
    present (compared as :func:`normalize_header` does; of headers that compare equal, the
    last).

    Parameters
    ----------
    headers
        The file's property names, as written.

    Returns
    -------
    str or None
    """
    by_key = {normalize_header(h): str(h) for h in headers}
    return next((by_key[k] for k in map(normalize_header, GRID_NAME_HEADERS) if k in by_key),
                None)

#: The largest demand weight a row may have: far above any count of people, riders or trips
#: at one point, and low enough that ten million of them add up to a finite total.
MAX_WEIGHT = 1e12
