"""Whether a street network covers the data it is asked to measure.

A network of another city (the bundled Helsinki extract under Suzhou stations, a district
extract under a city-wide demand table) would leave every point "off network" and report
0% coverage without a word. :func:`check_covers` refuses that before anything is
measured, naming the network, its extent and the data's.
"""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

from geo.errors import InputError
from geo.network.model import Network

__all__ = ["MAX_OUTSIDE_SHARE", "check_covers", "network_extent"]

#: The share of stations or of demand points that may lie outside the network's extent
#: (its nodes' bounding box grown by the snap limit) before the network is refused.
MAX_OUTSIDE_SHARE = 0.5


def network_extent(network: Network) -> tuple[float, float, float, float]:
    """The network's extent in WGS-84: ``(min lon, min lat, max lon, max lat)``.

    Parameters
    ----------
    network
        A street network.

    Returns
    -------
    tuple of float
    """
    back = Transformer.from_crs(network.crs, 4326, always_xy=True)
    x0, y0, x1, y1 = network.x.min(), network.y.min(), network.x.max(), network.y.max()
    lon, lat = back.transform(np.array([x0, x1, x0, x1]), np.array([y0, y0, y1, y1]))
    return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))


def _outside(network: Network, lon: np.ndarray, lat: np.ndarray, margin_m: float) -> np.ndarray:
    to_m = Transformer.from_crs(4326, network.crs, always_xy=True)
    x, y = (np.asarray(a, dtype=float) for a in to_m.transform(lon, lat))
    return ((x < network.x.min() - margin_m) | (x > network.x.max() + margin_m)
            | (y < network.y.min() - margin_m) | (y > network.y.max() + margin_m)
            | ~np.isfinite(x) | ~np.isfinite(y))


def _box(b: tuple[float, float, float, float]) -> str:
    return f"{b[0]:.3f}–{b[2]:.3f}°E, {b[1]:.3f}–{b[3]:.3f}°N"


def check_covers(
    network: Network,
    stations: tuple[np.ndarray, np.ndarray],
    demand: tuple[np.ndarray, np.ndarray],
    *,
    margin_m: float = 200.0,
) -> None:
    """Refuse a network that most stations or most demand points lie outside of.

    Parameters
    ----------
    network
        The street network.
    stations, demand
        ``(lon, lat)`` in WGS-84 of the used stations and of the demand points (or cells).
    margin_m
        How far beyond the network's nodes a point still counts as inside (the snap limit).

    Raises
    ------
    InputError
        When more than :data:`MAX_OUTSIDE_SHARE` of the stations or of the demand lie
        outside; the message names the network, its extent, the data's extent and how to
        get the study area's network.
    """
    parts = []
    lons, lats = [], []
    for what, (lon, lat) in (("stations", stations), ("demand points", demand)):
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if lon.size == 0:
            continue
        lons.append(lon)
        lats.append(lat)
        out = _outside(network, lon, lat, margin_m)
        if out.mean() > MAX_OUTSIDE_SHARE:
            parts.append(f"{int(out.sum()):,} of {lon.size:,} {what}")
    if not parts:
        return
    lon, lat = np.concatenate(lons), np.concatenate(lats)
    data = (float(np.nanmin(lon)), float(np.nanmin(lat)), float(np.nanmax(lon)),
            float(np.nanmax(lat)))
    name = network.source or network.path or "the street network"
    raise InputError(
        f"the street network does not cover the data: {' and '.join(parts)} lie outside it "
        f"(network {_box(network_extent(network))}; data {_box(data)}). Give the network of "
        "the study area, e.g. geo network extract CHINA.osm.pbf --area AREA -o AREA.osm.pbf",
        file=name,
    )
