"""Cells over an area, cell keys and connected regions."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS

from geo import grid

UTM51 = CRS.from_epsg(32651)


def test_square_keys_round_trip_including_negative_indices():
    rng = np.random.default_rng(0)
    i = rng.integers(-(10**6), 10**6, 1000)
    j = rng.integers(-(10**6), 10**6, 1000)
    back_i, back_j = grid.square_unkey(grid.square_key(i, j))
    assert (back_i == i).all() and (back_j == j).all()
    assert (
        np.unique(grid.square_key(i, j)).size == np.unique(np.column_stack([i, j]), axis=0).shape[0]
    )


def test_square_components_use_edges_not_corners():
    # an L of three cells, a cell touching it only at a corner, and a lone far cell
    i = np.array([0, 1, 1, 2, 9])
    j = np.array([0, 0, 1, 2, 9])
    labels = grid._square_components(i, j)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] != labels[2]  # (2, 2) meets (1, 1) only at a corner
    assert len(set(labels.tolist())) == 3


def test_squares_over_area_keep_cells_whose_centre_is_inside():
    poly = shapely.Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)])
    i, j = grid.squares_over(poly, 100.0)
    assert i.size == 100
    tri = shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])
    i, j = grid.squares_over(tri, 100.0)
    cx, cy = (i + 0.5) * 100, (j + 0.5) * 100
    assert (cx + cy < 1000).all()
    assert i.size == 45  # centres strictly below the diagonal


def test_cells_over_area_match_area_and_are_inside():
    area = shapely.box(120.59, 31.27, 120.64, 31.305)
    spec = grid.make_spec("square", 100.0, UTM51)
    cells = grid.cells_over_area(area, spec)
    area_m2 = gpd.GeoSeries([area], crs=4326).to_crs(UTM51).area.iloc[0]
    assert len(cells) == pytest.approx(area_m2 / 1e4, rel=0.01)
    assert shapely.contains_xy(area, cells.lon, cells.lat).all()
    assert (np.diff(cells.key) > 0).all()


def test_h3_resolution_is_closest_area():
    assert grid.h3_resolution(100.0) == 10
    res = grid.h3_resolution(350.0)
    areas = [h3.average_hexagon_area(r, unit="m^2") for r in (res - 1, res, res + 1)]
    target = 350.0**2
    assert abs(np.log(areas[1] / target)) <= min(abs(np.log(a / target)) for a in areas)


def test_hex_cells_and_components():
    area = shapely.box(120.60, 31.28, 120.61, 31.29)
    spec = grid.make_spec("hex", 100.0, UTM51)
    cells = grid.cells_over_area(area, spec)
    assert len(cells) > 50
    assert len(set(cells.components().tolist())) == 1
    # keep two far-apart cells: two regions
    two = grid.cells_from_keys(cells.key[[0, -1]], spec)
    assert len(set(two.components().tolist())) == 2
    polys = cells.polygons_metric()
    true_area = [h3.cell_area(h3.int_to_str(int(k)), unit="m^2") for k in cells.key]
    np.testing.assert_allclose(shapely.area(polys), true_area, rtol=0.005)
    np.testing.assert_allclose(cells.areas(), true_area, rtol=0.005)


def test_cell_of_points_is_the_containing_cell():
    rng = np.random.default_rng(3)
    x = rng.uniform(200_000, 210_000, 500)
    y = rng.uniform(3_460_000, 3_470_000, 500)
    spec = grid.make_spec("square", 100.0, UTM51)
    keys = grid.cell_of_points(x, y, x, y, spec)
    cells = grid.cells_from_keys(keys, spec)
    polys = cells.polygons_metric()
    pos = np.searchsorted(cells.key, keys)
    assert shapely.contains_xy(polys[pos], x, y).all()


def test_too_large_grid_is_refused():
    from geo.errors import InputError

    with pytest.raises(InputError, match="too large"):
        grid.squares_over(shapely.box(0, 0, 1_000_000, 1_000_000), 10.0)


def test_a_grid_too_large_to_hold_is_refused_before_it_is_made() -> None:
    import geo
    from geo.errors import InputError

    with pytest.raises(InputError, match=r"too large|cells"):
        geo.analyze(pd.DataFrame({"经度": [120.62], "纬度": [31.29]}),
                    area=shapely.box(100.0, 20.0, 125.0, 45.0), cell_m=10)


def test_a_far_station_does_not_stretch_the_stations_extent() -> None:
    """A station 420 km away (宿州 for 苏州, a sound-alike city) once made a grid too large
    to hold; now the study is the bulk of the stations, and the stray one is reported."""
    import geo

    far = pd.DataFrame({"名称": ["苏州", "宿州"], "经度": [120.62, 116.98], "纬度": [31.29, 33.63]})
    result = geo.analyze(geo.read_stations(far), cell_m=50)
    alone = geo.analyze(geo.read_stations(far.iloc[:1]), cell_m=50)
    assert result.summary()["total_cells"] == alone.summary()["total_cells"]
    (note,) = [w for w in result.warnings if "km from the study" in w.reason]
    km = float(note.reason.split(" km")[0].split()[-1].replace(",", ""))
    assert note.row == 3 and 400 < km < 450
