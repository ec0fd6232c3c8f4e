"""Incremental what-if (issue 20): adding stations to a finished analysis equals a full
analysis of the same stations, on random sequences, for the tables and the summary."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers import ROOT

import geo
from geo import scenario, zones

DEMO = ROOT / "data" / "canglang"
STATIONS = [str(DEMO / "stations.csv"), str(DEMO / "charging_piles.csv")]
KINDS = ["supply", "energy_pool", "rest", "training", "charging_pile"]


def _frames():
    return (scenario.combine([geo.read_stations(p) for p in STATIONS]),
            geo.read_demand(str(DEMO / "demand.csv")), geo.read_area(str(DEMO / "area.geojson")),
            geo.read_grids(str(DEMO / "grids.geojson")))


def _same(a: geo.CoverageResult, b: geo.CoverageResult) -> None:
    assert a.summary() == b.summary()
    cols = ["id", "weight", "minutes", "nearest", "covered", "band", "grid", "cell"]
    pd.testing.assert_frame_equal(pd.DataFrame(a.points[cols]), pd.DataFrame(b.points[cols]))
    pd.testing.assert_frame_equal(a.station_table, b.station_table)
    pd.testing.assert_frame_equal(a.gap_table, b.gap_table)
    pd.testing.assert_frame_equal(a.grid_table, b.grid_table)
    for r in (a, b):  # the 网格 sums count by codes: they are the points' 网格 names
        if r.grids is not None:
            names = pd.Categorical(r.points["grid"], categories=zones.grid_names(r.grids))
            np.testing.assert_array_equal(r.point_grid_codes, names.codes)


SETTINGS = [
    {},
    {"minutes": 10, "mode": "ebike"},
    {"categories": ("supply", "rest")},
    {"at": "23:00"},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["walk15", "ebike10", "kinds", "at23"])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_additions_and_removals_equal_a_full_analysis(settings, seed) -> None:
    rng = random.Random(seed)
    stations, demand, area, grids = _frames()
    s = geo.Settings(**settings)
    base = geo.analyze(stations, demand=demand, area=area, grids=grids, settings=s)
    minx, miny, maxx, maxy = area.total_bounds
    whatifs: list[dict] = []
    for _ in range(6):
        if whatifs and rng.random() < 0.3:
            whatifs.pop(rng.randrange(len(whatifs)))  # removal: the rest added to the baseline
        else:
            whatifs.append({"lon": rng.uniform(minx - 0.01, maxx + 0.01),
                            "lat": rng.uniform(miny - 0.01, maxy + 0.01),
                            "kind": rng.choice(KINDS),
                            "crs": rng.choice(["wgs84", "gcj02"])})
        table = scenario.with_stations(stations, whatifs)
        quick = scenario.add_incrementally(base, table)
        assert quick is not None
        full = geo.analyze(table, demand=demand, area=area, grids=grids, settings=s)
        _same(quick, full)
        assert (quick.coverage >= base.coverage) or not whatifs


def test_cells_over_a_given_area_are_incremental_too() -> None:
    stations, _demand, area, grids = _frames()
    s = geo.Settings(cell_m=150, cell_shape="hex")
    base = geo.analyze(stations, area=area, grids=grids, settings=s)
    lon, lat = base.gap_table.iloc[0][["lon", "lat"]]
    table = scenario.with_stations(stations, [{"lon": float(lon), "lat": float(lat)}])
    quick = scenario.add_incrementally(base, table)
    assert quick is not None and quick.coverage > base.coverage
    _same(quick, geo.analyze(table, area=area, grids=grids, settings=s))


def test_where_the_study_depends_on_the_stations_it_declines() -> None:
    stations, *_ = _frames()
    base = geo.analyze(stations)  # no area nor demand: the stations' extent is the study
    table = scenario.with_stations(stations, [{"lon": 120.70, "lat": 31.35}])
    assert scenario.add_incrementally(base, table) is None
    # nor a table that is not the baseline's plus new rows
    _, demand, area, _ = _frames()
    base = geo.analyze(stations, demand=demand, area=area)
    assert scenario.add_incrementally(base, table.iloc[1:]) is None
    assert scenario.add_incrementally(base, table.iloc[::-1]) is None


# --- along the street network (the bundled Helsinki extract) ----------------------------------

HEL = ROOT / "data" / "helsinki"
NETWORK_COLS = ["id", "weight", "minutes", "nearest", "covered", "band", "status", "snap_m",
                "straight_minutes", "straight_covered"]
#: A 5-node piece of the network (not a main piece): a station there joins a main street.
ON_FRAGMENT = {"lon": 24.9431296, "lat": 60.1697971}
#: Inside the network's extent (its nodes' box grown by the snap limit), 282 m from a street.
OFF_NETWORK = {"lon": 24.9327836, "lat": 60.1625464}
#: 2 km east of the extent.
OUTSIDE = {"lon": 24.99, "lat": 60.17}


@pytest.fixture(scope="module")
def helsinki():
    """Helsinki's stations, 2,000 random demand points over the network and its extent."""
    import geopandas as gpd

    from geo import network as gn
    from geo.network.extent import network_extent

    box = network_extent(gn.load_network("helsinki", "walk"))
    rng = np.random.default_rng(20)
    n = 2000
    demand = gpd.GeoDataFrame(
        {"id": [f"D{i}" for i in range(n)], "weight": rng.integers(1, 5, n)},
        geometry=gpd.points_from_xy(rng.uniform(box[0], box[2], n),
                                    rng.uniform(box[1], box[3], n)), crs=4326)
    stations = scenario.combine(geo.read_stations(str(HEL / "stations.csv")))
    return stations, geo.read_demand(demand), box


def _same_on_network(a: geo.CoverageResult, b: geo.CoverageResult) -> None:
    assert a.summary() == b.summary()
    pd.testing.assert_frame_equal(pd.DataFrame(a.points[NETWORK_COLS]),
                                  pd.DataFrame(b.points[NETWORK_COLS]))
    pd.testing.assert_frame_equal(a.station_table, b.station_table)
    pd.testing.assert_frame_equal(a.gap_table, b.gap_table)
    assert [str(w) for w in a.warnings] == [str(w) for w in b.warnings]
    # the nodes' minutes (the service areas) and nearest stations
    np.testing.assert_allclose(a.network.search.node_minutes, b.network.search.node_minutes,
                               rtol=1e-12)
    assert np.array_equal(a.network.search.node_station, b.network.search.node_station)


@pytest.mark.parametrize(("mode", "minutes"), [("walk", 5), ("bike", 3)])
@pytest.mark.parametrize("seed", [0, 1])
def test_along_the_streets_random_additions_and_removals_equal_a_full_analysis(
    helsinki, mode, minutes, seed
) -> None:
    stations, demand, box = helsinki
    stations = stations.iloc[:3]  # few stations: the new ones change much
    s = geo.Settings(mode=mode, minutes=minutes, method="network")
    base = geo.analyze(stations, demand=demand, settings=s, network="helsinki")
    assert 0.1 < base.coverage < 0.5
    rng = random.Random(seed)
    whatifs: list[dict] = []
    for _ in range(6):
        if whatifs and rng.random() < 0.3:
            whatifs.pop(rng.randrange(len(whatifs)))  # removal: the rest added to the baseline
        else:
            whatifs.append({"lon": rng.uniform(box[0] - 0.002, box[2] + 0.002),
                            "lat": rng.uniform(box[1] - 0.001, box[3] + 0.001),
                            "kind": rng.choice(KINDS)})
        table = scenario.with_stations(stations, whatifs)
        quick = scenario.add_incrementally(base, table)
        assert quick is not None
        full = geo.analyze(table, demand=demand, settings=s, network="helsinki")
        _same_on_network(quick, full)
        assert quick.coverage >= base.coverage or not whatifs


def test_along_the_streets_a_reached_unreachable_point_is_ok(helsinki) -> None:
    # cycling: one-way streets leave points no station reaches; a new station reaches some
    stations, demand, _ = helsinki
    s = geo.Settings(mode="bike", minutes=3, method="network")
    base = geo.analyze(stations.iloc[:3], demand=demand, settings=s, network="helsinki")
    assert base.summary()["network"]["unreachable"]["points"] > 0
    stuck = base.points[base.points["status"] == "unreachable"].iloc[0]  # a station there
    before = base.network.status.copy()
    # a station that reaches no unreachable point shares the baseline's statuses
    far = base.points[base.points["status"] == "ok"].iloc[0]
    same = scenario.add_incrementally(base, scenario.with_stations(
        stations.iloc[:3], [{"lon": float(far["lon"]), "lat": float(far["lat"])}]))
    assert same is not None and same.network.status is base.network.status
    table = scenario.with_stations(stations.iloc[:3], [{"lon": float(stuck["lon"]),
                                                        "lat": float(stuck["lat"])}])
    quick = scenario.add_incrementally(base, table)
    full = geo.analyze(table, demand=demand, settings=s, network="helsinki")
    assert quick is not None
    _same_on_network(quick, full)
    np.testing.assert_array_equal(base.network.status, before)  # the baseline's untouched
    assert (full.summary()["network"]["unreachable"]["points"]
            < base.summary()["network"]["unreachable"]["points"])


@pytest.mark.parametrize("where", [ON_FRAGMENT, OFF_NETWORK, OUTSIDE],
                         ids=["small-fragment", "off-network", "outside-extent"])
def test_along_the_streets_stations_off_the_main_network(helsinki, where) -> None:
    stations, demand, _ = helsinki
    s = geo.Settings(minutes=5, method="network")
    base = geo.analyze(stations.iloc[:3], demand=demand, settings=s, network="helsinki")
    table = scenario.with_stations(stations.iloc[:3], [where, {"lon": 24.945, "lat": 60.172}])
    quick = scenario.add_incrementally(base, table)
    full = geo.analyze(table, demand=demand, settings=s, network="helsinki")
    assert quick is not None
    _same_on_network(quick, full)
    net = full.summary()["network"]
    if where is ON_FRAGMENT:  # joined to a main street, said so
        assert net["moved_to_main"]["stations"] == 1 and net["stations_off_network"] == 0
    else:
        assert net["stations_off_network"] == 1
        assert any("not used on the street network" in str(w) for w in quick.warnings)


def test_along_the_streets_service_areas_are_the_full_analysis(helsinki) -> None:
    stations, _, _ = helsinki
    area = geo.read_area(str(HEL / "area.geojson"))
    s = geo.Settings(minutes=5, method="network", cell_m=150)
    base = geo.analyze(stations.iloc[:3], area=area, settings=s, network="helsinki")  # cells
    table = scenario.with_stations(stations.iloc[:3], [{"lon": 24.945, "lat": 60.172},
                                                       {"lon": 24.937, "lat": 60.168}])
    quick = scenario.add_incrementally(base, table)
    full = geo.analyze(table, area=area, settings=s, network="helsinki")
    assert quick is not None
    _same_on_network(quick, full)
    a, b = quick.service_areas("metric"), full.service_areas("metric")
    assert list(a["minutes"]) == list(b["minutes"])
    assert np.allclose(a.area, b.area, rtol=1e-9)
    assert a.geometry.symmetric_difference(b.geometry).area.max() < 1e-6


@pytest.mark.parametrize("base_drawn", [True, False])
def test_along_the_streets_service_areas_grow_from_the_baselines(
    helsinki, monkeypatch, base_drawn
) -> None:
    # a what-if's service areas are the baseline's (built first when the baseline was not
    # drawn) joined with the buffered pieces of the streets the new stations changed;
    # equal to a build from scratch (the same covered streets, joined in another order)
    from geo.network import areas

    stations, _, _ = helsinki
    area = geo.read_area(str(HEL / "area.geojson"))
    s = geo.Settings(minutes=5, method="network", cell_m=150)
    areas._SHAPES.clear()  # none kept from other tests of the same network
    base = geo.analyze(stations.iloc[:3], area=area, settings=s, network="helsinki")
    if base_drawn:
        before = base.service_areas("metric")
    seen, buffered = [], []
    changed_edges, buffers = areas._changed_edges, areas._buffers
    monkeypatch.setattr(areas, "_changed_edges",
                        lambda b, n: seen.append(changed_edges(b, n)) or seen[-1])
    monkeypatch.setattr(areas, "_buffers",
                        lambda net, e, *rest: buffered.append(e.size) or buffers(net, e, *rest))
    table = scenario.with_stations(stations.iloc[:3], [{"lon": 24.945, "lat": 60.172},
                                                       {"lon": 24.937, "lat": 60.168}])
    quick = scenario.add_incrementally(base, table)
    assert quick is not None
    a = quick.service_areas("metric")
    assert len(seen) == 1 and seen[0] is not None  # grown from the baseline's
    if not base_drawn:  # the baseline's bands were built first, and kept
        bands = len(a)
        assert len(buffered) == 2 * bands
        before = base.service_areas("metric")
        assert len(buffered) == 2 * bands
        del buffered[:bands]
    grown = sum(buffered)
    areas._SHAPES.clear()  # the full analysis builds its own from scratch
    full = geo.analyze(table, area=area, settings=s, network="helsinki")
    b = full.service_areas("metric")
    assert 0 < grown < 0.6 * (sum(buffered) - grown)  # only the changed streets' pieces
    assert list(a["minutes"]) == list(b["minutes"])
    grew = b.area.to_numpy() - before.area.to_numpy()
    assert (grew > 1_000).all()  # far above the tolerance below: the base's alone would fail
    # apart by no more than a buffer's polygonal arc rounds off (its sag: r·(1 − cos 11.25°),
    # 0.77 m at 40 m with 4 segments per quarter circle)
    sag = areas.BUFFER_M * (1 - np.cos(np.pi / 16))
    assert max(shapely.hausdorff_distance(x, y) for x, y in zip(a.geometry, b.geometry,
                                                                 strict=True)) <= sag
    assert (a.geometry.symmetric_difference(b.geometry).area < 1e-5 * b.area).all()


def test_along_the_streets_it_declines_where_the_full_analysis_would_not_match(helsinki) -> None:
    stations, demand, _ = helsinki
    s = geo.Settings(minutes=5, method="network")
    one = stations.iloc[:1]
    base = geo.analyze(one, demand=demand, settings=s, network="helsinki")
    # most stations outside the network: the full analysis refuses the network
    table = scenario.with_stations(one, [OUTSIDE, {"lon": 25.0, "lat": 60.18}])
    assert scenario.add_incrementally(base, table) is None
    with pytest.raises(geo.InputError, match="does not cover"):
        geo.analyze(table, demand=demand, settings=s, network="helsinki")
    # a new station on an existing one: which one the full search names nearest is scipy's
    lon, lat = one.geometry.x.iloc[0], one.geometry.y.iloc[0]
    table = scenario.with_stations(one, [{"lon": float(lon), "lat": float(lat)}])
    assert scenario.add_incrementally(base, table) is None


@pytest.mark.parametrize("change", [{"minutes": 10.0}, {"mode": "ebike"},
                                    {"circuity": 1.1, "bands": (3.0, 6.0, 9.0)},
                                    {"categories": ("rest", "energy_pool")}])
def test_parameters_changed_from_a_result_of_the_same_points(change, monkeypatch):
    """``like=``: a result of the same demand, area and 网格 with other travel parameters
    lends its points' cells, 网格 and area membership; the result is the one computed
    from scratch, and the 网格 are not looked up again."""
    stations, demand, area, grids = _frames()
    before = geo.analyze(stations, demand=demand, area=area, grids=grids)
    want = geo.analyze(stations, demand=demand, area=area, grids=grids, **change)
    calls = []  # the demand's 网格 (the stations' are looked up for the 网格 table)
    real = zones.assign_grid_codes
    monkeypatch.setattr(zones, "assign_grid_codes",
                        lambda lon, *a: calls.append(np.size(lon)) or real(lon, *a))
    from geo import grid as gridmod

    cells = []
    real_cells = gridmod.cell_of_points
    monkeypatch.setattr(gridmod, "cell_of_points",
                        lambda x, *a: cells.append(np.size(x)) or real_cells(x, *a))
    got = geo.analyze(stations, demand=demand, area=area, grids=grids, like=before, **change)
    _same(got, want)
    assert len(demand) not in calls
    assert cells == []  # the points' metric coordinates and cells are lent too
    np.testing.assert_array_equal(got.kernel_state[0].job.x, want.kernel_state[0].job.x)
    np.testing.assert_array_equal(got.kernel_state[0].cell_key, want.kernel_state[0].cell_key)


def test_a_result_of_other_points_is_not_lent(monkeypatch):
    """Other weights, ids, 网格, area or cell size: ``like`` is ignored (the result is
    computed as without it)."""
    from geo.coverage import same_points

    stations, demand, area, grids = _frames()
    before = geo.analyze(stations, demand=demand, area=area, grids=grids)
    variants = {
        "weights": {"demand": demand.assign(weight=demand["weight"] + 1)},
        "grids": {"grids": grids.iloc[::-1].reset_index(drop=True)},
        "area": {"area": None},
        "cell": {"cell_m": 50.0},
    }
    calls = []
    real = zones.assign_grid_codes
    monkeypatch.setattr(zones, "assign_grid_codes",
                        lambda lon, *a: calls.append(np.size(lon)) or real(lon, *a))
    for name, kw in variants.items():
        args = {"demand": demand, "area": area, "grids": grids} | kw
        calls.clear()
        got = geo.analyze(stations, like=before, **args)
        assert len(demand) in calls or args["grids"] is None, name
        want = geo.analyze(stations, **args)
        _same(got, want)
    ids = demand.copy()
    ids["id"] = ids["id"].astype(str) + "x"
    got = geo.analyze(stations, demand=ids, area=area, grids=grids, like=before)
    assert got.points["id"].astype(str).str.endswith("x").all()
    assert not same_points(None, before.kernel_state[0])


def test_a_lent_nearest_column_names_the_new_stations():
    """Same position among the used stations, another station: a filter drops the nearest
    one, and position 0 now names the next; the lent ``nearest`` column says so."""
    stations, demand, _area, _grids = _frames()
    rest = stations[stations["kind"] == "rest"].iloc[[0]]
    supply = stations[stations["kind"] == "supply"].iloc[[0]]
    two = pd.concat([rest, supply], ignore_index=True)
    near_rest = demand.iloc[:40].copy()
    near_rest.geometry = shapely.points(
        rest.geometry.x.iloc[0] + np.linspace(-1e-3, 1e-3, 40), rest.geometry.y.iloc[0])
    before = geo.analyze(two, demand=near_rest)
    assert (before.points["nearest"] == rest["id"].iloc[0]).all()
    got = geo.analyze(two, demand=near_rest, like=before, categories=("supply",))
    want = geo.analyze(two, demand=near_rest, categories=("supply",))
    _same(got, want)
    assert (got.points["nearest"] == supply["id"].iloc[0]).all()


def test_along_the_streets_parameters_changed_from_a_result_of_the_same_points(helsinki):
    """``like=`` along the streets: the demand's snaps are the same (checked), so the lent
    cells and snaps give the result computed from scratch; a straight-line result is not
    lent to the street method."""
    stations, demand, _ = helsinki
    s = geo.Settings(mode="walk", minutes=5, method="network")
    before = geo.analyze(stations, demand=demand, settings=s, network="helsinki")
    changed = geo.Settings(mode="walk", minutes=8, method="network")
    want = geo.analyze(stations, demand=demand, settings=changed, network="helsinki")
    got = geo.analyze(stations, demand=demand, settings=changed, network="helsinki",
                      like=before)
    _same_on_network(got, want)
    assert "snap_m" in got.points
    np.testing.assert_array_equal(got.points["snap_m"], want.points["snap_m"])
    from geo.coverage import same_points

    prep, out = want.kernel_state
    assert same_points(before, prep, out)
    assert not same_points(before, prep)  # the snaps cannot be compared without the answer
    straight = geo.analyze(stations, demand=demand, minutes=8)
    assert not same_points(straight, prep, out)
    other = before.points.copy()
    other["snap_m"] = other["snap_m"] + 1.0
    moved = type(before).__new__(type(before))
    moved.__dict__.update(before.__dict__, points=other)
    assert not same_points(moved, prep, out)


@pytest.mark.parametrize("method", ["euclidean", "network"])
def test_what_ifs_made_ready_build_no_tree_and_give_the_same_result(helsinki, method,
                                                                    monkeypatch):
    # the app makes the first what-if's KD-tree once its page is shown: the click then
    # builds none, and its result is the one made without preparing
    import scipy.spatial

    from geo.scenario import incremental

    stations, demand, box = helsinki
    s = geo.Settings(minutes=5, method=method)
    net = {"network": "helsinki"} if method == "network" else {}
    whatif = scenario.with_stations(stations, [{"lon": (box[0] + box[2]) / 2,
                                                "lat": (box[1] + box[3]) / 2}])
    plain = scenario.add_incrementally(
        geo.analyze(stations, demand=demand, settings=s, **net), whatif)
    monkeypatch.setattr(incremental, "_TREES", incremental.Recent(2))  # none kept
    base = geo.analyze(stations, demand=demand, settings=s, **net)
    assert scenario.prepare_whatifs(base)
    built = []
    real = scipy.spatial.cKDTree
    monkeypatch.setattr(scipy.spatial, "cKDTree", lambda *a, **k: built.append(1) or real(*a, **k))
    quick = scenario.add_incrementally(base, whatif)
    assert built == []
    (_same_on_network if method == "network" else _same_partial)(quick, plain)
    # a result without its kernel answer has nothing to prepare
    bare = geo.analyze(stations, demand=demand, settings=s, **net)
    bare.kernel_state = None
    assert not scenario.prepare_whatifs(bare)


def _same_partial(a: geo.CoverageResult, b: geo.CoverageResult) -> None:
    assert a.summary() == b.summary()
    cols = ["id", "weight", "minutes", "nearest", "covered", "band"]
    pd.testing.assert_frame_equal(pd.DataFrame(a.points[cols]), pd.DataFrame(b.points[cols]))
