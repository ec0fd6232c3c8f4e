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
