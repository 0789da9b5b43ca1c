"""Safe writing: every output goes to a temporary file beside the target first.

The target is replaced with :func:`os.replace` only once the new content is
complete and flushed to disk, so an interrupted or failed write never leaves a
half-written file and never destroys the previous version.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from spatial.errors import OutputError, SpatialError

__all__ = ["atomic_path", "write_bytes_atomic", "write_gpkg_atomic", "write_text_atomic"]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success.

    The caller writes the complete file to the yielded path (with any library).
    If the block raises, the temporary file is removed and ``target`` is untouched.
    Missing parent folders are created.

    Raises
    ------
    OutputError
        ``target`` is a folder, or its folder cannot be created or written to.
    """
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give the output a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # libraries such as pyogrio refuse to overwrite; let them create it
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{target}: nothing was written")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        if isinstance(exc, SpatialError):
            raise
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the target path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (UTF-8 by default) and return the target path."""
    return write_bytes_atomic(target, text.encode(encoding))


def write_gpkg_atomic(target: str | os.PathLike[str], gdf: object, layer: str) -> Path:
    """Write a GeoDataFrame as one GeoPackage layer at ``target``, atomically; return the path.

    GDAL warns that the temporary file's ``.tmp`` suffix is not ``.gpkg``; the
    file is renamed to ``target`` once complete, so the warning is silenced here.
    """
    with atomic_path(target) as tmp, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The filename extension should be", RuntimeWarning)
        gdf.to_file(tmp, driver="GPKG", layer=layer)  # type: ignore[attr-defined]
    return Path(target)
