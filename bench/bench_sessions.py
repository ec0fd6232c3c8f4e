"""Benchmark: many planner sessions at once against one ``streamlit run app.py`` server.

Issue 14 measured that with 20 concurrent sessions on a 2-core machine 16 never became
usable. This opens the app's demo page in N browser tabs at the same moment (headless
Chromium, every request off the machine refused) and prints, for one session alone
(the reference, measured in the same run) and for N together:

* how many sessions showed their KPIs within the deadline;
* the median and slowest time until they did;
* the server's peak memory (``VmHWM`` of the process).

Then one "hostile" session asks for a 144 km² area at a 10 m cell while the others
run, and the bench prints what it was answered and whether the others still finished.

Usage: ``python bench/bench_sessions.py [--sessions 20] [--deadline 120]``
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
CHROMIUM = "/usr/bin/chromium"
KPI = '[data-testid="stMetricValue"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server(log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "GEO_APP_MAP": "off"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"streamlit did not start: {log.read_text()}") from None
            time.sleep(0.3)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _session(browser, url: str, deadline: float) -> float | None:
    context = await browser.new_context()
    await context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in
                        route.request.url else route.abort())
    page = await context.new_page()
    start = time.monotonic()
    try:
        await page.goto(url)
        await page.wait_for_selector(KPI, timeout=deadline * 1000)
        return time.monotonic() - start
    except Exception:  # a timeout: not usable within the deadline
        if os.environ.get("GEO_BENCH_SHOTS"):
            shot = Path(os.environ["GEO_BENCH_SHOTS"]) / f"unusable-{id(page)}.png"
            await page.screenshot(path=str(shot))
        return None
    finally:
        await context.close()


async def _hostile(browser, url: str, deadline: float) -> str:
    """Upload a 144 km² area and ask for a 10 m cell; return the first error box's text."""
    area = Path(tempfile.mkdtemp()) / "city.geojson"
    area.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                    '"geometry":{"type":"Polygon","coordinates":[[[120.50,31.20],[120.626,31.20],'
                    '[120.626,31.31],[120.50,31.31],[120.50,31.20]]]}}]}', encoding="utf-8")
    context = await browser.new_context()
    await context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in
                        route.request.url else route.abort())
    page = await context.new_page()
    try:
        await page.goto(url)
        await page.wait_for_selector(KPI, timeout=deadline * 1000)
        uploads = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
        # stations, demand, area, 网格: the demo's stations with the large area
        await uploads.nth(0).set_input_files(str(ROOT / "data" / "canglang" / "stations.csv"))
        await page.wait_for_selector(KPI, timeout=deadline * 1000)
        await uploads.nth(2).set_input_files(str(area))
        cell = page.get_by_label(t("cell"))
        await cell.first.fill("10")
        await cell.first.press("Enter")
        error = page.locator('[data-testid="stAlertContentError"]').first
        await error.wait_for(timeout=deadline * 1000)
        return (await error.inner_text()).strip().replace("\n", " ")
    except Exception as exc:  # report what happened instead
        return f"(no error box: {type(exc).__name__})"
    finally:
        await context.close()


async def _run(url: str, n: int, deadline: float, hostile: bool) -> tuple[list, str]:
    import asyncio

    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        jobs = [_session(browser, url, deadline) for _ in range(n)]
        if hostile:
            jobs.append(_hostile(browser, url, deadline))
        out = await asyncio.gather(*jobs)
        await browser.close()
    return (list(out[:n]), out[n] if hostile else "")


def main() -> None:
    import asyncio

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--deadline", type=float, default=120.0)
    args = ap.parse_args()
    log = Path(tempfile.mkdtemp()) / "server.log"
    proc, url = _server(log)
    try:
        cpu0 = _cpu_seconds(proc.pid)
        (alone,), _ = asyncio.run(_run(url, 1, args.deadline, hostile=False))
        cpu1 = _cpu_seconds(proc.pid)
        times, answer = asyncio.run(_run(url, args.sessions, args.deadline, hostile=True))
        cpu2 = _cpu_seconds(proc.pid)
        ok = [t for t in times if t is not None]
        print(f"cores: {os.cpu_count()}, sessions: {args.sessions}, deadline {args.deadline:.0f} s")
        print(f"one session alone (reference): KPIs after {alone:.2f} s")
        if ok:
            print(f"{args.sessions} at once: {len(ok)}/{args.sessions} usable; median "
                  f"{statistics.median(ok):.2f} s, slowest {max(ok):.2f} s "
                  f"({statistics.median(ok) / alone:.1f}x the single session)")
        else:
            print(f"{args.sessions} at once: none usable within the deadline")
        print(f"server CPU: {cpu1 - cpu0:.2f} s for the first session (imports included), "
              f"{(cpu2 - cpu1) / (args.sessions + 1):.2f} s per session when {args.sessions + 1}"
              " ran together (the rest of the machine's time went to the browsers, which on a "
              "real intranet run on the planners' own computers)")
        print(f"hostile session (144 km² at 10 m) answered: {answer[:160]}")
        print(f"server peak memory: {_peak_rss_mb(proc.pid):.0f} MB")
        errors = [ln for ln in log.read_text(errors="replace").splitlines()
                  if "Error" in ln or "Traceback" in ln]
        print(f"server log: {len(errors)} error lines" + (f", first: {errors[0][:200]}"
                                                         if errors else ""))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
