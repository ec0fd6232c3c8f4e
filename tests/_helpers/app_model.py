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
* the widgets keep what the planner chose, across language switches;
* no English word in the Chinese page outside :func:`zh_allowed_words`.

Used by ``tests/app/test_model.py`` (a few hundred seeded steps) and
``bench/app_model.py`` (many more).
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from _helpers import ROOT
from _helpers.app import english_words, page_texts, whatif_input, zh_allowed_words
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
        for path in demo["stations"]:
            table = pd.read_csv(path, dtype=str)
            for col in table.columns:
                out.update(table[col].dropna().astype(str))
    sheet = pd.read_excel(ROOT / "data/canglang/stations_addresses.xlsx", header=None, dtype=str)
    out.update(sheet.fillna("").astype(str).to_numpy().ravel())
    return {u for u in out if u}


_USER_TEXT = sorted(_user_text(), key=len, reverse=True)  # longest first: whole names go


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
    _checks: dict[tuple, tuple[int, dict | None, str]] = field(default_factory=dict)
    _allowed: frozenset[str] = field(default_factory=zh_allowed_words)

    # --- actions -------------------------------------------------------------------------

    def actions(self) -> list[str]:
        """The actions possible now."""
        acts = ["demo", "minutes", "mode", "lang", "method"]
        if self._kpis_shown():
            acts += ["add_whatif", "add_whatif", "siting"]
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

    def expected(self) -> tuple[int, dict | None, str]:
        """``geo check --json`` on the inputs the model (and the screen) names."""
        files = DEMOS[self.demo]
        stations = [str(p) for p in files["stations"]]
        if self.geocoded:
            name, data = self.at.session_state["geocoded_stations"]
            gc = self.tmp / name
            gc.write_bytes(data)
            stations = [str(gc)] if self.geocoded == "replace" else [*stations, str(gc)]
        whatif = list(self.at.session_state["whatif"])
        if whatif:
            wf = self.tmp / f"whatif_{len(self._checks)}.csv"
            with open(wf, "w", newline="", encoding="utf-8") as out:
                w = csv.writer(out)
                w.writerow(["id", "name", "kind", "lon", "lat", "coord_system", "amenities",
                            "hours"])
                for s in whatif:
                    w.writerow([s["station_id"], s.get("name", ""), s.get("kind", "supply"),
                                repr(float(s["lon"])), repr(float(s["lat"])), s["crs"],
                                s.get("amenities", ""), s.get("hours", "")])
            stations.append(str(wf))
        args = ["check", *stations, "--demand", str(files["demand"]), "--area",
                str(files["area"]), "--minutes", repr(self.minutes), "--mode", self.mode, "--json"]
        if files["grids"] is not None:
            args += ["--grids", str(files["grids"])]
        if self.method == "network":
            if self.demo != "helsinki":
                return 2, None, "no network"
            args += ["--method", "network", "--network", "helsinki"]
        key = (tuple(a for a in args if "whatif_" not in a),
               tuple((s["lon"], s["lat"], s["crs"]) for s in whatif))
        if key not in self._checks:
            res = CliRunner().invoke(cli_app, args)
            body = json.loads(res.stdout) if res.exit_code in (0, 1) else None
            self._checks[key] = (res.exit_code, body, res.output)
        return self._checks[key]

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
        code, body, output = self.expected()
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
        if self.lang == "zh":
            found = english_words(page_texts(at), self._allowed, _USER_TEXT)
            if self.collect is not None:
                self.collect.update(found)
            else:
                assert not found, (steps, sorted(found))
