"""geo.inputs: every input read once, typed; rejected rows gathered in order, none dropped."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo
from geo.errors import InputError, Rejected
from geo.inputs import Inputs, combine_stations, load_inputs, read_station_inputs
from geo.io.table import Table

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "canglang"


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_are_read_once_with_their_names() -> None:
    inputs = load_inputs([DEMO / "stations.csv", DEMO / "charging_piles.csv"],
                         demand=DEMO / "demand.csv", area=DEMO / "area.geojson",
                         grids=DEMO / "grids.geojson")
    assert isinstance(inputs, Inputs)
    n_st = len(geo.read_stations(DEMO / "stations.csv"))
    n_piles = len(geo.read_stations(DEMO / "charging_piles.csv"))
    assert len(inputs.stations) == n_st + n_piles
    assert len(inputs.demand) == len(geo.read_demand(DEMO / "demand.csv"))
    assert inputs.sources == {
        "stations": f"{DEMO / 'stations.csv'}, {DEMO / 'charging_piles.csv'}",
        "demand": str(DEMO / "demand.csv"),
        "area": str(DEMO / "area.geojson"),
        "grids": str(DEMO / "grids.geojson"),
    }
    files = inputs.station_files()
    assert (files[:n_st] == str(DEMO / "stations.csv")).all()
    assert (files[n_st:] == str(DEMO / "charging_piles.csv")).all()
    np.testing.assert_array_equal(inputs.station_rows(), inputs.stations["row"].to_numpy())


def test_rejected_rows_of_every_input_in_order(tmp_path: Path) -> None:
    st = _csv(tmp_path / "st.csv", "编号,经度,纬度\nA,120.61,31.29\nB,abc,31.29\n")
    dm = _csv(tmp_path / "dm.csv", "编号,经度,纬度,人数\nD1,120.61,31.29,3\nD2,120.62,31.29,-1\n")
    area = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[shapely.box(120.6, 31.28, 120.63, 31.3), shapely.Point(120.6, 31.28)],
        crs=4326,
    )
    area_file = tmp_path / "area.geojson"
    area.to_file(area_file, driver="GeoJSON")
    inputs = load_inputs(st, demand=dm, area=area_file)
    got = [(r.file, r.row, r.column) for r in inputs.rejected]
    # stations, demand, then the study area (whose point feature was once dropped unreported)
    assert got == [(str(st), 3, "lon"), (str(dm), 3, "weight"), (str(area_file), 2, "geometry")]
    assert all(isinstance(r, Rejected) for r in inputs.rejected)


def test_an_id_used_again_in_a_later_file_is_rejected_there(tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", "编号,经度,纬度\nX1,120.61,31.29\nX2,120.62,31.29\n")
    b = _csv(tmp_path / "b.csv", "编号,经度,纬度\nX2,120.63,31.29\nX3,120.64,31.29\n")
    table = combine_stations(read_station_inputs([a, b]))
    assert table.frame["id"].tolist() == ["X1", "X2", "X3"]
    assert table.frame["source_file"].tolist() == [str(a), str(a), str(b)]
    (rej,) = table.rejected
    assert (rej.file, rej.row, rej.column) == (str(b), 2, "id")
    assert str(a) in rej.reason
    # rows in = rows used + rows rejected
    assert len(table.frame) + len(table.rejected) == 4


def test_a_frame_from_the_readers_keeps_its_rejected_rows(tmp_path: Path) -> None:
    st = _csv(tmp_path / "st.csv", "编号,经度,纬度\nA,120.61,31.29\nB,,\n")
    frame = geo.read_stations(st)
    inputs = load_inputs(frame)
    assert inputs.stations is frame
    assert [(r.file, r.row) for r in inputs.rejected] == [(str(st), 3)]
    assert inputs.sources["stations"] == str(st)


def test_a_plain_table_with_coordinates_is_read_like_a_file() -> None:
    df = pd.DataFrame({"id": ["A", "B"], "lon": [120.61, 120.62], "lat": [31.29, 31.30]})
    result = geo.analyze(df, area=shapely.box(120.60, 31.28, 120.63, 31.31))
    assert result.stations["id"].tolist() == ["A", "B"]
    assert result.stations_used == 2
    np.testing.assert_allclose(result.stations.geometry.x, [120.61, 120.62])


def test_a_shapely_area_is_taken_in_wgs84() -> None:
    box = shapely.box(120.60, 31.28, 120.63, 31.31)
    inputs = load_inputs(geo.read_stations(DEMO / "stations.csv"), area=box)
    assert inputs.area.crs.to_epsg() == 4326
    assert inputs.area.geometry.iloc[0].equals(box)


def test_with_stations_keeps_everything_else() -> None:
    inputs = load_inputs(DEMO / "stations.csv", demand=DEMO / "demand.csv")
    fewer = inputs.stations.iloc[:3]
    other = inputs.with_stations(fewer)
    assert other.stations is fewer and other.demand is inputs.demand
    assert other.sources == inputs.sources and inputs.stations is not fewer


def test_no_station_file_is_an_error() -> None:
    with pytest.raises(InputError, match="no station file"):
        combine_stations([])


def test_table_view_is_the_documented_attrs_form() -> None:
    frame = gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.Point(1, 2)], crs=4326)
    rej = [Rejected("f.csv", 3, "lat", "bad")]
    view = Table(frame, "f.csv", rej, []).view()
    assert view.attrs == {"source": "f.csv", "rejected": rej, "warnings": []}
    again = Table.of(view)
    assert again.source == "f.csv" and again.rejected == rej


# --- files with a header and no rows (issue 18 item 13) ----------------------------------------


def test_a_header_only_station_file_is_refused(tmp_path: Path) -> None:
    """Was: exit 0 and coverage 0 without a word."""
    empty = _csv(tmp_path / "stations.csv", "编号,名称,经度,纬度\n")
    with pytest.raises(InputError, match="no stations: the file has no rows") as info:
        load_inputs(empty, demand=DEMO / "demand.csv")
    assert info.value.file == str(empty)


def test_a_header_only_station_file_beside_others_is_a_warning(tmp_path: Path) -> None:
    empty = _csv(tmp_path / "piles.csv", "编号,名称,经度,纬度\n")
    inputs = load_inputs([DEMO / "stations.csv", empty], demand=DEMO / "demand.csv")
    assert len(inputs.stations) == 46
    assert [(w.file, w.row) for w in inputs.warnings] == [(str(empty), 1)]
    assert "no rows below its header" in inputs.warnings[0].reason


def test_siting_may_start_from_a_header_only_station_file(tmp_path: Path) -> None:
    empty = _csv(tmp_path / "stations.csv", "编号,名称,经度,纬度\n")
    inputs = load_inputs(empty, demand=DEMO / "demand.csv", empty_stations="warn")
    assert len(inputs.stations) == 0 and "no existing station" in inputs.warnings[0].reason


def test_a_station_file_whose_rows_are_all_rejected_is_not_called_empty(tmp_path: Path) -> None:
    bad = _csv(tmp_path / "stations.csv", "编号,经度,纬度\nS1,abc,31.28\n")
    inputs = load_inputs(bad, demand=DEMO / "demand.csv")
    assert [r.row for r in inputs.rejected] == [2] and inputs.warnings == []


def test_a_header_only_demand_file_is_refused_as_such(tmp_path: Path) -> None:
    """Was: "every row was rejected; see the list above" with no list."""
    empty = _csv(tmp_path / "demand.csv", "编号,经度,纬度,人数\n")
    with pytest.raises(InputError, match="no demand: the file has no rows"):
        load_inputs(DEMO / "stations.csv", demand=empty)
