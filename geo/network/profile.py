"""Which OpenStreetMap ways a rider may walk or cycle: the rules, written as data.

A street network is built from the ways of an OSM file that a travel mode may use. The
rules are one table (:data:`RULES`); each names the OSM tags it reads, the modes and
profiles it applies to, and whether it **closes** ways to a mode or **opens** them again:

* the **osm** profile is OpenStreetMap's general rules (those pyrosm's ``walking`` and
  ``cycling`` filters apply, plus the tags that open a way to a mode whatever its
  ``highway``: ``foot=yes|designated|permissive`` for walking, ``bicycle=…`` for cycling —
  a shared cycleway is walkable);
* the **china** profile adds what Chinese tagging needs: 城市快速路 (elevated roads 高架,
  ring roads 内环, tunnels 隧道) are tagged ``highway=trunk``/``trunk_link``, often with
  ``bridge``/``tunnel``/``layer`` and without ``foot=no``, and ``motorroad=yes`` (no
  pedestrians or cycles) is common; neither may be walked or cycled unless ``foot``,
  ``bicycle``, ``sidewalk`` or ``cycleway`` tags say so. Footbridges and underpasses
  (``highway=footway|steps|path`` with ``bridge``/``tunnel``) stay walkable.

``auto`` (the default) takes **china** for data in China and **osm** elsewhere. E-bikes
follow the cycling rules (non-motorised lanes, ``bicycle``, ``cycleway``); their one-way
rules also read ``oneway:e_bike`` (:mod:`geo.network.load`).

:func:`apply_profile` evaluates the table over a table of ways at once (vectorised) and
counts the ways each rule removed, which :class:`geo.network.Network` keeps as
``removed`` and ``geo network info`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.errors import SettingsError
from geo.settings import STREET_PROFILES

__all__ = [
    "NETWORK_PROFILES",
    "PROFILE_TAGS",
    "RULES",
    "Rule",
    "apply_profile",
    "resolve_profile",
    "rules_table",
]

#: The profiles a network may be built with; ``auto`` chooses ``china`` for data in China.
NETWORK_PROFILES: tuple[str, ...] = STREET_PROFILES

# highway values that are not a usable way at all (pyrosm's "all" filter)
_NOT_A_WAY = ["abandoned", "construction", "no", "planned", "platform", "proposed", "raceway",
              "razed", "rest_area", "services"]
_ALLOWED = ["yes", "designated", "permissive", "official"]
_CLOSED = ["no", "private"]
# a lane on the road itself; ``separate`` (the lane drawn as its own way) opens nothing
_LANES = ["lane", "track", "shared_lane", "opposite_lane", "opposite_track", "opposite",
          "share_busway", "yes"]
_SIDEWALKS = ["yes", "both", "left", "right"]
_ELEVATED_NAME = r"高架|快速路|快速干道|隧道|内环|中环|外环"

Tags = pd.DataFrame


def _text(tags: Tags, key: str) -> pd.Series:
    """A tag's values as text (missing → ``""``); several values (``a;b``) kept as written."""
    if key not in tags:
        return pd.Series("", index=tags.index, dtype=object)
    col = tags[key]
    return col.astype(object).where(col.notna(), "").astype(str).str.strip()


def _is(tags: Tags, key: str, values: list[str]) -> np.ndarray:
    """Whether a tag equals one of ``values``, also as one of several ``;``-separated values."""
    text = _text(tags, key)
    hit = text.isin(values).to_numpy(copy=True)
    multi = text.str.contains(";", regex=False).to_numpy()
    if multi.any():
        parts = text[multi].str.split(";").explode().str.strip()
        any_hit = parts.isin(values).groupby(level=0).any()
        hit[np.flatnonzero(multi)] = any_hit.reindex(text.index[multi]).to_numpy(dtype=bool)
    return hit


def _any(tags: Tags, keys: list[str], values: list[str]) -> np.ndarray:
    out = np.zeros(len(tags), dtype=bool)
    for key in keys:
        out |= _is(tags, key, values)
    return out


def _first_set(tags: Tags, keys: tuple[str, ...]) -> pd.Series:
    """The value of the first of ``keys`` that is set (OSM's access precedence)."""
    decided = pd.Series("", index=tags.index, dtype=object)
    for key in keys:
        decided = decided.where(decided != "", _text(tags, key))
    return decided


def _present(tags: Tags, key: str) -> np.ndarray:
    text = _text(tags, key)
    return (text != "").to_numpy() & ~text.isin(["no", "0", "false"]).to_numpy()


def _elevated(tags: Tags) -> np.ndarray:
    """A trunk road on a bridge, in a tunnel, above ground, or named as an expressway."""
    trunk = _is(tags, "highway", ["trunk", "trunk_link"])
    layer = pd.to_numeric(_text(tags, "layer").str.split(";").str[0], errors="coerce")
    raised = (_present(tags, "bridge") | _present(tags, "tunnel")
              | (layer.fillna(0).to_numpy() >= 1)
              | _text(tags, "name").str.contains(_ELEVATED_NAME, regex=True).to_numpy())
    return trunk & raised


@dataclass(frozen=True)
class Rule:
    """One rule of the table.

    Attributes
    ----------
    name
        Its key, as ``Network.removed`` and ``geo network info`` report it.
    action
        ``close`` (the way may not be used by the mode) or ``open`` (it may, whatever the
        closing rules named in ``overrides`` say).
    modes
        ``walking`` and/or ``cycling`` (e-bikes use ``cycling``'s ways).
    profiles
        The profiles that apply it (``osm``, ``china``).
    tags
        The OSM tags it reads.
    zh, en
        What it says, for the docs and ``geo network info``.
    test
        Whether each way (a row of a table of tags) matches.
    overrides
        For an ``open`` rule: the ``close`` rules it cancels.
    """

    name: str
    action: str
    modes: tuple[str, ...]
    profiles: tuple[str, ...]
    tags: tuple[str, ...]
    zh: str
    en: str
    test: Callable[[Tags], np.ndarray]
    overrides: tuple[str, ...] = ()


_BOTH = ("walking", "cycling")
_ALL = ("osm", "china")
_CHINA = ("china",)

#: The rules, in the order they are reported. Every profile starts from the ways that have
#: a ``highway`` tag, are not an area (``area=yes``) and not a way that is not one
#: (``construction``, ``proposed``, ``platform`` … : rule ``not_a_way``).
RULES: tuple[Rule, ...] = (
    Rule("not_a_way", "close", _BOTH, _ALL, ("highway", "area"),
         "不是道路（施工、规划、站台、面状）", "not a way (construction, proposed, platform, area)",
         lambda t: (_text(t, "highway") == "").to_numpy() | _is(t, "highway", _NOT_A_WAY)
         | _is(t, "area", ["yes"])),
    Rule("motorway", "close", _BOTH, _ALL, ("highway",),
         "高速公路及匝道", "motorway and its links",
         lambda t: _is(t, "highway", ["motorway", "motorway_link"])),
    Rule("motor_only", "close", _BOTH, _ALL, ("highway",),
         "机动车专用（公交专用道、导轨）", "motor vehicles only (bus guideway, busway)",
         lambda t: _is(t, "highway", ["motor", "bus_guideway", "busway"])),
    Rule("cycleway", "close", ("walking",), _ALL, ("highway",),
         "自行车道（步行不可，除非 foot 允许）", "cycleway (not walkable unless foot allows)",
         lambda t: _is(t, "highway", ["cycleway"])),
    Rule("foot_only", "close", ("cycling",), _ALL, ("highway",),
         "人行道、台阶、室内通道、电梯（骑行不可，除非 bicycle 允许）",
         "footway, steps, corridor, lift (not cyclable unless bicycle allows)",
         lambda t: _is(t, "highway", ["footway", "steps", "corridor", "elevator",
                                      "escalator"])),
    Rule("no_access_walk", "close", ("walking",), _ALL, ("foot", "access"),
         "禁止通行（foot/access = no 或 private）", "closed (foot/access = no or private)",
         lambda t: _first_set(t, ("foot", "access")).isin(_CLOSED).to_numpy()),
    Rule("no_access_cycle", "close", ("cycling",), _ALL, ("bicycle", "vehicle", "access"),
         "禁止通行（bicycle/vehicle/access = no 或 private）",
         "closed (bicycle/vehicle/access = no or private)",
         lambda t: _first_set(t, ("bicycle", "vehicle", "access")).isin(_CLOSED).to_numpy()),
    Rule("private_service", "close", _BOTH, _ALL, ("service",),
         "私人道路（service=private）", "private service road",
         lambda t: _is(t, "service", ["private"])),
    Rule("sidewalk_separate", "close", ("walking",), _ALL,
         ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"),
         "人行道另行绘制（sidewalk=separate）", "sidewalk mapped as its own way",
         lambda t: _any(t, ["sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"],
                        ["separate"])),
    Rule("motorroad", "close", _BOTH, _CHINA, ("motorroad",),
         "机动车专用道路（motorroad=yes）", "motor road: no pedestrians or cycles",
         lambda t: _is(t, "motorroad", ["yes"])),
    Rule("expressway", "close", _BOTH, _CHINA, ("highway", "bridge", "tunnel", "layer", "name"),
         "城市快速路：高架、隧道、layer≥1 或名称含 高架/快速路/隧道/环 的 trunk",
         "urban expressway: trunk on a bridge, in a tunnel, layer ≥ 1 or named 高架/快速路/隧道",
         _elevated),
    Rule("foot_allowed", "open", ("walking",), _ALL, ("foot",),
         "foot=yes/designated/permissive：可步行", "foot=yes/designated/permissive: walkable",
         lambda t: _is(t, "foot", _ALLOWED),
         overrides=("motorway", "motor_only", "cycleway", "motorroad", "expressway")),
    Rule("sidewalk", "open", ("walking",), _CHINA,
         ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"),
         "有人行道（sidewalk=both/left/right/yes）的快速路、机动车专用道路可步行",
         "an expressway or motor road with a sidewalk is walkable",
         lambda t: _any(t, ["sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"],
                        _SIDEWALKS),
         overrides=("motorroad", "expressway")),
    Rule("bicycle_allowed", "open", ("cycling",), _ALL, ("bicycle",),
         "bicycle=yes/designated/permissive：可骑行", "bicycle=yes/designated/permissive: cyclable",
         lambda t: _is(t, "bicycle", _ALLOWED),
         overrides=("motorway", "motor_only", "foot_only", "motorroad", "expressway")),
    Rule("cycle_lane", "open", ("cycling",), _CHINA,
         ("cycleway", "cycleway:both", "cycleway:left", "cycleway:right"),
         "有非机动车道（cycleway=lane/track…，不含 separate）的快速路、机动车专用道路可骑行",
         "an expressway or motor road with a cycle lane (non-motorised lane) on it is cyclable",
         lambda t: _any(t, ["cycleway", "cycleway:both", "cycleway:left", "cycleway:right"],
                        _LANES),
         overrides=("motorroad", "expressway")),
)

#: Every tag the rules read (the readers keep these columns).
PROFILE_TAGS: tuple[str, ...] = tuple(dict.fromkeys(tag for r in RULES for tag in r.tags))


def resolve_profile(profile: str, lon: np.ndarray, lat: np.ndarray) -> str:
    """The profile to use: ``auto`` becomes ``china`` when most of the data lie in China.

    Parameters
    ----------
    profile
        ``auto``, ``china`` or ``osm``.
    lon, lat
        The network's nodes (WGS-84).

    Returns
    -------
    str
        ``china`` or ``osm``.

    Raises
    ------
    SettingsError
        For an unknown profile.
    """
    if profile not in NETWORK_PROFILES:
        raise SettingsError(
            f"unknown street profile '{profile}': use {', '.join(NETWORK_PROFILES)}"
        )
    if profile != "auto":
        return profile
    from geo.crs import in_china

    inside = in_china(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return "china" if inside.size and inside.mean() > 0.5 else "osm"


def apply_profile(
    tags: Tags, net_type: str, profile: str, way_id: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Which ways (rows of ``tags``) a mode may use under a profile, and why the others not.

    Parameters
    ----------
    tags
        One row per way (or per segment of a way), a column per OSM tag (missing columns
        count as unset).
    net_type
        ``walking``, ``cycling`` or ``ebike`` (cycling's ways).
    profile
        ``china`` or ``osm`` (see :func:`resolve_profile`).
    way_id
        The OSM way each row belongs to, so that counts are of ways; rows by default.

    Returns
    -------
    keep : numpy.ndarray
        Per row, whether the mode may use it.
    removed : dict
        Per ``close`` rule, the number of ways it removed (a way closed by two rules counts
        for both); per ``open`` rule (``opened:<name>``), the ways it kept open that a
        closing rule would have removed. Rules that touched no way are left out.
    """
    mode = "cycling" if net_type in ("cycling", "ebike") else net_type
    rules = [r for r in RULES if mode in r.modes and profile in r.profiles]
    n = len(tags)
    closes = {r.name: np.asarray(r.test(tags), dtype=bool) for r in rules if r.action == "close"}
    opened = {r.name: np.asarray(r.test(tags), dtype=bool) for r in rules if r.action == "open"}
    effective = dict(closes)
    kept_open: dict[str, np.ndarray] = {}
    for rule in (r for r in rules if r.action == "open"):
        hit = opened[rule.name]
        cancelled = np.zeros(n, dtype=bool)
        for name in rule.overrides:
            if name in effective:
                cancelled |= effective[name] & hit
                effective[name] = effective[name] & ~hit
        kept_open[rule.name] = cancelled
    closed = np.zeros(n, dtype=bool)
    for mask in effective.values():
        closed |= mask
    keep = ~closed
    ids = np.arange(n) if way_id is None else np.asarray(way_id)

    def ways(mask: np.ndarray) -> int:
        return int(pd.unique(ids[mask]).size) if mask.any() else 0

    removed = {name: ways(mask) for name, mask in effective.items()}
    removed.update({f"opened:{name}": ways(mask) for name, mask in kept_open.items()})
    return keep, {k: v for k, v in removed.items() if v}


def rules_table(profile: str | None = None) -> pd.DataFrame:
    """The rules as a table (for the docs and ``geo network info``).

    Parameters
    ----------
    profile
        Only the rules of this profile (``china`` or ``osm``); all by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule``, ``action``, ``modes``, ``profiles``, ``tags``, ``zh``, ``en``.
    """
    rows = [
        {"rule": r.name, "action": r.action, "modes": ", ".join(r.modes),
         "profiles": ", ".join(r.profiles), "tags": ", ".join(r.tags), "zh": r.zh, "en": r.en}
        for r in RULES if profile is None or profile in r.profiles
    ]
    return pd.DataFrame(rows)
