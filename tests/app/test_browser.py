"""The planner app in a real browser: ``streamlit run app.py`` driven by headless Chromium.

The server runs on a free local port; the ``browser_page`` fixture (tests/_browser.py)
answers Leaflet's CDN URLs from the local npm package and aborts everything else
(tiles), so nothing leaves the machine. A screenshot goes to the test's temporary
folder, and to ``$GEO_SCREENSHOTS`` when set (that is how ``docs/app.png`` is made).
"""

from __future__ import annotations

import contextlib
import os
import re
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
from _browser import BrowserPage, browser_page, live, wait_idle  # noqa: F401  (a pytest fixture)
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
def streamlit_server(log: Path, geo_app: bool = False) -> Iterator[tuple[subprocess.Popen, str]]:
    """``streamlit run app.py`` (or ``geo app``) on a free local port, until it answers its
    health check."""
    port = free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    head = ([sys.executable, "-m", "geo.cli", "app"] if geo_app
            else [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")])
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*head,
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
    return live(page, "stMetricValue").nth(n).inner_text().strip()


def test_app_in_browser(browser_page: BrowserPage, app_url, tmp_path):  # noqa: F811
    demo = geo.analyze(
        [str(DATA / "stations.csv"), str(DATA / "charging_piles.csv")],
        demand=str(DATA / "demand.csv"), area=str(DATA / "area.geojson"),
        grids=str(DATA / "grids.geojson"),
    )
    page = browser_page.page
    page.set_viewport_size({"width": 1500, "height": 1100})
    browser_page.goto(app_url)
    metric = live(page, "stMetricValue").first
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
    delta = live(page, "stMetricDelta").first
    expect(delta).to_be_visible(timeout=30_000)
    assert float(kpi(page, 0).rstrip("%")) > ten.coverage * 100
    expect(page.get_by_text("NEW1").first).to_be_visible()
    expect(frame.locator(".leaflet-marker-icon .geo-st.new")).to_have_count(1, timeout=30_000)

    # a click on the map adds the next what-if station there
    frame.locator(".leaflet-container").first.click(position={"x": 200, "y": 150})
    expect(page.get_by_text("NEW2").first).to_be_visible(timeout=30_000)
    expect(frame.locator(".leaflet-marker-icon .geo-st.new")).to_have_count(2, timeout=30_000)

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


# the demand markers drawn red (uncovered) or blue (covered): circles of fill opacity 0.55
_DEMAND = 'path.leaflet-interactive[fill="{colour}"][fill-opacity="0.55"]'


def test_a_whatif_redraws_the_map_in_place(browser_page: BrowserPage, app_url):  # noqa: F811
    """A what-if replaces the map's coverage layers in the map the browser has: the new
    station's marker and legend row appear, the demand it reaches turns from red to blue
    (as many as the analysis with it says), and the map itself (its frame, the view) stays;
    removing the station brings the colours back."""
    from geo import scenario
    from geo.style import COVERED_COLOUR, UNCOVERED_COLOUR

    files = {"demand": str(DATA / "demand.csv"), "area": str(DATA / "area.geojson"),
             "grids": str(DATA / "grids.geojson")}
    stations = scenario.combine([geo.read_stations(DATA / "stations.csv"),
                                 geo.read_stations(DATA / "charging_piles.csv")])
    demo = geo.analyze(stations, **files)
    page = _open(browser_page, app_url)
    frame = page.frame_locator("iframe[title*='st_folium']").first
    red = frame.locator(_DEMAND.format(colour=UNCOVERED_COLOUR))
    blue = frame.locator(_DEMAND.format(colour=COVERED_COLOUR))
    expect(red).to_have_count(int((~demo.points["covered"]).sum()), timeout=60_000)
    expect(blue).to_have_count(int(demo.points["covered"].sum()))
    wait_idle(page)
    frame.locator("body").evaluate("() => { window.geoKept = 'the same map'; }")

    page.get_by_role("button", name=ui.t("add", "zh")).click()
    row = page.get_by_text(re.compile(r"NEW1 .*\(WGS-84\)")).first
    expect(row).to_be_visible(timeout=30_000)
    lon, lat = map(float, re.findall(r"(\d+\.\d{6}), (\d+\.\d{6})", row.inner_text())[0])
    after = geo.analyze(scenario.add_station(stations, lon, lat, station_id="NEW1"), **files)
    assert after.covered_demand > demo.covered_demand  # the form's place: the largest gap
    expect(live(page, "stMetricValue").first).to_have_text(ui.share(after.coverage),
                                                          timeout=30_000)
    expect(frame.locator(".leaflet-marker-icon .geo-st.new")).to_have_count(1, timeout=30_000)
    expect(red).to_have_count(int((~after.points["covered"]).sum()), timeout=30_000)
    expect(blue).to_have_count(int(after.points["covered"].sum()))
    expect(frame.locator(".geo-legend")).to_have_count(1)  # replaced, not added
    expect(frame.locator(".geo-legend")).to_contain_text("NEW1")
    assert frame.locator(".leaflet-marker-icon .geo-st").count() == len(stations) + 1
    # the frame was not rebuilt: the what-if went into the map the browser had
    assert frame.locator("body").evaluate("() => window.geoKept") == "the same map"

    wait_idle(page)
    page.get_by_role("button", name=ui.t("remove", "zh")).first.click()
    expect(frame.locator(".leaflet-marker-icon .geo-st.new")).to_have_count(0, timeout=30_000)
    expect(red).to_have_count(int((~demo.points["covered"]).sum()), timeout=30_000)
    expect(frame.locator(".geo-legend")).not_to_contain_text("NEW1")
    assert frame.locator("body").evaluate("() => window.geoKept") == "the same map"
    assert not browser_page.page_errors, browser_page.page_errors


def test_geocoding_review_by_map_click_in_browser(browser_page: BrowserPage, app_url, tmp_path):  # noqa: F811
    page = browser_page.page
    page.set_viewport_size({"width": 1500, "height": 1200})
    browser_page.goto(app_url)
    page.get_by_text(ui.t("page_geocode", "zh")).click()
    page.get_by_role("button", name=ui.t("gc_run", "zh")).click()
    manual = live(page, "stMetric").filter(has_text="人工校正")
    expect(manual.locator('[data-testid="stMetricValue"]')).to_have_text("0", timeout=60_000)
    review = live(page, "stMetric").filter(has_text="待核实")
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
    expect(live(page, "stMetricValue").first).to_be_visible(timeout=60_000)
    served: list = []
    page.on("response", lambda r: served.append(r)
            if "/component/geo.maps.served.files/" in r.url else None)
    page.get_by_label(ui.t("demo_choice", "zh")).click()
    page.get_by_role("option", name=ui.t("demo_helsinki", "zh")).click()
    expect(page.get_by_text("赫尔辛基").first).to_be_visible(timeout=60_000)
    frame = page.frame_locator("iframe[title*='st_folium']").first
    # the streets come as a file from the app's own server (not inside the map's script),
    # on a canvas in their own pane under the coverage
    expect(frame.locator(".leaflet-geoStreets-pane canvas")).to_have_count(1, timeout=90_000)
    assert served and all(r.ok and r.url.endswith(".json") for r in served), served
    expect(frame.locator(".leaflet-control-layers-overlays")).to_contain_text("街道 Streets")
    expect(frame.locator(".geo-tile-note")).to_be_visible(timeout=30_000)
    assert frame.locator(".leaflet-marker-icon .geo-st").count() >= 10
    painted = frame.locator(".leaflet-geoStreets-pane canvas").evaluate(
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


# --- issue 18: the sequences that changed what a KPI meant ----------------------------------

_DEMO_INPUTS = {"demand": str(DATA / "demand.csv"), "area": str(DATA / "area.geojson"),
                "grids": str(DATA / "grids.geojson")}


def _open(browser_page: BrowserPage, app_url: str):  # noqa: F811
    page = browser_page.page
    page.set_viewport_size({"width": 1500, "height": 1100})
    browser_page.goto(app_url)
    expect(live(page, "stMetricValue").first).to_be_visible(timeout=60_000)
    return page


def _basis_text(page) -> str:
    return page.locator(".st-key-basis").first.inner_text()


def _radio_states(page) -> dict[str, str]:
    """Each radio group's label → which options are checked (``"010"``), as the browser
    shows them."""
    return dict(page.evaluate(
        """() => Array.from(document.querySelectorAll('[role=radiogroup]')).map(g =>
               [g.getAttribute('aria-label'),
                Array.from(g.querySelectorAll('input')).map(i => i.checked ? 1 : 0).join('')])"""))


def test_sequence_1_geocoded_stations_keep_the_datasets_demand(
    browser_page: BrowserPage, app_url, tmp_path  # noqa: F811
) -> None:
    from geo import planner
    from geo.geocode import geocode_table
    from geo.geocode import review as rv

    table = geocode_table(planner.demo_addresses(), provider="demo", city="苏州市", rate=0)
    csv = tmp_path / "stations_addresses_geocoded.csv"
    csv.write_bytes(planner.table_bytes(rv.explicit_systems(table, "gcj02"), ".csv"))
    expected = geo.analyze([str(csv)], **_DEMO_INPUTS)

    page = _open(browser_page, app_url)
    page.get_by_text(ui.t("page_geocode", "zh"), exact=True).click()
    page.get_by_role("button", name=ui.t("gc_run", "zh")).click()
    page.get_by_role("button", name=ui.t("gc_use", "zh")).click()
    expect(page.get_by_text("覆盖分析现在使用").first).to_be_visible(timeout=60_000)
    page.get_by_text(ui.t("page_coverage", "zh"), exact=True).click()
    metric = live(page, "stMetricValue").first
    expect(metric).to_have_text(ui.share(expected.coverage), timeout=60_000)
    wait_idle(page)
    assert kpi(page, 2) == str(len(expected.gap_table))
    basis = _basis_text(page)
    assert "stations_addresses_geocoded.csv" in basis and "替换数据集的站点" in basis
    assert "demand.csv" in basis and "grids.geojson" in basis
    assert not browser_page.page_errors, browser_page.page_errors


def test_sequence_2_and_4_whatifs_stay_with_their_dataset_and_reports_name_them(
    browser_page: BrowserPage, app_url, tmp_path  # noqa: F811
) -> None:
    import io
    import json
    import zipfile

    page = _open(browser_page, app_url)
    box = page.get_by_label(ui.t("minutes", "zh"))
    box.fill("10")
    box.press("Enter")
    expect(page.locator("h1").first).to_contain_text("10分钟", timeout=30_000)
    page.get_by_role("button", name=ui.t("add", "zh")).click()
    expect(live(page, "stMetricDelta").first).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-basis")).to_contain_text("NEW1", timeout=30_000)
    # the download buttons are drawn below: the previous run's would give the previous data
    wait_idle(page)

    # sequence 4: the downloads say what the screen says
    with page.expect_download(timeout=120_000) as got:
        live(page, "stDownloadButton").get_by_role(
            "button", name=ui.t("dl_summary", "zh")).click()
    summary = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    shown = kpi(page, 0)
    assert ui.share(summary["coverage"]) == shown and summary["params"]["minutes"] == 10
    with page.expect_download(timeout=180_000) as got:
        live(page, "stDownloadButton").get_by_role(
            "button", name=ui.t("dl_report", "zh")).click()
    pack = zipfile.ZipFile(io.BytesIO(Path(got.value.path()).read_bytes()))
    md = next(pack.read(n).decode("utf-8") for n in pack.namelist() if n.endswith("summary.md"))
    assert "假设站点" in md and "NEW1" in md
    html = next(pack.read(n).decode("utf-8") for n in pack.namelist() if n.endswith("map.html"))
    assert "10分钟" in html and "15分钟" not in html

    # sequence 2: on Helsinki, no Suzhou what-if and no Suzhou coordinates in the form
    page.get_by_label(ui.t("demo_choice", "zh")).click()
    page.get_by_role("option", name=ui.t("demo_helsinki", "zh")).click()
    expect(page.locator(".st-key-basis")).to_contain_text("赫尔辛基", timeout=90_000)
    expect(live(page, "stMetricValue").first).to_be_visible(timeout=90_000)
    # the rerun may still be under way: wait for what it must end with
    expect(live(page, "stMetricDelta")).to_have_count(0, timeout=90_000)
    expect(page.get_by_text("1 个假设站点属于其他数据集").first).to_be_visible(timeout=90_000)
    expect(page.locator(".st-key-basis")).not_to_contain_text("NEW1")
    # the form below the map is drawn last: Helsinki's largest gap, not Suzhou's
    expect(page.get_by_label(ui.t("lon", "zh"))).to_have_value(re.compile(r"^2[45]\.\d+$"),
                                                             timeout=90_000)
    assert not browser_page.page_errors, browser_page.page_errors


def test_sequence_3_a_language_switch_keeps_every_choice(
    browser_page: BrowserPage, app_url  # noqa: F811
) -> None:
    page = _open(browser_page, app_url)
    page.get_by_text(ui.t("siting_target", "zh"), exact=True).click()
    page.get_by_role("button", name=ui.t("siting_run", "zh")).click()  # a form's choice counts
    expect(page.get_by_text(ui.t("siting_after", "zh")).first).to_be_visible(timeout=120_000)
    wait_idle(page)
    before = _radio_states(page)
    assert all("1" in v for v in before.values()), before
    page.get_by_text("English", exact=True).click()
    expect(live(page, "stMetricLabel").first).to_contain_text(
        "Coverage", timeout=60_000)
    # the siting form, far down, is relabelled last
    expect(page.get_by_role("radiogroup", name="Candidates")).to_be_visible(timeout=60_000)
    expect(page.get_by_label("Name")).to_have_value("New station", timeout=60_000)
    wait_idle(page)
    after = _radio_states(page)
    # every group still shows one choice, the same one (labels are now English)
    assert sorted(after.values()) == sorted(
        v if k != ui.t("language", "zh") else "01" for k, v in before.items()), (before, after)
    kind = page.get_by_role("combobox", name=ui.t("kind", "en"), exact=True)
    assert "caring supply point" in kind.first.aria_snapshot()  # 爱心补给点
    assert page.get_by_text("love supply point").count() == 0
    assert not browser_page.page_errors, browser_page.page_errors


def test_geo_app_serves_the_same_page_with_its_map(
    browser_page: BrowserPage, tmp_path: Path  # noqa: F811
) -> None:
    # geo app loads geo's modules before Streamlit starts: the map component must still load
    with streamlit_server(tmp_path / "server.log", geo_app=True) as (_, url):
        page = _open(browser_page, url)
        frame = page.frame_locator("iframe[title*='st_folium']").first
        expect(frame.locator(".leaflet-marker-icon .geo-st").first).to_be_attached(
            timeout=60_000)
        assert "沧浪街道" in _basis_text(page)
    assert not browser_page.page_errors, browser_page.page_errors
