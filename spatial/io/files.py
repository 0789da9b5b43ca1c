"""Inputs that are files: refused at once when they are not, read no further than their size.

A layer is a regular file, or a folder GDAL reads as one dataset (a File
Geodatabase, ``*.gdb``). Anything else, a FIFO, a device such as ``/dev/zero``
or a socket (directly or through a symlink), is refused before it is opened:
reading a FIFO blocks until something writes to it, and ``/dev/zero`` never ends.

The same holds for every file GDAL opens with the layer: the files beside it
that share its name (a Shapefile's ``.dbf``, ``.shx``, ``.prj``, ``.cpg``,
``.qix``; a GeoPackage's ``-wal``) and every entry of a ``.gdb`` folder. A
Shapefile whose ``.dbf`` holds another number of rows than its ``.shp`` holds
shapes is refused too, both counts named, read from the headers: GDAL would
pair attributes with the wrong shapes, or drop some, without a word.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Iterator
from pathlib import Path

from spatial.errors import LayerReadError

__all__ = [
    "GDAL_FOLDER_SUFFIXES",
    "read_regular_bytes",
    "read_regular_head",
    "require_layer_path",
    "require_regular_file",
    "shapefile_counts",
    "shapefile_part",
]

#: Folders GDAL reads as one layer source.
GDAL_FOLDER_SUFFIXES = frozenset({".gdb"})

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def require_layer_path(path: Path) -> os.stat_result:
    """Return the ``stat`` of a layer source (symlinks followed), refusing what is not one.

    Raises
    ------
    LayerReadError
        The path does not exist, is a folder GDAL does not read as a layer, is
        a FIFO, device or socket, or is an empty file. One line naming the path.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise LayerReadError(f"{path}: file not found") from None
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        if path.suffix.lower() not in GDAL_FOLDER_SUFFIXES:
            raise LayerReadError(f"{path}: is a folder, not a layer file")
        for entry in _entries(path):
            _require_part(path, entry, "in it")
        return info
    if not stat.S_ISREG(info.st_mode):
        raise LayerReadError(
            f"{path}: is {_kind(info.st_mode)}, not a regular file; save the layer to a file "
            "and give that"
        )
    if info.st_size == 0:
        raise LayerReadError(f"{path}: file is empty")
    for entry in _siblings(path):
        _require_part(path, entry, "beside it")
    if path.suffix.lower() == ".shp":
        _require_matching_rows(path)
    return info


def require_regular_file(path: Path, what: str, max_bytes: int) -> os.stat_result:
    """Return the ``stat`` of a file that is not a layer (a plan TOML), refusing what is not one.

    Parameters
    ----------
    path : Path
        The file.
    what : str
        What the file is, for the message ("plan file").
    max_bytes : int
        The largest size accepted, in bytes.

    Raises
    ------
    LayerReadError
        Missing, not a regular file (a FIFO, ``/dev/zero``), or larger than ``max_bytes``.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise LayerReadError(f"{path}: is {_kind(info.st_mode)}, not a regular {what}")
    if info.st_size > max_bytes:
        raise LayerReadError(
            f"{path}: {info.st_size:,} bytes, more than the {max_bytes:,} a {what} may have"
        )
    return info


def _entries(folder: Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as found:
            yield from found
    except OSError as exc:
        raise LayerReadError(f"{folder}: cannot be read ({exc.strerror or exc})") from None


def _siblings(path: Path) -> Iterator[os.DirEntry[str]]:
    """Yield the entries beside ``path`` GDAL may open with it: its name, then a dot or more.

    Nothing when the folder cannot be listed (searchable, not readable): GDAL
    cannot list it either, and the layer itself is still read.
    """
    stem = path.stem.lower()
    name = path.name.lower()
    try:
        with os.scandir(path.parent) as found:
            entries = list(found)
    except OSError:
        return
    for entry in entries:
        lowered = entry.name.lower()
        if lowered != name and (lowered.startswith(f"{stem}.") or lowered.startswith(name)):
            yield entry


def _require_part(path: Path, entry: os.DirEntry[str], where: str) -> None:
    """Refuse a file read with the layer (a sidecar, a GDB table) that is not a regular file."""
    try:
        mode = entry.stat().st_mode  # symlinks followed, as GDAL follows them
    except OSError:
        return  # a dangling link: GDAL cannot open it either, and will say so
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise LayerReadError(
            f"{path}: {entry.name} {where} is {_kind(mode)}, not a regular file; GDAL reads it "
            "with the layer: remove it or replace it with the file"
        )


def shapefile_part(path: Path, suffix: str) -> Path | None:
    """Return a Shapefile's part (``.dbf``, ``.shx``, ``.cpg``) as GDAL finds it, or None.

    GDAL's shapelib (``DBFOpenLL``, ``ogr/ogrsf_frmts/shape/shapelib/dbfopen.c``) opens
    ``x.dbf`` else ``x.DBF``, and ``x.cpg`` else ``x.CPG``: the lower-case name first.
    """
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _header(path: Path, size: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


def _shp_records(path: Path) -> int:
    """Count the records of a ``.shp`` by walking their 8-byte headers (big-endian lengths)."""
    count, offset, end = 0, 100, path.stat().st_size
    with path.open("rb") as fh:
        while offset + 8 <= end:
            fh.seek(offset + 4)
            (words,) = struct.unpack(">i", fh.read(4))
            offset += 8 + 2 * max(words, 0)
            count += 1
    return count


def shapefile_counts(path: Path) -> tuple[int, int] | None:
    """Return (shapes, attribute rows) of a Shapefile, from its headers; None without a ``.dbf``.

    The shapes are counted from the ``.shx`` (100-byte header, then 8 bytes a
    record), or, without one, by walking the ``.shp``; the rows are the ``.dbf``
    header's record count (little-endian, bytes 4 to 8).
    """
    dbf = shapefile_part(path, ".dbf")
    head = _header(dbf, 8) if dbf is not None else b""
    if len(head) < 8:
        return None
    (rows,) = struct.unpack("<I", head[4:8])
    shx = shapefile_part(path, ".shx")
    if shx is not None and shx.stat().st_size >= 100:
        shapes = (shx.stat().st_size - 100) // 8
    else:
        shapes = _shp_records(path)
    return shapes, rows


def _require_matching_rows(path: Path) -> None:
    counts = shapefile_counts(path)
    if counts is not None and counts[0] != counts[1]:
        shapes, rows = counts
        raise LayerReadError(
            f"{path}: {path.with_suffix('.dbf').name} holds {rows} attribute row(s) but "
            f"{path.name} holds {shapes} shape(s); attributes would sit on the wrong shapes: "
            "re-export the layer from its source"
        )


def read_regular_bytes(
    path: Path, *, what: str | None = None, max_bytes: int | None = None
) -> bytes:
    """Read a regular file whole, never more than the size it had when opened.

    The file is opened without blocking and checked again on the open
    descriptor, so a path swapped for a FIFO or device in between is refused too.

    Parameters
    ----------
    path : Path
        The file.
    what, max_bytes : optional
        For a file that is not a layer (a plan TOML): what it is, for the
        message, and the largest size accepted, in bytes (see
        :func:`require_regular_file`). Without them, ``path`` is checked as a layer.

    Raises
    ------
    LayerReadError
        As :func:`require_layer_path` (or :func:`require_regular_file`), or the
        file cannot be opened.
    """
    if what is None:
        require_layer_path(path)
    else:
        require_regular_file(path, what, max_bytes if max_bytes is not None else 2**63)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LayerReadError(f"{path}: is {_kind(info.st_mode)}, not a regular file")
        limit = info.st_size if max_bytes is None else min(info.st_size, max_bytes)
        return fh.read(limit)


def read_regular_head(path: Path, size: int = 1024) -> bytes:
    """Return the first ``size`` bytes of a regular file (a FIFO or device is refused, not read).

    Raises
    ------
    LayerReadError
        As :func:`read_regular_bytes`.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LayerReadError(f"{path}: is {_kind(info.st_mode)}, not a regular file")
        return fh.read(size)
