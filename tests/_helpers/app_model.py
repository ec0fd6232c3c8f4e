"""A model of the planner app, for random sequences of actions under ``AppTest``.

:class:`AppModel` drives ``app.py`` with a seeded random sequence of what a planner does
(change dataset, time limit, mode, language, method; add and remove what-if stations;
run siting and add its sites; use the geocoding page's stations and stop using them) and
keeps its own account of what the screen must show. After every step :meth:`check`
asserts the invariants:

* no exception, and an error on screen only when ``geo check`` refuses the same inputs;
* the four KPIs equal ``geo check --json`` (run in-process through the command line) on
  the inputs the screen names: the dataset's files, the geocoded table, the what-if
  stations;
* what-if stations appear only in the dataset they were added to (the model's count per
  dataset, and the ids the data-in-use panel names);
* the downloads a planner takes (the ``download`` action: every download button on the
  page but the report pack) say the same as that ``geo check --json``: the summary JSON
  byte for byte, the gaps and demand points GeoJSON, the per-网格 tables (CSV and XLSX,
  headers in the page's language, a named sheet), the per-station tables (every station,
  the used ones counted, exactly the what-if stations marked hypothetical), the what-if
  stations' CSV (readable back as a station file) and the report map's title (the
  analysis' minutes);
* the widgets keep what the planner chose, across language switches;
* no English word in the Chinese page (the coverage page, and the geocoding page when it
  is used) outside :func:`zh_allowed_words`.

Used by ``tests/app/test_model.py`` (a few hundred seeded steps) and
``bench/app_model.py`` (many more).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from _helpers import ROOT
from _helpers.app import (
    MediaFiles,
    english_words,
    page_texts,
    whatif_input,
    zh_allowed_words,
)
from geo import ui_text as ui
from geo.cli import app as cli_app

APP = ROOT / "app.py"
DEMOS = {
    "canglang": {
        "stations": [ROOT / "data/canglang/stations.csv",
                     ROOT / "data/canglang/charging_piles.csv"],
        "demand": ROOT / "data/canglang/demand.csv",
        "area": ROOT / "data/canglang/area.geojson",
        "grids": ROOT / "data/canglang/grids.geojson",
    },
    "helsinki": {
        "stations": [ROOT / "data/helsinki/stations.csv"],
        "demand": ROOT / "data/helsinki/demand.csv",
        "area": ROOT / "data/helsinki/area.geojson",
        "grids": None,
    },
}
KPI_LABELS = {"zh": ("覆盖率", "未覆盖需求", "缺口数", "使用站点"),
              "en": ("Coverage", "Uncovered demand", "Gaps", "Stations used")}


def _user_text() -> set[str]:
    """What the demo files themselves say (names, ids, addresses): the user's words."""
    import pandas as pd

    out = {"stations.csv", "charging_piles.csv", "demand.csv", "area.geojson", "grids.geojson",
           "stations_addresses_geocoded.csv"}
    for demo in DEMOS.values():
        for path in [*demo["stations"], demo["demand"]]:
            table = pd.read_csv(path, dtype=str)
            out.update(map(str, table.columns))  # headers as the files have them (lon, id)
            for col in table.columns:
                out.update(table[col].dropna().astype(str))
    sheet = pd.read_excel(ROOT / "data/canglang/stations_addresses.xlsx", header=None, dtype=str)
    out.update(sheet.fillna("").astype(str).to_numpy().ravel())
    return {u for u in out if u}


_USER_TEXT = sorted(_user_text(), key=len, reverse=True)  # longest first: whole names go


#: The per-网格 download's columns: the JSON's key → the header in each language.
GRID_HEADERS = {
    "zh": (("grid", "网格"), ("coverage", "覆盖率"), ("demand", "需求"),
           ("covered_demand", "已覆盖需求"), ("uncovered_demand", "未覆盖需求"),
           ("points", "需求点数"), ("stations", "站点数"), ("gaps", "缺口数")),
    "en": (("grid", "Grid"), ("coverage", "Coverage"), ("demand", "Demand"),
           ("covered_demand", "Covered demand"), ("uncovered_demand", "Uncovered demand"),
           ("points", "Demand points"), ("stations", "Stations"), ("gaps", "Gaps")),
}
#: The per-station download's headers and yes/no words that the checks read.
STATION_WORDS = {
    "zh": {"id": "编号", "used": "计入", "hypothetical": "假设站点", "yes": "是", "no": "否"},
    "en": {"id": "ID", "used": "Used", "hypothetical": "What-if", "yes": "Yes", "no": "No"},
}
#: The XLSX downloads' sheet names (never Excel's "Sheet1").
SHEETS = {"grids": {"zh": "网格", "en": "Grids"}, "stations": {"zh": "站点", "en": "Stations"}}


@dataclass(frozen=True)
class Reference:
    """``geo check --json`` on the inputs the screen names.

    Attributes
    ----------
    code
        The exit code (0 or 1: a result; 2: refused).
    body
        The JSON, or ``None`` when refused.
    output, stdout
        What the command printed (all of it; standard output only).
    station_files
        The station files in use (the dataset's, the geocoded table), not the what-ifs.
    whatif
        The what-if stations' ids, in the order they were added.
    """

    code: int
    body: dict | None
    output: str
    stdout: str
    station_files: tuple[str, ...]
    whatif: tuple[str, ...]


def _number(value: Any) -> float:
    """A number as a download writes it: ``1,454``, ``95.3%`` or a cell's value."""
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).replace(",", "").rstrip("%"))


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _sheet(data: bytes, name: str, steps: list[str]) -> Any:
    """The workbook's one sheet, named ``name``, its header row bold (as the report pack's)."""
    import openpyxl

    assert zipfile.is_zipfile(io.BytesIO(data)), steps
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [name], (steps, book.sheetnames)
    sheet = book[name]
    assert all(c.font.bold for c in sheet[1] if c.value is not None), steps
    return sheet


@dataclass
class AppModel:
    """What the app must show, and the ``AppTest`` that shows it."""

    at: Any
    tmp: Path
    rng: random.Random
    demo: str = "canglang"
    lang: str = "zh"
    minutes: float = 15.0
    mode: str = "walk"
    method: str = "euclidean"
    whatifs: dict[str, int] = field(default_factory=lambda: {"canglang": 0, "helsinki": 0})
    geocoded: str | None = None
    steps: list[str] = field(default_factory=list)
    #: when a set, English words found are gathered here instead of failing (for a survey)
    collect: set[str] | None = None
    #: the runs' download data (installed before the app's first run); ``None``: no
    #: ``download`` action
    media: MediaFiles | None = None
    #: the downloads taken, by button key (how often each was checked)
    downloaded: dict[str, int] = field(default_factory=dict)
    _checks: dict[tuple, Reference] = field(default_factory=dict)
    _ids: dict[str, frozenset[str]] = field(default_factory=dict)
    _allowed: frozenset[str] = field(default_factory=zh_allowed_words)

    # --- actions -------------------------------------------------------------------------

    def actions(self) -> list[str]:
        """The actions possible now."""
        acts = ["demo", "minutes", "mode", "lang", "method"]
        if self._kpis_shown():
            acts += ["add_whatif", "add_whatif", "siting"]
            if self.media is not None:
                acts.append("download")
            if self.whatifs[self.demo]:
                acts += ["remove_whatif", "remove_all"]
        acts.append("stop_geocoded" if self.geocoded else "geocoded")
        return acts

    def step(self) -> str:
        """One random action, then :meth:`check`."""
        name = self.rng.choice(self.actions())
        self.steps.append(name)
        getattr(self, f"_do_{name}")()
        self.check()
        return name

    def _run(self) -> None:
        self.at.run()
        assert not self.at.exception, (self.steps, self.at.exception)

    def _do_demo(self) -> None:
        self.demo = "helsinki" if self.demo == "canglang" else "canglang"
        self.at.selectbox(key="demo_name").set_value(self.demo)
        self._run()
        self.method = "network" if self.demo == "helsinki" else "euclidean"

    def _do_minutes(self) -> None:
        self.minutes = self.rng.choice([10.0, 12.5, 15.0, 20.0])
        self.at.number_input(key="minutes").set_value(self.minutes)
        self._run()

    def _do_mode(self) -> None:
        self.mode = self.rng.choice(["walk", "bike", "ebike"])
        self.at.selectbox(key="mode").set_value(self.mode)
        self._run()

    def _do_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        self.at.radio(key="lang").set_value(self.lang)
        self._run()

    def _do_method(self) -> None:
        self.method = "network" if self.method == "euclidean" else "euclidean"
        self.at.radio(key="method").set_value(self.method)
        self._run()

    def _submit(self, form: str) -> None:
        buttons = [b for b in self.at.button if b.key.startswith(f"FormSubmitter:{form}-")]
        assert len(buttons) == 1, (form, [b.key for b in self.at.button])
        buttons[0].click()
        self._run()

    def _do_add_whatif(self) -> None:
        lon = whatif_input(self.at, "lon")
        lat = whatif_input(self.at, "lat")
        if self.rng.random() < 0.5:  # somewhere near the largest gap, not on it
            lon.set_value(round(float(lon.value) + self.rng.uniform(-0.004, 0.004), 6))
            lat.set_value(round(float(lat.value) + self.rng.uniform(-0.004, 0.004), 6))
        before = len(self.at.session_state["whatif"])
        self._submit("whatif_form")
        self.whatifs[self.demo] += len(self.at.session_state["whatif"]) - before
        assert len(self.at.session_state["whatif"]) == before + 1, self.steps

    def _do_remove_whatif(self) -> None:
        ids = [b.key.removeprefix("remove_") for b in self.at.button
               if b.key.startswith("remove_") and b.key != "remove_all"]
        assert len(ids) == self.whatifs[self.demo], (ids, self.whatifs, self.steps)
        self.at.button(key=f"remove_{self.rng.choice(ids)}").click()
        self._run()
        self.whatifs[self.demo] -= 1

    def _do_remove_all(self) -> None:
        self.at.button(key="remove_all").click()
        self._run()
        self.whatifs[self.demo] = 0

    def _do_siting(self) -> None:
        self.at.number_input(key="siting_k").set_value(self.rng.choice([1, 2]))
        self.at.radio(key="siting_model").set_value("add")
        self.at.radio(key="siting_source").set_value("gaps")
        self._submit("siting_form")
        use = self.at.button(key="siting_use")
        tables = [d.value for d in self.at.dataframe
                  if ui.pick(ui.COLUMNS, "gain", self.lang) in d.value.columns]
        n = len(tables[0]) if tables else 0
        if use.disabled:
            assert n == 0, self.steps
            return
        use.click()
        self._run()
        self.whatifs[self.demo] += n

    def _do_geocoded(self) -> None:
        how = self.rng.choice(["replace", "add"])
        self.at.radio(key="page").set_value("geocode")
        self._run()
        self.at.button(key="gc_run").click()
        self._run()
        self.at.radio(key="geocoded_use_choice").set_value(how)
        self.at.button(key="gc_use").click()
        self._run()
        self.check_words()  # the geocoding page too
        self.at.radio(key="page").set_value("coverage")
        self._run()
        self.geocoded = how

    def _do_stop_geocoded(self) -> None:
        self.at.button(key="geocoded_stop").click()
        self._run()
        self.geocoded = None

    # --- what the screen must show ------------------------------------------------------------

    def _kpis_shown(self) -> bool:
        firsts = (KPI_LABELS["zh"][0], KPI_LABELS["en"][0])
        return any(m.label in firsts for m in self.at.metric)

    def expected(self) -> Reference:
        """``geo check --json`` on the inputs the model (and the screen) names."""
        # run in tmp, where the demo files are data/<demo>/<file> (as the app names them)
        if not (self.tmp / "data").exists():
            (self.tmp / "data").symlink_to(ROOT / "data", target_is_directory=True)
        files = {k: None if v is None else (
            [str(p.relative_to(ROOT)) for p in v] if isinstance(v, list)
            else str(v.relative_to(ROOT))) for k, v in DEMOS[self.demo].items()}
        stations = list(files["stations"])
        if self.geocoded:
            name, data = self.at.session_state["geocoded_stations"]
            (self.tmp / name).write_bytes(data)  # named as the app names it (run in tmp)
            stations = [name] if self.geocoded == "replace" else [*stations, name]
        whatif = list(self.at.session_state["whatif"])
        files_in_use = tuple(stations)
        if whatif:
            wf = f"whatif_{len(self._checks)}.csv"
            with open(self.tmp / wf, "w", newline="", encoding="utf-8") as out:
                w = csv.writer(out)
                w.writerow(["id", "name", "kind", "lon", "lat", "coord_system", "amenities",
                            "hours"])
                for s in whatif:
                    w.writerow([s["station_id"], s.get("name", ""), s.get("kind", "supply"),
                                repr(float(s["lon"])), repr(float(s["lat"])), s["crs"],
                                s.get("amenities", ""), s.get("hours", "")])
            stations.append(wf)
        args = ["check", *stations, "--demand", files["demand"], "--area", files["area"],
                "--minutes", repr(self.minutes), "--mode", self.mode, "--json"]
        if files["grids"] is not None:
            args += ["--grids", files["grids"]]
        ids = tuple(str(s["station_id"]) for s in whatif)
        if self.method == "network":
            if self.demo != "helsinki":
                return Reference(2, None, "no network", "", files_in_use, ids)
            args += ["--method", "network", "--network", "helsinki"]
        key = (tuple(a for a in args if "whatif_" not in a),
               # every field of every what-if: the ids too (a new id at an old place)
               tuple(tuple(sorted((k, repr(v)) for k, v in s.items())) for s in whatif))
        if key not in self._checks:
            with contextlib.chdir(self.tmp):  # files named as on screen, not by full path
                res = CliRunner().invoke(cli_app, args)
            body = json.loads(res.stdout) if res.exit_code in (0, 1) else None
            self._checks[key] = Reference(res.exit_code, body, res.output, res.stdout,
                                          files_in_use, ids)
        return self._checks[key]

    def file_ids(self, path: str) -> frozenset[str]:
        """The station ids a station file holds (as ``geo check`` reads it)."""
        if path not in self._ids:
            import geo

            self._ids[path] = frozenset(geo.read_stations(str(self.tmp / path))["id"].astype(str))
        return self._ids[path]

    # --- the downloads ------------------------------------------------------------------------

    def _do_download(self) -> None:
        """Take every download the page offers (but the report pack, seconds to make) and
        check each against the reference."""
        assert self.media is not None
        ref = self.expected()
        assert ref.body is not None, (self.steps, ref.output)
        keys = [k for k in self.media.keys(self.at) if k != "dl_report"]
        expected = {"dl_map", "dl_summary", "dl_gaps", "dl_points", "dl_grids_csv",
                    "dl_grids_xlsx", "dl_stations_csv", "dl_stations_xlsx"}
        if ref.whatif:
            expected.add("dl_whatif")
        assert expected <= set(keys), (self.steps, keys)
        for key in keys:
            name, data = self.media.download(self.at, key)
            check = getattr(self, f"_check_{key}", None)
            assert check is not None, (key, name)  # a new download: say what it must hold
            check(ref, name, data)
            self.downloaded[key] = self.downloaded.get(key, 0) + 1

    def _check_dl_summary(self, ref: Reference, name: str, data: bytes) -> None:
        assert name == "coverage.json"
        assert data.decode("utf-8") == ref.stdout, (self.steps, data[:300], ref.stdout[:300])

    def _check_dl_gaps(self, ref: Reference, name: str, data: bytes) -> None:
        gaps = [f["properties"] for f in json.loads(data)["features"]]
        want = ref.body["gaps"]
        assert len(gaps) == len(want), (self.steps, len(gaps), len(want))
        for got, exp in zip(gaps, want, strict=True):
            assert got["rank"] == exp["rank"] and got["cells"] == exp["cells"], self.steps
            assert got.get("grid") == exp.get("grid"), self.steps
            assert math.isclose(got["demand"], exp["demand"], abs_tol=1e-6), self.steps
            assert abs(got["area_m2"] - exp["area_m2"]) <= 0.051, self.steps
            assert abs(got["lon"] - exp["lon"]) <= 6e-7 and abs(got["lat"] - exp["lat"]) <= 6e-7

    def _check_dl_points(self, ref: Reference, name: str, data: bytes) -> None:
        assert name == "points.geojson"
        points = [f["properties"] for f in json.loads(data)["features"]]
        body = ref.body
        total = sum(p["weight"] for p in points)
        covered = sum(p["weight"] for p in points if p["covered"])
        assert math.isclose(total, body["total_demand"], rel_tol=1e-9, abs_tol=1e-6), self.steps
        assert math.isclose(covered, body["covered_demand"], rel_tol=1e-9, abs_tol=1e-6), (
            self.steps, covered, body["covered_demand"])

    def _check_dl_cells(self, ref: Reference, name: str, data: bytes) -> None:
        assert ref.body["demand_source"] == "cells", self.steps

    def _grid_rows(self, ref: Reference, rows: list[list[Any]], percent: bool) -> None:
        heads = GRID_HEADERS[self.lang]
        assert tuple(rows[0]) == tuple(h for _k, h in heads), (self.steps, rows[0])
        want = ref.body["grids"]
        assert len(rows) - 1 == len(want), (self.steps, len(rows), len(want))
        for row, exp in zip(rows[1:], want, strict=True):
            got = dict(zip((k for k, _h in heads), row, strict=True))
            assert str(got["grid"]) == str(exp["grid"]), self.steps
            share = _number(got["coverage"]) / (100 if percent else 1)
            assert abs(share - exp["coverage"]) <= 5.1e-4, (self.steps, got, exp)
            for k in ("demand", "covered_demand", "uncovered_demand"):
                assert abs(_number(got[k]) - exp[k]) <= 0.0051, (self.steps, k, got, exp)
            for k in ("points", "stations", "gaps"):
                assert int(_number(got[k])) == exp[k], (self.steps, k, got, exp)

    def _check_dl_grids_csv(self, ref: Reference, name: str, data: bytes) -> None:
        assert name == "grids.csv" and data.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM
        self._grid_rows(ref, _csv_rows(data), percent=True)

    def _check_dl_grids_xlsx(self, ref: Reference, name: str, data: bytes) -> None:
        sheet = _sheet(data, SHEETS["grids"][self.lang], self.steps)
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        self._grid_rows(ref, rows, percent=False)
        if len(rows) > 1:
            assert sheet.cell(2, 2).number_format.endswith("%"), self.steps

    def _station_rows(self, ref: Reference, rows: list[list[Any]]) -> None:
        heads = [str(h) for h in rows[0]]
        words = STATION_WORDS[self.lang]
        for h in ("id", "used", "hypothetical"):
            assert words[h] in heads, (self.steps, heads)
        col = {h: heads.index(words[h]) for h in ("id", "used", "hypothetical")}
        body = rows[1:]
        assert len(body) == ref.body["stations_total"], (self.steps, len(body))
        yes, no = words["yes"], words["no"]
        assert {r[col["used"]] for r in body} <= {yes, no}, self.steps
        assert sum(r[col["used"]] == yes for r in body) == ref.body["stations_used"], self.steps
        hyp = [str(r[col["id"]]) for r in body if r[col["hypothetical"]] == yes]
        assert hyp == list(ref.whatif), (self.steps, hyp, ref.whatif)  # exactly the what-ifs
        known = frozenset().union(*(self.file_ids(f) for f in ref.station_files))
        others = {str(r[col["id"]]) for r in body if r[col["hypothetical"]] == no}
        assert len(others) == len(body) - len(hyp) and others <= known, (
            self.steps, sorted(others - known))

    def _check_dl_stations_csv(self, ref: Reference, name: str, data: bytes) -> None:
        assert name == "stations.csv"
        self._station_rows(ref, _csv_rows(data))

    def _check_dl_stations_xlsx(self, ref: Reference, name: str, data: bytes) -> None:
        sheet = _sheet(data, SHEETS["stations"][self.lang], self.steps)
        self._station_rows(ref, [list(r) for r in sheet.iter_rows(values_only=True)])

    def _check_dl_whatif(self, ref: Reference, name: str, data: bytes) -> None:
        import geo

        assert name == "whatif_stations.csv"
        path = self.tmp / "whatif_download.csv"
        path.write_bytes(data)
        back = geo.read_stations(str(path))  # readable back as a station file
        assert list(back["id"].astype(str)) == list(ref.whatif), (self.steps, list(back["id"]))
        for s, (x, y) in zip(self.at.session_state["whatif"],
                             zip(back.geometry.x, back.geometry.y, strict=True), strict=True):
            assert s["crs"] == "wgs84", s  # the model adds in WGS-84 only
            assert abs(x - float(s["lon"])) <= 6e-7 and abs(y - float(s["lat"])) <= 6e-7, (
                self.steps, s, x, y)

    def _check_dl_map(self, ref: Reference, name: str, data: bytes) -> None:
        assert name == "coverage_map.html"
        html = data.decode("utf-8")
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title and f"{self.minutes:g}分钟" in title.group(1), (self.steps, title)
        assert re.findall(r"(\d+(?:\.\d+)?)分钟", title.group(1)) == [f"{self.minutes:g}"]
        for sid in ref.whatif:
            assert sid in html, (self.steps, sid)

    def _check_dl_sites(self, ref: Reference, name: str, data: bytes) -> None:
        rows = _csv_rows(data)
        shown = [d.value for d in self.at.dataframe
                 if ui.pick(ui.COLUMNS, "gain", self.lang) in d.value.columns]
        assert name == "sites.csv" and len(shown) == 1, self.steps
        assert list(shown[0].columns) == rows[0] and len(rows) - 1 == len(shown[0]), self.steps

    def check(self) -> None:
        """Every invariant, after a step."""
        at, steps = self.at, list(self.steps)
        assert not at.exception, (steps, at.exception)
        assert at.radio(key="page").value == "coverage"
        assert at.radio(key="lang").value == self.lang
        assert at.number_input(key="minutes").value == self.minutes
        assert at.selectbox(key="mode").value == self.mode
        assert at.selectbox(key="demo_name").value == self.demo
        assert at.radio(key="method").value == self.method
        # what-ifs only in the dataset they were added to
        whatif = at.session_state["whatif"]
        assert len(whatif) == self.whatifs[self.demo], (steps, self.whatifs, whatif)
        ref = self.expected()
        code, body, output = ref.code, ref.body, ref.output
        if code in (0, 1):
            labels = KPI_LABELS[self.lang]
            kpis = {m.label: m for m in at.metric}
            assert all(k in kpis for k in labels), (steps, list(kpis), [e.value for e in at.error])
            assert kpis[labels[0]].value == ui.share(body["coverage"]), (
                steps, {k: (m.value, m.delta) for k, m in kpis.items()}, body["coverage"],
                body["stations_used"], body["stations_total"], [e.value for e in at.error])
            uncovered = body["total_demand"] - body["covered_demand"]
            assert float(kpis[labels[1]].value.replace(",", "")) == round(uncovered, 1) or abs(
                float(kpis[labels[1]].value.replace(",", "")) - uncovered) <= 0.05, steps
            assert int(kpis[labels[2]].value) == len(body["gaps"]), steps
            assert int(kpis[labels[3]].value) == body["stations_used"], steps
            basis = " ".join(m.value for m in at.markdown).replace("\\", "")
            assert ui.t(f"demo_{self.demo}", self.lang) in basis, steps
            for s in whatif:
                assert s["station_id"] in basis, (steps, s)
            if self.geocoded:
                assert "geocoded.csv" in basis, steps
        else:
            assert not any(m.label == KPI_LABELS[self.lang][0] for m in at.metric), (
                steps, output)
            assert at.error or at.warning, (steps, output)
        self.check_words()

    def check_words(self) -> None:
        """No English word on the Chinese page (either page) outside :func:`zh_allowed_words`."""
        if self.lang == "zh":
            # a what-if station's name is the planner's (the form's default when it was
            # added: 新增站点, or New station on the English page), kept as given
            names = {str(w.get("name", "")) for w in self.at.session_state["whatif"]}
            # the geocoded table's headers, as the file the page wrote has them
            heads: list[str] = []
            if self.geocoded:
                made = self.at.session_state["geocoded_stations"][1]
                heads = made.decode("utf-8-sig").splitlines()[0].split(",")
            user = sorted({*_USER_TEXT, *(n for n in [*names, *heads] if n)}, key=len,
                          reverse=True)
            found = english_words(page_texts(self.at), self._allowed, user)
            if self.collect is not None:
                self.collect.update(found)
            else:
                assert not found, (self.steps, sorted(found))
