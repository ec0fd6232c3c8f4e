"""The memory-bounded cache the app keeps uploads and analyses in (``geo.memo``)."""

from __future__ import annotations

import gc
import threading
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _helpers import ROOT

import geo
from geo.memo import Memo, size_of

DATA = ROOT / "data" / "canglang"


def test_size_of_arrays_counts_buffers_once() -> None:
    a = np.zeros(1_000_000)
    assert size_of(a) == a.nbytes
    view = a[::2]
    assert size_of([a, view]) < a.nbytes * 1.01  # a view of a counted array adds nothing
    assert size_of({"x": a, "y": a}) < a.nbytes * 1.01


def test_size_of_geometries_counts_their_coordinates() -> None:
    line = shapely.LineString(np.random.default_rng(0).random((10_000, 2)))
    small = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)] * 3)
    big = gpd.GeoDataFrame(geometry=[line] * 3)
    # pandas counts geometries as pointers; their coordinates are what takes the memory
    assert big.memory_usage(deep=True).sum() == small.memory_usage(deep=True).sum()
    assert size_of(big) >= 3 * 10_000 * 16 > 100 * size_of(small)


def test_size_of_a_result_is_no_less_than_what_it_allocated() -> None:
    # independent reference: tracemalloc's count of the Python and numpy memory the
    # analysis left allocated (GEOS's own memory is not traced, so this is a lower bound)
    # a 20 m demand grid: ~40,000 cells, so the tables outweigh pandas' fixed overheads
    kwargs = {"area": str(DATA / "area.geojson"), "grids": str(DATA / "grids.geojson"),
              "cell_m": 20}
    geo.analyze(str(DATA / "stations.csv"), **kwargs)  # imports and caches warmed
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = geo.analyze(str(DATA / "stations.csv"), **kwargs)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    estimate = size_of(result)
    assert len(result.points) > 30_000
    assert kept <= estimate <= 5 * kept, (estimate, kept)


def test_least_recently_used_values_go_first_within_the_bound() -> None:
    mb = 1 << 20
    memo = Memo(3 * mb + mb // 2)
    calls: list[str] = []

    def make(name: str):
        def compute():
            calls.append(name)
            return np.zeros(mb // 8)  # 1 MB

        return compute

    for name in "abc":
        memo.get(name, make(name))
    assert memo.get("a", make("a")) is not None and calls == ["a", "b", "c"]  # a kept
    memo.get("d", make("d"))  # b is the least recently used now
    assert "b" not in memo and {"a", "c", "d"} <= {k for k in "abcd" if k in memo}
    assert memo.bytes_kept <= memo.max_bytes
    memo.get("b", make("b"))
    assert calls == ["a", "b", "c", "d", "b"]


def test_a_value_larger_than_the_bound_is_returned_not_kept() -> None:
    memo = Memo(1000)
    value = memo.get("big", lambda: np.zeros(10_000))
    assert value.shape == (10_000,) and "big" not in memo and len(memo) == 0


def test_an_error_is_not_kept() -> None:
    memo = Memo(1 << 20)
    with pytest.raises(geo.InputError):
        memo.get("bad", lambda: (_ for _ in ()).throw(geo.InputError("no")))
    assert "bad" not in memo
    assert memo.get("bad", lambda: 1) == 1


def test_sessions_in_threads_share_one_bounded_memo() -> None:
    memo = Memo(50 * 8 * 1000)
    frames = {}

    def session(i: int) -> None:
        frames[i] = memo.get(i % 10, lambda: pd.DataFrame({"x": np.arange(1000.0)}))

    threads = [threading.Thread(target=session, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(frames) == 40 and memo.bytes_kept <= memo.max_bytes and len(memo) <= 10


def test_sessions_asking_for_the_same_missing_value_compute_it_once() -> None:
    import time

    memo = Memo(1 << 20)
    calls: list[int] = []
    got: list[object] = []

    def compute() -> np.ndarray:
        calls.append(1)
        time.sleep(0.2)  # so that the other sessions arrive while it runs
        return np.arange(10)

    threads = [threading.Thread(target=lambda: got.append(memo.get("demo", compute)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 8 and all(g is got[0] for g in got)


def _table(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(0)
    return gpd.GeoDataFrame(
        {"w": rng.random(n), "id": pd.array([f"D{i}" for i in range(n)],
                                            dtype="string[pyarrow]")},
        geometry=shapely.points(rng.random(n), rng.random(n)), crs=4326)


def test_size_of_a_shallow_copy_beyond_its_original() -> None:
    """A table derived by a shallow copy and one new column (a what-if's points from the
    analysis without it) holds only that column beyond the original."""
    base = _table(20_000)
    derived = base.copy(deep=False)
    derived["minutes"] = np.arange(20_000, dtype="float64")
    full = size_of(derived)
    assert full >= size_of(base) > 20_000 * (16 + 8)
    extra = size_of(derived, exclude=base)
    assert 20_000 * 8 <= extra < 20_000 * 8 * 1.5 + 10_000
    # two tables sharing columns, counted together: each column once
    assert size_of([base, derived]) < size_of(base) + extra * 1.5
    # a deep copy shares nothing
    assert size_of(base.copy(deep=True), exclude=base) > 0.9 * size_of(base)


def test_derived_values_count_what_they_add_and_go_with_their_base() -> None:
    base_value = _table(20_000)
    one = size_of(base_value)
    memo = Memo(int(one * 1.6))  # the base and its what-ifs fit only counted as their extra
    assert memo.get("base", lambda: base_value) is base_value

    def derived(k: int):
        def make():
            out = base_value.copy(deep=False)
            out["minutes"] = np.full(20_000, float(k))
            return out
        return make

    for k in range(3):
        memo.get(("whatif", k), derived(k), base="base")
    assert "base" in memo and all(("whatif", k) in memo for k in range(3))
    assert memo.bytes_kept < one * 1.6
    # using a what-if keeps its base recent: another value evicts what-ifs first, not it
    for k in range(3):
        memo.get(("whatif", k), derived(k), base="base")
    memo.get("other", lambda: np.zeros(int(one * 0.5) // 8))
    assert "other" in memo and memo.bytes_kept <= one * 1.6
    assert "base" in memo
    # the base dropped for room: its what-ifs go with it (their shared memory is not left
    # uncounted), and they are made again on the next use
    memo.get("big", lambda: np.zeros(int(one * 1.2) // 8))
    assert "base" not in memo
    assert not any(("whatif", k) in memo for k in range(3))
    calls = []
    memo.get(("whatif", 1), lambda: calls.append(1) or derived(1)(), base="base")
    assert calls == [1]


def test_room_is_made_before_a_computation_least_recently_used_first() -> None:
    mb = 1 << 20
    memo = Memo(5 * mb + mb // 2)

    def one_mb() -> np.ndarray:
        return np.zeros(mb // 8)

    memo.get(("input", "demand"), one_mb)
    for name in "abc":
        memo.get(("analysis", name), one_mb)
    memo.get(("whatif", "a"), lambda: np.zeros(mb // 16), base=("analysis", "a"))
    memo.get(("analysis", "b"), one_mb)  # b used again: c, then a (with its what-if) older
    memo.get(("input", "demand"), one_mb)
    assert memo.size(("analysis", "a")) == mb and memo.size("missing") == 0
    assert memo.find_key(lambda k: k[0] == "analysis") == ("analysis", "c")  # newest kept
    used = memo.bytes_kept
    # fits already: nothing dropped
    assert memo.make_room(mb, evictable=lambda k: k[0] == "analysis") == 0
    assert memo.bytes_kept == used
    # room for 3 MB: the least recently used analysis (c), then a with its what-if; b is
    # kept as asked, the input and the what-if (not evictable themselves) are skipped
    dropped = memo.make_room(3 * mb, evictable=lambda k: k[0] == "analysis",
                             keep=(("analysis", "b"),))
    assert dropped == 2
    assert ("analysis", "a") not in memo and ("whatif", "a") not in memo
    assert ("analysis", "c") not in memo
    assert ("analysis", "b") in memo and ("input", "demand") in memo
    assert memo.bytes_kept + 3 * mb <= memo.max_bytes
    # more than can be freed: everything evictable but what is kept goes, nothing else
    assert memo.make_room(10 * mb, evictable=lambda k: k[0] == "analysis",
                          keep=(("analysis", "b"),)) == 0
    assert memo.make_room(10 * mb, evictable=lambda k: k[0] == "analysis") == 1
    assert ("analysis", "b") not in memo and ("input", "demand") in memo


def test_at_most_so_many_values_derived_from_one_base_are_kept() -> None:
    mb = 1 << 20
    memo = Memo(100 * mb, derived_per_base=2)
    memo.get("base", lambda: np.zeros(mb // 8))
    memo.get("other", lambda: np.zeros(mb // 8))
    for k in range(4):
        memo.get(("whatif", k), lambda: np.zeros(mb // 16), base="base")
    # the two newest what-ifs of the base are kept, the older ones dropped; nothing else
    assert [k for k in range(4) if ("whatif", k) in memo] == [2, 3]
    assert "base" in memo and "other" in memo
    # using an old one again makes it anew, and it becomes one of the two kept
    calls = []
    memo.get(("whatif", 0), lambda: calls.append(0) or np.zeros(mb // 16), base="base")
    assert calls == [0] and [k for k in range(4) if ("whatif", k) in memo] == [0, 3]
    unbounded = Memo(100 * mb)
    unbounded.get("base", lambda: np.zeros(mb // 8))
    for k in range(4):
        unbounded.get(("whatif", k), lambda: np.zeros(mb // 16), base="base")
    assert all(("whatif", k) in unbounded for k in range(4))


def test_a_dropped_analysis_is_freed_at_once_without_a_collection() -> None:
    # make_room frees memory before a computation only if what it drops holds no reference
    # cycle (else it waits for Python's next full collection): an analysis, its tables and
    # a what-if on it are freed by reference counting alone
    import weakref

    from geo import scenario

    stations = scenario.combine(geo.read_stations(str(DATA / "stations.csv")))
    gc.disable()
    try:
        base = geo.analyze(stations, demand=DATA / "demand.csv", area=DATA / "area.geojson",
                           grids=DATA / "grids.geojson")
        _ = (base.gap_table, base.gaps, base.service_areas(), base.grid_table)
        quick = scenario.add_incrementally(
            base, scenario.with_stations(stations, [{"lon": 120.62, "lat": 31.30}]))
        assert quick is not None
        _ = (quick.gaps, quick.service_areas())
        refs = [weakref.ref(base), weakref.ref(quick)]
        made = {"base": base, "whatif": quick}
        del base, quick, _
        memo = Memo(1 << 40)
        memo.get("base", lambda: made.pop("base"))
        memo.get("whatif", lambda: made.pop("whatif"), base="base")
        assert memo.make_room(1 << 41, evictable=lambda k: True) == 2
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()


def test_recent_values_are_found_by_the_same_objects_and_equal_keys() -> None:
    from geo.recent import Recent

    recent = Recent(2)
    made = []

    def make(tag: str):
        return lambda: made.append(tag) or tag

    a, b = np.zeros(3), np.zeros(3)  # equal arrays, different objects
    assert recent.get((a,), 1, make("a1")) == "a1"
    assert recent.get((a,), 1, make("again")) == "a1"  # the same object and key: kept
    assert recent.get((b,), 1, make("b1")) == "b1"  # an equal array is another input
    assert recent.get((a,), 2, make("a2")) == "a2"  # another key
    assert made == ["a1", "b1", "a2"]
    assert recent.get((a,), 1, make("a1 again")) == "a1 again"  # only the newest two kept
    recent.clear()
    assert recent.get((b,), 1, make("b1 again")) == "b1 again"
