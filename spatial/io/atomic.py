"""Safe writing: every output goes to a private temporary folder beside the target first.

The temporary folder is created exclusively (:func:`tempfile.mkdtemp`: a new
name, mode 0700, never an existing file or link), so on a shared folder nobody
else can place a file or a symbolic link where the output is being written.
The new file is created inside it, completed, flushed to disk and moved onto
the target with :func:`os.replace` (same file system, so the move is atomic):
an interrupted or failed write never leaves a half-written file and never
destroys the previous version.

While a write is in progress its folder is locked (:func:`fcntl.flock`). A
process killed mid-write leaves its folder behind, unlocked; the next write to
the same target removes such leftovers (only folders of ours, matching the
target's name, that no live writer holds). Where ``fcntl`` does not exist
(Windows) leftovers are not cleaned.

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
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from spatial.errors import OutputError, SpatialError, first_line

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "GPKG_MARK",
    "atomic_gpkg",
    "atomic_path",
    "check_output_name",
    "write_bytes_atomic",
    "write_gpkg_atomic",
    "write_text_atomic",
]

_SUFFIX = ".tmp"
_ATTEMPTS = 5
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def _prefix(target: Path) -> str:
    return f".{target.name}."


def _lock(folder: Path, blocking: bool) -> int | None:
    """Open and lock ``folder``; return the descriptor, or None if it is gone or held."""
    try:
        fd = os.open(folder, _FOLDER_FLAGS)
    except OSError:
        return None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        if os.path.samestat(os.fstat(fd), os.lstat(folder)):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _remove_leftovers(target: Path) -> None:
    """Remove temporary folders of earlier, crashed writes to ``target`` (none in use)."""
    if fcntl is None:  # pragma: no cover - without locks a live write cannot be told apart
        return
    prefix = _prefix(target)
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            if not (entry.name.startswith(prefix) and entry.name.endswith(_SUFFIX)):
                continue
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            fd = _lock(Path(entry.path), blocking=False)
            if fd is not None:  # unlocked: its writer is gone
                shutil.rmtree(entry.path, ignore_errors=True)
                os.close(fd)


@contextlib.contextmanager
def _private_folder(target: Path) -> Iterator[Path]:
    """Yield a new, locked, 0700 folder beside ``target``; remove it afterwards."""
    for _ in range(_ATTEMPTS):
        folder = Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=_SUFFIX, dir=target.parent))
        fd = _lock(folder, blocking=True)
        if fd is not None:
            break  # else another run's cleanup removed it before we locked it: make another
    else:
        raise OSError(f"its temporary folder kept vanishing ({_ATTEMPTS} tries)")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a path, in a private folder beside ``target``, to write; move it onto ``target``.

    The caller creates the complete file at the yielded path (with any library;
    it has the target's name, so suffix-driven writers work). If the block
    raises, the temporary folder is removed and ``target`` is untouched.
    Missing parent folders are created.

    Raises
    ------
    OutputError
        ``target`` is a folder, or its folder cannot be created or written to.
    """
    target = Path(target)
    check_output_name(target)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give the output a file name")
    if _is_special(target):
        with _special_path(target) as tmp:
            yield tmp
        return
    target = _followed(target)
    _refuse_file_parent(target)
    stack = contextlib.ExitStack()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(target)
        tmp = stack.enter_context(_private_folder(target)) / target.name
    except OSError as exc:
        raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    with stack:
        try:
            yield tmp
            if tmp.is_symlink() or not tmp.is_file():
                raise OutputError(f"{target}: nothing was written")
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            _fsync_folder(target.parent)
        except OSError as exc:
            if isinstance(exc, SpatialError):
                raise
            raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None


def _followed(target: Path) -> Path:
    """Return the file a symlink (or a chain of them) points to; ``target`` itself otherwise."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


#: The longest file or folder name most file systems take (ext4, APFS, NTFS: 255), in bytes.
NAME_MAX_BYTES = 255
#: The longest path Linux takes (PATH_MAX), in bytes.
PATH_MAX_BYTES = 4096


def check_output_name(target: str | os.PathLike[str]) -> None:
    """Refuse an output path no file system can hold, or under a file, in one line.

    Checked before anything is computed or written: a name longer than
    :data:`NAME_MAX_BYTES` (255 bytes, UTF-8), a path longer than
    :data:`PATH_MAX_BYTES`, or a parent folder that is a file.

    Raises
    ------
    OutputError
        Naming the path and the problem.

    Examples
    --------
    >>> check_output_name("a" * 300 + ".csv")
    Traceback (most recent call last):
    ...
    spatial.errors.OutputError: aaa...csv: the file name is 304 bytes long; a file system ...
    """
    target = Path(target)
    text = os.fsencode(target)
    shown = f"{os.fsdecode(text[:24])}...{target.suffix}" if len(text) > 80 else str(target)
    if len(text) >= PATH_MAX_BYTES:
        raise OutputError(
            f"{shown}: the path is {len(text)} bytes long; at most {PATH_MAX_BYTES - 1}: "
            "choose a shorter path"
        )
    for part in target.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX_BYTES:
            raise OutputError(
                f"{shown}: the {'file' if part == target.name else 'folder'} name is {size} "
                f"bytes long; a file system takes at most {NAME_MAX_BYTES}: choose a shorter name"
            )
    _refuse_file_parent(target)


def _refuse_file_parent(target: Path) -> None:
    if _open_fd(target) is not None:
        return
    parent = Path(os.path.realpath(target.parent))  # ``..`` after a file: the file is found
    for folder in (parent, *parent.parents):
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
    """Yield a path in a private temporary folder (0700, exclusive); copy it into ``target``."""
    with tempfile.TemporaryDirectory(prefix=".spatial-out.") as folder:
        tmp = Path(folder) / "out.tmp"
        yield tmp
        if tmp.is_symlink() or not tmp.is_file():
            raise OutputError(f"{target}: nothing was written")
        _copy_into(tmp, target)


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
    """Write ``data`` to ``target`` atomically and return the target path.

    The temporary file is created exclusively (``O_CREAT | O_EXCL``) with the
    usual permissions (``0o666`` less the umask).
    """
    with atomic_path(target) as tmp:
        fd = os.open(tmp, _FILE_FLAGS, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (UTF-8 by default) and return the target path."""
    return write_bytes_atomic(target, text.encode(encoding))


#: The description (``gpkg_contents.description``) of every GeoPackage layer the toolkit
#: writes: a layer so marked may be replaced by the next write, any other is kept.
GPKG_MARK = "written by spatial (bishan-spatial)"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _gpkg_layers(target: Path) -> dict[str, str] | None:
    """Return the layers of the GeoPackage at ``target`` (lower-cased name -> description).

    None when nothing (or a device, FIFO, ``/dev/stdout``) is there.

    Raises
    ------
    OutputError
        ``target`` is a regular file that is not a GeoPackage.
    """
    if _is_special(target) or not target.is_file():
        return None
    refusal = OutputError(
        f"{target}: exists and is not a GeoPackage; it is left alone: remove it or choose "
        "another output path"
    )
    with open(target, "rb") as fh:
        if fh.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise refusal
    import sqlite3  # noqa: PLC0415

    try:
        with contextlib.closing(
            sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        ) as db:
            rows = db.execute("SELECT table_name, description FROM gpkg_contents").fetchall()
    except sqlite3.Error:
        raise refusal from None
    return {str(name).lower(): str(text or "") for name, text in rows}


def _refuse_replacing(target: Path, layers: list[str], found: dict[str, str]) -> None:
    """Refuse writing a layer over one of the same name that the toolkit did not write."""
    for name in layers:
        old = found.get(name.lower())
        if old is None:
            continue
        if old != GPKG_MARK:
            raise OutputError(
                f"{target}: already holds a layer {name!r} that spatial did not write; it is "
                "kept: choose another output path"
            )


@contextlib.contextmanager
def atomic_gpkg(target: str | os.PathLike[str], layers: list[str]) -> Iterator[Path]:
    """Yield a GeoPackage path to write ``layers`` into; move it onto ``target`` (atomically).

    An existing GeoPackage at ``target`` keeps its other layers: it is copied
    first and the new layers are added to the copy. A layer of the same name
    is replaced only if the toolkit wrote it (its description is
    :data:`GPKG_MARK`); every layer written is so marked. (An output that is
    also an input of the call never gets here: :mod:`spatial.cli._outputs`.)

    Raises
    ------
    OutputError
        ``target`` is a file that is not a GeoPackage, or holds a layer of the
        same name that is not the toolkit's.
    """
    target = _followed(Path(target))
    check_output_name(target)
    found = _gpkg_layers(target)
    if found is not None:
        _refuse_replacing(target, layers, found)
    with atomic_path(target) as tmp:
        if found is not None:
            shutil.copyfile(target, tmp)
        yield tmp
        _mark_layers(tmp, layers)


def _mark_layers(gpkg: Path, layers: list[str]) -> None:
    import sqlite3  # noqa: PLC0415

    with contextlib.closing(sqlite3.connect(gpkg)) as db, db:
        db.executemany(
            "UPDATE gpkg_contents SET description = ? WHERE lower(table_name) = lower(?)",
            [(GPKG_MARK, name) for name in layers],
        )


def write_gpkg_atomic(target: str | os.PathLike[str], gdf: object, layer: str) -> Path:
    """Write a GeoDataFrame as one GeoPackage layer at ``target``, atomically; return the path.

    An existing GeoPackage keeps its other layers (see :func:`atomic_gpkg`).
    """
    with atomic_gpkg(target, [layer]) as tmp:
        try:
            gdf.to_file(tmp, driver="GPKG", layer=layer)  # type: ignore[attr-defined]
        except Exception as exc:  # a writer's failure is one line; nothing is written
            raise OutputError(f"{target}: cannot write layer {layer} ({first_line(exc)})") from None
    return Path(target)


@contextlib.contextmanager
def made_folder(folder: Path | None) -> Iterator[None]:
    """Make ``folder`` (and its missing parents) for an output; remove what it made on failure.

    ``spatial map --out DIR/`` and ``spatial diff --map DIR/`` ask for a folder:
    it is made when the page and its tiles are written, after the inputs were
    read and checked, and a failure (or Ctrl-C) while writing leaves no empty
    folder behind (a folder holding anything is left as it is). None: nothing.

    Raises
    ------
    OutputError
        The folder cannot be made (a file of that name, no permission), in one line.
    """
    if folder is None or folder.is_dir():
        yield
        return
    made = [folder, *(p for p in folder.parents if not p.exists())]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot be made ({exc.strerror or exc})") from None
    try:
        yield
    except BaseException:
        for path in made:  # the innermost first; a folder holding anything stays
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
