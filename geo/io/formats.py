"""A file is opened only as what its name says it is, and only from this machine's disk.

GDAL picks a driver from a file's *content*: an ``OGRVRTDataSource`` XML file named
``stations.geojson`` would be opened as a virtual dataset that reads another file on
the server (``CSV:/…/secrets.toml``) or fetches a URL (``/vsicurl/http://…``). So before
GDAL (or pyarrow, or openpyxl) sees a file:

* :func:`check_local_path` refuses GDAL virtual paths (``/vsi…``), URLs and driver
  prefixes (``CSV:…``): only plain local files are read;
* :func:`check_content` reads the first bytes and checks that they are what the
  extension claims — GeoJSON is JSON (``{``), a GeoPackage is SQLite with the GPKG
  application id, GeoParquet has Parquet's magic at both ends, FlatGeobuf its magic,
  a shapefile is a ``.shp`` (file code 9994) beside its ``.shx`` and ``.dbf``, XLSX a
  zip archive — and refuses anything else (a VRT, an XML file, another format);
* :func:`gdal_offline` switches GDAL's network access off for this process.
"""

from __future__ import annotations

import re
from pathlib import Path

from geo.errors import InputError

__all__ = ["GEODATA_DRIVERS", "check_content", "check_local_path", "gdal_offline"]

#: The GDAL driver each geodata extension is read with (Parquet is read by pyarrow).
GEODATA_DRIVERS: dict[str, str] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
}
#: GeoPackage application ids (``PRAGMA application_id``): GPKG, GP10, GP11.
_GPKG_IDS = {0x47504B47, 0x47503130, 0x47503131}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PARQUET_MAGIC = b"PAR1"
_FGB_MAGIC = b"fgb"
_ZIP_MAGIC = b"PK\x03\x04"
_SHP_FILE_CODE = 9994
# "/vsicurl/…", "http://…", "CSV:/etc/passwd", "GPKG:file.gpkg:layer" …
_VIRTUAL = re.compile(r"^(/vsi[a-z0-9_]*/|[a-z][a-z0-9+.-]*://|[A-Za-z][A-Za-z0-9_]{1,}:)", re.I)
_OFFLINE_DONE = False


def check_local_path(path: str | Path, file: str) -> None:
    """Refuse what is not a plain local file: GDAL virtual paths, URLs, driver prefixes.

    Parameters
    ----------
    path
        The path as given.
    file
        The name to use in messages.

    Raises
    ------
    InputError
        For ``/vsi…`` paths, URLs (``http://…``, ``s3://…``) and GDAL connection strings
        (``CSV:…``, ``PG:…``).
    """
    text = str(path)
    if _VIRTUAL.match(text) or "/vsi" in text.replace("\\", "/").lower():
        raise InputError(
            "only files on this computer can be read (not URLs, GDAL virtual paths or "
            "connection strings such as /vsicurl/…, http://…, CSV:…)",
            file=file,
        )


def _head(p: Path, n: int = 4096) -> bytes:
    with open(p, "rb") as fh:
        return fh.read(n)


def _tail(p: Path, n: int) -> bytes:
    with open(p, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - n, 0))
        return fh.read(n)


def _refuse(what: str, file: str) -> InputError:
    return InputError(
        f"the file's content is not {what}, as its name says: it is not read (save it "
        "again from the program that made it, with the right type)",
        file=file,
    )


def _check_geojson(p: Path, file: str) -> None:
    head = _head(p).lstrip(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{"):
        raise _refuse("GeoJSON (a JSON object)", file)


def _check_gpkg(p: Path, file: str) -> None:
    head = _head(p, 100)
    if not head.startswith(_SQLITE_MAGIC) or len(head) < 72:
        raise _refuse("a GeoPackage (an SQLite database)", file)
    if int.from_bytes(head[68:72], "big") not in _GPKG_IDS:
        raise _refuse("a GeoPackage (its application id is not GPKG)", file)


def _check_parquet(p: Path, file: str) -> None:
    if _head(p, 4) != _PARQUET_MAGIC or _tail(p, 4) != _PARQUET_MAGIC:
        raise _refuse("Parquet", file)


def _check_fgb(p: Path, file: str) -> None:
    if not _head(p, 8).startswith(_FGB_MAGIC):
        raise _refuse("FlatGeobuf", file)


def _check_shapefile(p: Path, file: str) -> None:
    head = _head(p, 4)
    if len(head) < 4 or int.from_bytes(head, "big") != _SHP_FILE_CODE:
        raise _refuse("a shapefile (.shp)", file)
    present = {q.suffix.lower() for q in p.parent.glob(p.stem + ".*") if q.stem == p.stem}
    missing = [s for s in (".shx", ".dbf") if s not in present]
    if missing:
        raise InputError(
            f"a shapefile needs its {' and '.join(missing)} file(s) beside the .shp "
            "(copy all files of the shapefile, or use GeoPackage/GeoJSON)",
            file=file,
        )


def _check_xlsx(p: Path, file: str) -> None:
    if _head(p, 4) != _ZIP_MAGIC:
        raise _refuse("an XLSX workbook", file)


_CHECKS = {
    ".geojson": _check_geojson,
    ".json": _check_geojson,
    ".gpkg": _check_gpkg,
    ".parquet": _check_parquet,
    ".geoparquet": _check_parquet,
    ".fgb": _check_fgb,
    ".shp": _check_shapefile,
    ".xlsx": _check_xlsx,
    ".xlsm": _check_xlsx,
}


def check_content(p: Path, file: str) -> None:
    """Check that a file holds what its extension claims (see the module's notes).

    Parameters
    ----------
    p
        The file.
    file
        The name to use in messages.

    Raises
    ------
    InputError
        When the content is of another kind (e.g. a VRT or XML file named ``.geojson``).
    """
    check = _CHECKS.get(p.suffix.lower())
    if check is not None:
        check(p, file)


def gdal_offline() -> None:
    """Switch GDAL's network access off for this process (``/vsicurl/`` and HTTP drivers).

    ``geo`` never needs GDAL to reach the network; this is a second fence behind
    :func:`check_content`.
    """
    global _OFFLINE_DONE
    if _OFFLINE_DONE:
        return
    import pyogrio

    pyogrio.set_gdal_config_options({
        # /vsicurl/ opens only URLs with these extensions: none exists
        "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geo-offline",
        "GDAL_HTTP_TIMEOUT": "1",
        "GDAL_HTTP_CONNECTTIMEOUT": "1",
        "GDAL_HTTP_MAX_RETRY": "0",
        # an unusable proxy for anything that still tries HTTP
        "GDAL_HTTP_PROXY": "127.0.0.1:9",
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    })
    _OFFLINE_DONE = True
