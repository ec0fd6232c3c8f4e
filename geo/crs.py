"""Chinese coordinate systems: WGS-84, GCJ-02 and BD-09, and the metric CRS choice.

All conversions are vectorised numpy: arrays (or scalars) in, the same shape
out, longitude first. Points outside China are returned unchanged, as the
GCJ-02 obfuscation is only applied inside China.

* WGS-84: GPS, OpenStreetMap. CGCS2000 (Tianditu) is treated as WGS-84; the two
  differ by centimetres.
* GCJ-02: Amap/Gaode, Tencent and most Chinese apps.
* BD-09: Baidu, a further offset of GCJ-02.

The inverse conversions (``gcj02_to_wgs84``, ``bd09_to_gcj02``) iterate the
forward formula until the residual is below about a millimetre, so a
round trip is exact to far better than the 0.5 m the project promises.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from geo.errors import SettingsError

if TYPE_CHECKING:
    import shapely
    from pyproj import CRS, Transformer

# pandas, pyproj and shapely are imported where they are used: the command line's
# options and ``geo --help`` need this module's names, not those libraries.

__all__ = [
    "CHINA_BOUNDS",
    "COORD_SYSTEMS",
    "ArrayLike",
    "CoordSystem",
    "PositionFaults",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geometries_to_wgs84",
    "in_china",
    "metric_crs",
    "normalize_coord_system",
    "position_faults",
    "reproject",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

ArrayLike = npt.ArrayLike
CoordSystem = Literal["wgs84", "gcj02", "bd09"]
COORD_SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

# Krasovsky 1940 ellipsoid as used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# The rectangle inside which GCJ-02 is applied (the common public convention).
CHINA_BOUNDS = (72.004, 0.8293, 137.8347, 55.8271)  # lon_min, lat_min, lon_max, lat_max

_MAX_ITER = 30
_TOL_DEG = 1e-8  # ~1 mm


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, bool]:
    lon_a = np.asarray(lon, dtype="float64")
    lat_a = np.asarray(lat, dtype="float64")
    if lon_a.shape != lat_a.shape:
        raise ValueError(f"lon and lat differ in shape: {lon_a.shape} vs {lat_a.shape}")
    return lon_a, lat_a, lon_a.ndim == 0


def _out(lon: np.ndarray, lat: np.ndarray, scalar: bool):  # type: ignore[no-untyped-def]
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Return a boolean array: inside the rectangle where GCJ-02 applies.

    Parameters
    ----------
    lon, lat
        Degrees, arrays of one shape or scalars.

    Returns
    -------
    numpy.ndarray
        ``True`` where the point is inside China's GCJ-02 rectangle.
    """
    lon_a, lat_a, _ = _as_arrays(lon, lat)
    lon_min, lat_min, lon_max, lat_max = CHINA_BOUNDS
    return (lon_a >= lon_min) & (lon_a <= lon_max) & (lat_a >= lat_min) & (lat_a <= lat_max)


class PositionFaults(NamedTuple):
    """Per row, why its position cannot be used (:func:`position_faults`)."""

    zero: np.ndarray
    out_of_range: np.ndarray
    outside_china: np.ndarray


def position_faults(
    lon: np.ndarray, lat: np.ndarray, system: str | np.ndarray
) -> PositionFaults:
    """The positions a table's rows cannot have: the rule the station and demand readers
    reject rows by (:mod:`geo.io.points`), and the plain readers decline files by
    (:mod:`geo.lean.points`).

    Parameters
    ----------
    lon, lat
        Degrees as written (NaN where there is none: no fault).
    system
        The coordinate system of every row (one name), or one per row.

    Returns
    -------
    PositionFaults
        ``zero``: at (0, 0), an empty coordinate exported as zero; ``out_of_range``:
        longitude beyond ±180 or latitude beyond ±90; ``outside_china``: GCJ-02 or BD-09,
        which are used only in China, far outside China.
    """
    china_only = (np.full(lon.shape, system in ("gcj02", "bd09")) if isinstance(system, str)
                  else (system == "gcj02") | (system == "bd09"))
    outside = (china_only & ~in_china(lon, lat) if china_only.any()
               else np.zeros(lon.shape, dtype=bool))
    return PositionFaults(zero=(lon == 0) & (lat == 0),
                          out_of_range=(np.abs(lon) > 180) | (np.abs(lat) > 90),
                          outside_china=outside)


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) at WGS-84 positions."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += common
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += common
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike):  # type: ignore[no-untyped-def]
    """Convert WGS-84 to GCJ-02.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees, numpy arrays of one shape or scalars.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02, same shape as the input (floats for scalars).
        Points outside China are returned unchanged; NaN stays NaN.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    d_lon, d_lat = _gcj_offset(lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    return _out(
        np.where(inside, lon_a + d_lon, lon_a), np.where(inside, lat_a + d_lat, lat_a), scalar
    )


def _invert(forward, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Solve ``forward(x) = (lon, lat)`` for ``x`` by fixed-point iteration."""
    x_lon = lon.copy()
    x_lat = lat.copy()
    for _ in range(_MAX_ITER):
        f_lon, f_lat = forward(x_lon, x_lat)
        r_lon = f_lon - lon
        r_lat = f_lat - lat
        x_lon = x_lon - r_lon
        x_lat = x_lat - r_lat
        finite = np.isfinite(r_lon) & np.isfinite(r_lat)
        if not finite.any() or (
            np.max(np.abs(r_lon[finite]), initial=0.0) < _TOL_DEG
            and np.max(np.abs(r_lat[finite]), initial=0.0) < _TOL_DEG
        ):
            break
    return x_lon, x_lat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike):  # type: ignore[no-untyped-def]
    """Convert GCJ-02 to WGS-84 by iterating the forward formula (error < 1 mm).

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees, numpy arrays of one shape or scalars.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS-84, same shape as the input. Points outside
        China are returned unchanged.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    w_lon, w_lat = _invert(lambda x, y: wgs84_to_gcj02(x, y), lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    return _out(np.where(inside, w_lon, lon_a), np.where(inside, w_lat, lat_a), scalar)


def _gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike):  # type: ignore[no-untyped-def]
    """Convert GCJ-02 to BD-09 (Baidu).

    Parameters
    ----------
    lon, lat
        GCJ-02 degrees, numpy arrays of one shape or scalars.

    Returns
    -------
    tuple
        ``(lon, lat)`` in BD-09. Points outside China are returned unchanged.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    b_lon, b_lat = _gcj_to_bd(lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    return _out(np.where(inside, b_lon, lon_a), np.where(inside, b_lat, lat_a), scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike):  # type: ignore[no-untyped-def]
    """Convert BD-09 (Baidu) to GCJ-02, exact inverse of :func:`gcj02_to_bd09`.

    Parameters
    ----------
    lon, lat
        BD-09 degrees, numpy arrays of one shape or scalars.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02. Points outside China are returned unchanged.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    # The published closed-form approximation, refined by iteration.
    x = lon_a - 0.0065
    y = lat_a - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(_MAX_ITER):
        f_lon, f_lat = _gcj_to_bd(g_lon, g_lat)
        r_lon, r_lat = f_lon - lon_a, f_lat - lat_a
        g_lon, g_lat = g_lon - r_lon, g_lat - r_lat
        finite = np.isfinite(r_lon) & np.isfinite(r_lat)
        if np.max(np.abs(np.concatenate([r_lon[finite], r_lat[finite]])), initial=0.0) < _TOL_DEG:
            break
    inside = in_china(lon_a, lat_a)
    return _out(np.where(inside, g_lon, lon_a), np.where(inside, g_lat, lat_a), scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike):  # type: ignore[no-untyped-def]
    """Convert WGS-84 to BD-09 (through GCJ-02).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.

    Returns
    -------
    tuple
        ``(lon, lat)`` in BD-09.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike):  # type: ignore[no-untyped-def]
    """Convert BD-09 (Baidu) to WGS-84 (through GCJ-02).

    Parameters
    ----------
    lon, lat
        BD-09 degrees.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS-84.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def normalize_coord_system(value: str | None, *, default: str = "wgs84") -> str:
    """Map a user's name for a coordinate system to ``wgs84``, ``gcj02`` or ``bd09``.

    Accepts e.g. ``WGS-84``, ``GPS``, ``CGCS2000``, ``国测局``, ``火星``, ``高德``,
    ``GCJ02``, ``百度``, ``BD-09``, ``EPSG:4326``.

    Parameters
    ----------
    value
        The name as the user wrote it; blank means ``default``.
    default
        Returned for a blank value.

    Returns
    -------
    str
        One of :data:`COORD_SYSTEMS`.

    Raises
    ------
    SettingsError
        If the name is not a known coordinate system.
    """
    if value is None:
        return default
    # NFKC folds the full-width forms a Chinese input method types (ＧＣＪ－０２) to ASCII.
    text = unicodedata.normalize("NFKC", str(value))
    key = "".join(ch for ch in text.strip().lower() if ch.isalnum())
    if not key or key == "nan":
        return default
    if key in {"wgs84", "wgs", "gps", "epsg4326", "4326", "cgcs2000", "epsg4490", "4490", "osm",
               "tianditu", "天地图", "大地2000"}:
        return "wgs84"
    if key in {"gcj02", "gcj", "mars", "火星", "火星坐标", "火星坐标系", "国测局", "国测局坐标",
               "amap", "gaode", "高德", "腾讯", "tencent", "qq"}:
        return "gcj02"
    if key in {"bd09", "bd", "baidu", "百度", "bd09ll", "百度坐标", "百度坐标系"}:
        return "bd09"
    raise SettingsError(
        f"unknown coordinate system '{value}': use wgs84 (GPS, OSM, Tianditu), "
        "gcj02 (Amap/Gaode, Tencent) or bd09 (Baidu)"
    )


def _system_text(value: object) -> str:
    """A per-point system name as text; missing values (None, NaN) become blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, system: ArrayLike | str):  # type: ignore[no-untyped-def]
    """Convert coordinates given in ``system`` (one name, or one per point) to WGS-84.

    Parameters
    ----------
    lon, lat
        Degrees in the given system.
    system
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"``, or an array of those, one per point;
        any name :func:`normalize_coord_system` accepts (``"GCJ-02"``, ``"百度"``;
        blank or missing means WGS-84).

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` in WGS-84, the shape of the input.

    Raises
    ------
    SettingsError
        If a name is not a known coordinate system.
    """
    lon_in = np.asarray(lon, dtype="float64")
    lat_in = np.asarray(lat, dtype="float64")
    if lon_in.shape != lat_in.shape:
        raise ValueError(f"lon and lat differ in shape: {lon_in.shape} vs {lat_in.shape}")
    lon_a = np.atleast_1d(lon_in).copy()
    lat_a = np.atleast_1d(lat_in).copy()
    if isinstance(system, str) or system is None:
        sys_c = np.broadcast_to(
            np.asarray(normalize_coord_system(_system_text(system)), dtype=object), lon_a.shape
        )
    else:
        sys_a = np.broadcast_to(np.asarray(system, dtype=object), lon_in.shape).ravel()
        import pandas as pd

        # Names as users write them ("GCJ-02", "百度", blank): normalise each distinct one.
        codes, names = pd.factorize(pd.Series(sys_a, dtype=object), use_na_sentinel=True)
        canonical = np.array(
            [*(normalize_coord_system(_system_text(n)) for n in names), "wgs84"], dtype=object
        )
        sys_c = canonical[codes].reshape(lon_a.shape)  # code -1 (missing) → WGS-84
    for name, func in (("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)):
        mask = sys_c == name
        if mask.any():
            lon_a[mask], lat_a[mask] = func(lon_a[mask], lat_a[mask])
    return lon_a.reshape(lon_in.shape), lat_a.reshape(lat_in.shape)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, system: str):  # type: ignore[no-untyped-def]
    """Convert WGS-84 coordinates to ``system`` (``wgs84``, ``gcj02`` or ``bd09``).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    system
        The target system.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` in the target system.
    """
    system = normalize_coord_system(system)
    lon_a = np.asarray(lon, dtype="float64")
    lat_a = np.asarray(lat, dtype="float64")
    if system == "gcj02":
        return wgs84_to_gcj02(lon_a, lat_a)
    if system == "bd09":
        return wgs84_to_bd09(lon_a, lat_a)
    return lon_a, lat_a


def metric_crs(lon: ArrayLike, lat: ArrayLike) -> CRS:
    """Choose the UTM zone for measuring distances in metres around the data.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees of the data (stations and demand).

    Returns
    -------
    pyproj.CRS
        The WGS-84 / UTM zone containing the centre of the data's extent
        (EPSG:326xx north, 327xx south); EPSG:32651 for Suzhou.
    """
    lon_a = np.asarray(lon, dtype="float64").ravel()
    lat_a = np.asarray(lat, dtype="float64").ravel()
    finite = np.isfinite(lon_a) & np.isfinite(lat_a)
    if not finite.any():
        raise SettingsError("no valid coordinates to choose a metric coordinate system from")
    c_lon = (np.min(lon_a[finite]) + np.max(lon_a[finite])) / 2.0
    c_lat = (np.min(lat_a[finite]) + np.max(lat_a[finite])) / 2.0
    zone = int(np.clip(np.floor((c_lon + 180.0) / 6.0) + 1, 1, 60))
    from pyproj import CRS

    return CRS.from_epsg((32600 if c_lat >= 0 else 32700) + zone)


def reproject(geoms: shapely.Geometry | npt.ArrayLike, transformer: Transformer):  # type: ignore[no-untyped-def]
    """Transform shapely geometries (one, or an array) with a pyproj ``Transformer``.

    Parameters
    ----------
    geoms
        Geometries with x = longitude/easting, y = latitude/northing.
    transformer
        Built with ``always_xy=True``.

    Returns
    -------
    shapely.Geometry or numpy.ndarray
        The same shape as ``geoms``.
    """
    import shapely

    return shapely.transform(
        geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def geometries_to_wgs84(geoms: npt.ArrayLike, systems: npt.ArrayLike) -> np.ndarray:
    """Convert geometries given in degrees of ``systems`` (one per geometry) to WGS-84.

    Parameters
    ----------
    geoms
        Shapely geometries in degrees.
    systems
        ``wgs84``, ``gcj02`` or ``bd09`` per geometry.

    Returns
    -------
    numpy.ndarray of object
        A new array; WGS-84 geometries are the same objects.
    """
    import shapely

    per = np.asarray(systems, dtype=object)
    out = np.array(geoms, dtype=object)
    for system in set(per.tolist()) - {"wgs84"}:
        mask = per == system

        def convert(xy: np.ndarray, system: str = system) -> np.ndarray:
            x, y = to_wgs84(xy[:, 0], xy[:, 1], system)
            return np.column_stack([x, y])

        out[mask] = shapely.transform(out[mask], convert)
    return out

