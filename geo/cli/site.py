"""``geo site``: where the next stations (or charging piles) close the most gap."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from geo.cli.common import (
    EXIT_BELOW,
    Analysis,
    StationsArg,
    Tiles,
    analysis_command,
    exit_with,
    user_errors,
)

__all__ = ["Solver", "site"]


class Solver(StrEnum):
    auto = "auto"
    exact = "exact"
    greedy = "greedy"


@analysis_command()
def site(
    stations: StationsArg,
    candidates: Annotated[
        Path | None,
        typer.Option(help="Candidate sites (read like a station table: CSV, XLSX, GeoJSON …)."),
    ] = None,
    from_gaps: Annotated[
        bool, typer.Option("--from-gaps", help="Also use the centres of uncovered cells.")
    ] = False,
    add: Annotated[
        int | None, typer.Option(help="Maximal covering: add this many sites (MCLP).")
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(help="Set covering: fewest sites to reach this share of demand, e.g. "
                     "0.95 or 95% (LSCP)."),
    ] = None,
    solver: Annotated[
        Solver, typer.Option(help="exact (HiGHS MIP), greedy (with its bound) or auto.")
    ] = Solver.auto,
    time_limit: Annotated[float, typer.Option(help="Seconds for the solve.")] = 60.0,
    charging: Annotated[
        bool, typer.Option("--charging", help="Site charging piles: only stations with "
                           "charging count as existing.")
    ] = False,
    on_network: Annotated[
        bool, typer.Option("--on-network", help="Move candidates onto the street network "
                           "(needs --network).")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the chosen sites (CSV, XLSX, GeoJSON …).")
    ] = None,
    map_out: Annotated[
        Path | None, typer.Option("--map", help="Write the report map with the chosen sites.")
    ] = None,
    tiles: Annotated[Tiles, typer.Option(help="Basemap of --map.")] = Tiles.osm,
    *,
    opts: Analysis,
) -> None:
    """Choose new sites, existing stations kept: most demand for K sites, or fewest for a share.

    Exit 0 when done (and coverage after ≥ --min-coverage), 1 when --target cannot
    be reached by any choice of candidates (or coverage after is below
    --min-coverage), 2 for a usage or input error.
    """
    from geo.api import site as choose

    with user_errors():
        if opts.engine.value != "local":
            raise typer.BadParameter("geo site runs in this process; --engine dask is for "
                                     "check, map, report and sweep", param_hint="--engine")
        opts.check_cluster_options()
        res = choose(
            [str(p) for p in stations], candidates=str(candidates) if candidates else None,
            from_gaps=from_gaps, add=add, target=target, solver=solver.value,
            time_limit=time_limit, charging=charging, on_network=on_network,
            settings=opts.settings(), **opts.inputs(),
        )
        if out is not None:
            res.write_sites(out)
        if map_out is not None:
            from geo.maps import save_map

            save_map(res.after, map_out, tiles=tiles.value, captured=res.captured())
    for item in res.rejected:
        typer.echo(f"geo: rejected: {item}", err=True)
    for item in res.warnings:
        typer.echo(f"geo: warning: {item}", err=True)
    s = res.summary()
    typer.echo(res.to_json() if json_out else _text(s))
    if not s["feasible"]:
        raise typer.Exit(EXIT_BELOW)
    exit_with(res.after.summary(), opts)


def _text(s: dict[str, Any]) -> str:
    goal = (f"add {s['k']}" if s["model"] == "mclp"
            else f"reach {s['target'] * 100:.1f}% with the fewest sites")
    proof = "proven optimal" if s["optimal"] else (
        f"not proven optimal: within {s['gap'] * 100:.2f}% of the bound" if s["gap"] is not None
        else "not proven optimal")
    lines = [
        f"选址 siting ({s['model'].upper()}, {goal}; solver {s['solver']}, {proof})",
        f"  覆盖率 coverage: {s['baseline_coverage'] * 100:.1f}% → {s['coverage'] * 100:.1f}% "
        f"(+{s['gain']:g} demand of {s['total_demand']:g})",
    ]
    if not s["feasible"]:
        lines.append(f"  目标无法达到 target cannot be reached: all candidates together give "
                     f"{(s['best_coverage'] or 0) * 100:.1f}%")
    for r in s["selected"]:
        lines.append(f"  {r['rank']:>3}. {r['id']} {r['name']} ({r['lon']:.6f}, {r['lat']:.6f}) "
                     f"+{r['gain']:g} → {r['coverage_after'] * 100:.1f}%")
    lines.append(f"  {s['status']}")
    return "\n".join(lines)
