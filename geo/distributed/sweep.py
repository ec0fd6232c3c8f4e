"""Many scenarios at once: a table of settings, one Dask task each, one tidy table back.

A planner's "what if riders are slower at rush hour?" is a sweep over speeds ×
minutes × amenities × times of day. :func:`sweep` reads the inputs once, runs
:func:`geo.analyze` for every scenario — as Dask tasks (``engine="dask"``) or in a
loop here (``engine="local"``, the same function, so the same numbers) — and
returns two tidy tables: coverage per scenario, and per scenario and 网格.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from geo.coverage import analyze_inputs
from geo.distributed.cluster import ProgressArg, announce, dask_client, wait_all
from geo.distributed.kernels import hold
from geo.distributed.partition import PortableNetwork
from geo.errors import SettingsError
from geo.inputs import Inputs, load_inputs
from geo.network import Network, load_network
from geo.settings import Settings, coerce_overrides

#: Scenario columns a sweep understands: the fields of :class:`geo.Settings`.
SCENARIO_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))
#: Columns of the per-scenario table after the scenario's own columns.
SCENARIO_COLUMNS: tuple[str, ...] = (
    "method",
    "mode",
    "speed_kmh",
    "minutes",
    "amenity",
    "at",
    "coverage",
    "covered_demand",
    "total_demand",
    "uncovered_demand",
    "stations_used",
    "gaps",
)
#: Columns of the per-网格 table.
GRID_COLUMNS: tuple[str, ...] = (
    "scenario",
    "grid",
    "coverage",
    "demand",
    "covered_demand",
    "uncovered_demand",
    "stations",
    "gaps",
)

Scenarios = pd.DataFrame | Sequence[Mapping[str, Any]]


def sweep(
    stations: Any,
    scenarios: Scenarios,
    *,
    demand: Any = None,
    area: Any = None,
    grids: Any = None,
    settings: Settings | None = None,
    crs: str = "wgs84",
    sheet: str | int | None = None,
    network: str | PathLike[str] | Network | None = None,
    snap_limit_m: float = 200.0,
    engine: str = "dask",
    scheduler: Any = None,
    progress: ProgressArg = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coverage for every scenario of a table, as Dask tasks.

    Parameters
    ----------
    stations, demand, area, grids, crs, sheet, network, snap_limit_m
        As :func:`geo.analyze`; read once, shared by every scenario.
    scenarios
        One row (or dict) per scenario; columns are :class:`geo.Settings` fields
        (``mode``, ``speed_kmh``, ``minutes``, ``amenity``, ``at``, ``method``,
        ``circuity``, ``categories`` …). Missing or empty (NaN/None) values take
        ``settings``' value.
    settings
        The base settings every scenario changes.
    engine
        ``dask`` (a task per scenario) or ``local`` (a loop in this process).
    scheduler
        As :func:`geo.analyze` with ``engine="dask"``.
    progress
        ``True`` for a bar on stderr, or a ``progress(done, total)`` callable.

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
    table = _scenario_table(scenarios)
    base = settings or Settings()
    runs = [_settings_for(base, row, i) for i, row in enumerate(table.to_dict("records"))]
    if engine not in ("dask", "local"):
        raise SettingsError(f"unknown engine '{engine}': use local or dask")
    inputs = _inputs(stations, demand, area, grids, crs, sheet, network, runs, snap_limit_m)
    if engine == "local":
        results = [_run_scenario(inputs, s) for s in runs]
    else:
        with dask_client(scheduler, n_workers=min(len(runs), _cpus()) or 1) as client:
            announce(client, f"{len(runs)} scenario(s)")
            shared = client.submit(hold, inputs, pure=False)
            futures = [client.submit(_run_scenario, shared, s, pure=False) for s in runs]
            results = wait_all(futures, progress=progress, label="scenarios")
    return _tidy(table, results)


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def _scenario_table(scenarios: Scenarios) -> pd.DataFrame:
    table = scenarios.copy() if isinstance(scenarios, pd.DataFrame) else pd.DataFrame(
        list(scenarios)
    )
    if table.empty:
        raise SettingsError("no scenario given: one row per scenario, e.g. [{'minutes': 10}]")
    unknown = [c for c in table.columns if c not in SCENARIO_FIELDS]
    if unknown:
        raise SettingsError(
            f"unknown scenario column(s) {unknown}: use {', '.join(SCENARIO_FIELDS)}"
        )
    return table.reset_index(drop=True)


def _settings_for(base: Settings, row: Mapping[str, Any], i: int) -> Settings:
    try:
        # cells read from a CSV/XLSX are text: numbers and lists as Settings takes them
        return base.replace(**coerce_overrides(row))
    except SettingsError as exc:
        raise SettingsError(f"scenario {i}: {exc}") from exc


@dataclasses.dataclass(frozen=True, eq=False)
class _Inputs:
    inputs: Inputs
    network: PortableNetwork | None
    snap_limit_m: float


def _inputs(
    stations: Any,
    demand: Any,
    area: Any,
    grids: Any,
    crs: str,
    sheet: str | int | None,
    network: Any,
    runs: list[Settings],
    snap_limit_m: float,
) -> _Inputs:
    """Read every input once (as :func:`geo.analyze` would) for all scenarios."""
    read = load_inputs(stations, demand=demand, area=area, grids=grids, crs=crs, sheet=sheet)
    net = network
    modes = {s.mode for s in runs if s.method == "network"}
    if modes and network is None:
        raise SettingsError("a scenario uses the street-network method: give network=")
    if modes and not isinstance(network, Network):
        if len({_net_type(m) for m in modes}) > 1:
            raise SettingsError(
                "street-network scenarios of walking and cycling modes need two networks: "
                "run one sweep per mode"
            )
        net = load_network(network, next(iter(modes)))
    portable = PortableNetwork(net) if isinstance(net, Network) else None
    return _Inputs(read, portable, snap_limit_m)


def _net_type(mode: str) -> str:
    from geo.network import network_type_of

    return network_type_of(mode)


def _run_scenario(inputs: _Inputs, settings: Settings) -> tuple[dict[str, Any], pd.DataFrame]:
    """One scenario with the local engine: its headline row and its per-网格 rows."""
    result = analyze_inputs(
        inputs.inputs,
        settings,
        network=(
            inputs.network.network
            if settings.method == "network" and inputs.network is not None
            else None
        ),
        snap_limit_m=inputs.snap_limit_m,
    )
    row = {
        "method": settings.method,
        "mode": settings.mode,
        "speed_kmh": settings.speed_kmh,
        "minutes": settings.minutes,
        "amenity": settings.amenity,
        "at": settings.at,
        "coverage": result.coverage,
        "covered_demand": result.covered_demand,
        "total_demand": result.total_demand,
        "uncovered_demand": result.total_demand - result.covered_demand,
        "stations_used": result.stations_used,
        "gaps": len(result.gap_table),
    }
    grid = result.grid_table[[c for c in GRID_COLUMNS if c != "scenario"]].copy()
    return row, grid


def _tidy(
    table: pd.DataFrame, results: list[tuple[dict[str, Any], pd.DataFrame]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = pd.DataFrame([r for r, _ in results], columns=list(SCENARIO_COLUMNS))
    own = table.drop(columns=[c for c in table.columns if c in SCENARIO_COLUMNS])
    per_scenario = pd.concat(
        [pd.DataFrame({"scenario": np.arange(len(table))}), own, rows], axis=1
    )
    grids = [g.assign(scenario=i) for i, (_, g) in enumerate(results)]
    per_grid = (
        pd.concat(grids, ignore_index=True)[list(GRID_COLUMNS)]
        if any(len(g) for g in grids)
        else pd.DataFrame(columns=list(GRID_COLUMNS))
    )
    return per_scenario, per_grid
