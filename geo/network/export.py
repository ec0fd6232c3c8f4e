"""Writing a built street network for QGIS and other tools: GeoPackage and GraphML.

* **GeoPackage** (``.gpkg``): layer ``edges`` — one LineString per street segment in
  WGS-84 with ``u``, ``v`` (rows of ``nodes``), ``length_m``, ``two_way`` and
  ``fragment`` (its connected piece) — and layer ``nodes`` — points with ``node``
  (the number ``u``/``v`` refer to), ``osm_id`` where known and ``fragment``. Drag the
  file into QGIS.
* **GraphML** (``.graphml``): the graph as OSMnx saves one (``osmnx.load_graphml``
  reads it, and so does :func:`geo.network.load_network`): nodes with ``x``/``y``
  (longitude/latitude), one directed edge per direction a segment may be travelled,
  with ``length`` (metres), ``geometry`` (WKT, WGS-84), ``oneway`` and ``reversed``.

The network was already built for one travel mode: its streets are the ones that mode
may use, and a segment's directions are the ones it may travel. Each GraphML edge
carries ``highway=road`` so that a reader that chooses streets by their ``highway``
tag keeps them all.
"""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import crs as crsmod
from geo.errors import InputError
from geo.network.model import Network

__all__ = [
    "EXPORT_FORMATS",
    "edges_wgs84",
    "export_network",
    "network_graph",
    "nodes_wgs84",
    "write_geopackage",
    "write_graphml",
]

#: The file types :func:`export_network` writes, by extension.
EXPORT_FORMATS: tuple[str, ...] = (".gpkg", ".graphml")
#: The ``highway`` value written on GraphML edges (any street a mode may use).
_HIGHWAY = "road"


def _to_wgs84(net: Network) -> Transformer:
    return Transformer.from_crs(net.crs, 4326, always_xy=True)


def _node_fragment(net: Network) -> np.ndarray:
    """The connected piece of each node, from the edges' (``-1`` for a node on no edge)."""
    label = np.full(net.n_nodes, -1, dtype="int64")
    label[net.u] = net.fragment
    label[net.v] = net.fragment
    return label


def _osm_ids(net: Network) -> pd.api.extensions.ExtensionArray:
    if net.node_id is None:
        return pd.array([pd.NA] * net.n_nodes, dtype="Int64")
    ids = np.asarray(net.node_id)
    if np.issubdtype(ids.dtype, np.integer):
        return pd.array(ids.astype("int64"), dtype="Int64")
    return pd.array(ids.astype(str), dtype="string")


def nodes_wgs84(net: Network) -> gpd.GeoDataFrame:
    """The network's nodes as WGS-84 points.

    Parameters
    ----------
    net
        The street network.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``node`` (0…n-1, what the edges' ``u``/``v`` refer to), ``osm_id``
        (OSM node id where known, else empty), ``lon``, ``lat``, ``fragment``.
    """
    lon, lat = (np.asarray(a) for a in _to_wgs84(net).transform(net.x, net.y))
    return gpd.GeoDataFrame(
        {
            "node": np.arange(net.n_nodes, dtype="int64"),
            "osm_id": _osm_ids(net),
            "lon": lon,
            "lat": lat,
            "fragment": _node_fragment(net),
        },
        geometry=shapely.points(lon, lat),
        crs=4326,
    )


def edges_wgs84(net: Network) -> gpd.GeoDataFrame:
    """The network's edges (street segments) as WGS-84 LineStrings.

    Parameters
    ----------
    net
        The street network.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``u``, ``v`` (nodes, see :func:`nodes_wgs84`), ``length_m``,
        ``two_way`` (``False``: only ``u → v`` may be travelled), ``fragment``.
    """
    frame = net.edges_frame()
    geometry = crsmod.reproject(np.asarray(net.geometry), _to_wgs84(net))
    return gpd.GeoDataFrame(pd.DataFrame(frame.drop(columns="geometry")),
                            geometry=geometry, crs=4326)


def network_graph(net: Network) -> nx.MultiDiGraph:
    """The network as an OSMnx-style ``MultiDiGraph`` in WGS-84 (attribute values as text).

    Parameters
    ----------
    net
        The street network.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by OSM id where every node has a distinct integer one (else by
        position), with ``x``/``y`` (lon/lat); edges ``u → v`` and, for two-way
        segments, ``v → u`` (``reversed=True``), with ``length``, ``geometry`` (WKT),
        ``oneway``, ``highway``, ``fragment`` and ``edge`` (the segment's
        number, shared by its two directions).
    """
    nodes = nodes_wgs84(net)
    ids = nodes["node"].to_numpy()
    if net.node_id is not None:
        osm = np.asarray(net.node_id)
        if np.issubdtype(osm.dtype, np.integer) and pd.unique(osm).size == osm.size:
            ids = osm.astype("int64")
    geometry = edges_wgs84(net).geometry.to_numpy()
    two = np.asarray(net.two_way, dtype=bool)
    back = np.flatnonzero(two & (net.u != net.v))  # a loop's reverse is the loop itself
    edge = np.concatenate([np.arange(net.n_edges), back])
    rev = np.concatenate([np.zeros(net.n_edges, dtype=bool), np.ones(back.size, dtype=bool)])
    geoms = np.concatenate([geometry, shapely.reverse(geometry[back])])
    table = pd.DataFrame(
        {
            "source": np.where(rev, ids[net.v[edge]], ids[net.u[edge]]),
            "target": np.where(rev, ids[net.u[edge]], ids[net.v[edge]]),
            "length": net.length_m[edge].astype(str),
            "geometry": shapely.to_wkt(geoms, rounding_precision=-1),
            "oneway": np.where(two[edge], "False", "True"),
            "reversed": np.where(rev, "True", "False"),
            "highway": _HIGHWAY,
            "fragment": net.fragment[edge].astype(str),
            "edge": edge.astype(str),
        }
    )
    graph = nx.from_pandas_edgelist(
        table, "source", "target", edge_attr=list(table.columns[2:]),
        create_using=nx.MultiDiGraph,
    )
    graph.add_nodes_from(ids.tolist())  # nodes on no edge as well
    attrs = pd.DataFrame(
        {"x": nodes["lon"].to_numpy().astype(str), "y": nodes["lat"].to_numpy().astype(str),
         "node": nodes["node"].to_numpy().astype(str)},
        index=ids,
    )
    if net.node_id is not None:
        attrs["osm_id"] = np.asarray(net.node_id).astype(str)
    nx.set_node_attributes(graph, attrs.to_dict(orient="index"))
    graph.graph.update(
        {
            "crs": "epsg:4326",
            "simplified": "False",
            "created_with": "geo network export",
            "network_type": net.network_type,
            "profile": str(getattr(net, "profile", "") or ""),
            "source": net.source,
        }
    )
    return graph


def _temp(path: Path) -> Path:
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def write_graphml(net: Network, path: str | PathLike[str]) -> Path:
    """Write the network as GraphML (see :func:`network_graph`), atomically.

    Parameters
    ----------
    net
        The street network.
    path
        The ``.graphml`` file.

    Returns
    -------
    pathlib.Path
    """
    out = Path(path)
    tmp = _temp(out)
    try:
        nx.write_graphml(network_graph(net), tmp, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def write_geopackage(net: Network, path: str | PathLike[str]) -> Path:
    """Write the network as a GeoPackage with layers ``edges`` and ``nodes``, atomically.

    Parameters
    ----------
    net
        The street network.
    path
        The ``.gpkg`` file (replaced).

    Returns
    -------
    pathlib.Path
    """
    out = Path(path)
    tmp = _temp(out)
    try:
        edges_wgs84(net).to_file(tmp, layer="edges", driver="GPKG", engine="pyogrio")
        nodes_wgs84(net).to_file(tmp, layer="nodes", driver="GPKG", engine="pyogrio",
                                 mode="a")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def export_network(net: Network, path: str | PathLike[str]) -> Path:
    """Write a built network for QGIS or OSMnx, by the file's extension.

    Parameters
    ----------
    net
        The street network (:func:`geo.network.load_network`).
    path
        ``.gpkg`` (GeoPackage, layers ``edges`` and ``nodes``) or ``.graphml``
        (OSMnx's GraphML; :func:`geo.network.load_network` reads it back with the same
        edges).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        For another extension, a missing folder, or a file that cannot be written.
    """
    out = Path(path).expanduser()
    suffix = out.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError("export to .gpkg (GeoPackage, for QGIS) or .graphml (OSMnx)",
                         file=os.fspath(path))
    if not out.parent.is_dir():
        raise InputError(f"cannot write here: folder {out.parent} does not exist",
                         file=os.fspath(path))
    if out.is_dir():
        raise InputError("cannot write the network: a folder has that name",
                         file=os.fspath(path))
    try:
        if suffix == ".gpkg":
            return write_geopackage(net, out)
        return write_graphml(net, out)
    except OSError as exc:
        raise InputError(f"cannot write the network: {exc.strerror or exc}",
                         file=os.fspath(path)) from exc
