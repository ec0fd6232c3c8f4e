"""A SQLite cache of geocoding answers, so a re-run asks nothing twice.

Keyed by provider + city + normalised address (NFKC, whitespace removed). It
stores the parsed answer only (WGS-84 coordinates, level, place text): never a
key, never a URL. Only real answers about an address (``ok``,
``needs_review``, ``not_found``) are stored; failures are asked again.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from geo.geocode.providers import ANSWER_STATUSES, Answer, normalize_query
from geo.paths import cache_root

__all__ = ["FILE_NAME", "GeocodeCache", "cache_key", "default_dir"]

FILE_NAME = "geocode.sqlite"


def default_dir() -> Path:
    """``$GEO_CACHE_DIR/geocode``, or ``~/.cache/geo/geocode`` when the variable is unset."""
    return cache_root("geocode")


def cache_key(city: str | None, address: str) -> str:
    """The cached form of a query: normalised city and address."""
    return f"{normalize_query(city or '')}|{normalize_query(address)}"


class GeocodeCache:
    """Answers by provider and query, in one SQLite file.

    Parameters
    ----------
    folder
        Where ``geocode.sqlite`` lives; :func:`default_dir` by default. Created
        when missing.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / FILE_NAME
        self._con = sqlite3.connect(self.path)
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS answers ("
            " provider TEXT NOT NULL, query TEXT NOT NULL, answer TEXT NOT NULL,"
            " created TEXT NOT NULL, PRIMARY KEY (provider, query))"
        )
        self._con.commit()

    def get(self, provider: str, city: str | None, address: str) -> Answer | None:
        """The stored answer, or ``None``."""
        row = self._con.execute(
            "SELECT answer FROM answers WHERE provider = ? AND query = ?",
            (provider, cache_key(city, address)),
        ).fetchone()
        return Answer.from_json(row[0]) if row else None

    def put(self, provider: str, city: str | None, address: str, answer: Answer) -> None:
        """Store an answer (failures are not stored)."""
        if answer.status not in ANSWER_STATUSES:
            return
        self._con.execute(
            "INSERT OR REPLACE INTO answers (provider, query, answer, created) VALUES (?,?,?,?)",
            (provider, cache_key(city, address), answer.to_json(),
             datetime.now(UTC).isoformat(timespec="seconds")),
        )
        self._con.commit()

    def __len__(self) -> int:
        return int(self._con.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self._con.close()

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
