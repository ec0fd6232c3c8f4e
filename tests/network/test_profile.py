"""The street profile (``geo.network.profile``): which OSM ways riders may walk or cycle.

Hand-made OSM XML in Suzhou with each Chinese tagging case: an elevated road (高架) and a
tunnel tagged ``highway=trunk``, a ``motorroad=yes`` road, a footbridge and an underpass,
an expressway with a sidewalk and one with a non-motorised lane, a shared cycleway.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geo
from geo import network as gn
from geo.errors import SettingsError
from geo.network.profile import RULES, apply_profile, resolve_profile, rules_table

# a 5 x 3 grid of residential streets (ids 1..15, 0.004° apart) and special ways over it
_NODES = "\n".join(
    f'  <node id="{r * 5 + c + 1}" lat="{31.300 + 0.004 * r:.4f}" lon="{120.600 + 0.004 * c:.4f}"/>'
    for r in range(3) for c in range(5)
)
_GRID = "\n".join(
    [f'  <way id="{100 + r * 4 + c}"><nd ref="{r * 5 + c + 1}"/><nd ref="{r * 5 + c + 2}"/>'
     '<tag k="highway" v="residential"/></way>' for r in range(3) for c in range(4)]
    + [f'  <way id="{200 + r * 5 + c}"><nd ref="{r * 5 + c + 1}"/><nd ref="{r * 5 + c + 6}"/>'
       '<tag k="highway" v="residential"/></way>' for r in range(2) for c in range(5)]
)


def osm_xml(special: str) -> str:
    return textwrap.dedent(
        """\
        <?xml version="1.0" encoding="UTF-8"?>
        <osm version="0.6" generator="test">
        """
    ) + f"{_NODES}\n{_GRID}\n{special}\n</osm>\n"


def way(way_id: int, a: int, b: int, **tags: str) -> str:
    tag_xml = "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
    return f'  <way id="{way_id}"><nd ref="{a}"/><nd ref="{b}"/>{tag_xml}</way>'


# the special ways: each joins two grid corners that are otherwise 8 blocks apart
VIADUCT = way(301, 1, 15, highway="trunk", bridge="yes", layer="1", name="南北高架路")
TUNNEL = way(302, 5, 11, highway="trunk", tunnel="yes", layer="-1", name="延安东路隧道")
MOTORROAD = way(303, 6, 12, highway="primary", motorroad="yes")
NAMED = way(304, 3, 13, highway="trunk_link", name="内环高架")
FOOTBRIDGE = way(305, 2, 14, highway="footway", bridge="yes", layer="1")
UNDERPASS = way(306, 4, 12, highway="footway", tunnel="yes", layer="-1")
SIDEWALK = way(307, 6, 10, highway="trunk", bridge="yes", sidewalk="both")
LANE = way(308, 7, 9, highway="trunk", bridge="yes", cycleway__right="lane")
SHARED = way(309, 8, 15, highway="cycleway", foot="designated")
GROUND_TRUNK = way(310, 1, 3, highway="trunk")
SPECIAL = [VIADUCT, TUNNEL, MOTORROAD, NAMED, FOOTBRIDGE, UNDERPASS, SIDEWALK, LANE, SHARED,
           GROUND_TRUNK]


def ways_of(net: gn.Network) -> set[tuple[int, int]]:
    ids = net.node_id
    return {tuple(sorted((int(ids[a]), int(ids[b])))) for a, b in zip(net.u, net.v, strict=True)}


def as_pbf(xml: Path, pbf: Path) -> Path:
    """The same OSM data written as PBF with pyosmium (what ``geo network extract`` writes)."""
    import osmium

    with osmium.SimpleWriter(str(pbf), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    return pbf


@pytest.fixture(params=["xml", "pbf"])
def suzhou(tmp_path, request):
    """Every Chinese tagging case, as OSM XML and as PBF (read by pyrosm)."""
    path = tmp_path / "suzhou.osm"
    path.write_text(osm_xml("\n".join(SPECIAL)), encoding="utf-8")
    return path if request.param == "xml" else as_pbf(path, tmp_path / "suzhou.osm.pbf")


def test_walking_in_china(suzhou):
    net = gn.load_network(suzhou, "walk", cache=False)
    assert net.profile == "china"  # auto: the data lie in China
    have = ways_of(net)
    assert (1, 15) not in have and (5, 11) not in have  # viaduct, tunnel
    assert (6, 12) not in have  # motorroad=yes
    assert (3, 13) not in have  # a trunk_link named 内环高架
    assert (2, 14) in have and (4, 12) in have  # footbridge and underpass stay walkable
    assert (6, 10) in have  # an expressway with a sidewalk
    assert (7, 9) not in have  # a cycle lane does not make it walkable
    assert (8, 15) in have  # a cycleway with foot=designated
    assert (1, 3) in have  # a trunk road at ground level
    assert net.removed["expressway"] == 4  # viaduct, tunnel, 内环高架, the cycle-lane one
    assert net.removed["motorroad"] == 1
    assert net.removed["opened:sidewalk"] == 1 and net.removed["opened:foot_allowed"] == 1


def test_cycling_and_ebikes_in_china(suzhou):
    for mode in ("bike", "ebike"):
        have = ways_of(gn.load_network(suzhou, mode, cache=False))
        assert (7, 9) in have  # the non-motorised lane opens the expressway to cycles
        assert (6, 10) not in have  # a sidewalk does not
        assert (1, 15) not in have and (5, 11) not in have and (3, 13) not in have
        assert (6, 12) not in have
        assert (2, 14) not in have and (4, 12) not in have  # footways: walking only
        assert (8, 15) in have  # a cycleway


def test_the_osm_profile_keeps_what_osm_allows(suzhou):
    have = ways_of(gn.load_network(suzhou, "walk", profile="osm", cache=False))
    assert (1, 15) in have and (5, 11) in have  # trunks without foot=no are walkable
    assert (6, 12) in have  # and a motorroad without foot=no, too
    with pytest.raises(SettingsError, match="street profile"):
        gn.load_network(suzhou, "walk", profile="beijing")


def test_tagged_viaducts_give_the_coverage_of_foot_no_on_them(tmp_path):
    """The issue's criterion: closing expressways by their tags equals tagging foot=no."""
    tagged = tmp_path / "tagged.osm"
    tagged.write_text(osm_xml("\n".join([VIADUCT, TUNNEL, NAMED, GROUND_TRUNK])),
                      encoding="utf-8")
    foot_no = tmp_path / "foot_no.osm"
    foot_no.write_text(osm_xml("\n".join(
        w.replace("</way>", '<tag k="foot" v="no"/></way>') if w != GROUND_TRUNK else w
        for w in [VIADUCT, TUNNEL, NAMED, GROUND_TRUNK])), encoding="utf-8")
    stations = pd.DataFrame({"id": ["S1"], "lon": [120.600], "lat": [31.300]})
    rng = np.random.default_rng(3)
    demand = pd.DataFrame({"lon": 120.600 + rng.random(200) * 0.016,
                           "lat": 31.300 + rng.random(200) * 0.008})
    args = {"demand": demand, "method": "network", "minutes": 5}
    a = geo.analyze(stations, network=str(tagged), **args)
    b = geo.analyze(stations, network=str(foot_no), **args)
    np.testing.assert_allclose(a.points["minutes"], b.points["minutes"], equal_nan=True)
    assert a.coverage == b.coverage
    # and differs from the OSM profile, where the viaduct carries walkers across the grid
    c = geo.analyze(stations, network=str(tagged), street_profile="osm", **args)
    assert c.coverage > a.coverage


def test_rules_as_a_table():
    table = rules_table("china")
    assert {"motorroad", "expressway", "sidewalk", "cycle_lane"} <= set(table["rule"])
    assert set(rules_table("osm")["rule"]).isdisjoint({"motorroad", "expressway"})
    # every rule names the tags it reads, and open rules say which closures they lift
    for rule in RULES:
        assert rule.tags and rule.zh and rule.en
        if rule.action == "open":
            assert rule.overrides and set(rule.overrides) <= {r.name for r in RULES}


def test_apply_profile_counts_ways_not_segments():
    tags = pd.DataFrame({"highway": ["trunk"] * 3 + ["residential"],
                         "bridge": ["yes"] * 3 + [None]})
    keep, removed = apply_profile(tags, "walking", "china", way_id=np.array([7, 7, 8, 9]))
    assert keep.tolist() == [False, False, False, True]
    assert removed == {"expressway": 2}


def test_auto_profile_follows_the_data():
    assert resolve_profile("auto", np.array([120.6, 121.4]), np.array([31.3, 31.2])) == "china"
    assert resolve_profile("auto", np.array([24.94]), np.array([60.17])) == "osm"
    assert resolve_profile("osm", np.array([120.6]), np.array([31.3])) == "osm"


def test_the_docs_list_every_rule_with_its_tags():
    from _helpers import ROOT

    text = (ROOT / "docs" / "street-network.md").read_text(encoding="utf-8")
    for rule in RULES:
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{rule.name}` |")), "")
        assert row, rule.name
        assert all(f"`{tag}`" in row for tag in rule.tags), rule.name
        assert f"| {rule.action} |" in row and ", ".join(rule.profiles) in row


def _keep(mode: str, profile: str = "china", **tags: str) -> bool:
    """Whether one way with these tags (``__`` for ``:``) is kept for a mode."""
    frame = pd.DataFrame({k.replace("__", ":"): [v] for k, v in tags.items()})
    keep, _ = apply_profile(frame, mode, profile)
    return bool(keep[0])


@pytest.mark.parametrize("profile", ["osm", "china"])
def test_foot_and_bicycle_tags_open_a_way_whatever_its_highway(profile):
    for value in ("yes", "designated", "permissive"):
        assert _keep("walking", profile, highway="cycleway", foot=value)
        assert _keep("cycling", profile, highway="footway", bicycle=value)
        assert _keep("cycling", profile, highway="steps", bicycle=value)
    assert not _keep("walking", profile, highway="cycleway")
    assert not _keep("walking", profile, highway="cycleway", foot="no")
    assert not _keep("cycling", profile, highway="footway")
    # access=no closes a way unless the mode's own tag opens it (OSM's precedence)
    assert not _keep("walking", profile, highway="path", access="no")
    assert _keep("walking", profile, highway="path", access="no", foot="yes")
    assert not _keep("cycling", profile, highway="path", access="no")
    assert _keep("cycling", profile, highway="path", access="no", bicycle="yes")
    assert not _keep("cycling", profile, highway="residential", vehicle="no")
    assert _keep("walking", profile, highway="residential", vehicle="no")


def test_sidewalks_and_lanes_on_the_road_open_it_and_separate_ones_do_not():
    for closed in ({"highway": "primary", "motorroad": "yes"},
                   {"highway": "trunk", "bridge": "yes"}):
        assert not _keep("walking", **closed) and not _keep("cycling", **closed)
        assert _keep("walking", **closed, sidewalk="both")
        assert _keep("walking", **closed, sidewalk__left="yes")
        assert _keep("cycling", **closed, cycleway="lane")
        assert _keep("cycling", **closed, cycleway__right="track")
        # drawn as its own way: the road itself stays closed
        assert not _keep("walking", **closed, sidewalk="separate")
        assert not _keep("cycling", **closed, cycleway="separate")
        assert not _keep("cycling", **closed, cycleway__both="separate")
        assert not _keep("cycling", **closed, cycleway="no")
        # a sidewalk is not a cycle lane, nor the reverse
        assert not _keep("cycling", **closed, sidewalk="both")
        assert not _keep("walking", **closed, cycleway="lane")
    # a motorway stays closed to both whatever its sidewalk or lane tags say
    assert not _keep("walking", highway="motorway", sidewalk="both")
    assert not _keep("cycling", highway="motorway", cycleway="lane")
    assert _keep("walking", highway="motorway_link", foot="yes")
