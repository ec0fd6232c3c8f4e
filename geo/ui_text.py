"""The sentences of the planner app (``app.py``), in Chinese and English.

Chinese is the default language, English is on the language switch; each page is
in one language: the Chinese page says everything in Chinese (``出行方式``), keeping
only what a planner types or reads as it is written — units (km/h, m), formats (CSV,
XLSX, GeoJSON), coordinate systems (WGS-84, GCJ-02), proper names (OpenStreetMap),
file names and settings (``secrets.toml``, ``TIANDITU_TK``) — and the English page
says it in English. Table headers and messages are in the chosen language.

Labels of the domain (kinds, modes, coordinate systems, table headers) and number
formats come from :mod:`geo.words` and are re-exported here for the app. Nothing
here imports Streamlit, so the words can be tested without the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from geo.words import (
    COLUMNS,
    CRS_LABELS,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    amenity_label,
    count_delta,
    crs_label,
    demand_delta,
    headers,
    kind_label,
    mode_label,
    pick,
    share_delta,
)
from geo.words import num as demand
from geo.words import pct as share

__all__ = [
    "COLUMNS",
    "CRS_LABELS",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "PROVIDER_LABELS",
    "SOLVER_LABELS",
    "TEXT",
    "amenity_label",
    "count_delta",
    "crs_label",
    "demand",
    "demand_delta",
    "headers",
    "kind_label",
    "message_text",
    "mode_label",
    "pick",
    "plain",
    "share",
    "share_delta",
    "siting_status",
    "t",
]

#: Every label of the app: key → (Chinese, English).
TEXT: dict[str, tuple[str, str]] = {
    # page
    # {minutes} is the analysis' own time limit (formatted with :g)
    "page_title": ("{minutes}分钟服务圈覆盖分析", "{minutes}-minute service coverage"),
    "title": (
        "新就业形态劳动者服务站点 · {minutes}分钟服务圈覆盖分析",
        "Service stations for delivery riders · {minutes}-minute coverage",
    ),
    "subtitle": (
        "哪些地方在站点 {minutes} 分钟可达范围内、哪些不在、各网格情况如何；点击地图可试加站点。",
        "Which places are within {minutes} minutes of a station, which are not, and how each "
        "grid fares; click the map to try a new station.",
    ),
    "demo_note": (
        "**示意数据**：当前使用的沧浪街道演示数据均为虚构，仅作示意，不是调查数据、"
        "官方站点位置或官方网格。",
        "**Illustrative data**: the Canglang Street demo data in use are invented, not "
        "surveyed, not official station locations or grids.",
    ),
    "language": ("语言", "Language"),
    "access_password": ("访问密码", "Password"),
    "access_enter": ("进入", "Enter"),
    "access_wrong": ("密码不正确。", "Wrong password."),
    "internal_error": (
        "出现了意外错误（编号 {ref}），已记录在服务器日志中。请把编号告诉管理员。",
        "An unexpected error occurred (reference {ref}); it is in the server log. "
        "Please give the reference to the administrator.",
    ),
    "demo_choice": ("演示数据", "Demo data"),
    "demo_canglang": ("沧浪街道（苏州，直线）", "Canglang Street (Suzhou, straight line)"),
    "demo_helsinki": ("赫尔辛基（真实路网）", "Helsinki (real street network)"),
    "demo_city": ("示意城市（生成：{points}需求点、{stations} 个站点、自有路网）",
                  "Generated city ({points} demand points, {stations} stations, its own streets)"),
    "demo_note_city": (
        "**示意数据**：示意城市是程序生成的虚构城市（街道、河道、桥梁、站点、"
        "需求和网格均为虚构），用来展示全市规模的分析。",
        "**Illustrative data**: the generated city is invented (streets, canals, bridges, "
        "stations, demand and grids), to show a city-scale analysis.",
    ),
    "demo_note_helsinki": (
        "**示意数据**：赫尔辛基演示中的站点和需求点均为虚构，只有街道（OpenStreetMap）是真实的。",
        "**Illustrative data**: the Helsinki demo's stations and demand are invented; only the "
        "streets (OpenStreetMap) are real.",
    ),
    "method": ("可达计算", "Reach"),
    "method_euclidean": ("直线距离×绕行系数", "straight line × circuity"),
    "method_network": ("沿街道路网", "along the street network"),
    "network_source": ("路网", "Street network"),
    "network_source_help": (
        "沿路网计算时用于测算；直线计算时只画作地图上的街道底图（无网络时也能看清街道）。",
        "Measured on with the street-network method; with straight lines only drawn as the "
        "map's streets (readable without internet).",
    ),
    "network_none": ("无", "None"),
    "street_profile": ("道路规则", "Street rules"),
    "street_profile_auto": ("自动（中国境内的数据用中国规则）", "auto (China's rules for China)"),
    "street_profile_china": ("中国规则：高架、隧道不可步行骑行", "china: no expressways"),
    "street_profile_osm": ("OpenStreetMap 通用规则", "OpenStreetMap's general rules"),
    "street_profile_help": (
        "中国规则：城市快速路的高架路段和隧道、机动车专用道路不可步行和骑行，"
        "除非路网数据标明可步行或骑行，或设有人行道、非机动车道。",
        "China: no walking or cycling on urban expressways (trunk roads on bridges, in tunnels "
        "or named 高架/快速路/隧道) and motorroad=yes, unless foot/bicycle/sidewalk/cycleway "
        "tags allow it.",
    ),
    "network_helsinki": ("赫尔辛基（随软件附带的 OpenStreetMap 路网）",
                         "Helsinki (the OpenStreetMap extract bundled with the software)"),
    "network_city": ("示意城市的路网（生成）", "The generated city's streets"),
    "network_upload": ("上传 OSM PBF、XML 或 GraphML 文件", "Upload OSM PBF / XML / GraphML"),
    "up_network": ("路网文件", "Network file"),
    "snap_limit": ("吸附距离上限（m）", "Snap limit (m)"),
    "network_missing": (
        "沿路网计算需要路网：请上传路网文件，或选择赫尔辛基路网。",
        "The street-network method needs a network: upload a file or choose Helsinki.",
    ),
    "kpi_overstated": ("直线高估", "Overstated by straight line"),
    "off_network": ("路网外", "off network"),
    "unreachable": ("不可达", "unreachable"),
    # data
    "data": ("数据", "Data"),
    "data_help": ("不上传时使用演示数据。支持 CSV、XLSX、GeoJSON、GPKG、GeoParquet。",
                  "Without uploads the demo data are used. CSV, XLSX, GeoJSON, GPKG, Parquet."),
    "up_stations": ("站点表（可多个）", "Station tables (one or more)"),
    "up_demand": ("需求点", "Demand points"),
    "up_area": ("研究范围", "Study area"),
    "up_grids": ("网格", "Governance grids (网格)"),
    "crs": ("上传文件坐标系", "Coordinate system of uploads"),
    "crs_help": (
        "文件未在“坐标系”列注明时使用。高德、腾讯导出为 GCJ-02，百度为 BD-09。",
        "Used where a file has no 坐标系 column. Amap/Tencent exports are GCJ-02, "
        "Baidu BD-09.",
    ),
    "read_error": ("无法读取", "Cannot read"),
    "no_rows": (
        "没有可用的行（见下方“剔除的行”），已忽略此文件",
        "no usable row (see rejected rows below); the file is ignored",
    ),
    "fallback_demo_stations": (
        "上传的站点表都无法使用，改用演示站点。",
        "No uploaded station table could be used; showing the demo stations.",
    ),
    "analysis_error": ("分析失败", "The analysis failed"),
    "out_of_memory": (
        "服务器内存不足，无法完成这一步。请用更大的网格单元、更小的研究范围或更少的需求点再试；"
        "或请管理员提高应用的内存上限（GEO_APP_MAX_MEMORY）或服务器的内存限制。",
        "The server ran out of memory for this step. Try a larger cell size, a smaller study "
        "area or fewer demand points, or ask the administrator to raise the app's memory "
        "limit (GEO_APP_MAX_MEMORY) or the server's.",
    ),
    # parameters
    "params": ("分析参数", "Parameters"),
    "mode": ("出行方式", "Mode"),
    "speed": ("速度（km/h）", "Speed (km/h)"),
    "minutes": ("时间阈值（分钟）", "Minutes"),
    "circuity": ("绕行系数", "Circuity"),
    "circuity_help": (
        "路网距离 ÷ 直线距离，城市一般 1.2–1.4。",
        "Street distance ÷ straight-line distance; 1.2–1.4 in cities.",
    ),
    "categories": ("站点类型", "Station kinds"),
    "categories_placeholder": ("全部类型", "All kinds"),
    "amenity": ("设施", "Amenity"),
    "use_time": ("按开放时间筛选", "Only stations open at"),
    "time": ("时刻", "Time"),
    "basemap": ("底图", "Basemap"),
    "basemap_help": (
        "底图瓦片来自互联网；内网无法加载时，地图会注明，并仍显示路网文件中的街道。"
        "天地图需要浏览器端密钥。",
        "Tiles come from the internet; offline the map says so and still draws the streets of "
        "the network file. Tianditu needs a browser key.",
    ),
    "tile_key": ("天地图密钥", "Tianditu key"),
    "tile_key_help": (
        "天地图浏览器端密钥，只用于本次会话；也可在 secrets.toml 或环境变量 TIANDITU_TK 中设置。",
        "The browser key (tk), for this session only; or set TIANDITU_TK in secrets.toml or the "
        "environment.",
    ),
    "tile_key_fallback": ("暂用 OpenStreetMap 底图。", "using OpenStreetMap instead."),
    "cell": ("网格单元大小（m）", "Cell size (m)"),
    "cell_shape": ("单元形状", "Cell shape"),
    "cell_square": ("正方形", "square"),
    "cell_hex": ("六边形（H3）", "hexagon (H3)"),
    "reach": ("直线可达距离", "Straight-line reach"),
    # KPIs
    "kpi_coverage": ("覆盖率", "Coverage"),
    "kpi_uncovered": ("未覆盖需求", "Uncovered demand"),
    "kpi_gaps": ("缺口数", "Gaps"),
    "kpi_stations": ("使用站点", "Stations used"),
    "kpi_cells_note": (
        "无需求点：按研究范围内的网格单元计算，覆盖率为面积占比。",
        "No demand points: coverage is the share of cells (area) in the study area.",
    ),
    "vs_baseline": ("与不含假设站点相比", "vs. without the what-if stations"),
    # map
    "map": ("地图", "Map"),
    "click_to_add": ("点击地图添加假设站点", "Click the map to add a station"),
    "map_datum": (
        "点击位置按底图坐标系（{datum}）读取并换算为 WGS-84。",
        "Clicks are read in the basemap's datum ({datum}) and converted to WGS-84.",
    ),
    "map_off": ("（地图已关闭：服务器设置了 GEO_APP_MAP=off）",
                "(map turned off: GEO_APP_MAP=off)"),
    # tables
    "gaps_table": ("缺口排名", "Gaps, ranked"),
    "grids_table": ("各网格覆盖", "Coverage per grid"),
    "stations_table": ("各站点覆盖", "Coverage per station"),
    "no_gaps": ("没有缺口：全部需求都在可达范围内。", "No gap: all demand is within reach."),
    "no_grids": ("未提供网格。", "No grids given."),
    # what-if
    "whatif": ("假设站点", "What-if stations"),
    "whatif_form": ("按坐标添加", "Add by coordinates"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "point_crs": ("坐标系", "Coordinate system"),
    "name": ("名称", "Name"),
    "kind": ("类型", "Kind"),
    "amenities": ("设施", "Amenities"),
    "amenities_placeholder": ("选择设施（可多选）", "Choose amenities"),
    "hours": ("开放时间", "Opening hours"),
    "add": ("添加站点", "Add station"),
    "remove": ("删除", "Remove"),
    "remove_all": ("全部删除", "Remove all"),
    "whatif_none": (
        "尚未添加假设站点：点击地图，或在下方输入坐标。",
        "No what-if station yet: click the map or enter coordinates below.",
    ),
    "whatif_unused": ("（被筛选条件排除）", "(left out by the filters)"),
    "default_station_name": ("新增站点", "New station"),
    "dataset_uploads": ("上传的文件", "uploaded files"),
    "geocoded_stop": ("不再使用地址编码页的站点", "Stop using the geocoding page's stations"),
    "whatif_kept": (
        "另有 {n} 个假设站点属于其他数据集（{datasets}），切回该数据集时恢复。",
        "{n} hypothetical station(s) belong to another dataset ({datasets}); they come back "
        "when it is chosen again.",
    ),
    "whatif_kept_clear": ("清除其他数据集的假设站点", "Clear them"),
    "default_hours": ("24小时", "24h"),
    "download_whatif": ("下载假设站点 CSV", "Download what-if stations (CSV)"),
    # downloads
    "downloads": ("下载", "Downloads"),
    "dl_report": ("报告包 ZIP（地图、图表、表格、摘要）",
                  "Report pack (ZIP: maps, charts, tables, summary)"),
    "dl_map": ("报告地图 HTML", "Report map (HTML)"),
    "dl_summary": ("摘要 JSON（与命令行检查的输出相同）",
                   "Summary JSON (as the command line's geo check --json)"),
    "dl_gaps": ("缺口 GeoJSON", "Gaps (GeoJSON)"),
    "dl_points": ("需求点 GeoJSON", "Demand points (GeoJSON)"),
    "dl_cells": ("网格单元 GeoJSON", "Cells (GeoJSON)"),
    "dl_grids_csv": ("各网格 CSV", "Per grid (CSV)"),
    "dl_grids_xlsx": ("各网格 XLSX", "Per grid (XLSX)"),
    "dl_stations_csv": ("各站点 CSV", "Per station (CSV)"),
    "dl_stations_xlsx": ("各站点 XLSX", "Per station (XLSX)"),
    # issues
    "issues": ("剔除的行与提示", "Rejected rows and warnings"),
    "rejected": ("剔除的行", "Rejected rows"),
    "warnings": ("提示", "Warnings"),
    "no_issues": ("没有剔除的行。", "No row was rejected."),
    # siting
    "siting": ("选址建议", "Siting: where to add stations"),
    "siting_help": (
        "现有站点保持不变：在候选点（缺口单元中心和/或上传的候选点表）中选出新增站点，"
        "使覆盖的需求最多（新增 K 个），或以最少的站点达到目标覆盖率。",
        "Existing stations stay: choose new sites among candidates (gap-cell centres and/or "
        "an uploaded candidate table) to cover the most demand with K sites, or to reach a "
        "target share with the fewest.",
    ),
    "siting_model": ("问题", "Question"),
    "siting_add": ("新增 K 个站点，覆盖最多（最大覆盖模型）", "Add K sites, cover the most (MCLP)"),
    "siting_target": ("最少站点达到目标覆盖率（集合覆盖模型）", "Fewest sites for a target (LSCP)"),
    "siting_k": ("K（新增站点数）", "K (sites to add)"),
    "siting_share": ("目标覆盖率", "Target share"),
    "siting_source": ("候选点", "Candidates"),
    "siting_source_gaps": ("缺口单元中心", "Gap-cell centres"),
    "siting_source_upload": ("上传的候选点表", "Uploaded candidate table"),
    "siting_source_both": ("两者", "Both"),
    "siting_candidates": ("候选点表", "Candidate table"),
    "siting_no_file": ("没有可用的候选点表：本次使用缺口单元中心作为候选点。",
                       "No usable candidate table: the gap-cell centres are used instead."),
    "siting_charging": ("为充电桩选址（只计有充电的站点）",
                        "Site charging piles (only charging counts)"),
    "siting_solver": ("求解方法", "Solver"),
    "siting_run": ("计算选址", "Find sites"),
    "siting_running": ("正在选址…", "Choosing sites…"),
    "siting_before": ("选址前覆盖率", "Coverage before"),
    "siting_after": ("选址后覆盖率", "Coverage after"),
    "siting_sites": ("新增站点", "New sites"),
    "siting_infeasible": ("目标无法达到：全部候选点加上也只有 {best}。",
                          "The target cannot be reached: all candidates together give {best}."),
    "siting_use": ("作为假设站点加入", "Add these as what-if stations"),
    "siting_download": ("下载选址 CSV", "Download sites (CSV)"),
    # pages
    "page": ("页面", "Page"),
    "page_coverage": ("覆盖分析", "Coverage"),
    "page_geocode": ("地址编码审核", "Geocoding review"),
    # geocoding review
    "gc_title": ("地址 → 坐标：编码与人工审核", "Addresses → coordinates: geocode and review"),
    "gc_intro": (
        "上传只有地址的站点表（Excel 或 CSV），逐行编码为 WGS-84 坐标；每行都有状态，"
        "待核实和失败的行在下方逐个校正（点击地图或输入坐标），校正后状态为“人工校正”，"
        "最后下载校正后的表或直接用于覆盖分析。",
        "Upload a station list with addresses (Excel/CSV) and geocode each row to WGS-84; every "
        "row gets a status. Fix the rows that need review or failed below (click the map or "
        "type coordinates): each fix is recorded as manual. Then download the corrected table "
        "or use it for the coverage analysis.",
    ),
    "gc_source": ("地址表", "Address list"),
    "gc_source_demo": ("演示地址表（示意，离线）", "Demo address list (illustrative, offline)"),
    "gc_source_upload": ("上传", "Upload"),
    "gc_upload": ("地址表文件", "Address table"),
    "gc_file_crs": ("表中已有坐标的坐标系", "CRS of coordinates already in the table"),
    "gc_provider": ("地理编码服务", "Geocoding provider"),
    "gc_city": ("城市", "City"),
    "gc_key": ("密钥（不保存）", "Key (not stored)"),
    "gc_key_help": (
        "只用于本次请求，不写入任何文件、缓存或日志；也可在 .streamlit/secrets.toml 中设置。",
        "Used for these requests only, never written to a file, cache or log; or set it "
        "in .streamlit/secrets.toml.",
    ),
    "gc_key_from_secrets": ("密钥已在服务器配置中设置。", "Key set in the server's configuration."),
    "gc_key_needed": ("该服务需要密钥。", "This provider needs a key."),
    "gc_run": ("开始编码", "Geocode"),
    "gc_running": ("正在编码…", "Geocoding…"),
    "gc_stopped": ("编码中止", "Geocoding stopped"),
    "gc_none": ("尚未编码。选择地址表后点击“开始编码”。",
                "Nothing geocoded yet: choose an address list and press Geocode."),
    "gc_review": ("待审核的行", "Rows to review"),
    "gc_all_reviewed": ("所有行都有可信坐标。", "Every row has trusted coordinates."),
    "gc_pick": ("校正哪一行", "Row to fix"),
    "gc_click_help": (
        "点击地图把该行放到点击处（按底图坐标系读取）；或在下方输入坐标。",
        "Click the map to put the row there (read in the basemap's datum), or type "
        "coordinates below.",
    ),
    "gc_fix_typed": ("按输入坐标校正", "Set typed coordinates"),
    "gc_fixed": ("已校正", "Fixed"),
    "gc_download_csv": ("下载校正后的表（CSV）", "Download corrected table (CSV)"),
    "gc_download_xlsx": ("下载校正后的表（XLSX）", "Download corrected table (XLSX)"),
    "gc_use": ("用作覆盖分析的站点", "Use as stations for coverage"),
    "gc_use_how": ("与当前数据集合并的方式", "How they join the current dataset"),
    "gc_used": (
        "覆盖分析现在使用这张编码后的表（{how}）；覆盖分析页上方列出当前数据。",
        "The coverage analysis now uses this table ({how}); the coverage page lists the "
        "data in use.",
    ),
    "gc_all_rows": ("全部行", "All rows"),
}


_ZWSP = "\u200b"
# "://" and "www." as GFM's autolink literals see them
_AUTOLINK = re.compile(r"(?i)(:/|www\.)")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:^&=\"'])")


def plain(text: object) -> str:
    """Text a user gave (a file name, a header, a station name, an error quoting them) made
    inert for Streamlit's Markdown: every punctuation character is backslash-escaped, so
    ``[…](http://…)`` is no link, ``![…](…)`` no image, ``:red[…]`` no colour, ``$…$`` no
    formula and HTML is shown as text; and an invisible zero-width space is put into
    ``://``, ``www.`` and ``@``, which Streamlit's Markdown would otherwise turn into links
    on its own (GFM autolinks). The text reads the same on screen.

    Parameters
    ----------
    text
        Anything; ``None`` becomes ``""``.

    Returns
    -------
    str
    """
    if text is None:
        return ""
    value = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + _ZWSP + m.group(0)[-1], str(text))
    value = value.replace("@", "@" + _ZWSP)
    return _MARKDOWN.sub(r"\\\1", value)


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label ``key`` in language ``lang``.

    Parameters
    ----------
    key
        A key of :data:`TEXT`.
    lang
        ``zh`` or ``en``; anything else counts as Chinese.

    Returns
    -------
    str
    """
    zh, en = TEXT[key]
    return en if lang == "en" else zh


def demo_label(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name of a demo dataset as the app lists it; the generated city's with the counts
    of the scale the app opens (:func:`geo.demo_city.app_scale`).

    Parameters
    ----------
    name
        ``canglang``, ``helsinki`` or ``city``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    text = t(f"demo_{name}", lang)
    if name != "city":
        return text
    from geo.demo_city import app_scale, counts_for

    counts = counts_for(app_scale())
    return text.format(points=_count(counts["demand_points"], lang),
                       stations=f"{counts['stations']:,}")


def _count(n: int, lang: str) -> str:
    """``100,000`` in English; ``10 万`` in Chinese when a whole number of 万 (else
    ``12,345 个``)."""
    if lang != "en" and n >= 10_000 and n % 10_000 == 0:
        return f"{n // 10_000:,} 万"
    return f"{n:,} 个" if lang != "en" else f"{n:,}"


#: Geocoding services: key → (Chinese, English).
PROVIDER_LABELS: dict[str, tuple[str, str]] = {
    "demo": ("演示（离线录制的应答）", "Demo (offline recorded answers)"),
    "amap": ("高德地图", "Amap (高德)"),
    "baidu": ("百度地图", "Baidu Maps (百度)"),
    "tianditu": ("天地图", "Tianditu (天地图)"),
    "nominatim": ("Nominatim（OpenStreetMap）", "Nominatim (OpenStreetMap)"),
}

#: Siting solvers: key → (Chinese, English).
SOLVER_LABELS: dict[str, tuple[str, str]] = {
    "auto": ("自动", "automatic"),
    "exact": ("精确求解（整数规划）", "exact (integer programme)"),
    "greedy": ("贪心算法", "greedy"),
}


def siting_status(info: dict, lang: str = DEFAULT_LANGUAGE) -> str:
    """The siting result in one sentence, from ``SitingResult.summary()``'s fields.

    English is the library's own ``status`` (with its solver notes); Chinese is written
    from the structured fields, so that no English reaches the Chinese page.

    Parameters
    ----------
    info
        ``geo.siting.SitingResult.summary()``.
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    if lang == "en":
        return str(info["status"])
    n = len(info["selected"])
    proof = "已证明最优" if info["optimal"] else (
        f"近似解，与最优上界最多差 {info['gap']:.2%}" if info.get("gap") is not None
        else "近似解"
    )
    how = f"{pick(SOLVER_LABELS, str(info['solver']), 'zh')}，{proof}"
    if info["model"] == "lscp":
        target = float(info["target"])
        if info["baseline_coverage"] >= target - 1e-12:
            return f"现有站点已覆盖 {info['baseline_coverage']:.1%}，不低于目标 {target:.1%}"
        if not info["feasible"]:
            best = info["best_coverage"] or 0.0
            return (f"目标 {target:.1%} 达不到：全部候选点一起也只覆盖 {best:.1%}；"
                    f"下列 {n} 个站点即可达到该值（{how}）")
        return f"{n} 个新站点使覆盖率达到 {target:.1%}（{how}）"
    if n == 0:
        if info["baseline_covered_demand"] >= info["total_demand"]:
            return "无需新增：现有站点已覆盖全部需求"
        return "无需新增：没有候选点能覆盖现有站点未覆盖的需求"
    line = f"{n} 个新站点增加覆盖需求 {info['gain']:,.2f}"
    k = info.get("k")
    if k is not None and n < int(k):
        line += f"（要求 {k} 个；再加其他候选点已不增加覆盖）"
    return f"{line}（{how}）"


_STATUS_ZH = {"needs_review": "待审核", "failed": "失败", "unreachable": "无法连接"}


def _status_zh(status: str) -> str:
    """A geocoding status in Chinese (the review page's words for the rarer ones)."""
    if status in _STATUS_ZH:
        return _STATUS_ZH[status]
    from geo.geocode.review import STATUS_LABELS_ZH

    return STATUS_LABELS_ZH.get(status, status)


#: What the network's messages count, in Chinese.
_COUNTED_ZH = {"demand point": "个需求点", "grid cell": "个网格单元"}
#: A geocoding service as its messages name it, in Chinese.
_PROVIDER_ZH = {"Amap": "高德地图", "Baidu": "百度地图", "Tianditu": "天地图",
                "OpenStreetMap": "OpenStreetMap", "the provider": "地理编码服务"}
_NETWORK_STATE_ZH = {"off_network": "在路网外", "unreachable": "不可达"}

#: The bundled street networks as messages name them (``helsinki: …``), in Chinese.
_NETWORK_NAMES = {"helsinki": "赫尔辛基路网"}

#: What the readers and the analysis say about a row or an input, in Chinese: (pattern on
#: the English message, Chinese template or function). The first match wins; a message no
#: pattern knows is shown in English after a Chinese word that says so.
_MESSAGES_ZH: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"no coordinates \(the address can be geocoded first.*\)$"),
     "无坐标（地址可先在地址编码页编码）"),
    (re.compile(r"no coordinates$"), "无坐标"),
    (re.compile(r"no geometry.*$"), "无几何图形"),
    (re.compile(r"point at \(0, 0\).*$"), "坐标为 (0, 0)：空坐标被导出成了 0"),
    (re.compile(r"id '(.*)' is already used in (.+)$"), r"编号 '\1' 已在 \2 中使用"),
    (re.compile(r"geocoding result not trusted \((\w+)(?:, ([^)]*))?\).*$"),
     lambda m: "地址编码结果未确认（" + _status_zh(m[1])
     + (f"，{m[2]}" if m[2] else "") + "）：请在地址编码审核页核对后标为人工确认，或改正坐标"),
    (re.compile(r"station (.+) at \(([-\d.]+), ([-\d.]+)\) is ([\d,.]+) km from the study.*$"),
     r"站点 \1 位于 (\2, \3)，距研究范围 \4 km：坐标有误，还是别处的同名地点？"
     r"它在此不覆盖任何需求"),
    (re.compile(r"(.+) '(.*)' is not a number$"), r"\1 “\2” 不是数字"),
    (re.compile(r"(.+) (\S+) is larger than ([\d,]+) \(a weight counts .*\)$"),
     r"\1 \2 大于 \3（权重是该点的人数、骑手数或出行次数）"),
    (re.compile(r"(.+) (\S+) is negative$"), r"\1 \2 为负数"),
    (re.compile(r"(.+) '(.*)' is not a coordinate in degrees.*$"),
     r"\1 “\2” 不是以度表示的坐标（例如 120.6123 或 120°36′44″E）"),
    (re.compile(r"latitude and longitude look swapped: longitude (\S+), latitude ([^ ;(]+).*$"),
     r"经纬度疑似颠倒：经度 \1，纬度 \2；请交换两列（或两值）"),
    (re.compile(r"longitude (\S+) is outside -180\.\.180$"), r"经度 \1 超出 -180..180"),
    (re.compile(r"latitude (\S+) is outside -90\.\.90$"), r"纬度 \1 超出 -90..90"),
    (re.compile(r"\(([-\d.]+), ([-\d.]+)\) is far outside China, but its coordinate system is "
                r"(\w+).*$"),
     r"(\1, \2) 远在中国以外，但坐标系是仅在中国使用的 \3：请检查坐标或坐标系"),
    # the street network's rows (geo.network.coverage)
    (re.compile(r"(\d+) (demand point|grid cell)\(s\) \(demand ([^;]+); the first at this "
                r"row\) are nearer (\d+) piece\(s\) of the street network without a station "
                r".*: joined to those instead, the longer walk counted$"),
     lambda m: f"{m[1]} {_COUNTED_ZH[m[2]]}（需求 {m[3]}，第一个在此行）离 {m[4]} 块"
     "没有站点的小片路网（小区内部道路、在文件边缘截断的步道等）比离主路网或有站点的路网更近："
     "已接入这些小块，按较长的步行距离计算"),
    (re.compile(r"(\d+) (demand point|grid cell)\(s\) \(demand ([^)]+)\) are off network "
                r"\(farther than (\S+) m from any usable street\): counted as not covered$"),
     lambda m: f"{m[1]} {_COUNTED_ZH[m[2]]}（需求 {m[3]}）在路网外（距可通行的街道超过 "
     f"{m[4]} m）：计为未覆盖"),
    (re.compile(r"(\d+) (demand point|grid cell)\(s\) \(demand ([^)]+)\) are unreachable "
                r"\(.*\): counted as not covered$"),
     lambda m: f"{m[1]} {_COUNTED_ZH[m[2]]}（需求 {m[3]}）不可达（沿街道到不了任何站点："
     "所在的一块路网上没有站点，或只能逆着单行道走）：计为未覆盖"),
    (re.compile(r"'(.*)' off_network: ([\d,.]+) m from the nearest usable street"
                r"( \(only a small piece of the network without a station is nearer\))?$"),
     lambda m: f"“{m[1]}”在路网外：距最近的可通行街道 {m[2]} m"
     + ("（更近的只有一小块没有站点的路网）" if m[3] else "")),
    (re.compile(r"'(.*)' unreachable: its street \(([\d,.]+) m away\) has no station "
                r"reachable$"),
     r"“\1”不可达：所在街道（相距 \2 m）沿路网到不了任何站点"),
    (re.compile(r"… and (\d+) more (off_network|unreachable) (demand point|grid cell)\(s\) "
                r"from this row on$"),
     lambda m: f"……从此行起另有 {m[1]} {_COUNTED_ZH[m[3]]}{_NETWORK_STATE_ZH[m[2]]}"),
    (re.compile(r"station '(.*)' is ([\d,.]+) m from the nearest usable street \(snap limit "
                r"(\S+) m(; only a small piece of the network is nearer)?\): not used on the "
                r"street network$"),
     lambda m: f"站点“{m[1]}”距最近的可通行街道 {m[2]} m（吸附距离上限 {m[3]} m"
     + ("；更近的只有一小块路网" if m[4] else "") + "）：沿路网计算时不计入"),
    (re.compile(r"station '(.*)' is nearer a small piece of the street network \((\d+) nodes, "
                r"fewer than (\d+) nodes\) than any main street: joined to the main network "
                r"([\d,.]+) m away$"),
     r"站点“\1”离一小块路网（\2 个节点，不足 \3 个）比离任何主要街道更近：已接入 \4 m 外的主路网"),
    # the geocoder's reasons (geo.geocode), in the geocoding page's table
    (re.compile(r"precision '(.*)' is coarser than an address$"), r"精度“\1”不到门牌地址"),
    (re.compile(r"the answer \((.*)\) is not in (.+)$"), r"编码结果（\1）不在\2"),
    (re.compile(r"the answer is outside (.+?): ([\d,.]+) km from its districts \(([\d,.]+) km "
                r"allowed\), near (.+): a place of the same name in another city\?$"),
     r"编码结果在\1以外：距其辖区 \2 km（允许 \3 km），靠近\4：是其他城市的同名地点吗？"),
    (re.compile(r"([\d,.]+) km from the other answers \(median ([-\d.]+), ([-\d.]+)\): a place "
                r"of the same name elsewhere\?$"),
     r"距其他编码结果的中位点（\2, \3）\1 km：是别处的同名地点吗？"),
    (re.compile(r"^outside the study area$"), "在研究范围以外"),
    (re.compile(r"^(Amap|Baidu|Tianditu|OpenStreetMap|the provider) has no place for this "
                r"address(?: \((.*)\))?$"),
     lambda m: f"{_PROVIDER_ZH[m[1]]}没有找到这个地址" + (f"（{m[2]}）" if m[2] else "")),
    (re.compile(r"^no address in this row$"), "此行没有地址"),
    # what a workbook, an empty file or a geodata file's coordinate system brings (geo.io)
    (re.compile(r"the first visible sheet '(.*)' is read; the hidden sheet\(s\) (.*) before it "
                r"are not \(give --sheet (.*) to read one\)$"),
     r"读取第一个可见工作表“\1”；其前的隐藏工作表 \2 未读取"
     r"（如需读取，请在 Excel 中取消隐藏并移到最前）"),
    (re.compile(r"sheet '(.*)' is hidden in the workbook; it is read because it was asked for$"),
     r"工作表“\1”在工作簿中是隐藏的；按指定读取"),
    (re.compile(r"cells (\S+) are merged: their value '(.*)' is used for rows (\d+)–(\d+) of "
                r"column '(.*?)'(; the other column.*stay blank)? \(unmerge.*\)$"),
     lambda m: f"单元格 {m[1]} 已合并：其值“{m[2]}”用于“{m[5]}”列第 {m[3]}–{m[4]} 行"
     + ("，合并区域的其他列为空" if m[6] else "") + "（请在 Excel 中取消合并后核对）"),
    (re.compile(r"cells (\S+) are merged: their value '(.*)' is in row (\d+) of column '(.*?)'"
                r".*\(unmerge.*\)$"),
     r"单元格 \1 已合并：其值“\2”只在第 \3 行的“\4”列，合并区域的其他列为空"
     r"（请在 Excel 中取消合并后核对）"),
    (re.compile(r"… and (\d+) more merged blocks filled the same way \((.*)\)$"),
     r"……另有 \1 处合并单元格同样处理（\2）"),
    (re.compile(r"no stations: the file has no rows below its header.*$"),
     "无站点：文件只有表头、没有数据行（导出有误，还是选错了文件？）"),
    (re.compile(r"no demand: the file has no rows below its header.*$"),
     "无需求点：文件只有表头、没有数据行（导出有误，还是选错了文件？）"),
    (re.compile(r"the file's \"crs\" member names '(.*)', a coordinate system geo does not "
                r"know; .*$"),
     r"文件的 crs 声明“\1”不是已知坐标系；坐标看似经纬度，按经纬度读取："
     r"请导出为 WGS-84（EPSG:4326）以确认"),
    (re.compile(r"(?:^(\S+): )?the street network does not cover the data: (.+) lie outside "
                r"it \(network ([^;]+); data ([^)]+)\)\..*$"),
     lambda m: (f"{_NETWORK_NAMES.get(m[1], m[1])}：" if m[1] else "") + "路网不覆盖数据："
     + m[2].replace(" of ", " / ").replace("stations", "个站点")
     .replace("demand points", "个需求点").replace(" and ", "、") + " 在路网范围以外（路网 "
     + m[3] + "；数据 " + m[4] + "）。请改用覆盖研究区域的路网文件"
     "（可从全国或全省的 OSM PBF 文件中截取研究区域）。"),
)


#: The command line's options as the app calls them (its widgets, the server's settings).
_APP_OPTIONS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("(or raise the limit: --max-memory, GEO_MAX_MEMORY)",
     ("（或由管理员提高服务器的 GEO_APP_MAX_MEMORY）",
      "(or ask the administrator to raise the server's GEO_APP_MAX_MEMORY)")),
    ("--cell-shape square", ("单元形状“正方形”", "cell shape 'square'")),
    ("a larger --cell", ("更大的“网格单元”大小", "a larger cell size")),
    ("a smaller --area", ("更小的研究范围文件", "a smaller study area file")),
    ("--demand points", ("需求点文件", "a demand points file")),
    ("Without --area", ("没有研究范围文件时", "Without a study area file")),
    ("--area", ("研究范围文件", "a study area file")),
    ("--cell", ("“网格单元”大小", "the cell size")),
)

_BUDGET = re.compile(
    r"(?P<what>.+?) would need about (?P<need>[\d.,]+ \w+) of memory, more than the "
    r"(?P<allowed>[\d.,]+ \w+) allowed(?: \(80 % of the (?P<free>[\d.,]+ \w+) this machine has "
    r"available now\))?(?:; (?P<hint>.*?))? ?(?P<limit>（或由管理员.*）)?$"
)
_AREA_CELLS = re.compile(r"the study area \(([\d.,]+) km²\) at ([\d.]+) m cells \(([\d,]+) cells\)")
_LARGER = re.compile(r"use (?:a larger|更大的)“网格单元”大小 \(([\d.]+) m fits\)")


def _budget_zh(m: re.Match[str]) -> str:
    what = _AREA_CELLS.sub(r"研究范围（\1 km²）按 \2 m 单元划分（\3 个单元）", m["what"])
    text = f"{what} 约需 {m['need']} 内存，超过允许的 {m['allowed']}"
    if m["free"]:
        text += f"（本机当前可用 {m['free']} 的 80%）"
    if m["hint"]:
        hint = _LARGER.sub(r"请用更大的“网格单元”大小（\1 m 可行）", m["hint"])
        hint = hint.replace(", 更小的研究范围文件 or 需求点文件",
                            "、更小的研究范围文件或需求点文件")
        hint = re.sub(r"\. 没有研究范围文件时.*$", "。没有研究范围文件时，研究范围取站点的范围："
                      "请检查是否有远离其他站点的站点（坐标有误或同音异地）。", hint)
        text += f"；{hint}"
    return text + (m["limit"] or "")


def message_text(message: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A reader's or the analysis' message (a rejected row's reason, an error) in ``lang``.

    The library writes its messages in English (the command line's language) and names
    command-line options; the app names its own widgets and settings instead
    (:data:`_APP_OPTIONS`, both languages), and its Chinese page shows the frequent
    messages in Chinese (:data:`_MESSAGES_ZH`, memory budgets), any other in English after
    ``（英文原文）``.

    Parameters
    ----------
    message
        The English message (``Rejected.reason``, ``str(exc)``).
    lang
        ``zh`` or ``en``.

    Returns
    -------
    str
    """
    text = "" if message is None else str(message)
    for flag, words in _APP_OPTIONS:  # the app has widgets, not command-line options
        text = text.replace(flag, words[1] if lang == "en" else words[0])
    if lang == "en" or not text:
        return text
    m = _BUDGET.search(text)
    if m:
        return text[: m.start()] + _budget_zh(m)
    for pattern, zh in _MESSAGES_ZH:
        m = pattern.search(text)
        if m:
            head = text[: m.start()]
            body = zh(m) if callable(zh) else m.expand(zh)
            return f"{head}{body}"
    return f"（英文原文）{text}"
