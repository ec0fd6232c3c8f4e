"""Opening hours: ``24h``/``全天`` or ``HH:MM-HH:MM`` ranges, possibly passing midnight.

Without pandas (:mod:`geo.schema` re-exports these names and answers who is open when).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

__all__ = ["FULL_DAY", "HoursError", "parse_hours"]

FULL_DAY: tuple[tuple[int, int], ...] = ((0, 1440),)
_FULL_DAY_WORDS = {
    "24h", "24小时", "全天", "全天候", "24/7", "24x7", "7x24", "7*24", "24*7", "全天开放",
    "24小时开放", "24小时营业", "全天24小时", "24hours", "allday", "24hrs", "7×24小时",
    "7x24小时", "7*24小时", "24/7小时",
}
_DASHES = r"-|–|—|~|〜|至|到"
_RANGE = re.compile(rf"^(\d{{1,2}}):(\d{{2}})(?:{_DASHES})(\d{{1,2}}):(\d{{2}})$")
_RANGE_SPLIT = re.compile(r"[,;、\s]+")


class HoursError(ValueError):
    """Opening hours that are not ``24h`` nor ``HH:MM-HH:MM`` ranges."""


def _minutes(h: str, m: str, text: object) -> int:
    hour, minute = int(h), int(m)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise HoursError(f"opening hours '{text}': {h}:{m} is not a time of day")
    return hour * 60 + minute


@lru_cache(maxsize=4096)
def parse_hours(text: object) -> tuple[tuple[int, int], ...] | None:
    """Parse opening hours into minute ranges.

    Parameters
    ----------
    text
        ``24h``, ``24小时``, ``全天``, ``00:00-24:00``, ``08:30-21:00``,
        ``08:00-12:00，14:00-18:00`` or ``20:00-02:00`` (passes midnight).
        Dashes ``- – — ~ ～ 至 到`` and full-width digits and colons are accepted.

    Returns
    -------
    tuple of (int, int) or None
        ``(start, end)`` minutes after midnight; ``start > end`` when a range
        passes midnight; ``((0, 1440),)`` for all day. ``None`` when blank
        (unknown).

    Raises
    ------
    HoursError
        If the text is not understood.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    raw = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if not raw or raw in {"nan", "none", "<na>"}:
        return None
    compact = "".join(raw.split())
    if compact in _FULL_DAY_WORDS:
        return FULL_DAY
    spaced = re.sub(rf"\s*({_DASHES})\s*", r"\1", raw)
    spaced = re.sub(r"\s*:\s*", ":", spaced)
    ranges: list[tuple[int, int]] = []
    for part in _RANGE_SPLIT.split(spaced):
        if not part:
            continue
        m = _RANGE.match(part)
        if not m:
            raise HoursError(
                f"opening hours '{text}' not understood: write HH:MM-HH:MM "
                "(e.g. 08:30-21:00; several ranges separated by ',') or 24h"
            )
        start = _minutes(m.group(1), m.group(2), text)
        end = _minutes(m.group(3), m.group(4), text)
        if start % 1440 == end % 1440:
            return FULL_DAY
        ranges.append((start, end))
    if not ranges:
        raise HoursError(f"opening hours '{text}' not understood")
    return tuple(ranges)
