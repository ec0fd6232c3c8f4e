"""Coordinate systems of geodata files (``geo.io.geocrs`` through the readers): a shapefile
without its .prj, GeoJSON ``crs`` members known and unknown. Issue 18 item 13, issue 19."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _helpers import ROOT
from typer.testing import CliRunner

from geo.cli import app
from geo.errors import InputError
from geo.io import read_area, read_raw
from geo.io.geocrs import crs_of_member, geojson_crs_member

DEMO = ROOT / "data" / "canglang"
BOX = shapely.box(120.59, 31.27, 120.64, 31.305)


def _utm_area() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["a"]}, geometry=[BOX], crs=4326).to_crs(32651)


def _geojson(path: Path, geometry: shapely.Geometry, crs_name: str | None) -> Path:
    data: dict = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a"},
         "geometry": shapely.geometry.mapping(geometry)}]}
    if crs_name is not None:
        data["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_utm_shapefile_without_prj_names_the_missing_file(tmp_path):
    """Was: exit 3, OverflowError (the metres were taken as degrees)."""
    path = tmp_path / "area.shp"
    _utm_area().to_file(path)
    (tmp_path / "area.prj").unlink()
    with pytest.raises(InputError, match=r"not longitude/latitude degrees.*area\.prj.*missing"):
        read_area(path)
    res = CliRunner().invoke(app, ["check", str(DEMO / "stations.csv"), "--area", str(path)])
    assert res.exit_code == 2, res.output
    assert str(path) in res.output and "Overflow" not in res.output


def test_utm_shapefile_with_its_prj_is_converted(tmp_path):
    path = tmp_path / "area.shp"
    _utm_area().to_file(path)
    area = read_area(path)
    assert area.geometry.iloc[0].bounds == pytest.approx(BOX.bounds, abs=1e-6)


def test_a_legacy_crs_member_gdal_knows_is_honoured(tmp_path):
    path = _geojson(tmp_path / "utm.geojson", _utm_area().geometry.iloc[0],
                    "urn:ogc:def:crs:EPSG::32651")
    assert read_area(path).geometry.iloc[0].bounds == pytest.approx(BOX.bounds, abs=1e-6)


def test_an_unknown_crs_member_with_metres_is_refused(tmp_path):
    """Was: taken as degrees without a word, then exit 3."""
    path = _geojson(tmp_path / "local.geojson", _utm_area().geometry.iloc[0],
                    "urn:x-local:crs:SUZHOU2000")
    with pytest.raises(InputError, match=r"'urn:x-local:crs:SUZHOU2000'.*does not know") as info:
        read_raw(path)
    assert info.value.file == str(path)


def test_an_unknown_crs_member_with_degrees_is_read_with_a_warning(tmp_path):
    """Was: read without a word."""
    path = _geojson(tmp_path / "local.geojson", BOX, "urn:x-local:crs:SUZHOU2000")
    raw = read_raw(path)
    (warning,) = raw.warnings
    assert warning.column == "crs" and "SUZHOU2000" in warning.reason
    assert raw.geometry[0].bounds == pytest.approx(BOX.bounds)


def test_members_of_every_form_are_found_and_known(tmp_path):
    path = tmp_path / "epsg.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [],
                                "crs": {"properties": {"code": 4490}, "type": "EPSG"}}))
    assert geojson_crs_member(path) == "EPSG:4490"
    assert geojson_crs_member(DEMO / "area.geojson") is None
    assert crs_of_member("urn:ogc:def:crs:OGC:1.3:CRS84").is_geographic
    assert crs_of_member("EPSG:4490").is_geographic
    assert crs_of_member("urn:ogc:def:crs:EPSG::999999") is None
    assert crs_of_member("http://example.com/my.prj") is None  # a link is never followed


def test_not_degrees_of_points_as_of_their_bounds():
    """Points take a shortcut (their coordinates are their bounds): the same answer as the
    bounds of every geometry, with missing and empty points not counted."""
    from geo.io.geocrs import not_degrees

    rng = np.random.default_rng(7)
    for share_out in (0.0, 0.3, 0.7, 1.0):
        n = 200
        x = rng.uniform(100, 130, n)
        y = rng.uniform(20, 40, n)
        out = rng.random(n) < share_out
        x[out] = rng.uniform(300_000, 800_000, out.sum())
        y[out] = rng.uniform(3_000_000, 3_500_000, out.sum())
        pts = shapely.points(x, y).astype(object)
        pts[:3] = [None, shapely.Point(), shapely.Point(1e6, 1e6)]
        got = not_degrees(pts)
        # the reference: the same points wrapped as 1-part multipoints take the bounds path
        ref = not_degrees(np.array([shapely.MultiPoint([p]) if p is not None and not p.is_empty
                                    else p for p in pts], dtype=object))
        assert got[0] == ref[0]
        np.testing.assert_array_equal(got[1], ref[1])
