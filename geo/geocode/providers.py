"""Geocoding providers: one HTTP request per address, the answer parsed to a :class:`Answer`.

Each provider follows its documented HTTP API and returns coordinates in its
own datum; :func:`request` converts them to WGS-84:

* ``amap`` — Amap (高德) web service ``/v3/geocode/geo?address=&city=&key=``,
  GCJ-02. Key from ``AMAP_KEY``; base URL ``GEO_AMAP_URL``.
* ``baidu`` — Baidu (百度) geocoding v3 ``/geocoding/v3/?address=&city=&output=json&ak=``,
  asked for GCJ-02 (``ret_coordtype=gcj02ll``; BD-09 when ``coordtype="bd09ll"``).
  Key from ``BAIDU_AK``; base URL ``GEO_BAIDU_URL``.
* ``tianditu`` — Tianditu (天地图) ``/geocoder?ds={"keyWord": ...}&tk=``, CGCS2000
  (taken as WGS-84, they differ by centimetres). Key from ``TIANDITU_TK``; base URL
  ``GEO_TIANDITU_URL``.
* ``nominatim`` — OpenStreetMap Nominatim ``/search?q=&format=jsonv2``, WGS-84, no key,
  a User-Agent is sent as its usage policy requires. Base URL ``GEO_NOMINATIM_URL``.
* ``demo`` — offline: answers recorded in Amap's format for the demo's address list
  (``data/canglang/geocode_answers.json``; invented, like all demo data), no key.

Keys come from the environment only. A key never appears in an answer, a
message or a log line: every text that could hold a URL passes :func:`redact`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import unicodedata
import urllib.error
import urllib.parse
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from geo.crs import bd09_to_wgs84, gcj02_to_wgs84
from geo.errors import GeoError, SettingsError
from geo.geocode import fetch

__all__ = [
    "AMAP_NOT_FOUND",
    "AMAP_PRECISE",
    "ANSWER_STATUSES",
    "BAIDU_COARSE",
    "BROKEN",
    "DEMO_ANSWERS",
    "MAX_ANSWER_BYTES",
    "PROVIDERS",
    "RETRY_STATUSES",
    "STATUSES",
    "STOP_STATUSES",
    "TIANDITU_PRECISE",
    "USER_AGENT",
    "Amap",
    "Answer",
    "Baidu",
    "FormError",
    "GeocodeError",
    "KeyMissingError",
    "Nominatim",
    "Provider",
    "Recorded",
    "Tianditu",
    "get_provider",
    "impossible",
    "normalize_query",
    "redact",
    "request",
    "to_wgs84",
]

#: Every status a row can end with.
STATUSES = (
    "given", "ok", "needs_review", "not_found", "bad_key", "quota", "too_frequent",
    "timeout", "server_error", "unreachable", "failed",
)
#: Statuses that are worth another try after a pause.
RETRY_STATUSES = frozenset({"too_frequent", "timeout", "server_error", "unreachable"})
#: Statuses that stop a run (the rest of the rows would fail the same way).
STOP_STATUSES = frozenset({"bad_key", "quota"})
#: Statuses of a provider's real answer about the address (these are cached).
ANSWER_STATUSES = frozenset({"ok", "needs_review", "not_found"})

log = logging.getLogger("geo.geocode")

USER_AGENT = "geo-coverage/0.1 (service-station coverage; +https://github.com/)"


class KeyMissingError(SettingsError):
    """The provider needs a key and its environment variable is not set."""


class GeocodeError(GeoError, RuntimeError):
    """A geocoding run could not start or had to stop (bad key, quota)."""


@dataclass
class Answer:
    """One provider answer, parsed.

    Attributes
    ----------
    status
        One of :data:`STATUSES` (as the provider's answer alone says; the run
        may still turn ``ok`` into ``needs_review`` after its city and area checks).
    lon, lat
        WGS-84 degrees, ``None`` without a result.
    level
        The provider's precision word (门牌号, 兴趣点, 道路, 区县, ...).
    place
        The provider's text about where the result is (province, city, district,
        formatted address), for the city check; blank when the provider gives none.
    message
        Why a request failed, already redacted.
    """

    status: str
    lon: float | None = None
    lat: float | None = None
    level: str = ""
    place: str = ""
    message: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        """The answer as JSON text (what the cache stores)."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Answer:
        """Read an answer written by :meth:`to_json`."""
        data = json.loads(text)
        return cls(**{k: data[k] for k in ("status", "lon", "lat", "level", "place", "message",
                                           "extra") if k in data})


#: Key of ``Answer.extra`` set when the answer was not one the provider documents (not
#: HTTP, not JSON, another shape): the service at that address is not the provider.
BROKEN = "broken"

#: The largest answer body read (a geocoding answer is a few kB).
MAX_ANSWER_BYTES = 1 << 20

_SECRET_PARAMS = re.compile(r"((?:^|[?&;])(?:key|ak|tk|sn)=)[^&#\s\"']*", re.IGNORECASE)


def redact(text: object, key: str | None = None) -> str:
    """Remove keys from a text: ``key=``, ``ak=``, ``tk=`` values, the key given, and the
    value of every provider key set in the environment (``AMAP_KEY``, ``BAIDU_AK``,
    ``TIANDITU_TK``).

    Parameters
    ----------
    text
        A URL, an error message, a traceback, anything.
    key
        A secret to replace wherever it appears (e.g. one typed in the app).

    Returns
    -------
    str
    """
    out = _SECRET_PARAMS.sub(r"\1***", str(text))
    secrets = [key] if key else []
    secrets += [os.environ.get(p.key_env, "").strip() for p in PROVIDERS.values() if p.key_env]
    for secret in secrets:
        if not secret or len(secret) < 6:  # too short to be a key; would mangle the text
            continue
        out = out.replace(secret, "***")
        quoted = urllib.parse.quote(secret, safe="")
        if quoted != secret:
            out = out.replace(quoted, "***")
    return out


def normalize_query(text: object) -> str:
    """NFKC and no whitespace: the form an address is cached under."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


# --- providers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """What differs between providers: where to ask, how, and how to read the answer."""

    #: The provider's name in messages (``Amap``, ``Baidu``, ...).
    label: ClassVar[str] = ""
    name: str
    key_env: str | None
    url_env: str
    default_url: str
    datum: str  # of the coordinates the provider returns: wgs84, gcj02 or bd09
    default_rate: float  # requests per second when the caller gives none

    def key(self) -> str | None:
        """The key from the environment; :class:`KeyMissingError` when it is needed and unset."""
        if self.key_env is None:
            return None
        value = os.environ.get(self.key_env, "").strip()
        if not value:
            raise KeyMissingError(
                f"the {self.name} provider needs a key: set the environment variable "
                f"{self.key_env} (keys are never taken from the command line)"
            )
        return value

    def base_url(self) -> str:
        """The base URL: ``GEO_<NAME>_URL`` or the public service."""
        return (os.environ.get(self.url_env, "").strip() or self.default_url).rstrip("/")

    def query_text(self, address: str, city: str | None) -> str:
        """The address text sent (providers without a city parameter get the city prefixed)."""
        return address

    def build(self, address: str, city: str | None, key: str | None) -> str:  # pragma: no cover
        raise NotImplementedError

    def parse(self, body: object) -> Answer:  # pragma: no cover
        raise NotImplementedError

    def http_status(self, code: int) -> str:
        """Status for an HTTP error code without a usable body."""
        if code == 429:
            return "too_frequent"
        if code in (401, 403):
            return "bad_key"
        if code >= 500:
            return "server_error"
        return "failed"


def _with_city(address: str, city: str | None) -> str:
    if city and normalize_query(city) not in normalize_query(address):
        return f"{city}{address}"
    return address


def _to_float(value: object) -> float | None:
    """A number as written (text or number; infinite kept for the validity check), ``None``
    when it is none."""
    if isinstance(value, bool):
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if out == out else None


def _finite(value: object) -> float | None:
    """A finite number, ``None`` otherwise (a score, a rank: 1e999 is none)."""
    out = _to_float(value)
    return out if out is not None and math.isfinite(out) else None


def _int(value: object) -> int | None:
    """A whole number written as a number or as digits, ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None  # false for inf and NaN
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    return None


def _text(value: object) -> str:
    """Amap returns ``[]`` for an empty field; make every field text."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


# --- the form of an answer ----------------------------------------------------------------


class FormError(ValueError):
    """An answer that is not in the form its provider documents; the message names the
    field in a planner's words (the row fails, and the answer counts as not the
    provider's: :data:`BROKEN`)."""


#: A field the answer does not have.
_MISSING = object()


def _what(value: object) -> str:
    """What a JSON value is, in words."""
    if value is _MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value[:40]}{'…' if len(value) > 40 else ''}'"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _form(label: str, where: str, value: object, documented: str) -> FormError:
    """The error for a field of another form than documented: ``where`` names the field
    (``geocodes[0].location``), ``documented`` what the provider promises there."""
    return FormError(f"the answer is not in the documented form: {where} is {_what(value)}, "
                     f"where {label} documents {documented}")


def _empty(value: object) -> bool:
    """No value: missing, null, blank text or an empty list/object (Amap writes ``[]``)."""
    return value is None or value is _MISSING or value in ("", [], {})


def _object(body: object, label: str) -> dict:
    """The answer as a JSON object, as every provider here but Nominatim documents it."""
    if not isinstance(body, dict):
        raise _form(label, "the answer", body, "an object with a status")
    return body


def _field(obj: dict, name: str) -> object:
    return obj.get(name, _MISSING)


# Amap: https://lbs.amap.com/api/webservice/guide/api/georegeo (answer) and
# https://lbs.amap.com/api/webservice/guide/tools/info (infocode table; English:
# https://mapsplatform.opnavi.com/api/web-service/tools/info).
_AMAP_BAD_KEY = {"10001", "10002", "10005", "10006", "10007", "10008", "10009", "10011",
                 "10012", "10013", "10017", "10026", "10041", "40002"}
# 10029 ABROAD_DAILY_QUERY_OVER_LIMIT is a daily quota; 40000 QUOTA_PLAN_RUN_OUT and 40003
# ABROAD_QUOTA_PLAN_RUN_OUT a paid quota used up; 40002 SERVICE_EXPIRED the key's plan.
# 10016 SERVER_IS_BUSY is a busy server. 20000 INVALID_PARAMS, 20001
# MISSING_REQUIRED_PARAMS, 20002 ILLEGAL_REQUEST, 20011/20012 (abroad, illegal content)
# concern the row's address: the row fails, the run goes on.
_AMAP_QUOTA = {"10003", "10010", "10029", "10044", "10045", "40000", "40003"}
_AMAP_TOO_FREQUENT = {"10004", "10014", "10015", "10019", "10020", "10021"}
_AMAP_SERVER = {"10016", "20003", "30000", "30001", "30002", "30003", "32000", "32001", "32002",
                "32003", "32200", "32201", "32202", "32203"}
#: Amap levels precise enough for a station (others → needs_review).
AMAP_PRECISE = frozenset({"门牌号", "单元号", "兴趣点", "住宅区", "公交站台、地铁站",
                          "公交地铁站点", "楼栋"})


@dataclass(frozen=True)
class Amap(Provider):
    """Amap (高德) web-service geocoding v3."""

    label: ClassVar[str] = "Amap"

    def build(self, address: str, city: str | None, key: str | None) -> str:
        params = {"address": address, "output": "JSON", "key": key or ""}
        if city:
            params["city"] = city
        return f"{self.base_url()}/v3/geocode/geo?{urllib.parse.urlencode(params)}"

    def parse(self, body: object) -> Answer:
        body = _object(body, self.label)
        status = _field(body, "status")
        if status is _MISSING:
            raise _form(self.label, "'status'", status, "'1' (found) or '0' (an error)")
        info = f"{_text(body.get('info'))} ({_text(body.get('infocode'))})"
        if _text(status).strip() != "1":
            code = _text(body.get("infocode")).strip()
            for codes, st in ((_AMAP_BAD_KEY, "bad_key"), (_AMAP_QUOTA, "quota"),
                              (_AMAP_TOO_FREQUENT, "too_frequent"),
                              (_AMAP_SERVER, "server_error")):
                if code in codes:
                    return Answer(st, message=info)
            return Answer("failed", message=info)
        geocodes = _field(body, "geocodes")
        if _empty(geocodes):
            return Answer("not_found", message="Amap has no place for this address")
        if not isinstance(geocodes, list):
            raise _form(self.label, "'geocodes'", geocodes, "a list of places")
        g = geocodes[0]
        if not isinstance(g, dict):
            raise _form(self.label, "'geocodes[0]'", g, "a place (an object)")
        location = _field(g, "location")
        if _empty(location):
            return Answer("not_found", message="Amap's answer has no location")
        parts = location.split(",") if isinstance(location, str) else []
        lon = _to_float(parts[0]) if len(parts) == 2 else None
        lat = _to_float(parts[1]) if len(parts) == 2 else None
        if lon is None or lat is None:
            raise _form(self.label, "'geocodes[0].location'", location,
                        "the text 'longitude,latitude'")
        level = _text(g.get("level"))
        place = "".join(_text(g.get(k)) for k in ("province", "city", "district",
                                                   "formatted_address"))
        status = "ok" if level in AMAP_PRECISE else "needs_review"
        return Answer(status, lon, lat, level, place, extra={"count": len(geocodes)})


# Baidu: https://lbsyun.baidu.com/faq/api?title=webapi/guide/webservice-geocoding-base
# (answer) and https://lbsyun.baidu.com/index.php?title=webapi/appendix (服务状态码):
# 0 正常; 1 服务器内部错误 (with 无相关结果: nothing found); 2 请求参数非法 (e.g. "lack
# address") and 8 (Parse Proto Failure: special characters in the query) concern the row:
# it fails and the run goes on; 3 权限校验失败, 5 ak不存在或者非法, 9, 101 服务禁用, 102
# 白名单/安全码, 2xx 无权限: the key; 4 配额校验失败, 3xx 配额错误 (301 永久, 302 天配额):
# the quota; 401/402 并发超限: too frequent.
_BAIDU_BAD_KEY = {3, 5, 9, 101, 102}
_BAIDU_QUOTA = {4}
_BAIDU_TOO_FREQUENT = {401, 402}
#: Baidu levels too coarse for a station (others, and POI kinds, are precise enough).
BAIDU_COARSE = frozenset({"UNKNOWN", "国家", "省", "城市", "区县", "乡镇", "村庄", "道路",
                          "商圈", "行政地标", "NoClass"})


def _baidu_status(code: int) -> str:
    """What a Baidu status other than 0 means for the run (the table above)."""
    if code in _BAIDU_BAD_KEY or 200 <= code < 300:
        return "bad_key"
    if code in _BAIDU_QUOTA or 300 <= code < 400:
        return "quota"
    if code in _BAIDU_TOO_FREQUENT:
        return "too_frequent"
    return "server_error" if code == 1 else "failed"


@dataclass(frozen=True)
class Baidu(Provider):
    """Baidu (百度) geocoding v3; ``coordtype`` is the datum asked for (gcj02ll or bd09ll)."""

    label: ClassVar[str] = "Baidu"
    coordtype: str = "gcj02ll"

    def build(self, address: str, city: str | None, key: str | None) -> str:
        params = {"address": address, "output": "json", "ak": key or "",
                  "ret_coordtype": self.coordtype}
        if city:
            params["city"] = city
        return f"{self.base_url()}/geocoding/v3/?{urllib.parse.urlencode(params)}"

    def parse(self, body: object) -> Answer:
        body = _object(body, self.label)
        raw = _field(body, "status")
        code = _int(raw)
        if code is None:
            raise _form(self.label, "'status'", raw, "a whole number (0 when found)")
        words = [_text(body.get(k)).strip() for k in ("msg", "message")]
        words = [w for k, w in enumerate(words) if w and w not in words[:k]]
        msg = f"{': '.join(words)} (status {code})".lstrip()
        if code != 0:
            if code == 1 and "无相关结果" in msg:
                return Answer("not_found", message=f"Baidu has no place for this address ({msg})")
            return Answer(_baidu_status(code), message=msg)
        result = _field(body, "result")
        if _empty(result):
            return Answer("not_found", message="Baidu has no place for this address")
        if not isinstance(result, dict):
            raise _form(self.label, "'result'", result, "an object")
        loc = _field(result, "location")
        if _empty(loc):
            return Answer("not_found", message="Baidu's answer has no location")
        if not isinstance(loc, dict):
            raise _form(self.label, "'result.location'", loc, "an object with lng and lat")
        lon, lat = _to_float(_field(loc, "lng")), _to_float(_field(loc, "lat"))
        for name, value in (("lng", lon), ("lat", lat)):
            if value is None:
                raise _form(self.label, f"'result.location.{name}'", _field(loc, name),
                            "a number")
        level = _text(result.get("level"))
        precise = int(_finite(result.get("precise")) or 0)
        confidence = _finite(result.get("confidence")) or 0.0
        coarse = level in BAIDU_COARSE or (precise == 0 and confidence < 50)
        return Answer("needs_review" if coarse else "ok", lon, lat, level, "",
                      extra={"precise": precise, "confidence": confidence,
                             "comprehension": result.get("comprehension")})


#: Tianditu levels precise enough (门址 house number, 兴趣点 POI).
TIANDITU_PRECISE = frozenset({"门址", "兴趣点", "地名地址", "POI"})
# Tianditu: http://lbs.tianditu.gov.cn/server/geocodinginterface.html (answer: status
# "0" 正常返回, "101" 结果为空, "404" 出错; msg; location {lon, lat, level, score}; a
# recorded answer: https://blog.csdn.net/mcband/article/details/134915002). A key or quota
# problem is refused before the geocoder, by the gateway: HTTP 403 with {code, msg} and no
# status; its table is not published, so the words decide (``keyWord``, the query's own
# parameter, is not a key).
_TIANDITU_QUOTA = re.compile(r"访问量|调用量|调用次数|配额|限额|日限|超限|quota", re.IGNORECASE)
_TIANDITU_KEY = re.compile(r"(?<![a-z])(key|tk)(?![a-z])|密钥|权限|授权", re.IGNORECASE)


@dataclass(frozen=True)
class Tianditu(Provider):
    """Tianditu (天地图) geocoder; it has no city parameter, so the city is prefixed."""

    label: ClassVar[str] = "Tianditu"

    def query_text(self, address: str, city: str | None) -> str:
        return _with_city(address, city)

    def build(self, address: str, city: str | None, key: str | None) -> str:
        ds = json.dumps({"keyWord": self.query_text(address, city)}, ensure_ascii=False)
        params = {"ds": ds, "tk": key or ""}
        return f"{self.base_url()}/geocoder?{urllib.parse.urlencode(params)}"

    def parse(self, body: object) -> Answer:
        body = _object(body, self.label)
        status = _field(body, "status")
        st = "" if _empty(status) else _text(status).strip()
        words = _text(body.get("msg")).strip()
        code = _text(body.get("code")).strip()
        msg = f"{words} (status {st})" if st else f"{words} (code {code})" if code else words
        if st == "0":
            loc = _field(body, "location")
            if _empty(loc):
                return Answer("not_found", message="Tianditu's answer has no location")
            if not isinstance(loc, dict):
                raise _form(self.label, "'location'", loc, "an object with lon and lat")
            lon, lat = _to_float(_field(loc, "lon")), _to_float(_field(loc, "lat"))
            for name, value in (("lon", lon), ("lat", lat)):
                if value is None:
                    raise _form(self.label, f"'location.{name}'", _field(loc, name), "a number")
            level = _text(loc.get("level"))
            return Answer("ok" if level in TIANDITU_PRECISE else "needs_review", lon, lat,
                          level, "",  # keyWord only echoes the query: no city to check
                          extra={"score": _finite(loc.get("score"))})
        if st == "101":
            return Answer("not_found", message=f"Tianditu has no place for this address ({msg})")
        if st == "404":  # 出错: not an answer about the place; asked again next run
            return Answer("failed", message=f"Tianditu could not answer for this address: {msg}")
        text = re.sub("keyword", "", msg, flags=re.IGNORECASE)
        if _TIANDITU_QUOTA.search(text):
            return Answer("quota", message=msg)
        if _TIANDITU_KEY.search(text):
            return Answer("bad_key", message=msg)
        return Answer("failed", message=msg)


@dataclass(frozen=True)
class Nominatim(Provider):
    """OpenStreetMap Nominatim ``/search`` (jsonv2); no city parameter, so it is prefixed.

    https://nominatim.org/release-docs/latest/api/Search/ (a list of places; an error is
    ``{"error": {"code", "message"}}`` with its HTTP status) and the usage policy
    https://operations.osmfoundation.org/policies/nominatim/ (1 request/s; a client
    over it is answered 429, a blocked one 403).
    """

    label: ClassVar[str] = "OpenStreetMap Nominatim"

    def query_text(self, address: str, city: str | None) -> str:
        return _with_city(address, city)

    def build(self, address: str, city: str | None, key: str | None) -> str:
        params = {"q": self.query_text(address, city), "format": "jsonv2", "limit": "1",
                  "countrycodes": "cn", "accept-language": "zh"}
        return f"{self.base_url()}/search?{urllib.parse.urlencode(params)}"

    def http_status(self, code: int) -> str:
        # No key: 403 means the usage policy blocked us, which stops the run like a quota.
        return "quota" if code == 403 else super().http_status(code)

    def parse(self, body: object) -> Answer:
        if isinstance(body, dict) and "error" in body:
            err = body["error"]
            words = _text(err.get("message") if isinstance(err, dict) else err).strip()
            code = f" (code {_text(err.get('code'))})" if isinstance(err, dict) else ""
            return Answer("failed", message=f"OpenStreetMap refused the query: {words}{code}")
        if not isinstance(body, list):
            raise _form(self.label, "the answer", body, "a list of places")
        if not body:
            return Answer("not_found", message="OpenStreetMap has no place for this address")
        r = body[0]
        if not isinstance(r, dict):
            raise _form(self.label, "the first place", r, "an object")
        lon, lat = _to_float(_field(r, "lon")), _to_float(_field(r, "lat"))
        for name, value in (("lon", lon), ("lat", lat)):
            if value is None:
                raise _form(self.label, f"the first place's '{name}'", _field(r, name),
                            "a number")
        rank = int(_finite(r.get("place_rank")) or 0)
        level = _text(r.get("addresstype") or r.get("type"))
        # place_rank 30 = building or POI, 28 = house-number level; streets are 26/27.
        return Answer("ok" if rank >= 28 else "needs_review", lon, lat, level,
                      _text(r.get("display_name")), extra={"place_rank": rank})


#: Amap's documented answer when nothing matches (status 1, count 0).
AMAP_NOT_FOUND: dict[str, object] = {"status": "1", "info": "OK", "infocode": "10000",
                                     "count": "0", "geocodes": []}


@dataclass(frozen=True)
class Recorded(Amap):
    """Answers recorded in Amap's v3 format, read from a JSON file: no network, no key.

    The file holds ``{"answers": {address: amap_answer, ...}}`` (addresses compared
    after :func:`normalize_query`); an address it does not hold gets Amap's empty
    answer (``not_found``). The bundled demo (:data:`DEMO_ANSWERS`) makes the
    demo's address list geocode offline.
    """

    path: str = ""

    def answers(self) -> dict[str, object]:
        """The recorded answers by normalised address."""
        return _recorded_answers(self.path)

    def lookup(self, address: str, city: str | None) -> object:
        """The recorded answer for an address (Amap's empty answer when there is none)."""
        got = self.answers()
        key = normalize_query(address)
        if key not in got and city:  # recorded with the city prefixed, asked without
            key = normalize_query(_with_city(address, city))
        return got.get(key, AMAP_NOT_FOUND)


@lru_cache(maxsize=8)
def _recorded_answers(path: str) -> dict[str, object]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"cannot read the recorded answers {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise SettingsError(f"the recorded answers {path} are not JSON: {exc}") from None
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, dict):
        raise SettingsError(f"the recorded answers {path} have no 'answers' object")
    return {normalize_query(k): v for k, v in answers.items()}


#: The demo's recorded answers (invented, in Amap's format) for its address list.
DEMO_ANSWERS = Path(__file__).resolve().parents[2] / "data" / "canglang" / "geocode_answers.json"

PROVIDERS: dict[str, Provider] = {
    "amap": Amap("amap", "AMAP_KEY", "GEO_AMAP_URL", "https://restapi.amap.com", "gcj02", 3.0),
    "baidu": Baidu("baidu", "BAIDU_AK", "GEO_BAIDU_URL", "https://api.map.baidu.com", "gcj02",
                   3.0),
    "tianditu": Tianditu("tianditu", "TIANDITU_TK", "GEO_TIANDITU_URL",
                         "https://api.tianditu.gov.cn", "wgs84", 5.0),
    "nominatim": Nominatim("nominatim", None, "GEO_NOMINATIM_URL",
                           "https://nominatim.openstreetmap.org", "wgs84", 1.0),
    "demo": Recorded("demo", None, "GEO_DEMO_URL", "", "gcj02", 0.0, path=str(DEMO_ANSWERS)),
}


def get_provider(name: str | Provider) -> Provider:
    """The provider of that name (``amap``, ``baidu``, ``tianditu``, ``nominatim``, ``demo``)."""
    if isinstance(name, Provider):
        return name
    key = str(name).strip().lower()
    if key not in PROVIDERS:
        raise SettingsError(
            f"unknown geocoding provider '{name}': use one of {', '.join(PROVIDERS)}"
        )
    return PROVIDERS[key]


def to_wgs84(provider: Provider, lon: float, lat: float) -> tuple[float, float]:
    """Convert a provider's coordinates from its datum to WGS-84."""
    datum = provider.datum
    if isinstance(provider, Baidu) and provider.coordtype == "bd09ll":
        datum = "bd09"
    if datum == "gcj02":
        out = gcj02_to_wgs84(lon, lat)
    elif datum == "bd09":
        out = bd09_to_wgs84(lon, lat)
    else:
        return float(lon), float(lat)
    return float(out[0]), float(out[1])


def request(
    provider: Provider, address: str, city: str | None, key: str | None, *, timeout: float = 10.0
) -> Answer:
    """Ask the provider once; coordinates of the answer in WGS-84. Never raises for HTTP trouble.

    Parameters
    ----------
    provider
        The provider.
    address
        The address as in the table.
    city
        The city to restrict the search to (sent as a parameter or prefixed).
    key
        The provider's key (``None`` for Nominatim).
    timeout
        Seconds for the whole request (connecting, the headers and the body), also
        against a server that sends one byte at a time.

    Returns
    -------
    Answer
        Any message in it is redacted.
    """
    if isinstance(provider, Recorded):
        return _finish(provider, provider.parse(provider.lookup(address, city)), key)
    url = provider.build(address, city, key)
    host = urllib.parse.urlsplit(url).hostname or provider.base_url()
    try:
        raw = fetch.get(url, {"User-Agent": USER_AGENT, "Accept": "application/json"},
                        timeout, MAX_ANSWER_BYTES)
    except fetch.TooLargeError:
        return Answer("server_error", message=f"the answer is larger than "
                      f"{MAX_ANSWER_BYTES // 2**20} MB: not read")
    except fetch.BrokenAnswerError as exc:
        return Answer("server_error", message=redact(f"broken answer from {host}: {exc}", key),
                      extra={BROKEN: True})
    except urllib.error.HTTPError as exc:
        return _http_error(provider, exc, key)
    except TimeoutError:
        return Answer("timeout", message=f"no complete answer within {timeout:g} s")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return Answer("timeout", message=f"no complete answer within {timeout:g} s")
        return Answer("unreachable", message=redact(f"cannot connect to {host}: {exc.reason}",
                                                    key))
    except OSError as exc:
        return Answer("unreachable", message=redact(f"connection to {host} failed: {exc}", key))
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Answer("server_error", message="the answer is not JSON", extra={BROKEN: True})
    return _finish(provider, _parse(provider, body), key)


def _http_error(provider: Provider, exc: urllib.error.HTTPError, key: str | None) -> Answer:
    """An HTTP error status: the code decides, unless the body says stop or retry; the
    body's own words (Nominatim's error message, Tianditu's ``msg``) follow the code."""
    status = provider.http_status(exc.code)
    said = ""
    try:
        body = json.loads(exc.read(MAX_ANSWER_BYTES).decode("utf-8"))
        parsed = provider.parse(body)
        if parsed.status in STOP_STATUSES | RETRY_STATUSES:
            status = parsed.status
        said = f": {parsed.message}" if parsed.message else ""
    except Exception:  # the body is often HTML, or cut; the HTTP code decides
        pass
    return Answer(status, message=redact(f"HTTP {exc.code} {exc.reason}{said}"[:300], key))


def _parse(provider: Provider, body: object) -> Answer:
    """The provider's reading of a JSON answer; an answer of another form than documented
    (a list where an object belongs, a number for a location) fails the row, not the run,
    with the field named (:class:`FormError`)."""
    try:
        return provider.parse(body)
    except FormError as exc:
        return Answer("failed", message=str(exc), extra={BROKEN: True})
    except (AttributeError, KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
        # a form the checks above do not name: said in words, the detail in the log
        log.debug("unreadable %s answer: %r", provider.name, exc)
        return Answer("failed", extra={BROKEN: True},
                      message=f"the answer is not in the documented form: a field holds "
                      f"another kind of value than {provider.label or provider.name} documents")


def _redact_value(value: object, key: str | None) -> object:
    if isinstance(value, str):
        return redact(value, key)
    if isinstance(value, dict):
        return {k: _redact_value(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v, key) for v in value]
    return value


def _finish(provider: Provider, answer: Answer, key: str | None) -> Answer:
    """Redact every text of the answer (before it is cached or written: a provider may echo
    the key) and convert the coordinates to WGS-84."""
    answer.message = redact(answer.message, key)
    answer.level = redact(answer.level, key)
    answer.place = redact(answer.place, key)
    answer.extra = {k: _redact_value(v, key) for k, v in answer.extra.items()}
    if answer.lon is not None and answer.lat is not None:
        why = impossible(answer.lon, answer.lat)
        if why:  # never trusted, never cached
            return Answer("failed", level=answer.level, place=answer.place,
                          message=f"the provider answered {why}")
        answer.lon, answer.lat = to_wgs84(provider, answer.lon, answer.lat)
    return answer


def impossible(lon: float, lat: float) -> str:
    """Why a provider's coordinates cannot be a place in China (``""`` when they can).

    Every provider here searches China only (Nominatim with ``countrycodes=cn``), so an
    answer outside China, at (0, 0), out of range or not finite is refused before it is
    trusted or cached.

    Parameters
    ----------
    lon, lat
        The coordinates as answered.

    Returns
    -------
    str
        The reason, or ``""``.
    """
    from geo.crs import in_china

    if not (math.isfinite(lon) and math.isfinite(lat)):
        return f"coordinates that are not numbers ({lon}, {lat})"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"coordinates out of range ({lon:g}, {lat:g}): longitude and latitude swapped?"
    if lon == 0 and lat == 0:
        return "the coordinates (0, 0), which mean none"
    if not bool(in_china(lon, lat)):
        return f"a place outside China ({lon:.4f}, {lat:.4f})"
    return ""
