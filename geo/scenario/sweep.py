"""A table of scenarios: one analysis per row, one tidy table of coverage back.

A planner's "what if riders are slower at rush hour?" is a sweep over speeds ×
minutes × amenities × times of day. :func:`plan` reads the inputs once and turns
every row of the table into :class:`geo.Settings` (refusing a bad row before
anything runs); :func:`run_scenario` analyses one of them; :func:`tidy` makes two
tidy tables: coverage per scenario, and per scenario and 网格. :func:`sweep` runs
them in a loop here; :func:`geo.distributed.sweep` runs the same
:func:`run_scenario` as Dask tasks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from geo.coverage import analyze_inputs
from geo.errors import SettingsError
from geo.inputs import Inputs, load_inputs
from geo.network import Network, load_network, network_type_of
from geo.scenario.overrides import OVERRIDE_ALIASES, coerce_overrides
from geo.settings import Settings

__all__ = [
    "GRID_COLUMNS",
    "LABEL",
    "LABEL_ALIASES",
    "SCENARIO_COLUMNS",
    "SCENARIO_FIELDS",
    "Scenarios",
    "Sweep",
    "alias_columns",
    "plan",
    "run_scenario",
    "scenario_table",
    "sweep",
    "tidy",
]

#: Scenario columns a sweep understands: the fields of :class:`geo.Settings`.
SCENARIO_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))
#: The column naming each scenario (kept in both tables; not a setting).
LABEL = "label"
#: Headers a planner may give the label column.
LABEL_ALIASES: frozenset[str] = frozenset(
    {"label", "Label", "LABEL", "标签", "名称", "情景", "场景", "方案", "scenario_name"}
)
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
#: One scenario's answer: its headline row and its per-网格 rows.
ScenarioRows = tuple[dict[str, Any], pd.DataFrame]


@dataclasses.dataclass(frozen=True, eq=False)
class Sweep:
    """A planned sweep: the scenario table, one settings per row, and what every row shares.

    Attributes
    ----------
    table
        The scenarios as given (one row each).
    runs
        The settings of each scenario.
    inputs
        The inputs, read once.
    network
        The street network when a scenario uses it, else ``None``.
    snap_limit_m
        The snap limit of the street-network method.
    """

    table: pd.DataFrame
    runs: list[Settings]
    inputs: Inputs
    network: Network | None
    snap_limit_m: float


def alias_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A scenario table with the headers a planner types (``speed``, ``时间`` …) as fields.

    Parameters
    ----------
    table
        A scenario table as read from a file.

    Returns
    -------
    pandas.DataFrame
        A copy, headers renamed by :data:`geo.scenario.OVERRIDE_ALIASES`.
    """
    out = table.copy()
    out.columns = [
        LABEL if str(c).strip() in LABEL_ALIASES
        else OVERRIDE_ALIASES.get(str(c).strip(), str(c).strip())
        for c in out.columns
    ]
    return out


def scenario_table(scenarios: Scenarios) -> pd.DataFrame:
    """The scenarios as a table, its columns checked against :data:`SCENARIO_FIELDS`.

    Parameters
    ----------
    scenarios
        A DataFrame or a list of dicts, one per scenario; columns are settings fields,
        plus an optional ``label`` naming each scenario (a table typed by a planner goes
        through :func:`alias_columns` first).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    SettingsError
        For an empty table or an unknown column.
    """
    table = scenarios.copy() if isinstance(scenarios, pd.DataFrame) else pd.DataFrame(
        list(scenarios)
    )
    if table.empty:
        raise SettingsError("no scenario given: one row per scenario, e.g. [{'minutes': 10}]")
    unknown = [c for c in table.columns if c not in SCENARIO_FIELDS and c != LABEL]
    if unknown:
        raise SettingsError(
            f"unknown scenario column(s) {unknown}: use {LABEL} (a name for the scenario), "
            f"{', '.join(SCENARIO_FIELDS)}"
        )
    if list(table.columns).count(LABEL) > 1:
        raise SettingsError(f"the scenario table has more than one {LABEL} column")
    table = table.reset_index(drop=True)
    if LABEL in table.columns:
        labels = table[LABEL]
        table[LABEL] = labels.where(labels.isna(), labels.astype(str).str.strip())
    return table


def _settings_for(base: Settings, row: Mapping[str, Any], i: int) -> Settings:
    try:
        # cells read from a CSV/XLSX are text: numbers and lists as Settings takes them
        return base.replace(**coerce_overrides({k: v for k, v in row.items() if k != LABEL}))
    except SettingsError as exc:
        label = row.get(LABEL)
        named = f" ({label})" if isinstance(label, str) and label else ""
        raise SettingsError(f"scenario {i}{named}: {exc}") from exc


def _network_for(runs: list[Settings], network: Any) -> Network | None:
    """The one network the street-network scenarios use, loaded once."""
    modes = {s.mode for s in runs if s.method == "network"}
    if modes and network is None:
        raise SettingsError("a scenario uses the street-network method: give network=")
    if not modes or isinstance(network, Network):
        return network if isinstance(network, Network) else None
    if len({network_type_of(m) for m in modes}) > 1:
        raise SettingsError(
            "street-network scenarios of different modes need different networks (walking, "
            "cycling and e-bike ways and one-way rules differ): run one sweep per mode"
        )
    profiles = {s.street_profile for s in runs if s.method == "network"}
    if len(profiles) > 1:
        raise SettingsError("street-network scenarios with different street profiles need "
                            "one sweep per profile")
    return load_network(network, next(iter(modes)), profile=next(iter(profiles)))


def plan(
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
) -> Sweep:
    """Check every scenario and read the inputs once.

    Parameters
    ----------
    stations, demand, area, grids, crs, sheet, network, snap_limit_m
        As :func:`geo.analyze`.
    scenarios
        One row (or dict) per scenario; columns are :class:`geo.Settings` fields;
        missing or empty values take ``settings``' value.
    settings
        The base settings every scenario changes.

    Returns
    -------
    Sweep

    Raises
    ------
    SettingsError
        For an unknown column or an invalid value (naming the scenario).
    """
    table = scenario_table(scenarios)
    base = settings or Settings()
    runs = [_settings_for(base, row, i) for i, row in enumerate(table.to_dict("records"))]
    inputs = load_inputs(stations, demand=demand, area=area, grids=grids, crs=crs, sheet=sheet)
    return Sweep(table, runs, inputs, _network_for(runs, network), snap_limit_m)


def run_scenario(
    inputs: Inputs, settings: Settings, network: Network | None, snap_limit_m: float
) -> ScenarioRows:
    """One scenario with the local engine: its headline row and its per-网格 rows.

    Parameters
    ----------
    inputs
        The shared inputs.
    settings
        The scenario's settings.
    network, snap_limit_m
        The street network (used when the scenario's method is ``network``).

    Returns
    -------
    tuple
        A dict of :data:`SCENARIO_COLUMNS` and a per-网格 table.
    """
    result = analyze_inputs(
        inputs,
        settings,
        network=network if settings.method == "network" else None,
        snap_limit_m=snap_limit_m,
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
        "gaps": result.gap_count,
    }
    grid = result.grid_table[[c for c in GRID_COLUMNS if c != "scenario"]].copy()
    return row, grid


def tidy(
    table: pd.DataFrame, results: list[ScenarioRows]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-scenario and per-scenario-and-网格 tables.

    Parameters
    ----------
    table
        The scenarios as given.
    results
        :func:`run_scenario` of each, in order.

    Returns
    -------
    per_scenario, per_grid : pandas.DataFrame
    """
    rows = pd.DataFrame([r for r, _ in results], columns=list(SCENARIO_COLUMNS))
    own = table.drop(columns=[c for c in table.columns if c in SCENARIO_COLUMNS])
    per_scenario = pd.concat(
        [pd.DataFrame({"scenario": np.arange(len(table))}), own, rows], axis=1
    )
    grids = [g.assign(scenario=i) for i, (_, g) in enumerate(results)]
    columns = list(GRID_COLUMNS)
    if LABEL in table.columns:  # the scenario's name next to its number
        grids = [g.assign(**{LABEL: table[LABEL].iloc[i]}) for i, g in enumerate(grids)]
        columns.insert(1, LABEL)
    per_grid = (
        pd.concat(grids, ignore_index=True)[columns]
        if any(len(g) for g in grids)
        else pd.DataFrame(columns=columns)
    )
    return per_scenario, per_grid


def sweep(
    stations: Any,
    scenarios: Scenarios,
    *,
    runner: Callable[[Sweep], list[ScenarioRows]] | None = None,
    **kwargs: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coverage for every scenario of a table.

    Parameters
    ----------
    stations, scenarios, **kwargs
        As :func:`plan`.
    runner
        Runs the planned scenarios and returns :func:`run_scenario` of each, in
        order; ``None`` loops here. :func:`geo.distributed.sweep` passes one that runs
        each scenario as a Dask task.

    Returns
    -------
    per_scenario : pandas.DataFrame
        ``scenario`` (0, 1 …), the scenario's own columns, then :data:`SCENARIO_COLUMNS`
        (as used, e.g. the mode's default speed).
    per_grid : pandas.DataFrame
        :data:`GRID_COLUMNS`, one row per scenario and 网格 (empty without grids); with
        ``label`` after ``scenario`` when the scenarios have one.
    """
    job = plan(stations, scenarios, **kwargs)
    if runner is None:
        results = [run_scenario(job.inputs, s, job.network, job.snap_limit_m) for s in job.runs]
    else:
        results = runner(job)
    return tidy(job.table, results)
