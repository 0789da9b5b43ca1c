"""What the map shows of the check: the verdict, each failed rule by its id, the failure pieces.

The verdict and rows are data (JSON) that ``controls.js`` sets as text; the
pieces become a layer drawn in red (:data:`~spatial.webmap.styles.failures.FAILURES`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from spatial.checked.snapshot import PlanSnapshot

__all__ = ["RULES_HEADING", "failure_features", "rule_panel_data"]

RULES_HEADING = "规则核查未通过 Failed checks"


def rule_panel_data(snapshot: PlanSnapshot) -> dict[str, Any]:
    """Return the verdict and one row per failed target or rule row (rule id, features, reason).

    Examples
    --------
    >>> from spatial.io.layers import load_plan_layers
    >>> from spatial.checks.snapshot import take_snapshot
    >>> data = rule_panel_data(take_snapshot(load_plan_layers()))
    >>> data["passed"], data["rows"], data["verdict"][:4]
    (True, [], '核查通过')
    """
    report = snapshot.report
    verdict = ("核查通过 " if report.passed else "核查未通过 ") + report.summary()
    targets = report.targets[report.targets["status"] == "FAIL"]
    rules = report.rules[report.rules["status"] == "FAIL"]
    rows = [
        {"rule": "area-target", "id": str(t.id), "other": "", "reason": str(t.reason)}
        for t in targets.itertuples()
    ]
    rows += [
        {"rule": str(r.rule), "id": str(r.id), "other": "", "reason": str(r.reason)}
        for r in rules.itertuples()
    ]
    return {"passed": report.passed, "verdict": verdict, "heading": RULES_HEADING, "rows": rows}


def failure_features(pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the failure pieces as a layer: named after the two features, with rule and area."""
    names = [f"{a} × {b}" for a, b in zip(pieces["id"], pieces["other_id"], strict=True)]
    return pieces.assign(
        name_zh=names,
        name_en=[
            f"{rule}: {piece}" for rule, piece in zip(pieces["rule"], pieces["piece"], strict=True)
        ],
        id=names,
    )
