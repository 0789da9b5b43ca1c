"""What an inspection (成果质检) finds: typed findings, each with its rule and source.

A :class:`Finding` is one problem in one feature (or a pair, or a piece between
features, or a whole layer): its ``kind`` (one of :data:`KINDS`), the rule that
found it and the standard (or stated project default) that rule rests on. The
piece a topology finding is about (a gap, an overlap, a sliver, a feature) is
kept in ``geometry`` in the layer's own CRS, for the error layer; it is not part
of the JSON record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyproj import CRS
from shapely import Geometry

from spatial.qc.kinds import KINDS, Severity

if TYPE_CHECKING:
    from spatial.qc.packs import Rule

__all__ = ["KINDS", "RECORD_FIELDS", "Finding", "QcResult", "Severity"]

#: The fields of a finding's record (JSON, tables), in order.
RECORD_FIELDS: tuple[str, ...] = (
    "kind",
    "rule",
    "severity",
    "layer",
    "feature_id",
    "other_id",
    "value",
    "unit",
    "source",
    "message",
)


@dataclass(frozen=True)
class Finding:
    """One problem found by one rule.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    rule : str
        The rule's id in its pack (``gap``, ``ydyh_code``...).
    severity : Severity
        ``error`` or ``warning``.
    layer : str
        The layer inspected (its file as given).
    feature_id, other_id : str or None
        The feature (its id, or ``#N`` for its position) and the second of a
        pair (overlaps); None for a layer-wide finding or the second of no pair.
    value : float or str or None
        The figure found (an area in m², a width in m, a code), in ``unit``.
    unit : str or None
        ``m2``, ``m``, ``pct``... or None when ``value`` is not a quantity.
    source : str
        The standard's name, number and clause, or ``project default: ...``.
    message : str
        One line for a reader.
    geometry : shapely.Geometry, optional
        The piece or feature, in the layer's CRS (for the error layer).
    """

    kind: str
    rule: str
    severity: Severity
    layer: str
    feature_id: str | None
    other_id: str | None
    value: float | str | None
    unit: str | None
    source: str
    message: str
    geometry: Geometry | None = field(default=None, compare=False, repr=False)

    def record(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict (the fields of :data:`RECORD_FIELDS`)."""
        return {
            name: str(getattr(self, name)) if name == "severity" else getattr(self, name)
            for name in RECORD_FIELDS
        }


@dataclass(frozen=True)
class QcResult:
    """The findings of an inspection, in the order found, and the CRS of each layer.

    Attributes
    ----------
    findings : tuple of Finding
    layers : dict of str to (int, pyproj.CRS or None)
        Each layer inspected: its number of features and its CRS.
    rules : tuple of Rule
        The rules run, in order (each counted in the summary, found or not).
    """

    findings: tuple[Finding, ...]
    layers: dict[str, tuple[int, CRS | None]]
    rules: tuple[Rule, ...] = ()

    @property
    def has_errors(self) -> bool:
        """Whether any finding is of severity ``error`` (the command then exits 1)."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    def summary(self) -> dict[str, Any]:
        """Return counts: features inspected, findings by kind and by severity, and the verdict."""
        by_kind = Counter(f.kind for f in self.findings)
        by_severity = Counter(str(f.severity) for f in self.findings)
        return {
            "layers": len(self.layers),
            "features": sum(n for n, _ in self.layers.values()),
            "findings": len(self.findings),
            "errors": by_severity.get("error", 0),
            "warnings": by_severity.get("warning", 0),
            "by_kind": {k: by_kind[k] for k in KINDS if by_kind[k]},
            "by_rule": self.rule_counts(),
            "passed": not self.has_errors,
        }

    def rule_counts(self) -> list[dict[str, Any]]:
        """Return each rule run: its id, kind, severity, source and number of findings."""
        counts = Counter(f.rule for f in self.findings)
        return [
            {
                "rule": r.id,
                "kind": r.kind,
                "severity": str(r.severity),
                "count": counts[r.id],
                "source": r.source,
            }
            for r in self.rules
        ]

    def of_kind(self, kind: str) -> Sequence[Finding]:
        """Return the findings of one kind."""
        return [f for f in self.findings if f.kind == kind]
