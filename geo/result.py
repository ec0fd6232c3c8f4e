"""The result of a coverage analysis: tables, gap polygons and the JSON summary."""

from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo import crs as crsmod
from geo import gapshapes, reach, tally, zones
from geo import grid as gridmod
from geo.errors import Rejected
from geo.settings import Settings
from geo.tally import GapCells, finite_json

__all__ = ["POINT_COLUMNS", "CoverageResult", "GapCells", "MetricCoords", "finite_json"]

#: Columns of ``--points-out`` and :attr:`CoverageResult.points`, in order (docs/interface.md).
POINT_COLUMNS = ("id", "lon", "lat", "weight", "minutes", "nearest", "covered")


@dataclass(frozen=True, eq=False)
class MetricCoords:
    """Where everything lies in the analysis' metric CRS, kept so nothing projects twice.

    Attributes
    ----------
    crs
        The metric CRS (the UTM zone of the data).
    x, y
        The demand points (or cells), in the order of :attr:`CoverageResult.points`.
    sx, sy
        Every station, in the order of :attr:`CoverageResult.stations`.
    """

    crs: CRS
    x: np.ndarray
    y: np.ndarray
    sx: np.ndarray
    sy: np.ndarray


@dataclass
class CoverageResult:
    """Everything one analysis found.

    Attributes
    ----------
    settings
        The parameters used.
    metric_crs
        The UTM zone distances were measured in.
    cell_spec
        The cell layout used for gaps (and for demand cells).
    demand_source
        ``points`` (a demand table) or ``cells`` (a grid over the study area).
    stations
        Every station read, with ``used`` and ``excluded`` (why not used).
    points
        One row per demand point or cell, input order: ``id, lon, lat, weight,
        minutes, nearest, covered`` plus ``band``, ``grid`` and ``cell``.
    station_table
        Per station: demand it is nearest to and covers (``covered_demand``)
        and demand no other station covers (``unique_demand``).
    area, grids
        The study area and the 网格 used, in WGS-84 (``None`` if not given).
    rejected
        Input rows that could not be used (file, row, column, reason).
    warnings
        Rows used with a caveat (e.g. unknown opening hours with ``--at``).
    outside_area
        Demand points outside the study area (``points``, ``demand``,
        ``uncovered_demand``), or ``None``.
    network
        The street-network details (:class:`geo.network.NetworkCoverage`) with
        ``method="network"``, else ``None``.
    xy
        The points and stations in metres (:class:`MetricCoords`).
    sources
        The file each input came from, as the user named it (``stations``,
        ``demand``, ``area``, ``grids``).
    basemap_network
        A street network given with ``method="euclidean"``: not used to measure, only
        drawn as the maps' streets (a file, ``helsinki`` or a
        :class:`geo.network.Network`); with ``method="network"`` the maps draw the
        network measured on (:attr:`network`).
    """

    settings: Settings
    metric_crs: CRS
    cell_spec: gridmod.CellSpec
    demand_source: str
    stations: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    gap_cells: GapCells
    station_table: pd.DataFrame
    area: gpd.GeoDataFrame | None = None
    grids: gpd.GeoDataFrame | None = None
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Rejected] = field(default_factory=list)
    outside_area: dict[str, float] | None = None
    network: Any = None  # geo.network.NetworkCoverage with method="network"
    xy: MetricCoords | None = None
    sources: dict[str, str] = field(default_factory=dict)
    basemap_network: Any = None
    #: What the per-point kernel was given and answered (``geo.coverage.Prepared`` and
    #: ``KernelOutput``), kept so that a what-if station can be added without starting
    #: over (:func:`geo.scenario.add_incrementally`); not part of the result's values.
    kernel_state: Any = field(default=None, repr=False, compare=False)
    #: Cells holding demand (``demand_source="points"``), counted when assembled.
    total_cells: int | None = field(default=None, repr=False, compare=False)
    #: Per point, the row of its 网格 in :attr:`grids` (``-1`` in none), when assembled
    #: with 网格: ``points["grid"]`` as numbers, so the 网格 sums need no string matching.
    point_grid_codes: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: Per point, whether it lies outside :attr:`area` (``demand_source="points"`` with an
    #: area), kept for analyses of the same points.
    point_outside_area: np.ndarray | None = field(default=None, repr=False, compare=False)

    # --- headline numbers --------------------------------------------------------------

    @property
    def total_demand(self) -> float:
        """Sum of demand weights."""
        return float(self.points["weight"].to_numpy().sum())

    @property
    def covered_demand(self) -> float:
        """Demand within the threshold of a used station."""
        p = self.points
        return float(p["weight"].to_numpy()[p["covered"].to_numpy()].sum())

    @property
    def coverage(self) -> float:
        """Covered demand / total demand (0 when there is no demand)."""
        total = self.total_demand
        return self.covered_demand / total if total > 0 else 0.0

    @property
    def stations_used(self) -> int:
        """Stations that passed the filters."""
        return int(self.stations["used"].sum())

    def band_shares(self) -> list[dict[str, float]]:
        """Share of demand within each time band (cumulative)."""
        p = self.points
        return tally.band_shares(p["minutes"].to_numpy(), p["weight"].to_numpy(),
                                 self.settings.bands)

    # --- gaps -----------------------------------------------------------------------------

    @property
    def gap_count(self) -> int:
        """Number of gaps: the rows of :attr:`gap_table`, without building it."""
        label = self.gap_cells.label
        return int(label.max()) + 1 if label.size else 0

    @cached_property
    def gap_table(self) -> pd.DataFrame:
        """Gaps (connected uncovered regions), largest uncovered demand first.

        Columns: ``rank, demand, area_m2, cells, lon, lat, grid, label``;
        ``lon``/``lat`` (WGS-84) is the centre of the gap's cell nearest to the
        demand-weighted centre of its uncovered demand, so it always lies in the gap.
        """
        gc = self.gap_cells
        n = self.gap_count
        area = self._gap_areas_in_area(n) if self.area is not None and n else None
        rows = tally.gap_rows(gc.cells, gc.demand, gc.label, self._gap_grids(n), area)
        return pd.DataFrame(rows, columns=list(tally.GAP_COLUMNS))

    def _gap_grids(self, n: int) -> np.ndarray:
        gc = self.gap_cells
        return tally.gap_grids(gc.point_label, gc.point_grid, gc.point_weight, n)

    def _gap_areas_in_area(self, n: int) -> np.ndarray:
        """Per gap label, its area inside the study area (m²): of the polygons drawn before,
        else :func:`geo.tally.gap_areas_in_area`."""
        cached = self.__dict__.get("_gap_polys")
        if cached is not None:
            return shapely.area(cached)
        assert self._area_metric is not None
        return tally.gap_areas_in_area(self.gap_cells, self._area_metric, n)

    def _gap_polygons_metric(self, n: int) -> np.ndarray:
        """One polygon per gap label (metric CRS), clipped to the study area; a gap made of
        the same cells as one drawn before (a what-if, other minutes) is that polygon
        (:mod:`geo.gapshapes`)."""
        cached = self.__dict__.get("_gap_polys")
        if cached is not None:
            return cached
        out = gapshapes.kept_shapes(self.gap_names(n, "metric"), self._merged_gaps)
        self.__dict__["_gap_polys"] = out
        return out

    def gap_names(self, n: int, what: Hashable) -> list[tuple]:
        """A name per gap label for its kept shapes: its cells' signature, the cell layout,
        the study area and ``what`` (e.g. ``"metric"``, or a map's outline and datum)."""
        if "_gap_sigs" not in self.__dict__:
            gc = self.gap_cells
            self.__dict__["_gap_sigs"] = (
                gapshapes.signatures(gc.label, gc.cells.key, n),
                (self.cell_spec, gapshapes.area_digest(self._area_shape)))
        sigs, context = self.__dict__["_gap_sigs"]
        return [(context, what, sig) for sig in sigs]

    def _merged_gaps(self, labels: np.ndarray) -> np.ndarray:
        """The polygons of some gap labels: their cells merged, clipped to the study area."""
        gc = self.gap_cells
        want = np.zeros(int(gc.label.max()) + 1, dtype=bool)
        want[labels] = True
        sub = np.flatnonzero(want[gc.label])
        cells = gc.cells
        polys = gridmod.Cells(cells.spec, cells.key[sub], cells.x[sub], cells.y[sub],
                              cells.lon[sub], cells.lat[sub]).polygons_metric()
        label = gc.label[sub]
        if self.cell_spec.shape == "square":
            merged = shapely.coverage_union_all(polys)
        else:
            merged = shapely.union_all(polys)
        parts = shapely.get_parts(merged)
        # label each part by the cells whose centres it contains (the parts as the query: each
        # is prepared once, 40x faster than a point-in-polygon test per cell of a city)
        tree = shapely.STRtree(shapely.points(cells.x[sub], cells.y[sub]))
        part_idx, cell_idx = tree.query(parts, predicate="contains")
        by_cell = np.argsort(cell_idx, kind="stable")  # in cell order, as a query per cell
        part_idx, cell_idx = part_idx[by_cell], cell_idx[by_cell]
        part_label = np.full(parts.size, -1, dtype="int64")
        part_label[part_idx] = label[cell_idx]
        out = np.full(want.size, None, dtype=object)
        ok = part_label >= 0
        # several parts can only share a label when a hexagon union splits; merge them
        if np.unique(part_label[ok]).size == ok.sum():
            out[part_label[ok]] = parts[ok]
        else:
            for lab in np.unique(part_label[ok]):
                out[lab] = shapely.union_all(parts[part_label == lab])
        out = out[labels]
        if self._area_metric is not None:
            out = shapely.intersection(out, self._area_metric)
        return out

    @cached_property
    def _area_shape(self) -> shapely.Geometry | None:
        """The study area as one shape (WGS-84), or ``None`` without one."""
        return shapely.union_all(self.area.geometry.to_numpy()) if self.area is not None else None

    @cached_property
    def _area_metric(self) -> shapely.Geometry | None:
        """:attr:`_area_shape` in the metric CRS (:attr:`metric_crs`)."""
        if self._area_shape is None:
            return None
        return crsmod.reproject(self._area_shape,
                                Transformer.from_crs(4326, self.metric_crs, always_xy=True))

    @cached_property
    def gaps_metric(self) -> gpd.GeoDataFrame:
        """Gap polygons in the metric CRS (:attr:`metric_crs`), columns of :attr:`gap_table`."""
        table = self.gap_table
        n = len(table)
        if n == 0:
            return gpd.GeoDataFrame(
                table, geometry=gpd.GeoSeries([], crs=self.metric_crs), crs=self.metric_crs
            )
        polys = self._gap_polygons_metric(n)[table["label"].to_numpy()]
        return gpd.GeoDataFrame(table.copy(), geometry=polys, crs=self.metric_crs)

    @cached_property
    def gaps(self) -> gpd.GeoDataFrame:
        """Gap polygons (WGS-84) with the columns of :attr:`gap_table`."""
        metric = self.gaps_metric
        if len(metric) == 0:
            return gpd.GeoDataFrame(
                self.gap_table, geometry=gpd.GeoSeries([], crs=4326), crs=4326
            )
        back = Transformer.from_crs(self.metric_crs, 4326, always_xy=True)
        geom = crsmod.reproject(metric.geometry.to_numpy(), back)
        return gpd.GeoDataFrame(self.gap_table.copy(), geometry=geom, crs=4326)

    def service_areas(self, crs: str = "wgs84") -> gpd.GeoDataFrame:
        """The areas within each time band of a used station (5/10/15 minutes), one per band.

        Straight line: circles of the straight-line reach around the used stations,
        one union per band, simplified by 1 m. Street network: the covered street
        pieces buffered (see :meth:`geo.network.NetworkCoverage.band_polygons`).
        Both are clipped to the study area.

        Parameters
        ----------
        crs
            ``wgs84`` or ``metric`` (:attr:`metric_crs`).

        Returns
        -------
        geopandas.GeoDataFrame
            ``minutes``, ``radius_m`` (the straight-line reach; NaN along the streets)
            and the polygons, ascending by minutes; empty without a used station.
        """
        areas = self._service_areas
        if crs == "wgs84":
            return areas["wgs84"]
        if crs == "metric":
            if areas["metric"] is None:
                areas["metric"] = areas["wgs84"].to_crs(self.metric_crs)
            return areas["metric"]
        raise ValueError(f"crs must be 'wgs84' or 'metric', not {crs!r}")

    @cached_property
    def _service_areas(self) -> dict[str, gpd.GeoDataFrame | None]:
        s = self.settings
        if self.network is not None:
            bands = self.network.band_polygons(s.bands, area=self._area_shape)
            bands.insert(1, "radius_m", np.nan)
            return {"wgs84": bands, "metric": None}
        used = self.stations["used"].to_numpy(dtype=bool)
        xy = self.metric_coords()
        rows = reach.straight_service_areas(xy.sx[used], xy.sy[used], s, clip=self._area_metric)
        metric = gpd.GeoDataFrame(
            {"minutes": [m for m, _, _ in rows], "radius_m": [r for _, r, _ in rows]},
            geometry=gpd.GeoSeries([g for _, _, g in rows], crs=self.metric_crs),
            crs=self.metric_crs,
        )
        back = Transformer.from_crs(self.metric_crs, 4326, always_xy=True)
        wgs = gpd.GeoDataFrame(
            metric.drop(columns="geometry"),
            geometry=gpd.GeoSeries(crsmod.reproject(metric.geometry.to_numpy(), back), crs=4326),
            crs=4326,
        )
        return {"wgs84": wgs, "metric": metric}

    def metric_coords(self) -> MetricCoords:
        """The points and stations in metres (:attr:`xy`; computed once where not kept).

        Returns
        -------
        MetricCoords
        """
        if self.xy is not None:
            return self.xy
        to_m = Transformer.from_crs(4326, self.metric_crs, always_xy=True)
        x, y = to_m.transform(self.points["lon"].to_numpy(dtype="float64"),
                              self.points["lat"].to_numpy(dtype="float64"))
        sx, sy = to_m.transform(self.stations.geometry.x.to_numpy(dtype="float64"),
                                self.stations.geometry.y.to_numpy(dtype="float64"))
        self.xy = MetricCoords(self.metric_crs, *(np.asarray(a) for a in (x, y, sx, sy)))
        return self.xy

    # --- per grid -------------------------------------------------------------------------

    @cached_property
    def grid_table(self) -> pd.DataFrame:
        """Per 网格: demand, covered and uncovered demand, coverage, points, stations, gaps.

        Rows follow the grids file order; demand outside every 网格 is not in
        this table but in ``summary()["outside_grids"]``.
        """
        if self.grids is None:
            return pd.DataFrame(columns=list(tally.GRID_COLUMNS))
        names = self.grids["grid"].astype(str).to_numpy()
        st = self.stations[self.stations["used"]]
        st_codes = zones.codes_in(st.geometry.x.to_numpy(), st.geometry.y.to_numpy(),
                                  np.asarray(self.grids.geometry.to_numpy(), dtype=object))
        rows = tally.grid_rows(names, self._grid_sums(names), st_codes,
                               self.gap_table["grid"].to_numpy())
        return pd.DataFrame(rows, columns=list(tally.GRID_COLUMNS))

    def _grid_sums(self, names: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per 网格 (in ``names`` order): demand, covered demand and demand points."""
        p = self.points
        codes = self.point_grid_codes
        if codes is None:
            codes = np.asarray(pd.Categorical(p["grid"], categories=names).codes)
        return tally.grid_sums(np.asarray(codes, dtype="int64"), p["weight"].to_numpy(),
                               p["covered"].to_numpy(), names.size)

    def outside_grids(self) -> dict[str, float] | None:
        """Demand in no 网格 (``None`` when no grids were given)."""
        if self.grids is None:
            return None
        p = self.points
        return tally.share_counts(p["grid"].isna().to_numpy(), p["weight"].to_numpy(),
                                  p["covered"].to_numpy())

    # --- outputs ---------------------------------------------------------------------------

    def cell_counts(self) -> tuple[int, int]:
        """(covered cells, total cells): cells holding demand, and those with none uncovered."""
        p = self.points
        if self.demand_source == "cells":
            return int(p["covered"].sum()), len(p)
        total = (self.total_cells if self.total_cells is not None
                 else pd.unique(p["cell"].to_numpy()).size)
        uncovered = len(self.gap_cells.cells)
        return total - uncovered, total

    def summary(self) -> dict[str, Any]:
        """The ``geo check --json`` object (docs/interface.md), as a dict of plain values."""
        return copy.deepcopy(self._summary)

    @cached_property
    def _summary(self) -> dict[str, Any]:
        return tally.summary_of(
            total=self.total_demand,
            covered=self.covered_demand,
            cell_counts=self.cell_counts(),
            stations_used=self.stations_used,
            stations_total=len(self.stations),
            demand_source=self.demand_source,
            rejected=[r.to_dict() for r in self.rejected],
            warnings=[r.to_dict() for r in self.warnings],
            gaps={c: self.gap_table[c].to_numpy() for c in tally.GAP_COLUMNS},
            grids=({c: self.grid_table[c].to_numpy() for c in tally.GRID_COLUMNS}
                   if self.grids is not None else None),
            outside_grids=self.outside_grids(),
            outside_area=self.outside_area,
            bands=self.band_shares(),
            network=self.network.summary() if self.network is not None else None,
            params=self.settings.params(),
            metric_crs=self.metric_crs.to_string(),
        )

    def to_json(self, **kwargs: Any) -> str:
        """The summary as a JSON string: strict JSON, a NaN or infinity written as ``null``."""
        return tally.summary_json(self.summary(), **kwargs)

    def points_table(self) -> pd.DataFrame:
        """The ``--points-out`` table: ``id, lon, lat, weight, minutes, nearest, covered``."""
        p = self.points
        return pd.DataFrame(
            {
                "id": p["id"].array,
                "lon": np.round(p["lon"].to_numpy(dtype="float64"), 7),
                "lat": np.round(p["lat"].to_numpy(dtype="float64"), 7),
                "weight": p["weight"].to_numpy(),
                "minutes": np.round(p["minutes"].to_numpy(dtype="float64"), 3),
                "nearest": p["nearest"].array,
                "covered": np.where(p["covered"].to_numpy(), "true", "false"),
            }
        )

    def to_map(self, **kwargs: Any) -> Any:
        """The report map (a ``folium.Map``); options of :func:`geo.maps.coverage_map`."""
        from geo.maps import coverage_map

        return coverage_map(self, **kwargs)

    def report(self, path: str | PathLike[str], **kwargs: Any) -> Any:
        """Write the report pack (map, map picture, charts, workbook, summary) to a folder or zip.

        Parameters
        ----------
        path
            A folder (created if missing) or a ``.zip`` file.
        **kwargs
            Options of :func:`geo.report.write_report` (``title``, ``lang``,
            ``scenarios``, ``target``, ``map_png``, ``dpi``, ``illustrative``, ``date`` …).

        Returns
        -------
        geo.report.ReportPack
            The files written and how ``map.png`` was drawn.
        """
        from geo.report import write_report

        return write_report(self, path, **kwargs)

    def write_points(self, path: str | PathLike[str]) -> None:
        """Write :meth:`points_table` (CSV, XLSX, GeoJSON, GPKG or Parquet by extension)."""
        from geo.io import write_table

        write_table(self.points_table(), path)
