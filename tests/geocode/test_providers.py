"""Geocoding providers (``geo.geocode.providers``): parsing, datums, keys kept out of sight.

Fully offline: a local HTTP server answers as the providers document
(``tests/_helpers/geocode.py``), or the demo provider's recorded answers.
"""

from __future__ import annotations

import json
import urllib.parse

import numpy as np
import pandas as pd
import pytest
from _helpers.geocode import FAST, KEY, _reference, table

import geo
from geo.crs import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_gcj02
from geo.geocode import geocode_table, redact
from geo.geocode.providers import DEMO_ANSWERS, PROVIDERS, Baidu, Recorded, request


def test_amap_success_is_converted_from_gcj02(env, tmp_path):
    fake = env()
    out = geocode_table(table("人民路1号"), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    row = out.iloc[0]
    exp = gcj02_to_wgs84(120.62, 31.30)
    assert row["geocode_status"] == "ok" and row["geocode_level"] == "门牌号"
    assert row["lon"] == pytest.approx(exp[0], abs=1e-9)
    assert row["lat"] == pytest.approx(exp[1], abs=1e-9)
    assert row["geocode_provider"] == "amap" and row["geocode_query"] == "人民路1号"
    assert abs(row["lon"] - 120.62) > 1e-3  # really shifted
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(fake.requests[0][2]).query))
    assert params["city"] == "苏州市"  # the city is always sent


def test_baidu_gcj02_and_bd09_answers(env, monkeypatch):
    fake = env()
    out = geocode_table(table("人民路1号"), provider="baidu", city="苏州市", cache=False, **FAST)
    exp = gcj02_to_wgs84(120.62, 31.30)
    assert out.loc[0, "geocode_status"] == "ok"
    assert (out.loc[0, "lon"], out.loc[0, "lat"]) == pytest.approx(exp, abs=1e-9)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(fake.requests[0][2]).query))
    assert params["ret_coordtype"] == "gcj02ll" and params["city"] == "苏州市"
    assert params["output"] == "json"
    bd = Baidu("baidu", "BAIDU_AK", "GEO_BAIDU_URL", "x", "gcj02", 3.0, coordtype="bd09ll")
    answer = request(bd, "人民路1号", "苏州市", KEY)
    assert (answer.lon, answer.lat) == pytest.approx(bd09_to_wgs84(120.62, 31.30), abs=1e-9)


@pytest.mark.parametrize(("provider", "lonlat"),
                         [("tianditu", (120.615, 31.302)), ("nominatim", (120.614, 31.301))])
def test_wgs84_providers_are_not_shifted_and_get_the_city(env, provider, lonlat):
    fake = env()
    out = geocode_table(table("人民路1号"), provider=provider, city="苏州市", cache=False, **FAST)
    assert out.loc[0, "geocode_status"] == "ok"
    assert (out.loc[0, "lon"], out.loc[0, "lat"]) == pytest.approx(lonlat, abs=1e-12)
    assert out.loc[0, "geocode_query"] == "苏州市人民路1号"
    assert fake.requests[0][1] == "苏州市人民路1号"


def test_nominatim_sends_a_user_agent(env):
    seen = {}
    fake = env()
    original = fake.handle

    def spy(h):
        seen["ua"] = h.headers.get("User-Agent", "")
        original(h)

    fake.handle = spy
    geocode_table(table("人民路1号"), provider="nominatim", city="苏州市", cache=False, **FAST)
    assert seen["ua"].startswith("geo-coverage/") and "urllib" not in seen["ua"]


@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu", "nominatim"])
def test_low_precision_and_empty_answers(env, provider):
    env()
    out = geocode_table(table("人民路", "不存在的地方"), provider=provider, city="苏州市",
                        cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["needs_review", "not_found"]
    assert np.isfinite(out.loc[0, "lon"]) and np.isnan(out.loc[1, "lon"])


def test_redact():
    url = f"http://x/v3/geocode/geo?address=a&key={KEY}&city=b"
    assert KEY not in redact(url) and "key=***" in redact(url)
    assert redact(f"the key {KEY} failed", KEY) == "the key *** failed"
    assert "ak=***" in redact("?ak=abc&x=1") and "tk=***" in redact("&tk=abc")


def test_exceptions_carry_no_key(env, monkeypatch):
    env()
    monkeypatch.setenv("GEO_AMAP_URL", "http://127.0.0.1:1")  # nothing listens on port 1
    out = geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=False,
                        retries=0, **FAST)
    assert out.loc[0, "geocode_status"] == "unreachable"
    assert KEY not in repr(out.to_dict()) and KEY not in str(out.attrs)


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
