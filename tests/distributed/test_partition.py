"""Spatial partitions (``geo.distributed.partition``): every point in exactly one."""

from __future__ import annotations

import numpy as np
import pytest

from geo.distributed.partition import kd_partitions

distributed = pytest.importorskip("distributed")


def test_kd_partitions_cover_everything_once():
    rng = np.random.default_rng(0)
    x, y = rng.random(1001) * 5, rng.random(1001)
    parts = kd_partitions(x, y, 6)
    assert len(parts) == 6
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(1001))
    sizes = [p.size for p in parts]
    assert max(sizes) - min(sizes) <= 2
    assert kd_partitions(x[:3], y[:3], 10)[0].size == 1
