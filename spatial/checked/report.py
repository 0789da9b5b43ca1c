"""The report of a check: the target table, the rule table, their columns and renderings."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.checked.figures import limit_text, number_text, quantity_text
from spatial.checked.status import Status
from spatial.errors import printable
from spatial.formats import FORMATS
from spatial.report import format_frame, format_json, format_markdown, format_table, records
from spatial.synthetic import marked_only
from spatial.table_formats import table_format
from spatial.table_formats._ids import planner_ids
from spatial.units import M2_PER_KM2
from spatial.validate.inputs import Repair

__all__ = [
    "CUT_FRAMES_ATTR",
    "RULE_COLUMNS",
    "TARGET_COLUMNS",
    "CheckReport",
    "without_blank_class",
]

#: Key of the conflict pieces' ``attrs`` (:func:`spatial.checks.constraints.conflict_pieces`):
#: by constraint layer, the CRS (WKT) its pieces were cut in, for the land-use split.
CUT_FRAMES_ATTR = "cut_frames"

#: Columns of the target table, in order: the judged ones first (the measured area of
#: record against the target, its difference, the verdict and why), then the cross-checks
#: (Gauss–Krüger plane, geodesic edges) that judge nothing (docs/areas.md).
TARGET_COLUMNS = [
    "id",
    "name_zh",
    "measured_km2",
    "target_km2",
    "diff_km2",
    "diff_pct",
    "status",
    "reason",
    "planar_km2",
    "geodesic_km2",
    "planar_diff_m2",
    "geodesic_diff_m2",
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
    "constraint",
    "occupied_m2",
    "outside_m2",
]

#: The rule table's added view column: ``value`` in the unit its limit is shown in (``4.0 m²``).
MEASURED = "measured"

PASS, FAIL = Status.PASS, Status.FAIL


def measured_text(value: float, limit: float, unit: str) -> str:
    """Return a rule's value in the unit its limit is shown in: ``'4.0 m²'`` beside ``'≤ 1 m²'``.

    ``value`` and ``limit`` are in ``unit`` (``km2``, ``m`` or ``''``, a count);
    a limit printed in m² (under 0.01 km², :func:`quantity_text`) has its
    value in m² with one decimal, else km² with four; a nonzero value never prints as
    0 (:func:`number_text`); '-' when NaN.

    Examples
    --------
    >>> measured_text(4e-06, 1e-06, "km2"), measured_text(0.25, 0.5, "km2")
    ('4.0 m²', '0.2500 km²')
    >>> measured_text(12.5, 25.0, "m"), measured_text(3.0, 0.0, "")
    ('12.5 m', '3')
    >>> measured_text(float("nan"), 1e-06, "km2")
    '-'
    """
    if math.isnan(value):
        return "-"
    if unit == "km2":
        if math.isnan(limit) or quantity_text(limit, unit).endswith(" m²"):  # as the limit
            return f"{number_text(value * M2_PER_KM2, 1)} m²"
        return f"{number_text(value, 4)} km²"
    if unit == "":
        return f"{value:,.10g}"
    return f"{number_text(value, 1)} {unit}"


def without_blank_class(conflicts: pd.DataFrame) -> pd.DataFrame:
    """Return a conflicts table as pages show it: no ``class_code`` when no row has a class.

    A conflict has no class when neither the checked layer nor the constraint's
    land has the class field: its ``class_code`` is ``-`` (the table by class)
    or null (the pieces). The terminal, Markdown and the review's pages leave
    such a column out; CSV and JSON keep it (scripts read those).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"zone_id": ["A", "B"], "class_code": ["-", None]})
    >>> list(without_blank_class(table).columns)
    ['zone_id']
    >>> list(without_blank_class(table.assign(class_code=["-", "0101"])).columns)
    ['zone_id', 'class_code']
    """
    if "class_code" not in conflicts.columns or not len(conflicts):
        return conflicts
    codes = conflicts["class_code"]
    if (codes.isna() | (codes.astype(str) == "-")).all():
        return conflicts.drop(columns="class_code")
    return conflicts


def _with_measured(rules: pd.DataFrame) -> pd.DataFrame:
    """Return ``rules`` with :data:`MEASURED` after ``value`` (the views; JSON keeps its keys)."""
    text = [
        measured_text(float(v), float(lim), str(u))
        for v, lim, u in zip(rules["value"], rules["limit"], rules["unit"], strict=True)
    ]
    at = list(rules.columns).index("value") + 1
    shown = rules.copy()
    shown.insert(at, MEASURED, text)
    return shown


@dataclass
class CheckReport:
    """The outcome of :func:`run_checks`: the target table, the rule table, the repairs made.

    Every failed row says why in its ``reason`` column (a feature missing, an id
    repeated, an area off target); ``repairs`` lists geometries repaired on request;
    ``matches`` says which targets were found by name, not by id. In a notebook
    the report shows as its two tables (``_repr_html_``).
    """

    targets: pd.DataFrame
    rules: pd.DataFrame
    repairs: list[Repair] = field(default_factory=list)
    conflicts: gpd.GeoDataFrame | None = None
    #: One line per target found by its name (``name_zh``) rather than its id.
    matches: list[str] = field(default_factory=list)
    #: The layers as checked (EPSG:4326, ids as text), by name; not rendered. A mapping that
    #: may move a layer to lon/lat only when it is read (``spatial.checks.prepare.LonLatLayers``).
    layers: Mapping[str, Any] = field(default_factory=dict, repr=False)
    #: By table (``targets``, ``rules``, ``conflicts``), its id columns under the planner's
    #: names in every rendering (``id`` as ``DYBH``): ``OutputFrame.ids``; the tables keep ``id``.
    table_ids: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    #: The conflicts table split by the land-use class each conflict lies on, when a
    #: land-use layer is known (:func:`spatial.review.occupied.conflicts_by_landuse`);
    #: None: by zone and the constraint's (or zones') class only.
    conflicts_by_landuse: pd.DataFrame | None = field(default=None, repr=False)
    #: What ``class_code`` of the conflicts holds (``the zones' class YDYHFLDM``, ``the
    #: constraint's class YDYHFLDM``), as the command knows it; None: said as ``class``.
    conflict_class: str | None = field(default=None, repr=False)
    #: The conflict pieces cut by the land-use class they lie on, the class in the land
    #: use's own field (``YDYHFLDM``): what ``--conflicts-out`` and ``findings.gpkg`` write
    #: (:func:`spatial.review.occupied.pieces_by_landuse`); None without a land-use layer.
    conflict_pieces_by_landuse: gpd.GeoDataFrame | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        """True when every target and every rule row is PASS."""
        return bool((self.targets["status"] == PASS).all() and (self.rules["status"] == PASS).all())

    @property
    def notes(self) -> dict[str, str]:
        """The reason of each failed target, by target id."""
        failed = self.targets[self.targets["status"] == FAIL]
        return dict(zip(failed["id"], failed["reason"], strict=True))

    @property
    def failures(self) -> list[str]:
        """One line per failed target or rule row, naming the feature (controls escaped)."""
        lines = [
            f"target {row.id}: {row.reason}"
            for row in self.targets[self.targets["status"] == FAIL].itertuples()
        ]
        lines += [
            f"rule {row.rule}: {row.id}: {row.reason}"
            for row in self.rules[self.rules["status"] == FAIL].itertuples()
        ]
        return [printable(line) for line in lines]

    def _named(self, name: str, table: pd.DataFrame, fmt: str) -> pd.DataFrame:
        """Return ``table`` with its id columns under the planner's names (:attr:`table_ids`)."""
        return planner_ids(table, self.table_ids.get(name, {}), fmt)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        """Return ``{"targets": [...], "rules": [...]}``, rows as JSON-ready dicts (NaN -> None).

        With constraints, ``conflicts`` (the pieces); with a land-use layer that
        split them (:attr:`conflicts_by_landuse`), ``conflicts_by_landuse`` too:
        the rows the terminal and Markdown print, m², ha and 亩. An id column
        read from a planner's field keeps its key (``id``, ``landuse_class``)
        and has the field beside it (``DYBH``, ``YDYHFLDM``), as
        :attr:`table_ids` says.
        """
        out = {
            "targets": records(self._named("targets", self.targets, "json")),
            "rules": records(self._named("rules", self.rules, "json")),
        }
        if self.conflicts is not None:
            out["conflicts"] = records(self._named("conflicts", self._conflict_table(), "json"))
        if self.conflicts_by_landuse is not None:  # the split table the terminal prints
            split = self._named("conflicts", self.conflicts_by_landuse, "json")
            out["conflicts_by_landuse"] = records(split)
        return out

    def _conflict_table(self) -> pd.DataFrame:
        """Return the conflict pieces without geometry (one row per piece, m², ha, 亩).

        ``synthetic`` only when an input marks example data (示例数据), as the
        conflicts layer is written (:func:`spatial.synthetic.marked_only`).
        """
        table = marked_only(pd.DataFrame(self.conflicts))
        return table.drop(columns=[c for c in ("geometry",) if c in table.columns])

    def _conflicts_by_class(self) -> pd.DataFrame:
        """Occupied (or outside) area per constraint, zone and class: each place once.

        ``area_m2`` (ha, 亩) reconciled so that a zone's rows add up to its rule
        figure; ``area_raw_m2`` as measured (see :mod:`spatial.measure.reconcile`).
        With a land-use layer (:attr:`conflicts_by_landuse`), each such row split
        by the land-use class it lies on (``landuse_class``, ``landuse_name``),
        the split rows adding up to the row's ``area_m2`` exactly.
        """
        if self.conflicts_by_landuse is not None:
            return self.conflicts_by_landuse
        table = self._conflict_table()
        keys = ["constraint", "zone_id", "class_code"]
        figures = ["area_m2", "area_ha", "area_mu"]
        figures += [c for c in ("area_raw_m2",) if c in table.columns]
        grouped = (
            table.assign(class_code=table["class_code"].fillna("-"))
            .groupby(keys, sort=False, dropna=False)[figures]
            .sum()
        )
        return grouped.reset_index()

    def _conflicts_head(self) -> str:
        """Return what the conflicts table is by: zone, and the class ``class_code`` holds.

        ``by zone and land-use class (split by the land-use layer's class)`` with a
        land-use layer; ``by zone and the constraint's class YDYHFLDM`` when the
        class is the constraint land's own (:attr:`conflict_class`); ``by zone``
        when no conflict has a class.
        """
        if self.conflicts_by_landuse is not None:
            return "by zone and land-use class (split by the land-use layer's class)"
        if self._conflict_table()["class_code"].isna().all():
            return "by zone"
        return f"by zone and {self.conflict_class or 'class'}"

    def _largest_adjustment(self) -> str:
        """One line: the largest adjustment of a zone's pieces to its figure, m² and relative."""
        table = self._conflict_table()
        if "largest_adjustment_m2" not in table.columns or not len(table):
            return ""
        at = int(np.argmax(table["largest_adjustment_m2"].to_numpy(dtype=float)))
        row = table.iloc[at]
        whole = f"{row['zone_id']}'s {row['constraint']} figure"
        return (
            f"pieces reconciled to each zone's figure (spatial.measure.reconcile): largest "
            f"adjustment {row['largest_adjustment_m2']:.6f} m² "
            f"({row['largest_adjustment_rel']:.2e} of {whole})"
        )

    def summary(self) -> str:
        """One line: how many targets and rule checks passed; none judged said as such.

        Examples
        --------
        >>> import pandas as pd
        >>> rules = pd.DataFrame({"status": ["PASS", "FAIL", "PASS"]})
        >>> CheckReport(pd.DataFrame({"status": []}), rules).summary()
        'FAILED: targets: none (no plan), 2/3 rule checks PASS'
        """
        n_t, n_r = len(self.targets), len(self.rules)
        ok_t = int((self.targets["status"] == PASS).sum())
        ok_r = int((self.rules["status"] == PASS).sum())
        verdict = "all pass" if self.passed else "FAILED"
        targets = f"{ok_t}/{n_t} targets PASS" if n_t else "targets: none (no plan)"
        rules = f"{ok_r}/{n_r} rule checks PASS" if n_r else "rules: none"
        return f"{verdict}: {targets}, {rules}"

    def _repr_html_(self) -> str:
        """Show the report in a notebook: the verdict, the failures, then the two tables."""
        import html  # noqa: PLC0415

        def cell(v: float) -> str:
            return number_text(v, 4)

        failures = "".join(f"<li>{html.escape(line)}</li>" for line in self.failures)
        matches = "".join(f"<li>{html.escape(line)}</li>" for line in self.matches)
        return (
            f"<p><b>{html.escape(self.summary())}</b></p>"
            + (f"<ul>{failures}</ul>" if failures else "")
            + (f"<p>Matched by name:</p><ul>{matches}</ul>" if matches else "")
            + "<h4>Area targets</h4>"
            + self.targets.to_html(index=False, na_rep="-", float_format=cell)
            + "<h4>Spatial rules</h4>"
            + self.rules.to_html(index=False, na_rep="-", float_format=cell)
        )

    def sheets(self) -> dict[str, pd.DataFrame]:
        """Return the report as tables for a workbook: ``targets`` and ``rules``."""
        return {
            "targets": self._named("targets", self.targets, "xlsx"),
            "rules": self._named("rules", _with_measured(self.rules), "xlsx"),
        }

    def render(self, fmt: str = "table") -> str:
        """Render the report as ``table``, ``csv``, ``json`` or ``markdown`` text.

        JSON is ``{"targets": [...], "rules": [...]}``; CSV (and every format of
        rows, TSV) is one table whose
        ``table`` column says ``target`` or ``rule`` (columns of the other kind
        left empty); table and Markdown show the two tables one after the other,
        then the failures, one line each.
        """
        if fmt == "json":
            return format_json(self.to_dict())
        if table_format(fmt).kind == "rows":  # CSV, TSV: one table of rows
            rules = _with_measured(self.rules)
            both = pd.concat(
                [self.targets.assign(table="target"), rules.assign(table="rule")],
                ignore_index=True,
            )
            columns = [
                "table",
                *TARGET_COLUMNS,
                *(c for c in rules.columns if c not in TARGET_COLUMNS),
            ]
            names = {**self.table_ids.get("rules", {}), **self.table_ids.get("targets", {})}
            return format_frame(planner_ids(both[columns], names, fmt), fmt)
        if fmt == "markdown":
            return self._render_text(fmt, format_markdown, "## ", "- ")
        if fmt == "table":
            return self._render_text(fmt, format_table, "", "  ")
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")

    def _render_text(
        self, fmt: str, table: Callable[[pd.DataFrame], str], head: str, bullet: str
    ) -> str:
        rules = _with_measured(self.rules).assign(
            limit=[
                limit_text(b, float(v), str(u))
                for b, v, u in zip(
                    self.rules["bound"], self.rules["limit"], self.rules["unit"], strict=True
                )
            ]
        )[["rule", "id", "other_id", "measure", MEASURED, "limit", "status"]]
        parts = [
            f"{head}Area targets",
            "",
            table(self._named("targets", self.targets.drop(columns="reason"), fmt)),
            "",
            f"{head}Spatial rules",
            "",
            table(self._named("rules", rules, fmt)),
            "",
            self.summary(),
        ]
        parts += [f"{bullet}{line}" for line in self.failures]
        if self.conflicts is not None and len(self.conflicts):
            parts += [
                "",
                f"{head}Constraint conflicts {self._conflicts_head()}",
                "",
                table(
                    self._named("conflicts", without_blank_class(self._conflicts_by_class()), fmt)
                ),
                self._largest_adjustment(),
            ]
            if self.conflicts_by_landuse is not None:  # the class rows' own line, as computed
                parts.append(str(self.conflicts_by_landuse.attrs.get("largest_adjustment", "")))
        return "\n".join(parts) + "\n"
