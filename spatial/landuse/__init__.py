"""Land-use classes (用地用海分类, 2023) as data, and checks of a layer's class field.

The codes and names come from ``data/ydyh_2023.toml``, which cites its source
(自然资发〔2023〕234号) and says what it leaves out (the 建设用地 flag, map
colours, one sea-use code) because they could not be sourced.

Examples
--------
>>> from spatial.landuse import load_classes
>>> classes = load_classes()
>>> classes["070101"].name_zh, classes["070101"].level, classes["070101"].parent
('一类城镇住宅用地', 3, '0701')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.landuse.classes import LandUseClass, LandUseClasses, load_classes
    from spatial.landuse.fields import (
        CLASS_CODE_FIELD,
        CLASS_NAME_FIELD,
        ClassFieldProblem,
        check_class_field,
    )

_EXPORTS = {
    "LandUseClass": "spatial.landuse.classes",
    "LandUseClasses": "spatial.landuse.classes",
    "load_classes": "spatial.landuse.classes",
    "CLASS_CODE_FIELD": "spatial.landuse.fields",
    "CLASS_NAME_FIELD": "spatial.landuse.fields",
    "ClassFieldProblem": "spatial.landuse.fields",
    "check_class_field": "spatial.landuse.fields",
}

__all__ = [
    "CLASS_CODE_FIELD",
    "CLASS_NAME_FIELD",
    "ClassFieldProblem",
    "LandUseClass",
    "LandUseClasses",
    "check_class_field",
    "load_classes",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
