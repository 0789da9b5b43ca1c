"""Safe writing: every output goes to a temporary file beside the target first.

The target is replaced with :func:`os.replace` only once the new content is
complete and flushed to disk, so an interrupted or failed write never leaves a
half-written file and never destroys the previous version.

Special targets: a symlink is followed, and its target written atomically in
its own folder (the link stays a link). A device or FIFO that exists
(``/dev/null``, ``/dev/stdout``, ``/dev/full``) is written to, never replaced by
a regular file; the content is complete before the first byte goes to it, and
a write error there (``/dev/full``: no space left) is an :class:`OutputError`.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from spatial.errors import OutputError, SpatialError

__all__ = ["atomic_path", "write_bytes_atomic", "write_text_atomic"]


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
    if _is_special(target):
        with _special_path(target) as tmp:
            yield tmp
        return
    target = _followed(target)
    _refuse_file_parent(target)
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


def _followed(target: Path) -> Path:
    """Return the file a symlink (or a chain of them) points to; ``target`` itself otherwise."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _refuse_file_parent(target: Path) -> None:
    for folder in (target.parent, *target.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(
                    f"{target}: cannot be written: {folder} is a file, not a folder; "
                    "choose another output path"
                )
            return


#: Paths naming an open file descriptor of this process.
_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd)/([0-9]+)")
_STD_PATHS = {"/dev/stdout": 1, "/dev/stderr": 2}


def _open_fd(target: Path) -> int | None:
    """Return the descriptor ``/dev/stdout``, ``/dev/stderr`` or ``/dev/fd/N`` names, or None."""
    text = os.fspath(target)
    if text in _STD_PATHS:
        return _STD_PATHS[text]
    match = _FD_PATH.fullmatch(text)
    return int(match.group(1)) if match else None


def _is_special(target: Path) -> bool:
    """Whether ``target`` (symlinks followed) exists and is a device, FIFO or socket.

    ``/dev/stdout`` and the like count, whatever they point to: replacing the
    file behind a redirection would lose the output.
    """
    if _open_fd(target) is not None:
        return True
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def _special_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path (in the system's temporary folder); copy it into ``target``."""
    fd, tmp_name = tempfile.mkstemp(prefix=".spatial-out.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{target}: nothing was written")
        _copy_into(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_into(source: Path, target: Path) -> None:
    std = _open_fd(target)
    if std is not None:  # this process's own descriptor: write at its offset, keep it open
        sys.stdout.flush()
        try:
            _write_all(std, source.read_bytes())
        except OSError as exc:
            raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
        return
    try:
        # non-blocking open: a FIFO nobody reads is refused at once instead of hanging
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    try:
        os.set_blocking(fd, True)
        _write_all(fd, source.read_bytes())
    except OSError as exc:
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the target path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (UTF-8 by default) and return the target path."""
    return write_bytes_atomic(target, text.encode(encoding))
