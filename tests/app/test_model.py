"""Model-based test of the planner app: seeded random sequences of planner actions under
``AppTest``, with the invariants of :mod:`_helpers.app_model` checked after every step
(KPIs and downloads equal ``geo check --json`` on the inputs the screen names, what-ifs
stay with their dataset, choices survive language switches, no English in the Chinese
page).

``bench/app_model.py`` runs the same model for many more steps.
"""

from __future__ import annotations

import random

import pytest
from _helpers.app import MediaFiles
from _helpers.app_model import APP, AppModel
from streamlit.testing.v1 import AppTest

STEPS = 60


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_sequences_keep_the_screen_true(seed: int, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GEO_APP_MAP", "off")
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("AMAP_KEY", "BAIDU_AK", "TIANDITU_TK"):
        monkeypatch.delenv(var, raising=False)
    media = MediaFiles().install(monkeypatch.setattr)  # the download buttons' data
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    model = AppModel(at, tmp_path, random.Random(seed), media=media)
    model.check()
    for _ in range(STEPS):
        model.step()
    assert len(set(model.steps)) >= 6, model.steps  # the sequence really mixed actions
    assert "download" in model.steps, model.steps
