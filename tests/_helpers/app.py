"""Helpers for the app tests."""

from __future__ import annotations

import re

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
