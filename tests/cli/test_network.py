"""``geo network extract|info|export|download`` on the command line: what they print, the
files they write, and exit status 2 with one line (no traceback) for usage and input
errors. Offline: downloads ask a local server answering a recorded Overpass reply."""

from __future__ import annotations

import json

import numpy as np
import osmnx as ox
import pytest
from _helpers import ROOT
from _helpers.osm import (
    OVERPASS_REPLY,
    closed_port_url,
    overpass_reply,
    overpass_server,
    read_osm,
    write_osm,
)
from typer.testing import CliRunner

from geo import network as gn
from geo.cli import app
from geo.network.info import network_info

DEMO = ROOT / "data" / "canglang"
AREA = DEMO / "area.geojson"  # lon 120.59–120.64, lat 31.27–31.305
# the streets of the stand-in province: a grid over the demo area and 1 km beyond
GRID_LON = np.arange(120.580, 120.651, 0.002)  # 36 north–south streets
GRID_LAT = np.arange(31.260, 31.316, 0.0018)  # 32 east–west streets


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """No test writes to the user's cache; no pause asked from a local Overpass."""
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    gn.clear_memory_cache()
    yield
    gn.clear_memory_cache()


@pytest.fixture
def province(tmp_path):
    """A stand-in for a province extract: a street grid (every 200 m) over the Canglang demo
    area and 1 km beyond, and a town in Beijing that no Suzhou study area needs."""
    lon, lat = GRID_LON, GRID_LAT
    nodes = {1 + j * lon.size + i: (float(x), float(y), {})
             for j, y in enumerate(lat) for i, x in enumerate(lon)}
    ways = {}
    for j in range(lat.size):
        ways[10_000 + j] = ([1 + j * lon.size + i for i in range(lon.size)],
                            {"highway": "residential"})
    for i in range(lon.size):
        ways[20_000 + i] = ([1 + j * lon.size + i for j in range(lat.size)],
                            {"highway": "tertiary"})
    nodes |= {900_001: (116.40, 39.90, {}), 900_002: (116.41, 39.90, {})}
    ways[90_000] = ([900_001, 900_002], {"highway": "primary", "name": "长安街"})
    return write_osm(tmp_path / "province.osm.pbf", nodes, ways, {})


def _run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _one_line_error(res, *words: str) -> None:
    assert res.exit_code == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geo: error:"), res.stderr
    assert "Traceback" not in res.stderr
    for word in words:
        assert word in lines[0]


def test_extract_then_check_coverage_on_the_clipped_streets(province, tmp_path):
    out = tmp_path / "canglang.osm.pbf"
    res = _run("network", "extract", province, "--area", AREA, "-o", out, "--json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    got = read_osm(out)
    assert (report["nodes"], report["ways"], report["relations"]) == (
        len(got["node"]), len(got["way"]), 0)
    assert 90_000 not in got["way"] and 900_001 not in got["node"]  # Beijing left out
    # the whole grid lies within the area plus 2 km; nothing else
    assert set(got["way"]) == {*range(10_000, 10_000 + GRID_LAT.size),
                               *range(20_000, 20_000 + GRID_LON.size)}
    assert len(got["node"]) == GRID_LON.size * GRID_LAT.size
    x0, y0, x1, y1 = report["bbox"]
    assert x0 < 120.59 - 0.02 and x1 > 120.64 + 0.02  # 2 km ≈ 0.021° of longitude here
    assert y0 < 31.27 - 0.017 and y1 > 31.305 + 0.017  # and 0.018° of latitude
    # the documented next step: coverage along the clipped streets
    res = _run("check", DEMO / "stations.csv", "--demand", DEMO / "demand.csv",
               "--method", "network", "--network", out, "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["params"]["method"] == "network" and summary["network"] is not None
    assert 0 < summary["coverage"] <= 1


def test_extract_prints_what_it_wrote(province, tmp_path):
    out = tmp_path / "box.osm.pbf"
    res = _run("network", "extract", province, "--bbox", "120.600,31.280,120.610,31.290",
               "--margin", "0", "-o", out)
    assert res.exit_code == 0, res.stderr
    got = read_osm(out)
    first = res.stdout.splitlines()[0]
    assert first == (f"wrote {out}: {len(got['node']):,} nodes, {len(got['way']):,} ways, "
                     "0 relations")
    assert "--network " + str(out) in res.stdout


def test_extract_refuses_options_that_exclude_each_other(province, tmp_path):
    out = tmp_path / "x.osm.pbf"
    res = _run("network", "extract", province, "--area", AREA, "--bbox", "1,2,3,4", "-o", out)
    assert res.exit_code == 2 and "exactly one of --area / --bbox" in res.stderr
    res = _run("network", "extract", province, "-o", out)
    assert res.exit_code == 2 and "exactly one of" in res.stderr
    _one_line_error(_run("network", "extract", province, "--bbox", "120.6,31.28", "-o", out),
                    "four numbers")
    _one_line_error(_run("network", "extract", province, "--bbox", "120.6,31.28,120.7,31.3",
                         "--margin", "-1", "-o", out), "margin")
    assert not out.exists()


def test_extract_input_errors_are_one_line(province, tmp_path):
    out = tmp_path / "x.osm.pbf"
    _one_line_error(_run("network", "extract", tmp_path / "china-latest.osm.pbf",
                         "--area", AREA, "-o", out), "china-latest.osm.pbf", "not found")
    _one_line_error(_run("network", "extract", province, "--bbox", "113.2,23.1,113.3,23.2",
                         "-o", out), "province.osm.pbf", "outside this extract",
                    "nothing was written")
    _one_line_error(_run("network", "extract", province, "--area", AREA,
                         "-o", tmp_path / "nowhere" / "x.osm.pbf"), "does not exist")
    _one_line_error(_run("network", "extract", province, "--area", tmp_path / "none.geojson",
                         "-o", out), "none.geojson")
    assert not out.exists()


def test_info_prints_the_networks_figures(walk_net):
    res = _run("network", "info", "helsinki", "--json")
    assert res.exit_code == 0, res.stderr
    got = json.loads(res.stdout)
    want = network_info(walk_net).summary()
    assert {k: v for k, v in got.items() if k != "source"} == \
        {k: v for k, v in want.items() if k != "source"}
    assert got["nodes"] == walk_net.n_nodes and got["components"] > 1
    res = _run("network", "info", "helsinki", "--mode", "bike")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith("helsinki: cycling network")
    assert "components" in res.stdout and "street length" in res.stdout
    if getattr(walk_net, "removed", None):
        assert "ways removed by the profile's rules" in res.stdout
    _one_line_error(_run("network", "info", "nowhere.osm.pbf"), "nowhere.osm.pbf", "not found")
    res = _run("network", "info", "helsinki", "--mode", "car")
    assert res.exit_code == 2


def test_export_writes_a_geopackage_and_refuses_other_files(walk_net, tmp_path):
    import geopandas as gpd

    out = tmp_path / "hel.gpkg"
    res = _run("network", "export", "helsinki", "-o", out)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.startswith(f"wrote {out}: {walk_net.n_nodes:,} nodes, "
                                 f"{walk_net.n_edges:,} street segments")
    assert len(gpd.read_file(out, layer="edges")) == walk_net.n_edges
    assert len(gpd.read_file(out, layer="nodes")) == walk_net.n_nodes
    _one_line_error(_run("network", "export", "helsinki", "-o", tmp_path / "hel.kml"),
                    "hel.kml", ".gpkg")


def test_download_then_use_the_file(tmp_path):
    out = tmp_path / "conegliano.graphml"
    with overpass_server(OVERPASS_REPLY.read_bytes()) as (url, received):
        res = _run("network", "download", "--bbox", "12.3010,45.8868,12.3095,45.8910",
                   "--margin", "0", "-o", out, "--overpass-url", url, "--mode", "bike")
    assert res.exit_code == 0, res.stderr
    assert len(received) == 1
    assert res.stdout.splitlines()[0] == (f"wrote {out}: 60 nodes, 91 directed edges from "
                                          f"{url}; 61 street segments for bike")
    res = _run("network", "info", out, "--mode", "bike", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["two_way_edges"] == 30


def test_download_unreachable_is_one_line_and_exit_2(tmp_path, monkeypatch):
    url = closed_port_url()
    res = _run("network", "download", "--bbox", "12.3010,45.8868,12.3095,45.8910",
               "-o", tmp_path / "x.graphml", "--overpass-url", url)
    _one_line_error(res, "cannot reach the Overpass API", url)
    monkeypatch.setenv("GEO_OVERPASS_URL", url)  # the same through the environment
    res = _run("network", "download", "--bbox", "12.3010,45.8868,12.3095,45.8910",
               "-o", tmp_path / "x.graphml")
    _one_line_error(res, "cannot reach the Overpass API", url)
    res = _run("network", "download", "沧浪街道", "--bbox", "12.3,45.8,12.4,45.9",
               "-o", tmp_path / "x.graphml")
    assert res.exit_code == 2 and "exactly one of PLACE / --area / --bbox" in res.stderr
    assert not list(tmp_path.glob("*.graphml"))


def _suzhou_streets() -> tuple[dict, dict]:
    """A 4 × 4 street grid in Suzhou (200 m), an elevated road (高架, trunk on a bridge)
    and a motorroad across it, and a footbridge: nodes and ways for an Overpass answer."""
    lon, lat = 120.600 + 0.002 * np.arange(4), 31.300 + 0.0018 * np.arange(4)
    nodes = {1 + j * 4 + i: (float(x), float(y), {}) for j, y in enumerate(lat)
             for i, x in enumerate(lon)}
    ways = {100 + j: ([1 + j * 4 + i for i in range(4)], {"highway": "residential"})
            for j in range(4)}
    ways |= {200 + i: ([1 + j * 4 + i for j in range(4)], {"highway": "residential"})
             for i in range(4)}
    ways[301] = ([1, 16], {"highway": "trunk", "bridge": "yes", "layer": "1",
                           "name": "南北高架路", "oneway": "yes"})
    ways[302] = ([4, 13], {"highway": "primary", "motorroad": "yes"})
    ways[303] = ([2, 15], {"highway": "footway", "bridge": "yes", "layer": "1"})
    return nodes, ways


def test_download_of_chinese_streets_applies_the_china_profile_and_is_cached(tmp_path):
    """A downloaded GraphML keeps the tags the profile reads: `geo network info` reports
    the viaduct and the motorroad closed (auto profile in China, or --street-profile
    china) and open with --street-profile osm; a second download of the same box is
    answered from the cache without asking the server."""
    nodes, ways = _suzhou_streets()
    out = tmp_path / "suzhou.graphml"
    box = "120.5995,31.2995,120.6065,31.3059"
    with overpass_server(overpass_reply(nodes, ways)) as (url, received):
        res = _run("network", "download", "--bbox", box, "--margin", "0", "-o", out,
                   "--overpass-url", url)
        assert res.exit_code == 0, res.stderr
        asked = len(received)
        again = tmp_path / "again.graphml"
        res = _run("network", "download", "--bbox", box, "--margin", "0", "-o", again,
                   "--overpass-url", url)
        assert res.exit_code == 0, res.stderr
        assert len(received) == asked  # from the cache
    nets = [gn.load_network(f, "walk", cache=False) for f in (out, again)]
    assert nets[0].n_edges == nets[1].n_edges
    np.testing.assert_array_equal(np.sort(nets[0].length_m), np.sort(nets[1].length_m))
    infos = {}
    for profile in ("auto", "china", "osm"):
        res = _run("network", "info", out, "--mode", "walk", "--street-profile", profile,
                   "--json")
        assert res.exit_code == 0, res.stderr
        infos[profile] = json.loads(res.stdout)
    assert infos["auto"] == infos["china"]
    assert infos["china"]["profile"] == "china" and infos["osm"]["profile"] == "osm"
    assert infos["china"]["removed"] == {"expressway": 1, "motorroad": 1}
    assert "expressway" not in infos["osm"].get("removed", {})
    assert infos["osm"]["edges"] == infos["china"]["edges"] + 2  # viaduct and motorroad
    # the same through geo check: the china profile is the default for Suzhou data
    stations = tmp_path / "stations.csv"
    stations.write_text("编号,经度,纬度,坐标系\nS1,120.600,31.300,WGS84\n", encoding="utf-8")
    demand = tmp_path / "demand.csv"
    demand.write_text("编号,经度,纬度,坐标系\nD1,120.606,31.3054,WGS84\n", encoding="utf-8")
    minutes = {}
    for profile in ("auto", "osm"):
        res = _run("check", stations, "--demand", demand, "--method", "network", "--network",
                   out, "--street-profile", profile, "--minutes", "12", "--json")
        assert res.exit_code in (0, 1), res.stderr
        minutes[profile] = json.loads(res.stdout)
    # the far corner: 10.3 minutes over the viaduct (osm), 14.6 around the grid (china)
    assert minutes["osm"]["coverage"] == 1 and minutes["auto"]["coverage"] == 0


def test_check_refuses_a_network_that_does_not_cover_the_data(walk_net):
    """The Canglang demo measured on Helsinki's streets: exit 2, one line naming the
    network and both extents, instead of 0 % coverage."""
    res = _run("check", DEMO / "stations.csv", "--demand", DEMO / "demand.csv",
               "--method", "network", "--network", "helsinki")
    _one_line_error(res, "outside", "46 of 46 stations")
    assert "24.9" in res.stderr and "120.5" in res.stderr  # the network's and the data's
