"""Service areas along the streets: the covered edge pieces of each band, one union per band.

A band's shape is kept with its search (:func:`service_polygons` of the same search and
bands again, or of other bands sharing some, builds only the new ones). A search made
from another by adding stations (:func:`geo.network.incremental.add_stations`, a what-if)
is registered with :func:`grown_from`: its bands are the other search's bands joined
with the buffered pieces of the edges the new stations changed, one small union per
band instead of the union of every covered street of the city.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import cachetools
import geopandas as gpd
import numpy as np
import shapely

from geo.errors import SettingsError
from geo.network.model import TOL_M, Network
from geo.network.search import Search
from geo.reach import within
from geo.recent import array_digest

__all__ = ["BUFFER_M", "FILL_HOLES_M2", "edge_pieces", "fill_holes", "grown_from",
           "service_polygons"]

#: Default half-width of the service-area polygons around covered street pieces, metres.
BUFFER_M = 40.0
#: Holes smaller than this (m²) in a service area are filled: the inside of a city
#: block whose streets are all covered is served; a lake or rail yard is not.
FILL_HOLES_M2 = 50_000.0

#: Per network, bands' shapes (filled, not clipped) by the search's content
#: (:func:`_digest`) and ``(band, band below, buffer_m, fill_holes_m2, quad_segs)``;
#: the newest :data:`_SHAPES_KEPT` kept.
_SHAPES: weakref.WeakKeyDictionary[Network, cachetools.LRUCache[tuple, shapely.Geometry]] = (
    weakref.WeakKeyDictionary())
_SHAPES_KEPT = 12
#: Each search's :func:`_digest`.
_DIGESTS: weakref.WeakKeyDictionary[Search, str] = weakref.WeakKeyDictionary()
#: A search made from another by adding stations → that other search.
_GROWN_FROM: weakref.WeakKeyDictionary[Search, weakref.ref[Search]] = (
    weakref.WeakKeyDictionary())


def grown_from(search: Search, base: Search) -> None:
    """Register ``search`` as ``base`` with stations added (their snaps appended).

    Its service areas are then built from ``base``'s where those are kept (see the
    module's note). ``base`` is not kept alive by this.

    Parameters
    ----------
    search
        The search with the added stations: the same network and speeds, the base's
        station snaps first, every node's minutes at most the base's.
    base
        The search without them.
    """
    _GROWN_FROM[search] = weakref.ref(base)


def _digest(search: Search) -> str:
    """What a search's service areas depend on, as a short text: every node's minutes,
    the stations' snaps and the speeds (an analysis with other minutes or what-if
    stations makes a new search with the same content: its bands are not built again)."""
    if search not in _DIGESTS:
        st = search.stations
        _DIGESTS[search] = array_digest(
            search.node_minutes, st.edge, st.along_m, st.distance_m,
            np.array([search.speed_m_per_min, search.walk_speed_m_per_min]))
    return _DIGESTS[search]


def _changed_edges(base: Search, search: Search) -> np.ndarray | None:
    """The edges whose covered pieces may differ between ``base`` and ``search`` (grown
    from it): an end's minutes changed, or a new station on it; ``None`` if ``search``
    is not ``base`` with stations added."""
    net = search.network
    n_old = len(base.stations)
    if (base.network is not net or len(search.stations) < n_old
            or base.speed_m_per_min != search.speed_m_per_min
            or base.walk_speed_m_per_min != search.walk_speed_m_per_min
            or not np.array_equal(search.stations.edge[:n_old], base.stations.edge)
            or np.any(search.node_minutes > base.node_minutes)):
        return None
    moved = search.node_minutes != base.node_minutes
    changed = moved[net.u] | moved[net.v]
    new = np.arange(n_old, len(search.stations))
    changed[search.stations.edge[new[search.stations.ok[new]]]] = True
    return changed


def _buffers(network: Network, edge: np.ndarray, a: np.ndarray, c: np.ndarray,
             buffer_m: float, quad_segs: int) -> list[shapely.Geometry]:
    """The buffered edge pieces (joined into lines first)."""
    pieces = edge_pieces(network, edge, a, c)
    if pieces.size == 0:
        return []
    lines = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(pieces)))
    return list(shapely.buffer(lines, buffer_m, quad_segs=quad_segs))


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
    keep = b - a > TOL_M
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
    coords, key, _ = network.vertices()
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

    Each band's shape is kept with the network, by the search's content and the band below
    (a search of the same stations and speeds, e.g. of an analysis with other minutes,
    does not build it again). For a search registered with :func:`grown_from` (stations added to
    a base search), the base's bands are built (or taken as kept) and each is joined
    with the buffered pieces of the edges the new stations changed: the same covered
    streets, joined in another order, so the outline may differ from a build from
    scratch by what the buffers' polygonal arcs round off (under a metre at the default
    40 m and 4 segments per quarter circle; tested).

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
    kept = _SHAPES.setdefault(network, cachetools.LRUCache(_SHAPES_KEPT))
    digest = _digest(search)
    ref = _GROWN_FROM.get(search)
    base = ref() if ref is not None else None
    changed = _changed_edges(base, search) if base is not None else None
    base_digest = _digest(base) if changed is not None else None
    if changed is not None and base is not None:
        # the base's bands first (once): every later what-if on it grows from them
        service_polygons(network, base, bands, buffer_m=buffer_m,
                         fill_holes_m2=fill_holes_m2, quad_segs=quad_segs)
    polys: list[shapely.Geometry] = []
    prev = shapely.Polygon()
    prev_full = np.zeros(network.n_edges, dtype=bool)
    lower = None
    for b in bands:
        key = (b, lower, float(buffer_m), float(fill_holes_m2), int(quad_segs))
        edge, a, c, full = _covered_pieces(search, b)
        if (digest, key) in kept:
            shape = kept[(digest, key)]  # (reading it makes it the most recently used)
        else:
            if changed is not None and (base_digest, key) in kept:
                # the base's band and the pieces of the edges the new stations changed
                # that the base's band did not cover whole
                assert base is not None
                sel = changed[edge] & ~_covered_pieces(base, b)[3][edge]
                before = kept[(base_digest, key)]  # the base's stay while used
                parts = [before] if not shapely.is_empty(before) else []
            else:
                # the band below and the pieces of the edges it did not cover whole
                sel = ~prev_full[edge]
                parts = [prev] if not shapely.is_empty(prev) else []
            parts += _buffers(network, edge[sel], a[sel], c[sel], buffer_m, quad_segs)
            shape = shapely.union_all(parts) if parts else shapely.Polygon()
            shape = fill_holes(shape, fill_holes_m2)
            kept[(digest, key)] = shape
        polys.append(shape)
        prev, prev_full, lower = shape, full, b
    out = np.array(polys, dtype=object)
    if area is not None:
        out = shapely.intersection(out, area)
    return gpd.GeoDataFrame({"minutes": bands}, geometry=out, crs=network.crs)

