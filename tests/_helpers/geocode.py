"""Geocoding offline: fake providers on a local port, the demo address list, cache fixtures.

``FakeProviders`` answers as the providers document (``tests/data/geocode/*.json``, written
from each provider's documented response format, not recorded from the services). The
fixtures ``env`` and ``_cache`` are made available to a folder by its conftest.py.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

import geo
from _helpers import ROOT
from geo.geocode.providers import PROVIDERS

DATA = ROOT / "tests" / "data" / "geocode"
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


ADDRESSES = ROOT / "data" / "canglang" / "stations_addresses.xlsx"
STATIONS = ROOT / "data" / "canglang" / "stations.csv"


@pytest.fixture(autouse=True)
def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("AMAP_KEY", "BAIDU_AK", "TIANDITU_TK"):
        monkeypatch.delenv(var, raising=False)


def _reference() -> pd.DataFrame:
    ref = geo.read_stations(STATIONS, crs="gcj02")
    return ref.set_index("id")
