"""Inputs that are files: refused at once when they are not, read no further than their size.

A layer is a regular file, or a folder GDAL reads as one dataset (a File
Geodatabase, ``*.gdb``). Anything else, a FIFO, a device such as ``/dev/zero``
or a socket (directly or through a symlink), is refused before it is opened:
reading a FIFO blocks until something writes to it, and ``/dev/zero`` never ends.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from spatial.errors import LayerReadError

__all__ = ["GDAL_FOLDER_SUFFIXES", "read_regular_bytes", "require_layer_path"]

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
        return info
    if not stat.S_ISREG(info.st_mode):
        raise LayerReadError(
            f"{path}: is {_kind(info.st_mode)}, not a regular file; save the layer to a file "
            "and give that"
        )
    if info.st_size == 0:
        raise LayerReadError(f"{path}: file is empty")
    return info


def read_regular_bytes(path: Path) -> bytes:
    """Read a regular file whole, never more than the size it had when opened.

    The file is opened without blocking and checked again on the open
    descriptor, so a path swapped for a FIFO or device in between is refused too.

    Raises
    ------
    LayerReadError
        As :func:`require_layer_path`, or the file cannot be opened.
    """
    require_layer_path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LayerReadError(f"{path}: is {_kind(info.st_mode)}, not a regular file")
        return fh.read(info.st_size)
