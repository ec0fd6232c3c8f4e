"""``geo app``: the planner app served with geo's modules loaded before the first visitor."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from typer.testing import CliRunner

from geo import serve
from geo.cli import app as cli_app


def test_preload_imports_what_the_first_view_needs() -> None:
    code = ("import sys; from geo.serve import preload; done = preload(); "
            "print(sorted(set(done))); print('folium' in sys.modules, 'streamlit_folium' in "
            "sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert set(ast.literal_eval(out[0])) == set(serve.PRELOAD)
    assert out[1] == "True False"  # folium loaded; the component itself waits for Streamlit


def test_a_missing_app_script_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(serve, "APP_SCRIPT", tmp_path / "app.py")
    res = CliRunner().invoke(cli_app, ["app"])
    assert res.exit_code == 2
    assert "app.py: the planner app is not here" in res.output


def test_geo_app_serves_the_page_with_streamlits_options(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "server.log"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "geo.cli", "app", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(log.read_text(errors="replace"))
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
