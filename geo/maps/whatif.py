"""Which stations are hypothetical (what-if), in the words and symbols of the maps and reports.

A what-if station is a row of the station table with ``hypothetical`` True
(:func:`geo.scenario.add_station`, the app's map click and form, siting's "add as
what-if"). Every output recognises that marker: the HTML maps and the static map
draw such a station with the what-if ring (:data:`geo.style.WHATIF_STYLE`) and
explain it in the legend, the summary says how many there are and which
(``含 4 个假设站点（NEW1–NEW4），非已建站点``), the workbooks have a 是/否 column.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["WhatIfCount", "hypothetical_ids", "hypothetical_mask", "id_span", "whatif_count"]

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def hypothetical_mask(stations: pd.DataFrame) -> np.ndarray:
    """Which rows of a station table are hypothetical.

    Parameters
    ----------
    stations
        A station table, e.g. ``result.stations``; without a ``hypothetical``
        column no row is.

    Returns
    -------
    numpy.ndarray of bool
        One value per row; missing values count as False.
    """
    if "hypothetical" not in stations or len(stations) == 0:
        return np.zeros(len(stations), dtype=bool)
    col = stations["hypothetical"]
    if col.dtype == bool:
        return col.to_numpy(dtype=bool)
    text = col.astype(object).where(col.notna(), False)
    return np.asarray([_truthy(v) for v in text], dtype=bool)


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y", "是", "t")
    try:
        return bool(value)
    except (TypeError, ValueError):
        return False


def hypothetical_ids(stations: pd.DataFrame) -> list[str]:
    """The ids of the hypothetical stations, in table order.

    Parameters
    ----------
    stations
        A station table.

    Returns
    -------
    list of str
    """
    mask = hypothetical_mask(stations)
    if not mask.any() or "id" not in stations:
        return []
    return [str(v) for v in stations["id"].to_numpy(dtype=object)[mask]]


def id_span(ids: list[str], limit: int = 5, lang: str = "zh") -> str:
    """A short way to write a list of ids: ``NEW1–NEW4``, ``NEW1、NEW3``, ``A、B、C 等 7 个``.

    Consecutive numbers with one prefix (``NEW1, NEW2, NEW3``) become a range;
    otherwise up to ``limit`` ids are listed.

    Parameters
    ----------
    ids
        The ids (text).
    limit
        How many ids to list at most when they are not one range.
    lang
        ``zh`` (``、`` between ids) or ``en`` (``, ``).

    Returns
    -------
    str
        ``""`` for no id.
    """
    ids = [str(i) for i in ids]
    if not ids:
        return ""
    if len(ids) == 1:
        return ids[0]
    parts = [_NUMBERED.match(i) for i in ids]
    if all(parts):
        prefixes = {p.group(1) for p in parts if p}
        numbers = sorted(int(p.group(2)) for p in parts if p)
        if len(prefixes) == 1 and numbers == list(range(numbers[0], numbers[0] + len(ids))):
            by_number = {int(p.group(2)): i for p, i in zip(parts, ids, strict=True) if p}
            return f"{by_number[numbers[0]]}–{by_number[numbers[-1]]}"
    sep = "、" if lang != "en" else ", "
    if len(ids) <= limit:
        return sep.join(ids)
    more = f" 等 {len(ids)} 个" if lang != "en" else f" … ({len(ids)} in all)"
    return sep.join(ids[:limit]) + more


class WhatIfCount(NamedTuple):
    """Station counts: existing and hypothetical, all and used by the filters."""

    existing: int
    hypothetical: int
    existing_used: int
    hypothetical_used: int


def whatif_count(stations: pd.DataFrame) -> WhatIfCount:
    """Count existing and hypothetical stations, all and used.

    Parameters
    ----------
    stations
        A station table, e.g. ``result.stations`` (``used`` marks the counted ones;
        without it every station counts).

    Returns
    -------
    WhatIfCount
        ``existing, hypothetical, existing_used, hypothetical_used``.
    """
    new = hypothetical_mask(stations)
    used = (stations["used"].to_numpy(dtype=bool) if "used" in stations
            else np.ones(len(stations), dtype=bool))
    return WhatIfCount(int((~new).sum()), int(new.sum()), int((~new & used).sum()),
                       int((new & used).sum()))
