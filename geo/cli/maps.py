"""``geo map`` (standalone HTML report map) and ``geo assets fetch``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from geo.cli.common import (
    Analysis,
    Assets,
    StationsArg,
    Tiles,
    analysis_command,
    app,
    exit_with,
    run_analysis,
    user_errors,
)

__all__ = ["assets_app", "assets_fetch", "map_"]


@analysis_command("map")
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
            help="inline: embed Leaflet in the file, which opens with no network (default); "
            "cdn: link it from a CDN or --asset-base (a smaller file)."
        ),
    ] = Assets.inline,
    asset_base: Annotated[
        str | None,
        typer.Option(help="Base URL of your own mirror of the npm packages (env GEO_ASSET_BASE)."),
    ] = None,
    *,
    opts: Analysis,
) -> None:
    """Write a standalone HTML report map (stations, 5/10/15-minute reach, gaps, 网格, demand)."""

    def write(result: Any) -> None:
        from geo.maps import save_map

        save_map(result, output, tiles=tiles.value, title=title, assets=assets.value,
                 asset_base=asset_base)

    result = run_analysis(stations, opts, after=write)
    s = result.summary()
    typer.echo(
        f"geo: wrote {output} (覆盖率 coverage {s['coverage'] * 100:.1f}%, "
        f"{len(s['gaps'])} gaps, basemap {tiles.value})",
        err=True,
    )
    exit_with(result.summary(), opts)


assets_app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Browser assets (Leaflet, from the xstatic-leaflet package) of the maps.",
)
app.add_typer(assets_app, name="assets")


@assets_app.command("fetch")
def assets_fetch() -> None:
    """Print the folder of the Leaflet files the maps embed (nothing to download: they come
    with the xstatic-leaflet package)."""
    from geo import assets

    with user_errors():
        folder = assets.fetch()
    typer.echo(str(folder))
