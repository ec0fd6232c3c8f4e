"""A large network's snapping quadtree is kept beside its cache file: the next process
reads it instead of building it, and snaps exactly as with a quadtree built afresh."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from geo import network as gn
from geo.network import snapping


@pytest.fixture
def small_large_index(monkeypatch):
    """Helsinki's network counts as large (the threshold is 100,000 segments)."""
    monkeypatch.setattr(snapping, "LARGE_INDEX", 1000)


def _points(net: gn.Network, n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return (rng.uniform(net.x.min(), net.x.max(), n), rng.uniform(net.y.min(), net.y.max(), n))


def _snap(net: gn.Network, x: np.ndarray, y: np.ndarray) -> gn.Snap:
    return gn.snap(net, x, y, eligible=gn.eligible_edges(net))


def _builds(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = snapping.SegmentIndex.build.__func__

    def counting(cls, seg, which, **kw):
        calls.append(which.size)
        return real(cls, seg, which, **kw)

    monkeypatch.setattr(snapping.SegmentIndex, "build", classmethod(counting))
    return calls


def _kept_files() -> list[Path]:
    return sorted(gn.cache_dir().glob("*.index-*.npz"))


def test_the_next_process_reads_the_quadtree_and_snaps_the_same(small_large_index,
                                                                  monkeypatch) -> None:
    builds = _builds(monkeypatch)
    net = gn.load_network("helsinki", "walk")
    x, y = _points(net)
    first = _snap(net, x, y)
    n = len(builds)  # the eligible edges' quadtree, and every edge's (the fragment rule)
    assert n >= 1 and len(_kept_files()) == n
    gn.clear_memory_cache()  # as a new process: the network from the disk cache
    again = gn.load_network("helsinki", "walk")
    assert again is not net
    second = _snap(again, x, y)
    assert len(builds) == n  # read, not built
    names = sorted(k for k in net._memo if k.startswith("segment_index:"))
    assert names == sorted(k for k in again._memo if k.startswith("segment_index:"))
    for name in names:
        built, kept = net._memo[name], again._memo[name]
        for field in ("leaf_start", "first", "count", "cand"):
            np.testing.assert_array_equal(getattr(kept, field), getattr(built, field))
        assert (kept.x0, kept.y0, kept.cell, kept.depth) == (built.x0, built.y0, built.cell,
                                                             built.depth)
    for field in ("edge", "along_m", "distance_m"):
        np.testing.assert_array_equal(getattr(second, field), getattr(first, field))


def test_a_damaged_or_foreign_quadtree_is_built_again(small_large_index, monkeypatch,
                                                      caplog) -> None:
    net = gn.load_network("helsinki", "walk")
    x, y = _points(net, 5000)
    want = _snap(net, x, y)
    kept = _kept_files()
    other = snapping.SegmentIndex.build(snapping.network_segments(net),
                                        np.arange(snapping.network_segments(net).n))
    builds = _builds(monkeypatch)
    kept[0].write_bytes(b"not a zip file")
    gn.clear_memory_cache()
    with caplog.at_level(logging.WARNING):
        got = _snap(gn.load_network("helsinki", "walk"), x, y)
    assert len(builds) == 1 and "unreadable" in caplog.text
    np.testing.assert_array_equal(got.edge, want.edge)
    # a quadtree of other segments (another build of the network) is not taken either
    other.write(kept[0], n_segments=1, n_indexed=1)
    gn.clear_memory_cache()
    got = _snap(gn.load_network("helsinki", "walk"), x, y)
    assert len(builds) == 2
    np.testing.assert_array_equal(got.edge, want.edge)


def test_small_networks_and_networks_not_cached_keep_nothing(monkeypatch) -> None:
    net = gn.load_network("helsinki", "walk")  # fewer than 100,000 segments
    _snap(net, *_points(net, 5000))
    assert _kept_files() == []
    monkeypatch.setattr(snapping, "LARGE_INDEX", 1000)
    uncached = gn.load_network("helsinki", "walk", cache=False)
    _snap(uncached, *_points(uncached, 5000))
    assert _kept_files() == []


def test_a_large_network_is_cached_with_its_quadtree(small_large_index, monkeypatch) -> None:
    """The first read of a large network builds its quadtree of every edge with it."""
    builds = _builds(monkeypatch)
    net = gn.load_network("helsinki", "walk")
    assert builds == [snapping.network_segments(net).n]
    assert [p.name.split(".index-")[1] for p in _kept_files()] == ["all-q1.npz"]
    gn.clear_memory_cache()
    again = gn.load_network("helsinki", "walk")  # from the cache: nothing built
    gn.snap(again, *_points(again, 5000))  # every edge's quadtree read, not built
    assert builds == [snapping.network_segments(net).n]
