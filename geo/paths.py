"""Where ``geo`` keeps files: one cache root for every kind of cache, and outputs written whole
(a temporary name in the same folder, renamed when complete) or not at all."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["atomic_file", "cache_root", "free_space", "write_files"]


def cache_root(*parts: str) -> Path:
    """The cache folder ``$GEO_CACHE_DIR`` (or ``~/.cache/geo``), or a folder inside it.

    Parameters
    ----------
    *parts
        Sub-folders, e.g. ``"networks"``.

    Returns
    -------
    pathlib.Path
        Not created here.
    """
    root = os.environ.get("GEO_CACHE_DIR", "").strip()
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "geo"
    return base.joinpath(*parts)


def _tmp_name(final: Path) -> Path:
    return final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}{final.suffix}"


def _remove(path: Path) -> None:
    """Remove a file or folder left by a failed write, and the side files GDAL makes."""
    for p in (path, *(path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary name beside ``path`` that becomes ``path`` only when the block succeeds.

    A full disk, a read-only folder or a crash while writing leaves nothing half-written
    under the final name: the file there before (if any) stays as it was, and the
    temporary file is removed.

    Parameters
    ----------
    path
        The final file.

    Yields
    ------
    pathlib.Path
        Where to write: same folder, a hidden name ending in the same suffix (so a writer
        choosing its format by extension still does).
    """
    final = Path(path)
    tmp = _tmp_name(final)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(errno.ENOENT, "nothing was written", str(final))
        os.replace(tmp, final)
    finally:
        _remove(tmp)


def write_files(
    folder: str | os.PathLike[str], files: Mapping[str, bytes], *, last: str | None = None
) -> None:
    """Write several files into a folder so that each is whole or absent.

    Every file is first written under a temporary name in the folder; only when all of them
    are written are they renamed into place, ``last`` (a manifest listing the others) at
    the end, after the old ``last`` is removed. A failure while writing (a full disk)
    leaves the folder as it was (and removes it again when this call made it).

    Parameters
    ----------
    folder
        The folder (created when missing).
    files
        File name → bytes.
    last
        The name written last (its old copy removed before the others are renamed).

    Raises
    ------
    OSError
        When a file cannot be written; nothing new is under a final name then.
    """
    root = Path(folder)
    made = [p for p in (root, *root.parents) if not p.exists()]
    root.mkdir(parents=True, exist_ok=True)
    temps: dict[str, Path] = {}
    done = False
    try:
        for name, data in files.items():
            temps[name] = _tmp_name(root / name)
            temps[name].write_bytes(data)
        if last is not None:
            (root / last).unlink(missing_ok=True)
        for name in sorted(temps, key=lambda n: n == last):
            os.replace(temps[name], root / name)
        done = True
    finally:
        for tmp in temps.values():
            _remove(tmp)
        if not done:  # the folders made for this write go again: nothing is left behind
            for folder_made in made:
                with contextlib.suppress(OSError):
                    folder_made.rmdir()


def free_space(path: str | os.PathLike[str]) -> int | None:
    """Bytes free on the disk holding ``path`` (or its nearest existing parent); ``None`` if
    unknown.

    Parameters
    ----------
    path
        A file or folder, existing or not.

    Returns
    -------
    int or None
    """
    p = Path(path).absolute()
    for candidate in (p, *p.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None
