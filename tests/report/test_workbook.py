"""``report.xlsx`` (``geo.report.workbook``): sheets, headers, and the numbers of the JSON."""

from __future__ import annotations

import json
import re

import numpy as np
import openpyxl
from _helpers.report import FILES, INPUTS
from typer.testing import CliRunner

from geo import crs as crsmod
from geo.cli import app


def by_path(obj, key: str):
    """``a.b.0.c`` or ``len(x)`` into a JSON object."""
    if key.startswith("len(") and key.endswith(")"):
        return len(by_path(obj, key[4:-1]))
    for part in key.split("."):
        obj = obj[int(part)] if part.isdigit() else obj[part]
    return obj


def test_workbook_sheets_headers_and_frozen_rows(demo_pack):
    _, out = demo_pack
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert wb.sheetnames == ["摘要", "网格", "缺口", "站点", "问题数据", "覆盖曲线"]
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb}
    assert headers["摘要"] == ["项目", "值", "说明", "JSON 键"]
    assert headers["网格"][:5] == ["网格", "覆盖率", "需求", "已覆盖需求", "未覆盖需求"]
    assert headers["缺口"][:9] == ["排名", "需求", "面积 (m²)", "单元数", "网格", "经度 (WGS-84)",
                                  "纬度 (WGS-84)", "经度 (GCJ-02)", "纬度 (GCJ-02)"]
    assert {"编号", "名称", "独有覆盖需求", "已覆盖需求", "经度 (GCJ-02)"} <= set(headers["站点"])
    assert headers["问题数据"] == ["类别", "文件", "行", "列", "原因"]
    assert headers["覆盖曲线"] == ["分钟", "全部站点", "有充电", "23:00 开放"]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.bold
        assert all(ws.column_dimensions[c].width >= 8 for c in "ABC"), ws.title
    gaps = list(wb["缺口"].iter_rows(min_row=2, values_only=True))
    lon, lat, glon, glat = (np.array([r[i] for r in gaps], dtype=float) for i in (5, 6, 7, 8))
    want_lon, want_lat = crsmod.wgs84_to_gcj02(lon, lat)
    np.testing.assert_allclose(glon, want_lon, atol=2e-6)
    np.testing.assert_allclose(glat, want_lat, atol=2e-6)
    assert wb["摘要"]["B2"].value == "15分钟服务圈覆盖报告"


def test_workbook_and_summary_numbers_equal_geo_check_json(demo_pack, cli_json):
    _, out = demo_pack
    # the pack's coverage.json is what `geo check --json` prints, byte for byte
    args = ["check", *FILES, *(f"--{k}={v}" for k, v in INPUTS.items()), "--json"]
    assert (out / "coverage.json").read_text(encoding="utf-8") == CliRunner().invoke(
        app, args).stdout
    wb = openpyxl.load_workbook(out / "report.xlsx")
    keyed = [(r[1], r[3]) for r in wb["摘要"].iter_rows(min_row=2, values_only=True) if r[3]]
    assert len(keyed) > 20
    for value, key in keyed:
        assert value == by_path(cli_json, key), key
    grids = [dict(zip(["grid", "coverage", "demand", "covered_demand", "uncovered_demand",
                       "points", "stations", "gaps"], row, strict=True))
             for row in wb["网格"].iter_rows(min_row=2, values_only=True)]
    assert grids == cli_json["grids"]
    gaps = list(wb["缺口"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in gaps] == [
        (g["rank"], g["demand"], g["area_m2"], g["cells"], g["grid"], g["lon"], g["lat"])
        for g in cli_json["gaps"]
    ]
    # the summary's numbers carry their JSON key and value
    html = (out / "summary.html").read_text(encoding="utf-8")
    pairs = re.findall(r'data-key="([^"]+)" data-value="([^"]+)"', html)
    assert {k for k, _ in pairs} >= {"coverage", "total_demand", "uncovered_demand", "len(gaps)",
                                     "gaps.0.demand", "bands.0.share"}
    for key, value in pairs:
        assert json.loads(value.replace("&quot;", '"')) == by_path(cli_json, key), key
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert f"覆盖率 {cli_json['coverage'] * 100:.1f}%" in md
    assert "示意数据" in md and md.count("**缺口 ") == 3
