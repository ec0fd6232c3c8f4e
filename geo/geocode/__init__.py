"""Geocoding: addresses → WGS-84 coordinates, with explicit statuses for review.

``geocode_table`` adds ``lon``/``lat`` and ``geocode_status`` (``given``, ``ok``,
``needs_review``, ``not_found``, ``bad_key``, ``quota``, ``too_frequent``,
``timeout``, ``server_error``, ``unreachable``, ``failed``) and ``geocode_message`` (why a
row is not ``ok``) to a station table; answers are cached in SQLite
(``$GEO_CACHE_DIR/geocode``) so a re-run asks nothing twice. Coordinates a provider could
not mean (outside China, (0, 0), swapped) are refused before they are trusted or cached, and
answers outside the run's city (by a bundled gazetteer, :func:`find_city`) need review.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.lazy import lazy_names

if TYPE_CHECKING:
    from geo.geocode.cache import GeocodeCache
    from geo.geocode.gazetteer import find_city
    from geo.geocode.providers import (
        PROVIDERS,
        STATUSES,
        Answer,
        GeocodeError,
        KeyMissingError,
        get_provider,
        redact,
    )
    from geo.geocode.run import failure_causes, geocode_table, summarize

__all__ = [
    "PROVIDERS",
    "STATUSES",
    "Answer",
    "GeocodeCache",
    "GeocodeError",
    "KeyMissingError",
    "failure_causes",
    "find_city",
    "geocode_table",
    "get_provider",
    "redact",
    "summarize",
]

# Loaded on first use (PEP 562): every command's error handler uses ``redact`` only, and
# need not open SQLite nor load the table runner.
_LAZY: dict[str, str] = {
    "PROVIDERS": "geo.geocode.providers",
    "STATUSES": "geo.geocode.providers",
    "Answer": "geo.geocode.providers",
    "GeocodeCache": "geo.geocode.cache",
    "GeocodeError": "geo.geocode.providers",
    "KeyMissingError": "geo.geocode.providers",
    "failure_causes": "geo.geocode.run",
    "find_city": "geo.geocode.gazetteer",
    "geocode_table": "geo.geocode.run",
    "get_provider": "geo.geocode.providers",
    "redact": "geo.geocode.providers",
    "summarize": "geo.geocode.run",
}


__getattr__ = lazy_names(__name__, _LAZY, globals())
