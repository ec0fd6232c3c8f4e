"""Where the gaps are, in words a planner can read out: 网格, nearest station, direction, distance.

One KD-tree query for all gaps; coordinates in WGS-84 and, for pasting into
Amap, GCJ-02. A gap is placed by landmarks a planner knows: the 网格 it lies in,
the nearest *existing* station that counts (a what-if station is not there to be
seen, and one named after an internal cell id such as ``gap cell C2713_34623`` —
siting's candidates — names nothing), and the study area when no station qualifies.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo import crs as crsmod
from geo.maps.whatif import hypothetical_mask
from geo.result import CoverageResult

__all__ = ["area_name", "distance_text", "gap_places", "is_landmark_name"]

#: Names that are internal ids, not places: siting's gap-cell candidates and bare cell labels
#: (``gap cell C2713_34623``, ``C2713_34623``, an H3 index).
_INTERNAL_NAME = re.compile(
    r"^\s*(gap[ _-]*cell\b.*|缺口格.*|C-?\d+_-?\d+|[0-9a-f]{15}|G\d{4,})\s*$", re.IGNORECASE
)


def is_landmark_name(name: object) -> bool:
    """Whether a station name can place something for a planner (not blank, not an internal id).

    Parameters
    ----------
    name
        A station name.

    Returns
    -------
    bool
        False for blanks and for internal ids such as ``gap cell C2713_34623``.
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return False
    text = str(name).strip()
    return bool(text) and _INTERNAL_NAME.match(text) is None


def area_name(result: CoverageResult) -> str | None:
    """The study area's name(s) (``沧浪街道``), or ``None`` when it has none.

    Parameters
    ----------
    result
        The analysis.

    Returns
    -------
    str or None
    """
    area = result.area
    if area is None or "name" not in area or not len(area):
        return None
    names = [str(n).strip() for n in area["name"].dropna().astype(str) if str(n).strip()]
    return "、".join(dict.fromkeys(names)) or None


def _landmarks(result: CoverageResult) -> pd.DataFrame:
    """The stations that can place a gap: existing (not what-if), named, used if any is."""
    st = result.stations
    if len(st) == 0:
        return st
    existing = ~hypothetical_mask(st)
    names = (st["name"].astype(object).to_numpy() if "name" in st
             else np.full(len(st), None, dtype=object))
    ids = st["id"].astype(str).to_numpy() if "id" in st else np.full(len(st), "", dtype=object)
    label = np.asarray([n if is_landmark_name(n) else i
                        for n, i in zip(names, ids, strict=True)], dtype=object)
    named = np.asarray([is_landmark_name(v) for v in label], dtype=bool)
    used = st["used"].to_numpy(dtype=bool) if "used" in st else np.ones(len(st), dtype=bool)
    pick = existing & named & used
    if not pick.any():
        pick = existing & named
    out = st.loc[pick].copy()
    out["label"] = label[pick]
    return out

_DIRECTIONS = {
    "zh": ("北", "东北", "东", "东南", "南", "西南", "西", "西北"),
    "en": ("north", "north-east", "east", "south-east", "south", "south-west", "west",
           "north-west"),
}


def gap_places(result: CoverageResult, lang: str = "zh") -> pd.DataFrame:
    """The ranked gaps of ``summary()["gaps"]`` with where they are.

    Parameters
    ----------
    result
        The analysis.
    lang
        ``zh`` or ``en`` (direction words).

    Returns
    -------
    pandas.DataFrame
        ``rank, demand, area_m2, cells, grid, lon, lat`` (WGS-84, as in the
        JSON), ``gcj_lon, gcj_lat`` (GCJ-02), ``station`` (name of the nearest
        existing station that counts, else its id; never a what-if station nor an
        internal cell id; ``None`` when no station qualifies), ``station_id``,
        ``distance_m`` and ``direction`` (of the gap as seen from that station).
    """
    gaps = pd.DataFrame(result.summary()["gaps"])
    cols = ["rank", "demand", "area_m2", "cells", "grid", "lon", "lat", "gcj_lon", "gcj_lat",
            "station", "station_id", "distance_m", "direction"]
    if gaps.empty:
        return pd.DataFrame(columns=cols)
    lon = gaps["lon"].to_numpy(dtype="float64")
    lat = gaps["lat"].to_numpy(dtype="float64")
    glon, glat = crsmod.wgs84_to_gcj02(lon, lat)
    gaps["gcj_lon"] = np.round(np.asarray(glon, dtype="float64"), 6)
    gaps["gcj_lat"] = np.round(np.asarray(glat, dtype="float64"), 6)
    st = _landmarks(result)
    n = len(gaps)
    station = np.full(n, None, dtype=object)
    station_id = np.full(n, None, dtype=object)
    distance = np.full(n, np.nan)
    direction = np.full(n, None, dtype=object)
    if len(st):
        to_m = Transformer.from_crs(4326, result.metric_crs, always_xy=True)
        sx, sy = (np.asarray(a) for a in to_m.transform(st.geometry.x.to_numpy(),
                                                         st.geometry.y.to_numpy()))
        gx, gy = (np.asarray(a) for a in to_m.transform(lon, lat))
        dist, idx = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([gx, gy]))
        ids = st["id"].astype(str).to_numpy()
        label = st["label"].to_numpy(dtype=object)
        station, station_id = label[idx], ids[idx]
        distance = np.round(dist, 0)
        bearing = np.degrees(np.arctan2(gx - sx[idx], gy - sy[idx])) % 360.0
        words = np.array(_DIRECTIONS.get(lang, _DIRECTIONS["zh"]), dtype=object)
        direction = words[np.round(bearing / 45.0).astype(int) % 8]
    gaps["station"] = station
    gaps["station_id"] = station_id
    gaps["distance_m"] = distance
    gaps["direction"] = direction
    return gaps[cols]


def distance_text(metres: float, lang: str = "zh") -> str:
    """``约 1.2 km`` / ``about 350 m``.

    Parameters
    ----------
    metres
        Distance.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    if not np.isfinite(metres):
        return "—"
    text = f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres, -1):.0f} m"
    return f"约 {text}" if lang == "zh" else f"about {text}"
