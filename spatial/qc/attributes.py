"""Attribute domains of one layer: fields present and typed, blanks, 用地用海 codes, unique ids.

Codes are judged against the package's table of the 2023 用地用海分类
(:func:`spatial.landuse.load_classes`), each distinct value once (a layer of a
million parcels holds a few dozen codes). A code stored as a number has lost
its leading zero: that is a ``wrong_type`` finding for the field, and its codes
are still judged as the text they hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from spatial.landuse.classes import LEVEL_DIGITS, LandUseClasses, load_classes
from spatial.qc.findings import Finding
from spatial.qc.layer import QcLayer, text_values
from spatial.qc.packs import Rule

__all__ = [
    "blank_values",
    "class_code_findings",
    "duplicate_ids",
    "missing_fields",
    "text_values",
    "wrong_types",
]


def missing_fields(layer: QcLayer, rule: Rule) -> list[Finding]:
    """One finding per field of the pack's schema (``fields = {name = "text"|...}``) absent.

    A field named on the command line that a layer lacks is refused before the
    inspection (:func:`spatial.qc.inspection.require_named_fields`), not found here.
    """
    columns = set(layer.frame.columns)
    have = ", ".join(str(c) for c in layer.frame.columns if c != layer.frame.geometry.name)
    return [
        layer.finding(rule, f"no field {field!r} (pack); fields are {have}", value=field)
        for field in rule.params["fields"]
        if field not in columns
    ]


def _type_ok(column: pd.Series, wanted: str) -> bool:
    if wanted == "text":
        return not pd.api.types.is_numeric_dtype(column)
    if wanted == "integer":
        return pd.api.types.is_integer_dtype(column)
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def wrong_types(layer: QcLayer, rule: Rule, wanted: dict[str, str]) -> list[Finding]:
    """One finding per field present whose type is not ``wanted`` (text, integer, real).

    The rule's own ``fields`` (a pack's schema) are checked too.
    """
    found = []
    for field, kind in {**wanted, **rule.params["fields"]}.items():
        if field in layer.frame.columns and not _type_ok(layer.frame[field], kind):
            dtype = layer.frame[field].dtype
            message = f"field {field!r} is stored as {dtype}, not {kind}"
            found.append(layer.finding(rule, message, value=field))
    return found


def blank_values(layer: QcLayer, rule: Rule, fields: Iterable[str]) -> list[Finding]:
    """One finding per feature and named field left blank."""
    found = []
    for field in fields:
        if field not in layer.frame.columns:
            continue
        for i in np.flatnonzero(layer.text(field) == ""):
            found.append(layer.finding(rule, f"field {field!r} is blank", feature=int(i)))
    return found


def duplicate_ids(layer: QcLayer, rule: Rule, field: str) -> list[Finding]:
    """One finding per feature whose id an earlier feature holds (that one as ``other``)."""
    if field not in layer.frame.columns:
        return []
    ids = pd.Series(layer.text(field))
    first: dict[str, int] = {}
    found = []
    repeated = ids.duplicated(keep=False) & (ids != "")
    counts = ids[repeated].value_counts()
    for i in np.flatnonzero(repeated.to_numpy()):
        holder = first.setdefault(ids[i], int(i))
        if holder != i:
            count = int(counts[ids[i]])
            message = f"id {ids[i]!r} is held by {count} features"
            found.append(layer.finding(rule, message, feature=int(i), other=holder, value=ids[i]))
    return found


def _code_check(
    classes: LandUseClasses, levels: list[int]
) -> Callable[[str], tuple[str, str] | None]:
    def check(code: str) -> tuple[str, str] | None:
        if code not in classes:
            return "unknown_code", f"land-use code {code!r} is not in the 2023 classification"
        if classes[code].level not in levels:
            wanted = " or ".join(f"{LEVEL_DIGITS[x]}-digit" for x in sorted(levels))
            return "wrong_level", f"land-use code {code!r} is {len(code)}-digit; allowed: {wanted}"
        return None

    return check


def class_code_findings(
    layer: QcLayer, rules: dict[str, Rule], code_field: str, name_field: str | None
) -> list[Finding]:
    """Unknown codes, codes off the allowed levels, names disagreeing with their code.

    ``rules`` maps a kind (``unknown_code``, ``wrong_level``, ``code_name_mismatch``)
    to its rule; a kind without a rule is not checked.
    """
    if code_field not in layer.frame.columns:
        return []
    classes = load_classes()
    levels = rules["wrong_level"].params["levels"] if "wrong_level" in rules else [1, 2, 3]
    check = _code_check(classes, levels)
    codes = layer.text(code_field)
    verdicts = {code: check(code) for code in set(codes.tolist()) if code}
    bad = [code for code, verdict in verdicts.items() if verdict is not None]
    has_names = name_field is not None and name_field in layer.frame.columns
    names = (
        layer.text(name_field)
        if has_names and name_field is not None
        else np.full(len(codes), "", object)
    )
    known = {code: classes[code].name_zh for code in verdicts if code in classes}
    expected = np.array([known.get(code, "") for code in codes], dtype=object)
    mismatched = (names != "") & (expected != "") & (names != expected)
    found = []
    for i in np.flatnonzero(np.isin(codes, bad) | mismatched):
        code, name, verdict = codes[i], names[i], verdicts.get(codes[i])
        if verdict is not None and verdict[0] in rules:
            found.append(layer.finding(rules[verdict[0]], verdict[1], feature=int(i), value=code))
        elif verdict is None and "code_name_mismatch" in rules:
            message = f"land-use name {name!r} disagrees with code {code!r} ({expected[i]})"
            rule = rules["code_name_mismatch"]
            found.append(layer.finding(rule, message, feature=int(i), value=name))
    return found
