"""Where the gaps are, in words a planner can read out: 网格, nearest station, direction, distance.

One KD-tree query for all gaps; coordinates in WGS-84 and, for pasting into
Amap, GCJ-02.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo import crs as crsmod
from geo.result import CoverageResult

__all__ = ["distance_text", "gap_places"]

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
        used station, else its id), ``station_id``, ``distance_m`` and
        ``direction`` (of the gap as seen from that station).
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
    st = result.stations[result.stations["used"].to_numpy(dtype=bool)]
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
        names = st["name"].astype(object).to_numpy() if "name" in st else np.full(len(st), None)
        ids = st["id"].astype(str).to_numpy()
        blank = pd.isna(names) | (pd.Series(names, dtype=object).astype(str).str.strip() == "")
        label = np.where(blank, ids, names)
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
