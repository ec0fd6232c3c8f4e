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

How the seconds are taken: the page itself records when the click (or the Enter key)
happens and when the KPIs' text changes (a ``MutationObserver``; the four KPIs are sent
together, and the station count changes with every what-if), so the figure does not
depend on how often the benchmark looks. (Playwright's ``expect`` looks at growing
intervals, 20, 50, 100, 100, then every 500 ms: a KPI that changes at 0.3 s is seen at
about 0.77 s; this benchmark printed that before.) For what-ifs, the seconds until the
map shows the new station (its what-if marker in the map's frame) are printed as well.

Each what-if is repeated (``--repeat``, each at a new place); the median and the worst
are printed. Before each action the benchmark waits for the run to end and the map to be
drawn.

Usage: ``python bench/bench_app_city.py [--repeat 3] [--scale 1]`` (``--scale 1``: the
whole city, 1,000,000 demand points, as ``GEO_CITY_SCALE=1`` opens it in the app)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import peak_mb  # noqa: E402
from _targets import target  # noqa: E402
from bench_first_view import _local_only, _serve  # noqa: E402

#: Installed before an action: the time of the next click or key press, and of the first
#: change of the coverage KPI's text (and of the map's what-if markers) after it.
PROBE = """(sel) => {
  const text = () => [...document.querySelectorAll(sel)].map(e => e.innerText).join(" | ");
  const marks = () => {
    const f = document.querySelector("iframe[title*='st_folium']");
    const d = f && f.contentDocument;
    return d ? d.querySelectorAll('.leaflet-marker-icon .geo-st.new').length : -1;
  };
  const now = () => performance.timeOrigin + performance.now();
  const p = {before: text(), marks: marks(), event: null, kpi: null, map: null};
  window.__geoProbe = p;
  const onEvent = () => { if (p.event === null) p.event = now(); };
  document.addEventListener('click', onEvent, true);
  document.addEventListener('keydown', onEvent, true);
  const seen = new MutationObserver(() => {
    if (p.kpi === null && p.event !== null && text() !== p.before) {
      p.kpi = now();
      seen.disconnect();
    }
  });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
  const look = () => {
    if (p.event !== null && marks() > p.marks) { p.map = now(); return; }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}"""

#: The map's frame has its stations drawn.
MAP_DRAWN = """() => {
  const f = document.querySelector("iframe[title*='st_folium']");
  const d = f && f.contentDocument;
  return !!d && d.querySelectorAll('.leaflet-marker-icon .geo-st').length > 0;
}"""

#: No Streamlit run under way: no running icon and no element left stale by a rerun.
IDLE = """() => !document.querySelector('[data-testid=stStatusWidgetRunningIcon]')
                 && !document.querySelector('[data-stale=true]')"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="what-ifs per method")
    parser.add_argument("--scale", type=float, default=None,
                        help="the city's scale (GEO_CITY_SCALE; default the app's, 0.1; 1 is "
                             "the whole city, served with GEO_APP_MAX_MEMORY=2GB)")
    args = parser.parse_args()
    if args.scale is not None:  # the server started below inherits these
        os.environ["GEO_CITY_SCALE"] = f"{args.scale:g}"
        if args.scale > 0.5:
            os.environ.setdefault("GEO_APP_MAX_MEMORY", "2GB")
    from playwright.sync_api import expect, sync_playwright

    from geo import ui_text as ui
    from geo.demo_city import app_scale, counts_for

    scale = app_scale()
    demo = (f"city demo at scale {scale:g} "
            f"({counts_for(scale)['demand_points']:,} points)")

    sel = '[data-testid="stMetricValue"]'
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        proc, url = _serve(ROOT / "app.py", Path(tmp) / "server.log")
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.route("**/*", _local_only)
            metric = page.locator(sel).first
            t0 = time.perf_counter()
            page.goto(url)
            expect(metric).to_be_visible(timeout=120_000)
            canglang = time.perf_counter() - t0

            def act(do: Any, map_too: bool = False) -> tuple[float, float | None]:
                """(KPIs, map) seconds from the action, as the page recorded them."""
                page.wait_for_function(IDLE, timeout=180_000)
                page.wait_for_function(MAP_DRAWN, timeout=180_000)
                page.evaluate(PROBE, sel)
                do()
                page.wait_for_function("() => window.__geoProbe.kpi !== null", timeout=180_000)
                if map_too:
                    page.wait_for_function("() => window.__geoProbe.map !== null",
                                           timeout=180_000)
                # then let the run finish (the map), as a planner would before the next click
                page.wait_for_function(IDLE, timeout=180_000)
                probe = page.evaluate("() => window.__geoProbe")
                drawn = (probe["map"] - probe["event"]) / 1000 if map_too else None
                return (probe["kpi"] - probe["event"]) / 1000, drawn

            page.get_by_label(ui.t("demo_choice", "zh")).click()
            city = act(lambda: page.get_by_role("option", name=ui.demo_label("city", "zh")).click())
            expect(page.locator(".st-key-basis")).to_contain_text("示意城市", timeout=60_000)

            def whatifs() -> list[tuple[float, float | None]]:
                out = []
                for _ in range(args.repeat):
                    lon = page.get_by_label(ui.t("lon", "zh")).first  # a new place each time
                    lon.fill(f"{float(lon.input_value()) + 0.003:.6f}")
                    out.append(act(lambda: page.get_by_role(
                        "button", name=ui.t("add", "zh")).first.click(), map_too=True))
                return out

            def minutes(value: str) -> tuple[float, float | None]:
                box = page.get_by_label(ui.t("minutes", "zh"))

                def do() -> None:
                    box.fill(value)
                    box.press("Enter")
                return act(do)

            straight = (whatifs(), minutes("12"))
            network_view = act(
                lambda: page.get_by_text(ui.t("method_network", "zh"), exact=True).click())
            page.wait_for_function(IDLE, timeout=180_000)
            along = (whatifs(), minutes("14"))
            peak = peak_mb(proc.pid)
        finally:
            browser.close()
            proc.terminate()
            proc.wait(timeout=30)

    def fig(m: tuple[float, float | None]) -> str:
        return f"{m[0]:.2f} s"

    def figs(ms: list[tuple[float, float | None]]) -> str:
        kpi = [m[0] for m in ms]
        drawn = [m[1] for m in ms if m[1] is not None]
        return (f"median {statistics.median(kpi):.2f} s, worst {max(kpi):.2f} s ("
                f"{', '.join(f'{k:.2f}' for k in kpi)}); the map shows the new station: "
                f"median {statistics.median(drawn):.2f} s, worst {max(drawn):.2f} s")

    print(f"{demo}; reference: the Canglang demo's first view {canglang:.2f} s")
    print(f"city, straight line: first view {fig(city)}; minutes changed -> KPIs "
          f"{fig(straight[1])}")
    print(f"  what-if -> KPIs, {args.repeat} times: {figs(straight[0])}")
    print(f"city, along its streets: switch {fig(network_view)}; minutes changed -> KPIs "
          f"{fig(along[1])}")
    print(f"  what-if -> KPIs, {args.repeat} times: {figs(along[0])}")
    print(f"server peak memory {peak:,.0f} MB")
    worst_whatif = max(m[0] for m in [*straight[0], *along[0]])
    median_whatif = max(statistics.median(m[0] for m in ms) for ms in (straight[0], along[0]))
    ok = (city[0] <= 5 and median_whatif <= 0.5
          and max(straight[1][0], along[1][0]) <= 2 and peak <= 2048)
    print(f"targets (first view <= 5 s, what-if <= 0.5 s (median; worst {worst_whatif:.2f} s), "
          f"parameter <= 2 s, <= 2 GB): {'met' if ok else 'NOT met'}")
    ref = f"Canglang demo's first view {canglang:.2f} s"
    target(f"app, {demo}: first view", measured=f"{city[0]:.2f} s", reference=ref,
           ratio=city[0] / canglang, goal="<= 5 s", met=city[0] <= 5)
    for name, (ms, param) in (("straight line", straight), ("along the streets", along)):
        med = statistics.median(m[0] for m in ms)
        target(f"app, {demo}, {name}: a what-if click -> KPIs (median of {len(ms)})",
               measured=f"{med:.2f} s (worst {max(m[0] for m in ms):.2f} s)", reference="",
               ratio=None, goal="<= 0.5 s", met=med <= 0.5)
        target(f"app, {demo}, {name}: minutes changed -> KPIs",
               measured=f"{param[0]:.2f} s", reference="", ratio=None, goal="<= 2 s",
               met=param[0] <= 2)
    target(f"app, {demo}: server peak memory", measured=f"{peak:,.0f} MB", reference="",
           ratio=None, goal="<= 2 GB", met=peak <= 2048)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
