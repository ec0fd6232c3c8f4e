"""A demand too large for one process: GeoParquet in, by partition; GeoParquet out, by partition.

:func:`check_parquet` never holds the whole demand in one place. Dask workers
read the demand GeoParquet partition by partition (dask-geopandas), validate it
as :func:`geo.read_demand` does, compute each point's minutes (straight line:
the stations within the partition's margin, see :mod:`geo.distributed.kernels`),
write the per-point part, and return small aggregates: demand sums per 网格 and
per time band, the cells holding demand, the uncovered demand per cell and
网格, and per-station sums. The client adds them up and builds gaps from the
uncovered cells of all partitions at once — so a gap across a partition border
is one gap — with the same code as the local engine, and the summary with
:class:`geo.CoverageResult`'s own ``summary()``.

Workers read the input and write the output themselves: on a cluster of several
machines both paths must be on storage every worker sees (a shared file system,
or an ``s3://``/``gs://`` URL with its fsspec package).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo import grid as gridmod
from geo import reach, zones
from geo.coverage import (
    demand_weights,
    gap_cells,
    mark_used,
    numbered_ids,
    station_sums,
    station_table,
)
from geo.crs import metric_crs
from geo.distributed.cluster import ProgressArg, announce, dask_client, require_dask, wait_all
from geo.distributed.kernels import euclidean_part
from geo.distributed.outputs import atomic_path
from geo.distributed.partition import euclidean_margin_m
from geo.errors import InputError, Rejected, SettingsError
from geo.inputs import combine_stations, read_area_input, read_grids_input, read_station_inputs
from geo.io import demand_table
from geo.io.table import Table
from geo.result import CoverageResult
from geo.settings import Settings

__all__ = ["AggregateResult", "check_parquet"]

log = logging.getLogger("geo")


def check_parquet(
    stations: Any,
    demand: str | PathLike[str],
    *,
    points_out: str | PathLike[str] | None = None,
    area: Any = None,
    grids: Any = None,
    settings: Settings | None = None,
    crs: str = "wgs84",
    sheet: str | int | None = None,
    scheduler: Any = None,
    progress: ProgressArg = None,
    **overrides: Any,
) -> AggregateResult:
    """Coverage of a GeoParquet demand, computed and written partition by partition.

    Parameters
    ----------
    stations, area, grids, settings, crs, sheet, **overrides
        As :func:`geo.analyze` (stations, area and grids are small and read here).
    demand
        A GeoParquet file or a directory of parts (points; ``id`` and ``weight``
        columns as in any demand table). Each part (row group or file) is one
        partition: write the demand sorted or split by place (e.g. by district or
        with ``dask_geopandas``' ``spatial_shuffle``) so that partitions are compact.
    points_out
        A directory to write the per-point table to, one GeoParquet part per
        partition (``part.00000.parquet`` …): ``id, lon, lat, weight, minutes,
        nearest, covered, band, grid`` and the point geometry. Written under a
        temporary name and renamed when every part is written.
    scheduler
        As :func:`geo.analyze` with ``engine="dask"``.
    progress
        ``True`` for a bar on stderr, or a ``progress(done, total)`` callable.

    Returns
    -------
    AggregateResult
        ``summary()``, ``gap_table``, ``gaps``, ``grid_table`` and
        ``station_table`` as :func:`geo.analyze` gives them for the same input
        (``points`` is empty: the points are in ``points_out``).

    Raises
    ------
    SettingsError
        For the street-network method (use ``analyze(engine="dask")``).
    InputError
        When the demand holds no usable point.
    """
    require_dask()
    import dask
    import dask_geopandas

    settings = settings or Settings()
    if overrides:
        settings = settings.replace(**overrides)
    if settings.method != "euclidean":
        raise SettingsError(
            "check_parquet computes the straight-line method; for the street network use "
            "geo.analyze(..., engine='dask')"
        )
    if settings.cell_shape != "square":
        raise SettingsError("check_parquet uses square cells (cell_shape='square')")
    ctx = _context(stations, area, grids, settings, crs, sheet, demand)
    if _is_geoparquet(demand):
        ddf = dask_geopandas.read_parquet(demand)
    else:  # coordinates in columns (lon/lat, 经度/纬度 ...), as a table file has them
        import dask.dataframe

        ddf = dask.dataframe.read_parquet(demand)
    parts = ddf.to_delayed()
    with dask_client(scheduler) as client:
        announce(client, f"{len(parts)} GeoParquet partition(s) of {demand}")
        shared = dask.delayed(ctx, traverse=False)
        scans = wait_all(
            client.compute([dask.delayed(_scan)(p, shared) for p in parts]),
            progress=None,
            label="scan",
        )
        ctx.finish(scans)
        if points_out is None:
            aggs = _run_checked(client, parts, ctx, None, progress)
        else:
            with atomic_path(points_out) as tmp:
                tmp.mkdir()
                aggs = _run_checked(client, parts, ctx, str(tmp), progress)
    return _assemble(ctx, aggs)


def _run_checked(
    client: Any, parts: list[Any], ctx: _Context, out: str | None, progress: ProgressArg
) -> list[Any]:
    """Run every partition; again if the usable points ask for another metric CRS.

    The first pass measures in the UTM zone of the stations and the demand's raw
    extent (read without validating); :func:`geo.analyze` uses the extent of the
    *usable* points, which the partitions report. They differ only when rejected
    rows (or GCJ-02/BD-09 shifts) move the extent's centre into another zone:
    then the partitions run once more in the right one.
    """
    aggs = _run(client, parts, ctx, out, progress)
    bounds = [a.bounds for a in aggs]
    if ctx.refit(bounds):
        log.info("check_parquet: usable points are in another UTM zone; computing again")
        aggs = _run(client, parts, ctx, out, progress)
    return aggs


def _run(
    client: Any, parts: list[Any], ctx: _Context, out: str | None, progress: ProgressArg
) -> list[Any]:
    import dask

    shared = dask.delayed(ctx, traverse=False)
    tasks = [
        dask.delayed(_partition)(p, i, ctx.offsets[i], shared, out) for i, p in enumerate(parts)
    ]
    return wait_all(client.compute(tasks), progress=progress, label="partitions")


# --- the context every partition shares ------------------------------------------------


@dataclasses.dataclass(eq=False)
class _Context:
    settings: Settings
    stations: gpd.GeoDataFrame
    used_idx: np.ndarray
    area: gpd.GeoDataFrame | None
    grids: gpd.GeoDataFrame | None
    crs: str
    source: str
    generate_ids: bool
    rejected: list[Rejected]
    warnings: list[Rejected]
    offsets: list[int] = dataclasses.field(default_factory=list)
    n_rows: int = 0
    metric: CRS | None = None
    spec: gridmod.CellSpec | None = None
    sx: np.ndarray | None = None
    sy: np.ndarray | None = None

    def finish(self, scans: list[tuple[int, tuple[float, float, float, float]]]) -> None:
        """Offsets of the partitions and the metric CRS (from the extent of all data)."""
        counts = [n for n, _ in scans]
        self.offsets = [0, *np.cumsum(counts)[:-1].tolist()] if counts else []
        self.n_rows = int(sum(counts))
        self._set_metric(metric_crs(*self._extent([b for _, b in scans])))

    def refit(self, bounds: list[tuple[float, float, float, float]]) -> bool:
        """Measure in the zone of the usable points' extent; whether that changed it."""
        lon, lat = self._extent(bounds)
        if not np.isfinite(lon).any():
            return False
        metric = metric_crs(lon, lat)
        if metric == self.metric:
            return False
        self._set_metric(metric)
        return True

    def _extent(self, bounds: list[tuple[float, float, float, float]]) -> tuple[Any, Any]:
        lon = np.concatenate(
            [self.stations.geometry.x.to_numpy()] + [np.array(b[0::2]) for b in bounds]
        )
        lat = np.concatenate(
            [self.stations.geometry.y.to_numpy()] + [np.array(b[1::2]) for b in bounds]
        )
        if not np.isfinite(lon).any():
            raise InputError("no usable demand point and no station", file=self.source)
        return lon, lat

    def _set_metric(self, metric: CRS) -> None:
        used = self.stations.iloc[self.used_idx]
        self.metric = metric
        self.spec = gridmod.make_spec(self.settings.cell_shape, self.settings.cell_m, self.metric)
        to_m = Transformer.from_crs(4326, self.metric, always_xy=True)
        sx, sy = to_m.transform(used.geometry.x.to_numpy(), used.geometry.y.to_numpy())
        self.sx, self.sy = np.asarray(sx, dtype="float64"), np.asarray(sy, dtype="float64")


def _context(
    stations: Any,
    area: Any,
    grids: Any,
    settings: Settings,
    crs: str,
    sheet: str | int | None,
    demand: str | PathLike[str],
) -> _Context:
    st = combine_stations(read_station_inputs(stations, crs=crs, sheet=sheet))
    rejected, warnings = list(st.rejected), list(st.warnings)
    area_t = read_area_input(area, crs=crs) if area is not None else None
    grids_t = read_grids_input(grids, crs=crs) if grids is not None else None
    for t in (area_t, grids_t):
        if t is not None:
            rejected += t.rejected
            warnings += t.warnings
    station_gdf, notes = mark_used(st.frame, settings)
    warnings += notes
    return _Context(
        settings=settings,
        stations=station_gdf,
        used_idx=np.flatnonzero(station_gdf["used"].to_numpy(dtype=bool)),
        area=area_t.frame if area_t is not None else None,
        grids=grids_t.frame if grids_t is not None else None,
        crs=crs,
        source=str(demand),
        generate_ids=_needs_ids(demand),
        rejected=rejected,
        warnings=warnings,
    )


def _parquet_files(demand: str | PathLike[str]) -> list[Path]:
    path = Path(demand)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files:
        raise InputError("no Parquet part found", file=str(demand))
    return files


def _is_geoparquet(demand: str | PathLike[str]) -> bool:
    """Whether the (first part of the) Parquet demand carries GeoParquet's ``geo`` metadata;
    without it the points are read from coordinate columns."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(_parquet_files(demand)[0]).metadata or {}
    return b"geo" in meta


def _needs_ids(demand: str | PathLike[str]) -> bool:
    """Whether the demand has no id column (ids are then numbered over all partitions)."""
    import pyarrow.parquet as pq

    from geo.io import match_point_columns

    names = [n for n in pq.read_schema(_parquet_files(demand)[0]).names if n != "geometry"]
    return "id" not in match_point_columns(names, str(demand))


def _scan(
    part: gpd.GeoDataFrame, ctx: _Context
) -> tuple[int, tuple[float, float, float, float]]:
    """Rows of one partition, and the lon/lat extent of its points as read (not validated:
    :func:`_run_checked` corrects the zone when the usable points' extent differs)."""
    if not isinstance(part, gpd.GeoDataFrame):  # coordinate columns: read them as a table
        return len(part), _bounds(_read(part, ctx).frame.geometry.to_numpy())
    if part.crs is not None and not CRS.from_user_input(part.crs).is_geographic:
        part = part.to_crs(4326)
    return len(part), _bounds(part.geometry.to_numpy())


def _bounds(geom: np.ndarray) -> tuple[float, float, float, float]:
    geom = geom[~(shapely.is_missing(geom) | shapely.is_empty(geom))]
    if geom.size == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    x0, y0, x1, y1 = (float(b) for b in shapely.total_bounds(geom))
    return (x0, y0, x1, y1)


def _read(part: gpd.GeoDataFrame, ctx: _Context) -> Table:
    """One partition validated as :func:`geo.read_demand` validates a file."""
    if len(part) == 0:
        empty = gpd.GeoDataFrame(
            {"id": [], "row": np.zeros(0, "int64"), "weight": []},
            geometry=gpd.GeoSeries([], crs=4326),
            crs=4326,
        )
        return Table(empty, ctx.source)
    part = part.reset_index(drop=True)
    part.attrs = {"source": ctx.source, "first_row": 1}
    return demand_table(part, crs=ctx.crs)


# --- one partition, on a worker --------------------------------------------------------


@dataclasses.dataclass(eq=False)
class _Aggregates:
    """What one partition returns: sums, cells and its rejected rows."""

    rejected: list[Rejected]
    warnings: list[Rejected]
    points: int
    total: float
    covered: float
    bands: np.ndarray
    grid_demand: np.ndarray
    grid_covered: np.ndarray
    grid_points: np.ndarray
    outside_grids: np.ndarray  # points, demand, uncovered
    outside_area: np.ndarray | None
    cells: np.ndarray
    gaps: pd.DataFrame  # cell, grid, w (uncovered demand)
    served: np.ndarray
    only: np.ndarray
    bounds: tuple[float, float, float, float]


def _partition(
    part: gpd.GeoDataFrame, i: int, offset: int, ctx: _Context, out: str | None
) -> _Aggregates:
    """Validate, compute, write and sum up one partition."""
    table = _read(part, ctx)
    rejected = [_shift(r, offset) for r in table.rejected]
    warnings = [_shift(r, offset) for r in table.warnings]
    dem = table.frame
    rows = dem["row"].to_numpy(dtype="int64") + offset
    ids = numbered_ids(rows, ctx.n_rows) if ctx.generate_ids else dem["id"].to_numpy(dtype=object)
    lon = dem.geometry.x.to_numpy(dtype="float64")
    lat = dem.geometry.y.to_numpy(dtype="float64")
    assert ctx.metric is not None and ctx.spec is not None and ctx.sx is not None
    to_m = Transformer.from_crs(4326, ctx.metric, always_xy=True)
    x, y = (np.asarray(a, dtype="float64") for a in to_m.transform(lon, lat))
    w = demand_weights(dem)
    s = ctx.settings
    k = euclidean_part(x, y, (ctx.sx, ctx.sy), s, euclidean_margin_m(s))
    covered = reach.within(k.minutes, s.minutes)
    grid = zones.assign_grids(lon, lat, ctx.grids)
    cell_key = gridmod.cell_of_points(x, y, lon, lat, ctx.spec)
    if out is not None:
        geometry = dem.geometry.to_numpy()
        _write_part(out, i, ids, geometry, w, k.nearest, k.minutes, covered, grid, ctx)
    agg = _sums(ctx, rejected, warnings, lon, lat, w, k, covered, grid, cell_key)
    agg.bounds = (
        tuple(float(b) for b in shapely.total_bounds(dem.geometry.to_numpy()))
        if len(dem)
        else (np.nan, np.nan, np.nan, np.nan)
    )
    return agg


def _shift(r: Rejected, offset: int) -> Rejected:
    return dataclasses.replace(r, row=int(r.row) + offset)






def _write_part(
    out: str,
    i: int,
    ids: np.ndarray,
    geometry: np.ndarray,
    w: np.ndarray,
    nearest: np.ndarray,
    minutes: np.ndarray,
    covered: np.ndarray,
    grid: np.ndarray,
    ctx: _Context,
) -> None:
    station_ids = ctx.stations["id"].astype(str).to_numpy()[ctx.used_idx]
    name = np.full(nearest.size, None, dtype=object)
    has = nearest >= 0
    name[has] = station_ids[nearest[has]]
    table = gpd.GeoDataFrame(
        {
            "id": ids,
            "lon": shapely.get_x(geometry),
            "lat": shapely.get_y(geometry),
            "weight": w,
            "minutes": minutes,
            "nearest": name,
            "covered": covered,
            "band": reach.bands(minutes, ctx.settings.bands),
            "grid": grid,
        },
        geometry=geometry,
        crs=4326,
    )
    table.to_parquet(Path(out) / f"part.{i:05d}.parquet", index=False)


def _sums(
    ctx: _Context,
    rejected: list[Rejected],
    warnings: list[Rejected],
    lon: np.ndarray,
    lat: np.ndarray,
    w: np.ndarray,
    k: Any,
    covered: np.ndarray,
    grid: np.ndarray,
    cell_key: np.ndarray,
) -> _Aggregates:
    m = k.minutes
    names = _grid_names(ctx)
    codes = np.asarray(pd.Categorical(grid, categories=names).codes)
    inside = codes >= 0
    g = names.size
    out_g = ~inside
    unc = ~covered & (w > 0)
    served, only = station_sums(k.nearest, covered, k.unique, w, ctx.used_idx.size)
    gaps = (
        pd.DataFrame({"cell": cell_key[unc], "grid": grid[unc], "w": w[unc]})
        .groupby(["cell", "grid"], dropna=False, sort=False)["w"]
        .sum()
        .reset_index()
    )
    return _Aggregates(
        rejected=rejected,
        warnings=warnings,
        points=int(w.size),
        total=float(w.sum()),
        covered=float(w[covered].sum()),
        bands=reach.band_demand(m, w, ctx.settings.bands),
        grid_demand=np.bincount(codes[inside], weights=w[inside], minlength=g),
        grid_covered=np.bincount(
            codes[inside & covered], weights=w[inside & covered], minlength=g
        ),
        grid_points=np.bincount(codes[inside], minlength=g),
        outside_grids=np.array(
            [out_g.sum(), w[out_g].sum(), w[out_g & ~covered].sum()], dtype="float64"
        ),
        outside_area=_outside(ctx, lon, lat, w, covered),
        cells=np.unique(cell_key),
        gaps=gaps,
        served=served,
        only=only,
        bounds=(np.nan, np.nan, np.nan, np.nan),
    )


def _grid_names(ctx: _Context) -> np.ndarray:
    if ctx.grids is None:
        return np.zeros(0, dtype=object)
    return ctx.grids["grid"].astype(str).to_numpy()


def _outside(
    ctx: _Context, lon: np.ndarray, lat: np.ndarray, w: np.ndarray, covered: np.ndarray
) -> np.ndarray | None:
    if ctx.area is None:
        return None
    o = zones.outside_area(lon, lat, w, covered, ctx.area)
    return np.array([o["points"], o["demand"], o["uncovered_demand"]], dtype="float64")


# --- adding up ---------------------------------------------------------------------------


def _assemble(ctx: _Context, aggs: list[_Aggregates]) -> AggregateResult:
    if not any(a.points for a in aggs):
        raise InputError(
            "no usable demand point (every row was rejected; see the list above)",
            file=ctx.source, rejected=[*ctx.rejected, *(r for a in aggs for r in a.rejected)],
        )
    assert ctx.metric is not None and ctx.spec is not None
    totals = _Totals.of(aggs, _grid_names(ctx).size, ctx.settings.bands)
    gaps = pd.concat([a.gaps for a in aggs], ignore_index=True)
    cells = gap_cells(
        gaps["cell"].to_numpy(dtype="int64"), gaps["w"].to_numpy(),
        gaps["grid"].to_numpy(dtype=object), ctx.spec,
    )
    outside_area = None
    if ctx.area is not None:
        o = np.sum([a.outside_area for a in aggs], axis=0)
        outside_area = {"points": int(o[0]), "demand": float(o[1]), "uncovered_demand": float(o[2])}
    return AggregateResult(
        settings=ctx.settings,
        metric_crs=ctx.metric,
        cell_spec=ctx.spec,
        demand_source="points",
        stations=ctx.stations,
        points=gpd.GeoDataFrame(
            {c: [] for c in ("id", "lon", "lat", "weight", "minutes", "nearest", "covered")},
            geometry=gpd.GeoSeries([], crs=4326),
            crs=4326,
        ),
        gap_cells=cells,
        station_table=_station_table(ctx, aggs),
        area=ctx.area,
        grids=ctx.grids,
        rejected=ctx.rejected + [r for a in aggs for r in a.rejected],
        warnings=ctx.warnings + [r for a in aggs for r in a.warnings],
        outside_area=outside_area,
        totals=totals,
    )




def _station_table(ctx: _Context, aggs: list[_Aggregates]) -> pd.DataFrame:
    """The station table from every partition's per-station sums."""
    n_used = ctx.used_idx.size
    served = np.sum([a.served for a in aggs], axis=0) if aggs else np.zeros(n_used)
    only = np.sum([a.only for a in aggs], axis=0) if aggs else np.zeros(n_used)
    return station_table(ctx.stations, ctx.used_idx, served, only)


@dataclasses.dataclass(eq=False)
class _Totals:
    points: int
    total: float
    covered: float
    bands: np.ndarray
    grid_demand: np.ndarray
    grid_covered: np.ndarray
    grid_points: np.ndarray
    outside_grids: np.ndarray
    cells: int

    @classmethod
    def of(cls, aggs: list[_Aggregates], n_grids: int, bands: tuple[float, ...]) -> _Totals:
        def add(name: str, size: int) -> np.ndarray:
            arrays = [getattr(a, name) for a in aggs]
            return np.sum(arrays, axis=0) if arrays else np.zeros(size)

        return cls(
            points=sum(a.points for a in aggs),
            total=math.fsum(a.total for a in aggs),
            covered=math.fsum(a.covered for a in aggs),
            bands=add("bands", len(bands)),
            grid_demand=add("grid_demand", n_grids),
            grid_covered=add("grid_covered", n_grids),
            grid_points=add("grid_points", n_grids),
            outside_grids=add("outside_grids", 3),
            cells=int(np.unique(np.concatenate([a.cells for a in aggs])).size),
        )


@dataclasses.dataclass
class AggregateResult(CoverageResult):
    """A :class:`geo.CoverageResult` built from per-partition sums (no per-point table).

    ``summary()``, ``gap_table``, ``gaps``, ``grid_table`` and ``station_table``
    are those of :func:`geo.analyze` on the same input; ``points`` is empty (the
    per-point table was written by partition).
    """

    totals: Any = None

    @property
    def total_demand(self) -> float:
        """Sum of demand weights."""
        return float(self.totals.total)

    @property
    def covered_demand(self) -> float:
        """Demand within the threshold of a used station."""
        return float(self.totals.covered)

    def band_shares(self) -> list[dict[str, float]]:
        """Share of demand within each time band (cumulative)."""
        total = self.total_demand
        return [
            {"minutes": b, "demand": float(d), "share": float(d) / total if total else 0.0}
            for b, d in zip(self.settings.bands, self.totals.bands, strict=True)
        ]

    def cell_counts(self) -> tuple[int, int]:
        """(covered cells, total cells) of the cells holding demand."""
        return self.totals.cells - len(self.gap_cells.cells), self.totals.cells

    def outside_grids(self) -> dict[str, float] | None:
        """Demand in no 网格 (``None`` when no grids were given)."""
        if self.grids is None:
            return None
        o = self.totals.outside_grids
        return {"points": int(o[0]), "demand": float(o[1]), "uncovered_demand": float(o[2])}

    def _grid_sums(self, names: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per 网格: demand, covered demand and points, added up over the partitions."""
        t = self.totals
        return t.grid_demand, t.grid_covered, t.grid_points.astype("int64")
