"""Map style: one colour and symbol per station kind, band colours, 网格 coverage classes.

Used by the HTML maps (:mod:`geo.maps`), the report's static map and charts
(:mod:`geo.report`) and the app, so a supply point is the same red ``补`` everywhere.
"""

from __future__ import annotations

import math

__all__ = [
    "BAND_COLOURS",
    "CAPTURED_COLOUR",
    "COVERED_COLOUR",
    "GAP_COLOUR",
    "GRID_CLASSES",
    "KIND_STYLE",
    "NO_DEMAND_COLOUR",
    "OVERSTATED_COLOUR",
    "STREET_STYLE",
    "UNCOVERED_COLOUR",
    "WHATIF_STYLE",
    "grid_class",
    "kind_style",
]

#: Colour and one-character symbol per station kind.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "supply": ("#d1495b", "补"),
    "energy_pool": ("#00798c", "能"),
    "rest": ("#edae49", "站"),
    "training": ("#6a4c93", "训"),
    "charging_pile": ("#2a9d8f", "桩"),
    "other": ("#6c757d", "他"),
}
#: The 5, 10 and 15-minute bands, darkest nearest.
BAND_COLOURS: tuple[str, ...] = ("#1b7837", "#5aae61", "#a6dba0")
COVERED_COLOUR = "#3a86ff"
UNCOVERED_COLOUR = "#e63946"
GAP_COLOUR = "#e63946"
#: Demand newly covered by sites chosen in siting.
CAPTURED_COLOUR = "#8338ec"
#: Demand the straight line calls covered but the streets do not reach in time.
OVERSTATED_COLOUR = "#f77f00"
#: A 网格 without demand.
NO_DEMAND_COLOUR = "#8d99ae"
#: A hypothetical (what-if) station: its kind's colour and symbol inside a dashed dark ring,
#: the same on the HTML maps (CSS ``.geo-st.new``), the static map and their legends.
WHATIF_STYLE: dict[str, object] = {"ring": "#111111", "dash": (0, (2.0, 1.2)), "width_px": 2}
#: The streets basemap (:mod:`geo.maps.streets`): light, under the coverage. Leaflet path
#: options; the static map reads ``color``, ``weight``, ``opacity``, ``fillColor``.
STREET_STYLE: dict[str, dict[str, object]] = {
    "street": {"color": "#9a9a9a", "weight": 1.2, "opacity": 0.75},
    "water": {"color": "#8fbbd9", "weight": 0.6, "opacity": 0.9, "fillColor": "#b3d4ea",
              "fillOpacity": 0.8},
    "waterway": {"color": "#8fbbd9", "weight": 2.0, "opacity": 0.9},
    "rail": {"color": "#707070", "weight": 1.4, "opacity": 0.8, "dashArray": "5 4"},
}
#: 网格 coverage classes: (minimum coverage, colour, label).
GRID_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.8, "#2a9d8f", "≥ 80%"),
    (0.5, "#f4a261", "50–80%"),
    (0.0, "#e63946", "< 50%"),
)


def kind_style(kind: str) -> tuple[str, str]:
    """The colour and symbol of a station kind (``other``'s for an unknown kind).

    Parameters
    ----------
    kind
        A kind key.

    Returns
    -------
    tuple of str
        ``(colour, symbol)``.
    """
    return KIND_STYLE.get(kind, KIND_STYLE["other"])


def grid_class(share: float) -> tuple[str, str]:
    """The colour and label of a 网格's coverage class.

    Parameters
    ----------
    share
        Coverage 0..1, NaN for a 网格 without demand.

    Returns
    -------
    tuple of str
        ``(colour, label)``.
    """
    if not math.isfinite(share):
        return NO_DEMAND_COLOUR, "无需求 no demand"
    for minimum, colour, label in GRID_CLASSES:
        if share >= minimum:
            return colour, label
    return GRID_CLASSES[-1][1], GRID_CLASSES[-1][2]  # pragma: no cover


#: The app's own page style. Streamlit fades an element left from the previous run to
#: 0.33 opacity with a one-second transition while the script runs again; on the map's
#: frame (a city: thousands of markers and paths, painted by the browser's main thread)
#: every frame of that transition repainted the whole map, which kept the browser busy
#: for a second after each click and delayed the new KPIs. The map still fades, at once.
APP_CSS = """<style>
.stElementContainer:has(iframe[title*="st_folium"]) { transition: none !important; }
</style>"""
