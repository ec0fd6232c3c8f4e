"""Map data the app's own server hands out as files, instead of inside the map's page.

streamlit-folium sends its map's whole script with every rerun of the app, and the
browser parses it again on each: a city's streets basemap (13 MB of lines for the
generated city's 397,090 edges) made every what-if click move and parse 21 MB, and kept
the browser busy for seconds. :func:`publish` writes such a layer once, named by its
content, into a folder of the cache that Streamlit serves next to streamlit-folium's own
files (a component's folder, :func:`streamlit.components.v1.declare_component`); the map
fetches it from the same server, so it works offline and on an intranet. Only the app
uses this; the HTML maps and reports keep everything in one file.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path

from geo.paths import atomic_file, cache_root

__all__ = ["publish", "served_folder"]

log = logging.getLogger(__name__)


def served_folder() -> Path:
    """The folder the app serves map files from: ``$GEO_CACHE_DIR/served``."""
    return cache_root("served")


@cache
def _component_name(folder: str) -> str:
    """Register ``folder`` with Streamlit as a component's files; its name in the URLs."""
    import streamlit.components.v1 as components

    return components.declare_component("files", path=folder).name


def publish(text: str, suffix: str = ".json") -> str | None:
    """Write ``text`` as a file the app's server serves; its URL relative to a component's
    page (streamlit-folium's map), or ``None`` if it cannot be written.

    The file is named by the text's digest, so a layer is written once per content and a
    browser may keep it.

    Parameters
    ----------
    text
        The file's content (e.g. a FeatureCollection from
        :func:`geo.maps.streets.street_json`).
    suffix
        The file's extension (its content type).

    Returns
    -------
    str or None
        ``../<component>/<digest><suffix>``; ``None`` (with a warning in the log) when the
        cache folder cannot be written: the caller then keeps the text in the page.
    """
    folder = served_folder()
    name = hashlib.blake2b(text.encode(), digest_size=16).hexdigest() + suffix
    path = folder / name
    try:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_file(path) as tmp:
                tmp.write_text(text, encoding="utf-8")
        component = _component_name(str(folder.resolve()))
    except OSError as exc:
        log.warning("map data kept in the page: cannot write %s (%s)", path, exc)
        return None
    return f"../{component}/{name}"
