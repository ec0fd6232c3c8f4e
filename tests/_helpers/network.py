"""Walking speed and the nodes of the real network the references are built on."""

from __future__ import annotations

import numpy as np

from geo import network as gn

WALK = 80.0  # m/min


def node_fragment(net: gn.Network) -> np.ndarray:
    frag = np.full(net.n_nodes, -1)
    frag[net.u] = net.fragment
    frag[net.v] = net.fragment
    return frag


def unique_position(net: gn.Network) -> np.ndarray:
    """Nodes whose position no other node shares (a point there has one node)."""
    xy = np.round(np.c_[net.x, net.y], 6)
    _, inv, cnt = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    return cnt[inv.ravel()] == 1


def main_nodes(net: gn.Network) -> np.ndarray:
    """Nodes of the largest fragment at a position of their own."""
    big = np.bincount(net.fragment).argmax()
    return np.flatnonzero((node_fragment(net) == big) & unique_position(net))
