"""``geo site`` from the command line: JSON, sites table, map, exit codes."""

from __future__ import annotations

import json

import pandas as pd
from _helpers import ROOT
from typer.testing import CliRunner

import geo
from geo.cli import app
from geo.siting import site

DEMO = ROOT / "data" / "canglang"
ARGS = [str(DEMO / "stations.csv"), "--demand", str(DEMO / "demand.csv"),
        "--area", str(DEMO / "area.geojson"), "--grids", str(DEMO / "grids.geojson")]


def test_site_json_equals_the_library_and_writes_sites_and_map(tmp_path) -> None:
    out, html = tmp_path / "sites.csv", tmp_path / "sites.html"
    res = CliRunner().invoke(app, ["site", *ARGS, "--from-gaps", "--add", "3", "--json",
                                   "--out", str(out), "--map", str(html)])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    ref = site(str(DEMO / "stations.csv"), demand=str(DEMO / "demand.csv"),
               area=str(DEMO / "area.geojson"), grids=str(DEMO / "grids.geojson"),
               from_gaps=True, add=3).summary()
    for key in ("baseline_covered_demand", "covered_demand", "gain", "optimal", "model", "k"):
        assert got[key] == ref[key], key
    assert [s["id"] for s in got["selected"]] == [s["id"] for s in ref["selected"]]
    gains = [s["gain"] for s in got["selected"]]
    assert gains == sorted(gains, reverse=True) and sum(gains) == got["gain"]
    # the sites table reads back as a station file and adds exactly the gain
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == 3 and {"gcj_lon", "gcj_lat", "gain"} <= set(table.columns)
    both = geo.analyze([str(DEMO / "stations.csv"), str(out)], demand=str(DEMO / "demand.csv"))
    assert both.covered_demand == got["covered_demand"]
    assert "G0" in html.read_text(encoding="utf-8")


def test_unreachable_target_exits_1_and_says_how_far(tmp_path) -> None:
    cand = tmp_path / "cand.csv"
    cand.write_text("名称,经度,纬度\n候选甲,120.6,31.285\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["site", *ARGS, "--candidates", str(cand), "--target",
                                   "100%"])
    assert res.exit_code == 1, res.output
    assert "cannot be reached" in res.stdout


def test_site_usage_errors() -> None:
    runner = CliRunner()
    neither = runner.invoke(app, ["site", *ARGS, "--from-gaps"])
    assert neither.exit_code == 2
    no_candidates = runner.invoke(app, ["site", *ARGS, "--add", "2"])
    assert no_candidates.exit_code == 2
