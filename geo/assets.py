"""Where the browser-side assets of report maps (Leaflet's JS and CSS) come from.

Report maps use only core Leaflet (:data:`LEAFLET_VERSION`). By default a map
links it from a public CDN (:data:`DEFAULT_CDN`, jsDelivr), which offices in
China and intranets often cannot reach. Two ways around that:

* **A mirror**: :func:`leaflet_urls` builds the links from an asset base URL
  (argument, else the ``GEO_ASSET_BASE`` environment variable, else the CDN).
  The mirror must use the jsDelivr/unpkg layout:
  ``{base}/leaflet@1.9.3/dist/leaflet.js``.
* **Inline**: :func:`inline_leaflet` returns Leaflet's JS and CSS (with its
  images as data URIs) to embed in the HTML file, which then needs no network
  except for map tiles. The text comes from Leaflet's npm package, found by
  :func:`package_dir` in this order:

  1. ``GEO_ASSETS_DIR``: a ``node_modules``-like folder holding
     ``leaflet/package.json``. Because it is an explicit setting, a missing
     package or another version there is an error, never silently skipped;
  2. ``node_modules/`` of the repository (``npm ci`` puts it there); skipped
     when it holds another version;
  3. the cache ``<GEO_CACHE_DIR or ~/.cache/geo>/npm/leaflet-1.9.3/``;
  4. else the tarball is downloaded once from the npm registry
     (``GEO_NPM_URL``, default ``https://registry.npmjs.org``), checked
     against its pinned sha512 integrity, and unpacked into the cache.

To prepare an offline machine, run ``geo assets fetch`` (:func:`fetch`) where
the registry is reachable, then copy the printed folder to the same place in
the offline machine's cache, or to ``<dir>/leaflet`` and set
``GEO_ASSETS_DIR=<dir>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import mimetypes
import os
import posixpath
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

from geo.errors import AssetError
from geo.paths import cache_root

__all__ = [
    "DEFAULT_CDN",
    "DEFAULT_NPM_REGISTRY",
    "INTEGRITY",
    "LEAFLET_VERSION",
    "PINNED",
    "REPO_NODE_MODULES",
    "cache_dir",
    "fetch",
    "inline_leaflet",
    "leaflet_urls",
    "local_file",
    "package_dir",
]

LEAFLET_VERSION = "1.9.3"
"""The Leaflet version every report map uses (the one folium's templates expect)."""

DEFAULT_CDN = "https://cdn.jsdelivr.net/npm"
"""The asset base used when neither an argument nor ``GEO_ASSET_BASE`` gives one."""

DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org"
"""The npm registry used when ``GEO_NPM_URL`` is not set."""

PINNED: dict[str, str] = {"leaflet": LEAFLET_VERSION}
"""The version of each browser package the maps use."""

INTEGRITY: dict[str, str] = {
    # the `integrity` field of the registry's metadata and of package-lock.json
    f"leaflet@{LEAFLET_VERSION}": (
        "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ=="
    ),
}
"""Expected integrity (``sha512-<base64>``) of each downloadable tarball, by ``name@version``."""

TIMEOUT_S = 30.0
"""Seconds to wait for the npm registry before giving up."""

MAX_TARBALL_BYTES = 50_000_000
"""A tarball larger than this is refused (Leaflet's is about 1 MB)."""

MAX_UNPACKED_BYTES = 200_000_000
"""A tarball unpacking to more than this is refused."""

REPO_NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
"""The repository's ``node_modules/`` (next to the ``geo`` package), filled by ``npm ci``."""

_CDN_HOSTS = {"cdn.jsdelivr.net": "/npm/", "unpkg.com": "/"}
_URL_CHARS = re.compile(r"[A-Za-z0-9._~:/%@+\-]+")
_SPEC = re.compile(r"^(?P<name>(?:@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<path>.+)$")
_CSS_IMAGE_URL = re.compile(r"""url\(\s*(['"]?)(images/[A-Za-z0-9._-]+)\1\s*\)""")
_HINT = (
    "run `geo assets fetch` on a machine with internet, or set GEO_ASSETS_DIR / use --asset-base"
)


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


def cache_dir() -> Path:
    """Return the folder where downloaded npm packages are kept.

    Returns
    -------
    Path
        ``<GEO_CACHE_DIR>/npm``, or ``~/.cache/geo/npm`` when the variable is not
        set. It is not created here.
    """
    return cache_root("npm")


def package_dir(
    name: str = "leaflet", version: str = LEAFLET_VERSION, *, fetch: bool = True
) -> Path:
    """Return the folder of an unpacked npm package (holding ``package.json``, ``dist/``...).

    Parameters
    ----------
    name
        The npm package name.
    version
        The exact version wanted.
    fetch
        Whether to download the package into the cache when no local copy is
        found. Without it a missing package is an error.

    Returns
    -------
    Path
        The package folder: from ``GEO_ASSETS_DIR``, the repository's
        ``node_modules``, or the cache (see the module notes for the order).

    Raises
    ------
    AssetError
        If ``GEO_ASSETS_DIR`` is set but lacks this version of the package, or
        the package is nowhere local and cannot be (or may not be) downloaded,
        or the download fails its integrity check or is not a safe tarball.
    """
    explicit = os.environ.get("GEO_ASSETS_DIR", "").strip()
    if explicit:
        folder = Path(explicit).expanduser() / name
        found = _version_of(folder)
        if found == version:
            return folder
        what = f"another version ({found})" if found else "no such package"
        raise AssetError(
            f"GEO_ASSETS_DIR={explicit} is set but {folder} has {what}; the maps need "
            f"{_label(name)} {version} ({name}/package.json with version {version}). "
            f"Put that version there, or unset GEO_ASSETS_DIR to use the cache."
        )
    repo = REPO_NODE_MODULES / name
    if _version_of(repo) == version:
        return repo
    cached = _cache_folder(name, version)
    if _version_of(cached) == version:
        return cached
    if not fetch:
        raise AssetError(
            f"{_label(name)} {version} is not in the cache ({cached}) nor in node_modules: {_HINT}."
        )
    return _download(name, version)


def fetch(name: str = "leaflet", version: str | None = None) -> Path:
    """Make sure a pinned browser package is in the cache, downloading it if needed.

    This is what ``geo assets fetch`` runs. Copies in ``GEO_ASSETS_DIR`` or
    ``node_modules`` do not count: the point is a cache folder that can be
    copied to an offline machine.

    Parameters
    ----------
    name
        The npm package name; it must be one of :data:`PINNED`.
    version
        The version; ``None`` takes the pinned one.

    Returns
    -------
    Path
        The package folder in the cache.

    Raises
    ------
    AssetError
        If the package is not pinned, or cannot be downloaded and verified.
    """
    if version is None:
        if name not in PINNED:
            known = ", ".join(sorted(PINNED))
            raise AssetError(f"unknown browser package {name!r}: the maps use only {known}")
        version = PINNED[name]
    cached = _cache_folder(name, version)
    if _version_of(cached) == version:
        return cached
    return _download(name, version)


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
        If the package cannot be found or fetched (see :func:`package_dir`), or
        a file it should contain is missing.
    """
    folder = package_dir("leaflet", LEAFLET_VERSION)
    dist = folder / "dist"
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


def local_file(url: str) -> Path | None:
    """Map a CDN URL of an npm file to the same file in the local package folder.

    Understood forms: ``https://cdn.jsdelivr.net/npm/<pkg>@<ver>/<path>``,
    ``https://unpkg.com/<pkg>@<ver>/<path>``, and ``<GEO_ASSET_BASE>/<pkg>@<ver>/<path>``
    when that variable is set. Nothing is downloaded.

    Parameters
    ----------
    url
        The URL a page asked for.

    Returns
    -------
    Path or None
        The local file, or ``None`` when the URL is not of these forms, names a
        version range rather than an exact version, or the package or file is not
        available locally.
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
    if not re.fullmatch(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?", version):
        return None  # a range or a tag such as "latest": no exact local copy
    pieces = path.split("/")
    if any(p in ("", ".", "..") or "\\" in p for p in pieces):
        return None
    try:
        folder = package_dir(name, version, fetch=False)
    except AssetError:
        return None
    target = folder.joinpath(*pieces)
    return target if target.is_file() else None


# --- internals -------------------------------------------------------------------------------


def _label(name: str) -> str:
    return "Leaflet" if name == "leaflet" else name


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


def _cache_folder(name: str, version: str) -> Path:
    return cache_dir() / f"{name.replace('/', '+')}-{version}"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssetError(
            f"{path} cannot be read ({exc.strerror or exc}); the package folder "
            f"{path.parent.parent} looks incomplete: delete it and {_HINT}"
        ) from exc


def _data_uri(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AssetError(
            f"{path} cannot be read ({exc.strerror or exc}); the package folder looks "
            f"incomplete: delete it and {_HINT}"
        ) from exc
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _download(name: str, version: str) -> Path:
    """Download, verify and unpack ``name@version`` into the cache; return its folder."""
    label = f"{_label(name)} {version}"
    target = _cache_folder(name, version)
    expected = INTEGRITY.get(f"{name}@{version}")
    if expected is None:
        raise AssetError(
            f"{label} is not available locally and has no pinned integrity, so it "
            f"will not be downloaded; set GEO_ASSETS_DIR to a folder holding {name}/"
        )
    registry = os.environ.get("GEO_NPM_URL", "").strip().rstrip("/") or DEFAULT_NPM_REGISTRY
    url = f"{registry}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
    data = _get(url, label, target)
    _verify(data, expected, url, label)
    _unpack(data, target, version, url, label)
    return target


def _get(url: str, label: str, target: Path) -> bytes:
    unreachable = f"{label} is not in the cache ({target}) and the npm registry cannot be reached"
    request = urllib.request.Request(url, headers={"User-Agent": "geo-assets"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            data = response.read(MAX_TARBALL_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise AssetError(
            f"{label} is not in the cache ({target}) and the npm registry answered "
            f"HTTP {exc.code} for {url}: {_HINT}"
        ) from exc
    except urllib.error.URLError as exc:
        raise AssetError(f"{unreachable} ({url}: {exc.reason}): {_HINT}") from exc
    except (OSError, ValueError) as exc:  # timeouts, resets, malformed GEO_NPM_URL
        raise AssetError(f"{unreachable} ({url}: {exc}): {_HINT}") from exc
    if len(data) > MAX_TARBALL_BYTES:
        raise AssetError(f"{url} is larger than {MAX_TARBALL_BYTES} bytes; refused")
    return data


def _verify(data: bytes, expected: str, url: str, label: str) -> None:
    algo, _, digest = expected.partition("-")
    if algo not in ("sha512", "sha384", "sha256"):
        raise AssetError(f"unsupported integrity {expected!r} for {label}")
    actual = base64.b64encode(hashlib.new(algo, data).digest()).decode("ascii")
    if not hmac.compare_digest(actual, digest):
        raise AssetError(
            f"the download of {label} from {url} does not match its pinned integrity "
            f"(got {algo}-{actual}); nothing was written to the cache. The registry or a "
            f"proxy served another file: check GEO_NPM_URL, or {_HINT}"
        )


def _unpack(data: bytes, target: Path, version: str, url: str, label: str) -> None:
    """Unpack the regular files under ``package/`` into ``target``, atomically."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise AssetError(
            f"cannot write to the asset cache {target.parent} ({exc.strerror or exc}); "
            f"set GEO_CACHE_DIR to a writable folder"
        ) from exc
    try:
        root = tmp / "package"
        root.mkdir()
        total = 0
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for member in tar:
                    parts = _member_parts(member, url, label)
                    if member.isdir() or not parts:
                        continue
                    total += member.size
                    if total > MAX_UNPACKED_BYTES:
                        raise AssetError(f"{url} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
                    source = tar.extractfile(member)
                    if source is None:  # pragma: no cover - regular files always have data
                        continue
                    dest = root.joinpath(*parts)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with source, open(dest, "wb") as out:
                        shutil.copyfileobj(source, out)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise AssetError(
                f"the download of {label} from {url} is not a valid tarball ({exc})"
            ) from exc
        found = _version_of(root)
        if found != version:
            raise AssetError(
                f"the tarball {url} does not hold {label} (its package.json says "
                f"{found!r}); check GEO_NPM_URL"
            )
        if _version_of(target) == version:
            return  # another process finished first
        if target.exists():  # a damaged earlier copy: move it aside, to be deleted below
            os.replace(target, tmp / "damaged")
        try:
            os.replace(root, target)
        except OSError as exc:
            if _version_of(target) != version:  # pragma: no cover - not a concurrent success
                raise AssetError(f"cannot write {target} ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _member_parts(member: tarfile.TarInfo, url: str, label: str) -> list[str]:
    """Return the path of a tar member below ``package/``, refusing anything unsafe."""
    name = member.name.replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    unsafe = (
        name.startswith("/")
        or posixpath.isabs(name)
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in parts
        or not parts
        or parts[0] != "package"
        or not (member.isreg() or member.isdir())
    )
    if unsafe:
        kind = "link" if member.issym() or member.islnk() else "entry"
        raise AssetError(
            f"the download of {label} from {url} has an unsafe {kind} {member.name!r} "
            f"(only regular files under package/ are accepted); nothing was unpacked"
        )
    return parts[1:]
