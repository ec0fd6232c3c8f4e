"""Clipping a large OpenStreetMap extract to a study area, streaming, with pyosmium.

A planner starts from a country or province extract (Geofabrik's ``china-latest.osm.pbf``,
about 1 GB) and needs only the streets around one street office. :func:`extract_area`
writes the part of the file that a study area (plus a margin) needs, reading the file
a few times from disk and never holding it in memory — the same "complete ways"
strategy as ``osmium extract``, built from pyosmium's own machinery:

1. **nodes in the box**: one pass over the nodes (a Python callback per node — the
   slow part, about 2 µs a node) records the ids of those inside the buffered box in
   an :class:`osmium.IdTracker`;
2. **ways**: :meth:`~osmium.IdTracker.complete_forward_references` (C++) adds every
   way with at least one node in the box;
3. **relations**: the relations that reference a kept node or way pass pyosmium's
   C++ ``contains_filter``; multipolygons (water, parks) are completed with all their
   member ways, other relations (routes, boundaries) are kept without completing
   their members, so a bus route does not pull in streets across the province;
4. **back references**: :meth:`~osmium.IdTracker.complete_backward_references` (C++)
   adds every node of the kept ways — also those outside the box — and the members
   of the kept multipolygons;
5. **write**: one pass copies the tracked objects, tags included, through the
   tracker's C++ ``id_filter`` to a temporary file next to the output, which then
   replaces the output (:func:`os.replace`): a failed run never leaves half a file.

The result is reference-complete for ways and multipolygons: every node a kept way
names is in the file, so pyrosm and OSMnx build the same streets inside the box as
from the whole extract.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from pyproj import Geod

from geo.errors import InputError, SettingsError

__all__ = [
    "DEFAULT_MARGIN_M",
    "OSM_SUFFIXES",
    "ExtractReport",
    "extract_area",
    "extract_bbox",
    "parse_bbox",
]

#: The margin (metres) added around the study area by default: streets just outside the
#: area carry riders to stations inside it and back.
DEFAULT_MARGIN_M = 2000.0
#: File names pyosmium reads (sorted OSM files: nodes, then ways, then relations).
OSM_SUFFIXES: tuple[str, ...] = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
_WRITE_FORMATS: dict[str, str] = {".pbf": "pbf", ".osm": "osm"}

BBox = tuple[float, float, float, float]
Progress = Callable[[str], Any] | None


@dataclass(frozen=True)
class ExtractReport:
    """What :func:`extract_area` wrote.

    Attributes
    ----------
    source, output
        The extract read and the file written.
    bbox
        The box the nodes were taken from: the study area's extent plus the margin,
        ``(min_lon, min_lat, max_lon, max_lat)`` in WGS-84.
    area_bbox
        The study area's (or ``--bbox``'s) own extent, before the margin.
    margin_m
        The margin in metres.
    nodes, ways, relations
        Objects written (nodes include those outside the box that kept ways need).
    nodes_in_box
        Nodes of the source inside ``bbox``.
    seconds
        Wall-clock time of the extract.
    """

    source: str
    output: str
    bbox: BBox
    area_bbox: BBox
    margin_m: float
    nodes: int
    ways: int
    relations: int
    nodes_in_box: int
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (``geo network extract --json``).

        Returns
        -------
        dict
        """
        out = asdict(self)
        out["bbox"] = list(self.bbox)
        out["area_bbox"] = list(self.area_bbox)
        return out


def parse_bbox(text: str | Sequence[float]) -> BBox:
    """A box ``min_lon,min_lat,max_lon,max_lat`` (WGS-84 degrees), checked.

    Parameters
    ----------
    text
        ``"120.58,31.27,120.64,31.31"`` or four numbers.

    Returns
    -------
    tuple of float

    Raises
    ------
    SettingsError
        If it is not four numbers in range with min < max.
    """
    parts = text.replace("，", ",").split(",") if isinstance(text, str) else list(text)
    try:
        values = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise SettingsError(
            f"bbox '{text}' is not four numbers min_lon,min_lat,max_lon,max_lat (WGS-84)"
        )
    x0, y0, x1, y1 = values
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise SettingsError(
            f"bbox '{text}' is not min_lon,min_lat,max_lon,max_lat with min ≤ max, "
            "longitudes in -180..180 and latitudes in -90..90"
        )
    return (x0, y0, x1, y1)


def _area_extent(area: Any, crs: str) -> BBox:
    """The WGS-84 extent of a study area given as a file, a GeoDataFrame or a geometry."""
    import shapely

    if isinstance(area, str | PathLike):
        from geo.io.polygons import read_area

        frame = read_area(area, crs=crs)
        bounds = frame.total_bounds
    elif hasattr(area, "total_bounds"):
        bounds = area.to_crs(4326).total_bounds if area.crs is not None else area.total_bounds
    elif isinstance(area, shapely.Geometry):
        bounds = area.bounds
    else:
        raise SettingsError("area must be a polygon file, a GeoDataFrame or a shapely geometry")
    x0, y0, x1, y1 = (float(b) for b in bounds)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise InputError("the study area has no extent", file=str(area))
    return (x0, y0, x1, y1)


def extract_bbox(
    *,
    area: Any = None,
    bbox: str | Sequence[float] | None = None,
    margin_m: float = DEFAULT_MARGIN_M,
    area_crs: str = "wgs84",
) -> tuple[BBox, BBox]:
    """The box an extract takes its nodes from: the area's extent plus a margin in metres.

    Parameters
    ----------
    area
        The study area: a polygon file (read with :func:`geo.read_area`), a
        GeoDataFrame or a shapely geometry in WGS-84.
    bbox
        Instead of ``area``: ``min_lon,min_lat,max_lon,max_lat`` (WGS-84).
    margin_m
        Metres added on every side (on the WGS-84 ellipsoid).
    area_crs
        The coordinate system of an area file whose features are in degrees
        (``wgs84``, ``gcj02``, ``bd09``).

    Returns
    -------
    (buffered, extent) : tuple of tuple of float
        The buffered box and the area's own extent, both WGS-84.

    Raises
    ------
    SettingsError
        If neither or both of ``area`` and ``bbox`` are given, or the margin is negative.
    InputError
        If the area file cannot be read.
    """
    if (area is None) == (bbox is None):
        raise SettingsError("give either a study area or a bbox (one of them)")
    margin = float(margin_m)
    if not math.isfinite(margin) or margin < 0:
        raise SettingsError(f"margin must be a distance in metres ≥ 0, not {margin_m}")
    extent = parse_bbox(bbox) if bbox is not None else _area_extent(area, area_crs)
    if margin == 0:
        return extent, extent
    x0, y0, x1, y1 = extent
    geod = Geod(ellps="WGS84")
    north = geod.fwd(x0, y1, 0.0, margin)[1] if y1 < 90 else 90.0
    south = geod.fwd(x0, y0, 180.0, margin)[1] if y0 > -90 else -90.0
    # a degree of longitude is shortest at the latitude farthest from the equator
    far = max(abs(north), abs(south))
    dlon = geod.fwd(0.0, min(far, 89.9), 90.0, margin)[0]
    buffered = (max(-180.0, x0 - dlon), max(-90.0, south), min(180.0, x1 + dlon),
                min(90.0, north))
    return buffered, extent


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in OSM_SUFFIXES if name.endswith(s)), "")


def _check_paths(src: Path, out: Path, label: str) -> str:
    """Refuse a missing or unknown source and an output that cannot be written; the
    output's pyosmium format."""
    if not src.is_file():
        raise InputError("OSM extract not found (give an .osm.pbf file)", file=label)
    if not _suffix(src):
        raise InputError(
            "unknown OSM file type: give an .osm.pbf (or .osm, .osm.bz2, .osm.gz) file",
            file=label,
        )
    fmt = next((f for s, f in _WRITE_FORMATS.items() if out.name.lower().endswith(s)), None)
    if fmt is None:
        raise InputError("the output must be an .osm.pbf (or .osm) file", file=str(out))
    if not out.parent.is_dir():
        raise InputError(f"cannot write here: folder {out.parent} does not exist",
                         file=str(out))
    if out.is_dir():
        raise InputError("cannot write the extract: a folder has that name", file=str(out))
    if out.exists() and out.resolve() == src.resolve():
        raise InputError("the output would overwrite the extract it is read from",
                         file=str(out))
    return fmt


def _file_extent(src: Path) -> str:
    """The extent a file's header declares, for messages (empty when none)."""
    import osmium

    try:
        box = osmium.io.Reader(str(src), osmium.osm.NOTHING).header().box()
    except Exception:  # a message helper: no extent is said then
        return ""
    if not box.valid():
        return ""
    bl, tr = box.bottom_left, box.top_right
    return f" (the extract covers lon {bl.lon:.3f}–{tr.lon:.3f}, lat {bl.lat:.3f}–{tr.lat:.3f})"


def _nodes_in_box(src: Path, bbox: BBox, tracker: Any) -> int:
    """Track the ids of the nodes inside ``bbox`` (one streaming pass over the nodes)."""
    import osmium

    # OSM stores coordinates as integers of 1e-7 degrees: compare those, no float per node
    x0, y0 = math.floor(bbox[0] * 1e7), math.floor(bbox[1] * 1e7)
    x1, y1 = math.ceil(bbox[2] * 1e7), math.ceil(bbox[3] * 1e7)
    add = tracker.add_node
    count = 0
    for node in osmium.FileProcessor(str(src), osmium.osm.NODE):
        loc = node.location
        if x0 <= loc.x <= x1 and y0 <= loc.y <= y1:
            add(node.id)
            count += 1
    return count


def _touching_relations(src: Path, tracker: Any) -> tuple[list[int], list[int]]:
    """Relations referencing a tracked node or way: ``(multipolygons, others)``."""
    import osmium

    multipolygons: list[int] = []
    others: list[int] = []
    relations = osmium.FileProcessor(str(src), osmium.osm.RELATION)
    for rel in relations.with_filter(tracker.contains_filter()):
        kind = rel.tags.get("type")
        (multipolygons if kind == "multipolygon" else others).append(rel.id)
    return multipolygons, others


class _Counter:
    """Counts the objects that reach it (after the id filter), by type."""

    def __init__(self) -> None:
        self.nodes = self.ways = self.relations = 0

    def node(self, _: Any) -> None:
        self.nodes += 1

    def way(self, _: Any) -> None:
        self.ways += 1

    def relation(self, _: Any) -> None:
        self.relations += 1


def _write(src: Path, out: Path, fmt: str, tracker: Any, bbox: BBox) -> _Counter:
    """Copy the tracked objects of ``src`` to ``out`` atomically (temp file, then rename)."""
    import osmium

    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(osmium.osm.Location(bbox[0], bbox[1]),
                                  osmium.osm.Location(bbox[2], bbox[3])))
    header.set("generator", "geo network extract (pyosmium)")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    counter = _Counter()
    try:
        try:
            writer = osmium.SimpleWriter(osmium.io.File(str(tmp), fmt), header=header,
                                         overwrite=True)
        except Exception as exc:
            raise InputError(f"cannot write the extract: {exc}", file=str(out)) from exc
        with writer:
            osmium.apply(str(src), tracker.id_filter(), writer, counter)
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(f"cannot write the extract: {exc.strerror or exc}",
                         file=str(out)) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return counter


def extract_area(
    src: str | PathLike[str],
    out: str | PathLike[str],
    *,
    area: Any = None,
    bbox: str | Sequence[float] | None = None,
    margin_m: float = DEFAULT_MARGIN_M,
    area_crs: str = "wgs84",
    progress: Progress = None,
) -> ExtractReport:
    """Clip a large OSM extract to a study area plus a margin, streaming from disk.

    Keeps every node inside the buffered box, every way with at least one of those
    nodes together with all its nodes (also those outside the box), every relation
    that references a kept node or way, and all members of the kept multipolygon
    relations (so lakes, rivers and parks stay whole). Tags are copied unchanged.

    Parameters
    ----------
    src
        The extract to read: ``.osm.pbf`` (or ``.osm``, ``.osm.bz2``, ``.osm.gz``),
        sorted as OSM files are (nodes, ways, relations by id), e.g. Geofabrik's
        ``china-latest.osm.pbf``.
    out
        The file to write, ``.osm.pbf`` (or ``.osm``); replaced atomically.
    area
        The study area: a polygon file (GeoJSON, GeoPackage …, read with
        :func:`geo.read_area`), a GeoDataFrame or a shapely geometry in WGS-84.
    bbox
        Instead of ``area``: ``min_lon,min_lat,max_lon,max_lat`` (WGS-84).
    margin_m
        Metres added around the area's extent (default 2000).
    area_crs
        The coordinate system of an area file in degrees (``wgs84``, ``gcj02``, ``bd09``).
    progress
        Called with a short text as each pass starts (``progress("nodes")`` …).

    Returns
    -------
    ExtractReport
        Objects written, the box used, the time taken.

    Raises
    ------
    InputError
        If the extract is missing, not an OSM file or holds no node in the box (the
        area lies outside it: nothing is written), or the output cannot be written.
    SettingsError
        If neither or both of ``area`` and ``bbox`` are given, or the margin is negative.
    """
    import osmium

    start = time.perf_counter()
    src_p, out_p = Path(src).expanduser(), Path(out).expanduser()
    label = os.fspath(src)
    fmt = _check_paths(src_p, out_p, label)
    box, extent = extract_bbox(area=area, bbox=bbox, margin_m=margin_m, area_crs=area_crs)
    say = progress or (lambda _: None)
    tracker = osmium.IdTracker()
    try:
        say("nodes")
        in_box = _nodes_in_box(src_p, box, tracker)
        if in_box == 0:
            raise InputError(
                f"no OSM node lies in the study area's box (lon {box[0]:.4f}–{box[2]:.4f}, "
                f"lat {box[1]:.4f}–{box[3]:.4f}, margin {margin_m:g} m): the area is outside "
                f"this extract{_file_extent(src_p)}; nothing was written",
                file=label,
            )
        say("ways")
        tracker.complete_forward_references(str(src_p), relation_depth=-1)
        say("relations")
        multipolygons, others = _touching_relations(src_p, tracker)
        for rid in multipolygons:
            tracker.add_relation(rid)
        say("references")
        tracker.complete_backward_references(str(src_p), relation_depth=1)
        for rid in others:  # kept, their members not completed
            tracker.add_relation(rid)
        say("write")
        counts = _write(src_p, out_p, fmt, tracker, box)
    except InputError:
        raise
    except RuntimeError as exc:  # libosmium's errors: not an OSM file, truncated, unsorted
        raise InputError(f"cannot read the OSM extract: {exc}", file=label) from exc
    return ExtractReport(
        source=label,
        output=os.fspath(out),
        bbox=box,
        area_bbox=extent,
        margin_m=float(margin_m),
        nodes=counts.nodes,
        ways=counts.ways,
        relations=counts.relations,
        nodes_in_box=in_box,
        seconds=time.perf_counter() - start,
    )
