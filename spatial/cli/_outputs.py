"""The one check every command's outputs pass before any work: never write over an input.

:func:`guard_outputs` runs in :func:`spatial.cli.main` after the call is parsed
and before the command starts. Every output option (:data:`OUTPUT_OPTIONS`:
``--out``, ``--pdf``, ``--map``, ``--conflicts-out``, ``--pieces-out``,
``validate --repair OUT``) is checked:

- a PostGIS URL (``--out``, ``--db``) is parsed: a malformed part is one line, no password;
- a name no file system holds (over 255 bytes) or a path under a file: one line, exit 2;
- the same file as an input (after links, :func:`os.path.samefile`, so a
  symbolic or hard link to an input counts): refused, exit 2, whatever the
  format. A GeoPackage could take the results as new layers beside its own,
  but the input would then hold several layers and the next command reading it
  as one layer would be refused (a planner's workflow broken by its own output).

Inputs are every other file the call names: positional paths, ``--zones``,
``--layer NAME=PATH``, ``--plan``... (``PATH::LAYER`` and ``NAME=PATH`` forms
included).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

from spatial.errors import OutputError

__all__ = ["OUTPUT_OPTIONS", "guard_outputs"]

#: Namespace attributes that name an output file, and the flag each comes from.
OUTPUT_OPTIONS: dict[str, str] = {
    "out": "--out",
    "pdf": "--pdf",
    "map": "--map",
    "conflicts_out": "--conflicts-out",
    "pieces_out": "--pieces-out",
    "repair": "--repair",
    "errors_out": "--errors-out",
}


def _outputs(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    for dest, flag in OUTPUT_OPTIONS.items():
        value = getattr(args, dest, None)
        if isinstance(value, str | os.PathLike) and not _is_url(value):
            yield dest, flag


def _is_url(value: str | os.PathLike[str]) -> bool:
    return "://" in os.fspath(value)


def _candidates(value: object) -> Iterator[str]:
    """Yield the file names ``value`` may name: itself, before ``::``, after ``NAME=``."""
    if isinstance(value, list | tuple):
        for item in value:
            yield from _candidates(item)
        return
    if not isinstance(value, str | os.PathLike) or _is_url(value):
        return
    text = os.fspath(value)
    for word in (text, text.partition("=")[2]):
        if word:
            yield word
            yield word.partition("::")[0]


def _exists(path: str) -> bool:
    try:
        return os.path.exists(path)
    except (OSError, ValueError):
        return False


#: Namespace attributes that never name a file.
_NOT_PATHS = {"command", "format", "op", "handler"}


def _inputs(args: argparse.Namespace) -> list[str]:
    skip = set(OUTPUT_OPTIONS) | _NOT_PATHS
    found = []
    for dest, value in vars(args).items():
        if dest in skip or dest.startswith("_"):
            continue
        found += [word for word in _candidates(value) if _exists(word)]
    return list(dict.fromkeys(found))


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def guard_outputs(args: argparse.Namespace) -> None:
    """Refuse an output that cannot be written or is an input, before any work.

    Raises
    ------
    OutputError
        An output's name is too long, its parent is a file, or it is the same
        file as an input, whatever its format (one line, exit 2).
    """
    from spatial.cli._options import output_destination  # noqa: PLC0415
    from spatial.io.atomic import check_output_name  # noqa: PLC0415

    if hasattr(args, "out"):
        output_destination(args)  # a PostGIS URL parsed now: a malformed one is refused first
    if getattr(args, "out_crs", None) is not None:
        from spatial.io.frames import resolve_crs  # noqa: PLC0415 - pyproj is heavy

        resolve_crs(args.out_crs, "--out-crs")  # refused before any work
    inputs: list[str] | None = None
    for dest, flag in _outputs(args):
        out = os.fspath(getattr(args, dest))
        check_output_name(out)
        if not (os.path.isfile(out) or os.path.isdir(out)):  # new, or a device: no input there
            continue
        inputs = _inputs(args) if inputs is None else inputs
        same = next((path for path in inputs if _same(out, path)), None)
        if same is not None:
            raise OutputError(
                f"{out}: {flag} is also an input ({same}); writing it would replace the input: "
                "choose another output path"
            )
