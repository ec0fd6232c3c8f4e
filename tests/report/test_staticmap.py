"""The static map picture (``geo.report.staticmap``): A4 landscape at 300 dpi, not blank."""

from __future__ import annotations

from _helpers.report import image, not_blank

from geo.report import fonts, staticmap


def test_static_map_is_a4_landscape_at_300_dpi(demo):
    families = fonts.report_families(lang="zh", texts=[])
    png = staticmap.static_map_png(demo, lang="zh", families=families, dpi=300,
                                   illustrative=True)
    img = image(png)
    assert img.size == (3508, 2480)
    assert round(img.info["dpi"][0]) == 300
    assert not_blank(img)
