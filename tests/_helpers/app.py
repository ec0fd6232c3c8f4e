"""Helpers for the app tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_ESCAPE = re.compile(r"\\(.)")


def shown(markdown: str) -> str:
    """``markdown`` as a planner reads it: backslash escapes resolved, zero-width spaces
    removed (the app escapes user text with ``geo.ui_text.plain``)."""
    return _ESCAPE.sub(r"\1", markdown).replace("\u200b", "")


# --- what a planner reads on the page ---------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")

#: Words that may stand in the Chinese UI: units, formats, names of systems and places, and
#: the English that the Chinese labels carry on purpose (``出行方式 Mode``).
ALLOWED_WORDS = frozenset(
    w.lower() for w in (
        "km", "min", "WGS", "GCJ", "BD", "CGCS", "OSM", "OpenStreetMap", "Helsinki", "pyrosm",
        "CSV", "XLSX", "GeoJSON", "JSON", "HTML", "PNG", "ZIP", "GPKG", "GeoPackage", "GraphML",
        "PBF", "osm", "pbf", "xlsx", "csv", "geojson", "json", "gpkg", "html", "png", "zip",
        "Leaflet", "Amap", "Baidu", "Tianditu", "Esri", "CartoDB", "NEW", "id", "ok",
        "Streamlit", "Dask", "UTM", "EPSG", "Valhalla", "CDN", "Suzhou", "extract", "AREA",
        "CHINA",
    )
)


def zh_allowed_words() -> frozenset[str]:
    """:data:`ALLOWED_WORDS` plus every English word the app's Chinese labels contain."""
    from geo import ui_text as ui
    from geo import words as w
    from geo.maps import TILES

    chinese = [zh for zh, _en in [*ui.TEXT.values(), *w.COLUMNS.values(), *w.CRS_LABELS.values(),
                                  *w._SCENARIO_WORDS.values()]]
    chinese += [t.label_zh for t in TILES.values()] + list(w.LANGUAGES.values())
    words = set(ALLOWED_WORDS)
    for text in chinese:
        words.update(x.lower() for x in _WORD.findall(text))
    return frozenset(words)


def page_texts(at) -> list[str]:
    """Every text the page shows: titles, Markdown, captions, messages, metric labels and
    values, widget labels and options, buttons, expander labels and table headers and
    string cells."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success", "exception"):
        out.extend(shown(str(getattr(e, "value", ""))) for e in getattr(at, kind))
    for m in at.metric:
        out.extend([m.label, str(m.value), str(m.delta or "")])
    for kind in ("selectbox", "radio", "multiselect"):
        for w in getattr(at, kind):
            out.append(w.label)
            out.extend(str(o) for o in w.options)
    for kind in ("number_input", "text_input", "checkbox", "toggle", "button", "time_input"):
        out.extend(w.label for w in getattr(at, kind))
    for e in at.get("expandable"):
        out.append(shown(e.label))
    for e in at.get("download_button"):
        out.append(e.proto.label)
    for d in at.dataframe:
        frame = d.value
        out.extend(str(c) for c in frame.columns)
        for col in frame.columns:
            if frame[col].dtype == object:
                out.extend(str(v) for v in frame[col].dropna().unique()[:200])
    return out


def english_words(texts: list[str], allowed: frozenset[str], user: set[str]) -> set[str]:
    """English words in ``texts`` that are neither allowed nor part of what the user gave
    (``user``: file names, station names and ids, ...)."""
    found: set[str] = set()
    for text in texts:
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
