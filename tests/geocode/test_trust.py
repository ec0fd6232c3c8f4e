"""What a geocoding run trusts (issue 18): impossible places, far answers, the providers'
documented status tables, an unreachable provider, and why each row is not ok."""

from __future__ import annotations

import copy
import time

import pytest
from _helpers.geocode import FAST, KEY, table
from typer.testing import CliRunner

from geo.cli import app
from geo.geocode import failure_causes, geocode_table
from geo.geocode.cache import GeocodeCache


def amap_at(location: str, city: str = "苏州市") -> list[dict]:
    return [{"body": {"status": "1", "info": "OK", "infocode": "10000", "count": "1",
                      "geocodes": [{"location": location, "level": "门牌号", "province": "江苏省",
                                    "city": city, "district": "姑苏区",
                                    "formatted_address": f"江苏省{city}姑苏区某路"}]}}]


def amap_code(infocode: str, info: str) -> list[dict]:
    return [{"body": {"status": "0", "info": info, "infocode": infocode}}]


def baidu_at(lng: float, lat: float) -> list[dict]:
    return [{"body": {"status": 0, "result": {"location": {"lng": lng, "lat": lat},
                                              "precise": 1, "confidence": 80, "level": "门址"}}}]


@pytest.mark.parametrize(("location", "why"), [
    ("-47.9,-15.8", "outside China"),  # Brasília
    ("0,0", "(0, 0)"),
    ("31.30,120.62", "out of range"),  # latitude and longitude swapped
    ("500,95", "out of range"),
    ("inf,inf", "not numbers"),
])
def test_impossible_coordinates_are_refused_and_not_cached(env, tmp_path, location, why):
    fake = env()
    fake.answers["amap"]["错误路1号"] = amap_at(location)
    cache = GeocodeCache(tmp_path / "c")
    out = geocode_table(table("错误路1号", "人民路1号"), provider="amap", city="苏州市",
                        cache=cache, **FAST)
    assert out["geocode_status"].tolist() == ["failed", "ok"]
    assert why in out.loc[0, "geocode_message"] and out.loc[0, "geocode_message"]
    assert out.loc[0, ["lon", "lat"]].isna().all()
    assert cache.get("amap", "苏州市", "错误路1号") is None  # a second run asks again
    assert cache.get("amap", "苏州市", "人民路1号") is not None


def test_an_answer_far_from_the_others_needs_review(env):
    fake = env()
    near = [(120.60, 31.29), (120.61, 31.30), (120.62, 31.31), (120.63, 31.30)]
    names = [f"近{i}号" for i in range(4)] + ["远1号"]
    for name, (lng, lat) in zip(names, [*near, (116.40, 39.90)], strict=True):  # Beijing
        fake.answers["baidu"][name] = baidu_at(lng, lat)  # Baidu names no city to check
    # a city the gazetteer does not know: only the answers' spread can tell
    out = geocode_table(table(*names), provider="baidu", city="某某新区", cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["ok"] * 4 + ["needs_review"]
    assert "km from the other answers" in out.loc[4, "geocode_message"]
    assert 950 < float(out.loc[4, "geocode_message"].split(" km")[0]) < 1100  # Suzhou–Beijing


def test_baidu_parameter_invalid_is_a_bad_row_not_a_bad_key(env):
    fake = env()
    fake.answers["baidu"]["坏行"] = [{"body": {"status": 2, "msg": "Parameter Invalid",
                                               "message": "lack address"}}]
    fake.answers["baidu"]["怪字符"] = [{"body": {"status": 8, "msg": "Parse Proto Failure"}}]
    out = geocode_table(table("坏行", "怪字符", "人民路1号"), provider="baidu", city="苏州市",
                        cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["failed", "failed", "ok"]
    assert out.attrs["geocode_stopped"] is None  # the run went on
    assert "status 2" in out.loc[0, "geocode_message"]
    fake.answers["baidu"]["坏钥匙"] = [{"body": {"status": 5, "msg": "AK Failure"}}]
    out = geocode_table(table("坏钥匙", "人民路1号"), provider="baidu", city="苏州市",
                        cache=False, **FAST)
    assert out.attrs["geocode_stopped"] == "bad_key"


def test_amap_daily_quota_abroad_stops_and_a_busy_server_is_retried(env):
    fake = env()
    busy = amap_code("10016", "SERVER_IS_BUSY")
    fake.answers["amap"]["忙路1号"] = busy + amap_at("120.62,31.30")
    out = geocode_table(table("忙路1号"), provider="amap", city="苏州市", cache=False,
                        retries=1, backoff=0.0, timeout=2)
    assert out["geocode_status"].tolist() == ["ok"] and fake.count("amap") == 2
    fake.answers["amap"]["海外路"] = amap_code("10029", "ABROAD_DAILY_QUERY_OVER_LIMIT")
    out = geocode_table(table("海外路", "人民路1号"), provider="amap", city="苏州市",
                        cache=False, **FAST)
    assert out.attrs["geocode_stopped"] == "quota"
    fake.answers["amap"]["坏参数"] = amap_code("20000", "INVALID_PARAMS")
    out = geocode_table(table("坏参数", "人民路1号"), provider="amap", city="苏州市",
                        cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["failed", "ok"]


def test_an_unreachable_provider_stops_at_once_with_the_cause(env, tmp_path, monkeypatch):
    env()
    monkeypatch.setenv("GEO_AMAP_URL", "http://127.0.0.1:1")  # nothing listens on port 1
    start = time.monotonic()
    out = geocode_table(table(*[f"人民路{i}号" for i in range(40)]), provider="amap",
                        city="苏州市", cache=False, retries=1, backoff=0.01, timeout=1)
    assert time.monotonic() - start < 20  # not 40 rows × retries
    assert out.attrs["geocode_stopped"] == "unreachable"
    assert set(out["geocode_status"]) == {"unreachable"}
    assert "cannot connect to 127.0.0.1" in out.loc[0, "geocode_message"]
    causes = dict(failure_causes(out))
    assert causes["unreachable: not asked: the run stopped (unreachable) on an earlier row"] == 39
    assert sum(v for k, v in causes.items() if "cannot connect" in k) == 1
    # the command line: exit 2 and the cause, one line, no traceback
    src = tmp_path / "in.csv"
    src.write_text("名称,地址\r\n甲,人民路1号\r\n乙,人民路2号\r\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["geocode", str(src), "--provider", "amap", "--city", "苏州市",
                                   "-o", str(tmp_path / "out.csv"), "--no-cache"])
    assert res.exit_code == 2, res.stderr
    assert "cannot be reached" in res.stderr and "cannot connect" in res.stderr
    assert "Traceback" not in res.stderr and KEY not in res.stderr


def test_the_command_line_says_how_far_it_is_and_why_rows_failed(env, tmp_path):
    fake = env()
    fake.answers["amap"]["错误路1号"] = amap_at("0,0")
    src = tmp_path / "in.csv"
    rows = "".join(f"站{i},人民路1号\r\n" for i in range(30))
    src.write_text("名称,地址\r\n" + rows + "错,错误路1号\r\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["geocode", str(src), "--provider", "amap", "--city", "苏州市",
                                   "-o", str(tmp_path / "out.csv"), "--no-cache", "--rate", "0"])
    assert res.exit_code == 1, res.stderr
    # stderr is not a terminal here: progress comes as lines, not a bar
    progress = [ln for ln in res.stderr.splitlines() if ln.startswith("geo: geocoding ")]
    assert progress and progress[-1] == "geo: geocoding 31/31"
    assert "failed: the provider answered the coordinates (0, 0)" in res.stderr
    written = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "geocode_message" in written.splitlines()[0]


def test_a_table_of_fixed_statuses_keeps_its_scripts(env):
    """The fake provider's scripts are not changed by the tests above (copies)."""
    fake = env()
    before = copy.deepcopy(fake.answers)
    geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=False, **FAST)
    assert fake.answers == before
