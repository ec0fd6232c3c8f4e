"""The HTML of a map: escaping, embedded JSON, Leaflet layers and controls, the page's assets.

Names, addresses and 网格 names come from users. They are HTML-escaped in Python
(:func:`esc`), and layer data is embedded as JSON with ``<``, ``>``, ``&`` and quotes
written as ``\\u`` escapes (:func:`json_for_script`), so nothing a user typed can open a
tag or end a script.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import quote

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

__all__ = ["ASSET_MODES", "CSS", "TILE_FAILURE_NOTE", "GeoLayer", "HtmlControl", "LayerHtmlControl",
           "Raw", "ScriptElement", "TileFailureNote", "add_basemap", "esc", "feature",
           "feature_collection_json", "json_for_script", "rows_html", "set_assets"]

#: What a map says when its basemap tiles cannot load (no internet, a blocked server).
TILE_FAILURE_NOTE = (
    "底图瓦片无法加载（无网络或被拦截）；覆盖分析照常显示{streets}。"
    "Basemap tiles could not load (offline or blocked); the coverage is drawn as usual{streets_en}."
)

#: Where a map's page gets Leaflet: embedded (``inline``, the default), as ``data:`` URLs
#: (``data``, for frames that load scripts by URL, as the app's), or linked (``cdn``).
ASSET_MODES: tuple[str, ...] = ("inline", "data", "cdn")


def esc(value: object) -> str:
    """HTML-escape a user string for popups, tooltips and legends (quotes and backticks too).

    Braces are written as character references as well: folium (branca) reads the script
    it renders as a Jinja template once more, so ``{{ 7*7 }}`` in a name would show 49 and
    ``{% raw %}`` would break the page; and ``${...}`` would run inside a JavaScript
    template literal. The browser shows them as typed.

    Parameters
    ----------
    value
        Any value; ``None`` and NaN become ``""``.

    Returns
    -------
    str
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return (html.escape(str(value), quote=True).replace("`", "&#96;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def json_for_script(obj: Any) -> str:
    """JSON safe inside a ``<script>``: no raw ``<``, ``>``, ``&``, quotes or line separators.

    Parameters
    ----------
    obj
        A JSON-serialisable value.

    Returns
    -------
    str
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


def feature_collection_json(features: list[dict[str, Any]]) -> str:
    """A GeoJSON FeatureCollection of ``features`` as JSON safe inside a ``<script>``.

    Parameters
    ----------
    features
        GeoJSON features.

    Returns
    -------
    str
        What :class:`GeoLayer` embeds (see :func:`json_for_script`).
    """
    return json_for_script({"type": "FeatureCollection", "features": features})


class Raw(Element):
    """Text put into the page as it is, not read as a template.

    Branca makes each element's rendered script (and a plain ``Element``'s text) a
    template of its own, which Jinja parses when the page is rendered: slow for
    megabytes of GeoJSON, and a station name holding ``{{`` or ``{%`` would be read as
    template code (evaluated, or the map failing to render). The page's text from users
    and data goes in as ``Raw``.

    Parameters
    ----------
    text
        HTML or script, already escaped where it holds user text.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text, unchanged."""
        return self.text


class ScriptElement(MacroElement):
    """A Leaflet element (a template with a ``script`` macro) whose rendered script is
    added to the page as :class:`Raw` text."""

    def render(self, **kwargs: Any) -> None:
        """Add the element's script to the page (not parsed again as a template)."""
        script = self._template.module.script(self, kwargs)
        self.get_root().script.add_child(Raw(str(script)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class GeoLayer(ScriptElement):
    """A Leaflet GeoJSON layer whose features carry ready-made (escaped) tooltip/popup HTML.

    ``canvas=True`` draws it on a canvas instead of SVG (many lines, such as streets).
    ``data`` is the layer's FeatureCollection already written by
    :func:`feature_collection_json` (e.g. kept for the streets of a network), in place
    of ``features``. ``url`` fetches it instead (relative to the page), once the map is
    up, into its own ``pane`` below the overlays (so that lines arriving after the
    coverage are still drawn under it); a failed fetch leaves the layer empty, with a
    warning in the browser's console.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% if this.pane %}
        (function (map) {
            if (!map.getPane({{ this.pane }})) {
                var pane = map.createPane({{ this.pane }});
                pane.style.zIndex = 350;
                pane.style.pointerEvents = "none";
            }
        })({{ this._parent._parent.get_name() }});
        {% endif %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
            {% if this.canvas %}renderer: L.canvas({
                padding: 0.5{% if this.pane %}, pane: {{ this.pane }}{% endif %}}),
            {% endif %}
            style: function (f) { return f.properties.s || {}; },
            pointToLayer: function (f, latlng) {
                var s = f.properties.s || {};
                if (f.properties.icon) {
                    return L.marker(latlng, {icon: L.divIcon({
                        html: f.properties.icon, className: "geo-icon",
                        iconSize: [s.size || 22, s.size || 22]}),
                        zIndexOffset: s.z || 0, keyboard: false});
                }
                return L.circleMarker(latlng, s);
            },
            onEachFeature: function (f, layer) {
                if (f.properties.t) {
                    layer.bindTooltip(f.properties.t, {sticky: !f.properties.icon});
                }
                if (f.properties.p) { layer.bindPopup(f.properties.p, {maxWidth: 340}); }
            }
        }).addTo({{ this._parent.get_name() }});
        {% if this.url %}
        fetch({{ this.url }}).then(function (r) {
            if (!r.ok) { throw new Error("HTTP " + r.status); }
            return r.json();
        }).then(function (d) { {{ this.get_name() }}.addData(d); }).catch(function (e) {
            console.warn("geo: the layer at " + {{ this.url }} + " did not load: " + e);
        });
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]] | None = None, canvas: bool = False, *,
                 data: str | None = None, url: str | None = None,
                 pane: str | None = None) -> None:
        super().__init__()
        self._name = "GeoLayer"
        self.canvas = bool(canvas)
        self.url = json_for_script(url) if url is not None else None
        self.pane = json_for_script(pane) if pane is not None else None
        if url is not None:
            self.data = "null"
        else:
            self.data = data if data is not None else feature_collection_json(features or [])


class HtmlControl(ScriptElement):
    """A Leaflet control holding fixed HTML (legend, title); the HTML is built escaped."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", {{ this.css_class }});
            div.innerHTML = {{ this.html }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.html = json_for_script(html_text)
        self.position = json_for_script(position)
        self.css_class = json_for_script(css_class)


class LayerHtmlControl(HtmlControl):
    """A control of fixed HTML shown while its parent layer is on the map.

    Added to a feature group (not to the map), the control comes and goes with the group:
    the app replaces its changing layers, the legend with them, without rebuilding the
    map. A ``<details>`` in it stays open or closed across such replacements.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var control = L.control({position: {{ this.position }}});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class }});
                div.innerHTML = {{ this.html }};
                var more = div.querySelector("details");
                if (more) {
                    more.open = !!window.geoLegendOpen;
                    more.addEventListener("toggle", function () {
                        window.geoLegendOpen = more.open;
                    });
                }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            var holder = L.layerGroup();
            holder.on("add", function () { control.addTo(holder._map); });
            holder.on("remove", function () { control.remove(); });
            holder.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str, css_class: str) -> None:
        super().__init__(html_text, position, css_class)
        self._name = "LayerHtmlControl"


class TileFailureNote(ScriptElement):
    """Says on the map, once, that its tiles failed to load (Leaflet's ``tileerror``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var shown = false, map = {{ this._parent.get_name() }};
            {% for tiles in this.tile_names %}
            {{ tiles }}.on("tileerror", function () {
                if (shown) { return; }
                shown = true;
                var note = L.control({position: "bottomleft"});
                note.onAdd = function () {
                    var div = L.DomUtil.create("div", "geo-tile-note");
                    div.textContent = {{ this.text }};
                    return div;
                };
                note.addTo(map);
            });
            {% endfor %}
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tile_names: list[str], text: str) -> None:
        super().__init__()
        self._name = "TileFailureNote"
        self.tile_names = tile_names
        self.text = json_for_script(text)


def add_basemap(m: folium.Map, spec: Any, key: str | None = None, *,
                streets: bool = False) -> None:
    """Add a basemap's tiles, its annotation layer (Tianditu) and the note shown when they fail.

    Parameters
    ----------
    m
        The map.
    spec
        A :class:`geo.maps.tiles.TileSpec`.
    key
        The key of a basemap that needs one (else its environment variable is read).
    streets
        Whether the map draws the study's own streets (the note then says so).

    Raises
    ------
    SettingsError
        For a basemap that needs a key when none is set (:func:`geo.maps.tiles.tile_key`).
    """
    from geo.maps.tiles import tile_urls

    url, overlay = tile_urls(spec, key)
    base = folium.TileLayer(
        tiles=url, attr=spec.attribution, name=f"{spec.label_zh} {spec.label_en}",
        subdomains=spec.subdomains, max_zoom=spec.max_zoom, overlay=False, control=True,
    )
    base.add_to(m)
    names = [base.get_name()]
    if overlay:
        notes = folium.TileLayer(
            tiles=overlay, attr=spec.attribution, name="注记 Labels",
            subdomains=spec.subdomains, max_zoom=spec.max_zoom, overlay=True, control=True,
        )
        notes.add_to(m)
        names.append(notes.get_name())
    text = TILE_FAILURE_NOTE.format(
        streets="，街道取自路网文件" if streets else "",
        streets_en=", over the streets of the network file" if streets else "",
    )
    m.add_child(TileFailureNote(names, text))


CSS = """
<style>
.geo-icon { background: none; border: none; }
.geo-st { width: 20px; height: 20px; border-radius: 50%; border: 2px solid #fff;
  color: #fff; font: bold 11px/20px "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  text-align: center; box-shadow: 0 0 3px rgba(0,0,0,.6); }
.geo-st.pile { border-radius: 3px; width: 16px; height: 16px; line-height: 16px; font-size: 10px; }
.geo-st.unused { opacity: .45; }
.geo-st.new { border: 2px dashed #111; }
.geo-rank { background: #fff; border: 2px solid #e63946; color: #e63946; border-radius: 10px;
  font: bold 11px/16px sans-serif; text-align: center; min-width: 16px; padding: 0 3px; }
.geo-legend, .geo-title { background: rgba(255,255,255,.93); padding: 8px 10px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.35);
  font: 12px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; }
.geo-legend { max-width: 260px; }
.geo-legend h4, .geo-title h3 { margin: 0 0 4px; font-size: 13px; }
.geo-title h3 { font-size: 15px; }
.geo-legend .row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.geo-legend .sw { width: 16px; height: 12px; flex: none; border-radius: 2px; }
.geo-legend .dot { width: 12px; height: 12px; flex: none; border-radius: 50%; }
.geo-legend .note, .geo-title .note { color: #555; font-size: 11px; margin-top: 4px; }
.geo-legend .demo, .geo-title .demo { color: #b00020; font-weight: bold; }
.geo-pop table { border-collapse: collapse; font-size: 12px; }
.geo-pop th { text-align: left; color: #555; font-weight: normal; padding: 1px 8px 1px 0;
  white-space: nowrap; vertical-align: top; }
.geo-pop td { padding: 1px 0; }
.geo-tile-note { background: rgba(255,248,225,.95); border: 1px solid #e0b34a;
  padding: 4px 8px; border-radius: 4px; max-width: 360px; color: #5c4400;
  font: 11px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
</style>
"""



def feature(geom: shapely.Geometry, **props: Any) -> dict[str, Any]:
    """A GeoJSON feature of ``geom`` with the properties that are not ``None``.

    Parameters
    ----------
    geom
        The geometry (already in the basemap's datum).
    **props
        ``s`` (style), ``t`` (tooltip HTML), ``p`` (popup HTML), ``icon`` …

    Returns
    -------
    dict
    """
    return {
        "type": "Feature",
        "properties": {k: v for k, v in props.items() if v is not None},
        "geometry": json.loads(shapely.to_geojson(geom)),
    }


def rows_html(rows: list[tuple[str, object]]) -> str:
    """A popup table; labels are ours, values are escaped here (blank rows left out).

    Parameters
    ----------
    rows
        ``(label, value)`` pairs.

    Returns
    -------
    str
    """
    cells = "".join(
        f"<tr><th>{label}</th><td>{esc(value)}</td></tr>"
        for label, value in rows
        if value not in (None, "") and not (isinstance(value, float) and np.isnan(value))
    )
    return f'<div class="geo-pop"><table>{cells}</table></div>'


#: Set before Leaflet loads: Leaflet then places markers by ``left``/``top`` instead of 3D
#: transforms (``L_DISABLE_3D``, documented in Leaflet's ``Browser.any3d``).
_NO_3D_JS = "window.L_DISABLE_3D = true;"


def set_assets(m: folium.Map, mode: str, base: str | None, *, flat: bool = False) -> None:
    """Load only core Leaflet (no jQuery, Bootstrap or icon fonts), from where ``mode`` says.

    Parameters
    ----------
    m
        The map (its root page is changed).
    mode
        One of :data:`ASSET_MODES`: ``inline`` (embedded in the page), ``data``
        (linked as ``data:`` URLs) or ``cdn`` (linked from ``base``).
    base
        A mirror of the npm packages for ``cdn``, or ``None`` for jsDelivr.
    flat
        Leaflet without 3D transforms (``L_DISABLE_3D``): each marker placed with a 3D
        transform becomes a layer of its own for the browser's compositor, and with
        thousands of markers (a city's stations) every repaint of the page, even of a
        spinner beside the map, took a third of a second to sort them out. Zooming is
        then not animated.

    Raises
    ------
    SettingsError
        For an unknown mode.
    """
    from geo import assets
    from geo.errors import SettingsError

    if mode not in ASSET_MODES:
        raise SettingsError(f"unknown asset mode '{mode}': use {', '.join(ASSET_MODES)}")
    no_3d = [("geo_flat", "data:text/javascript," + quote(_NO_3D_JS))] if flat else []
    if mode == "data":
        js_url, css_url = assets.leaflet_data_urls()
        m.default_js = [*no_3d, ("leaflet", js_url)]  # loaded in this order
        m.default_css = [("leaflet_css", css_url)]
    elif mode == "inline":
        js, css = assets.inline_leaflet()
        m.default_js = []
        m.default_css = []
        root = m.get_root()
        root.header.add_child(Raw(f"<style>{css}</style>"), name="leaflet_css_inline")
        if flat:
            root.header.add_child(Raw(f"<script>{_NO_3D_JS}</script>"), name="geo_flat")
        safe_js = js.replace("</script", "<\\/script")
        root.header.add_child(Raw(f"<script>{safe_js}</script>"), name="leaflet_js_inline")
    else:
        js_url, css_url = assets.leaflet_urls(base)
        m.default_js = [*no_3d, ("leaflet", js_url)]
        m.default_css = [("leaflet_css", css_url)]

