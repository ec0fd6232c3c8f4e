"""A straight-line check of plain inputs on arrays, without pandas or geopandas.

* :mod:`geo.lean.points` — plain station and demand CSV files as arrays;
* :mod:`geo.lean.polygons` — plain study-area and 网格 GeoJSON files as polygons;
* :mod:`geo.lean.check` — :func:`plain_summary`, the ``geo check`` summary of such a study.

Each returns ``None`` for anything that is not plain, and the caller takes the general
path (:func:`geo.api.check`), which reads every input and reports row by row.
"""

from __future__ import annotations

from geo.lean.check import plain_summary

__all__ = ["plain_summary"]
