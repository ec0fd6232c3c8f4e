"""Connecting to Dask: a local cluster, an existing scheduler or the active client.

``geo`` never schedules work itself: every partition and scenario is a Dask task,
so whatever Dask deployment runs them (a ``LocalCluster`` on this machine,
dask-jobqueue on a batch system, Kubernetes, Coiled) retries a task whose worker
was lost and shows it on its dashboard.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from geo.errors import GeoError

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DaskError",
    "DaskNotInstalledError",
    "ProgressArg",
    "SchedulerError",
    "announce",
    "dask_client",
    "default_workers",
    "require_dask",
    "wait_all",
]

log = logging.getLogger("geo")

#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT_S = 10.0

ProgressArg = bool | Callable[[float, float], Any] | None


class DaskError(GeoError, RuntimeError):
    """The Dask engine could not run (not installed, scheduler unreachable)."""


class DaskNotInstalledError(DaskError, ImportError):
    """Dask (``distributed``, ``dask-geopandas``) is not installed."""


class SchedulerError(DaskError, ConnectionError):
    """The Dask scheduler at the given address cannot be reached."""


def require_dask() -> Any:
    """Import ``distributed``, or say how to install it.

    Returns
    -------
    module
        The ``distributed`` package.

    Raises
    ------
    DaskNotInstalledError
        When Dask's distributed scheduler is not installed.
    """
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise DaskNotInstalledError(
            "the Dask engine needs Dask: pip install 'geo[dask]' "
            f"(dask[distributed] and dask-geopandas); {exc}"
        ) from exc
    return distributed


def default_workers(partitions: int | None = None) -> int:
    """Worker processes of a local cluster: one per CPU, no more than the partitions."""
    cpus = os.cpu_count() or 1
    return max(1, min(cpus, partitions) if partitions else cpus)


@contextmanager
def dask_client(
    scheduler: Any = None, *, n_workers: int | None = None, processes: bool = True
) -> Iterator[Any]:
    """A Dask client for one job, closed afterwards if this function opened it.

    Parameters
    ----------
    scheduler
        ``None``: the active Dask client (``distributed.get_client``) if there is
        one, else a ``LocalCluster`` started for this job (``n_workers`` processes
        of one thread each) and closed at the end. A string: the address of a
        running scheduler (``tcp://host:8786``), connected to and disconnected at
        the end (the cluster itself is left running). A ``distributed.Client``:
        used as it is.
    n_workers
        Worker processes of a local cluster (default: one per CPU).
    processes
        Whether a local cluster uses worker processes (``False``: threads of this
        process, quicker to start; for small jobs and tests).

    Yields
    ------
    distributed.Client

    Raises
    ------
    SchedulerError
        When the scheduler at ``scheduler`` cannot be reached.
    """
    distributed = require_dask()
    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if scheduler is None:
        active = _active_client(distributed)
        if active is not None:
            log.info("Dask: using the active client (%s)", _describe(active))
            yield active
            return
        yield from _local_client(distributed, n_workers or default_workers(), processes)
        return
    yield from _remote_client(distributed, str(scheduler))


def _active_client(distributed: Any) -> Any:
    try:
        return distributed.get_client()
    except ValueError:
        return None


def _local_client(distributed: Any, n_workers: int, processes: bool) -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=":0",  # a free port: several clusters may run on one machine
        silence_logs=logging.ERROR,
    )
    try:
        with distributed.Client(cluster) as client:
            log.info("Dask: local cluster of %d worker(s) (%s)", n_workers, _describe(client))
            yield client
    finally:
        cluster.close()


def _probe(address: str, timeout: float) -> None:
    """Connect to ``address`` and complete Dask's handshake within ``timeout`` seconds.

    ``distributed.Client(timeout=...)`` bounds the connection but not the handshake that
    follows: a service that accepts the connection and never answers would hold it for
    ever. The probe runs in a thread of its own (with its own event loop, so it also
    works where one is running, as in Jupyter) and gives up at the deadline.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect

    async def probe() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        await comm.close()

    _tcp_reachable(address, timeout)
    with ThreadPoolExecutor(1, thread_name_prefix="geo-dask-probe") as pool:
        try:
            pool.submit(asyncio.run, probe()).result()
        except TimeoutError:
            raise _SilentServiceError(
                f"something at '{address}' accepted the connection but gave no Dask answer "
                f"within {timeout:g} s: is it a Dask scheduler? Give the scheduler's own "
                "address (tcp://host:8786 by default; 8787 is its dashboard), or leave out "
                "the scheduler to start a local cluster") from None


class _SilentServiceError(SchedulerError):
    """A service that accepted the connection and never answered as Dask does."""


def _tcp_reachable(address: str, timeout: float) -> None:
    """Open (and close) a plain TCP connection to a ``tcp://`` address within ``timeout``:
    ``OSError``/``TimeoutError`` when nothing accepts it there."""
    import socket

    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    scheme, loc = parse_address(address)
    if scheme != "tcp":
        return
    host, port = parse_host_port(loc)
    socket.create_connection((host, port), timeout=timeout).close()


def _remote_client(distributed: Any, address: str) -> Iterator[Any]:
    try:
        _probe(address, CONNECT_TIMEOUT_S)
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except _SilentServiceError:
        raise
    except (OSError, TimeoutError, ValueError) as exc:
        why = (f"no answer within {CONNECT_TIMEOUT_S:g} s" if isinstance(exc, TimeoutError)
               else _short(exc))
        raise SchedulerError(
            f"cannot reach the Dask scheduler at '{address}' ({why}); check the "
            "address (tcp://host:8786) and that the scheduler is running, or leave out the "
            "scheduler to start a local cluster"
        ) from exc
    except Exception as exc:  # something answered, but not in Dask's protocol
        # A web server, the Dask dashboard (port 8787) or any other service: Dask reads its
        # first bytes as a message length (an "HTTP/1.1" answer asks for 3 EiB: MemoryError),
        # or fails to decode them. Whatever it raised, the address is the user's mistake.
        raise SchedulerError(
            f"the service at '{address}' answered, but it is not a Dask scheduler "
            f"({_not_dask(exc)}); give the scheduler's own address "
            "(tcp://host:8786 by default; 8787 is its dashboard, not the scheduler)"
        ) from exc
    try:
        log.info("Dask: connected to %s", _describe(client))
        yield client
    finally:
        client.close()


def _not_dask(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "its answer is not a Dask message"
    return f"{type(exc).__name__}: {_short(exc)}"


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _has_bokeh() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def _describe(client: Any) -> str:
    link = getattr(client, "dashboard_link", None) if _has_bokeh() else None
    where = client.scheduler.address if client.scheduler is not None else "?"
    return f"scheduler {where}" + (f", dashboard {link}" if link else "")


def announce(client: Any, what: str) -> None:
    """Say on stderr (through the log) what runs where, with the dashboard link."""
    log.info("Dask: %s on %s", what, _describe(client))


def wait_all(futures: Sequence[Any], *, progress: ProgressArg, label: str) -> list[Any]:
    """Gather futures in order, reporting progress as they finish.

    Parameters
    ----------
    futures
        Dask futures.
    progress
        ``True``: a tqdm bar on stderr; a callable: ``progress(done, total)``;
        ``None``/``False``: silent.
    label
        What the bar counts.

    Returns
    -------
    list
        The results, in the order of ``futures``.
    """
    distributed = require_dask()
    total = len(futures)
    if total == 0:
        return []
    report = _reporter(progress, total, label)
    try:
        finished = distributed.as_completed(futures, loop=futures[0].client.loop)
        for done, _ in enumerate(finished, start=1):
            report(done, total)
    finally:
        report(-1, total)
    return [f.result() for f in futures]


def _reporter(progress: ProgressArg, total: int, label: str) -> Callable[[float, float], Any]:
    if callable(progress):
        fn = progress
        return lambda done, tot: fn(done, tot) if done >= 0 else None
    if not progress:
        return lambda done, tot: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="task", file=sys.stderr)

    def update(done: float, tot: float) -> None:
        if done < 0:
            bar.close()
        else:
            bar.update(int(done) - bar.n)

    return update
