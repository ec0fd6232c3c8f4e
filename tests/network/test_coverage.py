"""Coverage along the streets (``geo.network.coverage``) as ``geo.analyze`` reports it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _helpers import ROOT

import geo
from geo import network as gn

DATA = ROOT / "data" / "helsinki"


def station_points(n: int, lon: np.ndarray, lat: np.ndarray, prefix: str, **cols):
    """A station/demand GeoDataFrame as geo.read_stations gives it."""
    import geopandas as gpd

    data = {"id": [f"{prefix}{i}" for i in range(n)], "row": np.arange(2, n + 2), **cols}
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
    return gdf


# --- synthetic cases with known answers ----------------------------------------------------


def test_analyze_on_synthetic_network_lists_off_network_and_unreachable():
    from pyproj import Transformer

    crs = "EPSG:32651"
    back = Transformer.from_crs(crs, 4326, always_xy=True)
    x0, y0 = 300_000.0, 3_460_000.0
    net = gn.network_from_edges(
        [x0, x0 + 1000, x0, x0 + 500],
        [y0, y0, y0 + 300, y0 + 300],
        [0, 2],
        [1, 3],
        two_way=True,
        crs=crs,
    )
    slon, slat = back.transform([x0], [y0])
    dlon, dlat = back.transform([x0 + 600, x0 + 100, x0 + 2000], [y0 + 10, y0 + 290, y0])
    stations = station_points(1, slon, slat, "S")
    demand = station_points(3, dlon, dlat, "D", weight=np.array([2.0, 3.0, 5.0]))
    r = geo.analyze(stations, demand=demand, method="network", network=net, mode="walk")
    p = r.points
    assert list(p["status"]) == ["ok", "unreachable", "off_network"]
    np.testing.assert_allclose(p["minutes"].iloc[0], 10 / 80 + 600 / 80, rtol=1e-6)
    assert p["minutes"].iloc[1:].isna().all()
    assert list(p["covered"]) == [True, False, False]
    text = " | ".join(str(w) for w in r.warnings)
    assert "1 demand point(s) (demand 5) are off network" in text
    assert "1 demand point(s) (demand 3) are unreachable" in text
    assert "1,000 m from the nearest usable street" in text
    short = r.network.warnings(
        file="D.csv",
        rows=np.arange(2, 5),
        ids=np.array(["D0", "D1", "D2"]),
        station_files=np.array(["S.csv"]),
        station_rows=np.array([2]),
        station_ids=np.array(["S0"]),
        listed=0,
    )
    assert [str(w).split(": ", 1)[1] for w in short if "more" in str(w)] == [
        "… and 1 more off_network demand point(s) from this row on",
        "… and 1 more unreachable demand point(s) from this row on",
    ]
    s = r.network.summary()
    assert s["off_network"] == {"points": 1, "demand": 5.0}
    assert s["unreachable"] == {"points": 1, "demand": 3.0}
    assert s["fragments"] == {"total": 2, "without_station": 1}
    # the straight line covers the island point, the street network does not
    assert bool(p["straight_covered"].iloc[1]) and s["overstated_demand"] == 3.0 + 5.0 * bool(
        p["straight_covered"].iloc[2]
    )


# --- the Helsinki demo through analyze -----------------------------------------------------


def test_analyze_network_on_helsinki_demo():
    kw = {"demand": DATA / "demand.csv", "area": DATA / "area.geojson"}
    r = geo.analyze(
        str(DATA / "stations.csv"),
        method="network",
        network="helsinki",
        **{k: str(v) for k, v in kw.items()},
    )
    p = r.points
    w = p["weight"].to_numpy()
    status = p["status"].to_numpy()
    assert set(status) == {"ok", "off_network", "unreachable"}
    assert p.loc[status != "ok", "minutes"].isna().all()
    assert not p.loc[status != "ok", "covered"].any()
    over = p["straight_covered"].to_numpy() & ~p["covered"].to_numpy()
    s = r.network.summary()
    assert s["overstated_demand"] == pytest.approx(w[over].sum())
    assert s["overstated_share"] == pytest.approx(w[over].sum() / w.sum(), abs=1e-4)
    assert s["overstated_demand"] > 0  # streets are longer than straight lines
    assert s["off_network"]["points"] == 3
    # the street minutes are never shorter than straight-line distance / speed
    lonlat_ok = status == "ok"
    straight_no_circuity = p["straight_minutes"].to_numpy() / r.settings.circuity
    assert (p["minutes"].to_numpy()[lonlat_ok] >= straight_no_circuity[lonlat_ok] - 1e-6).all()
    # the straight-line method is unchanged and carries no network
    e = geo.analyze(str(DATA / "stations.csv"), **{k: str(v) for k, v in kw.items()})
    assert e.network is None and "status" not in e.points
    np.testing.assert_allclose(e.points["minutes"], p["straight_minutes"])
    # unique coverage per station is consistent: never more than covered
    t = r.station_table
    assert (t["unique_demand"] <= t["covered_demand"] + 1e-9).all()
    bands = r.network.band_polygons(r.settings.bands, area=shapely.union_all(r.area.geometry))
    assert list(bands["minutes"]) == [5.0, 10.0, 15.0]
