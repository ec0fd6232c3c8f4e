"""Service areas (``geo.network.areas``): nested, clipped, exactly the covered streets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from _helpers.network import WALK, main_nodes

from geo import network as gn


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


def test_bands_of_a_search_with_the_same_content_are_not_built_again(walk_net,
                                                                     helsinki_search):
    # another analysis of the same stations (e.g. other minutes) searches again: the bands
    # it shares with the kept ones come back as they were; a new band is built from the
    # kept one below, exactly as a build from scratch builds it
    from geo.network import areas

    net, search = walk_net, helsinki_search
    areas._SHAPES.clear()
    first = gn.service_polygons(net, search, [2, 4, 6]).geometry.to_numpy()
    again = gn.station_search(net, search.stations, WALK)
    assert again is not search
    second = gn.service_polygons(net, again, [2, 4, 5]).geometry.to_numpy()
    assert second[0] is first[0] and second[1] is first[1]
    areas._SHAPES.clear()
    fresh = gn.service_polygons(net, again, [2, 4, 5]).geometry.to_numpy()
    assert fresh[1] is not first[1]
    assert shapely.equals_exact(fresh, second, tolerance=0).all()
    # a search of other stations shares none
    other = gn.station_search(net, gn.snap(net, net.x[:3] + 5.0, net.y[:3]), WALK)
    assert gn.service_polygons(net, other, [2]).geometry.iloc[0] is not fresh[0]
