"""The map picture (``geo.report.browsermap``): headless Chromium, or the static fallback."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _helpers.report import DPI, PACK_FILES, image, not_blank

from geo.report import browsermap, report_files, report_zip
from geo.report._figure import pixels


def test_auto_falls_back_to_the_static_map_without_a_browser(demo, monkeypatch):
    monkeypatch.setattr(browsermap, "find_chromium", lambda: None)
    monkeypatch.delenv("GEO_CHROMIUM", raising=False)
    assert "Chromium" in browsermap.unavailable_reason()
    # what the app's download button gets: the pack as zip bytes
    with zipfile.ZipFile(io.BytesIO(report_zip(demo, map_png="auto", dpi=50))) as z:
        files = {name: z.read(name) for name in z.namelist()}
    assert set(files) == PACK_FILES
    manifest = json.loads(files["manifest.json"])
    assert manifest["map_png"] == "static"
    assert any("Chromium" in note for note in manifest["notes"])
    assert image(files["map.png"]).size == (pixels(297, 50), pixels(210, 50))
    assert "（static）" in files["summary.md"].decode("utf-8")
    with pytest.raises(browsermap.BrowserMapError, match="Chromium"):
        report_files(demo, map_png="browser", dpi=50)


def test_map_picture_in_headless_chromium(demo, tmp_path):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium fonts-noto-cjk)")
    reason = browsermap.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    result = demo.report(tmp_path / "b", map_png="browser", dpi=DPI)
    assert result.map_png == "browser"
    img = image(tmp_path / "b" / "map.png")
    assert img.size == (pixels(297, DPI), pixels(210, DPI))
    assert not_blank(img)
    # stations and bands were drawn: the kind colours and the band greens are there
    rgb = np.asarray(img.convert("RGB")).reshape(-1, 3).astype(int)
    for colour in ("#d1495b", "#00798c"):
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(rgb - target).sum(axis=1) < 30).sum() > 50, colour
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["map_png"] == "browser"
