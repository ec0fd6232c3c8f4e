"""The planner app in a real browser: ``streamlit run app.py`` driven by headless Chromium.

The server runs on a free local port; the ``browser_page`` fixture (tests/_browser.py)
answers Leaflet's CDN URLs from the local npm package and aborts everything else
(tiles), so nothing leaves the machine. A screenshot goes to the test's temporary
folder, and to ``$GEO_SCREENSHOTS`` when set (that is how ``docs/app.png`` is made).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from _browser import BrowserPage, browser_page  # noqa: F401  (a pytest fixture)
from _helpers import ROOT

import geo
from geo import ui_text as ui

DATA = ROOT / "data" / "canglang"
expect = pytest.importorskip("playwright.sync_api").expect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(log: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """``streamlit run app.py`` on a free local port, until it answers its health check."""
    port = free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start: {log.read_text(errors='replace')}")
                time.sleep(0.5)
        yield proc, f"http://127.0.0.1:{port}/"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("streamlit") / "server.log") as (_, url):
        yield url


def test_the_server_stops_cleanly_on_sigterm_while_a_page_runs(
    browser_page: BrowserPage, tmp_path: Path  # noqa: F811
) -> None:
    log = tmp_path / "server.log"
    with streamlit_server(log) as (proc, url):
        browser_page.goto(url)
        # the status widget ("Running...") shows while the page's script runs
        browser_page.page.wait_for_selector('[data-testid="stStatusWidget"]', timeout=60_000)
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("the app did not stop within 30 s of SIGTERM")
    assert code == 0, log.read_text(errors="replace")
    assert "Stopping" in log.read_text(errors="replace")


def kpi(page, n: int) -> str:
    return page.locator('[data-testid="stMetricValue"]').nth(n).inner_text().strip()


def test_app_in_browser(browser_page: BrowserPage, app_url, tmp_path):  # noqa: F811
    demo = geo.analyze(
        [str(DATA / "stations.csv"), str(DATA / "charging_piles.csv")],
        demand=str(DATA / "demand.csv"), area=str(DATA / "area.geojson"),
        grids=str(DATA / "grids.geojson"),
    )
    page = browser_page.page
    page.set_viewport_size({"width": 1500, "height": 1100})
    browser_page.goto(app_url)
    metric = page.locator('[data-testid="stMetricValue"]').first
    expect(metric).to_have_text(ui.share(demo.coverage), timeout=60_000)
    assert kpi(page, 3) == str(demo.stations_used)
    expect(page.get_by_text("示意数据").first).to_be_visible()

    # the map renders inside streamlit-folium's iframe, with every station
    frame = page.frame_locator("iframe[title*='st_folium']").first
    markers = frame.locator(".leaflet-marker-icon .geo-st")
    expect(markers.first).to_be_attached(timeout=60_000)
    assert markers.count() >= len(demo.stations)
    assert frame.locator("path.leaflet-interactive").count() > 5

    # a parameter change: 10 minutes instead of 15
    ten = geo.analyze(
        [str(DATA / "stations.csv"), str(DATA / "charging_piles.csv")],
        demand=str(DATA / "demand.csv"), area=str(DATA / "area.geojson"),
        grids=str(DATA / "grids.geojson"), minutes=10,
    )
    box = page.get_by_label(ui.t("minutes", "zh"))
    box.fill("10")
    box.press("Enter")
    expect(metric).to_have_text(ui.share(ten.coverage), timeout=30_000)
    assert ten.coverage < demo.coverage

    # a what-if station at the largest gap (the form's default position)
    page.get_by_role("button", name=ui.t("add", "zh")).click()
    delta = page.locator('[data-testid="stMetricDelta"]').first
    expect(delta).to_be_visible(timeout=30_000)
    assert float(kpi(page, 0).rstrip("%")) > ten.coverage * 100
    expect(page.get_by_text("NEW1").first).to_be_visible()
    expect(frame.locator(".geo-st.new")).to_have_count(1, timeout=30_000)

    # a click on the map adds the next what-if station there
    frame.locator(".leaflet-container").first.click(position={"x": 200, "y": 150})
    expect(page.get_by_text("NEW2").first).to_be_visible(timeout=30_000)
    expect(frame.locator(".geo-st.new")).to_have_count(2, timeout=30_000)

    # nothing asked for a CDN: Leaflet came from the package; only tiles were refused
    assert browser_page.aborted and not [
        u for u in browser_page.aborted if "tile" not in u and "autonavi" not in u
    ], browser_page.aborted
    assert not browser_page.dialogs
    assert not browser_page.page_errors, browser_page.page_errors
    page.locator("h1").first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000
    if os.environ.get("GEO_SCREENSHOTS"):
        Path(os.environ["GEO_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(os.environ["GEO_SCREENSHOTS"]) / "app.png")


def test_geocoding_review_by_map_click_in_browser(browser_page: BrowserPage, app_url, tmp_path):  # noqa: F811
    page = browser_page.page
    page.set_viewport_size({"width": 1500, "height": 1200})
    browser_page.goto(app_url)
    page.get_by_text(ui.t("page_geocode", "zh")).click()
    page.get_by_role("button", name=ui.t("gc_run", "zh")).click()
    manual = page.locator('[data-testid="stMetric"]').filter(has_text="manual")
    expect(manual.locator('[data-testid="stMetricValue"]')).to_have_text("0", timeout=60_000)
    review = page.locator('[data-testid="stMetric"]').filter(has_text="needs_review")
    expect(review.locator('[data-testid="stMetricValue"]')).to_have_text("2")

    # the review map: points coloured by status, the row being fixed marked; a click fixes it
    frame = page.frame_locator("iframe[title*='st_folium']").first
    expect(frame.locator("path.leaflet-interactive").first).to_be_attached(timeout=60_000)
    assert frame.locator("path.leaflet-interactive").count() >= 40
    expect(frame.locator(".leaflet-marker-icon")).to_have_count(1)
    frame.locator(".leaflet-container").first.click(position={"x": 300, "y": 200})
    expect(manual.locator('[data-testid="stMetricValue"]')).to_have_text("1", timeout=30_000)
    expect(review.locator('[data-testid="stMetricValue"]')).to_have_text("1")
    assert not browser_page.page_errors, browser_page.page_errors
    # Leaflet from the package, no CDN: only tiles were refused
    assert not [u for u in browser_page.aborted if "tile" not in u], browser_page.aborted
    # the map is drawn again for the next row to fix (the answer in 宿州: it opens on the others)
    frame = page.frame_locator("iframe[title*='st_folium']").first
    expect(frame.locator("path.leaflet-interactive").first).to_be_attached(timeout=60_000)
    page.wait_for_timeout(1500)
    shot = tmp_path / "app-geocode.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("GEO_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["GEO_SCREENSHOTS"]) / "app-geocode.png")


def test_the_helsinki_demo_map_draws_its_streets_offline(browser_page: BrowserPage, app_url, tmp_path):  # noqa: F811, E501
    page = browser_page.page
    page.set_viewport_size({"width": 1500, "height": 1100})
    browser_page.goto(app_url)
    expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=60_000)
    page.get_by_label(ui.t("demo_choice", "zh")).click()
    page.get_by_role("option", name=ui.t("demo_helsinki", "zh")).click()
    expect(page.get_by_text("赫尔辛基").first).to_be_visible(timeout=60_000)
    frame = page.frame_locator("iframe[title*='st_folium']").first
    expect(frame.locator(".leaflet-overlay-pane canvas")).to_have_count(1, timeout=90_000)
    expect(frame.locator(".leaflet-control-layers-overlays")).to_contain_text("街道 Streets")
    expect(frame.locator(".geo-tile-note")).to_be_visible(timeout=30_000)
    assert frame.locator(".leaflet-marker-icon .geo-st").count() >= 10
    painted = frame.locator(".leaflet-overlay-pane canvas").evaluate(
        """c => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
                  return n; }""")
    assert painted > 5_000
    assert not [u for u in browser_page.aborted if "tile" not in u], browser_page.aborted
    assert not browser_page.page_errors, browser_page.page_errors
    page.wait_for_timeout(500)
    shot = tmp_path / "app-helsinki.png"
    page.screenshot(path=str(shot))
    if os.environ.get("GEO_SCREENSHOTS"):
        shutil.copy(shot, Path(os.environ["GEO_SCREENSHOTS"]) / "app-offline-helsinki.png")
