"""Helpers for the app tests."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(.)")


def shown(markdown: str) -> str:
    """``markdown`` as a planner reads it: backslash escapes resolved, zero-width spaces
    removed (the app escapes user text with ``geo.ui_text.plain``)."""
    return _ESCAPE.sub(r"\1", markdown).replace("\u200b", "")
