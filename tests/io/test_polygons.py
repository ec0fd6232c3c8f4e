"""The study area and the 网格 (``geo.io.polygons``): polygons only, named, in WGS-84."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _helpers.io import HEADER, _point_gdf, assert_accounted, assert_rejected, write_csv

from geo import crs as crsmod
from geo.errors import InputError
from geo.io import read_area, read_grids


def test_read_area_polygons_and_gcj02(tmp_path):
    path = tmp_path / "area.geojson"
    poly = shapely.Polygon([(120.59, 31.27), (120.64, 31.27), (120.64, 31.305), (120.59, 31.305)])
    gpd.GeoDataFrame({"名称": ["沧浪街道"]}, geometry=[poly], crs=4326).to_file(path)
    area = read_area(path)
    assert area.geometry.iloc[0].equals(poly)
    assert area["row"].tolist() == [1]
    converted = read_area(path, crs="gcj02")
    xs, ys = np.asarray(poly.exterior.coords).T
    want = crsmod.gcj02_to_wgs84(xs, ys)
    got = np.asarray(converted.geometry.iloc[0].exterior.coords)
    np.testing.assert_allclose(got[:, 0], want[0], atol=1e-12)
    np.testing.assert_allclose(got[:, 1], want[1], atol=1e-12)


def test_read_area_rejects_non_polygons(tmp_path):
    path = tmp_path / "area.geojson"
    gpd.GeoDataFrame(
        {"n": [1, 2, 3]},
        geometry=[shapely.box(120.6, 31.2, 120.7, 31.3), shapely.Point(120.6, 31.3), None],
        crs=4326,
    ).to_file(path)
    area = read_area(path)
    assert area["row"].tolist() == [1]
    assert_rejected(area, path, 2, "geometry", "Point", "not a polygon")
    assert_rejected(area, path, 3, "geometry", "no geometry")


def test_read_area_from_points_or_csv_is_an_input_error(tmp_path):
    pts = tmp_path / "pts.geojson"
    _point_gdf().to_file(pts)
    with pytest.raises(InputError) as err:
        read_area(pts)
    assert err.value.file == str(pts) and "polygon" in str(err.value)
    csv = write_csv(tmp_path / "area.csv", [HEADER, "1,甲,x,120.6,31.3"])
    with pytest.raises(InputError) as err:
        read_area(csv)
    assert err.value.file == str(csv) and ".csv" in str(err.value)


def test_read_grids_names(tmp_path):
    boxes = [shapely.box(120.59 + i * 0.01, 31.27, 120.60 + i * 0.01, 31.28) for i in range(4)]
    path = tmp_path / "grids.geojson"
    gpd.GeoDataFrame({"网格": ["网格甲", None, "网格丙", ""], "面积": [1, 2, 3, 4]},
                     geometry=boxes, crs=4326).to_file(path)
    grids = read_grids(path)
    assert grids["grid"].tolist() == ["网格甲", "网格2", "网格丙", "网格4"]
    assert grids["row"].tolist() == [1, 2, 3, 4]
    assert grids["面积"].tolist() == [1, 2, 3, 4]
    (w,) = grids.attrs["warnings"]
    assert w.file == str(path) and w.row == 2 and "2" in w.reason

    named = tmp_path / "named.geojson"
    gpd.GeoDataFrame({"name": ["A区", "B区"]}, geometry=boxes[:2], crs=4326).to_file(named)
    assert read_grids(named)["grid"].tolist() == ["A区", "B区"]
    assert read_grids(named).attrs["warnings"] == []


def test_features_sharing_a_grid_name_are_one_grid(tmp_path):
    import geo

    boxes = [shapely.box(120.59 + i * 0.01, 31.27, 120.60 + i * 0.01, 31.28) for i in range(4)]
    path = tmp_path / "grids.geojson"
    gpd.GeoDataFrame({"网格": ["南苑", "北苑", "南苑", "西苑"], "编号": [1, 2, 3, 4]},
                     geometry=boxes, crs=4326).to_file(path)
    grids = read_grids(path)
    assert grids["grid"].tolist() == ["南苑", "北苑", "西苑"]
    assert grids["row"].tolist() == [1, 2, 4] and grids["编号"].tolist() == [1, 2, 4]
    south = grids.geometry.iloc[0]
    assert south.area == pytest.approx(boxes[0].area + boxes[2].area)
    (w,) = grids.attrs["warnings"]
    assert (w.file, w.row, w.column) == (str(path), 1, "网格") and "rows 1, 3" in w.reason
    # the analysis counts each demand point in its one 网格 (it crashed before)
    demand = tmp_path / "d.csv"
    demand.write_text("经度,纬度,人数\n120.595,31.275,5\n120.615,31.275,7\n120.605,31.275,1\n",
                      encoding="utf-8")
    result = geo.analyze(str(demand), demand=str(demand), grids=str(path))
    table = result.grid_table.set_index("grid")
    assert table.loc["南苑", "demand"] == 12 and table.loc["北苑", "demand"] == 1


def test_read_grids_without_name_property(tmp_path):
    path = tmp_path / "grids.gpkg"
    gpd.GeoDataFrame({"area": [1.0, 2.0]},
                     geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
                     crs=4326).to_file(path)
    grids = read_grids(path)
    assert grids["grid"].tolist() == ["网格1", "网格2"]
    assert len(grids.attrs["warnings"]) == 1


def test_read_grids_rejects_non_polygon_features(tmp_path):
    path = tmp_path / "grids.geojson"
    gpd.GeoDataFrame(
        {"name": ["A", "线", "C"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (1, 1)]),
                  shapely.MultiPolygon([shapely.box(2, 0, 3, 1), shapely.box(4, 0, 5, 1)])],
        crs=4326,
    ).to_file(path)
    grids = read_grids(path)
    assert grids["grid"].tolist() == ["A", "C"]
    assert grids["row"].tolist() == [1, 3]
    assert_rejected(grids, path, 2, "geometry", "LineString", "not a polygon")
    assert_accounted(grids, 3)
