"""Inputs stay inside themselves: no network request, no file the user did not name.

A layer file is data someone sent; GDAL, left to itself, follows what a file
says. A ``.vrt`` names other files and URLs (``/vsicurl/http://...``) and reads
them, so a private file could end up in a shared map; a GeoJSON ``crs`` member
of type ``link`` is fetched; a CRS name that is a path is read. So, before any
layer is opened, :func:`require_named_source`:

- refuses a name GDAL reads as virtual or remote (``/vsicurl/``, ``/vsizip/``,
  ``http://...``, ``CSV:file``): the toolkit reads the files it is named;
- refuses a file that references other files: an OGR VRT (by its suffix or its
  first bytes, whatever its suffix) and a ``.zip`` holding a VRT or GeoJSON
  (GeoJSON is checked feature by feature only unzipped);
- checks the file, its sidecars and a ``.gdb`` folder's tables as regular files
  (:func:`spatial.io.files.require_layer_path`), and a DXF's block inserts
  (:func:`spatial.io.cad.require_bounded_blocks`);
- shuts GDAL's and PROJ's network (:func:`shut_network`), behind the refusals,
  for whatever a format might still try.

:func:`crs_member_reaches_out` says whether a GeoJSON ``crs`` member would make
GDAL fetch a URL or read a file; :mod:`spatial.io.rawjson` refuses such a file.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

from spatial.errors import LayerReadError
from spatial.io.files import read_regular_head, require_layer_path
from spatial.io.postgis import is_postgis_url

__all__ = [
    "GDAL_OFFLINE",
    "crs_member_reaches_out",
    "refuse_missing_source",
    "require_named_source",
    "shut_network",
]

#: GDAL configuration (set in the environment) that keeps it off the network. ``/vsicurl/`` (and the
#: ``/vsis3/``... built on it) opens only a file of this name, which no URL has;
#: GDAL's HTTP client (a GeoJSON ``crs`` link, a GML ``srsName`` URL) goes
#: through a proxy on port 0, where nothing can listen, so every request fails
#: at once on this machine; GML schemas are not downloaded.
GDAL_OFFLINE: dict[str, str] = {
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/spatial-toolkit/network-is-off",
    "GDAL_HTTP_PROXY": "http://127.0.0.1:0",
    "GDAL_HTTPS_PROXY": "http://127.0.0.1:0",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GML_DOWNLOAD_SCHEMA": "NO",
    "PROJ_NETWORK": "OFF",
}

# /vsicurl/, /vsizip/...; a URL; a GDAL connection string ("CSV:file", "WFS:http...").
_REMOTE_NAME = re.compile(
    r"^(/vsi[a-z0-9_]*/|[A-Za-z][A-Za-z0-9+.\-]*://|[A-Za-z][A-Za-z0-9]{1,15}:)"
)
_REFERENCING_SUFFIXES = frozenset({".vrt"})
_VRT_MARKS = (b"<ogrvrtdatasource", b"<vrtdataset")
_JSON_MEMBER_SUFFIXES = (".geojson", ".json", ".geojsonl", ".geojsons")
_SNIFF_BYTES = 1024


@functools.cache
def shut_network() -> None:
    """Turn GDAL's and PROJ's network access off for this process (see :data:`GDAL_OFFLINE`).

    GDAL reads its configuration from the environment at each use, so the
    options are set there: GDAL need not be loaded (the GeoParquet scan loads
    no GDAL), and one loaded already obeys them. PROJ's network is off by
    default; it is set off again so that ``PROJ_NETWORK=ON`` in the
    environment cannot make a CRS fetch a grid.
    """
    from spatial.crs import proj_network_off  # noqa: PLC0415 - pyproj: not to refuse a missing file

    os.environ.update(GDAL_OFFLINE)
    proj_network_off()


def _refuse_remote_name(path: Path) -> None:
    text = os.fspath(path)
    if _REMOTE_NAME.match(text):
        raise LayerReadError(
            f"{text}: names a remote or virtual source; the toolkit reads only local files "
            "it is given, and makes no network request: save the layer to a file and give that"
        )


def _refuse_referencing(path: Path, head: bytes) -> None:
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if path.suffix.lower() in _REFERENCING_SUFFIXES or lowered.startswith(_VRT_MARKS):
        raise LayerReadError(
            f"{path}: is a GDAL VRT, which reads other files or URLs; the toolkit reads only "
            "the files it is given: convert the layer to a GeoPackage or GeoJSON and give that"
        )


def _refuse_zipped(path: Path) -> None:
    """Refuse a ``.zip`` holding a VRT or GeoJSON (checked feature by feature only unzipped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LayerReadError(f"{path}: not a readable zip file ({exc})") from None
    for name in names:
        lowered = name.lower()
        if lowered.endswith(tuple(_REFERENCING_SUFFIXES)):
            raise LayerReadError(
                f"{path}: holds {name}, a GDAL VRT, which reads other files or URLs: "
                "the toolkit does not read it"
            )
        if lowered.endswith(_JSON_MEMBER_SUFFIXES):
            raise LayerReadError(
                f"{path}: holds the GeoJSON {name}; unzip it and give the file, so that every "
                "feature is read and checked (GDAL skips broken features inside a zip unseen)"
            )


def require_named_source(path: Path) -> os.stat_result:
    """Return the ``stat`` of a layer source that reaches nothing but itself; refuse others.

    Call before GDAL or pyarrow opens ``path``. Turns the network off
    (:func:`shut_network`) on its first call.

    Raises
    ------
    LayerReadError
        A remote or virtual name, a VRT (whatever its suffix), a zip holding a
        VRT or GeoJSON, or what :func:`spatial.io.files.require_layer_path` refuses.
    """
    shut_network()
    _refuse_remote_name(path)
    info = require_layer_path(path)
    if stat.S_ISREG(info.st_mode):
        _refuse_referencing(path, read_regular_head(path, _SNIFF_BYTES))
        if path.suffix.lower() == ".zip":
            _refuse_zipped(path)
        if path.suffix.lower() == ".dxf":
            from spatial.io.cad import require_bounded_blocks  # noqa: PLC0415 - geopandas

            require_bounded_blocks(path)
    return info


def refuse_missing_source(path: str | os.PathLike[str]) -> None:
    """Refuse a local layer path that names nothing, as the readers will, before they load.

    A command can call this before importing its readers (geopandas, pyarrow,
    GDAL: most of a second), so that ``spatial balance missing.parquet`` says
    ``file not found`` at once. Only a path that does not exist is refused here,
    with :func:`require_named_source`'s own words (a remote name, a missing
    file), which every reader would give first for it; ``FILE::LAYER`` whose
    FILE exists, a PostGIS URL (it names no file: left alone) and every
    existing path pass, left to the readers.

    Raises
    ------
    LayerReadError
        The path names no file (or a remote source), as :func:`require_named_source` says.
    """
    text = os.fspath(path)
    if is_postgis_url(text) or os.path.lexists(text):
        return
    file, sep, layer = text.rpartition("::")
    if sep and layer and os.path.exists(file):
        return
    # require_named_source's steps, less shut_network (pyproj), which changes no refusal
    _refuse_remote_name(Path(text))
    require_layer_path(Path(text))


# The OGC's CRS URLs, which GDAL and PROJ resolve without a request.
_OGC_CRS_URL = re.compile(r"^https?://(www\.)?opengis\.net/def/crs/", re.IGNORECASE)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:/")


def crs_member_reaches_out(crs: Any) -> str | None:
    """Say why a GeoJSON ``crs`` member would make GDAL fetch a URL or read a file; None if not.

    GDAL fetches a ``link`` CRS's ``href``, fetches a ``name`` that is a URL
    (other than the OGC's ``http://www.opengis.net/def/crs/...``) and reads a
    ``name`` that is a file path.

    Examples
    --------
    >>> crs_member_reaches_out({"type": "name", "properties": {"name": "EPSG:4544"}}) is None
    True
    >>> crs_member_reaches_out({"type": "link", "properties": {"href": "http://example.com/c"}})
    "is a link ('http://example.com/c'), which GDAL would fetch"
    """
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties")
    props = props if isinstance(props, dict) else {}
    if crs.get("type") == "link" or "href" in props:
        return f"is a link ({props.get('href')!r}), which GDAL would fetch"
    name = props.get("name")
    if not isinstance(name, str):
        return None
    if _URL.match(name) and not _OGC_CRS_URL.match(name):
        return f"names the URL {name!r}, which GDAL would fetch"
    if name.startswith(("/", "\\", "./", "../", "~")) or re.match(r"^[A-Za-z]:\\", name):
        return f"names the file {name!r}, which GDAL would read"
    return None
