"""Outputs that never look complete before they are: write under a temporary name, rename.

A file or a directory of GeoParquet parts is written to ``.NAME.tmp-XXXXXXXX``
beside its final name and moved there with :func:`os.replace` only when every
part is written; on any error the temporary is removed and an existing output
is left as it was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

from geo.distributed.cluster import require_dask

__all__ = ["atomic_path", "write_points_parquet"]


@contextmanager
def atomic_path(path: str | PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` that becomes ``path`` when the block succeeds.

    Parameters
    ----------
    path
        The final file or directory.

    Yields
    ------
    pathlib.Path
        Where to write (it does not exist yet).

    Examples
    --------
    >>> with atomic_path("points.parquet") as tmp:   # doctest: +SKIP
    ...     table.to_parquet(tmp)
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        yield tmp
        _replace(tmp, final)
    finally:
        _remove(tmp)


def _replace(tmp: Path, final: Path) -> None:
    if not tmp.exists():
        raise FileNotFoundError(f"nothing was written to {tmp}")
    if final.is_dir() and not final.is_symlink():
        old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(final, old)  # directories cannot be replaced in one step
        try:
            os.replace(tmp, final)
        except OSError:
            os.replace(old, final)
            raise
        _remove(old)
    else:
        os.replace(tmp, final)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


def write_points_parquet(
    result: Any, path: str | PathLike[str], *, partitions: int | None = None
) -> Path:
    """Write a result's per-point table as a directory of GeoParquet parts.

    The columns are those of ``--points-out`` (``id, lon, lat, weight, minutes,
    nearest, covered``, with ``covered`` a boolean) and the point geometry
    (WGS-84); rows in input order, parts in order (``part.0.parquet`` …), readable
    with ``dask_geopandas.read_parquet`` or ``geopandas.read_parquet``.

    Parameters
    ----------
    result
        A :class:`geo.CoverageResult`.
    path
        The output directory (replaced whole when complete).
    partitions
        Number of parts (default: one per million rows).

    Returns
    -------
    pathlib.Path
        The output directory.
    """
    require_dask()
    import dask_geopandas
    import geopandas as gpd

    table = result.points_table()
    table["covered"] = result.points["covered"].to_numpy()
    gdf = gpd.GeoDataFrame(table, geometry=result.points.geometry.array, crs=4326)
    n = partitions or max(1, -(-len(gdf) // 1_000_000))
    ddf = dask_geopandas.from_geopandas(gdf.reset_index(drop=True), npartitions=n)
    with atomic_path(path) as tmp:
        ddf.to_parquet(tmp, write_index=False, compute_kwargs={"scheduler": "threads"})
    return Path(path)
