"""Options of :func:`geo.siting.site`: checked early, with messages that name the bad value."""

from __future__ import annotations

import math
from os import PathLike

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema
from geo.errors import SettingsError
from geo.network import Network, load_network
from geo.settings import Settings, parse_share
from geo.siting.solve import SOLVERS

__all__ = [
    "check_gap",
    "check_goal",
    "check_options",
    "new_site_kind",
    "piles_charge",
    "resolve_network",
    "with_charging",
]


def check_goal(add: int | None, target: float | str | None) -> tuple[int | None, float | None]:
    """Check that exactly one of ``add`` (MCLP) and ``target`` (LSCP) is given.

    Parameters
    ----------
    add
        Sites to add: a whole number ≥ 1.
    target
        Coverage share to reach (see :func:`parse_share`).

    Returns
    -------
    tuple
        ``(k, None)`` or ``(None, share)``.

    Raises
    ------
    SettingsError
        If neither or both are given, or the one given is out of range.
    """
    if (add is None) == (target is None):
        raise SettingsError(
            "say either how many sites to add (--add K, maximal covering) or which coverage "
            "to reach (--target SHARE, fewest sites), not both and not neither"
        )
    if add is not None:
        try:
            whole = not isinstance(add, bool) and float(add).is_integer() and int(add) >= 1
        except (TypeError, ValueError):
            whole = False
        if not whole:
            raise SettingsError(
                f"the number of sites to add must be a whole number ≥ 1, not {add!r}"
            )
        return int(add), None
    return None, parse_share(target)




def check_options(
    candidates: object,
    from_gaps: bool,
    solver: str,
    time_limit: float,
    snap_limit_m: float,
    gap: float = 0.0,
) -> None:
    """Check the candidate source, solver, time limit, snap limit and gap.

    Parameters
    ----------
    candidates, from_gaps
        Where candidates come from (at least one is needed).
    solver
        One of :data:`geo.siting.solve.SOLVERS`.
    time_limit
        Seconds, positive.
    snap_limit_m
        Metres, positive.
    gap
        The optimality gap adding sites may stop at (:func:`check_gap`).

    Raises
    ------
    SettingsError
        Naming the bad value.
    """
    if candidates is None and not from_gaps:
        raise SettingsError(
            "no candidate sites: give a table of candidate sites (--candidates FILE) "
            "and/or use the centres of the gap cells (--from-gaps)"
        )
    if solver not in SOLVERS:
        raise SettingsError(f"unknown solver '{solver}': use {', '.join(SOLVERS)}")
    if not (isinstance(time_limit, int | float) and math.isfinite(time_limit) and time_limit > 0):
        raise SettingsError(f"time limit must be a positive number of seconds, not {time_limit!r}")
    if not snap_limit_m > 0:
        raise SettingsError(f"snap limit must be a positive number of metres, not {snap_limit_m!r}")
    check_gap(gap)


def check_gap(gap: float) -> None:
    """Check the optimality gap at which adding sites may stop.

    Parameters
    ----------
    gap
        A share in [0, 1).

    Raises
    ------
    SettingsError
        Naming the bad value.
    """
    ok = isinstance(gap, int | float) and not isinstance(gap, bool) and math.isfinite(gap)
    if not (ok and 0 <= gap < 1):
        raise SettingsError(f"the gap must be a share from 0 up to (not including) 1, such as "
                            f"0.01 for 1 %, not {gap!r}")


def with_charging(settings: Settings) -> Settings:
    """Settings in which only stations offering charging count.

    Parameters
    ----------
    settings
        The analysis settings; an amenity already asked for must still be offered too.

    Returns
    -------
    Settings
        With ``amenity`` including ``charging``.
    """
    have = set(schema.parse_amenities(settings.amenity or ""))
    if "charging" in have:
        return settings
    amenity = "charging" if not settings.amenity else f"{settings.amenity};charging"
    return settings.replace(amenity=amenity)


def piles_charge(stations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Mark charging piles (kind ``charging_pile``) as offering charging.

    A pile table often leaves the amenities column blank; a pile charges anyway.

    Parameters
    ----------
    stations
        The station table.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``charging`` added to the piles' ``amenities`` where missing
        (the input itself when nothing changes); ``attrs`` kept.
    """
    if "kind" not in stations or len(stations) == 0:
        return stations
    amen = (
        stations["amenities"].fillna("").astype(str)
        if "amenities" in stations
        else pd.Series([""] * len(stations), index=stations.index)
    )
    pile = (stations["kind"].astype(str) == "charging_pile").to_numpy()
    lacks = pile & ~schema.has_amenity(amen, "charging")
    if not lacks.any():
        return stations
    out = stations.copy()
    out["amenities"] = np.where(lacks, (amen + ";charging").str.lstrip(";"), amen)
    out.attrs = stations.attrs
    return out


def new_site_kind(settings: Settings, charging: bool) -> tuple[str | None, str]:
    """The kind and amenities a chosen site gets, so that the analysis' filters count it.

    Parameters
    ----------
    settings
        The analysis settings (kinds and amenity filters).
    charging
        Siting charging piles.

    Returns
    -------
    tuple
        ``(kind, amenities)``: ``charging_pile`` when siting piles; the first known kind of
        the category filter; else ``None`` — the candidate's own kind where known, else
        ``supply``. ``amenities`` is the amenity filter's text (``""`` without one).

    Raises
    ------
    SettingsError
        If a category filter names no kind a new site can have.
    """
    amenities = settings.amenity or ""
    if charging:
        return "charging_pile", amenities
    if settings.categories:
        for c in settings.categories:
            key = schema.category_kind(c)
            if key != "other":
                return key, amenities
        raise SettingsError(
            f"the kinds {', '.join(settings.categories)} are not kinds new sites can have; "
            f"choose from {', '.join(k for k in schema.KINDS if k != 'other')}"
        )
    return None, amenities


def resolve_network(
    network: str | PathLike[str] | Network | None, settings: Settings, on_network: bool
) -> Network | None:
    """The street network, loaded once, where the method or ``on_network`` needs it.

    Parameters
    ----------
    network
        A :class:`geo.network.Network`, a file, ``"helsinki"`` or ``None``.
    settings
        The analysis settings (``method``, ``mode``).
    on_network
        Whether candidates are to be moved onto the streets.

    Returns
    -------
    Network or None
        ``None`` when no network is needed.

    Raises
    ------
    SettingsError
        If a network is needed and not given.
    """
    if settings.method != "network" and not on_network:
        return network if isinstance(network, Network) else None
    if network is None:
        what = "placing candidates on the streets" if on_network else "the street-network method"
        raise SettingsError(
            f"{what} needs a street network: --network FILE "
            "(OSM PBF, OSM XML or GraphML, or 'helsinki' for the bundled extract)"
        )
    if isinstance(network, Network):
        return network
    return load_network(network, settings.mode, profile=settings.street_profile)


