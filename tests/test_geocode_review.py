"""The offline demo provider, combined 经纬度 cells, and the review loop (manual fixes)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import geo
from geo.cli import app
from geo.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.errors import InputError
from geo.geocode import geocode_table, summarize
from geo.geocode.providers import DEMO_ANSWERS, PROVIDERS, Recorded
from geo.geocode.review import apply_fix, needs_review, points_wgs84, review_map, review_rows
from geo.io import write_table

ROOT = Path(__file__).resolve().parent.parent
ADDRESSES = ROOT / "data" / "canglang" / "stations_addresses.xlsx"
STATIONS = ROOT / "data" / "canglang" / "stations.csv"


@pytest.fixture(autouse=True)
def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("AMAP_KEY", "BAIDU_AK", "TIANDITU_TK"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def demo_table() -> pd.DataFrame:
    return geocode_table(ADDRESSES, provider="demo", city="苏州市", cache=False, rate=0)


def _reference() -> pd.DataFrame:
    ref = geo.read_stations(STATIONS, crs="gcj02")
    return ref.set_index("id")


# --- the demo's recorded answers -----------------------------------------------------------------


def test_demo_address_list_geocodes_offline_to_the_demo_coordinates(demo_table, tmp_path):
    counts = summarize(demo_table)
    assert counts == {"rows": 46, "given": 2, "ok": 40, "manual": 0, "needs_review": 2,
                      "failed": 2}
    out = tmp_path / "geocoded.csv"
    write_table(demo_table, out)
    back = geo.read_stations(out, crs="gcj02")  # given rows are GCJ-02, geocoded ones say wgs84
    ref = _reference().loc[back["id"]]
    dist = np.hypot(back.geometry.x.to_numpy() - ref.geometry.x.to_numpy(),
                    back.geometry.y.to_numpy() - ref.geometry.y.to_numpy())
    assert len(back) == 42 and dist.max() < 1e-8  # the demo's own coordinates, to < 1 mm
    # rows needing review are not used until fixed, rows without a point cannot be: all
    # four are listed (file, row, column, why), none silently dropped
    rejected = {r.row: r for r in back.attrs["rejected"]}
    assert sorted(rejected) == [8, 20, 24, 46]
    assert rejected[8].column == "geocode_status" and "道路" in rejected[8].reason
    assert "needs_review" in rejected[20].reason


def test_demo_answers_are_amap_format_converted_from_gcj02(demo_table):
    ref = _reference()
    row = demo_table.index[demo_table["编号"] == "CL03"][0]
    gcj = ref.loc["CL03"]
    assert demo_table.loc[row, "geocode_provider"] == "demo"
    assert demo_table.loc[row, "geocode_level"] in ("门牌号", "兴趣点")
    # the WGS-84 output, shifted back to GCJ-02, is the answer's location
    lon, lat = wgs84_to_gcj02(demo_table.loc[row, "lon"], demo_table.loc[row, "lat"])
    answers = json.loads(DEMO_ANSWERS.read_text(encoding="utf-8"))["answers"]
    loc = answers[demo_table.loc[row, "地址"]]["geocodes"][0]["location"]
    assert abs(lon - float(loc.split(",")[0])) < 1e-6 and abs(lat - float(loc.split(",")[1])) < 1e-6
    assert abs(demo_table.loc[row, "lon"] - gcj.geometry.x) < 1e-9


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


def test_recorded_provider_unknown_address_and_bad_file(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": {}}), encoding="utf-8")
    prov = Recorded("rec", None, "GEO_REC_URL", "", "gcj02", 0.0, path=str(path))
    out = geocode_table(pd.DataFrame({"地址": ["哪里都不是"]}), provider=prov, cache=False)
    assert out["geocode_status"].tolist() == ["not_found"]
    bad = tmp_path / "bad.json"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(geo.GeoError, match="not JSON"):
        geocode_table(pd.DataFrame({"地址": ["x"]}), cache=False,
                      provider=Recorded("rec2", None, "X", "", "gcj02", 0.0, path=str(bad)))
    assert PROVIDERS["demo"].key() is None  # no key needed offline


def test_cli_demo_provider_writes_excel_and_exits_1_for_review_rows(tmp_path):
    out = tmp_path / "geocoded.xlsx"
    res = CliRunner().invoke(app, ["geocode", str(ADDRESSES), "-o", str(out), "--provider",
                                   "demo", "--city", "苏州市"])
    assert res.exit_code == 1, res.output
    assert "ok 40, given 2, manual 0, needs_review 2, failed 2" in res.output
    back = pd.read_excel(out)
    assert len(back) == 46 and "geocode_status" in back.columns


# --- rows with coordinates, progress, key -------------------------------------------------------


def test_combined_lnglat_cells_count_as_given():
    df = pd.DataFrame({"名称": ["甲", "乙"], "地址": ["苏州市姑苏区澄波路212号", "无"],
                       "经纬度": ["120.628344,31.291726", "120.633080，31.295972"]})
    out = geocode_table(df, provider="demo", cache=False)
    assert out["geocode_status"].tolist() == ["given", "given"]
    assert out["geocode_provider"].tolist() == ["", ""]


def test_geocoded_rows_get_a_wgs84_system_when_others_use_the_files():
    df = pd.DataFrame({"名称": ["甲", "乙"], "地址": ["x", "苏州市姑苏区云帆路48号"],
                       "经度": [120.628344, None], "纬度": [31.291726, None]})
    out = geocode_table(df, provider="demo", cache=False)
    assert out["coord_system"].tolist() == ["", "wgs84"]
    lon, lat = points_wgs84(out, crs="gcj02")
    w_lon, w_lat = gcj02_to_wgs84(120.628344, 31.291726)
    assert abs(lon[0] - w_lon) < 1e-12 and abs(lat[0] - w_lat) < 1e-12
    assert lon[1] == out.loc[1, "经度"]  # geocoded rows are WGS-84 already, in the same columns


def test_progress_is_reported_per_row():
    calls: list[tuple[int, int]] = []
    df = pd.DataFrame({"地址": ["苏州市姑苏区云帆路48号", "", "不存在"]})
    geocode_table(df, provider="demo", cache=False, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_a_key_given_to_the_api_replaces_the_environment(monkeypatch):
    seen: list[str | None] = []

    def fake_request(prov, address, city, key, *, timeout):
        seen.append(key)
        from geo.geocode.providers import Answer
        return Answer("not_found")

    monkeypatch.setattr("geo.geocode.run.request", fake_request)
    out = geocode_table(pd.DataFrame({"地址": ["x"]}), provider="amap", key=" typed-key ",
                        cache=False, rate=0)
    assert seen == ["typed-key"] and out["geocode_status"].tolist() == ["not_found"]
    assert "typed-key" not in out.to_csv()


# --- manual fixes -------------------------------------------------------------------------------


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


def test_an_uploaded_list_is_geocoded_and_named_as_uploaded() -> None:
    from geo import planner

    good = "名称,地址\r\n甲,苏州市姑苏区云帆路48号\r\n".encode("utf-8-sig")
    table = planner.geocode_upload("上传/站点.csv", good, provider="demo", cache=False)
    assert table.attrs["source"] == "站点.csv" and table["geocode_status"].tolist() == ["ok"]
    bad = "名称,备注\r\n甲,无\r\n".encode("utf-8-sig")
    with pytest.raises(InputError) as err:
        planner.geocode_upload("站点.csv", bad, provider="demo", cache=False)
    assert err.value.file == "站点.csv" and "geo-upload-" not in str(err.value)
    assert "address" in str(err.value)
