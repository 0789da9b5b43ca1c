"""The report of a check (:mod:`spatial.checked.report`, kept here for callers of the checks)."""

from __future__ import annotations

from spatial.checked.report import RULE_COLUMNS, TARGET_COLUMNS, CheckReport

__all__ = ["RULE_COLUMNS", "TARGET_COLUMNS", "CheckReport"]
