"""Checks of the plan's layers against its area targets and spatial rules.

Two tables come out of a check:

* **targets**: for every area target of ``seeds/plan.toml``, the measured
  ellipsoidal area of its feature beside the target, with PASS when it lies within
  the target's tolerance (约 = "about": ±5% unless the target says otherwise);
* **rules**: for every rule of ``seeds/rules.toml`` and every feature it applies to,
  the measured figure (area outside the district, largest overlap with any one
  other feature, area in the corridor band, distance to the avenue or to the
  assigned zone) against the rule's limit.

Rule rows have the columns of :data:`RULE_COLUMNS`: ``rule`` (the rule's id),
``kind``, ``id`` (the feature checked), ``other_id`` (what it was checked
against), ``measure`` (what was measured), ``value`` in ``unit`` (``km2``
ellipsoidal, or ``m`` in the Gauss–Krüger zone), ``bound`` (``max`` or ``min``)
and ``limit`` in the same unit, ``status`` (PASS or FAIL) and ``reason`` (why a
row failed, or a note).

Examples
--------
>>> report = run_checks()
>>> report.passed
True
>>> report.targets[["id", "target_km2", "status"]].head(2)
          id  target_km2 status
0  zone-kcxz        15.0   PASS
1  zone-szjj        10.0   PASS
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial._validity import prepare_valid
from spatial.area import (
    M2_PER_KM2,
    ellipsoidal_area_m2,
    planar_area_m2,
)
from spatial.crs import WGS84, align_crs, gk_zone_crs_for
from spatial.errors import CRSError, LayerError, printable
from spatial.layers import LAYER_GEOMETRY, load_plan_layers
from spatial.overlay import require_geometry
from spatial.plan import Rule, Target, load_rules, load_targets
from spatial.report import FORMATS, format_csv, format_json, format_markdown, format_table, records

__all__ = [
    "RULE_COLUMNS",
    "TARGET_COLUMNS",
    "CheckReport",
    "check_rules",
    "check_targets",
    "prepare_layers",
    "run_checks",
]

#: Columns of the target table, in order.
TARGET_COLUMNS = [
    "id",
    "name_zh",
    "target_km2",
    "measured_km2",
    "planar_km2",
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

PASS, FAIL = "PASS", "FAIL"


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
        return [printable(line) for line in lines]

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


# ---------------------------------------------------------------- targets


def _target_row(target: Target, layer: gpd.GeoDataFrame, id_col: str) -> tuple[dict, str]:
    matches = layer[layer[id_col] == target.id]
    row = {
        "id": target.id,
        "name_zh": target.name_zh,
        "target_km2": target.target_km2,
        "measured_km2": np.nan,
        "planar_km2": np.nan,
        "diff_km2": np.nan,
        "diff_pct": np.nan,
        "status": FAIL,
    }
    if len(matches) != 1:
        problem = "not found in the layer" if matches.empty else f"id appears {len(matches)} times"
        return row, problem
    measured_km2 = float(ellipsoidal_area_m2(matches)[0]) / M2_PER_KM2
    diff_km2 = measured_km2 - target.target_km2
    diff_pct = 100.0 * diff_km2 / target.target_km2
    row |= {
        "measured_km2": measured_km2,
        "planar_km2": float(planar_area_m2(matches)[0]) / M2_PER_KM2,
        "diff_km2": diff_km2,
        "diff_pct": diff_pct,
        "status": PASS if abs(diff_pct) <= target.tolerance_pct else FAIL,
    }
    reason = (
        ""
        if row["status"] == PASS
        else (
            f"{measured_km2:.4f} km² is {diff_pct:+.2f}% "
            f"from {target.target_km2:g} km² "
            f"(tolerance ±{target.tolerance_pct:g}%)"
        )
    )
    return row, reason


def check_targets(
    zones: gpd.GeoDataFrame, targets: Iterable[Target], id_col: str = "id"
) -> pd.DataFrame:
    """Compare each target with the ellipsoidal area of its feature in ``zones``.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        The layer holding the targets' features, with a CRS.
    targets : iterable of Target
        The targets (see :func:`spatial.plan.load_targets`), matched by id.
    id_col : str
        Column identifying the features.

    Returns
    -------
    pandas.DataFrame
        Columns exactly :data:`TARGET_COLUMNS`: ``target_km2``, ``measured_km2``
        (ellipsoidal, GRS80), ``planar_km2`` (Gauss–Krüger cross-check),
        ``diff_km2`` (measured minus target), ``diff_pct`` (of the target),
        ``status`` PASS when ``|diff_pct|`` is within the target's tolerance.
        A target whose feature is missing or repeated is FAIL with NaN figures;
        the reason is in ``attrs["reasons"]`` (target id -> text).

    Examples
    --------
    >>> from spatial.layers import bundled_layer_path, read_layer
    >>> zones = read_layer(bundled_layer_path("zones"))
    >>> table = check_targets(zones, load_targets())
    >>> row = table.set_index("id").loc["zone-cjrh"]
    >>> float(row["target_km2"]), round(float(row["measured_km2"]), 3), row["status"]
    (20.0, 20.0, 'PASS')
    >>> check_targets(zones.iloc[1:], load_targets()[:1]).attrs["reasons"]
    {'zone-kcxz': 'not found in the layer'}
    """
    if zones.crs is None:
        raise CRSError("zones: the layer carries no CRS; areas cannot be measured")
    if id_col not in zones.columns:
        raise LayerError(f"zones: no id column {id_col!r}")
    rows, reasons = [], {}
    for target in targets:
        row, reason = _target_row(target, zones, id_col)
        rows.append(row)
        if row["status"] == FAIL:
            reasons[target.id] = reason
    table = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    table.attrs["reasons"] = reasons
    return table


# ---------------------------------------------------------------- rules


def _row(rule: Rule, feature_id: str, **values: Any) -> dict[str, Any]:
    row = {
        "rule": rule.id,
        "kind": rule.kind,
        "id": feature_id,
        "other_id": "",
        "measure": "",
        "value": np.nan,
        "bound": "",
        "limit": np.nan,
        "unit": "",
        "reason": "",
    }
    row |= values
    if "status" not in row:
        ok = row["value"] <= row["limit"] if row["bound"] == "max" else row["value"] >= row["limit"]
        row["status"] = PASS if ok else FAIL
    return row


def _missing_row(rule: Rule, feature_id: str, reason: str) -> dict[str, Any]:
    return _row(rule, feature_id, status=FAIL, reason=reason)


def _features(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule
) -> tuple[dict[str, shapely.Geometry], list[str]]:
    """Return the rule's features as {id: geometry}, and the ids it names that are missing."""
    layer = layers.get(rule.layer)
    if layer is None:
        return {}, list(rule.ids or [f"(layer {rule.layer})"])
    geoms = dict(zip(layer["id"], layer.geometry, strict=True))
    wanted = list(rule.ids) if rule.ids is not None else list(geoms)
    return {i: geoms[i] for i in wanted if i in geoms}, [i for i in wanted if i not in geoms]


def _find(layers: Mapping[str, gpd.GeoDataFrame], layer_name: str, feature_id: str):
    layer = layers.get(layer_name)
    if layer is None:
        return None
    found = layer.geometry[layer["id"] == feature_id]
    return found.iloc[0] if len(found) == 1 else None


def _km2(geom: shapely.Geometry) -> float:
    return float(ellipsoidal_area_m2(gpd.GeoSeries([geom], crs=WGS84))[0]) / M2_PER_KM2


def _gk(layers: Mapping[str, gpd.GeoDataFrame]) -> CRS | None:
    """Return the Gauss–Krüger zone of all layers; None when no layer has a feature."""
    try:
        return gk_zone_crs_for(*layers.values())
    except CRSError:
        return None


def _dist_m(a: shapely.Geometry, b: shapely.Geometry, gk: CRS) -> float:
    projected = gpd.GeoSeries([a, b], crs=WGS84).to_crs(gk)
    return float(projected.iloc[0].distance(projected.iloc[1]))


def _missing_rows(rule: Rule, missing: list[str]) -> list[dict[str, Any]]:
    return [_missing_row(rule, i, f"{i} not found in layer {rule.layer}") for i in missing]


def _within_district(layers, rule: Rule, gk: CRS) -> list[dict[str, Any]]:
    features, missing = _features(layers, rule)
    p = rule.params
    district = _find(layers, p["district_layer"], p["district_id"])
    if district is None:
        reason = f"district {p['district_id']} not found in layer {p['district_layer']}"
        return [_missing_row(rule, i, reason) for i in [*features, *missing]]
    limit_km2 = p["max_outside_m2"] / M2_PER_KM2
    rows = [
        _row(
            rule,
            fid,
            other_id=p["district_id"],
            measure="area outside",
            value=_km2(shapely.difference(geom, district)),
            bound="max",
            limit=limit_km2,
            unit="km2",
        )
        for fid, geom in features.items()
    ]
    for row in rows:
        if row["status"] == FAIL:
            row["reason"] = f"{row['value']:.4f} km² lies outside {p['district_id']}"
    return rows + _missing_rows(rule, missing)


def _nesting_rows(rule: Rule, features: dict, limit_km2: float) -> list[dict[str, Any]]:
    rows = []
    for inner, outer in rule.params["allowed_nesting"]:
        if inner not in features or outer not in features:
            continue
        outside = _km2(shapely.difference(features[inner], features[outer]))
        row = _row(
            rule,
            inner,
            other_id=outer,
            measure="area outside outer (declared nesting)",
            value=outside,
            bound="max",
            limit=limit_km2,
            unit="km2",
        )
        if row["status"] == FAIL:
            row["reason"] = f"declared nested in {outer} but {outside:.4f} km² lies outside it"
        rows.append(row)
    return rows


def _pair_overlaps_km2(features: dict, allowed: set[frozenset]) -> dict[frozenset, float]:
    """Overlap area (km²) of every pair of features not declared nested, each pair once."""
    ids = list(features)
    return {
        frozenset((a, b)): _km2(shapely.intersection(features[a], features[b]))
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
        if frozenset((a, b)) not in allowed
    }


def _no_overlap(layers, rule: Rule, gk: CRS) -> list[dict[str, Any]]:
    """One row per feature: its largest overlap with any one other feature, against the limit.

    The limit applies per pair: a feature fails when it overlaps some other
    feature by more than ``max_overlap_m2``; ``value`` is its largest overlap
    with one other feature, so status, ``other_id`` (every feature it overlaps
    by more than the limit) and ``reason`` all follow from the same figures.
    """
    features, missing = _features(layers, rule)
    allowed = {frozenset(pair) for pair in rule.params["allowed_nesting"]}
    limit_km2 = rule.params["max_overlap_m2"] / M2_PER_KM2
    pairs = _pair_overlaps_km2(features, allowed)
    rows = []
    for fid in features:
        shared = {o: a for pair, a in pairs.items() if fid in pair for o in pair - {fid}}
        hit = {o: a for o, a in shared.items() if a > limit_km2}
        row = _row(
            rule,
            fid,
            other_id=", ".join(hit),
            measure="largest overlap with one feature",
            value=max(shared.values(), default=0.0),
            bound="max",
            limit=limit_km2,
            unit="km2",
        )
        if row["status"] == FAIL:
            row["reason"] = "overlaps " + ", ".join(f"{o} by {a:.4f} km²" for o, a in hit.items())
        rows.append(row)
    return rows + _nesting_rows(rule, features, limit_km2) + _missing_rows(rule, missing)


def _meets_corridor(layers, rule: Rule, gk: CRS) -> list[dict[str, Any]]:
    features, missing = _features(layers, rule)
    p = rule.params
    band = _find(layers, p["corridor_layer"], p["band_id"])
    if band is None:
        reason = f"band {p['band_id']} not found in layer {p['corridor_layer']}"
        return [_missing_row(rule, i, reason) for i in [*features, *missing]]
    limit_km2 = p["min_in_band_m2"] / M2_PER_KM2
    rows = []
    for fid, geom in features.items():
        row = _row(
            rule,
            fid,
            other_id=p["band_id"],
            measure="area in band",
            value=_km2(shapely.intersection(geom, band)),
            bound="min",
            limit=limit_km2,
            unit="km2",
        )
        if row["status"] == FAIL:
            row["reason"] = f"only {row['value']:.4f} km² within {p['band_id']}"
        rows.append(row)
    return rows + _missing_rows(rule, missing)


def _within_reach(layers, rule: Rule, gk: CRS) -> list[dict[str, Any]]:
    features, missing = _features(layers, rule)
    p = rule.params
    avenue = _find(layers, p["corridor_layer"], p["avenue_id"])
    if avenue is None:
        reason = f"avenue {p['avenue_id']} not found in layer {p['corridor_layer']}"
        return [_missing_row(rule, i, reason) for i in [*features, *missing]]
    rows = []
    for fid, geom in features.items():
        row = _row(
            rule,
            fid,
            other_id=p["avenue_id"],
            measure="distance to avenue",
            value=_dist_m(geom, avenue, gk),
            bound="max",
            limit=float(p["reach_m"]),
            unit="m",
        )
        if row["status"] == FAIL:
            row["reason"] = f"{row['value']:.0f} m from {p['avenue_id']}, beyond {p['reach_m']:g} m"
        rows.append(row)
    return rows + _missing_rows(rule, missing)


def _assigned_polygon(layers, rule: Rule, assigned: str):
    for name in rule.params["target_layers"]:
        geom = _find(layers, name, assigned)
        if geom is not None:
            return geom
    return None


def _platform_in_assigned(layers, rule: Rule, gk: CRS) -> list[dict[str, Any]]:
    features, missing = _features(layers, rule)
    layer = layers[rule.layer] if rule.layer in layers else None
    prop = rule.params["assigned_property"]
    rows = []
    for fid, geom in features.items():
        values = layer.loc[layer["id"] == fid, prop] if prop in layer.columns else pd.Series([])
        assigned = values.iloc[0] if len(values) and isinstance(values.iloc[0], str) else ""
        polygon = _assigned_polygon(layers, rule, assigned) if assigned else None
        if polygon is None:
            reason = (
                f"{prop} {assigned!r} not found in {', '.join(rule.params['target_layers'])}"
                if assigned
                else f"no {prop} property"
            )
            rows.append(_missing_row(rule, fid, reason) | {"other_id": assigned})
            continue
        inside = bool(shapely.covers(polygon, geom))
        row = _row(
            rule,
            fid,
            other_id=assigned,
            measure="distance to assigned",
            value=0.0 if inside else _dist_m(geom, polygon, gk),
            bound="max",
            limit=0.0,
            unit="m",
            status=PASS if inside else FAIL,
        )
        if not inside:
            row["reason"] = f"lies {row['value']:.0f} m outside {assigned}"
        rows.append(row)
    return rows + _missing_rows(rule, missing)


_RULE_FUNCTIONS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "within_district": _within_district,
    "no_overlap": _no_overlap,
    "meets_corridor": _meets_corridor,
    "within_reach_of_avenue": _within_reach,
    "platform_in_assigned": _platform_in_assigned,
}


def check_rules(layers: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule]) -> pd.DataFrame:
    """Run the plan's spatial rules on ``layers`` and return one row per feature checked.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        Layers by name (``zones``, ``clusters``, ``district``...), each with an
        ``id`` column and a CRS; they are brought to EPSG:4326 first (see
        :func:`prepare_layers`).
    rules : iterable of Rule
        The rules (see :func:`spatial.plan.load_rules`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RULE_COLUMNS`. Areas in km² (ellipsoidal), distances in
        metres (Gauss–Krüger). A feature, layer or reference feature that is
        missing gives a FAIL row with the reason, not an error. A no_overlap
        rule's limit applies per pair: ``value`` is the feature's largest
        overlap with any one other feature (not the sum of its overlaps), and
        ``other_id`` lists every feature it overlaps by more than the limit.

    Examples
    --------
    >>> from spatial.layers import LAYER_GEOMETRY, load_plan_layers
    >>> table = check_rules(load_plan_layers(), load_rules())
    >>> row = table[table["id"] == "town-dingjia"].iloc[0]
    >>> row["measure"], round(float(row["value"]), -2), float(row["limit"]), row["status"]
    ('distance to avenue', 4600.0, 5000.0, 'PASS')
    """
    prepared, _ = prepare_layers(layers)
    return _check_prepared_rules(prepared, rules)


def _check_prepared_rules(
    prepared: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule]
) -> pd.DataFrame:
    """Run :func:`check_rules` on layers already through :func:`prepare_layers`, unvalidated."""
    gk = _gk(prepared)
    rows: list[dict[str, Any]] = []
    for rule in rules:
        if rule.layer not in prepared:
            rows.append(_missing_row(rule, "", f"layer {rule.layer} not given"))
            continue
        rows.extend(_RULE_FUNCTIONS[rule.kind](prepared, rule, gk))
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def _id_text(value: object) -> object:
    """Return an id as text (``7`` -> ``"7"``) so ids join into messages; keep missing ids."""
    if isinstance(value, str) or value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    return str(value)


def prepare_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    repair: bool = False,
    sources: Mapping[str, str] | None = None,
) -> tuple[dict[str, gpd.GeoDataFrame], list[dict[str, object]]]:
    """Bring layers to EPSG:4326, refuse (or repair) invalid geometries, make ids text.

    Warns with :class:`~spatial.errors.CRSMismatchWarning` when the layers
    arrive in different CRSs. Returns the layers and the repairs made. Each
    layer is validated once here; :func:`check_rules` and :func:`run_checks`
    validate the layers they are given through this function.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layers by name.
    repair : bool
        Repair invalid geometries instead of refusing them.
    sources : mapping of str to str, optional
        How to name a layer in an error message (its file), by layer name;
        the layer's name when absent.

    Raises
    ------
    CRSError
        A layer has no CRS.
    LayerError
        A layer has no ``id`` column, or an invalid geometry and ``repair`` is False.
    """
    for name, gdf in layers.items():
        if gdf.crs is None:
            raise CRSError(f"{name}: the layer carries no CRS; set one before checking it")
        if "id" not in gdf.columns:
            raise LayerError(f"{name}: no 'id' column; every feature needs an id")
    sources = sources or {}
    for name, gdf in layers.items():
        if name in LAYER_GEOMETRY:  # a points file given as zones is the wrong file, not a FAIL
            require_geometry(gdf, sources.get(name, name), LAYER_GEOMETRY[name])
    valid, repairs = {}, []
    for name, gdf in layers.items():
        # validated in its own CRS, so that a message speaks of the file's coordinates
        valid[name], done = prepare_valid(
            gdf.reset_index(drop=True), sources.get(name, name), repair
        )
        repairs.extend(done)
    aligned = align_crs([(gdf, name) for name, gdf in valid.items()], "checked", stacklevel=2)
    prepared = {
        name: lonlat.assign(id=lonlat["id"].map(_id_text).astype(object))
        for name, lonlat in zip(valid, aligned, strict=True)
    }
    return prepared, repairs


def run_checks(
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    *,
    targets: Iterable[Target] | None = None,
    rules: Iterable[Rule] | None = None,
    repair: bool = False,
    sources: Mapping[str, str] | None = None,
) -> CheckReport:
    """Check layers against the plan's targets and rules (the bundled plan by default).

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame, optional
        Layers by name; the bundled ones when None. Pass the bundled layers
        with one replaced (``{**load_plan_layers(), "zones": mine}``) to check
        a planner's own layer against the same targets and rules.
    targets, rules : optional
        Defaults: ``seeds/plan.toml`` targets and ``seeds/rules.toml`` rules.
    repair : bool
        Repair invalid geometries instead of refusing them.
    sources : mapping of str to str, optional
        Files to name in error messages, by layer name (a planner's ``--zones``
        file, say); each layer is validated once, in :func:`prepare_layers`.

    Returns
    -------
    CheckReport
        With ``targets`` and ``rules`` tables; ``passed`` is True when all pass.
    """
    layers = load_plan_layers() if layers is None else dict(layers)
    targets = load_targets() if targets is None else tuple(targets)
    rules = load_rules() if rules is None else tuple(rules)
    prepared, repairs = prepare_layers(layers, repair=repair, sources=sources)
    tables, notes = [], {}
    for layer_name in dict.fromkeys(t.layer for t in targets):
        wanted = [t for t in targets if t.layer == layer_name]
        if layer_name not in prepared:
            empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84)
            table = check_targets(empty, wanted)
            notes |= {t.id: f"layer {layer_name} not given" for t in wanted}
        else:
            table = check_targets(prepared[layer_name], wanted)
            notes |= table.attrs["reasons"]
        tables.append(table)
    target_table = (
        pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=TARGET_COLUMNS)
    )
    target_table.attrs = {}
    return CheckReport(target_table, _check_prepared_rules(prepared, rules), notes, repairs)
