"""geo: 15-minute coverage of rider service stations (新就业形态劳动者服务站点覆盖分析).

The public API::

    import geo
    stations = geo.read_stations("data/canglang/stations.csv", crs="gcj02")
    result = geo.analyze(stations, area=..., demand=..., grids=...,
                         settings=geo.Settings(mode="ebike"))
    result.summary()

The layers of the package and where each concept lives: ``docs/architecture.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.lazy import lazy_names

if TYPE_CHECKING:
    from geo import crs
    from geo.api import analyze, check, site
    from geo.errors import GeoError, GeoWarning, InputError, Rejected, SettingsError
    from geo.io import read_area, read_demand, read_grids, read_stations, write_table
    from geo.result import CoverageResult
    from geo.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "CoverageResult",
    "GeoError",
    "GeoWarning",
    "InputError",
    "Rejected",
    "Settings",
    "SettingsError",
    "__version__",
    "analyze",
    "check",
    "crs",
    "read_area",
    "read_demand",
    "read_grids",
    "read_stations",
    "site",
    "write_table",
]

# The public names are imported on first use (PEP 562): ``import geo.cli`` (``geo --help``)
# or ``from geo.settings import Settings`` then loads no pandas, pyproj or SciPy.
_LAZY: dict[str, str] = {
    "CoverageResult": "geo.result",
    "GeoError": "geo.errors",
    "GeoWarning": "geo.errors",
    "InputError": "geo.errors",
    "Rejected": "geo.errors",
    "Settings": "geo.settings",
    "SettingsError": "geo.errors",
    "analyze": "geo.api",
    "check": "geo.api",
    "crs": "geo.crs",
    "read_area": "geo.io",
    "read_demand": "geo.io",
    "read_grids": "geo.io",
    "read_stations": "geo.io",
    "site": "geo.api",
    "write_table": "geo.io",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
