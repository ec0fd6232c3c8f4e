"""What-if stations added to a finished analysis without starting over.

A what-if station changes only the points it is nearer to than their current station, and
the count of stations within reach of each point. :func:`add_incrementally` takes the
kernel's answer kept with a result (:attr:`geo.CoverageResult.kernel_state`), measures
every point's distance to each new station (one vectorised pass per station, no
KD-tree rebuilt, no file read, no cell grid made), keeps the minimum and counts the
stations in reach, then assembles the tables as :func:`geo.analyze` does. The result
equals a full analysis of the same stations (tested on random sequences). Removing a
what-if station is adding the remaining ones to the same baseline.

Along the street network the new stations are snapped as the full analysis snaps
stations and searched from one at a time with a bounded Dijkstra
(:func:`geo.network.incremental.add_stations`): the points' minutes, nearest station,
status, unique coverage, the nodes' minutes (service areas) and the straight-line
minutes (overstatement) are updated, the demand's snaps kept.

It applies with a study area or a demand table; otherwise (no area nor demand, where the
stations decide the study's extent and projection) it returns ``None`` and the caller
analyses in full; so it does where the full analysis would refuse the street network
(most stations outside it) or where a new station would change how the demand snaps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
from pyproj import Transformer

from geo import reach
from geo.coverage import KernelInput, KernelOutput, Prepared, assemble, mark_stations
from geo.errors import InputError
from geo.network import Network, NetworkCoverage
from geo.network.extent import check_covers
from geo.network.incremental import add_stations
from geo.recent import Recent
from geo.result import CoverageResult
from geo.settings import Settings

__all__ = ["add_incrementally", "prepare_whatifs"]


def add_incrementally(
    baseline: CoverageResult, stations: gpd.GeoDataFrame
) -> CoverageResult | None:
    """The analysis of ``stations`` (the baseline's stations, then new ones) from the
    baseline's kernel answer.

    Parameters
    ----------
    baseline
        A result of :func:`geo.analyze` (it keeps its kernel's answer).
    stations
        The baseline's station table as analysed (same rows, same order; extra columns
        such as ``hypothetical`` allowed) followed by the stations to add, e.g. from
        :func:`geo.scenario.with_stations`.

    Returns
    -------
    CoverageResult or None
        The result with the new stations; ``None`` when it cannot be derived this way
        (a study defined by its stations, a baseline without its kernel answer, a
        station table that does not extend the baseline's; along the street network,
        stations the full analysis would refuse or that would change the demand's snaps).
    """
    state = _derivable(baseline)
    if state is None:
        return None
    prep, out = state
    along_streets = baseline.settings.method == "network"
    n_old = len(prep.stations)
    old_ids = prep.stations["id"].astype(str).to_numpy()
    if len(stations) < n_old or not np.array_equal(
        stations["id"].astype(str).to_numpy()[:n_old], old_ids
    ):
        return None
    inputs = prep.inputs.with_stations(stations)
    marked, notes = mark_stations(inputs, baseline.settings)
    used = marked["used"].to_numpy(dtype=bool)
    if not np.array_equal(used[:n_old], prep.used):
        return None  # the filters read the old stations otherwise: not an extension
    if len(stations) == n_old:
        new_xy = np.zeros((0, 2))
    else:
        to_m = Transformer.from_crs(4326, prep.job.metric, always_xy=True)
        lon = marked.geometry.x.to_numpy(dtype="float64")[n_old:]
        lat = marked.geometry.y.to_numpy(dtype="float64")[n_old:]
        new_xy = np.column_stack([np.asarray(a) for a in to_m.transform(lon, lat)])
    job = prep.job
    settings = baseline.settings
    new_used = np.flatnonzero(used[n_old:])
    if along_streets:
        assert out.network is not None
        n_pts = job.x.size  # the straight-line minutes with the new stations (overstatement)
        straight, _, _ = _straight_added(
            out.network.straight_minutes, np.full(n_pts, -1, dtype="int64"),
            np.zeros(n_pts, dtype=bool), job, new_xy[new_used], int(prep.used.sum()),
            settings, _near_of(out, out.network.straight_minutes, job, settings))
        new_lon = marked.geometry.x.to_numpy(dtype="float64")[n_old:][new_used]
        new_lat = marked.geometry.y.to_numpy(dtype="float64")[n_old:][new_used]
        try:  # the full analysis refuses a network most stations lie outside
            check_covers(out.network.network,
                         (np.concatenate([job.station_lon, new_lon]),
                          np.concatenate([job.station_lat, new_lat])),
                         (np.zeros(0), np.zeros(0)), margin_m=job.snap_limit_m)
        except InputError:
            return None
        net_cov = add_stations(out.network, new_lon, new_lat, straight_minutes=straight)
        if net_cov is None:
            return None
        new_out = KernelOutput(net_cov.minutes, net_cov.nearest, net_cov.unique, net_cov)
    else:
        minutes, nearest, unique = _straight_added(
            out.minutes, out.nearest, out.unique, job, new_xy[new_used],
            int(prep.used.sum()), settings, _near_of(out, out.minutes, job, settings))
        new_out = KernelOutput(minutes, nearest, unique)
    station_x = np.concatenate([prep.station_x, new_xy[:, 0]])
    station_y = np.concatenate([prep.station_y, new_xy[:, 1]])
    keep = np.concatenate([np.zeros(n_old, dtype=bool), used[n_old:]])
    new_job = replace(
        job,
        station_lon=np.concatenate([job.station_lon,
                                    marked.geometry.x.to_numpy(dtype="float64")[keep]]),
        station_lat=np.concatenate([job.station_lat,
                                    marked.geometry.y.to_numpy(dtype="float64")[keep]]),
        sx=np.concatenate([job.sx, station_x[keep]]),
        sy=np.concatenate([job.sy, station_y[keep]]),
    )
    new_prep = replace(
        prep, inputs=inputs, stations=marked, job=new_job, station_x=station_x,
        station_y=station_y, warnings=[*inputs.warnings, *notes],
    )
    result = assemble(new_prep, new_out, like=baseline)
    result.basemap_network = baseline.basemap_network
    result.kernel_state = (new_prep, new_out)
    return result


def prepare_whatifs(baseline: CoverageResult) -> bool:
    """Make now what the first what-if on ``baseline`` would make: the KD-tree of its
    points and which of them a new station can change (:class:`NearIndex`).

    For a front end with time to spare once its page is shown (the app): on a million
    points the first what-if station otherwise spends 0.3 s of its click building the
    tree. What it makes is kept where :func:`add_incrementally` looks for it, so the
    what-ifs' results are the same either way.

    Parameters
    ----------
    baseline
        A result of :func:`geo.analyze`.

    Returns
    -------
    bool
        Whether anything applies (a what-if on ``baseline`` can be derived from it).
    """
    state = _derivable(baseline)
    if state is None:
        return False
    prep, out = state
    # along the streets, the straight-line minutes (the overstatement's), as
    # add_incrementally measures them
    minutes = out.network.straight_minutes if out.network is not None else out.minutes
    _near_of(out, minutes, prep.job, baseline.settings)
    return True


def _derivable(baseline: CoverageResult) -> tuple[Prepared, KernelOutput] | None:
    """The baseline's kernel state when what-ifs can be derived from it, else ``None``:
    a straight-line or street-network analysis that kept its answer, of a study not
    defined by its stations (along the streets, with the network's coverage)."""
    state = baseline.kernel_state
    if state is None or baseline.settings.method not in ("euclidean", "network"):
        return None
    prep, out = state
    if not isinstance(prep, Prepared) or prep.area_from_stations:
        return None
    if baseline.settings.method == "network" and not (
        isinstance(out.network, NetworkCoverage) and isinstance(prep.job.network, Network)
    ):
        return None
    return prep, out


def _straight_added(
    minutes: np.ndarray,
    nearest: np.ndarray,
    unique: np.ndarray,
    job: KernelInput,
    new_xy: np.ndarray,
    position: int,
    settings: Settings,
    near: NearIndex | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Straight-line minutes, nearest station and unique coverage with stations added.

    A new station changes a point only where it is nearer than the point's nearest station
    or within the limit. Points whose nearest station is within the limit (``near``) can
    only change within the limit's distance of the new station: one KD-tree ball query
    finds them; the others (beyond the limit) are measured one by one.

    Parameters
    ----------
    minutes, nearest, unique
        Per point, with the current stations (``unique``: covered and by no other).
    job
        The kernel's input (the points in metres).
    new_xy
        The used stations to add, in metres, one row each.
    position
        The position of the first of them among the used stations.
    settings
        Speed, circuity and the threshold.
    near
        :func:`near_index` of ``minutes`` (made here when not given).

    Returns
    -------
    tuple of numpy.ndarray
        ``(minutes, nearest, unique)``.
    """
    per_m = reach.minutes_per_metre(settings)
    if near is None:
        near = near_index(minutes, job, settings)
    nearest = nearest.copy()
    covered = reach.within(minutes, settings.minutes)
    in_reach = covered.astype("int64") + (covered & ~unique)  # 0, 1, or 2 (= two or more)
    best = np.where(np.isnan(minutes), np.inf, minutes)
    for sx, sy in new_xy:  # per new station: the near points around it, and the far ones
        ball = np.asarray(near.tree.query_ball_point([sx, sy], near.radius_m)
                          if near.tree is not None else [], dtype="int64")
        idx = np.concatenate([ball[near.near[ball]], near.far])  # far ones once, below
        dx = job.x[idx] - sx
        dy = job.y[idx] - sy
        m = np.sqrt(dx * dx + dy * dy) * per_m
        nearer = m < best[idx]
        best[idx[nearer]] = m[nearer]
        nearest[idx[nearer]] = position
        in_reach[idx] += reach.within(m, settings.minutes)
        position += 1
    minutes = np.where(np.isinf(best), np.nan, best)
    return minutes, nearest, reach.within(minutes, settings.minutes) & (in_reach == 1)


@dataclass(frozen=True, eq=False)
class NearIndex:
    """The points whose nearest station is within the limit, the others, and a KD-tree of
    all the points.

    Attributes
    ----------
    near
        Per point, whether it is near.
    tree
        A ``cKDTree`` of every point's metric coordinates, shared by the indexes of the
        same points (other minutes, other stations): :func:`points_tree`.
    far
        Positions of the other points (beyond the limit, or no station).
    radius_m
        The distance within which a new station can change a near point: the limit's
        distance, with room for rounding.
    """

    near: np.ndarray
    tree: object | None
    far: np.ndarray
    radius_m: float


#: KD-trees of the last two point sets, by their arrays (identity: an analysis of other
#: minutes lends its points' coordinates).
_TREES = Recent(2)


def points_tree(x: np.ndarray, y: np.ndarray) -> object:
    """A ``cKDTree`` of points' metric coordinates, kept for the same arrays.

    Built once per set of points (0.3 s for a million), not per analysis of them.

    Parameters
    ----------
    x, y
        The points (metres).

    Returns
    -------
    scipy.spatial.cKDTree
    """
    from scipy.spatial import cKDTree

    return _TREES.get((x, y), None, lambda: cKDTree(np.column_stack([x, y]), copy_data=False))


def near_index(minutes: np.ndarray, job: KernelInput, settings: Settings) -> NearIndex:
    """:class:`NearIndex` of points with these minutes to their nearest station.

    A near point (``minutes`` within the limit, tolerance included) changes only when a
    new station is nearer than its nearest one or within the limit, both within the limit's
    distance of that station.

    Parameters
    ----------
    minutes
        Per point, to its nearest station (NaN for none).
    job
        The kernel's input (the points in metres).
    settings
        Speed, circuity and the threshold.

    Returns
    -------
    NearIndex
    """
    ok = reach.within(minutes, settings.minutes)
    far = np.flatnonzero(~ok)
    limit_m = (settings.minutes + reach.TOL_MIN) / reach.minutes_per_metre(settings)
    tree = points_tree(job.x, job.y) if far.size < ok.size else None
    return NearIndex(ok, tree, far, limit_m * (1 + 1e-9) + 1e-6)


def _near_of(out: KernelOutput, minutes: np.ndarray, job: KernelInput,
             settings: Settings) -> NearIndex:
    """:func:`near_index` of one of a kernel answer's minutes, kept on that answer (the
    baseline's: every what-if on it uses the same)."""
    kept = out.__dict__.setdefault("_near_index", {})
    key = (id(minutes), settings.minutes, reach.minutes_per_metre(settings))
    if key not in kept:
        kept[key] = near_index(minutes, job, settings)
    return kept[key]
