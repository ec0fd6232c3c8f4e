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

from geo.report.browsermap import BrowserMapError
from geo.report.charts import coverage_curve
from geo.report.fonts import CJKFont, FontMissingError, find_cjk_font
from geo.report.pack import ReportPack, report_files, report_zip, write_report, zip_bytes
from geo.scenario.rerun import rerun, scenario_results

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
