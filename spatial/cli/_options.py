"""Options shared by several subcommands, defined once."""

from __future__ import annotations

import argparse
import os

from spatial.errors import OutputError, UsageError

__all__ = ["add_repair_option", "layer_flag", "require_suffix"]


def layer_flag(layer: str) -> str:
    """Return the command-line flag naming a plan layer, e.g. ``--functional-areas``.

    Examples
    --------
    >>> layer_flag("functional_areas")
    '--functional-areas'
    """
    return "--" + layer.replace("_", "-")


def add_repair_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--repair``: repair invalid geometries on request, reporting the area changed."""
    parser.add_argument(
        "--repair",
        action="store_true",
        help="repair invalid geometries (make_valid) instead of refusing them; "
        "reports the area each repair changed",
    )


def require_suffix(path: os.PathLike[str] | str, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse an output file whose suffix does not name what is written to it (exit 2).

    Examples
    --------
    >>> require_suffix("map.html", (".html", ".htm"), "an interactive map")
    >>> require_suffix("map.png", (".html", ".htm"), "an interactive map")
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: map.png: an interactive map is written as .html or .htm, not .png
    """
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a folder; give the output a file name")
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in suffixes:
        wanted = " or ".join(suffixes)
        raise UsageError(f"{path}: {what} is written as {wanted}, not {suffix or 'no suffix'}")
