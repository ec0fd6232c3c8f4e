"""``geo sweep`` from the command line: one row per scenario, equal to ``geo check``."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _helpers.cli import INPUTS, STATIONS, _json
from typer.testing import CliRunner

from geo.cli import app

pytest.importorskip("distributed")


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_sweep_gives_one_row_per_scenario_equal_to_check(tmp_path, engine) -> None:
    table = tmp_path / "scenarios.csv"
    table.write_text("mode,speed,minutes,at\nwalk,,15,\nbike,10,5,\nwalk,,15,23:00\n",
                     encoding="utf-8")
    res = CliRunner().invoke(app, ["sweep", *STATIONS, *INPUTS, "--scenarios", str(table),
                                   "--engine", engine, "-o", str(tmp_path / "s.csv"),
                                   "--grids-out", str(tmp_path / "g.csv")])
    assert res.exit_code == 0, res.output
    per = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    grids = pd.read_csv(tmp_path / "g.csv", encoding="utf-8-sig")
    assert len(per) == 3 and set(grids["scenario"]) == {0, 1, 2}
    slow = _json(["check", *STATIONS, *INPUTS, "--json", "--mode", "bike", "--speed", "10",
                  "--minutes", "5"])
    assert per.loc[1, "coverage"] == pytest.approx(slow["coverage"], abs=1e-12)
    assert per.loc[1, "speed_kmh"] == 10
    g1 = grids[grids["scenario"] == 1].set_index("grid")["uncovered_demand"]
    for row in slow["grids"]:
        assert g1[row["grid"]] == pytest.approx(row["uncovered_demand"], abs=1e-6)


def test_sweep_bad_scenario_is_a_usage_error(tmp_path) -> None:
    table = tmp_path / "scenarios.csv"
    table.write_text("minutes,colour\n10,red\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["sweep", *STATIONS, "--scenarios", str(table)])
    assert res.exit_code == 2 and "colour" in res.output


def test_sweep_takes_a_label_column_in_english_or_chinese(tmp_path) -> None:
    """Issue 18 item 10: a ``label`` column was refused as an unknown setting."""
    table = tmp_path / "scenarios.csv"
    table.write_text("标签,minutes\n慢 10 分钟,10\n 常规 ,\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["sweep", *STATIONS, *INPUTS, "--scenarios", str(table),
                                   "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [s["label"] for s in out["scenarios"]] == ["慢 10 分钟", "常规"]
    assert [s["minutes"] for s in out["scenarios"]] == [10, 15]
    assert {g["label"] for g in out["grids"]} == {"慢 10 分钟", "常规"}


def test_sweep_names_the_label_when_a_scenario_is_bad(tmp_path) -> None:
    table = tmp_path / "scenarios.csv"
    table.write_text("label,minutes\n好,10\n坏的,ten\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["sweep", *STATIONS, "--scenarios", str(table)])
    assert res.exit_code == 2 and "scenario 1 (坏的)" in res.output and "ten" in res.output


def test_sweep_tables_written_as_parquet_or_refused_as_maps(tmp_path) -> None:
    """The sweep's tables have no places: Parquet is written as a plain table, GeoJSON and
    GeoPackage are exit 2 naming the file (they were exit 3: KeyError 'lon')."""
    table = tmp_path / "scenarios.csv"
    table.write_text("label,minutes\nA,10\nB,15\n", encoding="utf-8")
    args = ["sweep", *STATIONS, *INPUTS, "--scenarios", str(table)]
    res = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "s.parquet"),
                                   "--grids-out", str(tmp_path / "g.parquet")])
    assert res.exit_code == 0, res.output
    per = pd.read_parquet(tmp_path / "s.parquet")
    assert list(per["label"]) == ["A", "B"] and per["coverage"].between(0, 1).all()
    assert set(pd.read_parquet(tmp_path / "g.parquet")["label"]) == {"A", "B"}
    for ext in ("gpkg", "geojson"):
        out = tmp_path / f"s.{ext}"
        res = CliRunner().invoke(app, [*args, "-o", str(out)])
        assert res.exit_code == 2, res.output
        assert str(out) in res.stderr and "no places" in res.stderr
        assert "Traceback" not in res.output and not out.exists()
