"""``geo check`` of a plain study on arrays: the same summary, without pandas or geopandas.

A straight-line check of demand points reads its tables, measures, and sums; it needs no
table library, and importing pandas and geopandas alone takes longer than the whole check
of the demo. :func:`plain_summary` does that check when every input is plain
(:mod:`geo.lean.points`, :mod:`geo.lean.polygons`) and the options need nothing else,
and returns ``None`` otherwise: then :func:`geo.api.check` runs, which handles every
input and says what it rejected or remarked on.

The steps are those of :func:`geo.coverage.prepare` and :func:`geo.coverage.assemble`
with the same functions (:mod:`geo.study`, :mod:`geo.reach`, :mod:`geo.grid`,
:mod:`geo.zones`, :mod:`geo.tally`), so the summary is the same object, byte for byte
as JSON (``tests/lean`` compares the two paths).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy as np
import shapely

from geo import budget, reach, study, tally, zones
from geo import crs as crsmod
from geo import grid as gridmod
from geo.lean.points import read_plain_points
from geo.lean.polygons import read_plain_polygons
from geo.settings import Settings

__all__ = ["plain_summary"]

PathLikeStr = str | PathLike[str]


def plain_summary(
    stations: Sequence[PathLikeStr],
    *,
    demand: PathLikeStr | None,
    settings: Settings,
    area: PathLikeStr | None = None,
    grids: PathLikeStr | None = None,
    crs: str = "wgs84",
) -> dict[str, Any] | None:
    """The ``geo check --json`` summary of a plain straight-line study, else ``None``.

    Parameters
    ----------
    stations
        The station files (one plain CSV file is checked here).
    demand
        The demand file (a plain CSV file).
    settings
        The analysis parameters (straight lines, square cells, no station filter).
    area, grids
        Plain GeoJSON files, or ``None``.
    crs
        The coordinate system of rows and features that name none.

    Returns
    -------
    dict or None
        What :meth:`geo.CoverageResult.summary` gives for the same inputs; ``None`` when an
        input or option needs the general path.
    """
    if (settings.method != "euclidean" or settings.cell_shape != "square"
            or settings.categories or settings.amenity or settings.at
            or demand is None or len(stations) != 1):
        return None
    st = read_plain_points(stations[0], kind="stations", crs_name=crs)
    dm = read_plain_points(demand, kind="demand", crs_name=crs) if st is not None else None
    if st is None or dm is None:
        return None
    ar = read_plain_polygons(area, grids=False, crs_name=crs) if area is not None else None
    gr = read_plain_polygons(grids, grids=True, crs_name=crs) if grids is not None else None
    if (area is not None and ar is None) or (grids is not None and gr is None):
        return None
    if len(dm) * budget.BYTES_PER_POINT > budget.current():
        return None  # the general path says so, with the numbers
    ref_lon, ref_lat = study.study_points(ar.bounds() if ar is not None else None,
                                          (dm.lon, dm.lat), st.lon, st.lat)
    if (study.far_beyond_km(ref_lon, ref_lat, st.lon, st.lat) > study.FAR_STATION_KM).any():
        return None  # reported station by station on the general path
    return _summary(st.lon, st.lat, dm.lon, dm.lat, dm.weight, ar, gr, settings,
                    crsmod.metric_crs(ref_lon, ref_lat))


def _summary(s_lon, s_lat, lon, lat, weight, ar, gr, settings, metric):  # type: ignore[no-untyped-def]
    """The analysis and the summary (every station used, no row rejected)."""
    from pyproj import Transformer

    to_m = Transformer.from_crs(4326, metric, always_xy=True)
    spec = gridmod.make_spec("square", settings.cell_m, metric)
    x, y = (np.asarray(a) for a in to_m.transform(lon, lat))
    cell_key = gridmod.cell_of_points(x, y, lon, lat, spec)
    sx, sy = (np.asarray(a) for a in to_m.transform(s_lon, s_lat))
    minutes = reach.nearest_minutes(sx, sy, x, y, settings)
    covered = reach.within(minutes, settings.minutes)
    codes = zones.codes_in(lon, lat, gr.geoms) if gr is not None else None
    unc = ~covered & (weight > 0)
    unc_grid = np.full(int(unc.sum()), None, dtype=object)
    if codes is not None:
        inside = codes[unc] >= 0
        unc_grid[inside] = gr.names[codes[unc][inside]]
    gc = tally.gap_cells(cell_key[unc], weight[unc], unc_grid, spec)
    n = int(gc.label.max()) + 1 if gc.label.size else 0
    area_m2 = None
    if ar is not None and n:
        area_metric = crsmod.reproject(shapely.union_all(ar.geoms), to_m)
        area_m2 = tally.gap_areas_in_area(gc, area_metric, n)
    gaps = tally.gap_rows(gc.cells, gc.demand, gc.label,
                          tally.gap_grids(gc.point_label, gc.point_grid, gc.point_weight, n),
                          area_m2)
    grid_rows = outside_grids = None
    if gr is not None:
        names = gr.names.astype(str)
        grid_rows = tally.grid_rows(names, tally.grid_sums(codes, weight, covered, names.size),
                                    zones.codes_in(s_lon, s_lat, gr.geoms), gaps["grid"])
        outside_grids = tally.share_counts(codes < 0, weight, covered)
    outside_area = None
    if ar is not None:
        outside_area = tally.share_counts(zones.outside_of(lon, lat, ar.geoms), weight, covered)
    total_cells = tally.distinct_count(cell_key)
    return tally.summary_of(
        total=float(weight.sum()),
        covered=float(weight[covered].sum()),
        cell_counts=(total_cells - len(gc.cells), total_cells),
        stations_used=s_lon.size,
        stations_total=s_lon.size,
        demand_source="points",
        rejected=[],
        warnings=[],
        gaps=gaps,
        grids=grid_rows,
        outside_grids=outside_grids,
        outside_area=outside_area,
        bands=tally.band_shares(minutes, weight, settings.bands),
        network=None,
        params=settings.params(),
        metric_crs=metric.to_string(),
    )
