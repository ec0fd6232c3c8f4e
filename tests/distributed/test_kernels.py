"""The partition kernels (``geo.distributed.kernels``) on the street network: clipped networks,
wider clips for far points, ties snapped as the whole network snaps them.

Every test compares ``engine="dask"`` with the local engine on the same input:
per-point minutes bit for bit, nearest station, covered and unique flags, the
summary (gaps, per-网格 table, bands), the station table.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers.distributed import assert_same, points_frame
from pyproj import Transformer

import geo
from geo import network as gn
from geo.distributed import DaskEngine

distributed = pytest.importorskip("distributed")


@pytest.mark.parametrize("minutes", [5.0, 15.0])
def test_network_dask_equals_local(threads_client, helsinki, minutes):
    net, stations, demand = helsinki
    args = {"demand": demand, "method": "network", "network": net, "minutes": minutes}
    local = geo.analyze(stations, **args)
    engine = DaskEngine(scheduler=threads_client, partitions=6)
    dask = geo.analyze(stations, **args, engine=engine)
    assert_same(local, dask)
    for name in ("status", "snap_m", "straight_minutes"):
        np.testing.assert_array_equal(local.points[name].to_numpy(), dask.points[name].to_numpy())
    assert local.warnings == dask.warnings
    # most points are answered on their partition's clipped network
    assert engine.stats["whole_network"] < len(demand) / 2
    # the service areas (drawn from the whole-network search) are the same
    np.testing.assert_array_equal(
        local.network.search.node_minutes, dask.network.search.node_minutes
    )


def test_network_far_points_settled_on_wider_clips(threads_client):
    """A 6 km grid network, 3-minute walks: uncovered points get their exact minutes from
    wider clips, and points with tied nearest streets are snapped as the whole network
    snaps them."""
    side, spacing = 120, 50.0
    rng = np.random.default_rng(4)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    node = ii * side + jj
    x = 300_000 + ii.ravel() * spacing + rng.uniform(-8, 8, side * side)
    y = 3_440_000 + jj.ravel() * spacing + rng.uniform(-8, 8, side * side)
    u = np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel()])
    v = np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel()])
    net = gn.network_from_edges(x, y, u, v, crs="EPSG:32651")
    to_ll = Transformer.from_crs(32651, 4326, always_xy=True)
    extent = (side - 1) * spacing
    s_xy = 300_000 + rng.uniform(0, extent, 60), 3_440_000 + rng.uniform(0, extent, 60)
    # some demand beyond the grid's edge: its nearest street place is a corner node that
    # two edges share, a tie the whole network's index decides
    d_xy = (
        300_000 + rng.uniform(-150, extent + 150, 8000),
        3_440_000 + rng.uniform(-150, extent + 150, 8000),
    )
    stations = points_frame(*to_ll.transform(*s_xy), "S")
    demand = points_frame(*to_ll.transform(*d_xy), "D")
    args = {"demand": demand, "method": "network", "network": net, "minutes": 3, "bands": (1, 2)}
    local = geo.analyze(stations, **args)
    engine = DaskEngine(scheduler=threads_client, partitions=4)
    assert_same(local, geo.analyze(stations, **args, engine=engine))
    assert engine.stats["wider"] > 1000
    assert engine.stats["tied"] > 0 and engine.stats["wider"] > engine.stats["whole_network"]
