"""One line per performance target, for ``bench/targets.py`` to gather.

A benchmark that checks a target calls :func:`target` after it printed its own report;
the line starts with ``TARGET`` and holds JSON, so the runner needs no knowledge of each
benchmark's text. Not a benchmark itself (the name starts with ``_``).
"""

from __future__ import annotations

import json

PREFIX = "TARGET "


def target(
    name: str,
    *,
    measured: str,
    reference: str,
    ratio: float | None,
    goal: str,
    met: bool,
) -> None:
    """Print one target's line.

    Parameters
    ----------
    name
        What is measured, as the issue words it (e.g. ``"straight-line check, 1M points"``).
    measured
        geo's figure with its unit (``"3.48 s"``).
    reference
        The reference and its figure, measured in the same run (``"floor 2.18 s"``);
        ``""`` for an absolute target.
    ratio
        geo over the reference (or the reference over geo, as the goal says), or ``None``.
    goal
        The target as the issue states it (``"<= 1.5x floor"``, ``"<= 0.5 s"``).
    met
        Whether this run met it.
    """
    print(PREFIX + json.dumps({"name": name, "measured": measured, "reference": reference,
                               "ratio": None if ratio is None else round(ratio, 2),
                               "goal": goal, "met": bool(met)}, ensure_ascii=False),
          flush=True)
