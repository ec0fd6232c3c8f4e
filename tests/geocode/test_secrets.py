"""Provider keys never leave the process: not in the cache, the table, a traceback or a log.

Issue 14's edges: a provider answer that echoes the key was cached and written as
``geocode_level``; ``GEO_DEBUG=1`` printed the key in a URL; a 300 MB answer was read
whole and cached.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from geo.cli import app
from geo.geocode import geocode_table
from geo.geocode.providers import MAX_ANSWER_BYTES

KEY = "EchoedKey0123456789abcdef"


class _Echo(BaseHTTPRequestHandler):
    """An Amap-like service that puts the caller's key into its answer (or a huge body)."""

    huge = False

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if type(self).huge:
            self.wfile.write(b'{"status":"1","pad":"' + b"x" * (MAX_ANSWER_BYTES + 10) + b'"}')
            return
        key = self.path.split("key=")[1].split("&")[0]
        body = {"status": "1", "info": f"OK for {key}", "infocode": "10000", "count": "1",
                "geocodes": [{"formatted_address": f"江苏省苏州市姑苏区 {key}",
                              "province": "江苏省", "city": "苏州市", "district": "姑苏区",
                              "location": "120.62,31.30", "level": f"门牌号 {key}"}]}
        self.wfile.write(json.dumps(body, ensure_ascii=False).encode("utf-8"))


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GEO_AMAP_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AMAP_KEY", KEY)
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    table = pd.DataFrame({"名称": ["甲站"], "地址": ["苏州市姑苏区人民路1号"]})
    path = tmp_path / "addr.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    yield path
    server.shutdown()
    _Echo.huge = False


def _everything_written(root: Path) -> str:
    text = []
    for f in root.rglob("*"):
        if f.is_file() and f.suffix == ".sqlite":
            con = sqlite3.connect(f)
            text += [str(row) for t in ("answers",) for row in con.execute(f"select * from {t}")]
            con.close()
        elif f.is_file():
            text.append(f.read_bytes().decode("utf-8", errors="ignore"))
    return "\n".join(text)


def test_an_echoed_key_is_redacted_in_the_table_and_the_cache(echo: Path, tmp_path: Path) -> None:
    table = geocode_table(echo, provider="amap", city="苏州市", rate=0)
    # answered (its odd precision word makes it a row to review)
    assert table["geocode_status"].tolist() == ["needs_review"]
    assert KEY not in table.to_csv() and "***" in table["geocode_level"].iloc[0]
    cache = tmp_path / "cache"
    assert any(cache.rglob("*")), "the answer was cached"
    assert KEY not in _everything_written(cache)


def test_the_command_line_output_holds_no_key(echo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(app, ["geocode", str(echo), "-o", str(out), "--provider", "amap",
                                   "--city", "苏州市"])
    assert res.exit_code in (0, 1), res.output
    assert KEY not in res.output and KEY.encode() not in out.read_bytes()
    import zipfile

    with zipfile.ZipFile(out) as z:
        assert all(KEY not in z.read(n).decode("utf-8", "ignore") for n in z.namelist())


def test_an_answer_over_one_megabyte_is_not_read_nor_cached(echo: Path, tmp_path: Path) -> None:
    _Echo.huge = True
    table = geocode_table(echo, provider="amap", city="苏州市", rate=0, retries=0)
    assert table["geocode_status"].tolist() == ["server_error"]
    assert "x" * 1000 not in _everything_written(tmp_path / "cache")


def test_a_debug_traceback_carries_no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AMAP_KEY", KEY)
    monkeypatch.setenv("GEO_DEBUG", "1")
    import geo.geocode.run as run

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"failed at https://restapi.amap.com/v3/geocode/geo?key={KEY}&x=1")

    monkeypatch.setattr(run, "_geocode_rows", boom)
    src = tmp_path / "a.csv"
    src.write_text("地址\n苏州市姑苏区人民路1号\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(tmp_path / "o.csv"),
                                   "--provider", "amap"])
    assert res.exit_code == 3
    assert "Traceback" in res.stderr and "RuntimeError" in res.stderr
    assert KEY not in res.stderr and KEY not in res.stdout
