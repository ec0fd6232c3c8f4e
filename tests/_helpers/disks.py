"""Small real disks for fault tests: a full one and a read-only one (tmpfs mounts).

Mounting needs root (and a container that allows it); a test using these skips where it
cannot mount. Tests that must run everywhere simulate the fault with monkeypatch instead.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "64k", *, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``folder`` (read-only when asked); skip when impossible."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    run = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                         capture_output=True, check=False)
    if run.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {run.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path, leave: int = 0) -> None:
    """Fill a disk so that only about ``leave`` bytes stay free."""
    import shutil

    free = shutil.disk_usage(folder).free - leave
    with contextlib.suppress(OSError), open(folder / ".filler", "wb") as fh:
        fh.write(b"\0" * max(free, 0))
