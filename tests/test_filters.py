"""geo.filters.select_stations on small station tables built here.

Stations are GeoDataFrames shaped like geo.read_stations' output (``id``,
``category``, ``kind``, ``amenities``, ``hours``, ``row``; ``attrs["source"]``),
so these tests do not depend on the reader.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.errors import Rejected, SettingsError
from geo.filters import select_stations
from geo.settings import Settings

SOURCE = "stations.csv"


def make(rows: list[dict[str, Any]], *, source: str = SOURCE, drop: tuple[str, ...] = ()):
    """A station table: one dict per station; ``row`` defaults to 2, 3, …"""
    n = len(rows)
    data: dict[str, list[Any]] = {
        "id": [r.get("id", f"S{i + 1:03d}") for i, r in enumerate(rows)],
        "category": [r.get("category") for r in rows],
        "amenities": [r.get("amenities") for r in rows],
        "hours": [r.get("hours") for r in rows],
        "row": [r.get("row", i + 2) for i, r in enumerate(rows)],
    }
    if any("kind" in r for r in rows):
        data["kind"] = [r.get("kind") for r in rows]
    for col in drop:
        data.pop(col)
    lon = 120.60 + 0.001 * np.arange(n)
    lat = np.full(n, 31.29)
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": source, "rejected": [], "warnings": []}
    return gdf


FOUR_KINDS = [
    {"category": "爱心补给点", "kind": "supply"},
    {"category": "就业蓄能池", "kind": "energy_pool"},
    {"category": "海棠加油站", "kind": "rest"},
    {"category": "安全训练营", "kind": "training"},
    {"category": "爱心补给点", "kind": "supply"},
]


# --- no filter ---------------------------------------------------------------------------------


def test_no_filter_uses_everything() -> None:
    st = make([{"hours": None}, {"hours": "junk"}, {}])
    used, excluded, notes = select_stations(st, Settings())
    assert used.dtype == bool
    assert used.tolist() == [True, True, True]
    assert excluded.tolist() == ["", "", ""]
    assert notes == []


def test_empty_table() -> None:
    st = make([])
    used, excluded, notes = select_stations(
        st, Settings(categories=("supply",), amenity="充电", at="12:00")
    )
    assert used.shape == (0,) and excluded.shape == (0,)
    assert notes == []


# --- category ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (("爱心补给点",), [True, False, False, False, True]),
        (("supply",), [True, False, False, False, True]),
        (("补给",), [True, False, False, False, True]),
        (("love supply point",), [True, False, False, False, True]),
        (("海棠加油站",), [False, False, True, False, False]),
        (("rest",), [False, False, True, False, False]),
        (("安全训练营", "energy_pool"), [False, True, False, True, False]),
        (("supply", "rest", "training"), [True, False, True, True, True]),
        (("充电桩",), [False] * 5),
    ],
)
def test_category(query: tuple[str, ...], expected: list[bool]) -> None:
    used, excluded, notes = select_stations(make(FOUR_KINDS), Settings(categories=query))
    assert used.tolist() == expected
    assert [e == "" for e in excluded] == expected
    assert all(e == "category not selected" for e, u in zip(excluded, used, strict=True) if not u)
    assert notes == []


def test_category_without_kind_column() -> None:
    """Without the reader's ``kind`` column the kind is derived from the category text."""
    rows = [{"category": r["category"]} for r in FOUR_KINDS]
    used, _, _ = select_stations(make(rows), Settings(categories=("supply",)))
    assert used.tolist() == [True, False, False, False, True]
    used, _, _ = select_stations(make(rows), Settings(categories=("爱心补给点",)))
    assert used.tolist() == [True, False, False, False, True]


def test_category_chinese_and_key_agree() -> None:
    st = make(FOUR_KINDS)
    for zh, key in [
        ("爱心补给点", "supply"),
        ("就业蓄能池", "energy_pool"),
        ("海棠加油站", "rest"),
        ("安全训练营", "training"),
    ]:
        a, _, _ = select_stations(st, Settings(categories=(zh,)))
        b, _, _ = select_stations(st, Settings(categories=(key,)))
        assert a.tolist() == b.tolist()
        assert a.any()


def test_category_free_text_as_written() -> None:
    """A category of no known kind matches its own text exactly."""
    st = make([{"category": "骑手之家"}, {"category": "爱心补给点"}, {"category": "骑手驿家"}])
    used, excluded, _ = select_stations(st, Settings(categories=("骑手之家",)))
    assert used.tolist() == [True, False, False]
    assert excluded.tolist() == ["", "category not selected", "category not selected"]


# --- amenity -----------------------------------------------------------------------------------


AMENITY_ROWS = [
    {"amenities": "充电设备、饮用水、医护药箱"},
    {"amenities": "饮用水、阅读书架"},
    {"amenities": "charging;water"},  # already normalised by the reader
    {"amenities": "water"},
    {"amenities": None},
    {"amenities": "充电"},
]


@pytest.mark.parametrize("query", ["充电", "charging", "充电设备", "Charging", "charger"])
def test_amenity_charging(query: str) -> None:
    used, excluded, notes = select_stations(make(AMENITY_ROWS), Settings(amenity=query))
    assert used.tolist() == [True, False, True, False, False, True]
    assert excluded.tolist() == ["", f"no {query}", "", f"no {query}", f"no {query}", ""]
    assert notes == []


def test_amenity_several_words_all_required() -> None:
    used, _, _ = select_stations(make(AMENITY_ROWS), Settings(amenity="充电、饮水"))
    assert used.tolist() == [True, False, True, False, False, False]


def test_amenity_without_column_excludes_all() -> None:
    st = make(AMENITY_ROWS, drop=("amenities",))
    used, excluded, _ = select_stations(st, Settings(amenity="充电"))
    assert not used.any()
    assert set(excluded.tolist()) == {"no 充电"}


def test_blank_amenity_is_no_filter() -> None:
    used, _, _ = select_stations(make(AMENITY_ROWS), Settings(amenity="  "))
    assert used.all()


# --- opening hours -----------------------------------------------------------------------------


HOURS = ["24小时", "全天", "09:00-21:00", "18:00-02:00", "22:00-06:00", "08:00-12:00,14:00-18:00"]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("12:00", [True, True, True, False, False, False]),
        ("13:00", [True, True, True, False, False, False]),
        ("15:00", [True, True, True, False, False, True]),
        ("09:00", [True, True, True, False, False, True]),  # a range includes its start
        ("21:00", [True, True, False, True, False, False]),  # … and excludes its end
        ("23:00", [True, True, False, True, True, False]),
        ("00:00", [True, True, False, True, True, False]),
        ("24:00", [True, True, False, True, True, False]),  # 24:00 is midnight again
        ("01:59", [True, True, False, True, True, False]),
        ("02:00", [True, True, False, False, True, False]),
        ("05:59", [True, True, False, False, True, False]),
        ("06:00", [True, True, False, False, False, False]),
        ("17:59", [True, True, True, False, False, True]),
        ("18:00", [True, True, True, True, False, False]),
        ("7:30", [True, True, False, False, False, False]),
    ],
)
def test_open_at(at: str, expected: list[bool]) -> None:
    st = make([{"hours": h} for h in HOURS])
    used, excluded, notes = select_stations(st, Settings(at=at))
    assert used.tolist() == expected
    when = Settings(at=at).at
    for u, e in zip(used, excluded, strict=True):
        assert e == ("" if u else f"closed at {when}")
    assert notes == []


def test_at_is_normalised_in_reasons() -> None:
    st = make([{"hours": "09:00-21:00"}])
    _, excluded, _ = select_stations(st, Settings(at="7:30"))
    assert excluded.tolist() == ["closed at 07:30"]


def test_unknown_hours_produce_notes() -> None:
    st = make(
        [
            {"hours": "24小时", "row": 2},
            {"hours": None, "row": 3},
            {"hours": "周一至周五", "row": 5},  # not understood
            {"hours": "", "row": 9},
            {"hours": "09:00-21:00", "row": 11},
        ]
    )
    used, excluded, notes = select_stations(st, Settings(at="23:00"))
    assert used.tolist() == [True, False, False, False, False]
    assert excluded.tolist() == [
        "",
        "opening hours unknown",
        "opening hours unknown",
        "opening hours unknown",
        "closed at 23:00",
    ]
    assert all(isinstance(n, Rejected) for n in notes)
    assert [(n.file, n.row, n.column) for n in notes] == [
        (SOURCE, 3, "hours"),
        (SOURCE, 5, "hours"),
        (SOURCE, 9, "hours"),
    ]
    assert all("23:00" in n.reason for n in notes)
    assert all(isinstance(n.row, int) for n in notes)


def test_unknown_hours_without_row_column_counts_from_2() -> None:
    st = make([{"hours": "全天"}, {"hours": None}, {"hours": None}], drop=("row",))
    _, _, notes = select_stations(st, Settings(at="10:00"))
    assert [(n.row, n.column) for n in notes] == [(3, "hours"), (4, "hours")]


def test_without_hours_column_every_station_is_unknown() -> None:
    st = make([{}, {}], drop=("hours",), source="piles.xlsx")
    used, excluded, notes = select_stations(st, Settings(at="10:00"))
    assert not used.any()
    assert excluded.tolist() == ["opening hours unknown"] * 2
    assert [(n.file, n.row, n.column) for n in notes] == [
        ("piles.xlsx", 2, "hours"),
        ("piles.xlsx", 3, "hours"),
    ]


def test_no_note_for_station_already_filtered_out() -> None:
    """A station another filter removed is not reported for its unknown hours."""
    st = make(
        [
            {"category": "爱心补给点", "kind": "supply", "hours": None},
            {"category": "海棠加油站", "kind": "rest", "hours": None},
        ]
    )
    used, excluded, notes = select_stations(st, Settings(categories=("supply",), at="12:00"))
    assert not used.any()
    assert excluded.tolist() == ["opening hours unknown", "category not selected"]
    assert [n.row for n in notes] == [2]


def test_invalid_at_is_a_settings_error() -> None:
    for text in ("25:00", "24:30", "noon", "12:60"):
        with pytest.raises(SettingsError):
            Settings(at=text)


# --- filters together --------------------------------------------------------------------------


def test_filters_combine_and_first_reason_wins() -> None:
    st = make(
        [
            {"category": "爱心补给点", "kind": "supply", "amenities": "充电", "hours": "全天"},
            {"category": "爱心补给点", "kind": "supply", "amenities": "饮用水", "hours": "全天"},
            {
                "category": "爱心补给点",
                "kind": "supply",
                "amenities": "充电",
                "hours": "09:00-21:00",
            },
            {
                "category": "海棠加油站",
                "kind": "rest",
                "amenities": "饮用水",
                "hours": "09:00-21:00",
            },
            {
                "category": "爱心补给点",
                "kind": "supply",
                "amenities": "充电",
                "hours": "20:00-01:00",
            },
        ]
    )
    s = Settings(categories=("爱心补给点",), amenity="充电", at="23:30")
    used, excluded, notes = select_stations(st, s)
    assert used.tolist() == [True, False, False, False, True]
    assert excluded.tolist() == [
        "",
        "no 充电",
        "closed at 23:30",
        "category not selected",  # also lacks charging and is closed: the first reason stays
        "",
    ]
    assert notes == []
    # the result does not depend on whether the filters run together or one by one
    alone = np.ones(len(st), dtype=bool)
    for one in (
        Settings(categories=("爱心补给点",)),
        Settings(amenity="充电"),
        Settings(at="23:30"),
    ):
        alone &= select_stations(st, one)[0]
    assert alone.tolist() == used.tolist()


def test_input_table_is_not_modified() -> None:
    st = make(FOUR_KINDS)
    before = st.copy()
    select_stations(st, Settings(categories=("supply",), amenity="充电", at="03:00"))
    assert st.equals(before)
    assert st.attrs["source"] == SOURCE
