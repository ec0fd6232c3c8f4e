"""Demand grids: square or hexagonal (H3) cells over a study area, and their regions.

Cells serve two purposes:

* without demand points, the cells over the study area *are* the demand
  (each cell weight 1, so coverage is a share of area);
* with demand points, cells group uncovered points into connected gap regions.

Square cells are exact metres in the metric CRS of the analysis and every step
is vectorised. Hexagonal cells use Uber's H3 at the resolution whose average
cell area is closest to ``cell_m``²; the h3 library works one cell at a time,
so the hexagonal option costs a Python call per cell (fine for a street or a
district; use squares for a city of 100 m cells).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo import budget
from geo import crs as crsmod
from geo.errors import InputError

# h3 (about 80 ms to import) is imported by the hexagon functions only: square cells,
# the default, never need it.

__all__ = [
    "MAX_CELLS",
    "CellSpec",
    "Cells",
    "cell_label",
    "cell_of_points",
    "cells_from_keys",
    "cells_over_area",
    "h3_resolution",
    "hex_centres",
    "hex_index",
    "hex_polygons",
    "hexes_over",
    "make_spec",
    "square_index",
    "square_key",
    "square_polygons",
    "square_unkey",
    "squares_over",
]


@dataclass(frozen=True)
class CellSpec:
    """How cells are laid out.

    Attributes
    ----------
    shape
        ``square`` or ``hex``.
    cell_m
        Square side in metres (for ``hex``, the size the resolution was chosen from).
    crs
        The metric CRS that square cells are aligned to.
    h3_res
        The H3 resolution (``hex`` only).
    """

    shape: str
    cell_m: float
    crs: CRS
    h3_res: int | None = None

    @property
    def cell_area_m2(self) -> float:
        """Nominal area of one cell in square metres (for H3, the global average;
        real hexagons differ by place: use :meth:`Cells.areas`)."""
        if self.shape == "hex":
            assert self.h3_res is not None
            import h3

            return float(h3.average_hexagon_area(self.h3_res, unit="m^2"))
        return self.cell_m * self.cell_m


def make_spec(shape: str, cell_m: float, crs: CRS) -> CellSpec:
    """Build the cell layout for a shape and size.

    Parameters
    ----------
    shape
        ``square`` or ``hex``.
    cell_m
        Cell size in metres.
    crs
        Metric CRS of the analysis.

    Returns
    -------
    CellSpec
    """
    if shape == "hex":
        return CellSpec("hex", cell_m, crs, h3_resolution(cell_m))
    return CellSpec("square", cell_m, crs)


def h3_resolution(cell_m: float) -> int:
    """The H3 resolution whose average hexagon area is closest to ``cell_m``² (log scale).

    Parameters
    ----------
    cell_m
        The side of the square of equal area, in metres.

    Returns
    -------
    int
        A resolution from 0 to 15 (res 10 ≈ 15,000 m² for 100 m cells... res 9 ≈ 105,000 m²).
    """
    import h3

    target = np.log(cell_m * cell_m)
    areas = np.log([h3.average_hexagon_area(r, unit="m^2") for r in range(16)])
    return int(np.argmin(np.abs(areas - target)))


_J_OFFSET = 2**31  # rows are stored offset into 0..2**32 in the low half of a key

# --- square cells --------------------------------------------------------------------------


def square_index(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of the square cell containing each metric point (grid anchored at 0, 0)."""
    return np.floor(x / cell_m).astype("int64"), np.floor(y / cell_m).astype("int64")


def square_key(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """One int64 key per (column, row) pair, for grouping."""
    return (i.astype("int64") << 32) + (j.astype("int64") + _J_OFFSET)


def square_unkey(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`square_key`."""
    low = key & 0xFFFFFFFF
    return (key - low) >> 32, low - _J_OFFSET


def squares_over(polygon_m: shapely.Geometry, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Square cells whose centre lies inside a metric polygon.

    Parameters
    ----------
    polygon_m
        The study area in the metric CRS.
    cell_m
        Cell side in metres.

    Returns
    -------
    tuple of numpy.ndarray
        Column and row indices of the cells (grid anchored at 0, 0).
    """
    minx, miny, maxx, maxy = shapely.bounds(polygon_m)
    i0, j0 = int(np.floor(minx / cell_m)), int(np.floor(miny / cell_m))
    i1, j1 = int(np.floor(maxx / cell_m)), int(np.floor(maxy / cell_m))
    n = (i1 - i0 + 1) * (j1 - j0 + 1)
    if n > 50_000_000:
        raise InputError(
            f"a grid of {n:,} cells of {cell_m:g} m is too large for one machine; "
            "use a larger --cell or split the area"
        )
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    cx, cy = (ii + 0.5) * cell_m, (jj + 0.5) * cell_m
    shapely.prepare(polygon_m)
    inside = shapely.contains_xy(polygon_m, cx, cy)
    return ii[inside], jj[inside]


def square_polygons(i: np.ndarray, j: np.ndarray, cell_m: float) -> np.ndarray:
    """Square cell polygons (metric CRS) for column and row indices."""
    return shapely.box(i * cell_m, j * cell_m, (i + 1) * cell_m, (j + 1) * cell_m)


def _square_components(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label per square cell, 4-neighbour (edge) adjacency."""
    n = i.size
    if n == 0:
        return np.zeros(0, dtype="int64")
    key = square_key(i, j)
    order = np.argsort(key)
    sorted_key = key[order]
    edges_a: list[np.ndarray] = []
    edges_b: list[np.ndarray] = []
    for di, dj in ((1, 0), (0, 1)):
        nkey = square_key(i + di, j + dj)
        pos = np.searchsorted(sorted_key, nkey)
        pos = np.minimum(pos, n - 1)
        hit = sorted_key[pos] == nkey
        edges_a.append(np.nonzero(hit)[0])
        edges_b.append(order[pos[hit]])
    a = np.concatenate(edges_a)
    b = np.concatenate(edges_b)
    graph = coo_matrix((np.ones(a.size, dtype="int8"), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype("int64")


# --- hexagonal cells -----------------------------------------------------------------------


#: Hexagonal cells are laid only over areas between these latitudes (H3 fails at a pole).
HEX_MAX_LAT = 85.0


def hexes_over(polygon_wgs84: shapely.Geometry, res: int) -> np.ndarray:
    """H3 cells (as int64) whose centre lies inside a WGS-84 polygon.

    Raises
    ------
    InputError
        For an area H3 cannot cover: near a pole, across the 180° meridian.
    """
    lon0, lat0, lon1, lat1 = shapely.bounds(polygon_wgs84)
    why = ""
    if max(abs(lat0), abs(lat1)) > HEX_MAX_LAT:
        why = f"it reaches latitude {max(abs(lat0), abs(lat1)):.1f}°, near a pole"
    elif lon1 - lon0 > 180:
        why = "it crosses the 180° meridian"
    import h3

    if not why:
        try:
            shape = h3.geo_to_h3shape(shapely.geometry.mapping(polygon_wgs84))
            cells = h3.h3shape_to_cells(shape, res)
        except (h3.H3BaseException, ValueError) as exc:
            why = f"H3 cannot cover it ({type(exc).__name__})"
    if why:
        raise InputError(
            f"hexagonal cells cannot be laid over this study area: {why}. Use "
            f"--cell-shape square, or check the coordinates. {_FAR_HINT}"
        )
    return np.array([h3.str_to_int(c) for c in cells], dtype="int64")


def hex_index(lon: np.ndarray, lat: np.ndarray, res: int) -> np.ndarray:
    """The H3 cell (int64) containing each WGS-84 point (one h3 call per point)."""
    import h3.api.numpy_int as h3i

    return np.fromiter(
        (
            h3i.latlng_to_cell(la, lo, res)
            for lo, la in zip(lon.tolist(), lat.tolist(), strict=True)
        ),
        dtype="uint64",
        count=lon.size,
    ).astype("int64")


def hex_centres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 (lon, lat) centres of H3 cells."""
    import h3.api.numpy_int as h3i

    ll = np.array([h3i.cell_to_latlng(int(c)) for c in cells.astype("uint64")], dtype="float64")
    if ll.size == 0:
        return np.zeros(0), np.zeros(0)
    return ll[:, 1], ll[:, 0]


def hex_polygons(cells: np.ndarray) -> np.ndarray:
    """WGS-84 hexagon polygons of H3 cells."""
    import h3.api.numpy_int as h3i

    rings = [[(lo, la) for la, lo in h3i.cell_to_boundary(int(c))] for c in cells.astype("uint64")]
    return shapely.polygons(rings) if rings else np.array([], dtype=object)


def _hex_components(cells: np.ndarray) -> np.ndarray:
    import h3.api.numpy_int as h3i

    n = cells.size
    if n == 0:
        return np.zeros(0, dtype="int64")
    import pandas as pd  # hexagons only: square cells, the default, never need it

    position = pd.Series(np.arange(n), index=cells)
    a_list, b_list = [], []
    for k, c in enumerate(cells.astype("uint64")):
        ring = np.asarray(h3i.grid_ring(int(c), 1)).astype("int64")
        a_list.append(np.full(ring.size, k))
        b_list.append(ring)
    a = np.concatenate(a_list)
    b_cells = np.concatenate(b_list)
    b = position.reindex(b_cells).to_numpy()
    ok = ~np.isnan(b)
    graph = coo_matrix(
        (np.ones(int(ok.sum()), dtype="int8"), (a[ok], b[ok].astype("int64"))), shape=(n, n)
    )
    _, labels = connected_components(graph, directed=False)
    return labels.astype("int64")


# --- shape-independent front ---------------------------------------------------------------


@dataclass
class Cells:
    """A set of cells: key per cell and centre in the metric CRS and in WGS-84."""

    spec: CellSpec
    key: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return int(self.key.size)

    def polygons_metric(self) -> np.ndarray:
        """Cell polygons in the metric CRS."""
        if self.spec.shape == "square":
            i, j = square_unkey(self.key)
            return square_polygons(i, j, self.spec.cell_m)
        to_m = Transformer.from_crs(4326, self.spec.crs, always_xy=True)
        return crsmod.reproject(hex_polygons(self.key), to_m)

    def areas(self) -> np.ndarray:
        """Area of each cell in square metres (exact for squares, per hexagon for H3)."""
        if self.spec.shape == "square":
            return np.full(self.key.size, self.spec.cell_m**2)
        return shapely.area(self.polygons_metric())

    def components(self) -> np.ndarray:
        """Connected-region label of every cell (cells sharing an edge are connected)."""
        if self.spec.shape == "square":
            i, j = square_unkey(self.key)
            return _square_components(i, j)
        return _hex_components(self.key)


#: At most this many cells are made over a study area at once (about 1 GB of arrays).
MAX_CELLS = 20_000_000


_FAR_HINT = (
    "Without --area the area is the stations' extent: check for a station far from the "
    "others (wrong coordinates or a sound-alike city)."
)


def _check_size(area_m2: float, spec: CellSpec, derived: bool) -> None:
    """Refuse a grid too large to hold, before allocating it (cell count, then memory)."""
    estimate = area_m2 / spec.cell_m**2  # hexagons are chosen with about cell_m² of area too
    far = f" {_FAR_HINT}" if derived else ""
    if estimate > MAX_CELLS:
        raise InputError(
            f"the study area ({area_m2 / 1e6:,.0f} km²) would hold about "
            f"{estimate / 1e6:,.0f} million cells of {spec.cell_m:g} m, more than "
            f"{MAX_CELLS / 1e6:.0f} million: give a smaller --area, a larger --cell or "
            f"--demand points.{far}"
        )
    fits = budget.current() / budget.BYTES_PER_CELL
    if estimate > fits:
        larger = math.ceil(spec.cell_m * math.sqrt(estimate / fits) / 10.0) * 10.0
        budget.check(
            f"the study area ({area_m2 / 1e6:,.1f} km²) at {spec.cell_m:g} m cells "
            f"({estimate:,.0f} cells)",
            estimate * budget.BYTES_PER_CELL,
            hint=f"use a larger --cell ({larger:g} m fits), a smaller --area or --demand "
            f"points.{far}",
        )


def cells_over_area(
    area_wgs84: shapely.Geometry, spec: CellSpec, *, derived: bool = False
) -> Cells:
    """All cells whose centre lies inside the study area.

    Parameters
    ----------
    area_wgs84
        The study area (polygon or multipolygon) in WGS-84.
    spec
        The cell layout.
    derived
        Whether the area is the stations' extent (no area given): a refusal then says
        to look for a station far from the others.

    Returns
    -------
    Cells
        The cells in a stable order (by key).
    """
    to_m = Transformer.from_crs(4326, spec.crs, always_xy=True)
    to_ll = Transformer.from_crs(spec.crs, 4326, always_xy=True)
    area_m = crsmod.reproject(area_wgs84, to_m)
    _check_size(float(shapely.area(area_m)), spec, derived)
    if spec.shape == "square":
        i, j = squares_over(area_m, spec.cell_m)
        key = square_key(i, j)
        order = np.argsort(key, kind="stable")
        key, i, j = key[order], i[order], j[order]
        x, y = (i + 0.5) * spec.cell_m, (j + 0.5) * spec.cell_m
        lon, lat = to_ll.transform(x, y)
        return Cells(spec, key, x, y, np.asarray(lon), np.asarray(lat))
    assert spec.h3_res is not None
    key = np.sort(hexes_over(area_wgs84, spec.h3_res))
    lon, lat = hex_centres(key)
    x, y = to_m.transform(lon, lat)
    return Cells(spec, key, np.asarray(x), np.asarray(y), lon, lat)


def cell_of_points(
    x: np.ndarray, y: np.ndarray, lon: np.ndarray, lat: np.ndarray, spec: CellSpec
) -> np.ndarray:
    """The key of the cell containing each point (metric x/y for squares, lon/lat for hex)."""
    if spec.shape == "square":
        i, j = square_index(x, y, spec.cell_m)
        return square_key(i, j)
    assert spec.h3_res is not None
    return hex_index(lon, lat, spec.h3_res)


def cells_from_keys(keys: np.ndarray, spec: CellSpec) -> Cells:
    """Build :class:`Cells` for given keys (made sorted and unique where they are not)."""
    key = np.asarray(keys)
    if key.size > 1 and not (key[1:] > key[:-1]).all():
        key = np.unique(key)
    to_ll = Transformer.from_crs(spec.crs, 4326, always_xy=True)
    if spec.shape == "square":
        i, j = square_unkey(key)
        x, y = (i + 0.5) * spec.cell_m, (j + 0.5) * spec.cell_m
        lon, lat = to_ll.transform(x, y)
        return Cells(spec, key, x, y, np.asarray(lon), np.asarray(lat))
    lon, lat = hex_centres(key)
    to_m = Transformer.from_crs(4326, spec.crs, always_xy=True)
    x, y = to_m.transform(lon, lat)
    return Cells(spec, key, np.asarray(x), np.asarray(y), lon, lat)


def cell_label(key: np.ndarray, spec: CellSpec) -> np.ndarray:
    """Readable cell ids: ``C<col>_<row>`` for squares, the H3 index string for hexagons."""
    if spec.shape == "square":
        import pandas as pd  # the labels of a table's rows; not needed by a check

        i, j = square_unkey(key)
        return ("C" + pd.Series(i).astype(str) + "_" + pd.Series(j).astype(str)).to_numpy()
    import h3

    return np.array([h3.int_to_str(int(k)) for k in key.astype("uint64")], dtype=object)
