"""Many scenarios at once: a table of settings, one Dask task each, one tidy table back.

The scenarios are planned, run and tabulated by :mod:`geo.scenario.sweep`; this
module only hands each one to Dask (``engine="dask"``: a task per scenario, the
inputs and the street network sent once), or runs them in a loop here
(``engine="local"``, the same function, so the same numbers).
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from geo.distributed.cluster import ProgressArg, announce, dask_client, wait_all
from geo.distributed.kernels import hold
from geo.distributed.partition import PortableNetwork
from geo.errors import SettingsError
from geo.inputs import Inputs
from geo.scenario.sweep import (
    GRID_COLUMNS,
    SCENARIO_COLUMNS,
    SCENARIO_FIELDS,
    ScenarioRows,
    Scenarios,
    Sweep,
    run_scenario,
)
from geo.scenario.sweep import sweep as sweep_scenarios
from geo.settings import ENGINES, Settings

__all__ = ["GRID_COLUMNS", "SCENARIO_COLUMNS", "SCENARIO_FIELDS", "sweep"]


def sweep(
    stations: Any,
    scenarios: Scenarios,
    *,
    engine: str = "dask",
    scheduler: Any = None,
    progress: ProgressArg = None,
    **kwargs: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coverage for every scenario of a table, as Dask tasks.

    Parameters
    ----------
    stations, scenarios
        As :func:`geo.scenario.sweep.plan`: the stations, and one row (or dict) per
        scenario whose columns are :class:`geo.Settings` fields (``mode``,
        ``speed_kmh``, ``minutes``, ``amenity``, ``at``, ``method`` …); missing or
        empty values take ``settings``' value.
    engine
        ``dask`` (a task per scenario) or ``local`` (a loop in this process).
    scheduler
        As :func:`geo.analyze` with ``engine="dask"``.
    progress
        ``True`` for a bar on stderr, or a ``progress(done, total)`` callable.
    **kwargs
        ``demand``, ``area``, ``grids``, ``settings``, ``crs``, ``sheet``, ``network``,
        ``snap_limit_m`` as :func:`geo.scenario.sweep.plan`; read once, shared by every
        scenario.

    Returns
    -------
    per_scenario : pandas.DataFrame
        ``scenario`` (0, 1 …), the scenario's own columns, then
        :data:`SCENARIO_COLUMNS` (as used, e.g. the mode's default speed).
    per_grid : pandas.DataFrame
        :data:`GRID_COLUMNS`, one row per scenario and 网格 (empty without grids).

    Raises
    ------
    SettingsError
        For an unknown column or an invalid value (naming the scenario), or an
        unknown engine — before anything runs.
    """
    if engine not in ENGINES:
        raise SettingsError(f"unknown engine '{engine}': use local or dask")
    runner = None if engine == "local" else _dask_runner(scheduler, progress)
    return sweep_scenarios(stations, scenarios, runner=runner, **kwargs)


def _dask_runner(scheduler: Any, progress: ProgressArg) -> Any:
    """Run each planned scenario as a Dask task; the shared inputs travel once."""

    def run(job: Sweep) -> list[ScenarioRows]:
        shared = (job.inputs, PortableNetwork(job.network) if job.network else None,
                  job.snap_limit_m)
        n_workers = min(len(job.runs), os.cpu_count() or 1) or 1
        with dask_client(scheduler, n_workers=n_workers) as client:
            announce(client, f"{len(job.runs)} scenario(s)")
            held = client.submit(hold, shared, pure=False)
            futures = [client.submit(_task, held, s, pure=False) for s in job.runs]
            return wait_all(futures, progress=progress, label="scenarios")

    return run


def _task(
    shared: tuple[Inputs, PortableNetwork | None, float], settings: Settings
) -> ScenarioRows:
    inputs, portable, snap = shared
    network = portable.network if portable is not None else None
    return run_scenario(inputs, settings, network, snap)
