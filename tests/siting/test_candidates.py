"""Candidate sites (``geo.siting.candidates``): tables, rejected rows, moved onto streets."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers.siting import frame, helsinki_points, run, small_instance
from pyproj import Transformer

from geo import network as gn
from geo.errors import InputError
from geo.siting import site

# --- site() on the street network ----------------------------------------------------------


def test_on_network_moves_candidates_onto_streets(walk_net):
    net = walk_net
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    sx, sy = helsinki_points(net, 3, 21)
    dx, dy = helsinki_points(net, 200, 22)
    cx, cy = helsinki_points(net, 8, 23, jitter=60.0)
    cx = np.append(cx, net.x.max() + 3000.0)
    cy = np.append(cy, net.y.max() + 3000.0)
    kw = {"demand": frame(*back.transform(dx, dy), "D"), "add": 2, "minutes": 5.0,
          "network": net}
    stations = frame(*back.transform(sx, sy), "S")
    cands = frame(*back.transform(cx, cy), "C")
    for method in ("euclidean", "network"):
        res = site(stations, candidates=cands, on_network=True, method=method, **kw)
        table = res.candidates
        off = table["status"] == "off_network"
        assert off.tolist() == [False] * 8 + [True]
        to_m = Transformer.from_crs(4326, net.crs, always_xy=True)
        x, y = to_m.transform(table["lon"][~off], table["lat"][~off])
        assert gn.snap(net, x, y).distance_m.max() < 0.01  # now on a street
        assert "C8" not in set(res.selected["id"])
        assert any("farther than 200 m" in w.reason for w in res.warnings)
        assert res.after.covered_demand == pytest.approx(res.covered_demand)


def test_network_candidates_off_the_network_are_reported(walk_net):
    net = walk_net
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    dx, dy = helsinki_points(net, 100, 31)
    sx, sy = helsinki_points(net, 2, 32)
    far = frame(*back.transform([net.x.max() + 2000.0], [net.y.max() + 2000.0]), "C")
    res = site(frame(*back.transform(sx, sy), "S"), demand=frame(*back.transform(dx, dy), "D"),
               candidates=far, add=1, method="network", network=net)
    assert res.candidates["status"].tolist() == ["off_network"]
    assert len(res.selected) == 0 and res.summary()["candidates_off_network"] == 1
    assert any("'C0'" in w.reason for w in res.warnings)


# --- options, filters, files ---------------------------------------------------------------


def test_rejected_candidate_rows_are_listed(tmp_path):
    st, dem, _ = small_instance(43)
    path = tmp_path / "candidates.csv"
    path.write_text(
        "编号,名称,经度,纬度\n"
        "C1,甲,120.610,31.290\n"
        "C2,乙,abc,31.290\n"
        "C3,丙,31.290,120.610\n"
        "C4,丁,120.615,31.285\n",
        encoding="utf-8",
    )
    res = run(st, dem, path, add=1)
    rows = {(r.file.endswith("candidates.csv"), r.row) for r in res.rejected}
    assert {(True, 3), (True, 4)} <= rows
    out = res.summary()
    assert out["candidates_rejected"] == 2 and out["candidates"] == 2
    assert {r["row"] for r in out["rejected"]} >= {3, 4}


def test_candidate_file_without_usable_rows(tmp_path):
    st, dem, _ = small_instance(44)
    path = tmp_path / "bad.csv"
    path.write_text("id,lon,lat\nC1,abc,31.29\n", encoding="utf-8")
    with pytest.raises(InputError, match="no usable candidate"):
        run(st, dem, path, add=1)
