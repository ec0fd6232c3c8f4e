"""``geo.reach.nearest``: the KD-tree answer kept for the same points and stations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from geo import reach
from geo.settings import Settings


def _brute(sx, sy, x, y, settings):
    """Every point against every station (reference)."""
    d = np.hypot(x[:, None] - sx[None, :], y[:, None] - sy[None, :])
    order = np.sort(d, axis=1)
    per_m = reach.minutes_per_metre(settings)
    minutes = order[:, 0] * per_m
    unique = reach.within(minutes, settings.minutes) & ~reach.within(order[:, 1] * per_m,
                                                                       settings.minutes)
    return minutes, np.argmin(d, axis=1), unique


def test_other_minutes_and_speeds_take_the_kept_answer(monkeypatch) -> None:
    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 5000, 3000), rng.uniform(0, 5000, 3000)
    sx, sy = rng.uniform(0, 5000, 25), rng.uniform(0, 5000, 25)
    queries = []
    monkeypatch.setattr(reach, "cKDTree", lambda data: queries.append(1) or cKDTree(data))
    reach._QUERIES.clear()
    for settings in [Settings(minutes=10), Settings(minutes=5), Settings(mode="bike", minutes=3)]:
        got = reach.nearest(sx, sy, x, y, settings)
        want = _brute(sx, sy, x, y, settings)
        np.testing.assert_allclose(got.minutes, want[0], rtol=1e-12)
        np.testing.assert_array_equal(got.nearest, want[1])
        np.testing.assert_array_equal(got.unique, want[2])
    assert len(queries) == 1  # one query for the three parameter sets
    # other stations, or other point arrays (even equal ones), are queried again
    reach.nearest(sx[:-1], sy[:-1], x, y, Settings())
    reach.nearest(sx, sy, x.copy(), y, Settings())
    assert len(queries) == 3
    # the kept arrays are not handed out: changing an answer changes nothing kept
    first = reach.nearest(sx, sy, x, y, Settings())
    first.minutes[:] = -1.0
    first.nearest[:] = -1
    again = reach.nearest(sx, sy, x, y, Settings())
    assert (again.minutes >= 0).all() and (again.nearest >= 0).all()


def test_array_digest_names_content_and_order():
    from geo.recent import array_digest

    a, b = np.arange(5.0), np.arange(5.0) + 1
    assert array_digest(a, b) == array_digest(a.copy(), b.copy())  # content, not identity
    assert array_digest(a, b) != array_digest(b, a)
    assert array_digest(a[::2]) == array_digest(np.ascontiguousarray(a[::2]))
    assert array_digest(a) != array_digest(a.astype("float32"))
    assert len(array_digest(a)) == 32


@pytest.mark.parametrize("n_stations", [0, 1, 2, 57])
def test_nearest_minutes_are_those_of_nearest(n_stations: int) -> None:
    """The minutes-only query (the plain check's) gives nearest()'s minutes exactly."""
    rng = np.random.default_rng(n_stations)
    sx, sy = rng.random(n_stations) * 5000, rng.random(n_stations) * 5000
    x, y = rng.random(3000) * 6000 - 500, rng.random(3000) * 6000 - 500
    if n_stations:  # some points exactly on a station
        x[:10], y[:10] = np.resize(sx, 10), np.resize(sy, 10)
    s = Settings(mode="bike", minutes=4)
    want = reach.nearest(sx, sy, x, y, s).minutes
    got = reach.nearest_minutes(sx, sy, x, y, s)
    np.testing.assert_array_equal(got, want)
