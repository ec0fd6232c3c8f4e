"""Candidate sites: a table of places the planner could use, and/or the gap cells' centres.

A candidate table is read like a station table (:func:`geo.read_stations`: the same
formats, Chinese or English headers, coordinate systems and rejected rows). Gap
candidates are the centres of the cells holding demand the existing stations leave
uncovered (:attr:`geo.CoverageResult.gap_cells`), largest uncovered demand first,
with ids ``G0001`` …
"""

from __future__ import annotations

from os import PathLike

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import grid as gridmod
from geo.errors import InputError, Rejected
from geo.network import Network, Snap, snap
from geo.network.search import eligible_edges
from geo.result import CoverageResult

__all__ = [
    "COLUMNS",
    "FROM_GAPS",
    "FROM_TABLE",
    "LISTED",
    "CandidateArg",
    "candidate_sites",
    "candidate_table",
    "combine",
    "gap_candidates",
    "off_network_warnings",
    "place",
    "read_candidates",
]

#: Columns of :func:`candidate_table` (plus ``geometry``).
COLUMNS = ("id", "name", "kind", "lon", "lat", "source", "file", "row")
#: ``source`` of candidates read from a table, and of those made from gap cells.
FROM_TABLE = "candidates"
FROM_GAPS = "gaps"

CandidateArg = str | PathLike[str] | gpd.GeoDataFrame
#: Off-network candidates named one by one in the warnings (then a count).
LISTED = 20


def read_candidates(
    candidates: CandidateArg, *, crs: str = "wgs84", sheet: str | int | None = None
) -> tuple[gpd.GeoDataFrame, list[Rejected], list[Rejected]]:
    """Read a candidate-site table with the station reader.

    Parameters
    ----------
    candidates
        A table file (CSV, XLSX, GeoJSON …) or a GeoDataFrame from
        :func:`geo.read_stations`.
    crs
        Coordinate system for rows without their own ``coord_system``.
    sheet
        XLSX sheet.

    Returns
    -------
    tuple
        The candidates (:data:`COLUMNS`, WGS-84), the rejected rows and the warnings.

    Raises
    ------
    InputError
        If the file cannot be read, or no row of it is usable.
    """
    if isinstance(candidates, gpd.GeoDataFrame):
        gdf = candidates
    else:
        from geo.io import read_stations

        gdf = read_stations(candidates, crs=crs, sheet=sheet, id_prefix="C")
    source = str(gdf.attrs.get("source", "candidates"))
    rejected = list(gdf.attrs.get("rejected", []))
    warnings = list(gdf.attrs.get("warnings", []))
    if len(gdf) == 0:
        raise InputError(
            "no usable candidate site (every row was rejected; see the list above)",
            file=source, rejected=rejected,
        )
    n = len(gdf)
    lon = shapely.get_x(gdf.geometry.to_numpy()).astype("float64")
    lat = shapely.get_y(gdf.geometry.to_numpy()).astype("float64")
    frame = candidate_table(
        ids=gdf["id"].astype(str).to_numpy() if "id" in gdf else _ids("C", n),
        names=_text(gdf, "name", n),
        kinds=_text(gdf, "kind", n),
        lon=lon,
        lat=lat,
        source=FROM_TABLE,
        file=source,
        rows=gdf["row"].to_numpy(dtype="int64") if "row" in gdf else np.arange(n) + 2,
    )
    return frame, rejected, warnings


def gap_candidates(baseline: CoverageResult) -> gpd.GeoDataFrame:
    """The centres of the cells holding uncovered demand, largest uncovered demand first.

    Parameters
    ----------
    baseline
        The analysis of the existing stations.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`COLUMNS`; ids ``G0001`` …, names the cell labels, ``source`` ``gaps``.
    """
    gc = baseline.gap_cells
    cells = gc.cells
    order = np.lexsort((cells.key, -gc.demand))
    n = order.size
    labels = gridmod.cell_label(cells.key[order], cells.spec) if n else np.zeros(0, dtype=object)
    return candidate_table(
        ids=_ids("G", n),
        names=("缺口格 " + pd.Series(labels, dtype=object).astype(str)).to_numpy(dtype=object),
        kinds=np.full(n, "", dtype=object),
        lon=np.asarray(cells.lon, dtype="float64")[order],
        lat=np.asarray(cells.lat, dtype="float64")[order],
        source=FROM_GAPS,
        file="gap cells",
        rows=np.zeros(n, dtype="int64"),
    )


def combine(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """One candidate table; gap candidates whose id a table already uses get ``GAP-`` ids.

    Parameters
    ----------
    frames
        Tables from :func:`read_candidates` and :func:`gap_candidates`.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows in the order given, index ``0..n-1``.
    """
    used: set[str] = set()
    out = []
    for frame in frames:
        f = frame.copy()
        ids = f["id"].astype(str)
        clash = ids.isin(used).to_numpy() & (f["source"] == FROM_GAPS).to_numpy()
        if clash.any():
            f.loc[clash, "id"] = "GAP-" + ids[clash]
        used.update(f["id"].astype(str))
        out.append(f)
    if not out:
        return candidate_table(
            ids=np.zeros(0, dtype=object), names=np.zeros(0, dtype=object),
            kinds=np.zeros(0, dtype=object), lon=np.zeros(0), lat=np.zeros(0),
            source=FROM_TABLE, file="", rows=np.zeros(0, dtype="int64"),
        )
    return gpd.GeoDataFrame(pd.concat(out, ignore_index=True), geometry="geometry", crs=4326)


def candidate_table(
    *,
    ids: np.ndarray,
    names: np.ndarray,
    kinds: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    source: str,
    file: str,
    rows: np.ndarray,
) -> gpd.GeoDataFrame:
    """Build a candidate table (:data:`COLUMNS`, points in WGS-84).

    Parameters
    ----------
    ids, names, kinds
        Per candidate.
    lon, lat
        WGS-84 degrees.
    source
        ``candidates`` or ``gaps``.
    file
        The file the candidates came from (for messages).
    rows
        Their rows in that file (0 for gap cells).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    n = np.size(lon)
    return gpd.GeoDataFrame(
        {
            "id": np.asarray(ids, dtype=object),
            "name": np.asarray(names, dtype=object),
            "kind": np.asarray(kinds, dtype=object),
            "lon": np.asarray(lon, dtype="float64"),
            "lat": np.asarray(lat, dtype="float64"),
            "source": np.full(n, source, dtype=object),
            "file": np.full(n, file, dtype=object),
            "row": np.asarray(rows, dtype="int64"),
        },
        geometry=shapely.points(np.asarray(lon, dtype="float64"), np.asarray(lat, "float64")),
        crs=4326,
    )


def _ids(prefix: str, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros(0, dtype=object)
    width = max(4, len(str(n)))
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def _text(gdf: gpd.GeoDataFrame, column: str, n: int) -> np.ndarray:
    if column not in gdf:
        return np.full(n, "", dtype=object)
    col = gdf[column].astype(object)
    return col.where(col.notna(), "").astype(str).to_numpy(dtype=object)


# --- from the inputs to the model ---------------------------------------------------------


def candidate_sites(
    candidates: CandidateArg | None,
    from_gaps: bool,
    baseline: CoverageResult,
    crs: str,
    sheet: str | int | None,
) -> tuple[gpd.GeoDataFrame, list[Rejected], list[Rejected]]:
    """The candidate table from a file and/or the gap cells.

    Parameters
    ----------
    candidates
        A candidate table (path or GeoDataFrame), or ``None``.
    from_gaps
        Add the gap cells' centres.
    baseline
        The analysis of the existing stations.
    crs, sheet
        For reading ``candidates``.

    Returns
    -------
    tuple
        The combined table (:data:`COLUMNS`), the rejected rows and the warnings of the file.
    """
    frames = []
    rejected: list[Rejected] = []
    warnings: list[Rejected] = []
    if candidates is not None:
        frame, rejected, warnings = read_candidates(candidates, crs=crs, sheet=sheet)
        frames.append(frame)
    if from_gaps:
        frames.append(gap_candidates(baseline))
    return combine(frames), rejected, warnings


def place(
    table: gpd.GeoDataFrame,
    baseline: CoverageResult,
    net: Network | None,
    on_network: bool,
    snap_limit_m: float,
) -> tuple[gpd.GeoDataFrame, Snap | None]:
    """Snap candidates to the street network where it is used, or move them onto it.

    Parameters
    ----------
    table
        The candidate table.
    baseline
        The baseline analysis (its method decides whether the network is used).
    net
        The street network, or ``None``.
    on_network
        Move every candidate to its nearest street point (then its walk to the street is 0).
    snap_limit_m
        Candidates farther from every usable street are ``off_network``. Usable: the
        streets stations may join (:func:`geo.network.eligible_edges`: pieces of the
        network with at least ``MIN_COMPONENT_NODES`` nodes, or the largest), so a
        candidate is never placed on a small island of the network.

    Returns
    -------
    tuple
        The table with ``status`` (``ok`` / ``off_network``) and ``snap_m`` (metres to the
        street, NaN without a network) — ``lon``/``lat``/geometry moved with
        ``on_network`` — and the candidates' snaps (``None`` without a network).
    """
    table = table.copy()
    table["status"] = "ok"
    table["snap_m"] = np.nan
    uses_net = net is not None and (on_network or baseline.settings.method == "network")
    if not uses_net or len(table) == 0:
        return table, None
    assert net is not None
    to_m = Transformer.from_crs(4326, net.crs, always_xy=True)
    x, y = (np.asarray(a, dtype="float64") for a in to_m.transform(table["lon"], table["lat"]))
    # candidates are stations: they join main pieces of the network only (the fragment rule)
    s = snap(net, x, y, max_distance_m=snap_limit_m, eligible=eligible_edges(net))
    table["snap_m"] = s.distance_m
    table.loc[~s.ok, "status"] = "off_network"
    if on_network and s.ok.any():
        ok = s.ok
        edge = s.edge[ok]
        geom = net.geometry[edge]
        length = net.length_m[edge]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(length > 0, s.along_m[ok] / length, 0.0)
        pts = shapely.line_interpolate_point(geom, frac, normalized=True)
        back = Transformer.from_crs(net.crs, 4326, always_xy=True)
        lon, lat = back.transform(shapely.get_x(pts), shapely.get_y(pts))
        table.loc[ok, "lon"] = np.asarray(lon)
        table.loc[ok, "lat"] = np.asarray(lat)
        table = table.set_geometry(shapely.points(table["lon"], table["lat"]), crs=4326)
        dist = s.distance_m.copy()
        dist[ok] = 0.0
        s = Snap(s.edge, s.along_m, dist, s.max_distance_m, s.skipped_edge)
    return table, s


def off_network_warnings(table: gpd.GeoDataFrame, limit: float) -> list[Rejected]:
    """Warnings naming the candidates off the network (the first :data:`LISTED` by row).

    Parameters
    ----------
    table
        The candidate table after :func:`place`.
    limit
        The snap limit (for the message).

    Returns
    -------
    list of Rejected
        One line with the count, then one per candidate.
    """
    off = np.flatnonzero((table["status"] == "off_network").to_numpy())
    out: list[Rejected] = []
    if off.size == 0:
        return out
    t = table.iloc[off]
    out.append(
        Rejected(
            str(t["file"].iloc[0]), int(t["row"].iloc[0]), "lon",
            f"{off.size} candidate site(s) are farther than {limit:g} m from any usable "
            "street: not used",
        )
    )
    for r in t.head(LISTED).itertuples(index=False):
        out.append(
            Rejected(str(r.file), int(r.row), "lon",
                     f"candidate '{r.id}' is {r.snap_m:,.0f} m from the nearest usable street")
        )
    return out
