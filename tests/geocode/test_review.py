"""The review loop (``geo.geocode.review``): rows to check, manual fixes, the review map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _helpers.geocode import _reference

import geo
from geo.crs import wgs84_to_gcj02
from geo.errors import InputError
from geo.geocode import summarize
from geo.geocode.review import apply_fix, needs_review, points_wgs84, review_map, review_rows
from geo.io import write_table


def test_demo_review_rows_say_why(demo_table):
    rows = review_rows(demo_table, crs="gcj02")
    assert rows["status"].tolist() == ["needs_review", "needs_review", "not_found", "failed"]
    # spreadsheet rows: a title row and the header come first, so the first station is row 3
    first = demo_table.index[demo_table["编号"] == "CL07"][0]
    assert rows.loc[first, "row"] == first + 3
    assert rows.loc[first, "level"] == "道路"
    assert set(rows["status_zh"]) == {"待核实", "未找到", "失败"}
    assert rows[rows["status"] == "not_found"]["lon"].isna().all()
    assert needs_review(demo_table).sum() == 4


def test_apply_fix_from_a_gcj02_click_is_stored_in_wgs84_as_manual(demo_table):
    ref = _reference()
    pos = int(np.flatnonzero(demo_table["编号"] == "CL07")[0])
    g_lon, g_lat = wgs84_to_gcj02(ref.loc["CL07"].geometry.x, ref.loc["CL07"].geometry.y)
    fixed = apply_fix(demo_table, pos, float(g_lon), float(g_lat), datum="gcj02")
    assert fixed.loc[pos, "geocode_status"] == "manual"
    assert abs(fixed.loc[pos, "lon"] - ref.loc["CL07"].geometry.x) < 1e-6
    assert abs(fixed.loc[pos, "lat"] - ref.loc["CL07"].geometry.y) < 1e-6
    assert fixed.loc[pos, "坐标系"] == "wgs84"  # the table's own system column
    # nothing else changed, the original is untouched
    other = fixed.index != pos
    pd.testing.assert_frame_equal(fixed[other], demo_table[other], check_dtype=False)
    assert demo_table.loc[pos, "geocode_status"] == "needs_review"
    assert summarize(fixed)["manual"] == 1 and needs_review(fixed).sum() == 3


def test_fixing_a_row_without_any_point_fills_it_and_it_reads_back(demo_table, tmp_path):
    fixed = demo_table
    for sid in ("CL07", "CL19", "CL23", "CL45"):
        pos = int(np.flatnonzero(fixed["编号"] == sid)[0])
        p = _reference().loc[sid].geometry
        fixed = apply_fix(fixed, pos, p.x, p.y)  # typed in WGS-84
    assert needs_review(fixed).sum() == 0
    out = tmp_path / "fixed.xlsx"
    write_table(fixed, out)
    back = geo.read_stations(out, crs="gcj02")
    assert len(back) == 46 and not back.attrs["rejected"]
    ref = _reference().loc[back["id"]]
    assert np.abs(back.geometry.x.to_numpy() - ref.geometry.x.to_numpy()).max() < 1e-8


@pytest.mark.parametrize(("pos", "lon", "lat"), [(99, 120.6, 31.3), (0, 200.0, 31.3),
                                                 (0, float("nan"), 31.3)])
def test_apply_fix_rejects_bad_input(demo_table, pos, lon, lat):
    with pytest.raises(InputError):
        apply_fix(demo_table, pos, lon, lat)


def test_review_needs_a_geocoded_table():
    with pytest.raises(InputError, match="not been geocoded"):
        review_rows(pd.DataFrame({"地址": ["x"]}))


def test_review_map_escapes_names_and_draws_in_the_basemap_datum(demo_table):
    t = demo_table.copy()
    t.loc[0, "名称"] = '<script>alert("x")</script>'
    html = review_map(t, crs="gcj02", selected=6, tiles="amap").get_root().render()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "正在校正" in html
    lon, lat = points_wgs84(t, crs="gcj02")
    g_lon, g_lat = wgs84_to_gcj02(lon[2], lat[2])
    assert f"{g_lat:.6f}"[:8] in html and f"{g_lon:.6f}"[:9] in html


def test_explicit_systems_make_the_table_independent_of_crs(demo_table, tmp_path):
    from geo.geocode.review import explicit_systems

    table = explicit_systems(demo_table, "gcj02")
    assert set(table["坐标系"]) == {"gcj02", "wgs84"}
    out = tmp_path / "t.csv"
    write_table(table, out)
    a = geo.read_stations(out, crs="wgs84")
    b = geo.read_stations(out, crs="gcj02")
    assert np.array_equal(a.geometry.x.to_numpy(), b.geometry.x.to_numpy())
    assert demo_table.loc[0, "坐标系"] == "gcj02"  # the original is untouched


@pytest.mark.parametrize("name", ["{% raw %} 站", "{{ 7*7 }} 站", "{# 注 #} 站", "${alert(1)} 站"])
def test_review_map_names_are_not_read_as_templates(demo_table, name):
    # folium renders a tooltip's script and branca reads it as a Jinja template again:
    # '{% raw %}' made the page fail, '{{ 7*7 }}' showed 49; '${...}' would run in the
    # tooltip's JavaScript template literal
    from html import unescape

    t = demo_table.copy()
    t.loc[0, "名称"] = name
    page = review_map(t, crs="gcj02", selected=0).get_root().render()
    assert name not in page and "49 站" not in page and "${alert" not in page
    assert name in unescape(page)  # shown as typed
