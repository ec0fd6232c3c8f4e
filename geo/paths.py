"""Where ``geo`` keeps files between runs: one cache root for every kind of cache."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root(*parts: str) -> Path:
    """The cache folder ``$GEO_CACHE_DIR`` (or ``~/.cache/geo``), or a folder inside it.

    Parameters
    ----------
    *parts
        Sub-folders, e.g. ``"networks"``.

    Returns
    -------
    pathlib.Path
        Not created here.
    """
    root = os.environ.get("GEO_CACHE_DIR", "").strip()
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "geo"
    return base.joinpath(*parts)
