"""Command-line tests: the fake geocoding providers (``env``) for ``geo geocode``."""

from __future__ import annotations

from _helpers.geocode import env  # noqa: F401  (a fixture)
