"""The CJK font (``geo.report.fonts``): it draws Chinese; without one, a clear error."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from _helpers.report import image, not_blank

import geo
from geo.report import fonts, report_files
from geo.report.fonts import FontMissingError


def _render(text: str, family: list[str]) -> np.ndarray:
    from geo.report._figure import new_figure, png_bytes

    fig = new_figure(20, 10, 100)
    fig.text(0.1, 0.2, text, fontsize=24, family=family)
    return np.asarray(image(png_bytes(fig)).convert("L"))


def test_the_chosen_font_draws_chinese():
    font = fonts.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    from matplotlib import ft2font

    face = ft2font.FT2Font(font.path, face_index=font.index)
    assert all(face.get_char_index(ord(ch)) for ch in "覆盖率网格缺口站点示意数据")
    glyphs = [_render(ch, [font.name]) for ch in "覆盖率"]
    assert all((g < 128).sum() > 30 for g in glyphs)
    assert len({g.tobytes() for g in glyphs}) == 3  # three different glyphs, not three boxes
    # the check can fail: a Latin-only font draws the same box for each
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tofu = [_render(ch, ["DejaVu Sans"]) for ch in "覆盖率"]
    assert len({g.tobytes() for g in tofu}) == 1


def test_without_a_cjk_font_chinese_fails_clearly_and_english_works(
    monkeypatch, stations, demand
):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    result = geo.analyze(stations, demand=demand)
    with pytest.raises(FontMissingError, match="fonts-noto-cjk"):
        report_files(result, map_png="static", dpi=50)
    assert issubclass(FontMissingError, geo.GeoError)
    files, manifest = report_files(result, map_png="static", dpi=50, lang="en",
                                   title="Test street")
    assert manifest["lang"] == "en" and not_blank(image(files["map.png"]))
    assert "Coverage" in files["summary.md"].decode("utf-8")
    wb = openpyxl.load_workbook(io.BytesIO(files["report.xlsx"]))
    assert wb.sheetnames == ["Summary", "Grids", "Gaps", "Stations", "Rejected rows",
                             "Coverage curve"]
    # a Chinese name needs the font in English too
    stations = stations.assign(name="爱心补给点")
    grids = gpd.GeoDataFrame({"grid": ["西网格"]}, geometry=[shapely.box(120.59, 31.27, 120.62,
                                                                        31.305)], crs=4326)
    with pytest.raises(FontMissingError):
        report_files(geo.analyze(stations, demand=demand, grids=grids), lang="en",
                     map_png="static", dpi=50)


def test_geo_cjk_font_overrides(monkeypatch):
    monkeypatch.setenv("GEO_CJK_FONT", "/nowhere/font.ttc")
    with pytest.raises(FontMissingError, match="GEO_CJK_FONT"):
        fonts.find_cjk_font()
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if noto.exists():
        monkeypatch.setenv("GEO_CJK_FONT", str(noto))
        font = fonts.find_cjk_font()
        assert font is not None and Path(font.path).name == noto.name and "SC" in font.name
