"""Browser assets: Leaflet from the xstatic-leaflet package, inlined, as data: URLs, or linked.

No test downloads anything: the files come with a Python package. At the end, Leaflet
inlined (no request at all), as data: URLs, and from CDN URLs answered by an office
mirror (the packaged files), in headless Chromium with every other request refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from _browser import BrowserPage, browser_page  # noqa: F401  (a pytest fixture)

from geo.assets import (
    DEFAULT_CDN,
    LEAFLET_VERSION,
    fetch,
    inline_leaflet,
    leaflet_data_urls,
    leaflet_dir,
    leaflet_urls,
    local_file,
)
from geo.errors import AssetError

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(40))  # bytes are what matter
CSS = (
    ".leaflet-vml-shape { behavior: url(#default#VML); }\n"
    ".leaflet-control-layers-toggle { background-image: url(images/layers.png); }\n"
    ".leaflet-retina .leaflet-control-layers-toggle "
    "{ background-image: url('images/layers.png'); }\n"
)
# sha256 of the files of the leaflet-1.9.3.tgz npm publishes (its integrity is
# sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==),
# read with `npm pack leaflet@1.9.3` on 2026-12-04: the reference the packaged files must match
RELEASE_SHA256 = {
    "leaflet.js": "5819285cec137b229c94e1ee5ad73e8b6b84345a4367d60f75fe477fe0fb7b03",
    "leaflet.css": "90b693d86392a4779c861b28cf307e7e59c3fb35328c4d8b95f58f814d38c722",
}
JS = f"/* @preserve Leaflet {LEAFLET_VERSION} */ window.L = {{version: '{LEAFLET_VERSION}'}};\n"


def write_package(root: Path, version: str = LEAFLET_VERSION) -> Path:
    """Write a small Leaflet package as ``root/leaflet`` (a node_modules-like folder)."""
    files = {
        "package.json": json.dumps({"name": "leaflet", "version": version}).encode(),
        "dist/leaflet.js": JS.encode(),
        "dist/leaflet.css": CSS.encode(),
        "dist/images/layers.png": PNG,
    }
    for name, data in files.items():
        path = root / "leaflet" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root / "leaflet"


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GEO_* asset settings."""
    for var in ("GEO_ASSETS_DIR", "GEO_ASSET_BASE"):
        monkeypatch.delenv(var, raising=False)


# --- the packaged Leaflet -------------------------------------------------------------------------


def test_leaflet_comes_with_the_python_package(isolated):
    import xstatic.pkg.leaflet as packaged

    folder = fetch()
    assert folder == leaflet_dir() == Path(packaged.BASE_DIR)
    assert packaged.VERSION == LEAFLET_VERSION
    js = (folder / "leaflet.js").read_text(encoding="utf-8")
    assert f"Leaflet {LEAFLET_VERSION}" in js  # the banner of the release itself


def test_the_packaged_files_are_the_release_published_on_npm(isolated):
    # independent reference: the files of the tarball npm publishes (RELEASE_SHA256)
    digest = hashlib.sha256((leaflet_dir() / "leaflet.js").read_bytes()).hexdigest()
    assert digest == RELEASE_SHA256["leaflet.js"]
    digest = hashlib.sha256((leaflet_dir() / "leaflet.css").read_bytes()).hexdigest()
    assert digest == RELEASE_SHA256["leaflet.css"]


def test_real_leaflet_inlines_every_image(isolated):
    js, css = inline_leaflet()
    assert "Leaflet 1.9.3" in js
    assert "url(images/" not in css
    assert css.count("data:image/png;base64,") == 3  # layers, layers-2x, marker-icon
    assert "</script" not in js.lower() and "</style" not in css.lower()


def test_data_urls_decode_to_the_inlined_text(isolated):
    js_url, css_url = leaflet_data_urls()
    js, css = inline_leaflet()
    assert js_url.startswith("data:text/javascript;base64,")
    assert css_url.startswith("data:text/css;base64,")
    assert base64.b64decode(js_url.split(",", 1)[1]).decode() == js
    assert base64.b64decode(css_url.split(",", 1)[1]).decode() == css


def test_a_missing_package_says_how_to_get_it(isolated, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "xstatic.pkg.leaflet", None)  # import fails
    with pytest.raises(AssetError, match="xstatic-leaflet"):
        leaflet_dir()


def test_a_package_of_another_version_is_refused(isolated, monkeypatch):
    import xstatic.pkg.leaflet as packaged

    monkeypatch.setattr(packaged, "VERSION", "1.7.1")
    with pytest.raises(AssetError, match=r"holds Leaflet 1\.7\.1, the maps need 1\.9\.3"):
        inline_leaflet()


# --- GEO_ASSETS_DIR: an explicit setting, so a wrong one is an error, not skipped ---------------


def test_assets_dir_with_the_right_version_is_used(isolated, tmp_path, monkeypatch):
    write_package(tmp_path / "mirror")
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path / "mirror"))
    assert leaflet_dir() == tmp_path / "mirror" / "leaflet" / "dist"
    js, css = inline_leaflet()
    assert js.startswith(JS.strip()[:20]) and "data:image/png;base64," in css


def test_assets_dir_with_another_version_is_an_error(isolated, tmp_path, monkeypatch):
    write_package(tmp_path / "mirror", version="1.9.4")
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path / "mirror"))
    with pytest.raises(AssetError, match=r"another version \(1\.9\.4\).*need.*Leaflet 1\.9\.3"):
        leaflet_dir()
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path / "empty"))
    with pytest.raises(AssetError, match=r"GEO_ASSETS_DIR=.* has no Leaflet package"):
        inline_leaflet()


# --- asset base URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "root"),
    [
        (None, DEFAULT_CDN),
        ("https://cdn.jsdelivr.net/npm/", DEFAULT_CDN),
        ("https://unpkg.com", "https://unpkg.com"),
        ("http://10.1.2.3:8080/static/npm//", "http://10.1.2.3:8080/static/npm"),
        ("  https://mirror.example.gov.cn/npm  ", "https://mirror.example.gov.cn/npm"),
        ("file:///srv/assets/npm/", "file:///srv/assets/npm"),
    ],
)
def test_leaflet_urls(isolated, base, root):
    js, css = leaflet_urls(base)
    assert js == f"{root}/leaflet@1.9.3/dist/leaflet.js"
    assert css == f"{root}/leaflet@1.9.3/dist/leaflet.css"


def test_leaflet_urls_from_the_environment(isolated, monkeypatch):
    monkeypatch.setenv("GEO_ASSET_BASE", "https://mirror.example.gov.cn/npm/")
    assert leaflet_urls()[0] == "https://mirror.example.gov.cn/npm/leaflet@1.9.3/dist/leaflet.js"
    assert leaflet_urls("https://unpkg.com")[0].startswith("https://unpkg.com/")  # argument wins
    monkeypatch.setenv("GEO_ASSET_BASE", "")
    assert leaflet_urls()[0].startswith(DEFAULT_CDN + "/")
    monkeypatch.setenv("GEO_ASSET_BASE", "mirror.example.gov.cn/npm")
    with pytest.raises(AssetError, match=re.escape("GEO_ASSET_BASE 'mirror.example.gov.cn/npm'")):
        leaflet_urls()


@pytest.mark.parametrize(
    "base",
    [
        "ftp://mirror/npm",
        "cdn.example.com/npm",
        "https://",
        "",
        "/srv/npm",
        "https://x/npm?v=1",
        "javascript:alert(1)",
    ],
)
def test_leaflet_urls_refuse_other_bases(isolated, base):
    with pytest.raises(AssetError, match="http://, https:// or file://"):
        leaflet_urls(base)


# --- CDN URL → local file (an office mirror, and browser tests of --assets cdn) -----------------


def test_local_file_maps_cdn_urls(isolated, tmp_path, monkeypatch):
    folder = write_package(tmp_path / "mirror")
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path / "mirror"))
    js = folder / "dist" / "leaflet.js"
    png = folder / "dist" / "images" / "layers.png"
    assert local_file("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js") == js
    assert local_file("https://unpkg.com/leaflet@1.9.3/dist/images/layers.png") == png
    assert local_file("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js?v=2") == js
    assert local_file("https://cdn.jsdelivr.net/npm/leaflet%401.9.3/dist/leaflet.js") == js
    for url in [
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js",  # another version
        "https://cdn.jsdelivr.net/npm/leaflet@1.9/dist/leaflet.js",  # a range
        "https://cdn.jsdelivr.net/npm/leaflet@latest/dist/leaflet.js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/missing.js",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/../../../etc/passwd",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/%2e%2e/%2e%2e/package.json",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/package.json",  # outside dist/
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3",
        "https://cdn.jsdelivr.net/gh/Leaflet/Leaflet@1.9.3/dist/leaflet.js",
        "https://unpkg.com.evil.example/leaflet@1.9.3/dist/leaflet.js",
        "https://example.com/npm/leaflet@1.9.3/dist/leaflet.js",
        "https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js",  # not ours
        "not a url",
    ]:
        assert local_file(url) is None, url
    monkeypatch.setenv("GEO_ASSET_BASE", "http://intranet.example/static/npm/")
    assert local_file("http://intranet.example/static/npm/leaflet@1.9.3/dist/leaflet.js") == js


def test_local_file_serves_the_packaged_files(isolated):
    path = local_file("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
    assert path == leaflet_dir() / "leaflet.css"


# --- in headless Chromium --------------------------------------------------------------------

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


def test_leaflet_from_cdn_urls_loads_from_an_office_mirror(
    browser_page: BrowserPage,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("GEO_ASSET_BASE", raising=False)
    browser_page.mirror = True
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


def test_a_cdn_map_offline_fails_and_the_fixture_says_so(
    browser_page: BrowserPage,  # noqa: F811
    tmp_path: Path,
):
    # the reference for the tests above: without the mirror a CDN link does not load
    js_url, css_url = leaflet_urls(DEFAULT_CDN)
    html = tmp_path / "cdn.html"
    head = f'<link rel="stylesheet" href="{css_url}">\n<script src="{js_url}"></script>'
    html.write_text(page_html(head), encoding="utf-8")
    browser_page.goto(html)
    assert browser_page.page.evaluate("typeof window.L") == "undefined"
    assert js_url in browser_page.aborted
    assert any("L is not defined" in e for e in browser_page.page_errors)


def test_leaflet_as_data_urls_needs_no_network(
    browser_page: BrowserPage,  # noqa: F811
    tmp_path: Path,
):
    js_url, css_url = leaflet_data_urls()
    html = tmp_path / "data.html"
    head = f'<link rel="stylesheet" href="{css_url}">\n<script src="{js_url}"></script>'
    html.write_text(page_html(head), encoding="utf-8")
    browser_page.goto(html)
    page = browser_page.page
    page.wait_for_selector("path.leaflet-interactive")
    assert page.evaluate("window.L.version") == "1.9.3"
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in browser_page.aborted)
    assert browser_page.errors == []
