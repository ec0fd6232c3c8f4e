"""A CJK font for the report's pictures (matplotlib), found among the installed fonts.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: labels would
come out as empty boxes ("tofu"). The report therefore picks an installed CJK
font, in this order:

1. ``GEO_CJK_FONT``: a font file (``.ttf``, ``.otf``, ``.ttc``) given by path;
2. Noto Sans CJK SC / JP (Debian and Ubuntu: ``apt-get install fonts-noto-cjk``),
   then Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang.

Every candidate is checked to hold the glyphs the report uses. Nothing here
changes matplotlib's global settings: the figures pass the font to each text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager, ft2font

from geo.errors import GeoError

__all__ = [
    "CJK_FAMILIES",
    "INSTALL_HINT",
    "LATIN_FALLBACK",
    "SAMPLE",
    "CJKFont",
    "FontMissingError",
    "find_cjk_font",
    "needs_cjk",
    "report_families",
]

#: Font families tried in order (names as matplotlib's font manager knows them).
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
)
#: Characters a report font must have.
SAMPLE = "覆盖率网格缺口站点分钟需求示意数据图例北"
#: How to get a font, for error messages and the README.
INSTALL_HINT = (
    "install a CJK font (Debian/Ubuntu: `apt-get install fonts-noto-cjk`; "
    "Fedora: `dnf install google-noto-sans-cjk-fonts`; macOS and Windows ship one) "
    "or set GEO_CJK_FONT to the path of a .ttf/.otf/.ttc font with Chinese glyphs"
)
LATIN_FALLBACK = "DejaVu Sans"


class FontMissingError(GeoError, RuntimeError):
    """No installed font can draw the report's Chinese labels."""


@dataclass(frozen=True)
class CJKFont:
    """A font that draws Chinese, as matplotlib's font manager knows it.

    Attributes
    ----------
    name
        The family name (e.g. ``Noto Sans CJK SC``).
    path
        The font file.
    index
        The face in a font collection (``.ttc``).
    """

    name: str
    path: str
    index: int = 0


def _has_glyphs(path: str, index: int, text: str = SAMPLE) -> bool:
    try:
        face = ft2font.FT2Font(path, face_index=index)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(ch)) for ch in text)


def _entries() -> dict[str, list[font_manager.FontEntry]]:
    out: dict[str, list[font_manager.FontEntry]] = {}
    for entry in font_manager.fontManager.ttflist:
        out.setdefault(entry.name, []).append(entry)
    return out


def _from_path(path: str) -> CJKFont:
    p = Path(path).expanduser()
    if not p.is_file():
        raise FontMissingError(f"GEO_CJK_FONT={path}: no such font file; {INSTALL_HINT}")
    font_manager.fontManager.addfont(str(p))  # registers every face of a collection
    real = os.path.realpath(p)
    faces = [e for e in font_manager.fontManager.ttflist if os.path.realpath(e.fname) == real]
    faces.sort(key=lambda e: (" SC" not in e.name and "CN" not in e.name, e.weight != 400,
                              e.index, e.name))
    for entry in faces:
        if _has_glyphs(entry.fname, entry.index):
            return CJKFont(entry.name, entry.fname, entry.index)
    raise FontMissingError(f"GEO_CJK_FONT={path} has no Chinese glyphs; {INSTALL_HINT}")


@lru_cache(maxsize=8)
def _find(env: str) -> CJKFont | None:
    if env:
        return _from_path(env)
    entries = _entries()
    for family in CJK_FAMILIES:
        faces = sorted(entries.get(family, []),
                       key=lambda e: (e.weight != 400, e.style != "normal"))
        for entry in faces:
            if _has_glyphs(entry.fname, entry.index):
                return CJKFont(entry.name, entry.fname, entry.index)
    return None


def find_cjk_font() -> CJKFont | None:
    """Return the CJK font the report uses, or ``None`` when none is installed.

    Returns
    -------
    CJKFont or None
        From ``GEO_CJK_FONT`` when set, else the first installed family of
        :data:`CJK_FAMILIES` that has the report's glyphs.

    Raises
    ------
    FontMissingError
        If ``GEO_CJK_FONT`` names a file that does not exist or has no Chinese glyphs.
    """
    return _find(os.environ.get("GEO_CJK_FONT", "").strip())


def needs_cjk(texts: list[str]) -> bool:
    """Whether any of the texts has a character beyond ASCII (a CJK font draws it safely).

    Parameters
    ----------
    texts
        Labels, names and titles the pictures will show.

    Returns
    -------
    bool
    """
    return any(not str(t).isascii() for t in texts)


def report_families(*, lang: str, texts: list[str]) -> list[str]:
    """The font families for the report's pictures.

    Parameters
    ----------
    lang
        ``zh`` (always needs a CJK font) or ``en``.
    texts
        User text the pictures show (names of 网格 and stations, the title):
        any non-ASCII character needs a CJK font in English too.

    Returns
    -------
    list of str
        The CJK family first (when found) and DejaVu Sans for anything it lacks.

    Raises
    ------
    FontMissingError
        When the labels need a CJK font and none is installed.
    """
    font = find_cjk_font()
    if font is not None:
        return [font.name, LATIN_FALLBACK]
    if lang != "en" or needs_cjk(texts):
        raise FontMissingError(
            "the report's pictures have Chinese labels but no CJK font is installed: "
            + INSTALL_HINT
        )
    return [LATIN_FALLBACK]
