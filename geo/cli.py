"""The ``geo`` command line: gathers options, calls the library, prints results.

Exit status of ``geo check``: 0 when coverage ≥ ``--min-coverage`` (or no
threshold was given), 1 when it is below, 2 for a usage or input error (and,
with ``--strict``, for any rejected row).
"""

from __future__ import annotations

import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from geo.errors import GeoError

EXIT_OK, EXIT_BELOW, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="geo: 15-minute coverage of service stations for new-employment-form workers "
    "(新就业形态劳动者服务站点 15 分钟服务圈).",
)


class Method(StrEnum):
    euclidean = "euclidean"
    network = "network"


class Mode(StrEnum):
    walk = "walk"
    bike = "bike"
    ebike = "ebike"


class CoordSystem(StrEnum):
    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


class CellShape(StrEnum):
    square = "square"
    hex = "hex"


def _err(message: str) -> None:
    typer.echo(f"geo: error: {message}", err=True)


def parse_share(text: str | None) -> float | None:
    """Parse ``--min-coverage``: a share 0..1 (``0.8``) or a percentage (``80%``)."""
    if text is None:
        return None
    raw = str(text).strip().replace("％", "%")
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a share: give 0.8 or 80%", param_hint="--min-coverage"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise typer.BadParameter(
            f"{text} is outside 0..1: give a share like 0.8 or a percentage like 80%",
            param_hint="--min-coverage",
        )
    return value


@app.command()
def check(
    stations: Annotated[
        list[Path],
        typer.Argument(
            metavar="STATIONS...",
            help="Station table(s): CSV, XLSX, GeoJSON, GPKG, GeoParquet. "
            "Several files (e.g. stations and charging piles) are combined.",
        ),
    ],
    demand: Annotated[Path | None, typer.Option(help="Weighted demand points.")] = None,
    area: Annotated[Path | None, typer.Option(help="Study area polygon(s).")] = None,
    grids: Annotated[Path | None, typer.Option(help="Governance grids (网格) with names.")] = None,
    method: Annotated[Method, typer.Option(help="Reach model.")] = Method.euclidean,
    network: Annotated[
        Path | None, typer.Option(help="Street network (OSM PBF/XML, GraphML).")
    ] = None,
    mode: Annotated[Mode, typer.Option(help="walk 4.8 km/h, bike 12, ebike 15.")] = Mode.walk,
    speed: Annotated[
        float | None, typer.Option(help="Speed in km/h (default: the mode's).")
    ] = None,
    minutes: Annotated[float, typer.Option(help="Threshold in minutes.")] = 15.0,
    circuity: Annotated[float, typer.Option(help="Street / straight-line distance.")] = 1.3,
    cell: Annotated[float, typer.Option(help="Cell size in metres.")] = 100.0,
    cell_shape: Annotated[CellShape, typer.Option(help="square or hex (H3).")] = CellShape.square,
    crs: Annotated[
        CoordSystem,
        typer.Option(
            help="Coordinate system of the input files, unless a row's coord_system says otherwise."
        ),
    ] = CoordSystem.wgs84,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name or 0-based index.")] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Only stations of this kind (repeatable).")
    ] = None,
    amenity: Annotated[
        str | None, typer.Option(help="Only stations with this amenity, e.g. 充电 / charging.")
    ] = None,
    at: Annotated[str | None, typer.Option(help="Only stations open at HH:MM.")] = None,
    min_coverage: Annotated[
        str | None, typer.Option(help="Fail (exit 1) below this share, e.g. 0.8 or 80%.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 2 if any input row was rejected.")] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
    points_out: Annotated[
        Path | None, typer.Option(help="Write one row per demand point/cell.")
    ] = None,
) -> None:
    """Check coverage: how much demand is within N minutes of a station."""
    threshold = parse_share(min_coverage)
    try:
        from geo.coverage import analyze
        from geo.settings import Settings

        if method is Method.network and network is None:
            raise typer.BadParameter(
                "--method network needs --network FILE", param_hint="--network"
            )
        settings = Settings(
            mode=mode.value,
            speed_kmh=speed,
            minutes=minutes,
            circuity=circuity,
            method=method.value,
            cell_m=cell,
            cell_shape=cell_shape.value,
            categories=tuple(category or ()),
            amenity=amenity,
            at=at,
        )
        sheet_arg: str | int | None = int(sheet) if sheet is not None and sheet.isdigit() else sheet
        result = analyze(
            [str(p) for p in stations],
            demand=str(demand) if demand else None,
            area=str(area) if area else None,
            grids=str(grids) if grids else None,
            settings=settings,
            crs=crs.value,
            sheet=sheet_arg,
        )
        summary = result.summary()
        if points_out is not None:
            result.write_points(points_out)
    except typer.BadParameter:
        raise
    except GeoError as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:  # one line for the user; the traceback with GEO_DEBUG=1
        if os.environ.get("GEO_DEBUG"):
            raise
        _err(f"unexpected {type(exc).__name__}: {exc} (run with GEO_DEBUG=1 for details)")
        raise typer.Exit(EXIT_INTERNAL) from None

    for item in result.rejected:
        typer.echo(f"geo: rejected: {item}", err=True)
    for item in result.warnings:
        typer.echo(f"geo: warning: {item}", err=True)

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
    if strict and result.rejected:
        _err(f"{len(result.rejected)} input row(s) rejected and --strict is set")
        raise typer.Exit(EXIT_ERROR)
    if threshold is not None and result.coverage < threshold - 1e-12:
        raise typer.Exit(EXIT_BELOW)
    raise typer.Exit(EXIT_OK)


@app.callback()
def _root() -> None:
    """geo: service-station coverage mapper."""


def main() -> None:
    """Console-script entry point."""
    logging.getLogger("geo").setLevel(logging.ERROR)  # the CLI prints rejected rows itself
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)


if __name__ == "__main__":
    main()
