"""The nearest street segment of many points at once, without one GEOS call per point.

:func:`geo.network.snap` asks, for every point, which edge is nearest and where on it
the point projects. GEOS's ``STRtree.query_nearest`` answers one point at a time
(about 10 µs each); here the answer comes from numpy over small candidate lists:

* :class:`Segments` — every straight segment of every edge geometry, in edge order
  (then in the order along the edge), with what GEOS needs to locate a point on it.
* :class:`SegmentIndex` — a quadtree over a set of segments whose leaves list the
  only segments that can be nearest to any point inside them. A cell of half-size
  ``h`` centred at ``c`` whose nearest segment is ``d(c)`` away needs only the
  segments within ``d(c) + 2·√2·h`` of ``c`` (a point ``p`` of the cell is at most
  ``d(c) + √2·h`` from a street, and its nearest segment is then at most that plus
  ``√2·h`` from ``c``). Cells are split, level by level for all cells at once, until
  a list holds at most :data:`LEAF_SEGMENTS` segments (or the cells are
  :data:`MIN_CELL_M` small). A point finds its leaf by its Morton code (one
  ``searchsorted``); its candidates' distances are computed with GEOS's own formula
  (:func:`point_segment_distance`, bit for bit what ``shapely.distance`` gives).
* **Ties**: of the segments at exactly the same least distance, the first in edge
  order wins — the edge with the lowest index, then its first such segment (as
  GEOS's ``line_locate_point`` takes the first). Equal distances are common: a point
  whose nearest street point is a node shared by two edges. The result no longer
  depends on how a spatial index happened to visit the edges.
* :func:`locate` — where the point projects on its edge, as ``line_locate_point``
  (GEOS's ``LengthIndexedLine.project``) computes it, bit for bit.

Points outside the quadtree's square (far beyond the streets) are answered by the
edges' ``STRtree``, then measured with the same formula.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo.network.model import Network

log = logging.getLogger(__name__)

__all__ = [
    "FAR_RATIO",
    "FAR_RATIO_LARGE",
    "INDEX_CACHE",
    "INDEX_FORMAT",
    "KEPT_INDEXES",
    "LARGE_INDEX",
    "LEAF_SEGMENTS",
    "LEAF_SEGMENTS_LARGE",
    "MARGIN",
    "MIN_CELL_M",
    "SegmentIndex",
    "Segments",
    "locate",
    "nearest_segments",
    "network_segments",
    "point_segment_distance",
    "segment_index",
    "segments_of",
    "segments_of_coordinates",
]

#: A quadtree cell is split while it lists more candidate segments than this.
LEAF_SEGMENTS = 10
#: From this many segments on, the quadtree is built coarser (:data:`LEAF_SEGMENTS_LARGE`,
#: :data:`FAR_RATIO_LARGE`): its build, not the queries, is then most of a first
#: analysis. Measured (2 cores): the generated city's 397,090 segments build in 1.0 s
#: instead of 1.6 s and a million points query in 0.36 s instead of 0.32 s; Helsinki's
#: 6,874 segments keep the finer tree, whose 100,000-point query takes 0.05 s against 0.075 s.
LARGE_INDEX = 100_000
#: The format of a quadtree kept on disk (:meth:`SegmentIndex.write`): raise it with any
#: change to how a quadtree is built, so that a kept one is always the one built.
INDEX_FORMAT = 1
#: The network's memo entry naming where its quadtrees are kept (``None`` or missing: not
#: kept), set by :func:`geo.network.load.load_network` to its cache file without suffix.
INDEX_CACHE = "index_cache"
LEAF_SEGMENTS_LARGE = 20
#: Cells are not split below this side (metres), whatever their list.
MIN_CELL_M = 2.0
#: Quadtrees of edge subsets (``eligible`` masks) kept per network.
KEPT_INDEXES = 4
#: Extra metres kept in every candidate test, far above floating-point error.
_SLACK_M = 1e-6
#: The quadtree's square reaches this far beyond the segments' extent (share of its side).
MARGIN = 0.25
#: A cell farther from every segment than this many times its half-side is not split:
#: far from the streets (water, fields) short lists would need tiny cells.
FAR_RATIO = 6.0
FAR_RATIO_LARGE = 2.0
#: Deepest quadtree level (Morton codes of two 31-bit cell numbers fit in 62 bits).
_MAX_DEPTH = 31
#: (cell, segment) pairs handled at once while building: large enough for numpy to work
#: without the GIL most of the time, so that :data:`THREADS` pieces run at once.
_CHUNK = 1 << 17
#: Points whose candidates are measured at once by :func:`nearest_segments` (one block
#: per thread: the peak memory is that of ``THREADS`` blocks).
_POINTS_AT_ONCE = 1 << 15
#: Threads that build a quadtree's level and measure blocks of points at once (numpy
#: releases the GIL inside its array operations).
THREADS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True, eq=False)
class Segments:
    """Every straight segment of a network's edge geometries, in edge order.

    Attributes
    ----------
    ax, ay, bx, by
        Start and end of each segment (the network's CRS, metres).
    edge
        The edge of each segment; segments of one edge are consecutive, in order.
    start_m
        Where each segment starts along its edge, summed as GEOS sums it.
    length
        Each segment's length (as GEOS's ``LineSegment.getLength``).
    edge_length
        Each edge geometry's length (``shapely.length``).
    first
        ``first[e]:first[e + 1]`` are the segments of edge ``e``.
    dx, dy, inv
        ``b - a`` and ``1 / |b - a|²`` (0 for a segment of one point).
    """

    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray
    edge: np.ndarray
    start_m: np.ndarray
    length: np.ndarray
    edge_length: np.ndarray
    first: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    inv: np.ndarray

    @property
    def n(self) -> int:
        """Number of segments."""
        return int(self.edge.size)


def segments_of(geometry: np.ndarray) -> Segments:
    """The straight segments of line geometries (LineString or MultiLineString).

    Parameters
    ----------
    geometry
        One line geometry per edge.

    Returns
    -------
    Segments
    """
    geometry = np.asarray(geometry, dtype=object)
    parts, part_edge = shapely.get_parts(geometry, return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    return segments_of_coordinates(coords, part, part_edge, shapely.length(geometry))


def segments_of_coordinates(
    coords: np.ndarray, part: np.ndarray, part_edge: np.ndarray, edge_length: np.ndarray
) -> Segments:
    """:func:`segments_of` from the lines' vertices (e.g. as a network's cache keeps them),
    without making or taking apart geometries.

    Parameters
    ----------
    coords
        The vertices, ``(n, 2)``, line part after line part, in order along each.
    part
        The line part of each vertex (ascending).
    part_edge
        The edge of each line part (ascending).
    edge_length
        Each edge geometry's length (``shapely.length``).

    Returns
    -------
    Segments
    """
    same = part[1:] == part[:-1]  # consecutive vertices of one part make a segment
    a = np.flatnonzero(same)
    edge = part_edge[part[a]].astype("int64")
    ax, ay = coords[a, 0].copy(), coords[a, 1].copy()
    bx, by = coords[a + 1, 0].copy(), coords[a + 1, 1].copy()
    dx, dy = ax - bx, ay - by
    length = np.sqrt(dx * dx + dy * dy)
    first = np.searchsorted(edge, np.arange(edge_length.size + 1))
    # GEOS adds the segment lengths one after another from 0 at each edge's start:
    # a sum per rank along the edge (as many steps as the longest edge has segments)
    rank = np.arange(edge.size) - first[edge]
    start = np.zeros(edge.size)
    for r in range(1, int(rank.max()) + 1 if rank.size else 0):
        at = np.flatnonzero(rank == r)
        start[at] = start[at - 1] + length[at - 1]
    ex, ey = bx - ax, by - ay
    len2 = ex * ex + ey * ey
    inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)
    return Segments(ax, ay, bx, by, edge, start, length, edge_length, first, ex, ey, inv)


def point_segment_distance(
    px: np.ndarray, py: np.ndarray, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray,
    by: np.ndarray,
) -> np.ndarray:
    """Distance from points to segments, by GEOS's ``Distance::pointToSegment``.

    The same operations in the same order, so the result equals GEOS's (and
    ``shapely.distance``'s) bit for bit.

    Parameters
    ----------
    px, py
        The points.
    ax, ay, bx, by
        The segments' ends (arrays broadcasting with the points).

    Returns
    -------
    numpy.ndarray
        Distances.
    """
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        r = ((px - ax) * dx + (py - ay) * dy) / len2
        s = ((ay - py) * dx - (ax - px) * dy) / len2
    ux, uy = px - ax, py - ay
    vx, vy = px - bx, py - by
    to_a = np.sqrt(ux * ux + uy * uy)
    out = np.abs(s) * np.sqrt(len2)
    out = np.where(r >= 1.0, np.sqrt(vx * vx + vy * vy), out)
    # r <= 0, and a segment of one point (r is NaN there)
    return np.where((r <= 0.0) | ((ax == bx) & (ay == by)), to_a, out)


def locate(seg: Segments, s: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Where points project on their edges, as a share of the edge's length.

    GEOS's ``LengthIndexedLine.project`` (``shapely.line_locate_point(...,
    normalized=True)``) on the segment ``s`` that is nearest to each point: the
    segment's start plus its projection factor (clamped to the segment) times its
    length, divided by the edge's length — bit for bit.

    Parameters
    ----------
    seg
        The segments.
    s
        The nearest segment of each point (the first of equals along the edge).
    px, py
        The points.

    Returns
    -------
    numpy.ndarray
        Shares of the edge length (``NaN`` for an edge of length 0).
    """
    ax, ay, bx, by = seg.ax[s], seg.ay[s], seg.bx[s], seg.by[s]
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        f = ((px - ax) * dx + (py - ay) * dy) / len2
    f = np.where((px == ax) & (py == ay), 0.0, np.where((px == bx) & (py == by), 1.0, f))
    start, length = seg.start_m[s], seg.length[s]
    measure = np.where(f <= 0.0, start, np.where(f <= 1.0, start + f * length, start + length))
    with np.errstate(invalid="ignore", divide="ignore"):
        return measure / seg.edge_length[seg.edge[s]]


def _morton(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Morton (Z-order) codes of cell numbers below 2**31: the bits of x and y interleaved."""

    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint64)
        for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF),
                            (4, 0x0F0F0F0F0F0F0F0F), (2, 0x3333333333333333),
                            (1, 0x5555555555555555)):
            v = (v | (v << np.uint64(shift))) & np.uint64(mask)
        return v

    return spread(ix) | (spread(iy) << np.uint64(1))


def _build_distance(
    px: np.ndarray, py: np.ndarray, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray,
    by: np.ndarray,
) -> np.ndarray:
    """Point–segment distances for building the index (clamped projection; any error
    far below ``_SLACK_M`` is harmless there)."""
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    t = ((px - ax) * dx + (py - ay) * dy) / np.where(len2 > 0, len2, 1.0)
    np.clip(t, 0.0, 1.0, out=t)
    return np.hypot(ax + t * dx - px, ay + t * dy - py)


def _children(
    cand: np.ndarray, count: np.ndarray, ix: np.ndarray, iy: np.ndarray, half: float,
    seg_rel: tuple[np.ndarray, ...], side: float,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Split cells (of half-size ``half``, lists ``cand`` by ``count``) into four children
    each: per child quadrant ``k`` (bit 0: east, bit 1: north), the children's lists,
    their lengths and the distance from each child's centre to its nearest segment."""
    sx, sy, dx, dy, inv = seg_rel
    starts = np.cumsum(count) - count
    parent = np.repeat(np.arange(count.size, dtype=np.int32), count)
    # from each segment's start to its cell's centre, and the projection there
    rx = (ix * (2.0 * half) + half)[parent]
    rx -= sx[cand]
    ry = (iy * (2.0 * half) + half)[parent]
    ry -= sy[cand]
    ddx, ddy, dinv = dx[cand], dy[cand], inv[cand]
    q = 0.5 * half  # children's centres are q from the parent's in x and y
    a = ddx * dinv
    a *= q
    b = ddy * dinv
    b *= q
    t0 = rx * ddx
    t0 += ry * ddy
    t0 *= dinv
    t, ex, ey = np.empty_like(t0), np.empty_like(t0), np.empty_like(t0)
    out = []
    for k in range(4):
        ox, oy = (q if k & 1 else -q), (q if k & 2 else -q)
        # the projection of the child's centre, clamped to the segment; from it to the centre
        (np.add if k & 1 else np.subtract)(t0, a, out=t)
        (np.add if k & 2 else np.subtract)(t, b, out=t)
        np.clip(t, 0.0, 1.0, out=t)
        np.multiply(t, ddx, out=ex)
        np.subtract(rx, ex, out=ex)
        ex += ox
        np.multiply(t, ddy, out=ey)
        np.subtract(ry, ey, out=ey)
        ey += oy
        d2 = ex * ex
        np.multiply(ey, ey, out=ey)
        d2 += ey
        near = np.sqrt(np.minimum.reduceat(d2, starts))
        # a child of half-size half/2: its points' nearest segments lie within
        # near + 2·√2·(half/2) of its centre
        bound = near + np.sqrt(2.0) * half + _SLACK_M + 1e-12 * side
        keep = d2 <= (bound * bound)[parent]
        out.append((cand[keep], np.add.reduceat(keep, starts, dtype=np.int64), near))
    return out


@dataclass(frozen=True, eq=False)
class SegmentIndex:
    """A quadtree over some segments: each leaf lists the segments that may be nearest
    to a point inside it.

    Attributes
    ----------
    x0, y0
        The south-west corner of the quadtree's square.
    cell
        The side of the smallest cells (the deepest level), metres.
    depth
        The deepest level (the square's side is ``cell · 2**depth``).
    leaf_start
        Sorted Morton codes (at the deepest level) where each leaf begins.
    first, count
        ``cand[first[i]:first[i] + count[i]]`` are leaf ``i``'s candidates (the lists
        are in the order the levels were built, not in the leaves' order: sorting 8
        million numbers would cost more than the query saves).
    cand
        Candidate segments (positions in :class:`Segments`), ascending within a leaf;
        32-bit integers when the segments are fewer than 2³¹.
    """

    x0: float
    y0: float
    cell: float
    depth: int
    leaf_start: np.ndarray
    first: np.ndarray
    count: np.ndarray
    cand: np.ndarray

    @property
    def n_leaves(self) -> int:
        """Number of leaves."""
        return int(self.leaf_start.size)

    @classmethod
    def build(
        cls,
        seg: Segments,
        which: np.ndarray,
        *,
        leaf_segments: int | None = None,
        min_cell_m: float = MIN_CELL_M,
        far_ratio: float | None = None,
        margin: float = MARGIN,
    ) -> SegmentIndex:
        """The quadtree of some segments.

        Parameters
        ----------
        seg
            All segments.
        which
            The positions of the segments to index (ascending; at least one).
        leaf_segments
            Split a cell while it lists more segments than this (default
            :data:`LEAF_SEGMENTS`, or :data:`LEAF_SEGMENTS_LARGE` from
            :data:`LARGE_INDEX` segments on).
        min_cell_m
            Do not split a cell smaller than this.
        far_ratio
            Do not split a cell farther than this many half-sides from every segment
            (default :data:`FAR_RATIO`, or :data:`FAR_RATIO_LARGE` for a large index).
        margin
            How far the square reaches beyond the segments (share of their extent).

        Returns
        -------
        SegmentIndex
        """
        which = np.asarray(which, dtype="int64")
        large = which.size >= LARGE_INDEX
        if leaf_segments is None:
            leaf_segments = LEAF_SEGMENTS_LARGE if large else LEAF_SEGMENTS
        if far_ratio is None:
            far_ratio = FAR_RATIO_LARGE if large else FAR_RATIO
        ax, ay, bx, by = seg.ax[which], seg.ay[which], seg.bx[which], seg.by[which]
        xmin, xmax = float(min(ax.min(), bx.min())), float(max(ax.max(), bx.max()))
        ymin, ymax = float(min(ay.min(), by.min())), float(max(ay.max(), by.max()))
        side = max(xmax - xmin, ymax - ymin, min_cell_m)
        side *= 1.0 + 2.0 * margin
        depth = int(min(_MAX_DEPTH, max(1, np.ceil(np.log2(side / min_cell_m)))))
        cell = side / 2.0**depth
        x0 = 0.5 * (xmin + xmax) - side / 2.0
        y0 = 0.5 * (ymin + ymax) - side / 2.0
        # segments relative to the square's corner: start, direction, 1 / squared length
        sx, sy = ax - x0, ay - y0
        dx, dy = bx - ax, by - ay
        len2 = dx * dx + dy * dy
        inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)
        seg_rel = (sx, sy, dx, dy, inv)
        # level 0: one cell listing every segment (local positions 0..n-1)
        ix = np.zeros(1, dtype="int64")
        iy = np.zeros(1, dtype="int64")
        count = np.array([which.size], dtype="int64")
        # 32-bit segment numbers where they fit: a city's lists hold millions of them
        small = seg.n < np.iinfo(np.int32).max
        cand = np.arange(which.size, dtype=np.int32 if small else np.int64)
        leaves_code, leaves_count, leaves_cand = [], [], []
        cell_near = np.zeros(1)
        with ThreadPoolExecutor(THREADS) as pool:
            for level in range(depth + 1):
                half = side / 2.0 ** (level + 1)
                leaf = (count <= leaf_segments) | (level == depth) | (cell_near > far_ratio * half)
                if leaf.any():
                    shift = np.uint64(2 * (depth - level))
                    leaves_code.append(_morton(ix[leaf], iy[leaf]) << shift)
                    leaves_count.append(count[leaf])
                    leaves_cand.append(cand[np.repeat(leaf, count)])
                split = np.flatnonzero(~leaf)
                if split.size == 0:
                    break
                if split.size < leaf.size:
                    cand = cand[np.repeat(~leaf, count)]
                    count = count[split]
                ix, iy = ix[split], iy[split]
                parts: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[], [], [], []]
                ends = np.cumsum(count)
                # about _CHUNK (cell, segment) pairs at a time, pieces on several threads
                cuts = np.unique(np.searchsorted(ends, np.arange(0, cand.size, _CHUNK),
                                                 side="right"))
                jobs = [
                    (cand[(int(ends[lo - 1]) if lo else 0) : int(ends[hi - 1])], count[lo:hi],
                     ix[lo:hi], iy[lo:hi], half, seg_rel, side)
                    for lo, hi in zip(cuts, np.append(cuts[1:], split.size), strict=True)
                    if lo != hi
                ]
                for piece in pool.map(lambda job: _children(*job), jobs):
                    for k in range(4):
                        parts[k].append(piece[k])
                cand = np.concatenate([p[0] for k in range(4) for p in parts[k]])
                count = np.concatenate([p[1] for k in range(4) for p in parts[k]])
                cell_near = np.concatenate([p[2] for k in range(4) for p in parts[k]])
                ix = np.concatenate([2 * ix + (k & 1) for k in range(4)])
                iy = np.concatenate([2 * iy + (k >> 1) for k in range(4)])
        code = np.concatenate(leaves_code)
        order = np.argsort(code, kind="stable")
        counts = np.concatenate(leaves_count)
        lists = np.concatenate(leaves_cand)
        if which.size != seg.n:  # local positions to positions in ``seg``
            lists = which[lists].astype(lists.dtype)
        return cls(x0, y0, cell, depth, code[order], (np.cumsum(counts) - counts)[order],
                   counts[order], lists)

    def write(self, path: Path, n_segments: int, n_indexed: int) -> None:
        """Keep the quadtree in a file (written under a temporary name, then renamed).

        Parameters
        ----------
        path
            The file (``.npz``).
        n_segments, n_indexed
            The number of segments, and of those indexed: checked when it is read.
        """
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, x0=self.x0, y0=self.y0, cell=self.cell, depth=self.depth,
                         leaf_start=self.leaf_start, first=self.first, count=self.count,
                         cand=self.cand, n_segments=n_segments, n_indexed=n_indexed,
                         format=INDEX_FORMAT)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def read(cls, path: Path, n_segments: int, n_indexed: int) -> SegmentIndex | None:
        """A quadtree kept by :meth:`write`, or ``None`` when it is of another format or
        of other segments.

        Parameters
        ----------
        path
            The file.
        n_segments, n_indexed
            The number of segments, and of those indexed, it must have been built on.

        Returns
        -------
        SegmentIndex or None
        """
        with np.load(path, allow_pickle=False) as z:
            if (int(z["format"]) != INDEX_FORMAT or int(z["n_segments"]) != n_segments
                    or int(z["n_indexed"]) != n_indexed):
                return None
            return cls(float(z["x0"]), float(z["y0"]), float(z["cell"]), int(z["depth"]),
                       z["leaf_start"], z["first"], z["count"], z["cand"])

    def code_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each point's Morton code at the deepest level, and whether it lies inside the
        quadtree's square (the code is 0 where not, or where not finite)."""
        n = 2**self.depth
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self.x0) / self.cell)
            fy = np.floor((y - self.y0) / self.cell)
        inside = (fx >= 0) & (fx < n) & (fy >= 0) & (fy < n)
        ix = np.where(inside, fx, 0).astype("int64")
        iy = np.where(inside, fy, 0).astype("int64")
        return _morton(ix, iy), inside

    def leaf_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The leaf holding each point, ``-1`` outside the quadtree's square (or not finite)."""
        code, inside = self.code_of(x, y)
        leaf = np.searchsorted(self.leaf_start, code, side="right") - 1
        return np.where(inside, leaf, -1)

    def candidates(self, leaf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (point, segment) pairs to measure: each point with its leaf's list.

        Returns
        -------
        tuple of numpy.ndarray
            Point positions (grouped, in order), segments, and where each point's
            group starts.
        """
        first = self.first[leaf]
        count = self.count[leaf]
        starts = np.cumsum(count) - count
        total = int(count.sum())
        point = np.repeat(np.arange(leaf.size), count)
        segment = self.cand[np.repeat(first - starts, count) + np.arange(total)]
        return point, segment, starts


def _first_nearest(
    seg: Segments, px: np.ndarray, py: np.ndarray, point: np.ndarray, segment: np.ndarray,
    starts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per group of (point, segment) pairs (segments ascending, every group non-empty):
    the first segment at the least distance, and that distance (GEOS's).

    A quick squared distance first; GEOS's formula then only for the segments within
    :data:`_SLACK_M` of the least (the nearest and its ties, far beyond rounding)."""
    qx, qy = px[point], py[point]
    rx, ry = qx - seg.ax[segment], qy - seg.ay[segment]
    dx, dy = seg.dx[segment], seg.dy[segment]
    t = (rx * dx + ry * dy) * seg.inv[segment]
    np.clip(t, 0.0, 1.0, out=t)
    ex, ey = rx - t * dx, ry - t * dy
    d2 = ex * ex + ey * ey
    reach = np.sqrt(np.minimum.reduceat(d2, starts)) + _SLACK_M
    close = np.flatnonzero(d2 <= (reach * reach)[point])
    s, p = segment[close], point[close]
    d = point_segment_distance(qx[close], qy[close], seg.ax[s], seg.ay[s], seg.bx[s], seg.by[s])
    first = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    best = np.minimum.reduceat(d, first)
    at = np.where(d == best[np.cumsum(np.r_[False, p[1:] != p[:-1]])], np.arange(d.size), d.size)
    return s[np.minimum.reduceat(at, first)], best


def nearest_segments(
    seg: Segments,
    index: SegmentIndex,
    x: np.ndarray,
    y: np.ndarray,
    tree: Callable[[], tuple[shapely.STRtree, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """The nearest indexed segment of each point, and its distance.

    Parameters
    ----------
    seg
        All segments.
    index
        The quadtree of the segments that count.
    x, y
        Finite point coordinates.
    tree
        Gives an ``STRtree`` of the edges whose segments ``index`` holds, and their
        positions (asked only for points outside the quadtree's square).

    Returns
    -------
    tuple of numpy.ndarray
        The segment (the first of equals in edge order) and the distance (GEOS's).
    """
    n = x.size
    out_seg = np.full(n, -1, dtype="int64")
    out_d = np.full(n, np.inf)
    if n == 0:
        return out_seg, out_d
    code, inside = index.code_of(x, y)
    # the points in Morton order: neighbours share leaves and segments, so the lookups
    # below stay in the cache (twice as fast on a city's million points, sorting included)
    at = np.flatnonzero(inside)
    order = np.argsort(code[at])
    at = at[order]
    leaf = np.searchsorted(index.leaf_start, code[at], side="right") - 1  # of at's points
    # a block of points at a time: the (point, candidate) pairs of a million points and
    # their temporaries would take about a gigabyte at once

    def block(lo: int) -> None:
        part = at[lo : lo + _POINTS_AT_ONCE]
        point, segment, starts = index.candidates(leaf[lo : lo + _POINTS_AT_ONCE])
        out_seg[part], out_d[part] = _first_nearest(seg, x[part], y[part], point, segment,
                                                    starts)

    blocks = range(0, at.size, _POINTS_AT_ONCE)
    if len(blocks) == 1 or THREADS == 1:
        for lo in blocks:
            block(lo)
    else:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(block, blocks))
    far = np.flatnonzero(~inside)
    if far.size == 0:
        return out_seg, out_d
    out_seg[far], out_d[far] = nearest_by_tree(seg, x[far], y[far], tree)
    return out_seg, out_d


def nearest_by_tree(
    seg: Segments,
    x: np.ndarray,
    y: np.ndarray,
    tree: Callable[[], tuple[shapely.STRtree, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest_segments` without the quadtree: the edges at GEOS's least distance
    from an ``STRtree`` of edges, then their segments, with the same tie rule.

    Used for points outside the quadtree's square, and for a few points on a network
    whose quadtree is not built yet (building it costs more than their queries).

    Parameters
    ----------
    seg
        All segments.
    x, y
        Finite point coordinates.
    tree
        Gives an ``STRtree`` of the edges that count, and their positions.

    Returns
    -------
    tuple of numpy.ndarray
        The segment (the first of equals in edge order) and the distance (GEOS's);
        ``-1`` and ``inf`` where the tree holds no edge.
    """
    out_seg = np.full(x.size, -1, dtype="int64")
    out_d = np.full(x.size, np.inf)
    if x.size == 0:
        return out_seg, out_d
    strtree, tree_edges = tree()
    (pi, ei), _ = strtree.query_nearest(shapely.points(x, y), return_distance=True,
                                     all_matches=True)
    edge = tree_edges[ei]
    count = seg.first[edge + 1] - seg.first[edge]
    order = np.lexsort((edge, pi))
    pi, edge, count = pi[order], edge[order], count[order]
    total = int(count.sum())
    if total == 0:
        return out_seg, out_d
    point = np.repeat(pi, count)
    segment = np.repeat(seg.first[edge] - (np.cumsum(count) - count), count) + np.arange(total)
    starts = np.flatnonzero(np.r_[True, point[1:] != point[:-1]])
    s, d = _first_nearest(seg, x, y, point, segment, starts)
    got = point[starts]
    out_seg[got], out_d[got] = s, d
    return out_seg, out_d


def network_segments(network: Network) -> Segments:
    """The segments of a network's edges (kept on the network).

    Parameters
    ----------
    network
        The street network.

    Returns
    -------
    Segments
    """
    memo = network._memo
    if "segments" not in memo:
        memo["segments"] = segments_of(network.geometry)
    return memo["segments"]


def has_segment_index(network: Network, key: str) -> bool:
    """Whether :func:`segment_index` of ``key`` is built and kept on the network."""
    return "segment_index:" + key in network._memo


def segment_index(network: Network, edges: np.ndarray, key: str) -> SegmentIndex | None:
    """The quadtree of the segments of some of a network's edges (kept on the network,
    :data:`KEPT_INDEXES` of them besides the one of every edge).

    Parameters
    ----------
    network
        The street network.
    edges
        Boolean per edge: the edges that count.
    key
        A name for this set of edges in the network's memo (``"all"`` for every edge).

    Returns
    -------
    SegmentIndex or None
        ``None`` when none of these edges has a segment.
    """
    memo = network._memo
    name = "segment_index:" + key
    if name not in memo:
        if key != "all":
            old = [k for k in memo if k.startswith("segment_index:") and k != "segment_index:all"]
            for k in old[: max(0, len(old) - KEPT_INDEXES + 1)]:
                del memo[k]
        seg = network_segments(network)
        which = np.flatnonzero(np.asarray(edges, dtype=bool)[seg.edge])
        memo[name] = _kept_or_built(network, seg, which, key) if which.size else None
    return memo[name]


def _kept_or_built(network: Network, seg: Segments, which: np.ndarray, key: str) -> SegmentIndex:
    """The quadtree of ``which``: read from beside the network's cache file when it was
    kept there, else built (and a large one kept there for the next process)."""
    base = network._memo.get(INDEX_CACHE)
    path = None
    if base is not None and which.size >= LARGE_INDEX:
        path = Path(f"{base}.index-{key}-q{INDEX_FORMAT}.npz")
        if path.is_file():
            try:
                kept = SegmentIndex.read(path, seg.n, which.size)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                log.warning("street index %s unreadable (%s); building it again", path, exc)
            else:
                if kept is not None:
                    return kept
    index = SegmentIndex.build(seg, which)
    if path is not None:
        try:
            index.write(path, seg.n, which.size)
        except OSError as exc:  # a read-only or full cache: the index is built each time
            log.warning("could not keep the street index %s: %s", path, exc)
    return index
