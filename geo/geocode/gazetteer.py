"""China's provinces, prefecture cities and counties, offline: names to places.

The table (``gazetteer.csv`` beside this module, made by ``data/make_gazetteer.py`` from
the PyPI package cpca 0.5.5, itself from Vonng/adcode, CC BY 4.0; its header states the
source and licences) holds 3,212 units with the coordinates of their seats (GCJ-02 as
published, WGS-84 here after :func:`geo.crs.gcj02_to_wgs84`). :func:`find_city` reads the
city a geocoding run names (``苏州``, ``苏州市``, ``江苏省苏州市``, ``Suzhou, Jiangsu``) and
gives the :class:`~geo.geocode.extent.CityExtent` its answers must fall in; a name the table
does not know, or one that names several places, gives a warning instead.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from geo.geocode.extent import CityExtent, extent_of

__all__ = ["DATA", "LEVELS", "CityMatch", "Gazetteer", "find_city", "gazetteer"]

#: The table of units (code, level, parent, name, short, pinyin, lon, lat; GCJ-02).
DATA = Path(__file__).with_name("gazetteer.csv")
#: Levels of the units, widest first.
LEVELS = ("province", "city", "county")
_LEVEL_EN = {"province": "a province", "city": "a prefecture city", "county": "a county"}
_COUNTRY = re.compile(r"^(中华人民共和国|中国)")
#: English words that say what kind of place a name is, not which (dropped before matching).
_FILLER = frozenset({"city", "shi", "province", "sheng", "prefecture", "district", "county",
                     "municipality", "china", "pr", "prc", "of", "the", "autonomous",
                     "region", "sar", "special", "administrative", "diqu", "zizhizhou"})


@dataclass(frozen=True)
class CityMatch:
    """What a run's city name was understood as.

    Attributes
    ----------
    text
        The name as given.
    place
        The full name of the unit understood (``江苏省苏州市``), ``""`` when none.
    extent
        The area answers must fall in, ``None`` when the name was not understood.
    warning
        Why answers are not checked against the place, or what of the name was not
        understood; ``""`` when all of it was.
    """

    text: str
    place: str
    extent: CityExtent | None
    warning: str


class Gazetteer:
    """The units of :data:`DATA`, with their seats in WGS-84.

    Parameters
    ----------
    path
        The table; :data:`DATA` by default.
    """

    def __init__(self, path: str | Path = DATA) -> None:
        from geo.crs import gcj02_to_wgs84

        with Path(path).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
        self.code = np.array([r["code"] for r in rows])
        self.level = np.array([r["level"] for r in rows])
        self.parent = np.array([r["parent"] for r in rows])
        self.name = np.array([r["name"] for r in rows])
        self.short = np.array([r["short"] for r in rows])
        self.pinyin = np.array([f"|{r['pinyin']}|" for r in rows])  # |suzhou| or |xizang|tibet|
        lon, lat = gcj02_to_wgs84(np.array([float(r["lon"]) for r in rows]),
                                  np.array([float(r["lat"]) for r in rows]))
        self.lon = np.asarray(lon, dtype=float)
        self.lat = np.asarray(lat, dtype=float)
        self.index = {c: i for i, c in enumerate(self.code)}

    def __len__(self) -> int:
        return len(self.code)

    def full_name(self, i: int) -> str:
        """The unit's name after its province's and prefecture's: ``江苏省苏州市姑苏区``."""
        names = [str(self.name[i])]
        parent = str(self.parent[i])
        while parent:
            j = self.index[parent]
            names.append(str(self.name[j]))
            parent = str(self.parent[j])
        return "".join(reversed(names))

    def within(self, i: int) -> np.ndarray:
        """Positions of the unit and every unit inside it (by the code's prefix)."""
        level = str(self.level[i])
        digits = {"province": 2, "city": 4}.get(level, 6)
        return np.flatnonzero(np.char.startswith(self.code, str(self.code[i])[:digits]))

    @cached_property
    def _seats(self) -> tuple[np.ndarray, object]:
        """The seats places are named by (counties, and units without counties) and a
        k-d tree of them on the unit sphere."""
        from scipy.spatial import cKDTree

        has_child = np.zeros(len(self), dtype=bool)
        has_child[[self.index[p] for p in self.parent if p]] = True
        seats = np.flatnonzero((self.level == "county") | ~has_child)
        return seats, cKDTree(_unit_vectors(self.lon[seats], self.lat[seats]))

    @cached_property
    def spacing_km(self) -> np.ndarray:
        """Per unit, the distance from its seat to the nearest other named seat (km): how
        far apart places are there (a few km in a city, 100 km in Tibet)."""
        seats, tree = self._seats
        dist, idx = tree.query(_unit_vectors(self.lon, self.lat), k=2)  # type: ignore[attr-defined]
        own = seats[idx[:, 0]] == np.arange(len(self))
        chord = np.where(own, dist[:, 1], dist[:, 0])
        return 2 * _EARTH_KM * np.arcsin(np.minimum(chord / 2, 1.0))

    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> list[str]:
        """The full name of the named seat nearest to each point (WGS-84)."""
        seats, tree = self._seats
        if len(lon) == 0:
            return []
        _, idx = tree.query(_unit_vectors(np.asarray(lon, float), np.asarray(lat, float)))  # type: ignore[attr-defined]
        names = {int(i): self.full_name(int(seats[i])) for i in np.unique(idx)}
        return [names[int(i)] for i in idx]

    def extent(self, i: int) -> CityExtent:
        """The area answers for unit ``i`` must fall in (see :mod:`geo.geocode.extent`)."""
        members = self.within(i)
        counties = members[self.level[members] == "county"]
        spacing = self.spacing_km[counties if counties.size else np.array([i])]
        return extent_of(self.full_name(i), str(self.level[i]), self.lon[i], self.lat[i],
                         self.lon[members], self.lat[members], float(np.median(spacing)))

    # --- names ------------------------------------------------------------------------------

    def _pool(self, scope: int | None) -> np.ndarray:
        """Positions of the units inside ``scope`` (all units for ``None``)."""
        if scope is None:
            return np.arange(len(self))
        inside = self.within(scope)
        return inside[inside != scope]

    def _prefix_matches(self, text: str, scope: int | None) -> tuple[int, list[int]]:
        """Units inside ``scope`` whose name or short name starts ``text``: the length of
        the longest such name and the units with it."""
        pool = self._pool(scope)
        names, shorts = self.name[pool], self.short[pool]
        for length in range(len(text), 0, -1):
            head = text[:length]
            hit = pool[(names == head) | (shorts == head)]
            if hit.size:
                return length, [int(i) for i in hit]
        return 0, []

    def _pinyin_matches(self, word: str, scope: int | None) -> list[int]:
        pool = self._pool(scope)
        return [int(i) for i in pool[np.char.find(self.pinyin[pool], f"|{word}|") >= 0]]

    def find(self, text: str) -> CityMatch:
        """Read a city name; see :func:`find_city`."""
        raw = str(text)
        norm = "".join(unicodedata.normalize("NFKC", raw).split())
        if not norm:
            return CityMatch(raw, "", None, "")
        if norm.isascii():
            return self._find_english(raw)
        rest = _COUNTRY.sub("", norm)
        scope: int | None = None
        while rest:
            length, found = self._prefix_matches(rest, scope)
            if not found:
                break
            if len(found) > 1:
                names = " / ".join(self.full_name(i) for i in found[:4])
                return CityMatch(raw, "", None, (
                    f"the city '{raw}' could be {names}: answers are checked by the "
                    "provider's place text only (write the province too, e.g. "
                    f"{self.full_name(found[0])})"))
            scope, rest = found[0], rest[length:]
        return self._match(raw, scope, rest)

    def _find_english(self, raw: str) -> CityMatch:
        words = [w for w in re.split(r"[^a-z]+", raw.lower().replace("'", "")) if w]
        words = [w for w in words if w not in _FILLER]
        if not words:
            return CityMatch(raw, "", None, self._unknown(raw))
        joined = "".join(words)
        whole = self._pinyin_matches(joined, None)
        if len(whole) == 1:
            return self._match(raw, whole[0], "")
        for order in (words, words[::-1]):  # "Jiangsu Suzhou" or "Suzhou, Jiangsu"
            scope: int | None = None
            for word in order:
                found = self._pinyin_matches(word, scope)
                if len(found) != 1:
                    break
                scope = found[0]
            else:
                return self._match(raw, scope, "")
        if len(whole) > 1:
            names = " / ".join(self.full_name(i) for i in whole[:4])
            return CityMatch(raw, "", None, (
                f"the city '{raw}' could be {names}: answers are checked by the provider's "
                f"place text only (name it in Chinese, or add the province, e.g. "
                f"'{raw}, {self._province_pinyin(whole[0])}')"))
        return CityMatch(raw, "", None, self._unknown(raw))

    def _province_pinyin(self, i: int) -> str:
        province = self.index[str(self.code[i])[:2] + "0000"]
        return str(self.pinyin[province]).strip("|").split("|")[0].capitalize()

    def _match(self, raw: str, scope: int | None, rest: str) -> CityMatch:
        if scope is None:
            return CityMatch(raw, "", None, self._unknown(raw))
        place = self.full_name(scope)
        warning = ""
        if rest:
            warning = (f"the city '{raw}': '{rest}' is not a province, city or county geo "
                       f"knows; answers are checked against {place} "
                       f"({_LEVEL_EN[str(self.level[scope])]})")
        return CityMatch(raw, place, self.extent(scope), warning)

    @staticmethod
    def _unknown(raw: str) -> str:
        return (f"the city '{raw}' is not a province, city or county geo knows (names of "
                "2018): answers are checked by the provider's place text only, not by "
                "where they are")


_EARTH_KM = 6371.0088


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The bundled gazetteer, read once."""
    return Gazetteer()


@lru_cache(maxsize=64)
def find_city(text: str) -> CityMatch:
    """Read the city a geocoding run is restricted to.

    Parameters
    ----------
    text
        A province, prefecture city or county, alone or after its province or prefecture:
        ``苏州``, ``苏州市``, ``江苏省苏州市``, ``苏州市姑苏区``; in pinyin (``Suzhou, Jiangsu``,
        ``Beijing``) for provinces and prefecture cities.

    Returns
    -------
    CityMatch
        ``extent`` is ``None`` (and ``warning`` says why) for a name the gazetteer does not
        know or one that names several places (``朝阳``; ``Suzhou`` is 苏州 and 宿州).
    """
    return gazetteer().find(text)
