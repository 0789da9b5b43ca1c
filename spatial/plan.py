"""The plan's data, read and validated.

Area targets and headline figures come from ``seeds/plan.toml``, the spatial
rules from ``seeds/rules.toml``.

Every problem in these files raises :class:`~spatial.errors.PlanDataError` with
one line naming the file, the entry (``targets[2] (zone-cjrh)``) and the fault.

Examples
--------
>>> plan = load_plan()
>>> [t.id for t in plan.targets][:2]
['zone-kcxz', 'zone-szjj']
>>> plan.targets[3].target_km2  # 30万平方米
0.3
>>> sorted({r.kind for r in plan.rules})  # doctest: +NORMALIZE_WHITESPACE
['meets_corridor', 'no_overlap', 'platform_in_assigned', 'within_district',
 'within_reach_of_avenue']
"""

from __future__ import annotations

import math
import os
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spatial.errors import LayerReadError, PlanDataError
from spatial.io.bundled import bundled_dir
from spatial.io.files import read_regular_bytes
from spatial.units import AREA_UNITS, UNIT_ALIASES

__all__ = [
    "NUMBER",
    "RULE_PARAMS",
    "Headline",
    "ParamSpec",
    "Plan",
    "Rule",
    "Target",
    "id_pairs",
    "load_headlines",
    "load_plan",
    "load_plan_input",
    "load_rules",
    "load_targets",
    "load_title",
    "plan_path",
    "rules_path",
    "string_list",
]

#: The tolerance a target gets when it states none: 约 ("about") read as ±5%.
DEFAULT_TOLERANCE_PCT = 5.0

_NUMBER = (int, float)


@dataclass(frozen=True)
class Target:
    """An area target of the plan (e.g. 约15平方公里), for one feature of one layer.

    ``value`` is in ``unit`` (``km2``, ``m2``, ``ha`` or ``mu``); ``tolerance_pct``
    is the allowed deviation either side, in percent of the target.
    """

    id: str
    layer: str
    name_zh: str
    name_en: str
    value: float
    unit: str
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT
    phrase: str = ""

    @property
    def target_m2(self) -> float:
        """The target in square metres."""
        return float(self.value) * AREA_UNITS[self.unit]

    @property
    def target_km2(self) -> float:
        """The target in square kilometres."""
        return self.target_m2 / AREA_UNITS["km2"]


@dataclass(frozen=True)
class Headline:
    """A headline figure of the plan (enterprises, funds...), for display only."""

    id: str
    label_zh: str
    label_en: str
    value: float
    unit: str
    phrase: str = ""


@dataclass(frozen=True)
class Rule:
    """A spatial rule: ``kind`` applied to features ``ids`` (all when None) of ``layer``.

    ``params`` holds the kind's parameters, as :data:`RULE_PARAMS` declares them.
    """

    id: str
    kind: str
    layer: str
    ids: tuple[str, ...] | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """The targets, headlines and rules of the plan."""

    targets: tuple[Target, ...]
    headlines: tuple[Headline, ...]
    rules: tuple[Rule, ...]


def plan_path() -> Path:
    """Return the path of the bundled ``plan.toml``."""
    return bundled_dir("seeds") / "plan.toml"


def rules_path() -> Path:
    """Return the path of the bundled ``rules.toml``."""
    return bundled_dir("seeds") / "rules.toml"


#: The largest plan or rules file read, in bytes (the bundled ones are a few kilobytes).
MAX_TOML_BYTES = 4 * 2**20


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse a plan or rules TOML: a regular file of :data:`MAX_TOML_BYTES` at most."""
    if not path.exists():
        raise PlanDataError(f"{path}: file not found")
    try:
        text = read_regular_bytes(path, what="plan file", max_bytes=MAX_TOML_BYTES)
        return tomllib.loads(text.decode("utf-8"))
    except LayerReadError as exc:
        raise PlanDataError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanDataError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise PlanDataError(
            f"{path}: not valid TOML (tables or arrays nested too deeply)"
        ) from None
    except ValueError:  # an integer of more digits than Python converts
        raise PlanDataError(
            f"{path}: not valid TOML (a number of more than {sys.get_int_max_str_digits():,} "
            "digits)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanDataError(f"{path}: cannot be read ({exc})") from None


def _entries(path: Path, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = data.get(key)
    if not isinstance(entries, list) or not entries:
        raise PlanDataError(f"{path}: no [[{key}]] entries")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise PlanDataError(f"{path}: {key}[{i}]: not a table")
    return entries


def _where(path: Path, key: str, i: int, entry: dict[str, Any]) -> str:
    name = entry.get("id")
    if isinstance(name, str) and len(name) > MAX_NAME_CHARS:
        name = f"{name[:40]}…"
    return f"{path}: {key}[{i}]" + (f" ({name})" if isinstance(name, str) else "")


#: The longest name, id, label or unit a plan or rules file may hold, in characters (the
#: bundled ones are under 70); a phrase quoted from the plan may hold :data:`MAX_PHRASE_CHARS`.
#: Every figure, table and report line carries these names: the bound keeps their cost small.
MAX_NAME_CHARS = 200
MAX_PHRASE_CHARS = 2_000


def _bounded(where: str, name: str, value: Any) -> Any:
    """Refuse a non-finite number (``inf``, ``nan``) or an overlong text; return ``value``."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PlanDataError(f"{where}: {name!r} must be a finite number, got {value!r}")
    limit = MAX_PHRASE_CHARS if name == "phrase" else MAX_NAME_CHARS
    if isinstance(value, str) and len(value) > limit:
        raise PlanDataError(
            f"{where}: {name!r} is {len(value):,} characters long; at most {limit:,}"
        )
    return value


def _require(where: str, entry: dict[str, Any], name: str, types: tuple[type, ...]) -> Any:
    if name not in entry:
        raise PlanDataError(f"{where}: missing {name!r}")
    value = entry[name]
    if isinstance(value, bool) or not isinstance(value, types):
        kinds = " or ".join(t.__name__ for t in types)
        raise PlanDataError(f"{where}: {name!r} must be {kinds}, got {value!r}")
    return _bounded(where, name, value)


def _optional_text(where: str, entry: dict[str, Any], name: str) -> str:
    return str(_bounded(where, name, entry.get(name, "")))


def _check_unique(path: Path, key: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise PlanDataError(f"{path}: {key}[{i}] ({ident}): duplicate id")
        seen.add(ident)


def _target(path: Path, i: int, entry: dict[str, Any]) -> Target:
    where = _where(path, "targets", i, entry)
    given = _require(where, entry, "unit", (str,))
    unit = UNIT_ALIASES.get(given.strip(), given)  # 亩 is mu, 公顷 ha, 平方公里 km2
    if unit not in AREA_UNITS:
        accepted = ", ".join([*AREA_UNITS, *UNIT_ALIASES])
        raise PlanDataError(f"{where}: unit {given!r} is not one of {accepted}")
    value = _require(where, entry, "value", _NUMBER)
    if not value > 0:
        raise PlanDataError(f"{where}: value must be positive, got {value!r}")
    tolerance = entry.get("tolerance_pct", DEFAULT_TOLERANCE_PCT)
    if isinstance(tolerance, bool) or not isinstance(tolerance, _NUMBER) or not 0 < tolerance < 100:
        raise PlanDataError(
            f"{where}: tolerance_pct must be a number in (0, 100), got {tolerance!r}"
        )
    return Target(
        id=_require(where, entry, "id", (str,)),
        layer=_require(where, entry, "layer", (str,)),
        name_zh=_require(where, entry, "name_zh", (str,)),
        name_en=_optional_text(where, entry, "name_en"),
        value=float(value),
        unit=unit,
        tolerance_pct=float(tolerance),
        phrase=_optional_text(where, entry, "phrase"),
    )


def load_targets(path: str | os.PathLike[str] | None = None) -> tuple[Target, ...]:
    """Read and validate the ``[[targets]]`` of a plan file (the bundled one by default).

    Raises
    ------
    PlanDataError
        The file is missing or not TOML, or an entry lacks a field, has a
        unit other than km2/m2/ha/mu, a non-positive value, a tolerance
        outside (0, 100) percent, or a duplicate id.
    """
    path = Path(path) if path is not None else plan_path()
    entries = _entries(path, _read_toml(path), "targets")
    targets = tuple(_target(path, i, entry) for i, entry in enumerate(entries))
    _check_unique(path, "targets", [t.id for t in targets])
    return targets


def _headline(path: Path, i: int, entry: dict[str, Any]) -> Headline:
    where = _where(path, "headlines", i, entry)
    return Headline(
        id=_require(where, entry, "id", (str,)),
        label_zh=_require(where, entry, "label_zh", (str,)),
        label_en=_require(where, entry, "label_en", (str,)),
        value=float(_require(where, entry, "value", _NUMBER)),
        unit=_require(where, entry, "unit", (str,)),
        phrase=_optional_text(where, entry, "phrase"),
    )


def load_headlines(
    path: str | os.PathLike[str] | None = None, *, optional: bool = False
) -> tuple[Headline, ...]:
    """Read and validate the ``[[headlines]]`` of a plan file (the bundled one by default).

    With ``optional``, a plan without headlines has none (a planner's plan need
    not quote figures); else it is refused.
    """
    path = Path(path) if path is not None else plan_path()
    data = _read_toml(path)
    if optional and "headlines" not in data:
        return ()
    entries = _entries(path, data, "headlines")
    headlines = tuple(_headline(path, i, entry) for i, entry in enumerate(entries))
    _check_unique(path, "headlines", [h.id for h in headlines])
    return headlines


def load_title(path: str | os.PathLike[str]) -> str | None:
    """Return the plan's own title (``[document] title``), or None when it states none.

    Examples
    --------
    >>> load_title(plan_path())
    '引领创新驱动 勇立发展潮头'
    """
    path = Path(path)
    document = _read_toml(path).get("document")
    title = document.get("title") if isinstance(document, dict) else None
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise PlanDataError(f"{path}: document.title: must be a non-empty text, got {title!r}")
    if title is not None and len(title) > MAX_NAME_CHARS:
        raise PlanDataError(f"{path}: document.title: at most {MAX_NAME_CHARS} characters")
    return title


#: How a rule parameter is read: the Python types it accepts, or a function
#: ``(where, name, value) -> value`` that checks and converts it.
ParamSpec = tuple[type, ...] | Callable[[str, str, Any], Any]
NUMBER: tuple[type, ...] = _NUMBER


def string_list(where: str, name: str, value: Any) -> tuple[str, ...]:
    """Read a parameter that is a list of strings (ids, layer names) as a tuple."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanDataError(f"{where}: {name!r} must be a list of strings, got {value!r}")
    return tuple(_bounded(where, name, v) for v in value)


def id_pairs(where: str, name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """Read a parameter that is a list of ``[inner_id, outer_id]`` pairs."""
    if not isinstance(value, list):
        raise PlanDataError(f"{where}: {name!r} must be a list of [inner_id, outer_id] pairs")
    for pair in value:
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)
        ):
            raise PlanDataError(
                f"{where}: {name} entries must be [inner_id, outer_id], got {pair!r}"
            )
    return tuple((inner, outer) for inner, outer in value)


#: The parameters a rules file gives each rule kind (besides ``id``, ``kind``, ``layer``,
#: ``ids``), by kind, and how each is read: the plan reader's half of the rule-kind registry.
#: The checks implement each kind (:func:`spatial.checks.kinds.rule_kind` registers the
#: implementation against this table), so reading a rules file imports no check.
RULE_PARAMS: dict[str, dict[str, ParamSpec]] = {
    "within_district": {"district_layer": (str,), "district_id": (str,), "max_outside_m2": NUMBER},
    "meets_corridor": {"corridor_layer": (str,), "band_id": (str,), "min_in_band_m2": NUMBER},
    "within_reach_of_avenue": {"corridor_layer": (str,), "avenue_id": (str,), "reach_m": NUMBER},
    "no_overlap": {"max_overlap_m2": NUMBER, "allowed_nesting": id_pairs},
    "platform_in_assigned": {"assigned_property": (str,), "target_layers": string_list},
    "must_not_occupy": {"constraint_layer": (str,), "max_occupied_m2": NUMBER},
    "must_lie_within": {"constraint_layer": (str,), "max_outside_m2": NUMBER},
}


def _param(where: str, entry: dict[str, Any], name: str, spec: ParamSpec) -> Any:
    if callable(spec):
        if name not in entry:
            raise PlanDataError(f"{where}: missing {name!r}")
        return spec(where, name, entry[name])
    value = _require(where, entry, name, spec)
    if isinstance(value, float | int) and value < 0:
        raise PlanDataError(f"{where}: {name!r} must not be negative, got {value!r}")
    return value


def _rule(path: Path, i: int, entry: dict[str, Any]) -> Rule:
    where = _where(path, "rules", i, entry)
    kind = _require(where, entry, "kind", (str,))
    if kind not in RULE_PARAMS:
        raise PlanDataError(f"{where}: kind {kind!r} is not one of {', '.join(RULE_PARAMS)}")
    schema = RULE_PARAMS[kind]
    unknown = set(entry) - set(schema) - {"id", "kind", "layer", "ids"}
    if unknown:
        raise PlanDataError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} for {kind}")
    params = {name: _param(where, entry, name, spec) for name, spec in schema.items()}
    ids = entry.get("ids")
    return Rule(
        id=_require(where, entry, "id", (str,)),
        kind=kind,
        layer=_require(where, entry, "layer", (str,)),
        ids=None if ids is None else string_list(where, "ids", ids),
        params=params,
    )


def load_rules(path: str | os.PathLike[str] | None = None) -> tuple[Rule, ...]:
    """Read and validate the ``[[rules]]`` of a rules file (the bundled one by default).

    Raises
    ------
    PlanDataError
        The file is missing or not TOML, or a rule has an unknown kind, lacks
        a parameter of its kind, has one of the wrong type, or repeats an id.
    """
    path = Path(path) if path is not None else rules_path()
    entries = _entries(path, _read_toml(path), "rules")
    rules = tuple(_rule(path, i, entry) for i, entry in enumerate(entries))
    _check_unique(path, "rules", [r.id for r in rules])
    return rules


def load_plan(
    plan: str | os.PathLike[str] | None = None,
    rules: str | os.PathLike[str] | None = None,
) -> Plan:
    """Read targets and headlines from ``plan``, rules from ``rules`` (bundled by default)."""
    return Plan(targets=load_targets(plan), headlines=load_headlines(plan), rules=load_rules(rules))


def load_plan_input(
    plan: str | os.PathLike[str] | None = None,
    rules: str | os.PathLike[str] | None = None,
) -> tuple[tuple[Target, ...], tuple[Rule, ...]]:
    """Return the targets and rules to judge by: a planner's plan whole, or the bundled one.

    The bundled plan (``seeds/plan.toml`` and ``seeds/rules.toml``) is the default
    only when neither file is given. A planner's plan replaces it whole: with
    ``plan`` alone there are no rules (no bundled rule judges their layers), with
    ``rules`` alone no targets.

    Examples
    --------
    >>> targets, rules = load_plan_input()
    >>> len(targets) > 0 and len(rules) > 0
    True
    >>> load_plan_input(plan=plan_path())[1]
    ()
    >>> load_plan_input(rules=rules_path())[0]
    ()
    """
    if plan is None and rules is None:
        return load_targets(), load_rules()
    return (
        () if plan is None else load_targets(plan),
        () if rules is None else load_rules(rules),
    )
