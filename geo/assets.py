"""Where the browser-side assets of maps (Leaflet's JS and CSS) come from: a Python package.

Maps use only core Leaflet (:data:`LEAFLET_VERSION`, the version folium's templates
expect). Its files come with the ``xstatic-leaflet`` package that ``pip install``
brings, so no map needs a CDN, the npm registry or any download:

* **Inline** (the default of ``geo map``, ``geo report`` and the HTML downloads):
  :func:`inline_leaflet` returns Leaflet's JS and CSS (its images as data URIs) to
  embed in a self-contained HTML file that opens with no network at all.
* **Data URLs** (the app's map, which streamlit-folium loads by URL into its own
  frame): :func:`leaflet_data_urls`.
* **CDN or office mirror** (``--assets cdn``, for small files where a CDN is
  reachable): :func:`leaflet_urls` builds the links from an asset base URL (argument,
  else ``GEO_ASSET_BASE``, else :data:`DEFAULT_CDN`) with the jsDelivr/unpkg layout
  ``{base}/leaflet@1.9.3/dist/leaflet.js``.

``GEO_ASSETS_DIR`` may name a ``node_modules``-like folder holding
``leaflet/package.json`` and ``leaflet/dist/`` of the same version (e.g. an audited
copy); it then takes precedence over the package, and a missing or other version
there is an error, never silently skipped.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from geo.errors import AssetError

__all__ = [
    "DEFAULT_CDN",
    "LEAFLET_VERSION",
    "fetch",
    "inline_leaflet",
    "leaflet_data_urls",
    "leaflet_dir",
    "leaflet_urls",
    "local_file",
]

LEAFLET_VERSION = "1.9.3"
"""The Leaflet version every map uses (the one folium's templates expect)."""

DEFAULT_CDN = "https://cdn.jsdelivr.net/npm"
"""The asset base of ``--assets cdn`` when neither an argument nor ``GEO_ASSET_BASE`` gives one."""

_CDN_HOSTS = {"cdn.jsdelivr.net": "/npm/", "unpkg.com": "/"}
_URL_CHARS = re.compile(r"[A-Za-z0-9._~:/%@+\-]+")
_SPEC = re.compile(r"^(?P<name>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<path>.+)$")
_CSS_IMAGE_URL = re.compile(r"""url\(\s*(['"]?)(images/[A-Za-z0-9._-]+)\1\s*\)""")
_HINT = "reinstall geo's dependencies (pip install -e .), which bring xstatic-leaflet"


def leaflet_urls(base: str | None = None) -> tuple[str, str]:
    """Return the links to Leaflet's JS and CSS under an asset base URL.

    Parameters
    ----------
    base
        The asset base: a CDN or an office mirror with the jsDelivr/unpkg layout
        (``{base}/leaflet@1.9.3/dist/leaflet.js``). ``None`` takes the
        ``GEO_ASSET_BASE`` environment variable, else :data:`DEFAULT_CDN`.
        Trailing slashes are ignored.

    Returns
    -------
    tuple of str
        ``(js_url, css_url)``.

    Raises
    ------
    AssetError
        If the base is not an ``http://``, ``https://`` or ``file://`` URL.
    """
    where = "the asset base"
    if base is None:
        base = os.environ.get("GEO_ASSET_BASE", "").strip()
        where = "GEO_ASSET_BASE"
        if not base:
            base, where = DEFAULT_CDN, "the default asset base"
    root = _check_base(base, where)
    prefix = f"{root}/leaflet@{LEAFLET_VERSION}/dist/leaflet"
    return f"{prefix}.js", f"{prefix}.css"


def leaflet_dir() -> Path:
    """Return the folder holding ``leaflet.js``, ``leaflet.css`` and ``images/``.

    Returns
    -------
    Path
        ``$GEO_ASSETS_DIR/leaflet/dist`` when that variable is set, else the files of
        the installed ``xstatic-leaflet`` package.

    Raises
    ------
    AssetError
        If ``GEO_ASSETS_DIR`` is set but lacks this version of Leaflet, or the package
        is missing or holds another version.
    """
    explicit = os.environ.get("GEO_ASSETS_DIR", "").strip()
    if explicit:
        folder = Path(explicit).expanduser() / "leaflet"
        found = _version_of(folder)
        if found == LEAFLET_VERSION:
            return folder / "dist"
        what = f"another version ({found})" if found else "no Leaflet package"
        raise AssetError(
            f"GEO_ASSETS_DIR={explicit} is set but {folder} has {what}; the maps need "
            f"Leaflet {LEAFLET_VERSION} (leaflet/package.json with version {LEAFLET_VERSION} "
            "and leaflet/dist/). Put that version there, or unset GEO_ASSETS_DIR to use the "
            "copy that comes with the xstatic-leaflet package."
        )
    try:
        import xstatic.pkg.leaflet as packaged
    except ImportError as exc:
        raise AssetError(f"the xstatic-leaflet package is not installed: {_HINT}") from exc
    version = str(getattr(packaged, "VERSION", ""))
    if version != LEAFLET_VERSION:
        raise AssetError(
            f"the installed xstatic-leaflet holds Leaflet {version or '(unknown)'}, the maps "
            f"need {LEAFLET_VERSION}: pip install 'xstatic-leaflet=={LEAFLET_VERSION}.*'"
        )
    return Path(packaged.BASE_DIR)


def fetch() -> Path:
    """Return the folder of the Leaflet files the maps embed (``geo assets fetch``).

    Nothing is downloaded: Leaflet comes with the ``xstatic-leaflet`` package. The
    command is kept for scripts written when it had to be downloaded; it checks that
    the files are there and prints their folder.

    Returns
    -------
    Path
        :func:`leaflet_dir`, after checking that ``leaflet.js`` and ``leaflet.css``
        are in it.

    Raises
    ------
    AssetError
        As :func:`leaflet_dir`, or if a file is missing.
    """
    folder = leaflet_dir()
    for name in ("leaflet.js", "leaflet.css"):
        if not (folder / name).is_file():
            raise AssetError(f"{folder / name} is missing: {_HINT}")
    return folder


def inline_leaflet() -> tuple[str, str]:
    """Return Leaflet's JS and CSS text, ready to embed in a self-contained HTML file.

    Every ``url(images/....png)`` in ``leaflet.css`` becomes a base64 data URI
    of that image. A few lines appended to the JS point the default marker
    icon (which Leaflet otherwise locates through the CSS image's URL) at
    data URIs too. ``</script`` and ``</style`` are escaped so the text can sit
    inside ``<script>`` and ``<style>`` elements.

    Returns
    -------
    tuple of str
        ``(js_text, css_text)``.

    Raises
    ------
    AssetError
        If the files cannot be found (see :func:`leaflet_dir`) or read.
    """
    dist = leaflet_dir()
    js = _read_text(dist / "leaflet.js")
    css = _read_text(dist / "leaflet.css")

    def data_uri(match: re.Match[str]) -> str:
        return f'url("{_data_uri(dist / match.group(2))}")'

    css = _CSS_IMAGE_URL.sub(data_uri, css)
    icons = {
        key: _data_uri(dist / "images" / file)
        for key, file in (
            ("iconUrl", "marker-icon.png"),
            ("iconRetinaUrl", "marker-icon-2x.png"),
            ("shadowUrl", "marker-shadow.png"),
        )
        if (dist / "images" / file).is_file()
    }
    if icons:
        js += (
            "\n;(function (L) {\n"
            "  // geo: default marker images inlined (no images/ folder next to this file)\n"
            "  if (!L || !L.Icon || !L.Icon.Default) { return; }\n"
            '  L.Icon.Default.imagePath = "";\n'
            f"  L.Icon.Default.mergeOptions({json.dumps(icons)});\n"
            "})(window.L);\n"
        )
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
    return js, css


def leaflet_data_urls() -> tuple[str, str]:
    """Return Leaflet's JS and CSS as ``data:`` URLs (images inlined).

    For pages that load scripts and style sheets only by URL, such as the frame
    streamlit-folium draws the app's map in: the browser needs no server and no
    network for them.

    Returns
    -------
    tuple of str
        ``(js_data_url, css_data_url)``.

    Raises
    ------
    AssetError
        As :func:`inline_leaflet`.
    """
    js, css = inline_leaflet()
    return (
        "data:text/javascript;base64," + base64.b64encode(js.encode("utf-8")).decode("ascii"),
        "data:text/css;base64," + base64.b64encode(css.encode("utf-8")).decode("ascii"),
    )


def local_file(url: str) -> Path | None:
    """Map a CDN or mirror URL of a Leaflet file to the same file on this machine.

    Understood forms: ``https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/<path>``,
    ``https://unpkg.com/leaflet@1.9.3/dist/<path>``, and
    ``<GEO_ASSET_BASE>/leaflet@1.9.3/dist/<path>`` when that variable is set. Used to
    serve an office mirror, or a ``--assets cdn`` map in a browser test, from the
    packaged files.

    Parameters
    ----------
    url
        The URL a page asked for.

    Returns
    -------
    Path or None
        The local file, or ``None`` when the URL is not of these forms, names
        another package or version, or the file does not exist.
    """
    parts = urlsplit(url)
    rest: str | None = None
    prefix = _CDN_HOSTS.get((parts.hostname or "").lower())
    if parts.scheme in ("http", "https") and prefix and parts.path.startswith(prefix):
        rest = unquote(parts.path[len(prefix) :])
    else:
        env = os.environ.get("GEO_ASSET_BASE", "").strip().rstrip("/")
        plain = url.split("?", 1)[0].split("#", 1)[0]
        if env and plain.startswith(env + "/"):
            rest = plain[len(env) + 1 :]
    match = _SPEC.match(rest) if rest else None
    if match is None:
        return None
    name, version, path = match.group("name", "version", "path")
    if name != "leaflet" or version != LEAFLET_VERSION or not path.startswith("dist/"):
        return None
    pieces = path[len("dist/") :].split("/")
    if any(p in ("", ".", "..") or "\\" in p for p in pieces):
        return None
    try:
        folder = leaflet_dir()
    except AssetError:
        return None
    target = folder.joinpath(*pieces)
    return target if target.is_file() else None


# --- internals -------------------------------------------------------------------------------


def _check_base(base: str, where: str) -> str:
    text = base.strip().rstrip("/")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    ok = (scheme in ("http", "https") and bool(parts.netloc)) or (
        scheme == "file" and text.lower().startswith("file:/")
    )
    # the base is written into every map's <head>: only characters a URL needs, no quotes,
    # angle brackets or spaces that could end the attribute
    ok = ok and _URL_CHARS.fullmatch(text) is not None
    if not ok or parts.query or parts.fragment:
        raise AssetError(
            f"{where} {base!r} is not a usable URL: give an http://, https:// or file:// "
            f"address without ?query or #fragment, e.g. {DEFAULT_CDN} or an office mirror "
            f"laid out like it (…/leaflet@{LEAFLET_VERSION}/dist/leaflet.js)"
        )
    return text


def _version_of(folder: Path) -> str | None:
    try:
        meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = meta.get("version") if isinstance(meta, dict) else None
    return version if isinstance(version, str) else None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssetError(f"{path} cannot be read ({exc.strerror or exc}): {_HINT}") from exc


def _data_uri(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AssetError(f"{path} cannot be read ({exc.strerror or exc}): {_HINT}") from exc
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
