"""The one settings object every front end shares: mode, speed, minutes, filters.

Defaults follow DOMAIN.md: walking 15 minutes at 4.8 km/h with a circuity of
1.3 (a straight-line reach of about 920 m); bicycle 12 km/h; e-bike 15 km/h.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from geo.errors import SettingsError

#: Default speed per mode, km/h.
MODE_SPEEDS_KMH: dict[str, float] = {"walk": 4.8, "bike": 12.0, "ebike": 15.0}
METHODS: tuple[str, ...] = ("euclidean", "network")
#: Where the per-point work runs (``engine=`` of :func:`geo.analyze`).
ENGINES: tuple[str, ...] = ("local", "dask")
CELL_SHAPES: tuple[str, ...] = ("square", "hex")
_AT_RE = re.compile(r"^\s*([01]?\d|2[0-4])\s*[:：]\s*([0-5]\d)\s*$")


def parse_clock(text: str) -> int:
    """Parse ``HH:MM`` (24-hour clock, ``24:00`` allowed) into minutes after midnight.

    Parameters
    ----------
    text
        The time as typed, e.g. ``"23:00"`` or ``"7:30"``; a full-width colon works.

    Returns
    -------
    int
        Minutes after midnight, 0..1440.

    Raises
    ------
    SettingsError
        If the text is not a time of day.
    """
    m = _AT_RE.match(str(text))
    if not m:
        raise SettingsError(f"time of day '{text}' is not HH:MM (e.g. 23:00)")
    minutes = int(m.group(1)) * 60 + int(m.group(2))
    if minutes > 24 * 60:
        raise SettingsError(f"time of day '{text}' is after 24:00")
    return minutes


@dataclass(frozen=True)
class Settings:
    """Parameters of one coverage analysis, validated on creation.

    Parameters
    ----------
    mode
        ``walk``, ``bike`` or ``ebike``.
    speed_kmh
        Travel speed; ``None`` takes the mode's default (4.8 / 12 / 15 km/h).
    minutes
        The service-circle threshold in minutes (15 by default).
    circuity
        Network distance / straight-line distance, used by the straight-line
        (``euclidean``) method; 1.3 by default, at least 1.
    method
        ``euclidean`` (straight line × circuity) or ``network`` (street network).
    cell_m
        Demand-grid cell size in metres (side of a square; for hexagons the
        H3 resolution whose cell area is closest to ``cell_m``²).
    cell_shape
        ``square`` (exact metres, default) or ``hex`` (H3).
    bands
        Time bands in minutes for maps and band shares; the threshold is added.
    categories
        Only stations of these kinds (keys such as ``supply`` or the text as
        written, e.g. ``爱心补给点``); empty means all.
    amenity
        Only stations offering this amenity (e.g. ``charging`` / ``充电``).
    at
        Only stations open at this time of day (``HH:MM``).
    """

    mode: str = "walk"
    speed_kmh: float | None = None
    minutes: float = 15.0
    circuity: float = 1.3
    method: str = "euclidean"
    cell_m: float = 100.0
    cell_shape: str = "square"
    bands: tuple[float, ...] = (5.0, 10.0, 15.0)
    categories: tuple[str, ...] = field(default_factory=tuple)
    amenity: str | None = None
    at: str | None = None

    def __post_init__(self) -> None:
        mode = str(self.mode).strip().lower().replace("-", "").replace("_", "")
        aliases = {
            "foot": "walk",
            "walking": "walk",
            "步行": "walk",
            "bicycle": "bike",
            "cycling": "bike",
            "自行车": "bike",
            "ebike": "ebike",
            "电动车": "ebike",
            "电动自行车": "ebike",
            "电瓶车": "ebike",
        }
        mode = aliases.get(mode, mode)
        if mode not in MODE_SPEEDS_KMH:
            raise SettingsError(f"unknown mode '{self.mode}': use walk, bike or ebike")
        object.__setattr__(self, "mode", mode)
        speed = MODE_SPEEDS_KMH[mode] if self.speed_kmh is None else self.speed_kmh
        _positive("speed", speed, "km/h")
        if speed > 200:
            raise SettingsError(f"speed {speed} km/h is not a travel speed of this tool's modes")
        object.__setattr__(self, "speed_kmh", float(speed))
        _positive("minutes", self.minutes, "minutes")
        object.__setattr__(self, "minutes", float(self.minutes))
        if not _finite(self.circuity) or self.circuity < 1.0:
            raise SettingsError(
                f"circuity {self.circuity} must be a number ≥ 1 (street distance is never "
                "shorter than the straight line; 1.2–1.4 is typical in cities)"
            )
        object.__setattr__(self, "circuity", float(self.circuity))
        if self.method not in METHODS:
            raise SettingsError(f"unknown method '{self.method}': use euclidean or network")
        _positive("cell size", self.cell_m, "m")
        if self.cell_m < 5:
            raise SettingsError(f"cell size {self.cell_m} m is too small (use 5 m or more)")
        object.__setattr__(self, "cell_m", float(self.cell_m))
        if self.cell_shape not in CELL_SHAPES:
            raise SettingsError(f"unknown cell shape '{self.cell_shape}': use square or hex")
        bands = sorted({float(b) for b in self.bands if _finite(b) and float(b) > 0})
        if any(not _finite(b) or float(b) <= 0 for b in self.bands):
            raise SettingsError(f"time bands {self.bands} must be positive minutes")
        bands = sorted(set(bands) | {self.minutes})
        object.__setattr__(self, "bands", tuple(bands))
        if isinstance(self.categories, str):
            object.__setattr__(self, "categories", (self.categories,))
        object.__setattr__(
            self, "categories", tuple(str(c).strip() for c in self.categories if str(c).strip())
        )
        if self.amenity is not None and not str(self.amenity).strip():
            object.__setattr__(self, "amenity", None)
        if self.at is not None:
            if not str(self.at).strip():
                object.__setattr__(self, "at", None)
            else:
                minutes = parse_clock(self.at)
                object.__setattr__(self, "at", f"{minutes // 60:02d}:{minutes % 60:02d}")

    @property
    def speed_m_per_min(self) -> float:
        """Travel speed in metres per minute."""
        assert self.speed_kmh is not None
        return self.speed_kmh * 1000.0 / 60.0

    @property
    def reach_m(self) -> float:
        """Straight-line reach in metres: minutes × speed / circuity."""
        return self.minutes * self.speed_m_per_min / self.circuity

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some parameters changed (validated again).

        When ``mode`` changes and ``speed_kmh`` is not given, the new mode's
        default speed is used.
        """
        if "mode" in changes and "speed_kmh" not in changes:
            changes["speed_kmh"] = None
        return replace(self, **changes)

    def params(self) -> dict[str, Any]:
        """Return the parameters as written in ``summary()["params"]``."""
        out: dict[str, Any] = {
            "method": self.method,
            "mode": self.mode,
            "speed_kmh": self.speed_kmh,
            "minutes": self.minutes,
            "circuity": self.circuity,
            "cell_m": self.cell_m,
            "cell_shape": self.cell_shape,
            "bands": list(self.bands),
            "categories": list(self.categories),
            "amenity": self.amenity,
            "at": self.at,
            "reach_m": round(self.reach_m, 1),
        }
        return out

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values."""
        d = asdict(self)
        d["bands"] = list(self.bands)
        d["categories"] = list(self.categories)
        return d


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _positive(name: str, value: Any, unit: str) -> None:
    if not _finite(value) or float(value) <= 0:
        raise SettingsError(f"{name} must be a positive number of {unit}, not {value!r}")


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
            if not _finite(value):
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
