"""``geo geocode`` on the command line: summaries, exit codes, the key never shown.

Fully offline: the fake providers of ``tests/_helpers/geocode.py`` (the ``env`` fixture),
or the demo provider's recorded answers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from _helpers.geocode import (
    ADDRESSES,
    KEY,
    WRONG,
    _cache,  # noqa: F401  (autouse: a private cache)
    table,
)
from typer.testing import CliRunner

from geo.cli import app
from geo.geocode.providers import PROVIDERS, request

runner = CliRunner()


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_cli_geocode_writes_and_summarises(env, tmp_path):
    fake = env()
    src = write_csv(tmp_path / "in.csv", table("人民路1号", "人民路2号"))
    dst = tmp_path / "out.csv"
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 0, res.stderr
    assert "ok 2" in res.stderr and "needs_review 0" in res.stderr
    back = pd.read_csv(dst, encoding="utf-8-sig")
    assert back["geocode_status"].tolist() == ["ok", "ok"]
    import geo

    stations = geo.read_stations(dst)
    assert len(stations) == 2
    assert fake.count() == 2
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 0 and fake.count() == 2  # the re-run asks nothing
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--no-cache"])
    assert res.exit_code == 0 and fake.count() == 4


def test_cli_exit_1_when_rows_need_review(env, tmp_path):
    env()
    src = write_csv(tmp_path / "in.csv", table("人民路1号", "人民路", "不存在的地方"))
    res = runner.invoke(app, ["geocode", str(src), "-o", str(tmp_path / "o.xlsx"),
                              "--city", "苏州市", "--rate", "0", "--no-cache"])
    assert res.exit_code == 1
    assert "ok 1" in res.stderr and "needs_review 1" in res.stderr and "failed 1" in res.stderr
    assert len(pd.read_excel(tmp_path / "o.xlsx")) == 3


def test_cli_usage_errors(env, monkeypatch, tmp_path):
    env()
    src = write_csv(tmp_path / "in.csv", table("人民路1号"))
    res = runner.invoke(app, ["geocode", str(tmp_path / "missing.csv"), "-o",
                              str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "not found" in res.stderr
    monkeypatch.delenv("AMAP_KEY")
    res = runner.invoke(app, ["geocode", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "AMAP_KEY" in res.stderr
    res = runner.invoke(app, ["geocode", str(src), "-o", "x.csv", "--provider", "google"])
    assert res.exit_code == 2


def test_key_never_appears_anywhere(env, monkeypatch, tmp_path):
    fake = env(quota_after=3)
    # The key also travels in every request; make every kind of answer happen.
    src = write_csv(tmp_path / "in.csv",
                    table("人民路1号", "人民路", "故障路3号", "不存在的地方", "人民路2号"))
    dst = tmp_path / "out.csv"
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--cache-dir", str(tmp_path / "c")])
    assert res.exit_code == 1
    assert "quota" in res.stderr
    assert any(KEY in r[2] for r in fake.requests)  # it was really sent
    blobs = [res.stdout, res.stderr, dst.read_bytes().decode("utf-8-sig")]
    blobs += [p.read_bytes().decode("latin-1") for p in (tmp_path / "c").iterdir()]
    for blob in blobs:
        assert KEY not in blob
    # a wrong key: not in stderr either, exit 2
    monkeypatch.setenv("AMAP_KEY", WRONG)
    res = runner.invoke(app, ["geocode", str(src), "-o", str(dst), "--city", "苏州市",
                              "--rate", "0", "--no-cache"])
    assert res.exit_code == 2 and "refused" in res.stderr and WRONG not in res.stderr
    # unreachable server: the error carries no key
    fake.close()
    answer = request(PROVIDERS["amap"], "人民路1号", "苏州市", KEY, timeout=0.5)
    assert answer.status in {"unreachable", "timeout"}
    assert KEY not in answer.message


def test_cli_demo_provider_writes_excel_and_exits_1_for_review_rows(tmp_path):
    out = tmp_path / "geocoded.xlsx"
    res = CliRunner().invoke(app, ["geocode", str(ADDRESSES), "-o", str(out), "--provider",
                                   "demo", "--city", "苏州市"])
    assert res.exit_code == 1, res.output
    assert "ok 40, given 2, manual 0, needs_review 2, failed 2" in res.output
    back = pd.read_excel(out)
    assert len(back) == 46 and "geocode_status" in back.columns
