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


def test_network_fragments_dask_equals_local(threads_client):
    """Small pieces of the network (3-node islands in the blocks, beyond the grid's edge)
    and a 60-node piece without a station: each partition decides which edges a point may
    join as the whole network does (a clip cuts the pieces apart), so points and stations
    beside islands join the same main streets, and the summary lists the same pieces."""
    side, spacing = 60, 50.0
    rng = np.random.default_rng(9)
    extent = (side - 1) * spacing
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    node = ii * side + jj
    xs = [ii.ravel() * spacing, []]
    ys = [jj.ravel() * spacing, []]
    us = [np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel()])]
    vs = [np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel()])]
    n = side * side

    def path(px: np.ndarray, py: np.ndarray) -> None:
        nonlocal n
        xs.append(px)
        ys.append(py)
        us.append(n + np.arange(px.size - 1))
        vs.append(n + np.arange(1, px.size))
        n += px.size

    blocks = rng.choice((side - 1) ** 2, 150, replace=False)
    bx, by = (blocks // (side - 1)) * spacing, (blocks % (side - 1)) * spacing
    for x, y in zip(bx, by, strict=True):  # islands in blocks, 25 m from the streets
        path(x + np.array([15.0, 25.0, 35.0]), y + np.full(3, 25.0))
    near_x = 100.0 + 200.0 * np.arange(10)
    for x in near_x:  # islands 150 m below the grid: points beside them join the grid
        path(x + np.array([0.0, 10.0, 20.0]), np.full(3, -150.0))
    far_y = 100.0 + 250.0 * np.arange(10)
    for y in far_y:  # islands 300 m left of the grid: points beside them are off the network
        path(np.full(3, -300.0), y + np.array([0.0, 10.0, 20.0]))
    # a main piece without a station, 2.4 km long: a partition's clip holds only its top
    path(np.full(60, extent + 400.0), -640.0 - 40.0 * np.arange(60))
    x0, y0 = 300_000.0, 3_440_000.0
    net = gn.network_from_edges(
        np.concatenate(xs[:1] + xs[2:]) + x0, np.concatenate(ys[:1] + ys[2:]) + y0,
        np.concatenate(us), np.concatenate(vs), crs="EPSG:32651",
    )
    to_ll = Transformer.from_crs(32651, 4326, always_xy=True)
    d_x = np.concatenate([
        rng.uniform(-100, extent + 100, 3000), bx + 25.0, near_x + 10.0, np.full(10, -302.0),
        np.full(40, extent + 405.0),
    ])
    d_y = np.concatenate([
        rng.uniform(-100, extent + 100, 3000), by + 27.0, np.full(10, -148.0), far_y + 10.0,
        rng.uniform(-700, -640, 40),
    ])
    s_x = np.r_[rng.uniform(0, extent, 40), bx[:5] + 25.0]
    s_y = np.r_[rng.uniform(0, extent, 40), by[:5] + 23.0]
    stations = points_frame(*to_ll.transform(s_x + x0, s_y + y0), "S")
    demand = points_frame(*to_ll.transform(d_x + x0, d_y + y0), "D",
                          weight=rng.integers(1, 4, d_x.size) * 1.0)
    args = {"demand": demand, "method": "network", "network": net, "minutes": 3, "bands": (1, 2)}
    local = geo.analyze(stations, **args)
    engine = DaskEngine(scheduler=threads_client, partitions=4)
    dask = geo.analyze(stations, **args, engine=engine)
    assert_same(local, dask)
    assert local.warnings == dask.warnings
    for name in ("status", "snap_m"):
        np.testing.assert_array_equal(local.points[name].to_numpy(), dask.points[name].to_numpy())
    s = local.summary()["network"]
    # 150 + 10 + 10 islands skipped; at least the points placed beside them moved or left
    assert s["fragments"]["skipped"] == 170 and s["fragments"]["main"] == 2
    assert s["moved_to_main"]["points"] >= 160 and s["moved_to_main"]["stations"] >= 5
    assert s["off_network_near_fragments"]["points"] == 10
    assert s["unreachable"]["points"] >= 40  # beside the 60-node piece
    assert engine.stats["whole_network"] < len(demand) / 10  # answered on the clips
