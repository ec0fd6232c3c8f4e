"""Scenarios: what-if stations, settings changes, re-runs and sweeps.

* :mod:`geo.scenario.whatif` — add and remove hypothetical stations, compare two
  analyses (:func:`add_station`, :func:`remove_station`, :func:`compare` …);
* :mod:`geo.scenario.overrides` — scenario text and table cells as settings changes
  (:func:`parse_overrides`, :func:`coerce_overrides`);
* :mod:`geo.scenario.rerun` — a finished analysis again with other settings
  (:func:`rerun`, :func:`scenario_results`);
* :mod:`geo.scenario.sweep` — a table of scenarios, one tidy table back.

Example::

    import geo
    from geo import scenario

    stations = geo.read_stations("data/canglang/stations.csv")
    before = geo.analyze(stations, demand="data/canglang/demand.csv")
    gap = before.gap_table.iloc[0]
    what_if = scenario.add_station(stations, gap.lon, gap.lat, name="拟建补给点")
    after = geo.analyze(what_if, demand="data/canglang/demand.csv")
    scenario.compare(before, after)["coverage"]   # {"before": …, "after": …, "delta": …}
"""

from __future__ import annotations

from geo.scenario.incremental import add_incrementally, prepare_whatifs
from geo.scenario.overrides import OVERRIDE_ALIASES, coerce_overrides, parse_overrides
from geo.scenario.rerun import inputs_of, rerun, scenario_results
from geo.scenario.whatif import (
    ID_PREFIX,
    SOURCE,
    add_station,
    append_stations,
    combine,
    compare,
    hypothetical_stations,
    hypothetical_table,
    remove_station,
    with_stations,
)

__all__ = [
    "ID_PREFIX",
    "OVERRIDE_ALIASES",
    "SOURCE",
    "add_incrementally",
    "add_station",
    "append_stations",
    "coerce_overrides",
    "combine",
    "compare",
    "hypothetical_stations",
    "hypothetical_table",
    "inputs_of",
    "parse_overrides",
    "prepare_whatifs",
    "remove_station",
    "rerun",
    "scenario_results",
    "with_stations",
]
