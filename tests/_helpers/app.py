"""Helpers for the app tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

_ESCAPE = re.compile(r"\\(.)")


def shown(markdown: str) -> str:
    """``markdown`` as a planner reads it: backslash escapes resolved, zero-width spaces
    removed (the app escapes user text with ``geo.ui_text.plain``)."""
    return _ESCAPE.sub(r"\1", markdown).replace("\u200b", "")


# --- what a planner reads on the page ---------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")

#: The words that may stand on the Chinese page, all of them (compared lower-case): units,
#: formats, coordinate systems and proper names a planner reads as they are written, column
#: names typed into files, and the language switch's own "English". Nothing is gathered
#: from the labels: a label with another English word fails the check.
ALLOWED_WORDS = frozenset(
    w.lower() for w in (
        # units
        "km", "min", "MB", "GB",
        # coordinate systems (WGS-84, GCJ-02, BD-09) and positioning
        "WGS", "GCJ", "BD", "GPS",
        # file formats
        "CSV", "XLSX", "Excel", "GeoJSON", "JSON", "HTML", "ZIP", "GPKG", "GeoPackage",
        "GeoParquet", "PBF", "XML", "GraphML",
        # proper names: map data, basemaps and geocoders
        "OSM", "OpenStreetMap", "Carto", "Amap", "Nominatim",
        # the what-if stations' ids (NEW1, NEW2 …, made by geo.scenario.add_station)
        "NEW",
        # column names a planner types into a file (the readers take them, geo.columns), as
        # the rejected rows' column names them
        "id", "lon", "lat", "lng",
        # the language switch's option
        "English",
    )
)

#: What a planner types or reads as written, taken out before the words are looked at:
#: file names and paths (``data/helsinki/demand.csv``, ``secrets.toml``) and server settings
#: (``TIANDITU_TK``, ``GEO_APP_MAP=off``).
_TYPED = re.compile(
    r"(?i:[\w./-]*\.(?:csv|xlsx|xls|geojson|json|gpkg|parquet|pbf|osm|xml|graphml|html|zip"
    r"|toml))\b|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?:=\S+)?"  # not lower-case codes (energy_pool)
)


def zh_allowed_words() -> frozenset[str]:
    """:data:`ALLOWED_WORDS` (lower-case): the only English words the Chinese page may show."""
    return ALLOWED_WORDS


def page_texts(at) -> list[str]:
    """Every text the page shows: titles, Markdown, captions, messages, metric labels,
    values and tooltips, widget labels, options, placeholders, values and tooltips, buttons,
    expander labels, download buttons and table headers and string cells."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success", "exception"):
        out.extend(shown(str(getattr(e, "value", ""))) for e in getattr(at, kind))
    for m in at.metric:
        out.extend([m.label, str(m.value), str(m.delta or ""), m.proto.help])
    widgets = [w for kind in ("selectbox", "radio", "multiselect", "number_input", "text_input",
                              "checkbox", "toggle", "button", "time_input")
               for w in getattr(at, kind)]
    for w in widgets:
        out.append(w.label)
        out.extend(str(o) for o in getattr(w, "options", ()))
        out.extend(str(getattr(w.proto, a, "") or "") for a in ("help", "placeholder"))
        if w.type == "text_input" and w.proto.type != w.proto.PASSWORD:
            out.append(str(w.value or ""))  # a field's starting text (名称 新增站点)
    for e in at.get("expandable"):
        out.append(shown(e.label))
    for e in at.get("download_button"):
        out.extend([e.proto.label, e.proto.help])
    for d in at.dataframe:
        frame = d.value
        out.extend(str(c) for c in frame.columns)
        for col in frame.columns:  # text columns (object, or pandas' string dtype)
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                out.extend(str(v) for v in frame[col].dropna().unique()[:200])
    return out


def english_words(texts: list[str], allowed: frozenset[str], user: Iterable[str]) -> set[str]:
    """English words in ``texts`` that are neither allowed nor part of what the user gave
    (``user``: file names, station names and ids, ...) nor file names and settings as a
    planner types them."""
    found: set[str] = set()
    for text in texts:
        text = _TYPED.sub(" ", text)  # whole paths first (a user's file name is part of one)
        for u in user:
            text = text.replace(u, " ")
        for w in _WORD.findall(text):
            if w.lower() not in allowed:
                found.add(w)
    return found


def whatif_input(at, name: str):
    """The add-station form's ``lon``/``lat``/``crs`` field (keyed per dataset in the app)."""
    fields = [w for w in [*at.number_input, *at.selectbox] if str(w.key).startswith(f"wi_{name}_")]
    assert len(fields) == 1, [w.key for w in fields]
    return fields[0]


# --- what a download button gives -------------------------------------------------------------


class MediaFiles:
    """Where ``AppTest`` keeps the data of the page's download buttons.

    Each ``AppTest.run`` makes a new ``MediaFileManager`` and drops it when the run ends,
    with the files and the deferred callables (``data=lambda: …``) of its download
    buttons. :meth:`install` swaps in one that stays reachable here, so a test takes a
    download as the browser would (a deferred one is made as on a click).
    """

    def __init__(self) -> None:
        self.manager: Any = None

    def install(self, setattr_: Callable[[Any, str, Any], None] = setattr) -> MediaFiles:
        """Keep every later run's manager (``setattr_``: e.g. ``monkeypatch.setattr``)."""
        from streamlit.runtime.media_file_manager import MediaFileManager
        from streamlit.testing.v1 import app_test

        keeper = self

        class Kept(MediaFileManager):
            def __init__(self, storage: Any) -> None:
                super().__init__(storage)
                keeper.manager = self

        setattr_(app_test, "MediaFileManager", Kept)
        return self

    def download(self, at: Any, key: str) -> tuple[str, bytes]:
        """The file name and bytes of the download button ``key`` on the page of the last run."""
        assert self.manager is not None, "MediaFiles.install() before the run"
        found = [e.proto for e in at.get("download_button") if e.proto.id.endswith(f"-{key}")]
        assert len(found) == 1, (key, [e.proto.id for e in at.get("download_button")])
        proto = found[0]
        url = (self.manager.execute_deferred(proto.deferred_file_id)
               if proto.deferred_file_id else proto.url)
        file = self.manager._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0])
        return str(file.filename), bytes(file.content)

    @staticmethod
    def keys(at: Any) -> list[str]:
        """The keys of the page's download buttons."""
        return [e.proto.id.rsplit("-", 1)[-1] for e in at.get("download_button")]
