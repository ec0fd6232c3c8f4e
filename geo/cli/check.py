"""``geo check``: coverage numbers, JSON and the exit status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo.cli.common import (
    AmenityOpt,
    AreaOpt,
    AtOpt,
    CategoryOpt,
    CellOpt,
    CellShape,
    CellShapeOpt,
    CircuityOpt,
    CoordSystem,
    CrsOpt,
    DemandOpt,
    GridsOpt,
    Method,
    MethodOpt,
    MinCoverageOpt,
    MinutesOpt,
    Mode,
    ModeOpt,
    NetworkOpt,
    SheetOpt,
    SnapLimitOpt,
    SpeedOpt,
    StationsArg,
    StrictOpt,
    app,
    exit_with,
    parse_share,
    run_analysis,
)


@app.command()
def check(
    stations: StationsArg,
    demand: DemandOpt = None,
    area: AreaOpt = None,
    grids: GridsOpt = None,
    method: MethodOpt = Method.euclidean,
    network: NetworkOpt = None,
    snap_limit: SnapLimitOpt = 200.0,
    mode: ModeOpt = Mode.walk,
    speed: SpeedOpt = None,
    minutes: MinutesOpt = 15.0,
    circuity: CircuityOpt = 1.3,
    cell: CellOpt = 100.0,
    cell_shape: CellShapeOpt = CellShape.square,
    crs: CrsOpt = CoordSystem.wgs84,
    sheet: SheetOpt = None,
    category: CategoryOpt = None,
    amenity: AmenityOpt = None,
    at: AtOpt = None,
    min_coverage: MinCoverageOpt = None,
    strict: StrictOpt = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    points_out: Annotated[
        Path | None, typer.Option(help="Write one row per demand point/cell.")
    ] = None,
) -> None:
    """Check coverage: how much demand is within N minutes of a station."""
    threshold = parse_share(min_coverage)
    result = run_analysis(
        stations, demand=demand, area=area, grids=grids, method=method, network=network,
        snap_limit=snap_limit, mode=mode, speed=speed, minutes=minutes, circuity=circuity,
        cell=cell, cell_shape=cell_shape, crs=crs, sheet=sheet, category=category,
        amenity=amenity, at=at,
        after=(lambda r: r.write_points(points_out)) if points_out is not None else None,
    )
    summary = result.summary()
    if json_out:
        typer.echo(result.to_json())
    else:
        from geo.text import format_summary

        typer.echo(
            format_summary(
                summary,
                stations_label=", ".join(str(p) for p in stations),
                demand_label=str(demand) if demand else "",
                min_coverage=threshold,
            ),
            nl=False,
        )
    exit_with(result, strict=strict, threshold=threshold)
