"""Clusters (``geo.distributed.cluster``): a local one started and closed, clear errors."""

from __future__ import annotations

import pytest
from _helpers.distributed import DEMO, DEMO_ARGS, assert_same

import geo
from geo.distributed import DaskEngine, DaskNotInstalledError, SchedulerError
from geo.distributed import cluster as clustermod

distributed = pytest.importorskip("distributed")


def test_local_cluster_started_and_closed():
    """Without a scheduler (and no active client) a local cluster runs the job and stops."""
    with pytest.raises(ValueError, match="client"):
        distributed.get_client()
    stations = DEMO / "stations.csv"
    engine = DaskEngine(partitions=2, processes=False)
    dask = geo.analyze(stations, demand=DEMO_ARGS["demand"], engine=engine)
    assert_same(geo.analyze(stations, demand=DEMO_ARGS["demand"]), dask)
    with pytest.raises(ValueError, match="client"):
        distributed.get_client()


def test_unreachable_scheduler_says_so(monkeypatch):
    monkeypatch.setattr(clustermod, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(SchedulerError, match=r"tcp://127\.0\.0\.1:9.*scheduler"):
        geo.analyze(
            DEMO / "stations.csv",
            demand=DEMO_ARGS["demand"],
            engine="dask",
            scheduler="tcp://127.0.0.1:9",
        )


def test_missing_dask_says_how_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DaskNotInstalledError, match=r"pip install 'geo\[dask\]'"):
        geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"], engine="dask")
