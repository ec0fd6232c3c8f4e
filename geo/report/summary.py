"""``summary.md`` and ``summary.html``: a one-page summary of the analysis, in Chinese (or English).

What was analysed, the headline numbers, the three largest gaps in words
(where, how much demand) and the assumptions (speed, minutes, method, data,
date). Every number comes from :meth:`CoverageResult.summary` (the
``geo check --json`` object); in the HTML each carries its JSON key and exact
value (``data-key``, ``data-value``) so a script can check it. User text
(names, the title) is escaped for Markdown and HTML. No time is written unless
a date is given, so the same inputs give the same bytes.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.maps.whatif import hypothetical_ids, id_span, whatif_count
from geo.report.places import area_name, distance_text, gap_places
from geo.report.words import num, pct, scenario_label
from geo.result import CoverageResult
from geo.words import mode_label

__all__ = [
    "TOP_GAPS",
    "Block",
    "Bold",
    "Num",
    "Piece",
    "User",
    "render_html",
    "render_markdown",
    "summary_blocks",
]

TOP_GAPS = 3


@dataclass(frozen=True)
class User:
    """Text that came from a user (a name, a title): escaped wherever it is written."""

    text: str


@dataclass(frozen=True)
class Num:
    """A number of the summary: its JSON key, exact value and how it is shown."""

    key: str
    value: Any
    text: str


@dataclass(frozen=True)
class Bold:
    """Pieces shown in bold."""

    pieces: tuple[Any, ...]


Piece = str | User | Num | Bold
Block = tuple[str, Any]  # ("h1"|"h2"|"p"|"note"|"ul"|"ol"|"img", payload)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&])")


def _md(piece: Piece) -> str:
    if isinstance(piece, User):
        return _MD_SPECIAL.sub(r"\\\1", piece.text.replace("\n", " "))
    if isinstance(piece, Num):
        return piece.text
    if isinstance(piece, Bold):
        return "**" + "".join(_md(p) for p in piece.pieces) + "**"
    return piece


def _html(piece: Piece) -> str:
    if isinstance(piece, User):
        return html.escape(piece.text, quote=True)
    if isinstance(piece, Num):
        value = html.escape(json.dumps(piece.value, ensure_ascii=False), quote=True)
        return (f'<span data-key="{html.escape(piece.key, quote=True)}" data-value="{value}">'
                f"{html.escape(piece.text)}</span>")
    if isinstance(piece, Bold):
        return "<strong>" + "".join(_html(p) for p in piece.pieces) + "</strong>"
    return html.escape(piece, quote=False)


def _line(pieces: Sequence[Piece], render: Any) -> str:
    return "".join(render(p) for p in pieces)


def render_markdown(blocks: Sequence[Block]) -> str:
    """Render summary blocks as Markdown (UTF-8 text, ``\\n`` line ends)."""
    out: list[str] = []
    for kind, payload in blocks:
        if kind == "h1":
            out.append("# " + _line(payload, _md))
        elif kind == "h2":
            out.append("## " + _line(payload, _md))
        elif kind == "p":
            out.append(_line(payload, _md))
        elif kind == "note":
            out.append("> " + _line(payload, _md))
        elif kind in ("ul", "ol"):
            out.append("\n".join(
                (f"{i}. " if kind == "ol" else "- ") + _line(item, _md)
                for i, item in enumerate(payload, start=1)
            ))
        elif kind == "img":
            src, alt = payload
            out.append(f"![{_md(User(alt))}]({src})")
    return "\n\n".join(out) + "\n"


_CSS = """
body { font: 14px/1.6 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #222; max-width: 820px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 18px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 2px; }
ul, ol { margin: 4px 0; padding-left: 22px; }
.note { color: #b00020; font-weight: bold; border-left: 4px solid #b00020; padding-left: 8px; }
img { max-width: 100%; border: 1px solid #ddd; margin: 8px 0; }
@media print { body { margin: 0; max-width: none; } img { page-break-inside: avoid; } }
"""


def render_html(blocks: Sequence[Block], *, title: str, lang: str) -> str:
    """Render summary blocks as a standalone HTML page (no scripts, no outside links)."""
    body: list[str] = []
    for kind, payload in blocks:
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{_line(payload, _html)}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_line(payload, _html)}</p>")
        elif kind == "note":
            body.append(f'<p class="note">{_line(payload, _html)}</p>')
        elif kind in ("ul", "ol"):
            items = "".join(f"<li>{_line(item, _html)}</li>" for item in payload)
            body.append(f"<{kind}>{items}</{kind}>")
        elif kind == "img":
            src, alt = payload
            body.append(f'<img src="{html.escape(src, quote=True)}" '
                        f'alt="{html.escape(alt, quote=True)}">')
    lang_tag = "en" if lang == "en" else "zh-CN"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang_tag}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def summary_blocks(
    result: CoverageResult,
    *,
    lang: str = "zh",
    title: str,
    illustrative: bool = False,
    date: str | None = None,
    target: float | None = None,
    sources: Mapping[str, str] | None = None,
    files: Sequence[tuple[str, str]] = (),
    images: Sequence[tuple[str, str]] = (),
) -> list[Block]:
    """The content of the one-page summary, as blocks both renderers understand.

    Parameters
    ----------
    result
        The analysis.
    lang
        ``zh`` or ``en``.
    title
        The report's title (user text).
    illustrative
        Say prominently that the data are illustrative.
    date
        Analysis date to print (none by default: the text stays byte-identical).
    target
        The coverage aimed at (0..1), if any.
    sources
        Where the inputs came from (``stations``, ``demand``, ``area``, ``grids``, ``network``).
    files
        ``(file name, what it is)`` of the pack, listed at the end.
    images
        ``(file name, caption)`` of pictures to show.

    Returns
    -------
    list
        ``(kind, payload)`` blocks.
    """
    words = _EN if lang == "en" else _ZH
    s = result.summary()  # the page quotes coverage.json's numbers, so it reads them there
    src = dict(sources or {})
    blocks: list[Block] = [("h1", [User(title)])]
    if illustrative:
        blocks.append(("note", [words["illustrative"]]))
    whatif = _whatif_note(result, words, lang)
    if whatif:
        blocks.append(("note", whatif))
    blocks.append(("h2", [words["h_what"]]))
    blocks.append(("ul", _what_lines(result, s, src, words, lang)))
    blocks.append(("h2", [words["h_numbers"]]))
    blocks.append(("ul", _number_lines(s, words, target)))
    blocks.append(("h2", [words["h_gaps"].format(n=TOP_GAPS)]))
    blocks.append(_gap_block(result, s, words, lang))
    blocks.append(("h2", [words["h_assume"]]))
    blocks.append(("ul", _assumption_lines(s, src, words, lang, illustrative, date)))
    if files:
        blocks.append(("h2", [words["h_files"]]))
        blocks.append(("ul", [[f"{name} — ", what_] for name, what_ in files]))
    for src_name, caption in images:
        blocks.append(("img", (src_name, caption)))
    return blocks


def _what_lines(
    result: CoverageResult, s: dict, src: dict[str, str], words: dict[str, str], lang: str
) -> list[list[Piece]]:
    """What was analysed: stations, demand, area, 网格 (with their files)."""
    p = s["params"]
    what: list[list[Piece]] = []
    st_line: list[Piece] = [
        words["stations"],
        Num("stations_used", s["stations_used"], str(s["stations_used"])),
        words["stations_of"],
        Num("stations_total", s["stations_total"], str(s["stations_total"])),
        words["stations_end"],
        User(scenario_label(p, lang)),
    ]
    if src.get("stations"):
        st_line += [words["from"], User(src["stations"])]
    what.append(st_line)
    count = whatif_count(result.stations)
    if count.hypothetical:
        what.append([words["stations_split"].format(
            existing=count.existing, existing_used=count.existing_used,
            hyp=count.hypothetical, hyp_used=count.hypothetical_used)])
    if s["demand_source"] == "points":
        d_line: list[Piece] = [
            words["demand"], Num("total_demand", s["total_demand"], num(s["total_demand"])),
            words["demand_points"].format(n=len(result.points)),
        ]
        if src.get("demand"):
            d_line += [words["from"], User(src["demand"])]
    else:
        d_line = [words["demand_cells"].format(n=s["total_cells"], cell=p["cell_m"])]
    what.append(d_line)
    if result.area is not None and len(result.area):
        name = src.get("area") or _area_name(result)
        what.append([words["area"], User(name)])
    if s["grids"]:
        g_line: list[Piece] = [words["grids"].format(n=len(s["grids"]))]
        if src.get("grids"):
            g_line += [words["from"], User(src["grids"])]
        what.append(g_line)
    return what


def _number_lines(s: dict, words: dict[str, str], target: float | None) -> list[list[Piece]]:
    """The headline numbers: coverage, bands, target, gaps, 网格, overstatement."""
    p = s["params"]
    nums: list[list[Piece]] = [[
        Bold((words["coverage"], Num("coverage", s["coverage"], pct(s["coverage"])))),
        words["coverage_tail"].format(minutes=p["minutes"]),
        Num("covered_demand", s["covered_demand"], num(s["covered_demand"])), " / ",
        Num("total_demand", s["total_demand"], num(s["total_demand"])),
        words["uncovered"], Num("uncovered_demand", s["uncovered_demand"],
                                num(s["uncovered_demand"])), words["close"],
    ]]
    bands = s.get("bands") or []
    if bands:
        line: list[Piece] = [words["within"]]
        for i, b in enumerate(bands):
            if i:
                line.append(" · ")
            line += [words["within_item"].format(minutes=b["minutes"]),
                     Num(f"bands.{i}.share", b["share"], pct(b["share"]))]
        nums.append(line)
    if target is not None:
        ok = s["coverage"] >= target - 1e-12
        nums.append([words["target"].format(target=pct(target, 0)),
                     words["target_ok"] if ok else words["target_no"]])
    nums.append([words["gaps"], Num("len(gaps)", len(s["gaps"]), str(len(s["gaps"]))),
                 words["gaps_tail"]])
    if s["grids"]:
        nums.append(_grid_line(s, words))
    net = s.get("network")
    if net:
        nums.append([
            words["overstated"],
            Num("network.overstated_share", net["overstated_share"],
                pct(net["overstated_share"])),
            words["overstated_tail"].format(
                off=num(net["off_network"]["demand"]), unr=num(net["unreachable"]["demand"])),
        ])
    if s.get("outside_grids") and s["outside_grids"]["points"]:
        og = s["outside_grids"]
        nums.append([words["outside_grids"].format(d=num(og["demand"]),
                                                   u=num(og["uncovered_demand"]))])
    return nums


def _grid_line(s: dict, words: dict[str, str]) -> list[Piece]:
    """How many 网格 reach 80 %, and the worst one."""
    with_demand = [g for g in s["grids"] if g["coverage"] is not None]
    good = sum(1 for g in with_demand if g["coverage"] >= 0.8 - 1e-12)
    line: list[Piece] = [words["grids_good"].format(good=good, n=len(s["grids"]))]
    if with_demand:
        worst = min(with_demand, key=lambda g: (g["coverage"], -g["uncovered_demand"]))
        index = s["grids"].index(worst)
        line += [words["grids_worst"], User(str(worst["grid"])), " ",
                 Num(f"grids.{index}.coverage", worst["coverage"], pct(worst["coverage"])),
                 words["grids_worst_tail"].format(unc=num(worst["uncovered_demand"]))]
    return line


def _gap_block(result: CoverageResult, s: dict, words: dict[str, str], lang: str) -> Block:
    """The largest gaps in words: where, how much demand, how large, where to find them."""
    places = gap_places(result, lang)
    area = area_name(result)
    if places.empty:
        return ("p", [words["no_gaps"].format(minutes=s["params"]["minutes"])])
    items: list[list[Piece]] = []
    for row in places.head(TOP_GAPS).itertuples(index=False):
        item: list[Piece] = [Bold((words["gap"].format(rank=int(row.rank)),)), words["colon"]]
        if isinstance(row.grid, str) and row.grid:
            item += [words["in_grid"], User(row.grid), words["comma"]]
        if isinstance(row.station, str):
            near = words["near"].format(direction=row.direction,
                                        distance=distance_text(row.distance_m, lang))
            tail = words["near_tail"].format(direction=row.direction,
                                             distance=distance_text(row.distance_m, lang))
            item += [near, User(row.station), tail, words["semicolon"]]
        elif area:
            item += [words["in_area"], User(area), words["in_area_tail"], words["semicolon"]]
        item += [
            words["gap_demand"],
            Num(f"gaps.{int(row.rank) - 1}.demand", row.demand, num(row.demand)),
            words["gap_area"].format(km2=row.area_m2 / 1e6),
            words["gap_at"].format(lon=row.lon, lat=row.lat, glon=row.gcj_lon,
                                   glat=row.gcj_lat),
        ]
        items.append(item)
    return ("ol", items)


def _whatif_note(result: CoverageResult, words: dict[str, str], lang: str) -> list[Piece]:
    """``含 4 个假设站点（NEW1–NEW4），非已建站点…`` when the analysis has what-if stations."""
    ids = hypothetical_ids(result.stations)
    if not ids:
        return []
    return [words["whatif"].format(n=len(ids), s="" if len(ids) == 1 else "s"),
            User(id_span(ids, lang=lang)),
            words["whatif_tail"]]


def _assumption_lines(
    s: dict,
    src: dict[str, str],
    words: dict[str, str],
    lang: str,
    illustrative: bool,
    date: str | None,
) -> list[list[Piece]]:
    """The assumptions: travel, reach model, weights, cells, CRS, rejected rows, data, date."""
    p = s["params"]
    net = s.get("network")
    assume: list[list[Piece]] = [[words["travel"].format(
        mode=mode_label(p["mode"], lang), speed=p["speed_kmh"], minutes=p["minutes"])]]
    if p["method"] == "network" and net:
        info = net["network"]
        assume.append([words["network"].format(type=info["type"], nodes=info["nodes"],
                                               snap=net["snap_limit_m"]),
                       User(str(src.get("network") or info["source"]))])
    else:
        assume.append([words["straight"].format(circuity=p["circuity"], reach=p["reach_m"])])
    assume.append([words["weights_points"] if s["demand_source"] == "points"
                   else words["weights_cells"]])
    assume.append([words["gap_method"].format(cell=p["cell_m"])])
    assume.append([words["coords"].format(crs=s["metric_crs"])])
    n_rej = len(s["rejected"])
    assume.append([words["rejected"], Num("len(rejected)", n_rej, str(n_rej)),
                   words["rejected_tail"]])
    if illustrative:
        assume.append([words["data_illustrative"]])
    if date:
        assume.append([words["date"], User(str(date))])
    return assume


def _area_name(result: CoverageResult) -> str:
    area = result.area
    if area is not None and "name" in area and len(area):
        names = [str(n) for n in area["name"].dropna().astype(str) if str(n).strip()]
        if names:
            return "、".join(dict.fromkeys(names))
    return "—"


_ZH: dict[str, str] = {
    "illustrative": "示意数据：本报告所用数据为虚构的演示数据，仅作示意，不是调查数据、"
                    "官方站点位置或官方网格。",
    "h_what": "分析了什么",
    "stations": "站点：计入 ",
    "stations_of": " 个（共 ",
    "stations_end": " 个）· 情景：",
    "from": "；数据：",
    "demand": "需求：总计 ",
    "demand_points": "（{n:,} 个需求点，按人数加权）",
    "demand_cells": "需求：研究范围内 {n:,} 个 {cell:g} m 单元，每个单元权重 1（覆盖率即面积占比）",
    "area": "研究范围：",
    "grids": "网格：{n} 个",
    "whatif": "含 {n} 个假设站点（",
    "whatif_tail": "），非已建站点：是规划试算的拟建位置，"
                   "本报告的覆盖率、缺口和站点数都已计入它们。",
    "stations_split": "其中已建站点 {existing} 个（计入 {existing_used} 个），"
                      "假设站点 {hyp} 个（计入 {hyp_used} 个）",
    "in_area": "在研究范围「",
    "in_area_tail": "」内",
    "h_numbers": "主要数字",
    "coverage": "覆盖率 ",
    "coverage_tail": "：{minutes:g} 分钟内可到达站点的需求 ",
    "uncovered": "（未覆盖 ",
    "close": "）",
    "within": "分钟圈：",
    "within_item": "{minutes:g} 分钟内 ",
    "target": "目标覆盖率 {target}：",
    "target_ok": "已达到",
    "target_no": "未达到",
    "gaps": "缺口：",
    "gaps_tail": " 处（相连的未覆盖区域）",
    "grids_good": "网格：{good}/{n} 个网格覆盖率 ≥ 80%",
    "grids_worst": "；最低为 ",
    "grids_worst_tail": "（未覆盖需求 {unc}）",
    "overstated": "直线高估：",
    "overstated_tail": " 的需求按直线可达、沿路网不可达；路网外需求 {off}，不可达需求 {unr}",
    "outside_grids": "网格外需求 {d}（未覆盖 {u}），不在任何网格内，但计入总数",
    "h_gaps": "最大的缺口（前 {n} 处）",
    "no_gaps": "没有缺口：全部需求都在 {minutes:g} 分钟内。",
    "gap": "缺口 {rank}",
    "colon": "：",
    "in_grid": "位于",
    "comma": "，",
    "near": "在「",
    "near_tail": "」{direction}侧{distance}",
    "semicolon": "；",
    "gap_demand": "未覆盖需求 ",
    "gap_area": "，面积 {km2:.3f} km²",
    "gap_at": "；坐标 {lon:.6f}, {lat:.6f}（WGS-84），{glon:.6f}, {glat:.6f}（高德 GCJ-02）",
    "h_assume": "假设与方法",
    "travel": "出行：{mode}，{speed:g} km/h，以 {minutes:g} 分钟为服务圈",
    "network": "可达计算：沿街道路网（{type}，{nodes:,} 个节点；离街道超过 {snap:g} m 的点"
               "视为路网外）；路网：",
    "straight": "可达计算：直线距离 × 绕行系数 {circuity:g}（直线可达约 {reach:,.0f} m）",
    "weights_points": "需求：每个需求点按其人数（权重）计",
    "weights_cells": "需求：研究范围内的单元，每个权重 1",
    "gap_method": "缺口：未覆盖需求按 {cell:g} m 单元合并，相邻单元为一处，按未覆盖需求排序",
    "coords": "坐标：统一存为 WGS-84，距离在 {crs} 中计算；高德坐标为 GCJ-02",
    "rejected": "剔除的行：",
    "rejected_tail": "（文件、行、列、原因见 report.xlsx「问题数据」）",
    "data_illustrative": "数据来源：演示数据，均为虚构，仅作示意",
    "date": "分析日期：",
    "h_files": "文件",
}

_EN: dict[str, str] = {
    "illustrative": "Illustrative data: the data of this report are invented demo data, "
                    "not surveyed, not official station locations or grids.",
    "h_what": "What was analysed",
    "stations": "Stations: ",
    "stations_of": " counted (of ",
    "stations_end": ") · scenario: ",
    "from": "; data: ",
    "demand": "Demand: ",
    "demand_points": " in total ({n:,} demand points, weighted)",
    "demand_cells": "Demand: {n:,} cells of {cell:g} m over the study area, each weight 1 "
                    "(coverage is a share of area)",
    "area": "Study area: ",
    "grids": "Grids: {n}",
    "whatif": "Includes {n} hypothetical station{s} (",
    "whatif_tail": "), not built: what-if sites being tried out; the coverage, gaps and "
                   "station counts of this report include them.",
    "stations_split": "of which existing stations {existing} ({existing_used} counted), "
                      "hypothetical stations {hyp} ({hyp_used} counted)",
    "in_area": "in the study area ",
    "in_area_tail": "",
    "h_numbers": "Headline numbers",
    "coverage": "Coverage ",
    "coverage_tail": ": demand within {minutes:g} minutes of a station ",
    "uncovered": " (uncovered ",
    "close": ")",
    "within": "Within: ",
    "within_item": "{minutes:g} min ",
    "target": "Target coverage {target}: ",
    "target_ok": "met",
    "target_no": "not met",
    "gaps": "Gaps: ",
    "gaps_tail": " (connected uncovered regions)",
    "grids_good": "Grids: {good}/{n} with coverage ≥ 80%",
    "grids_worst": "; lowest ",
    "grids_worst_tail": " (uncovered demand {unc})",
    "overstated": "Overstated by the straight line: ",
    "overstated_tail": " of demand is reached by straight line but not along the streets; "
                       "off the network {off}, unreachable {unr}",
    "outside_grids": "Demand outside every grid {d} (uncovered {u}), counted in the totals",
    "h_gaps": "Largest gaps (top {n})",
    "no_gaps": "No gaps: all demand is within {minutes:g} minutes.",
    "gap": "Gap {rank}",
    "colon": ": ",
    "in_grid": "in ",
    "comma": ", ",
    "near": "{distance} {direction} of ",
    "near_tail": "",
    "semicolon": "; ",
    "gap_demand": "uncovered demand ",
    "gap_area": ", area {km2:.3f} km²",
    "gap_at": "; at {lon:.6f}, {lat:.6f} (WGS-84), {glon:.6f}, {glat:.6f} (Amap GCJ-02)",
    "h_assume": "Assumptions and method",
    "travel": "Travel: {mode} at {speed:g} km/h; the service circle is {minutes:g} minutes",
    "network": "Reach: along the street network ({type}, {nodes:,} nodes; points more than "
               "{snap:g} m from a street are off the network); network: ",
    "straight": "Reach: straight line × circuity {circuity:g} (straight-line reach about "
                "{reach:,.0f} m)",
    "weights_points": "Demand: each demand point counts with its weight",
    "weights_cells": "Demand: cells over the study area, weight 1 each",
    "gap_method": "Gaps: uncovered demand binned in {cell:g} m cells; neighbouring cells form "
                  "one gap, ranked by uncovered demand",
    "coords": "Coordinates: stored in WGS-84, distances measured in {crs}; Amap uses GCJ-02",
    "rejected": "Rejected rows: ",
    "rejected_tail": " (file, row, column, reason in report.xlsx, sheet Rejected rows)",
    "data_illustrative": "Data source: demo data, invented, illustrative only",
    "date": "Analysis date: ",
    "h_files": "Files",
}
