"""Reading a report map's HTML independently of ``geo.maps``: its layers, stations, popups."""

from __future__ import annotations

import json
import re


def contains(html: str, text: str) -> bool:
    """Text in the page, raw or as a JSON string (folium writes layer names ASCII-escaped)."""
    return text in html or json.dumps(text)[1:-1] in html


def layers(html: str) -> list[dict]:
    """Every GeoJSON layer embedded in the page, decoded (independent of the module's code)."""
    found = re.findall(r"L\.geoJSON\((\{.*?\}), \{\n", html, flags=re.S)
    return [json.loads(text) for text in found]


def station_features(html: str) -> list[dict]:
    feats = [f for layer in layers(html) for f in layer["features"]]
    return [f for f in feats if "geo-st" in f["properties"].get("icon", "")]


def popup_text(feature: dict) -> str:
    return re.sub(r"<[^>]+>", " ", feature["properties"].get("p", ""))
