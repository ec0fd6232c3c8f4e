"""The demos as ``geo`` command-line arguments, shared by several command tests."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from _helpers import ROOT
from geo.cli import app

# The bundled Helsinki demo on the street network (geo check, geo map).
DATA = ROOT / "data" / "helsinki"
ARGS = [str(DATA / "stations.csv"), "--demand", str(DATA / "demand.csv"),
        "--area", str(DATA / "area.geojson"), "--method", "network", "--network", "helsinki"]


# The Canglang demo with its charging piles, for the cluster options and geo sweep.
DEMO = ROOT / "data" / "canglang"
STATIONS = [str(DEMO / "stations.csv"), str(DEMO / "charging_piles.csv")]
INPUTS = ["--demand", str(DEMO / "demand.csv"), "--grids", str(DEMO / "grids.geojson"),
          "--area", str(DEMO / "area.geojson")]


def _json(args: list[str]) -> dict:
    res = CliRunner().invoke(app, args)
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)
