"""Options shared by several subcommands, defined once."""

from __future__ import annotations

import argparse

__all__ = ["COMMAND_HELP", "add_repair_option", "layer_flag"]

#: Each subcommand's one-line help, shown by ``spatial --help`` without importing the
#: subcommand's module (which imports geopandas, folium...; ``spatial --help`` stays fast).
COMMAND_HELP: dict[str, str] = {
    "map": "write the plan as an interactive HTML map",
    "check": "check zones against the plan's area targets and spatial rules",
    "overlay": "tabulate intersections, differences, overlaps, buffer coverage, point assignment",
    "validate": "check layer files: geometry, coordinates, CRS, ids, properties, encoding",
}


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
