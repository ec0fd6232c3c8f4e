"""Answers are checked against the run's city by their coordinates (issue 18 item 12):
the audit's two reproductions, an answer just inside and just outside the city's edge in
each provider's datum, a city the gazetteer does not know or names twice, and the cache."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _helpers.geocode import FAST, table
from pyproj import Geod, Transformer
from typer.testing import CliRunner

from geo.cli import app
from geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.geocode import failure_causes, geocode_table
from geo.geocode.cache import GeocodeCache
from geo.geocode.gazetteer import find_city
from geo.geocode.providers import PROVIDERS, Baidu

BEIJING = (116.397, 39.909)  # 天安门, GCJ-02


def amap_at(lon: float, lat: float, city: str = "苏州市", district: str = "姑苏区") -> list[dict]:
    return [{"body": {"status": "1", "info": "OK", "infocode": "10000", "count": "1",
                      "geocodes": [{"location": f"{lon:.6f},{lat:.6f}", "level": "门牌号",
                                    "province": "江苏省", "city": city, "district": district,
                                    "formatted_address": f"江苏省{city}{district}某路1号"}]}}]


def baidu_at(lon: float, lat: float) -> list[dict]:
    return [{"body": {"status": 0, "result": {"location": {"lng": lon, "lat": lat},
                                              "precise": 1, "confidence": 80, "level": "门址"}}}]


def test_two_baidu_answers_in_beijing_are_not_ok_nor_cached_as_ok(env, tmp_path):
    """The audit's first reproduction: too few answers for the spread check, no place text."""
    fake = env()
    fake.answers["baidu"]["甲路1号"] = baidu_at(*BEIJING)
    fake.answers["baidu"]["乙路2号"] = baidu_at(BEIJING[0] + 0.01, BEIJING[1])
    cache = GeocodeCache(tmp_path / "c")
    out = geocode_table(table("甲路1号", "乙路2号"), provider="baidu", city="苏州市",
                        cache=cache, **FAST)
    assert out["geocode_status"].tolist() == ["needs_review", "needs_review"]
    message = out.loc[0, "geocode_message"]
    assert message.startswith("the answer is outside 江苏省苏州市: ")
    km = float(message.split(": ")[1].split(" km")[0].replace(",", ""))
    assert 940 < km < 1000  # Suzhou's northern districts to Tiananmen, beyond the margin
    assert "near 北京市" in message and "(50 km allowed)" in message
    for address in ("甲路1号", "乙路2号"):
        cached = cache.get("baidu", "苏州市", address)
        assert cached is not None and cached.status == "needs_review"
    again = geocode_table(table("甲路1号", "乙路2号"), provider="baidu", city="苏州市",
                          cache=cache, **FAST)
    assert fake.count() == 2  # the second run asked nothing
    assert again["geocode_status"].tolist() == ["needs_review", "needs_review"]
    assert again.loc[0, "geocode_message"] == message


def test_an_amap_answer_whose_text_says_suzhou_but_lies_in_beijing(env, tmp_path):
    """The audit's second reproduction: the place text matches, the coordinates do not."""
    fake = env()
    fake.answers["amap"]["丙路3号"] = amap_at(*BEIJING, city="苏州市")
    cache = GeocodeCache(tmp_path / "c")
    out = geocode_table(table("丙路3号", "人民路1号"), provider="amap", city="苏州市",
                        cache=cache, **FAST)
    assert out["geocode_status"].tolist() == ["needs_review", "ok"]
    assert "outside 江苏省苏州市" in out.loc[0, "geocode_message"]
    assert not out.loc[0, ["lon", "lat"]].isna().any()  # the point stays, for the review map
    assert cache.get("amap", "苏州市", "丙路3号").status == "needs_review"
    assert cache.get("amap", "苏州市", "人民路1号").status == "ok"


def _just_beyond_the_south(km: float) -> tuple[float, float]:
    """A point (WGS-84) ``km`` due south of the southernmost seat of 苏州市's extent."""
    extent = find_city("苏州市").extent
    to_wgs = Transformer.from_crs(extent.proj, "EPSG:4326", always_xy=True)
    x, y = shapely.get_coordinates(extent.hull).T
    lon0, lat0 = to_wgs.transform(x[np.argmin(y)], y[np.argmin(y)])
    lon, lat, _ = Geod(ellps="WGS84").fwd(lon0, lat0, 180.0, km * 1000)
    return float(lon), float(lat)


@pytest.mark.parametrize("datum", ["gcj02", "bd09"])
def test_an_answer_just_inside_the_edge_is_ok_and_just_outside_is_not(env, datum):
    """Within 100 m of the edge, in the provider's own datum: GCJ-02 (Amap) or BD-09
    (Baidu asked for bd09ll); forgetting to convert either would move the answer 0.5-1 km."""
    fake = env()
    margin = find_city("苏州市").extent.margin_km
    names = {"里1号": margin - 0.1, "外1号": margin + 0.1}
    if datum == "gcj02":
        prov, script, at = "amap", fake.answers["amap"], amap_at
        convert = wgs84_to_gcj02
    else:
        prov = Baidu(**{**PROVIDERS["baidu"].__dict__, "coordtype": "bd09ll"})
        script, at, convert = fake.answers["baidu"], baidu_at, wgs84_to_bd09
    for name, km in names.items():
        lon, lat = convert(*_just_beyond_the_south(km))
        script[name] = at(float(lon), float(lat))
    out = geocode_table(table(*names), provider=prov, city="苏州市", cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["ok", "needs_review"]
    assert f"outside 江苏省苏州市: {margin + 0.1:,.0f} km" in out.loc[1, "geocode_message"]


def test_a_city_the_gazetteer_does_not_know_warns_and_keeps_the_text_check(env, tmp_path):
    fake = env()
    fake.answers["baidu"]["甲路1号"] = baidu_at(*BEIJING)
    fake.answers["amap"]["丙路3号"] = amap_at(*BEIJING, city="北京市", district="东城区")
    out = geocode_table(table("甲路1号"), provider="baidu", city="火星市", cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["ok"]  # nothing to check it against
    (warning,) = out.attrs["geocode_warnings"]
    assert "'火星市' is not a province, city or county geo knows" in warning
    assert "place text only" in warning
    out = geocode_table(table("丙路3号"), provider="amap", city="火星市", cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["needs_review"]  # the text does not name it
    assert "is not in 火星市" in out.loc[0, "geocode_message"]
    # the command line says so, and goes on
    src = tmp_path / "in.csv"
    src.write_text("名称,地址\r\n甲,甲路1号\r\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["geocode", str(src), "--provider", "baidu", "--city",
                                   "火星市", "-o", str(tmp_path / "o.csv"), "--no-cache"])
    assert res.exit_code == 0, res.stderr
    assert "geo: warning: the city '火星市' is not a province, city or county" in res.stderr


def test_an_ambiguous_city_warns_and_a_precise_one_checks(env):
    fake = env()
    fake.answers["baidu"]["甲路1号"] = baidu_at(*BEIJING)
    out = geocode_table(table("甲路1号"), provider="baidu", city="Suzhou", cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["ok"]
    (warning,) = out.attrs["geocode_warnings"]
    assert "江苏省苏州市" in warning and "安徽省宿州市" in warning
    for city in ("苏州", "江苏省苏州市", "Suzhou, Jiangsu"):
        out = geocode_table(table("甲路1号"), provider="baidu", city=city, cache=False, **FAST)
        assert out["geocode_status"].tolist() == ["needs_review"], city
        assert out.attrs["geocode_warnings"] == []


def test_the_causes_group_answers_outside_the_city(env):
    fake = env()
    for i in range(3):
        fake.answers["baidu"][f"京{i}号"] = baidu_at(BEIJING[0] + i * 0.3, BEIJING[1])
    out = geocode_table(table("京0号", "京1号", "京2号", "人民路1号"), provider="baidu",
                        city="苏州市", cache=False, **FAST)
    assert len(set(out["geocode_message"][:3])) == 3  # three distances
    assert failure_causes(out) == [("needs_review: the answer is outside 江苏省苏州市", 3)]


def test_not_found_and_baidu_parameter_messages_are_reasons(env, tmp_path):
    fake = env()
    fake.answers["baidu"]["坏行"] = [{"body": {"status": 2, "msg": "Parameter Invalid",
                                               "message": "lack address"}}]
    out = geocode_table(table("坏行"), provider="baidu", city="苏州市", cache=False, **FAST)
    assert out.loc[0, "geocode_message"] == "Parameter Invalid: lack address (status 2)"
    out = geocode_table(table("不存在的地方"), provider="amap", city="苏州市", cache=False,
                        **FAST)
    assert failure_causes(out) == [("not_found: Amap has no place for this address", 1)]
    # an answer cached before, with Amap's success words as its message
    from geo.geocode.providers import Answer

    cache = GeocodeCache(tmp_path / "c")
    cache.put("amap", "苏州市", "旧地址", Answer("not_found", message="OK (10000)"))
    out = geocode_table(table("旧地址"), provider="amap", city="苏州市", cache=cache, **FAST)
    assert out.loc[0, "geocode_message"] == "the provider has no place for this address"


def test_the_progress_stops_where_the_run_stopped(env):
    env(quota_after=2)
    calls: list[tuple[int, int]] = []
    out = geocode_table(table(*[f"人民路{i}号" for i in (1, 2, 3)], "人民路", "不存在的地方"),
                        provider="amap", city="苏州市", cache=False,
                        progress=lambda d, t: calls.append((d, t)), **FAST)
    assert out.attrs["geocode_stopped"] == "quota"
    assert calls == [(1, 5), (2, 5), (3, 5)]  # not on to 5/5 after the stop
