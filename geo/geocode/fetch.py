"""One HTTP GET bounded as a whole: connect, headers and body within one deadline.

``urllib``'s ``timeout`` bounds each socket operation, so a server that sends one byte a
second never times out. Here every receive and send on the connection gets only the time
left until the request's deadline (:class:`Deadline`), and the body is read in chunks up
to a size cap. Proxies from the environment (``HTTPS_PROXY``...) still apply: the request
goes through ``urllib``'s opener with connection classes that carry the deadline.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
import urllib.request
from typing import Any

__all__ = ["BrokenAnswerError", "Deadline", "TooLargeError", "get"]

_CHUNK = 64 * 1024


class BrokenAnswerError(OSError):
    """The server's answer is not a complete HTTP response (cut, garbled, oversized header)."""


class TooLargeError(OSError):
    """The answer is larger than the caller accepts."""


class Deadline:
    """A moment after which the request gives up.

    Parameters
    ----------
    seconds
        Time from now.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.end = time.monotonic() + self.seconds

    def left(self) -> float:
        """Seconds left; ``TimeoutError`` when none are.

        Returns
        -------
        float
        """
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")
        return left


class _DeadlineSocket:
    """A connected socket whose every send and receive waits at most until the deadline."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline
        self._io_refs = 0
        self._closed = False

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer, nbytes, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._sock.settimeout(self._deadline.left())
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        self._io_refs += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def _decref_socketios(self) -> None:
        self._io_refs -= 1
        if self._closed and self._io_refs <= 0:
            self._sock.close()

    def close(self) -> None:
        self._closed = True
        if self._io_refs <= 0:
            self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _bounded(base: type[http.client.HTTPConnection], deadline: Deadline) -> type:
    class Bounded(base):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            self.timeout = deadline.left()
            super().connect()
            self.sock = _DeadlineSocket(self.sock, deadline)

    return Bounded


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_bounded(http.client.HTTPConnection, self.deadline), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_bounded(http.client.HTTPSConnection, self.deadline), req,
                            context=self._context)


def get(url: str, headers: dict[str, str], timeout: float, max_bytes: int) -> bytes:
    """GET ``url`` and return the body, everything within ``timeout`` seconds.

    Parameters
    ----------
    url
        The address (http or https).
    headers
        Request headers.
    timeout
        Seconds for the whole request: connecting, the headers and the body.
    max_bytes
        The largest body accepted.

    Returns
    -------
    bytes

    Raises
    ------
    TimeoutError
        When the deadline passes (also while the server drips).
    urllib.error.HTTPError
        For an HTTP error status (its body can still be read).
    urllib.error.URLError
        When the server cannot be reached.
    BrokenAnswerError
        When the answer is not a complete HTTP response.
    TooLargeError
        When the body is larger than ``max_bytes``.
    """
    deadline = Deadline(timeout)
    opener = urllib.request.build_opener(_HTTP(deadline), _HTTPS(deadline))
    req = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(req, timeout=deadline.left()) as resp:
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = resp.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise TooLargeError(f"the answer is larger than {max_bytes:,} bytes")
                chunks.append(chunk)
            if resp.length:  # Content-Length promised more than came
                raise http.client.IncompleteRead(b"".join(chunks), resp.length)
    except http.client.HTTPException as exc:
        if isinstance(exc, ConnectionError):  # RemoteDisconnected: closed before answering
            raise
        if time.monotonic() >= deadline.end:
            raise TimeoutError(f"no complete answer within {timeout:g} s") from None
        raise BrokenAnswerError(_describe(exc)) from None
    return b"".join(chunks)


def _describe(exc: http.client.HTTPException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return f"the answer was cut off ({len(exc.partial):,} bytes read)"
    if isinstance(exc, http.client.LineTooLong):
        return "a header line is too long"
    if isinstance(exc, http.client.BadStatusLine):
        return "the status line is not HTTP"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
