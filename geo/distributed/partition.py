"""Spatial partitions of the demand and what each one needs from beyond its border.

The demand is cut by median splits (a k-d tree of depth ``log2 k``): each
partition holds about the same number of points and is a rectangle in the
metric CRS. A partition is computed with the stations (and the streets) inside
its bounding box grown by a *margin*; the margins below are chosen so that
whatever decides a point's result lies inside, and the kernels check, per
point, that it did (see :mod:`geo.distributed.kernels`).

Why a rectangle grown by ``m`` is enough: every point of the box ``B`` is at
least ``m`` away (straight line) from anything outside ``B ⊕ m`` — the grown box
contains the disc of radius ``m`` around each point of ``B`` — so a station,
street or path that lies within ``m`` of a point of ``B`` lies in ``B ⊕ m``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geo.network import Network
from geo.settings import Settings

__all__ = [
    "Box",
    "PortableNetwork",
    "SubNetwork",
    "bbox",
    "clip_network",
    "contains",
    "euclidean_margin_m",
    "grow",
    "horizon_minutes",
    "in_box",
    "kd_partitions",
    "network_margin_m",
    "reach_margin_m",
]

#: Relative and absolute slack added to every margin (float rounding of reaches).
_REL = 1e-6
_ABS_M = 1.0

Box = tuple[float, float, float, float]


def kd_partitions(x: np.ndarray, y: np.ndarray, k: int) -> list[np.ndarray]:
    """Cut points into ``k`` spatially compact groups of (almost) equal size.

    Each step splits a group along the longer side of its bounding box at the
    count that gives both halves their share of the ``k`` parts.

    Parameters
    ----------
    x, y
        Point coordinates (metres).
    k
        Number of groups (at least 1; fewer come back when there are fewer points).

    Returns
    -------
    list of numpy.ndarray
        Sorted point positions of each group; together every position once.
    """
    n = x.size
    k = max(1, min(int(k), n)) if n else 1
    out: list[np.ndarray] = []
    _split(np.arange(n), k, x, y, out)
    return out


def _split(idx: np.ndarray, k: int, x: np.ndarray, y: np.ndarray, out: list[np.ndarray]) -> None:
    if k <= 1 or idx.size <= 1:
        out.append(np.sort(idx))
        return
    px, py = x[idx], y[idx]
    coord = px if np.ptp(px) >= np.ptp(py) else py
    k_left = k // 2
    cut = (idx.size * k_left) // k
    order = np.argpartition(coord, cut)  # the ``cut`` smallest first, in linear time
    _split(idx[order[:cut]], k_left, x, y, out)
    _split(idx[order[cut:]], k - k_left, x, y, out)


def bbox(x: np.ndarray, y: np.ndarray) -> Box:
    """The bounding box of points (``minx, miny, maxx, maxy``)."""
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def grow(box: Box, margin_m: float) -> Box:
    """A box grown by ``margin_m`` on every side."""
    minx, miny, maxx, maxy = box
    return minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m


def in_box(x: np.ndarray, y: np.ndarray, box: Box) -> np.ndarray:
    """Whether each point lies in the (closed) box."""
    minx, miny, maxx, maxy = box
    return (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)


def euclidean_margin_m(settings: Settings) -> float:
    """Straight-line margin: the reach of the threshold, ``speed × minutes ÷ circuity``.

    With it, a point's nearest station found inside the grown box is the nearest of
    all whenever it is at most the margin away (any station outside is farther);
    and whether a *second* station is within reach (``unique``) is decided inside
    the box too: a second station outside is beyond the margin, so beyond the reach,
    either way. Points whose nearest station is farther than the margin are
    recomputed against all stations (:mod:`geo.distributed.kernels`).
    """
    return settings.reach_m * (1 + _REL) + _ABS_M


def horizon_minutes(settings: Settings) -> float:
    """The largest minutes a report uses: the threshold or the last time band."""
    return max([settings.minutes, *settings.bands])


def network_margin_m(settings: Settings, snap_limit_m: float) -> float:
    """Street-network margin: ``snap limit + max(horizon, 2 × threshold) × speed``.

    Proof that it suffices for every point whose minutes are within the horizon
    ``H`` (and for ``unique``, which looks ``T`` = threshold minutes ahead):

    * Along a path, the straight-line distance between two places is at most the
      street length between them (an edge's length is the length of its line,
      never shorter than the straight line between its ends), so a street
      distance is never shorter than the straight line.
    * A point reaches its street within the snap limit; in ``t ≤ H`` minutes it
      rides at most ``H × speed`` metres of street; so every street of its best
      path lies within ``snap + H × speed`` of it, i.e. inside ``B ⊕ margin``. The
      clipped network (every edge meeting the grown box, whole) contains the
      path, so the clipped search finds the same minutes; and it can find no
      shorter ones (it is a part of the network).
    * ``unique`` asks whether a second station is within ``T``: the nodes on such
      a path are within ``snap + T × speed``, and their own nearest station (which
      the second-nearest search uses) within ``T × speed`` more: ``2 T × speed``.
    * Snapping: every edge within the snap limit of a point meets ``B ⊕ snap``.

    The kernels still check each point (minutes beyond ``H``, unreachable or a
    tie between two nearest edges are answered again, see :func:`reach_margin_m`).
    """
    t = max(horizon_minutes(settings), 2.0 * settings.minutes)
    return reach_margin_m(t, settings.speed_m_per_min, snap_limit_m)


def reach_margin_m(minutes: float, speed_m_per_min: float, snap_limit_m: float) -> float:
    """Margin within which every path of at most ``minutes`` from a point lies.

    Used alone (without the ``2 × threshold`` of :func:`network_margin_m`) for points
    already known to be uncovered, whose exact minutes are sought with a larger
    horizon: their ``unique`` flag is false whatever the network beyond.
    """
    return (snap_limit_m + minutes * speed_m_per_min) * (1 + _REL) + _ABS_M


def contains(outer: Box, inner: Box) -> bool:
    """Whether box ``outer`` contains box ``inner``."""
    lower = outer[0] <= inner[0] and outer[1] <= inner[1]
    return lower and outer[2] >= inner[2] and outer[3] >= inner[3]


class PortableNetwork:
    """A :class:`Network` that travels to Dask workers quickly.

    Pickling a network pickles every edge geometry as its own object (a second per
    ~20,000 edges); this wrapper sends the geometries as one ragged array of
    coordinates instead (:func:`shapely.to_ragged_array`), and the rest as arrays.

    Parameters
    ----------
    network
        The network to send.
    """

    def __init__(self, network: Network) -> None:
        self.network = network

    def __getstate__(self) -> dict[str, Any]:
        net = self.network
        state = {
            name: getattr(net, name)
            for name in ("x", "y", "u", "v", "length_m", "two_way", "fragment", "node_id")
        }
        state.update(
            crs=net.crs.to_wkt(),
            network_type=net.network_type,
            source=net.source,
            geometry=shapely.to_ragged_array(net.geometry) if net.n_edges else None,
        )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        ragged = state.pop("geometry")
        geometry = shapely.from_ragged_array(*ragged) if ragged is not None else None
        self.network = Network(geometry=geometry, **state)


@dataclass(frozen=True, eq=False)
class SubNetwork:
    """The part of a street network a partition needs.

    Attributes
    ----------
    portable
        Every edge meeting the grown box, whole, with its end nodes (renumbered,
        in the original order), wrapped for sending.
    edges
        Per edge of the clipped network, its position in the whole network.
    """

    portable: PortableNetwork
    edges: np.ndarray

    @property
    def network(self) -> Network:
        """The clipped network."""
        return self.portable.network


def clip_network(network: Network, box: Box) -> SubNetwork:
    """The edges of ``network`` meeting ``box`` (metres, the network's CRS), whole.

    Parameters
    ----------
    network
        The whole street network.
    box
        The partition's bounding box grown by the margin.

    Returns
    -------
    SubNetwork
    """
    edges = np.sort(network.tree.query(shapely.box(*box), predicate="intersects"))
    nodes = np.unique(np.concatenate([network.u[edges], network.v[edges]]))
    sub = Network(
        x=network.x[nodes],
        y=network.y[nodes],
        u=np.searchsorted(nodes, network.u[edges]),
        v=np.searchsorted(nodes, network.v[edges]),
        length_m=network.length_m[edges],
        two_way=network.two_way[edges],
        crs=network.crs,
        geometry=network.geometry[edges],
        node_id=None if network.node_id is None else network.node_id[nodes],
        network_type=network.network_type,
        source=network.source,
    )
    return SubNetwork(PortableNetwork(sub), edges)
