"""The columns of station and demand tables, and what their values mean.

* Column names: canonical names (``id``, ``lon``, ``lat`` …) and the headers
  planners actually write (``编号``, ``经度``, ``纬度（GCJ-02）`` …).
* Categories: the four kinds of service position of docs/domain.md, e-bike
  charging piles, and ``other``.
* Levels: street / community / micro-position.
* Amenities: free text such as ``饮用水、医护药箱`` normalised to keys
  (``water;medical``) that English and Chinese queries both find.
* Opening hours: ``24h``/``全天`` or ``HH:MM-HH:MM`` ranges, possibly
  passing midnight, and who is open at a given time of day.

Every function here works on whole columns (``pandas.Series``) and computes
each distinct value once, so a million-row table costs no more than its
distinct values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from geo.columns import (
    COLUMN_ALIASES,
    canonical_column,
    header_coord_system,
    match_columns,
    normalize_header,
)
from geo.hours import FULL_DAY, HoursError, parse_hours

if TYPE_CHECKING:  # pandas is imported where a column is worked on: the labels and
    # header names of this module are read by commands that load no table library
    import pandas as pd

__all__ = [
    "AMENITY_LABELS",
    "COLUMN_ALIASES",
    "FULL_DAY",
    "KINDS",
    "KIND_LABELS",
    "LEVEL_LABELS",
    "POINT_COLUMNS",
    "HoursError",
    "canonical_column",
    "category_kind",
    "category_kinds",
    "has_amenity",
    "header_coord_system",
    "level_key",
    "level_keys",
    "match_category",
    "match_columns",
    "normalize_amenities",
    "normalize_header",
    "open_at",
    "parse_amenities",
    "parse_hours",
]

#: The text columns every point table returned by :mod:`geo.io` has, in order.
POINT_COLUMNS: tuple[str, ...] = (
    "id", "name", "category", "kind", "level", "address", "amenities", "hours",
    "coord_system", "row",
)

# --- shared text helpers -----------------------------------------------------------------------


def _norm_text(value: object) -> str:
    """NFKC, lower case, spaces removed; blank for None/NaN."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return "" if text in {"nan", "none", "<na>"} else "".join(text.split())


def _english_words(value: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", value.lower()) + " "


def _per_unique(values: pd.Series | Sequence[object], func, dtype=object) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Apply ``func`` once per distinct value and spread the results back."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if len(series) == 0:
        return np.zeros(0, dtype=dtype)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=dtype)
    for i, value in enumerate(uniques):
        mapped[i] = func(value)
    mapped[-1] = func(None)
    return mapped[codes]  # code -1 (missing) takes the last entry


# --- categories --------------------------------------------------------------------------------

#: Category key → (Chinese label, English label).
KIND_LABELS: dict[str, tuple[str, str]] = {
    "supply": ("爱心补给点", "caring supply point"),
    "energy_pool": ("就业蓄能池", "employment energy pool"),
    "rest": ("海棠加油站", "Haitang rest stop"),
    "training": ("安全训练营", "safety training camp"),
    "charging_pile": ("电动车充电桩", "e-bike charging pile"),
    "other": ("其他", "other"),
}
KINDS: tuple[str, ...] = tuple(KIND_LABELS)

# (key, Chinese substrings, English words); the first rule that matches wins.
_KIND_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("supply", ("爱心补给", "补给"), ("supply", "supplies")),
    ("energy_pool", ("就业蓄能", "蓄能池", "蓄能"), ("energy pool", "energy pools", "employment")),
    ("training", ("安全训练营", "训练营", "安全培训", "培训"), ("training", "training camp")),
    ("rest", ("海棠加油站", "加油站", "驿站", "休息", "歇脚"),
     ("rest", "rest stop", "rest station", "rest area")),
    ("charging_pile", ("充电桩", "充电站", "充电"),
     ("charging pile", "charging station", "charger", "charging")),
)


@lru_cache(maxsize=4096)
def category_kind(text: object) -> str:
    """Return the kind key of a category as written.

    Parameters
    ----------
    text
        E.g. ``"爱心补给点"``, ``"休息驿站"``, ``"charging pile"`` or a key.

    Returns
    -------
    str
        One of :data:`KINDS`; ``"other"`` for text of no known kind.
    """
    norm = _norm_text(text)
    if not norm:
        return "other"
    as_key = re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", str(text)).strip().lower())
    if as_key in KIND_LABELS:
        return as_key
    words = _english_words(unicodedata.normalize("NFKC", str(text)))
    for key, zh_words, en_words in _KIND_RULES:
        if any(w in norm for w in zh_words) or any(f" {w} " in words for w in en_words):
            return key
    return "other"


def category_kinds(categories: pd.Series | Sequence[object]) -> np.ndarray:
    """Vectorised :func:`category_kind` over a column.

    Parameters
    ----------
    categories
        Category text per station.

    Returns
    -------
    numpy.ndarray of str (object)
        The kind key per station.
    """
    return _per_unique(categories, category_kind)


def match_category(df: pd.DataFrame, queries: Sequence[str] | str) -> np.ndarray:
    """Which stations belong to any of the requested categories.

    A station matches a query when the query is its kind key (``supply``),
    its category text as written (``爱心补给点``), or text that maps to its
    kind by the same rules (``补给``, ``caring supply point``).

    Parameters
    ----------
    df
        Stations with ``kind`` and/or ``category`` columns.
    queries
        One or several categories.

    Returns
    -------
    numpy.ndarray of bool
        One flag per row of ``df``.
    """
    if isinstance(queries, str):
        queries = [queries]
    n = len(df)
    if "kind" in df:
        kinds = df["kind"].fillna("other").astype(str).to_numpy()
    elif "category" in df:
        kinds = category_kinds(df["category"])
    else:
        kinds = np.full(n, "other", dtype=object)
    cats = (_per_unique(df["category"], _norm_text) if "category" in df
            else np.full(n, "", dtype=object))
    out = np.zeros(n, dtype=bool)
    for query in queries:
        q = _norm_text(query)
        if not q:
            continue
        key = re.sub(r"[\s\-]+", "_", str(query).strip().lower())
        if key in KIND_LABELS:
            out |= kinds == key
        out |= cats == q
        mapped = category_kind(query)
        if mapped != "other":
            out |= kinds == mapped
    return out


# --- levels ------------------------------------------------------------------------------------

#: Level key → (Chinese label, English label).
LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "street": ("街道党群服务中心", "street centre"),
    "community": ("社区党群服务中心", "community centre"),
    "micro": ("微阵地", "micro-position"),
}


@lru_cache(maxsize=1024)
def level_key(text: object) -> str | None:
    """Return ``street``, ``community`` or ``micro`` for a level as written.

    Parameters
    ----------
    text
        E.g. ``"社区党群服务中心"``, ``"微阵地"``, ``"street"``.

    Returns
    -------
    str or None
        ``""`` for a blank value, ``None`` for text of no known level.
    """
    norm = _norm_text(text)
    if not norm:
        return ""
    words = _english_words(unicodedata.normalize("NFKC", str(text)))
    if "微" in norm or " micro " in words or norm.startswith("micro"):
        return "micro"
    if "社区" in norm or " community " in words:
        return "community"
    if "街道" in norm or " street " in words or " subdistrict " in words:
        return "street"
    return None


def level_keys(levels: pd.Series | Sequence[object]) -> np.ndarray:
    """:func:`level_key` of a column (once per distinct value), keeping unknown text as written.

    Parameters
    ----------
    levels
        Levels as written.

    Returns
    -------
    numpy.ndarray of object
        ``street``/``community``/``micro``, ``""`` for blanks, the text itself otherwise.
    """
    import pandas as pd

    series = levels if isinstance(levels, pd.Series) else pd.Series(list(levels), dtype=object)
    keys = _per_unique(series, level_key)
    return np.where(pd.isna(keys), series.to_numpy(dtype=object), keys)


# --- amenities ---------------------------------------------------------------------------------

#: Amenity key → (Chinese label, English label).
AMENITY_LABELS: dict[str, tuple[str, str]] = {
    "charging": ("充电", "charging"),
    "water": ("饮用水", "drinking water"),
    "medical": ("医药箱", "medical kit"),
    "toilet": ("厕所", "toilet"),
    "reading": ("阅读书架", "reading shelf"),
    "rest": ("休息", "rest"),
    "aircon": ("避暑取暖", "heating and cooling"),
    "microwave": ("微波炉", "microwave"),
    "wifi": ("无线网", "wifi"),
    "repair": ("维修", "repair"),
}

_AMENITY_WORDS: dict[str, tuple[str, ...]] = {
    "charging": ("充电", "充电设备", "充电桩", "充电柜", "换电", "充电宝", "charging", "charger",
                 "charge", "chargers"),
    "water": ("饮水", "饮用水", "热水", "开水", "饮水机", "water", "drinkingwater"),
    "medical": ("医药箱", "医护药箱", "药箱", "急救", "急救箱", "医疗", "medical", "firstaid",
                "medicine", "medkit", "medicalkit"),
    "toilet": ("厕所", "卫生间", "洗手间", "公厕", "toilet", "toilets", "wc", "restroom",
               "washroom"),
    "reading": ("阅读", "书架", "阅读书架", "图书", "书籍", "reading", "books", "library",
                "bookshelf"),
    "rest": ("休息", "座椅", "歇脚", "休息区", "rest", "seats", "seating"),
    "aircon": ("空调", "避暑", "取暖", "避暑取暖", "aircon", "ac", "airconditioning", "heating",
               "cooling"),
    "microwave": ("微波炉", "热饭", "microwave"),
    "wifi": ("wifi", "无线网", "无线", "wlan"),
    "repair": ("维修", "打气", "修车", "充气", "repair", "pump"),
}
_AMENITY_EXACT: dict[str, str] = {
    normalize_header(word): key
    for key, words in _AMENITY_WORDS.items()
    for word in (key, *words)
}
_AMENITY_CJK: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((w, key) for key, words in _AMENITY_WORDS.items() for w in words
         if not w.isascii() and len(w) >= 2),
        key=lambda pair: -len(pair[0]),
    )
)
_AMENITY_SPLIT = re.compile(r"[;；、,，/／|｜]+")
_SPACES = re.compile(r"\s+")


def _amenity_token_keys(token: str) -> list[str]:
    key = normalize_header(token)
    if key in _AMENITY_EXACT:
        return [_AMENITY_EXACT[key]]
    hits: list[tuple[int, str]] = []
    for word, amenity in _AMENITY_CJK:
        pos = key.find(word)
        if pos >= 0 and all(amenity != k for _, k in hits):
            hits.append((pos, amenity))
    if hits:
        return [k for _, k in sorted(hits)]
    return [token]


@lru_cache(maxsize=8192)
def parse_amenities(text: object) -> tuple[str, ...]:
    """Split an amenity list and normalise known words to keys.

    Parameters
    ----------
    text
        E.g. ``"饮用水、医护药箱；充电"`` or ``"water, wifi"``.

    Returns
    -------
    tuple of str
        Keys (``water``, ``medical``, ``charging`` …) in the order written,
        without repeats; unknown words kept as written.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ()
    out: list[str] = []
    for chunk in _AMENITY_SPLIT.split(unicodedata.normalize("NFKC", str(text)).strip()):
        chunk = chunk.strip()
        # "drinking water" is one amenity; "饮用水 充电" is two.
        whole = normalize_header(chunk)
        tokens = [chunk] if whole in _AMENITY_EXACT else _SPACES.split(chunk)
        for token in tokens:
            if not token or token.lower() in {"nan", "none", "无"}:
                continue
            for key in _amenity_token_keys(token):
                if key not in out:
                    out.append(key)
    return tuple(out)


def normalize_amenities(values: pd.Series | Sequence[object]) -> np.ndarray:
    """Amenity lists as one ``;``-joined string of keys per row.

    Parameters
    ----------
    values
        Amenity text per station.

    Returns
    -------
    numpy.ndarray of str (object)
        E.g. ``"water;medical;charging"``; ``""`` where blank.
    """
    return _per_unique(values, lambda v: ";".join(parse_amenities(v)))


def has_amenity(amenities: pd.Series | Sequence[object], query: str) -> np.ndarray:
    """Which stations offer an amenity.

    Parameters
    ----------
    amenities
        Amenity lists, normalised (``"water;charging"``) or as written (``"饮用水、充电"``).
    query
        A key (``charging``), a Chinese word (``充电``, ``饮用水``) or an
        English word (``water``). Several words (``充电、饮水``) must all be
        offered.

    Returns
    -------
    numpy.ndarray of bool
        One flag per station.
    """
    wanted = {k.lower() for k in parse_amenities(query)}
    if not wanted:
        return np.ones(len(amenities), dtype=bool)
    return _per_unique(
        amenities, lambda v: wanted <= {k.lower() for k in parse_amenities(v)}, dtype=bool
    )


# --- opening hours -----------------------------------------------------------------------------

def _open_state(text: object, minute: int) -> tuple[bool, bool]:
    try:
        ranges = parse_hours(text)
    except HoursError:
        return False, True
    if ranges is None:
        return False, True
    for start, end in ranges:
        inside = start <= minute < end if start < end else (minute >= start or minute < end)
        if inside:
            return True, False
    return False, False


def open_at(
    hours: pd.Series | Sequence[object], minute_of_day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which stations are open at a time of day.

    Parameters
    ----------
    hours
        Opening hours as written, one per station.
    minute_of_day
        Minutes after midnight, 0..1440 (1440 is midnight again).

    Returns
    -------
    is_open : numpy.ndarray of bool
        Open at that minute (ranges include their start, exclude their end).
    is_unknown : numpy.ndarray of bool
        Hours blank or not understood; such stations are not ``is_open``.
    """
    minute = int(minute_of_day) % 1440
    state = _per_unique(hours, lambda v: _open_state(v, minute))
    if len(state) == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    is_open = np.fromiter((s[0] for s in state), dtype=bool, count=len(state))
    unknown = np.fromiter((s[1] for s in state), dtype=bool, count=len(state))
    return is_open, unknown
