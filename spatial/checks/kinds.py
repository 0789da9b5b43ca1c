"""The registry of rule kinds: the parameters a rules file gives each kind and what it runs.

Each kind's parameters are the plan reader's (:data:`spatial.plan.RULE_PARAMS`, read
without importing a check); each kind registers its implementation where it is
implemented (:mod:`spatial.checks.rules`, :mod:`spatial.checks.constraints`) with
:func:`rule_kind`; :mod:`spatial.checks.rules` imports every implementing module, so
that the registry is whole once it is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
from pyproj import CRS

from spatial.plan import RULE_PARAMS, ParamSpec, Rule

__all__ = ["RULE_KINDS", "RowBlock", "RuleFunction", "RuleKind", "rule_kind"]


@dataclass(frozen=True)
class RowBlock:
    """Rule rows held as columns: a rule's one row per feature, without a dict per row.

    ``columns`` maps a column of :data:`~spatial.checked.report.RULE_COLUMNS`
    to a list (one value per row, ``size`` of them) or to one value every row
    shares; a column left out is NaN, as in a row dict that lacks it.
    """

    size: int
    columns: Mapping[str, Any]


#: A rule's rows: each a dict (column -> value), or a block of them as columns.
RuleRows = Sequence[dict[str, Any] | RowBlock]
RuleFunction = Callable[[Mapping[str, gpd.GeoDataFrame], Rule, CRS | None], RuleRows]


@dataclass(frozen=True)
class RuleKind:
    """A kind of spatial rule: the parameters ``seeds/rules.toml`` gives it and what it runs.

    ``params`` maps each parameter (besides ``id``, ``kind``, ``layer``, ``ids``)
    to how it is read (:data:`spatial.plan.ParamSpec`); ``run`` takes the
    layers (each in its own CRS, :attr:`PreparedLayers.own
    <spatial.checks.prepare.PreparedLayers>`), the rule and the Gauss–Krüger
    zone of the data and returns rule rows (:data:`~spatial.checked.report.RULE_COLUMNS`).
    """

    name: str
    params: Mapping[str, ParamSpec]
    run: RuleFunction


#: Every rule kind, by name: the one registry of parameters and implementations.
RULE_KINDS: dict[str, RuleKind] = {}


def rule_kind(name: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register the decorated function as the implementation of rule kind ``name``.

    Its parameters are those the plan reader declares for it
    (:data:`spatial.plan.RULE_PARAMS`); a kind it does not declare is refused.
    """
    if name not in RULE_PARAMS:
        raise KeyError(f"rule kind {name!r} has no parameters in spatial.plan.RULE_PARAMS")

    def register(run: RuleFunction) -> RuleFunction:
        RULE_KINDS[name] = RuleKind(name, RULE_PARAMS[name], run)
        return run

    return register
