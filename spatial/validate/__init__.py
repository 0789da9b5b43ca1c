"""Validation of layers: problems found, repairs on request, the checks that scale."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.validate.problems import (
        Problem,
        ensure_valid,
        repair_layer,
        validate_file,
        validate_layer,
    )

_EXPORTS = {
    "Problem": "spatial.validate.problems",
    "ensure_valid": "spatial.validate.problems",
    "repair_layer": "spatial.validate.problems",
    "validate_file": "spatial.validate.problems",
    "validate_layer": "spatial.validate.problems",
}

__all__ = [
    "Problem",
    "ensure_valid",
    "repair_layer",
    "validate_file",
    "validate_layer",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
