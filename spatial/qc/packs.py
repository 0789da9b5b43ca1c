"""Rule packs: the rules of an inspection as data (TOML), bundled or a planner's own file.

A pack is a TOML file with a ``[pack]`` table (``name``, ``title``) and one
table per rule under ``[rules.ID]``: its ``kind`` (a finding kind the engine
implements, see :data:`RULE_PARAMETERS`), its ``severity`` (``error`` or
``warning``), its ``source`` (the standard's name, number and clause, or
``project default: ...`` with the value) and its parameters, each named with its
unit (``_m2``, ``_m``, ``_pct``); a schema is ``fields = {NAME = "text"}``
(``text``, ``integer``, ``real``) on a ``missing_field`` rule (the fields a
layer must hold) and a ``wrong_type`` rule (the types they must have).
``forbid_multipart = true`` on an ``invalid_geometry`` rule reports every
MultiPolygon; a ``control_area_mismatch`` rule names its control layer among
the layers inspected (``control_layer``, a file stem), the 图斑 layer's field
naming each feature's unit (``unit_field``) and the control layer's id field
(``control_id_field``). The
bundled packs live in ``packs/`` beside this module (``default``);
``--pack FILE.toml`` reads a planner's own.

Several packs are merged in order: a later rule with the same id replaces the
earlier one, so a planner's pack can change one threshold of ``default``.

Examples
--------
>>> rules = load_packs(["default"])
>>> rules["sliver"].params["max_area_m2"], str(rules["sliver"].severity)
(1.0, 'error')
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatial.errors import PlanDataError
from spatial.qc.kinds import KINDS, Severity

__all__ = [
    "FIELD_TYPES",
    "PACK_DIR",
    "RULE_PARAMETERS",
    "Rule",
    "bundled_packs",
    "load_pack",
    "load_packs",
]

#: The folder of the bundled packs (``NAME.toml``).
PACK_DIR = Path(__file__).with_name("packs")

#: Each rule kind the engine implements, and its parameters: name -> (type, default).
RULE_PARAMETERS: dict[str, dict[str, tuple[type, Any]]] = {
    "invalid_geometry": {"forbid_multipart": (bool, False)},
    "gap": {"min_area_m2": (float, 0.0)},
    "overlap": {"min_area_m2": (float, 0.0)},
    "sliver": {"max_area_m2": (float, 1.0), "min_width_m": (float, 0.2)},
    "below_min_area": {"min_area_m2": (float, None)},
    "unknown_code": {},
    "code_name_mismatch": {},
    "wrong_level": {"levels": (list, [1, 2, 3])},
    "blank_value": {},
    "wrong_type": {"fields": (dict, {})},
    "missing_field": {"fields": (dict, {})},
    "duplicate_id": {},
    "area_mismatch": {
        "decimals": (int, 2),
        "tolerance_pct": (float, 0.1),
        "tolerance_m2": (float, 0.01),
    },
    "control_area_mismatch": {
        "control_layer": (str, None),
        "unit_field": (str, None),
        "control_id_field": (str, None),
        "tolerance_pct": (float, 0.01),
        "tolerance_m2": (float, 1.0),
    },
}
_RULE_KEYS = {"kind", "severity", "source"}
#: The field types a pack's ``fields = {NAME = "TYPE"}`` may name.
FIELD_TYPES = ("text", "integer", "real")


@dataclass(frozen=True)
class Rule:
    """One rule of a pack: what it finds, how much it weighs, what it rests on, its parameters."""

    id: str
    kind: str
    severity: Severity
    source: str
    params: dict[str, Any] = field(default_factory=dict)
    pack: str = ""


def bundled_packs() -> list[str]:
    """Return the names of the bundled packs (``--pack NAME``)."""
    return sorted(p.stem for p in PACK_DIR.glob("*.toml"))


def _pack_path(name: str) -> Path:
    if name.lower().endswith(".toml") or os.sep in name or "/" in name:
        return Path(name)
    path = PACK_DIR / f"{name}.toml"
    if not path.is_file():
        raise PlanDataError(
            f"--pack {name}: no such bundled pack; bundled: {', '.join(bundled_packs())} "
            "(or give a FILE.toml)"
        )
    return path


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise PlanDataError(f"{path}: rule pack not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanDataError(f"{path}: cannot read the rule pack ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanDataError(f"{path}: not a valid TOML rule pack ({exc})") from None


def _param(where: str, name: str, value: object, kind: type) -> object:
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise PlanDataError(f"{where}: {name} must be a finite number >= 0, got {value}")
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if kind is dict and isinstance(value, dict):
        wrong = [f"{k} = {v!r}" for k, v in value.items() if v not in FIELD_TYPES]
        if wrong:
            raise PlanDataError(
                f"{where}: {name}: {wrong[0]}: a field type is one of {', '.join(FIELD_TYPES)}"
            )
        return value
    if kind is list and isinstance(value, list):
        return value
    if kind is bool and isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str) and value.strip():
        return value.strip()
    raise PlanDataError(f"{where}: {name} must be {kind.__name__}, got {value!r}")


def _rule(where: str, rule_id: str, table: Mapping[str, Any], pack: str) -> Rule:
    kind = table.get("kind")
    if kind not in RULE_PARAMETERS:
        raise PlanDataError(
            f"{where}: kind {kind!r} is not a rule kind; kinds: {', '.join(RULE_PARAMETERS)}"
        )
    severity = table.get("severity", "error")
    if severity not in {s.value for s in Severity}:
        raise PlanDataError(f"{where}: severity {severity!r}: choose error or warning")
    source = table.get("source")
    if not isinstance(source, str) or not source.strip():
        raise PlanDataError(
            f"{where}: no source: name the standard and clause, or 'project default: ...'"
        )
    known = RULE_PARAMETERS[kind]
    unknown = sorted(set(table) - _RULE_KEYS - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise PlanDataError(f"{where}: unknown parameter {unknown[0]!r}; {kind} takes {allowed}")
    params = {}
    for name, (type_, default) in known.items():
        if name in table:
            params[name] = _param(where, name, table[name], type_)
        elif default is None:
            raise PlanDataError(f"{where}: {kind} needs {name}")
        else:
            params[name] = default
    return Rule(rule_id, kind, Severity(severity), source.strip(), params, pack)


def load_pack(name: str) -> dict[str, Rule]:
    """Read one pack, a bundled ``NAME`` or a ``FILE.toml``; return its rules by id.

    Raises
    ------
    PlanDataError
        One line naming the file, the rule and the problem (an unknown kind or
        parameter, a missing source, a value of the wrong type).
    """
    path = _pack_path(name)
    data = _read_toml(path)
    rules = data.get("rules")
    if not isinstance(rules, dict) or not rules:
        raise PlanDataError(f"{path}: a rule pack needs [rules.ID] tables; none found")
    pack = str(data.get("pack", {}).get("name", path.stem))
    out = {}
    for rule_id, table in rules.items():
        where = f"{path}: rule {rule_id}"
        if not isinstance(table, dict):
            raise PlanDataError(f"{where}: expected a table [rules.{rule_id}]")
        out[rule_id] = _rule(where, rule_id, table, pack)
    return out


def load_packs(names: Sequence[str] = ("default",)) -> dict[str, Rule]:
    """Read packs in order and merge them (a later rule replaces one of the same id)."""
    rules: dict[str, Rule] = {}
    for name in names:
        rules.update(load_pack(name))
    assert set(KINDS) >= set(RULE_PARAMETERS)  # every rule kind is a finding kind
    return rules
