"""Which stations count for an analysis: by kind, amenity and opening time.

Stations that a filter leaves out are not rejected: they stay in the result's
station table with the reason they were not used.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema
from geo.errors import Rejected
from geo.settings import Settings, parse_clock

__all__ = ["select_stations"]


def select_stations(
    stations: gpd.GeoDataFrame, settings: Settings, *, files: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, list[Rejected]]:
    """Apply the category, amenity and time-of-day filters.

    Parameters
    ----------
    stations
        Stations as read by :func:`geo.read_stations` (columns ``kind``,
        ``category``, ``amenities``, ``hours`` used where present).
    settings
        The filters (``categories``, ``amenity``, ``at``).
    files
        The file of each station, for the notes; by default the ``source_file``
        column, else ``attrs["source"]`` (the form :func:`geo.read_stations` returns).

    Returns
    -------
    used : numpy.ndarray of bool
        One flag per station.
    excluded : numpy.ndarray of str
        Why a station is not used ("" where it is).
    notes : list of Rejected
        Caveats worth telling the user, e.g. stations whose opening hours are
        unknown and that were therefore not counted as open at ``--at``.
    """
    n = len(stations)
    used = np.ones(n, dtype=bool)
    reason = np.full(n, "", dtype=object)
    notes: list[Rejected] = []

    if settings.categories:
        ok = schema.match_category(stations, list(settings.categories))
        reason[used & ~ok] = "category not selected"
        used &= ok
    if settings.amenity:
        amen = stations["amenities"] if "amenities" in stations else pd.Series([""] * n)
        ok = schema.has_amenity(amen.fillna(""), settings.amenity)
        reason[used & ~ok] = f"no {settings.amenity}"
        used &= ok
    if settings.at:
        hours = stations["hours"] if "hours" in stations else pd.Series([None] * n)
        is_open, unknown = schema.open_at(hours, parse_clock(settings.at))
        reason[used & unknown] = "opening hours unknown"
        reason[used & ~is_open & ~unknown] = f"closed at {settings.at}"
        if files is None:
            files = (
                stations["source_file"].astype(str).to_numpy()
                if "source_file" in stations
                else np.full(n, str(stations.attrs.get("source", "stations")), dtype=object)
            )
        rows = stations["row"].to_numpy() if "row" in stations else np.arange(n) + 2
        for src, row in zip(files[used & unknown], rows[used & unknown], strict=True):
            notes.append(
                Rejected(
                    str(src),
                    int(row),
                    "hours",
                    f"opening hours unknown: not counted as open at {settings.at}",
                )
            )
        used &= is_open & ~unknown
    return used, reason.astype(str), notes
