"""The one-page summary (``geo.report.summary``): largest gaps, assumptions, a date if given."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from geo.report import pack


def test_summary_names_the_three_largest_gaps_and_the_assumptions(demo_pack, cli_json):
    _, out = demo_pack
    md = (out / "summary.md").read_text(encoding="utf-8")
    for gap in cli_json["gaps"][:3]:
        assert f"{gap['lon']:.6f}, {gap['lat']:.6f}（WGS-84）" in md
        assert gap["grid"] in md
    assert "4.8 km/h" in md and "15 分钟" in md and "绕行系数 1.3" in md
    assert "data/canglang/stations.csv" in md
    assert "分析日期" not in md  # no date unless asked for


def test_a_date_is_printed_only_when_given(demo):
    from geo.report import summary, workbook

    def text(date):
        blocks = summary.summary_blocks(demo, title="t", date=date)
        return summary.render_markdown(blocks)

    assert "分析日期" not in text(None)
    assert "分析日期：2025-03-01" in text("2025-03-01")
    assert pack._date_text(None, stamp=False) is None
    assert pack._date_text(None, stamp=True) == dt.date.today().isoformat()
    dated = workbook.workbook_bytes(demo, title="t", date="2025-03-01")
    core = zipfile.ZipFile(io.BytesIO(dated)).read("docProps/core.xml").decode("utf-8")
    assert "2025-03-01T00:00:00Z" in core
    plain = workbook.workbook_bytes(demo, title="t")
    core = zipfile.ZipFile(io.BytesIO(plain)).read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z" in core and plain == workbook.workbook_bytes(demo, title="t")
