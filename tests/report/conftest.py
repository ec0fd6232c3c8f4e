"""The demo's report pack, written once per module, and `geo check --json` on the same files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _helpers.report import DPI, FILES, INPUTS, SCENARIOS
from typer.testing import CliRunner

from geo.cli import app
from geo.report import pack


@pytest.fixture(scope="module")
def demo_pack(demo, tmp_path_factory) -> tuple[pack.ReportPack, Path]:
    out = tmp_path_factory.mktemp("pack") / "report"
    result = demo.report(out, map_png="static", dpi=DPI, scenarios=SCENARIOS, target=0.9)
    return result, out


@pytest.fixture(scope="module")
def cli_json() -> dict:
    args = ["check", *FILES, *(f"--{k}={v}" for k, v in INPUTS.items()), "--json"]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)
