"""The candidate × demand reach matrix: which candidate site would cover which demand point.

Both reach models of :func:`geo.analyze` are answered by the modules that own them,
with the rules the analysis uses, so a site chosen here covers in the "after"
analysis exactly what the model counted:

* :func:`geo.reach.euclidean_reach` — straight line × circuity in the metric CRS;
* :func:`geo.network.network_reach` — along the streets, as
  :func:`geo.network.travel_times` measures a point's minutes to a station.

Both return a boolean ``scipy.sparse.csr_matrix`` with one row per candidate and one
column per demand point; a point exactly at the threshold is covered.
"""

from __future__ import annotations

from geo.network.search import network_reach
from geo.reach import euclidean_reach, to_matrix

__all__ = ["euclidean_reach", "network_reach", "to_matrix"]
