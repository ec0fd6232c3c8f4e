"""Outputs the command line cannot write (issue 19): exit 2 naming the path and the cause."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _helpers import ROOT
from _helpers.disks import fill, tmpfs
from typer.testing import CliRunner

from geo.cli import app

DATA = ROOT / "data" / "canglang"
ARGS = [str(DATA / "stations.csv"), "--crs", "gcj02", "--area", str(DATA / "area.geojson"),
        "--cell", "20"]


def test_check_json_to_a_full_stdout_is_exit_2():
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "geo.cli", "check", *ARGS, "--json"],
                             stdout=full, stderr=subprocess.PIPE, text=True, check=False,
                             cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "geo: error: cannot write output: No space left on device" in run.stderr
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr


def test_check_text_to_a_closed_pipe_is_exit_2():
    proc = subprocess.Popen([sys.executable, "-m", "geo.cli", "check", *ARGS, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    proc.stdout.close()  # the reader went away before geo wrote
    err = proc.stderr.read()
    assert proc.wait() == 2, err
    assert "cannot write output: Broken pipe" in err and "Traceback" not in err


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_points_out_on_a_full_disk(tmp_path, suffix):
    with tmpfs(tmp_path / "disk", "256k") as disk:
        fill(disk, leave=64 * 1024)
        out = disk / f"p{suffix}"
        run = CliRunner().invoke(app, ["check", *ARGS, "--points-out", str(out)])
        assert run.exit_code == 2, run.output
        assert f"geo: error: {out}: cannot write: No space left on device" in run.output
        assert not out.exists()


def test_report_on_a_full_disk(tmp_path):
    with tmpfs(tmp_path / "disk", "512k") as disk:
        fill(disk, leave=200 * 1024)
        out = disk / "rep.zip"
        run = CliRunner().invoke(app, ["report", *ARGS, "-o", str(out), "--map-png", "static",
                                       "--dpi", "60"])
        assert run.exit_code == 2, run.output
        assert f"{out}: cannot write: No space left on device" in run.output
        assert not out.exists()


def test_map_on_a_full_disk_leaves_no_half_map(tmp_path):
    with tmpfs(tmp_path / "disk", "256k") as disk:
        fill(disk, leave=100 * 1024)  # less than the map's ~0.5 MB
        out = disk / "map.html"
        run = CliRunner().invoke(app, ["map", *ARGS, "-o", str(out)])
        assert run.exit_code == 2, run.output
        assert f"{out}: cannot write: No space left on device" in run.output
        assert not out.exists()
        assert not list(disk.glob(".map*"))  # nor its temporary file
