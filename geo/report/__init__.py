"""The report pack (``geo report``): what a street office pastes into its report, in one call.

``write_report(result, "out/")`` (or ``"out.zip"``) writes:

* ``map.html`` — the interactive report map, and ``map.png`` — a picture of it
  at print size (A4 landscape, 300 dpi), taken in headless Chromium where one
  is available, else drawn with matplotlib without web tiles;
* ``coverage_curve.png`` — share of demand within N minutes, one line per scenario;
  ``grids.png`` — per-网格 coverage as sorted bars;
* ``report.xlsx`` — summary, per-网格, gaps (WGS-84 and GCJ-02), stations (with
  unique contribution), rejected rows and the curve, as sheets;
* ``coverage.json`` — the ``geo check --json`` object; ``summary.md`` and
  ``summary.html`` — a one-page summary; ``manifest.json`` — what was made, how.

Modules: :mod:`~geo.report.pack` (the pack), :mod:`~geo.report.charts`,
:mod:`~geo.report.staticmap`, :mod:`~geo.report.browsermap`,
:mod:`~geo.report.workbook`, :mod:`~geo.report.summary`, :mod:`~geo.report.places`,
:mod:`~geo.report.fonts` and :mod:`~geo.report.words`.
"""

from __future__ import annotations

from geo.lazy import lazy_names

# Imported on first use (PEP 562): the app's tables need the workbook, not matplotlib.
_LAZY: dict[str, str] = {
    "BrowserMapError": "geo.report.browsermap",
    "coverage_curve": "geo.report.charts",
    "CJKFont": "geo.report.fonts",
    "FontMissingError": "geo.report.fonts",
    "find_cjk_font": "geo.report.fonts",
    "ReportPack": "geo.report.pack",
    "report_files": "geo.report.pack",
    "report_zip": "geo.report.pack",
    "write_report": "geo.report.pack",
    "zip_bytes": "geo.report.pack",
    "rerun": "geo.scenario.rerun",
    "scenario_results": "geo.scenario.rerun",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())


__all__ = [
    "BrowserMapError",
    "CJKFont",
    "FontMissingError",
    "ReportPack",
    "coverage_curve",
    "find_cjk_font",
    "report_files",
    "report_zip",
    "rerun",
    "scenario_results",
    "write_report",
    "zip_bytes",
]
