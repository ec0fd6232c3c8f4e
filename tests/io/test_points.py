"""Stations and demand (``geo.io.points``), validated row by row.

Coordinates (combined, swapped, out of range, missing), coordinate systems, ids, demand
weights, tables without coordinates, point geodata and the columns a station table gets.
Malformed rows come back as :class:`geo.errors.Rejected` naming file, row, column and
reason; nothing disappears.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers.io import (
    HEADER,
    NAMES,
    _point_gdf,
    _stations_with,
    assert_accounted,
    assert_rejected,
    by_row,
    make_xlsx,
    rows_of,
    write_csv,
    xy,
)
from pyproj import Transformer

from geo import crs as crsmod
from geo.errors import InputError
from geo.io import read_demand, read_stations
from geo.io.points import demand_table

# --- coordinates as written -------------------------------------------------------------------


def test_combined_lnglat_column(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            "编号,名称,经纬度",
            '1,甲,"120.61,31.29"',
            "2,乙,120.62，31.30",
            "3,丙,120.63 31.31",
            "4,丁,120.64",
            "5,戊,１２０．６５，３１．３３",
            "6,己,abc，31.3",
        ],
    )
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1", "2", "3", "5"]
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, [120.61, 120.62, 120.63, 120.65])
    np.testing.assert_allclose(lat, [31.29, 31.30, 31.31, 31.33])
    assert_rejected(gdf, path, 5, "lnglat", "'120.64'", "pair")
    assert_rejected(gdf, path, 7, "lnglat", "abc")
    assert_accounted(gdf, 6)


def test_lnglat_column_fills_rows_without_lon_lat(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["编号,经度,纬度,经纬度", "1,120.61,31.29,", '2,,,"120.62,31.30"', '3,,,"abc,31.3"',
         "4,abc,31.3,", '5,,,"190,31"'],
    )
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1", "2"]
    np.testing.assert_allclose(xy(gdf)[0], [120.61, 120.62])
    assert_rejected(gdf, path, 4, "lnglat", "经纬度", "'abc,31.3'")
    assert_rejected(gdf, path, 5, "lon", "经度", "'abc'")
    assert_rejected(gdf, path, 6, "lnglat", "190")
    assert_accounted(gdf, 5)


def test_combined_lnglat_out_of_range_names_the_combined_column(tmp_path):
    path = write_csv(tmp_path / "s.csv",
                     ["编号,经纬度", '1,"120.61,31.29"', '2,"31.29,120.61"', '3,"0,0"'])
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["1"]
    assert_rejected(gdf, path, 3, "lnglat", "swapped")
    assert_rejected(gdf, path, 4, "lnglat", "(0, 0)")


def test_swapped_row_rejected_and_others_used(tmp_path):
    path, gdf = _stations_with(
        tmp_path, [("120.61", "31.29"), ("31.30", "120.62"), ("120.63", "31.31")]
    )
    r = assert_rejected(gdf, path, 3, "lat", "swapped", "31.3", "120.62")
    assert "headers" not in r.reason
    assert rows_of(gdf) == [2, 4]
    assert_accounted(gdf, 3)


def test_every_row_swapped_hints_at_exchanged_headers(tmp_path):
    path, gdf = _stations_with(tmp_path, [("31.29", "120.61"), ("31.30", "120.62")])
    assert len(gdf) == 0
    for row in (2, 3):
        assert_rejected(gdf, path, row, "lat", "swapped", "headers")


def test_zero_and_out_of_range(tmp_path):
    path, gdf = _stations_with(
        tmp_path,
        [("120.61", "31.29"), ("0", "0"), ("190", "31.3"), ("120.6", "95"), ("-181", "-91"),
         ("0", "31.3")],
    )
    assert_rejected(gdf, path, 3, "lat", "(0, 0)")
    assert_rejected(gdf, path, 4, "lon", "190", "-180..180")
    assert_rejected(gdf, path, 5, "lat", "95", "-90..90")
    assert_rejected(gdf, path, 6, "lon", "-181")
    assert rows_of(gdf) == [2, 7]  # (0, 31.3) is a valid, if odd, point
    assert_accounted(gdf, 6)


def test_text_in_coordinate_column(tmp_path):
    path, gdf = _stations_with(tmp_path, [("120.61", "31.29"), ("abc", "31.3"), ("120.6", "北")])
    assert_rejected(gdf, path, 3, "lon", "经度", "'abc'")
    assert_rejected(gdf, path, 4, "lat", "纬度", "'北'")
    assert_accounted(gdf, 3)


def test_missing_coordinates_with_and_without_address(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            "编号,名称,地址,经度,纬度",
            "1,甲,三香路1号,120.61,31.29",
            "2,乙,姑苏区人民路100号,,",
            "3,丙,,,",
            "4,丁,xx路,120.6,",
        ],
    )
    gdf = read_stations(path)
    assert_rejected(gdf, path, 3, "lon", "geocode")
    r = assert_rejected(gdf, path, 4, "lon", "no coordinates")
    assert "geocode" not in r.reason
    assert_rejected(gdf, path, 5, "lat", "geocode")
    assert gdf["id"].tolist() == ["1"]
    assert_accounted(gdf, 4)


def test_gcj02_far_outside_china_rejected_but_wgs84_kept(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["编号,名称,经度,纬度,坐标系", "1,赫尔辛基,24.94,60.17,gcj02",
         "2,赫尔辛基,24.94,60.17,wgs84", "3,苏州,120.61,31.29,gcj02", "4,x,120.61,31.29,xyz",
         "5,y,24.94,60.17,bd09"],
    )
    gdf = read_stations(path)
    assert_rejected(gdf, path, 2, "coord_system", "outside China", "gcj02")
    assert_rejected(gdf, path, 6, "coord_system", "outside China", "bd09")
    assert_rejected(gdf, path, 5, "coord_system", "xyz")
    assert gdf["id"].tolist() == ["2", "3"]
    lon, lat = xy(gdf)
    assert (lon[0], lat[0]) == (24.94, 60.17)
    assert gdf["coord_system"].tolist() == ["wgs84", "gcj02"]
    assert_accounted(gdf, 5)


def test_gcj02_far_outside_china_without_system_column(tmp_path):
    path, _ = _stations_with(tmp_path, [("24.94", "60.17")])
    gdf = read_stations(path, crs="gcj02")
    r = by_row(gdf)[2]
    assert r.column == "lon" and "outside China" in r.reason


# --- coordinate systems -----------------------------------------------------------------------


def test_per_row_coord_systems_and_file_default(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["编号,经度,纬度,坐标系", "w,120.61,31.29,WGS-84", "g,120.61,31.29,gcj02",
         "b,120.61,31.29,百度", "blank,120.61,31.29,", "g2,120.62,31.30,高德"],
    )
    gdf = read_stations(path, crs="gcj02")
    assert gdf.attrs["rejected"] == []
    assert gdf["coord_system"].tolist() == ["wgs84", "gcj02", "bd09", "gcj02", "gcj02"]
    lon, lat = xy(gdf)
    g = crsmod.gcj02_to_wgs84(120.61, 31.29)
    b = crsmod.bd09_to_wgs84(120.61, 31.29)
    g2 = crsmod.gcj02_to_wgs84(120.62, 31.30)
    np.testing.assert_allclose(lon, [120.61, g[0], b[0], g[0], g2[0]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(lat, [31.29, g[1], b[1], g[1], g2[1]], rtol=0, atol=1e-12)
    # the conversion moved the point by hundreds of metres, as GCJ-02 does in Suzhou
    assert abs(lon[1] - 120.61) > 0.003
    # without crs=, blank means WGS-84
    plain = read_stations(path)
    assert plain["coord_system"].tolist()[3] == "wgs84"
    assert xy(plain)[0][3] == 120.61


@pytest.mark.parametrize(
    "header", ["编号,经度(GCJ-02),纬度(GCJ-02)", "编号,经度（gcj02）,纬度（gcj02）"]
)
def test_header_names_the_coordinate_system(tmp_path, header):
    path = write_csv(tmp_path / "s.csv", [header, "1,120.61,31.29"], encoding="gbk")
    gdf = read_stations(path)
    assert gdf["coord_system"].tolist() == ["gcj02"]
    want = crsmod.gcj02_to_wgs84(np.array([120.61]), np.array([31.29]))
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, want[0], atol=1e-12)
    np.testing.assert_allclose(lat, want[1], atol=1e-12)


def test_unknown_crs_argument_is_an_input_error(tmp_path):
    path, _ = _stations_with(tmp_path, [("120.61", "31.29")])
    with pytest.raises(InputError) as err:
        read_stations(path, crs="utm")
    assert err.value.file == str(path) and "utm" in str(err.value)


# --- ids --------------------------------------------------------------------------------------


def test_duplicate_id_second_occurrence_rejected(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [HEADER, "S1,甲,x,120.61,31.29", "S2,乙,x,120.62,31.30", "S1,丙,x,120.63,31.31",
         "S2,丁,x,120.64,31.32", "S1,戊,x,120.65,31.33"],
    )
    gdf = read_stations(path)
    assert gdf["name"].tolist() == ["甲", "乙"]
    assert_rejected(gdf, path, 4, "id", "'S1'", "row 2")
    assert_rejected(gdf, path, 5, "id", "'S2'", "row 3")
    assert_rejected(gdf, path, 6, "id", "'S1'", "row 2")
    assert_accounted(gdf, 5)


def test_duplicate_of_a_rejected_row_is_used(tmp_path):
    path = write_csv(tmp_path / "s.csv", [HEADER, "S1,甲,x,abc,31.29", "S1,乙,x,120.62,31.30"])
    gdf = read_stations(path)
    assert gdf["name"].tolist() == ["乙"]
    assert_rejected(gdf, path, 2, "lon", "abc")


def test_generated_ids(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["名称,经度,纬度", "甲,120.61,31.29", "乙,abc,31.3",
                                          "丙,120.63,31.31"])
    stations = read_stations(path)
    assert stations["id"].tolist() == ["S001", "S003"]
    demand = read_demand(path)
    assert demand["id"].tolist() == ["D001", "D003"]
    assert read_stations(path, id_prefix="P")["id"].tolist() == ["P001", "P003"]


def test_blank_id_cell_warns_and_keeps_the_row(tmp_path):
    path = write_csv(tmp_path / "s.csv", [HEADER, "A,甲,x,120.61,31.29", ",乙,x,120.62,31.30",
                                          "C,丙,x,120.63,31.31"])
    gdf = read_stations(path)
    assert len(gdf) == 3 and gdf.attrs["rejected"] == []
    assert gdf["id"].tolist()[1] not in ("", "A", "C")
    assert gdf["id"].is_unique
    (w,) = [w for w in gdf.attrs["warnings"] if w.column == "id"]
    assert w.file == str(path) and w.row == 3


# --- demand weights ---------------------------------------------------------------------------


def test_demand_weights(tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        ["编号,名称,经度,纬度,人数", "D1,甲,120.61,31.29,5", "D2,乙,120.62,31.30,",
         "D3,丙,120.63,31.31,abc", "D4,丁,120.64,31.32,-3", "D5,戊,120.65,31.33,１２",
         "D6,己,120.66,31.34,2.5", "D7,庚,120.67,31.35,"],
        encoding="gbk",
    )
    gdf = read_demand(path)
    assert gdf["id"].tolist() == ["D1", "D2", "D5", "D6", "D7"]
    assert gdf["weight"].tolist() == [5.0, 1.0, 12.0, 2.5, 1.0]
    assert gdf["weight"].dtype == np.float64
    assert_rejected(gdf, path, 4, "weight", "人数", "'abc'", "not a number")
    assert_rejected(gdf, path, 5, "weight", "negative", "-3")
    (w,) = [w for w in gdf.attrs["warnings"] if w.column == "weight"]
    assert w.file == str(path) and w.row == 3
    assert "3" in w.reason and "8" in w.reason and "1" in w.reason
    assert_accounted(gdf, 7)


def test_demand_infinite_weight_rejected(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["经度,纬度,权重", "120.61,31.29,inf", "120.62,31.3,2",
                                          "120.63,31.31,1e400"])
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [2.0]
    assert_rejected(gdf, path, 2, "weight", "'inf'", "finite")
    assert_rejected(gdf, path, 4, "weight", "finite")


def test_demand_weight_beyond_any_count_is_rejected_and_totals_stay_finite(tmp_path):
    import geo

    path = write_csv(tmp_path / "d.csv", ["经度,纬度,人数", "120.61,31.29,1e308",
                                          "120.62,31.30,2", "120.63,31.31,1e308"])
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [2.0]
    assert_rejected(gdf, path, 2, "weight", "人数", "larger than")
    assert_rejected(gdf, path, 4, "weight", "larger than")
    result = geo.analyze(geo.read_stations(path), demand=path)
    assert result.summary()["total_demand"] == 2.0
    assert np.isfinite(result.summary()["coverage"])


def test_demand_without_weight_column_weighs_one(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["经度,纬度", "120.61,31.29", "120.62,31.30"])
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [1.0, 1.0]
    assert gdf["id"].tolist() == ["D001", "D002"]
    assert gdf.attrs["warnings"] == []


def test_demand_weight_in_xlsx(tmp_path):
    sheet = [["经度", "纬度", "需求量"], [120.61, 31.29, 7], [120.62, 31.30, "３人"],
             [120.63, 31.31, None]]
    path = make_xlsx(tmp_path / "d.xlsx", {"需求": sheet})
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [7.0, 3.0, 1.0]
    assert [w.row for w in gdf.attrs["warnings"] if w.column == "weight"] == [4]


# --- tables that cannot be used ---------------------------------------------------------------


def test_table_without_coordinate_columns(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["编号,名称,备注", "1,甲,无"])
    with pytest.raises(InputError) as err:
        read_stations(path)
    message = str(err.value)
    assert err.value.file == str(path)
    assert "编号" in message and "名称" in message and "备注" in message
    assert "geocode" not in message


def test_table_with_address_only_suggests_geocoding(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["编号,名称,地址", "1,甲,人民路100号"], encoding="gbk")
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert "geocode" in str(err.value) and err.value.file == str(path)


def test_lon_without_lat_names_the_missing_column(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["编号,经度", "1,120.61"])
    with pytest.raises(InputError) as err:
        read_stations(path)
    assert err.value.column == "lat" and err.value.file == str(path)
    assert "经度" in str(err.value)


# --- geodata ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet"])
def test_point_geodata_files(tmp_path, suffix):
    path = tmp_path / f"stations{suffix}"
    src = _point_gdf()
    if suffix == ".parquet":
        src.to_parquet(path)
    else:
        src.to_file(path)
    gdf = read_stations(path)
    assert gdf["id"].tolist() == ["G1", "G3"]
    assert gdf["name"].tolist() == [NAMES[0], NAMES[2]]
    assert gdf["kind"].tolist() == ["supply", "rest"]
    assert rows_of(gdf) == [1, 3]  # feature numbers
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, [120.61, 120.63])
    np.testing.assert_allclose(lat, [31.29, 31.31])
    assert_rejected(gdf, path, 2, "geometry", "geometry")
    assert_accounted(gdf, 3)


def test_geojson_in_gcj02_converted(tmp_path):
    path = tmp_path / "s.geojson"
    _point_gdf().iloc[[0, 2]].to_file(path)
    gdf = read_stations(path, crs="gcj02")
    want = crsmod.gcj02_to_wgs84(np.array([120.61, 120.63]), np.array([31.29, 31.31]))
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, want[0], atol=1e-12)
    np.testing.assert_allclose(lat, want[1], atol=1e-12)


def test_projected_geopackage_converted_to_wgs84(tmp_path):
    path = tmp_path / "s.gpkg"
    utm = Transformer.from_crs(4326, 32651, always_xy=True)
    x, y = utm.transform([120.61, 120.63], [31.29, 31.31])
    src = gpd.GeoDataFrame({"编号": ["a", "b"]}, geometry=shapely.points(x, y), crs=32651)
    src.to_file(path)
    # --crs gcj02 applies to degrees in a file, not to a projected CRS already defined
    gdf = read_stations(path, crs="gcj02")
    assert gdf.crs.to_epsg() == 4326
    back = Transformer.from_crs(32651, 4326, always_xy=True).transform(x, y)
    lon, lat = xy(gdf)
    np.testing.assert_allclose(lon, back[0], atol=1e-9)
    np.testing.assert_allclose(lat, back[1], atol=1e-9)
    np.testing.assert_allclose(lon, [120.61, 120.63], atol=1e-7)
    assert gdf["coord_system"].tolist() == ["wgs84", "wgs84"]


def test_plain_parquet_with_lon_lat_columns(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"lon": [120.61, 120.62, 200.0], "lat": [31.29, 31.30, 31.3],
                  "weight": [3, 4, 5]}).to_parquet(path)
    gdf = read_demand(path)
    assert gdf["weight"].tolist() == [3.0, 4.0]
    assert rows_of(gdf) == [1, 2]
    assert_rejected(gdf, path, 3, "lon", "200")
    np.testing.assert_allclose(xy(gdf)[0], [120.61, 120.62])


def test_polygon_features_in_a_point_file_use_an_inner_point(tmp_path):
    path = tmp_path / "s.geojson"
    gpd.GeoDataFrame({"编号": ["a", "b"]},
                     geometry=[shapely.Point(120.6, 31.3), shapely.box(120.6, 31.2, 120.7, 31.3)],
                     crs=4326).to_file(path)
    gdf = read_stations(path)
    assert len(gdf) == 2
    assert gdf.geometry.iloc[1].within(shapely.box(120.6, 31.2, 120.7, 31.3))
    (w,) = gdf.attrs["warnings"]
    assert w.row == 2 and w.column == "geometry"


# --- station output columns -------------------------------------------------------------------


def test_station_columns(tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        [
            "编号,名称,类型,层级,经度,纬度,坐标系,地址,设施,开放时间,负责人,备注",
            "1,甲,爱心补给点,社区党群服务中心,120.61,31.29,wgs84,人民路1号,饮用水、医护药箱；充电,"
            "08:30-21:00,张三,门口",
            "2,乙,电动车充电桩,微阵地,120.62,31.30,,,,24小时,李四,",
            "3,丙,海棠加油站,街道,120.63,31.31,,,,看情况,,",
        ],
        encoding="gb18030",
    )
    gdf = read_stations(path)
    for column in ("id", "name", "category", "kind", "level", "address", "amenities",
                   "amenities_text", "hours", "coord_system", "row", "负责人", "备注"):
        assert column in gdf.columns, column
    for consumed in ("编号", "名称", "类型", "经度", "纬度", "坐标系", "设施", "开放时间"):
        assert consumed not in gdf.columns, consumed
    assert gdf["kind"].tolist() == ["supply", "charging_pile", "rest"]
    assert gdf["level"].tolist() == ["community", "micro", "street"]
    assert gdf["amenities"].iloc[0] == "water;medical;charging"
    assert gdf["amenities_text"].iloc[0] == "饮用水、医护药箱；充电"
    assert gdf["amenities"].iloc[1] == ""
    assert gdf["hours"].tolist() == ["08:30-21:00", "24小时", "看情况"]
    assert gdf["负责人"].tolist()[:2] == ["张三", "李四"]
    assert gdf["备注"].iloc[0] == "门口"
    assert gdf["address"].iloc[0] == "人民路1号"
    assert gdf["row"].tolist() == [2, 3, 4]
    (w,) = gdf.attrs["warnings"]
    assert (w.file, w.row, w.column) == (str(path), 4, "hours")
    assert "看情况" in w.reason
    assert gdf.attrs["source"] == str(path)
    assert gdf.crs.to_epsg() == 4326


def test_read_stations_from_a_dataframe():
    df = pd.DataFrame({"id": ["a", "b"], "lon": [120.61, "abc"], "lat": [31.29, 31.3]})
    df.attrs["source"] = "mem.csv"
    gdf = read_stations(df)
    assert gdf["id"].tolist() == ["a"]
    assert_rejected(gdf, "mem.csv", 3, "lon", "abc")


def test_geoparquet_points_in_wgs84_kept_as_read(tmp_path, monkeypatch):
    """A GeoParquet of WGS-84 points (the city demo's million demand points): the table's
    geometries are the file's own points, not new ones made from their coordinates."""
    path = tmp_path / "d.parquet"
    lon, lat = np.array([120.61, 120.62, 120.63]), np.array([31.29, 31.30, 31.31])
    gpd.GeoDataFrame({"weight": [1, 2, 3]}, geometry=shapely.points(lon, lat),
                     crs=4326).to_parquet(path)
    made = []
    real = shapely.points
    monkeypatch.setattr(shapely, "points", lambda *a, **k: made.append(a) or real(*a, **k))
    table = demand_table(path)
    assert made == []
    np.testing.assert_array_equal(xy(table.frame)[0], lon)
    np.testing.assert_array_equal(xy(table.frame)[1], lat)
    # GCJ-02 points move: new points are made
    demand_table(path, crs="gcj02")
    assert len(made) == 1


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
def test_geodata_points_3d_and_shapes_become_2d_points(tmp_path, crs):
    """Not reused as read: 3-D points (the table's points are 2-D), shapes (a point inside
    each), and any system that moves the points (GCJ-02)."""
    path = tmp_path / "s.geojson"
    geoms = [shapely.Point(120.61, 31.29, 5.0), shapely.box(120.62, 31.30, 120.63, 31.31),
             shapely.Point(120.64, 31.32)]
    gpd.GeoDataFrame({"编号": ["a", "b", "c"]}, geometry=geoms, crs=4326).to_file(path)
    gdf = read_stations(path, crs=crs)
    got = gdf.geometry.array
    assert not shapely.has_z(got).any()
    assert (shapely.get_type_id(got) == 0).all()
    lon, lat = xy(gdf)
    want_lon = np.array([120.61, shapely.point_on_surface(geoms[1]).x, 120.64])
    want_lat = np.array([31.29, shapely.point_on_surface(geoms[1]).y, 31.32])
    if crs == "gcj02":
        want_lon, want_lat = crsmod.gcj02_to_wgs84(want_lon, want_lat)
    np.testing.assert_allclose(lon, want_lon, atol=1e-12)
    np.testing.assert_allclose(lat, want_lat, atol=1e-12)
    assert shapely.contains(geoms[1], gdf.geometry.array[1]) or crs == "gcj02"
