"""Geocoding tests: fake providers (``env``), a private cache, the demo address list geocoded."""

from __future__ import annotations

import pandas as pd
import pytest
from _helpers.geocode import ADDRESSES, _cache, env  # noqa: F401  (fixtures; _cache is autouse)

from geo.geocode import geocode_table


@pytest.fixture(scope="module")
def demo_table() -> pd.DataFrame:
    return geocode_table(ADDRESSES, provider="demo", city="苏州市", cache=False, rate=0)
