"""The last few values made from some inputs, found again by the same inputs.

A change of minutes analyses the same points again: their coordinates are lent from the
analysis before (the same arrays), and work that depends only on them and on the stations
(a KD-tree, the street search, the points' travel times) is found here instead of done
again. Plain Python: importing it costs nothing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["Recent", "array_digest"]

T = TypeVar("T")


class Recent:
    """The last few values made from some inputs, found again by the same inputs.

    For work repeated by the next analysis of the same points (a change of minutes lends
    their coordinates): the inputs are compared by identity (``same``: arrays, snaps,
    never changed in place) and by value (``key``: parameters, digests). Safe to share
    between threads.

    Parameters
    ----------
    kept
        How many values are kept (the newest).
    """

    def __init__(self, kept: int) -> None:
        self.kept = int(kept)
        self._items: list[tuple[tuple[object, ...], Hashable, Any]] = []
        self._lock = threading.Lock()

    def get(self, same: tuple[object, ...], key: Hashable, make: Callable[[], T]) -> T:
        """The value kept for these inputs, or ``make()`` kept and returned.

        Parameters
        ----------
        same
            Inputs compared by identity.
        key
            Inputs compared by equality.
        make
            Makes the value when none is kept for these inputs.

        Returns
        -------
        The value.
        """
        with self._lock:
            for objs, k, value in self._items:
                if k == key and len(objs) == len(same) and all(
                        a is b for a, b in zip(objs, same, strict=True)):
                    return value
        value = make()
        with self._lock:
            self._items.append((same, key, value))
            del self._items[:-self.kept]
        return value

    def clear(self) -> None:
        """Drop every kept value."""
        with self._lock:
            self._items.clear()


def array_digest(*arrays: Any) -> str:
    """A short text naming the content of some arrays (their bytes, in order), to key kept
    values by what they were made from.

    Parameters
    ----------
    *arrays
        numpy arrays (or anything ``numpy.ascontiguousarray`` takes).

    Returns
    -------
    str
        32 hexadecimal digits (BLAKE2b).
    """
    import numpy as np  # only where arrays are hashed: importing this module stays free

    digest = hashlib.blake2b(digest_size=16)
    for a in arrays:
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()
