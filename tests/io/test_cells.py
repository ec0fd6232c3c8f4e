"""Single cells (``geo.io.cells``): degrees as people write them, ``lng,lat`` pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _helpers.io import _stations_with, xy
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io import parse_degrees, split_lnglat

DMS_LON = 120 + 36 / 60 + 44 / 3600
DMS_LAT = 31 + 17 / 60 + 30.5 / 3600


plain_numbers = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(repr),
    st.from_regex(r"\A[+-]?[0-9]{1,4}(\.[0-9]{1,9})?\Z"),
    st.floats(min_value=-180, max_value=180, allow_nan=False).map(lambda v: f"{v:.6f}"),
)


def _dms(value: float, style: int) -> str:
    hemi = ("E", "W") if style % 2 else ("N", "S")
    sign = value < 0
    v = abs(value)
    deg = int(v)
    minutes = int((v - deg) * 60)
    seconds = max(0.0, (v - deg - minutes / 60) * 3600)
    if f"{seconds:.6f}" == "60.000000":  # rounds up to a full minute
        seconds, minutes = 0.0, minutes + 1
        if minutes == 60:
            deg, minutes = deg + 1, 0
    if style in (0, 1):
        return f"{deg}°{minutes}′{seconds:.6f}″{hemi[sign]}"
    if style == 2:
        return f"{'-' if sign else ''}{deg}度{minutes}分{seconds:.6f}秒"
    return f"{'-' if sign else ''}{deg}°{minutes}'{seconds:.6f}\""


# --- coordinates as written -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "want_lon", "want_lat"),
    [
        ("１２０．６", "３１．３", 120.6, 31.3),
        ("120.6°", "31.3°", 120.6, 31.3),
        ("120°36′44″E", "31°17′30.5″N", DMS_LON, DMS_LAT),
        ("120度36分44秒", "31度17分30.5秒", DMS_LON, DMS_LAT),
        ("120°36'44\"", "31°17'30.5\"", DMS_LON, DMS_LAT),
        ("东经120.6", "北纬31.3", 120.6, 31.3),
        ("120.6E", "31.3N", 120.6, 31.3),
        (" 120.6 ", "31.3n", 120.6, 31.3),
    ],
)
def test_messy_degrees_in_csv(tmp_path, lon, lat, want_lon, want_lat):
    _, gdf = _stations_with(tmp_path, [("120.5", "31.2"), (lon, lat)], encoding="gb18030")
    assert gdf.attrs["rejected"] == []
    got_lon, got_lat = xy(gdf)
    assert got_lon[1] == pytest.approx(want_lon, abs=1e-9)
    assert got_lat[1] == pytest.approx(want_lat, abs=1e-9)
    assert got_lon[0] == 120.5


def test_parse_degrees_direct():
    values = pd.Series(["120.5", "１２０．６", "120°36′44″E", "31.3S", "西经73.9", "abc", "", None,
                        "120°75′", "W120°30′"], dtype=object)
    deg, bad = parse_degrees(values)
    assert deg[0] == 120.5 and deg[1] == pytest.approx(120.6)
    assert deg[2] == pytest.approx(DMS_LON, abs=1e-12)
    assert deg[3] == pytest.approx(-31.3) and deg[4] == pytest.approx(-73.9)
    assert np.isnan(deg[5:9]).all()
    assert deg[9] == pytest.approx(-120.5)
    assert bad.tolist() == [False, False, False, False, False, True, False, False, True, False]
    deg, bad = parse_degrees(pd.Series([120.5, np.nan]))
    assert deg[0] == 120.5 and np.isnan(deg[1]) and not bad.any()


def test_split_lnglat_direct():
    lon, lat, bad = split_lnglat(
        pd.Series(["120.61,31.29", "120.61，31.29", "120.61 31.29", "(120.61, 31.29)", "120.61",
                   "", None, "1,2,3"], dtype=object)
    )
    assert lon.tolist()[:4] == ["120.61"] * 4
    assert lat.tolist()[:4] == ["31.29"] * 4
    assert bad.tolist() == [False, False, False, False, True, False, False, True]


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(plain_numbers, min_size=1, max_size=20))
def test_parse_degrees_agrees_with_float(texts):
    deg, bad = parse_degrees(pd.Series(texts, dtype=object))
    assert not bad.any()
    assert deg.tolist() == [float(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-180, max_value=180, allow_nan=False), st.integers(0, 3))
def test_dms_round_trip(value, style):
    text = _dms(value, style)
    deg, bad = parse_degrees(pd.Series([text], dtype=object))
    assert not bad[0], text
    assert deg[0] == pytest.approx(value, abs=1e-6), text
