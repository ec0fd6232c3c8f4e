"""Hostile wide inputs (issue 19): sheets reaching column XFD, GeoJSON features of thousands of
properties, CSV files with an unclosed quote in the header.

Shared by the tests (``tests/io``) and ``bench/bench_wide_inputs.py``. The sheets are
written as XML directly (openpyxl takes 0.15 s a row to write one 16,384 cells wide).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["LAST_COLUMN", "quoted_header_csv", "wide_geojson", "wide_xlsx"]

#: Excel's last column, XFD.
LAST_COLUMN = 16384
_SHEET = "xl/worksheets/sheet1.xml"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _template(path: Path) -> None:
    """A workbook whose style 1 is a yellow fill (no number format)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "站点"
    ws["A1"] = "x"
    ws["A1"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(path)


def _data_cells(r: int) -> str:
    if r == 1:
        return ''.join(f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
                       for c, h in zip("ABC", ["编号", "经度", "纬度"], strict=True))
    return (f'<c r="A{r}" t="inlineStr"><is><t>S{r - 1}</t></is></c>'
            f'<c r="B{r}"><v>{120.6 + r * 1e-5:.5f}</v></c><c r="C{r}"><v>31.28</v></c>')


def wide_xlsx(path: Path, n_rows: int, *, values: bool = False, dimension: bool = True) -> Path:
    """A station table (编号, 经度, 纬度; ``n_rows`` rows) whose every row reaches column XFD.

    Parameters
    ----------
    path
        Where to write the workbook.
    n_rows
        Data rows below the header.
    values
        ``False``: the cells right of the table are styled and hold nothing (every other
        row as Excel writes them, ``<c r="D2" s="1"/>``, the others as openpyxl does,
        ``<c r="D3" s="1" t="n" />``); ``True``: they hold numbers (the header, names).
    dimension
        Whether the sheet has a ``<dimension>`` element (openpyxl's streaming writer and
        several exporters leave it out).

    Returns
    -------
    Path
    """
    letters = [get_column_letter(j) for j in range(1, LAST_COLUMN + 1)]
    template = path.with_name(path.stem + ".template.xlsx")
    _template(template)
    with zipfile.ZipFile(template) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != _SHEET:
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open(_SHEET, "w") as fh:
            fh.write(f'<worksheet xmlns="{_NS}">'.encode())
            if dimension:
                fh.write(f'<dimension ref="A1:XFD{n_rows + 1}"/>'.encode())
            fh.write(b"<sheetData>")
            for r in range(1, n_rows + 2):
                if values:
                    rest = "".join(
                        f'<c r="{letters[j]}1" t="inlineStr"><is><t>c{j}</t></is></c>' if r == 1
                        else f'<c r="{letters[j]}{r}"><v>1</v></c>'
                        for j in range(3, LAST_COLUMN))
                else:
                    form = '<c r="{}{}" s="1"/>' if r % 2 else '<c r="{}{}" s="1" t="n" />'
                    rest = "".join(form.format(letters[j], r) for j in range(3, LAST_COLUMN))
                fh.write(f'<row r="{r}">{_data_cells(r)}{rest}</row>'.encode())
            fh.write(b"</sheetData></worksheet>")
    template.unlink()
    return path


def wide_geojson(path: Path, n_features: int, properties: int, *, distinct: bool = False) -> Path:
    """Point features (in Suzhou) of ``properties`` properties each, plus 名称.

    ``distinct``: each feature's property names are its own (``p3_0``…), so the columns
    are the union of all of them; else every feature has ``p0``….
    """
    features = []
    for i in range(n_features):
        names = (f"p{i}_{j}" if distinct else f"p{j}" for j in range(properties))
        props: dict[str, object] = dict.fromkeys(names, 1)
        props["名称"] = f"站{i}"
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [120.6, 31.28]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


def quoted_header_csv(path: Path, n_rows: int) -> Path:
    """A station CSV whose header opens a quote before 名称 and never closes it."""
    lines = ['编号,"名称,经度,纬度'] + [f"S{i},站{i},120.6,31.28" for i in range(n_rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
