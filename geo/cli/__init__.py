"""The ``geo`` command line: gathers options, calls the library, prints results.

One module per command (:mod:`~geo.cli.check`, :mod:`~geo.cli.maps`,
:mod:`~geo.cli.report`, :mod:`~geo.cli.geocode`, :mod:`~geo.cli.site`,
:mod:`~geo.cli.sweep`, :mod:`~geo.cli.network` for ``geo network …``); what they share is in
:mod:`~geo.cli.common`. Exit status of the analysis commands: 0 when coverage ≥
``--min-coverage`` (or no threshold was given), 1 when it is below, 2 for a
usage or input error (and, with ``--strict``, for any rejected row).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Any

from geo.cli import (  # noqa: F401  (register commands)
    check,
    geocode,
    maps,
    network,
    report,
    serve,
    site,
    sweep,
)
from geo.cli.common import EXIT_BELOW, EXIT_ERROR, EXIT_INTERNAL, EXIT_OK, app, parse_share
from geo.errors import GeoError

__all__ = ["EXIT_BELOW", "EXIT_ERROR", "EXIT_INTERNAL", "EXIT_OK", "OutputError", "app", "main",
           "parse_share"]


@app.callback()
def _root() -> None:
    """geo: service-station coverage mapper."""


class OutputError(GeoError, RuntimeError):
    """Standard output cannot be written (a full disk, ``/dev/full``, a closed pipe)."""


class _GuardedStdout:
    """``sys.stdout`` whose write errors are :class:`OutputError`, not ``OSError``: the
    command-line framework would turn a broken pipe into exit 1 ("below target")."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except OSError as exc:
            raise OutputError(f"cannot write output: {exc.strerror or exc}") from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputError(f"cannot write output: {exc.strerror or exc}") from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main() -> None:
    """Console-script entry point.

    Output that cannot be written (stdout on a full disk, ``> /dev/full``, a closed pipe)
    is exit 2 with ``cannot write output: <cause>``, never a traceback or the exit 1 of
    "below target".
    """
    logging.getLogger("geo").setLevel(logging.ERROR)  # the CLI prints rejected rows itself
    if sys.stdout is not None and not isinstance(sys.stdout, _GuardedStdout):
        sys.stdout = _GuardedStdout(sys.stdout)  # type: ignore[assignment]
    try:
        app()
    except SystemExit as exc:
        _flush_stdout()
        sys.exit(exc.code)
    except (OutputError, OSError) as exc:  # only writing the output happens outside
        _output_failed(exc)                 # user_errors
    _flush_stdout()


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except (OutputError, OSError) as exc:
        _output_failed(exc)


def _output_failed(exc: Exception) -> None:
    """Say that stdout could not be written (on stderr) and exit 2."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # nothing more to stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
    text = str(exc) if isinstance(exc, OutputError) else (
        f"cannot write output: {getattr(exc, 'strerror', None) or exc}")
    with contextlib.suppress(OSError):
        sys.stderr.write(f"geo: error: {text}\n")
        sys.stderr.flush()
    sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
