"""The README and docs/ agree with what geo does: runnable examples run, documented output holds.

Issue 18 item 10: the README's own commands install ``geo`` into ``.venv`` but examples used
a bare ``geo``; ``geo sweep`` had no runnable example; the JSON ``coverage`` precision.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pandas as pd
from _helpers import ROOT
from typer.testing import CliRunner

from geo.cli import app

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Lines of a usage synopsis (a grammar, not a command to paste).
SYNOPSIS = re.compile(r"STATIONS\.\.\.|SRC\.osm|FILE\|helsinki|\[PLACE\]")


def _shell_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:bash|sh|shell|console)\n(.*?)```", text, flags=re.S)


def test_runnable_examples_call_the_geo_that_the_readme_installs() -> None:
    bare = []
    for path in DOCS:
        for block in _shell_blocks(path.read_text(encoding="utf-8")):
            for line in block.splitlines():
                if re.match(r"\s*(\$ )?geo\s", line) and not SYNOPSIS.search(line):
                    bare.append(f"{path.name}: {line.strip()[:80]}")
    assert bare == [], "write .venv/bin/geo, as the README's install puts it there"


def test_the_sweep_example_runs_as_written(tmp_path) -> None:
    """docs/scale-out.md's geo sweep example, pasted into a shell in the repository's folder."""
    text = (ROOT / "docs" / "scale-out.md").read_text(encoding="utf-8")
    (example,) = [b for b in _shell_blocks(text) if "geo sweep" in b]
    for name in ("data", ".venv"):  # the repository's folder, without writing into it
        (tmp_path / name).symlink_to(ROOT / name)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run(["bash", "-e", "-c", example], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    per = pd.read_csv(tmp_path / "per_scenario.csv", encoding="utf-8-sig")
    grids = pd.read_csv(tmp_path / "per_grid.csv", encoding="utf-8-sig")
    assert list(per["label"]) == ["步行15分钟", "晚高峰慢行", "电动车10分钟", "深夜23点"]
    assert list(per.columns[:3]) == ["scenario", "label", "method"]
    assert list(grids.columns[:3]) == ["scenario", "label", "grid"]
    assert len(grids) == 4 * 9 and set(grids["label"]) == set(per["label"])
    assert per.loc[1, "speed_kmh"] == 4 and per.loc[3, "at"] == "23:00"
    assert "步行15分钟" in run.stdout


def test_json_coverage_is_full_precision_as_documented() -> None:
    """docs/interface.md: ``coverage`` is covered ÷ total demand, full precision (not rounded)."""
    interface = (ROOT / "docs" / "interface.md").read_text(encoding="utf-8")
    (row,) = [line for line in interface.splitlines() if line.startswith("| `coverage` |")]
    assert "full precision" in row
    assert not any("4 decimals" in p.read_text(encoding="utf-8") for p in DOCS)
    demo = ROOT / "data" / "canglang"
    res = CliRunner().invoke(app, ["check", str(demo / "stations.csv"), "--demand",
                                   str(demo / "demand.csv"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["coverage"] == out["covered_demand"] / out["total_demand"]
    assert out["coverage"] != round(out["coverage"], 4)  # 1055/1454 is not cut to 4 decimals


def test_troubleshooting_quotes_the_readers_messages_as_printed(tmp_path) -> None:
    """docs/troubleshooting.md gives each message as printed: the first words of the real ones."""
    import pytest

    from geo.errors import GeoError, InputError
    from geo.inputs import load_inputs
    from geo.io import read_raw
    from geo.settings import Settings

    doc = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    empty = tmp_path / "stations.csv"
    empty.write_text("编号,名称,经度,纬度\n", encoding="utf-8")
    quote = tmp_path / "quote.csv"
    quote.write_text('编号,名称,经度,纬度\nS1,"南门,120.6,31.28\n', encoding="utf-8")
    nothing = tmp_path / "nothing.csv"
    nothing.write_bytes(b"\r\x00")
    cases = [
        lambda: load_inputs(empty),
        lambda: load_inputs(ROOT / "data" / "canglang" / "stations.csv", demand=empty),
        lambda: read_raw(quote),
        lambda: read_raw(nothing),
        lambda: Settings(minutes=1e308),
    ]
    for case in cases:
        with pytest.raises(GeoError) as info:
            case()
        text = info.value.reason if isinstance(info.value, InputError) else str(info.value)
        assert text[:60] in doc, text


def test_troubleshooting_gives_the_wide_input_and_quote_messages_in_full(tmp_path) -> None:
    """The messages of issue 19's wide inputs and unclosed quotes, each as a line of
    docs/troubleshooting.md (the file named FILE; a long one may end in '; ...')."""
    import openpyxl
    import pytest
    from _helpers.wide import quoted_header_csv, wide_geojson

    from geo.errors import InputError
    from geo.io import read_raw

    doc = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n"
                    + ",".join("1" for _ in range(1_000_000)) + "\n", encoding="utf-8")
    note = tmp_path / "note.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["编号", "经度", "纬度"])
    for i in range(5):
        book.active.append([f"S{i}", 120.6, 31.28])
    book.active.cell(row=4, column=16384, value="备注")
    book.save(note)
    big = tmp_path / "big.csv"
    lines = ["编号,名称,经度,纬度"] + [f"S{i},站{i},120.6,31.28" for i in range(2, 20_000)]
    lines[39] = 'S40,南门,"120.6,31.28'
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data_row = tmp_path / "row3.csv"
    data_row.write_text('编号,名称,经度,纬度\nS1,南门驿站,120.6,31.28\nS2,"南门,120.6,31.28\n',
                        encoding="utf-8")
    files = [wide, note, big, data_row, quoted_header_csv(tmp_path / "header.csv", 5),
             wide_geojson(tmp_path / "props.geojson", 2, 100_000),
             wide_geojson(tmp_path / "names.geojson", 300, 5, distinct=True)]
    for path in files:
        with pytest.raises(InputError) as info:
            read_raw(path)
        line = f"geo: error: {str(info.value).replace(str(path), 'FILE')}"
        assert line in doc or f"{line.split('; ')[0]}; ..." in doc, line
