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
