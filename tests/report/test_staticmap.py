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


def _street_pixels(png: bytes, colour: str) -> int:
    import numpy as np
    from matplotlib.colors import to_rgb

    rgb = np.asarray(image(png).convert("RGB"), dtype="int16")
    target = (np.array(to_rgb(colour)) * 255).astype("int16")
    return int((np.abs(rgb - target).sum(axis=2) < 40).sum())


def test_the_static_map_draws_the_streets_of_the_network(walk_net):
    """The same straight-line analysis of the Helsinki demo, with and without its streets."""
    from _helpers import ROOT

    import geo
    from geo.style import STREET_STYLE

    hel = ROOT / "data" / "helsinki"
    args = {"demand": str(hel / "demand.csv"), "area": str(hel / "area.geojson")}
    plain = geo.analyze(str(hel / "stations.csv"), **args)
    streets = geo.analyze(str(hel / "stations.csv"), network=walk_net, **args)
    families = fonts.report_families(lang="en", texts=[])
    without = staticmap.static_map_png(plain, lang="en", families=families, dpi=150)
    with_streets = staticmap.static_map_png(streets, lang="en", families=families, dpi=150)
    import numpy as np

    a = np.asarray(image(without).convert("RGB"), dtype="int16")
    b = np.asarray(image(with_streets).convert("RGB"), dtype="int16")
    assert a.shape == b.shape  # the same extent and layout: only the basemap differs
    changed = np.abs(a - b).sum(axis=2) > 30
    assert changed.sum() > 0.02 * changed.size  # thousands of street pixels
    water = STREET_STYLE["water"]["fillColor"]
    assert _street_pixels(with_streets, water) > 2 * _street_pixels(without, water) + 200
