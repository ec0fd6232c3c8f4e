"""The result of a siting run: the chosen sites, coverage before and after, and the proof."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import crs as crsmod
from geo.errors import Rejected
from geo.result import CoverageResult, finite_json
from geo.tally import rounded

__all__ = ["SELECTED_COLUMNS", "SitingResult"]

#: Columns of :attr:`SitingResult.selected`, in order (plus ``geometry``).
SELECTED_COLUMNS = (
    "rank", "id", "name", "kind", "lon", "lat", "gain", "served_demand", "covered_demand",
    "coverage_after", "source", "station_id", "file", "row",
)


@dataclass
class SitingResult:
    """Where to add stations (MCLP) or how few are needed (LSCP), and what it gains.

    Attributes
    ----------
    baseline
        The analysis of the existing stations (only those with charging for a
        charging-pile run).
    after
        The same analysis with the chosen sites added as what-if stations
        (``hypothetical`` True, ids in ``selected["station_id"]``).
    selected
        The chosen sites in order of marginal gain (:data:`SELECTED_COLUMNS`, WGS-84):
        ``gain`` is the demand each adds given the sites ranked before it (and the
        existing stations); ``covered_demand``/``coverage_after`` are cumulative;
        ``served_demand`` is the demand (newly or already covered) for which the site
        is the nearest station after all additions, from :attr:`after`.
    candidates
        Every candidate: ``id, name, lon, lat, source, status, reach_demand, rank``;
        ``status`` is ``ok``, ``off_network``, ``no_gain`` (reaches no uncovered demand,
        e.g. a candidate at an existing station) or ``same_as:<id>`` (reaches exactly
        what an earlier candidate reaches); ``reach_demand`` is the uncovered demand it
        reaches on its own; ``rank`` its place in ``selected`` (0 if not chosen).
    model
        ``mclp`` (``add`` sites) or ``lscp`` (fewest sites for ``target``).
    k, target
        The number of sites asked for (MCLP) or the coverage share (LSCP).
    solver
        ``exact`` (HiGHS MIP) or ``greedy``: which produced the chosen set.
    optimal
        Whether the choice is proven optimal (by the solver's bound).
    status
        What happened, in a planner's words.
    bound
        MCLP: an upper bound on the covered demand any ``k`` sites could reach.
        LSCP: a lower bound on the number of new sites the target needs.
    feasible
        LSCP: whether the target is reached; ``False`` means no set of candidates
        reaches it, and ``selected`` is the fewest sites reaching ``best_coverage``.
    best_coverage
        The coverage all useful candidates together would reach.
    time_s
        Seconds per step: ``baseline, candidates, reach, solve, after, total``.
    rejected, warnings
        Rows of the station, demand, grid and candidate files that could not be used
        or were used with a caveat (file, row, column, reason); off-network candidates
        are listed in ``warnings``.
    """

    baseline: CoverageResult
    after: CoverageResult
    selected: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    model: str
    k: int | None
    target: float | None
    solver: str
    optimal: bool
    status: str
    bound: float
    feasible: bool = True
    best_coverage: float = math.nan
    time_s: dict[str, float] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)
    candidates_rejected: int = 0

    # --- headline numbers --------------------------------------------------------------

    @property
    def total_demand(self) -> float:
        """All demand (as in the baseline analysis)."""
        return self.baseline.total_demand

    @property
    def baseline_covered_demand(self) -> float:
        """Demand the existing stations cover."""
        return self.baseline.covered_demand

    @property
    def gain(self) -> float:
        """Demand the chosen sites add."""
        return float(self.selected["gain"].sum())

    @property
    def covered_demand(self) -> float:
        """Demand covered with the chosen sites added (baseline + gain)."""
        return self.baseline_covered_demand + self.gain

    @property
    def coverage(self) -> float:
        """Covered share with the chosen sites added."""
        total = self.total_demand
        return self.covered_demand / total if total > 0 else 0.0

    @property
    def baseline_coverage(self) -> float:
        """Covered share before."""
        return self.baseline.coverage

    @property
    def gap(self) -> float:
        """How far the choice may be from the best, as a share.

        MCLP: ``(bound − covered) / (bound − baseline covered)``, the share of the best
        possible *gain* that may be missing. LSCP: ``(sites − bound) / sites``.
        0 when proven optimal.
        """
        if self.optimal:
            return 0.0
        if self.model == "mclp":
            best_gain = self.bound - self.baseline_covered_demand
            if best_gain <= 0:
                return 0.0
            return max(0.0, (self.bound - self.covered_demand) / best_gain)
        n = len(self.selected)
        return max(0.0, (n - self.bound) / n) if n else 0.0

    # --- outputs ---------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The ``geo site --json`` object, as a dict of plain values.

        Returns
        -------
        dict
            ``selected`` (``rank, id, name, lon, lat, gain, served_demand,
            covered_demand, coverage_after, source``), ``baseline_covered_demand``,
            ``covered_demand``, ``gain``, ``optimal``, ``model``, ``k``, ``target``,
            ``feasible``, ``best_coverage``, ``total_demand``, ``baseline_coverage``,
            ``coverage``, ``solver``, ``bound``, ``gap``, ``status``, ``time_s``,
            ``candidates`` (count), ``candidates_used`` (distinct candidates that reach
            uncovered demand), ``candidates_off_network``, ``candidates_rejected``,
            ``rejected``, ``warnings``, ``params`` (as ``geo check``), ``metric_crs``.
        """
        return copy.deepcopy(self._summary)

    @cached_property
    def _summary(self) -> dict[str, Any]:
        status = self.candidates["status"].astype(str)
        return {
            "model": self.model,
            "k": self.k,
            "target": self.target,
            "feasible": self.feasible,
            "selected": [
                {
                    "rank": int(r.rank),
                    "id": str(r.id),
                    "name": str(r.name),
                    "lon": rounded(r.lon, 6),
                    "lat": rounded(r.lat, 6),
                    "gain": rounded(r.gain, 2),
                    "served_demand": rounded(r.served_demand, 2),
                    "covered_demand": rounded(r.covered_demand, 2),
                    "coverage_after": rounded(r.coverage_after, 4),
                    "source": str(r.source),
                }
                for r in self.selected.itertuples(index=False)
            ],
            "total_demand": rounded(self.total_demand, 2),
            "baseline_covered_demand": rounded(self.baseline_covered_demand, 2),
            "covered_demand": rounded(self.covered_demand, 2),
            "gain": rounded(self.gain, 2),
            "baseline_coverage": float(self.baseline_coverage),
            "coverage": float(self.coverage),
            "best_coverage": rounded(self.best_coverage, 4),
            "optimal": bool(self.optimal),
            "solver": self.solver,
            "bound": rounded(self.bound, 2),
            "gap": rounded(self.gap, 4),
            "status": self.status,
            "time_s": {k: rounded(v, 3) for k, v in self.time_s.items()},
            "candidates": len(self.candidates),
            "candidates_used": int((status == "ok").sum()),
            "candidates_off_network": int((status == "off_network").sum()),
            "candidates_rejected": self.candidates_rejected,
            "rejected": [r.to_dict() for r in self.rejected],
            "warnings": [r.to_dict() for r in self.warnings],
            "params": self.baseline.settings.params(),
            "metric_crs": self.baseline.metric_crs.to_string(),
        }

    def to_json(self, **kwargs: Any) -> str:
        """The summary as a JSON string: strict JSON, a NaN or infinity written as ``null``."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(finite_json(self.summary()), allow_nan=False, **kwargs)

    def sites_table(self) -> pd.DataFrame:
        """The ``--out`` table: the chosen sites, readable back as a station file.

        Returns
        -------
        pandas.DataFrame
            ``rank, id, name, kind, lon, lat, coord_system, gcj_lon, gcj_lat, gain,
            served_demand, covered_demand, coverage_after, source``; ``lon``/``lat``
            WGS-84 (``coord_system`` says so), ``gcj_lon``/``gcj_lat`` the same place in
            GCJ-02 for Amap or Tencent maps.
        """
        s = self.selected
        lon = s["lon"].to_numpy(dtype="float64")
        lat = s["lat"].to_numpy(dtype="float64")
        glon, glat = crsmod.wgs84_to_gcj02(lon, lat)
        return pd.DataFrame(
            {
                "rank": s["rank"].to_numpy(dtype="int64"),
                "id": s["id"].astype(str).to_numpy(),
                "name": s["name"].astype(str).to_numpy(),
                "kind": s["kind"].astype(str).to_numpy(),
                "lon": np.round(lon, 7),
                "lat": np.round(lat, 7),
                "coord_system": np.full(len(s), "wgs84", dtype=object),
                "gcj_lon": np.round(np.asarray(glon, dtype="float64"), 7),
                "gcj_lat": np.round(np.asarray(glat, dtype="float64"), 7),
                "gain": s["gain"].to_numpy(dtype="float64"),
                "served_demand": s["served_demand"].to_numpy(dtype="float64"),
                "covered_demand": s["covered_demand"].to_numpy(dtype="float64"),
                "coverage_after": np.round(s["coverage_after"].to_numpy(dtype="float64"), 6),
                "source": s["source"].astype(str).to_numpy(),
            }
        )

    def write_sites(self, path: str | PathLike[str]) -> None:
        """Write :meth:`sites_table` (CSV, XLSX, GeoJSON, GPKG or Parquet by extension)."""
        from geo.io import write_table

        write_table(self.sites_table(), path)

    def captured(self) -> pd.DataFrame:
        """Demand the chosen sites newly cover: ``lon, lat, weight, site`` (WGS-84).

        A point uncovered before and covered after has a new site as its nearest
        station (no existing one was within reach), which is the ``site`` named.
        """
        before = self.baseline.points["covered"].to_numpy(dtype=bool)
        after = self.after.points
        new = after["covered"].to_numpy(dtype=bool) & ~before
        return pd.DataFrame({
            "lon": after["lon"].to_numpy(dtype=float)[new],
            "lat": after["lat"].to_numpy(dtype=float)[new],
            "weight": after["weight"].to_numpy(dtype=float)[new],
            "site": after["nearest"].astype(str).to_numpy()[new],
        })

    def to_map(self, **kwargs: Any) -> Any:
        """The report map of :attr:`after`: chosen sites as new stations, the demand they
        capture as a layer of its own (options of :func:`geo.maps.coverage_map`)."""
        kwargs.setdefault("captured", self.captured())
        return self.after.to_map(**kwargs)
