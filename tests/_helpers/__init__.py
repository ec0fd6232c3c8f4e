"""Plain helpers for the test modules (fixtures live in the conftest.py files).

``tests/`` is on ``sys.path`` while pytest runs (``pythonpath = ["tests"]`` in
pyproject.toml; test modules are imported with ``--import-mode=importlib``), so a test
module imports what it needs from here: ``from _helpers import ROOT``, or from the
module for its folder, e.g. ``from _helpers.io import write_csv``. Only what several
test modules use lives here; a helper used by one module stays in that module.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

#: The repository: pyproject.toml, app.py, data/ (the demos) and tests/.
ROOT = Path(__file__).resolve().parents[2]


# A box around Canglang Street, Suzhou (WGS-84).
BOX = (120.590, 31.270, 120.640, 31.305)


def make_points(n: int, seed: int, prefix: str, box=BOX, **cols) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = box[0] + rng.random(n) * (box[2] - box[0])
    lat = box[1] + rng.random(n) * (box[3] - box[1])
    data = {"id": [f"{prefix}{i:04d}" for i in range(n)], "row": np.arange(2, n + 2)}
    data.update(cols)
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
    return gdf
