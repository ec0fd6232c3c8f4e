"""Clusters (``geo.distributed.cluster``): a local one started and closed, clear errors."""

from __future__ import annotations

import pytest
from _helpers.distributed import DEMO, DEMO_ARGS, assert_same

import geo
from geo.distributed import DaskEngine, DaskNotInstalledError, SchedulerError
from geo.distributed import cluster as clustermod

distributed = pytest.importorskip("distributed")


def test_local_cluster_started_and_closed():
    """Without a scheduler (and no active client) a local cluster runs the job and stops."""
    with pytest.raises(ValueError, match="client"):
        distributed.get_client()
    stations = DEMO / "stations.csv"
    engine = DaskEngine(partitions=2, processes=False)
    dask = geo.analyze(stations, demand=DEMO_ARGS["demand"], engine=engine)
    assert_same(geo.analyze(stations, demand=DEMO_ARGS["demand"]), dask)
    with pytest.raises(ValueError, match="client"):
        distributed.get_client()


def test_unreachable_scheduler_says_so(monkeypatch):
    monkeypatch.setattr(clustermod, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(SchedulerError, match=r"tcp://127\.0\.0\.1:9.*scheduler"):
        geo.analyze(
            DEMO / "stations.csv",
            demand=DEMO_ARGS["demand"],
            engine="dask",
            scheduler="tcp://127.0.0.1:9",
        )


def test_missing_dask_says_how_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(DaskNotInstalledError, match=r"pip install 'geo\[dask\]'"):
        geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"], engine="dask")


@pytest.fixture
def not_dask_server():
    """A local TCP port that answers every connection with an HTTP error page (offline)."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n"
                             + b"<html><body>not here</body></html>" * 20)
            except OSError:
                pass

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    server.close()


def test_a_port_that_is_not_dask_names_the_address(monkeypatch, not_dask_server):
    """Issue 18 item 9 / issue 19: an HTTP answer was read as a 3 EiB message (MemoryError)."""
    monkeypatch.setattr(clustermod, "CONNECT_TIMEOUT_S", 3.0)
    address = not_dask_server.replace(".", r"\.")
    with pytest.raises(SchedulerError, match=rf"'{address}' answered, but it is not a Dask"):
        geo.analyze(
            DEMO / "stations.csv", demand=DEMO_ARGS["demand"], engine="dask",
            scheduler=not_dask_server,
        )


def test_cli_a_port_that_is_not_dask_exits_2(monkeypatch, not_dask_server):
    from typer.testing import CliRunner

    from geo.cli import app

    monkeypatch.setattr(clustermod, "CONNECT_TIMEOUT_S", 3.0)
    res = CliRunner().invoke(app, [
        "check", str(DEMO / "stations.csv"), "--demand", str(DEMO_ARGS["demand"]),
        "--engine", "dask", "--scheduler", not_dask_server,
    ])
    assert res.exit_code == 2, res.output
    assert not_dask_server in res.output
    assert "not a Dask scheduler" in res.output
    assert "MemoryError" not in res.output and "EiB" not in res.output


@pytest.fixture
def silent_server():
    """A local TCP port that accepts every connection and never says a word."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def test_a_port_that_accepts_and_never_answers_gives_up_at_the_timeout(
    monkeypatch, silent_server
):
    """Dask's Client bounds the connection, not the handshake after it: without geo's own
    deadline this waited for ever."""
    import time

    from typer.testing import CliRunner

    from geo.cli import app

    monkeypatch.setattr(clustermod, "CONNECT_TIMEOUT_S", 2.0)
    start = time.monotonic()
    res = CliRunner().invoke(app, [
        "check", str(DEMO / "stations.csv"), "--demand", str(DEMO_ARGS["demand"]),
        "--engine", "dask", "--scheduler", silent_server,
    ])
    assert res.exit_code == 2, res.output
    assert f"something at '{silent_server}' accepted the connection but gave no Dask " \
        "answer within 2 s" in " ".join(res.output.split())
    assert time.monotonic() - start < 60  # gave up, however loaded the machine


def test_nothing_listening_is_cannot_reach(monkeypatch):
    from _helpers.osm import closed_port_url

    address = closed_port_url().replace("http://", "tcp://").removesuffix("/api")
    monkeypatch.setattr(clustermod, "CONNECT_TIMEOUT_S", 2.0)
    with pytest.raises(SchedulerError, match=r"cannot reach the Dask scheduler"):
        geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"], engine="dask",
                    scheduler=address)


def test_the_docs_local_cluster_example_runs_as_a_script(tmp_path):
    """docs/scale-out.md's first Python example, run as a plain script (worker processes)."""
    import re
    import subprocess
    import sys

    root = DEMO.parent.parent
    text = (root / "docs" / "scale-out.md").read_text(encoding="utf-8")
    example = re.findall(r"```python\n(.*?)```", text, flags=re.S)[0]
    assert 'if __name__ == "__main__":' in example
    script = tmp_path / "example.py"
    script.write_text(example, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True,
                         text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    share = float(run.stdout.strip().splitlines()[-1])
    local = geo.analyze(DEMO / "stations.csv", demand=DEMO_ARGS["demand"])
    assert abs(share - local.coverage) < 1e-12
