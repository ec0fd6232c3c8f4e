"""Geocoding a table (``geo.geocode.run``): statuses, retries, stops, resumes, no row dropped.

Fully offline: a local HTTP server answers as the providers document
(``tests/_helpers/geocode.py``), or the demo provider's recorded answers.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers.geocode import ENV, FAST, WRONG, _reference, table

import geo
from geo.crs import gcj02_to_wgs84
from geo.geocode import KeyMissingError, geocode_table, summarize
from geo.geocode.review import points_wgs84
from geo.io import write_table


def test_district_level_and_other_city_need_review(env):
    env()
    out = geocode_table(table("姑苏区", "西湖边1号"), provider="amap", city="苏州市",
                        cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["needs_review", "needs_review"]
    assert out["geocode_level"].tolist() == ["区县", "门牌号"]


def test_results_outside_the_study_area_need_review(env):
    env()
    w1 = gcj02_to_wgs84(120.62, 31.30)
    area = shapely.Point(w1).buffer(0.0005)  # holds 人民路1号 only
    out = geocode_table(table("人民路1号", "人民路2号"), provider="amap", city="苏州市",
                        cache=False, area=area, **FAST)
    assert out["geocode_status"].tolist() == ["ok", "needs_review"]


@pytest.mark.parametrize(("provider", "address"), [
    ("amap", "忙碌路2号"), ("amap", "故障路3号"), ("baidu", "忙碌路2号"), ("baidu", "故障路3号"),
    ("nominatim", "忙碌路2号"),
])
def test_too_frequent_and_server_errors_are_retried(env, provider, address):
    fake = env()
    out = geocode_table(table(address), provider=provider, city="苏州市", cache=False, **FAST)
    assert out.loc[0, "geocode_status"] == "ok"
    assert fake.count() == 2


def test_retries_give_up_with_the_status(env):
    fake = env()
    fake.answers["amap"]["忙碌路2号"] = fake.answers["amap"]["忙碌路2号"][:1]
    out = geocode_table(table("忙碌路2号"), provider="amap", city="苏州市", cache=False,
                        retries=2, **FAST)
    assert out.loc[0, "geocode_status"] == "too_frequent"
    assert fake.count() == 3


def test_timeout_is_retried_then_reported(env):
    fake = env()
    start = time.monotonic()
    out = geocode_table(table("慢路4号", "人民路1号"), provider="amap", city="苏州市",
                        cache=False, rate=0, backoff=0.0, timeout=0.2, retries=1)
    assert out["geocode_status"].tolist() == ["timeout", "ok"]
    assert fake.count() == 3
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu"])
def test_bad_key_stops_the_run(env, monkeypatch, provider, tmp_path):
    fake = env()
    monkeypatch.setenv(ENV[provider], WRONG)
    out = geocode_table(table("人民路1号", "人民路2号", "人民路"), provider=provider,
                        city="苏州市", cache=tmp_path / "c", **FAST)
    assert out["geocode_status"].tolist() == ["bad_key"] * 3
    assert out.attrs["geocode_stopped"] == "bad_key"
    assert fake.count() == 1  # the rest is not asked
    assert WRONG not in out.attrs["geocode_message"]
    assert WRONG not in (tmp_path / "c" / "geocode.sqlite").read_bytes().decode("latin-1")


def test_missing_key_is_an_error_before_any_request(env, monkeypatch):
    fake = env()
    monkeypatch.delenv("AMAP_KEY")
    with pytest.raises(KeyMissingError, match="AMAP_KEY"):
        geocode_table(table("人民路1号"), provider="amap", cache=False)
    assert fake.count() == 0


def test_quota_stops_and_a_later_run_resumes(env, tmp_path):
    addresses = ("人民路1号", "人民路2号", "人民路3号", "人民路", "不存在的地方")
    first = env(quota_after=2)
    out = geocode_table(table(*addresses), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    assert out["geocode_status"].tolist() == ["ok", "ok", "quota", "quota", "quota"]
    assert out.attrs["geocode_stopped"] == "quota"
    assert first.count() == 3
    second = env()  # a fresh day: new server, same cache
    out = geocode_table(table(*addresses), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    assert out["geocode_status"].tolist() == ["ok", "ok", "ok", "needs_review", "not_found"]
    assert [r[1] for r in second.requests] == ["人民路3号", "人民路", "不存在的地方"]
    third = env()
    again = geocode_table(table(*addresses), provider="amap", city="苏州市",
                          cache=tmp_path / "c", **FAST)
    assert third.count() == 0
    pd.testing.assert_frame_equal(again, out)


def test_given_coordinates_are_kept_and_no_row_is_dropped(env):
    fake = env()
    df = table("人民路1号", "人民路2号", "", "人民路1号",
               经度=[120.1, None, None, np.nan], 纬度=[31.1, None, None, np.nan],
               坐标系=["gcj02", "gcj02", "gcj02", "gcj02"])
    out = geocode_table(df, provider="amap", city="苏州市", cache=False, **FAST)
    assert len(out) == 4 and out["名称"].tolist() == df["名称"].tolist()
    assert out["geocode_status"].tolist() == ["given", "ok", "failed", "ok"]
    assert out.loc[0, "经度"] == 120.1 and out.loc[0, "纬度"] == 31.1
    assert out["坐标系"].tolist() == ["gcj02", "wgs84", "gcj02", "wgs84"]
    assert "lon" not in out.columns  # written into the table's own coordinate columns
    assert out.loc[0, "geocode_provider"] == ""
    assert fake.count() == 2


def test_address_column_option_and_missing_column(env, tmp_path):
    env()
    df = pd.DataFrame({"where": ["人民路1号"]})
    out = geocode_table(df, provider="amap", city="苏州市", address_column="where",
                        cache=False, **FAST)
    assert out.loc[0, "geocode_status"] == "ok"
    from geo.errors import InputError

    with pytest.raises(InputError, match="address"):
        geocode_table(df, provider="amap", cache=False, **FAST)


def test_missing_addresses_of_any_kind_fail_without_a_request(env):
    fake = env()
    df = pd.DataFrame({"地址": pd.array(["人民路1号", pd.NA, "  "], dtype="string[python]")})
    out = geocode_table(df, provider="amap", city="苏州市", cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["ok", "failed", "failed"]
    assert fake.count() == 1


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


def _slow(fake, *addresses: str) -> None:
    """Script ``addresses`` to answer (ok) only after 1 s: a timeout at timeout=0.2."""
    fine = fake.answers["amap"]["人民路1号"][0]
    for address in addresses:
        fake.answers["amap"][address] = [{**fine, "delay": 1.0}]


def test_a_single_slow_answer_stays_a_row_timeout(env):
    """Slow rows between answered ones: each is a timeout with its full tries, the run goes
    on; after a row whose tries all timed out, the next row gets one try."""
    fake = env()
    _slow(fake, "慢1号", "慢2号", "慢3号", "慢4号")
    out = geocode_table(table("慢1号", "人民路1号", "慢2号", "慢3号", "人民路2号", "慢4号"),
                        provider="amap", city="苏州市", cache=False, rate=0, backoff=0.0,
                        timeout=0.2, retries=1)
    assert out["geocode_status"].tolist() == ["timeout", "ok", "timeout", "timeout", "ok",
                                              "timeout"]
    assert out.attrs["geocode_stopped"] is None
    tries = [r[1] for r in fake.requests]
    # 慢3号 follows a row that timed out on both tries: one try (it had two before)
    assert [tries.count(a) for a in ("慢1号", "慢2号", "慢3号", "慢4号")] == [2, 2, 1, 2]


def test_a_run_stopped_by_timeouts_resumes_from_the_cache(env, tmp_path):
    addresses = ("人民路1号", "人民路2号", "慢1号", "慢2号", "慢3号", "人民路3号")
    first = env()
    _slow(first, "慢1号", "慢2号", "慢3号")
    out = geocode_table(table(*addresses), provider="amap", city="苏州市",
                        cache=tmp_path / "c", rate=0, backoff=0.0, timeout=0.2, retries=1)
    assert out.attrs["geocode_stopped"] == "timeout"
    assert out["geocode_status"].tolist() == ["ok", "ok"] + ["timeout"] * 4
    assert out.loc[5, "geocode_message"].startswith("not asked")
    assert [r[1] for r in first.requests] == ["人民路1号", "人民路2号", "慢1号", "慢1号", "慢2号",
                                              "慢3号"]
    second = env()  # the service is back: only the rows without an answer are asked
    fine = second.answers["amap"]["人民路1号"]
    for address in ("慢1号", "慢2号", "慢3号"):
        second.answers["amap"][address] = fine
    out = geocode_table(table(*addresses), provider="amap", city="苏州市",
                        cache=tmp_path / "c", rate=0, backoff=0.0, timeout=0.2, retries=1)
    assert out.attrs["geocode_stopped"] is None
    assert out["geocode_status"].tolist() == ["ok"] * 6
    assert [r[1] for r in second.requests] == ["慢1号", "慢2号", "慢3号", "人民路3号"]


def test_a_service_failing_on_every_row_stops_after_three(env):
    """HTTP 5xx on every row: the first row gets its tries, the next ones one each, and the
    third in a row stops the run (before: every row its retries and back-off, ~2 hours for
    1,000 rows); rows after it say they were not asked; an answered row resets the count."""
    fake = env()
    failing = [{"http": 503, "body": "Service Unavailable"}]
    for address in ("坏1号", "坏2号", "坏3号", "坏4号", "坏5号"):
        fake.answers["amap"][address] = failing
    out = geocode_table(table("坏1号", "人民路1号", "坏2号", "坏3号", "坏4号", "坏5号"),
                        provider="amap", city="苏州市", cache=False, rate=0, backoff=0.0,
                        retries=2)
    assert out.attrs["geocode_stopped"] == "server_error"
    assert out["geocode_status"].tolist() == ["server_error", "ok"] + ["server_error"] * 4
    assert out.loc[5, "geocode_message"].startswith("not asked")
    assert "3 addresses in a row got a server error" in out.attrs["geocode_message"]
    tries = [r[1] for r in fake.requests]
    counts = [tries.count(a) for a in ("坏1号", "坏2号", "坏3号", "坏4号", "坏5号")]
    assert counts == [3, 3, 1, 1, 0]
