""":class:`geo.siting.SitingResult`: tables and JSON that read back, the map of captured demand."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from _helpers import ROOT
from _helpers.siting import run, small_instance

import geo
from geo.siting import site

DEMO = ROOT / "data" / "canglang"


def test_outputs_read_back(tmp_path):
    st, dem, cand = small_instance(46)
    res = run(st, dem, cand, add=2)
    table = res.sites_table()
    assert list(table.columns[:6]) == ["rank", "id", "name", "kind", "lon", "lat"]
    path = tmp_path / "sites.csv"
    res.write_sites(path)
    again = geo.read_stations(path)
    np.testing.assert_allclose(again.geometry.x, res.selected["lon"], atol=1e-7)
    assert again.attrs["rejected"] == []
    out = res.summary()
    for key in ("selected", "baseline_covered_demand", "covered_demand", "gain", "optimal",
                "model", "k", "total_demand", "baseline_coverage", "coverage", "solver",
                "bound", "gap", "time_s", "candidates", "candidates_rejected", "params"):
        assert key in out
    assert out["params"] == res.baseline.summary()["params"]
    assert [s["rank"] for s in out["selected"]] == [1, 2]
    assert out["gain"] == pytest.approx(sum(s["gain"] for s in out["selected"]))
    assert res.to_json().startswith("{")


def test_map_shows_the_demand_each_new_site_captures(tmp_path) -> None:
    res = site(str(DEMO / "stations.csv"), demand=str(DEMO / "demand.csv"),
               area=str(DEMO / "area.geojson"), from_gaps=True, add=3)
    captured = res.captured()
    chosen = {s["id"] for s in res.summary()["selected"]}
    assert len(captured) and set(captured["site"]) <= chosen
    assert abs(captured["weight"].sum() - res.gain) < 1e-9  # exactly the demand gained
    html = res.to_map().get_root().render()
    assert json.dumps("新站点覆盖的需求 Captured by new sites")[1:-1] in html  # layer control
    layers = [json.loads(t) for t in re.findall(r"L\.geoJSON\((\{.*?\}), \{\n", html, flags=re.S)]
    tips = [f["properties"].get("t", "") for layer in layers for f in layer["features"]]
    assert sum("captured by new site" in t for t in tips) == len(captured)
