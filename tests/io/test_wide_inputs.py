"""GeoJSON files far wider than a table (``geo.io.widths``), refused before GDAL reads them.

Issue 19: features of 100,000 properties each were still being read after 60 s (GDAL adds
the columns one at a time); the column check came only after the whole file was read.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
from _helpers.wide import wide_geojson

from geo.errors import InputError
from geo.io import read_raw, read_stations
from geo.io.raw import MAX_COLUMNS


@pytest.fixture
def no_gdal(monkeypatch):
    """Any read of the file by GDAL fails the test."""

    def refused(*args, **kwargs):
        raise AssertionError("the file was read before its width was checked")

    monkeypatch.setattr(gpd, "read_file", refused)
    monkeypatch.setattr(pyogrio, "read_dataframe", refused)


def test_features_of_100000_properties_are_refused_before_reading(tmp_path, no_gdal):
    path = wide_geojson(tmp_path / "wide.geojson", 2, 100_000)
    with pytest.raises(InputError, match=f"feature 1 has more than {MAX_COLUMNS} different "
                                         "properties") as info:
        read_raw(path)
    assert (info.value.file, info.value.row) == (str(path), 1)
    assert "delete the unused properties" in info.value.reason


def test_features_whose_names_add_up_are_refused_where_they_pass_the_limit(tmp_path, no_gdal):
    """GDAL makes a column of every name of any feature: 名称, and 5 new names a feature."""
    path = wide_geojson(tmp_path / "union.json", 300, 5, distinct=True)
    with pytest.raises(InputError, match="features 1 to 100 have more than 500") as info:
        read_stations(path)
    assert info.value.row == 100


def test_many_names_inside_one_property_are_one_column(tmp_path):
    """A property holding an object of 600 names is one column, and the file is read."""
    features = [{"type": "Feature",
                 "properties": {"名称": f"站{i}", "style": {f"k{j}": j for j in range(600)},
                                **{f"p{j}": j for j in range(MAX_COLUMNS - 3)}},
                 "geometry": {"type": "Point", "coordinates": [120.6, 31.28]}}
                for i in range(3)]
    path = tmp_path / "nested.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    raw = read_raw(path)
    assert raw.data.shape == (3, MAX_COLUMNS - 1)
    assert list(raw.data["名称"]) == ["站0", "站1", "站2"]
