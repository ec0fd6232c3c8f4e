"""``geo map`` and ``geo assets fetch`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from _helpers import ROOT
from _helpers.cli import ARGS
from _helpers.maps import contains, layers
from typer.testing import CliRunner

from geo import maps
from geo.cli import app

DATA = ROOT / "data" / "canglang"


def test_to_map_and_geo_map_command(demo, tmp_path):
    from typer.testing import CliRunner

    assert demo.to_map().get_root().render().count("L.geoJSON(") == len(layers(
        maps.map_html(demo)))
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, [
        "map", str(DATA / "stations.csv"), "--demand", str(DATA / "demand.csv"),
        "--area", str(DATA / "area.geojson"), "--grids", str(DATA / "grids.geojson"),
        "-o", str(out), "--tiles", "tencent", "--title", "沧浪街道", "--min-coverage", "99%",
    ])
    assert res.exit_code == 1, res.stderr  # written, but coverage below the threshold
    text = out.read_text(encoding="utf-8")
    assert contains(text, "腾讯地图") and contains(text, "沧浪街道")
    res = CliRunner().invoke(app, ["map", str(DATA / "stations.csv"), "-o", str(out),
                                   "--tiles", "google"])
    assert res.exit_code == 2


def test_assets_fetch_command_prints_the_packaged_folder_and_downloads_nothing(
    tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from geo.assets import leaflet_dir

    monkeypatch.delenv("GEO_ASSETS_DIR", raising=False)
    monkeypatch.setenv("GEO_NPM_URL", "http://127.0.0.1:9")  # ignored: nothing is fetched
    res = CliRunner().invoke(app, ["assets", "fetch"])
    assert res.exit_code == 0, res.stderr
    assert res.stdout.strip() == str(leaflet_dir())
    assert (Path(res.stdout.strip()) / "leaflet.js").is_file()
    # a wrong explicit GEO_ASSETS_DIR is a clear error (exit 2), not a traceback
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path))
    res = CliRunner().invoke(app, ["assets", "fetch"])
    assert res.exit_code == 2
    assert res.stderr.startswith("geo: error:") and "GEO_ASSETS_DIR" in res.stderr
    assert "Traceback" not in res.stderr


def test_network_map_has_street_bands_and_overstated_layer(tmp_path):
    out = tmp_path / "hel.html"
    res = CliRunner().invoke(app, ["map", *ARGS, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    assert "分钟路网可达" in text
    assert json.dumps("直线高估 Overstated by straight line")[1:-1] in text
    assert contains(text, "街道 Streets")  # the streets basemap of the network measured on


def test_a_network_with_straight_lines_draws_the_streets_and_a_wrong_one_is_said(tmp_path):
    straight = [a for a in ARGS if a not in ("--method", "network")]
    out = tmp_path / "hel.html"
    res = CliRunner().invoke(app, ["map", *straight, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    assert contains(text, "街道 Streets") and "分钟路网可达" not in text
    missing = [*straight[:-1], str(tmp_path / "nowhere.osm.pbf")]
    res = CliRunner().invoke(app, ["check", *missing])
    assert res.exit_code == 2 and "nowhere.osm.pbf" in res.stderr


def test_tianditu_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_TK", raising=False)
    out = tmp_path / "tdt.html"
    cmd = ["map", str(DATA / "stations.csv"), "-o", str(out), "--tiles", "tianditu"]
    res = CliRunner().invoke(app, cmd)
    assert res.exit_code == 2 and "TIANDITU_TK" in res.stderr and not out.exists()
    monkeypatch.setenv("TIANDITU_TK", "0123456789abcdef0123456789abcdef")
    res = CliRunner().invoke(app, cmd)
    assert res.exit_code == 0, res.stderr
    assert "tianditu.gov.cn/vec_w" in out.read_text(encoding="utf-8")


def test_the_basemap_choices_are_the_librarys():
    from geo.cli.common import Tiles

    assert [t.value for t in Tiles] == list(maps.TILES)
