"""The legend and the title box of a coverage map (HTML built here, user text escaped)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.maps.html import esc
from geo.maps.tiles import TileSpec
from geo.maps.whatif import hypothetical_ids, hypothetical_mask, id_span, whatif_count
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
    import geopandas as gpd

    from geo.maps.streets import Streets
    from geo.result import CoverageResult

__all__ = ["default_title", "legend_html", "title_html", "whatif_legend_row"]


def default_title(minutes: float) -> str:
    """The map's bilingual title with the analysis' own minutes.

    ``10分钟服务圈覆盖 · 10-minute coverage`` for ``minutes=10``.

    Parameters
    ----------
    minutes
        The analysis' threshold (``result.settings.minutes``).

    Returns
    -------
    str
    """
    return f"{minutes:g}分钟服务圈覆盖 · {minutes:g}-minute coverage"


def whatif_legend_row(stations: gpd.GeoDataFrame) -> str:
    """The legend row of the what-if symbol, or ``""`` when no station is hypothetical.

    The sample is drawn with the same CSS classes as the stations on the map
    (``geo-st new``: the kind's colour and symbol in a dashed dark ring), and the
    row names the stations (``NEW1–NEW4``, escaped).

    Parameters
    ----------
    stations
        The stations drawn.

    Returns
    -------
    str
        HTML.
    """
    ids = hypothetical_ids(stations)
    if not ids:
        return ""
    kinds = (stations.loc[hypothetical_mask(stations), "kind"].astype(str).tolist()
             if "kind" in stations else [])
    colour, symbol = kind_style(kinds[0] if kinds else "other")
    return (
        f'<div class="row geo-whatif"><span class="geo-st new" style="background:{colour};'
        f'width:16px;height:16px;line-height:16px;font-size:10px">{symbol}</span>'
        f"假设站点（虚线框，非已建）{len(ids)} 个：{esc(id_span(ids))}"
        " · what-if stations (dashed ring), not built</div>"
    )


def legend_html(
    result: CoverageResult, tile: TileSpec, kinds: list[str], demo: bool,
    streets: Streets | None = None,
    stations: gpd.GeoDataFrame | None = None,
) -> str:
    """The legend: bands, gaps, 网格 classes, demand, station kinds, what-if stations,
    assumptions, basemap.

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
    stations
        The stations drawn (default ``result.stations``): when some are hypothetical
        the legend has the what-if symbol (:func:`whatif_legend_row`).

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
    rows.append(whatif_legend_row(result.stations if stations is None else stations))
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


def title_html(
    result: CoverageResult, title: str | None, demo: bool,
    stations: gpd.GeoDataFrame | None = None,
) -> str:
    """The title box: the title (escaped) and the headline numbers.

    Parameters
    ----------
    result
        The analysis.
    title
        The title as given, or ``None`` for the default (:func:`default_title`, with the
        analysis' own minutes).
    demo
        Say that the data are illustrative.
    stations
        The stations drawn (default ``result.stations``); hypothetical ones are counted
        apart (``站点 74/74（含假设站点 4）``).

    Returns
    -------
    str
    """
    head = esc(title) if title else esc(default_title(result.settings.minutes))
    uncovered = result.total_demand - result.covered_demand
    count = whatif_count(result.stations if stations is None else stations)
    whatif = (f"（含假设站点 {count.hypothetical} incl. {count.hypothetical} what-if）"
              if count.hypothetical else "")
    body = (
        f"覆盖率 Coverage <b>{pct(result.coverage)}</b> · 未覆盖需求 {num(uncovered)}"
        f" · 缺口 {result.gap_count} gaps · 站点 {result.stations_used}/{len(result.stations)}"
        f"{whatif}"
    )
    demo_line = (
        '<div class="note demo">示意数据，非调查数据 — illustrative demo data</div>' if demo else ""
    )
    return f"<h3>{head}</h3><div>{body}</div>{demo_line}"
