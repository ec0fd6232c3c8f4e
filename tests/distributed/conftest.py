"""Dask clusters (threads, and worker processes) and the Helsinki street-network case."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers.distributed import points_frame
from pyproj import Transformer

from geo import network as gn

try:
    import distributed
except ImportError:  # the test modules skip themselves
    distributed = None


@pytest.fixture(scope="module")
def threads_client():
    """A cluster of two worker threads in this process (quick to start)."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def process_client():
    """A cluster of two worker processes, as on a real machine."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def helsinki():
    net = gn.load_network("helsinki", "walk", cache=False, progress=False)
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = net.x.min(), net.y.min(), net.x.max(), net.y.max()
    sx, sy = rng.uniform(minx, maxx, 12), rng.uniform(miny, maxy, 12)
    dx, dy = rng.uniform(minx - 300, maxx + 300, 6000), rng.uniform(miny - 300, maxy + 300, 6000)
    stations = points_frame(*back.transform(sx, sy), "S")
    demand = points_frame(*back.transform(dx, dy), "D", weight=rng.integers(1, 4, 6000) * 1.0)
    return net, stations, demand
