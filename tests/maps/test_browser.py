"""Report maps opened from disk in headless Chromium: markers, legend, popups, inert user text.

Uses the ``browser_page`` fixture of ``tests/_browser.py``: no request leaves the
machine. Maps embed Leaflet by default; the ``cdn`` case is answered by an office
mirror (the packaged files). Screenshots go to the
test's temporary folder, and also to ``$GEO_SCREENSHOTS`` when that is set (that is
how ``docs/report-map.png`` is made).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from _browser import BrowserPage, browser_page  # noqa: F401  (a pytest fixture)
from _helpers import ROOT

import geo
from geo import maps

expect = pytest.importorskip("playwright.sync_api").expect

DATA = ROOT / "data" / "canglang"
XSS = ["<img src=x onerror=alert(1)>", "\"'><script>alert(2)</script>", "`${alert(3)}`"]


def keep(path: Path, name: str) -> None:
    folder = os.environ.get("GEO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)


@pytest.mark.parametrize("assets", ["cdn", "inline"])
def test_report_map_opens_from_disk(browser_page: BrowserPage, demo, tmp_path, assets):  # noqa: F811
    browser_page.mirror = assets == "cdn"
    path = maps.save_map(demo, tmp_path / "report.html", tiles="amap", assets=assets,
                         title="沧浪街道 15 分钟服务圈（示意）")
    page = browser_page.page
    page.set_viewport_size({"width": 1400, "height": 900})
    browser_page.goto(path)
    page.wait_for_selector(".geo-st")
    assert page.locator(".geo-st:not(.geo-legend .geo-st)").count() >= len(demo.stations)
    legend = page.locator(".geo-legend").inner_text()
    for text in ("图例 Legend", "爱心补给点", "电动车充电桩", "15 分钟可达", "缺口", "高德地图"):
        assert text in legend, text
    assert "示意数据" in page.locator(".geo-title").inner_text()
    # gaps and bands are drawn as SVG paths
    assert page.locator("path.leaflet-interactive").count() > 10
    # a station's popup reads in Chinese first
    page.locator(".leaflet-marker-icon .geo-st").first.click()
    popup = page.wait_for_selector(".leaflet-popup-content").inner_text()
    for label in ("名称 Name", "类型 Kind", "开放时间 Hours"):
        assert label in popup
    assert not browser_page.errors, browser_page.errors
    if assets == "inline":
        assert not browser_page.served  # nothing fetched: Leaflet is in the file
    page.wait_for_timeout(400)  # let the popup finish fading in
    shot = tmp_path / f"report-{assets}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if assets == "cdn":
        keep(shot, "report-map.png")


def test_hostile_names_fire_nothing(browser_page: BrowserPage, tmp_path):  # noqa: F811
    stations = geo.read_stations(DATA / "stations.csv")
    for i, name in enumerate(XSS):
        stations.loc[i, "name"] = name
    stations.loc[3, "address"] = "</script><script>alert(4)</script>"
    grids = geo.read_grids(DATA / "grids.geojson")
    grids.loc[0, "grid"] = "<b onmouseover=alert(5)>网格</b>"
    result = geo.analyze(stations, demand=str(DATA / "demand.csv"), grids=grids)
    path = maps.save_map(result, tmp_path / "x.html", title="<svg onload=alert(6)>")
    page = browser_page.page
    page.set_viewport_size({"width": 1400, "height": 900})
    browser_page.goto(path)
    page.wait_for_selector(".geo-st")
    icons = page.locator(".leaflet-marker-icon .geo-st")
    for i in range(len(XSS)):
        icons.nth(i).dispatch_event("mouseover")  # tooltip
        icons.nth(i).dispatch_event("click")  # popup (a control may cover the icon)
        expect(page.locator(".leaflet-popup-content").last).to_contain_text(XSS[i])  # literal text
    for k in range(page.locator("path.leaflet-interactive").count()):
        page.locator("path.leaflet-interactive").nth(k).dispatch_event("mouseover")
    page.wait_for_timeout(200)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("svg[onload]").count() == 0
    assert "<svg onload=alert(6)>" in page.locator(".geo-title").inner_text()
    assert browser_page.dialogs == []
    assert not browser_page.errors, browser_page.errors


HEL = ROOT / "data" / "helsinki"
DEMO_ARGS = {
    "canglang": [str(DATA / "stations.csv"), str(DATA / "charging_piles.csv"), "--demand",
                 str(DATA / "demand.csv"), "--area", str(DATA / "area.geojson"), "--grids",
                 str(DATA / "grids.geojson")],
    "helsinki": [str(HEL / "stations.csv"), "--demand", str(HEL / "demand.csv"), "--area",
                 str(HEL / "area.geojson"), "--method", "network", "--network", "helsinki"],
}
_PAINTED = """() => {
  const c = document.querySelector(".leaflet-overlay-pane canvas");
  if (!c) { return 0; }
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } }
  return n;
}"""


def check_offline_map(bp: BrowserPage, path: Path, *, streets: bool) -> None:
    """A map opened with every request off the machine refused: Leaflet, stations, bands,
    the note about the tiles, and the streets basemap where the analysis has a network."""
    page = bp.page
    page.set_viewport_size({"width": 1400, "height": 900})
    bp.goto(path)
    page.wait_for_selector(".geo-st")
    assert page.evaluate("window.L && window.L.version") == "1.9.3"
    assert page.locator(".leaflet-marker-icon .geo-st").count() >= 5
    assert page.locator("path.leaflet-interactive").count() > 5  # bands, gaps, demand
    expect(page.locator(".geo-tile-note")).to_be_visible(timeout=20_000)
    assert "底图瓦片无法加载" in page.locator(".geo-tile-note").inner_text()
    overlays = page.locator(".leaflet-control-layers-overlays").inner_text()
    if streets:
        assert "街道 Streets" in overlays
        expect(page.locator(".leaflet-overlay-pane canvas")).to_have_count(1)
        assert page.evaluate(_PAINTED) > 5_000  # street, water and rail pixels drawn
    else:
        assert "街道 Streets" not in overlays
        assert page.locator(".leaflet-overlay-pane canvas").count() == 0
    # only tiles were asked for off the machine, and refused
    assert bp.aborted and all("tile" in u or "autonavi" in u for u in bp.aborted), bp.aborted
    assert not bp.served
    assert not bp.errors, bp.errors


@pytest.mark.parametrize("name", ["canglang", "helsinki"])
def test_geo_map_draws_with_no_internet(browser_page: BrowserPage, tmp_path, name):  # noqa: F811
    from typer.testing import CliRunner

    from geo.cli import app

    out = tmp_path / f"{name}.html"
    res = CliRunner().invoke(app, ["map", *DEMO_ARGS[name], "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    check_offline_map(browser_page, out, streets=name == "helsinki")
    shot = tmp_path / f"offline-{name}.png"
    browser_page.page.screenshot(path=str(shot))
    keep(shot, f"offline-map-{name}.png")


def test_the_report_packs_map_draws_with_no_internet(browser_page: BrowserPage, tmp_path):  # noqa: F811
    from typer.testing import CliRunner

    from geo.cli import app

    res = CliRunner().invoke(app, ["report", *DEMO_ARGS["helsinki"], "--map-png", "static",
                                   "-o", str(tmp_path / "pack")])
    assert res.exit_code == 0, res.stderr
    check_offline_map(browser_page, tmp_path / "pack" / "map.html", streets=True)


@pytest.mark.parametrize("n", [40, 700])
def test_many_markers_are_placed_flat(browser_page: BrowserPage, tmp_path, n):  # noqa: F811
    # a city's thousands of station markers as 3D-transformed elements made every repaint of
    # the page slow (a compositor layer each): above MANY_MARKERS stations Leaflet places
    # them by left/top, everywhere it puts them, and zooming stays correct
    import numpy as np
    import pandas as pd

    from geo.maps.build import MANY_MARKERS

    rng = np.random.default_rng(n)
    stations = pd.DataFrame({"id": [f"S{i}" for i in range(n)],
                             "lon": 120.60 + 0.05 * rng.random(n),
                             "lat": 31.28 + 0.05 * rng.random(n)})
    path = maps.save_map(geo.analyze(stations), tmp_path / "m.html", tiles="osm")
    page = browser_page.page
    page.set_viewport_size({"width": 1200, "height": 800})
    browser_page.goto(path)
    page.wait_for_selector(".geo-st")
    assert page.locator(".leaflet-marker-icon .geo-st").count() == n
    markers = page.locator(".leaflet-marker-pane .leaflet-marker-icon")  # ranks too
    flat = n > MANY_MARKERS
    assert page.evaluate("() => window.L.Browser.any3d") is (not flat)
    transforms = markers.evaluate_all("els => els.map(e => e.style.transform)")
    assert all(("translate3d" in t) is (not flat) for t in transforms)
    # a marker sits where its station is, before and after a zoom
    for _ in range(2):
        gap = page.evaluate("""() => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            let worst = 0;
            map.eachLayer(l => { if (l instanceof L.Marker && l._icon) {
                const want = map.latLngToContainerPoint(l.getLatLng());
                const r = l._icon.getBoundingClientRect();
                const c = map.getContainer().getBoundingClientRect();
                const got = L.point(r.left + r.width / 2 - c.left, r.top + r.height / 2 - c.top);
                worst = Math.max(worst, want.distanceTo(got)); } });
            return worst; }""")
        assert gap < 2.0, gap
        page.evaluate("""() => new Promise(done => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            map.once("zoomend", () => done()); map.zoomIn(1); })""")
        page.wait_for_function("() => document.getAnimations().length === 0")  # zoom's fade
    assert not browser_page.errors, browser_page.errors
