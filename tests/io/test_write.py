"""Writing results (``geo.io.write``): CSV with a BOM, XLSX, geodata; what we write, we read."""

from __future__ import annotations

import codecs

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers.io import HEADER, write_csv, xy

from geo.errors import InputError
from geo.io import read_demand, read_stations, write_table

TABLE = pd.DataFrame({"id": ["D1", "D2"], "名称": ["映月街取餐点", "南门"], "lon": [120.61, 120.62],
                      "lat": [31.29, 31.30], "covered": [True, False]})


def test_write_csv_with_bom(tmp_path):
    path = tmp_path / "out.csv"
    write_table(TABLE, path)
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert "映月街取餐点".encode() in data
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back.columns.tolist() == TABLE.columns.tolist()
    assert back["名称"].tolist() == ["映月街取餐点", "南门"]
    # and our own reader takes it back
    assert read_demand(path)["id"].tolist() == ["D1", "D2"]


def test_write_xlsx_and_geojson(tmp_path):
    xlsx = tmp_path / "out.xlsx"
    write_table(TABLE, xlsx)
    back = pd.read_excel(xlsx)
    assert back["名称"].tolist() == ["映月街取餐点", "南门"]
    assert back["lon"].tolist() == [120.61, 120.62]

    gj = tmp_path / "out.geojson"
    write_table(TABLE, gj)
    pts = gpd.read_file(gj)
    assert pts.crs.to_epsg() == 4326
    assert pts["名称"].tolist() == ["映月街取餐点", "南门"]
    np.testing.assert_allclose(shapely.get_x(pts.geometry.to_numpy()), [120.61, 120.62])
    np.testing.assert_allclose(shapely.get_y(pts.geometry.to_numpy()), [31.29, 31.30])


def test_write_stations_geodataframe_to_each_format(tmp_path):
    src = write_csv(
        tmp_path / "s.csv", [HEADER + ",设施", "1,甲,爱心补给点,120.61,31.29,饮用水、充电"]
    )
    stations = read_stations(src)
    for suffix in (".csv", ".xlsx", ".geojson", ".gpkg", ".parquet"):
        out = tmp_path / f"out{suffix}"
        write_table(stations, out)
        assert out.stat().st_size > 0
    flat = pd.read_excel(tmp_path / "out.xlsx")
    assert flat["name"].tolist() == ["甲"]
    assert (flat["lon"].tolist(), flat["lat"].tolist()) == ([120.61], [31.29])
    assert "geometry" not in flat.columns
    # what we write, we read back: same points, and `kind` is not a second `category`
    for suffix in (".csv", ".xlsx", ".geojson", ".gpkg", ".parquet"):
        again = read_stations(tmp_path / f"out{suffix}")
        assert again["name"].tolist() == ["甲"], suffix
        assert again["kind"].tolist() == ["supply"], suffix
        assert again["amenities"].tolist() == ["water;charging"], suffix
        assert again.attrs["rejected"] == [], suffix
        np.testing.assert_allclose(np.column_stack(xy(again)), [[120.61, 31.29]], atol=1e-12)


def test_write_table_errors(tmp_path):
    with pytest.raises(InputError) as err:
        write_table(TABLE, tmp_path / "out.docx")
    assert err.value.file == str(tmp_path / "out.docx") and ".docx" in str(err.value)
    missing = tmp_path / "no" / "such" / "out.csv"
    with pytest.raises(InputError) as err:
        write_table(TABLE, missing)
    assert err.value.file == str(missing) and "folder" in str(err.value)
    assert not missing.parent.exists()
