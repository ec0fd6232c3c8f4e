"""The streets basemap (``geo.maps.streets``): the study's own streets, water and rail."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from _helpers import ROOT
from _helpers.maps import contains, layers
from pyproj import Transformer

import geo
from geo import crs as crsmod
from geo import maps
from geo.maps import STREETS_LAYER
from geo.maps.streets import SIMPLIFY_M, street_features, street_json, streets_of
from geo.network import network_from_edges

HEL = ROOT / "data" / "helsinki"
HEL_ARGS = {"demand": str(HEL / "demand.csv"), "area": str(HEL / "area.geojson")}


@pytest.fixture(scope="module")
def hel_network(walk_net):
    return geo.analyze(str(HEL / "stations.csv"), method="network", network=walk_net,
                       **HEL_ARGS)


@pytest.fixture(scope="module")
def hel_straight(walk_net):
    return geo.analyze(str(HEL / "stations.csv"), network=walk_net, **HEL_ARGS)


def _to_metric(geoms, crs):
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    return shapely.transform(np.asarray(geoms, dtype=object),
                             lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))


def test_the_drawn_streets_are_the_network_within_the_simplification(hel_network, walk_net):
    drawn = streets_of(hel_network)
    assert drawn is not None and drawn.source
    lines = shapely.union_all(_to_metric(drawn.streets, walk_net.crs))
    original = shapely.union_all(walk_net.geometry)
    # every drawn line lies within the simplification tolerance of a street, and back
    assert shapely.hausdorff_distance(lines, original) <= SIMPLIFY_M + 0.05
    assert shapely.length(lines) == pytest.approx(walk_net.length_m.sum(), rel=0.02)
    # merged where streets meet: far fewer lines than edges
    assert len(drawn.streets) < 0.7 * walk_net.n_edges
    assert len(drawn.water) and len(drawn.rail)


def test_a_network_given_with_straight_lines_is_drawn_not_measured(hel_straight, walk_net):
    plain = geo.analyze(str(HEL / "stations.csv"), **HEL_ARGS)
    assert hel_straight.network is None and hel_straight.basemap_network is walk_net
    assert hel_straight.summary() == plain.summary()  # the analysis is the same
    assert streets_of(hel_straight) is not None and streets_of(plain) is None
    assert [f["properties"]["s"]["color"] for f in street_features(hel_straight, "wgs84")]
    assert street_features(plain, "wgs84") == []
    assert street_json(plain, "wgs84") is None


def test_the_streets_layer_is_written_once_per_network_and_datum(hel_straight):
    # a what-if makes a new result on the same network: its streets' text is the kept one
    text = street_json(hel_straight, "wgs84")
    assert text is not None and street_json(hel_straight, "wgs84") is text
    again = geo.analyze(str(HEL / "stations.csv"), network=hel_straight.basemap_network,
                        **HEL_ARGS)
    assert again is not hel_straight and street_json(again, "wgs84") is text
    gcj = street_json(hel_straight, "gcj02")  # outside China the same coordinates
    assert gcj is not None and gcj is not text and street_json(again, "gcj02") is gcj
    # the text is the features as written from scratch
    assert json.loads(text)["features"] == json.loads(
        json.dumps(street_features(hel_straight, "wgs84")))


def test_the_streets_layer_is_under_the_coverage_on_a_canvas_and_small(hel_network):
    html = maps.map_html(hel_network)
    assert contains(html, STREETS_LAYER)
    # the first GeoJSON layer added (the bottom one) is the basemap, drawn on a canvas
    options = re.findall(r"L\.geoJSON\(\{.*?\}, \{\n(.*?)style:", html, flags=re.S)
    assert "L.canvas(" in options[0] and all("L.canvas(" not in o for o in options[1:])
    drawn = layers(html)
    first = drawn[0]["features"]  # the first GeoJSON layer is the basemap
    kinds = {f["geometry"]["type"] for f in first}
    assert kinds <= {"MultiLineString", "MultiPolygon"}
    assert all(f["properties"]["s"]["interactive"] is False for f in first)  # clicks pass
    assert len(html.encode()) < 2_000_000  # the bound for the Helsinki demo map
    assert contains(html, "街道 streets")  # legend row


def test_no_network_no_streets_layer(demo):
    html = maps.map_html(demo)
    assert not contains(html, STREETS_LAYER) and "L.canvas(" not in html


def test_streets_shift_with_a_gcj02_basemap(demo):
    # a small network in Suzhou (UTM 51N), given as an object for the map only
    x = np.array([0.0, 500.0, 500.0]) + 300_000
    y = np.array([0.0, 0.0, 500.0]) + 3_463_000
    net = network_from_edges(x, y, np.array([0, 1]), np.array([1, 2]))
    res = geo.analyze(demo.stations, demand=demo.points[["weight", "geometry"]],
                      network=net)
    wgs = street_features(res, "wgs84")[0]["geometry"]["coordinates"]
    gcj = street_features(res, "gcj02")[0]["geometry"]["coordinates"]
    a, b = np.array(wgs[0]), np.array(gcj[0])
    # shifted as every other layer (geo.crs is checked against published GCJ-02 vectors)
    lon, lat = crsmod.from_wgs84(a[:, 0], a[:, 1], "gcj02")
    assert np.allclose(b, np.column_stack([lon, lat]), atol=2e-5)
    assert np.abs(b - a).max() > 0.002  # some hundred metres in Suzhou
    # the map file names the network the streets come from, without a folder
    assert json.dumps("edges")[1:-1] in maps.map_html(res) or "edges" in maps.map_html(res)


def test_the_apps_map_fetches_the_streets_from_a_served_file(hel_network, tmp_path,
                                                               monkeypatch):
    # the app's map (streamlit-folium sends its whole script on every click) holds only
    # the URL of the streets; the file served there is the very layer a report embeds
    from geo.maps import served
    from geo.maps.build import STREETS_PANE
    from geo.maps.live import live_map

    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path))
    text = street_json(hel_network, "wgs84")
    m = live_map(hel_network, tiles="osm", publish=served.publish)
    page = m.base.get_root().render()
    url = re.search(r'fetch\("([^"]+)"\)', page).group(1)
    assert url.startswith("../") and url.endswith(".json")
    embedded = live_map(hel_network, tiles="osm").base.get_root().render()
    assert text not in page and text in embedded  # without the app's publisher: in the page
    assert len(embedded) - len(page) > len(text) - 1_000
    assert f'"{STREETS_PANE}"' in page  # drawn in a pane under the coverage
    name = url.rsplit("/", 1)[1]
    assert (served.served_folder() / name).read_text(encoding="utf-8") == text
    # the component name in the URL is the one Streamlit serves the folder under
    assert url.split("/")[1] == served._component_name(str(served.served_folder().resolve()))
    # written once per content: a second map finds the file there
    before = (served.served_folder() / name).stat().st_mtime_ns
    assert served.publish(text) == url
    assert (served.served_folder() / name).stat().st_mtime_ns == before


def test_streets_stay_in_the_page_when_the_cache_cannot_be_written(hel_network, tmp_path,
                                                                     monkeypatch):
    from geo.maps import served
    from geo.maps.live import live_map

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GEO_CACHE_DIR", str(blocker))  # served/ cannot be made under a file
    assert served.publish("{}") is None
    page = live_map(hel_network, tiles="osm", publish=served.publish).base.get_root().render()
    assert street_json(hel_network, "wgs84") in page and "fetch(" not in page
