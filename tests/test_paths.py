"""Where geo keeps files (``geo.paths``): outputs written whole or not at all."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from geo.paths import atomic_file, free_space, write_files


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_atomic_file_replaces_only_when_complete(tmp_path):
    final = tmp_path / "out.gpkg"
    final.write_bytes(b"old")
    seen = []

    def write_then_fail():
        with atomic_file(final) as tmp:
            seen.append(tmp)
            tmp.write_bytes(b"half")
            _enospc()

    with pytest.raises(OSError, match="No space left"):
        write_then_fail()
    [tmp] = seen
    assert tmp.parent == tmp_path and tmp.suffix == ".gpkg" and tmp.name.startswith(".")
    assert final.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]  # no temporary left
    with atomic_file(final) as tmp:
        tmp.write_bytes(b"new")
    assert final.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]


def test_write_files_puts_nothing_in_place_on_a_failure(tmp_path, monkeypatch):
    folder = tmp_path / "pack"
    write_files(folder, {"a.txt": b"1", "manifest.json": b"[a]"}, last="manifest.json")
    written: list[str] = []
    real = Path.write_bytes

    def fail_third(self, data):
        written.append(self.name)
        if len(written) == 3:
            _enospc()
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", fail_third)
    files = {"a.txt": b"2", "b.txt": b"2", "c.txt": b"2", "manifest.json": b"[a, b, c]"}
    with pytest.raises(OSError, match="No space left"):
        write_files(folder, files, last="manifest.json")
    monkeypatch.undo()
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "manifest.json"]
    assert (folder / "a.txt").read_bytes() == b"1"  # the old pack, whole
    write_files(folder, files, last="manifest.json")
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "b.txt", "c.txt",
                                                        "manifest.json"]


def test_free_space_of_a_path_not_yet_made(tmp_path):
    assert free_space(tmp_path / "not" / "yet") > 0


def test_write_files_removes_the_folders_it_made_on_a_failure(tmp_path, monkeypatch):
    """A new pack on a full disk left an empty folder under the pack's name."""
    folder = tmp_path / "new" / "pack"
    monkeypatch.setattr(Path, "write_bytes", lambda self, data: _enospc())
    with pytest.raises(OSError, match="No space left"):
        write_files(folder, {"a.txt": b"1", "manifest.json": b"[a]"}, last="manifest.json")
    monkeypatch.undo()
    assert not (tmp_path / "new").exists()
    assert tmp_path.exists()  # only what the call made goes
