"""Benchmark: the app on the generated city (issue 20), in a real browser.

Starts ``streamlit run app.py``, opens it in headless Chromium (requests off the machine
refused), chooses the generated city demo (:mod:`geo.demo_city`, made in the cache on
first use) and prints seconds until:

* the city's KPIs show (the first view of the city: files read, analysis, map);
* a what-if station from the add-station form shows in the KPIs (straight line);
* a parameter change (minutes) shows in the KPIs;
* the same two along the city's streets (method switched to the street network);

and the server's peak memory (``VmHWM``). The issue's targets: first view ≤ 5 s, a what-if
click → KPIs ≤ 0.5 s (straight line and network), a parameter change ≤ 2 s, peak memory
≤ 2 GB. The reference, measured in the same run: the Canglang demo's first view.

Usage: ``python bench/bench_app_city.py``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_first_view import _local_only, _serve  # noqa: E402


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    from playwright.sync_api import expect, sync_playwright

    from geo import ui_text as ui

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, url = _serve(ROOT / "app.py", Path(tmp) / "server.log")
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.route("**/*", _local_only)
            metric = page.locator('[data-testid="stMetricValue"]').first
            t0 = time.perf_counter()
            page.goto(url)
            expect(metric).to_be_visible(timeout=120_000)
            canglang = time.perf_counter() - t0

            def wait_change(before: str, start: float) -> float:
                expect(metric).not_to_have_text(before, timeout=180_000)
                took = time.perf_counter() - start
                # then let the run finish (the map), as a planner would before the next click
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=stStatusWidget]')",
                    timeout=180_000)
                return took

            before = metric.inner_text()
            page.get_by_label(ui.t("demo_choice", "zh")).click()
            t = time.perf_counter()
            page.get_by_role("option", name=ui.t("demo_city", "zh")).click()
            city = wait_change(before, t)
            expect(page.locator(".st-key-basis")).to_contain_text("示意城市", timeout=60_000)

            def whatif() -> float:
                before = metric.inner_text()
                t = time.perf_counter()
                page.get_by_role("button", name=ui.t("add", "zh")).first.click()
                return wait_change(before, t)

            def minutes(value: str) -> float:
                before = metric.inner_text()
                box = page.get_by_label(ui.t("minutes", "zh"))
                t = time.perf_counter()
                box.fill(value)
                box.press("Enter")
                return wait_change(before, t)

            straight = (whatif(), minutes("12"))
            before = metric.inner_text()
            t = time.perf_counter()
            page.get_by_text(ui.t("method_network", "zh"), exact=True).click()
            network_view = wait_change(before, t)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=180_000)
            lon = page.get_by_label(ui.t("lon", "zh")).first  # a new place: not on NEW1
            lon.fill(f"{float(lon.input_value()) + 0.003:.6f}")
            along = (whatif(), minutes("14"))
            peak = _peak_mb(proc.pid)
        finally:
            browser.close()
            proc.terminate()
            proc.wait(timeout=30)
    print(f"reference: the Canglang demo's first view {canglang:.2f} s")
    print(f"city, straight line: first view {city:.2f} s, what-if -> KPIs {straight[0]:.2f} s, "
          f"minutes changed -> KPIs {straight[1]:.2f} s")
    print(f"city, along its streets: switch {network_view:.2f} s, what-if -> KPIs "
          f"{along[0]:.2f} s, minutes changed -> KPIs {along[1]:.2f} s")
    print(f"server peak memory {peak:,.0f} MB")
    ok = (city <= 5 and max(straight[0], along[0]) <= 0.5
          and max(straight[1], along[1]) <= 2 and peak <= 2048)
    print(f"targets (first view <= 5 s, what-if <= 0.5 s, parameter <= 2 s, <= 2 GB): "
          f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
