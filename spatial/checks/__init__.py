"""Checks of the plan's layers against its area targets and spatial rules.

Two tables come out of a check:

* **targets**: for every area target of ``seeds/plan.toml``, the measured
  ellipsoidal area of its feature beside the target, with PASS when it lies within
  the target's tolerance (约 = "about": ±5% unless the target says otherwise);
* **rules**: for every rule of ``seeds/rules.toml`` and every feature it applies to,
  the measured figure (area outside the district, largest overlap with any one
  other feature, area in the corridor band, distance to the avenue or to the
  assigned zone) against the rule's limit.

Rule rows have the columns of :data:`RULE_COLUMNS`: ``rule`` (the rule's id),
``kind``, ``id`` (the feature checked), ``other_id`` (what it was checked
against), ``measure`` (what was measured), ``value`` in ``unit`` (``km2``
ellipsoidal, or ``m`` in the Gauss–Krüger zone), ``bound`` (``max`` or ``min``)
and ``limit`` in the same unit, ``status`` (PASS or FAIL) and ``reason`` (why a
row failed, or a note).

Examples
--------
>>> from spatial.checks import run_checks
>>> report = run_checks()
>>> report.passed
True
>>> report.targets[["id", "target_km2", "status"]].head(2)
          id  target_km2 status
0  zone-kcxz        15.0   PASS
1  zone-szjj        10.0   PASS
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.checked.report import RULE_COLUMNS, TARGET_COLUMNS, CheckReport
    from spatial.checked.status import Status
    from spatial.checks.rules import check_rules
    from spatial.checks.run import run_checks
    from spatial.checks.targets import check_targets

_EXPORTS = {
    "RULE_COLUMNS": "spatial.checked.report",
    "TARGET_COLUMNS": "spatial.checked.report",
    "CheckReport": "spatial.checked.report",
    "check_rules": "spatial.checks.rules",
    "run_checks": "spatial.checks.run",
    "Status": "spatial.checked.status",
    "check_targets": "spatial.checks.targets",
}

__all__ = [
    "RULE_COLUMNS",
    "TARGET_COLUMNS",
    "CheckReport",
    "Status",
    "check_rules",
    "check_targets",
    "run_checks",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
