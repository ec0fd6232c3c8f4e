"""geo.io.formats: a file is read only as what its name says, only from this machine.

The attack of issue 14: GDAL picks its driver from the content, so an
``OGRVRTDataSource`` file named ``stations.geojson`` read a planted secret (or any
server file) into station names, or made the server fetch a URL.
"""

from __future__ import annotations

import http.server
import sqlite3
import threading
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pytest
import shapely

import geo
from geo import planner
from geo.errors import InputError

SECRET = "AMAP_KEY=planted-secret-4711"


def _vrt(source: str) -> str:
    # OGR's CSV driver names the layer after the file: the VRT must use that name to read it
    layer = Path(source.rsplit("/", 1)[-1]).stem
    return (
        f"<OGRVRTDataSource><OGRVRTLayer name='{layer}'>"
        f"<SrcDataSource>{source}</SrcDataSource>"
        "<GeometryType>wkbPoint</GeometryType>"
        "<GeometryField encoding='PointFromColumns' x='lon' y='lat'/>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    )


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    secret = tmp_path / "secrets.csv"
    secret.write_text(f"name,lon,lat\n{SECRET},120.6,31.3\n", encoding="utf-8")
    return secret


@pytest.mark.parametrize("suffix", [".geojson", ".json", ".gpkg", ".fgb", ".parquet", ".shp"])
def test_a_vrt_named_as_geodata_is_refused_and_reads_nothing(
    tmp_path: Path, planted: Path, suffix: str
) -> None:
    path = tmp_path / f"stations{suffix}"
    path.write_text(_vrt(f"CSV:{planted}"), encoding="utf-8")
    for read in (geo.read_stations, geo.read_demand, geo.read_area, geo.read_grids):
        with pytest.raises(InputError, match="as its name says: it is not read") as err:
            read(path)
        assert SECRET not in str(err.value) and str(path) in str(err.value)


def test_the_same_file_through_every_entry_point_leaks_nothing(tmp_path: Path, planted: Path):
    path = tmp_path / "stations.geojson"
    path.write_text(_vrt(f"CSV:{planted}"), encoding="utf-8")
    data = path.read_bytes()
    with pytest.raises(InputError, match="not GeoJSON"):
        planner.read_upload("stations", "stations.geojson", data)
    with pytest.raises(InputError):
        geo.analyze(path, area=shapely.box(120.5, 31.2, 120.7, 31.4))
    from typer.testing import CliRunner

    from geo.cli import app

    res = CliRunner().invoke(app, ["check", str(path), "--json"])
    assert res.exit_code == 2 and SECRET not in res.output


class _Listener(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"name,lon,lat\nfetched,120.6,31.3\n")

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


def test_a_vsicurl_vrt_makes_no_request(tmp_path: Path) -> None:
    _Listener.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/leak.csv"
        path = tmp_path / "stations.geojson"
        path.write_text(_vrt(f"CSV:/vsicurl/{url}"), encoding="utf-8")
        with pytest.raises(InputError):
            geo.read_stations(path)
        for text in (f"/vsicurl/{url}", url, f"CSV:/vsicurl/{url}"):
            with pytest.raises(InputError, match="only files on this computer"):
                geo.read_stations(text)
        # GDAL itself is offline too: a /vsicurl/ open straight through pyogrio fails
        import pyogrio

        from geo.io.formats import gdal_offline

        gdal_offline()
        with pytest.raises(Exception):  # noqa: B017,PT011 - GDAL's own error type varies
            pyogrio.read_dataframe(f"/vsicurl/{url}")
    finally:
        server.shutdown()
        server.server_close()
    assert _Listener.seen == []


@pytest.mark.parametrize("path", ["CSV:/etc/passwd", "/vsizip/x.zip/a.csv", "s3://bucket/a.csv",
                                  "PG:dbname=x"])
def test_virtual_paths_and_connection_strings_are_refused(path: str) -> None:
    with pytest.raises(InputError, match="only files on this computer"):
        geo.read_stations(path)


def test_real_geodata_of_every_kind_still_reads(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"编号": ["A", "B"], "名称": ["甲", "乙"]},
                           geometry=shapely.points([120.61, 120.62], [31.29, 31.30]), crs=4326)
    for suffix, driver in ((".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".fgb", "FlatGeobuf"),
                           (".shp", "ESRI Shapefile")):
        path = tmp_path / f"st{suffix}"
        gdf.to_file(path, driver=driver)
        assert sorted(geo.read_stations(path)["id"]) == ["A", "B"], suffix  # fgb: spatial order
    gdf.to_parquet(tmp_path / "st.parquet")
    assert geo.read_stations(tmp_path / "st.parquet")["id"].tolist() == ["A", "B"]


def test_a_sqlite_file_that_is_not_a_geopackage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "st.gpkg"
    con = sqlite3.connect(path)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="GeoPackage"):
        geo.read_stations(path)


def test_a_shapefile_without_its_companions_is_refused(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.Point(120.6, 31.3)], crs=4326)
    gdf.to_file(tmp_path / "st.shp")
    (tmp_path / "st.dbf").unlink()
    with pytest.raises(InputError, match=r"\.dbf"):
        geo.read_stations(tmp_path / "st.shp")


def test_a_file_that_is_not_an_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "st.xlsx"
    path.write_text("<xml/>", encoding="utf-8")
    with pytest.raises(InputError, match="XLSX"):
        geo.read_stations(path)


def _xlsx_with_sheet_xml(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["名称", "经度", "纬度"])
    wb.active.append(["甲", 120.6, 31.3])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    out = tmp_path / "stations.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            dst.writestr(name, data)
    return out


def test_an_xlsx_declaring_xml_entities_is_refused_unexpanded(tmp_path: Path) -> None:
    # the "billion laughs": ten entities each expanding to ten of the one before
    levels = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    dtd = f'<!DOCTYPE worksheet [<!ENTITY e0 "lol">{levels}]>'
    path = _xlsx_with_sheet_xml(
        tmp_path, lambda xml: dtd + xml.replace("<v>120.6</v>", "<v>&e9;</v>"))
    with pytest.raises(InputError, match="entities or a DTD") as err:
        geo.read_stations(path)
    assert err.value.file == str(path)


def test_a_table_thousands_of_columns_wide_is_refused(tmp_path: Path) -> None:
    from geo.io.raw import MAX_COLUMNS

    path = tmp_path / "wide.csv"
    header = ",".join(["经度", "纬度", *[f"c{i}" for i in range(MAX_COLUMNS)]])
    path.write_text(header + "\n" + ",".join(["120.6", "31.3", *["1"] * MAX_COLUMNS]) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=f"at most {MAX_COLUMNS}") as err:
        geo.read_stations(path)
    assert err.value.file == str(path)
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("经度,纬度\n120.6,31.3\n", encoding="utf-8")
    assert len(geo.read_stations(narrow)) == 1
