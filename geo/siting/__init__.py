"""Siting: where the next stations (or charging piles) close the most gap.

The planner's question after "where are the gaps?" is "where do we put the next
three stations?" (maximal covering, MCLP) or "how few new stations reach 95%?"
(set covering, LSCP). The existing stations stay; candidates come from a table
and/or the centres of the gap cells; reach is either model of :func:`geo.analyze`.

Example::

    from geo.siting import site

    res = site("data/canglang/stations.csv", crs="gcj02",
               demand="data/canglang/demand.csv", from_gaps=True, add=3)
    res.summary()["selected"]      # rank, id, name, lon, lat, gain, served_demand, …
    res.after.coverage             # coverage with the three sites added

Modules: :mod:`~geo.siting.candidates` (candidate tables and gap cells),
:mod:`~geo.siting.reach` (the sparse candidate × demand reach matrix),
:mod:`~geo.siting.instance` (compression), :mod:`~geo.siting.heuristics` (greedy,
interchange, Lagrangian bound), :mod:`~geo.siting.models` (HiGHS),
:mod:`~geo.siting.solve` (putting them together),
:mod:`~geo.siting.result` (:class:`SitingResult`), :mod:`~geo.siting.core` (:func:`site`).
"""

from __future__ import annotations

from geo.siting.core import parse_share, site
from geo.siting.heuristics import greedy, interchange, lagrangian_bound, order_by_gain
from geo.siting.instance import Instance, compress
from geo.siting.reach import euclidean_reach, network_reach
from geo.siting.result import SitingResult
from geo.siting.solve import Solution, solve_lscp, solve_mclp

__all__ = [
    "Instance",
    "SitingResult",
    "Solution",
    "compress",
    "euclidean_reach",
    "greedy",
    "interchange",
    "lagrangian_bound",
    "network_reach",
    "order_by_gain",
    "parse_share",
    "site",
    "solve_lscp",
    "solve_mclp",
]
