"""Coverage of demand by stations: prepare → kernel → assemble.

:func:`analyze_inputs` is the whole analysis of one :class:`geo.inputs.Inputs`:

* :func:`prepare` — filter the stations, choose the metric CRS, build the demand
  (points, or a grid of cells over the study area) in metres: a :class:`KernelInput`;
* the **kernel** — per demand point, minutes to the nearest used station, which one,
  and whether it alone covers the point: :func:`local_kernel` (one KD-tree query, or
  one multi-source street search) or any :data:`Kernel` with the same answer (the
  Dask engine of :mod:`geo.distributed`);
* :func:`assemble` — the per-point table, gap cells, per-station table and the
  :class:`geo.result.CoverageResult`.

The building blocks of the tables (:func:`demand_weights`, :func:`numbered_ids`,
:func:`gap_cells`, :func:`station_sums`, :func:`station_table`) are public so that
the out-of-core path (:mod:`geo.distributed.parquet`) builds its tables from
per-partition sums with the same code. Choosing an engine, and reading files,
happens above this module (:mod:`geo.api`, :mod:`geo.inputs`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo import budget, reach, study, zones
from geo import crs as crsmod
from geo import grid as gridmod
from geo.errors import InputError, Rejected, SettingsError
from geo.filters import select_stations
from geo.inputs import Inputs
from geo.result import CoverageResult, MetricCoords
from geo.settings import Settings
from geo.tally import gap_cells

if TYPE_CHECKING:  # geo.network is imported where the street network is used (not by a
    # straight-line check, which starts faster without it)
    from geo.network import Network, NetworkCoverage

__all__ = [
    "Kernel",
    "KernelInput",
    "KernelOutput",
    "Prepared",
    "analyze_inputs",
    "assemble",
    "demand_weights",
    "gap_cells",
    "local_kernel",
    "mark_stations",
    "mark_used",
    "numbered_ids",
    "prepare",
    "require_network",
    "same_points",
    "station_sums",
    "station_table",
]


@dataclass(frozen=True, eq=False)
class KernelInput:
    """What the per-point kernel needs: demand and used stations.

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


#: A per-point kernel: :func:`local_kernel`, or :class:`geo.distributed.DaskEngine`.
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
    assert job.network is not None
    from geo.network import coverage_on_network

    s = job.settings
    net_cov = coverage_on_network(
        job.network,
        np.asarray(job.station_lon, dtype="float64"),
        np.asarray(job.station_lat, dtype="float64"),
        np.asarray(job.lon, dtype="float64"),
        np.asarray(job.lat, dtype="float64"),
        mode=s.mode,
        speed_m_per_min=s.speed_m_per_min,
        minutes=s.minutes,
        weight=job.weight,
        straight_minutes=minutes,
        snap_limit_m=job.snap_limit_m,
        points_projected=(job.x, job.y, job.metric),  # not projected again in the same CRS
    )
    return KernelOutput(net_cov.minutes, net_cov.nearest, net_cov.unique, net_cov)


def require_network(settings: Settings, network: object) -> None:
    """Refuse the street-network method without a network.

    Parameters
    ----------
    settings
        The analysis parameters.
    network
        What was given as the network.

    Raises
    ------
    SettingsError
        For ``method="network"`` with no network.
    """
    if settings.method == "network" and network is None:
        raise SettingsError(
            "the street-network method needs a street network: --network FILE "
            "(OSM PBF, OSM XML or GraphML, or 'helsinki' for the bundled extract)"
        )


def analyze_inputs(
    inputs: Inputs,
    settings: Settings,
    *,
    network: str | PathLike[str] | Network | None = None,
    snap_limit_m: float = 200.0,
    kernel: Kernel = local_kernel,
    like: CoverageResult | None = None,
) -> CoverageResult:
    """The analysis of inputs already read: prepare, run the kernel, assemble.

    Parameters
    ----------
    inputs
        From :func:`geo.inputs.load_inputs`.
    settings
        The analysis parameters.
    network, snap_limit_m
        As :func:`geo.analyze`.
    kernel
        The per-point kernel (:func:`local_kernel` by default).
    like
        As :func:`geo.analyze`.

    Returns
    -------
    CoverageResult
    """
    require_network(settings, network)
    if settings.method != "network" and isinstance(network, str | PathLike):
        from geo.network import resolve_path

        resolve_path(network)  # a wrong file is said now, not when a map is drawn
    prep = prepare(inputs, settings, network=network, snap_limit_m=snap_limit_m, like=like)
    out = kernel(prep.job)
    result = assemble(prep, out, like=like if same_points(like, prep, out) else None)
    result.kernel_state = (prep, out)
    if settings.method != "network" and network is not None:
        result.basemap_network = network  # drawn as the maps' streets only
    return result


def same_points(
    like: CoverageResult | None, prep: Prepared, out: KernelOutput | None = None
) -> bool:
    """Whether a result's per-point cells, 网格 and study-area membership hold for a
    prepared analysis: results of the same method, demand points (ids, positions and
    weights compared), cell layout, 网格 and study area (polygons and names compared);
    along the streets, also the same snaps of the demand (distances compared with
    ``out``'s).

    Parameters
    ----------
    like
        Another result (e.g. before the minutes changed), or ``None``.
    prep
        From :func:`prepare`.
    out
        The kernel's answer for ``prep`` (needed along the streets).

    Returns
    -------
    bool
    """
    if like is None or like.points is None or prep.source != "points":
        return False
    job = prep.job
    if job.settings.method == "network" and not (
        out is not None and out.network is not None and "snap_m" in like.points
        and np.array_equal(like.points["snap_m"].to_numpy(dtype="float64"),
                           np.asarray(out.network.points.distance_m, dtype="float64"),
                           equal_nan=True)
    ):
        return False
    return bool(
        like.demand_source == "points"
        and like.settings.method == job.settings.method
        and like.cell_spec == prep.spec
        and len(like.points) == job.x.size
        and np.array_equal(like.points["lon"].to_numpy(), job.lon)
        and np.array_equal(like.points["lat"].to_numpy(), job.lat)
        and np.array_equal(like.points["weight"].to_numpy(), job.weight)
        and _same_ids(like.points["id"].array, prep.ids)
        and _same_polygons(like.grids, prep.inputs.grids, "grid")
        and _same_polygons(like.area, prep.inputs.area, None)
    )


def _same_ids(a: object, b: object) -> bool:
    if a is b:
        return True
    if isinstance(a, pd.api.extensions.ExtensionArray) and isinstance(
            b, pd.api.extensions.ExtensionArray) and a.dtype == b.dtype:
        return bool(a.equals(b))
    return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))


def _same_polygons(a: gpd.GeoDataFrame | None, b: gpd.GeoDataFrame | None,
                   name: str | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if a is b:
        return True
    if len(a) != len(b) or (name is not None and not np.array_equal(
            a[name].astype(str).to_numpy(), b[name].astype(str).to_numpy())):
        return False
    return bool(shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(),
                                     tolerance=0.0).all())


# --- prepare ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Prepared:
    """An analysis up to the kernel: the kernel's input and what assembling needs.

    Attributes
    ----------
    inputs
        The inputs (``area`` may be the stations' extent when none was given).
    stations
        The stations marked ``used`` / ``excluded`` by the filters.
    job
        The kernel's input.
    spec
        The cell layout of gaps (and of demand cells).
    source
        ``points`` (a demand table) or ``cells`` (a grid over the area).
    ids, cell_key, station_x, station_y
        Per demand point its id and cell; every station in metres.
    warnings
        The inputs' warnings and the filters' notes.
    area_from_stations
        No study area nor demand was given: the area is the stations' extent (so a new
        station can change the area, and the metric zone).
    """

    inputs: Inputs
    stations: gpd.GeoDataFrame
    job: KernelInput
    spec: gridmod.CellSpec
    source: str
    ids: np.ndarray
    cell_key: np.ndarray
    station_x: np.ndarray
    station_y: np.ndarray
    warnings: list[Rejected]
    area_from_stations: bool = False

    @property
    def used(self) -> np.ndarray:
        """Which stations the filters keep."""
        return self.stations["used"].to_numpy(dtype=bool)


def prepare(
    inputs: Inputs,
    settings: Settings,
    *,
    network: str | PathLike[str] | Network | None = None,
    snap_limit_m: float = 200.0,
    like: CoverageResult | None = None,
) -> Prepared:
    """Everything the kernel needs: filtered stations and demand, in metres.

    Parameters
    ----------
    inputs
        The inputs.
    settings
        The analysis parameters.
    network, snap_limit_m
        Passed to the kernel.
    like
        Another analysis of the same demand (see :func:`geo.analyze`): its points' metric
        coordinates and cells are taken when its metric CRS, cell layout and points'
        positions are the same.

    Returns
    -------
    Prepared

    Raises
    ------
    InputError
        When nothing can be analysed (no usable demand, station or area).
    """
    stations, notes = mark_stations(inputs, settings)
    used = stations["used"].to_numpy(dtype=bool)
    s_lon = stations.geometry.x.to_numpy(dtype="float64")
    s_lat = stations.geometry.y.to_numpy(dtype="float64")
    demand = inputs.demand
    if demand is not None and len(demand) == 0:
        raise InputError(
            "no usable demand point (every row was rejected; see the list above)",
            file=inputs.source("demand"), rejected=inputs.rejected,
        )
    metric = _metric_crs(inputs, s_lon, s_lat)
    to_m = Transformer.from_crs(4326, metric, always_xy=True)
    spec = gridmod.make_spec(settings.cell_shape, settings.cell_m, metric)
    if demand is not None:
        source = "points"
        budget.check(f"the analysis of {len(demand):,} demand points",
                     len(demand) * budget.BYTES_PER_POINT,
                     hint="split the demand by district, or use --engine dask with GeoParquet")
        lon, lat = _point_lonlat(demand)
        lent = _lent_coordinates(like, metric, spec, lon, lat)
        if lent is not None:
            x, y, cell_key = lent
        else:
            x, y = (np.asarray(a) for a in to_m.transform(lon, lat))
            cell_key = gridmod.cell_of_points(x, y, lon, lat, spec)
        weight = demand_weights(demand)
        ids = demand["id"].array if "id" in demand else numbered_ids(np.arange(1, x.size + 1))
    else:
        source = "cells"
        derived = inputs.area is None
        if derived:
            inputs = inputs.with_area(_stations_extent(stations[used], settings, metric, inputs))
        cells = gridmod.cells_over_area(zones.union(inputs.area), spec, derived=derived)
        if len(cells) == 0:
            raise InputError(
                f"the study area holds no cell of {settings.cell_m:g} m; use a smaller --cell"
            )
        x, y, lon, lat = cells.x, cells.y, cells.lon, cells.lat
        weight = np.ones(len(cells))
        cell_key = cells.key
        ids = gridmod.cell_label(cells.key, spec)
    station_x, station_y = (np.asarray(a) for a in to_m.transform(s_lon, s_lat))
    if settings.method == "network" and network is not None:
        from geo.network import Network, check_covers, load_network

        if not isinstance(network, Network):
            # the street profile is a setting: the network is read with it here, once
            network = load_network(network, settings.mode, profile=settings.street_profile)
        # another city's network would leave everything off the network, at 0%, silently
        check_covers(network, (s_lon[used], s_lat[used]), (np.asarray(lon), np.asarray(lat)),
                     margin_m=snap_limit_m)
    job = KernelInput(
        settings=settings,
        metric=metric,
        station_lon=s_lon[used],
        station_lat=s_lat[used],
        sx=station_x[used],
        sy=station_y[used],
        lon=np.asarray(lon, dtype="float64"),
        lat=np.asarray(lat, dtype="float64"),
        x=np.asarray(x, dtype="float64"),
        y=np.asarray(y, dtype="float64"),
        weight=weight,
        network=network,
        snap_limit_m=snap_limit_m,
    )
    return Prepared(inputs, stations, job, spec, source, ids, cell_key, station_x, station_y,
                    [*inputs.warnings, *notes], area_from_stations=source == "cells" and derived)


def _lent_coordinates(
    like: CoverageResult | None, metric: CRS, spec: gridmod.CellSpec, lon: np.ndarray,
    lat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Another analysis' metric coordinates and cells of the same points (same positions,
    metric CRS and cell layout), else ``None``."""
    state = like.kernel_state if like is not None else None
    if not isinstance(state, tuple) or not isinstance(state[0], Prepared):
        return None
    old = state[0]
    if (old.source != "points" or old.spec != spec or not old.job.metric.equals(metric)
            or not np.array_equal(old.job.lon, lon) or not np.array_equal(old.job.lat, lat)):
        return None
    return old.job.x, old.job.y, old.cell_key


def _point_lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``frame.geometry.x`` and ``.y`` as float arrays, in one pass over the geometries when
    every one is a point that is not empty (geopandas' ``.x`` and ``.y`` each look at every
    geometry's type by name first)."""
    geoms = frame.geometry.array
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all():
        xy = shapely.get_coordinates(geoms)
        if xy.shape[0] == len(geoms):  # an empty point has no coordinate to list
            return xy[:, 0].copy(), xy[:, 1].copy()
    return (frame.geometry.x.to_numpy(dtype="float64"),
            frame.geometry.y.to_numpy(dtype="float64"))


def mark_stations(inputs: Inputs, settings: Settings) -> tuple[gpd.GeoDataFrame, list[Rejected]]:
    """The inputs' stations marked ``used`` / ``excluded`` by the filters, with the notes of
    the filters and of stations far from the study.

    Parameters
    ----------
    inputs
        The inputs (their area or demand say where the study is).
    settings
        The filters.

    Returns
    -------
    tuple
        The marked copy and the notes.
    """
    files = inputs.station_files()
    stations, notes = mark_used(inputs.stations, settings, files=files)
    used = stations["used"].to_numpy(dtype=bool)
    s_lon = stations.geometry.x.to_numpy(dtype="float64")
    s_lat = stations.geometry.y.to_numpy(dtype="float64")
    return stations, [*notes, *_far_stations(stations, used, inputs, s_lon, s_lat, files)]


def mark_used(
    stations: gpd.GeoDataFrame, settings: Settings, *, files: np.ndarray | None = None
) -> tuple[gpd.GeoDataFrame, list[Rejected]]:
    """A copy of the stations with ``used`` and ``excluded`` (why not) per the filters.

    Parameters
    ----------
    stations
        The station table.
    settings
        The filters.
    files
        Each station's file, for the filters' notes (see :func:`geo.filters.select_stations`).

    Returns
    -------
    tuple
        The marked copy and the filters' notes (e.g. unknown opening hours).
    """
    used, excluded, notes = select_stations(stations, settings, files=files)
    marked = stations.copy()
    marked["used"] = used
    marked["excluded"] = excluded
    return marked, list(notes)


def _study_points(inputs: Inputs, s_lon: np.ndarray, s_lat: np.ndarray) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """:func:`geo.study.study_points` of the inputs."""
    area, demand = inputs.area, inputs.demand
    bounds = tuple(area.total_bounds) if area is not None and len(area) else None
    # the demand's coordinates only where they decide (a city's million: 0.06 s)
    points = (_point_lonlat(demand) if bounds is None and demand is not None and len(demand)
              else None)
    return study.study_points(bounds, points, s_lon, s_lat)  # type: ignore[arg-type]


def _metric_crs(inputs: Inputs, s_lon: np.ndarray, s_lat: np.ndarray) -> CRS:
    """The UTM zone of the study: its area, else its demand, else the bulk of the stations.

    A station far from the study (a wrong coordinate) does not move the zone: it would
    distort every distance of the analysis; such stations are reported instead
    (:func:`_far_stations`)."""
    ref_lon, ref_lat = _study_points(inputs, s_lon, s_lat)
    if ref_lon.size == 0:
        raise InputError(
            "no usable station and no study area: nothing to analyse "
            "(give stations with coordinates, or --area / --demand)",
            file=inputs.source("stations"), rejected=inputs.rejected,
        )
    return crsmod.metric_crs(ref_lon, ref_lat)


def _far_stations(
    stations: gpd.GeoDataFrame, used: np.ndarray, inputs: Inputs, s_lon: np.ndarray,
    s_lat: np.ndarray, files: np.ndarray,
) -> list[Rejected]:
    """Used stations farther than :data:`geo.study.FAR_STATION_KM` from the study, by file and
    row."""
    ref_lon, ref_lat = _study_points(inputs, s_lon, s_lat)
    if ref_lon.size == 0 or not used.any():
        return []
    gap = study.far_beyond_km(ref_lon, ref_lat, s_lon, s_lat)
    far = np.flatnonzero(used & (gap > study.FAR_STATION_KM))
    rows = stations["row"].to_numpy() if "row" in stations else np.zeros(len(stations), int)
    return [
        Rejected(str(files[i]), int(rows[i]), "lon",
                 f"station {stations['id'].iloc[i]} at ({s_lon[i]:.4f}, {s_lat[i]:.4f}) is "
                 f"{gap[i]:,.0f} km from the study (its area, demand or other stations): wrong "
                 "coordinates, or a place of the same name elsewhere? It covers nothing here")
        for i in far
    ]


def _stations_extent(
    stations: gpd.GeoDataFrame, settings: Settings, metric: CRS, inputs: Inputs
) -> gpd.GeoDataFrame:
    """The used stations' bounding box grown by the straight-line reach, in WGS-84; stations
    far from the others (reported by :func:`_far_stations`) do not stretch it."""
    if len(stations) == 0:
        raise InputError(
            "no usable station and no study area or demand: nothing to analyse",
            file=inputs.source("stations"), rejected=inputs.rejected,
        )
    near = study.bulk(stations.geometry.x.to_numpy(dtype="float64"),
                      stations.geometry.y.to_numpy(dtype="float64"))
    m = stations[near].to_crs(metric)
    minx, miny, maxx, maxy = m.total_bounds
    r = settings.reach_m
    box = shapely.box(minx - r, miny - r, maxx + r, maxy + r)
    back = Transformer.from_crs(metric, 4326, always_xy=True)
    geom = crsmod.reproject(shapely.segmentize(box, max(r / 4, 50.0)), back)
    return gpd.GeoDataFrame({"name": ["stations' extent + reach"]}, geometry=[geom], crs=4326)


# --- assemble --------------------------------------------------------------------------------


def assemble(
    prep: Prepared, out: KernelOutput, like: CoverageResult | None = None
) -> CoverageResult:
    """The result from the kernel's answer: per-point table, gaps, station table.

    Parameters
    ----------
    prep
        From :func:`prepare`.
    out
        The kernel's answer for ``prep.job``.
    like
        A result of the same demand, area, 网格 and settings (e.g. before what-if stations
        were added): its points' positions, cells and 网格 are reused, not made again.

    Returns
    -------
    CoverageResult
    """
    inputs, job, settings = prep.inputs, prep.job, prep.job.settings
    used_idx = np.flatnonzero(prep.used)
    warnings = list(prep.warnings)
    if out.network is not None:
        warnings += _network_warnings(prep, out.network)
    covered = reach.within(out.minutes, settings.minutes)
    if like is not None:
        grid_codes = like.point_grid_codes
        state = like.kernel_state
        points = _points_like(like.points, prep, out, covered, used_idx,
                              state if isinstance(state, tuple) else None)
    else:
        grid_codes = zones.assign_grid_codes(job.lon, job.lat, inputs.grids)
        points = _points_table(prep, out, covered, zones.names_of(grid_codes, inputs.grids),
                               used_idx)
    served, only = station_sums(out.nearest, covered, out.unique, job.weight, used_idx.size)
    outside = outside_mask = None
    if inputs.area is not None and prep.source == "points":
        outside_mask = like.point_outside_area if like is not None else None
        if outside_mask is None:
            outside_mask = zones.outside_mask(job.lon, job.lat, inputs.area)
        outside = zones.outside_area(job.lon, job.lat, job.weight, covered, inputs.area,
                                     outside=outside_mask)
    unc = ~covered & (job.weight > 0)
    unc_grid = (like.points["grid"].to_numpy()[unc] if grid_codes is None
                else zones.names_of(grid_codes[unc], inputs.grids))
    result = CoverageResult(
        settings=settings,
        metric_crs=job.metric,
        cell_spec=prep.spec,
        demand_source=prep.source,
        stations=prep.stations,
        points=points,
        gap_cells=gap_cells(prep.cell_key[unc], job.weight[unc], unc_grid, prep.spec),
        station_table=station_table(prep.stations, used_idx, served, only),
        area=inputs.area,
        grids=inputs.grids,
        rejected=list(inputs.rejected),
        warnings=warnings,
        outside_area=outside,
        xy=MetricCoords(job.metric, job.x, job.y, prep.station_x, prep.station_y),
        sources=dict(inputs.sources),
        point_grid_codes=grid_codes if inputs.grids is not None else None,
        point_outside_area=outside_mask,
    )
    result.network = out.network  # service areas, off-network and overstated demand
    if prep.source == "points":
        result.total_cells = (like.total_cells if like is not None and like.total_cells
                              is not None else int(pd.unique(prep.cell_key).size))
    return result


def _points_like(
    like: gpd.GeoDataFrame,
    prep: Prepared,
    out: KernelOutput,
    covered: np.ndarray,
    used_idx: np.ndarray,
    like_state: tuple[Prepared, KernelOutput] | None = None,
) -> gpd.GeoDataFrame:
    """:func:`_points_table` from another result's table of the same points: positions,
    ids, weights, cells and 网格 kept, the kernel's columns replaced (the bands only where
    the minutes changed, when that result's kernel answer ``like_state`` has the same
    bands)."""
    points = like.copy(deep=False)
    points["minutes"] = out.minutes
    points["nearest"] = _nearest_ids(prep, out, used_idx)
    points["covered"] = covered
    same_bands = (like_state is not None
                  and like_state[0].job.settings.bands == prep.job.settings.bands)
    points["band"] = _bands_like(like, out.minutes, prep.job.settings.bands, same_bands)
    if out.network is not None:  # the demand's snaps (snap_m) are the same points'
        same_status = (like_state is not None and like_state[1].network is not None
                       and out.network.status is like_state[1].network.status)
        if not same_status:  # (a million words made a text column: 0.035 s)
            points["status"] = out.network.status
        points["straight_minutes"] = out.network.straight_minutes
        points["straight_covered"] = out.network.straight_covered
    return points


def _network_warnings(prep: Prepared, net_cov: NetworkCoverage) -> list[Rejected]:
    """Stations and demand the street network could not serve, by file and row."""
    demand, used = prep.inputs.demand, prep.used
    has_rows = demand is not None and "row" in demand
    n = prep.job.x.size
    return net_cov.warnings(
        file=prep.inputs.source("demand") if demand is not None else "grid cells",
        rows=demand["row"].to_numpy() if has_rows else np.zeros(n, dtype="int64"),
        ids=prep.ids,  # only the named points' ids are read: no million Python strings
        station_files=prep.inputs.station_files()[used],
        station_rows=prep.inputs.station_rows()[used],
        station_ids=prep.stations["id"].astype(str).to_numpy()[used],
        what="demand point(s)" if prep.source == "points" else "grid cell(s)",
    )


def _points_table(
    prep: Prepared,
    out: KernelOutput,
    covered: np.ndarray,
    point_grid: np.ndarray,
    used_idx: np.ndarray,
) -> gpd.GeoDataFrame:
    """One row per demand point or cell, input order (the ``--points-out`` columns and more)."""
    job, demand = prep.job, prep.inputs.demand
    nearest_id = _nearest_ids(prep, out, used_idx)
    from_points = prep.source == "points" and demand is not None
    points = gpd.GeoDataFrame(
        {
            "id": prep.ids,
            "lon": job.lon,
            "lat": job.lat,
            "weight": job.weight,
            "minutes": out.minutes,
            "nearest": nearest_id,
            "covered": covered,
            "band": reach.bands(out.minutes, job.settings.bands),
            "grid": point_grid,
            "cell": _labels(prep.cell_key, prep.spec) if from_points else prep.ids,
        },
        geometry=demand.geometry.array if from_points else shapely.points(job.lon, job.lat),
        crs=4326,
    )
    if from_points:
        points.index = demand.index
    if out.network is not None:
        net = out.network
        points["status"] = net.status
        points["snap_m"] = net.points.distance_m
        points["straight_minutes"] = net.straight_minutes
        points["straight_covered"] = net.straight_covered
    return points


# --- table building blocks (shared with the out-of-core path) --------------------------------


def demand_weights(demand: pd.DataFrame) -> np.ndarray:
    """The weight of each demand row (1 without a weight column or where not a number).

    Parameters
    ----------
    demand
        A demand table from :func:`geo.read_demand`.

    Returns
    -------
    numpy.ndarray
    """
    if "weight" not in demand:
        return np.ones(len(demand))
    w = pd.to_numeric(demand["weight"], errors="coerce").to_numpy(dtype="float64")
    return np.where(np.isfinite(w), w, 1.0)


def numbered_ids(numbers: np.ndarray, total: int | None = None, prefix: str = "D") -> np.ndarray:
    """Generated ids ``D001`` … for rows numbered 1, 2, … (as :func:`geo.read_demand` makes them).

    Parameters
    ----------
    numbers
        The row numbers (1-based).
    total
        How many rows there are in all (sets the width; ``len(numbers)`` by default).
    prefix
        The letter before the number.

    Returns
    -------
    numpy.ndarray of object
    """
    numbers = np.asarray(numbers)
    if numbers.size == 0:
        return np.zeros(0, dtype=object)
    width = max(3, len(str(numbers.size if total is None else total)))
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def _labels(cell_key: np.ndarray, spec: gridmod.CellSpec) -> pd.api.extensions.ExtensionArray:
    """Cell labels per point (a text column), each distinct cell labelled once."""
    codes, uniques = pd.factorize(cell_key)
    return _text_take(gridmod.cell_label(np.asarray(uniques), spec), codes)


def _nearest_ids(
    prep: Prepared, out: KernelOutput, used_idx: np.ndarray
) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The ``nearest`` column: each point's nearest used station's id, as pandas would make
    a text column of them, without a million Python strings."""
    has = out.nearest >= 0
    if not has.any():  # no text at all: pandas keeps such a column as objects
        return np.full(has.size, None, dtype=object)
    station_ids = prep.stations["id"].astype(str).to_numpy()
    return _text_take(station_ids[used_idx], np.where(has, out.nearest, 0), ~has)


def _bands_like(like: gpd.GeoDataFrame, minutes: np.ndarray, edges: Sequence[float],
                same_edges: bool) -> np.ndarray:
    """:func:`geo.reach.bands` from another result's column of the same points and bands:
    only where the minutes changed."""
    if not same_edges:
        return reach.bands(minutes, edges)
    before = like["minutes"].to_numpy(dtype="float64")
    changed = ~((minutes == before) | (np.isnan(minutes) & np.isnan(before)))
    band = like["band"].to_numpy(dtype="float64").copy()
    band[changed] = reach.bands(minutes[changed], edges)
    return band


def _text_take(
    values: np.ndarray, take: np.ndarray, missing: np.ndarray | None = None
) -> pd.api.extensions.ExtensionArray:
    """``values[take]`` (missing where ``missing``) as the text column (``str``) pandas makes
    of such an object array, taken in Arrow: no Python string per row.

    Parameters
    ----------
    values
        The distinct texts (object array of ``str``).
    take
        Positions into ``values``, one per row.
    missing
        Rows without a value, or ``None``.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        Arrow-backed, dtype ``str``.
    """
    import pyarrow as pa

    dictionary = pa.array(values.tolist(), type=pa.large_string())
    indices = pa.array(np.asarray(take, dtype=np.int64), mask=missing)
    return pd.array(dictionary.take(indices), dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def station_sums(
    nearest: np.ndarray, covered: np.ndarray, unique: np.ndarray, weight: np.ndarray, n_used: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per used station: the demand it is nearest to and covers, and that only it covers.

    Parameters
    ----------
    nearest, covered, unique, weight
        Per demand point (``nearest`` among the used stations, ``-1`` for none).
    n_used
        The number of used stations.

    Returns
    -------
    tuple of numpy.ndarray
        ``(covered_demand, unique_demand)``.
    """
    if n_used == 0:
        return np.zeros(0), np.zeros(0)
    has = nearest >= 0
    ok = has & covered
    served = np.bincount(nearest[ok], weights=weight[ok], minlength=n_used)
    ok_u = has & unique
    only = np.bincount(nearest[ok_u], weights=weight[ok_u], minlength=n_used)
    return served, only


def station_table(
    stations: gpd.GeoDataFrame, used_idx: np.ndarray, served: np.ndarray, only: np.ndarray
) -> pd.DataFrame:
    """Per station: kind, whether used (and why not), covered and unique demand.

    Parameters
    ----------
    stations
        The marked station table (``used``, ``excluded``).
    used_idx
        Positions of the used stations.
    served, only
        From :func:`station_sums` (one value per used station).

    Returns
    -------
    pandas.DataFrame
        ``id, name, kind, used, excluded, covered_demand, unique_demand``.
    """
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
    if used_idx.size:
        table.loc[used_idx, "covered_demand"] = served
        table.loc[used_idx, "unique_demand"] = only
    return table
