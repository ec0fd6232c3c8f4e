"""``geo sweep``: coverage for a table of scenarios, as Dask tasks or in this process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from geo.cli.common import (
    EXIT_OK,
    Analysis,
    StationsArg,
    analysis_command,
    user_errors,
)

__all__ = ["sweep"]


@analysis_command()
def sweep(
    stations: StationsArg,
    scenarios: Annotated[
        Path,
        typer.Option(help="Table with one row per scenario (CSV, XLSX …); columns are settings: "
                     "mode, speed (speed_kmh), minutes, circuity, amenity, at, method …"),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the per-scenario table (CSV, XLSX, …)."),
    ] = None,
    grids_out: Annotated[
        Path | None, typer.Option(help="Write the per-scenario, per-网格 table.")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print both tables as one JSON object on stdout.")
    ] = False,
    *,
    opts: Analysis,
) -> None:
    """Run a table of scenarios; one tidy table of coverage per scenario and per 网格.

    The analysis options are the base every scenario changes. --engine dask runs
    one task per scenario on a Dask cluster; --engine local (default) loops here.
    """
    import sys

    from geo.api import sweep as run_sweep
    from geo.io import read_raw, write_table
    from geo.scenario.sweep import alias_columns

    with user_errors():
        table = alias_columns(read_raw(scenarios).data)
        opts.check_cluster_options(
            partitions="a sweep runs one task per scenario; leave out --partitions")
        per_scenario, per_grid = run_sweep(
            [str(p) for p in stations], table, settings=opts.settings(),
            engine=opts.engine.value, scheduler=opts.scheduler,
            progress=sys.stderr.isatty() if opts.engine.value == "dask" else None,
            **opts.inputs(),
        )
        if output is not None:
            write_table(per_scenario, output)
        if grids_out is not None:
            write_table(per_grid, grids_out)
    if json_out:
        typer.echo(json.dumps({"scenarios": json.loads(per_scenario.to_json(orient="records")),
                               "grids": json.loads(per_grid.to_json(orient="records"))},
                              ensure_ascii=False))
    else:
        typer.echo(per_scenario.to_string(index=False))
    raise typer.Exit(EXIT_OK)
