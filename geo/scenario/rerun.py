"""Scenarios of a finished analysis: the same inputs with some settings changed.

:func:`rerun` analyses a result's stations, demand, area and 网格 again with other
settings (``amenity="充电"``, ``at="23:00"``, ``minutes=10`` …) without reading a file
again; :func:`scenario_results` names and runs a list of such scenarios, as the report
pack's coverage curve and the app's downloads compare them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd

from geo.coverage import analyze_inputs
from geo.errors import SettingsError
from geo.inputs import Inputs
from geo.result import CoverageResult
from geo.words import scenario_label

__all__ = ["ScenarioSpec", "Scenarios", "inputs_of", "rerun", "scenario_results"]

ScenarioSpec = CoverageResult | Mapping[str, Any]
Scenarios = (
    Mapping[str, ScenarioSpec] | Sequence[tuple[str, ScenarioSpec] | Mapping[str, Any]]
)


def inputs_of(result: CoverageResult) -> Inputs:
    """The inputs a result was computed from, as they were used (rejected rows not repeated).

    Parameters
    ----------
    result
        A finished analysis.

    Returns
    -------
    Inputs
        Its stations (without the filters' marks), demand points (id, weight and
        position; none for a grid of cells), study area and 网格, and the file names.
    """
    stations = result.stations.drop(columns=["used", "excluded"])
    demand = None
    if result.demand_source == "points":
        p = result.points
        demand = gpd.GeoDataFrame({"id": p["id"].to_numpy(), "weight": p["weight"].to_numpy()},
                                  geometry=p.geometry.to_numpy(), crs=4326, index=p.index)
    return Inputs(stations=stations, demand=demand, area=result.area, grids=result.grids,
                  sources=dict(result.sources))


def rerun(result: CoverageResult, **overrides: Any) -> CoverageResult:
    """Analyse the same stations, demand, area and 网格 again with some settings changed.

    Parameters
    ----------
    result
        A finished analysis (its inputs are reused; rejected rows are not repeated).
    **overrides
        :class:`geo.Settings` fields, e.g. ``amenity="充电"`` or ``at="23:00"``.

    Returns
    -------
    CoverageResult
    """
    settings = result.settings.replace(**overrides)
    network = snap = None
    if result.network is not None:
        network = result.network.network
        snap = float(result.network.points.max_distance_m)
    return analyze_inputs(inputs_of(result), settings, network=network,
                          **({"snap_limit_m": snap} if snap is not None else {}))


def scenario_results(
    result: CoverageResult, scenarios: Scenarios | None = None, *, lang: str = "zh"
) -> dict[str, CoverageResult]:
    """Label → result for the coverage curve, the main result first.

    Parameters
    ----------
    result
        The main analysis (always the first curve).
    scenarios
        Further scenarios: a mapping label → :class:`CoverageResult` or settings
        overrides (``{"有充电": {"amenity": "充电"}}``), or a list of
        ``(label, result or overrides)`` pairs or of dicts with a ``label`` and
        overrides (``[{"label": "23:00", "at": "23:00"}]``; without a label one
        is made from the filters). A scenario that is ``result`` itself names it.

    Returns
    -------
    dict
        Label → result, in order.

    Raises
    ------
    SettingsError
        For a scenario that is neither a result nor settings, or repeated labels.
    """
    items: list[tuple[str | None, ScenarioSpec]] = []
    if scenarios is None:
        pass
    elif isinstance(scenarios, Mapping):
        items = [(str(k), v) for k, v in scenarios.items()]
    else:
        for entry in scenarios:
            if isinstance(entry, Mapping):
                spec = dict(entry)
                label = spec.pop("label", None)
                items.append((None if label is None else str(label), spec))
            elif isinstance(entry, tuple) and len(entry) == 2:
                items.append((str(entry[0]), entry[1]))
            else:
                raise SettingsError(f"a scenario must be (label, result) or a dict, not {entry!r}")
    out: dict[str, CoverageResult] = {}
    main_label = next((lab for lab, spec in items if spec is result and lab), None)
    out[main_label or scenario_label(result.settings.params(), lang)] = result
    for label, spec in items:
        if spec is result:
            continue
        if isinstance(spec, CoverageResult):
            res = spec
        elif isinstance(spec, Mapping):
            res = rerun(result, **dict(spec))
        else:
            raise SettingsError(f"scenario {label!r}: give a CoverageResult or settings, "
                                f"not {type(spec).__name__}")
        name = label or scenario_label(res.settings.params(), lang)
        if name in out:
            raise SettingsError(f"two scenarios are called {name!r}: give each a label")
        out[name] = res
    return out
