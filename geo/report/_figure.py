"""Matplotlib plumbing shared by the report's pictures: exact pixel sizes, PNG bytes, polygons.

No pyplot and no global state: every figure is a :class:`matplotlib.figure.Figure`
on its own Agg canvas, and fonts are passed to each text.
"""

from __future__ import annotations

import io

import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.path import Path

__all__ = ["A4_LANDSCAPE_MM", "MM_PER_INCH", "new_figure", "pixels", "png_bytes", "polygon_path"]

MM_PER_INCH = 25.4
#: A4 landscape, millimetres.
A4_LANDSCAPE_MM = (297.0, 210.0)


def pixels(mm: float, dpi: float) -> int:
    """Millimetres at ``dpi`` as whole pixels (297 mm at 300 dpi → 3508)."""
    return round(mm / MM_PER_INCH * dpi)


def new_figure(width_mm: float, height_mm: float, dpi: float) -> Figure:
    """A figure of exactly ``pixels(width_mm) × pixels(height_mm)`` at ``dpi``.

    Parameters
    ----------
    width_mm, height_mm
        Printed size.
    dpi
        Resolution.

    Returns
    -------
    matplotlib.figure.Figure
        With an Agg canvas attached; white background.
    """
    w, h = pixels(width_mm, dpi), pixels(height_mm, dpi)
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """Render a figure to PNG bytes (no software tag, no time: same figure, same bytes).

    Parameters
    ----------
    fig
        From :func:`new_figure`.

    Returns
    -------
    bytes
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, metadata={"Software": None})
    return buf.getvalue()


def polygon_path(geom: shapely.Geometry | None) -> Path | None:
    """A matplotlib path of a (multi)polygon, holes included (``None`` when empty).

    Parameters
    ----------
    geom
        Polygon or MultiPolygon (other geometry types contribute their polygons).

    Returns
    -------
    matplotlib.path.Path or None
    """
    if geom is None or shapely.is_empty(geom):
        return None
    parts = shapely.get_parts(geom)
    parts = parts[shapely.get_type_id(parts) == 3]
    if parts.size == 0:
        return None
    parts = shapely.orient_polygons(parts)  # exteriors counter-clockwise, holes clockwise
    rings = shapely.get_rings(parts)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    if xy.shape[0] == 0:
        return None
    codes = np.full(ring.size, Path.LINETO, dtype=Path.code_type)
    start = np.ones(ring.size, dtype=bool)
    start[1:] = ring[1:] != ring[:-1]
    end = np.ones(ring.size, dtype=bool)
    end[:-1] = ring[1:] != ring[:-1]
    codes[start] = Path.MOVETO
    codes[end] = Path.CLOSEPOLY
    return Path(xy, codes)
