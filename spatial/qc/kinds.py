"""The kinds and severities of a quality finding: what a rule pack and a finding both name.

A module of its own so that the rule packs (:mod:`spatial.qc.packs`) and the
findings (:mod:`spatial.qc.findings`) share them without importing each other.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["KINDS", "Severity"]

#: Every kind of finding, as the command's JSON names it.
KINDS: tuple[str, ...] = (
    "gap",
    "overlap",
    "sliver",
    "invalid_geometry",
    "below_min_area",
    "unknown_code",
    "code_name_mismatch",
    "wrong_level",
    "blank_value",
    "area_mismatch",
    "duplicate_id",
    "missing_field",
    "wrong_type",
    "control_area_mismatch",
)


class Severity(StrEnum):
    """How a finding weighs: an ``error`` fails the inspection (exit 1), a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"
