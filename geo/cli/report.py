"""``geo report``: the report pack."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from geo.cli.common import (
    Analysis,
    StationsArg,
    Tiles,
    analysis_command,
    exit_with,
    parse_share,
    run_analysis,
)

__all__ = ["Lang", "MapPng", "report"]


class MapPng(StrEnum):
    auto = "auto"
    browser = "browser"
    static = "static"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


@analysis_command()
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
    *,
    opts: Analysis,
) -> None:
    """Write the report pack: map.html, map.png, charts, report.xlsx, summary.md/html."""
    aim = parse_share(target, "--target") if target is not None else opts.threshold
    packs: list[Any] = []

    def write(result: Any) -> None:
        from geo.report import write_report
        from geo.scenario import parse_overrides

        scenarios = []
        for text in scenario or []:
            label, overrides = parse_overrides(text)
            scenarios.append({**({"label": label} if label else {}), **overrides})
        packs.append(write_report(  # sources named as read: the same pack as the app's
            result, output, title=title, lang=lang.value, scenarios=scenarios or None,
            target=aim, map_png=map_png.value, dpi=dpi, date=date, tiles=tiles.value,
        ))

    result = run_analysis(stations, opts, after=write)
    pack = packs[0]
    for note in pack.warnings:
        typer.echo(f"geo: note: {note}", err=True)
    s = result.summary()
    typer.echo(
        f"geo: wrote {output}: {len(pack.files)} files, map.png by {pack.map_png} "
        f"(覆盖率 coverage {s['coverage'] * 100:.1f}%, {len(s['gaps'])} gaps)",
        err=True,
    )
    exit_with(result.summary(), opts)
