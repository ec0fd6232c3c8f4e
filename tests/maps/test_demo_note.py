"""Every demo's map says its data are illustrative (the stations of all three are invented)."""

from __future__ import annotations

import pandas as pd
from _helpers import ROOT

import geo
from geo.maps import map_html

NOTE = "示意数据，非调查数据"


def test_the_helsinki_demo_map_is_labelled_illustrative() -> None:
    hel = ROOT / "data" / "helsinki"
    result = geo.analyze(str(hel / "stations.csv"), demand=str(hel / "demand.csv"),
                         area=str(hel / "area.geojson"))
    assert NOTE in map_html(result, assets="cdn")


def test_a_users_own_data_is_not() -> None:
    stations = geo.read_stations(
        pd.DataFrame({"id": ["A"], "lon": [120.6], "lat": [31.3]}))
    result = geo.analyze(stations)
    assert NOTE not in map_html(result, assets="cdn")
