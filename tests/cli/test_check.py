"""``geo check`` on the command line, held to the contract in docs/interface.md.

Most tests drive ``geo.cli.app`` through ``typer.testing.CliRunner``. With the
click in this environment (8.2 and later) the runner keeps the streams apart:
``result.stdout`` is stdout only, ``result.stderr`` is stderr only, and
``result.output`` is both interleaved, so these tests read ``stdout`` and
``stderr`` and never ``output``. A few tests run the installed console script
``geo`` in a subprocess, to prove the entry point works with real streams.

The expected numbers come from the demo files themselves, read here with the
``csv`` module and small independent parsers, not with ``geo``'s reader. At the
end, ``--method network`` on the bundled Helsinki extract (offline).
"""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from _helpers import ROOT
from _helpers.cli import ARGS
from typer.testing import CliRunner

from geo.cli import app
from geo.crs import gcj02_to_wgs84

DEMO = ROOT / "data" / "canglang"
STATIONS = DEMO / "stations.csv"
PILES = DEMO / "charging_piles.csv"
DEMAND = DEMO / "demand.csv"
AREA = DEMO / "area.geojson"
GRIDS = DEMO / "grids.geojson"
GEO_SCRIPT = Path(sys.executable).with_name("geo")  # the venv's console script

POINT_COLUMNS = ["id", "lon", "lat", "weight", "minutes", "nearest", "covered"]
SUMMARY_TYPES: dict[str, type | tuple[type, ...]] = {
    "coverage": float,
    "total_demand": float,
    "covered_demand": float,
    "uncovered_demand": float,
    "covered_cells": int,
    "total_cells": int,
    "stations_used": int,
    "rejected": list,
    "gaps": list,
    "grids": list,
    "params": dict,
}
PARAM_TYPES: dict[str, type] = {
    "method": str,
    "mode": str,
    "speed_kmh": float,
    "minutes": float,
    "circuity": float,
    "cell_m": float,
}

runner = CliRunner()


# --- helpers ---------------------------------------------------------------------------------


def invoke(*args: object) -> Any:
    """Run ``geo check ARGS`` in-process; return click's Result."""
    return runner.invoke(app, ["check", *(str(a) for a in args)])


def check_json(*args: object, code: int = 0) -> dict[str, Any]:
    """Run ``geo check ARGS --json``, assert the exit code, return the parsed JSON."""
    result = invoke(*args, "--json")
    assert result.exit_code == code, (result.exit_code, result.stderr, result.exception)
    return json.loads(result.stdout)


def read_demo(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def read_points(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The --points-out CSV as text: (header, rows)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, r, strict=True)) for r in reader]
    return header, rows


_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def open_at(hours: str, hhmm: str) -> bool:
    """Independent opening-hours check: 24小时/全天, or HH:MM-HH:MM possibly past midnight."""
    text = hours.strip()
    if text in {"24小时", "全天", "24h"}:
        return True
    m = _RANGE.match(text)
    assert m, f"unexpected hours in the demo: {hours!r}"
    h, mi = (int(x) for x in hhmm.split(":"))
    t = h * 60 + mi
    start = int(m.group(1)) * 60 + int(m.group(2))
    end = int(m.group(3)) * 60 + int(m.group(4))
    if start < end:
        return start <= t < end
    return t >= start or t < end  # passes midnight


def write_stations(path: Path, bad_lat: str | None = None, n_good: int = 5) -> Path:
    """A copy of the first demo stations, plus (optionally) one row with a bad 纬度."""
    with open(STATIONS, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1 : 1 + n_good]
    out = [header, *body]
    if bad_lat is not None:
        bad = list(body[0])
        bad[header.index("编号")] = "BAD1"
        bad[header.index("纬度")] = bad_lat
        out.append(bad)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(out)
    return path


# --- shared runs -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    """The demo with demand points, area and grids; walking 15 minutes."""
    return check_json(STATIONS, "--demand", DEMAND, "--area", AREA, "--grids", GRIDS)


@pytest.fixture(scope="module")
def plain() -> dict[str, Any]:
    """The demo with demand points only (no area, no grids)."""
    return check_json(STATIONS, "--demand", DEMAND)


@pytest.fixture(scope="module")
def demo_stations() -> list[dict[str, str]]:
    return read_demo(STATIONS)


# --- entry point (real subprocess) ------------------------------------------------------------


def test_console_script_json_stdout_is_one_object(tmp_path: Path) -> None:
    assert GEO_SCRIPT.is_file(), f"console script not installed at {GEO_SCRIPT}"
    bad = write_stations(tmp_path / "stations.csv", bad_lat="95.5")
    proc = subprocess.run(
        [str(GEO_SCRIPT), "check", str(bad), "--demand", str(DEMAND), "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # the whole of stdout is exactly one JSON object
    assert isinstance(data, dict)
    assert proc.stdout.lstrip().startswith("{") and proc.stdout.rstrip().endswith("}")
    assert data["stations_used"] == 5
    assert [(r["row"], r["column"]) for r in data["rejected"]] == [(7, "lat")]
    # the rejected row is reported on stderr, not mixed into stdout
    assert "geo: rejected:" in proc.stderr
    assert str(bad) in proc.stderr and "row 7" in proc.stderr
    assert "geo: " not in proc.stdout
    assert "Traceback" not in proc.stderr


def test_console_script_error_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_stations.csv"
    proc = subprocess.run(
        [str(GEO_SCRIPT), "check", str(missing), "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geo: error:")
    assert str(missing) in lines[0]


def test_console_script_help() -> None:
    proc = subprocess.run(
        [str(GEO_SCRIPT), "check", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0
    for option in ("--demand", "--min-coverage", "--strict", "--points-out", "--json"):
        assert option in proc.stdout


# --- exit status and --min-coverage ------------------------------------------------------------


def test_exit_0_without_threshold(plain: dict[str, Any]) -> None:
    assert 0.0 < plain["coverage"] < 1.0  # the demo leaves gaps, so the thresholds below bite


def test_min_coverage_below_and_above(plain: dict[str, Any]) -> None:
    cov = plain["coverage"]
    below, above = cov - 0.01, cov + 0.01
    assert invoke(STATIONS, "--demand", DEMAND, "--min-coverage", f"{below:.4f}").exit_code == 0
    assert invoke(STATIONS, "--demand", DEMAND, "--min-coverage", f"{above:.4f}").exit_code == 1
    # the JSON is still printed when the threshold is missed
    data = check_json(STATIONS, "--demand", DEMAND, "--min-coverage", f"{above:.4f}", code=1)
    assert data["coverage"] == cov


def test_min_coverage_percent_and_share_agree(plain: dict[str, Any]) -> None:
    cov = plain["coverage"]
    for share in (cov - 0.005, cov + 0.005, 0.8):
        as_share = invoke(STATIONS, "--demand", DEMAND, "--min-coverage", f"{share:.4f}")
        as_pct = invoke(STATIONS, "--demand", DEMAND, "--min-coverage", f"{share * 100:.2f}%")
        assert as_share.exit_code == as_pct.exit_code, share
        assert as_share.exit_code == (0 if share <= cov else 1), share
    assert invoke(STATIONS, "--demand", DEMAND, "--min-coverage", "80%").exit_code == 1
    assert invoke(STATIONS, "--demand", DEMAND, "--min-coverage", "0.8").exit_code == 1


@pytest.mark.parametrize("value", ["abc", "1.5", "150%", "-0.1", ""])
def test_min_coverage_invalid(value: str) -> None:
    result = invoke(STATIONS, "--demand", DEMAND, "--min-coverage", value)
    assert result.exit_code == 2
    assert "--min-coverage" in result.stderr
    assert result.stdout == ""


def test_zero_stations_below_any_positive_threshold() -> None:
    result = invoke(STATIONS, "--demand", DEMAND, "--category", "充电桩", "--min-coverage", "1%")
    assert result.exit_code == 1


@pytest.mark.parametrize(("above", "expected_exit"), [(0.0, 0), (1e-9, 1), (1e-4, 1), (-1e-4, 0)])
def test_text_verdict_agrees_with_exit_status(
    plain: dict[str, Any], above: float, expected_exit: int
) -> None:
    # The JSON coverage is exact, so a threshold next to it splits PASS/FAIL exactly there,
    # and the text report must agree with the exit status.
    exact = plain["covered_demand"] / plain["total_demand"]
    assert plain["coverage"] == pytest.approx(exact, abs=1e-12)
    result = invoke(STATIONS, "--demand", DEMAND, "--min-coverage", repr(plain["coverage"] + above))
    target = [line for line in result.stdout.splitlines() if "Target" in line]
    assert len(target) == 1
    assert result.exit_code == expected_exit
    assert ("PASS" in target[0]) == (expected_exit == 0), (result.exit_code, target[0])


# --- JSON summary ------------------------------------------------------------------------------


def test_json_keys_and_types(base: dict[str, Any]) -> None:
    assert set(SUMMARY_TYPES) <= set(base)
    for key, typ in SUMMARY_TYPES.items():
        assert isinstance(base[key], typ), (key, base[key])
        assert not isinstance(base[key], bool), key
    assert 0.0 <= base["coverage"] <= 1.0
    assert set(PARAM_TYPES) <= set(base["params"])
    for key, typ in PARAM_TYPES.items():
        assert isinstance(base["params"][key], typ), (key, base["params"][key])
    assert base["stations_used"] == 46
    assert base["rejected"] == []
    assert base["total_demand"] == 1454.0
    assert 0 < base["covered_cells"] <= base["total_cells"]
    for gap in base["gaps"]:
        assert {"rank", "demand", "area_m2", "lon", "lat", "grid"} <= set(gap)
        assert isinstance(gap["rank"], int)
        for k in ("demand", "area_m2", "lon", "lat"):
            assert isinstance(gap[k], float), (k, gap)
        assert gap["grid"] is None or isinstance(gap["grid"], str)
    assert len(base["grids"]) == 9
    for g in base["grids"]:
        assert {"grid", "coverage", "demand", "uncovered_demand"} <= set(g)
        assert isinstance(g["grid"], str)
        assert isinstance(g["demand"], float) and isinstance(g["uncovered_demand"], float)
        assert g["coverage"] is None or 0.0 <= g["coverage"] <= 1.0


def test_json_defaults_in_params(base: dict[str, Any]) -> None:
    p = base["params"]
    assert p["method"] == "euclidean"
    assert p["mode"] == "walk"
    assert p["speed_kmh"] == 4.8
    assert p["minutes"] == 15.0
    assert p["circuity"] == 1.3
    assert p["cell_m"] == 100.0


def test_json_coverage_matches_readme(base: dict[str, Any]) -> None:
    # data/README.md: walking 15 min, straight line × 1.3 covers 72.6 % of the demand
    assert f"{base['coverage'] * 100:.1f}%" == "72.6%"


def test_gaps_sorted_ranked_and_sum_to_uncovered(base: dict[str, Any]) -> None:
    gaps = base["gaps"]
    assert len(gaps) > 1
    assert [g["rank"] for g in gaps] == list(range(1, len(gaps) + 1))
    demands = [g["demand"] for g in gaps]
    assert demands == sorted(demands, reverse=True)
    assert all(d > 0 for d in demands)
    assert all(g["area_m2"] > 0 for g in gaps)
    # every uncovered demand point lies in exactly one gap
    assert math.isclose(sum(demands), base["uncovered_demand"], abs_tol=0.05)


def test_gap_positions_are_wgs84_inside_area(base: dict[str, Any], tmp_path: Path) -> None:
    area = gpd.read_file(AREA).to_crs(4326)
    minx, miny, maxx, maxy = area.total_bounds
    tol = 0.001  # a gap's position is a cell centre (100 m cells): ≤ ~70 m from its demand
    for g in base["gaps"]:
        assert minx - tol <= g["lon"] <= maxx + tol, g
        assert miny - tol <= g["lat"] <= maxy + tol, g
    # and each lies next to uncovered demand in WGS-84 (GCJ-02 would be ~465 m off)
    out = tmp_path / "points.csv"
    result = invoke(
        STATIONS, "--demand", DEMAND, "--area", AREA, "--grids", GRIDS, "--points-out", out
    )
    assert result.exit_code == 0, result.stderr
    _, rows = read_points(out)
    unc = np.array([[float(r["lon"]), float(r["lat"])] for r in rows if r["covered"] == "false"])
    coslat = math.cos(math.radians(31.29))
    for g in base["gaps"]:
        dx = (unc[:, 0] - g["lon"]) * 111_320 * coslat
        dy = (unc[:, 1] - g["lat"]) * 110_570
        assert np.hypot(dx, dy).min() < 120, g


def test_grids_add_up(base: dict[str, Any]) -> None:
    grid_demand = sum(g["demand"] for g in base["grids"])
    grid_unc = sum(g["uncovered_demand"] for g in base["grids"])
    outside = base.get("outside_grids") or {"demand": 0.0, "uncovered_demand": 0.0}
    assert math.isclose(grid_demand + outside["demand"], base["total_demand"], abs_tol=0.05)
    assert math.isclose(
        grid_unc + outside["uncovered_demand"], base["uncovered_demand"], abs_tol=0.05
    )
    names = [g["grid"] for g in base["grids"]]
    assert names == [f"沧浪第{i}网格" for i in range(1, 10)]


def test_params_echo_options() -> None:
    ebike = check_json(STATIONS, "--demand", DEMAND, "--mode", "ebike")
    assert ebike["params"]["mode"] == "ebike"
    assert ebike["params"]["speed_kmh"] == 15.0
    assert ebike["coverage"] == 1.0  # README: e-bike reaches all demand
    data = check_json(
        STATIONS,
        "--demand",
        DEMAND,
        "--mode",
        "ebike",
        "--speed",
        "20",
        "--minutes",
        "10",
        "--circuity",
        "1.2",
        "--cell",
        "200",
    )
    p = data["params"]
    assert p["mode"] == "ebike"
    assert p["speed_kmh"] == 20.0
    assert p["minutes"] == 10.0
    assert p["circuity"] == 1.2
    assert p["cell_m"] == 200.0
    assert p["method"] == "euclidean"


def test_longer_reach_never_covers_less(plain: dict[str, Any]) -> None:
    bike = check_json(STATIONS, "--demand", DEMAND, "--mode", "bike")
    short = check_json(STATIONS, "--demand", DEMAND, "--minutes", "5")
    assert short["coverage"] < plain["coverage"] < bike["coverage"]


# --- coverage consistency and --points-out -----------------------------------------------------


@pytest.fixture(scope="module")
def points_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("points") / "points.csv"
    data = check_json(STATIONS, "--demand", DEMAND, "--points-out", out)
    return data, out


def test_covered_plus_uncovered_is_total(plain: dict[str, Any]) -> None:
    assert math.isclose(
        plain["covered_demand"] + plain["uncovered_demand"], plain["total_demand"], abs_tol=0.02
    )
    assert math.isclose(
        plain["coverage"], plain["covered_demand"] / plain["total_demand"], abs_tol=1e-4
    )


def test_points_out_columns_and_order(points_run: tuple[dict[str, Any], Path]) -> None:
    _, out = points_run
    header, rows = read_points(out)
    assert header == POINT_COLUMNS
    demand = read_demo(DEMAND)
    assert [r["id"] for r in rows] == [d["编号"] for d in demand]
    assert [float(r["weight"]) for r in rows] == [float(d["人数"]) for d in demand]
    assert {r["covered"] for r in rows} == {"true", "false"}


def test_points_out_sums_match_json(points_run: tuple[dict[str, Any], Path]) -> None:
    data, out = points_run
    _, rows = read_points(out)
    covered = sum(float(r["weight"]) for r in rows if r["covered"] == "true")
    total = sum(float(r["weight"]) for r in rows)
    assert math.isclose(covered, data["covered_demand"], abs_tol=0.01)
    assert math.isclose(total, data["total_demand"], abs_tol=0.01)


def test_points_out_minutes_and_nearest(
    points_run: tuple[dict[str, Any], Path], demo_stations: list[dict[str, str]]
) -> None:
    data, out = points_run
    _, rows = read_points(out)
    ids = {s["编号"] for s in demo_stations}
    limit = data["params"]["minutes"]
    for r in rows:
        assert r["minutes"] != ""  # with stations, the straight-line method reaches every point
        minutes = float(r["minutes"])
        assert minutes >= 0
        assert r["nearest"] in ids
        assert (r["covered"] == "true") == (minutes <= limit + 1e-6), r


def test_points_out_is_wgs84(points_run: tuple[dict[str, Any], Path]) -> None:
    _, out = points_run
    _, rows = read_points(out)
    demand = read_demo(DEMAND)
    lon = np.array([float(d["经度"]) for d in demand])
    lat = np.array([float(d["纬度"]) for d in demand])
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    got_lon = np.array([float(r["lon"]) for r in rows])
    got_lat = np.array([float(r["lat"]) for r in rows])
    np.testing.assert_allclose(got_lon, wlon, atol=1e-6)
    np.testing.assert_allclose(got_lat, wlat, atol=1e-6)
    # and not the GCJ-02 input (that would be some 465 m off)
    assert np.abs(got_lon - lon).min() > 1e-3


def test_points_out_zero_stations(tmp_path: Path) -> None:
    out = tmp_path / "points.csv"
    result = invoke(
        STATIONS, "--demand", DEMAND, "--category", "充电桩", "--json", "--points-out", out
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["stations_used"] == 0
    assert data["coverage"] == 0.0
    assert data["covered_demand"] == 0.0
    assert data["uncovered_demand"] == data["total_demand"] == 1454.0
    header, rows = read_points(out)
    assert header == POINT_COLUMNS
    assert len(rows) == 227
    assert all(r["minutes"] == "" for r in rows)
    assert all(r["nearest"] == "" for r in rows)
    assert all(r["covered"] == "false" for r in rows)


# --- rejected rows and --strict ----------------------------------------------------------------


def _strict_case(tmp_path: Path, bad_lat: str) -> None:
    path = write_stations(tmp_path / "stations_bad.csv", bad_lat=bad_lat)
    result = invoke(path, "--demand", DEMAND, "--json")
    assert result.exit_code == 0, (result.stderr, result.exception)
    data = json.loads(result.stdout)
    assert data["stations_used"] == 5
    assert len(data["rejected"]) == 1
    rej = data["rejected"][0]
    assert rej["file"] == str(path)
    assert rej["row"] == 7  # header = row 1, five good rows 2..6
    assert rej["column"] == "lat"
    assert isinstance(rej["reason"], str) and rej["reason"]
    assert "row 7" in result.stderr and "geo: rejected:" in result.stderr

    strict = invoke(path, "--demand", DEMAND, "--json", "--strict")
    assert strict.exit_code == 2, (strict.stderr, strict.exception)
    assert "strict" in strict.stderr
    # --strict beats a met threshold
    strict2 = invoke(path, "--demand", DEMAND, "--strict", "--min-coverage", "0")
    assert strict2.exit_code == 2


def test_strict_with_text_latitude(tmp_path: Path) -> None:
    _strict_case(tmp_path, "abc")


def test_strict_with_latitude_out_of_range(tmp_path: Path) -> None:
    _strict_case(tmp_path, "95.5")


def test_strict_with_blank_latitude(tmp_path: Path) -> None:
    _strict_case(tmp_path, "")


def test_strict_without_rejected_rows_is_0(tmp_path: Path) -> None:
    path = write_stations(tmp_path / "stations_ok.csv")
    assert invoke(path, "--demand", DEMAND, "--strict").exit_code == 0


# --- errors ------------------------------------------------------------------------------------


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("geo: error:"), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_missing_station_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = invoke(missing, "--demand", DEMAND, "--json")
    assert result.exit_code == 2
    assert str(missing) in _one_error_line(result.stderr)
    assert result.stdout == ""


def test_missing_demand_file(tmp_path: Path) -> None:
    missing = tmp_path / "demand_missing.csv"
    result = invoke(STATIONS, "--demand", missing)
    assert result.exit_code == 2
    assert str(missing) in _one_error_line(result.stderr)


def test_unknown_mode() -> None:
    result = invoke(STATIONS, "--demand", DEMAND, "--mode", "car")
    assert result.exit_code == 2
    assert "--mode" in result.stderr and "walk" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "word"),
    [
        ("--minutes", "-5", "minutes"),
        ("--minutes", "0", "minutes"),
        ("--speed", "0", "speed"),
        ("--circuity", "0.5", "circuity"),
        ("--cell", "-100", "cell"),
        ("--at", "25:00", "25:00"),
    ],
)
def test_bad_settings_exit_2(option: str, value: str, word: str) -> None:
    result = invoke(STATIONS, "--demand", DEMAND, option, value)
    assert result.exit_code == 2, (result.stderr, result.exception)
    line = _one_error_line(result.stderr)
    assert word in line


def test_negative_minutes_message_is_readable() -> None:
    result = invoke(STATIONS, "--demand", DEMAND, "--minutes", "-5")
    assert result.exit_code == 2
    line = _one_error_line(result.stderr)
    assert "positive" in line and "-5" in line


def test_network_method_needs_network_file() -> None:
    result = invoke(STATIONS, "--demand", DEMAND, "--method", "network")
    assert result.exit_code == 2
    assert "--network" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_points_out(tmp_path: Path) -> None:
    out = tmp_path / "no_such_folder" / "points.csv"
    result = invoke(STATIONS, "--demand", DEMAND, "--points-out", out)
    assert result.exit_code == 2
    assert str(out) in _one_error_line(result.stderr)


# --- station filters ---------------------------------------------------------------------------


def test_amenity_chinese_and_english_agree(
    plain: dict[str, Any], demo_stations: list[dict[str, str]]
) -> None:
    expected = sum("充电" in s["设施"] for s in demo_stations)
    zh = check_json(STATIONS, "--demand", DEMAND, "--amenity", "充电")
    en = check_json(STATIONS, "--demand", DEMAND, "--amenity", "charging")
    assert zh["stations_used"] == en["stations_used"] == expected
    assert expected < 46
    assert zh["coverage"] == en["coverage"] <= plain["coverage"]
    assert zh["params"]["amenity"] == "充电"


@pytest.mark.parametrize("at", ["23:00", "01:30", "02:00", "09:00"])
def test_open_at(at: str, plain: dict[str, Any], demo_stations: list[dict[str, str]]) -> None:
    expected = sum(open_at(s["开放时间"], at) for s in demo_stations)
    data = check_json(STATIONS, "--demand", DEMAND, "--at", at)
    assert data["stations_used"] == expected
    assert data["coverage"] <= plain["coverage"]
    assert data["params"]["at"] == at
    assert data["warnings"] == []  # every demo station has known hours


def test_at_night_uses_fewer_stations(plain: dict[str, Any]) -> None:
    night = check_json(STATIONS, "--demand", DEMAND, "--at", "23:00")
    assert night["stations_used"] < plain["stations_used"] == 46
    assert night["coverage"] <= plain["coverage"]


def test_category_chinese_and_key_agree(demo_stations: list[dict[str, str]]) -> None:
    expected = sum(s["类型"] == "爱心补给点" for s in demo_stations)
    zh = check_json(STATIONS, "--demand", DEMAND, "--category", "爱心补给点")
    key = check_json(STATIONS, "--demand", DEMAND, "--category", "supply")
    assert zh["stations_used"] == key["stations_used"] == expected == 16
    assert zh["coverage"] == key["coverage"]


def test_several_categories_union(demo_stations: list[dict[str, str]]) -> None:
    expected = sum(s["类型"] in {"爱心补给点", "海棠加油站"} for s in demo_stations)
    data = check_json(
        STATIONS, "--demand", DEMAND, "--category", "爱心补给点", "--category", "rest"
    )
    assert data["stations_used"] == expected
    one = check_json(STATIONS, "--demand", DEMAND, "--category", "rest")
    assert one["stations_used"] < expected
    assert data["params"]["categories"] == ["爱心补给点", "rest"]


def test_filters_combine(demo_stations: list[dict[str, str]]) -> None:
    expected = sum("充电" in s["设施"] and open_at(s["开放时间"], "23:00") for s in demo_stations)
    data = check_json(STATIONS, "--demand", DEMAND, "--amenity", "充电", "--at", "23:00")
    assert data["stations_used"] == expected


def test_unknown_hours_with_at_warn(tmp_path: Path) -> None:
    with open(STATIONS, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [list(r) for r in rows[1:6]]
    body[2][header.index("开放时间")] = ""  # row 4 in the spreadsheet
    path = tmp_path / "stations_hours.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    result = invoke(path, "--demand", DEMAND, "--json", "--at", "12:00")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["stations_used"] == 4
    assert data["rejected"] == []
    hours = [w for w in data["warnings"] if w["column"] == "hours"]
    assert {(w["file"], w["row"]) for w in hours} == {(str(path), 4)}
    assert "geo: warning:" in result.stderr and "row 4" in result.stderr


def test_unknown_hours_note_names_its_own_file(tmp_path: Path) -> None:
    with open(STATIONS, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [list(r) for r in rows[1:6]]
    body[2][header.index("开放时间")] = ""
    path = tmp_path / "stations_hours.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    data = check_json(PILES, path, "--demand", DEMAND, "--at", "12:00")
    hours = [w for w in data["warnings"] if w["column"] == "hours"]
    assert hours
    assert {(w["file"], w["row"]) for w in hours} == {(str(path), 4)}


def test_two_station_files_combine(plain: dict[str, Any]) -> None:
    piles = read_demo(PILES)
    data = check_json(STATIONS, PILES, "--demand", DEMAND)
    assert data["stations_used"] == 46 + len(piles) == 66
    assert data["rejected"] == []
    assert data["coverage"] >= plain["coverage"]
    # the piles fill charging gaps: charging stations + piles beat charging stations alone
    charging = check_json(STATIONS, "--demand", DEMAND, "--amenity", "充电")
    with_piles = check_json(STATIONS, PILES, "--demand", DEMAND, "--amenity", "充电")
    assert with_piles["stations_used"] == charging["stations_used"] + len(piles)
    assert with_piles["coverage"] > charging["coverage"]


# --- demand from cells over the area -----------------------------------------------------------


def test_cells_over_area(tmp_path: Path) -> None:
    out = tmp_path / "cells.csv"
    data = check_json(STATIONS, "--area", AREA, "--cell", "200", "--points-out", out)
    assert data["total_cells"] > 0
    assert data["total_demand"] == float(data["total_cells"])
    assert data["covered_demand"] == float(data["covered_cells"])
    assert 0.0 < data["coverage"] < 1.0
    # as many cells as the area holds, give or take the edges
    area_m2 = gpd.read_file(AREA).to_crs(32651).area.sum()
    assert abs(data["total_cells"] - area_m2 / 200**2) < 0.1 * area_m2 / 200**2
    header, rows = read_points(out)
    assert header == POINT_COLUMNS
    assert len(rows) == data["total_cells"]
    assert all(float(r["weight"]) == 1.0 for r in rows)
    assert sum(r["covered"] == "true" for r in rows) == data["covered_cells"]
    assert len({r["id"] for r in rows}) == len(rows)


# --- human-readable output ---------------------------------------------------------------------


def test_text_report_shows_json_coverage(plain: dict[str, Any]) -> None:
    result = invoke(STATIONS, "--demand", DEMAND)
    assert result.exit_code == 0
    pct = f"{plain['coverage'] * 100:.1f}%"
    assert pct == "72.6%"
    assert pct in result.stdout
    assert "46" in result.stdout
    assert not result.stdout.lstrip().startswith("{")
    assert result.stderr == ""


def test_text_report_with_threshold_verdict(plain: dict[str, Any]) -> None:
    cov = plain["coverage"]
    ok = invoke(STATIONS, "--demand", DEMAND, "--min-coverage", f"{cov - 0.01:.4f}")
    bad = invoke(STATIONS, "--demand", DEMAND, "--min-coverage", f"{cov + 0.01:.4f}")
    assert ok.exit_code == 0 and "PASS" in ok.stdout and "FAIL" not in ok.stdout
    assert bad.exit_code == 1 and "FAIL" in bad.stdout and "PASS" not in bad.stdout


# --- the street network ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def summaries() -> tuple[dict, dict]:
    runner = CliRunner()
    net = runner.invoke(app, ["check", *ARGS, "--json"])
    assert net.exit_code == 0, net.stderr
    straight = runner.invoke(app, ["check", *ARGS[:5], "--json"])
    assert straight.exit_code == 0, straight.stderr
    return json.loads(net.stdout), json.loads(straight.stdout)


def test_network_json_reports_overstatement(summaries):
    net, straight = summaries
    assert net["params"]["method"] == "network" and straight["params"]["method"] == "euclidean"
    info = net["network"]
    assert straight["network"] is None
    # what the straight line covers and the streets do not is exactly the difference
    assert info["straight_covered_demand"] == pytest.approx(straight["covered_demand"])
    assert info["overstated_demand"] == pytest.approx(
        straight["covered_demand"] - net["covered_demand"], abs=0.01
    )
    assert net["coverage"] < straight["coverage"]
    assert info["off_network"]["points"] >= 1  # the demo holds points far from any street
    assert info["network"]["type"] == "walking"


def test_network_text_and_warnings():
    res = CliRunner().invoke(app, ["check", *ARGS])
    assert res.exit_code == 0
    assert "直线高估 Overstated" in res.stdout and "路网 street network" in res.stdout
    assert "off_network" in res.stderr or "off network" in res.stderr


def test_network_without_file_is_a_usage_error():
    res = CliRunner().invoke(app, ["check", *ARGS[:5], "--method", "network"])
    assert res.exit_code == 2
    assert "--network" in res.stderr


@pytest.mark.parametrize("kind", ["demand", "stations", "demand_dask"])
def test_every_row_rejected_lists_the_rows_before_the_error(tmp_path: Path, kind: str) -> None:
    """"Every row was rejected; see the list above" — the list is there, one line per row
    naming file, row and field (it was missing: the error ended the command before the
    rows of a result were printed)."""
    bad = tmp_path / "bad.csv"
    if kind == "stations":
        bad.write_text("编号,经度,纬度\nS1,abc,31.29\nS2,120.6,north\n", encoding="utf-8")
        args = [str(bad)]
    else:
        bad.write_text("编号,经度,纬度,权重\nD1,120.60,31.29,1e308\nD2,120.61,31.29,-4\n",
                       encoding="utf-8")
        args = [str(ROOT / "data" / "canglang" / "stations.csv"), "--demand", str(bad)]
        if kind == "demand_dask":  # a plain Parquet (coordinate columns), on Dask
            import pandas as pd

            pq = tmp_path / "bad.parquet"
            frame = pd.read_csv(bad)
            frame.to_parquet(pq)
            args = [args[0], "--demand", str(pq), "--engine", "dask"]
    res = CliRunner().invoke(app, ["check", *args])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("geo: error:") and str(bad.stem) in lines[-1]
    assert "nothing to analyse" in lines[-1] or "every row was rejected" in lines[-1]
    rejected = [ln for ln in lines if ln.startswith("geo: rejected:")]
    assert len(rejected) == 2, res.stderr
    if kind == "stations":
        assert "row 2, column 'lon'" in rejected[0] and "row 3, column 'lat'" in rejected[1]
    else:  # Parquet rows count from 1, as features do (the same without Dask)
        first = 1 if kind == "demand_dask" else 2
        assert f"row {first}, column 'weight'" in rejected[0] and "1e+308" in rejected[0]
        assert f"row {first + 1}, column 'weight'" in rejected[1] and "negative" in rejected[1]
        assert all(len(ln) < 300 for ln in rejected)  # not 309 digits


def test_a_plain_parquet_demand_runs_on_dask_as_without(tmp_path: Path) -> None:
    """A Parquet file with coordinate columns (no GeoParquet metadata) was exit 3 on the
    Dask engine ("Missing geo metadata"); it gives the JSON of the local engine."""
    import pandas as pd

    demo = ROOT / "data" / "canglang"
    pq = tmp_path / "demand.parquet"
    pd.read_csv(demo / "demand.csv", dtype=str).to_parquet(pq)
    runs = {}
    for engine in ("local", "dask"):
        res = CliRunner().invoke(app, ["check", str(demo / "stations.csv"), "--demand", str(pq),
                                       "--engine", engine, "--json"])
        assert res.exit_code == 0, res.output
        runs[engine] = json.loads(res.stdout)
    csv_run = json.loads(CliRunner().invoke(app, [
        "check", str(demo / "stations.csv"), "--demand", str(demo / "demand.csv"), "--json",
    ]).stdout)
    for key in ("coverage", "total_demand", "covered_demand", "gaps"):
        assert runs["dask"][key] == runs["local"][key] == csv_run[key], key
