"""Scenario text and table cells as settings changes: ``有充电:amenity=充电``, ``speed=12``.

:func:`parse_overrides` reads one scenario written on the command line
(``geo report --scenario``), :func:`coerce_overrides` one row of a scenario table
(``geo sweep``); both give keyword arguments for :meth:`geo.Settings.replace`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np

from geo.errors import SettingsError
from geo.settings import Settings, is_number

__all__ = ["OVERRIDE_ALIASES", "coerce_overrides", "parse_overrides"]


#: Names a scenario may use for a setting (``speed=12`` means ``speed_kmh=12``).
OVERRIDE_ALIASES = {"speed": "speed_kmh", "category": "categories", "cell": "cell_m",
                    "time": "at", "速度": "speed_kmh", "分钟": "minutes", "设施": "amenity",
                    "时间": "at", "方式": "mode"}
_FLOAT_FIELDS = frozenset({"speed_kmh", "minutes", "circuity", "cell_m"})


def coerce_overrides(values: Mapping[str, Any]) -> dict[str, Any]:
    """Settings changes as :meth:`Settings.replace` takes them, from text or table cells.

    Parameters
    ----------
    values
        Field name (or an alias: ``speed``, ``category``, ``time`` …) → value; blank
        cells are left out; numbers are read from text; ``categories`` may be
        ``"supply|rest"``.

    Returns
    -------
    dict

    Raises
    ------
    SettingsError
        For an unknown name or a number that is not one.
    """
    names = {f.name for f in fields(Settings)}
    out: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = OVERRIDE_ALIASES.get(str(raw_key).strip(), str(raw_key).strip())
        if key not in names:
            raise SettingsError(
                f"unknown scenario setting '{raw_key}': use one of "
                f"{', '.join(sorted(names | set(OVERRIDE_ALIASES)))}"
            )
        if value is None or (isinstance(value, float) and math.isnan(value)) or (
            isinstance(value, str) and not value.strip()
        ):
            continue
        if key in _FLOAT_FIELDS:
            if not is_number(value):
                raise SettingsError(f"scenario setting {raw_key}={value!r} is not a number")
            value = float(value)
        elif key in ("categories", "bands"):
            parts = (list(value) if isinstance(value, list | tuple | np.ndarray)
                     else str(value).split("|"))
            value = tuple(float(p) if key == "bands" else str(p).strip() for p in parts)
        else:
            value = str(value).strip()
        out[key] = value
    return out


def parse_overrides(text: str) -> tuple[str | None, dict[str, Any]]:
    """Read one scenario written as ``label:key=value,key=value`` (the label is optional).

    Parameters
    ----------
    text
        E.g. ``"有充电:amenity=充电"``, ``"23:00 开放:at=23:00"`` or ``"minutes=10"``: the
        label ends at the last ``:`` before the first ``=``.

    Returns
    -------
    label, overrides
        The label (``None`` when not given) and :func:`coerce_overrides` of the pairs.

    Raises
    ------
    SettingsError
        For a part that is not ``key=value`` or an unknown key.
    """
    text = str(text)
    first_eq = text.find("=")
    cut = text.rfind(":", 0, first_eq if first_eq >= 0 else len(text))  # labels may hold ':'
    label: str | None = None
    body = text
    if cut >= 0:
        label, body = text[:cut].strip() or None, text[cut + 1:]
    pairs: dict[str, str] = {}
    for part in (p for p in body.replace("，", ",").split(",") if p.strip()):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            raise SettingsError(
                f"scenario '{text}': '{part.strip()}' is not key=value "
                "(write e.g. 有充电:amenity=充电 or 晚高峰:speed=10,at=18:30)"
            )
        pairs[key.strip()] = value.strip()
    if not pairs:
        raise SettingsError(f"scenario '{text}' changes no setting (write e.g. minutes=10)")
    return label, coerce_overrides(pairs)
