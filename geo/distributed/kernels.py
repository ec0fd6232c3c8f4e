"""The per-partition computations that run on Dask workers.

Each one calls the same functions as the local engine
(:func:`geo.reach.nearest`, :func:`geo.network.snap`, ``station_search``,
``travel_times``, ``second_minutes``) on a partition's points and the stations
(or streets) within its margin, then marks the points whose answer is not
*provably* the one the whole input gives; those are recomputed against all
stations (straight line, in the same task) or, on the street network, on wider
clips and at last on the whole network (:meth:`geo.distributed.engine._NetworkContext.settle`).
So every point's minutes, nearest station and unique flag are those of the local
engine; only where two stations are at exactly the same distance from a point
may the other one of the pair be named.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from geo import reach
from geo.distributed.partition import PortableNetwork, SubNetwork, bbox, grow, in_box
from geo.network import (
    WALK_SPEED_M_PER_MIN,
    Snap,
    coverage_on_network,
    nearest_on_network,
    snap,
)
from geo.network.search import tied_snaps
from geo.reach import minutes_per_metre
from geo.settings import Settings

__all__ = [
    "NetworkOut",
    "NetworkPart",
    "PointsOut",
    "euclidean_part",
    "hold",
    "network_part",
    "network_part_for",
    "network_whole",
    "partition_task",
    "settle_task",
]


@dataclass(eq=False)
class PointsOut:
    """Per point of a partition: what :class:`geo.coverage.KernelOutput` holds.

    Attributes
    ----------
    minutes, nearest, unique
        As :class:`geo.coverage.KernelOutput` (``nearest`` among all used stations).
    redone
        Points recomputed against all stations (for the benchmark's statistics).
    seconds
        Time the partition's task took on its worker.
    """

    minutes: np.ndarray
    nearest: np.ndarray
    unique: np.ndarray
    redone: int = 0
    seconds: float = 0.0


def euclidean_part(
    x: np.ndarray,
    y: np.ndarray,
    stations: tuple[np.ndarray, np.ndarray],
    settings: Settings,
    margin_m: float,
) -> PointsOut:
    """Straight-line minutes of a partition's points (metres in the analysis CRS).

    Parameters
    ----------
    x, y
        The partition's demand points.
    stations
        ``(sx, sy)`` of every used station.
    settings
        The analysis parameters.
    margin_m
        :func:`geo.distributed.partition.euclidean_margin_m`.

    Returns
    -------
    PointsOut
    """
    sx, sy = stations
    if x.size == 0:
        return PointsOut(np.zeros(0), np.zeros(0, "int64"), np.zeros(0, bool))
    sel = np.flatnonzero(in_box(sx, sy, grow(bbox(x, y), margin_m)))
    minutes, pos, unique = reach.nearest(sx[sel], sy[sel], x, y, settings)
    nearest = np.where(pos >= 0, sel[np.maximum(pos, 0)] if sel.size else -1, -1)
    # Exact where the nearest found is within the margin: every station outside the
    # grown box is farther than the margin from every point of the box.
    per_m = minutes_per_metre(settings)
    exact = minutes <= margin_m * per_m * (1 - 1e-9)
    redo = np.flatnonzero(~exact)
    if redo.size:
        m2, p2, u2 = reach.nearest(sx, sy, x[redo], y[redo], settings)
        minutes[redo], nearest[redo], unique[redo] = m2, p2, u2
    return PointsOut(minutes, nearest.astype("int64"), unique, int(redo.size))


@dataclass(frozen=True, eq=False)
class NetworkPart:
    """What a partition needs of the street network.

    Attributes
    ----------
    sub
        The clipped network (:func:`geo.distributed.partition.clip_network`).
    station_pos
        Positions (among the used stations) of the stations on its edges.
    station_snap
        Their snaps onto the whole network, with edges renumbered to ``sub``.
    eligible
        Per edge of ``sub``: whether demand points may snap to it, decided on the
        whole network (:func:`geo.network.eligible_edges` with all stations): a clip
        cuts pieces of the network apart, so its own pieces must not decide.
    fallback
        Per edge of ``sub``: whether demand points may snap to it when no eligible edge
        is within the snap limit (:func:`geo.network.snap`), decided on the whole network.
    """

    sub: SubNetwork
    station_pos: np.ndarray
    station_snap: Snap
    eligible: np.ndarray
    fallback: np.ndarray


def network_part_for(
    sub: SubNetwork, stations: Snap, eligible: np.ndarray, fallback: np.ndarray
) -> NetworkPart:
    """Select the stations (snapped onto the whole network) whose edge is in ``sub``, and
    the demand points' eligible and fallback edges (one per edge of the whole network)."""
    on = np.flatnonzero(stations.ok)
    keep = on[np.isin(stations.edge[on], sub.edges)]
    snap_sub = Snap(
        np.searchsorted(sub.edges, stations.edge[keep]),
        stations.along_m[keep],
        stations.distance_m[keep],
        stations.max_distance_m,
    )
    return NetworkPart(sub, keep, snap_sub, np.asarray(eligible, dtype=bool)[sub.edges],
                       np.asarray(fallback, dtype=bool)[sub.edges])


@dataclass(eq=False)
class NetworkOut:
    """Per point of a partition: the street-network answer and whether it is exact.

    Attributes
    ----------
    minutes, nearest, status, unique
        As :class:`geo.network.NetworkCoverage` (``nearest`` among used stations).
    edge, along_m, distance_m, skipped_edge
        The point's snap onto the whole network (edge positions in the whole network;
        ``skipped_edge`` as :attr:`geo.network.Snap.skipped_edge`, -1 for none).
    exact
        Whether the answer is provably the whole network's (else recomputed).
    tied
        Whether the point's nearest street is tied with another (the whole
        network's index decides which one it snaps to).
    """

    minutes: np.ndarray
    nearest: np.ndarray
    status: np.ndarray
    unique: np.ndarray
    edge: np.ndarray
    along_m: np.ndarray
    distance_m: np.ndarray
    skipped_edge: np.ndarray
    exact: np.ndarray
    tied: np.ndarray


def network_part(
    px: np.ndarray,
    py: np.ndarray,
    part: NetworkPart,
    settings: Settings,
    snap_limit_m: float,
    horizon_min: float,
    *,
    need_unique: bool = True,
    snaps: Snap | None = None,
) -> NetworkOut:
    """Street-network minutes of a partition's points on its clipped network.

    Mirrors :func:`geo.network.coverage_on_network` step by step. A point's answer is
    exact when it is off the network (no street within the snap limit: all such
    streets are in the clip), or reached within ``horizon_min`` (its whole path is
    in the clip, see :func:`geo.distributed.partition.network_margin_m`), and its
    nearest street is not tied with another one.

    Parameters
    ----------
    px, py
        The points in the network's CRS.
    part
        The clipped network and its stations.
    settings
        The analysis parameters.
    snap_limit_m
        The snap limit.
    horizon_min
        Minutes within which answers are exact.
    need_unique
        ``False`` for points known to be uncovered (the second-nearest search is
        skipped; ``unique`` is false).
    snaps
        The points' snaps onto the whole network, when already known (edges numbered
        in the whole network; every such edge is in the clip, as the margin exceeds
        the snap limit). ``None`` snaps the points onto the clip.

    Returns
    -------
    NetworkOut
    """
    net = part.sub.network
    speed, budget = settings.speed_m_per_min, settings.minutes
    if snaps is None:
        pt = snap(net, px, py, max_distance_m=snap_limit_m, eligible=part.eligible,
                  fallback=part.fallback)
    else:
        pt = _in_clip(part, snaps)
    _, tt, unique = nearest_on_network(
        net, part.station_snap, pt, speed, budget, need_unique=need_unique
    )
    exact = (tt.status == "off_network") | ((tt.status == "ok") & (tt.minutes <= horizon_min))
    if snaps is None:
        tied = tied_snaps(net, px, py, pt, eligible=part.eligible)
    else:
        tied = np.zeros(px.size, dtype=bool)
    exact &= ~tied
    nearest = np.where(tt.nearest >= 0, part.station_pos[np.maximum(tt.nearest, 0)], -1)
    if part.station_pos.size == 0:
        nearest = np.full(px.size, -1, dtype="int64")
    edge = _to_whole(part, pt.edge)
    # the edges passed over, numbered in the whole network
    skipped = _skipped_of(snaps) if snaps is not None else _to_whole(part, _skipped_of(pt))
    return NetworkOut(
        tt.minutes, nearest, tt.status, unique, edge, pt.along_m, pt.distance_m, skipped,
        exact, tied,
    )


def _to_whole(part: NetworkPart, edge: np.ndarray) -> np.ndarray:
    """Edge positions in the clip → in the whole network (-1 stays -1)."""
    if part.sub.edges.size == 0:
        return np.full(edge.size, -1, dtype="int64")
    return np.where(edge >= 0, part.sub.edges[np.maximum(edge, 0)], -1)


def _skipped_of(snaps: Snap) -> np.ndarray:
    if snaps.skipped_edge is None:
        return np.full(len(snaps), -1, dtype="int64")
    return np.asarray(snaps.skipped_edge, dtype="int64")


def _in_clip(part: NetworkPart, snaps: Snap) -> Snap:
    """Snaps onto the whole network, with their edges renumbered to the clip."""
    edges = part.sub.edges
    on = snaps.edge >= 0
    pos = np.searchsorted(edges, snaps.edge[on])
    if not np.array_equal(edges[np.minimum(pos, max(edges.size - 1, 0))], snaps.edge[on]):
        raise AssertionError("a snapped edge is missing from its clip (margin too small)")
    edge = np.full(snaps.edge.size, -1, dtype="int64")
    edge[on] = pos
    return Snap(edge, snaps.along_m, snaps.distance_m, snaps.max_distance_m)


def settle_task(
    px: np.ndarray,
    py: np.ndarray,
    part: NetworkPart,
    settings: Settings,
    snap_limit_m: float,
    horizon_min: float,
    snaps: Snap,
    need_unique: bool,
) -> NetworkOut:
    """Points answered again on another clip, with their snaps onto the whole network."""
    return network_part(
        px, py, part, settings, snap_limit_m, horizon_min, need_unique=need_unique, snaps=snaps
    )


def network_whole(
    network: PortableNetwork,
    station_lon: np.ndarray,
    station_lat: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    settings: Settings,
    snap_limit_m: float,
) -> NetworkOut:
    """The points no partition could answer exactly, on the whole network (sent wrapped).

    Every per-point step of :func:`geo.network.coverage_on_network` depends only on
    the point (the searches depend only on the stations), so running it for some
    of the points gives those points' answers of a run with all of them.
    """
    cov = coverage_on_network(
        network.network,
        station_lon,
        station_lat,
        lon,
        lat,
        mode=settings.mode,
        speed_m_per_min=settings.speed_m_per_min,
        minutes=settings.minutes,
        walk_speed_m_per_min=WALK_SPEED_M_PER_MIN,
        snap_limit_m=snap_limit_m,
    )
    p = cov.points
    return NetworkOut(
        cov.minutes,
        cov.nearest,
        cov.status,
        cov.unique,
        p.edge,
        p.along_m,
        p.distance_m,
        _skipped_of(p),
        np.ones(p.edge.size, dtype=bool),
        np.zeros(p.edge.size, dtype=bool),
    )


def partition_task(
    x: np.ndarray,
    y: np.ndarray,
    stations: tuple[np.ndarray, np.ndarray],
    settings: Settings,
    margin_m: float,
    network: tuple[np.ndarray, np.ndarray, NetworkPart, float, float] | None = None,
) -> tuple[PointsOut, NetworkOut | None]:
    """One partition: straight-line minutes, and street-network ones when asked.

    Parameters
    ----------
    x, y, stations, settings, margin_m
        As :func:`euclidean_part`.
    network
        ``(px, py, part, snap_limit_m, horizon_min)`` for :func:`network_part`.

    Returns
    -------
    tuple
        :class:`PointsOut` and :class:`NetworkOut` (or ``None``).
    """
    t0 = time.perf_counter()
    straight = euclidean_part(x, y, stations, settings, margin_m)
    net_out = None
    if network is not None:
        px, py, part, snap_limit_m, horizon = network
        net_out = network_part(px, py, part, settings, snap_limit_m, horizon)
    straight.seconds = time.perf_counter() - t0
    return straight, net_out


def hold(value: object) -> object:
    """Return the value: a task whose result many tasks share (recomputable if lost)."""
    return value

