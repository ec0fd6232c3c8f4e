"""Larger than one machine: ``geo`` on a Dask cluster (``pip install 'geo[dask]'``).

* :class:`DaskEngine` — ``geo.analyze(..., engine="dask")`` computes the
  per-point kernel per spatial partition on Dask workers; the result equals the
  local engine's.
* :func:`sweep` — a table of scenarios (mode, speed, minutes, amenity, time of
  day …) as Dask tasks, one tidy table of coverage per scenario and per 网格.
* :func:`check_parquet` — a GeoParquet demand read, computed and written by
  partition (dask-geopandas), the summary built from per-partition aggregates.
* :func:`write_points_parquet`, :func:`atomic_path` — outputs written under a
  temporary name and renamed when complete.

Nothing here schedules work itself: every task runs on Dask (a local cluster, or
any existing deployment given by its scheduler address).
"""

from __future__ import annotations

from geo.distributed.cluster import (
    DaskError,
    DaskNotInstalledError,
    SchedulerError,
    dask_client,
)
from geo.distributed.engine import DaskEngine, run_kernel
from geo.distributed.outputs import atomic_path, write_points_parquet
from geo.distributed.parquet import check_parquet
from geo.distributed.sweep import SCENARIO_FIELDS, sweep

__all__ = [
    "SCENARIO_FIELDS",
    "DaskEngine",
    "DaskError",
    "DaskNotInstalledError",
    "SchedulerError",
    "atomic_path",
    "check_parquet",
    "dask_client",
    "run_kernel",
    "sweep",
    "write_points_parquet",
]
