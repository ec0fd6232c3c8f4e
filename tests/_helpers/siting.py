"""References for siting written only here: brute force, broadcasting, small random instances."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from pyproj import Transformer

import geo
from _helpers import make_points
from geo import network as gn
from geo.siting import compress, site

SMALL = (120.600, 31.280, 120.625, 31.298)  # about 2.4 km × 2 km


def metric_xy(gdf: gpd.GeoDataFrame, crs) -> tuple[np.ndarray, np.ndarray]:
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    x, y = to_m.transform(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
    return np.asarray(x), np.asarray(y)


def brute_reach(ax, ay, bx, by, settings: geo.Settings) -> np.ndarray:
    """Boolean ``len(a) × len(b)``: within the minutes by straight line × circuity."""
    d = np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :])
    return d * settings.circuity / settings.speed_m_per_min <= settings.minutes + 1e-9


def best_subset(reach: np.ndarray, base: np.ndarray, w: np.ndarray, k: int) -> float:
    """The most demand ``k`` candidates (rows of ``reach``) cover together with ``base``."""
    n = reach.shape[0]
    k = min(k, n)
    combos = np.array(list(itertools.combinations(range(n), k)), dtype=int)
    cov = reach[combos].any(axis=1) | base[None, :]
    return float((cov * w[None, :]).sum(axis=1).max())


def small_instance(seed: int, n_st=4, n_dem=150, n_cand=10):
    rng = np.random.default_rng(seed)
    st = make_points(n_st, seed, "S", box=SMALL)
    dem = make_points(n_dem, seed + 100, "D", box=SMALL,
                      weight=rng.integers(1, 9, n_dem).astype(float))
    cand = make_points(n_cand, seed + 200, "C", box=SMALL)
    return st, dem, cand


def run(st, dem, cand, **kwargs):
    """site() on a small instance; 5 minutes on foot (about 300 m) leaves gaps to close."""
    kwargs.setdefault("minutes", 5.0)
    return site(st, demand=dem, candidates=cand, **kwargs)


def euclid_reference(st, dem, cand, crs, settings):
    sx, sy = metric_xy(st, crs)
    dx, dy = metric_xy(dem, crs)
    cx, cy = metric_xy(cand, crs)
    base = brute_reach(sx, sy, dx, dy, settings).any(axis=0)
    reach = brute_reach(cx, cy, dx, dy, settings)
    return base, reach, dem["weight"].to_numpy(dtype=float)


def helsinki_points(net: gn.Network, n: int, seed: int, jitter: float = 30.0):
    """Random points near the largest fragment's edges (metric)."""
    rng = np.random.default_rng(seed)
    big = np.bincount(net.fragment).argmax()
    edges = np.flatnonzero(net.fragment == big)
    e = rng.choice(edges, n)
    pts = shapely.line_interpolate_point(net.geometry[e], rng.random(n), normalized=True)
    x, y = shapely.get_coordinates(pts).T
    return x + rng.normal(0, jitter, n), y + rng.normal(0, jitter, n)


def random_matrix(seed: int, nc: int = 30, n_pts: int = 400, density: float = 0.08):
    rng = np.random.default_rng(seed)
    m = sp.random(nc, n_pts, density=density, random_state=rng, format="csr").astype(bool)
    m = sp.vstack([m, m[:3], sp.csr_matrix((2, n_pts), dtype=bool)]).tocsr()  # repeats, empties
    dense = m.toarray()
    dense[:, -20:] = dense[:, :20]  # repeated columns
    w = rng.integers(0, 6, n_pts).astype(float)
    return sp.csr_matrix(dense), dense, w


def classic_instance(scale: float = 1.0):
    """Greedy takes the big set and misses the optimum: {1,2,3,4} vs {1,2,5} + {3,4,6}."""
    rows = [[0, 1, 2, 3], [0, 1, 4], [2, 3, 5]]
    r = np.repeat(np.arange(3), [len(x) for x in rows])
    m = sp.csr_matrix((np.ones(r.size, bool), (r, np.concatenate(rows))), shape=(3, 6))
    return compress(m, np.full(6, scale))


def frame(lon, lat, prefix, **cols):
    n = len(lon)
    data = {"id": [f"{prefix}{i}" for i in range(n)], "row": np.arange(2, n + 2), **cols}
    gdf = gpd.GeoDataFrame(data, geometry=shapely.points(lon, lat), crs=4326)
    gdf.attrs = {"source": f"{prefix}.csv", "rejected": [], "warnings": []}
    return gdf
