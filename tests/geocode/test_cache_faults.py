"""A damaged geocode cache (issue 19): set aside, skipped, waited for or done without.

Never exit 3: a file that is not a database (or someone else's database) is renamed
``geocode.sqlite.broken-<time>`` and a fresh cache started; rows that cannot be read are
cache misses, counted in a warning; a cache locked by another program is waited for, then
reported; a folder that cannot hold the cache means geocoding without one, with a warning.
"""

from __future__ import annotations

import os
import sqlite3

import pytest
from _helpers.geocode import FAST, table
from typer.testing import CliRunner

from geo.geocode import GeocodeCache, geocode_table
from geo.geocode.cache import FILE_NAME, CacheLockedError


def _run(folder, *addresses):
    return geocode_table(table(*addresses or ("人民路1号",)), provider="amap", city="苏州市",
                         cache=folder, **FAST)


def _broken(folder):
    return sorted(p.name for p in folder.iterdir() if ".broken-" in p.name)


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b"\x00" * 4096,
                                     b"SQLite format 3\x00" + b"\xff" * 2000])
def test_a_file_that_is_not_a_database_is_set_aside(env, tmp_path, content):
    fake = env()
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / FILE_NAME).write_bytes(content)
    out = _run(folder)
    assert out.loc[0, "geocode_status"] == "ok"
    [aside] = _broken(folder)
    assert (folder / aside).read_bytes() == content  # kept for a look, not deleted
    assert any("set aside" in w and aside in w for w in out.attrs["geocode_warnings"])
    _run(folder)  # the fresh cache works
    assert fake.count() == 1


def test_an_old_or_foreign_schema_is_set_aside(env, tmp_path):
    env()
    folder = tmp_path / "c"
    folder.mkdir()
    con = sqlite3.connect(folder / FILE_NAME)
    con.execute("CREATE TABLE answers (address TEXT, lon REAL, lat REAL)")
    con.execute("INSERT INTO answers VALUES ('人民路1号', 1, 2)")
    con.commit()
    con.close()
    out = _run(folder)
    assert out.loc[0, "geocode_status"] == "ok"
    assert len(_broken(folder)) == 1
    with GeocodeCache(folder) as c:
        assert len(c) == 1


def test_bad_rows_are_misses_counted_in_a_warning(env, tmp_path):
    fake = env()
    folder = tmp_path / "c"
    _run(folder, "人民路1号", "人民路2号")
    con = sqlite3.connect(folder / FILE_NAME)
    rows = con.execute("SELECT provider, query FROM answers").fetchall()
    con.execute("UPDATE answers SET answer = ? WHERE query = ?", ("{not json", rows[0][1]))
    con.execute("UPDATE answers SET answer = ? WHERE query = ?",
                ('{"status": "ok", "lon": "east", "lat": [1]}', rows[1][1]))
    con.commit()
    con.close()
    out = _run(folder, "人民路1号", "人民路2号")
    assert out["geocode_status"].tolist() == ["ok", "ok"]
    assert fake.count() == 4  # both asked again
    assert any("2 cached answers could not be read" in w for w in out.attrs["geocode_warnings"])
    assert _run(folder, "人民路1号", "人民路2号").attrs["geocode_warnings"] == []
    assert fake.count() == 4  # and stored again


def test_a_locked_cache_is_waited_for_then_reported(env, tmp_path):
    env()
    folder = tmp_path / "c"
    _run(folder)
    other = sqlite3.connect(folder / FILE_NAME, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CacheLockedError, match="locked by another program") as info:
            GeocodeCache(folder, lock_wait=0.3)
        assert str(folder / FILE_NAME) in str(info.value) and "--no-cache" in str(info.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with GeocodeCache(folder, lock_wait=0.3) as c:
        assert len(c) == 1


def test_a_cache_locked_briefly_is_waited_for(env, tmp_path):
    import threading

    env()
    folder = tmp_path / "c"
    _run(folder)
    other = sqlite3.connect(folder / FILE_NAME, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.3, lambda: (other.execute("ROLLBACK"), other.close())).start()
    with GeocodeCache(folder, lock_wait=5) as c:
        assert len(c) == 1


@pytest.mark.parametrize("where", ["a file", "under /proc"])
def test_a_folder_that_cannot_hold_the_cache_means_no_cache(env, tmp_path, monkeypatch, where):
    fake = env()
    if where == "a file":
        (tmp_path / "cache").write_text("not a folder")
        folder = tmp_path / "cache" / "geocode"
    else:
        folder = "/proc/geo-cache-test/geocode"
    monkeypatch.setenv("GEO_CACHE_DIR", str(folder if where == "a file" else "/proc/x"))
    out = _run(folder)
    assert out.loc[0, "geocode_status"] == "ok"
    [warning] = out.attrs["geocode_warnings"]
    assert "without a cache" in warning and "geocode" in warning
    _run(folder)
    assert fake.count() == 2  # nothing stored, nothing crashed


def test_a_read_only_cache_file_means_no_storing(env, tmp_path, monkeypatch):
    fake = env()
    folder = tmp_path / "c"
    _run(folder)
    real = sqlite3.connect

    def read_only(path, *args, **kwargs):  # root ignores chmod: open the file read-only
        return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    out = _run(folder, "人民路1号", "人民路2号")
    assert out["geocode_status"].tolist() == ["ok", "ok"]
    assert fake.count() == 2  # the first from the cache
    assert any("cannot store" in w for w in out.attrs["geocode_warnings"])


def test_cli_shows_cache_warnings_and_exits_normally(env, tmp_path, monkeypatch):
    from geo.cli import app

    env()
    (tmp_path / "cache").write_text("a file where the cache folder belongs")
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "in.csv"
    table("人民路1号").to_csv(src, index=False)
    res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(tmp_path / "out.csv"),
                                   "--city", "苏州市", "--rate", "0"])
    assert res.exit_code == 0, res.output
    assert "geo: warning:" in res.output and "without a cache" in res.output


def test_cli_on_a_locked_cache_exits_2(env, tmp_path, monkeypatch):
    from geo.cli import app
    from geo.geocode import cache as cache_module

    env()
    folder = tmp_path / "c"
    _run(folder)
    monkeypatch.setattr(cache_module, "LOCK_WAIT", 0.2)
    other = sqlite3.connect(folder / FILE_NAME, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    src = tmp_path / "in.csv"
    table("人民路1号").to_csv(src, index=False)
    try:
        res = CliRunner().invoke(app, ["geocode", str(src), "-o", str(tmp_path / "out.csv"),
                                       "--cache-dir", str(folder), "--rate", "0"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert res.exit_code == 2, res.output
    assert "locked" in res.output and "unexpected" not in res.output
    assert os.path.exists(folder / FILE_NAME)
