"""The planner app: 15-minute coverage of rider service stations, with what-if stations.

Run it with::

    streamlit run app.py

It opens on the bundled, invented demo data (``data/canglang/``). Every number,
table and file comes from the library (``geo.analyze``, ``geo.scenario``,
``geo.planner``, ``geo.maps``); this script only lays out widgets. Labels live
in :mod:`geo.ui_text` (Chinese by default, English on the switch).

Caching: files are read once per content (keyed by the uploaded bytes' hash, the
file name and the coordinate system) and an analysis is kept per inputs,
parameters and what-if stations, so the result's lazily computed tables are
computed once too; both live in one :class:`geo.memo.Memo` per process, bounded
by memory (``GEO_APP_CACHE_MEMORY``, default 1 GB).

Tests: the map is drawn by streamlit-folium in :func:`show_map`. Set the
environment variable ``GEO_APP_MAP=off`` (or ``st.session_state["geo_map_off"]
= True``) to skip building and drawing it, e.g. under
``streamlit.testing.v1.AppTest`` when only the numbers matter.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, replace
from datetime import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

import geo
from geo import budget, heap, planner, scenario
from geo import ui_text as ui
from geo.basis import Basis, Source, basis_lines, dataset_id
from geo.demo import network as demo_network
from geo.errors import GeoError, InputError, Rejected
from geo.maps.tiles import TILES, tile_key
from geo.memo import Memo
from geo.paths import cache_root
from geo.report.workbook import readable_table, table_download, table_headers
from geo.schema import AMENITY_LABELS, KIND_LABELS
from geo.settings import MODE_SPEEDS_KMH, STREET_PROFILES, Settings
from geo.style import APP_CSS

DEMO_DIR = Path(__file__).resolve().parent / "data" / "canglang"
CRS_KEYS = ("wgs84", "gcj02", "bd09")
NETWORK_DIR = cache_root("uploads")

lang: str = st.session_state.get("lang", ui.DEFAULT_LANGUAGE)
#: The analysis' own time limit, for the titles (the widget's value as this run starts).
MINUTES: float = float(st.session_state.get("minutes", 15.0) or 15.0)


def T(key: str) -> str:  # noqa: N802 - the usual name of a translation helper
    """The label ``key`` in the chosen language (``{minutes}``: the analysis' limit)."""
    return ui.t(key, lang).replace("{minutes}", f"{MINUTES:g}")


st.set_page_config(page_title=T("page_title"), page_icon="🛵", layout="wide")

# Streamlit forgets a widget's value in a run that does not draw it; keep the parameters
# while the geocoding page is shown (uploaded files cannot be kept this way).
# Setting them again also keeps a radio's choice on screen when the language switch
# relabels it (else the browser shows none chosen until the next rerun).
PERSISTENT = ("demo_name", "crs", "mode", "minutes", "circuity", "categories", "amenity",
              "use_time", "at", "basemap", "cell", "cell_shape", "method", "network_source",
              "snap_limit", "click_to_add", "street_profile", "tile_key", "page",
              "siting_model", "siting_k", "siting_share", "siting_source", "siting_charging",
              "siting_solver", "gc_source", "gc_city", "gc_file_crs", "gc_provider", "gc_pick",
              "geocoded_use_choice")
PERSISTENT_PREFIXES = ("speed_", "wi_", "gc_lon_", "gc_lat_", "gc_sys_")
for _k in [k for k in st.session_state
           if k in PERSISTENT or str(k).startswith(PERSISTENT_PREFIXES)]:
    st.session_state[_k] = st.session_state[_k]


def start_value(key: str, value: Any) -> str:
    """``key``, with ``value`` put in session state as the widget's starting value.

    A widget keeps its value in session state under its key, and the keys above are set
    there again on every run; a widget given a ``value=`` as well would make Streamlit
    log "created with a default value but also had its value set via the Session State
    API" (once per process). So a widget's starting value goes into session state only,
    when the key is not there yet, and the widget is made without ``value=``.
    """
    if key not in st.session_state:
        st.session_state[key] = value
    return key


# the add-station form's defaults follow the language while the planner has not typed over them
for _k, _text in (("wi_name", "default_station_name"), ("wi_hours", "default_hours")):
    if st.session_state.get(_k) in ui.TEXT[_text]:
        st.session_state[_k] = T(_text)


# --- access gate and error guard ----------------------------------------------------------

#: The memory one session's analysis may plan for (``GEO_APP_MAX_MEMORY``, default 512 MB).
APP_MAX_MEMORY = os.environ.get("GEO_APP_MAX_MEMORY", "512MB")
log = logging.getLogger("geo.app")


def _secret(name: str) -> str | None:
    """A setting from ``.streamlit/secrets.toml`` or the environment (``GEO_`` + upper name)."""
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError, StreamlitSecretNotFoundError):
        value = None
    return str(value) if value else os.environ.get(f"GEO_{name.upper()}") or None


def _access_granted() -> bool:
    """With ``app_password`` set (secrets or ``GEO_APP_PASSWORD``), ask for it once per session."""
    expected = _secret("app_password")
    if expected is None or st.session_state.get("access_granted"):
        return True
    st.title(T("title"))
    with st.form("access"):
        given = st.text_input(T("access_password"), type="password")
        if st.form_submit_button(T("access_enter")):
            if planner.password_matches(given, expected):
                st.session_state["access_granted"] = True
                st.rerun()
            st.error(T("access_wrong"))
    return False


def _guarded(page: Any) -> None:
    """Run the page; an unexpected error shows a short message with a reference, and the
    traceback (keys removed) goes to the server log only."""
    try:
        with budget.limit(APP_MAX_MEMORY):
            page()
    except Exception as exc:  # st.stop / st.rerun are not Exceptions and pass through
        ref = planner.error_reference()
        log.error("app error %s:\n%s", ref, planner.redacted_traceback(exc))
        st.error(T("internal_error").format(ref=ref))


# --- cached library calls ----------------------------------------------------------------


#: The memory the process keeps read uploads and analyses in (``GEO_APP_CACHE_MEMORY``,
#: default 1 GB, shared by all sessions); the least recently used go first.
APP_CACHE_MEMORY = os.environ.get("GEO_APP_CACHE_MEMORY", "1GB")


@st.cache_resource(show_spinner=False)
def _memo() -> Memo:
    """The process's one cache of uploads and results, bounded by memory (:mod:`geo.memo`)."""
    return Memo(budget.parse_bytes(APP_CACHE_MEMORY), derived_per_base=2)


def read_upload(kind: str, name: str, data: bytes, crs: str) -> gpd.GeoDataFrame:
    """Read uploaded bytes (kept per content, name and coordinate system; a copy returned)."""
    key = ("upload", kind, name, hashlib.sha256(data).hexdigest(), crs)
    return _memo().get(key, lambda: planner.read_upload(kind, name, data, crs=crs)).copy()


def read_demo(kind: str, demo: str = "canglang") -> list[gpd.GeoDataFrame]:
    """Read the bundled demo files of one input (kept in the process's cache): shallow
    copies marked ``origin="demo"`` are returned, so a rerun does not copy 100,000 demand
    points and the cached frames stay as read."""
    frames = _memo().get(
        ("demo", kind, demo),
        lambda: planner.read_demo(kind, DEMO_DIR if demo == "canglang" else None, demo=demo),
    )
    out = [g.copy(deep=False) for g in frames]
    for copy, g in zip(out, frames, strict=True):
        copy.attrs = {**g.attrs, "origin": "demo"}
    return out


def run_analysis(
    inputs_key: tuple[Any, ...],
    settings: Settings,
    whatif: tuple[tuple[tuple[str, Any], ...], ...],
    _inputs: dict[str, Any],
    network: str | None = None,
    snap_limit_m: float = 200.0,
) -> geo.CoverageResult:
    """One analysis per inputs (by content), parameters and what-if stations."""

    def compute() -> geo.CoverageResult:
        stations = scenario.combine(_inputs["stations"])
        if whatif:
            stations = scenario.with_stations(stations, [dict(spec) for spec in whatif])
            # what-ifs on the analysis without them: only the points they reach change
            base = run_analysis(inputs_key, settings, (), _inputs, network, snap_limit_m)
            quick = scenario.add_incrementally(base, stations)
            if quick is not None:
                return quick
        # an analysis of the same inputs with other parameters lends its points' cells and
        # 网格 (geo.analyze checks that they hold)
        like = None if whatif else _memo().find(same_method)
        return geo.analyze(
            stations,
            demand=_inputs["demand"],
            area=_inputs["area"],
            grids=_inputs["grids"],
            settings=settings,
            network=network,
            snap_limit_m=snap_limit_m,
            like=like if isinstance(like, geo.CoverageResult) else None,
        )

    def same_method(k: Any) -> bool:
        return k[:2] == ("analysis", inputs_key) and k[3:] == ((), network, snap_limit_m)

    key = ("analysis", inputs_key, settings, whatif, network, snap_limit_m)
    memo = _memo()
    if not whatif and key not in memo:
        # room for it first, about the size of the last analysis of the same data: older
        # analyses are freed before this one runs, not after (the peak is one, not two)
        last = memo.find_key(lambda k: k[:2] == ("analysis", inputs_key) and k[3] == ())
        memo.make_room(memo.size(last) if last is not None else 0,
                       evictable=lambda k: k[0] in ("analysis", "siting"),
                       keep=(memo.find_key(same_method),))
    # a what-if result shares the points and tables of the analysis without it: counted as
    # what it adds, and kept while that analysis is (it keeps it recent)
    base = ("analysis", inputs_key, settings, (), network, snap_limit_m) if whatif else None
    return memo.get(key, compute, base=base)


def run_siting(
    inputs_key: tuple[Any, ...],
    settings: Settings,
    params: tuple[tuple[str, Any], ...],
    candidates_key: tuple[Any, ...] | None,
    _inputs: dict[str, Any],
    _candidates: gpd.GeoDataFrame | None = None,
    network: str | None = None,
    snap_limit_m: float = 200.0,
) -> Any:
    """One siting run per inputs, parameters and candidate file (existing stations fixed)."""
    from geo.siting import site

    def compute() -> Any:
        return site(
            scenario.combine(_inputs["stations"]), candidates=_candidates,
            demand=_inputs["demand"], area=_inputs["area"], grids=_inputs["grids"],
            settings=settings, network=network, snap_limit_m=snap_limit_m, **dict(params),
        )

    return _memo().get(("siting", inputs_key, settings, params, candidates_key, network,
                        snap_limit_m), compute)


# --- inputs ------------------------------------------------------------------------------


class _Upload:
    """A file made in the app (the geocoded table), read like an uploaded one."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self._data = data

    def getvalue(self) -> bytes:
        return self._data


def gather_inputs(uploads: dict[str, Any], crs: str, demo_name: str = "canglang") -> dict[str, Any]:
    """Uploaded files where given and readable, else the demo (when no station file is used).

    Stations taken over from the geocoding page join the dataset (the demo, or the
    uploads): in place of its stations or added to them, as chosen there; its demand, area
    and 网格 are kept either way. An unreadable file is reported with ``st.error`` and left
    out; the rest is used. ``basis`` names what is in use (:class:`geo.basis.Basis`) and
    ``dataset`` identifies the dataset (what-if stations belong to one).
    """
    key: list[tuple[str, ...]] = []
    seen: list[Rejected] = []
    notes: list[Rejected] = []

    def load(kind: str, files: list[Any], origin: str = "upload") -> list[gpd.GeoDataFrame]:
        out = []
        for f in files:
            data = f.getvalue()
            try:
                gdf = read_upload(kind, f.name, data, crs)
            except InputError as exc:
                st.error(f"{T('read_error')}: {ui.plain(ui.message_text(exc, lang))}")
                continue
            if kind in ("stations", "demand") and len(gdf) == 0:
                seen.extend(gdf.attrs.get("rejected", []))  # why: listed with the others
                st.error(f"{ui.plain(f.name)}: {T('no_rows')}")
                continue
            gdf.attrs["origin"] = origin
            out.append(gdf)
            key.append((kind, f.name, hashlib.sha256(data).hexdigest(), crs))
        return out

    geocoded = st.session_state.get("geocoded_stations")  # from the geocoding page
    how = st.session_state.get("geocoded_use", "replace") if geocoded else None
    stations = load("stations", list(uploads["stations"] or []))
    demo = not stations
    if demo:
        if uploads["stations"]:
            st.warning(T("fallback_demo_stations"))
        stations = read_demo("stations", demo_name)
        key.append(("stations", "demo", demo_name))
    dataset = [*key]  # the dataset: its own stations (what-ifs belong to it)
    if geocoded:
        extra = load("stations", [_Upload(geocoded[0], geocoded[1])], origin="geocoded")
        if extra:
            stations = extra if how == "replace" else [*stations, *extra]
            key.append(("geocoded_use", str(how)))  # the same files, used two ways
        else:
            how = None
    chosen: dict[str, Any] = {"stations": stations}
    for kind in ("demand", "area", "grids"):
        frames = load(kind, [uploads[kind]] if uploads[kind] else [])
        if frames:
            chosen[kind] = frames[0]
        elif demo:
            frames = read_demo(kind, demo_name)
            chosen[kind] = frames[0] if frames else None
            key.append((kind, "demo", demo_name))
        else:
            chosen[kind] = None
        dataset.extend(k for k in key if k[0] == kind)
    used = [*chosen["stations"], *(chosen[k] for k in ("demand", "area", "grids") if
                                     chosen[k] is not None)]
    for gdf in used:  # the analysis lists most of these again; the table shows each once
        seen.extend(gdf.attrs.get("rejected", []))
        notes.extend(gdf.attrs.get("warnings", []))
    label = ui.demo_label(demo_name, lang) if demo else T("dataset_uploads")
    basis = Basis(
        dataset=label,
        stations=tuple(_src(g) for g in chosen["stations"]),
        demand=_src(chosen["demand"]) if chosen["demand"] is not None else None,
        area=_src(chosen["area"], rows=False) if chosen["area"] is not None else None,
        grids=_src(chosen["grids"]) if chosen["grids"] is not None else None,
        geocoded_use=how,
    )
    return {"frames": chosen, "key": tuple(key), "demo": demo, "rejected": seen,
            "warnings": notes, "basis": basis, "dataset": dataset_id(dataset),
            "dataset_label": label, "dataset_demo": demo_name if demo else None}


def _src(gdf: gpd.GeoDataFrame, rows: bool = True) -> Source:
    """The file a frame was read from, as the basis names it."""
    name = str(gdf.attrs.get("source", "?")).replace("\\", "/").split("/")[-1]
    return Source(name, len(gdf) if rows else None, str(gdf.attrs.get("origin", "upload")))


def keep_whatifs_with_their_dataset(dataset: str, demo: str | None) -> None:
    """What-if stations belong to the dataset they were added on.

    On a change of dataset, the current ones are set aside under their dataset (and come
    back when it is chosen again, or are cleared with a button); the add-station form
    forgets the old dataset's coordinates. ``demo`` names the demo dataset (``None``:
    uploads), so the set-aside stations' dataset is named in the page's language.
    """
    owner = st.session_state.get("whatif_owner")
    if owner == dataset:
        return
    kept: dict[str, tuple[str | None, list[dict[str, Any]]]] = st.session_state.setdefault(
        "whatif_kept", {}
    )
    if owner is not None and st.session_state.get("whatif"):
        kept[owner] = (st.session_state.get("whatif_owner_demo"), st.session_state["whatif"])
    st.session_state["whatif"] = kept.pop(dataset, ("", []))[1] if owner is not None else (
        st.session_state.get("whatif", [])
    )
    st.session_state["whatif_owner"] = dataset
    st.session_state["whatif_owner_demo"] = demo
    # the add-station form's coordinates are keyed by dataset (see _whatif_section)


def _clear_kept_whatifs() -> None:
    st.session_state["whatif_kept"] = {}


def _stop_geocoded() -> None:
    st.session_state.pop("geocoded_stations", None)


def show_map(
    result: geo.CoverageResult, basemap: str, tile_key: str | None = None
) -> tuple[float, float] | None:
    """Draw the coverage map with streamlit-folium; return a new click (lon, lat) or ``None``.

    The click is in the basemap's datum. Leaflet does not pass a click on a
    feature with a popup (a 网格, a reach band, a gap) on to the map, so such
    clicks come back as ``last_object_clicked`` rather than ``last_clicked``;
    both count. st_folium keeps returning the last click on later reruns, so
    each is acted on once.

    ``GEO_APP_MAP=off`` in the environment, or ``st.session_state["geo_map_off"]``,
    skips the map (for tests: AppTest cannot click a Leaflet map).
    """
    if os.environ.get("GEO_APP_MAP", "").lower() in ("off", "0", "no", "false") or (
        st.session_state.get("geo_map_off")
    ):
        st.caption(T("map_off"))
        return None
    from streamlit_folium import st_folium

    from geo.maps.live import live_map

    # Leaflet as data: URLs into streamlit-folium's frame: nothing is fetched from a CDN.
    # The base (tiles, streets, view) stays in the browser while the dataset, basemap and
    # network do; a what-if or a new parameter replaces only the coverage layers.
    from geo.maps.served import publish

    # a city's streets as a file the server serves, not megabytes inside every rerun's map
    m = live_map(result, tiles=basemap, assets="data", tile_key=tile_key, publish=publish)
    fields = ["last_clicked", "last_object_clicked"]
    out = st_folium(m.base, key="map", returned_objects=fields, height=600,
                    use_container_width=True, feature_group_to_add=m.layers,
                    layer_control=m.control)
    seen = st.session_state.setdefault("map_clicks", {})
    new = None
    for field in fields:
        value = (out or {}).get(field)
        if not value:
            continue
        where = (float(value["lng"]), float(value["lat"]))
        if seen.get(field) != where:
            seen[field] = where
            new = where
    return new


def add_whatif(
    stations: gpd.GeoDataFrame, lon: float, lat: float, crs: str, **kw: Any
) -> gpd.GeoDataFrame:
    """Validate and remember one what-if station (``st.error`` when it cannot be added).

    Returns the table with it added (unchanged when refused), so that several can be
    added in a row, each with its own id.
    """
    try:
        frame = scenario.add_station(stations, lon, lat, crs=crs, **kw)
    except InputError as exc:
        st.session_state["whatif_error"] = str(exc)
        return stations
    sid = str(frame["id"].iloc[-1])
    st.session_state["whatif"] = [
        *st.session_state.get("whatif", []),
        {"lon": float(lon), "lat": float(lat), "crs": crs, "station_id": sid, **kw},
    ]
    return frame


def remove_whatif(stations: gpd.GeoDataFrame, station_id: str | None) -> None:
    """Forget one what-if station (all of them when ``station_id`` is ``None``)."""
    if station_id is None:
        st.session_state["whatif"] = []
        return
    left = scenario.remove_station(stations, station_id)
    keep = set(scenario.hypothetical_stations(left)["id"].astype(str))
    st.session_state["whatif"] = [
        s for s in st.session_state.get("whatif", []) if s.get("station_id") in keep
    ]


@dataclass(frozen=True)
class Choices:
    """What the sidebar holds: the data, the parameters, the map and the method."""

    demo_name: str
    uploads: dict[str, Any]
    crs: str
    mode: str
    speed: float
    minutes: float
    circuity: float
    categories: list[str]
    amenity: str
    use_time: bool
    at: Any
    basemap: str
    cell: float
    cell_shape: str
    method: str
    network_path: str | None
    snap_limit: float
    tile_key: str | None = None
    street_profile: str = "auto"
    network_source: str = "none"


@dataclass(frozen=True)
class Run:
    """The inputs used, the settings, and the analyses without and with what-if stations."""

    inputs: dict[str, Any]
    settings: Settings
    baseline: geo.CoverageResult
    result: geo.CoverageResult
    whatif: tuple[Any, ...]
    net_args: dict[str, Any]
    network_label: str | None = None


def _page() -> None:
    """The coverage page (or, on the switch, the geocoding page)."""
    st.html(APP_CSS)
    with st.sidebar:
        st.radio(
            T("language"), list(ui.LANGUAGES), format_func=ui.LANGUAGES.__getitem__,
            key="lang", horizontal=True,
        )
        page = st.radio(
            T("page"), ["coverage", "geocode"], format_func=lambda p: T(f"page_{p}"), key="page",
            horizontal=True,
        )
    if page == "geocode":  # the geocoding page lays out its own widgets
        import app_geocode

        app_geocode.render(T, lang)
        st.stop()
    choices = _sidebar()
    run = _analysis(choices)
    _kpis(run)
    # the KPIs are on their way: what the analysis freed goes back before the map is made
    heap.trim_heap()
    _map_and_tables(run, choices)
    _whatif_section(run.result)
    _siting_section(run, choices)
    _downloads_and_issues(run, choices)
    # the page is sent: make what a first what-if needs (a city's KD-tree of its points,
    # 0.3 s) while the planner reads it, then collect the garbage now (a map's element tree
    # holds cycles, a city's map tens of MB of text) rather than at Python's next full
    # collection; what was freed stays for the next click's analysis, whose KPIs' trim
    # (above) gives it back before the map is made
    scenario.prepare_whatifs(run.baseline)
    heap.collect_garbage()


def _sidebar() -> Choices:
    """The sidebar's data and parameter widgets."""
    with st.sidebar:
        def _demo_changed() -> None:  # the Helsinki demo is there to show the street network
            name = st.session_state["demo_name"]
            st.session_state["method"] = "network" if name == "helsinki" else "euclidean"
            # a demo with its own streets draws them (and measures on them on request)
            st.session_state["network_source"] = name if name in ("helsinki", "city") else "none"

        demo_name = st.selectbox(
            T("demo_choice"), ["canglang", "helsinki", "city"],
            format_func=lambda d: ui.demo_label(d, lang),
            key="demo_name", on_change=_demo_changed,
        )
        with st.expander(T("data"), expanded=False):
            st.caption(T("data_help"))
            types = list(planner.UPLOAD_TYPES)
            uploads = {
                "stations": st.file_uploader(
                    T("up_stations"), type=types, accept_multiple_files=True, key="up_stations"
                ),
                "demand": st.file_uploader(T("up_demand"), type=types, key="up_demand"),
                "area": st.file_uploader(T("up_area"), type=types, key="up_area"),
                "grids": st.file_uploader(T("up_grids"), type=types, key="up_grids"),
            }
            crs = st.selectbox(
                T("crs"), CRS_KEYS, format_func=lambda c: ui.crs_label(c, lang), key="crs",
                help=T("crs_help"),
            )

        st.header(T("params"))
        mode = st.selectbox(
            T("mode"), list(MODE_SPEEDS_KMH), format_func=lambda m: ui.mode_label(m, lang),
            key="mode",
        )
        speed = st.number_input(
            T("speed"), min_value=0.5, max_value=60.0, step=0.5,
            key=start_value(f"speed_{mode}", float(MODE_SPEEDS_KMH[mode])),
        )
        minutes = st.number_input(
            T("minutes"), min_value=1.0, max_value=120.0, step=1.0,
            key=start_value("minutes", 15.0),
        )
        circuity = st.number_input(
            T("circuity"), min_value=1.0, max_value=3.0, step=0.05,
            key=start_value("circuity", 1.3),
            help=T("circuity_help"),
        )
        categories = st.multiselect(
            T("categories"), list(KIND_LABELS), format_func=lambda k: ui.kind_label(k, lang),
            key="categories", placeholder=T("categories_placeholder"),
        )
        amenity = st.selectbox(
            T("amenity"), ["", *AMENITY_LABELS], format_func=lambda a: ui.amenity_label(a, lang),
            key="amenity",
        )
        use_time = st.checkbox(T("use_time"), key="use_time")
        at = st.time_input(T("time"), step=1800, key=start_value("at", time(23, 0)),
                           disabled=not use_time)
        basemap = st.selectbox(
            T("basemap"), list(TILES),
            format_func=lambda k: TILES[k].label_en if lang == "en" else TILES[k].label_zh,
            key="basemap", help=T("basemap_help"),
        )
        basemap, tile_key = _basemap_key(basemap)
        cell = st.number_input(
            T("cell"), min_value=10.0, max_value=2000.0, step=10.0,
            key=start_value("cell", 100.0),
        )
        cell_shape = st.selectbox(
            T("cell_shape"), ["square", "hex"], format_func=lambda s: T(f"cell_{s}"),
            key="cell_shape",
        )
        method = st.radio(
            T("method"), ["euclidean", "network"], format_func=lambda m: T(f"method_{m}"),
            key="method",
        )
        # measured on with the street-network method, else drawn as the map's streets
        source = st.selectbox(
            T("network_source"), ["none", "helsinki", "city", "upload"],
            format_func=lambda n: T(f"network_{n}"), key="network_source",
            help=T("network_source_help"),
        )
        network_path: str | None = None
        if source == "helsinki":
            network_path = "helsinki"
        elif source == "city":
            network_path = demo_network("city")
        elif source == "upload":
            net_file = st.file_uploader(
                T("up_network"), type=list(planner.NETWORK_TYPES), key="up_network"
            )
            if net_file is not None:
                try:
                    network_path = str(planner.save_network_upload(
                        net_file.name, net_file.getvalue(), NETWORK_DIR
                    ))
                except InputError as exc:
                    st.error(ui.plain(ui.message_text(exc, lang)))
        snap_limit = 200.0
        street_profile = "auto"
        if method == "network":
            street_profile = st.selectbox(
                T("street_profile"), list(STREET_PROFILES),
                format_func=lambda p: T(f"street_profile_{p}"), key="street_profile",
                help=T("street_profile_help"),
            )
            snap_limit = st.number_input(
                T("snap_limit"), min_value=10.0, max_value=2000.0, step=10.0,
                key=start_value("snap_limit", 200.0),
            )
    return Choices(demo_name, uploads, crs, mode, speed, minutes, circuity, categories, amenity,
                   use_time, at, basemap, cell, cell_shape, method, network_path, snap_limit,
                   tile_key, street_profile, source)


def _basemap_key(basemap: str) -> tuple[str, str | None]:
    """The basemap and its browser key: a basemap that needs one (天地图) asks for it, else
    takes ``TIANDITU_TK`` from secrets.toml or the environment; without one, OpenStreetMap
    is drawn instead, with a word why."""
    spec = TILES[basemap]
    if not spec.key_env:
        return basemap, None
    typed = st.text_input(T("tile_key"), type="password", key="tile_key",
                          help=T("tile_key_help"))
    key = typed.strip() or _secret(spec.key_env.lower()) or _secret_exact(spec.key_env)
    try:
        return basemap, tile_key(spec, key)
    except GeoError as exc:
        st.warning(f"{ui.plain(ui.message_text(exc, lang))} — {T('tile_key_fallback')}")
        return "osm", None


def _secret_exact(name: str) -> str | None:
    """``name`` from ``.streamlit/secrets.toml`` or the environment, as written."""
    try:
        value = st.secrets.get(name)
    except (FileNotFoundError, KeyError, StreamlitSecretNotFoundError):
        value = None
    return str(value) if value else os.environ.get(name) or None


def _analysis(c: Choices) -> Run:
    """Read the inputs (uploads, else the demo) and run the analyses; stop with a message
    when they cannot run."""
    st.title(T("title"))
    st.caption(T("subtitle"))

    inputs = gather_inputs(c.uploads, c.crs, c.demo_name)
    keep_whatifs_with_their_dataset(inputs["dataset"], inputs["dataset_demo"])
    if inputs["demo"]:
        note = {"helsinki": "demo_note_helsinki", "city": "demo_note_city"}.get(c.demo_name,
                                                                                  "demo_note")
        st.info(T(note), icon="ℹ️")
    net_label = None
    if c.network_path == "helsinki":
        net_label = T("network_helsinki")
    elif c.network_source == "city":
        net_label = T("network_city")
    elif c.network_path:
        net_label = Path(c.network_path).name
    _basis(inputs, c, net_label)
    if c.method == "network" and c.network_path is None:
        st.warning(T("network_missing"))
        st.stop()

    try:
        settings = Settings(
            mode=c.mode,
            speed_kmh=c.speed,
            minutes=c.minutes,
            circuity=c.circuity,
            cell_m=c.cell,
            cell_shape=c.cell_shape,
            categories=tuple(c.categories),
            amenity=c.amenity or None,
            at=c.at.strftime("%H:%M") if c.use_time and c.at is not None else None,
            method=c.method,
            street_profile=c.street_profile,
        )
        whatif = tuple(tuple(sorted(s.items())) for s in st.session_state.get("whatif", []))
        with st.spinner("…"):
            net_args = {"network": c.network_path, "snap_limit_m": c.snap_limit}
            baseline = run_analysis(inputs["key"], settings, (), inputs["frames"], **net_args)
            result = (
                run_analysis(inputs["key"], settings, whatif, inputs["frames"], **net_args)
                if whatif
                else baseline
            )
    except GeoError as exc:
        st.error(f"{T('analysis_error')}: {ui.plain(ui.message_text(exc, lang))}")
        _rejected_rows([*inputs["rejected"], *getattr(exc, "rejected", ())])
        st.stop()
    except MemoryError:  # past the plan: the server's limit is lower than its budget
        st.error(f"{T('analysis_error')}: {T('out_of_memory')}")
        st.stop()
    return Run(inputs, settings, baseline, result, whatif, net_args, net_label)


def _rejected_rows(rows: list[Any]) -> None:
    """The rejected rows under an analysis that could not run ("every row was rejected"):
    the list its message points to."""
    if not rows:
        return
    table = planner.issues_table(list(dict.fromkeys(rows)))
    table["reason"] = table["reason"].map(lambda r: ui.message_text(r, lang))
    st.markdown(f"**{T('rejected')}** ({len(table)})")
    show_table(table)


def _kpis(run: Run) -> None:
    """The four KPIs, with their change against the baseline when what-if stations are on.

    Drawn in one container, whatever captions it holds: the map below keeps its place on
    the page, so a what-if does not make the browser build the map again."""
    with st.container(key="kpis"):
        _kpi_figures(run)


def _kpi_figures(run: Run) -> None:
    baseline, result, settings, whatif = run.baseline, run.result, run.settings, run.whatif
    change = scenario.compare(baseline, result) if whatif else None
    uncovered = result.total_demand - result.covered_demand
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(
        T("kpi_coverage"), ui.share(result.coverage),
        delta=ui.share_delta(change["coverage"]["delta"], lang) if change else None,
        help=f"{T('reach')} {settings.reach_m:,.0f} m",
    )
    k2.metric(
        T("kpi_uncovered"), ui.demand(uncovered),
        delta=ui.demand_delta(change["uncovered_demand"]["delta"]) if change else None,
        delta_color="inverse",
    )
    k3.metric(
        T("kpi_gaps"), str(result.gap_count),
        delta=ui.count_delta(change["gaps"]["delta"]) if change else None,
        delta_color="inverse",
    )
    k4.metric(
        T("kpi_stations"), str(result.stations_used),
        delta=ui.count_delta(change["stations_used"]["delta"]) if change else None,
        help=f"{result.stations_used} / {len(result.stations)}",
    )
    if change:
        st.caption(T("vs_baseline"))
    if result.network is not None:
        info = result.network.summary()
        st.caption(
            f"{T('kpi_overstated')}: {ui.share(info['overstated_share'])} · "
            f"{T('off_network')} {info['off_network']['points']} · "
            f"{T('unreachable')} {info['unreachable']['points']}"
        )
    if result.demand_source == "cells":
        st.caption(T("kpi_cells_note"))


def _basis(inputs: dict[str, Any], c: Choices, network_label: str | None) -> None:
    """The data in use, named above the KPIs (also when the analysis cannot run), and the
    what-if stations that wait for another dataset."""
    ids = tuple(str(w.get("station_id", "")) for w in st.session_state.get("whatif", []))
    basis = replace(inputs["basis"], whatif=ids, network=network_label)
    lines = basis_lines(basis, minutes=c.minutes, mode=c.mode, speed_kmh=c.speed,
                        method=c.method, circuity=c.circuity, lang=lang)
    with st.container(border=True, key="basis"):
        st.markdown(f"**{ui.plain(lines[0])}**  \n" + "  \n".join(ui.plain(x) for x in lines[1:]))
        if basis.geocoded_use:
            st.button(T("geocoded_stop"), key="geocoded_stop", on_click=_stop_geocoded)
        kept = st.session_state.get("whatif_kept", {})
        if kept:
            n = sum(len(v[1]) for v in kept.values())
            names = ("、" if lang == "zh" else ", ").join(
                ui.demo_label(v[0], lang) if v[0] else T("dataset_uploads") for v in kept.values())
            st.caption(T("whatif_kept").format(n=n, datasets=ui.plain(names)))
            st.button(T("whatif_kept_clear"), key="whatif_kept_clear",
                      on_click=_clear_kept_whatifs)


def _map_and_tables(run: Run, c: Choices) -> None:
    """The map (a click adds a what-if station), the gap ranking and the per-网格 table."""
    result, basemap = run.result, c.basemap
    left, right = st.columns([2, 1])
    with left:
        st.subheader(T("map"))
        click_to_add = st.toggle(T("click_to_add"), key=start_value("click_to_add", True))
        click = show_map(result, basemap, c.tile_key)
        st.caption(T("map_datum").format(datum=TILES[basemap].datum.upper()))
        if click and click_to_add:
            add_whatif(
                result.stations, click[0], click[1], TILES[basemap].datum,
                name=T("default_station_name"),
            )
            st.rerun()

    with right:
        st.subheader(T("gaps_table"))
        gap_view = planner.gap_report(result)
        if len(gap_view):
            show_table(gap_view, height=260, formats={
                "lon": st.column_config.NumberColumn(format="%.6f"),
                "lat": st.column_config.NumberColumn(format="%.6f"),
                "area_m2": st.column_config.NumberColumn(format="%.0f"),
            })
        else:
            st.caption(T("no_gaps"))
        st.subheader(T("grids_table"))
        if len(result.grid_table):
            show_table(result.grid_table, formats={
                "coverage": st.column_config.NumberColumn(format="percent"),
            })
        else:
            st.caption(T("no_grids"))


def show_table(table: Any, formats: dict[str, Any] | None = None, **kw: Any) -> None:
    """A table on screen as the downloads write it: values in words (kinds, 是/否, WGS-84,
    :func:`geo.report.workbook.readable_table`) under headers in the chosen language;
    ``formats`` gives column configs by canonical column name."""
    heads = table_headers(table, lang=lang)
    view = readable_table(table, lang=lang)
    view.columns = heads
    by_key = dict(zip(map(str, table.columns), heads, strict=True))
    config = {by_key[k]: v for k, v in (formats or {}).items() if k in by_key}
    st.dataframe(view, hide_index=True, column_config=config, **kw)


def _whatif_section(result: geo.CoverageResult) -> None:
    """The what-if stations: listed with remove buttons, and the form that adds one."""
    st.subheader(T("whatif"))
    if st.session_state.get("whatif_error"):
        st.error(ui.plain(ui.message_text(st.session_state.pop("whatif_error"), lang)))
    hyp = scenario.hypothetical_stations(result.stations)
    if len(hyp) == 0:
        st.caption(T("whatif_none"))
    for row in hyp.itertuples(index=False):
        c1, c2 = st.columns([6, 1])
        unused = "" if bool(row.used) else " " + T("whatif_unused")
        c1.markdown(
            f"**{ui.plain(row.id)}** {ui.plain(row.name)} · {ui.kind_label(str(row.kind), lang)} · "
            f"{row.geometry.x:.6f}, {row.geometry.y:.6f} (WGS-84){unused}"
        )
        c2.button(
            T("remove"), key=f"remove_{row.id}", on_click=remove_whatif,
            args=(result.stations, str(row.id)),
        )
    if len(hyp):
        c1, c2 = st.columns([1, 1])
        c1.download_button(
            T("download_whatif"),
            data=lambda: table_download(scenario.hypothetical_table(result.stations), "whatif",
                                        ".csv", lang=lang),
            file_name="whatif_stations.csv", mime="text/csv", key="dl_whatif", on_click="ignore",
        )
        c2.button(T("remove_all"), key="remove_all", on_click=remove_whatif,
                  args=(result.stations, None))

    with st.form("whatif_form"):
        st.markdown(f"**{T('whatif_form')}**")
        # the largest gap, else the middle of the stations (WGS-84, as the form starts)
        top = planner.gap_report(result).head(1)
        if len(top):
            lon0, lat0 = float(top["lon"].iloc[0]), float(top["lat"].iloc[0])
        else:
            lon0 = float(result.stations.geometry.x.median())
            lat0 = float(result.stations.geometry.y.median())
        f1, f2, f3 = st.columns(3)
        # keyed by dataset: a browser keeps a form field's value while its key stays
        gen = st.session_state.get("whatif_owner", "")[:8]
        f1.number_input(T("lon"), step=0.0001, format="%.6f",
                        key=start_value(f"wi_lon_{gen}", lon0))
        f2.number_input(T("lat"), step=0.0001, format="%.6f",
                        key=start_value(f"wi_lat_{gen}", lat0))
        f3.selectbox(T("point_crs"), CRS_KEYS, format_func=lambda c: ui.crs_label(c, lang),
                     key=f"wi_crs_{gen}")
        f4, f5, f6, f7 = st.columns(4)
        f4.text_input(T("name"), key=start_value("wi_name", T("default_station_name")))
        f5.selectbox(
            T("kind"), list(KIND_LABELS), format_func=lambda k: ui.kind_label(k, lang),
            key="wi_kind",
        )
        f6.multiselect(
            T("amenities"), list(AMENITY_LABELS), format_func=lambda a: ui.amenity_label(a, lang),
            key="wi_amenities", placeholder=T("amenities_placeholder"),
        )
        f7.text_input(T("hours"), key=start_value("wi_hours", T("default_hours")))
        # added in a callback, before the rerun: one analysis, not the page twice
        st.form_submit_button(T("add"), on_click=_add_from_form, args=(result.stations, gen))


def _add_from_form(stations: gpd.GeoDataFrame, gen: str) -> None:
    """The add-station form's callback: its values as one what-if station."""
    s = st.session_state
    add_whatif(
        stations, s[f"wi_lon_{gen}"], s[f"wi_lat_{gen}"], s[f"wi_crs_{gen}"], name=s["wi_name"],
        kind=s["wi_kind"], amenities="、".join(AMENITY_LABELS[a][0] for a in s["wi_amenities"]),
        hours=s["wi_hours"],
    )


def _siting_section(run: Run, c: Choices) -> None:
    """Where the next stations go (``geo.siting.site``), and adding them as what-if stations."""
    inputs, settings, result, net_args = run.inputs, run.settings, run.result, run.net_args
    crs = c.crs
    st.subheader(T("siting"))
    st.caption(T("siting_help"))
    with st.form("siting_form"):
        g1, g2, g3, g4 = st.columns(4)
        model = g1.radio(T("siting_model"), ["add", "target"], key="siting_model",
                         format_func=lambda m: T(f"siting_{m}"))
        k_in = g2.number_input(T("siting_k"), min_value=1, max_value=50, step=1,
                               key=start_value("siting_k", 3))
        share_in = g2.number_input(T("siting_share"), min_value=0.05, max_value=1.0, step=0.01,
                                   format="%.2f", key=start_value("siting_share", 0.95))
        source_in = g3.radio(T("siting_source"), ["gaps", "upload", "both"], key="siting_source",
                             format_func=lambda c: T(f"siting_source_{c}"))
        cand_file = g3.file_uploader(T("siting_candidates"), type=list(planner.UPLOAD_TYPES),
                                     key="siting_candidates")
        charging_in = g4.checkbox(T("siting_charging"), key="siting_charging")
        solver_in = g4.selectbox(T("siting_solver"), list(ui.SOLVER_LABELS),
                                 format_func=lambda v: ui.pick(ui.SOLVER_LABELS, v, lang),
                                 key="siting_solver")
        run_it = st.form_submit_button(T("siting_run"))
    if run_it:
        st.session_state["siting_on"] = True
    if st.session_state.get("siting_on"):
        cand_gdf, cand_key = None, None
        if source_in in ("upload", "both") and cand_file is not None:
            try:
                cand_gdf = read_upload("stations", cand_file.name, cand_file.getvalue(), crs)
                cand_key = (cand_file.name, hashlib.sha256(cand_file.getvalue()).hexdigest(), crs)
            except InputError as exc:
                st.error(f"{T('read_error')}: {ui.plain(ui.message_text(exc, lang))}")
        if source_in in ("upload", "both") and cand_gdf is None:
            st.info(T("siting_no_file"))
        params = {"from_gaps": source_in in ("gaps", "both") or cand_gdf is None,
                  "charging": bool(charging_in), "solver": solver_in, "time_limit": 30.0}
        params.update({"add": int(k_in)} if model == "add" else {"target": float(share_in)})
        try:
            with st.spinner(T("siting_running")):
                siting = run_siting(inputs["key"], settings, tuple(sorted(params.items())),
                                    cand_key, inputs["frames"], cand_gdf, **net_args)
        except GeoError as exc:
            st.error(f"{T('analysis_error')}: {ui.plain(ui.message_text(exc, lang))}")
            siting = None
        if siting is not None:
            info = siting.summary()
            m1, m2, m3 = st.columns(3)
            m1.metric(T("siting_before"), ui.share(info["baseline_coverage"]))
            m2.metric(T("siting_after"), ui.share(info["coverage"]),
                      delta=ui.share_delta(info["coverage"] - info["baseline_coverage"], lang))
            m3.metric(T("siting_sites"), str(len(info["selected"])))
            mark = "✅ " if info["optimal"] else "≈ "
            st.caption(mark + ui.plain(ui.siting_status(info, lang)))
            if not info["feasible"]:
                st.warning(T("siting_infeasible").format(
                    best=ui.share(info["best_coverage"] or 0.0)))
            table = siting.sites_table()
            show_table(table)
            b1, b2 = st.columns(2)
            if b1.button(T("siting_use"), key="siting_use", disabled=len(table) == 0):
                # as the siting placed them: kind, amenities and hours that its filters count
                current = result.stations
                for row in scenario.hypothetical_stations(siting.after.stations).itertuples(
                    index=False
                ):
                    current = add_whatif(
                        current, row.geometry.x, row.geometry.y, "wgs84", name=str(row.name),
                        kind=str(row.kind), amenities=str(row.amenities_text), hours=str(row.hours),
                    )
                st.session_state["siting_on"] = False
                st.rerun()
            b2.download_button(
                T("siting_download"), data=table_download(table, "sites", ".csv", lang=lang),
                file_name="sites.csv", mime="text/csv", key="dl_sites", on_click="ignore",
            )


def _downloads_and_issues(run: Run, c: Choices) -> None:
    """The downloads, the station table, and the rejected rows and warnings."""
    inputs, result, basemap = run.inputs, run.result, c.basemap
    st.subheader(T("downloads"))
    items = planner.downloads(result, tiles=basemap, lang=lang, tile_key=c.tile_key)
    cols = st.columns(4)
    for i, item in enumerate(items):
        cols[i % 4].download_button(
            T(f"dl_{item.key}"), data=item.make, file_name=item.file_name, mime=item.mime,
            key=f"dl_{item.key}", on_click="ignore",
        )

    # --- stations, rejected rows, warnings ---------------------------------------------------

    with st.expander(T("stations_table")):
        show_table(planner.station_report(result))

    rejected = planner.issues_table([*inputs["rejected"], *result.rejected])
    warnings = planner.issues_table([*inputs["warnings"], *result.warnings])
    for table in (rejected, warnings):
        table["reason"] = table["reason"].map(lambda r: ui.message_text(r, lang))
    title = f"{T('issues')} ({len(rejected)} / {len(warnings)})"
    with st.expander(title, expanded=len(rejected) > 0):
        st.markdown(f"**{T('rejected')}**")
        if len(rejected):
            show_table(rejected)
        else:
            st.caption(T("no_issues"))
        if len(warnings):
            st.markdown(f"**{T('warnings')}**")
            show_table(warnings)


# --- the page, behind the access gate, within the session's memory budget --------------

if _access_granted():
    _guarded(_page)
