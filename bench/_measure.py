"""Timing and memory helpers the benchmarks share (not a benchmark itself: the name starts
with ``_``)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The best wall time of ``repeat`` calls of ``fn``, and the last call's value.

    Parameters
    ----------
    fn
        What to time.
    repeat
        How many calls (at least one is made).

    Returns
    -------
    tuple
        ``(seconds, value)``.
    """
    best, value = float("inf"), None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def peak_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process (``VmHWM``), in MB.

    ``VmHWM`` starts afresh with each program, where ``ru_maxrss`` would include the peak
    of the parent it was started from.

    Parameters
    ----------
    pid
        A process id, or ``"self"``.

    Returns
    -------
    float
        ``NaN`` when the system does not say (``ru_maxrss`` for this process off Linux).
    """
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        if pid == "self":
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return float("nan")
