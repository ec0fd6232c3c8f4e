"""Memory is planned, not discovered: estimate what a step will hold, refuse beyond a budget.

Before a step builds something whose size the user controls — the cells of a demand
grid, the per-point tables of an analysis, the reach matrix of siting, a map's layers —
it asks :func:`check` with an estimate from the counts. Beyond the budget the step
stops with a :class:`BudgetError` that gives the estimate, the budget and what to change
(a larger ``--cell``, a smaller area, ``--max-memory``, ``--engine dask``).

The budget is :func:`default_bytes` (``GEO_MAX_MEMORY``, else 60 % of this machine's
memory and 80 % of what is available when the step starts — to the machine, and to this
process under ``ulimit -v`` or a container's limit — at most 8 GB) unless a caller
sets one for what it runs, e.g. the app per session (:func:`limit`)::

    with budget.limit(512 * 2**20):
        result = geo.analyze(...)

The per-item costs below were measured on this code (``bench/bench_budget.py`` prints
them again): they include the per-point table, gap cells and their union, and the JSON.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from contextvars import ContextVar

from geo.errors import InputError

__all__ = [
    "BYTES_PER_CELL",
    "BYTES_PER_PAIR",
    "BYTES_PER_POINT",
    "READ_BYTES_PER_FILE_BYTE",
    "BudgetError",
    "available_bytes",
    "check",
    "current",
    "default_bytes",
    "format_bytes",
    "limit",
    "parse_bytes",
    "process_room",
]

#: Analysis of one demand cell (grid over an area): ~1.4–1.9 kB measured, with margin.
BYTES_PER_CELL = 2_000
#: Analysis of one demand point read from a table (the table itself included).
BYTES_PER_POINT = 1_500
#: One candidate–point pair of siting's reach matrix (indices, compression, solver).
BYTES_PER_PAIR = 40
#: Memory a file's table takes per byte of the file, by kind (measured, with margin).
READ_BYTES_PER_FILE_BYTE = {".csv": 8, ".txt": 8, ".tsv": 8, ".geojson": 8, ".json": 8,
                            ".gpkg": 6, ".shp": 6, ".fgb": 6, ".parquet": 20, ".geoparquet": 20}
_CEILING = 8 * 2**30
_FLOOR = 256 * 2**20
_CURRENT: ContextVar[int | None] = ContextVar("geo_memory_budget", default=None)


class BudgetError(InputError, MemoryError):
    """A step would need more memory than the budget allows (nothing was built).

    An :class:`~geo.errors.InputError` (the user can change the input or the options)
    and a ``MemoryError``.
    """


def parse_bytes(text: str | int | float) -> int:
    """``512MB``, ``2 GB``, ``1.5G``, ``800000000`` → bytes.

    Parameters
    ----------
    text
        A size with an optional unit (B, KB, MB, GB, TB; binary multiples).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For text that is not a positive size.
    """
    if isinstance(text, int | float):
        value, unit = float(text), ""
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?i?b?)\s*", str(text), re.I)
        if not m:
            raise ValueError(f"'{text}' is not a size (write e.g. 512MB or 2GB)")
        value, unit = float(m.group(1)), m.group(2).lower().rstrip("b").rstrip("i")
    factor = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[unit]
    if not value > 0:
        raise ValueError(f"'{text}' is not a positive size")
    return int(value * factor)


def format_bytes(n: float) -> str:
    """A size for messages: ``1.4 GB``, ``350 MB``.

    Parameters
    ----------
    n
        Bytes.

    Returns
    -------
    str
    """
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} B"


def _machine_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def available_bytes() -> int | None:
    """Memory this machine has available now (``MemAvailable`` of ``/proc/meminfo`` on
    Linux, the number ``psutil`` reports there too; else ``psutil`` when installed);
    ``None`` when unknown.

    ``/proc/meminfo`` is read first so that a command starts without importing psutil.

    Returns
    -------
    int or None
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # not installed, or no answer on this system
        pass
    return None


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            text = fh.read().strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def _status_kb(key: str) -> int | None:
    """A ``kB`` figure of ``/proc/self/status`` (``VmSize``), in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def process_room() -> int | None:
    """What this process may still take under the limits set on it, where they are lower
    than the machine's: the address-space limit (``ulimit -v``: ``RLIMIT_AS`` less the
    process's ``VmSize``) and the control group's (a container's ``memory.max`` less its
    ``memory.current``, cgroup v2; ``memory.limit_in_bytes`` less ``memory.usage_in_bytes``,
    v1). ``None`` when no such limit is set.

    Returns
    -------
    int or None
    """
    rooms: list[int] = []
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            rooms.append(soft - (_status_kb("VmSize") or 0))
    except (ImportError, ValueError, OSError):
        pass
    for cap, used in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                      ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                       "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        top = _read_int(cap)
        if top is not None and top < 2**60:  # v1 writes "no limit" as a huge number
            rooms.append(top - (_read_int(used) or 0))
            break
    return max(0, min(rooms)) if rooms else None


def _machine_cap() -> int:
    machine = _machine_bytes()
    return min(_CEILING, int(0.6 * machine)) if machine else _CEILING


def default_bytes() -> int:
    """The budget when none is set: ``GEO_MAX_MEMORY``, else 60 % of memory and 80 % of what
    is available now (at least 256 MB, at most 8 GB).

    Returns
    -------
    int
    """
    env = os.environ.get("GEO_MAX_MEMORY", "").strip()
    if env:
        return parse_bytes(env)
    frees = [f for f in (available_bytes(), process_room()) if f is not None]
    if frees:
        return min(_machine_cap(), max(int(0.8 * min(frees)), _FLOOR))
    return _machine_cap()


def current() -> int:
    """The budget in force here (set by :func:`limit`, else :func:`default_bytes`).

    Returns
    -------
    int
    """
    value = _CURRENT.get()
    return value if value is not None else default_bytes()


@contextlib.contextmanager
def limit(max_bytes: int | str | None) -> Iterator[None]:
    """Run the ``with`` block under a memory budget (``None`` keeps the one in force).

    Parameters
    ----------
    max_bytes
        Bytes, or text such as ``"512MB"``.

    Yields
    ------
    None
    """
    if max_bytes is None:
        yield
        return
    token = _CURRENT.set(parse_bytes(max_bytes))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def check(what: str, estimate: float, hint: str = "", *, file: str | None = None) -> None:
    """Refuse a step whose estimated memory exceeds the budget.

    Parameters
    ----------
    what
        What would be built, for the message (``1,440,000 cells of 10 m``).
    estimate
        Its estimated memory in bytes.
    hint
        What to change, in the user's words (``use a larger --cell``).
    file
        The file the step reads, when there is one (named first in the message).

    Raises
    ------
    BudgetError
        When ``estimate`` exceeds :func:`current`.
    """
    budget = current()
    if estimate > budget:
        tail = f"; {hint}" if hint else ""
        raise BudgetError(
            f"{what} would need about {format_bytes(estimate)} of memory, more than the "
            f"{format_bytes(budget)} allowed{_why(budget)}{tail} (or raise the limit: "
            "--max-memory, GEO_MAX_MEMORY)",
            file=file,
        )


def _why(budget: int) -> str:
    """Where a default budget comes from, when it is what this machine has free now."""
    if _CURRENT.get() is not None or os.environ.get("GEO_MAX_MEMORY", "").strip():
        return ""
    if budget < _machine_cap():
        room = process_room()
        free = available_bytes()
        if room is not None and (free is None or room < free):
            return (f" (80 % of the {format_bytes(budget / 0.8)} this process may still take "
                    "under its limit: ulimit -v or the container's memory limit)")
        return f" (80 % of the {format_bytes(budget / 0.8)} this machine has available now)"
    return ""
