"""Each provider's documented status table, class by class (issue 18 item 8, the audit's check
of every provider): what each kind of answer does to the row and to the run.

The classes: nothing found (the row is ``not_found``, cached), a bad row (``failed``, the run
goes on, not cached), a bad key (the run stops), a quota (the run stops), too frequent or a
busy server (retried, then the row says which), and an answer not in the documented form
(``failed``, in words naming the field, never an exception's name). The answers are the
providers' documented or recorded ones (sources in ``geo/geocode/providers.py`` and
docs/geocoding.md), served on a local port by ``FakeProviders``.
"""

from __future__ import annotations

import re

import pytest
from _helpers.geocode import table

from geo.geocode import geocode_table
from geo.geocode.cache import GeocodeCache
from geo.geocode.providers import PROVIDERS, _parse

CITY = "苏州市"
ADDRESS = "测试路9号"  # the row whose answer is scripted; 人民路1号 follows, answered ok


def _amap(infocode: str, info: str) -> dict:
    return {"body": {"status": "0", "info": info, "infocode": infocode}}


def _amap_place(location: object) -> dict:
    return {"body": {"status": "1", "info": "OK", "infocode": "10000", "count": "1",
                     "geocodes": [{"formatted_address": "江苏省苏州市姑苏区测试路9号",
                                   "province": "江苏省", "city": "苏州市", "district": "姑苏区",
                                   "location": location, "level": "门牌号"}]}}


def _baidu(status: int, **words: str) -> dict:
    return {"body": {"status": status, **words}}


#: (provider, class, scripted answer, words the row's message holds). Amap's codes from
#: lbs.amap.com/api/webservice/guide/tools/info, Baidu's from lbsyun.baidu.com
#: webapi/appendix, Tianditu's statuses from lbs.tianditu.gov.cn/server/geocodinginterface.html,
#: Nominatim's error body from its source (nominatim_api/v1/format.py) and usage policy.
CASES = [
    # --- Amap
    ("amap", "not_found", {"body": {"status": "1", "info": "OK", "infocode": "10000",
                                    "count": "0", "geocodes": []}}, "no place"),
    ("amap", "bad_row", _amap("20000", "INVALID_PARAMS"), "INVALID_PARAMS (20000)"),
    ("amap", "bad_row", _amap("20001", "MISSING_REQUIRED_PARAMS"), "20001"),
    ("amap", "bad_row", _amap("20011", "INSUFFICIENT_ABROAD_PRIVILEGES"), "20011"),
    ("amap", "bad_key", _amap("10001", "INVALID_USER_KEY"), "10001"),
    ("amap", "bad_key", _amap("10009", "USERKEY_PLAT_NOMATCH"), "10009"),
    ("amap", "bad_key", _amap("40002", "SERVICE_EXPIRED"), "40002"),
    ("amap", "quota", _amap("10003", "DAILY_QUERY_OVER_LIMIT"), "10003"),
    ("amap", "quota", _amap("10044", "USER_DAILY_QUERY_OVER_LIMIT"), "10044"),
    ("amap", "quota", _amap("40000", "QUOTA_PLAN_RUN_OUT"), "40000"),
    ("amap", "too_frequent", _amap("10004", "ACCESS_TOO_FREQUENT"), "10004"),
    ("amap", "too_frequent", _amap("10021", "CUQPS_HAS_EXCEEDED_THE_LIMIT"), "10021"),
    ("amap", "server_error", _amap("10016", "SERVER_IS_BUSY"), "10016"),
    ("amap", "server_error", _amap("30001", "ENGINE_RESPONSE_DATA_ERROR"), "30001"),
    ("amap", "server_error", {"http": 503, "body": "<html>503</html>"}, "HTTP 503"),
    ("amap", "form", {"body": {"status": "1", "info": "OK", "infocode": "10000",
                               "geocodes": {"location": "120.62,31.30"}}}, "'geocodes'"),
    ("amap", "form", _amap_place(["120.62", "31.30"]), "'geocodes[0].location'"),
    ("amap", "form", _amap_place({"lng": 120.62, "lat": 31.30}), "'geocodes[0].location'"),
    # --- Baidu
    ("baidu", "not_found", _baidu(1, msg="Internal Service Error:无相关结果"), "无相关结果"),
    ("baidu", "bad_row", _baidu(2, msg="Parameter Invalid", message="lack address"),
     "lack address (status 2)"),
    ("baidu", "bad_row", _baidu(8, msg="Parse Proto Failure"), "status 8"),
    ("baidu", "bad_key", _baidu(5, msg="AK Failure"), "status 5"),
    ("baidu", "bad_key", _baidu(200, message="APP不存在，AK有误请检查再重试"), "status 200"),
    ("baidu", "bad_key", _baidu(240, message="APP 服务被禁用"), "status 240"),
    ("baidu", "quota", _baidu(302, message="天配额超限，限制访问"), "status 302"),
    ("baidu", "quota", _baidu(4, message="配额校验失败"), "status 4"),
    ("baidu", "quota", _baidu(303, message="配额错误"), "status 303"),
    ("baidu", "too_frequent", _baidu(401, message="当前并发量已经超过约定并发配额，限制访问"),
     "status 401"),
    ("baidu", "server_error", _baidu(1, msg="Internal Service Error"), "status 1"),
    ("baidu", "form", {"body": {"status": 0, "result": {"location": [120.62, 31.30]}}},
     "'result.location'"),
    ("baidu", "form", {"body": {"status": 0, "result": {"location": {"lat": 31.3}}}},
     "'result.location.lng' is missing"),
    ("baidu", "form", {"body": {"status": "OK", "result": {}}}, "'status'"),
    # --- Tianditu: statuses 0 / 101 / 404; key and quota refused by the gateway (HTTP 403)
    ("tianditu", "not_found", {"body": {"msg": "无结果", "searchVersion": "6.4.9V",
                                        "status": "101"}}, "status 101"),
    ("tianditu", "bad_row", {"body": {"msg": "出错", "status": "404"}}, "status 404"),
    ("tianditu", "bad_row", {"body": {"msg": "keyWord参数错误", "status": "1"}}, "keyWord"),
    ("tianditu", "bad_key", {"http": 403, "body": {"code": "1", "msg": "非法key"}}, "非法key"),
    ("tianditu", "bad_key", {"http": 403, "body": "<html>Forbidden</html>"}, "HTTP 403"),
    ("tianditu", "quota", {"http": 403, "body": {"code": "2", "msg": "服务访问量超出日限额"}},
     "日限额"),
    ("tianditu", "too_frequent", {"http": 429, "body": "Too Many Requests"}, "HTTP 429"),
    ("tianditu", "server_error", {"http": 502, "body": "Bad Gateway"}, "HTTP 502"),
    ("tianditu", "form", {"body": {"msg": "ok", "status": "0", "location": ["120.6", "31.3"]}},
     "'location' is a list"),
    ("tianditu", "form", {"body": {"msg": "ok", "status": "0",
                                   "location": {"lat": "31.3", "level": "门址"}}},
     "'location.lon' is missing"),
    # --- Nominatim
    ("nominatim", "not_found", {"body": []}, "no place"),
    ("nominatim", "bad_row", {"http": 400, "body": {"error": {
        "code": 400, "message": "Parameter 'q' is too long."}}}, "too long"),
    ("nominatim", "quota", {"http": 403, "body": "<html>Access blocked</html>"}, "HTTP 403"),
    ("nominatim", "too_frequent", {"http": 429, "body": "Too Many Requests"}, "HTTP 429"),
    ("nominatim", "server_error", {"http": 503, "body": "Service Unavailable"}, "HTTP 503"),
    ("nominatim", "form", {"body": {"lat": "31.3", "lon": "120.6"}},
     "the answer is an object"),
    ("nominatim", "form", {"body": [{"lon": "120.6", "lat": [31.3], "place_rank": 30}]},
     "'lat' is a list"),
]

#: The classes that stop the run.
STOPS = {"bad_key", "quota"}
#: The classes retried, the row ending with that status when the tries run out.
RETRIED = {"too_frequent", "server_error"}


def _query(provider: str, address: str) -> str:
    """The address as the fake server sees it (Tianditu and Nominatim get the city prefixed)."""
    return PROVIDERS[provider].query_text(address, CITY)


def _ids() -> list[str]:
    return [f"{p}-{c}-{i}" for i, (p, c, _, _) in enumerate(CASES)]


@pytest.mark.parametrize(("provider", "kind", "answer", "words"), CASES, ids=_ids())
def test_each_status_class_does_what_the_table_says(env, tmp_path, provider, kind, answer,
                                                    words):
    fake = env()
    fake.answers[provider][_query(provider, ADDRESS)] = [answer]
    cache = GeocodeCache(tmp_path / "c")
    out = geocode_table(table(ADDRESS, "人民路1号"), provider=provider, city=CITY, cache=cache,
                        rate=0, backoff=0.0, retries=0, timeout=5)
    status, message = out.loc[0, "geocode_status"], str(out.loc[0, "geocode_message"])
    assert words in message, message
    assert not re.search(r"[A-Z][a-z]+Error\b|Traceback", message), message  # no exception name
    if kind in STOPS:
        assert out["geocode_status"].tolist() == [kind, kind]
        assert out.attrs["geocode_stopped"] == kind
        assert fake.count(provider) == 1  # the next row is not asked
        return
    assert out.attrs["geocode_stopped"] is None  # the run goes on
    assert out.loc[1, "geocode_status"] == "ok"
    cached = cache.get(provider, CITY, ADDRESS)
    if kind == "not_found":
        assert status == "not_found" and cached is not None and cached.status == "not_found"
    elif kind in RETRIED:
        assert status == kind and cached is None
    else:  # a bad row or an answer not in the documented form: the row fails, asked again
        assert status == "failed" and cached is None
        if kind == "form":
            assert message.startswith("the answer is not in the documented form: "), message


@pytest.mark.parametrize(("provider", "answer"),
                         [(p, a) for p, c, a, _ in CASES if c in RETRIED])
def test_retried_classes_are_asked_again(env, provider, answer):
    fake = env()
    fine = fake.answers[provider][_query(provider, "人民路1号")]
    fake.answers[provider][_query(provider, ADDRESS)] = [answer, *fine]
    out = geocode_table(table(ADDRESS), provider=provider, city=CITY, cache=False, rate=0,
                        backoff=0.0, retries=1, timeout=5)
    assert out["geocode_status"].tolist() == ["ok"]
    assert fake.count(provider) == 2


@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu", "nominatim"])
def test_a_location_given_as_a_list_is_not_the_documented_form(provider):
    """Audit: a location as a JSON list was read as 'no place' (not_found, and cached)."""
    bodies = {
        "amap": {"status": "1", "info": "OK", "infocode": "10000",
                 "geocodes": [{"location": [120.62, 31.30], "level": "门牌号"}]},
        "baidu": {"status": 0, "result": {"location": [120.62, 31.30], "level": "门址"}},
        "tianditu": {"status": "0", "msg": "ok", "location": [120.62, 31.30]},
        "nominatim": [[120.62, 31.30]],
    }
    answer = _parse(PROVIDERS[provider], bodies[provider])
    assert answer.status == "failed", answer
    assert answer.message.startswith("the answer is not in the documented form: ")
    assert "is a list of 2" in answer.message and PROVIDERS[provider].label in answer.message


def test_a_wrong_shape_is_said_in_words_naming_the_field():
    """Audit: 'geocodes' as an object showed '(KeyError: 0)' as the row's message."""
    answer = _parse(PROVIDERS["amap"], {"status": "1", "info": "OK", "infocode": "10000",
                                        "geocodes": {"0": {"location": "120.62,31.30"}}})
    assert answer.message == ("the answer is not in the documented form: 'geocodes' is an "
                              "object, where Amap documents a list of places")


def test_tianditus_recorded_answer_is_read():
    """The answer recorded in a Tianditu write-up (blog.csdn.net/mcband/article/details/
    134915002): level 地名地址, coordinates as text."""
    body = {"location": {"lon": "116.001688", "level": "地名地址", "lat": "40.453228"},
            "status": "0", "msg": "ok", "searchVersion": "4.8.0"}
    answer = _parse(PROVIDERS["tianditu"], body)
    assert (answer.status, answer.lon, answer.lat, answer.level) == (
        "ok", 116.001688, 40.453228, "地名地址")
