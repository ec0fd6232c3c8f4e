"""The area a city's geocoding answers must fall in, from the seats of its districts.

No boundaries ship with geo: a province's or prefecture city's extent is the convex hull
of the seats of the unit and of its counties and districts (from
:mod:`geo.geocode.gazetteer`), widened by a margin; a county's is a circle around its seat.
The margin follows how far apart seats are there, because a district reaches about as far
from its seat as its neighbours' seats are:

* province or prefecture city: :data:`CITY_SPACINGS` × the median distance from its
  counties' seats to their nearest neighbouring seat, at least :data:`CITY_MARGIN_KM`, at
  most :data:`MAX_MARGIN_KM` (苏州市: 50 km; 那曲市 and 阿里地区: 200 km);
* county: :data:`COUNTY_SPACINGS` × the distance from its seat to the nearest other seat,
  at least :data:`COUNTY_MARGIN_KM`, at most :data:`MAX_MARGIN_KM`.

Checked against the 35,350 township seats with coordinates in the same source (Vonng/adcode,
2016): 99.7 % lie inside their prefecture's extent. Most of the other 109 lie less than 20 km
beyond the margin at the far ends of large prefectures (长沙市's 宁乡, 淮南市's 寿县, 北京市's
northern hills); a few are 50-140 km out, in the largest western prefectures or misplaced.
An answer there is ``needs_review``, not lost: the planner confirms it on the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["CITY_MARGIN_KM", "CITY_SPACINGS", "COUNTY_MARGIN_KM", "COUNTY_SPACINGS",
           "MAX_MARGIN_KM", "CityExtent", "extent_of"]

#: The least margin around a province's or city's seats (km).
CITY_MARGIN_KM = 50.0
#: A province's or city's margin in median distances between neighbouring seats.
CITY_SPACINGS = 3.0
#: The least radius around a county's seat (km).
COUNTY_MARGIN_KM = 40.0
#: A county's radius in distances to the nearest other seat.
COUNTY_SPACINGS = 2.0
#: The largest margin (km).
MAX_MARGIN_KM = 200.0


@dataclass(frozen=True)
class CityExtent:
    """Where answers for one place may fall: within ``margin_km`` of ``hull``.

    Attributes
    ----------
    place
        The place's full name (``江苏省苏州市``).
    margin_km
        How far beyond the hull of the seats an answer may be.
    hull
        The convex hull of the seats, in metres of :attr:`proj` (a point for a county).
    proj
        An azimuthal equidistant projection centred on the place's seat (PROJ string).
    """

    place: str
    margin_km: float
    hull: shapely.Geometry
    proj: str

    def distance_km(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Kilometres from each point (WGS-84) to the hull of the seats; 0 inside it.

        Parameters
        ----------
        lon, lat
            WGS-84 degrees.

        Returns
        -------
        numpy.ndarray
        """
        from pyproj import Transformer

        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        if lon.size == 0:
            return np.zeros(0)
        x, y = Transformer.from_crs("EPSG:4326", self.proj, always_xy=True).transform(lon, lat)
        return np.asarray(shapely.distance(self.hull, shapely.points(x, y)), dtype=float) / 1000

    def outside(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether each point (WGS-84) lies outside the extent (farther than the margin).

        Parameters
        ----------
        lon, lat
            WGS-84 degrees.

        Returns
        -------
        numpy.ndarray of bool
        """
        return self.distance_km(lon, lat) > self.margin_km


def extent_of(place: str, level: str, lon0: float, lat0: float, lon: np.ndarray,
              lat: np.ndarray, spacing_km: float) -> CityExtent:
    """The extent of a place from its seats.

    Parameters
    ----------
    place
        Its full name.
    level
        ``province``, ``city`` or ``county``.
    lon0, lat0
        Its seat (WGS-84): the centre of the projection.
    lon, lat
        The seats of the place and of every unit inside it (WGS-84).
    spacing_km
        The median distance from its counties' seats to their nearest neighbouring seat
        (the county's own, for a county).

    Returns
    -------
    CityExtent
    """
    from pyproj import Transformer

    proj = (f"+proj=aeqd +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m "
            "+no_defs")
    if level == "county":
        least, spacings = COUNTY_MARGIN_KM, COUNTY_SPACINGS
        lon, lat = np.array([lon0]), np.array([lat0])
    else:
        least, spacings = CITY_MARGIN_KM, CITY_SPACINGS
    margin = float(np.clip(spacings * spacing_km, least, MAX_MARGIN_KM))
    x, y = Transformer.from_crs("EPSG:4326", proj, always_xy=True).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([x, y])))
    return CityExtent(place, margin, hull, proj)
