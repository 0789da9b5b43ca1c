"""What ``spatial review`` refuses in its call before anything is read, without the review loaded.

:func:`check_review_call` is the one place these are said: ``run_review`` calls it
first, and the command line calls it before the review's modules (geopandas,
matplotlib) load, so that a missing layer file can be refused at once after it
(:func:`spatial.cli.review.run`) and a bad call is still said first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from spatial.errors import UsageError

__all__ = ["LANDUSE", "check_review_call"]

#: The role of the land-use layer (``--landuse``), beside the plan layers' names.
LANDUSE = "landuse"


def check_review_call(
    layers: Collection[str],
    landuse: str | None,
    previous: Sequence[tuple[str, str]],
    construction: tuple[str, ...] | None,
    tolerance_m2: float,
) -> None:
    """Refuse a review call's bad values before anything is read (one line each).

    Parameters
    ----------
    layers : collection of str
        The planner's plan layers given (``zones``...).
    landuse : str, optional
        The land-use layer's path.
    previous : sequence of (layer, path)
        The previous versions to compare with.
    construction : tuple of str, optional
        The ``--construction`` class codes.
    tolerance_m2 : float
        Area occupied or outside tolerated per zone and constraint, m².

    Raises
    ------
    UsageError
        A code the classification lacks, a tolerance out of range, a layer given
        twice as previous, or a previous version without its current layer.
    """
    from spatial.commands.balance import check_construction  # noqa: PLC0415 - balance's check

    check_construction(construction)
    if not (0 <= tolerance_m2 < float("inf")):
        raise UsageError(f"--tolerance-m2 must be a number of m² >= 0, got {tolerance_m2}")
    named = [layer for layer, _ in previous]
    twice = sorted({layer for layer in named if named.count(layer) > 1})
    if twice:
        raise UsageError(f"--previous {twice[0]}=...: the layer {twice[0]!r} is given twice")
    for layer, path in previous:
        if layer == LANDUSE and landuse is None:
            raise UsageError(f"--previous {layer}={path}: give the current layer with --landuse")
        if layer != LANDUSE and layer not in layers:
            given = ", ".join([*layers, *([LANDUSE] if landuse else [])])
            raise UsageError(
                f"--previous {layer}={path}: no current {layer} layer to compare it with "
                f"(give --{layer.replace('_', '-')} or --landuse; given: {given or 'none'})"
            )
