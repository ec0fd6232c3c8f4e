"""The geocoding cache (``geo.geocode.cache``): normalised queries, skipped on request.

Fully offline: a local HTTP server answers as the providers document
(``tests/_helpers/geocode.py``), or the demo provider's recorded answers.
"""

from __future__ import annotations

from _helpers.geocode import FAST, table

from geo.geocode import GeocodeCache, geocode_table


def test_cache_normalises_queries_and_can_be_skipped(env, tmp_path):
    fake = env()
    geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=tmp_path / "c", **FAST)
    # full-width digits and spaces are the same query
    out = geocode_table(table(" 人民路 １号"), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    assert out.loc[0, "geocode_status"] == "ok" and fake.count() == 1
    geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=False, **FAST)
    assert fake.count() == 2
    with GeocodeCache(tmp_path / "c") as c:
        assert len(c) == 1
    # the default cache lives in GEO_CACHE_DIR
    geocode_table(table("人民路1号"), provider="amap", city="苏州市", **FAST)
    assert (tmp_path / "cache" / "geocode" / "geocode.sqlite").exists()
