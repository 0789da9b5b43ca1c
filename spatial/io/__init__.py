"""Layers in and out: reading files and the bundled plan, raw GeoJSON checks, atomic writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.io.layers import (
        LAYER_GEOMETRY,
        LAYER_NAMES,
        REQUIRED_PROPERTIES,
        bundled_layer_path,
        load_plan_layers,
        read_layer,
    )

_EXPORTS = {
    "LAYER_GEOMETRY": "spatial.io.layers",
    "LAYER_NAMES": "spatial.io.layers",
    "REQUIRED_PROPERTIES": "spatial.io.layers",
    "bundled_layer_path": "spatial.io.layers",
    "load_plan_layers": "spatial.io.layers",
    "read_layer": "spatial.io.layers",
}

__all__ = [
    "LAYER_GEOMETRY",
    "LAYER_NAMES",
    "REQUIRED_PROPERTIES",
    "bundled_layer_path",
    "load_plan_layers",
    "read_layer",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
