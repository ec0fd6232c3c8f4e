"""The street network in metres (``geo.network.model``): edges, directions, the graph."""

from __future__ import annotations

import numpy as np
from _helpers.network import WALK

from geo import network as gn


def test_parallel_edges_keep_their_minimum():
    net = gn.network_from_edges(
        [0.0, 100.0], [0.0, 0.0], [0, 0], [1, 1], length_m=[500.0, 100.0], two_way=True
    )
    csr = net.reverse_csr()
    assert csr.nnz == 2 and csr[1, 0] == 100.0 and csr[0, 1] == 100.0
    s = gn.snap(net, np.array([100.0]), np.array([0.0]))
    search = gn.station_search(net, s, WALK)
    np.testing.assert_allclose(search.node_minutes, [100 / WALK, 0.0])
