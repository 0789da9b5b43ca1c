"""Options shared by several subcommands, defined once."""

from __future__ import annotations

import argparse

__all__ = ["add_repair_option", "layer_flag"]


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
