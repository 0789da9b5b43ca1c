"""Checks of a layer's land-use class field: unknown codes, names that disagree, wrong levels.

The field names default to the database standard's ``YDYHFLDM`` (用地用海分类代码)
and ``YDYHFLMC`` (用地用海分类名称); both are arguments. Codes are compared as
text: a code stored as a number (``101`` for ``0101``, its leading zero lost)
is reported as such, not guessed back.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spatial.errors import FieldError
from spatial.landuse.classes import LEVEL_DIGITS, LandUseClasses, load_classes

if TYPE_CHECKING:  # loaded by the checks: the field names alone load neither (a command's help)
    import geopandas as gpd

__all__ = [
    "CLASS_CODE_FIELD",
    "CLASS_NAME_FIELD",
    "ClassFieldProblem",
    "check_class_field",
    "class_codes",
    "require_field",
]

#: Default field of the class code (用地用海分类代码).
CLASS_CODE_FIELD = "YDYHFLDM"
#: Default field of the class name (用地用海分类名称).
CLASS_NAME_FIELD = "YDYHFLMC"


@dataclass(frozen=True)
class ClassFieldProblem:
    """One feature whose class field is wrong: ``kind`` is blank, unknown, name or level."""

    source: str
    feature: str
    code: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: feature {self.feature}: {self.message}"


def require_field(gdf: gpd.GeoDataFrame, source: str, field: str, option: str) -> None:
    """Refuse a layer without ``field``, naming the option that picks another one.

    Raises
    ------
    FieldError
        One line listing the layer's fields (the one wording of a missing field).
    """
    if field not in gdf.columns:
        # the file's own names (BSM, not the id it was read as): io.fields.FIELD_NAMES
        own = gdf.attrs.get("field_names", {})
        fields = tuple(str(own.get(c, c)) for c in gdf.columns if c != gdf.geometry.name)
        raise FieldError(source, field, option, fields)


def _text(value: object, na: object) -> str:
    """Return the value as text, stripped; "" for None, NaN and ``na`` (pandas' NA)."""
    if value is None or value is na or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def class_codes(gdf: gpd.GeoDataFrame, field: str) -> list[str]:
    """Return the class field as text, one code per feature ("" when blank)."""
    import pandas as pd  # noqa: PLC0415

    return [_text(v, pd.NA) for v in gdf[field]]


def _labels(gdf: gpd.GeoDataFrame, id_field: str) -> list[str]:
    from spatial.preconditions import feature_label  # noqa: PLC0415 - numpy, pyproj

    ids = gdf[id_field] if id_field in gdf.columns else [None] * len(gdf)
    return [feature_label(v, i) for i, v in enumerate(ids)]


def _code_problem(
    code: str, raw: object, classes: LandUseClasses, levels: Collection[int] | None
) -> tuple[str, str] | None:
    if not code:
        return "blank", "no land-use class code"
    if code not in classes:
        numeric = isinstance(raw, int | float) and not isinstance(raw, bool)
        hint = " (stored as a number: a leading zero lost?)" if numeric else ""
        return "unknown", f"land-use code {code!r} is not in the 2023 classification{hint}"
    level = classes[code].level
    if levels is not None and level not in levels:
        wanted = " or ".join(f"{LEVEL_DIGITS[x]}-digit" for x in sorted(levels))
        return "level", f"land-use code {code!r} is {len(code)}-digit; this layer needs {wanted}"
    return None


def check_class_field(
    gdf: gpd.GeoDataFrame,
    source: str,
    *,
    code_field: str = CLASS_CODE_FIELD,
    name_field: str | None = CLASS_NAME_FIELD,
    levels: Collection[int] | None = None,
    id_field: str = "id",
) -> list[ClassFieldProblem]:
    """Return one problem per feature whose class code is blank, unknown, misnamed or off-level.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The land-use layer.
    source : str
        How to name the layer in messages (its file).
    code_field : str
        Field of the class code, ``YDYHFLDM`` by default (required).
    name_field : str, optional
        Field of the class name, ``YDYHFLMC`` by default; compared with the
        guide's name when the layer has it (skipped when absent or None).
    levels : collection of int, optional
        The levels allowed (1, 2, 3 for 2-, 4-, 6-digit codes); any by default.
    id_field : str
        Field naming a feature in messages (its position ``#N`` when absent).

    Raises
    ------
    LayerError
        The layer has no ``code_field``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> layer = gpd.GeoDataFrame(
    ...     {"id": ["a", "b", "c"], "YDYHFLDM": ["0701", "0799", "0101"],
    ...      "YDYHFLMC": ["城镇住宅用地", "?", "旱地"]},
    ...     geometry=[box(0, 0, 1, 1)] * 3, crs=4326)
    >>> for problem in check_class_field(layer, "lu.gpkg"):
    ...     print(problem)
    lu.gpkg: feature b: land-use code '0799' is not in the 2023 classification
    lu.gpkg: feature c: land-use name '旱地' disagrees with code '0101' (水田)
    """
    import pandas as pd  # noqa: PLC0415

    require_field(gdf, source, code_field, "--class-field")
    classes = load_classes()
    names = gdf[name_field] if name_field and name_field in gdf.columns else None
    problems = []
    labels = _labels(gdf, id_field)
    for i, (raw, label) in enumerate(zip(gdf[code_field], labels, strict=True)):
        code = _text(raw, pd.NA)
        found = _code_problem(code, raw, classes, levels)
        if found is None and names is not None:
            name = _text(names.iloc[i], pd.NA)
            if name and name != classes[code].name_zh:
                found = (
                    "name",
                    f"land-use name {name!r} disagrees with code {code!r} "
                    f"({classes[code].name_zh})",
                )
        if found is not None:
            problems.append(ClassFieldProblem(source, label, code, *found))
    return problems
