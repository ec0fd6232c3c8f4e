"""Plain station and demand CSV files as arrays, without pandas; ``None`` for anything else.

A table is *plain* when the general reader (:mod:`geo.io.points`) would read it without
rejecting a row or saying a word about it, and reading it needs none of its cleaning:
a ``.csv`` file that :func:`geo.io.plain.plain_columns` reads (UTF-8, no quote, rows as
wide as the header, plain decimal coordinates and weights); every header a known column
(``编号``, ``经度``, ``人数`` …, see :mod:`geo.columns`) named once, with longitude and
latitude columns; no apostrophe (geo's own writer puts one before a formula character);
every row with coordinates, none at (0, 0) or out of range, GCJ-02/BD-09 only inside
China, coordinate systems geo knows, ids not blank and not repeated, weights not blank,
negative or above :data:`geo.columns.MAX_WEIGHT`, opening hours understood.

Anything else returns ``None`` and takes the general reader, which says what is wrong
(or what it did) row by row: the plain path is only ever a faster way to the same
numbers (``tests/lean`` compares the two on every case).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geo import budget, crs, hours
from geo.columns import MAX_WEIGHT, canonical_column, header_coord_system, normalize_header
from geo.errors import SettingsError
from geo.io.plain import MAX_ROWS, cell_ends, plain_columns, primitive, short_text_keys
from geo.tally import distinct_count

__all__ = ["PlainPoints", "read_plain_points"]

#: The columns a plain table may have; any other header takes the general reader.
_KNOWN = frozenset({"id", "name", "category", "level", "lon", "lat", "coord_system",
                    "address", "amenities", "hours", "weight"})


@dataclass(frozen=True, eq=False)
class PlainPoints:
    """The rows of a plain point table, in file order.

    Attributes
    ----------
    file
        The file, as the user named it.
    lon, lat
        WGS-84 degrees.
    weight
        Demand weights (demand tables), else ``None``.
    """

    file: str
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray | None = None

    def __len__(self) -> int:
        return self.lon.size


def read_plain_points(path: str | Path, *, kind: str, crs_name: str = "wgs84"
                      ) -> PlainPoints | None:
    """A station (``kind="stations"``) or demand (``"demand"``) CSV file, if plain.

    Parameters
    ----------
    path
        The file.
    kind
        ``stations`` or ``demand``.
    crs_name
        The coordinate system of rows that name none (``--crs``).

    Returns
    -------
    PlainPoints or None
        ``None`` when the file is not plain (see the module's description).
    """
    p = Path(path)
    if p.suffix.lower() != ".csv":
        return None
    try:  # the size first: a file the budget refuses is not read here
        if p.stat().st_size * budget.READ_BYTES_PER_FILE_BYTE[".csv"] > budget.current():
            return None
        raw = p.read_bytes()
    except OSError:
        return None
    if not raw or b"'" in raw:
        return None
    columns = _columns(raw)
    if columns is None:
        return None
    by_canonical, data = columns
    try:
        default = crs.normalize_coord_system(crs_name)
    except SettingsError:
        return None
    lon = _number(data[by_canonical["lon"]])
    lat = _number(data[by_canonical["lat"]])
    if lon is None or lat is None or lon.size > MAX_ROWS:
        return None
    system = _systems(data, by_canonical, default, lon.size)
    if system is None or not _positions_ok(lon, lat, system):
        return None
    if "id" in by_canonical and not _ids_ok(data[by_canonical["id"]]):
        return None
    weight = None
    if kind == "demand":
        weight = _weights(data, by_canonical, lon.size)
        if weight is None:
            return None
    elif "hours" in by_canonical and not _hours_ok(data[by_canonical["hours"]]):
        return None
    wlon, wlat = crs.to_wgs84(lon, lat, system)
    return PlainPoints(str(path), np.asarray(wlon, dtype="float64"),
                       np.asarray(wlat, dtype="float64"), weight)


def _columns(raw: bytes):  # type: ignore[no-untyped-def]
    """(canonical → header, header → column) of a plain file, else ``None``."""
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    first = body.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "," not in header:
        return None
    names = header.split(",")
    by_canonical: dict[str, str] = {}
    for name in names:
        canonical = canonical_column(name)
        if (canonical not in _KNOWN or canonical in by_canonical
                or normalize_header(name) == "kind"):
            return None
        by_canonical[canonical] = name
    if "lon" not in by_canonical or "lat" not in by_canonical:
        return None
    numeric = {h for c, h in by_canonical.items() if c in ("lon", "lat", "weight")}
    data = plain_columns(raw, ",", names, numeric)
    if data is None:
        return None
    return by_canonical, data


def _number(values: np.ndarray) -> np.ndarray | None:
    """A coordinate column as floats, ``None`` with a blank cell."""
    v = np.asarray(values, dtype="float64")
    return None if np.isnan(v).any() else v


def _text(col):  # type: ignore[no-untyped-def]
    """A text column as the general reader sees it: trimmed (a null is a blank, ``""``).

    (No Python value goes into a pyarrow function here: ``pa.scalar`` imports pandas.)
    """
    import pyarrow.compute as pc

    return pc.utf8_trim_whitespace(col)


def _systems(data: dict, by_canonical: dict[str, str], default: str,
             n: int) -> str | np.ndarray | None:
    """The coordinate system of every row (one name when all rows share it)."""
    fallback = (header_coord_system(by_canonical["lon"])
                or header_coord_system(by_canonical["lat"]) or default)
    if "coord_system" not in by_canonical:
        return fallback
    import pyarrow.compute as pc

    written = _text(data[by_canonical["coord_system"]])
    encoded = pc.dictionary_encode(written).combine_chunks()
    if encoded.null_count:
        return None  # a blank cell: the file's system, on the general path
    canon = []
    for value in encoded.dictionary.to_pylist():
        try:
            canon.append(crs.normalize_coord_system(value) if value else fallback)
        except SettingsError:
            return None
    per = np.array(canon, dtype=object)[primitive(encoded.indices)]
    distinct = set(canon)
    if len(distinct) == 1 and n:
        return canon[0]
    return per


def _positions_ok(lon: np.ndarray, lat: np.ndarray, system: str | np.ndarray) -> bool:
    """No row the general reader would reject for its position."""
    faults = crs.position_faults(lon, lat, system)
    return not (faults.zero | faults.out_of_range | faults.outside_china).any()


#: First or last bytes a trimmed text cannot have: ASCII white space, and the lead and
#: continuation bytes of any other character (some are white space too).
_MAY_TRIM = np.zeros(256, dtype=bool)
_MAY_TRIM[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_MAY_TRIM[0x80:] = True


def _ids_ok(col) -> bool:  # type: ignore[no-untyped-def]
    """Every id written, none repeated (once trimmed, as the general reader compares them)."""
    import pyarrow.compute as pc

    if len(col) == 0 or col.null_count:
        return False
    length, first, last = cell_ends(col)
    if (length == 0).any():
        return False
    ids = col
    if (_MAY_TRIM[first] | _MAY_TRIM[last]).any():  # e.g. Chinese ids: trim them as text
        ids = _text(col)
        if cell_ends(ids)[0].min() == 0:
            return False
    keys = short_text_keys(ids)
    if keys is not None:  # ids of up to 7 bytes (D123456): compared as integers
        return distinct_count(keys) == keys.size
    return pc.count_distinct(ids).as_py() == len(ids)


def _weights(data: dict, by_canonical: dict[str, str], n: int) -> np.ndarray | None:
    """Demand weights (1 without a weight column); ``None`` for one the general reader
    would reject or remark on."""
    if "weight" not in by_canonical:
        return np.ones(n)
    w = np.asarray(data[by_canonical["weight"]], dtype="float64")
    if np.isnan(w).any() or (w < 0).any() or (w > MAX_WEIGHT).any():
        return None
    return w


def _hours_ok(col) -> bool:  # type: ignore[no-untyped-def]
    """Every station's opening hours understood (else the general reader remarks on them)."""
    import pyarrow.compute as pc

    for value in pc.unique(_text(col)).to_pylist():
        try:
            hours.parse_hours(value or "")
        except hours.HoursError:
            return False
    return True
