"""成果质检: inspect a planning or survey layer against its standards, each finding sourced.

:func:`inspect` runs the rules of one or more packs (:mod:`spatial.qc.packs`,
TOML data) over layers and returns a :class:`QcResult` of typed findings
(:class:`Finding`), each naming its rule and the standard (or stated project
default) behind it. Topology is judged in each layer's own CRS; areas are areas
of record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.qc.findings import KINDS, Finding, QcResult, Severity
    from spatial.qc.inspection import inspect
    from spatial.qc.packs import Rule, load_packs

_EXPORTS = {
    "KINDS": "spatial.qc.findings",
    "Finding": "spatial.qc.findings",
    "QcResult": "spatial.qc.findings",
    "Severity": "spatial.qc.findings",
    "inspect": "spatial.qc.inspection",
    "Rule": "spatial.qc.packs",
    "load_packs": "spatial.qc.packs",
}

__all__ = [
    "KINDS",
    "Finding",
    "QcResult",
    "Rule",
    "Severity",
    "inspect",
    "load_packs",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
