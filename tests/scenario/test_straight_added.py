"""Straight-line what-ifs from a bounded search (``geo.scenario.incremental``): the same
minutes, nearest stations and unique coverage as measuring every point again."""

from __future__ import annotations

import numpy as np
import pytest

from geo import reach
from geo.coverage import KernelInput
from geo.scenario.incremental import _straight_added, near_index
from geo.settings import Settings


def _every_point(minutes, nearest, unique, job, new_xy, position, settings):
    """The reference: every new station measured against every point."""
    per_m = reach.minutes_per_metre(settings)
    nearest = nearest.copy()
    covered = reach.within(minutes, settings.minutes)
    in_reach = covered.astype("int64") + (covered & ~unique)
    best = np.where(np.isnan(minutes), np.inf, minutes)
    for sx, sy in new_xy:
        m = np.sqrt((job.x - sx) ** 2 + (job.y - sy) ** 2) * per_m
        nearer = m < best
        best = np.where(nearer, m, best)
        nearest[nearer] = position
        in_reach += reach.within(m, settings.minutes)
        position += 1
    minutes = np.where(np.isinf(best), np.nan, best)
    return minutes, nearest, reach.within(minutes, settings.minutes) & (in_reach == 1)


def _job(x, y, sx, sy, settings):
    z = np.zeros(0)
    return KernelInput(settings, None, z, z, sx, sy, x, y, x, y, np.ones(x.size))


@pytest.mark.parametrize("seed", range(6))
def test_bounded_what_if_as_every_point_measured(seed):
    rng = np.random.default_rng(seed)
    settings = Settings(minutes=float(rng.choice([5, 10, 15])))
    per_m = reach.minutes_per_metre(settings)
    limit_m = settings.minutes / per_m
    n = 4000
    x = rng.uniform(0, 8000, n)
    y = rng.uniform(0, 8000, n)
    sx = rng.uniform(0, 8000, 6)
    sy = rng.uniform(0, 8000, 6)
    # points exactly at the limit's distance of the first new station, and on top of it
    new_xy = np.column_stack([rng.uniform(1000, 7000, 4), rng.uniform(1000, 7000, 4)])
    ang = rng.uniform(0, 2 * np.pi, 50)
    x[:50] = new_xy[0, 0] + limit_m * np.cos(ang)
    y[:50] = new_xy[0, 1] + limit_m * np.sin(ang)
    x[50], y[50] = new_xy[1]
    if seed % 2:  # a repeated new station and one far outside every point
        new_xy = np.vstack([new_xy, new_xy[2], [50_000.0, 50_000.0]])
    job = _job(x, y, sx, sy, settings)
    base = reach.nearest(sx, sy, x, y, settings)
    minutes = base.minutes.copy()
    if seed == 5:
        minutes[:10] = np.nan  # no station reachable (as along the streets)
    args = (minutes, base.nearest, base.unique, job, new_xy, sx.size, settings)
    want = _every_point(*args)
    got = _straight_added(*args)
    got_kept = _straight_added(*args, near_index(minutes, job, settings))
    for g in (got, got_kept):
        np.testing.assert_array_equal(g[0], want[0])
        np.testing.assert_array_equal(g[1], want[1])
        np.testing.assert_array_equal(g[2], want[2])
    assert (want[1] >= sx.size).sum() > 100  # the new stations do take points
    near = near_index(minutes, job, settings)
    assert near.near.sum() + near.far.size == n and near.far.size > 0
    # one KD-tree of all the points, shared by the indexes of other minutes of them
    other = near_index(minutes, job, Settings(minutes=settings.minutes + 1))
    assert near.tree.n == n and other.tree is near.tree and other.near.sum() > near.near.sum()
