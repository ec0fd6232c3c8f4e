"""Single cells of a table: blanks, text, coordinates in degrees, ``lng,lat`` pairs, weights.

Clean numeric columns take a fast path (pandas' C parser, numpy masks); only
cells that are not plain numbers (``１２０．６``, ``120.6°``, ``120°36′E``)
go through the slower text cleaning, once per distinct value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

__all__ = [
    "blank",
    "blank_mask",
    "cell_text",
    "cell_texts",
    "parse_degrees",
    "parse_numbers",
    "parse_weight",
    "row_list",
    "split_lnglat",
    "text_column",
]


def blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0``, blanks as ``""``."""
    if blank(value) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text_column(values: pd.Series) -> pd.Series:
    """A column as stripped text, blanks as ``""`` (string dtype stays string, else object).

    String columns (what pandas 3 reads CSV text into) use vectorised string
    methods; other columns are converted once per distinct value.
    """
    if isinstance(values.dtype, pd.StringDtype):
        return values.str.strip().fillna("")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([*(cell_text(u) for u in uniques), ""], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def blank_mask(values: pd.Series) -> np.ndarray:
    if is_numeric_dtype(values):
        return values.isna().to_numpy()
    na = values.isna().to_numpy()
    if values.dtype == object:
        s = values.where(~na, "")
        return na | (s.astype(str).str.strip() == "").to_numpy()
    return na | (values.fillna("").str.strip() == "").to_numpy()


# --- numbers in degrees ----------------------------------------------------------------------

_HEMI_PREFIX = re.compile(r"^(东经|西经|北纬|南纬|[NSEW])\s*")
_HEMI_SUFFIX = re.compile(r"\s*([NSEW]|东经|西经|北纬|南纬)$")
_DMS = re.compile(
    r"^([+-]?\d+(?:\.\d+)?)\s*°\s*(?:(\d+(?:\.\d+)?)\s*′\s*)?(?:(\d+(?:\.\d+)?)\s*″\s*)?$"
)
_DMS_CHARS = str.maketrans(
    {"度": "°", "º": "°", "˚": "°", "分": "′", "'": "′", "’": "′", "秒": "″", '"': "″",
     "”": "″"}
)


def _parse_messy_degrees(text: str) -> float:
    """One cell that is not a plain number: full-width, ``°``, DMS, hemisphere letters."""
    t = unicodedata.normalize("NFKC", text).strip().upper().translate(_DMS_CHARS)
    t = t.replace("′′", "″").replace(" ", "")
    sign = 1.0
    for pattern in (_HEMI_PREFIX, _HEMI_SUFFIX):
        m = pattern.search(t)
        if m:
            if m.group(1) in {"S", "W", "西经", "南纬"}:
                sign = -sign
            t = pattern.sub("", t)
    try:
        return sign * float(t)
    except ValueError:
        pass
    m = _DMS.match(t)
    if not m:
        return np.nan
    deg = float(m.group(1))
    minutes = float(m.group(2) or 0.0)
    seconds = float(m.group(3) or 0.0)
    if minutes >= 60 or seconds >= 60:
        return np.nan
    value = abs(deg) + minutes / 60.0 + seconds / 3600.0
    return sign * (-value if deg < 0 or m.group(1).startswith("-") else value)


def parse_degrees(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse a coordinate column into float degrees.

    Plain numbers take pandas' vectorised parser; only other cells are cleaned
    one distinct value at a time: full-width digits and points (``１２０．６``),
    degree signs (``120.6°``), degrees-minutes-seconds (``120°36′44″``,
    ``120度36分44秒``) and hemisphere letters (``120.6E``, ``北纬31.3``).

    Parameters
    ----------
    values
        One column as read.

    Returns
    -------
    degrees : numpy.ndarray of float
        NaN where blank or not understood.
    bad : numpy.ndarray of bool
        Cells that hold text but not a coordinate.
    """
    def messy(sub: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(sub)
        return np.array([_parse_messy_degrees(u) for u in uniques], dtype="float64")[codes]

    return parse_numbers(values, messy)


def parse_numbers(
    values: pd.Series, messy: Callable[[pd.Series], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats: numeric columns as they are, plain numbers by pandas' parser,
    and only the other non-blank cells (as text) through ``messy``.

    Returns the values (NaN where blank or not understood) and the cells that hold
    text but no number.
    """
    if is_numeric_dtype(values) and values.dtype != bool:
        v = values.to_numpy(dtype="float64", na_value=np.nan)
        return v, np.zeros(v.size, dtype=bool)
    blank = blank_mask(values)
    v = pd.to_numeric(values.where(~blank, None), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan, copy=True  # written below
    )
    need = np.isnan(v) & ~blank
    if need.any():
        v[need] = messy(values[need].astype(str))
    return v, np.isnan(v) & ~blank


_PAIR_SPLIT = re.compile(r"\s*[,;/|\s]\s*")


def split_lnglat(values: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Split one ``"lng,lat"`` column (``120.6,31.3``, ``120.6，31.3``, ``120.6 31.3``).

    Parameters
    ----------
    values
        The combined column.

    Returns
    -------
    lon, lat : pandas.Series of str
        The two parts (blank where the cell is blank or malformed).
    bad : numpy.ndarray of bool
        Cells that hold text but not exactly two parts.
    """
    blank = blank_mask(values)
    text = values.astype(object).where(~blank, "").astype(str)
    nonascii = text.str.contains(r"[^\x00-\x7f]", regex=True).to_numpy(dtype=bool)
    if nonascii.any():
        text = text.copy()
        text[nonascii] = text[nonascii].str.normalize("NFKC")
    text = text.str.strip().str.strip("()[]")
    parts = text.str.split(_PAIR_SPLIT, n=-1, regex=True)
    count = parts.str.len().to_numpy()
    ok = (count == 2) & ~blank
    lon = parts.str[0].where(ok, "")
    lat = parts.str[1].where(ok, "")
    return lon, lat, ~blank & ~ok



def parse_weight(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    def messy(sub: pd.Series) -> np.ndarray:  # full-width digits, "1,234", "12人"
        cleaned = sub.str.normalize("NFKC").str.strip().str.replace(
            r"(?<=\d),(?=\d{3})", "", regex=True
        )
        cleaned = cleaned.str.replace(r"\s*(人|个|名)$", "", regex=True)
        return pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype="float64")

    return parse_numbers(values, messy)


def cell_texts(values: pd.Series | np.ndarray, idx: np.ndarray) -> list[str]:
    """The cells at positions ``idx`` as text, for messages."""
    sub = values.iloc[idx] if isinstance(values, pd.Series) else np.asarray(values)[idx]
    return [cell_text(v) for v in np.asarray(sub, dtype=object)]


def row_list(rows: np.ndarray, limit: int = 10) -> str:
    head = ", ".join(str(int(r)) for r in rows[:limit])
    return head + (f" and {rows.size - limit} more" if rows.size > limit else "")
