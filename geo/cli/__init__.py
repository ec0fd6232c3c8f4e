"""The ``geo`` command line: gathers options, calls the library, prints results.

One module per command (:mod:`~geo.cli.check`, :mod:`~geo.cli.maps`,
:mod:`~geo.cli.report`, :mod:`~geo.cli.geocode`, :mod:`~geo.cli.site`,
:mod:`~geo.cli.sweep`, :mod:`~geo.cli.network` for ``geo network …``); what they share is in
:mod:`~geo.cli.common`. Exit status of the analysis commands: 0 when coverage ≥
``--min-coverage`` (or no threshold was given), 1 when it is below, 2 for a
usage or input error (and, with ``--strict``, for any rejected row).
"""

from __future__ import annotations

import logging
import sys

from geo.cli import (  # noqa: F401  (register commands)
    check,
    geocode,
    maps,
    network,
    report,
    site,
    sweep,
)
from geo.cli.common import EXIT_BELOW, EXIT_ERROR, EXIT_INTERNAL, EXIT_OK, app, parse_share

__all__ = ["EXIT_BELOW", "EXIT_ERROR", "EXIT_INTERNAL", "EXIT_OK", "app", "main", "parse_share"]


@app.callback()
def _root() -> None:
    """geo: service-station coverage mapper."""


def main() -> None:
    """Console-script entry point."""
    logging.getLogger("geo").setLevel(logging.ERROR)  # the CLI prints rejected rows itself
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)


if __name__ == "__main__":
    main()
