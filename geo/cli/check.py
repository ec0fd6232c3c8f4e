"""``geo check``: coverage numbers, JSON and the exit status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo.cli.common import (
    Analysis,
    StationsArg,
    analysis_command,
    exit_with,
    plain_check,
    run_analysis,
)

__all__ = ["check"]


@analysis_command()
def check(
    stations: StationsArg,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    points_out: Annotated[
        Path | None, typer.Option(help="Write one row per demand point/cell (with --engine "
                                  "dask and a GeoParquet demand: a folder of parts).")
    ] = None,
    *,
    opts: Analysis,
) -> None:
    """Check coverage: how much demand is within N minutes of a station."""
    summary = plain_check(stations, opts) if points_out is None else None
    result = None
    if summary is None:
        result = run_analysis(stations, opts, points_out=points_out)
        summary = result.summary()
    if json_out:
        from geo.tally import summary_json

        typer.echo(summary_json(summary))
    else:
        from geo.text import format_summary

        typer.echo(
            format_summary(
                summary,
                stations_label=", ".join(str(p) for p in stations),
                demand_label=str(opts.demand) if opts.demand else "",
                min_coverage=opts.threshold,
            ),
            nl=False,
        )
    exit_with(summary, opts)
