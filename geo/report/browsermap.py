"""The report map picture taken in a headless browser (Chromium driven by Playwright).

The picture is the HTML report map itself (the same layers, symbols, legend
and title as ``map.html``), rendered at print size: A4 landscape at the asked
resolution, with CSS pixels at 96 per inch so that the map's 12 px text
prints at 9 pt. Leaflet is embedded in the page (:func:`geo.assets.inline_leaflet`,
never downloaded here), and every request that would leave the machine is
refused, so the picture is drawn without web tiles: the tile layer is removed,
the background is white, the layer and zoom controls are hidden, a north
arrow is added and the map is fitted to the data without zoom steps.

Playwright is a test dependency, not a core one, and Chromium is a system
package: :func:`unavailable_reason` says why a picture cannot be taken here,
and the report falls back to :mod:`geo.report.staticmap`.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from geo.errors import GeoError
from geo.report._figure import A4_LANDSCAPE_MM, pixels

__all__ = [
    "CHROMIUM_NAMES",
    "CHROMIUM_PATHS",
    "CSS_PX_PER_INCH",
    "TIMEOUT_MS",
    "BrowserMapError",
    "browser_map_png",
    "find_chromium",
    "unavailable_reason",
]

#: Where Chromium is looked for when ``GEO_CHROMIUM`` is not set.
CHROMIUM_PATHS: tuple[str, ...] = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome", "chrome")
CSS_PX_PER_INCH = 96.0
TIMEOUT_MS = 30_000


class BrowserMapError(GeoError, RuntimeError):
    """The map picture could not be taken in the headless browser."""


def find_chromium() -> str | None:
    """The Chromium executable: ``GEO_CHROMIUM``, Debian's ``/usr/bin/chromium``, or on ``PATH``.

    Returns
    -------
    str or None
    """
    env = os.environ.get("GEO_CHROMIUM", "").strip()
    if env:
        return env if Path(env).is_file() else None
    for path in CHROMIUM_PATHS:
        if Path(path).is_file():
            return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable_reason() -> str | None:
    """Why the browser picture cannot be taken here (``None`` when it can be tried).

    Returns
    -------
    str or None
        A sentence naming what is missing: Playwright, Chromium or Leaflet's package.
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright)"
    if find_chromium() is None:
        env = os.environ.get("GEO_CHROMIUM", "").strip()
        if env:
            return f"GEO_CHROMIUM={env} is not a file"
        return "no Chromium executable (apt-get install chromium, or set GEO_CHROMIUM)"
    from geo import assets

    try:
        assets.fetch()
    except GeoError as exc:
        return f"Leaflet is not available offline ({exc})"
    return None


_PREPARE_JS = """
async ([bounds, note, north]) => {
  const key = Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map);
  const map = window[key];
  map.eachLayer(layer => { if (layer instanceof L.TileLayer) { map.removeLayer(layer); } });
  map.getContainer().style.background = "#ffffff";
  for (const sel of [".leaflet-control-layers", ".leaflet-control-zoom",
                     ".leaflet-control-attribution", ".leaflet-control-scale-line + div"]) {
    document.querySelectorAll(sel).forEach(e => { e.style.display = "none"; });
  }
  document.querySelectorAll(".geo-legend .note").forEach(div => {
    div.childNodes.forEach(n => {
      if (n.nodeType === 3 && n.textContent.startsWith("底图")) { n.textContent = note; }
    });
  });
  const arrow = L.control({position: "topright"});
  arrow.onAdd = () => {
    const div = L.DomUtil.create("div", "geo-north");
    div.innerHTML = '<svg width="28" height="44" viewBox="0 0 28 44">'
      + '<text x="14" y="11" text-anchor="middle" font-size="12" font-weight="bold" '
      + 'font-family="Noto Sans CJK SC, sans-serif">' + north + '</text>'
      + '<polygon points="14,14 5,42 14,35" fill="#222"/>'
      + '<polygon points="14,14 23,42 14,35" fill="#fff" stroke="#222"/></svg>';
    div.style.background = "rgba(255,255,255,.85)";
    div.style.borderRadius = "4px";
    div.style.padding = "2px 4px";
    return div;
  };
  arrow.addTo(map);
  map.options.zoomSnap = 0;
  const title = document.querySelector(".geo-title");
  const legend = document.querySelector(".geo-legend");
  const right = legend ? legend.offsetWidth + 30 : 20;
  map.fitBounds(bounds, {paddingTopLeft: [20, title ? title.offsetHeight + 30 : 20],
                         paddingBottomRight: [right, 40], animate: false});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return map.getZoom();
}
"""


def browser_map_png(
    html: str,
    bounds: tuple[float, float, float, float],
    *,
    dpi: float = 300,
    note: str = "",
    north: str = "北",
) -> bytes:
    """Render a report-map HTML page (Leaflet inline) to an A4-landscape PNG.

    Parameters
    ----------
    html
        From :func:`geo.maps.map_html` with ``assets="inline"``.
    bounds
        ``(west, south, east, north)`` in the page's datum, to fit the view to.
    dpi
        Resolution (300 → 3508 × 2480 pixels).
    note
        Replaces the legend's basemap line (the picture has no basemap).
    north
        The north arrow's letter.

    Returns
    -------
    bytes
        PNG of exactly A4 landscape at ``dpi``.

    Raises
    ------
    BrowserMapError
        If Playwright, Chromium or Leaflet is missing, or the page fails.
    """
    reason = unavailable_reason()
    if reason is not None:
        raise BrowserMapError(f"cannot draw the map in a browser: {reason}")
    from PIL import Image
    from playwright.sync_api import Error, sync_playwright

    width_px, height_px = (pixels(mm, dpi) for mm in A4_LANDSCAPE_MM)
    scale = dpi / CSS_PX_PER_INCH
    viewport = {"width": math.ceil(width_px / scale), "height": math.ceil(height_px / scale)}
    exe = find_chromium()

    def shoot() -> bytes:
        with tempfile.TemporaryDirectory(prefix="geo-report-") as tmp:
            page_path = Path(tmp) / "map.html"
            page_path.write_text(html, encoding="utf-8")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=exe, headless=True)
                try:
                    context = browser.new_context(
                        viewport=viewport, device_scale_factor=scale, locale="zh-CN",
                        service_workers="block",
                    )
                    context.set_default_timeout(TIMEOUT_MS)
                    context.route("**/*", _only_local)
                    page = context.new_page()
                    page.goto(page_path.as_uri(), wait_until="load")
                    page.wait_for_selector(".leaflet-container")
                    west, south, east, north_ = bounds
                    page.evaluate(_PREPARE_JS, [[[south, west], [north_, east]], note, north])
                    shot = page.screenshot(type="png", animations="disabled")
                finally:
                    browser.close()
        return shot

    # Playwright's sync API refuses to run where an asyncio loop runs (Jupyter, another
    # sync Playwright session): a thread of its own always has none.
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            shot = pool.submit(shoot).result()
    except Error as exc:
        first = (str(exc).strip().splitlines() or [repr(exc)])[0]
        raise BrowserMapError(f"the headless browser failed: {first}") from None
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    if image.size != (width_px, height_px):
        image = image.crop((0, 0, width_px, height_px))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()


def _only_local(route: object, request: object) -> None:
    url = str(request.url)  # type: ignore[attr-defined]
    if url.startswith(("file:", "data:", "about:", "blob:")):
        route.continue_()  # type: ignore[attr-defined]
    else:
        route.abort()  # type: ignore[attr-defined]
