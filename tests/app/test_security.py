"""The app facing a stranger's upload: no Markdown from user text, no traceback, a gate, a budget.

Issue 14 cases 3–5: an uploaded file's header ``[点此重新登录 Login](http://attacker/phish)``
became a clickable link in an error box and ``![x](http://attacker/t.png)`` made every
viewer's browser call out; unexpected errors showed tracebacks with server paths; a
144 km² area at the smallest cell exhausted the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from _browser import BrowserPage, browser_page  # noqa: F401  (a pytest fixture)
from _helpers import ROOT
from _helpers.app import shown
from streamlit.testing.v1 import AppTest

from geo import planner
from geo.ui_text import plain

APP = ROOT / "app.py"
TIMEOUT = 120
LINK = "[点此重新登录 Login](http://attacker.example/phish)"
IMAGE = "![x](http://attacker.example/t.png)"
EVIL_HEADERS = f"名称,{LINK},{IMAGE}\r\n甲站,1,2\r\n".encode()


def _texts(at: AppTest) -> list[str]:
    out = []
    for kind in ("error", "warning", "info", "markdown", "caption", "exception"):
        out += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    return out


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("GEO_APP_MAP", "off")
    monkeypatch.delenv("GEO_APP_PASSWORD", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def test_header_text_in_an_error_box_is_escaped(app: AppTest) -> None:
    app.file_uploader(key="up_stations").set_value(("evil.csv", EVIL_HEADERS, "text/csv")).run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert errors and any("\\[点此重新登录 Login\\]" in e for e in errors)
    for text in _texts(app):
        assert LINK not in text and IMAGE not in text
    assert app.metric, "the app keeps working on the demo"


def test_an_unexpected_error_shows_a_reference_not_a_traceback(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(result: object) -> None:
        raise RuntimeError("boom in /srv/geo/secret/path.py with AMAP_KEY=abc")

    monkeypatch.setattr(planner, "gap_report", boom)
    app.run()
    assert not app.exception
    page = "\n".join(_texts(app))
    assert "E-" in page and "Traceback" not in page
    assert "/srv/geo" not in page and "boom" not in page


def test_the_access_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_APP_MAP", "off")
    monkeypatch.setenv("GEO_APP_PASSWORD", "open-sesame-42")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.metric and len(at.text_input) == 1  # nothing is read before the password
    at.text_input[0].set_value("wrong")
    at.button[0].click().run()
    assert not at.metric and at.error
    at.text_input[0].set_value("open-sesame-42")
    at.button[0].click().run()
    assert len(at.metric) == 4 and not at.exception


def test_a_city_at_ten_metres_is_refused_in_the_app(app: AppTest, tmp_path: Path) -> None:
    area = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
            b'"geometry":{"type":"Polygon","coordinates":[[[120.50,31.20],[120.626,31.20],'
            b'[120.626,31.31],[120.50,31.31],[120.50,31.20]]]}}]}')
    stations = (ROOT / "data" / "canglang" / "stations.csv").read_bytes()
    app.file_uploader(key="up_stations").set_value([("stations.csv", stations, "text/csv")])
    app.file_uploader(key="up_area").set_value(("city.geojson", area, "application/json"))
    app.number_input(key="cell").set_value(10.0).run()
    assert not app.exception
    errors = [shown(e.value) for e in app.error]
    # in the app's words: its cell-size widget, not the command line's --cell (issue 18)
    assert any("更大的“网格单元”大小" in e and "GB" in e and "--" not in e for e in errors), errors


def test_server_limits_in_the_shipped_config() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert 0 < config["server"]["maxUploadSize"] <= 50
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"  # no "Deploy" button, no dev options


# --- in a real browser: Streamlit's own Markdown renderer gets the escaped text ------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_escaped_markdown_renders_no_link_or_image_in_a_browser(
    browser_page: BrowserPage, tmp_path: Path  # noqa: F811
) -> None:
    script = tmp_path / "page.py"
    script.write_text(
        "import streamlit as st\n"
        "from geo.ui_text import plain\n"
        f"st.error(plain({LINK + ' ' + IMAGE + ' :red[x] <b>bold</b>'!r}))\n"
        f"st.markdown('**a** ' + plain({LINK!r}))\n"
        "st.write('done')\n", encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("streamlit did not start")
                time.sleep(0.3)
        page = browser_page.page
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_text("done").wait_for(timeout=60_000)
        alert = page.locator('[data-testid="stAlertContainer"]').first
        text = alert.inner_text().replace("\u200b", "")
        assert "[点此重新登录 Login](http://attacker.example/phish)" in text  # shown as text
        assert page.locator('a[href*="attacker"]').count() == 0  # no link, not even GFM's
        assert page.locator('img[src*="attacker"]').count() == 0
        assert page.locator("b", has_text="bold").count() == 0
        assert not [u for u in browser_page.aborted if "attacker" in u]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert plain(None) == ""
