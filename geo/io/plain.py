"""Plain CSV files read by pyarrow's multi-threaded reader, without pandas.

Plain: UTF-8, the header on the first line with distinct, non-blank names, no double
quote anywhere (so no quoted cell, no line break inside a cell), every row as wide as the
header, and the coordinate and weight columns holding only blanks and plain decimal
numbers of at most 15 significant digits: what :func:`pandas.read_csv` and pyarrow read
the same way. :mod:`geo.io.raw` makes pandas columns of these (the general reader takes
every other file), and :mod:`geo.lean` checks a plain study without loading pandas.
"""

from __future__ import annotations

import codecs
from typing import Any

import numpy as np

__all__ = ["MAX_COLUMNS", "MAX_ROWS", "cell_ends", "plain_columns", "primitive",
           "short_text_keys"]

#: The most columns a table may have: a station, demand or 网格 table has a handful; a
#: sheet thousands of columns wide is a mistake (or an attempt to exhaust the server).
MAX_COLUMNS = 500
#: The most rows a table may have (a city's demand points at one per resident building
#: are well under a million; the memory budget may refuse a smaller table first).
MAX_ROWS = 10_000_000
#: A cell of 16 characters the fast path reads: a number with a point or a sign.
_PLAIN_NUMBER = r"^-?[0-9]*\.[0-9]*$|^-[0-9]+$"
#: Longest such cell: up to 15 significant digits (with a sign and a point), which pandas'
#: parser and pyarrow's both round correctly, so they give the same float.
_PLAIN_NUMBER_CHARS = 16


def plain_columns(
    raw: bytes, sep: str, names: list[str], numeric: set[str]
) -> dict[str, Any] | None:
    """The columns of a plain CSV file, or ``None`` when it is not plain.

    Parameters
    ----------
    raw
        The file's bytes (a UTF-8 byte-order mark is skipped).
    sep
        The delimiter (one character).
    names
        The headers of the first line, as text.
    numeric
        The headers of the coordinate and weight columns.

    Returns
    -------
    dict or None
        Header → a pyarrow ``large_string`` column (``""`` read as null) for text, a
        numpy array for ``numeric`` (``int64`` when every cell is an integer, else
        ``float64`` with NaN for blanks), in file order.
    """
    if (len(sep) != 1 or len(set(names)) != len(names)
            or not all(c.strip() for c in names) or not numeric):
        return None
    if b'"' in raw:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pv

    try:
        table = pv.read_csv(
            pa.py_buffer(raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw),
            read_options=pv.ReadOptions(column_names=None, autogenerate_column_names=False),
            parse_options=pv.ParseOptions(delimiter=sep, quote_char=False,
                                          newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError):
        return None
    if table.column_names != names or table.num_rows == 0:
        return None
    columns: dict[str, Any] = {}
    for name in names:
        col = table.column(name)
        if name not in numeric:
            columns[name] = col
            continue
        values = _plain_numbers(col, pa, pc)
        if values is None:
            return None
        columns[name] = values
    return columns


def _plain_numbers(col, pa, pc) -> np.ndarray | None:  # type: ignore[no-untyped-def]
    """A column of plain decimal numbers as :func:`pandas.read_csv` types it (``int64``
    when every cell is an integer, else ``float64`` with NaN for blanks); ``None`` when a
    cell is something else (text, ``1e5``, ``+1``, ``inf``, spaces, too many digits)."""
    if col.null_count == len(col):
        return np.full(len(col), np.nan)
    # only digits, '.' and '-', and short enough; the cast then refuses "1-2", "1.2.3",
    # "-" and the like
    if not _number_bytes_only(col) or _longest(col) > _PLAIN_NUMBER_CHARS:
        return None
    if col.null_count == 0:
        try:  # pandas reads a column of integers as int64
            return primitive(pc.cast(col, pa.int64()))
        except pa.ArrowInvalid:
            pass
    if _longest(col) == _PLAIN_NUMBER_CHARS and not pc.all(
        pc.match_substring_regex(col, _PLAIN_NUMBER)
    ).as_py():
        return None  # 16 digits without a point or a sign: not exact in a float
    try:
        return primitive(pc.cast(col, pa.float64()), fill=np.nan)
    except pa.ArrowInvalid:
        return None


def _offsets(chunk) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The value offsets of one (large_)string chunk."""
    width = 8 if chunk.type == "large_string" else 4
    buf = chunk.buffers()[1]
    dtype = np.int64 if width == 8 else np.int32
    return np.frombuffer(buf, dtype=dtype)[chunk.offset : chunk.offset + len(chunk) + 1]


#: The bytes a plain number is written with.
_NUMBER_BYTES = np.zeros(256, dtype=bool)
_NUMBER_BYTES[list(b"0123456789.-")] = True


def _number_bytes_only(col) -> bool:  # type: ignore[no-untyped-def]
    """Whether every cell of a string column holds only digits, '.' and '-' (one look-up
    per byte of the column's data, no string made)."""
    for chunk in col.chunks:
        o = _offsets(chunk)
        if o.size < 2 or o[-1] == o[0]:
            continue
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[int(o[0]):int(o[-1])]
        if not _NUMBER_BYTES[data].all():
            return False
    return True


def _longest(col) -> int:  # type: ignore[no-untyped-def]
    """The byte length of the longest cell of a string column."""
    return max((int(np.diff(o).max()) for o in map(_offsets, col.chunks) if o.size > 1),
               default=0)


def primitive(values: Any, fill: float | None = None) -> np.ndarray:
    """A pyarrow column or array of numbers as a numpy array (a copy).

    pyarrow's own ``to_numpy``, ``numpy.asarray`` of an Arrow array and ``pa.scalar`` import
    pandas, which a check of plain tables does without: the values (and where nulls are,
    the validity bitmap) are read from the buffers.

    Parameters
    ----------
    values
        A ``ChunkedArray`` or ``Array`` of a fixed-width numeric type.
    fill
        The value of null cells (there must be none without one).

    Returns
    -------
    numpy.ndarray
    """
    chunks = values.chunks if hasattr(values, "chunks") else [values]
    dtype = np.dtype(values.type.to_pandas_dtype())
    parts = [_chunk_values(c, dtype, fill) for c in chunks if len(c)]
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()


def _chunk_values(chunk: Any, dtype: np.dtype, fill: float | None) -> np.ndarray:
    """One chunk's values, read from its buffers (nulls as ``fill``)."""
    n, start = len(chunk), chunk.offset
    validity, data = chunk.buffers()[:2]
    out = np.frombuffer(data, dtype=dtype)[start:start + n]
    if chunk.null_count:
        if fill is None:
            raise ValueError("null cells and no fill value")
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        out = out.copy()
        out[~bits[start:start + n].astype(bool)] = fill
    return out


def cell_ends(col: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell of a string column without nulls: its byte length, first and last byte
    (0 for an empty cell), read from the buffers.

    Parameters
    ----------
    col
        A ``ChunkedArray`` of (large) strings.

    Returns
    -------
    tuple of numpy.ndarray
        ``(length, first, last)``.
    """
    lengths, firsts, lasts = [], [], []
    for chunk in col.chunks:
        o = _offsets(chunk).astype(np.int64)
        length = np.diff(o)
        data = chunk.buffers()[2]
        bytes_ = (np.frombuffer(data, dtype=np.uint8) if data is not None
                  else np.zeros(0, dtype=np.uint8))
        has = length > 0
        first = np.zeros(length.size, dtype=np.uint8)
        last = np.zeros(length.size, dtype=np.uint8)
        first[has] = bytes_[o[:-1][has]]
        last[has] = bytes_[o[1:][has] - 1]
        lengths.append(length)
        firsts.append(first)
        lasts.append(last)
    if not lengths:
        return (np.zeros(0, np.int64),) + (np.zeros(0, np.uint8),) * 2  # type: ignore[return-value]
    return np.concatenate(lengths), np.concatenate(firsts), np.concatenate(lasts)


def short_text_keys(col: Any) -> np.ndarray | None:
    """One ``uint64`` per cell (its UTF-8 bytes, then its length in the low byte) of a
    string column without nulls whose cells are at most 7 bytes long; else ``None``.

    Equal keys mean equal texts, so repeats (of a demand table's ``D123456`` ids) are
    found on integers, without a Python string per cell.

    Parameters
    ----------
    col
        A ``ChunkedArray`` of (large) strings.

    Returns
    -------
    numpy.ndarray of uint64 or None
    """
    import pyarrow as pa

    if col.null_count:
        return None
    chunk = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    n = len(chunk)
    offsets = _offsets(chunk).astype(np.int64)
    lengths = np.diff(offsets)
    if n and lengths.max() > 7:
        return None
    keys = lengths.astype(np.uint64)
    data_buf = chunk.buffers()[2]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else None
    if data is None or data.size == 0:
        return keys
    start = offsets[:-1]
    for j in range(int(lengths.max()) if n else 0):
        has = lengths > j
        byte = data[np.where(has, start + j, 0)].astype(np.uint64) * has
        keys |= byte << np.uint64(8 * (j + 1))
    return keys

