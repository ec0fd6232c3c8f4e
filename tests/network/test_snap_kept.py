"""Demand snaps are kept per network: a second analysis of the same points (another time
limit, speed or station set) reuses them, with the same answers as snapping afresh."""

from __future__ import annotations

import numpy as np
from _helpers import ROOT

import geo
from geo.network import coverage as netcov
from geo.network import load_network

HEL = ROOT / "data" / "helsinki"


def test_a_second_analysis_reuses_the_demand_snap_and_agrees(monkeypatch) -> None:
    net = load_network("helsinki", "walk")
    calls: list[int] = []
    real = netcov.snap

    def counting(network, x, y, **kw):
        calls.append(np.asarray(x).size)
        return real(network, x, y, **kw)

    monkeypatch.setattr(netcov, "snap", counting)
    args = {"demand": str(HEL / "demand.csv"), "area": str(HEL / "area.geojson"),
                "method": "network", "network": net}
    first = geo.analyze(str(HEL / "stations.csv"), minutes=15, **args)
    n_demand = len(first.points)
    assert calls.count(n_demand) == 1
    second = geo.analyze(str(HEL / "stations.csv"), minutes=10, **args)
    assert calls.count(n_demand) == 1  # not snapped again
    assert second.network.points is first.network.points
    # and the kept snap gives what a fresh one gives
    netcov._SNAPS.clear()
    fresh = geo.analyze(str(HEL / "stations.csv"), minutes=10, **args)
    assert calls.count(n_demand) == 2
    assert fresh.summary() == second.summary()
    np.testing.assert_array_equal(fresh.network.points.edge, second.network.points.edge)
    np.testing.assert_array_equal(fresh.network.points.along_m, second.network.points.along_m)


def test_another_snap_limit_or_other_points_are_snapped_again(monkeypatch) -> None:
    net = load_network("helsinki", "walk")
    netcov._SNAPS.clear()
    args = {"area": str(HEL / "area.geojson"), "method": "network", "network": net}
    a = geo.analyze(str(HEL / "stations.csv"), demand=str(HEL / "demand.csv"), **args)
    b = geo.analyze(str(HEL / "stations.csv"), demand=str(HEL / "demand.csv"), snap_limit_m=50,
                    **args)
    assert b.network.points is not a.network.points
    assert b.network.points.max_distance_m == 50
