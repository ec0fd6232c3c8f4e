"""The report pack: map, pictures, workbook and summary in one folder or zip, in one call.

:func:`write_report` is what ``geo report``, the app's download button and
:meth:`geo.CoverageResult.report` run. Every file is made in memory first
(:func:`report_files`), then written to a folder or a zip (sorted entries, fixed
timestamps). With the static map picture the whole pack is byte-identical for
the same inputs; with the browser picture every file but ``map.png`` is.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from geo import demo, maps
from geo.errors import GeoError, InputError, SettingsError
from geo.maps.whatif import hypothetical_ids
from geo.paths import atomic_file, write_files
from geo.report import browsermap, charts, fonts, staticmap, summary, workbook
from geo.report.words import check_lang, w
from geo.result import CoverageResult
from geo.scenario.rerun import Scenarios, scenario_results

__all__ = [
    "ASSET_MODES",
    "FILE_WORDS",
    "MAP_PNG_MODES",
    "ZIP_TIME",
    "ReportPack",
    "guess_illustrative",
    "report_files",
    "report_zip",
    "write_report",
    "zip_bytes",
]

MAP_PNG_MODES: tuple[str, ...] = ("auto", "browser", "static")
ASSET_MODES: tuple[str, ...] = ("auto", "inline", "cdn")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

#: What each file of the pack is, for the summary's file list and the manifest.
FILE_WORDS: dict[str, tuple[str, str]] = {
    "map.html": ("交互式报告地图（浏览器打开）", "interactive report map (open in a browser)"),
    "map.png": ("打印用地图，A4 横向", "map picture for print, A4 landscape"),
    "coverage_curve.png": ("N 分钟内可达需求占比曲线", "share of demand within N minutes"),
    "grids.png": ("各网格覆盖率（由低到高）", "coverage per grid, lowest first"),
    "report.xlsx": ("表格：摘要、网格、缺口、站点、问题数据、覆盖曲线",
                    "tables: summary, grids, gaps, stations, rejected rows, curve"),
    "coverage.json": ("与 geo check --json 相同的结果", "the geo check --json object"),
    "summary.md": ("本摘要（Markdown）", "this summary (Markdown)"),
    "summary.html": ("本摘要（网页）", "this summary (HTML)"),
    "manifest.json": ("文件清单与生成方式", "list of files and how they were made"),
}


@dataclass(frozen=True)
class ReportPack:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    path
        The folder or zip file.
    files
        The file names in the pack, sorted.
    map_png
        How ``map.png`` was drawn: ``browser`` (headless Chromium) or ``static``
        (matplotlib, no tiles).
    warnings
        Things the pack says about itself (e.g. why the browser was not used).
    skipped
        Files not made, with the reason (``grids.png`` without 网格).
    """

    path: Path
    files: tuple[str, ...]
    map_png: str
    warnings: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)


# --- the pack --------------------------------------------------------------------------------


def guess_illustrative(result: CoverageResult) -> bool:
    """Whether the inputs are the bundled demo data (``data/canglang``, ``data/helsinki``).

    Parameters
    ----------
    result
        The analysis; its station files are looked at (as the HTML map does).

    Returns
    -------
    bool
    """
    return demo.dataset_of(result.sources) is not None


def _stable_map_html(m: Any) -> str:
    """Render a folium map, its random element ids replaced by counters (same map, same bytes)."""
    root = m.get_root()
    ids: set[str] = set()
    stack = [root, root.header, root.html, root.script]
    while stack:
        element = stack.pop()
        ids.add(element._id)
        stack.extend(element._children.values())
    text = root.render()
    mapping: dict[str, str] = {}
    pattern = re.compile("|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)))

    def sub(match: re.Match[str]) -> str:
        return mapping.setdefault(match.group(0), f"{len(mapping) + 1:032x}")

    return pattern.sub(sub, text)


def _asset_mode(assets: str) -> str:
    if assets not in ASSET_MODES:
        raise SettingsError(f"unknown asset mode '{assets}': use auto, inline or cdn")
    if assets != "auto":
        return assets
    from geo import assets as assetmod

    try:
        assetmod.fetch()
    except GeoError:
        return "cdn"
    return "inline"


def _date_text(date: str | dt.date | None, stamp: bool) -> str | None:
    if date is None:
        return dt.date.today().isoformat() if stamp else None
    if isinstance(date, dt.datetime):
        return date.date().isoformat()
    if isinstance(date, dt.date):
        return date.isoformat()
    text = str(date).strip()
    return text or None


def report_files(
    result: CoverageResult,
    *,
    title: str | None = None,
    lang: str = "zh",
    scenarios: Scenarios | None = None,
    target: float | None = None,
    map_png: str = "auto",
    dpi: float = 300,
    illustrative: bool | None = None,
    date: str | dt.date | None = None,
    stamp: bool = False,
    tiles: str = "osm",
    assets: str = "auto",
    sources: Mapping[str, str] | None = None,
    tile_key: str | None = None,
) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Make every file of the report pack in memory (see :func:`write_report` for the options).

    Returns
    -------
    files : dict
        File name → bytes.
    manifest : dict
        What ``manifest.json`` holds (also in ``files``).
    """
    lang = check_lang(lang)
    if map_png not in MAP_PNG_MODES:
        raise SettingsError(f"unknown map picture mode '{map_png}': use auto, browser or static")
    if map_png == "browser" and (why := browsermap.unavailable_reason()) is not None:
        raise browsermap.BrowserMapError(f"cannot draw the map in a browser: {why}")
    if not (isinstance(dpi, int | float) and 50 <= dpi <= 600):
        raise SettingsError(f"dpi {dpi!r} must be a number from 50 to 600")
    if target is not None and not 0.0 <= float(target) <= 1.0:
        raise SettingsError(f"target {target!r} must be a share from 0 to 1 (e.g. 0.8)")
    if tiles not in maps.TILES:
        raise SettingsError(f"unknown basemap '{tiles}': use one of {', '.join(maps.TILES)}")
    minutes = result.settings.minutes
    title = title.strip() if title and title.strip() else w("title", lang, minutes=minutes)
    demo = guess_illustrative(result) if illustrative is None else bool(illustrative)
    when = _date_text(date, stamp)
    src = {"stations": result.sources.get("stations", "")}
    src.update({k: str(v) for k, v in (sources or {}).items() if v})
    runs = scenario_results(result, scenarios, lang=lang)
    summ = result.summary()
    texts = [title, *runs, *(str(g["grid"]) for g in summ["grids"])]
    families = fonts.report_families(lang=lang, texts=texts)
    notes: list[str] = []
    skipped: dict[str, str] = {}
    files: dict[str, bytes] = {}

    asset_mode = _asset_mode(assets)
    if asset_mode == "cdn" and assets == "auto":
        notes.append("map.html loads Leaflet from the CDN (the xstatic-leaflet package's "
                     "files are not available here; reinstall geo's dependencies)")
    m = maps.coverage_map(result, tiles=tiles, title=title, assets=asset_mode, demo=demo,
                          tile_key=tile_key)
    files["map.html"] = _stable_map_html(m).encode("utf-8")

    same = tiles == "osm" and asset_mode == "inline"  # the picture's page is map.html itself
    method, png = _map_picture(result, map_png, dpi=dpi, lang=lang, families=families,
                               title=title, demo=demo, date=when, notes=notes, target=target,
                               html=files["map.html"].decode("utf-8") if same else None)
    files["map.png"] = png
    files["coverage_curve.png"] = charts.curve_png(runs, lang=lang, families=families, dpi=dpi,
                                                   target=target, illustrative=demo)
    grids_png = charts.grids_png(result, lang=lang, families=families, dpi=dpi, target=target,
                                 illustrative=demo)
    if grids_png is None:
        skipped["grids.png"] = ("没有网格数据（--grids），未生成各网格覆盖率图" if lang == "zh"
                                else "no grids were given (--grids): no per-grid chart")
    else:
        files["grids.png"] = grids_png
    files["report.xlsx"] = workbook.workbook_bytes(result, lang=lang, title=title,
                                                   scenarios=runs, illustrative=demo,
                                                   date=when, sources=src)
    files["coverage.json"] = (result.to_json() + "\n").encode("utf-8")

    names = sorted([*files, "summary.md", "summary.html", "manifest.json"])
    idx = 1 if lang == "en" else 0
    listing = [(n, FILE_WORDS[n][idx] + (f"（{method}）" if n == "map.png" and idx == 0
                                          else f" ({method})" if n == "map.png" else ""))
               for n in names]
    listing += [(n, why) for n, why in sorted(skipped.items())]
    images = [("map.png", title), ("coverage_curve.png", w("curve_title", lang))]
    if "grids.png" in files:
        images.append(("grids.png", w("grids_title", lang, minutes=minutes)))
    blocks = summary.summary_blocks(result, lang=lang, title=title, illustrative=demo, date=when,
                                    target=target, sources=src, files=listing, images=images)
    files["summary.md"] = summary.render_markdown(blocks).encode("utf-8")
    files["summary.html"] = summary.render_html(blocks, title=title, lang=lang).encode("utf-8")

    from geo import __version__

    manifest = {
        "generator": f"geo {__version__}",
        "title": title,
        "lang": lang,
        "illustrative": demo,
        "date": when,
        "map_png": method,
        "map_png_size": list(_png_size(files["map.png"])),
        "dpi": dpi,
        "map_html_assets": asset_mode,
        "tiles": tiles,
        "scenarios": list(runs),
        "target": target,
        "coverage": summ["coverage"],
        # what-if stations counted in every number of the pack (not built)
        "hypothetical_stations": hypothetical_ids(result.stations),
        "files": names,
        "skipped": skipped,
        "notes": notes,
    }
    files["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
                              + "\n").encode("utf-8")
    return dict(sorted(files.items())), manifest


def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _map_picture(
    result: CoverageResult,
    mode: str,
    *,
    dpi: float,
    lang: str,
    families: list[str],
    title: str,
    demo: bool,
    date: str | None,
    notes: list[str],
    target: float | None = None,
    html: str | None = None,
) -> tuple[str, bytes]:
    """``(method, png)``: the browser picture when asked or possible, else the static one.

    ``html`` is the report map on OpenStreetMap with Leaflet inline, when already made.
    """
    if mode in ("auto", "browser"):
        reason = browsermap.unavailable_reason()
        if reason is None:
            try:
                if html is None:
                    html = maps.map_html(result, tiles="osm", title=title, assets="inline",
                                         demo=demo)
                bounds = maps.map_bounds(result, result.stations)
                if bounds is None:
                    raise browsermap.BrowserMapError("nothing to draw")
                png = browsermap.browser_map_png(html, bounds, dpi=dpi,
                                                 note=w("no_tiles_short", lang),
                                                 north=w("north", lang))
                return "browser", png
            except GeoError as exc:
                if mode == "browser":
                    raise
                reason = str(exc)
        elif mode == "browser":
            raise browsermap.BrowserMapError(f"cannot draw the map in a browser: {reason}")
        notes.append(f"map.png drawn without a browser: {reason}")
    png = staticmap.static_map_png(result, lang=lang, families=families, dpi=dpi, title=title,
                                   illustrative=demo, date=date, target=target)
    return "static", png


def write_report(
    result: CoverageResult,
    out: str | PathLike[str],
    *,
    title: str | None = None,
    lang: str = "zh",
    scenarios: Scenarios | None = None,
    target: float | None = None,
    map_png: str = "auto",
    dpi: float = 300,
    illustrative: bool | None = None,
    date: str | dt.date | None = None,
    stamp: bool = False,
    tiles: str = "osm",
    assets: str = "auto",
    sources: Mapping[str, str] | None = None,
    tile_key: str | None = None,
) -> ReportPack:
    """Write the report pack: map, map picture, charts, workbook and summary.

    Files: ``map.html`` (interactive report map), ``map.png`` (A4 landscape at
    ``dpi``), ``coverage_curve.png``, ``grids.png`` (only with 网格),
    ``report.xlsx``, ``coverage.json`` (the ``geo check --json`` object),
    ``summary.md``, ``summary.html`` and ``manifest.json``.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    out
        A folder (created if missing) or a ``.zip`` file.
    title
        Title of the map, pictures and summary; default "15分钟服务圈覆盖报告" with the
        analysis' own minutes.
    lang
        ``zh`` (default) or ``en``: words, sheet names and headers.
    scenarios
        Further curves on ``coverage_curve.png``: label → result or settings
        overrides, e.g. ``{"有充电": {"amenity": "充电"}, "23:00 开放": {"at": "23:00"}}``
        (see :func:`scenario_results`). The main result is always the first curve.
    target
        Coverage aimed at (0..1), drawn on the charts and judged in the summary.
    map_png
        ``auto`` (headless Chromium when Playwright, Chromium and Leaflet are
        present, else static), ``browser`` (fail without it) or ``static``
        (matplotlib, no tiles, always works offline).
    dpi
        Resolution of the pictures (300: A4 landscape is 3508 × 2480 pixels).
    illustrative
        Mark everything "示意数据" (illustrative data); by default guessed from
        the station files (the bundled demo folders), as the HTML map does.
    date
        Analysis date to print; none by default, so regenerating gives the same bytes.
    stamp
        Print today's date when ``date`` is not given.
    tiles
        Basemap of ``map.html`` (a key of :data:`geo.maps.TILES`).
    assets
        Leaflet in ``map.html``: ``inline`` (opens offline), ``cdn``, or ``auto``
        (inline when Leaflet's package is available locally, never downloaded).
    sources
        Where the inputs came from, for the summary (``stations``, ``demand``,
        ``area``, ``grids``, ``network`` → text, e.g. file names).
    tile_key
        The browser key of a basemap that needs one (Tianditu); else its environment
        variable (``TIANDITU_TK``).

    Returns
    -------
    ReportPack

    Raises
    ------
    SettingsError
        For an unknown option value.
    FontMissingError
        When the pictures need a CJK font and none is installed.
    BrowserMapError
        With ``map_png="browser"`` when the browser picture cannot be made.
    InputError
        When ``out`` cannot be written.
    """
    path = Path(out)
    as_zip = path.suffix.lower() == ".zip"
    if as_zip and not path.parent.exists():
        raise InputError("cannot write: the folder does not exist", file=str(out))
    if not as_zip and path.exists() and not path.is_dir():
        raise InputError("cannot write: a file of that name exists (give a folder or a .zip)",
                         file=str(out))
    files, manifest = report_files(
        result, title=title, lang=lang, scenarios=scenarios, target=target, map_png=map_png,
        dpi=dpi, illustrative=illustrative, date=date, stamp=stamp, tiles=tiles,
        assets=assets, sources=sources, tile_key=tile_key,
    )
    try:  # whole files or none under their final names; manifest.json last
        if as_zip:
            with atomic_file(path) as tmp:
                tmp.write_bytes(zip_bytes(files))
        else:
            write_files(path, files, last="manifest.json")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}; nothing was left half-written",
                         file=str(out)) from None
    return ReportPack(path=path, files=tuple(files), map_png=manifest["map_png"],
                      warnings=tuple(manifest["notes"]), skipped=dict(manifest["skipped"]))


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """A zip of ``files`` with sorted entries and fixed timestamps (same files → same bytes).

    Parameters
    ----------
    files
        Name → bytes.

    Returns
    -------
    bytes
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buf.getvalue()


def report_zip(result: CoverageResult, **kwargs: Any) -> bytes:
    """The report pack as zip bytes (for a download button); options of :func:`write_report`.

    Parameters
    ----------
    result
        From :func:`geo.analyze`.
    **kwargs
        Options of :func:`write_report`.

    Returns
    -------
    bytes
    """
    files, _ = report_files(result, **kwargs)
    return zip_bytes(files)
