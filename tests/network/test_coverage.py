"""Coverage along the streets (``geo.network.coverage``) as ``geo.analyze`` reports it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _helpers import ROOT
from _helpers.network import (
    FRAGMENT_POINTS,
    FRAGMENT_STATIONS,
    WALK,
    fragmented_network,
    placed,
    reference_main_edges,
    reference_piece_edges,
    reference_snap,
    reference_times,
)
from pyproj import Transformer

import geo
from geo import network as gn
from geo.text import format_summary

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
    # a 1 km street of 51 nodes with the station, and 300 m north a 590 m path of 60
    # nodes: both main pieces of the network (at least 50 nodes), the second without a station
    street, isle = 51, 60
    net = gn.network_from_edges(
        np.r_[x0 + 20.0 * np.arange(street), x0 + 10.0 * np.arange(isle)],
        np.r_[np.full(street, y0), np.full(isle, y0 + 300)],
        np.r_[np.arange(street - 1), street + np.arange(isle - 1)],
        np.r_[np.arange(street - 1) + 1, street + np.arange(isle - 1) + 1],
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
    assert s["fragments"] == {
        "total": 2, "without_station": 1, "main": 2, "min_nodes": 50, "skipped": 0,
        "skipped_nodes": 0, "skipped_largest_nodes": 0,
    }
    assert s["moved_to_main"] == {"points": 0, "demand": 0.0, "stations": 0, "fragments": 0}
    assert s["off_network_near_fragments"] == {"points": 0, "demand": 0.0}
    # the straight line covers the island point, the street network does not
    assert bool(p["straight_covered"].iloc[1]) and s["overstated_demand"] == 3.0 + 5.0 * bool(
        p["straight_covered"].iloc[2]
    )
    # the status masks are kept for the status array they were made from, not another
    cov = r.network
    for kind in ("ok", "off_network", "unreachable"):
        np.testing.assert_array_equal(cov.status_is(kind), cov.status == kind)
    assert cov.status_is("ok") is cov.status_is("ok")
    cov.status = np.array(["off_network", "ok", "ok"], dtype=object)
    assert list(cov.status_is("ok")) == [False, True, True]
    assert cov.summary()["off_network"] == {"points": 1, "demand": 2.0}


def test_analyze_joins_points_past_small_pieces_and_lists_them():
    """The fragment rule through analyze: minutes against networkx, the summary's counts
    and the warnings, on a network with a main grid, a 50-node piece and three islands."""
    crs, x0, y0 = "EPSG:32651", 300_000.0, 3_460_000.0
    net, pieces = fragmented_network(x0, y0, crs)
    back = Transformer.from_crs(crs, 4326, always_xy=True)
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    rng = np.random.default_rng(8)
    origin = np.array([x0, y0])
    # stations A, B, C, and S3 4 m from the island T3, 396 m from the grid: off the network
    sxy = np.r_[np.array(list(FRAGMENT_STATIONS.values())), [[400.0, 1296.0]]] + origin
    fxy = np.array(list(FRAGMENT_POINTS.values())) + origin
    gxy = np.c_[rng.uniform(-50, 950, 100), rng.uniform(-50, 950, 100)] + origin
    dxy = np.r_[fxy, gxy]
    w = np.r_[[2.0, 3.0, 5.0, 7.0, 11.0], rng.integers(1, 4, 100)]
    stations = station_points(4, *back.transform(*sxy.T), "S")
    demand = station_points(len(dxy), *back.transform(*dxy.T), "D", weight=w)
    r = geo.analyze(stations, demand=demand, method="network", network=net, mode="walk")
    cov = r.network
    st, pt = cov.stations, cov.points
    # the snaps: brute force over the pieces networkx calls main (+ those with a station)
    sx, sy = (np.asarray(a) for a in to_m.transform(*back.transform(*sxy.T)))
    px, py = (np.asarray(a) for a in to_m.transform(*back.transform(*dxy.T)))
    ref_main = reference_main_edges(net)
    d_st, at_st = reference_snap(net, sx, sy, ref_main)
    assert list(st.ok) == [True, True, True, False] and at_st[np.arange(3), st.edge[:3]].all()
    np.testing.assert_allclose(st.distance_m, d_st, atol=1e-6)
    d_pt, at_pt = reference_snap(net, px, py,
                                 ref_main | reference_piece_edges(net, st.edge[st.ok]))
    ok = np.flatnonzero(pt.ok)
    np.testing.assert_array_equal(pt.ok, d_pt <= gn.SNAP_LIMIT_M)
    assert at_pt[ok, pt.edge[ok]].all()
    # minutes: networkx + the walks; every point within the limit of an eligible street
    # reaches a station (the grid and the 50-node piece each hold one)
    ref, _ = reference_times(net, placed(st), placed(pt, ok), WALK)
    assert np.isfinite(ref).all()
    np.testing.assert_allclose(r.points["minutes"].to_numpy()[ok], ref, rtol=1e-9)
    status = r.points["status"].to_numpy()
    assert list(status[:5]) == ["ok", "ok", "ok", "off_network", "off_network"]
    assert (status[5:] == "ok").all()
    assert r.points["nearest"].iloc[1] == "S1"  # P2 rides the 50-node piece to station B
    # the summary: T, T2 and T3 skipped (10 nodes, the largest 4); P1 and P3 moved, and
    # station C; P4 near T3 only is off the network
    s = r.summary()["network"]
    assert s["fragments"] == {
        "total": 5, "without_station": 3, "main": 2, "min_nodes": gn.search.MIN_COMPONENT_NODES,
        "skipped": 3, "skipped_nodes": 3 + 4 + 3, "skipped_largest_nodes": 4,
    }
    assert s["moved_to_main"] == {"points": 2, "demand": 2.0 + 5.0, "stations": 1,
                                  "fragments": 3}
    assert s["off_network_near_fragments"] == {"points": 1, "demand": 7.0}
    assert s["off_network"] == {"points": 2, "demand": 7.0 + 11.0}
    assert s["unreachable"] == {"points": 0, "demand": 0.0}
    assert s["stations_off_network"] == 1
    assert np.isin(st.edge[2], pieces["G"])
    text = " | ".join(str(x) for x in r.warnings)
    assert "station 'S2' is nearer a small piece of the street network (4 nodes" in text
    assert "joined to the main network 95 m away" in text
    assert ("station 'S3' is 396 m from the nearest usable street (snap limit 200 m; only a "
            "small piece of the network is nearer)") in text
    assert "2 demand point(s) (demand 7; the first at this row) are nearer 2 piece(s)" in text
    assert "'D3' off_network: 410 m from the nearest usable street (only a small piece" in text
    # P5 is nearest the 50-node piece's corner (1700, 900), and passed nothing over
    far = f"'D4' off_network: {np.hypot(3000 - 1700, 3000 - 900):,.0f} m from the nearest usable"
    assert far + " street | " in text + " | "
    report = format_summary(r.summary())
    assert "小片路网 Small pieces: 2 points (demand 7) and 1 station(s)" in report
    assert "1 point(s) near only such pieces are off network; 3 piece(s) skipped" in report


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
    assert {"ok", "off_network"} <= set(status) <= {"ok", "off_network", "unreachable"}
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


def test_helsinki_demo_no_demand_lost_to_fragments(walk_net):
    """The real extract breaks into dozens of pieces: on the demo, the share of demand
    counted unreachable does not rise against snapping to any street, no point within the
    snap limit of a main piece is off the network or unreachable because of a small piece,
    and the points moved to the main network get networkx's minutes."""
    net = walk_net
    kw = {"demand": str(DATA / "demand.csv"), "area": str(DATA / "area.geojson")}
    r = geo.analyze(str(DATA / "stations.csv"), method="network", network=net, **kw)
    cov, p = r.network, r.points
    w = p["weight"].to_numpy()
    status = p["status"].to_numpy()
    to_m = Transformer.from_crs(4326, net.crs, always_xy=True)
    px, py = (np.asarray(a) for a in to_m.transform(p["lon"].to_numpy(), p["lat"].to_numpy()))
    stations = r.stations[r.stations["used"]]
    sx, sy = (np.asarray(a) for a in to_m.transform(stations.geometry.x, stations.geometry.y))
    # what snapping to any street gave (the rule before fragments were looked at)
    raw = gn.travel_times(net, gn.snap(net, sx, sy), gn.snap(net, px, py), WALK)
    unr_raw = w[raw.status == "unreachable"].sum()
    assert unr_raw > 0  # the demo has points beside small pieces
    assert w[status == "unreachable"].sum() <= unr_raw
    near_only_small = r.summary()["network"]["off_network_near_fragments"]["points"]
    assert (status == "off_network").sum() == (raw.status == "off_network").sum() + near_only_small
    # within the snap limit of a main piece (networkx components, brute-force distances)
    main = reference_main_edges(net)
    d_main, _ = reference_snap(net, px, py, main)
    near = d_main <= gn.SNAP_LIMIT_M
    assert near.sum() > 0 and (status[near] != "off_network").all()
    e = cov.points.edge
    assert main[e[near]].all()  # joined to a main piece, never to a small one
    np.testing.assert_allclose(cov.points.distance_m[near], d_main[near], atol=1e-6)
    # those that passed a small piece over: covered or not, their minutes are networkx's
    moved = np.flatnonzero(cov.points.skipped & cov.points.ok)
    assert moved.size == r.summary()["network"]["moved_to_main"]["points"] > 0
    assert (raw.status[moved] == "unreachable").all()
    ref, _ = reference_times(net, placed(cov.stations), placed(cov.points, moved), WALK)
    np.testing.assert_allclose(p["minutes"].to_numpy()[moved], ref, rtol=1e-9)
    assert (status[moved] == "ok").all()


def test_other_minutes_take_the_kept_search_and_travel_times(walk_net):
    # neither the search from the stations nor the points' travel times depend on the
    # threshold: an analysis with other minutes takes them, and equals one made afresh
    from geo.network import coverage as nc

    rng = np.random.default_rng(7)
    to_wgs = Transformer.from_crs(walk_net.crs, 4326, always_xy=True)
    pick = rng.choice(walk_net.n_nodes, 12, replace=False)
    slon, slat = to_wgs.transform(walk_net.x[pick] + 3.0, walk_net.y[pick])
    x0, y0, x1, y1 = walk_net.x.min(), walk_net.y.min(), walk_net.x.max(), walk_net.y.max()
    plon, plat = to_wgs.transform(rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000))

    def run(minutes: float, speed: float = WALK) -> gn.NetworkCoverage:
        return gn.coverage_on_network(walk_net, np.asarray(slon), np.asarray(slat),
                                      np.asarray(plon), np.asarray(plat), mode="walk",
                                      speed_m_per_min=speed, minutes=minutes)

    nc._TRAVEL.clear()
    first = run(10)
    second = run(4)
    assert second.search is first.search  # taken, not searched again
    assert second.budget == 4 and second.unique.sum() != first.unique.sum()
    nc._TRAVEL.clear()
    fresh = run(4)
    assert fresh.search is not first.search
    for name in ("minutes", "nearest", "status", "unique"):
        np.testing.assert_array_equal(getattr(second, name), getattr(fresh, name))
    np.testing.assert_array_equal(second.search.node_minutes, fresh.search.node_minutes)
    # other speeds or other stations search again
    assert run(4, speed=WALK * 2).search is not fresh.search
    fewer = gn.coverage_on_network(walk_net, np.asarray(slon)[:6], np.asarray(slat)[:6],
                                   np.asarray(plon), np.asarray(plat), mode="walk",
                                   speed_m_per_min=WALK, minutes=4)
    assert fewer.search is not fresh.search and len(fewer.stations) == 6


def test_points_projected_by_the_analysis_are_not_projected_again(walk_net, monkeypatch):
    # the analysis's metric coordinates are the network's when both CRSs are the same: the
    # kernel passes them and the answer is the one projecting lon/lat again gives
    demand = DATA / "demand.csv"
    r = geo.analyze(str(DATA / "stations.csv"), demand=str(demand),
                    settings=geo.Settings(method="network"), network=walk_net)
    job = r.kernel_state[0].job
    assert job.metric == walk_net.crs  # the same UTM zone: the shortcut is taken
    to_m = Transformer.from_crs(4326, walk_net.crs, always_xy=True)
    x, y = to_m.transform(job.lon, job.lat)
    np.testing.assert_array_equal(job.x, x)  # the same transformation, the same numbers
    np.testing.assert_array_equal(job.y, y)
    calls = []
    real = Transformer.transform
    monkeypatch.setattr(Transformer, "transform",
                        lambda self, a, b, *k, **kw: calls.append(np.size(a)) or real(
                            self, a, b, *k, **kw))
    args = (walk_net, job.station_lon, job.station_lat, job.lon, job.lat)
    kw = {"mode": "walk", "speed_m_per_min": WALK, "minutes": 15}
    given = gn.coverage_on_network(*args, **kw, points_projected=(job.x, job.y, job.metric))
    assert job.lon.size not in calls  # the points were not projected
    again = gn.coverage_on_network(*args, **kw)
    assert job.lon.size in calls
    for name in ("minutes", "nearest", "status", "unique"):
        np.testing.assert_array_equal(getattr(given, name), getattr(again, name))
    # in another CRS they are projected, not taken
    other = gn.coverage_on_network(*args, **kw, points_projected=(job.x + 1e5, job.y, "EPSG:3857"))
    np.testing.assert_array_equal(other.minutes, again.minutes)
