"""The report of a check: the target table, the rule table, their columns and renderings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from spatial.checks.status import Status
from spatial.report import FORMATS, format_csv, format_json, format_markdown, format_table, records

__all__ = ["RULE_COLUMNS", "TARGET_COLUMNS", "CheckReport"]

#: Columns of the target table, in order.
TARGET_COLUMNS = [
    "id",
    "name_zh",
    "target_km2",
    "measured_km2",
    "planar_km2",
    "geodesic_km2",
    "planar_diff_m2",
    "geodesic_diff_m2",
    "diff_km2",
    "diff_pct",
    "status",
]
#: Columns of the rule table, in order.
RULE_COLUMNS = [
    "rule",
    "kind",
    "id",
    "other_id",
    "measure",
    "value",
    "bound",
    "limit",
    "unit",
    "status",
    "reason",
]


PASS, FAIL = Status.PASS, Status.FAIL


@dataclass
class CheckReport:
    """The outcome of :func:`run_checks`: the target table, the rule table and notes.

    ``notes`` maps a target id to the reason it failed without a measurement
    (feature missing, id repeated); ``repairs`` lists geometries repaired on request.
    """

    targets: pd.DataFrame
    rules: pd.DataFrame
    notes: dict[str, str] = field(default_factory=dict)
    repairs: list[dict[str, object]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every target and every rule row is PASS."""
        return bool((self.targets["status"] == PASS).all() and (self.rules["status"] == PASS).all())

    @property
    def failures(self) -> list[str]:
        """One line per failed target or rule row, naming the feature."""
        lines = [
            f"target {row.id}: {self.notes.get(row.id) or f'{row.diff_pct:+.1f}% off target'}"
            for row in self.targets[self.targets["status"] == FAIL].itertuples()
        ]
        lines += [
            f"rule {row.rule}: {row.id}: {row.reason}"
            for row in self.rules[self.rules["status"] == FAIL].itertuples()
        ]
        return lines

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """Return ``{"targets": [...], "rules": [...]}``, rows as JSON-ready dicts (NaN -> None)."""
        return {"targets": records(self.targets), "rules": records(self.rules)}

    def summary(self) -> str:
        """One line: how many targets and rule checks passed."""
        n_t, n_r = len(self.targets), len(self.rules)
        ok_t = int((self.targets["status"] == PASS).sum())
        ok_r = int((self.rules["status"] == PASS).sum())
        verdict = "all pass" if self.passed else "FAILED"
        return f"{verdict}: {ok_t}/{n_t} targets PASS, {ok_r}/{n_r} rule checks PASS"

    def render(self, fmt: str = "table") -> str:
        """Render the report as ``table``, ``csv``, ``json`` or ``markdown`` text.

        JSON is ``{"targets": [...], "rules": [...]}``; CSV is one table whose
        ``table`` column says ``target`` or ``rule`` (columns of the other kind
        left empty); table and Markdown show the two tables one after the other,
        then the failures, one line each.
        """
        if fmt == "json":
            return format_json(self.to_dict())
        if fmt == "csv":
            both = pd.concat(
                [self.targets.assign(table="target"), self.rules.assign(table="rule")],
                ignore_index=True,
            )
            columns = [
                "table",
                *TARGET_COLUMNS,
                *(c for c in RULE_COLUMNS if c not in TARGET_COLUMNS),
            ]
            return format_csv(both[columns])
        if fmt == "markdown":
            return self._render_text(format_markdown, "## ", "- ")
        if fmt == "table":
            return self._render_text(format_table, "", "  ")
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")

    def _render_text(self, table: Callable[[pd.DataFrame], str], head: str, bullet: str) -> str:
        rules = self.rules.assign(
            limit=[
                f"{'≤' if b == 'max' else '≥'} {v:g}" if b else "-"
                for b, v in zip(self.rules["bound"], self.rules["limit"], strict=True)
            ]
        )[["rule", "id", "other_id", "measure", "value", "limit", "unit", "status"]]
        parts = [
            f"{head}Area targets",
            "",
            table(self.targets),
            "",
            f"{head}Spatial rules",
            "",
            table(rules),
            "",
            self.summary(),
        ]
        parts += [f"{bullet}{line}" for line in self.failures]
        return "\n".join(parts) + "\n"
