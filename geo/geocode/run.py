"""Geocode the rows of a table that have an address but no coordinates."""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import shapely

from geo import schema
from geo.errors import InputError, SettingsError
from geo.geocode.cache import GeocodeCache
from geo.geocode.extent import CityExtent
from geo.geocode.providers import (
    BROKEN,
    RETRY_STATUSES,
    STOP_STATUSES,
    Answer,
    Provider,
    get_provider,
    normalize_query,
    redact,
    request,
)

__all__ = ["CITY_CHECKED", "FAR_KM", "GEOCODE_COLUMNS", "SILENT", "UNREACHABLE_STOP",
           "failure_causes", "geocode_table", "summarize", "written_coordinates"]

log = logging.getLogger("geo.geocode")

#: Columns :func:`geocode_table` adds (``lon``/``lat`` too, unless the table has them).
GEOCODE_COLUMNS = ("geocode_status", "geocode_level", "geocode_provider", "geocode_query",
                   "geocode_message")
#: An ``ok`` answer farther than this (km) from the median of the run's other ``ok``
#: answers needs review (a namesake in another city, a wrong province).
FAR_KM = 100.0
#: Key of ``Answer.extra`` on a cached answer the run found outside its city: the provider
#: called it ``ok``, the cache keeps it ``needs_review`` with the reason.
CITY_CHECKED = "city_checked"
#: Rows in a row that could not reach the provider, got no complete answer within the
#: timeout (a service that is down, or drips its answer), or got answers that were not the
#: provider's (not HTTP, not JSON, another shape), before the run stops.
UNREACHABLE_STOP = 3
#: Statuses of a row the service gave no answer to. After such a row the next rows get one
#: try each (not ``retries`` more with backoff) until one is answered: a service that let a
#: whole row's tries time out is down or dripping, not momentarily busy, and every further
#: try would cost ``timeout`` seconds more.
SILENT = frozenset({"timeout", "unreachable"})
# Statuses that count towards the streak that stops a run: no answer, or a server error
# (HTTP 5xx after its retries) on every row.
_FAILING = SILENT | {"server_error"}


def _table(path_or_df: Any) -> pd.DataFrame:
    if isinstance(path_or_df, pd.DataFrame):
        df = pd.DataFrame(path_or_df).reset_index(drop=True).copy()
        df.attrs = dict(path_or_df.attrs)
        return df
    from geo.io import read_raw

    raw = read_raw(path_or_df)
    df = raw.data.reset_index(drop=True).copy()
    df.attrs["source"] = raw.file
    df.attrs["rows"] = [int(r) for r in raw.rows]  # as a spreadsheet numbers them
    return df


def _area(area: Any) -> shapely.Geometry | None:
    if area is None or isinstance(area, shapely.Geometry):
        return area
    from geo.io import read_area

    gdf = read_area(area)
    return shapely.union_all(gdf.geometry.to_numpy())


def _address_header(df: pd.DataFrame, address_column: str | None, file: str) -> str:
    if address_column is not None:
        if address_column in df.columns:
            return address_column
        wanted = schema.normalize_header(address_column)
        for col in df.columns:
            if schema.normalize_header(col) == wanted:
                return str(col)
        raise InputError(
            f"no column '{address_column}'; the columns are: {', '.join(map(str, df.columns))}",
            file=file,
        )
    cols = schema.match_columns(list(df.columns), file=file, use=["address"])
    if "address" not in cols:
        raise InputError(
            "no address column (地址 / 详细地址 / address): name it with --address-column",
            file=file,
        )
    return cols["address"]


def written_coordinates(df: pd.DataFrame, cols: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's coordinates as written (its own system), NaN where it has none.

    From the lon/lat columns, or from one combined 经纬度 cell where those are not both
    given; ``cols`` maps ``lon``, ``lat``, ``lnglat`` to the table's headers.
    """
    from geo.io import parse_degrees, split_lnglat

    lon = np.full(len(df), np.nan)
    lat = np.full(len(df), np.nan)
    if "lon" in cols and "lat" in cols:
        lon, _ = parse_degrees(df[cols["lon"]])
        lat, _ = parse_degrees(df[cols["lat"]])
    if "lnglat" in cols:
        lon_t, lat_t, _ = split_lnglat(df[cols["lnglat"]])
        p_lon, _ = parse_degrees(lon_t)
        p_lat, _ = parse_degrees(lat_t)
        pair = ~(np.isfinite(lon) & np.isfinite(lat))
        lon = np.where(pair, p_lon, lon)
        lat = np.where(pair, p_lat, lat)
    return lon, lat


def _given(df: pd.DataFrame, cols: dict[str, str]) -> np.ndarray:
    """Rows that already hold coordinates: in lon/lat columns or one combined 经纬度 cell."""
    lon, lat = written_coordinates(df, cols)
    return np.isfinite(lon) & np.isfinite(lat)


def _cell_text(value: object) -> str:
    """A cell as stripped text; missing values (None, NaN, pd.NA) are blank."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in {"nan", "none", "<na>"} else text


def _city_matches(place: str, city: str | None) -> bool:
    """Whether the provider's place text names the city (true when it gives no text)."""
    if not city or not place:
        return True
    c = normalize_query(city)
    p = normalize_query(place)
    return c in p or (c.endswith(("市", "县", "区")) and c[:-1] in p)


class _Throttle:
    def __init__(self, rate: float | None) -> None:
        self.gap = 1.0 / rate if rate and rate > 0 else 0.0
        self.last = -np.inf

    def wait(self) -> None:
        if self.gap:
            pause = self.last + self.gap - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.last = time.monotonic()


def geocode_table(
    path_or_df: Any,
    provider: str | Provider = "amap",
    city: str | None = None,
    address_column: str | None = None,
    cache: bool | str | os.PathLike[str] | GeocodeCache = True,
    rate: float | None = None,
    *,
    area: Any = None,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 1.0,
    key: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Add WGS-84 coordinates to the rows of a table that have an address and none.

    Parameters
    ----------
    path_or_df
        A table file (CSV, XLSX, ...; read with :func:`geo.io.read_raw`) or a DataFrame.
    provider
        ``amap`` (key ``AMAP_KEY``), ``baidu`` (``BAIDU_AK``), ``tianditu``
        (``TIANDITU_TK``) or ``nominatim``. Keys come from the environment only.
    city
        The city searched in (e.g. ``苏州市``, ``江苏省苏州市``, ``Suzhou, Jiangsu``), always
        sent. An answer outside it is ``needs_review``: outside its extent by its
        coordinates (:mod:`geo.geocode.extent`; a city the gazetteer does not know, or a
        name of several places, is reported in ``attrs["geocode_warnings"]`` and not
        checked so), or with place text that does not name it. Such an answer is cached
        as ``needs_review``, never as ``ok``.
    address_column
        The address header; found by name (地址, 详细地址, address, ...) by default.
    cache
        ``True`` for the cache in ``$GEO_CACHE_DIR/geocode``, a folder, a
        :class:`GeocodeCache`, or ``False`` for no cache.
    rate
        Requests per second at most; the provider's default (its free quota) when ``None``,
        no limit when 0.
    area
        Optional study area (polygon, or a file for :func:`geo.io.read_area`): results
        outside it are ``needs_review``.
    timeout
        Seconds per request (connecting, the headers and the body).
    retries, backoff
        ``too_frequent``, ``timeout``, ``server_error`` and ``unreachable`` are tried
        ``retries`` more times, after ``backoff``, 2×``backoff``, 4×``backoff``... seconds;
        after a row that timed out or could not connect on all its tries, the next rows get
        one try each until one is answered (:data:`SILENT`).
    key
        The provider's key for callers that hold it (the app's password field);
        the environment variable otherwise. The command line never takes one.
    progress
        Called as ``progress(done, total)`` after each row that needed an address, up to
        the row a stopped run stopped at.

    Returns
    -------
    pandas.DataFrame
        Every input row, in order, with ``lon``, ``lat`` (WGS-84; the table's own
        coordinate columns when it has them) and ``geocode_status``,
        ``geocode_level``, ``geocode_provider``, ``geocode_query``. Rows with
        coordinates keep them (status ``given``; a combined 经纬度 cell counts), and
        when geocoded rows join rows in the file's own coordinate system a
        ``coord_system`` column says ``wgs84`` for the geocoded ones (blank: the
        file's). ``attrs["geocode_stopped"]`` is
        ``bad_key``, ``quota`` or ``unreachable`` when the run had to stop, ``timeout`` when
        :data:`UNREACHABLE_STOP` rows in a row got no complete answer within ``timeout``
        (the rows not yet asked get that status; re-run later and the cache resumes), or
        ``unusable``
        when :data:`UNREACHABLE_STOP` answers in a row were not the provider's (not HTTP,
        not JSON, another shape: the rows not asked are ``server_error``), and
        ``attrs["geocode_message"]`` says why (never with the key).
        ``attrs["geocode_warnings"]`` lists a city not understood and what went wrong with
        the cache (a damaged file set aside, unreadable rows asked again, a folder that
        cannot hold it).

    Raises
    ------
    KeyMissingError
        When the provider needs a key and its variable is unset.
    InputError
        When the table cannot be read or has no address column.
    CacheLockedError
        When another program holds the cache locked (see :mod:`geo.geocode.cache`).
    """
    prov = get_provider(provider)
    _check_timeout(timeout)
    key = key.strip() if key and key.strip() else prov.key()
    df = _table(path_or_df)
    file = str(df.attrs.get("source", "table"))
    cols = schema.match_columns(
        list(df.columns), file=file, use=["lon", "lat", "lnglat", "coord_system"]
    )
    given = _given(df, cols)
    addr_col = _address_header(df, address_column, file) if (~given).any() else None
    rows = _Rows(len(df), given)
    extent, city_warning = _city_extent(city) if (~given).any() else (None, "")
    store, own_store = _open_cache(cache)
    job = _Job(prov, city, key, _area(area), _Throttle(prov.default_rate if rate is None else rate),
               timeout, retries, backoff, extent)
    try:
        _geocode_rows(df, addr_col, rows, job, store, progress)
    finally:
        if own_store and store is not None:
            store.close()
    out = _write_back(df, cols, rows, prov.name)
    warnings = [city_warning] if city_warning else []
    out.attrs["geocode_warnings"] = warnings + (list(store.warnings) if store is not None else [])
    return out


#: The longest timeout taken, in seconds: an answer takes a second or two.
MAX_TIMEOUT = 3600.0


def _check_timeout(timeout: float) -> None:
    """A timeout is a number of seconds above 0 (``SettingsError`` otherwise): 0 would time
    out every request, infinity none."""
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        seconds, text = math.nan, repr(timeout)
    else:
        text = f"{seconds:g}"
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise SettingsError(f"a timeout of {text} s cannot be used: give the seconds to "
                            f"wait for each answer, above 0 and at most {MAX_TIMEOUT:g} "
                            "(e.g. 10, or 30 for a slow service)")


def _city_extent(city: str | None) -> tuple[CityExtent | None, str]:
    """The extent answers must fall in, and a warning when the city is not understood."""
    if not city or not city.strip():
        return None, ""
    from geo.geocode.gazetteer import find_city

    match = find_city(city.strip())
    if match.warning:
        log.warning("%s", match.warning)
    return match.extent, match.warning


class _Rows:
    """What the run found per row: coordinates, status, precision, the query sent."""

    def __init__(self, n: int, given: np.ndarray) -> None:
        self.given = given
        self.lon = np.full(n, np.nan)
        self.lat = np.full(n, np.nan)
        self.status = np.where(given, "given", "").astype(object)
        self.level = np.full(n, "", dtype=object)
        self.query = np.full(n, "", dtype=object)
        self.note = np.full(n, "", dtype=object)  # why a row is not ok, per row
        self.answers: dict[int, tuple[str, Answer]] = {}  # (address, the provider's ok answer)
        self.stopped: str | None = None
        self.message = ""


class _Job(NamedTuple):
    """The provider and the rules of one run."""

    prov: Provider
    city: str | None
    key: str | None
    polygon: shapely.Geometry | None
    throttle: _Throttle
    timeout: float
    retries: int
    backoff: float
    extent: CityExtent | None = None


def _open_cache(
    cache: bool | str | os.PathLike[str] | GeocodeCache | None,
) -> tuple[GeocodeCache | None, bool]:
    """The cache to use, and whether this run opened it (and so closes it)."""
    if isinstance(cache, GeocodeCache):
        return cache, False
    if cache is False or cache is None:
        return None, False
    return GeocodeCache(None if cache is True else cache), True


def _geocode_rows(
    df: pd.DataFrame,
    addr_col: str | None,
    rows: _Rows,
    job: _Job,
    store: GeocodeCache | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Ask (or look up) every row without coordinates, in order; stop cleanly on a bad key,
    an exhausted quota, or a provider that cannot be reached from the first rows on (the
    rows not yet asked say so, and the progress stops at the row it stopped on). Then the
    answers are checked against the city by their coordinates, and against each other."""
    todo = np.flatnonzero(~rows.given)
    streak = _Streak()
    for done, i in enumerate(todo, start=1):
        if rows.stopped:
            _not_asked(rows, i, _address(df, addr_col, i), job)
            continue
        _geocode_row(df, addr_col, rows, job, store, streak, i)
        if progress is not None:
            progress(done, todo.size)
    _flag_outside_city(rows, job, store)
    _flag_far_answers(rows)


class _Streak:
    """Rows in a row the service gave no answer to (:data:`SILENT`), or whose answers were
    not the provider's; and how many rows it answered at all."""

    def __init__(self) -> None:
        self.answered = self.silent = self.broken = 0


def _address(df: pd.DataFrame, addr_col: str | None, i: int) -> str:
    return "" if addr_col is None else _cell_text(df.at[i, addr_col])


def _not_asked(rows: _Rows, i: int, address: str, job: _Job) -> None:
    """A row after the run stopped: it says why it was not asked."""
    if not address:
        rows.status[i] = "failed"
        rows.note[i] = "no address in this row"
        return
    rows.query[i] = job.prov.query_text(address, job.city)
    rows.status[i] = "server_error" if rows.stopped == "unusable" else rows.stopped
    rows.note[i] = f"not asked: the run stopped ({rows.stopped}) on an earlier row"


def _geocode_row(
    df: pd.DataFrame,
    addr_col: str | None,
    rows: _Rows,
    job: _Job,
    store: GeocodeCache | None,
    streak: _Streak,
    i: int,
) -> None:
    """Ask (or look up) one row and judge its answer; set ``rows.stopped`` when the run
    must stop."""
    prov, city = job.prov, job.city
    address = _address(df, addr_col, i)
    if not address:
        rows.status[i] = "failed"
        rows.note[i] = "no address in this row"
        return
    rows.query[i] = prov.query_text(address, city)
    answer = store.get(prov.name, city, address) if store is not None else None
    if answer is None:
        answer = _ask(prov, address, city, job, retry_silent=streak.silent == 0)
        if store is not None:
            store.put(prov.name, city, address, answer)
    streak.silent = streak.silent + 1 if answer.status in _FAILING else 0
    streak.broken = streak.broken + 1 if answer.extra.get(BROKEN) else 0
    streak.answered += answer.status != "unreachable"
    if _stops(answer, streak):
        _stop(rows, i, answer, job, streak)
        return
    status, why = _judge(answer, city, job.polygon)
    rows.status[i], rows.level[i] = status, answer.level
    rows.note[i] = redact(why, job.key) if status != "ok" else ""
    if answer.lon is not None and answer.lat is not None:
        rows.lon[i], rows.lat[i] = answer.lon, answer.lat
    if answer.status == "ok":
        rows.answers[i] = (address, answer)
        if status == "needs_review" and why.startswith(_OTHER_CITY):
            _keep_as_review(store, job, address, answer, why)


def _stops(answer: Answer, streak: _Streak) -> bool:
    """Whether the run stops after this answer: a bad key or a quota; no connection from the
    first row on; :data:`UNREACHABLE_STOP` rows in a row without an answer, or with answers
    that are not the provider's."""
    return (answer.status in STOP_STATUSES
            or (answer.status == "unreachable" and streak.answered == 0)
            or (answer.status in _FAILING and streak.silent >= UNREACHABLE_STOP)
            or streak.broken >= UNREACHABLE_STOP)


def _stop(rows: _Rows, i: int, answer: Answer, job: _Job, streak: _Streak) -> None:
    """Stop the run at row ``i``: why, in ``rows.stopped`` and ``rows.message`` (the rows
    after it say they were not asked)."""
    said = redact(answer.message, job.key)
    rows.stopped, rows.message = answer.status, said
    if streak.broken >= UNREACHABLE_STOP:
        rows.stopped = "unusable"
        rows.message = (f"{UNREACHABLE_STOP} answers in a row were not {job.prov.name}'s "
                        f"(last: {said})")
    elif answer.status == "timeout":
        rows.message = (f"{streak.silent} addresses in a row got no complete answer within "
                        f"{job.timeout:g} s (the first tried {job.retries + 1} times)")
    elif answer.status == "server_error":
        rows.message = (f"{streak.silent} addresses in a row got a server error (the first "
                        f"tried {job.retries + 1} times; last: {said})")
    rows.status[i] = answer.status
    rows.note[i] = said  # the row's own cause; the run's is in rows.message
    log.warning("geocoding stopped (%s): %s", rows.stopped, rows.message)


#: How the reasons an answer is not in the run's city begin (text, then coordinates).
_OTHER_CITY = "the answer ("
_OUTSIDE = "the answer is outside "


def _keep_as_review(store: GeocodeCache | None, job: _Job, address: str, answer: Answer,
                    why: str) -> None:
    """Cache an answer the provider called ``ok`` but that is not in the run's city as
    ``needs_review``, with the reason: a re-run never reads it as ``ok``."""
    if store is None:
        return
    from dataclasses import replace

    store.put(job.prov.name, job.city, address,
              replace(answer, status="needs_review", message=why,
                      extra={**answer.extra, CITY_CHECKED: True}))


def _flag_outside_city(rows: _Rows, job: _Job, store: GeocodeCache | None) -> None:
    """``ok`` answers outside the run's city (by their coordinates) need review, with the
    distance and the nearest place in words; they are cached as ``needs_review``."""
    if job.extent is None:
        return
    ok = np.flatnonzero((rows.status == "ok") & np.isfinite(rows.lon))
    if ok.size == 0:
        return
    km = job.extent.distance_km(rows.lon[ok], rows.lat[ok])
    out = ok[km > job.extent.margin_km]
    if out.size == 0:
        return
    from geo.geocode.gazetteer import gazetteer

    near = gazetteer().nearest(rows.lon[out], rows.lat[out])
    far = km[km > job.extent.margin_km]
    rows.status[out] = "needs_review"
    rows.note[out] = [
        f"{_OUTSIDE}{job.extent.place}: {d:,.0f} km from its districts ({job.extent.margin_km:.0f}"
        f" km allowed), near {place}: a place of the same name in another city?"
        for d, place in zip(far, near, strict=True)
    ]
    for i in out:
        address, answer = rows.answers[int(i)]
        _keep_as_review(store, job, address, answer, str(rows.note[i]))


def _flag_far_answers(rows: _Rows) -> None:
    """``ok`` answers far from the median of the run's ``ok`` answers need review."""
    ok = np.flatnonzero(rows.status == "ok")
    if ok.size < 3:
        return
    lon0, lat0 = float(np.median(rows.lon[ok])), float(np.median(rows.lat[ok]))
    from pyproj import Geod

    _, _, metres = Geod(ellps="WGS84").inv(np.full(ok.size, lon0), np.full(ok.size, lat0),
                                           rows.lon[ok], rows.lat[ok])
    far = ok[np.asarray(metres) > FAR_KM * 1000]
    rows.status[far] = "needs_review"
    rows.note[far] = [f"{m / 1000:.0f} km from the other answers (median {lon0:.4f}, "
                      f"{lat0:.4f}): a place of the same name elsewhere?"
                      for m in np.asarray(metres)[np.asarray(metres) > FAR_KM * 1000]]


def _judge(
    answer: Answer, city: str | None, polygon: shapely.Geometry | None
) -> tuple[str, str]:
    """An answer's status and why it is not ``ok``: ``ok`` only with a precise answer whose
    place text names the city (when it gives any) inside the area (when given). Whether
    its coordinates are in the city is checked for all rows at once afterwards."""
    st = answer.status
    if st == "needs_review" and answer.extra.get(CITY_CHECKED):
        return st, answer.message  # the provider's ok, found outside the city before
    if answer.lon is None or answer.lat is None or st != "ok":
        return st, _reason(answer)
    if not _city_matches(answer.place, city):
        return "needs_review", f"{_OTHER_CITY}{answer.place}) is not in {city}"
    if polygon is not None and not polygon.covers(shapely.Point(answer.lon, answer.lat)):
        return "needs_review", "outside the study area"
    return st, ""


def _reason(answer: Answer) -> str:
    """Why an answer without a usable point is not ``ok``, in words (the provider's own
    words after a reason of geo's, where they add something)."""
    st, msg = answer.status, answer.message.strip()
    if st == "needs_review":
        return f"precision '{answer.level}' is coarser than an address"
    if st == "not_found":
        if not msg or re.fullmatch(r"OK \(10000\)", msg):  # Amap's success words, cached
            return "the provider has no place for this address"
        return msg
    return msg


def _write_back(df: pd.DataFrame, cols: dict[str, str], rows: _Rows, provider: str) -> pd.DataFrame:
    """The input table with the coordinates found and the four ``geocode_*`` columns."""
    lon_col = cols.get("lon", "lon")
    lat_col = cols.get("lat", "lat")
    out = df
    if lon_col not in out.columns:
        out[lon_col] = np.nan
    if lat_col not in out.columns:
        out[lat_col] = np.nan
    fill = ~rows.given & np.isfinite(rows.lon)
    if fill.any():
        out[lon_col] = out[lon_col].astype(object)
        out[lat_col] = out[lat_col].astype(object)
        out.loc[fill, lon_col] = rows.lon[fill]
        out.loc[fill, lat_col] = rows.lat[fill]
        if all(isinstance(v, int | float) or v is None for v in out[lon_col]):
            out[lon_col] = pd.to_numeric(out[lon_col])
            out[lat_col] = pd.to_numeric(out[lat_col])
        # geocoded rows are WGS-84 whatever the others are (blank = the file's --crs)
        system_col = cols.get("coord_system", "coord_system")
        if system_col not in out.columns:
            out[system_col] = ""
        out[system_col] = out[system_col].astype(object)
        out.loc[fill, system_col] = "wgs84"
    out["geocode_status"] = rows.status
    out["geocode_level"] = rows.level
    out["geocode_provider"] = np.where(rows.given, "", provider)
    out["geocode_query"] = rows.query
    out["geocode_message"] = rows.note
    out.attrs["geocode_stopped"] = rows.stopped
    out.attrs["geocode_message"] = rows.message
    return out


def _ask(prov: Provider, address: str, city: str | None, job: _Job, *,
         retry_silent: bool = True) -> Answer:
    """Ask the provider, again after a pause while the answer is worth another try; a
    timeout or no connection only when ``retry_silent`` (the previous row was answered)."""
    answer = Answer("failed")
    for attempt in range(job.retries + 1):
        if attempt:
            time.sleep(job.backoff * 2 ** (attempt - 1))
        job.throttle.wait()
        answer = request(prov, address, city, job.key, timeout=job.timeout)
        if answer.status not in RETRY_STATUSES or (
            answer.status in _FAILING and not retry_silent
        ):
            break
        log.info("%s for '%s' (try %d): %s", answer.status, address, attempt + 1,
                 redact(answer.message, job.key))
    return answer


#: Reasons that name a distance, grouped under one line each by :func:`failure_causes`.
_CAUSE_GROUPS = (
    (r"^\d+(\.\d+)? km from the other answers.*", "far from the other answers"),
    (rf"^({_OUTSIDE}[^:]+): .*", r"\1"),
)


def failure_causes(table: pd.DataFrame, top: int = 5) -> list[tuple[str, int]]:
    """The most common reasons rows are not ``ok``: ``("status: message", rows)``, most first.

    Parameters
    ----------
    table
        A geocoded table.
    top
        How many reasons at most.

    Returns
    -------
    list of tuple
    """
    st = table["geocode_status"].astype(str)
    bad = ~st.isin(["given", "ok", "manual"])
    if not bad.any():
        return []
    msg = (table["geocode_message"].astype(str) if "geocode_message" in table
           else pd.Series("", index=table.index))
    reason = msg[bad]
    for pattern, words in _CAUSE_GROUPS:  # one line per reason, not per distance
        reason = reason.str.replace(pattern, words, regex=True)
    text = (st[bad] + ": " + reason).str.rstrip(": ")
    counts = text.value_counts()
    return [(str(k), int(v)) for k, v in counts.head(top).items()]


def summarize(table: pd.DataFrame) -> dict[str, int]:
    """Counts per status: ``given``, ``ok``, ``manual`` (fixed in review), ``needs_review``,
    ``failed`` (every other status)."""
    st = table["geocode_status"].astype(str)
    return {
        "rows": len(table),
        "given": int((st == "given").sum()),
        "ok": int((st == "ok").sum()),
        "manual": int((st == "manual").sum()),
        "needs_review": int((st == "needs_review").sum()),
        "failed": int((~st.isin(["given", "ok", "manual", "needs_review"])).sum()),
    }
