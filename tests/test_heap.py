"""Giving memory back (geo.heap): garbage is collected, cycles too."""

from __future__ import annotations

import gc
import weakref

from geo import heap


class _Node:
    pass


def _cycle() -> weakref.ref:
    a, b = _Node(), _Node()
    a.other, b.other = b, a  # only the cycle collector frees them
    return weakref.ref(a)


def test_collect_garbage_frees_cycles() -> None:
    was = gc.isenabled()
    gc.disable()  # no automatic collection between the steps
    try:
        alive = _cycle()
        assert alive() is not None
        heap.collect_garbage()
        assert alive() is None
    finally:
        if was:
            gc.enable()
    assert isinstance(heap.trim_heap(), bool)
