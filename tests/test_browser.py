"""Browser smoke tests: Leaflet from the CDN URL (served locally) and inlined, in headless Chromium.

The ``browser_page`` fixture lives in ``tests/_browser.py``; see its notes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _browser import BrowserPage, browser_page  # noqa: F401  (a pytest fixture)

from geo.assets import LEAFLET_VERSION, inline_leaflet, leaflet_urls, local_file

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

SCRIPT = f"""
const map = L.map("map").setView([31.29, 120.61], 15);
L.tileLayer("{TILES}", {{maxZoom: 19}}).addTo(map);
L.circleMarker([31.29, 120.61], {{radius: 12, color: "#c0392b"}})
  .bindTooltip("爱心补给点").addTo(map);
L.marker([31.291, 120.612]).addTo(map);
L.control.layers(null, null).addTo(map);
"""


def page_html(head: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>测试地图</title>
{head}
<style>html, body, #map {{ height: 100%; margin: 0; }}</style>
</head><body><div id="map"></div><script>{SCRIPT}</script></body></html>
"""


def require_local_leaflet() -> None:
    url = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
    if local_file(url) is None:
        pytest.skip(f"Leaflet {LEAFLET_VERSION} is not available locally (run `npm ci`)")


def test_leaflet_from_cdn_url_is_served_locally(
    browser_page: BrowserPage,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("GEO_ASSET_BASE", raising=False)
    require_local_leaflet()
    js_url, css_url = leaflet_urls()
    assert js_url.startswith("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/")
    html = tmp_path / "map.html"
    head = f'<link rel="stylesheet" href="{css_url}">\n<script src="{js_url}"></script>'
    html.write_text(page_html(head), encoding="utf-8")

    browser_page.goto(html)
    page = browser_page.page
    page.wait_for_selector("path.leaflet-interactive")
    assert page.evaluate("window.L.version") == "1.9.3"
    served = {url for url, _ in browser_page.served}
    assert {js_url, css_url} <= served  # and the default marker's images
    assert all(url.startswith("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/") for url in served)
    # tiles (and only tiles) were stopped at the door
    assert browser_page.aborted
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in browser_page.aborted)
    assert browser_page.errors == []
    shot = tmp_path / "map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000


def test_inlined_leaflet_needs_no_network(
    browser_page: BrowserPage,  # noqa: F811
    tmp_path: Path,
):
    require_local_leaflet()
    js, css = inline_leaflet()
    html = tmp_path / "inline.html"
    html.write_text(page_html(f"<style>{css}</style>\n<script>{js}</script>"), encoding="utf-8")

    browser_page.goto(html)
    page = browser_page.page
    page.wait_for_selector("path.leaflet-interactive")
    assert page.evaluate("window.L.version") == "1.9.3"
    assert browser_page.served == []
    # the default marker's images are data URIs, not a missing images/ folder
    icon = page.get_attribute("img.leaflet-marker-icon", "src")
    assert icon is not None and icon.startswith("data:image/png;base64,")
    shadow = page.get_attribute("img.leaflet-marker-shadow", "src")
    assert shadow is not None and shadow.startswith("data:image/png;base64,")
    # the layers control's css image is inlined too
    toggle = "getComputedStyle(document.querySelector('.leaflet-control-layers-toggle'))"
    assert "data:image/png;base64," in page.evaluate(f"{toggle}.backgroundImage")
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in browser_page.aborted)
    assert browser_page.errors == []
    page.screenshot(path=str(tmp_path / "inline.png"))
