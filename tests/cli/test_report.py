"""``geo report`` on the demo, and the app's 报告 download giving the same pack."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from _helpers import ROOT
from typer.testing import CliRunner

import geo
from geo import planner
from geo.cli import app

DEMO = ROOT / "data" / "canglang"
ARGS = [str(DEMO / "stations.csv"), str(DEMO / "charging_piles.csv"),
        "--demand", str(DEMO / "demand.csv"), "--area", str(DEMO / "area.geojson"),
        "--grids", str(DEMO / "grids.geojson")]  # CSV rows say gcj02; GeoJSON is WGS-84


def _zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def cli_pack(tmp_path_factory) -> tuple[dict[str, bytes], str]:
    out = tmp_path_factory.mktemp("pack") / "report.zip"
    res = CliRunner().invoke(app, ["report", *ARGS, "-o", str(out), "--map-png", "static",
                                   "--scenario", "23:00 开放:at=23:00", "--min-coverage", "80%"])
    assert res.exit_code == 0, res.output
    return _zip(out.read_bytes()), res.output


def test_cli_writes_the_whole_pack_offline(cli_pack) -> None:
    files, output = cli_pack
    assert {"map.html", "map.png", "coverage_curve.png", "grids.png", "report.xlsx",
            "summary.md", "summary.html", "coverage.json", "manifest.json"} <= set(files)
    assert "map.png by static" in output
    manifest = json.loads(files["manifest.json"])
    assert manifest["map_png"] == "static"
    result = geo.analyze([str(DEMO / "stations.csv"), str(DEMO / "charging_piles.csv")],
                         demand=str(DEMO / "demand.csv"), area=str(DEMO / "area.geojson"),
                         grids=str(DEMO / "grids.geojson"))
    assert json.loads(files["coverage.json"]) == json.loads(result.to_json())
    assert "示意数据" in files["summary.md"].decode("utf-8")
    assert "23:00 开放" in json.dumps(manifest, ensure_ascii=False)


def test_app_download_gives_the_same_files(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(DEMO.parent.parent)  # relative paths: files named as the app names them
    rel = [a.replace(str(DEMO.parent.parent) + "/", "") for a in ARGS]
    out = tmp_path / "cli.zip"
    res = CliRunner().invoke(app, ["report", *rel, "-o", str(out)])  # map.png: auto, as the app
    assert res.exit_code == 0, res.output
    files = _zip(out.read_bytes())
    stations = planner.read_demo("stations")
    result = geo.analyze(stations, demand=planner.read_demo("demand")[0],
                         area=planner.read_demo("area")[0], grids=planner.read_demo("grids")[0])
    item = {d.key: d for d in planner.downloads(result)}["report"]
    assert item.file_name == "report.zip" and item.mime == "application/zip"
    app_files = _zip(item.make())
    assert set(app_files) == set(files)
    for name in sorted(set(files) - {"map.png"}):  # a browser's picture is not byte-stable
        assert app_files[name] == files[name], name


def test_cli_report_exit_codes_and_bad_scenario(tmp_path) -> None:
    runner = CliRunner()
    below = runner.invoke(app, ["report", *ARGS, "-o", str(tmp_path / "a"), "--map-png",
                                "static", "--min-coverage", "0.999"])
    assert below.exit_code == 1 and (tmp_path / "a" / "summary.md").exists()
    bad = runner.invoke(app, ["report", *ARGS, "-o", str(tmp_path / "b"), "--scenario",
                              "fast:speed=quick"])
    assert bad.exit_code == 2 and "not a number" in bad.output
    assert not (tmp_path / "b").exists()
