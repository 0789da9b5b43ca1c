"""Measurement: areas of record (ellipsoidal, GRS80), planar cross-checks, GCJ-02 frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.measure.area import area_table, ellipsoidal_area_m2, planar_area_m2

_EXPORTS = {
    "area_table": "spatial.measure.area",
    "ellipsoidal_area_m2": "spatial.measure.area",
    "planar_area_m2": "spatial.measure.area",
}

__all__ = [
    "area_table",
    "ellipsoidal_area_m2",
    "planar_area_m2",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
