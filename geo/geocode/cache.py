"""A SQLite cache of geocoding answers, so a re-run asks nothing twice.

Keyed by provider + city + normalised address (NFKC, whitespace removed). It
stores the parsed answer only (WGS-84 coordinates, level, place text): never a
key, never a URL. Only real answers about an address (``ok``,
``needs_review``, ``not_found``) are stored; failures are asked again.

The cache is a convenience, so damage to it never stops a run:

* a file that is not a SQLite database, or a database of another shape (an old
  schema, someone else's file), is renamed ``geocode.sqlite.broken-<UTC time>`` and a
  fresh cache started;
* a row that cannot be read is a cache miss (asked again and stored anew), counted;
* a folder that cannot hold the cache (a file in its place, read-only, a full disk)
  means geocoding without a cache, or without storing;
* a cache locked by another program is waited for :data:`LOCK_WAIT` seconds, then the
  run stops with :class:`CacheLockedError` (two runs sharing one cache at once).

What happened is in :attr:`GeocodeCache.warnings`, in words for the user.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from geo.errors import GeoError
from geo.geocode.providers import ANSWER_STATUSES, Answer, normalize_query
from geo.paths import cache_root

__all__ = ["FILE_NAME", "LOCK_WAIT", "CacheLockedError", "GeocodeCache", "cache_key",
           "default_dir"]

log = logging.getLogger("geo.geocode")

FILE_NAME = "geocode.sqlite"
#: Seconds to wait for a cache another program holds locked.
LOCK_WAIT = 5.0
_COLUMNS = {"provider", "query", "answer", "created"}


class CacheLockedError(GeoError, RuntimeError):
    """The geocode cache stayed locked by another program longer than :data:`LOCK_WAIT`."""


class _ForeignError(Exception):
    """The database is not a geocode cache of this shape."""


def default_dir() -> Path:
    """``$GEO_CACHE_DIR/geocode``, or ``~/.cache/geo/geocode`` when the variable is unset."""
    return cache_root("geocode")


def cache_key(city: str | None, address: str) -> str:
    """The cached form of a query: normalised city and address."""
    return f"{normalize_query(city or '')}|{normalize_query(address)}"


def _cause(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _locked(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


class GeocodeCache:
    """Answers by provider and query, in one SQLite file.

    Parameters
    ----------
    folder
        Where ``geocode.sqlite`` lives; :func:`default_dir` by default. Created
        when missing.
    lock_wait
        Seconds to wait for a cache locked by another program (:data:`LOCK_WAIT` by
        default).

    Attributes
    ----------
    warnings
        What went wrong with the cache, for the user (set aside, unreadable rows, not
        stored); empty when nothing did.

    Raises
    ------
    CacheLockedError
        When another program holds the cache locked longer than ``lock_wait``.
    """

    def __init__(
        self, folder: str | os.PathLike[str] | None = None, *, lock_wait: float | None = None
    ) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()
        self.path = self.folder / FILE_NAME
        self.lock_wait = LOCK_WAIT if lock_wait is None else float(lock_wait)
        self.warnings: list[str] = []
        self.unreadable = 0
        self._con: sqlite3.Connection | None = None
        self._stores = True
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._without(f"the geocode cache folder {self.folder} cannot be created "
                          f"({_cause(exc)})")
            return
        self._con = self._open()

    # --- opening ----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.lock_wait)
        try:
            tables = {r[0]: r[1] for r in con.execute(
                "SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
            if tables and tables.get("answers") != "table":
                raise _ForeignError(f"it holds {', '.join(sorted(tables))}, not answers")
            if tables:
                columns = {r[1] for r in con.execute("PRAGMA table_info(answers)")}
                if not columns >= _COLUMNS:
                    raise _ForeignError(f"its answers table has the columns "
                                   f"{', '.join(sorted(columns))} (an older geo?)")
        except BaseException:
            con.close()
            raise
        return con

    def _open(self) -> sqlite3.Connection | None:
        """Connect, setting a damaged or foreign file aside once; ``None``: no cache."""
        for attempt in (1, 2):
            try:
                con = self._connect()
                break
            except sqlite3.OperationalError as exc:  # cannot open (or locked): not damage
                if _locked(exc):
                    raise self._locked_error() from None
                self._without(f"the geocode cache {self.path} cannot be opened ({_cause(exc)})")
                return None
            except (sqlite3.DatabaseError, _ForeignError) as exc:
                if attempt == 2:
                    self._without(f"the geocode cache {self.path} cannot be started "
                                  f"({_cause(exc)})")
                    return None
                if not self._set_aside(str(exc)):
                    return None
        try:
            con.execute(
                "CREATE TABLE IF NOT EXISTS answers ("
                " provider TEXT NOT NULL, query TEXT NOT NULL, answer TEXT NOT NULL,"
                " created TEXT NOT NULL, PRIMARY KEY (provider, query))"
            )
            con.commit()
        except sqlite3.OperationalError as exc:
            if _locked(exc):
                con.close()
                raise self._locked_error() from None
            self._not_stored(exc)
        return con

    def _locked_error(self) -> CacheLockedError:
        return CacheLockedError(
            f"the geocode cache {self.path} is locked by another program (waited "
            f"{self.lock_wait:g} s): let the other geo run finish, or run with --no-cache "
            "or --cache-dir FOLDER"
        )

    def _set_aside(self, why: str) -> bool:
        """Rename a damaged or foreign cache file so a fresh one can start."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{FILE_NAME}.broken-{stamp}")
        try:
            self.path.rename(aside)
            for suffix in ("-journal", "-wal", "-shm"):
                extra = self.path.with_name(FILE_NAME + suffix)
                if extra.exists():
                    extra.rename(aside.with_name(aside.name + suffix))
        except OSError as exc:
            self._without(f"the geocode cache {self.path} is damaged ({why}) and cannot be "
                          f"set aside ({_cause(exc)})")
            return False
        self._warn(f"the geocode cache {self.path} could not be used ({why}): set aside as "
                   f"{aside.name}, a fresh cache started (answers are asked again)")
        return True

    # --- warnings ---------------------------------------------------------------------------

    def _warn(self, text: str) -> None:
        self.warnings.append(text)
        log.warning("%s", text)

    def _without(self, why: str) -> None:
        self._stores = False
        self._warn(f"{why}: geocoding without a cache, nothing is stored (set GEO_CACHE_DIR "
                   "or --cache-dir to a writable folder)")

    def _not_stored(self, exc: BaseException) -> None:
        if self._stores:
            self._stores = False
            self._warn(f"cannot store answers in the geocode cache {self.path} "
                       f"({_cause(exc)}): answers already there are used, new ones are not "
                       "kept")

    def _unreadable_note(self) -> None:
        text = (f"{self.unreadable} cached answers could not be read and were asked again "
                f"({self.path})")
        for i, w in enumerate(self.warnings):
            if w.endswith(f"could not be read and were asked again ({self.path})"):
                self.warnings[i] = text
                return
        self.warnings.append(text)

    # --- use --------------------------------------------------------------------------------

    def get(self, provider: str, city: str | None, address: str) -> Answer | None:
        """The stored answer, or ``None`` (also for a row that cannot be read)."""
        if self._con is None:
            return None
        try:
            row = self._con.execute(
                "SELECT answer FROM answers WHERE provider = ? AND query = ?",
                (provider, cache_key(city, address)),
            ).fetchone()
        except sqlite3.Error as exc:
            self._warn(f"the geocode cache {self.path} cannot be read ({_cause(exc)}): "
                       "geocoding without it")
            self.close()
            return None
        if not row:
            return None
        answer = _answer(row[0])
        if answer is None:
            self.unreadable += 1
            self._unreadable_note()
        return answer

    def put(self, provider: str, city: str | None, address: str, answer: Answer) -> None:
        """Store an answer (failures are not stored; nothing when the cache cannot be written)."""
        if answer.status not in ANSWER_STATUSES or self._con is None or not self._stores:
            return
        try:
            self._con.execute(
                "INSERT OR REPLACE INTO answers (provider, query, answer, created) "
                "VALUES (?,?,?,?)",
                (provider, cache_key(city, address), answer.to_json(),
                 datetime.now(UTC).isoformat(timespec="seconds")),
            )
            self._con.commit()
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self._con.rollback()
            self._not_stored(exc)

    def __len__(self) -> int:
        if self._con is None:
            return 0
        return int(self._con.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _number(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool)
                             and math.isfinite(value))


def _answer(text: object) -> Answer | None:
    """A stored answer, or ``None`` when the row is not one this cache wrote."""
    try:
        data = json.loads(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("status") not in ANSWER_STATUSES:
        return None
    if not (_number(data.get("lon")) and _number(data.get("lat"))):
        return None
    if (data.get("lon") is None) != (data.get("lat") is None):
        return None
    if not all(isinstance(data.get(k, ""), str) for k in ("level", "place", "message")):
        return None
    if not isinstance(data.get("extra", {}), dict):
        return None
    return Answer(**{k: data[k] for k in ("status", "lon", "lat", "level", "place", "message",
                                   "extra") if k in data})
