"""What the review's pages show: the report's sections, the map's layers, each zone's atlas tables.

Built from the tables :mod:`spatial.commands.review` computed; nothing is
computed again. The sections follow issue 21's order: area targets, rules,
三区三线 conflicts per zone and class (m², ha, 亩), the 用地平衡表 per zone with its
subtotals, the changes since each previous version, the quality findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from spatial.checked.provenance import LayerProvenance, LayerRead, layer_provenance
from spatial.checked.report import without_blank_class as _shown
from spatial.checked.snapshot import PlanSnapshot
from spatial.publish.review_report import ReviewSection
from spatial.publish.sheet import PREVIOUS, TARGET_ID, TARGET_NAME, targets_frame
from spatial.review.diff import LayerDiff
from spatial.review.occupied import largest_adjustment

if TYPE_CHECKING:
    from spatial.export.frame import OutputFrame

__all__ = [
    "map_layers",
    "namer",
    "other_layers",
    "plan_units",
    "rules_shown",
    "sections",
    "zone_tables",
]

_BALANCE_SHOWN = ["class_code", "class_name", "area_m2", "area_ha", "area_mu", "share_of_zone"]
_CONSTRUCTION = "construction_land"


#: ``named(table name, table)``: a table as the pages show it, its ids under the planner's fields.
Named = Callable[[str, pd.DataFrame], pd.DataFrame]


def _rows(table: pd.DataFrame, column: str, value: object) -> pd.DataFrame:
    return table[table[column].astype(str) == str(value)]


def namer(frame: OutputFrame | None) -> Named:
    """Return how the pages name a table's columns: as ``frame`` writes the terminal table.

    The one helper the terminal, CSV and the workbook use
    (:meth:`~spatial.export.frame.OutputFrame.table`): ``id``/``zone_id`` as the
    planner's id field (``DYBH``), ``name_zh`` as their name field (``DYMC``),
    ``synthetic`` only on example data. Without a frame, tables as they are.
    """
    if frame is None:
        return lambda name, table: table
    return lambda name, table: frame.table(name, table, "table")


def _plan_units(snapshot: PlanSnapshot, named: Named, zone_id: str | None = None) -> pd.DataFrame:
    """Return the targets in the plan's units, id and name under the planner's fields (``DYBH``).

    The headers are those ``named`` gives the targets table (:func:`namer`), so
    the page's two target tables name a zone alike; ``编号 ID``/``名称 Name`` where
    the planner's layers give no field of their own.
    """
    ids = named("targets", pd.DataFrame(columns=["id", "name_zh"])).columns
    id_header = TARGET_ID if ids[0] == "id" else str(ids[0])
    name_header = TARGET_NAME if ids[1] == "name_zh" else str(ids[1])
    return targets_frame(snapshot, zone_id, id_header=id_header, name_header=name_header)


def plan_units(snapshot: PlanSnapshot, frame: OutputFrame | None = None) -> pd.DataFrame:
    """Return the area targets in the plan's units, named as ``frame`` names the targets table."""
    return _plan_units(snapshot, namer(frame))


def _conflicts(tables: Mapping[str, pd.DataFrame], named: Named) -> ReviewSection:
    title = "三区三线冲突 Conflicts with 三区三线 (per zone and class; m², ha, 亩)"
    if "conflicts" not in tables:
        return ReviewSection(
            "conflicts", title, notes=("未给出 no --constraint or --within given",)
        )
    by_class, pieces = _shown(tables["conflicts"]), _shown(tables["conflict_pieces"])
    return ReviewSection(
        "conflicts",
        title,
        (
            ("按分区与用地类别 By zone and class", named("conflicts", by_class)),
            ("冲突图斑 Conflict pieces", named("conflict_pieces", pieces)),
        ),
        ("每处只计一次；各分区图斑平差至规则数值 each place counted once; a zone's pieces add up "
         "to its rule figure", *_by_landuse_note(tables["conflicts"])),
    )  # fmt: skip


def _by_landuse_note(conflicts: pd.DataFrame) -> tuple[str, ...]:
    """Return the note of a conflicts table split by land-use class (none otherwise)."""
    if "landuse_class" not in conflicts.columns:
        return ()
    return (
        "按用地现状分类拆分：在用地图层自身坐标系中切割，各类面积按比例平差，合计等于该冲突面积 "
        "split by the land-use layer's class, cut in its own frame; each conflict's class rows "
        "add up to its m² exactly (spatial.measure.reconcile); 未覆盖: the part on no parcel",
        largest_adjustment(conflicts),
    )


def _balance_columns(balance: pd.DataFrame) -> list[str]:
    shown = list(_BALANCE_SHOWN)
    if balance[_CONSTRUCTION].notna().any():
        shown.insert(2, _CONSTRUCTION)
    return shown


def _balance(tables: Mapping[str, pd.DataFrame], named: Named) -> ReviewSection:
    title = "用地平衡表 Land-use balance (per zone; m², ha, 亩)"
    if "balance" not in tables:
        return ReviewSection("balance", title, notes=("未给出 no --landuse given",))
    balance, totals = tables["balance"], tables["balance_totals"]
    parts: list[tuple[str, pd.DataFrame]] = []
    for zone_id in dict.fromkeys(balance["zone_id"]):
        label = "全部 whole layer" if zone_id is None else f"分区 Zone {zone_id}"
        parts.append((label, _rows(balance, "zone_id", zone_id)[_balance_columns(balance)]))
        subtotals = named("balance_totals", _rows(totals, "zone_id", zone_id))
        parts.append((f"{label}: 小计与合计 subtotals", subtotals))
    adjustment = named("balance_adjustment", tables["balance_adjustment"])
    parts.append(("平差 Reconciled to each zone's area", adjustment))
    notes = () if balance[_CONSTRUCTION].notna().any() else (
        "建设用地小计需给出 --construction CODES the construction-land subtotal needs "
        "--construction (the classification data carry no such flag)",
    )  # fmt: skip
    return ReviewSection("balance", title, tuple(parts), notes)


def _changes(
    tables: Mapping[str, pd.DataFrame], changes: Mapping[str, LayerDiff], named: Named
) -> ReviewSection:
    title = "版本变化 Changes since the previous version (调入/调出, m²)"
    if not changes:
        return ReviewSection("changes", title, notes=("未给出 no --previous given",))
    parts = [("各状态要素数与调入/调出 Statuses and 调入/调出", tables["changes"])]
    for layer in changes:
        features = tables[f"changes_{layer}"]
        changed = features[features["status"] != "unchanged"]
        parts.append((f"{layer}: 变化要素 features changed", named(f"changes_{layer}", changed)))
        if f"matrix_{layer}" in tables:
            matrix = tables[f"matrix_{layer}"]  # each to-class shown with its unit, m²
            shown = matrix.rename(columns=lambda c: c if c == "from_class" else f"{c}_m2")
            parts.append((f"{layer}: 类别转移矩阵 from class x to class (m²)", shown))
        if f"status_targets_{layer}" in tables:  # spatial diff's status tables
            targets = named(f"status_targets_{layer}", tables[f"status_targets_{layer}"])
            rules = named(f"status_rules_{layer}", tables[f"status_rules_{layer}"])
            parts.append((f"{layer}: 状态变化的目标 targets whose status changed", targets))
            parts.append((f"{layer}: 状态变化的规则 rules whose status changed", rules))
    return ReviewSection("changes", title, tuple(parts))


def _quality(tables: Mapping[str, pd.DataFrame]) -> list[ReviewSection]:
    if "qc_summary" not in tables:
        return []
    parts = (("规则 Rules run", tables["qc_summary"]), ("问题 Findings", tables["qc_findings"]))
    return [ReviewSection("qc", "成果质检 Quality findings", parts)]


def _targets(
    tables: Mapping[str, pd.DataFrame], named: Named, snapshot: PlanSnapshot | None
) -> ReviewSection:
    """Return the targets section: in the plan's units (the atlas's table), then check's figures."""
    checked = named("targets", tables["targets"])
    if snapshot is None or not len(checked):
        return ReviewSection("targets", "面积目标 Area targets", (("", checked),))
    parts = (
        ("按规划所给单位 In the plan's units", _plan_units(snapshot, named)),
        ("核查数值 As spatial check gives them (km², CGCS2000 ellipsoidal)", checked),
    )
    return ReviewSection("targets", "面积目标 Area targets", parts)


def rules_shown(rules: pd.DataFrame) -> pd.DataFrame:
    """Return the rule table as the pages show it: each value in its limit's unit, as check prints.

    ``measured`` (:func:`spatial.checked.report.measured_text`: ``4.0 m²``) in
    place of the raw ``value`` (km², m or a count) and its ``unit``; ``limit``
    as text with its bound (``≤ 1 m²``). ``tables.json`` keeps the raw figures.
    """
    from spatial.checked.report import MEASURED, measured_text  # noqa: PLC0415
    from spatial.publish.figures import limit_text  # noqa: PLC0415

    values, limits, units = rules["value"], rules["limit"], rules["unit"]
    measured = [
        measured_text(float(v), float(lim), str(u))
        for v, lim, u in zip(values, limits, units, strict=True)
    ]
    limit = [
        "-" if pd.isna(lim) else limit_text(b, float(lim), str(u))
        for b, lim, u in zip(rules["bound"], limits, units, strict=True)
    ]
    shown = rules.drop(columns=["value", "bound", "unit"]).assign(limit=limit)
    shown.insert(list(shown.columns).index("measure") + 1, MEASURED, measured)
    return shown


def sections(
    tables: Mapping[str, pd.DataFrame],
    changes: Mapping[str, LayerDiff],
    frame: OutputFrame | None = None,
    snapshot: PlanSnapshot | None = None,
) -> list[ReviewSection]:
    """Return the report's sections after the verdict, in order.

    Tables are named as ``frame`` writes them (:func:`namer`: ``DYBH``, ``DYMC``);
    with ``snapshot``, the targets are shown first in the plan's units (``2,000 亩``).
    """
    named = namer(frame)
    rules = named("rules", rules_shown(tables["rules"]))
    return [
        _targets(tables, named, snapshot),
        ReviewSection("rules", "空间规则 Spatial rules", (("", rules),)),
        _conflicts(tables, named),
        _balance(tables, named),
        _changes(tables, changes, named),
        *_quality(tables),
    ]


#: The review's map draws a land use of at most this many features (GeoJSON, below the
#: map's tiling threshold); a larger one is listed, and left to ``spatial map --layer``.
MAP_LANDUSE_MAX = 50_000


@dataclass(frozen=True)
class LandUse:
    """The land use the review read (``--landuse``): its file, its features, its class field."""

    path: str
    layer: gpd.GeoDataFrame
    class_field: str | None = None

    @property
    def drawn(self) -> bool:
        """Whether the review's map draws it (at most :data:`MAP_LANDUSE_MAX` features)."""
        return 0 < len(self.layer) <= MAP_LANDUSE_MAX

    @property
    def note(self) -> str:
        """Return the line under the map when the land use is too large for it, else ''."""
        if self.drawn or not len(self.layer):
            return ""
        return (
            f"用地 land use ({Path(self.path).name}) not drawn: {len(self.layer):,} features, "
            f"more than {MAP_LANDUSE_MAX:,}; draw it with spatial map --layer landuse=PATH"
        )


def map_layers(
    snapshot: PlanSnapshot,
    changes: Mapping[str, LayerDiff],
    findings: gpd.GeoDataFrame | None,
    landuse: LandUse | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Return the review map's layers: the plan's, land use, conflicts, changes, findings.

    Named by their web-map style: ``landuse`` (beneath the plan, coloured by its
    class field), ``conflicts``, ``diff_pieces`` (the first layer's changes;
    another layer's go by ``diff_pieces_<layer>``), ``qc_findings``.
    """
    layers = dict(snapshot.drawn)
    if landuse is not None and landuse.drawn:  # first of the planner's: the lowest pane
        layers = {"landuse": landuse.layer, **layers}
    conflicts = snapshot.report.conflicts
    if conflicts is not None and len(conflicts):
        layers["conflicts"] = conflicts
    for i, (layer, diff) in enumerate(changes.items()):
        if len(diff.pieces):
            layers["diff_pieces" if i == 0 else f"diff_pieces_{layer}"] = diff.pieces
    if findings is not None:
        drawn = findings[findings.geometry.notna() & ~findings.geometry.is_empty]
        if len(drawn):
            layers["qc_findings"] = drawn
    return layers


def zone_tables(
    snapshot: PlanSnapshot,
    tables: Mapping[str, pd.DataFrame],
    frame: OutputFrame | None = None,
) -> dict[str, Sequence[tuple[str, pd.DataFrame]]]:
    """Return each zone's tables for its atlas page, by zone id, in the zones' order.

    Tables are named as ``frame`` writes them (:func:`namer`: ``DYBH``, ``DYMC``).
    """
    named = namer(frame)
    zones = snapshot.report.layers.get("zones")
    ids = [] if zones is None else [str(i) for i in zones["id"]]
    pages: dict[str, Sequence[tuple[str, pd.DataFrame]]] = {}
    for zone_id in ids:
        parts = [("面积目标 Area target", _plan_units(snapshot, named, zone_id))]  # plan's unit
        if "balance" in tables:
            balance = tables["balance"]
            rows = _rows(balance, "zone_id", zone_id)[_balance_columns(balance)]
            parts.append(("用地平衡表 Land-use balance", rows))
            subtotals = _rows(tables["balance_totals"], "zone_id", zone_id)
            parts.append(("小计与合计 Subtotals", named("balance_totals", subtotals)))
        if "conflicts" in tables:
            conflicts = _rows(_shown(tables["conflicts"]), "zone_id", zone_id)  # as the page
            parts.append(("三区三线冲突 Conflicts", named("conflicts", conflicts)))
        pages[zone_id] = parts
    return pages


def other_layers(
    landuse: LandUse | None, changes: Mapping[str, LayerDiff], read: Sequence[LayerRead]
) -> list[LayerProvenance]:
    """Return the layers the review read besides the plan's: the land use, each previous version.

    Each with its accuracy and sources (its own ``accuracy``/``source`` fields:
    :func:`~spatial.checked.provenance.layer_provenance`); a previous version
    (``previous_landuse``) named by the file ``read`` lists for it, as compared.
    """
    layers: dict[str, gpd.GeoDataFrame] = {}
    files: dict[str, str] = {}
    if landuse is not None:
        layers["landuse"], files["landuse"] = landuse.layer, landuse.path
    paths = {r.role: r.path for r in read}
    for layer, diff in changes.items():
        role = f"{PREVIOUS}{layer}"
        layers[role] = diff.compared[0]
        if role in paths:
            files[role] = paths[role]
    return layer_provenance(layers, files)
