"""The "after" analysis: the chosen sites added as what-if stations and analysed again.

The new rows have every column of the station table, as
:func:`geo.scenario.add_station` makes them (``hypothetical`` True, ``source_file``
``siting``, open 24 hours), with a kind and amenities that the analysis' filters count.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import scenario as scen
from geo import schema
from geo.coverage import analyze_inputs
from geo.errors import Rejected
from geo.inputs import Inputs
from geo.result import CoverageResult

__all__ = ["SOURCE", "after_analysis", "site_kinds", "station_rows", "unused_new_sites"]

#: ``source_file`` of the chosen sites in the "after" station table.
SOURCE = "siting"


def after_analysis(
    inputs: Inputs,
    table: gpd.GeoDataFrame,
    chosen: np.ndarray,
    baseline: CoverageResult,
    reach_model: dict[str, Any],
    kind: str | None,
    amenities: str,
) -> tuple[CoverageResult, np.ndarray]:
    """The analysis with the chosen sites added as what-if stations.

    Derived from the baseline's kernel answer (:func:`geo.scenario.add_incrementally`,
    equal to a full analysis) where it can be, else a full analysis.

    Parameters
    ----------
    inputs
        The inputs of the baseline (its station table holds the existing stations).
    table
        The candidate table.
    chosen
        Positions of the chosen candidates in ``table``, in order.
    baseline
        The baseline analysis (returned as it is when nothing is chosen).
    reach_model
        ``network`` and ``snap_limit_m`` of the baseline.
    kind, amenities
        From :func:`geo.siting.options.new_site_kind`.

    Returns
    -------
    tuple
        The analysis, and the chosen sites' station ids in it (the candidate id, or
        ``NEW-<id>`` where an existing station already has that id).
    """
    if chosen.size == 0:
        return baseline, np.zeros(0, dtype=object)
    stations = inputs.stations
    rows = table.iloc[chosen]
    taken = set(stations["id"].astype(str)) if "id" in stations else set()
    ids = rows["id"].astype(str).to_numpy(dtype=object)
    clash = np.isin(ids, list(taken))
    ids = np.where(clash, "NEW-" + ids.astype(str), ids).astype(object)
    kinds = site_kinds(rows["kind"].to_numpy(dtype=object), kind)
    new = station_rows(stations, rows, ids, kinds, amenities)
    combined = scen.append_stations(stations, new)
    # the baseline's answer plus the new sites' reach: equal to analysing again
    # (geo.scenario.add_incrementally), which is done where it cannot be derived
    after = scen.add_incrementally(baseline, combined)
    if after is None:
        after = analyze_inputs(inputs.with_stations(combined), baseline.settings, **reach_model)
    return after, ids


def site_kinds(candidate_kinds: np.ndarray, kind: str | None) -> np.ndarray:
    """The kind of each chosen site: ``kind``, or the candidate's own known kind, else ``supply``.

    Parameters
    ----------
    candidate_kinds
        The candidates' kinds (``""`` for gap cells).
    kind
        The kind every new site gets, or ``None``.

    Returns
    -------
    numpy.ndarray
        Kind keys (object).
    """
    if kind is not None:
        return np.full(candidate_kinds.size, kind, dtype=object)
    known = np.isin(candidate_kinds, [k for k in schema.KINDS if k != "other"])
    return np.where(known, candidate_kinds, "supply").astype(object)


def station_rows(
    stations: gpd.GeoDataFrame,
    rows: gpd.GeoDataFrame,
    ids: np.ndarray,
    kinds: np.ndarray,
    amenities: str,
) -> gpd.GeoDataFrame:
    """The chosen sites as station rows with every column of ``stations``.

    Parameters
    ----------
    stations
        The existing station table (its columns are kept).
    rows
        The chosen candidates (``name``, ``lon``, ``lat``).
    ids, kinds
        Station id and kind key per chosen site.
    amenities
        What the new sites offer, as written (normalised like a station file's).

    Returns
    -------
    geopandas.GeoDataFrame
        ``hypothetical`` True, ``row`` 0, ``source_file`` ``siting`` where the table has
        that column, open 24 hours, WGS-84; charging piles always offer charging.
    """
    n = len(rows)
    norm = str(schema.normalize_amenities(pd.Series([amenities], dtype=object))[0])
    if kinds.size and (kinds == "charging_pile").any() and "charging" not in norm.split(";"):
        norm_pile = ";".join([p for p in (norm, "charging") if p])
    else:
        norm_pile = norm
    values: dict[str, Any] = {
        "id": ids,
        "name": np.where(rows["name"].astype(str) != "", rows["name"].astype(str), ids),
        "category": np.asarray([schema.KIND_LABELS[k][0] for k in kinds], dtype=object),
        "kind": kinds,
        "level": "",
        "address": "",
        "amenities": np.where(kinds == "charging_pile", norm_pile, norm),
        "amenities_text": amenities,
        "hours": "24小时",
        "coord_system": "wgs84",
        "row": 0,
        "source_file": SOURCE,
        "hypothetical": True,
    }
    cols = {c: values.get(c) for c in stations.columns if c != stations.geometry.name}
    for c in ("id", "name", "category", "kind", "amenities", "hours", "coord_system",
              "hypothetical"):
        cols.setdefault(c, values[c])
    data = {c: (v if isinstance(v, np.ndarray) else np.full(n, v, dtype=object))
            for c, v in cols.items()}
    data["hypothetical"] = np.ones(n, dtype=bool)
    geom = shapely.points(rows["lon"].to_numpy(dtype="float64"),
                          rows["lat"].to_numpy(dtype="float64"))
    return gpd.GeoDataFrame(data, geometry=geom, crs=4326)


def unused_new_sites(after: CoverageResult, ids: np.ndarray) -> list[Rejected]:
    """Warnings for chosen sites the analysis' filters leave out (should be none).

    Parameters
    ----------
    after
        The "after" analysis.
    ids
        The chosen sites' station ids.

    Returns
    -------
    list of Rejected
    """
    if ids.size == 0:
        return []
    st = after.stations
    new = st["id"].astype(str).isin(ids.astype(str)).to_numpy()
    unused = new & ~st["used"].to_numpy(dtype=bool)
    return [
        Rejected("siting", 0, "kind", f"new site '{sid}' is left out by the filters ({why})")
        for sid, why in zip(st.loc[unused, "id"], st.loc[unused, "excluded"], strict=True)
    ]


