"""The planner's review of a submission: land-use balance, protected-line conflicts, versions.

* :mod:`~spatial.review.balance`: the 用地平衡表, area by land-use class per zone;
* :mod:`~spatial.review.diff`: what changed between two versions of a layer.

The 三区三线 constraint rules (``must_not_occupy``, ``must_lie_within``) live with
the other rule kinds, in :mod:`spatial.checks.constraints`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.review.balance import BALANCE_COLUMNS, balance_table, compare_balance
    from spatial.review.diff import LayerDiff, diff_layers

_EXPORTS = {
    "BALANCE_COLUMNS": "spatial.review.balance",
    "balance_table": "spatial.review.balance",
    "compare_balance": "spatial.review.balance",
    "LayerDiff": "spatial.review.diff",
    "diff_layers": "spatial.review.diff",
}

__all__ = ["BALANCE_COLUMNS", "LayerDiff", "balance_table", "compare_balance", "diff_layers"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
