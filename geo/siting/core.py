"""``site``: where the next stations (or charging piles) close the most gap.

The walk: analyse the existing stations (the baseline; they stay) → candidate sites
(a table and/or the gap cells' centres, optionally moved onto the streets) → the
reach matrix candidates × demand the baseline leaves uncovered → compress → MCLP or
LSCP (exact with HiGHS, or greedy with a bound) → the chosen sites added as what-if
stations and analysed again (the "after").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from os import PathLike
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse import csc_matrix, csr_matrix

from geo.coverage import analyze_inputs
from geo.inputs import PathOrFrame, load_inputs
from geo.network import Network, Snap
from geo.result import CoverageResult
from geo.settings import Settings, parse_share
from geo.siting import candidates as cand
from geo.siting.after import after_analysis, site_kinds, unused_new_sites
from geo.siting.candidates import candidate_sites, off_network_warnings, place
from geo.siting.instance import Instance, compress
from geo.siting.options import (
    check_goal,
    check_options,
    new_site_kind,
    piles_charge,
    resolve_network,
    with_charging,
)
from geo.siting.reach import euclidean_reach, network_reach
from geo.siting.result import SELECTED_COLUMNS, SitingResult
from geo.siting.solve import Solution, solve_lscp, solve_mclp

__all__ = ["parse_share", "site"]


def site(
    stations: PathOrFrame | Sequence[PathOrFrame],
    *,
    candidates: cand.CandidateArg | None = None,
    from_gaps: bool = False,
    add: int | None = None,
    target: float | str | None = None,
    solver: str = "auto",
    time_limit: float = 60.0,
    gap: float = 0.0,
    charging: bool = False,
    on_network: bool = False,
    area: PathOrFrame | shapely.Geometry | None = None,
    demand: PathOrFrame | None = None,
    grids: PathOrFrame | None = None,
    settings: Settings | None = None,
    crs: str = "wgs84",
    sheet: str | int | None = None,
    network: str | PathLike[str] | Network | None = None,
    snap_limit_m: float = 200.0,
    **overrides: Any,
) -> SitingResult:
    """Choose new station sites, keeping the existing stations.

    Parameters
    ----------
    stations
        The existing stations (path(s) or GeoDataFrame(s), as :func:`geo.analyze`);
        they stay open and what they cover counts as covered already.
    candidates
        A table of candidate sites (read like a station table: same formats,
        headers, coordinate systems and rejected rows) or a GeoDataFrame.
    from_gaps
        Also use the centres of the cells holding uncovered demand as candidates
        (ids ``G0001`` …, largest uncovered demand first).
    add
        Maximal covering (MCLP): add this many sites to cover the most demand.
    target
        Set covering (LSCP): the fewest sites so that this share of *all* demand
        (0–1, or text such as ``"90%"``) is covered, existing stations included.
    solver
        ``exact`` (HiGHS MIP through :func:`scipy.optimize.milp`), ``greedy`` (with
        its bound) or ``auto`` (exact unless the compressed reach matrix is large).
    time_limit
        Seconds for the solve: the heuristics and their bound take at most half, the
        HiGHS MIP the rest (HiGHS checks the clock between its steps, so a very large
        model can overrun by a few seconds). When it is reached, the best choice found
        is reported with the bound proven so far, and ``optimal`` is ``False``.
    gap
        Adding sites: stop once the choice is proven within this share of the best gain
        (0.01: 1 %, as a MIP gap); 0 (default): seek a proof until ``time_limit``.
    charging
        Site charging piles: only existing stations offering charging count (charging
        piles always do), and the chosen sites are charging piles.
    on_network
        Move every candidate to the nearest point of the street network (``network``
        is needed, also with the straight-line method); candidates farther than
        ``snap_limit_m`` from any usable street are reported and not used.
    area, demand, grids, settings, crs, sheet, network, snap_limit_m, **overrides
        As :func:`geo.analyze` (the reach model, minutes, filters …).

    Returns
    -------
    SitingResult

    Raises
    ------
    SettingsError
        For invalid options (neither or both of ``add``/``target``, ``add`` < 1,
        ``target`` outside (0, 1], no candidates asked for, unknown solver …).
    InputError
        For files that cannot be used at all (as :func:`geo.analyze`), or a candidate
        file without a usable row.
    """
    t_start = time.perf_counter()
    times: dict[str, float] = {}
    k, share = check_goal(add, target)
    check_options(candidates, from_gaps, solver, time_limit, snap_limit_m, gap)
    settings = settings or Settings()
    if overrides:
        settings = settings.replace(**overrides)
    if charging:
        settings = with_charging(settings)
    net = resolve_network(network, settings, on_network)
    new_kind, new_amenities = new_site_kind(settings, charging)

    inputs = load_inputs(stations, demand=demand, area=area, grids=grids, crs=crs, sheet=sheet,
                         empty_stations="warn")  # siting may start from no station
    if charging:
        inputs = inputs.with_stations(piles_charge(inputs.stations))
    reach_model = {"network": net, "snap_limit_m": snap_limit_m}
    t0 = time.perf_counter()
    baseline = analyze_inputs(inputs, settings, **reach_model)
    times["baseline"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    table, rejected, warnings = candidate_sites(candidates, from_gaps, baseline, crs, sheet)
    table, cand_snap = place(table, baseline, net, on_network, snap_limit_m)
    warnings += off_network_warnings(table, snap_limit_m)
    times["candidates"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    unc = _uncovered(baseline)
    reach = _reach(table, cand_snap, baseline, unc, net)
    weight = baseline.points["weight"].to_numpy(dtype="float64")[unc]
    inst = compress(reach, weight)
    times["reach"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    total = baseline.total_demand
    sol = (
        solve_mclp(inst, k, solver=solver, time_limit=time_limit, gap=gap) if k is not None
        else solve_lscp(inst, float(share or 0.0) * total - baseline.covered_demand,
                        solver=solver, time_limit=time_limit)
    )
    times["solve"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    chosen = inst.candidate[sol.rows]
    after, station_ids = after_analysis(
        inputs, table, chosen, baseline, reach_model, new_kind, new_amenities
    )
    times["after"] = time.perf_counter() - t0
    warnings += unused_new_sites(after, station_ids)

    selected = _selected(table, chosen, sol, station_ids, baseline, after, new_kind)
    table = _candidate_status(table, reach, weight, inst, chosen)
    times["total"] = time.perf_counter() - t_start
    best = (baseline.covered_demand + inst.total) / total if total > 0 else 0.0
    status = _status(sol, k, share, inst, selected, baseline, best)
    bound = sol.bound + baseline.covered_demand if k is not None else sol.bound
    return SitingResult(
        baseline=baseline,
        after=after,
        selected=selected,
        candidates=table,
        model="mclp" if k is not None else "lscp",
        k=k,
        target=share,
        solver=sol.solver,
        optimal=sol.optimal,
        status=status,
        bound=float(bound),
        feasible=sol.feasible,
        best_coverage=best,
        time_s=times,
        rejected=list(baseline.rejected) + rejected,
        warnings=list(baseline.warnings) + warnings,
        candidates_rejected=len(rejected),
    )


# --- the reach matrix ---------------------------------------------------------------------


def _uncovered(baseline: CoverageResult) -> np.ndarray:
    """Positions of the demand points a new site could still cover."""
    p = baseline.points
    mask = ~p["covered"].to_numpy(dtype=bool) & (p["weight"].to_numpy(dtype="float64") > 0)
    if "status" in p:
        mask &= (p["status"].astype(str) != "off_network").to_numpy()
    return np.flatnonzero(mask)


def _reach(
    table: gpd.GeoDataFrame,
    cand_snap: Snap | None,
    baseline: CoverageResult,
    unc: np.ndarray,
    net: Network | None,
) -> csr_matrix | csc_matrix:
    """Candidates × uncovered demand, by the baseline's reach model (straight line: in
    CSC form, as the gap cells' stencil makes it)."""
    s = baseline.settings
    ok = (table["status"] == "ok").to_numpy()
    if len(table) == 0 or unc.size == 0:
        return csr_matrix((len(table), unc.size), dtype=bool)
    if s.method == "network":
        assert net is not None and cand_snap is not None and baseline.network is not None
        pts = baseline.network.points.take(unc)
        return network_reach(
            net, cand_snap, pts, speed_m_per_min=s.speed_m_per_min, minutes=s.minutes
        )
    xy = baseline.metric_coords()
    to_m = Transformer.from_crs(4326, xy.crs, always_xy=True)
    use = np.flatnonzero(ok)  # off-network candidates (with on_network) reach nothing
    cx, cy = to_m.transform(table["lon"].to_numpy(dtype="float64")[use],
                            table["lat"].to_numpy(dtype="float64")[use])
    sub = euclidean_reach(np.asarray(cx), np.asarray(cy), xy.x[unc], xy.y[unc], s,
                          cell_m=_lattice(table, baseline), csc=True)
    if use.size == len(table):
        return sub
    return csc_matrix((sub.data, use[sub.indices].astype(sub.indices.dtype), sub.indptr),
                      shape=(len(table), unc.size))


def _lattice(table: gpd.GeoDataFrame, baseline: CoverageResult) -> float | None:
    """The side of the square gap cells when gap cells' centres are candidates (their
    reach is then found by a stencil of cell offsets), else ``None``."""
    if not (table["source"] == cand.FROM_GAPS).any():
        return None
    spec = baseline.gap_cells.cells.spec
    same_crs = spec.crs == baseline.metric_coords().crs
    return float(spec.cell_m) if spec.shape == "square" and same_crs else None


# --- output tables --------------------------------------------------------------------------


def _selected(
    table: gpd.GeoDataFrame,
    chosen: np.ndarray,
    sol: Solution,
    station_ids: np.ndarray,
    baseline: CoverageResult,
    after: CoverageResult,
    kind: str | None,
) -> gpd.GeoDataFrame:
    rows = table.iloc[chosen]
    n = len(rows)
    cum = baseline.covered_demand + np.cumsum(sol.gains)
    total = baseline.total_demand
    st = after.station_table
    served = (
        st.drop_duplicates("id").set_index("id")["covered_demand"]
        .reindex(station_ids.astype(str)).fillna(0.0).to_numpy(dtype="float64")
    )
    out = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, n + 1),
            "id": rows["id"].astype(str).to_numpy(dtype=object),
            "name": rows["name"].to_numpy(dtype=object),
            "kind": site_kinds(rows["kind"].to_numpy(dtype=object), kind),
            "lon": rows["lon"].to_numpy(dtype="float64"),
            "lat": rows["lat"].to_numpy(dtype="float64"),
            "gain": np.asarray(sol.gains, dtype="float64"),
            "served_demand": served,
            "covered_demand": cum,
            "coverage_after": cum / total if total > 0 else np.zeros(n),
            "source": rows["source"].to_numpy(dtype=object),
            "station_id": station_ids,
            "file": rows["file"].to_numpy(dtype=object),
            "row": rows["row"].to_numpy(dtype="int64"),
        },
        geometry=rows.geometry.to_numpy(),
        crs=4326,
    )
    return out[[*SELECTED_COLUMNS, "geometry"]]


def _candidate_status(
    table: gpd.GeoDataFrame,
    reach: csr_matrix | csc_matrix,
    weight: np.ndarray,
    inst: Instance,
    chosen: np.ndarray,
) -> gpd.GeoDataFrame:
    out = table.copy()
    out["reach_demand"] = np.asarray(reach @ weight, dtype="float64").ravel() if len(table) else []
    status = out["status"].to_numpy(dtype=object)
    row_of = inst.row_of
    ok = status == "ok"
    status[ok & (row_of < 0)] = "no_gain"
    rep = np.full(len(table), -1, dtype="int64")
    rep[row_of >= 0] = inst.candidate[row_of[row_of >= 0]]
    dup = ok & (row_of >= 0) & (rep != np.arange(len(table)))
    ids = out["id"].astype(str).to_numpy(dtype=object)
    status[dup] = np.char.add("same_as:", ids[rep[dup]].astype(str)).astype(object)
    out["status"] = status
    rank = np.zeros(len(table), dtype="int64")
    rank[chosen] = np.arange(1, chosen.size + 1)
    out["rank"] = rank
    return out


def _status(
    sol: Solution,
    k: int | None,
    share: float | None,
    inst: Instance,
    selected: gpd.GeoDataFrame,
    baseline: CoverageResult,
    best: float,
) -> str:
    n = len(selected)
    if k is not None:
        if inst.n_rows == 0:
            return (
                "nothing to add: the existing stations cover all demand"
                if baseline.covered_demand >= baseline.total_demand
                else "nothing to add: no candidate reaches demand the existing stations "
                "leave uncovered"
            )
        head = f"{n} site(s) add {selected['gain'].sum():,.2f} demand"
        if n < k:
            head += (
                f"; only {n} of the {k} asked for add coverage: with them, no other "
                "candidate adds any"
            )
        return f"{head}; {sol.status}"
    assert share is not None
    if baseline.coverage >= share - 1e-12:
        return f"the existing stations already cover {baseline.coverage:.1%} ≥ {share:.1%}"
    if not sol.feasible:
        return (
            f"target {share:.1%} cannot be reached with these candidates: all of them "
            f"together reach {best:.1%}; the {n} site(s) below reach that; {sol.status}"
        )
    return f"{n} site(s) reach {share:.1%}; {sol.status}"
