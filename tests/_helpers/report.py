"""The report pack's demo inputs, its file list and scenarios, and looks at its pictures."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from _helpers import ROOT

DATA = ROOT / "data" / "canglang"
FILES = [str(DATA / "stations.csv"), str(DATA / "charging_piles.csv")]


INPUTS = {
    "demand": str(DATA / "demand.csv"),
    "area": str(DATA / "area.geojson"),
    "grids": str(DATA / "grids.geojson"),
}


PACK_FILES = {
    "coverage.json", "coverage_curve.png", "grids.png", "manifest.json", "map.html", "map.png",
    "report.xlsx", "summary.html", "summary.md",
}


SCENARIOS = {"有充电": {"amenity": "充电"}, "23:00 开放": {"at": "23:00"}}
DPI = 100  # quick; the print size is checked once at 300 dpi


def image(data: bytes | Path) -> Image.Image:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return Image.open(io.BytesIO(raw))


def not_blank(img: Image.Image, min_std: float = 10.0) -> bool:
    grey = np.asarray(img.convert("L"), dtype="float64")
    return grey.std() > min_std and len(np.unique(grey)) > 20
