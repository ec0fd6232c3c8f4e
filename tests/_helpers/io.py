"""Building input files in ``tmp_path`` and checking what the readers of ``geo.io`` make of them."""

from __future__ import annotations

import codecs
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import shapely

from geo.errors import Rejected
from geo.io import read_stations

HEADER = "编号,名称,类型,经度,纬度"
NAMES = ["沧浪街道党群服务中心", "南门社区·爱心补给点", "胥江驿站"]


def write_csv(
    path: Path, lines: list[str], *, encoding: str = "utf-8", newline: str = "\n",
    bom: bool = False,
) -> Path:
    data = (newline.join(lines) + newline).encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


def make_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
    book.save(path)
    return path


def by_row(gdf: gpd.GeoDataFrame) -> dict[int, Rejected]:
    rejected = gdf.attrs["rejected"]
    out = {r.row: r for r in rejected}
    assert len(out) == len(rejected), f"a row is rejected twice: {rejected}"
    return out


def assert_rejected(
    gdf: gpd.GeoDataFrame, file: Path | str, row: int, column: str, *fragments: str
) -> Rejected:
    rej = by_row(gdf)
    assert row in rej, f"row {row} not rejected; rejected: {gdf.attrs['rejected']}"
    r = rej[row]
    assert r.file == str(file)
    assert r.column == column, r
    for fragment in fragments:
        assert fragment.lower() in r.reason.lower(), (fragment, r.reason)
    return r


def assert_accounted(gdf: gpd.GeoDataFrame, data_rows: int) -> None:
    """Nothing silently dropped: every non-blank data row is used or rejected, not both."""
    rejected_rows = {r.row for r in gdf.attrs["rejected"]}
    assert len(gdf) + len(gdf.attrs["rejected"]) == data_rows
    assert rejected_rows.isdisjoint(set(gdf["row"].tolist()))


def xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_x(gdf.geometry.to_numpy()), shapely.get_y(gdf.geometry.to_numpy())


def rows_of(gdf: gpd.GeoDataFrame) -> list[int]:
    return [int(r) for r in gdf["row"]]


def _stations_with(tmp_path: Path, cells: list[tuple[str, str]], header: str = HEADER,
                   encoding: str = "utf-8") -> tuple[Path, gpd.GeoDataFrame]:
    lines = [header] + [f"{i},点{i},x,{lo},{la}" for i, (lo, la) in enumerate(cells, start=1)]
    path = write_csv(tmp_path / "s.csv", lines, encoding=encoding)
    return path, read_stations(path)


def _point_gdf(crs: int | str = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"编号": ["G1", "G2", "G3"], "名称": NAMES, "类型": ["爱心补给点", "充电桩", "驿站"]},
        geometry=[shapely.Point(120.61, 31.29), None, shapely.Point(120.63, 31.31)],
        crs=crs,
    )
