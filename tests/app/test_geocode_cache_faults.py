"""The app's geocoding page with a cache folder that cannot be made (issue 19): the demo
list still geocodes, and the page says the cache was not used."""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import ROOT
from streamlit.testing.v1 import AppTest

APP = ROOT / "app.py"


def test_a_cache_folder_that_is_a_file_is_a_warning_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder belongs")
    monkeypatch.setenv("GEO_APP_MAP", "off")
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.radio(key="page").set_value("geocode").run()
    at.button(key="gc_run").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert any("without a cache" in w.value for w in at.warning)
