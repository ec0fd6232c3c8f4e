"""``geo.network.export``: a built network as GeoPackage (QGIS) and GraphML (OSMnx).

GraphML is read back with OSMnx (an independent reader) and with ``load_network`` (the
same edges, directions and lengths); the GeoPackage with pyogrio, lengths checked with
geodesic lengths from ``pyproj.Geod``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from geo import network as gn
from geo.errors import InputError
from geo.network.export import export_network, network_graph


def _directed(net: gn.Network, ids: np.ndarray) -> set[tuple[int, int]]:
    """Every (from, to) a mode may travel, as node ids."""
    a, b, _ = net.directed()
    return set(zip(ids[a].tolist(), ids[b].tolist(), strict=True))


@pytest.fixture(scope="module")
def walk_graphml(walk_net, tmp_path_factory):
    """The Helsinki walking network written once as GraphML."""
    return export_network(walk_net, tmp_path_factory.mktemp("graphml") / "hel-walk.graphml")


@pytest.mark.parametrize("mode", ["walk", "bike"])
def test_graphml_round_trip_gives_the_same_network(mode, walk_net, walk_graphml, tmp_path):
    if mode == "walk":
        net, out = walk_net, walk_graphml
    else:
        net = gn.load_network("helsinki", mode, cache=False, progress=False)
        out = export_network(net, tmp_path / f"hel-{mode}.graphml")
    back = gn.load_network(out, mode, cache=False, progress=False)
    assert back.n_edges == net.n_edges > 3000
    assert back.n_nodes == net.n_nodes
    assert int(back.two_way.sum()) == int(net.two_way.sum())
    assert back.length_m.sum() == pytest.approx(net.length_m.sum(), rel=1e-9)
    assert back.n_fragments == net.n_fragments
    # the same directions between the same OSM nodes (one-way streets stay one-way)
    assert _directed(back, np.asarray(back.node_id)) == _directed(net, np.asarray(net.node_id))
    if mode == "bike":
        assert (~net.two_way).sum() > 500


def test_graphml_is_what_osmnx_reads(walk_net, walk_graphml):
    import osmnx as ox

    graph = ox.load_graphml(walk_graphml)
    loops = int((walk_net.u == walk_net.v).sum())
    # one edge per direction a segment may be travelled (a loop once)
    assert graph.number_of_edges() == 2 * walk_net.n_edges - loops
    assert set(graph.nodes) == set(np.asarray(walk_net.node_id).tolist())
    nodes, edges = ox.convert.graph_to_gdfs(graph)
    assert str(nodes.crs).lower() == "epsg:4326"
    lon, lat = Transformer.from_crs(walk_net.crs, 4326, always_xy=True).transform(
        walk_net.x, walk_net.y)
    where = nodes.loc[np.asarray(walk_net.node_id)]
    np.testing.assert_allclose(where["x"], lon, atol=1e-9)
    np.testing.assert_allclose(where["y"], lat, atol=1e-9)
    # lengths in metres; the geometry is WGS-84 and runs from u to v
    geod = Geod(ellps="WGS84")
    glen = np.array([geod.geometry_length(g) for g in edges.geometry])
    np.testing.assert_allclose(edges["length"], glen, rtol=2e-3)
    start = shapely.get_coordinates(shapely.get_point(edges.geometry.to_numpy(), 0))
    u = edges.index.get_level_values("u")
    np.testing.assert_allclose(start, nodes.loc[u, ["x", "y"]].to_numpy(), atol=1e-9)
    assert edges["reversed"].sum() == walk_net.n_edges - loops


def test_graphml_of_a_network_without_osm_ids(tmp_path):
    """Nodes keyed by position; one-way edges single, two-way in both directions."""
    import osmnx as ox

    x = np.array([0.0, 100.0, 200.0, 200.0]) + 300_000
    y = np.array([0.0, 0.0, 0.0, 150.0]) + 3_460_000
    net = gn.network_from_edges(x, y, np.array([0, 1, 2]), np.array([1, 2, 3]),
                                two_way=np.array([True, False, True]))
    graph = network_graph(net)
    assert sorted(graph.edges()) == [(0, 1), (1, 0), (1, 2), (2, 3), (3, 2)]
    out = export_network(net, tmp_path / "tiny.graphml")
    back = ox.load_graphml(out)
    assert sorted(back.edges()) == [(0, 1), (1, 0), (1, 2), (2, 3), (3, 2)]
    assert back.edges[1, 2, 0]["oneway"] is True and back.edges[0, 1, 0]["oneway"] is False
    assert back.edges[0, 1, 0]["length"] == pytest.approx(100.0)
    again = gn.load_network(out, "bike", cache=False)
    assert again.n_edges == 3 and int(again.two_way.sum()) == 2


def test_geopackage_has_edges_and_nodes_layers_in_wgs84(walk_net, tmp_path):
    import pyogrio

    out = export_network(walk_net, tmp_path / "hel.gpkg")
    assert sorted(pyogrio.list_layers(out)[:, 0]) == ["edges", "nodes"]
    edges = gpd.read_file(out, layer="edges")
    nodes = gpd.read_file(out, layer="nodes")
    assert edges.crs.to_epsg() == 4326 and nodes.crs.to_epsg() == 4326
    assert len(edges) == walk_net.n_edges and len(nodes) == walk_net.n_nodes
    assert {"u", "v", "length_m", "two_way", "fragment"} <= set(edges.columns)
    np.testing.assert_array_equal(nodes["osm_id"], np.asarray(walk_net.node_id))
    np.testing.assert_array_equal(edges["fragment"], walk_net.fragment)
    geod = Geod(ellps="WGS84")
    glen = np.array([geod.geometry_length(g) for g in edges.geometry])
    np.testing.assert_allclose(edges["length_m"], glen, rtol=2e-3)
    # each edge starts at its u node and ends at its v node
    first = shapely.get_coordinates(shapely.get_point(edges.geometry.to_numpy(), 0))
    last = shapely.get_coordinates(shapely.get_point(edges.geometry.to_numpy(), -1))
    xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    np.testing.assert_allclose(first, xy[edges["u"]], atol=1e-9)
    np.testing.assert_allclose(last, xy[edges["v"]], atol=1e-9)


def test_export_refuses_unknown_formats_and_missing_folders(walk_net, tmp_path):
    with pytest.raises(InputError, match=r"\.gpkg.*\.graphml"):
        export_network(walk_net, tmp_path / "hel.shp")
    with pytest.raises(InputError, match="does not exist"):
        export_network(walk_net, tmp_path / "missing" / "hel.gpkg")
    (tmp_path / "taken.graphml").mkdir()
    with pytest.raises(InputError, match="cannot write"):
        export_network(walk_net, tmp_path / "taken.graphml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.graphml"]
