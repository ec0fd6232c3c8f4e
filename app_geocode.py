"""The app's geocoding page: addresses → coordinates, and the review loop.

Only widgets: geocoding is :func:`geo.planner.geocode_upload` /
:func:`geo.geocode.geocode_table`, the review is :mod:`geo.geocode.review`.
A key typed here goes to the provider for this run only; it is not kept in the
session, a file, the cache or a log.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from geo import planner
from geo import ui_text as ui
from geo.basis import GEOCODED_USES
from geo.errors import GeoError
from geo.geocode import PROVIDERS, summarize
from geo.geocode import review as rv
from geo.maps import TILES

CRS_KEYS = ("wgs84", "gcj02", "bd09")
PROVIDER_KEYS = ("demo", "amap", "baidu", "tianditu", "nominatim")


def secret(name: str | None) -> str | None:
    """A key from Streamlit secrets (``None`` without a secrets file or entry)."""
    if not name:
        return None
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml at all: Streamlit raises its own error type
        return None
    return str(value) if value else None


def _start_value(key: str, value: Any) -> str:
    """``key``, with ``value`` as its widget's starting value in session state (the app
    keeps these keys there across runs; see ``app.start_value``)."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """A table for the screen with no missing value left, which Streamlit's table writes
    ``None`` whatever a Styler says: a number column with gaps (a row without coordinates)
    becomes text with six decimals and ``—``, a text column's gaps blank."""
    out = table.copy()
    for col in out.columns:
        values = out[col]
        if not values.isna().any():
            continue
        if pd.api.types.is_float_dtype(values):
            out[col] = [f"{v:.6f}" if pd.notna(v) else "—" for v in values]
        else:
            out[col] = values.astype(object).where(values.notna(), "")
    return out


def _table_from_input(
    T: Callable[[str], str], lang: str, provider: str, city: str, key: str | None  # noqa: N803
) -> pd.DataFrame | None:
    source = st.session_state.get("gc_source", "demo")
    bar = st.progress(0.0, text=T("gc_running"))

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"{T('gc_running')} {done}/{total}")

    args: dict[str, Any] = {"provider": provider, "city": city or None, "key": key,
                            "progress": progress, "rate": 0 if provider == "demo" else None}
    try:
        if source == "demo":
            from geo.geocode import geocode_table

            table = geocode_table(planner.demo_addresses(), **args)
            table.attrs["source"] = "data/canglang/stations_addresses.xlsx"
        else:
            upload = st.session_state.get("gc_upload")
            if upload is None:
                return None
            table = planner.geocode_upload(upload.name, upload.getvalue(), **args)
    except GeoError as exc:
        st.error(ui.plain(ui.message_text(exc, lang)))
        return None
    finally:
        bar.empty()
    return table


def render(T: Callable[[str], str], lang: str) -> None:  # noqa: N803 - the translation helper
    """Draw the geocoding page."""
    st.title(T("gc_title"))
    st.caption(T("gc_intro"))
    c1, c2, c3 = st.columns(3)
    source = c1.radio(T("gc_source"), ["demo", "upload"], key="gc_source",
                      format_func=lambda s: T(f"gc_source_{s}"))
    if source == "upload":
        c1.file_uploader(T("gc_upload"), type=list(planner.UPLOAD_TYPES), key="gc_upload")
        file_crs = c1.selectbox(T("gc_file_crs"), CRS_KEYS, key="gc_file_crs",
                                format_func=lambda c: ui.crs_label(c, lang))
    else:
        st.info(T("demo_note"), icon="ℹ️")
        file_crs = "gcj02"
    provider = c2.selectbox(
        T("gc_provider"), PROVIDER_KEYS, key="gc_provider",
        format_func=lambda p: ui.pick(ui.PROVIDER_LABELS, p, lang),
    )
    city = c2.text_input(T("gc_city"), key=_start_value("gc_city", "苏州市"))
    prov = PROVIDERS[provider]
    key: str | None = None
    if prov.key_env:
        key = secret(prov.key_env) or os.environ.get(prov.key_env)
        if key:
            c3.caption(T("gc_key_from_secrets") + f" ({prov.key_env})")
        else:
            # deliberately without a session key: the value is not kept between runs
            key = c3.text_input(T("gc_key"), type="password", help=T("gc_key_help")) or None
            if not key:
                c3.caption(T("gc_key_needed") + f" ({prov.key_env})")
    if c3.button(T("gc_run"), type="primary", key="gc_run",
                 disabled=bool(prov.key_env) and not key):
        table = _table_from_input(T, lang, provider, city, key)
        if table is not None:
            st.session_state["gc_table"] = table
            st.session_state["gc_crs"] = file_crs
            st.session_state.pop("gc_clicks", None)
    table: pd.DataFrame | None = st.session_state.get("gc_table")
    if table is None:
        st.caption(T("gc_none"))
        return
    crs = st.session_state.get("gc_crs", "wgs84")
    if table.attrs.get("geocode_stopped"):
        stopped = ui.message_text(table.attrs.get("geocode_message", ""), lang)
        st.warning(f"{T('gc_stopped')}: {ui.plain(stopped)}")
    for note in table.attrs.get("geocode_warnings", []):  # a damaged or unwritable cache
        st.warning(ui.plain(ui.message_text(note, lang)))

    counts = summarize(table)
    cols = st.columns(5)
    labels = rv.STATUS_LABELS_EN if lang == "en" else rv.STATUS_LABELS_ZH
    for col, name in zip(cols, ("ok", "given", "manual", "needs_review", "failed"), strict=True):
        col.metric(labels[name], counts[name])

    _review(T, lang, table, crs)

    st.subheader(T("downloads"))
    final = rv.explicit_systems(st.session_state["gc_table"], crs)
    stem = os.path.splitext(str(final.attrs.get("source", "stations")).split("/")[-1])[0]
    d1, d2, d3 = st.columns(3)
    d1.download_button(T("gc_download_csv"), data=planner.table_bytes(final, ".csv"),
                       file_name=f"{stem}_geocoded.csv", mime="text/csv", key="gc_dl_csv",
                       on_click="ignore")
    d2.download_button(T("gc_download_xlsx"), data=planner.table_bytes(final, ".xlsx"),
                       file_name=f"{stem}_geocoded.xlsx", mime=planner.XLSX_MIME,
                       key="gc_dl_xlsx", on_click="ignore")
    how = d3.radio(T("gc_use_how"), list(GEOCODED_USES), key="geocoded_use_choice",
                   format_func=lambda h: ui.pick(GEOCODED_USES, h, lang))
    if d3.button(T("gc_use"), key="gc_use"):
        st.session_state["geocoded_stations"] = (
            f"{stem}_geocoded.csv", planner.table_bytes(final, ".csv")
        )
        st.session_state["geocoded_use"] = how
    if st.session_state.get("geocoded_stations"):
        used = st.session_state.get("geocoded_use", "replace")
        st.success(T("gc_used").format(how=ui.pick(GEOCODED_USES, used, lang)))
    with st.expander(T("gc_all_rows")):
        view = final.copy()
        labels = rv.STATUS_LABELS_EN if lang == "en" else rv.STATUS_LABELS_ZH
        view["geocode_status"] = view["geocode_status"].map(lambda s: labels.get(s, s))
        if "geocode_provider" in view:  # demo, amap … as the page names them
            view["geocode_provider"] = view["geocode_provider"].map(
                lambda p: ui.pick(ui.PROVIDER_LABELS, p, lang) if isinstance(p, str) and p else p)
        if "geocode_message" in view:
            view["geocode_message"] = view["geocode_message"].map(
                lambda m: ui.message_text(m, lang) if isinstance(m, str) and m else m)
        st.dataframe(_shown(ui.headers(view, lang)), hide_index=True)


def _review(T: Callable[[str], str], lang: str, table: pd.DataFrame, crs: str) -> None:  # noqa: N803
    st.subheader(T("gc_review"))
    rows = rv.review_rows(table, crs)
    if len(rows) == 0:
        st.success(T("gc_all_reviewed"))
        return
    st.dataframe(_shown(ui.headers(rows.drop(columns=["status"]), lang)), hide_index=True)
    labels = {int(pos): f"{row} · {name} · {status}" for pos, row, name, status in
              zip(rows.index, rows["row"], rows["name"], rows["status_zh"], strict=True)}
    pos = st.selectbox(T("gc_pick"), list(labels), format_func=labels.__getitem__,
                       key="gc_pick")
    basemap = st.session_state.get("basemap", "osm")
    tile = TILES[basemap]
    click = _map(table, crs, pos, basemap)
    st.caption(T("gc_click_help") + " " + T("map_datum").format(datum=tile.datum.upper()))
    if click is not None:
        _fix(table, pos, click[0], click[1], tile.datum, lang)
    with st.form("gc_fix_form"):
        f1, f2, f3 = st.columns(3)
        here = rows.loc[pos]
        lon0 = float(here["lon"]) if pd.notna(here["lon"]) else 120.62
        lat0 = float(here["lat"]) if pd.notna(here["lat"]) else 31.29
        lon = f1.number_input(T("lon"), format="%.6f", step=0.0001,
                              key=_start_value(f"gc_lon_{pos}", lon0))
        lat = f2.number_input(T("lat"), format="%.6f", step=0.0001,
                              key=_start_value(f"gc_lat_{pos}", lat0))
        system = f3.selectbox(T("point_crs"), CRS_KEYS, key=f"gc_sys_{pos}",
                              format_func=lambda c: ui.crs_label(c, lang))
        if st.form_submit_button(T("gc_fix_typed")):
            _fix(table, pos, lon, lat, system, lang)


def _fix(
    table: pd.DataFrame, pos: int, lon: float, lat: float, datum: str, lang: str
) -> None:
    try:
        st.session_state["gc_table"] = rv.apply_fix(table, pos, lon, lat, datum=datum)
    except GeoError as exc:
        st.error(ui.plain(ui.message_text(exc, lang)))
        return
    st.rerun()


def _map(table: pd.DataFrame, crs: str, pos: int, basemap: str) -> tuple[float, float] | None:
    """The review map; a new click (lon, lat in the basemap's datum) or ``None``."""
    if os.environ.get("GEO_APP_MAP", "").lower() in ("off", "0", "no", "false") or (
        st.session_state.get("geo_map_off")
    ):
        return None
    from streamlit_folium import st_folium

    m = rv.review_map(table, crs=crs, selected=pos, tiles=basemap, assets="data")
    out = st_folium(m, key="gc_map", returned_objects=["last_clicked"], height=450,
                    use_container_width=True)
    value = (out or {}).get("last_clicked")
    if not value:
        return None
    where = (float(value["lng"]), float(value["lat"]))
    seen = st.session_state.setdefault("gc_clicks", set())
    if where in seen:  # st_folium repeats the last click on every rerun, whatever row is picked
        return None
    seen.add(where)
    return where
