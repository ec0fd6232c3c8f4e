"""``geo.network.info``: nodes, edges, connected pieces, length, extent and profile rules,
against networkx's connected components and coordinates projected here with pyproj."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer

from geo import network as gn
from geo.network.info import network_info

UTM51 = "EPSG:32651"


def _chain(start: int, n: int) -> tuple[list[int], list[int]]:
    return list(range(start, start + n - 1)), list(range(start + 1, start + n))


def test_counts_pieces_length_and_extent_of_a_built_network():
    # a 60-node street, a 3-node and a 2-node island, and a one-way edge in the big piece
    lon = np.concatenate([np.linspace(120.60, 120.62, 60), [120.63, 120.631, 120.632],
                          [120.58, 120.581]])
    lat = np.concatenate([np.full(60, 31.29), [31.30, 31.30, 31.301], [31.27, 31.271]])
    x, y = Transformer.from_crs(4326, UTM51, always_xy=True).transform(lon, lat)
    u1, v1 = _chain(0, 60)
    u2, v2 = _chain(60, 3)
    u = np.array([*u1, *u2, 63])
    v = np.array([*v1, *v2, 64])
    two = np.ones(u.size, dtype=bool)
    two[5] = False
    net = gn.network_from_edges(np.asarray(x), np.asarray(y), u, v, two_way=two, crs=UTM51,
                                source="town.osm.pbf")
    info = network_info(net)
    graph = nx.Graph(list(zip(u.tolist(), v.tolist(), strict=True)))
    sizes = sorted(len(c) for c in nx.connected_components(graph))
    assert (info.nodes, info.edges, info.two_way_edges) == (65, 62, 61)
    assert info.components == len(sizes) == 3
    assert info.largest_component == max(sizes) == 60
    assert info.small_components == 2
    assert info.length_km == pytest.approx(net.length_m.sum() / 1000)
    assert info.extent == pytest.approx((120.58, 31.27, 120.632, 31.301), abs=1e-9)
    assert info.crs == "WGS 84 / UTM zone 51N"
    assert network_info(net, small_limit=3).small_components == 1
    text = info.text()
    assert "components         3 (largest 60 nodes; 2 with fewer than 50 nodes)" in text
    assert "edges              62 (61 two-way)" in text
    assert "ways removed" not in text  # nothing recorded, no table
    summary = info.summary()
    assert summary["extent"] == pytest.approx([120.58, 31.27, 120.632, 31.301], abs=1e-9)
    assert summary["removed"] == {} and summary["source"] == "town.osm.pbf"


def test_real_network_matches_networkx_and_reports_the_profile_rules(walk_net):
    info = network_info(walk_net)
    graph = nx.Graph()
    graph.add_edges_from(zip(walk_net.u.tolist(), walk_net.v.tolist(), strict=True))
    sizes = [len(c) for c in nx.connected_components(graph)]
    assert info.components == len(sizes) > 1
    assert info.largest_component == max(sizes)
    assert info.small_components == sum(s < 50 for s in sizes)
    assert info.nodes == graph.number_of_nodes() == walk_net.n_nodes
    removed = getattr(walk_net, "removed", {})
    assert info.removed == dict(removed)
    assert info.profile == (getattr(walk_net, "profile", None) or None)


def test_rules_table_is_printed_when_the_network_records_removed_ways(walk_net):
    if "removed" not in {f.name for f in dataclasses.fields(gn.Network)}:
        pytest.skip("this Network does not record the ways the profile removed")
    net = dataclasses.replace(walk_net, profile="china",
                              removed={"motorway": 12, "expressway": 3, "opened:sidewalk": 1})
    info = network_info(net)
    assert info.profile == "china" and info.removed["expressway"] == 3
    lines = info.text().splitlines()
    at = lines.index("ways removed by the profile's rules (opened: kept open by a rule):")
    assert [line.split() for line in lines[at + 1:]] == [
        ["motorway", "12"], ["expressway", "3"], ["opened:sidewalk", "1"]]
    assert "profile china" in lines[0]
