"""The legend and the title box of a coverage map (HTML built here, user text escaped)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.maps.html import esc
from geo.maps.tiles import TileSpec
from geo.schema import KIND_LABELS
from geo.style import (
    BAND_COLOURS,
    COVERED_COLOUR,
    GAP_COLOUR,
    GRID_CLASSES,
    OVERSTATED_COLOUR,
    STREET_STYLE,
    UNCOVERED_COLOUR,
    kind_style,
)
from geo.words import mode_label, num, pct

if TYPE_CHECKING:
    from geo.maps.streets import Streets
    from geo.result import CoverageResult

__all__ = ["legend_html", "title_html"]


def legend_html(
    result: CoverageResult, tile: TileSpec, kinds: list[str], demo: bool,
    streets: Streets | None = None,
) -> str:
    """The legend: bands, gaps, 网格 classes, demand, station kinds, assumptions, basemap.

    Parameters
    ----------
    result
        The analysis.
    tile
        The basemap (its name and datum are stated).
    kinds
        The station kinds on the map, in legend order.
    demo
        Say that the data are illustrative.
    streets
        The streets basemap drawn (:func:`geo.maps.streets.streets_of`), if any.

    Returns
    -------
    str
    """
    s = result.settings
    rows = ['<h4>图例 Legend</h4>']
    for minutes, colour in zip(sorted(s.bands), BAND_COLOURS, strict=False):
        rows.append(
            f'<div class="row"><span class="sw" style="background:{colour};opacity:.6"></span>'
            f"{minutes:g} 分钟可达 within {minutes:g} min</div>"
        )
    rows.append(
        f'<div class="row"><span class="sw" style="background:{GAP_COLOUR};opacity:.6;'
        f'border:1px solid {GAP_COLOUR}"></span>缺口（数字为排名）gap, ranked</div>'
    )
    if result.grids is not None and len(result.grids):
        for _, colour, label in GRID_CLASSES:
            rows.append(
                f'<div class="row"><span class="sw" style="border:2px dashed {colour}"></span>'
                f"网格覆盖率 grid coverage {label}</div>"
            )
    rows.append(
        f'<div class="row"><span class="dot" style="background:{COVERED_COLOUR}"></span>'
        "需求·已覆盖 demand covered</div>"
        f'<div class="row"><span class="dot" style="background:{UNCOVERED_COLOUR}"></span>'
        "需求·未覆盖 demand uncovered（大小=需求 size = demand）</div>"
    )
    for kind in kinds:
        colour, symbol = kind_style(kind)
        zh, en = KIND_LABELS.get(kind, KIND_LABELS["other"])
        pile = " pile" if kind == "charging_pile" else ""
        rows.append(
            f'<div class="row"><span class="geo-st{pile}" style="background:{colour};'
            f'width:16px;height:16px;line-height:16px;font-size:10px">{symbol}</span>'
            f"{zh} {en}</div>"
        )
    if result.network is not None:
        rows.append(
            '<div class="row"><span class="dot" '
            f'style="border:2px solid {OVERSTATED_COLOUR}"></span>'
            "直线高估：直线可达、路网不可达 overstated by straight line</div>"
        )
    if streets is not None:
        st_style, rail = STREET_STYLE["street"], STREET_STYLE["rail"]
        water = STREET_STYLE["water"]
        rows.append(
            f'<div class="row"><span class="sw" style="border-top:2px solid {st_style["color"]};'
            f'height:0"></span>街道 streets'
            f'<span class="sw" style="background:{water["fillColor"]}"></span>水系 water'
            f'<span class="sw" style="border-top:2px dashed {rail["color"]};height:0"></span>'
            "铁路 rail</div>"
        )
    mode = mode_label(s.mode)
    how = (
        "沿路网 along the streets"
        if result.network is not None
        else f"直线×{s.circuity:g}（可达 {s.reach_m:,.0f} m）"
    )
    rows.append(
        f'<div class="note">{mode} {s.speed_kmh:g} km/h · {s.minutes:g} 分钟 · {how}'
        f"<br>底图 {esc(tile.label_zh)}（{tile.datum.upper()}）"
        "；坐标已按底图坐标系显示 drawn in the basemap's datum"
        + (f"<br>街道取自路网文件 streets from {esc(_file_name(streets.source))}"
           if streets is not None else "")
        + "</div>"
    )
    if demo:
        rows.append('<div class="note demo">示意数据，非调查数据 · illustrative demo data</div>')
    return "".join(rows)


def _file_name(source: str) -> str:
    """The file name of a path (``helsinki`` stays as it is): no server folder on a map."""
    return source.replace("\\", "/").rsplit("/", 1)[-1]


def title_html(result: CoverageResult, title: str | None, demo: bool) -> str:
    """The title box: the title (escaped) and the headline numbers.

    Parameters
    ----------
    result
        The analysis.
    title
        The title as given, or ``None`` for the default.
    demo
        Say that the data are illustrative.

    Returns
    -------
    str
    """
    head = esc(title) if title else "15分钟服务圈覆盖 · 15-minute coverage"
    uncovered = result.total_demand - result.covered_demand
    body = (
        f"覆盖率 Coverage <b>{pct(result.coverage)}</b> · 未覆盖需求 {num(uncovered)}"
        f" · 缺口 {len(result.gap_table)} gaps · 站点 {result.stations_used}/{len(result.stations)}"
    )
    demo_line = (
        '<div class="note demo">示意数据，非调查数据 — illustrative demo data</div>' if demo else ""
    )
    return f"<h3>{head}</h3><div>{body}</div>{demo_line}"
