"""Broken geocoding services (issue 19): every bad answer is a row failure with its cause.

A raw socket server on a local port answers each request with scripted bytes (a cut body,
a garbage status line, a 64 kB header, JSON of the wrong shape, one byte a second), so
the faults are those of a real network, not of a mocked library.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import warnings

import pytest
from _helpers.geocode import KEY, table

from geo.geocode import geocode_table
from geo.geocode.providers import PROVIDERS, request


class RawServer:
    """Answers every connection with ``reply`` (bytes, or a callable writing to the socket)."""

    def __init__(self, reply: bytes | object) -> None:
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(2)
                conn.recv(65536)  # the request
                if callable(self.reply):
                    self.reply(conn, self.stop)
                else:
                    conn.sendall(self.reply)
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def raw(monkeypatch):
    servers: list[RawServer] = []
    for var in ("AMAP_KEY", "BAIDU_AK", "TIANDITU_TK"):
        monkeypatch.setenv(var, KEY)

    def start(reply):
        server = RawServer(reply)
        servers.append(server)
        for p in PROVIDERS.values():
            monkeypatch.setenv(p.url_env, server.url)
        return server

    yield start
    for s in servers:
        s.close()


def _http(body: bytes, *, length: int | None = None, extra: bytes = b"") -> bytes:
    n = len(body) if length is None else length
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + extra + f"Content-Length: {n}\r\nConnection: close\r\n\r\n".encode() + body)


def _json(obj: object) -> bytes:
    return _http(json.dumps(obj, ensure_ascii=False).encode())


BROKEN = {
    "truncated body": _http(b'{"status": "1", "geocodes": [', length=500),
    "garbage status line": b"\x00\x01garbage that is not HTTP\r\n\r\n",
    "64 kB header": b"HTTP/1.1 200 OK\r\nX-Junk: " + b"a" * 70_000 + b"\r\n\r\n{}",
    "too many headers": b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"\r\n{}",
}

WRONG_SHAPE = {
    "geocodes a dict": {"status": "1", "info": "OK", "infocode": "10000",
                        "geocodes": {"location": "120.62,31.30"}},
    "geocodes a string": {"status": "1", "info": "OK", "infocode": "10000", "geocodes": "x"},
    "geocode a list": {"status": "1", "info": "OK", "infocode": "10000", "geocodes": [[1, 2]]},
    "location not lon,lat": {"status": "1", "info": "OK", "infocode": "10000",
                             "geocodes": [{"location": "NaN,NaN", "level": "门牌号"}]},
    "location a number": {"status": "1", "info": "OK", "infocode": "10000",
                          "geocodes": [{"location": 12062, "level": "门牌号"}]},
    "location infinite": {"status": "1", "info": "OK", "infocode": "10000",
                          "geocodes": [{"location": "inf,31.3", "level": "门牌号"}]},
    "a JSON list": [1, 2, 3],
    "a JSON string": "ok",
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_http_answers_are_row_failures(raw, case):
    raw(BROKEN[case])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = geocode_table(table("人民路1号"), provider="amap", city="苏州市", cache=False,
                            rate=0, backoff=0.0, retries=1, timeout=3)
    status, message = out.loc[0, "geocode_status"], out.loc[0, "geocode_message"]
    assert status == "server_error", (status, message)
    assert "broken answer" in message and KEY not in message


@pytest.mark.parametrize("case", list(WRONG_SHAPE))
@pytest.mark.parametrize("provider", ["amap", "baidu", "tianditu", "nominatim"])
def test_answers_of_the_wrong_shape_are_row_failures(raw, case, provider):
    raw(_json(WRONG_SHAPE[case]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = geocode_table(table("人民路1号", "人民路2号"), provider=provider, city="苏州市",
                            cache=False, rate=0, backoff=0.0, retries=0, timeout=3)
    assert set(out["geocode_status"]) <= {"failed", "not_found", "server_error"}, out
    assert out["geocode_message"].str.len().gt(0).all()
    assert out["lon"].isna().all()
    # in words, never an exception's name (the audit saw '(KeyError: 0)')
    assert not out["geocode_message"].str.contains(r"[A-Z][a-z]+Error\b").any(), out


@pytest.mark.parametrize("shape", [
    {"status": "0", "result": []},  # baidu: result a list
    {"status": 0, "result": {"location": "120,31"}},  # baidu: location a string
    {"status": "0", "location": ["a"]},  # tianditu
    [{"lon": "x"}], ["place"], [None],  # nominatim: entries not objects
])
def test_provider_specific_wrong_shapes(raw, shape):
    raw(_json(shape))
    for name in ("amap", "baidu", "tianditu", "nominatim"):
        answer = request(PROVIDERS[name], "人民路1号", "苏州市", KEY, timeout=3)
        assert answer.status in {"failed", "not_found", "server_error"}, (name, answer)
        assert answer.lon is None and answer.message


def _drip(conn: socket.socket, stop: threading.Event) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}":
        if stop.is_set():
            return
        conn.sendall(bytes([byte]))
        time.sleep(0.25)


def test_a_dripping_server_is_cut_at_the_timeout(raw):
    raw(_drip)
    t0 = time.monotonic()
    answer = request(PROVIDERS["amap"], "人民路1号", "苏州市", KEY, timeout=1.0)
    took = time.monotonic() - t0
    assert answer.status == "timeout" and "1 s" in answer.message
    assert took < 2.0


def _drip_body(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        if stop.is_set():
            return
        conn.sendall(b" ")
        time.sleep(0.25)


def test_a_body_dripping_past_the_timeout_is_cut(raw):
    raw(_drip_body)
    t0 = time.monotonic()
    answer = request(PROVIDERS["baidu"], "人民路1号", "苏州市", KEY, timeout=1.0)
    assert answer.status == "timeout"
    assert time.monotonic() - t0 < 2.0


def test_cli_on_a_broken_service_exits_with_the_rows_failed(raw, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from geo.cli import app
    from geo.geocode import run as run_module

    monkeypatch.setattr(run_module.time, "sleep", lambda seconds: None)  # the CLI's backoff

    raw(BROKEN["garbage status line"])
    src = tmp_path / "in.csv"
    table("人民路1号", "人民路2号").to_csv(src, index=False)
    res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(tmp_path / "out.csv"),
                                   "--no-cache", "--rate", "0", "--timeout", "2"])
    assert res.exit_code in (1, 2), res.output
    assert "unexpected" not in res.output and "Traceback" not in res.output


def test_a_service_that_is_not_the_provider_stops_the_run(raw, tmp_path, monkeypatch):
    """Three answers in a row that are not the provider's (not HTTP here): the service at
    that address is unusable, and asking 2,000 more rows would only take hours of retries."""
    from typer.testing import CliRunner

    from geo.cli import app

    raw(BROKEN["garbage status line"])
    rows = [f"人民路{i}号" for i in range(1, 8)]
    out = geocode_table(table(*rows), provider="amap", city="苏州市", cache=False, rate=0,
                        backoff=0.0, retries=1, timeout=3)
    assert out["geocode_status"].tolist() == ["server_error"] * 7
    assert out.attrs["geocode_stopped"] == "unusable"
    assert "3 answers in a row were not amap's" in out.attrs["geocode_message"]
    assert out["geocode_message"].str.startswith("not asked").sum() == 4
    src = tmp_path / "in.csv"
    table(*rows).to_csv(src, index=False)
    from geo.geocode import run as run_module

    monkeypatch.setattr(run_module.time, "sleep", lambda seconds: None)  # the CLI's backoff
    res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(tmp_path / "out.csv"),
                                   "--no-cache", "--rate", "0", "--timeout", "2"])
    assert res.exit_code == 2, res.output
    assert "does not answer as amap does" in res.output and "GEO_AMAP_URL" in res.output
    assert (tmp_path / "out.csv").exists()  # every row listed, with why


def _json_values():
    from hypothesis import strategies as st

    leaves = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
              | st.text(max_size=12) | st.sampled_from(["120.62,31.30", "NaN,NaN", "inf,31",
                                                         "1e999,1e999", "120.6", "0,0"]))
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.sampled_from(
                            ["status", "info", "infocode", "geocodes", "location", "level",
                             "result", "lng", "lat", "lon", "precise", "confidence", "msg",
                             "place_rank", "addresstype", "display_name", "error", "count"]),
                            inner, max_size=6), max_leaves=12)


def test_any_json_answer_is_a_row_status_never_an_exception():
    """Fuzz (seeded): whatever JSON a service answers, each provider's reading is an Answer
    with a known status and finite coordinates or none; no exception, no RuntimeWarning."""
    from hypothesis import given, seed, settings

    from geo.geocode.providers import STATUSES, _finish, _parse

    @seed(19)
    @settings(max_examples=300, deadline=None, database=None)
    @given(body=_json_values())
    def check(body):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for name in ("amap", "baidu", "tianditu", "nominatim"):
                answer = _finish(PROVIDERS[name], _parse(PROVIDERS[name], body), KEY)
                assert answer.status in STATUSES
                assert (answer.lon is None) == (answer.lat is None)
                if answer.lon is not None:
                    assert abs(answer.lon) <= 180 and abs(answer.lat) <= 90
                answer.to_json()

    check()


def _dripping(tries: list[int]):
    """A service that answers one byte every 0.25 s (never within a short timeout); each
    connection is counted in ``tries``."""
    def reply(conn: socket.socket, stop: threading.Event) -> None:
        tries.append(1)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}":
            if stop.wait(0.25):  # not time.sleep: the CLI test skips the backoff's sleeps
                return
            conn.sendall(bytes([byte]))
    return reply


def test_a_dripping_service_stops_the_run_after_three_rows(raw):
    """Audit: each request was cut at the timeout, but every row was tried 4 times with
    backoff and timeouts never stopped the run: 1,000 rows at --timeout 3 took ~5 hours.
    Now the first row gets its tries, the next rows one each, and three rows in a row
    without an answer stop the run; the rows not asked say so."""
    tries: list[int] = []
    raw(_dripping(tries))
    start = time.monotonic()
    out = geocode_table(table(*[f"人民路{i}号" for i in range(1, 11)]), provider="amap",
                        city="苏州市", cache=False, rate=0, backoff=0.0, retries=3, timeout=0.5)
    assert time.monotonic() - start < 60  # generous: about 3 s; it took 20 s and more
    assert out.attrs["geocode_stopped"] == "timeout"
    assert out.attrs["geocode_message"] == ("3 addresses in a row got no complete answer "
                                            "within 0.5 s (the first tried 4 times)")
    assert out["geocode_status"].tolist() == ["timeout"] * 10
    notes = out["geocode_message"].tolist()
    assert notes[:3] == ["no complete answer within 0.5 s"] * 3
    assert notes[3:] == ["not asked: the run stopped (timeout) on an earlier row"] * 7
    assert len(tries) == 4 + 1 + 1


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "1e9"])
def test_a_timeout_that_cannot_be_waited_is_a_usage_error(raw, tmp_path, value):
    from typer.testing import CliRunner

    from geo.cli import app

    raw(_dripping([]))
    src = tmp_path / "in.csv"
    table("人民路1号").to_csv(src, index=False)
    res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(tmp_path / "out.csv"),
                                   "--no-cache", "--timeout", value])
    assert res.exit_code == 2, res.output
    assert "cannot be used: give the seconds to wait for each answer" in res.stderr
    assert not (tmp_path / "out.csv").exists()


def test_cli_on_a_dripping_service_exits_2_naming_the_service(raw, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from geo.cli import app
    from geo.geocode import run as run_module

    monkeypatch.setattr(run_module.time, "sleep", lambda seconds: None)  # the CLI's backoff
    tries: list[int] = []
    server = raw(_dripping(tries))
    src = tmp_path / "in.csv"
    table(*[f"人民路{i}号" for i in range(1, 31)]).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(out), "--rate", "0",
                                   "--timeout", "0.5"])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith(f"geo: error: the service at {server.url} is not answering: 3 "
                           "addresses in a row got no complete answer within 0.5 s"), line
    assert "retry later, or give a larger --timeout (now 0.5 s; e.g. --timeout 30)" in line
    assert "answers so far are cached: a re-run asks only the rows without one" in line
    assert f"{out} lists every row (27 not asked)" in line
    assert "Traceback" not in res.output and KEY not in res.output
    assert len(tries) == 4 + 1 + 1
    written = out.read_text(encoding="utf-8-sig")
    assert written.count("not asked: the run stopped (timeout)") == 27


def test_cli_on_a_failing_service_exits_2_naming_it(raw, tmp_path, monkeypatch):
    """A service answering HTTP 503 to every address: exit 2 after three rows, naming it
    (before: every row its retries and back-off, about 2 hours for 1,000 rows)."""
    from typer.testing import CliRunner

    from geo.cli import app
    from geo.geocode import run as run_module

    monkeypatch.setattr(run_module.time, "sleep", lambda seconds: None)  # the CLI's backoff
    body = b"<html>503 Service Temporarily Unavailable</html>"
    server = raw(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
                 + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                 + body)
    src = tmp_path / "in.csv"
    table(*[f"人民路{i}号" for i in range(1, 31)]).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(out), "--rate", "0"])
    assert res.exit_code == 2, res.output
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith(f"geo: error: the service at {server.url} is failing: 3 addresses "
                           "in a row got a server error"), line
    assert "Traceback" not in res.output and KEY not in res.output
    assert out.read_text(encoding="utf-8-sig").count("not asked: the run stopped") == 27
