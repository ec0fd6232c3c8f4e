"""The report's charts: the coverage curve and per-网格 coverage bars.

:func:`coverage_curve` gives the numbers the curve draws (share of demand
within N minutes), so tests and scripts read exactly what is plotted.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from geo.reach import TOL_MIN
from geo.report._figure import new_figure, png_bytes
from geo.report.words import num, pct, w
from geo.result import CoverageResult
from geo.style import grid_class
from geo.words import method_label

__all__ = [
    "CURVE_SIZE_MM",
    "MAX_BARS",
    "SCENARIO_COLOURS",
    "coverage_curve",
    "curve_minutes",
    "curve_png",
    "grid_order",
    "grids_png",
    "unknown_share",
]

#: Line colours of the scenarios, in order (the first is the main result).
SCENARIO_COLOURS = ("#1b7837", "#3a86ff", "#f77f00", "#6a4c93", "#d1495b", "#00798c", "#6c757d")
CURVE_SIZE_MM = (170.0, 105.0)
MAX_BARS = 40


def curve_minutes(result: CoverageResult, step: float = 0.5) -> np.ndarray:
    """The default minutes of the curve: 0 to max(30, 2 × threshold) by ``step``, with the bands.

    Parameters
    ----------
    result
        The analysis (its threshold and bands are always included).
    step
        Spacing in minutes.

    Returns
    -------
    numpy.ndarray
        Sorted, unique minutes.
    """
    s = result.settings
    top = max(30.0, 2.0 * s.minutes)
    grid = np.round(np.arange(0.0, top + step / 2, step), 9)
    return np.union1d(grid, np.asarray(s.bands, dtype="float64"))


def coverage_curve(result: CoverageResult, minutes: Sequence[float] | None = None) -> pd.DataFrame:
    """Share of demand within N minutes of a used station, for each N.

    A point counts at N when its travel minutes are ``≤ N`` (with the same
    :data:`geo.reach.TOL_MIN` tolerance as the analysis), so the value at the analysis threshold
    is :attr:`CoverageResult.coverage`. Points with unknown minutes (no usable
    station; off the street network or unreachable with ``method="network"``)
    never count. Street-network minutes are exact (the search has no limit),
    so every N is known.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    minutes
        The N to evaluate; default :func:`curve_minutes`.

    Returns
    -------
    pandas.DataFrame
        ``minutes, demand, share`` (share of total demand, 0..1), non-decreasing.
    """
    grid = curve_minutes(result) if minutes is None else np.asarray(minutes, dtype="float64")
    p = result.points
    m = p["minutes"].to_numpy(dtype="float64")
    wt = p["weight"].to_numpy(dtype="float64")
    ok = np.isfinite(m)
    order = np.argsort(m[ok], kind="stable")
    sorted_m = m[ok][order]
    cum = np.concatenate([[0.0], np.cumsum(wt[ok][order])])
    demand = cum[np.searchsorted(sorted_m, grid + TOL_MIN, side="right")]
    total = float(wt.sum())
    share = demand / total if total > 0 else np.zeros_like(demand)
    return pd.DataFrame({"minutes": grid, "demand": demand, "share": share})


def unknown_share(result: CoverageResult) -> float:
    """Share of demand whose minutes are unknown (never reached), 0..1."""
    p = result.points
    wt = p["weight"].to_numpy(dtype="float64")
    total = wt.sum()
    if total <= 0:
        return 0.0
    return float(wt[~np.isfinite(p["minutes"].to_numpy(dtype="float64"))].sum() / total)


def _spread(values: list[float], gap: float) -> list[float]:
    """Label positions near ``values`` at least ``gap`` apart (order kept)."""
    order = np.argsort(values)
    out = np.asarray(values, dtype="float64").copy()
    for a, b in itertools.pairwise(order):
        if out[b] - out[a] < gap:
            out[b] = out[a] + gap
    return out.tolist()


def curve_png(
    scenarios: Mapping[str, CoverageResult],
    *,
    lang: str,
    families: list[str],
    dpi: float,
    target: float | None = None,
    illustrative: bool = False,
) -> bytes:
    """Draw the coverage curves of one or more scenarios.

    Parameters
    ----------
    scenarios
        Label → result; the first is the main analysis (its threshold is marked).
    lang
        ``zh`` or ``en``.
    families
        Font families (from :func:`geo.report.fonts.report_families`).
    dpi
        Resolution; the chart is 170 × 105 mm.
    target
        The coverage share aimed at (0..1), drawn as a line; ``None`` draws none.
    illustrative
        Add the "示意数据" note.

    Returns
    -------
    bytes
        PNG.
    """
    labels = list(scenarios)
    main = scenarios[labels[0]]
    s = main.settings
    grid = curve_minutes(main, step=0.05)
    fig = new_figure(*CURVE_SIZE_MM, dpi)
    ax = fig.add_axes((0.10, 0.15, 0.80, 0.70))
    cells = main.demand_source == "cells"
    font = {"family": families}
    at_threshold = []
    for i, label in enumerate(labels):
        res = scenarios[label]
        curve = coverage_curve(res, grid)
        colour = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        value = float(coverage_curve(res, [res.settings.minutes])["share"].iloc[0])
        at_threshold.append((res.settings.minutes, value, colour))
        ax.plot(curve["minutes"], curve["share"], color=colour, lw=2.0 if i == 0 else 1.6,
                label=f"{label}（{pct(value)}）" if lang == "zh" else f"{label} ({pct(value)})",
                zorder=3 + (i == 0))
        ax.plot([res.settings.minutes], [value], "o", color=colour, ms=5, zorder=5)
    ax.axvline(s.minutes, color="#444", lw=1, ls="--", zorder=2)
    ax.text(s.minutes, 1.045, w("threshold", lang, minutes=s.minutes), ha="center", va="bottom",
            fontsize=8, color="#444", **font)
    ys = _spread([v for _, v, _ in at_threshold], 0.055)
    for (x, v, colour), y in zip(at_threshold, ys, strict=True):
        ax.annotate(pct(v), (x, v), xytext=(x + grid[-1] * 0.015, y - 0.045), fontsize=8,
                    color=colour, fontweight="bold", va="center", zorder=6,
                    bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.6}, **font)
    if target is not None:
        ax.axhline(target, color="#b00020", lw=1, ls=":", zorder=2)
        ax.text(grid[-1] * 0.01, target + 0.012, w("target", lang, share=pct(target, 0)),
                ha="left", va="bottom", fontsize=8, color="#b00020", **font)
    ax.set_xlim(0, grid[-1])
    ax.set_ylim(0, 1.04)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(True, color="#e5e5e5", lw=0.6, zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8, labelfontfamily=families)
    ax.set_xlabel(w("curve_x", lang), fontsize=9, **font)
    ax.set_ylabel(w("curve_y_cells" if cells else "curve_y", lang), fontsize=9, **font)
    title = w("curve_title_cells" if cells else "curve_title", lang)
    fig.text(0.10, 0.945, title, fontsize=11, fontweight="bold", va="top", **font)
    notes = [method_label("network", lang) if s.method == "network"
             else w("straight_note", lang, circuity=s.circuity)]
    if s.method == "network" and unknown_share(main) > 0:
        notes = [w("network_note", lang, share=pct(unknown_share(main)))]
    notes.append(f"{s.speed_kmh:g} km/h")
    fig.text(0.10, 0.035, " · ".join(notes), fontsize=7, color="#555", **font)
    if illustrative:
        fig.text(0.985, 0.035, w("illustrative", lang), fontsize=7, color="#b00020", ha="right",
                 **font)
    leg = ax.legend(loc="lower right", fontsize=8, prop={"family": families, "size": 8},
                    frameon=True, framealpha=0.95, edgecolor="#ccc")
    leg.set_zorder(6)
    return png_bytes(fig)


def grid_order(summary: dict) -> pd.DataFrame:
    """Per-网格 rows of a summary, lowest coverage first (no-demand 网格 last).

    Parameters
    ----------
    summary
        :meth:`CoverageResult.summary`.

    Returns
    -------
    pandas.DataFrame
        ``grid, coverage, demand, uncovered_demand`` …
    """
    table = pd.DataFrame(summary["grids"])
    if table.empty:
        return table
    cov = pd.to_numeric(table["coverage"], errors="coerce")
    table = table.assign(_nan=cov.isna(), _cov=cov.fillna(2.0))
    table = table.sort_values(["_nan", "_cov", "uncovered_demand"], ascending=[True, True, False],
                              kind="stable")
    return table.drop(columns=["_nan", "_cov"]).reset_index(drop=True)




def grids_png(
    result: CoverageResult,
    *,
    lang: str,
    families: list[str],
    dpi: float,
    target: float | None = None,
    illustrative: bool = False,
) -> bytes | None:
    """Per-网格 coverage as sorted horizontal bars (lowest first); ``None`` without 网格.

    Parameters
    ----------
    result
        The analysis.
    lang
        ``zh`` or ``en``.
    families
        Font families.
    dpi
        Resolution; 170 mm wide, the height grows with the number of 网格.
    target
        Coverage aimed at (0..1), drawn as a line.
    illustrative
        Add the "示意数据" note.

    Returns
    -------
    bytes or None
        PNG, or ``None`` when the analysis has no 网格.
    """
    table = grid_order(result.summary())
    if table.empty:
        return None
    more = max(0, len(table) - MAX_BARS)
    table = table.iloc[:MAX_BARS]
    n = len(table)
    height = max(70.0, 30.0 + 7.0 * n)
    fig = new_figure(170.0, height, dpi)
    top_mm, bottom_mm = 16.0, 14.0
    ax = fig.add_axes((0.24, bottom_mm / height, 0.70, 1 - (top_mm + bottom_mm) / height))
    font = {"family": families}
    cov = pd.to_numeric(table["coverage"], errors="coerce").to_numpy(dtype="float64")
    y = np.arange(n)[::-1]  # lowest coverage at the top
    colours = [grid_class(float(c))[0] for c in cov]
    ax.barh(y, np.nan_to_num(cov, nan=0.0), color=colours, height=0.68, zorder=3)
    for yi, c, unc in zip(y, cov, table["uncovered_demand"], strict=True):
        text = (
            w("no_demand", lang)
            if not np.isfinite(c)
            else f"{pct(c)}   " + w("uncovered_short", lang, value=num(unc))
        )
        ax.text((c if np.isfinite(c) else 0.0) + 0.01, yi, text, va="center", fontsize=7.5,
                color="#333", zorder=6, bbox={"fc": "white", "ec": "none", "alpha": 0.8,
                                              "pad": 0.4}, **font)
    ax.set_yticks(y, [str(g) for g in table["grid"]], fontsize=8, **font)
    ax.set_xlim(0, 1.3)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="x", labelsize=8, labelfontfamily=families)
    ax.tick_params(axis="y", length=0)
    ax.spines["bottom"].set_bounds(0, 1)
    ax.grid(True, axis="x", color="#e5e5e5", lw=0.6, zorder=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    if target is not None:
        ax.axvline(target, color="#b00020", lw=1, ls=":", zorder=5)
        ax.text(target, n - 0.45, w("target", lang, share=pct(target, 0)), color="#b00020",
                fontsize=7.5, ha="center", va="bottom", **font)
    fig.text(0.03, 1 - 5.0 / height, w("grids_title", lang, minutes=result.settings.minutes),
             fontsize=11, fontweight="bold", va="top", **font)
    foot = []
    if more:
        foot.append(w("more_grids", lang, n=more))
    fig.text(0.03, 4.0 / height, " · ".join(foot), fontsize=7, color="#555", **font)
    if illustrative:
        fig.text(0.985, 4.0 / height, w("illustrative", lang), fontsize=7, color="#b00020",
                 ha="right", **font)
    return png_bytes(fig)
