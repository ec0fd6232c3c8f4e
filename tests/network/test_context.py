"""Water and rail of an OSM file for the streets basemap (``geo.network.context``)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.network import context
from geo.network.context import CONTEXT_KINDS, load_context

# published positions (Wikipedia's coordinates), an independent reference for the real extract
TOOLONLAHTI = (24.9364, 60.1781)  # Töölönlahti bay, 60°10′41″N 24°56′11″E
HELSINKI_CENTRAL = (24.9414, 60.1719)  # Helsinki Central railway station, 60°10′19″N 24°56′29″E

OSM_XML = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <osm version="0.6" generator="Overpass API">
      <node id="1" lat="31.3000" lon="120.6000"/>
      <node id="2" lat="31.3000" lon="120.6100"/>
      <node id="3" lat="31.3050" lon="120.6000"/>
      <node id="4" lat="31.3050" lon="120.6100"/>
      <node id="5" lat="31.3010" lon="120.6010"/>
      <node id="6" lat="31.3010" lon="120.6030"/>
      <node id="7" lat="31.3030" lon="120.6030"/>
      <node id="8" lat="31.3030" lon="120.6010"/>
      <way id="10"><nd ref="1"/><nd ref="2"/><tag k="waterway" v="canal"/>
        <tag k="name" v="护城河"/></way>
      <way id="11"><nd ref="3"/><nd ref="4"/><tag k="railway" v="rail"/></way>
      <way id="12"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
        <tag k="natural" v="water"/></way>
      <way id="13"><nd ref="1"/><nd ref="3"/><tag k="highway" v="residential"/></way>
    </osm>
    """
)


@pytest.fixture(scope="module")
def helsinki():
    return load_context("helsinki", cache=False)


def test_the_real_extract_has_its_bay_and_its_railway(helsinki):
    assert set(helsinki["kind"]) == set(CONTEXT_KINDS)
    water = helsinki.geometry[helsinki["kind"] == "water"]
    assert water.contains(shapely.Point(TOOLONLAHTI)).any()
    rail = np.asarray(helsinki.geometry[helsinki["kind"] == "rail"].array, dtype=object)
    nearest = shapely.get_coordinates(shapely.shortest_line(shapely.Point(HELSINKI_CENTRAL),
                                                            shapely.union_all(rail)))
    _, _, metres = Geod(ellps="WGS84").inv(*nearest[0], *nearest[1])
    assert metres < 150
    # rail and waterways are lines, water is areas
    kinds = helsinki.groupby("kind").apply(lambda g: set(g.geom_type), include_groups=False)
    assert kinds["water"] <= {"Polygon", "MultiPolygon"}
    assert kinds["rail"] <= {"LineString", "MultiLineString"}


def test_osm_xml_gives_canal_rail_and_lake_and_no_street(tmp_path):
    path = tmp_path / "suzhou.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    found = load_context(path, cache=False)
    assert sorted(found["kind"]) == ["rail", "water", "waterway"]
    lake = found.geometry[found["kind"] == "water"].iloc[0]
    assert lake.contains(shapely.Point(120.602, 31.302))


def test_graphml_has_no_context_and_a_broken_file_gives_none_with_a_warning(tmp_path, caplog):
    graphml = tmp_path / "x.graphml"
    graphml.write_text("<graphml/>", encoding="utf-8")
    assert len(load_context(graphml, cache=False)) == 0
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><way", encoding="utf-8")
    assert len(load_context(broken, cache=False)) == 0
    assert "could not read water and rail" in caplog.text


def test_the_layers_are_cached_on_disk_and_in_memory(tmp_path, monkeypatch):
    path = tmp_path / "suzhou.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    first = load_context(path)
    assert list((tmp_path / "cache" / "networks").glob("*-context-v*.parquet"))
    monkeypatch.setattr(context, "_read", lambda p: pytest.fail("read again"))
    assert load_context(path) is first  # memory
    context._MEMORY.clear()
    again = load_context(path)  # disk
    assert sorted(again["kind"]) == sorted(first["kind"])
