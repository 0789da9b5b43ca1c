"""Overlays of two layers: tabulation, difference, overlaps, coverage, point assignment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.overlay.operations import (
        assign_points,
        buffer_coverage,
        difference,
        overlap_matrix,
        overlaps,
        tabulate_intersection,
    )

_EXPORTS = {
    "assign_points": "spatial.overlay.operations",
    "buffer_coverage": "spatial.overlay.operations",
    "difference": "spatial.overlay.operations",
    "overlap_matrix": "spatial.overlay.operations",
    "overlaps": "spatial.overlay.operations",
    "tabulate_intersection": "spatial.overlay.operations",
}

__all__ = [
    "assign_points",
    "buffer_coverage",
    "difference",
    "overlap_matrix",
    "overlaps",
    "tabulate_intersection",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
