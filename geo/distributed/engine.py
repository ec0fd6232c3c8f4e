"""The Dask engine of :func:`geo.analyze`: the per-point kernel, partitioned spatially.

``analyze(..., engine="dask")`` prepares the demand and the stations exactly as
the local engine does, hands the per-point kernel to :class:`DaskEngine`, and
builds the result from what it returns with the same code: so the per-grid
table, gaps (made from all cells at once, so a gap across partition borders is
one gap), station table and summary are the local engine's by construction.

The engine cuts the demand into ``k`` rectangles of equal point count
(:func:`geo.distributed.partition.kd_partitions`); each partition is one Dask
task with its points, the stations within its margin (straight line: all used
stations travel once, as a shared task, and each partition clips them) and, for
the street-network method, the streets within its margin (clipped here, so a
worker never holds the whole network). Points a partition cannot answer exactly
are answered again (:mod:`geo.distributed.kernels`); on the street network these
are uncovered points only, settled on wider clips, and the few left (ties between
two nearest streets, one-way dead ends) on the whole network in one task.

Data travels inside the tasks (never ``client.scatter``): a task whose worker is
lost is simply run again elsewhere by Dask, inputs included.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyproj import Transformer

from geo.coverage import KernelInput, KernelOutput
from geo.distributed.cluster import (
    ProgressArg,
    announce,
    dask_client,
    default_workers,
    wait_all,
)
from geo.distributed.kernels import (
    NetworkOut,
    PointsOut,
    hold,
    network_part_for,
    network_whole,
    partition_task,
    settle_task,
)
from geo.distributed.partition import (
    PortableNetwork,
    bbox,
    clip_network,
    contains,
    euclidean_margin_m,
    grow,
    horizon_minutes,
    kd_partitions,
    network_margin_m,
    reach_margin_m,
)
from geo.errors import SettingsError
from geo.network import (
    WALK_SPEED_M_PER_MIN,
    Network,
    NetworkCoverage,
    Snap,
    load_network,
    network_type_of,
    snap,
    station_search,
)
from geo.network.search import eligible_edges

__all__ = ["POINTS_PER_PARTITION", "DaskEngine", "default_partitions", "run_kernel"]

log = logging.getLogger("geo")

#: Most demand points per partition when the number of partitions is not given.
POINTS_PER_PARTITION = 250_000
#: Task payloads are our data, sent on purpose: Dask's "large graph" hint does not apply.
_DASK_CONFIG = {"distributed.admin.large-graph-warning-threshold": "2GB"}


@dataclass
class DaskEngine:
    """Run the per-point kernel of :func:`geo.analyze` on a Dask cluster.

    Parameters
    ----------
    scheduler
        ``None`` (the active client, else a local cluster for the call), a
        scheduler address or a ``distributed.Client``; see
        :func:`geo.distributed.cluster.dask_client`.
    partitions
        Number of spatial partitions (default: one per worker thread, and at most
        :data:`POINTS_PER_PARTITION` points each).
    n_workers
        Worker processes of a local cluster (default: one per CPU, at most
        ``partitions``).
    processes
        ``False`` runs a local cluster's workers as threads of this process.
    progress
        ``True`` for a bar on stderr, or a ``progress(done, total)`` callable.

    Attributes
    ----------
    stats
        After a call: ``partitions``, ``points`` (per partition), ``seconds`` (per
        partition task), ``redone`` (points recomputed against all stations),
        ``whole_network`` (points recomputed on the whole network), ``wall_s``.
    """

    scheduler: Any = None
    partitions: int | None = None
    n_workers: int | None = None
    processes: bool = True
    progress: ProgressArg = None
    stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.partitions is not None and (
            not isinstance(self.partitions, int | np.integer) or self.partitions < 1
        ):
            raise SettingsError(f"partitions must be a whole number ≥ 1, not {self.partitions!r}")

    def __call__(self, job: KernelInput) -> KernelOutput:
        """Compute the kernel for ``job`` on the cluster (see :class:`KernelInput`)."""
        workers = self.n_workers or default_workers(self.partitions)
        with dask_client(self.scheduler, n_workers=workers, processes=self.processes) as client:
            return run_kernel(
                client, job, partitions=self.partitions, progress=self.progress, stats=self.stats
            )


def default_partitions(n_points: int, client: Any) -> int:
    """One partition per worker thread, more when that would exceed the size limit."""
    threads = sum(client.nthreads().values()) or 1
    return max(threads, math.ceil(n_points / POINTS_PER_PARTITION))


def run_kernel(
    client: Any,
    job: KernelInput,
    *,
    partitions: int | None = None,
    progress: ProgressArg = None,
    stats: dict[str, Any] | None = None,
) -> KernelOutput:
    """The kernel of ``job``, partitioned spatially, on ``client``'s cluster.

    Parameters
    ----------
    client
        A ``distributed.Client``.
    job
        The prepared demand and used stations.
    partitions
        Number of partitions (see :func:`default_partitions`).
    progress
        As :func:`geo.distributed.cluster.wait_all`.
    stats
        A dict to fill with the run's statistics (see :class:`DaskEngine`).

    Returns
    -------
    KernelOutput
        The local engine's output for the same input.
    """
    import dask

    t0 = time.perf_counter()
    stats = {} if stats is None else stats
    settings = job.settings
    net_ctx = _network_context(job) if settings.method == "network" else None
    parts = kd_partitions(job.x, job.y, partitions or default_partitions(job.x.size, client))
    announce(client, f"{len(parts)} partition(s) of {job.x.size:,} points")
    with dask.config.set(_DASK_CONFIG):
        stations = client.submit(hold, (job.sx, job.sy), pure=False)
        futures = [
            client.submit(
                partition_task,
                job.x[idx],
                job.y[idx],
                stations,
                settings,
                euclidean_margin_m(settings),
                None if net_ctx is None else net_ctx.task_arg(idx),
                pure=False,
            )
            for idx in parts
        ]
        results = wait_all(futures, progress=progress, label="partitions")
        straight = _merge_points(job.x.size, parts, [r[0] for r in results])
        stats.update(
            partitions=len(parts),
            points=[int(idx.size) for idx in parts],
            seconds=[r[0].seconds for r in results],
            redone=sum(r[0].redone for r in results),
            tied=0,
            stationless=0,
            wider=0,
            whole_network=0,
        )
        if net_ctx is None:
            stats["wall_s"] = time.perf_counter() - t0
            return KernelOutput(straight.minutes, straight.nearest, straight.unique)
        net_out = _merge_network(job.x.size, parts, [r[1] for r in results])
        stats.update(net_ctx.settle(client, net_out, parts, job))
    stats["wall_s"] = time.perf_counter() - t0
    cov = net_ctx.coverage(net_out, job, straight.minutes)
    return KernelOutput(cov.minutes, cov.nearest, cov.unique, cov)


def _merge_points(n: int, parts: list[np.ndarray], outs: list[PointsOut]) -> PointsOut:
    minutes = np.full(n, np.nan)
    nearest = np.full(n, -1, dtype="int64")
    unique = np.zeros(n, dtype=bool)
    for idx, out in zip(parts, outs, strict=True):
        minutes[idx], nearest[idx], unique[idx] = out.minutes, out.nearest, out.unique
    return PointsOut(minutes, nearest, unique)


def _merge_network(n: int, parts: list[np.ndarray], outs: list[NetworkOut | None]) -> NetworkOut:
    merged = NetworkOut(
        minutes=np.full(n, np.nan),
        nearest=np.full(n, -1, dtype="int64"),
        status=np.full(n, "off_network", dtype=object),
        unique=np.zeros(n, dtype=bool),
        edge=np.full(n, -1, dtype="int64"),
        along_m=np.full(n, np.nan),
        distance_m=np.full(n, np.inf),
        skipped_edge=np.full(n, -1, dtype="int64"),
        exact=np.zeros(n, dtype=bool),
        tied=np.zeros(n, dtype=bool),
    )
    for idx, out in zip(parts, outs, strict=True):
        assert out is not None
        _put(merged, idx, out)
    return merged


_NETWORK_FIELDS = tuple(f.name for f in dataclasses.fields(NetworkOut))


def _put(target: NetworkOut, idx: np.ndarray, out: NetworkOut) -> None:
    for name in _NETWORK_FIELDS:
        getattr(target, name)[idx] = getattr(out, name)


def _take(out: NetworkOut, mask: np.ndarray) -> NetworkOut:
    return NetworkOut(*(getattr(out, name)[mask] for name in _NETWORK_FIELDS))


@dataclass(eq=False)
class _NetworkContext:
    """The whole network and the stations snapped onto it, on the client; ``eligible``:
    the edges demand points may join (:func:`geo.network.eligible_edges`, decided once on
    the whole network and handed to every clip), ``fallback``: those they may join where
    no eligible edge is within the snap limit."""

    network: Network
    stations: Snap
    eligible: np.ndarray
    fallback: np.ndarray
    px: np.ndarray
    py: np.ndarray
    settings: Any
    snap_limit_m: float
    margin_m: float
    horizon: float

    def task_arg(self, idx: np.ndarray) -> tuple[Any, ...]:
        """The street-network argument of :func:`partition_task` for a partition."""
        px, py = self.px[idx], self.py[idx]
        sub = clip_network(self.network, grow(bbox(px, py), self.margin_m))
        part = network_part_for(sub, self.stations, self.eligible, self.fallback)
        return px, py, part, self.snap_limit_m, self.horizon

    def settle(
        self, client: Any, merged: NetworkOut, parts: list[np.ndarray], job: KernelInput
    ) -> dict[str, int]:
        """Answer the points no partition answered exactly, as the whole network would.

        1. A point whose nearest street is tied with another (at a street corner the
           nearest place is the node both share) is snapped here on the whole
           network's index, which decides the tie as the local engine does, and
           computed again on a clip of the full margin.
        2. The points left are uncovered (a covered point's path lies in its clip),
           so only their exact minutes, nearest station and status are sought: on a
           piece of the network with no station they are unreachable (no search);
           the rest again on clips for a 4× larger horizon, and so on while a clip
           is smaller than the whole network.
        3. Whatever remains (one-way dead ends, far corners), on the whole network in
           one task.

        Returns
        -------
        dict
            Points settled by each step: ``tied``, ``stationless``, ``wider``,
            ``whole_network``.
        """
        todo = ~merged.exact
        counts = {"tied": 0, "stationless": 0, "wider": 0, "whole_network": 0}
        tied = np.flatnonzero(todo & merged.tied)
        if tied.size:
            whole_snap = snap(
                self.network,
                self.px[tied],
                self.py[tied],
                max_distance_m=self.snap_limit_m,
                eligible=self.eligible,
                fallback=self.fallback,
            )
            merged.edge[tied], merged.along_m[tied] = whole_snap.edge, whole_snap.along_m
            merged.distance_m[tied] = whole_snap.distance_m
            assert whole_snap.skipped_edge is not None
            merged.skipped_edge[tied] = whole_snap.skipped_edge
            merged.tied[tied] = False
            in_tied = np.zeros(todo.size, dtype=bool)
            in_tied[tied] = True
            counts["tied"] = self._round(
                client, merged, parts, todo & in_tied, self.margin_m, self.horizon, True
            )
            todo &= ~in_tied | ~merged.exact  # _round clears its own copy; keep ours in step
        counts["stationless"] = self._stationless(merged, todo)
        horizon = self.horizon
        whole = bbox(self.network.x, self.network.y)
        while todo.any():
            horizon *= 4.0
            margin = reach_margin_m(horizon, self.settings.speed_m_per_min, self.snap_limit_m)
            done = self._round(client, merged, parts, todo, margin, horizon, False, whole)
            if done < 0:
                break
            counts["wider"] += done
        counts["whole_network"] = self._whole(client, merged, np.flatnonzero(todo), job)
        return counts

    def _round(
        self,
        client: Any,
        merged: NetworkOut,
        parts: list[np.ndarray],
        todo: np.ndarray,
        margin: float,
        horizon: float,
        need_unique: bool,
        whole: tuple[float, float, float, float] | None = None,
    ) -> int:
        """Compute the ``todo`` points of every partition again on a clip grown by ``margin``
        (with the snaps found so far); clear ``todo`` where exact. ``-1``: no clip was
        smaller than the whole network."""
        jobs = []
        for idx in parts:
            sel = idx[todo[idx]]
            if sel.size == 0:
                continue
            box = grow(bbox(self.px[sel], self.py[sel]), margin)
            if whole is not None and contains(box, whole):
                continue
            part = network_part_for(clip_network(self.network, box), self.stations,
                                    self.eligible, self.fallback)
            snaps = Snap(
                merged.edge[sel],
                merged.along_m[sel],
                merged.distance_m[sel],
                self.snap_limit_m,
                merged.skipped_edge[sel],
            )
            args = (self.px[sel], self.py[sel], part, self.settings, self.snap_limit_m, horizon)
            jobs.append((sel, client.submit(settle_task, *args, snaps, need_unique, pure=False)))
        if not jobs:
            return -1
        outs = wait_all([f for _, f in jobs], progress=None, label="settle")
        done = 0
        for (sel, _), out in zip(jobs, outs, strict=True):
            ok = out.exact
            _put(merged, sel[ok], _take(out, ok))
            todo[sel[ok]] = False
            done += int(ok.sum())
        return done

    def _stationless(self, merged: NetworkOut, todo: np.ndarray) -> int:
        """Points (not tied) whose piece of the network holds no usable station."""
        on = todo & (merged.edge >= 0) & (merged.status != "off_network") & ~merged.tied
        with_station = np.zeros(int(self.network.fragment.max()) + 1, dtype=bool)
        with_station[self.network.fragment[self.stations.edge[self.stations.ok]]] = True
        idx = np.flatnonzero(on)
        idx = idx[~with_station[self.network.fragment[merged.edge[idx]]]]
        merged.minutes[idx] = np.nan
        merged.nearest[idx] = -1
        merged.status[idx] = "unreachable"
        merged.unique[idx] = False
        todo[idx] = False
        return int(idx.size)

    def _whole(self, client: Any, merged: NetworkOut, redo: np.ndarray, job: KernelInput) -> int:
        if redo.size == 0:
            return 0
        future = client.submit(
            network_whole,
            PortableNetwork(self.network),
            job.station_lon,
            job.station_lat,
            job.lon[redo],
            job.lat[redo],
            self.settings,
            self.snap_limit_m,
            pure=False,
        )
        _put(merged, redo, wait_all([future], progress=None, label="whole network")[0])
        return int(redo.size)

    def coverage(
        self, merged: NetworkOut, job: KernelInput, straight: np.ndarray
    ) -> NetworkCoverage:
        """The :class:`NetworkCoverage` the local engine would have built."""
        cov = _LazySearchCoverage(
            network=self.network,
            search=None,
            stations=self.stations,
            points=Snap(
                merged.edge, merged.along_m, merged.distance_m, self.snap_limit_m,
                merged.skipped_edge,
            ),
            minutes=merged.minutes,
            nearest=merged.nearest,
            status=merged.status,
            unique=merged.unique,
            budget=float(self.settings.minutes),
            weight=np.asarray(job.weight, dtype="float64"),
            straight_minutes=np.asarray(straight),
        )
        cov.__dict__["_speed"] = self.settings.speed_m_per_min
        return cov


def _network_context(job: KernelInput) -> _NetworkContext:
    """Load the network once here, snap the stations onto it (as the local engine does)."""
    settings = job.settings
    network = job.network
    if not isinstance(network, Network):
        assert network is not None
        network = load_network(network, settings.mode, profile=settings.street_profile)
    elif network.network_type in ("walking", "cycling") and (
        network.network_type != network_type_of(settings.mode)
    ):
        log.warning(
            "a %s network is used for mode %s (its one-way rules are those of %s)",
            network.network_type,
            settings.mode,
            network.network_type,
        )
    if not job.snap_limit_m > 0:
        raise SettingsError(
            f"snap limit must be a positive number of metres, not {job.snap_limit_m!r}"
        )
    to_m = Transformer.from_crs(4326, network.crs, always_xy=True)
    sx, sy = (
        np.asarray(a, dtype="float64") for a in to_m.transform(job.station_lon, job.station_lat)
    )
    px, py = (np.asarray(a, dtype="float64") for a in to_m.transform(job.lon, job.lat))
    # the fragment rule, as coverage_on_network applies it
    stations = snap(network, sx, sy, max_distance_m=job.snap_limit_m,
                    eligible=eligible_edges(network))
    return _NetworkContext(
        network=network,
        stations=stations,
        eligible=eligible_edges(network, stations),
        fallback=eligible_edges(network),
        px=px,
        py=py,
        settings=settings,
        snap_limit_m=float(job.snap_limit_m),
        margin_m=network_margin_m(settings, job.snap_limit_m),
        horizon=horizon_minutes(settings),
    )


class _LazySearchCoverage(NetworkCoverage):
    """A :class:`NetworkCoverage` whose whole-network search (used only to draw
    service areas) runs the first time it is asked for."""

    @property  # type: ignore[override]
    def search(self) -> Any:
        """The multi-source search on the whole network (computed once, on demand)."""
        found = self.__dict__.get("_search")
        if found is None:
            found = station_search(
                self.network,
                self.stations,
                self.__dict__["_speed"],
                walk_speed_m_per_min=WALK_SPEED_M_PER_MIN,
            )
            self.__dict__["_search"] = found
        return found

    @search.setter
    def search(self, value: Any) -> None:
        self.__dict__["_search"] = value
