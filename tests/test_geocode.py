"""Geocoding, fully offline: a local HTTP server answers as the providers document.

The answers in ``tests/data/geocode/*.json`` are written from each provider's
documented response format (not recorded from the services). The server picks
the provider by path, the address by its query parameter, checks the key, and
serves the listed answers for an address in order (the last one repeats), so
"too frequent, then success" and "503, then success" are scripted. Every
request is counted, which is how re-runs and resumes are checked.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from geo.cli import app
from geo.crs import bd09_to_wgs84, gcj02_to_wgs84
from geo.geocode import GeocodeCache, KeyMissingError, geocode_table, redact
from geo.geocode.providers import PROVIDERS, Baidu, request

DATA = Path(__file__).parent / "data" / "geocode"
KEY = "SeCrEtKey0123456789abcdefXYZ"
WRONG = "WrongKey9876543210"
ENV = {"amap": "AMAP_KEY", "baidu": "BAIDU_AK", "tianditu": "TIANDITU_TK"}
URL_ENV = {name: p.url_env for name, p in PROVIDERS.items()}
PATHS = {"/v3/geocode/geo": ("amap", "address", "key"),
         "/geocoding/v3/": ("baidu", "address", "ak"),
         "/geocoder": ("tianditu", "ds", "tk"),
         "/search": ("nominatim", "q", None)}


class FakeProviders:
    """The four services on one local port, scripted by the recorded-style answers."""

    def __init__(self, quota_after: int | None = None) -> None:
        self.answers = {p: json.loads((DATA / f"{p}.json").read_text(encoding="utf-8"))
                        for p in ("amap", "baidu", "tianditu", "nominatim")}
        self.requests: list[tuple[str, str, str]] = []  # (provider, address, raw path)
        self.served: dict[tuple[str, str], int] = {}
        self.quota_after = quota_after
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def count(self, provider: str | None = None) -> int:
        return sum(1 for r in self.requests if provider is None or r[0] == provider)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        params = dict(urllib.parse.parse_qsl(parsed.query))
        provider, qname, kname = PATHS.get(parsed.path, (None, None, None))
        if provider is None:
            self.send(h, 404, "not found")
            return
        address = params.get(qname, "")
        if provider == "tianditu":
            address = json.loads(address)["keyWord"]
        with self.lock:
            self.requests.append((provider, address, h.path))
            script = self.answers[provider]
            if kname is not None and params.get(kname) != KEY:
                entry = script["_bad_key"][0]
            elif self.quota_after is not None and self.count(provider) > self.quota_after:
                entry = script["_quota"][0]
            elif address in script:
                seq = script[address]
                i = self.served.get((provider, address), 0)
                self.served[(provider, address)] = i + 1
                entry = seq[min(i, len(seq) - 1)]
            else:
                entry = script["不存在的地方"][0]
        if entry.get("delay"):
            time.sleep(entry["delay"])
        self.send(h, entry.get("http", 200), entry["body"])

    @staticmethod
    def send(h: BaseHTTPRequestHandler, code: int, body: object) -> None:
        data = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False))
        raw = data.encode("utf-8")
        try:
            h.send_response(code)
            h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(raw)))
            h.end_headers()
            h.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Keys set, caches under tmp_path, and a factory for fake servers (closed afterwards)."""
    servers: list[FakeProviders] = []
    for var in ENV.values():
        monkeypatch.setenv(var, KEY)
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))

    def start(quota_after: int | None = None) -> FakeProviders:
        fake = FakeProviders(quota_after)
        servers.append(fake)
        for var in URL_ENV.values():
            monkeypatch.setenv(var, fake.url)
        return fake

    yield start
    for s in servers:
        s.close()


FAST = {"rate": 0, "backoff": 0.0, "timeout": 5.0}


def table(*addresses: str, **extra: list) -> pd.DataFrame:
    return pd.DataFrame({"名称": [f"站{i}" for i in range(len(addresses))],
                         "地址": list(addresses), **extra})


# --- providers: parsing and datums ------------------------------------------------------------


def test_amap_success_is_converted_from_gcj02(env, tmp_path):
    fake = env()
    out = geocode_table(table("人民路1号"), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    row = out.iloc[0]
    exp = gcj02_to_wgs84(120.62, 31.30)
    assert row["geocode_status"] == "ok" and row["geocode_level"] == "门牌号"
    assert row["lon"] == pytest.approx(exp[0], abs=1e-9)
    assert row["lat"] == pytest.approx(exp[1], abs=1e-9)
    assert row["geocode_provider"] == "amap" and row["geocode_query"] == "人民路1号"
    assert abs(row["lon"] - 120.62) > 1e-3  # really shifted
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(fake.requests[0][2]).query))
    assert params["city"] == "苏州市"  # the city is always sent


def test_baidu_gcj02_and_bd09_answers(env, monkeypatch):
    fake = env()
    out = geocode_table(table("人民路1号"), provider="baidu", city="苏州市", cache=False, **FAST)
    exp = gcj02_to_wgs84(120.62, 31.30)
    assert out.loc[0, "geocode_status"] == "ok"
    assert (out.loc[0, "lon"], out.loc[0, "lat"]) == pytest.approx(exp, abs=1e-9)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(fake.requests[0][2]).query))
    assert params["ret_coordtype"] == "gcj02ll" and params["city"] == "苏州市"
    assert params["output"] == "json"
    bd = Baidu("baidu", "BAIDU_AK", "GEO_BAIDU_URL", "x", "gcj02", 3.0, coordtype="bd09ll")
    answer = request(bd, "人民路1号", "苏州市", KEY)
    assert (answer.lon, answer.lat) == pytest.approx(bd09_to_wgs84(120.62, 31.30), abs=1e-9)


@pytest.mark.parametrize(("provider", "lonlat"),
                         [("tianditu", (120.615, 31.302)), ("nominatim", (120.614, 31.301))])
def test_wgs84_providers_are_not_shifted_and_get_the_city(env, provider, lonlat):
    fake = env()
    out = geocode_table(table("人民路1号"), provider=provider, city="苏州市", cache=False, **FAST)
    assert out.loc[0, "geocode_status"] == "ok"
    assert (out.loc[0, "lon"], out.loc[0, "lat"]) == pytest.approx(lonlat, abs=1e-12)
    assert out.loc[0, "geocode_query"] == "苏州市人民路1号"
    assert fake.requests[0][1] == "苏州市人民路1号"


def test_nominatim_sends_a_user_agent(env):
    seen = {}
    fake = env()
    original = fake.handle

    def spy(h):
        seen["ua"] = h.headers.get("User-Agent", "")
        original(h)

    fake.handle = spy
    geocode_table(table("人民路1号"), provider="nominatim", city="苏州市", cache=False, **FAST)
    assert seen["ua"].startswith("geo-coverage/") and "urllib" not in seen["ua"]


@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu", "nominatim"])
def test_low_precision_and_empty_answers(env, provider):
    env()
    out = geocode_table(table("人民路", "不存在的地方"), provider=provider, city="苏州市",
                        cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["needs_review", "not_found"]
    assert np.isfinite(out.loc[0, "lon"]) and np.isnan(out.loc[1, "lon"])


def test_district_level_and_other_city_need_review(env):
    env()
    out = geocode_table(table("姑苏区", "西湖边1号"), provider="amap", city="苏州市",
                        cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["needs_review", "needs_review"]
    assert out["geocode_level"].tolist() == ["区县", "门牌号"]


def test_results_outside_the_study_area_need_review(env):
    env()
    w1 = gcj02_to_wgs84(120.62, 31.30)
    area = shapely.Point(w1).buffer(0.0005)  # holds 人民路1号 only
    out = geocode_table(table("人民路1号", "人民路2号"), provider="amap", city="苏州市",
                        cache=False, area=area, **FAST)
    assert out["geocode_status"].tolist() == ["ok", "needs_review"]


# --- retries, timeouts, stops -----------------------------------------------------------------


@pytest.mark.parametrize(("provider", "address"), [
    ("amap", "忙碌路2号"), ("amap", "故障路3号"), ("baidu", "忙碌路2号"), ("baidu", "故障路3号"),
    ("nominatim", "忙碌路2号"),
])
def test_too_frequent_and_server_errors_are_retried(env, provider, address):
    fake = env()
    out = geocode_table(table(address), provider=provider, city="苏州市", cache=False, **FAST)
    assert out.loc[0, "geocode_status"] == "ok"
    assert fake.count() == 2


def test_retries_give_up_with_the_status(env):
    fake = env()
    fake.answers["amap"]["忙碌路2号"] = fake.answers["amap"]["忙碌路2号"][:1]
    out = geocode_table(table("忙碌路2号"), provider="amap", city="苏州市", cache=False,
                        retries=2, **FAST)
    assert out.loc[0, "geocode_status"] == "too_frequent"
    assert fake.count() == 3


def test_timeout_is_retried_then_reported(env):
    fake = env()
    start = time.monotonic()
    out = geocode_table(table("慢路4号", "人民路1号"), provider="amap", city="苏州市",
                        cache=False, rate=0, backoff=0.0, timeout=0.2, retries=1)
    assert out["geocode_status"].tolist() == ["timeout", "ok"]
    assert fake.count() == 3
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu"])
def test_bad_key_stops_the_run(env, monkeypatch, provider, tmp_path):
    fake = env()
    monkeypatch.setenv(ENV[provider], WRONG)
    out = geocode_table(table("人民路1号", "人民路2号", "人民路"), provider=provider,
                        city="苏州市", cache=tmp_path / "c", **FAST)
    assert out["geocode_status"].tolist() == ["bad_key"] * 3
    assert out.attrs["geocode_stopped"] == "bad_key"
    assert fake.count() == 1  # the rest is not asked
    assert WRONG not in out.attrs["geocode_message"]
    assert WRONG not in (tmp_path / "c" / "geocode.sqlite").read_bytes().decode("latin-1")


def test_missing_key_is_an_error_before_any_request(env, monkeypatch):
    fake = env()
    monkeypatch.delenv("AMAP_KEY")
    with pytest.raises(KeyMissingError, match="AMAP_KEY"):
        geocode_table(table("人民路1号"), provider="amap", cache=False)
    assert fake.count() == 0


def test_quota_stops_and_a_later_run_resumes(env, tmp_path):
    addresses = ("人民路1号", "人民路2号", "人民路3号", "人民路", "不存在的地方")
    first = env(quota_after=2)
    out = geocode_table(table(*addresses), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    assert out["geocode_status"].tolist() == ["ok", "ok", "quota", "quota", "quota"]
    assert out.attrs["geocode_stopped"] == "quota"
    assert first.count() == 3
    second = env()  # a fresh day: new server, same cache
    out = geocode_table(table(*addresses), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    assert out["geocode_status"].tolist() == ["ok", "ok", "ok", "needs_review", "not_found"]
    assert [r[1] for r in second.requests] == ["人民路3号", "人民路", "不存在的地方"]
    third = env()
    again = geocode_table(table(*addresses), provider="amap", city="苏州市",
                          cache=tmp_path / "c", **FAST)
    assert third.count() == 0
    pd.testing.assert_frame_equal(again, out)


# --- table handling, cache --------------------------------------------------------------------


def test_given_coordinates_are_kept_and_no_row_is_dropped(env):
    fake = env()
    df = table("人民路1号", "人民路2号", "", "人民路1号",
               经度=[120.1, None, None, np.nan], 纬度=[31.1, None, None, np.nan],
               坐标系=["gcj02", "gcj02", "gcj02", "gcj02"])
    out = geocode_table(df, provider="amap", city="苏州市", cache=False, **FAST)
    assert len(out) == 4 and out["名称"].tolist() == df["名称"].tolist()
    assert out["geocode_status"].tolist() == ["given", "ok", "failed", "ok"]
    assert out.loc[0, "经度"] == 120.1 and out.loc[0, "纬度"] == 31.1
    assert out["坐标系"].tolist() == ["gcj02", "wgs84", "gcj02", "wgs84"]
    assert "lon" not in out.columns  # written into the table's own coordinate columns
    assert out.loc[0, "geocode_provider"] == ""
    assert fake.count() == 2


def test_cache_normalises_queries_and_can_be_skipped(env, tmp_path):
    fake = env()
    geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=tmp_path / "c", **FAST)
    # full-width digits and spaces are the same query
    out = geocode_table(table(" 人民路 １号"), provider="amap", city="苏州市",
                        cache=tmp_path / "c", **FAST)
    assert out.loc[0, "geocode_status"] == "ok" and fake.count() == 1
    geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=False, **FAST)
    assert fake.count() == 2
    with GeocodeCache(tmp_path / "c") as c:
        assert len(c) == 1
    # the default cache lives in GEO_CACHE_DIR
    geocode_table(table("人民路1号"), provider="amap", city="苏州市", **FAST)
    assert (tmp_path / "cache" / "geocode" / "geocode.sqlite").exists()


def test_address_column_option_and_missing_column(env, tmp_path):
    env()
    df = pd.DataFrame({"where": ["人民路1号"]})
    out = geocode_table(df, provider="amap", city="苏州市", address_column="where",
                        cache=False, **FAST)
    assert out.loc[0, "geocode_status"] == "ok"
    from geo.errors import InputError

    with pytest.raises(InputError, match="address"):
        geocode_table(df, provider="amap", cache=False, **FAST)


def test_redact():
    url = f"http://x/v3/geocode/geo?address=a&key={KEY}&city=b"
    assert KEY not in redact(url) and "key=***" in redact(url)
    assert redact(f"the key {KEY} failed", KEY) == "the key *** failed"
    assert "ak=***" in redact("?ak=abc&x=1") and "tk=***" in redact("&tk=abc")


# --- command line -----------------------------------------------------------------------------

runner = CliRunner()


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_cli_geocode_writes_and_summarises(env, tmp_path):
    fake = env()
    src = write_csv(tmp_path / "in.csv", table("人民路1号", "人民路2号"))
    dst = tmp_path / "out.csv"
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 0, res.stderr
    assert "ok 2" in res.stderr and "needs_review 0" in res.stderr
    back = pd.read_csv(dst, encoding="utf-8-sig")
    assert back["geocode_status"].tolist() == ["ok", "ok"]
    import geo

    stations = geo.read_stations(dst)
    assert len(stations) == 2
    assert fake.count() == 2
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 0 and fake.count() == 2  # the re-run asks nothing
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--no-cache"])
    assert res.exit_code == 0 and fake.count() == 4


def test_cli_exit_1_when_rows_need_review(env, tmp_path):
    env()
    src = write_csv(tmp_path / "in.csv", table("人民路1号", "人民路", "不存在的地方"))
    res = runner.invoke(app, ["geocode", str(src), "-o", str(tmp_path / "o.xlsx"),
                              "--city", "苏州市", "--rate", "0", "--no-cache"])
    assert res.exit_code == 1
    assert "ok 1" in res.stderr and "needs_review 1" in res.stderr and "failed 1" in res.stderr
    assert len(pd.read_excel(tmp_path / "o.xlsx")) == 3


def test_cli_usage_errors(env, monkeypatch, tmp_path):
    env()
    src = write_csv(tmp_path / "in.csv", table("人民路1号"))
    res = runner.invoke(app, ["geocode", str(tmp_path / "missing.csv"), "-o",
                              str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "not found" in res.stderr
    monkeypatch.delenv("AMAP_KEY")
    res = runner.invoke(app, ["geocode", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "AMAP_KEY" in res.stderr
    res = runner.invoke(app, ["geocode", str(src), "-o", "x.csv", "--provider", "google"])
    assert res.exit_code == 2


def test_key_never_appears_anywhere(env, monkeypatch, tmp_path):
    fake = env(quota_after=3)
    # The key also travels in every request; make every kind of answer happen.
    src = write_csv(tmp_path / "in.csv",
                    table("人民路1号", "人民路", "故障路3号", "不存在的地方", "人民路2号"))
    dst = tmp_path / "out.csv"
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 1
    assert "quota" in res.stderr
    assert any(KEY in r[2] for r in fake.requests)  # it was really sent
    blobs = [res.stdout, res.stderr, dst.read_bytes().decode("utf-8-sig")]
    blobs += [p.read_bytes().decode("latin-1") for p in (tmp_path / "c").iterdir()]
    for blob in blobs:
        assert KEY not in blob
    # a wrong key: not in stderr either, exit 2
    monkeypatch.setenv("AMAP_KEY", WRONG)
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--no-cache"])
    assert res.exit_code == 2 and "refused" in res.stderr and WRONG not in res.stderr
    # unreachable server: the error carries no key
    fake.close()
    answer = request(PROVIDERS["amap"], "人民路1号", "苏州市", KEY, timeout=0.5)
    assert answer.status in {"server_error", "timeout"}
    assert KEY not in answer.message


def test_exceptions_carry_no_key(env, monkeypatch):
    env()
    monkeypatch.setenv("GEO_AMAP_URL", "http://127.0.0.1:1")  # nothing listens on port 1
    out = geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=False,
                        retries=0, **FAST)
    assert out.loc[0, "geocode_status"] == "server_error"
    assert KEY not in repr(out.to_dict()) and KEY not in str(out.attrs)


def test_missing_addresses_of_any_kind_fail_without_a_request(env):
    fake = env()
    df = pd.DataFrame({"地址": pd.array(["人民路1号", pd.NA, "  "], dtype="string[python]")})
    out = geocode_table(df, provider="amap", city="苏州市", cache=False, **FAST)
    assert out["geocode_status"].tolist() == ["ok", "failed", "failed"]
    assert fake.count() == 1
