"""Browser-test helper: the ``browser_page`` fixture (headless Debian Chromium, no internet).

Not collected as tests (the name does not start with ``test_``). A browser test
module imports the fixture under its own name and asks for it as usual::

    from _browser import BrowserPage, browser_page  # noqa: F401  (a pytest fixture)

    def test_map(browser_page: BrowserPage, tmp_path):
        browser_page.goto(tmp_path / "map.html")
        assert not browser_page.errors

``tests/`` is on ``sys.path`` during the run (``pythonpath = ["tests"]`` in
pyproject.toml), so ``import _browser`` works from a test module in any folder.

What the fixture guarantees:

* Chromium is ``/usr/bin/chromium`` (Debian's package), launched headless by
  Playwright's sync API with ``executable_path``; ``playwright install`` is
  never needed. Without that binary, or when it cannot start, the test is
  skipped and the reason says why.
* No request leaves the machine, as on a street office's intranet: ``127.0.0.1``,
  ``localhost``, ``file:``, ``data:`` and ``blob:`` go through; everything else (a
  CDN, map tiles, fonts, analytics...) is aborted and listed in
  :attr:`BrowserPage.aborted`. A test of a ``--assets cdn`` map may set
  :attr:`BrowserPage.mirror`: requests to ``cdn.jsdelivr.net`` and ``unpkg.com``
  are then answered from the packaged Leaflet (:func:`geo.assets.local_file`), as
  an office mirror would.
* Uncaught page errors, console errors and dialogs (``alert``/``confirm``...,
  dismissed at once) are recorded; :attr:`BrowserPage.errors` gathers what a
  test usually wants to be empty.

The browser process is shared by the session (started on first use); each test
gets a fresh context (800×600, zh-CN, Asia/Shanghai) and page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from geo.assets import local_file

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
CDN_HOSTS = frozenset({"cdn.jsdelivr.net", "unpkg.com"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
PASS_SCHEMES = frozenset({"file", "data", "blob", "about"})
# Chromium's console line for a request we aborted on purpose (those are listed in `aborted`).
_ABORTED_CONSOLE = "Failed to load resource: net::ERR_FAILED"


@dataclass
class BrowserPage:
    """A Playwright page plus what happened on it.

    Attributes
    ----------
    page
        The Playwright ``Page``.
    aborted
        URLs of requests refused because they would have left the machine.
    served
        CDN URLs answered from local package files, with the file used (only with
        :attr:`mirror`).
    page_errors
        Uncaught exceptions in the page.
    console_errors
        ``console.error`` messages, including Chromium's own network errors.
    dialogs
        ``"<type>: <message>"`` of every dialog the page opened (all dismissed).
    failed
        Local requests (file, localhost) that failed, with Chromium's reason.
    mirror
        Answer CDN URLs of Leaflet from the packaged files (an office mirror); off by
        default, so a page that needs a CDN fails as it would offline.
    """

    page: Page
    aborted: list[str] = field(default_factory=list)
    served: list[tuple[str, Path]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    mirror: bool = False

    @property
    def errors(self) -> list[str]:
        """Page errors, console errors and dialogs, plus failed local requests.

        Console lines caused by requests this fixture aborted on purpose (tiles)
        are left out: those are in :attr:`aborted`.
        """
        console = [m for m in self.console_errors if _ABORTED_CONSOLE not in m]
        return [*self.page_errors, *console, *self.dialogs, *self.failed]

    def goto(self, target: str | Path, **kwargs: Any) -> None:
        """Open a URL, or a local file given as a path."""
        url = Path(target).resolve().as_uri() if isinstance(target, Path) else target
        self.page.goto(url, **kwargs)


# A Streamlit element of the current run. During a rerun, elements of the previous run stay on
# the page marked ``data-stale="true"`` until the script ends; when the page's layout shifts, the
# old and the new copy of a widget are both there for a moment.
LIVE_ELEMENT = '[data-testid="stElementContainer"]:not([data-stale="true"])'


def live(page: Page, testid: str) -> Any:
    """Locator of the Streamlit elements ``data-testid=testid`` not left stale by a rerun."""
    return page.locator(f'{LIVE_ELEMENT} [data-testid="{testid}"]')


def wait_idle(page: Page, timeout: float = 90_000) -> None:
    """Wait until no Streamlit run is under way: no running icon and no stale element.

    Call it after waiting for something the run must draw, so the run has started: a
    download button or a value read before the end may still be the previous run's.
    """
    page.wait_for_function(
        """() => !document.querySelector('[data-testid=stStatusWidgetRunningIcon]')
                 && !document.querySelector('[data-stale=true]')""",
        timeout=timeout)


def _route(bp: BrowserPage, route: Route, request: Request) -> None:
    url = request.url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme in PASS_SCHEMES or host in LOCAL_HOSTS:
        route.continue_()
        return
    if bp.mirror and host in CDN_HOSTS:
        path = local_file(url)
        if path is not None:
            bp.served.append((url, path))
            route.fulfill(path=str(path), headers={"Access-Control-Allow-Origin": "*"})
            return
    bp.aborted.append(url)
    route.abort()


def _on_request_failed(bp: BrowserPage, request: Request) -> None:
    if request.url not in bp.aborted:
        bp.failed.append(f"{request.url}: {request.failure}")


# One browser process per test session, started on first use and stopped when pytest ends
# (config cleanup), so a test module needs to import only `browser_page`.
_shared: dict[str, Any] = {}


def _chromium(config: pytest.Config) -> Browser:
    if "skip" in _shared:
        pytest.skip(_shared["skip"])
    if "browser" in _shared:
        return _shared["browser"]
    if not CHROMIUM.exists():
        _shared["skip"] = f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
        pytest.skip(_shared["skip"])
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a test dependency
        _shared["skip"] = f"playwright is not installed ({exc})"
        pytest.skip(_shared["skip"])
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    except Error as exc:
        manager.stop()
        text = str(exc).strip()
        first = text.splitlines()[0] if text else repr(exc)
        _shared["skip"] = f"{CHROMIUM} cannot be launched by playwright: {first}"
        pytest.skip(_shared["skip"])

    def stop() -> None:
        _shared.pop("browser", None)
        browser.close()
        manager.stop()

    config.add_cleanup(stop)
    _shared["browser"] = browser
    return browser


@pytest.fixture
def browser_page(pytestconfig: pytest.Config) -> Iterator[BrowserPage]:
    """Yield a fresh page in headless Chromium that cannot reach the internet."""
    context = _chromium(pytestconfig).new_context(
        viewport={"width": 800, "height": 600},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="block",  # so every request passes through the route below
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    bp = BrowserPage(page)
    context.route("**/*", lambda route, request: _route(bp, route, request))
    page.on("pageerror", lambda exc: bp.page_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: bp.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("requestfailed", lambda request: _on_request_failed(bp, request))

    def on_dialog(dialog: Any) -> None:
        bp.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield bp
    finally:
        context.close()
