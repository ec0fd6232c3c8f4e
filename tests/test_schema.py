"""Tests of geo.schema: column headers, categories, levels, amenities and opening hours.

The expected values come from docs/interface.md ("Input tables") and
docs/domain.md, not from running the code: the alias table below is copied
from docs/interface.md, the kinds, levels and amenities from docs/domain.md.
Opening hours are checked against an independent minute-by-minute reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from geo.schema import (
    HoursError,
    canonical_column,
    category_kind,
    category_kinds,
    has_amenity,
    header_coord_system,
    level_key,
    match_category,
    match_columns,
    normalize_amenities,
    open_at,
    parse_amenities,
    parse_hours,
)

# --- columns -----------------------------------------------------------------------------------

# docs/interface.md, "Input tables": every alias the table names, with its canonical column.
INTERFACE_ALIASES: dict[str, str] = {
    "编号": "id",
    "序号": "id",
    "code": "id",
    "名称": "name",
    "站点名称": "name",
    "阵地名称": "name",
    "点位名称": "name",
    "类型": "category",
    "类别": "category",
    "阵地类型": "category",
    "层级": "level",
    "级别": "level",
    "经度": "lon",
    "纬度": "lat",
    "lng": "lon",
    "longitude": "lon",
    "latitude": "lat",
    "x": "lon",
    "y": "lat",
    "地址": "address",
    "详细地址": "address",
    "坐标系": "coord_system",
    "设施": "amenities",
    "服务内容": "amenities",
    "开放时间": "hours",
    "营业时间": "hours",
    "人数": "weight",
    "需求": "weight",
    "权重": "weight",
}
CANONICAL = ("id", "name", "category", "level", "lon", "lat", "address", "coord_system",
             "amenities", "hours", "weight")


@pytest.mark.parametrize(("header", "canonical"), sorted(INTERFACE_ALIASES.items()))
def test_canonical_column_interface_aliases(header, canonical):
    assert canonical_column(header) == canonical


@pytest.mark.parametrize("canonical", CANONICAL)
def test_canonical_column_canonical_names_map_to_themselves(canonical):
    assert canonical_column(canonical) == canonical


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("  LAT ", "lat"),
        ("Lat", "lat"),
        ("Lon.", "lon"),
        ("LONGITUDE", "lon"),
        ("Lng ", "lon"),
        ("No.", "id"),
        ("ID", "id"),
        ("Coord_System", "coord_system"),
        ("coord system", "coord_system"),
        ("coord-system", "coord_system"),
        ("Opening Hours", "hours"),
        ("X", "lon"),
        (" Y ", "lat"),
        ("经 度", "lon"),
        ("纬度：", "lat"),
    ],
)
def test_canonical_column_ignores_case_spaces_and_punctuation(header, canonical):
    assert canonical_column(header) == canonical


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("ＬＡＴ", "lat"),  # full-width letters as a Chinese input method types them
        ("ｌｏｎ", "lon"),
        ("Ｌｏｎｇｉｔｕｄｅ", "lon"),
        ("ｉｄ", "id"),
        ("ＣＯＤＥ", "id"),
    ],
)
def test_canonical_column_folds_full_width(header, canonical):
    assert canonical_column(header) == canonical


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("经度(°)", "lon"),
        ("纬度(°)", "lat"),
        ("纬度（GCJ-02）", "lat"),
        ("经度（GCJ-02）", "lon"),
        ("【经度】", "lon"),
        ("【纬度】", "lat"),
        ("Longitude (°E)", "lon"),
        ("lat [deg]", "lat"),
        ("人数（人）", "weight"),
        ("开放时间（每日）", "hours"),
        ("经纬度（GCJ-02）", "lnglat"),
    ],
)
def test_canonical_column_drops_bracketed_units(header, canonical):
    assert canonical_column(header) == canonical


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("gcj02_lng", "lon"),
        ("gcj02_lat", "lat"),
        ("lng_gcj02", "lon"),
        ("wgs84_lon", "lon"),
        ("WGS84 Latitude", "lat"),
        ("bd09_lng", "lon"),
        ("lat_bd09ll", "lat"),
        ("百度经度", "lon"),
        ("高德纬度", "lat"),
        ("GCJ-02经纬度", "lnglat"),
    ],
)
def test_canonical_column_drops_coordinate_system_words(header, canonical):
    assert canonical_column(header) == canonical


@pytest.mark.parametrize(
    "header", ["经纬度", "坐标", "location", "Location", "lnglat", "Lng,Lat", "经纬度坐标"]
)
def test_canonical_column_combined_coordinates(header):
    assert canonical_column(header) == "lnglat"


def test_coordinate_cell_and_coordinate_system_are_different_columns():
    # 坐标 is a cell holding "lng,lat"; 坐标系 names the coordinate system
    assert canonical_column("坐标") == "lnglat"
    assert canonical_column("坐标系") == "coord_system"


@pytest.mark.parametrize(
    "header", ["备注", "remark", "联系电话", "负责人", "", "   ", "()", "经度差", "lat2", None,
               float("nan")]
)
def test_canonical_column_unknown_header_is_none(header):
    assert canonical_column(header) is None


_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


@st.composite
def decorated_alias(draw):
    """A docs/interface.md alias as a planner might type it: case, spaces, punctuation, width."""
    header, canonical = draw(st.sampled_from(sorted(INTERFACE_ALIASES.items())))
    chars = []
    for ch in header:
        if ch.isascii() and draw(st.booleans()):
            ch = ch.upper()
        if draw(st.booleans()):
            ch = _FULL_WIDTH.get(ch, ch)
        chars.append(ch)
        chars.append(draw(st.sampled_from(["", "", "", " ", "_", "-", ".", "·"])))
    text = draw(st.sampled_from(["", " ", "  ", "\t"])) + "".join(chars)
    text += draw(st.sampled_from(["", " ", ":", "：", "*", "  "]))
    return text, canonical


@settings(max_examples=300, deadline=None)
@given(decorated_alias())
def test_canonical_column_decorations_property(case):
    header, canonical = case
    assert canonical_column(header) == canonical


@pytest.mark.parametrize(
    ("header", "system"),
    [
        ("纬度（GCJ-02）", "gcj02"),
        ("经度(gcj02)", "gcj02"),
        ("gcj02_lng", "gcj02"),
        ("高德经度", "gcj02"),
        ("经度（BD-09）", "bd09"),
        ("bd09_lat", "bd09"),
        ("lng_bd09ll", "bd09"),
        ("百度纬度", "bd09"),
        ("lon (WGS-84)", "wgs84"),
        ("wgs84_lat", "wgs84"),
    ],
)
def test_header_coord_system(header, system):
    assert header_coord_system(header) == system


@pytest.mark.parametrize("header", ["纬度", "经度(°)", "lng", "名称", "坐标系", "【经度】"])
def test_header_coord_system_none(header):
    assert header_coord_system(header) is None


def test_match_columns_maps_canonical_to_headers_as_written():
    headers = ["序号", "站点名称", "阵地类型", "经度（GCJ-02）", "纬度（GCJ-02）", "开放时间",
               "备注"]
    assert match_columns(headers, file="stations.csv") == {
        "id": "序号",
        "name": "站点名称",
        "category": "阵地类型",
        "lon": "经度（GCJ-02）",
        "lat": "纬度（GCJ-02）",
        "hours": "开放时间",
    }


def test_match_columns_english_and_combined():
    headers = ["Code", " Name ", "Location", "Amenities", "Population"]
    assert match_columns(headers) == {
        "id": "Code",
        "name": " Name ",
        "lnglat": "Location",
        "amenities": "Amenities",
        "weight": "Population",
    }


def test_match_columns_use_restricts_columns():
    headers = ["编号", "经度", "纬度", "人数", "设施"]
    found = match_columns(headers, use=("id", "lon", "lat"))
    assert found == {"id": "编号", "lon": "经度", "lat": "纬度"}
    assert "weight" not in found
    assert match_columns(headers, use=["weight"]) == {"weight": "人数"}
    assert match_columns(headers, use=()) == {}


def test_match_columns_ignores_duplicates_outside_use():
    # 人数 and 需求 both mean weight, but weight is not asked for
    headers = ["编号", "人数", "需求"]
    assert match_columns(headers, file="s.csv", use=("id",)) == {"id": "编号"}


@pytest.mark.parametrize(
    ("first", "second", "canonical"),
    [
        ("经度", "lng", "lon"),
        ("纬度", "gcj02_lat", "lat"),
        ("编号", "序号", "id"),
        ("人数", "需求", "weight"),
        ("开放时间", "营业时间", "hours"),
    ],
)
def test_match_columns_two_headers_for_one_column(first, second, canonical):
    with pytest.raises(InputError) as info:
        match_columns(["名称", first, "地址", second], file="stations.csv")
    message = str(info.value)
    assert first in message
    assert second in message
    assert "stations.csv" in message
    assert info.value.file == "stations.csv"
    assert canonical in message


# --- categories --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # docs/domain.md: the four kinds of service position, by Chinese name
        ("爱心补给点", "supply"),
        ("就业蓄能池", "energy_pool"),
        ("海棠加油站", "rest"),
        ("安全训练营", "training"),
        # ... in English
        ("love supply point", "supply"),
        ("Love Supply Point", "supply"),
        ("employment energy pool", "energy_pool"),
        ("Haitang rest stop", "rest"),
        ("safety training camp", "training"),
        ("e-bike charging pile", "charging_pile"),
        # ... by key
        ("supply", "supply"),
        ("energy_pool", "energy_pool"),
        ("ENERGY_POOL", "energy_pool"),
        ("energy pool", "energy_pool"),
        ("rest", "rest"),
        ("training", "training"),
        ("charging_pile", "charging_pile"),
        ("charging-pile", "charging_pile"),
        ("other", "other"),
        # charging piles and other rest stations
        ("充电桩", "charging_pile"),
        ("电动车充电桩", "charging_pile"),
        ("休息驿站", "rest"),
        ("元气加油站", "rest"),
        ("  爱心补给点 ", "supply"),
        ("ＳＵＰＰＬＹ", "supply"),
    ],
)
def test_category_kind(text, kind):
    assert category_kind(text) == kind


@pytest.mark.parametrize(
    "text", ["", "   ", None, float("nan"), "nan", "党建活动室", "便利店", "library", "restaurant"]
)
def test_category_kind_unknown_or_blank_is_other(text):
    assert category_kind(text) == "other"


def test_category_kinds_over_series_with_repeats_and_nan():
    series = pd.Series(
        ["爱心补给点", np.nan, "充电桩", "爱心补给点", None, "training", "便利店", "充电桩",
         "海棠加油站", np.nan]
    )
    kinds = category_kinds(series)
    assert isinstance(kinds, np.ndarray)
    assert kinds.tolist() == [
        "supply", "other", "charging_pile", "supply", "other", "training", "other",
        "charging_pile", "rest", "other",
    ]


def test_category_kinds_plain_list_and_empty():
    assert category_kinds(["就业蓄能池", "休息驿站"]).tolist() == ["energy_pool", "rest"]
    assert len(category_kinds(pd.Series([], dtype=object))) == 0


@pytest.fixture
def categorised() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["S1", "S2", "S3", "S4", "S5", "S6"],
            "category": ["爱心补给点", "海棠加油站", "电动车充电桩", "Community Canteen",
                         "安全训练营", None],
        }
    )


def test_match_category_by_key(categorised):
    assert match_category(categorised, "supply").tolist() == [True, False, False, False, False,
                                                              False]
    assert match_category(categorised, "charging_pile").tolist() == [
        False, False, True, False, False, False]


def test_match_category_by_chinese_text(categorised):
    assert match_category(categorised, "海棠加油站").tolist() == [
        False, True, False, False, False, False]
    # text that maps to a kind by the same rules
    assert match_category(categorised, "补给").tolist() == [True, False, False, False, False,
                                                            False]
    assert match_category(categorised, "休息驿站").tolist() == [
        False, True, False, False, False, False]


def test_match_category_by_english_words(categorised):
    assert match_category(categorised, "love supply point").tolist() == [
        True, False, False, False, False, False]
    assert match_category(categorised, "training camp").tolist() == [
        False, False, False, False, True, False]


def test_match_category_free_text_category_as_written(categorised):
    # a category of no known kind is still found by its own text, without case or spaces
    assert match_category(categorised, "community canteen").tolist() == [
        False, False, False, True, False, False]


def test_match_category_several_queries(categorised):
    got = match_category(categorised, ["supply", "安全训练营", "charging pile"])
    assert got.tolist() == [True, False, True, False, True, False]


def test_match_category_unknown_or_blank_query_matches_nothing(categorised):
    assert not match_category(categorised, "便利店").any()
    assert not match_category(categorised, "").any()
    assert not match_category(categorised, []).any()


def test_match_category_uses_kind_column_when_present():
    df = pd.DataFrame({"category": ["甲", "乙", "丙"], "kind": ["rest", "supply", None]})
    assert match_category(df, "rest").tolist() == [True, False, False]
    assert match_category(df, "爱心补给点").tolist() == [False, True, False]
    assert match_category(df, "乙").tolist() == [False, True, False]


# --- levels ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("街道党群服务中心", "street"),
        ("社区党群服务中心", "community"),
        ("微阵地", "micro"),
        ("沧浪街道党群服务中心", "street"),
        ("沧浪街道南门社区党群服务中心", "community"),  # a community centre named with its street
        ("南门社区微阵地", "micro"),
        ("街道级", "street"),
        ("社区", "community"),
        ("street", "street"),
        ("Street centre", "street"),
        ("subdistrict", "street"),
        ("community", "community"),
        ("community centre", "community"),
        ("micro", "micro"),
        ("micro-position", "micro"),
        ("Micro position", "micro"),
        (" ＳＴＲＥＥＴ ", "street"),
    ],
)
def test_level_key(text, level):
    assert level_key(text) == level


@pytest.mark.parametrize("text", ["", "  ", None, float("nan")])
def test_level_key_blank(text):
    assert level_key(text) == ""


@pytest.mark.parametrize("text", ["区级", "市级", "district", "党群服务中心", "x"])
def test_level_key_unknown(text):
    assert level_key(text) is None


# --- amenities ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "饮用水;医护药箱;充电设备",
        "饮用水；医护药箱；充电设备",
        "饮用水、医护药箱、充电设备",
        "饮用水,医护药箱,充电设备",
        "饮用水，医护药箱，充电设备",
        "饮用水 医护药箱 充电设备",
        "饮用水、 医护药箱 ； 充电设备",
        " 饮用水  医护药箱;;充电设备 ",
    ],
)
def test_parse_amenities_separators(text):
    assert parse_amenities(text) == ("water", "medical", "charging")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("医护药箱", ("medical",)),
        ("充电设备", ("charging",)),
        ("充电", ("charging",)),
        ("饮水", ("water",)),
        ("医药箱", ("medical",)),
        ("厕所", ("toilet",)),
        ("阅读书架", ("reading",)),
        ("避暑取暖", ("aircon",)),
        ("歇脚充电", ("rest", "charging")),  # docs/domain.md: rest and recharge, in one word
        ("water, wifi", ("water", "wifi")),
        ("WiFi", ("wifi",)),
        ("Toilet; Charging", ("toilet", "charging")),
        ("ｗａｔｅｒ", ("water",)),
    ],
)
def test_parse_amenities_known_words(text, expected):
    assert parse_amenities(text) == expected


def test_parse_amenities_domain_list():
    # docs/domain.md: charging equipment, drinking water, medical kit, reading shelf
    assert parse_amenities("充电设备、饮用水、医护药箱、阅读书架") == (
        "charging", "water", "medical", "reading")


def test_parse_amenities_keeps_unknown_words_in_order():
    assert parse_amenities("按摩椅、饮用水、学习增能") == ("按摩椅", "water", "学习增能")


def test_parse_amenities_no_duplicates():
    assert parse_amenities("饮水、饮用水、water、充电、充电桩、饮水") == ("water", "charging")
    assert parse_amenities("按摩椅;按摩椅") == ("按摩椅",)


def test_parse_amenities_order_kept():
    assert parse_amenities("wifi;water") == ("wifi", "water")
    assert parse_amenities("water;wifi") == ("water", "wifi")
    assert parse_amenities("厕所、充电、饮水") == ("toilet", "charging", "water")


@pytest.mark.parametrize("text", ["", "  ", None, float("nan"), "无", ";、,"])
def test_parse_amenities_blank(text):
    assert parse_amenities(text) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drinking water", ("water",)),
        ("medical kit", ("medical",)),
        ("first aid", ("medical",)),
        ("air conditioning", ("aircon",)),
    ],
)
def test_parse_amenities_multiword_english(text, expected):
    assert parse_amenities(text) == expected


def test_normalize_amenities():
    values = pd.Series(["饮用水、医护药箱；充电", None, "", "water", "饮用水、医护药箱；充电",
                        np.nan, "按摩椅, wifi"])
    assert normalize_amenities(values).tolist() == [
        "water;medical;charging", "", "", "water", "water;medical;charging", "", "按摩椅;wifi"]


@pytest.fixture
def amenity_lists() -> pd.Series:
    return pd.Series(
        [
            "water;charging",  # normalised
            "饮用水、充电设备、厕所",  # as written
            "饮水",
            "医护药箱；阅读书架",
            None,
            "",
            "充电桩",
            "按摩椅",
        ]
    )


@pytest.mark.parametrize("query", ["charging", "充电", "充电设备", "Charging", "charger"])
def test_has_amenity_single(amenity_lists, query):
    assert has_amenity(amenity_lists, query).tolist() == [
        True, True, False, False, False, False, True, False]


@pytest.mark.parametrize("query", ["water", "饮用水", "饮水", "WATER"])
def test_has_amenity_water(amenity_lists, query):
    assert has_amenity(amenity_lists, query).tolist() == [
        True, True, True, False, False, False, False, False]


@pytest.mark.parametrize(
    "query", ["充电、饮水", "charging, water", "water;充电", "饮用水 charging"]
)
def test_has_amenity_several_words_mean_all(amenity_lists, query):
    assert has_amenity(amenity_lists, query).tolist() == [
        True, True, False, False, False, False, False, False]


def test_has_amenity_all_three(amenity_lists):
    assert has_amenity(amenity_lists, "厕所、充电、饮水").tolist() == [
        False, True, False, False, False, False, False, False]


def test_has_amenity_unknown_word_found_as_written(amenity_lists):
    assert has_amenity(amenity_lists, "按摩椅").tolist() == [
        False, False, False, False, False, False, False, True]
    assert not has_amenity(amenity_lists, "桑拿").any()


@pytest.mark.parametrize("query", ["", "  ", None])
def test_has_amenity_blank_query_is_all_true(amenity_lists, query):
    got = has_amenity(amenity_lists, query)
    assert got.dtype == bool
    assert got.tolist() == [True] * len(amenity_lists)


def test_has_amenity_english_label_query(amenity_lists):
    assert has_amenity(amenity_lists, "drinking water").tolist() == [
        True, True, True, False, False, False, False, False]


# --- opening hours -----------------------------------------------------------------------------

FULL = ((0, 1440),)


@pytest.mark.parametrize(
    "text", ["24h", "24H", "24小时", "24 小时", "全天", "全天候", "00:00-24:00", "0:00-24:00",
             "００：００－２４：００"]
)
def test_parse_hours_full_day(text):
    assert parse_hours(text) == FULL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30-21:00", ((8 * 60 + 30, 21 * 60),)),
        ("8:30-21:00", ((8 * 60 + 30, 21 * 60),)),
        (" 08:30 - 21:00 ", ((8 * 60 + 30, 21 * 60),)),
        ("０８：３０－２１：００", ((8 * 60 + 30, 21 * 60),)),
        ("08:30至21:00", ((8 * 60 + 30, 21 * 60),)),
        ("08:30~21:00", ((8 * 60 + 30, 21 * 60),)),
        ("08:30～21:00", ((8 * 60 + 30, 21 * 60),)),
        ("08:30–21:00", ((8 * 60 + 30, 21 * 60),)),
        ("08:30—21:00", ((8 * 60 + 30, 21 * 60),)),
        ("08:30到21:00", ((8 * 60 + 30, 21 * 60),)),
        ("08:00-12:00，14:00-18:00", ((8 * 60, 12 * 60), (14 * 60, 18 * 60))),
        ("08:00-12:00, 14:00-18:00", ((8 * 60, 12 * 60), (14 * 60, 18 * 60))),
        ("08:00-12:00；14:00-18:00", ((8 * 60, 12 * 60), (14 * 60, 18 * 60))),
        ("08:00-12:00、14:00-18:00", ((8 * 60, 12 * 60), (14 * 60, 18 * 60))),
        ("08:00-12:00 14:00-18:00", ((8 * 60, 12 * 60), (14 * 60, 18 * 60))),
        ("20:00-02:00", ((20 * 60, 2 * 60),)),  # passes midnight: start > end
        ("18:00-24:00", ((18 * 60, 1440),)),
        ("00:00-06:15", ((0, 6 * 60 + 15),)),
    ],
)
def test_parse_hours_ranges(text, expected):
    assert parse_hours(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", float("nan"), "nan"])
def test_parse_hours_blank_is_none(text):
    assert parse_hours(text) is None


@pytest.mark.parametrize(
    "text",
    ["garbage", "早上八点到晚上九点", "08:30", "08:30-", "-21:00", "0830-2100", "25:00-26:00",
     "25:00-08:00", "08:00-25:00", "24:01-08:00",
     "08:60-09:00", "24:30-01:00", "08:00-12:00,abc", "08:00-12:00/14:00-18:00"],
)
def test_parse_hours_not_understood(text):
    with pytest.raises(HoursError):
        parse_hours(text)
    assert issubclass(HoursError, ValueError)


def _is_open(hours, minute):
    is_open, unknown = open_at(pd.Series([hours]), minute)
    assert not unknown[0]
    return bool(is_open[0])


def test_open_at_boundaries():
    hours = "08:30-21:00"
    assert not _is_open(hours, 8 * 60 + 29)
    assert _is_open(hours, 8 * 60 + 30)  # start included
    assert _is_open(hours, 21 * 60 - 1)
    assert not _is_open(hours, 21 * 60)  # end excluded
    assert not _is_open(hours, 0)
    assert not _is_open(hours, 1440)


@pytest.mark.parametrize(
    ("minute", "expected"),
    [
        (23 * 60, True),
        (1 * 60, True),
        (3 * 60, False),
        (20 * 60, True),
        (20 * 60 - 1, False),
        (2 * 60 - 1, True),
        (2 * 60, False),
        (0, True),
        (1440, True),
        (12 * 60, False),
    ],
)
def test_open_at_passing_midnight(minute, expected):
    assert _is_open("20:00-02:00", minute) is expected


@pytest.mark.parametrize("hours", ["24h", "全天", "00:00-24:00", "24小时"])
@pytest.mark.parametrize("minute", [0, 1, 359, 720, 1439, 1440])
def test_open_at_full_day(hours, minute):
    assert _is_open(hours, minute)


def test_open_at_several_ranges():
    hours = "08:00-12:00，14:00-18:00"
    assert _is_open(hours, 9 * 60)
    assert not _is_open(hours, 13 * 60)
    assert _is_open(hours, 14 * 60)
    assert not _is_open(hours, 18 * 60)


def test_open_at_unknown_and_blank_hours():
    hours = pd.Series(["08:00-20:00", None, "", np.nan, "garbage", "25:00-26:00", "24h",
                       "20:00-02:00"])
    is_open, unknown = open_at(hours, 12 * 60)
    assert is_open.dtype == bool and unknown.dtype == bool
    assert unknown.tolist() == [False, True, True, True, True, True, False, False]
    assert is_open.tolist() == [True, False, False, False, False, False, True, False]
    assert not (is_open & unknown).any()


def test_open_at_minute_1440_is_midnight():
    hours = pd.Series(["00:00-01:00", "20:00-24:00", "23:00-00:30", "24h", "08:00-20:00", None])
    at_1440 = open_at(hours, 1440)
    at_0 = open_at(hours, 0)
    np.testing.assert_array_equal(at_1440[0], at_0[0])
    np.testing.assert_array_equal(at_1440[1], at_0[1])
    assert at_0[0].tolist() == [True, False, True, True, False, False]


def test_open_at_empty():
    is_open, unknown = open_at(pd.Series([], dtype=object), 600)
    assert len(is_open) == 0 and len(unknown) == 0


def _reference_open_minutes(start: int, end: int) -> set[int]:
    """Minutes open for a range, stepping one minute at a time from start, wrapping at 1440.

    A range ending where it starts (00:00-24:00, 08:00-08:00) is open all day.
    """
    minutes = set()
    t = start % 1440
    stop = end % 1440
    while True:
        minutes.add(t)
        t = (t + 1) % 1440
        if t == stop:
            return minutes


_DASH_CHOICES = ["-", " - ", "–", "—", "~", "～", "至", "到", "－"]
_SEP_CHOICES = [",", "，", "、", ";", "；", " ", ", "]


@st.composite
def time_of_day(draw, *, allow_24: bool) -> tuple[str, int]:
    hour = draw(st.integers(0, 24 if allow_24 else 23))
    minute = 0 if hour == 24 else draw(st.integers(0, 59))
    text = f"{hour:02d}:{minute:02d}" if draw(st.booleans()) else f"{hour}:{minute:02d}"
    if draw(st.integers(0, 4)) == 0:  # sometimes full-width, as a Chinese input method types it
        text = "".join(_FULL_WIDTH.get(ch, ch) for ch in text)
    return text, hour * 60 + minute


@st.composite
def hours_text(draw) -> tuple[str, set[int], set[int]]:
    """Opening hours of 1-3 random ranges, the minutes they are open and their edge minutes."""
    parts = []
    open_minutes: set[int] = set()
    edges = {0, 1439}
    for _ in range(draw(st.integers(1, 3))):
        start_text, start = draw(time_of_day(allow_24=False))
        end_text, end = draw(time_of_day(allow_24=True))
        parts.append(start_text + draw(st.sampled_from(_DASH_CHOICES)) + end_text)
        open_minutes |= _reference_open_minutes(start, end)
        edges |= {(start - 1) % 1440, start % 1440, (end - 1) % 1440, end % 1440}
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.sampled_from(_SEP_CHOICES)) + part
    return text, open_minutes, edges


def test_reference_itself():
    assert _reference_open_minutes(8 * 60, 9 * 60) == set(range(480, 540))
    assert _reference_open_minutes(23 * 60, 60) == set(range(1380, 1440)) | set(range(60))
    assert _reference_open_minutes(0, 1440) == set(range(1440))
    assert _reference_open_minutes(600, 600) == set(range(1440))


@settings(max_examples=400, deadline=None)
@given(st.lists(hours_text(), min_size=1, max_size=4), st.integers(0, 1440))
def test_open_at_matches_minute_by_minute_reference(cases, minute):
    texts = [text for text, _, _ in cases]
    # repeat the first value so that per-distinct-value evaluation is exercised too
    series = pd.Series([*texts, texts[0]])
    is_open, unknown = open_at(series, minute)
    expected = [(minute % 1440) in open_minutes for _, open_minutes, _ in cases]
    expected.append(expected[0])
    assert not unknown.any()
    assert is_open.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(hours_text())
def test_open_at_edges_match_reference(case):
    # the minutes either side of every start and end, where off-by-one errors show
    text, open_minutes, edges = case
    series = pd.Series([text])
    for minute in sorted(edges):
        assert bool(open_at(series, minute)[0][0]) is (minute in open_minutes), (text, minute)


@settings(max_examples=20, deadline=None)
@given(hours_text())
def test_open_at_whole_day_matches_reference(case):
    text, open_minutes, _ = case
    series = pd.Series([text])
    got = {m for m in range(1440) if open_at(series, m)[0][0]}
    assert got == open_minutes


@pytest.mark.parametrize("text", ["7×24小时", "7x24小时", "24:00-00:00", "08:00-08:00"])
def test_parse_hours_more_full_day_forms(text):
    assert parse_hours(text) == ((0, 1440),)
    is_open, unknown = open_at(pd.Series([text]), 3 * 60)
    assert is_open.tolist() == [True] and unknown.tolist() == [False]


def test_category_kind_plural_energy_pools():
    assert category_kind("energy pools") == "energy_pool"
