"""A readable, bilingual (Chinese first) text report of a coverage summary.

Works from :meth:`geo.CoverageResult.summary`, so the text and the JSON never
disagree.
"""

from __future__ import annotations

from typing import Any

from geo.words import mode_label, num, pct

__all__ = ["format_summary"]


def format_summary(
    summary: dict[str, Any],
    *,
    stations_label: str = "",
    demand_label: str = "",
    min_coverage: float | None = None,
    max_gaps: int = 10,
    max_grids: int = 30,
) -> str:
    """Format a summary dict as a short bilingual report.

    Parameters
    ----------
    summary
        The dict from :meth:`geo.CoverageResult.summary`.
    stations_label, demand_label
        Where stations and demand came from (file names), for the header.
    min_coverage
        The threshold a check is held to, if any; adds a PASS/FAIL line.
    max_gaps, max_grids
        How many gaps and 网格 rows to list.

    Returns
    -------
    str
        Lines of text, ending with a newline.
    """
    p = summary["params"]
    mode = p["mode"]
    method = "直线×绕行系数 straight line" if p["method"] == "euclidean" else "路网 street network"
    lines = [
        f"{p['minutes']:g}分钟服务圈覆盖检查 / {p['minutes']:g}-minute coverage check",
        f"  出行方式 Mode:    {mode_label(mode)} {mode}, {p['speed_kmh']:g} km/h, "
        f"{p['minutes']:g} min, {method}"
        + (
            f" (circuity {p['circuity']:g}, reach {p['reach_m']:,.0f} m)"
            if p["method"] == "euclidean"
            else ""
        ),
    ]
    net = summary.get("network")
    if net:
        lines += _network_lines(net)
    filters = []
    if p.get("categories"):
        filters.append("类型 kinds: " + ", ".join(p["categories"]))
    if p.get("amenity"):
        filters.append(f"设施 amenity: {p['amenity']}")
    if p.get("at"):
        filters.append(f"开放于 open at: {p['at']}")
    if filters:
        lines.append("  筛选 Filters:     " + "; ".join(filters))
    src = f" ({stations_label})" if stations_label else ""
    lines.append(
        f"  站点 Stations:    {summary['stations_used']} used of {summary['stations_total']}{src}"
    )
    if summary["demand_source"] == "points":
        dsrc = f", {demand_label}" if demand_label else ""
        lines.append(
            f"  需求 Demand:      {num(summary['total_demand'])} "
            f"(demand points{dsrc}; {summary['total_cells']} cells of {p['cell_m']:g} m "
            "hold demand)"
        )
    else:
        lines.append(
            f"  需求 Demand:      {summary['total_cells']} cells of {p['cell_m']:g} m over the "
            "study area (each weight 1: coverage is a share of area)"
        )
    lines.append(
        f"  覆盖率 Coverage:  {pct(summary['coverage'])}  "
        f"(covered {num(summary['covered_demand'])}, "
        f"uncovered {num(summary['uncovered_demand'])})"
    )
    bands = summary.get("bands") or []
    if bands:
        lines.append(
            "  时段 Within:      "
            + " · ".join(f"≤{b['minutes']:g} min {pct(b['share'])}" for b in bands)
        )
    gaps = summary["gaps"]
    lines.append(f"  缺口 Gaps:        {len(gaps)} connected uncovered regions, largest first")
    for g in gaps[:max_gaps]:
        where = f"  网格 {g['grid']}" if g.get("grid") else ""
        lines.append(
            f"    #{g['rank']:<3} uncovered {num(g['demand']):>8}  "
            f"area {g['area_m2'] / 1e6:6.3f} km²"
            f"  at {g['lon']:.5f}, {g['lat']:.5f} (WGS-84){where}"
        )
    if len(gaps) > max_gaps:
        lines.append(f"    … {len(gaps) - max_gaps} more (see --json)")
    grids = summary["grids"]
    if grids:
        lines.append("  网格 Grids:       coverage · demand · uncovered · stations")
        width = max(len(str(g["grid"])) for g in grids[:max_grids])
        for g in grids[:max_grids]:
            name = str(g["grid"]).ljust(width)
            lines.append(
                f"    {name}  {pct(g['coverage']):>6}  {num(g['demand']):>8}  "
                f"{num(g['uncovered_demand']):>8}  {g['stations']:>3}"
            )
        if len(grids) > max_grids:
            lines.append(f"    … {len(grids) - max_grids} more (see --json)")
    og = summary.get("outside_grids")
    if og and og["points"]:
        lines.append(
            f"  网格外 Outside grids: {og['points']} points, demand {num(og['demand'])} "
            f"(uncovered {num(og['uncovered_demand'])})"
        )
    oa = summary.get("outside_area")
    if oa and oa["points"]:
        lines.append(
            f"  范围外 Outside area:  {oa['points']} demand points, demand {num(oa['demand'])} "
            "(counted)"
        )
    n_rej = len(summary["rejected"])
    lines.append(f"  剔除 Rejected rows: {n_rej}" + (" (listed on stderr)" if n_rej else ""))
    if summary.get("warnings"):
        lines.append(f"  提示 Warnings:    {len(summary['warnings'])} (listed on stderr)")
    if min_coverage is not None:
        ok = summary["coverage"] >= min_coverage - 1e-12
        verdict = "通过 PASS" if ok else "未达标 FAIL"
        lines.append(
            f"  目标 Target:      ≥ {pct(min_coverage)}: {verdict} ({pct(summary['coverage'])})"
        )
    return "\n".join(lines) + "\n"


def _network_lines(net: dict[str, Any]) -> list[str]:
    """The street network's lines of the summary: network, overstatement, off-network,
    unreachable, and the small pieces of the network points were joined past."""
    out: list[str] = []
    info = net["network"]
    out.append(
        f"  路网 Network:     {info['type']}, {info['nodes']:,} nodes, {info['edges']:,} edges "
        f"({info['source']}); snap limit {net['snap_limit_m']:g} m"
    )
    out.append(
        f"  直线高估 Overstated: {pct(net['overstated_share'])} of demand "
        f"({num(net['overstated_demand'])}) is covered by straight line × circuity "
        "but not along the streets"
    )
    out.append(
        f"  路网外 Off network: {net['off_network']['points']} points "
        f"(demand {num(net['off_network']['demand'])}); 不可达 unreachable: "
        f"{net['unreachable']['points']} points (demand {num(net['unreachable']['demand'])}); "
        f"stations off network: {net['stations_off_network']}"
    )
    moved = net.get("moved_to_main") or {}
    near = net.get("off_network_near_fragments") or {}
    if moved.get("points") or moved.get("stations") or near.get("points"):
        frag = net.get("fragments") or {}
        out.append(
            f"  小片路网 Small pieces: {moved.get('points', 0)} points "
            f"(demand {num(moved.get('demand', 0))}) and {moved.get('stations', 0)} "
            f"station(s) nearer a piece of < {frag.get('min_nodes', 50)} nodes without a "
            f"station joined the main network; {near.get('points', 0)} point(s) near "
            f"only such pieces are off network; {frag.get('skipped', 0)} piece(s) skipped"
        )
    return out
