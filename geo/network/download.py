"""Downloading a study area's streets from the Overpass API with OSMnx (online, optional).

Everything else in ``geo`` runs offline on a file; this module is the one way to get
streets without an extract: :func:`download_streets` asks the Overpass API (through
OSMnx) for every ``highway`` way in the area's box plus a margin, with the tags the
street profile's rules and one-way rules read, and saves them as GraphML. The file is
then used like any other: ``--network streets.graphml``. It holds the streets of every
mode (``load_network`` chooses the ways of a mode and its one-way rules on reading),
unsimplified, with their OSM way ids.

A place name is first looked up with Nominatim (OSMnx's geocoder); ``area`` or
``bbox`` skip that. When a server cannot be reached the error says which, in one line
(:class:`DownloadError`); the default Overpass server can be replaced
(``overpass_url``, ``GEO_OVERPASS_URL``), e.g. by a mirror reachable from an office.
Answers are cached by OSMnx in ``$GEO_CACHE_DIR/overpass``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from geo.errors import GeoError, InputError, SettingsError
from geo.network.extract import DEFAULT_MARGIN_M, extract_bbox
from geo.network.load import DIRECTION_TAGS, load_network, network_type_of
from geo.network.profile import PROFILE_TAGS
from geo.paths import cache_root

__all__ = ["DownloadError", "DownloadReport", "download_streets"]

#: Every ``highway`` way: the street profile chooses a mode's ways when the file is read.
_FILTER = '["highway"]'


class DownloadError(GeoError, RuntimeError):
    """A server needed for a download (Overpass, Nominatim) cannot be reached or failed."""


@dataclass(frozen=True)
class DownloadReport:
    """What :func:`download_streets` wrote.

    Attributes
    ----------
    output
        The GraphML file.
    bbox
        The box asked for, ``(min_lon, min_lat, max_lon, max_lat)`` WGS-84, margin included.
    place
        The place name looked up, if one was given.
    nodes, edges
        Nodes and directed edges of the downloaded graph (every street).
    mode, mode_edges
        The travel mode checked and the street segments it may use in the file.
    overpass_url
        The Overpass API asked.
    seconds
        Wall-clock time.
    """

    output: str
    bbox: tuple[float, float, float, float]
    place: str | None
    nodes: int
    edges: int
    mode: str
    mode_edges: int
    overpass_url: str
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The report as a JSON-ready dict.

        Returns
        -------
        dict
        """
        out = asdict(self)
        out["bbox"] = list(self.bbox)
        return out


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[Any]:
    """OSMnx settings changed for one download, restored after."""
    import osmnx as ox

    kept = {k: getattr(ox.settings, k) for k in values}
    try:
        for k, v in values.items():
            setattr(ox.settings, k, v)
        yield ox
    finally:
        for k, v in kept.items():
            setattr(ox.settings, k, v)


def _unreachable(what: str, url: str, exc: BaseException) -> DownloadError:
    hint = ("set GEO_OVERPASS_URL to a mirror you can reach, or "
            if what.startswith("Overpass") else "give --bbox or --area instead of a place, or ")
    return DownloadError(
        f"cannot reach the {what} at {url} ({type(exc).__name__}): downloading needs the "
        f"internet. Check the connection or proxy, {hint}work offline from an extract "
        "(geo network extract)"
    )


def _check_overpass(ox: Any, url: str) -> None:
    """Fail at once when Overpass cannot be reached, instead of after OSMnx's fallback pause
    (a minute when its status endpoint does not answer)."""
    import requests

    if not ox.settings.overpass_rate_limit:
        return
    try:
        requests.get(url.rstrip("/") + "/status", timeout=min(ox.settings.requests_timeout, 15),
                     **ox.settings.requests_kwargs)
    except requests.exceptions.RequestException as exc:
        raise _unreachable("Overpass API", url, exc) from exc


def _place_bbox(ox: Any, place: str) -> tuple[float, float, float, float]:
    """The extent of a place name, from Nominatim (OSMnx's geocoder)."""
    import requests

    try:
        frame = ox.geocoder.geocode_to_gdf(place)
    except requests.exceptions.RequestException as exc:
        raise _unreachable("Nominatim geocoder", ox.settings.nominatim_url, exc) from exc
    except ox._errors.InsufficientResponseError as exc:
        raise InputError(f"place '{place}' not found by Nominatim ({exc})") from exc
    x0, y0, x1, y1 = (float(b) for b in frame.total_bounds)
    return (x0, y0, x1, y1)


def _fetch(ox: Any, url: str, box: tuple[float, float, float, float]) -> Any:
    """Every ``highway`` way in the box (and the nodes of those crossing its edge)."""
    import requests

    _check_overpass(ox, url)
    try:
        return ox.graph_from_bbox(box, network_type="all", custom_filter=_FILTER,
                                  simplify=False, retain_all=True, truncate_by_edge=True)
    except requests.exceptions.RequestException as exc:
        raise _unreachable("Overpass API", url, exc) from exc
    except ox._errors.ResponseStatusCodeError as exc:
        raise DownloadError(f"the Overpass API at {url} answered with an error: {exc}") \
            from exc
    except ox._errors.InsufficientResponseError as exc:
        where = ", ".join(f"{b:.5f}" for b in box)
        raise InputError(f"no street in the box {where} ({exc})") from exc


def download_streets(
    out: str | PathLike[str],
    *,
    place: str | None = None,
    area: Any = None,
    bbox: str | Sequence[float] | None = None,
    margin_m: float = DEFAULT_MARGIN_M,
    mode: str = "walk",
    area_crs: str = "wgs84",
    overpass_url: str | None = None,
) -> DownloadReport:
    """Download the streets of an area from OpenStreetMap (online) and save them as GraphML.

    Parameters
    ----------
    out
        The ``.graphml`` file to write (replaced atomically).
    place
        A place name Nominatim knows, e.g. ``"沧浪街道, 姑苏区, 苏州市"``; its extent is
        used. Give one of ``place``, ``area`` and ``bbox``.
    area
        A study-area polygon file (or GeoDataFrame / geometry in WGS-84).
    bbox
        ``min_lon,min_lat,max_lon,max_lat`` (WGS-84).
    margin_m
        Metres added around the extent (default 2000).
    mode
        The travel mode to check the download with (``walk``, ``bike``, ``ebike``): the
        report gives the street segments it may use. The file serves every mode.
    area_crs
        The coordinate system of an area file in degrees.
    overpass_url
        The Overpass API to ask (default ``GEO_OVERPASS_URL``, else OSMnx's setting,
        ``https://overpass-api.de/api``).

    Returns
    -------
    DownloadReport

    Raises
    ------
    DownloadError
        If Overpass or Nominatim cannot be reached or answer with an error.
    InputError
        If the place is not found, the area holds no street, or the file cannot be written.
    SettingsError
        For a wrong combination of ``place``/``area``/``bbox``, margin or mode.
    """
    start = time.perf_counter()
    network_type_of(mode)
    if sum(x is not None for x in (place, area, bbox)) != 1:
        raise SettingsError("give one of a place name, a study area or a bbox")
    dest = Path(out).expanduser()
    if dest.suffix.lower() != ".graphml":
        raise InputError("the download is saved as GraphML: name the file .graphml",
                         file=os.fspath(out))
    if not dest.parent.is_dir():
        raise InputError(f"cannot write here: folder {dest.parent} does not exist",
                         file=os.fspath(out))
    import osmnx as ox

    url = (overpass_url or os.environ.get("GEO_OVERPASS_URL", "").strip()
           or ox.settings.overpass_url)
    tags = list(dict.fromkeys([*ox.settings.useful_tags_way, *PROFILE_TAGS, *DIRECTION_TAGS]))
    with _osmnx_settings(overpass_url=url, useful_tags_way=tags,
                         cache_folder=str(cache_root("overpass"))) as ox:
        if place is not None:
            box, _ = extract_bbox(bbox=_place_bbox(ox, place), margin_m=margin_m)
        else:
            box, _ = extract_bbox(area=area, bbox=bbox, margin_m=margin_m, area_crs=area_crs)
        graph = _fetch(ox, url, box)
        tmp = dest.with_name(f".{dest.stem}.{os.getpid()}.tmp.graphml")
        try:
            ox.save_graphml(graph, tmp)
            os.replace(tmp, dest)
        except OSError as exc:
            raise InputError(f"cannot write the download: {exc.strerror or exc}",
                             file=os.fspath(out)) from exc
        finally:
            tmp.unlink(missing_ok=True)
    net = load_network(dest, mode, cache=False)
    return DownloadReport(
        output=os.fspath(out),
        bbox=box,
        place=place,
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        mode=mode,
        mode_edges=net.n_edges,
        overpass_url=url,
        seconds=time.perf_counter() - start,
    )
