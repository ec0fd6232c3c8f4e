"""Tables far wider than a station, demand or 网格 table, refused before they are read.

A table of more than :data:`geo.io.plain.MAX_COLUMNS` columns is a mistake (or an attempt
to exhaust the server), and the parsers take minutes over one before geo can count its
columns: pandas over a CSV header of a million columns, GDAL over GeoJSON features of
100,000 properties (it adds the fields one at a time). So the width is counted on the
first bytes of the file:

* :func:`check_csv_width` — the first lines of a CSV file;
* :func:`check_geojson_width` — the property names of the features in the first two
  megabytes of a GeoJSON file (GDAL makes one column of each distinct name); names that
  appear only further on are counted after reading, by the general check.

XLSX sheets are refused at the first cell beyond the limit as they are streamed
(:func:`geo.io.xlsx.sheet_rows`).
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from pathlib import Path

from geo.errors import InputError
from geo.io.plain import MAX_COLUMNS

__all__ = ["SCAN_LINES", "check_csv_width", "check_geojson_width"]

#: Lines of a CSV file counted (the header is found among as many).
SCAN_LINES = 20
#: Characters of a line read to count a CSV file's columns (a header of 500 columns is
#: well under this; a longer line is counted on what was read).
_LINE_CHARS = 1 << 20
#: Bytes of a GeoJSON file whose features' properties are counted: a feature of more than
#: 500 properties shows within it (about 50 ms over a file of points with a few properties).
_GEOJSON_HEAD = 2 << 20
_PROPERTIES = re.compile(r'"properties"\s*:\s*\{')
_ANY_KEY = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"\s*:')
_KEY = re.compile(r'\s*("[^"\\]*(?:\\.[^"\\]*)*")\s*:\s*')
_AFTER_VALUE = re.compile(r"\s*([,}])")
_WHAT = ("geo reads at most {limit:,} (a station, demand or 网格 table needs a handful)")


def check_csv_width(p: Path, file: str, encoding: str, sep: str) -> None:
    """Refuse a CSV file wider than :data:`MAX_COLUMNS` from its first lines, before parsing.

    A header of a million columns took minutes in the parser; only the first
    :data:`SCAN_LINES` lines (at most a million characters each) are read.

    Parameters
    ----------
    p, file
        The file, and its name for messages.
    encoding, sep
        How it is read.

    Raises
    ------
    InputError
        Naming the line (``row``) and its number of columns ("N or more" when the line
        is longer than what is read).
    """
    with open(p, encoding=encoding, errors="replace", newline="") as fh:
        for line_no in range(1, SCAN_LINES + 1):
            line = fh.readline(_LINE_CHARS)
            if not line:
                return
            if line.count(sep) < MAX_COLUMNS:
                continue
            complete = line.endswith(("\n", "\r"))
            # a whole line is counted as CSV (a separator inside quotes is no column)
            width = (len(next(csv.reader([line], delimiter=sep), [])) if complete
                     else line.count(sep) + 1)
            if width > MAX_COLUMNS:
                more = "" if complete else " or more"
                raise InputError(
                    f"the table has {width:,}{more} columns on this line; "
                    f"{_WHAT.format(limit=MAX_COLUMNS)}: delete the unused columns, or check "
                    "the separator", file=file, row=line_no)
            if not complete:
                return


def _object_keys(text: str, pos: int, names: set[str], limit: int) -> None:
    """Add the names of the JSON object whose members start at ``pos`` to ``names``, up to
    ``limit`` of them (each value skipped by the C decoder); stops where the text does."""
    decoder = json.JSONDecoder()
    while len(names) <= limit:
        key = _KEY.match(text, pos)
        if key is None:
            return  # "}" (no member), or the text ends
        names.add(key.group(1))
        try:
            _, pos = decoder.raw_decode(text, key.end())
        except (ValueError, RecursionError):
            return  # the read part ends inside the value
        after = _AFTER_VALUE.match(text, pos)
        if after is None or after.group(1) == "}":
            return
        pos = after.end()


def check_geojson_width(p: Path, file: str) -> None:
    """Refuse a GeoJSON file whose features have more than :data:`MAX_COLUMNS` distinct
    property names among the first megabytes, before GDAL reads it.

    GDAL read features of 100,000 properties for minutes (the column check came after the
    whole file was read). A file whose many names come only later is counted by the
    general check after reading.

    Parameters
    ----------
    p, file
        The file, and its name for messages.

    Raises
    ------
    InputError
        Naming the feature (``row``, first = 1) by which the limit is passed.
    """
    with open(p, "rb") as fh:
        head = fh.read(_GEOJSON_HEAD)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    text = head.decode("utf-8", errors="replace")
    if len(set(_ANY_KEY.findall(text))) <= MAX_COLUMNS:
        return  # fewer names of any member in all: a few milliseconds for most files
    names: set[str] = set()
    for feature, found in enumerate(_PROPERTIES.finditer(text), start=1):
        _object_keys(text, found.end(), names, MAX_COLUMNS)
        if len(names) > MAX_COLUMNS:
            which = "feature 1 has" if feature == 1 else f"features 1 to {feature:,} have"
            raise InputError(
                f"{which} more than {MAX_COLUMNS:,} different properties, each a column; "
                f"{_WHAT.format(limit=MAX_COLUMNS)}: delete the unused properties, or "
                "export only the fields you need", file=file, row=feature)
