"""Street-network tests: no test writes to the user's cache."""

from __future__ import annotations

import pytest

from geo import network as gn


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """No test writes to the user's cache."""
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    gn.clear_memory_cache()
    yield
    gn.clear_memory_cache()
