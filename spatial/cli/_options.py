"""Options shared by several subcommands, defined once."""

from __future__ import annotations

import argparse
import math

from spatial.errors import LayerError

__all__ = ["add_repair_option", "layer_flag", "require_in_range"]


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


def require_in_range(
    value: float | None, flag: str, low: float, high: float, unit: str, *, low_open: bool = False
) -> None:
    """Refuse an option value that is not finite or lies outside ``[low, high]`` (one line).

    ``low_open`` excludes ``low`` itself (a distance that must be positive).
    Checked before any work starts, so no option value reaches an internal error.

    Raises
    ------
    LayerError
        Naming the option, the value, the range and its unit.

    Examples
    --------
    >>> require_in_range(5.0, "--simplify-m", 0, 1000, "metres")
    >>> require_in_range(float("nan"), "--simplify-m", 0, 1000, "metres")
    Traceback (most recent call last):
    ...
    spatial.errors.LayerError: --simplify-m must be a number from 0 to 1,000 metres, got nan
    """
    if value is None:
        return
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        lower = f"above {low:,g}" if low_open else f"from {low:,g}"
        raise LayerError(f"{flag} must be a number {lower} to {high:,g} {unit}, got {value:g}")
