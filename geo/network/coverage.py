"""Street-network coverage of demand points: what :func:`geo.analyze` reports with
``method="network"`` (minutes, off-network and unreachable points, overstatement, and
the small pieces of the network that points were joined past, see
:func:`geo.network.eligible_edges`)."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo import crs as crsmod
from geo.errors import Rejected, SettingsError
from geo.network.areas import BUFFER_M, FILL_HOLES_M2, service_polygons
from geo.network.load import ProgressArg, load_network, network_type_of
from geo.network.model import Network
from geo.network.search import (
    MIN_COMPONENT_NODES,
    SNAP_LIMIT_M,
    WALK_SPEED_M_PER_MIN,
    Search,
    Snap,
    TravelTimes,
    edge_set_key,
    eligible_edges,
    fragment_nodes,
    main_fragments,
    second_minutes,
    snap,
    station_search,
    travel_times,
)
from geo.reach import within
from geo.recent import Recent, array_digest

__all__ = ["NetworkCoverage", "NetworkNearest", "coverage_on_network", "nearest_on_network",
           "snap_demand"]

log = logging.getLogger("geo")


@dataclass
class NetworkCoverage:
    """Street-network coverage of demand points: what :func:`geo.analyze` reports.

    Attributes
    ----------
    network, search
        The network and the search from all stations.
    stations, points
        Snaps of the (used) stations and the demand points.
    minutes, nearest, status
        Per point (see :class:`TravelTimes`; ``NaN`` minutes where not ``ok``).
    unique
        Per point: covered, and by no station other than the nearest.
    budget
        The threshold in minutes.
    weight
        Demand weight per point.
    straight_minutes
        Minutes by the straight-line method (straight line × circuity) for the same points.
    """

    network: Network
    search: Search
    stations: Snap
    points: Snap
    minutes: np.ndarray
    nearest: np.ndarray
    status: np.ndarray
    unique: np.ndarray
    budget: float
    weight: np.ndarray
    straight_minutes: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        """Within the threshold along the streets."""
        return within(self.minutes, self.budget)

    def status_is(self, kind: str) -> np.ndarray:
        """Per point, whether its status is ``kind`` (kept for this status array: the
        summary, the warnings and the KPIs each ask, and comparing a million status
        words takes 15 ms).

        Parameters
        ----------
        kind
            ``ok``, ``off_network`` or ``unreachable``.

        Returns
        -------
        numpy.ndarray
            Boolean per point (not to be changed in place).
        """
        kept = self.__dict__.get("_status_masks")
        if kept is None or kept[0] is not self.status:
            kept = (self.status, {})
            self.__dict__["_status_masks"] = kept
        masks = kept[1]
        if kind not in masks:
            masks[kind] = self.status == kind
        return masks[kind]

    @property
    def straight_covered(self) -> np.ndarray:
        """Within the threshold by the straight-line method."""
        return within(self.straight_minutes, self.budget)

    @property
    def overstated(self) -> np.ndarray:
        """Covered by the straight line but not along the streets."""
        return self.straight_covered & ~self.covered

    def fragment_counts(self) -> dict[str, Any]:
        """The pieces of the network and the points and stations that passed small ones over.

        The fragment rule (:func:`geo.network.eligible_edges`): pieces with at least
        :data:`~geo.network.MIN_COMPONENT_NODES` nodes, and the largest, are main
        pieces; stations join main pieces only, demand points the largest piece or a
        piece holding a station (another main piece only beyond the snap limit of
        those). Pieces that are neither main nor hold a station are *skipped*.

        Returns
        -------
        dict
            ``fragments``: ``total``, ``without_station``, ``main``, ``min_nodes``,
            ``skipped`` (pieces no point may join), ``skipped_nodes`` (their nodes
            together) and ``skipped_largest_nodes``; ``moved_to_main``: ``points`` and
            ``demand`` nearer a skipped piece than any eligible street and joined to
            the main network instead, ``stations`` likewise, and ``fragments`` (how
            many pieces passed over they were nearest to: skipped ones, or main ones
            without a station); ``off_network_near_fragments``:
            ``points`` and ``demand`` within the snap limit of a skipped piece only
            (off the network, counted in ``off_network`` too).
        """
        net = self.network
        st, pt, w = self.stations, self.points, self.weight
        size = fragment_nodes(net)
        main = main_fragments(net)
        frag_with = np.unique(net.fragment[st.edge[st.ok]])
        usable = main.copy()
        usable[frag_with] = True
        present = size > 0
        skipped = present & ~usable
        moved_pts = pt.skipped & pt.ok
        off_pts = pt.skipped & ~pt.ok
        passed = np.concatenate(
            [e[e >= 0] for e in (pt.skipped_edge, st.skipped_edge) if e is not None]
            or [np.zeros(0, "int64")]
        )
        return {
            "fragments": {
                "total": net.n_fragments,
                "without_station": int(net.n_fragments - frag_with.size),
                "main": int((main & present).sum()),
                "min_nodes": MIN_COMPONENT_NODES,
                "skipped": int(skipped.sum()),
                "skipped_nodes": int(size[skipped].sum()),
                "skipped_largest_nodes": int(size[skipped].max()) if skipped.any() else 0,
            },
            "moved_to_main": {
                "points": int(moved_pts.sum()),
                "demand": round(float(w[moved_pts].sum()), 2),
                "stations": int((st.skipped & st.ok).sum()),
                "fragments": int(np.unique(net.fragment[passed]).size),
            },
            "off_network_near_fragments": {
                "points": int(off_pts.sum()),
                "demand": round(float(w[off_pts].sum()), 2),
            },
        }

    def summary(self) -> dict[str, Any]:
        """Counts for the report: off-network and unreachable demand, overstatement.

        Returns
        -------
        dict
            ``overstated_demand``, ``overstated_share`` (of all demand),
            ``straight_covered_demand``, ``off_network`` / ``unreachable``
            (``points``, ``demand``), ``stations_off_network``,
            ``fragments`` (pieces of the network, those without a station, main and
            skipped pieces), ``moved_to_main`` and ``off_network_near_fragments``
            (points and stations that passed a small piece over, see
            :meth:`fragment_counts`), ``snap_limit_m`` and the network's ``source``,
            ``type``, ``nodes``, ``edges``.
        """
        w = self.weight
        total = float(w.sum())
        over = float(w[self.overstated].sum())
        net = self.network
        frag = self.fragment_counts()
        off = self.status_is("off_network")
        unr = self.status_is("unreachable")
        return {
            "overstated_demand": round(over, 2),
            "overstated_share": round(over / total, 4) if total > 0 else 0.0,
            "straight_covered_demand": round(float(w[self.straight_covered].sum()), 2),
            "off_network": {"points": int(off.sum()), "demand": round(float(w[off].sum()), 2)},
            "unreachable": {"points": int(unr.sum()), "demand": round(float(w[unr].sum()), 2)},
            "stations_off_network": int((~self.stations.ok).sum()),
            **frag,
            "snap_limit_m": self.points.max_distance_m,
            "network": {
                "source": net.source,
                "type": net.network_type,
                "nodes": net.n_nodes,
                "edges": net.n_edges,
            },
        }

    def warnings(
        self,
        *,
        file: str,
        rows: np.ndarray,
        ids: Any,
        station_files: np.ndarray,
        station_rows: np.ndarray,
        station_ids: np.ndarray,
        listed: int = 20,
        what: str = "demand point(s)",
    ) -> list[Rejected]:
        """Warnings naming stations and demand points the network could not serve.

        Every station off the network by its row, and every station that passed a
        small piece of the network over for a main street (the fragment rule of
        :func:`geo.network.eligible_edges`); one line with the count and demand of the
        demand points that did the same (at the first such row); per kind of demand
        point (off the network, unreachable) one line with the count and demand (at
        the first such row), then the first ``listed`` points by row with their
        distance to the street.

        Parameters
        ----------
        file, rows, ids
            The demand file and, per point, its row and id (``ids``: any array indexed by
            position, e.g. Arrow strings; only the named points' are read).
        station_files, station_rows, station_ids
            Per (used) station: its file, row and id.
        listed
            How many points of each kind to name.
        what
            What the points are, for the messages (``grid cell(s)`` without a demand file).

        Returns
        -------
        list of Rejected
        """
        out: list[Rejected] = []
        limit = self.points.max_distance_m
        s_off = np.flatnonzero(~self.stations.ok)
        for i in s_off:
            out.append(
                Rejected(
                    str(station_files[i]),
                    int(station_rows[i]),
                    "lon",
                    f"station '{station_ids[i]}' is {self.stations.distance_m[i]:,.0f} m from "
                    f"the nearest usable street (snap limit {limit:g} m"
                    + ("; only a small piece of the network is nearer"
                       if self.stations.skipped[i] else "")
                    + "): not used on the street network",
                )
            )
        out += self._fragment_warnings(file, rows, station_files, station_rows, station_ids,
                                       what)
        d = self.points.distance_m
        w = self.weight
        for kind, text in (
            ("off_network", "off network (farther than {limit:g} m from any usable street)"),
            (
                "unreachable",
                "unreachable (no station can be reached along the streets: none on their "
                "part of the network, or only against one-way streets)",
            ),
        ):
            idx = np.flatnonzero(self.status_is(kind))
            if idx.size == 0:
                continue
            out.append(
                Rejected(
                    file,
                    int(rows[idx[0]]),  # the first such row; the line counts them all
                    "lon",
                    f"{idx.size} {what} (demand {w[idx].sum():g}) are "
                    + text.format(limit=limit)
                    + ": counted as not covered",
                )
            )
            for i in idx[:listed]:
                detail = (
                    f"{d[i]:,.0f} m from the nearest usable street"
                    + (" (only a small piece of the network without a station is nearer)"
                       if self.points.skipped[i] else "")
                    if kind == "off_network"
                    else f"its street ({d[i]:,.0f} m away) has no station reachable"
                )
                out.append(Rejected(file, int(rows[i]), "lon", f"'{ids[i]}' {kind}: {detail}"))
            if idx.size > listed:
                out.append(
                    Rejected(
                        file, int(rows[idx[listed]]), "lon",
                        f"… and {idx.size - listed} more {kind} {what} from this row on",
                    )
                )
        return out

    def _fragment_warnings(
        self,
        file: str,
        rows: np.ndarray,
        station_files: np.ndarray,
        station_rows: np.ndarray,
        station_ids: np.ndarray,
        what: str,
    ) -> list[Rejected]:
        """Stations (each) and demand points (one line) that joined a main street farther
        away than a small piece of the network they were nearer to."""
        out: list[Rejected] = []
        net, st, pt = self.network, self.stations, self.points
        size = fragment_nodes(net)
        small = f"fewer than {MIN_COMPONENT_NODES} nodes"
        for i in np.flatnonzero(st.skipped & st.ok):
            nodes = int(size[net.fragment[st.skipped_edge[i]]])
            out.append(
                Rejected(
                    str(station_files[i]),
                    int(station_rows[i]),
                    "lon",
                    f"station '{station_ids[i]}' is nearer a small piece of the street network "
                    f"({nodes} nodes, {small}) than any main street: joined to the main "
                    f"network {st.distance_m[i]:,.0f} m away",
                )
            )
        moved = np.flatnonzero(pt.skipped & pt.ok)
        if moved.size:
            assert pt.skipped_edge is not None
            pieces = np.unique(net.fragment[pt.skipped_edge[moved]]).size
            out.append(
                Rejected(
                    file,
                    int(rows[moved[0]]),
                    "lon",
                    f"{moved.size} {what} (demand {self.weight[moved].sum():g}; the first "
                    f"at this row) are nearer {pieces} piece(s) of the street network "
                    "without a station (a compound's paths, a footway cut at the file's "
                    "edge) than any street of the main network or of a station's piece: "
                    "joined to those instead, the longer walk counted",
                )
            )
        return out

    def band_polygons(
        self,
        bands: Sequence[float],
        *,
        area: shapely.Geometry | None = None,
        buffer_m: float = BUFFER_M,
        fill_holes_m2: float = FILL_HOLES_M2,
    ) -> gpd.GeoDataFrame:
        """Service areas per band in WGS-84 (see :func:`service_polygons`).

        Parameters
        ----------
        bands
            Minutes, e.g. ``settings.bands``.
        area
            The study area in WGS-84 to clip to, or ``None``.
        buffer_m, fill_holes_m2
            As :func:`service_polygons`.

        Returns
        -------
        geopandas.GeoDataFrame
            ``minutes`` and ``geometry`` (EPSG:4326).
        """
        area_m = None
        if area is not None:
            to_m = Transformer.from_crs(4326, self.network.crs, always_xy=True)
            area_m = crsmod.reproject(area, to_m)
        gdf = service_polygons(
            self.network,
            self.search,
            bands,
            area=area_m,
            buffer_m=buffer_m,
            fill_holes_m2=fill_holes_m2,
        )
        return gdf.to_crs(4326)


class NetworkNearest(NamedTuple):
    """The search from all stations, each point's travel times, and unique coverage."""

    search: Search
    travel: TravelTimes
    unique: np.ndarray


def nearest_on_network(
    network: Network,
    stations: Snap,
    points: Snap,
    speed_m_per_min: float,
    minutes: float,
    *,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    need_unique: bool = True,
) -> NetworkNearest:
    """Every point's minutes to its nearest station, and whether no other station covers it.

    One search from all stations (:func:`station_search`), the points' travel times
    (:func:`travel_times`) and, for the covered points, the minutes to the second
    nearest station (:func:`second_minutes`, searched no farther than the threshold).

    Parameters
    ----------
    network
        The street network.
    stations, points
        Their snaps (:func:`snap`).
    speed_m_per_min
        Travel speed along the streets.
    minutes
        The threshold.
    walk_speed_m_per_min
        Walking speed between a point (or station) and its street.
    need_unique
        ``False`` skips the second search (``unique`` is then all false).

    Returns
    -------
    NetworkNearest
    """
    search, tt = _search_and_times(network, stations, points, speed_m_per_min,
                                   walk_speed_m_per_min)
    if not need_unique:
        return NetworkNearest(search, tt, np.zeros(len(points), dtype=bool))
    covered = within(tt.minutes, minutes)
    second = second_minutes(search, points, tt, limit_minutes=minutes + 1e-6)
    return NetworkNearest(search, tt, covered & ~within(second, minutes))


#: The last two searches and travel times per network, by the points' snap (identity), the
#: stations' snaps and the speeds. Neither depends on the threshold, so an analysis with
#: other minutes (or bands) of the same stations and points takes them as they are.
_TRAVEL: weakref.WeakKeyDictionary[Network, Recent] = weakref.WeakKeyDictionary()


def _search_and_times(
    network: Network, stations: Snap, points: Snap, speed: float, walk: float
) -> tuple[Search, TravelTimes]:
    """:func:`station_search` and :func:`travel_times`, kept for the next analysis of the
    same stations (their snaps), the same points' snap and speeds on this network."""
    digest = array_digest(stations.edge, stations.along_m, stations.distance_m)

    def search_and_times() -> tuple[Search, TravelTimes]:
        search = station_search(network, stations, speed, walk_speed_m_per_min=walk)
        return search, travel_times(network, stations, points, speed, search=search)

    return _TRAVEL.setdefault(network, Recent(2)).get(
        (points,), (digest, float(speed), float(walk)), search_and_times)


#: Demand snaps kept per network (at most :data:`_SNAPS_KEPT` point sets each): a change of
#: minutes, speed or stations does not move the demand, so it is not snapped again.
_SNAPS: weakref.WeakKeyDictionary[Network, dict[tuple[str, float, str], Snap]] = (
    weakref.WeakKeyDictionary())
_SNAPS_KEPT = 4


def snap_demand(
    network: Network, x: np.ndarray, y: np.ndarray, max_distance_m: float,
    eligible: np.ndarray, *, fallback: np.ndarray | None = None,
) -> Snap:
    """:func:`geo.network.snap` of demand points, kept for the next analysis of the same
    points on the same network with the same snap limit and usable streets.

    Parameters
    ----------
    network
        The street network.
    x, y
        The points in the network's CRS (metres).
    max_distance_m
        The snap limit.
    eligible
        The edges they may join (:func:`geo.network.eligible_edges`).
    fallback
        The edges they may join where no eligible one is within the limit
        (:func:`geo.network.snap`).

    Returns
    -------
    Snap
        Shared between analyses: read it, do not change it.
    """
    key = (array_digest(x, y), float(max_distance_m), edge_set_key(eligible),
           None if fallback is None else edge_set_key(fallback))
    kept = _SNAPS.setdefault(network, {})
    if key not in kept:
        while len(kept) >= _SNAPS_KEPT:
            kept.pop(next(iter(kept)))
        kept[key] = snap(network, x, y, max_distance_m=max_distance_m, eligible=eligible,
                         fallback=fallback)
    return kept[key]


def coverage_on_network(
    network: Network | str | PathLike[str],
    station_lon: np.ndarray,
    station_lat: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    mode: str,
    speed_m_per_min: float,
    minutes: float,
    weight: np.ndarray | None = None,
    straight_minutes: np.ndarray | None = None,
    walk_speed_m_per_min: float = WALK_SPEED_M_PER_MIN,
    snap_limit_m: float = SNAP_LIMIT_M,
    progress: ProgressArg = None,
    points_projected: tuple[np.ndarray, np.ndarray, CRS] | None = None,
) -> NetworkCoverage:
    """Street-network minutes from demand points (WGS-84) to the nearest station.

    Parameters
    ----------
    network
        A :class:`Network`, or a file / bundled name for :func:`load_network`.
    station_lon, station_lat
        The used stations, WGS-84.
    lon, lat
        The demand points (or cell centres), WGS-84.
    mode
        Travel mode (chooses the network type when ``network`` is a file).
    speed_m_per_min
        The mode's speed.
    minutes
        The threshold (for ``covered`` and ``unique``).
    weight, straight_minutes
        Demand weights and straight-line minutes of the same points, for the summary.
    walk_speed_m_per_min
        Walking speed between a point and its street.
    snap_limit_m
        Points and stations farther from every usable street are off the network.
        Usable streets follow the fragment rule (:func:`geo.network.eligible_edges`):
        stations join pieces of the network with at least
        :data:`~geo.network.MIN_COMPONENT_NODES` nodes (or the largest piece), demand
        points those or a piece holding a station.
    progress
        See :func:`load_network`.
    points_projected
        The points already projected, ``(x, y, crs)`` (e.g. an analysis's metric
        coordinates): used as they are when ``crs`` is the network's, instead of
        projecting ``lon``/``lat`` again (the same transformation, the same numbers).

    Returns
    -------
    NetworkCoverage
        Minutes are exact (the search has no limit), ``NaN`` off the network or
        where no station can be reached.
    """
    if not isinstance(network, Network):
        network = load_network(network, mode, progress=progress)
    elif network.network_type in ("walking", "cycling") and (
        network.network_type != network_type_of(mode)
    ):
        log.warning(
            "a %s network is used for mode %s (its one-way rules are those of %s)",
            network.network_type,
            mode,
            network.network_type,
        )
    if not snap_limit_m > 0:
        raise SettingsError(f"snap limit must be a positive number of metres, not {snap_limit_m!r}")
    to_m = Transformer.from_crs(4326, network.crs, always_xy=True)
    sx, sy = (np.asarray(a, dtype="float64") for a in to_m.transform(station_lon, station_lat))
    if points_projected is not None and CRS(points_projected[2]) == CRS(network.crs):
        px, py = (np.asarray(a, dtype="float64") for a in points_projected[:2])
    else:
        px, py = (np.asarray(a, dtype="float64") for a in to_m.transform(lon, lat))
    # the fragment rule: stations join main pieces, points main pieces or a station's piece
    st = snap(network, sx, sy, max_distance_m=snap_limit_m, eligible=eligible_edges(network))
    pt = snap_demand(network, px, py, snap_limit_m, eligible_edges(network, st),
                     fallback=eligible_edges(network))
    search, tt, unique = nearest_on_network(
        network, st, pt, speed_m_per_min, minutes, walk_speed_m_per_min=walk_speed_m_per_min
    )
    n = np.asarray(lon).size
    return NetworkCoverage(
        network=network,
        search=search,
        stations=st,
        points=pt,
        minutes=tt.minutes,
        nearest=tt.nearest,
        status=tt.status,
        unique=unique,
        budget=float(minutes),
        weight=np.ones(n) if weight is None else np.asarray(weight, dtype="float64"),
        straight_minutes=(
            np.full(n, np.nan) if straight_minutes is None else np.asarray(straight_minutes)
        ),
    )

