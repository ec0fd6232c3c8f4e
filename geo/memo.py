"""A cache of computed results bounded by the memory they hold, not by their number.

The planner app keeps read uploads and analyses so that a rerun of the page (a moved
slider, a what-if station) does not read or compute again. Streamlit's own caches bound
only the number of entries, and one entry may be a city-wide analysis of hundreds of MB,
so the app keeps them in a :class:`Memo`: a least-recently-used cache
(:class:`cachetools.LRUCache`) whose size is the estimated memory of its values
(:func:`size_of`). When a new value would pass the bound the least recently used ones
are dropped; a value larger than the whole bound is returned but not kept.
"""

from __future__ import annotations

import collections
import contextlib
import sys
import threading
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

import cachetools
import numpy as np
import pandas as pd
import shapely

__all__ = ["Memo", "size_of"]

T = TypeVar("T")

#: Bytes a shapely geometry takes beyond its coordinates (the GEOS object, measured ~100).
_GEOMETRY_OVERHEAD = 120
#: How deep :func:`size_of` follows references (a result's tables sit 2-3 levels down).
_MAX_DEPTH = 8


#: Values of an object column whose sizes are measured (the rest estimated from them).
_SAMPLE = 1000


def _object_bytes(values: np.ndarray) -> int:
    """Python objects' memory: measured on an even sample, scaled to all of them (pandas'
    ``deep=True`` measures every value, seconds on a million strings)."""
    if values.size == 0:
        return 0
    step = max(1, values.size // _SAMPLE)
    sample = values[::step]
    return int(sum(sys.getsizeof(v) for v in sample) * (values.size / sample.size))


def _column_memory(col: pd.Series) -> tuple[Hashable, Callable[[], int]]:
    """A key for what holds one column's memory — the root numpy buffer (shared by the
    columns of one block), the Arrow buffers, the geometries' array — so that shallow
    copies of a table, which share them, count them once; and how to measure it (called
    only for a key not met before: a city's million geometries take 0.03 s to measure)."""
    values = col.array
    if col.dtype.name == "geometry":
        geoms = np.asarray(values)
        return id(_root(geoms)), lambda: (
            int(shapely.get_num_coordinates(geoms).sum()) * 16
            + len(geoms) * _GEOMETRY_OVERHEAD + int(geoms.nbytes))
    chunked = getattr(values, "_pa_array", None)
    if chunked is not None:  # Arrow-backed (text columns)
        key = ("arrow", *(b.address for c in chunked.chunks for b in c.buffers() if b))
        return key, lambda: int(chunked.nbytes)
    if isinstance(values, np.ndarray) or hasattr(values, "_ndarray"):
        root = _root(np.asarray(getattr(values, "_ndarray", values)))

        def measure() -> int:
            n = int(root.nbytes)
            return n + _object_bytes(root.ravel()) if root.dtype == object else n

        return id(root), measure  # the key size_of gives the same array met outside a table
    return id(values), lambda: int(col.memory_usage(deep=False, index=False))


def _root(a: np.ndarray) -> np.ndarray:
    """The array whose buffer ``a`` views (``a`` itself when it owns its data)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _frame_bytes(obj: pd.DataFrame | pd.Series, seen: set[Hashable], *,
                 measure: bool = True) -> int:
    """A table's memory: pandas' shallow count, Python objects (strings) sampled, plus the
    geometries' coordinates, which pandas counts as pointers only; a column array already
    counted (``seen``: shared with another table, e.g. a shallow copy) counts nothing;
    ``measure=False`` only marks the columns seen (0)."""
    series = [obj] if isinstance(obj, pd.Series) else [obj.iloc[:, j] for j in
                                                       range(obj.shape[1])]
    n = int(obj.index.memory_usage(deep=False))
    for col in series:
        key, size = _column_memory(col)
        if key not in seen:
            seen.add(key)
            n += size() if measure else 0
    return n


def size_of(obj: Any, exclude: Any = None) -> int:
    """Estimate the memory ``obj`` holds, in bytes, following its references.

    Counts numpy arrays by their buffers, pandas and GeoPandas tables by their columns
    (geometries by their coordinates), scipy sparse matrices by their arrays, and
    containers and objects (their ``__dict__`` and ``__slots__``) by what they refer to;
    an object referred to twice is counted once.

    Parameters
    ----------
    obj
        A value to keep, e.g. a :class:`geo.CoverageResult` or a GeoDataFrame.
    exclude
        A value whose memory ``obj`` shares and that is counted elsewhere (e.g. the analysis
        a what-if result was derived from): what ``obj`` holds of it counts nothing.

    Returns
    -------
    int
        The estimate, in bytes.
    """
    seen: set[Hashable] = set()
    counting = True  # False while ``exclude`` is walked: what it holds is only marked seen

    def walk(o: Any, depth: int) -> int:
        if id(o) in seen or depth > _MAX_DEPTH:
            return 0
        seen.add(id(o))
        if isinstance(o, (pd.DataFrame, pd.Series)):
            return _frame_bytes(o, seen, measure=counting)
        if isinstance(o, np.ndarray):
            base = _root(o)
            if base is not o and id(base) in seen:
                return 0
            seen.add(id(base))
            n = int(getattr(base, "nbytes", o.nbytes))
            if o.dtype == object:
                n += sum(walk(x, depth + 1) for x in o.ravel()[:1000]) * max(1, o.size // 1000)
            return n
        if isinstance(o, (str, bytes, bytearray, int, float, complex, bool)) or o is None:
            return sys.getsizeof(o)
        if isinstance(o, shapely.Geometry):
            return (int(shapely.get_num_coordinates(o)) * 16 + _GEOMETRY_OVERHEAD
                    if counting else 0)
        if hasattr(o, "tocsr") and hasattr(o, "nnz"):  # a scipy sparse matrix or array
            return sum(walk(getattr(o, a), depth + 1) for a in ("data", "indices", "indptr",
                                                                 "row", "col")
                       if isinstance(getattr(o, a, None), np.ndarray))
        if isinstance(o, dict):
            return sys.getsizeof(o) + sum(walk(k, depth + 1) + walk(v, depth + 1)
                                          for k, v in o.items())
        if isinstance(o, (list, tuple, set, frozenset)):
            return sys.getsizeof(o) + sum(walk(x, depth + 1) for x in o)
        n = sys.getsizeof(o)
        if hasattr(o, "__dict__"):
            n += walk(vars(o), depth + 1)
        for cls in type(o).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if hasattr(o, name):
                    n += walk(getattr(o, name), depth + 1)
        return n

    if exclude is not None:
        counting = False
        walk(exclude, 0)
        counting = True
    return walk(obj, 0)


class _Kept(NamedTuple):
    value: Any
    size: int
    base: Hashable


class _LRU(cachetools.LRUCache):
    """An LRU cache of :class:`_Kept` entries, sized by their estimate, that says which
    key it drops for room and lists its keys least recently used first."""

    def __init__(self, maxsize: int, evicted: Callable[[Hashable], None]) -> None:
        super().__init__(maxsize, getsizeof=lambda kept: kept.size)
        self._evicted = evicted
        self._recent: collections.OrderedDict[Hashable, None] = collections.OrderedDict()

    def __getitem__(self, key: Hashable) -> _Kept:
        kept = super().__getitem__(key)
        self._recent.move_to_end(key)
        return kept

    def __setitem__(self, key: Hashable, kept: _Kept) -> None:
        super().__setitem__(key, kept)
        self._recent[key] = None
        self._recent.move_to_end(key)

    def __delitem__(self, key: Hashable) -> None:
        super().__delitem__(key)
        self._recent.pop(key, None)

    def oldest_first(self) -> list[Hashable]:
        """The keys, least recently used first."""
        return list(self._recent)

    def popitem(self) -> tuple[Hashable, _Kept]:
        key, kept = super().popitem()
        self._evicted(key)
        return key, kept


class Memo:
    """Computed values kept by key, least recently used dropped first, within ``max_bytes``.

    Safe to share between threads (Streamlit runs each session in its own thread): when
    several sessions ask for the same missing key at once, one computes it and the
    others wait for its value (or its error, which each then meets by computing
    again).

    Parameters
    ----------
    max_bytes
        The bound on the estimated memory (:func:`size_of`) of the kept values.
    derived_per_base
        At most this many values derived from one base are kept (the newest), or any
        number (``None``): a city's what-if analyses hold tens of MB each, and one made
        again from its base costs a fraction of a second.

    Notes
    -----
    A value's size is estimated when it is stored; tables a result computes lazily later
    (e.g. its gap polygons) are not added.
    """

    def __init__(self, max_bytes: int, derived_per_base: int | None = None) -> None:
        self.max_bytes = int(max_bytes)
        self.derived_per_base = derived_per_base
        self._cache = _LRU(self.max_bytes, self._evicted)
        #: base key → the keys of values derived from it, oldest first (dropped with it)
        self._derived: dict[Hashable, dict[Hashable, None]] = {}
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T], *, base: Hashable = None) -> T:
        """The value kept for ``key``, or ``compute()`` kept (if it fits) and returned.

        Parameters
        ----------
        key
            A hashable key naming the value (e.g. the inputs' content hashes and the
            parameters).
        compute
            Makes the value when it is not kept; its exceptions pass through and
            nothing is kept.
        base
            The key of a kept value this one is derived from and shares memory with (an
            analysis with what-if stations and the analysis without them): only what this
            value holds beyond it is counted, using this value keeps the base recent, and
            dropping the base drops this value too (so that no memory goes uncounted).

        Returns
        -------
        The value.
        """
        with self._lock:
            kept = self._hit(key)
            if kept is not None:
                return kept.value
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:  # one computation per key at a time; the others wait here
            with self._lock:
                kept = self._hit(key)
                if kept is not None:
                    return kept.value
            try:
                value = compute()
                with self._lock:
                    self._keep(key, value, base)
            finally:
                with self._lock:
                    if self._computing.get(key) is key_lock:
                        del self._computing[key]
        return value

    def _hit(self, key: Hashable) -> _Kept | None:
        """The kept entry of ``key`` (its base made the more recent), or ``None``."""
        kept = self._cache.get(key)
        if kept is not None and kept.base is not None:
            self._cache.get(kept.base)
        return kept

    def _keep(self, key: Hashable, value: Any, base: Hashable) -> None:
        base_kept = self._cache.get(base) if base is not None else None
        size = size_of(value, exclude=base_kept.value if base_kept is not None else None)
        owner = base if base_kept is not None else None
        with contextlib.suppress(ValueError):  # larger than the whole bound: not kept
            self._cache[key] = _Kept(value, size, owner)
            if owner is not None:
                if owner not in self._cache:  # dropped for this value's room: not counted
                    self._cache.pop(key, None)
                    return
                derived = self._derived.setdefault(owner, {})
                derived.pop(key, None)
                derived[key] = None
                for k in [k for k in derived if k not in self._cache]:
                    del derived[k]  # dropped on their own for room
                cap = self.derived_per_base
                while cap is not None and len(derived) > max(cap, 1):
                    oldest = next(iter(derived))
                    self._cache.pop(oldest, None)
                    del derived[oldest]
                self._cache.get(owner)

    def _evicted(self, key: Hashable) -> None:
        """``key`` was dropped for room: what was derived from it goes with it."""
        for k in self._derived.pop(key, ()):
            self._cache.pop(k, None)

    def make_room(
        self,
        need: int,
        *,
        evictable: Callable[[Hashable], bool],
        keep: tuple[Hashable, ...] = (),
    ) -> int:
        """Drop kept values, least recently used first, until ``need`` more bytes fit.

        Called before a computation whose result will be about ``need`` bytes (e.g. the
        size of the last analysis of the same data), so that values it will push out are
        freed before it runs rather than after: the process's peak is the memory kept
        plus the computation's, not both results at once.

        Parameters
        ----------
        need
            The expected size of the coming value.
        evictable
            Which keys may be dropped (e.g. analyses, not the inputs the computation
            reads).
        keep
            Keys not to drop (e.g. the analysis the computation lends from).

        Returns
        -------
        int
            Number of values dropped (what was derived from them is dropped too).
        """
        dropped = 0
        with self._lock:
            for key in self._cache.oldest_first():
                if self._cache.currsize + need <= self.max_bytes:
                    break
                if key in keep or key not in self._cache or not evictable(key):
                    continue
                self._cache.pop(key)
                self._evicted(key)
                dropped += 1
        return dropped  # an analysis holds no reference cycle: freed as it is dropped

    def size(self, key: Hashable) -> int:
        """The counted size of a kept value (0 if not kept), without making it more recent."""
        with self._lock:
            if key not in self._cache:
                return 0
            return int(cachetools.Cache.__getitem__(self._cache, key).size)

    def find_key(self, match: Callable[[Hashable], bool]) -> Hashable | None:
        """The key of the most recently kept value that ``match`` accepts, or ``None``."""
        with self._lock:
            return self._newest(match)

    def _newest(self, match: Callable[[Hashable], bool]) -> Hashable | None:
        keys = [k for k in self._cache if match(k)]
        return keys[-1] if keys else None

    def find(self, match: Callable[[Hashable], bool]) -> Any:
        """The most recently kept value whose key ``match`` accepts (``None`` when none),
        without making it more recent.

        Parameters
        ----------
        match
            Says whether a key is wanted (e.g. an analysis of the same inputs).

        Returns
        -------
        The value, or ``None``.
        """
        with self._lock:
            key = self._newest(match)
            return None if key is None else cachetools.Cache.__getitem__(self._cache, key).value

    @property
    def bytes_kept(self) -> int:
        """The estimated memory of the kept values."""
        return int(self._cache.currsize)

    def __len__(self) -> int:
        return len(self._cache)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._cache

    def clear(self) -> None:
        """Drop every kept value."""
        with self._lock:
            self._cache.clear()
            self._derived.clear()
