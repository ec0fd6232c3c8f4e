"""The one settings object every front end shares: mode, speed, minutes, filters.

Defaults follow docs/domain.md: walking 15 minutes at 4.8 km/h with a circuity of
1.3 (a straight-line reach of about 920 m); bicycle 12 km/h; e-bike 15 km/h.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from geo.errors import SettingsError

__all__ = [
    "CELL_SHAPES",
    "ENGINES",
    "MAX_CELL_M",
    "MAX_CIRCUITY",
    "MAX_MINUTES",
    "METHODS",
    "MODE_SPEEDS_KMH",
    "STREET_PROFILES",
    "Settings",
    "is_number",
    "parse_clock",
    "parse_share",
]

#: Default speed per mode, km/h.
MODE_SPEEDS_KMH: dict[str, float] = {"walk": 4.8, "bike": 12.0, "ebike": 15.0}
METHODS: tuple[str, ...] = ("euclidean", "network")
#: Where the per-point work runs (``engine=`` of :func:`geo.analyze`).
ENGINES: tuple[str, ...] = ("local", "dask")
CELL_SHAPES: tuple[str, ...] = ("square", "hex")
#: Which ways a mode may use on a street network (:mod:`geo.network.profile`): ``china``
#: (no walking or cycling on urban expressways and motor roads), ``osm`` (OpenStreetMap's
#: general rules) or ``auto`` (``china`` for data in China).
STREET_PROFILES: tuple[str, ...] = ("auto", "china", "osm")
#: The longest threshold or time band, in minutes (a day: beyond it the reach, in metres,
#: is no longer a distance on Earth and the JSON would hold ``Infinity``).
MAX_MINUTES = 24 * 60.0
#: The largest circuity (street distance ÷ straight line) and cell size, in metres.
MAX_CIRCUITY = 10.0
MAX_CELL_M = 100_000.0
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
    street_profile
        With ``method="network"``: which OSM ways the mode may use
        (:data:`STREET_PROFILES`; ``auto`` by default).
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
    street_profile: str = "auto"

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
        if float(self.minutes) > MAX_MINUTES:
            raise SettingsError(f"{self.minutes} minutes is not a travel time to a service "
                                f"station: use at most {MAX_MINUTES:,.0f} (a day)")
        object.__setattr__(self, "minutes", float(self.minutes))
        if not is_number(self.circuity) or not 1.0 <= self.circuity <= MAX_CIRCUITY:
            raise SettingsError(
                f"circuity {self.circuity} must be a number from 1 to {MAX_CIRCUITY:g} (street "
                "distance is never shorter than the straight line; 1.2–1.4 is typical in "
                "cities)"
            )
        object.__setattr__(self, "circuity", float(self.circuity))
        if self.method not in METHODS:
            raise SettingsError(f"unknown method '{self.method}': use euclidean or network")
        if self.street_profile not in STREET_PROFILES:
            raise SettingsError(f"unknown street profile '{self.street_profile}': use "
                                f"{', '.join(STREET_PROFILES)}")
        _positive("cell size", self.cell_m, "m")
        if self.cell_m < 5:
            raise SettingsError(f"cell size {self.cell_m} m is too small (use 5 m or more)")
        if self.cell_m > MAX_CELL_M:
            raise SettingsError(f"cell size {self.cell_m} m is too large (use at most "
                                f"{MAX_CELL_M:,.0f} m)")
        object.__setattr__(self, "cell_m", float(self.cell_m))
        if self.cell_shape not in CELL_SHAPES:
            raise SettingsError(f"unknown cell shape '{self.cell_shape}': use square or hex")
        bands = sorted({float(b) for b in self.bands if is_number(b) and float(b) > 0})
        if any(not is_number(b) or not 0 < float(b) <= MAX_MINUTES for b in self.bands):
            raise SettingsError(f"time bands {self.bands} must be positive minutes, at most "
                                f"{MAX_MINUTES:,.0f}")
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
        if self.method == "network":
            out["street_profile"] = self.street_profile
        return out

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values."""
        d = asdict(self)
        d["bands"] = list(self.bands)
        d["categories"] = list(self.categories)
        return d


def is_number(value: Any) -> bool:
    """Whether a value is a finite number (also as text: ``"12.5"``).

    Parameters
    ----------
    value
        Any value.

    Returns
    -------
    bool
    """
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def parse_share(
    value: float | str | None, *, what: str = "coverage target", allow_zero: bool = False
) -> float:
    """A share given as ``0.9``, ``"0.9"``, ``"90%"`` or ``"90％"`` → 0.9.

    Parameters
    ----------
    value
        The share as given.
    what
        What it is, for the message (``coverage target``, ``--min-coverage``).
    allow_zero
        Accept 0 (a threshold every result meets); else the share must be above 0.

    Returns
    -------
    float
        In [0, 1] with ``allow_zero``, else in (0, 1].

    Raises
    ------
    SettingsError
        If it is not a number or out of range (100% at most).
    """
    text = str(value).strip().replace("％", "%")
    try:
        v = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        raise SettingsError(f"{what} '{value}' is not a share (use 0.9 or 90%)") from None
    low_ok = v >= 0.0 if allow_zero else v > 0.0
    if not math.isfinite(v) or not low_ok or v > 1.0:
        low = "from 0" if allow_zero else "above 0 and"
        raise SettingsError(f"{what} {value} must be {low} at most 1 (100%)")
    return v


def _positive(name: str, value: Any, unit: str) -> None:
    if not is_number(value) or float(value) <= 0:
        raise SettingsError(f"{name} must be a positive number of {unit}, not {value!r}")
