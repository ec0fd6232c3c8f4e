"""Browser assets: asset base URLs, the npm package cache, inlining, CDN → local mapping.

Fully offline: downloads come from a tarball built here and served by a local
``http.server`` on 127.0.0.1. At the end, Leaflet from the CDN URL (served locally)
and inlined, in headless Chromium (the ``browser_page`` fixture of ``tests/_browser.py``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import socket
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from _browser import BrowserPage, browser_page  # noqa: F401  (a pytest fixture)

from geo import assets
from geo.assets import (
    DEFAULT_CDN,
    LEAFLET_VERSION,
    fetch,
    inline_leaflet,
    leaflet_urls,
    local_file,
    package_dir,
)
from geo.errors import AssetError, GeoError

TGZ_PATH = f"/leaflet/-/leaflet-{LEAFLET_VERSION}.tgz"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(40))  # bytes are what matter
CSS = (
    ".leaflet-vml-shape { behavior: url(#default#VML); }\n"
    ".leaflet-control-layers-toggle { background-image: url(images/layers.png); }\n"
    ".leaflet-retina .leaflet-control-layers-toggle "
    "{ background-image: url('images/layers.png'); }\n"
)
JS = f"/* @preserve Leaflet {LEAFLET_VERSION} */ window.L = {{version: '{LEAFLET_VERSION}'}};\n"
REAL = Path(__file__).resolve().parent.parent / "node_modules" / "leaflet"


def package_files(version: str = LEAFLET_VERSION) -> dict[str, bytes]:
    return {
        "package/package.json": json.dumps({"name": "leaflet", "version": version}).encode(),
        "package/dist/leaflet.js": JS.encode(),
        "package/dist/leaflet.css": CSS.encode(),
        "package/dist/images/layers.png": PNG,
    }


def make_tgz(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buf.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def write_package(root: Path, version: str = LEAFLET_VERSION) -> Path:
    """Write the test package as ``root/leaflet`` (a node_modules-like folder)."""
    for name, data in package_files(version).items():
        path = root / "leaflet" / name.removeprefix("package/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root / "leaflet"


@dataclass
class Registry:
    """A local stand-in for the npm registry, counting the requests it gets."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def serve(self, tgz: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
        """Serve ``tgz`` as Leaflet's tarball and make it the pinned integrity."""
        self.files[TGZ_PATH] = tgz
        monkeypatch.setitem(assets.INTEGRITY, f"leaflet@{LEAFLET_VERSION}", integrity(tgz))


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No GEO_* asset settings, no repository node_modules, an empty cache; return the cache."""
    for var in ("GEO_ASSETS_DIR", "GEO_ASSET_BASE", "GEO_NPM_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(assets, "REPO_NODE_MODULES", tmp_path / "no-node-modules")
    return tmp_path / "cache" / "npm"


@pytest.fixture
def registry(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    reg = Registry(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reg.requests.append(self.path)
            body = reg.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    reg.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("GEO_NPM_URL", reg.url + "/")  # a trailing slash is fine
    try:
        yield reg
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def cache_entries(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


# --- download, verification, cache -------------------------------------------------------------


def test_fetches_once_verifies_and_caches(registry, isolated, monkeypatch):
    registry.serve(make_tgz(package_files()), monkeypatch)
    folder = package_dir()
    assert folder == isolated / f"leaflet-{LEAFLET_VERSION}"
    assert json.loads((folder / "package.json").read_text())["version"] == LEAFLET_VERSION
    assert (folder / "dist" / "images" / "layers.png").read_bytes() == PNG
    assert registry.requests == [TGZ_PATH]
    assert cache_entries(isolated) == [f"leaflet-{LEAFLET_VERSION}"]  # no temporary folders left

    assert package_dir() == folder
    assert fetch() == folder
    js, css = inline_leaflet()
    assert registry.requests == [TGZ_PATH]  # the cache answered every later call

    assert "Leaflet 1.9.3" in js
    uris = re.findall(r"url\(\"data:image/png;base64,([A-Za-z0-9+/=]+)\"\)", css)
    assert len(uris) == 2
    assert all(base64.b64decode(u) == PNG for u in uris)
    assert "url(images/" not in css and "url('images/" not in css
    assert "url(#default#VML)" in css  # not an image: left alone


def test_fetch_ignores_node_modules_and_fills_the_cache(registry, isolated, tmp_path, monkeypatch):
    registry.serve(make_tgz(package_files()), monkeypatch)
    write_package(tmp_path / "nm")
    monkeypatch.setattr(assets, "REPO_NODE_MODULES", tmp_path / "nm")
    assert package_dir() == tmp_path / "nm" / "leaflet"
    assert registry.requests == []
    assert fetch() == isolated / f"leaflet-{LEAFLET_VERSION}"
    assert registry.requests == [TGZ_PATH]
    with pytest.raises(AssetError, match="unknown browser package 'jquery'"):
        fetch("jquery")


def test_wrong_integrity_is_refused_and_nothing_cached(registry, isolated, monkeypatch):
    registry.serve(make_tgz(package_files()), monkeypatch)
    registry.files[TGZ_PATH] = make_tgz({**package_files(), "package/dist/extra.js": b"evil()"})
    with pytest.raises(AssetError, match="does not match its pinned integrity") as info:
        package_dir()
    assert "nothing was written" in str(info.value)
    assert cache_entries(isolated) == []
    assert isinstance(info.value, GeoError)


@pytest.mark.parametrize(
    ("files", "links"),
    [
        ({"package/../../evil": b"x"}, None),
        ({"../evil": b"x"}, None),
        ({"package/dist/../../../evil": b"x"}, None),
        ({"/tmp/evil-absolute": b"x"}, None),
        ({"elsewhere/evil": b"x"}, None),
        ({}, {"package/dist/link": "/etc/passwd"}),
    ],
    ids=["dotdot-under-package", "dotdot", "deep-dotdot", "absolute", "outside-package", "symlink"],
)
def test_unsafe_tarball_is_refused(registry, isolated, tmp_path, monkeypatch, files, links):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    registry.serve(make_tgz({**package_files(), **files}, links), monkeypatch)
    with pytest.raises(AssetError, match="unsafe"):
        package_dir()
    assert cache_entries(isolated) == []
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert [p for p in after if p not in before and p.parts[0] != "cache"] == []
    assert not Path("/tmp/evil-absolute").exists()


def test_tarball_of_another_version_is_not_cached(registry, isolated, monkeypatch):
    registry.serve(make_tgz(package_files(version="1.9.4")), monkeypatch)
    with pytest.raises(AssetError, match=r"does not hold Leaflet 1\.9\.3 .*'1\.9\.4'"):
        package_dir()
    assert cache_entries(isolated) == []


def test_unwritable_cache_is_a_readable_error(registry, isolated, tmp_path, monkeypatch):
    registry.serve(make_tgz(package_files()), monkeypatch)
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "file"))
    with pytest.raises(AssetError, match=r"cannot write to the asset cache .* GEO_CACHE_DIR"):
        package_dir()


def test_not_a_tarball_is_refused(registry, isolated, monkeypatch):
    registry.serve(b"<html>captive portal</html>", monkeypatch)
    with pytest.raises(AssetError, match="not a valid tarball"):
        package_dir()
    assert cache_entries(isolated) == []


def test_damaged_cache_is_replaced(registry, isolated, monkeypatch):
    registry.serve(make_tgz(package_files()), monkeypatch)
    damaged = isolated / f"leaflet-{LEAFLET_VERSION}"
    (damaged / "dist").mkdir(parents=True)
    (damaged / "dist" / "leaflet.js").write_text("half")
    assert package_dir() == damaged
    assert (damaged / "dist" / "leaflet.js").read_text() == JS
    assert cache_entries(isolated) == [damaged.name]


def test_registry_down_gives_a_readable_error(isolated, monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GEO_NPM_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(AssetError) as info:
        inline_leaflet()
    message = str(info.value)
    assert message.startswith("Leaflet 1.9.3 is not in the cache")
    assert "npm registry cannot be reached" in message
    assert f"127.0.0.1:{port}" in message
    assert "geo assets fetch" in message and "GEO_ASSETS_DIR" in message
    assert "--asset-base" in message
    assert cache_entries(isolated) == []


def test_registry_404_and_no_fetch(registry, isolated):
    with pytest.raises(AssetError, match="HTTP 404"):
        package_dir()
    registry.requests.clear()
    with pytest.raises(AssetError, match=r"not in the cache .* nor in node_modules"):
        package_dir(fetch=False)
    assert registry.requests == []


def test_unpinned_package_is_not_downloaded(registry, isolated):
    with pytest.raises(AssetError, match="no pinned integrity"):
        package_dir("leaflet", "1.9.4")
    assert registry.requests == []


# --- GEO_ASSETS_DIR: an explicit setting, so a wrong one is an error, not skipped ---------------


def test_assets_dir_with_the_right_version_is_used(registry, isolated, tmp_path, monkeypatch):
    write_package(tmp_path / "mirror")
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path / "mirror"))
    assert package_dir() == tmp_path / "mirror" / "leaflet"
    _, css = inline_leaflet()
    assert "data:image/png;base64," in css
    assert registry.requests == []


def test_assets_dir_with_another_version_is_an_error(registry, isolated, tmp_path, monkeypatch):
    write_package(tmp_path / "mirror", version="1.9.4")
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path / "mirror"))
    with pytest.raises(AssetError, match=r"another version \(1\.9\.4\).*need.*Leaflet 1\.9\.3"):
        package_dir()
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("GEO_ASSETS_DIR", str(tmp_path / "empty"))
    with pytest.raises(AssetError, match=r"GEO_ASSETS_DIR=.* has no such package"):
        inline_leaflet()
    assert registry.requests == []  # never falls back to a download


def test_repository_node_modules_with_another_version_is_skipped(
    registry, isolated, tmp_path, monkeypatch
):
    registry.serve(make_tgz(package_files()), monkeypatch)
    write_package(tmp_path / "nm", version="1.7.1")
    monkeypatch.setattr(assets, "REPO_NODE_MODULES", tmp_path / "nm")
    assert package_dir() == isolated / f"leaflet-{LEAFLET_VERSION}"


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


# --- CDN URL → local file -----------------------------------------------------------------------


def test_local_file_maps_cdn_urls(registry, isolated, tmp_path, monkeypatch):
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
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3",
        "https://cdn.jsdelivr.net/gh/Leaflet/Leaflet@1.9.3/dist/leaflet.js",
        "https://unpkg.com.evil.example/leaflet@1.9.3/dist/leaflet.js",
        "https://example.com/npm/leaflet@1.9.3/dist/leaflet.js",
        "https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js",  # not installed
        "not a url",
    ]:
        assert local_file(url) is None, url
    monkeypatch.setenv("GEO_ASSET_BASE", "http://intranet.example/static/npm/")
    assert local_file("http://intranet.example/static/npm/leaflet@1.9.3/dist/leaflet.js") == js
    assert registry.requests == []


def test_local_file_never_downloads(registry, isolated, monkeypatch):
    registry.serve(make_tgz(package_files()), monkeypatch)
    assert local_file("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js") is None
    assert registry.requests == []
    fetch()
    path = local_file("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
    assert path == isolated / "leaflet-1.9.3" / "dist" / "leaflet.css"


# --- the real package (after `npm ci`) ----------------------------------------------------------


def test_pinned_integrity_matches_package_lock():
    lock = json.loads((Path(__file__).resolve().parent.parent / "package-lock.json").read_text())
    entry = lock["packages"]["node_modules/leaflet"]
    assert entry["version"] == LEAFLET_VERSION
    assert entry["integrity"] == assets.INTEGRITY[f"leaflet@{LEAFLET_VERSION}"]


@pytest.mark.skipif(not (REAL / "package.json").exists(), reason="node_modules/leaflet: npm ci")
def test_real_leaflet_inlines_every_image(monkeypatch):
    for var in ("GEO_ASSETS_DIR", "GEO_NPM_URL"):
        monkeypatch.delenv(var, raising=False)
    assert package_dir(fetch=False) == REAL
    js, css = inline_leaflet()
    assert "Leaflet 1.9.3" in js
    assert "url(images/" not in css
    assert css.count("data:image/png;base64,") == 3  # layers, layers-2x, marker-icon
    assert "</script" not in js.lower() and "</style" not in css.lower()


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
