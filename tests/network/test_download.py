"""``geo.network.download``, offline: OSMnx asks a local Overpass API that answers with a
real recorded Overpass reply (tests/data/overpass/), and a server that is not there must
give one clear error, at once."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import osmnx as ox
import pytest
from _helpers.osm import OVERPASS_REPLY, closed_port_url, overpass_server

from geo import network as gn
from geo.errors import InputError, SettingsError
from geo.network.download import DownloadError, download_streets

#: A box around every node of the recorded reply (Conegliano, Italy).
BOX = "12.3010,45.8868,12.3095,45.8910"


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    """No pause asked from the status endpoint of a local server."""
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)


@pytest.fixture(scope="module")
def reply() -> dict:
    return json.loads(OVERPASS_REPLY.read_text(encoding="utf-8"))


def _segments(reply: dict) -> tuple[int, int]:
    """Street segments in the reply, and those on one-way streets (counted here)."""
    ways = [e for e in reply["elements"] if e["type"] == "way"]
    total = sum(len(w["nodes"]) - 1 for w in ways)
    one_way = sum(len(w["nodes"]) - 1 for w in ways if w["tags"].get("oneway") == "yes")
    return total, one_way


def test_download_saves_every_street_of_the_reply_as_graphml(reply, tmp_path):
    out = tmp_path / "conegliano.graphml"
    url_before = ox.settings.overpass_url
    with overpass_server(OVERPASS_REPLY.read_bytes()) as (url, received):
        report = download_streets(out, bbox=BOX, margin_m=0, overpass_url=url)
    assert len(received) == 1 and 'way["highway"]' in received[0].replace("%22", '"') \
        .replace("%5B", "[").replace("%5D", "]")
    total, one_way = _segments(reply)
    assert (total, one_way) == (61, 31)
    graph = ox.load_graphml(out)
    way_ids = {e["id"] for e in reply["elements"] if e["type"] == "way"}
    assert {d["osmid"] for _, _, d in graph.edges(data=True)} == way_ids
    # one directed edge per one-way segment, two for the others
    assert graph.number_of_edges() == one_way + 2 * (total - one_way) == report.edges
    assert len(graph) == report.nodes == 60
    walk = gn.load_network(out, "walk", cache=False)
    bike = gn.load_network(out, "bike", cache=False)
    assert walk.n_edges == bike.n_edges == total == report.mode_edges
    assert int(bike.two_way.sum()) == total - one_way
    assert report.bbox == pytest.approx((12.3010, 45.8868, 12.3095, 45.8910))
    assert ox.settings.overpass_url == url_before  # settings restored
    # OSMnx cached the answer in geo's cache ($GEO_CACHE_DIR, a tmp folder: conftest.py)
    assert any(Path(os.environ["GEO_CACHE_DIR"], "overpass").iterdir())


def _written(folder: Path) -> list[str]:
    """Files left in a folder, besides the cache."""
    return sorted(p.name for p in folder.iterdir() if p.name != "cache")


@pytest.mark.parametrize("rate_limit", [False, True])
def test_unreachable_overpass_is_said_at_once(rate_limit, tmp_path, monkeypatch):
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", rate_limit)
    url = closed_port_url()
    start = time.perf_counter()
    with pytest.raises(DownloadError, match="cannot reach the Overpass API at " + url):
        download_streets(tmp_path / "x.graphml", bbox=BOX, overpass_url=url)
    assert time.perf_counter() - start < 10
    assert _written(tmp_path) == []


def test_unreachable_geocoder_for_a_place_name(tmp_path, monkeypatch):
    monkeypatch.setattr(ox.settings, "nominatim_url", closed_port_url().replace("/api", "/"))
    with pytest.raises(DownloadError, match="Nominatim geocoder"):
        download_streets(tmp_path / "x.graphml", place="沧浪街道, 苏州市",
                         overpass_url=closed_port_url())


def test_server_error_and_empty_answer(tmp_path):
    with overpass_server(b"<html>502 Bad Gateway</html>", status=502,
                         content_type="text/html") as (url, _), \
            pytest.raises(DownloadError, match="answered with an error"):
        download_streets(tmp_path / "x.graphml", bbox=BOX, overpass_url=url)
    empty = json.dumps({"version": 0.6, "elements": []}).encode()
    with overpass_server(empty) as (url, _), pytest.raises(InputError, match="no street"):
        download_streets(tmp_path / "x.graphml", bbox=BOX, overpass_url=url)
    assert _written(tmp_path) == []


def test_refuses_wrong_combinations_and_files(tmp_path):
    with pytest.raises(SettingsError, match="one of"):
        download_streets(tmp_path / "x.graphml", place="苏州", bbox=BOX)
    with pytest.raises(SettingsError, match="one of"):
        download_streets(tmp_path / "x.graphml")
    with pytest.raises(InputError, match="GraphML"):
        download_streets(tmp_path / "x.osm.pbf", bbox=BOX)
    with pytest.raises(SettingsError, match="mode"):
        download_streets(tmp_path / "x.graphml", bbox=BOX, mode="car")
