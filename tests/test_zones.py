"""Which 网格 holds each point (``geo.zones``), against GEOS's own spatial index."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import zones


def _by_strtree(lon, lat, grids):
    """The reference: one STRtree query of every point with ``intersects``; the first 网格
    in file order where several hold a point."""
    out = np.full(lon.size, -1, dtype="int64")
    tree = shapely.STRtree(grids.geometry.to_numpy())
    pt, gi = tree.query(shapely.points(lon, lat), predicate="intersects")
    order = np.lexsort((gi, pt))
    pt, gi = pt[order], gi[order]
    first = np.ones(pt.size, dtype=bool)
    first[1:] = pt[1:] != pt[:-1]
    out[pt[first]] = gi[first]
    return out


def _grids(rng, n):
    """A lattice of 网格 (shared borders), some jittered into overlaps, one hole, one
    multipolygon, one empty and one missing geometry."""
    side = int(np.ceil(np.sqrt(n)))
    polys = []
    for k in range(n):
        i, j = divmod(k, side)
        x0, y0 = 120.5 + 0.01 * i, 31.2 + 0.01 * j
        poly = shapely.box(x0, y0, x0 + 0.01, y0 + 0.01)
        if k % 7 == 3:  # reaches into its neighbours
            poly = shapely.Polygon(np.asarray(poly.exterior.coords) + rng.normal(0, 0.002, (5, 2)))
            poly = shapely.make_valid(poly)
        polys.append(poly)
    polys[1] = shapely.box(120.5, 31.21, 120.51, 31.22).difference(
        shapely.box(120.503, 31.213, 120.507, 31.217))
    polys[2] = shapely.MultiPolygon([shapely.box(120.5, 31.22, 120.505, 31.225),
                                     shapely.box(120.62, 31.3, 120.63, 31.31)])
    polys[4] = shapely.Polygon()
    polys[5] = None
    return gpd.GeoDataFrame({"grid": [f"G{k}" for k in range(n)]}, geometry=polys, crs=4326)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grid_codes_as_a_strtree_query(seed):
    rng = np.random.default_rng(seed)
    grids = _grids(rng, 40)
    # random points, the lattice's own vertices and edge midpoints (shared borders), far
    # points and missing coordinates
    lon = rng.uniform(120.49, 120.58, 5000)
    lat = rng.uniform(31.19, 31.28, 5000)
    gx, gy = np.meshgrid(120.5 + 0.005 * np.arange(16), 31.2 + 0.005 * np.arange(16))
    lon = np.concatenate([lon, gx.ravel(), [0.0, np.nan, 120.55]])
    lat = np.concatenate([lat, gy.ravel(), [0.0, 31.25, np.nan]])
    got = zones.assign_grid_codes(lon, lat, grids)
    want = _by_strtree(lon, lat, grids)
    np.testing.assert_array_equal(got, want)
    assert (got >= 0).sum() > 2000 and (got == -1).sum() > 1000
    on_border = np.isin(lon, gx) & np.isin(lat, gy)
    assert (got[on_border] >= 0).sum() > 50  # borders and corners belong to a 网格


def test_no_grids_and_no_points():
    assert zones.assign_grid_codes(np.array([120.5]), np.array([31.2]), None).tolist() == [-1]
    grids = _grids(np.random.default_rng(0), 9)
    assert zones.assign_grid_codes(np.zeros(0), np.zeros(0), grids).size == 0


def test_the_callers_grids_are_not_prepared_and_threads_agree():
    # Dask runs partitions of one table in threads over the same 网格: preparing a shared
    # GEOS geometry in two threads at once aborted the process (seen in the test suite),
    # so the caller's geometries stay as given and each call prepares copies of its own
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    grids = _grids(rng, 60)
    lon = rng.uniform(120.49, 120.59, 40_000)
    lat = rng.uniform(31.19, 31.29, 40_000)
    want = _by_strtree(lon, lat, grids)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: zones.assign_grid_codes(lon, lat, grids), range(16)))
    for g in got:
        np.testing.assert_array_equal(g, want)
    geoms = grids.geometry.to_numpy()
    assert not shapely.is_prepared(geoms[~shapely.is_missing(geoms)]).any()


def test_a_prepared_copy_leaves_the_shared_geometry_unprepared():
    shared = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    mine = zones.prepared_copy(shared)
    assert mine is not shared and shapely.equals(mine, shared)
    assert shapely.is_prepared(mine) and not shapely.is_prepared(shared)
