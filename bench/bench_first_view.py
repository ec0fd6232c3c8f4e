"""Benchmark: the app's first view in a real browser, cold and warm, and a rerun.

Starts ``streamlit run app.py`` (headless, a free local port) and opens the demo page in
headless Chromium (Debian's ``/usr/bin/chromium``; every request off the machine refused,
as on an intranet). Prints, in seconds from ``page.goto``:

* cold: the first session after the server started (imports, demo read, analysis, map);
* warm: N new sessions (new browser contexts) on the same server, median and worst;
* for each: the title, the KPIs, and the map's station markers drawn;
* a rerun: the time limit changed, until the coverage KPI shows the new value;
* the reference, measured in the same run on the same machine: a one-file Streamlit page
  (a title and four ``st.metric``), cold and warm, and the ratio of the app to it.

The issue's target: KPIs within 3 s of opening (cold and warm), reruns within 1 s.

Usage: ``python bench/bench_first_view.py [--sessions 5]``
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from geo.ui_text import t  # the labels as the Chinese page shows them

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = """import streamlit as st
st.title("reference")
for c, v in zip(st.columns(4), ["72.6%", "398", "41", "66"], strict=True):
    c.metric("x", v)
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(script: Path | None, log: Path) -> tuple[subprocess.Popen, str]:
    """``streamlit run SCRIPT``, or ``geo app`` when ``script`` is ``None``."""
    port = _port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    head = ([sys.executable, "-m", "geo.cli", "app"] if script is None
            else [sys.executable, "-m", "streamlit", "run", str(script)])
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*head, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"streamlit did not start: {log.read_text(errors='replace')}") from None
            time.sleep(0.2)


def _local_only(route) -> None:
    url = route.request.url
    if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


def _view(browser, url: str, app: bool) -> dict[str, float]:
    """Seconds from goto to the title, the KPIs and (app) the map's markers."""
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    page.route("**/*", _local_only)
    t0 = time.perf_counter()
    page.goto(url)
    out: dict[str, float] = {}
    expect(page.locator("h1").first).to_be_visible(timeout=120_000)
    out["title"] = time.perf_counter() - t0
    expect(page.locator('[data-testid="stMetricValue"]').nth(3)).to_be_visible(timeout=120_000)
    out["kpis"] = time.perf_counter() - t0
    if app:
        frame = page.frame_locator("iframe[title*='st_folium']").first
        expect(frame.locator(".leaflet-marker-icon .geo-st").first).to_be_attached(
            timeout=120_000)
        out["map"] = time.perf_counter() - t0
        box = page.get_by_label(t("minutes")).first
        metric = page.locator('[data-testid="stMetricValue"]').first
        before = metric.inner_text()
        t1 = time.perf_counter()
        box.fill("11")
        box.press("Enter")
        expect(metric).not_to_have_text(before, timeout=60_000)
        out["rerun"] = time.perf_counter() - t1
    ctx.close()
    return out


def _run(browser, script: Path | None, app: bool, sessions: int, tmp: Path) -> dict[str, list]:
    proc, url = _serve(script, tmp / f"{script.stem if script else 'geo-app'}.log")
    try:
        cold = _view(browser, url, app)
        warm = [_view(browser, url, app) for _ in range(sessions)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"cold": cold, "warm": warm}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp_s, sync_playwright() as p:
        tmp = Path(tmp_s)
        ref_script = tmp / "reference.py"
        ref_script.write_text(REFERENCE, encoding="utf-8")
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        ref = _run(browser, ref_script, False, args.sessions, tmp)
        app = _run(browser, ROOT / "app.py", True, args.sessions, tmp)
        served = _run(browser, None, True, args.sessions, tmp)
        browser.close()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def worst(runs: list[dict[str, float]], key: str) -> float:
        return max(r[key] for r in runs)

    print(f"machine: {os.cpu_count()} cores; {args.sessions} warm sessions each")
    print(f"reference page: cold KPIs {ref['cold']['kpis']:.2f} s; warm KPIs median "
          f"{med(ref['warm'], 'kpis'):.2f} s (worst {worst(ref['warm'], 'kpis'):.2f})")
    c = app["cold"]
    print(f"app cold: title {c['title']:.2f} s, KPIs {c['kpis']:.2f} s, map {c['map']:.2f} s, "
          f"rerun {c['rerun']:.2f} s")
    for key in ("title", "kpis", "map", "rerun"):
        print(f"app warm {key}: median {med(app['warm'], key):.2f} s, "
              f"worst {worst(app['warm'], key):.2f} s")
    print(f"ratio app/reference KPIs: cold {c['kpis'] / ref['cold']['kpis']:.1f}x, warm "
          f"{med(app['warm'], 'kpis') / med(ref['warm'], 'kpis'):.1f}x")
    g = served["cold"]
    print(f"geo app (modules loaded before the first visitor) cold: title {g['title']:.2f} s, "
          f"KPIs {g['kpis']:.2f} s, map {g['map']:.2f} s; warm KPIs median "
          f"{med(served['warm'], 'kpis'):.2f} s (worst {worst(served['warm'], 'kpis'):.2f})")
    print(f"ratio geo app/reference KPIs: cold {g['kpis'] / ref['cold']['kpis']:.1f}x")
    ok = g["kpis"] <= 3 and worst(served["warm"], "kpis") <= 3
    print(f"target with geo app (KPIs <= 3 s cold and warm): {'met' if ok else 'NOT met'}")
    ok = c["kpis"] <= 3 and worst(app["warm"], "kpis") <= 3 and worst(app["warm"], "rerun") <= 1
    print(f"target with streamlit run (KPIs <= 3 s cold and warm, rerun <= 1 s): "
          f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
