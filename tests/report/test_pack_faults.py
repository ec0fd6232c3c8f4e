"""The report pack on a full disk or killed as it writes (issue 19): whole files or none
under their final names, manifest.json written last and listing only files that are there."""

from __future__ import annotations

import errno
import json
import zipfile
from pathlib import Path

import pytest
from _helpers.disks import fill, tmpfs

from geo.errors import InputError
from geo.report import write_report


def _fail_after(monkeypatch, n: int) -> None:
    real = Path.write_bytes
    count = {"n": 0}

    def write_bytes(self, data):
        count["n"] += 1
        if count["n"] > n:
            real(self, data[: len(data) // 2])  # half a file, as a full disk leaves it
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def _consistent(folder: Path) -> None:
    names = {p.name for p in folder.iterdir()}
    assert not [n for n in names if n.startswith(".")], names  # no temporary left
    if "manifest.json" in names:
        listed = set(json.loads((folder / "manifest.json").read_text())["files"])
        assert listed <= names, listed - names


def test_a_full_disk_midway_leaves_the_old_pack_whole(demo, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    write_report(demo, out, map_png="static", dpi=60)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _fail_after(monkeypatch, 4)
    with pytest.raises(InputError, match="No space left on device") as info:
        write_report(demo, out, map_png="static", dpi=61)
    assert str(out) in str(info.value)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    _consistent(out)


def test_a_full_disk_on_a_new_pack_leaves_no_manifest(demo, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    _fail_after(monkeypatch, 6)
    with pytest.raises(InputError, match="No space left on device"):
        write_report(demo, out, map_png="static", dpi=60)
    monkeypatch.undo()
    assert not out.exists()  # not even an empty folder under the pack's name


def test_a_zip_is_never_cut_under_its_name(demo, tmp_path, monkeypatch):
    out = tmp_path / "rep.zip"
    write_report(demo, out, map_png="static", dpi=60)
    before = out.read_bytes()
    _fail_after(monkeypatch, 0)
    with pytest.raises(InputError, match="No space left on device"):
        write_report(demo, out, map_png="static", dpi=61)
    monkeypatch.undo()
    assert out.read_bytes() == before and zipfile.ZipFile(out).testzip() is None
    assert [p.name for p in tmp_path.iterdir()] == ["rep.zip"]


@pytest.mark.parametrize("name", ["pack", "rep.zip"])
def test_on_a_real_full_disk(demo, tmp_path, name):
    with tmpfs(tmp_path / "disk", "1m") as disk:
        fill(disk, leave=48 * 1024)
        out = disk / name
        with pytest.raises(InputError, match="No space left on device"):
            write_report(demo, out, map_png="static", dpi=60)
        assert sorted(p.name for p in disk.iterdir()) in ([".filler"], [".filler", "pack"])
        if out.is_dir():
            assert list(out.iterdir()) == []
