"""Outputs (``geo.distributed.outputs``): written under a temporary name, renamed when done."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from _helpers.distributed import DEMO, DEMO_ARGS

import geo
from geo.distributed import atomic_path, write_points_parquet

distributed = pytest.importorskip("distributed")


def _fail_writing(path: Path, directory: bool) -> None:
    with atomic_path(path) as tmp:
        if directory:
            tmp.mkdir()
        else:
            tmp.write_text("half")
        raise RuntimeError("worker died")


def test_atomic_path_file_and_directory(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError, match="worker died"):
        _fail_writing(target, directory=False)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary left behind
    with atomic_path(target) as tmp:
        tmp.write_text("done")
    assert target.read_text() == "done"
    # a directory replaces the old one whole, and a failure leaves the old one
    folder = tmp_path / "parts"
    for text in ("old", "new"):
        with atomic_path(folder) as tmp:
            tmp.mkdir()
            (tmp / "part.0").write_text(text)
    assert (folder / "part.0").read_text() == "new"
    with pytest.raises(RuntimeError, match="worker died"):
        _fail_writing(folder, directory=True)
    assert (folder / "part.0").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet", "parts"]


def test_write_points_parquet(threads_client, tmp_path):
    result = geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"])
    out = write_points_parquet(result, tmp_path / "pts", partitions=3)
    back = gpd.read_parquet(out)
    table = result.points_table()
    assert len(list(out.iterdir())) == 3
    assert list(back["id"]) == list(table["id"])
    np.testing.assert_array_equal(back["minutes"], table["minutes"])
    assert [p.name for p in tmp_path.iterdir()] == ["pts"]
