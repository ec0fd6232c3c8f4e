"""Gap polygons kept by the cells they are made of.

A what-if station or a change of minutes changes a few gaps of a city and leaves the
others cell for cell as they were; their polygons (cells merged, clipped to the study
area) and their map outlines are the same. This module names each gap by its cells (a
signature computed for all gaps at once with numpy) and keeps the shapes made for it,
so that a redraw merges and simplifies only the gaps that changed.

The signature of a set of cell keys is its size, the sum and the exclusive or of two
different 64-bit mixes of its keys (SplitMix64's finaliser): two different sets share all
three by chance with a probability of about 2⁻¹²⁸ — and the cell layout and the study
area are part of every name besides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any

import cachetools
import numpy as np
import shapely

__all__ = ["KEPT", "area_digest", "kept_shapes", "signatures"]

#: Shapes kept (polygons and outlines of gaps, least recently used dropped first): a
#: city's 200 gaps take 400, and a few MB.
KEPT = 4096

_SHAPES: cachetools.LRUCache[Hashable, Any] = cachetools.LRUCache(KEPT)

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser of each value (uint64, wrapping)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64, copy=True)
        z ^= z >> np.uint64(30)
        z *= _M1
        z ^= z >> np.uint64(27)
        z *= _M2
        z ^= z >> np.uint64(31)
    return z


def signatures(label: np.ndarray, keys: np.ndarray, n: int) -> list[tuple[int, int, int]]:
    """A name for each gap made of the cells it holds, whatever their order.

    Parameters
    ----------
    label
        The gap of each cell (``0..n-1``).
    keys
        Each cell's key (64-bit integers: square codes or H3 cells).
    n
        Number of gaps.

    Returns
    -------
    list of tuple
        ``(cells, sum of mixes, xor of other mixes)`` per gap.
    """
    label = np.asarray(label, dtype=np.int64)
    k = np.asarray(keys).astype(np.int64).view(np.uint64)
    a = _mix(k)
    b = _mix(k ^ np.uint64(0x9E3779B97F4A7C15))
    count = np.bincount(label, minlength=n)
    order = np.argsort(label, kind="stable")
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    has = count > 0
    total = np.zeros(n, dtype=np.uint64)
    xor = np.zeros(n, dtype=np.uint64)
    if order.size:
        with np.errstate(over="ignore"):
            total[has] = np.add.reduceat(a[order], starts[has])
        xor[has] = np.bitwise_xor.reduceat(b[order], starts[has])
    return list(zip(count.tolist(), total.tolist(), xor.tolist(), strict=True))


def area_digest(area: shapely.Geometry | None) -> str:
    """A short name for a study area (its WKB), part of a kept shape's name."""
    if area is None:
        return ""
    return hashlib.blake2b(shapely.to_wkb(area), digest_size=16).hexdigest()


def kept_shapes(
    names: list[Hashable], make: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """The shape of each name: kept ones as they were, the others made in one call.

    Parameters
    ----------
    names
        A hashable name per shape (its gap's signature with what else it depends on).
    make
        Given the positions of the names not kept, returns their shapes in that order.

    Returns
    -------
    numpy.ndarray
        Object array of shapes, one per name.
    """
    out = np.empty(len(names), dtype=object)
    missing = []
    for i, name in enumerate(names):
        shape = _SHAPES.get(name)
        if shape is None:
            missing.append(i)
        else:
            out[i] = shape
    if missing:
        at = np.asarray(missing, dtype=np.int64)
        made = make(at)
        for i, shape in zip(missing, made, strict=True):
            out[i] = shape
            _SHAPES[names[i]] = shape
    return out
