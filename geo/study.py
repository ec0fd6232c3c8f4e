"""Where a study is, and which stations lie far from it.

The metric CRS (a UTM zone) is chosen from the study: its area, else its demand, else
the bulk of its stations, so that one stray station (a typo, a geocoder's namesake in
another city) neither moves the zone nor stretches the area; such stations are reported.
Arrays in, arrays out: :mod:`geo.coverage` and the pandas-free check of :mod:`geo.lean`
share these.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FAR_STATION_KM", "bulk", "distance_km", "far_beyond_km", "study_points"]

#: A station farther than this (km) from the study (its area, demand, or the bulk of the
#: stations) is reported: a typo, or a geocoder's namesake in another city.
FAR_STATION_KM = 50.0


def study_points(
    area_bounds: tuple[float, float, float, float] | None,
    demand: tuple[np.ndarray, np.ndarray] | None,
    s_lon: np.ndarray,
    s_lat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the study is: the area's corners, else the demand, else the stations near the
    median station (one stray station must not decide it).

    Parameters
    ----------
    area_bounds
        The study area's ``(minx, miny, maxx, maxy)`` in WGS-84, or ``None``.
    demand
        The demand points' ``(lon, lat)``, or ``None``.
    s_lon, s_lat
        Every station.

    Returns
    -------
    tuple of numpy.ndarray
        Longitudes and latitudes.
    """
    if area_bounds is not None:
        minx, miny, maxx, maxy = area_bounds
        return np.array([minx, maxx]), np.array([miny, maxy])
    if demand is not None and len(demand[0]):
        return demand
    near = bulk(s_lon, s_lat)
    return s_lon[near], s_lat[near]


def bulk(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The stations within :data:`FAR_STATION_KM` of the station with the most stations
    that near (the first such station on a tie): the study's stations, strays left out.

    Parameters
    ----------
    lon, lat
        The stations (WGS-84).

    Returns
    -------
    numpy.ndarray of bool
    """
    from scipy.spatial import cKDTree

    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return ok
    # points on the unit sphere: a chord of 2 sin(d / 2R) is a great-circle distance d
    lo, la = np.radians(lon[ok]), np.radians(lat[ok])
    xyz = np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
    chord = 2 * np.sin(FAR_STATION_KM / 6371.0088 / 2)
    tree = cKDTree(xyz)
    counts = tree.query_ball_point(xyz, chord, return_length=True)
    centre = xyz[int(np.argmax(counts))]
    inside = np.zeros(lon.size, dtype=bool)
    inside[np.flatnonzero(ok)[tree.query_ball_point(centre, chord)]] = True
    return inside


def distance_km(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Geodesic distances (km, WGS-84 ellipsoid) from one place.

    Parameters
    ----------
    lon, lat
        The points.
    lon0, lat0
        The place.

    Returns
    -------
    numpy.ndarray
    """
    from pyproj import Geod

    _, _, metres = Geod(ellps="WGS84").inv(np.full(lon.size, lon0), np.full(lat.size, lat0),
                                           lon, lat)
    return np.asarray(metres, dtype=float) / 1000.0


def far_beyond_km(
    ref_lon: np.ndarray, ref_lat: np.ndarray, s_lon: np.ndarray, s_lat: np.ndarray
) -> np.ndarray:
    """How far (km) each station lies beyond the study's radius.

    The study's centre is the median of its points; its radius reaches the farthest
    corner of their bounding box (four distances, not one per demand point).

    Parameters
    ----------
    ref_lon, ref_lat
        The study's points (:func:`study_points`), at least one.
    s_lon, s_lat
        The stations.

    Returns
    -------
    numpy.ndarray
        Kilometres beyond the radius (negative inside it); a station is far beyond
        :data:`FAR_STATION_KM`.
    """
    lon0, lat0 = float(np.median(ref_lon)), float(np.median(ref_lat))
    corners_lon = np.array([ref_lon.min(), ref_lon.min(), ref_lon.max(), ref_lon.max()])
    corners_lat = np.array([ref_lat.min(), ref_lat.max(), ref_lat.min(), ref_lat.max()])
    radius = float(distance_km(corners_lon, corners_lat, lon0, lat0).max())
    return distance_km(s_lon, s_lat, lon0, lat0) - radius
