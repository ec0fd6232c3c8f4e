"""The Canglang demo inputs, synthetic point sets, and "the Dask result is the local one"."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geo
from _helpers import ROOT

DEMO = ROOT / "data" / "canglang"


DEMO_ARGS = {
    "demand": DEMO / "demand.csv",
    "area": DEMO / "area.geojson",
    "grids": DEMO / "grids.geojson",
}


def points_frame(lon: np.ndarray, lat: np.ndarray, prefix: str, **cols) -> gpd.GeoDataFrame:
    n = lon.size
    data = {"id": [f"{prefix}{i}" for i in range(n)], "row": np.arange(2, n + 2), **cols}
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
    return gdf


def assert_same(local: geo.CoverageResult, dask: geo.CoverageResult) -> None:
    """The Dask result is the local one: per point, per station, per 网格, per gap."""
    a, b = local.points, dask.points
    assert list(a.columns) == list(b.columns)
    np.testing.assert_array_equal(a["minutes"].to_numpy(), b["minutes"].to_numpy())
    assert (a["nearest"].fillna("") == b["nearest"].fillna("")).all()
    assert (a["covered"] == b["covered"]).all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
    )
    pd.testing.assert_frame_equal(local.station_table, dask.station_table)
    pd.testing.assert_frame_equal(local.grid_table, dask.grid_table)
    pd.testing.assert_frame_equal(local.gap_table, dask.gap_table)
    assert local.summary() == dask.summary()
