"""Writing results on a full or read-only disk (issue 19): the path and the cause, exit 2,
and nothing half-written under the final name."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _helpers.disks import fill, tmpfs

from geo.errors import InputError
from geo.io import write_table

N = 20_000
BIG = pd.DataFrame({"id": [f"D{i:06d}" for i in range(N)], "名称": ["映月街取餐点"] * N,
                    "lon": np.linspace(120.59, 120.64, N), "lat": np.linspace(31.27, 31.30, N)})
SUFFIXES = [".gpkg", ".geojson", ".csv", ".xlsx", ".parquet", ".fgb"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_full_disk_leaves_nothing_under_the_name(tmp_path, suffix):
    with tmpfs(tmp_path / "disk", "256k") as disk:
        fill(disk, leave=64 * 1024)
        out = disk / f"points{suffix}"
        with pytest.raises(InputError, match="cannot write") as info:
            write_table(BIG, out)
        assert str(out) in str(info.value)
        assert "No space left on device" in str(info.value)
        assert sorted(p.name for p in disk.iterdir()) == [".filler"]  # no temporary either


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".csv"])
def test_a_full_disk_keeps_the_previous_file(tmp_path, suffix):
    with tmpfs(tmp_path / "disk", "512k") as disk:
        out = disk / f"points{suffix}"
        write_table(BIG.head(10), out)
        before = out.read_bytes()
        fill(disk, leave=32 * 1024)
        with pytest.raises(InputError, match="No space left"):
            write_table(BIG, out)
        assert out.read_bytes() == before


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".csv"])
def test_a_read_only_folder_is_named_with_the_cause(tmp_path, suffix):
    with tmpfs(tmp_path / "ro", "64k", read_only=True) as disk:
        out = disk / f"points{suffix}"
        with pytest.raises(InputError, match="cannot write") as info:
            write_table(BIG.head(10), out)
        assert str(out) in str(info.value)
        assert "Read-only file system" in str(info.value) or "read-only" in str(info.value)
        assert not out.exists()


def test_gdal_failing_midway_leaves_nothing(tmp_path, monkeypatch):
    """Everywhere (no mount needed): GDAL writes part of a file, then fails as on a full disk."""
    import geopandas as gpd
    from pyogrio.errors import FeatureError

    def half(self, path, **kwargs):
        Path(path).write_bytes(b"half a geopackage")
        raise FeatureError("failed to execute insert : database or disk is full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", half)
    out = tmp_path / "points.gpkg"
    with pytest.raises(InputError, match="No space left on device"):
        write_table(BIG.head(10), out)
    assert list(tmp_path.iterdir()) == []


def test_an_os_error_names_the_path(tmp_path, monkeypatch):
    from geo.io import write as write_module

    def enospc(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write_module, "write_csv", enospc)
    with pytest.raises(InputError) as info:
        write_table(BIG.head(3), tmp_path / "p.csv")
    assert str(info.value).startswith(f"{tmp_path / 'p.csv'}: cannot write: No space left")
