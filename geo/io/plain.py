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

__all__ = ["plain_columns"]
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
    # only digits, '.' and '-' (what is left after trimming them off is empty), and short
    # enough; the cast then refuses "1-2", "1.2.3", "-" and the like
    rest = pc.ascii_trim(col, "0123456789.-")
    if _text_bytes(rest) or _longest(col) > _PLAIN_NUMBER_CHARS:
        return None
    if col.null_count == 0:
        try:  # pandas reads a column of integers as int64
            return pc.cast(col, pa.int64()).to_numpy()
        except pa.ArrowInvalid:
            pass
    if _longest(col) == _PLAIN_NUMBER_CHARS and not pc.all(
        pc.match_substring_regex(col, _PLAIN_NUMBER)
    ).as_py():
        return None  # 16 digits without a point or a sign: not exact in a float
    try:
        return pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        return None


def _offsets(chunk) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The value offsets of one (large_)string chunk."""
    width = 8 if chunk.type == "large_string" else 4
    buf = chunk.buffers()[1]
    dtype = np.int64 if width == 8 else np.int32
    return np.frombuffer(buf, dtype=dtype)[chunk.offset : chunk.offset + len(chunk) + 1]


def _text_bytes(col) -> int:  # type: ignore[no-untyped-def]
    """How many bytes of text a string column holds."""
    return sum(int(o[-1] - o[0]) for o in map(_offsets, col.chunks) if o.size)


def _longest(col) -> int:  # type: ignore[no-untyped-def]
    """The byte length of the longest cell of a string column."""
    return max((int(np.diff(o).max()) for o in map(_offsets, col.chunks) if o.size > 1),
               default=0)
