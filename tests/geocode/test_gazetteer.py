"""The bundled gazetteer (``geo.geocode.gazetteer``) and the extents made from it."""

from __future__ import annotations

import numpy as np
import pytest

from geo.crs import in_china
from geo.geocode.extent import CITY_MARGIN_KM, MAX_MARGIN_KM
from geo.geocode.gazetteer import find_city, gazetteer


def test_the_table_is_whole():
    g = gazetteer()
    assert len(set(g.code)) == len(g) > 3000
    assert (g.level == "province").sum() == 34
    assert all(p in g.index for p in g.parent if p)  # every parent is in the table
    assert in_china(g.lon, g.lat).all()
    suzhou = g.index["320500"]
    counties = g.within(suzhou)[1:]
    assert sorted(g.name[counties]) == sorted(["虎丘区", "吴中区", "相城区", "姑苏区", "吴江区",
                                               "常熟市", "张家港市", "昆山市", "太仓市"])
    # the two changes applied to the source: 莱芜 in 济南, 那曲市
    assert g.full_name(g.index["370116"]) == "山东省济南市莱芜区"
    assert g.full_name(g.index["540621"]) == "西藏自治区那曲市嘉黎县"
    # seats in WGS-84: 姑苏区's GCJ-02 seat moved about 500 m
    i = g.index["320508"]
    assert 0.003 < abs(g.lon[i] - 120.617369) + abs(g.lat[i] - 31.33565) < 0.01


@pytest.mark.parametrize(("text", "place"), [
    ("苏州", "江苏省苏州市"), ("苏州市", "江苏省苏州市"), ("江苏省苏州市", "江苏省苏州市"),
    ("江苏苏州", "江苏省苏州市"), (" 苏州市 ", "江苏省苏州市"),
    ("中国江苏省苏州市", "江苏省苏州市"),
    ("Suzhou, Jiangsu", "江苏省苏州市"), ("jiangsu suzhou city", "江苏省苏州市"),
    ("苏州市姑苏区", "江苏省苏州市姑苏区"), ("昆山市", "江苏省苏州市昆山市"),
    ("北京", "北京市"), ("Beijing", "北京市"), ("北京朝阳", "北京市朝阳区"),
    ("吉林市", "吉林省吉林市"), ("Xi'an", "陕西省西安市"), ("Shaanxi", "陕西省"),
    ("济南市莱芜区", "山东省济南市莱芜区"), ("Hong Kong", "香港特别行政区"),
])
def test_names_are_read(text, place):
    match = find_city(text)
    assert match.place == place and match.warning == "" and match.extent is not None


@pytest.mark.parametrize(("text", "names"), [
    ("Suzhou", ["江苏省苏州市", "安徽省宿州市"]),
    ("朝阳", ["北京市朝阳区", "辽宁省朝阳市"]),
    ("吉林", ["吉林省", "吉林省吉林市"]),
    ("Taizhou", ["江苏省泰州市", "浙江省台州市"]),
])
def test_a_name_of_several_places_is_not_guessed(text, names):
    match = find_city(text)
    assert match.extent is None and match.place == ""
    assert all(n in match.warning for n in names) and "place text only" in match.warning


@pytest.mark.parametrize("text", ["火星市", "Atlantis", "city"])
def test_an_unknown_name_is_said(text):
    match = find_city(text)
    assert match.extent is None
    assert f"'{text}' is not a province, city or county geo knows" in match.warning


def test_a_partly_known_name_is_checked_against_what_is_known():
    match = find_city("苏州工业园区")
    assert match.place == "江苏省苏州市" and match.extent is not None
    assert "'工业园区' is not a province, city or county" in match.warning


def test_margins_follow_how_far_apart_seats_are():
    suzhou = find_city("苏州市").extent
    assert suzhou.margin_km == CITY_MARGIN_KM  # seats 10-30 km apart
    assert find_city("阿里地区").extent.margin_km == MAX_MARGIN_KM  # 100+ km apart
    # 苏州's own seat is inside; the centres of 无锡 and 上海 are too (within the margin: only
    # the provider's place text tells them apart), those of 杭州 and 宿州 are not
    lon = np.array([120.5837, 120.2970, 121.4688, 120.1551, 116.9598])
    lat = np.array([31.2994, 31.5690, 31.2253, 30.2741, 33.6437])
    assert suzhou.outside(lon, lat).tolist() == [False, False, False, True, True]
    assert suzhou.distance_km(lon[:1], lat[:1])[0] == 0.0


def test_the_nearest_named_place():
    g = gazetteer()
    assert g.nearest(np.array([116.397, 120.613]), np.array([39.909, 31.337])) == [
        "北京市东城区", "江苏省苏州市姑苏区"]
    assert g.nearest(np.array([]), np.array([])) == []
