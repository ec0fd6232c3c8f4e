"""``geo geocode``: addresses to coordinates with a status per row."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from geo.cli.common import (
    EXIT_BELOW,
    EXIT_ERROR,
    EXIT_OK,
    ProgressBar,
    app,
    err,
    user_errors,
)

__all__ = ["GeocodeProvider", "geocode"]


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
        str | None, typer.Option(help="City searched in, e.g. 苏州市 or 江苏省苏州市; answers "
                                 "outside it (by their coordinates or the provider's place "
                                 "text) are needs_review.")
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
    timeout: Annotated[
        float, typer.Option(help="Seconds for each request (connecting, headers and body); "
                            "3 addresses in a row without an answer in time stop the run.")
    ] = 10.0,
) -> None:
    """Geocode addresses to WGS-84 coordinates (keys from the environment only).

    Exit 0 when every row is ok or had coordinates, 1 when some need review or
    failed (or the quota ran out: re-run later to resume from the cache), 2 for
    a usage error (no key, bad key, unreadable file) or a service that cannot be
    reached, does not answer in time, or is not the provider.
    """
    from geo.geocode import failure_causes, geocode_table, redact, summarize
    from geo.geocode.providers import get_provider
    from geo.io import write_table

    prov = get_provider(provider.value)
    key = None
    bar = ProgressBar("geocoding")
    try:
        with user_errors(lambda message: redact(message, key)):  # the key, set below
            key = prov.key()
            table = geocode_table(
                str(input_file), provider=prov, city=city, address_column=address_column,
                cache=False if no_cache else (cache_dir if cache_dir is not None else True),
                rate=rate, area=str(area) if area is not None else None, timeout=timeout,
                progress=bar.update,
            )
            stopped = table.attrs.get("geocode_stopped")
            write_table(table, output)
    finally:
        bar.close()
    message = redact(table.attrs.get("geocode_message", ""), key)
    counts = summarize(table)
    if stopped == "bad_key":
        err(f"the {prov.name} key was refused ({message}): check {prov.key_env}; "
             f"{output} holds the {counts['ok'] + counts['needs_review']} rows done before")
        raise typer.Exit(EXIT_ERROR)
    if stopped == "unusable":
        err(f"the service at {prov.base_url()} does not answer as {prov.name} does "
            f"({message}): check GEO_{prov.name.upper()}_URL or the proxy; nothing more was "
            f"asked, {output} lists every row")
        raise typer.Exit(EXIT_ERROR)
    kept = ("nothing was cached (--no-cache): a re-run asks every row" if no_cache else
            "answers so far are cached: a re-run asks only the rows without one")
    if stopped == "timeout":
        left = int(table["geocode_message"].astype(str).str.startswith("not asked").sum())
        err(f"the service at {prov.base_url()} is not answering: {message}, so it is down or "
            f"very slow; retry later, or give a larger --timeout (now {timeout:g} s; e.g. "
            f"--timeout {max(30.0, 3 * timeout):g}); {kept}. {output} lists every row "
            f"({left} not asked)")
        raise typer.Exit(EXIT_ERROR)
    if stopped == "server_error":
        err(f"the service at {prov.base_url()} is failing: {message}; retry later ({kept}). "
            f"{output} lists every row")
        raise typer.Exit(EXIT_ERROR)
    if stopped == "unreachable":
        err(f"{prov.name} cannot be reached ({message}): check the network or the proxy "
            f"(GEO_{prov.name.upper()}_URL); nothing more was asked, {output} lists every row")
        raise typer.Exit(EXIT_ERROR)
    typer.echo(
        f"geo: wrote {output}: {counts['rows']} rows, ok {counts['ok']}, given {counts['given']}, "
        f"manual {counts['manual']}, needs_review {counts['needs_review']}, "
        f"failed {counts['failed']} "
        f"(provider {prov.name})",
        err=True,
    )
    for cause, n in failure_causes(table):
        typer.echo(f"geo:   {n:>5} × {redact(cause, key)}", err=True)
    for warning in table.attrs.get("geocode_warnings", []):
        typer.echo(f"geo: warning: {warning}", err=True)
    if stopped == "quota":
        left = int((table["geocode_status"] == "quota").sum())
        typer.echo(f"geo: warning: {prov.name} quota reached ({message}); {left} rows not "
                   "asked: re-run later, answers so far are cached", err=True)
    raise typer.Exit(
        EXIT_OK if counts["needs_review"] == 0 and counts["failed"] == 0 else EXIT_BELOW
    )
