"""Spatial rules of ``seeds/rules.toml``: one row per rule and feature checked.

Rule rows have the columns of :data:`~spatial.checked.report.RULE_COLUMNS`; areas
are km² (the area of record, ellipsoidal), distances metres in the Gauss–Krüger
zone of the data.

Each rule decides its topology (overlaps, cuts, containment) in the frame its
layers are stored in: a rule on one layer in that layer's CRS, a rule between two
layers in a Gauss–Krüger layer's CRS beside a lon/lat one, else the CRS of the one
with more features, the other moved with its edges kept
(:func:`spatial.checks.prepare.in_frame`); a Gauss–Krüger coverage that is
clean in its own frame is never moved to lon/lat first. Pieces are then measured
by the survey rule in that frame (:func:`spatial.measure.area.ellipsoidal_area_m2`,
any CRS). The model is stated once, in :mod:`spatial.measure.reconcile`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from spatial.checked.report import RULE_COLUMNS
from spatial.checked.status import Status
from spatial.checks.kinds import RULE_KINDS, RowBlock, RuleKind, RuleRows, rule_kind
from spatial.checks.prepare import LonLatLayers, in_frame, prepare_layers
from spatial.crs import gk_zone_crs_for, reproject
from spatial.errors import CRSError
from spatial.measure.area import ellipsoidal_area_m2
from spatial.plan import Rule
from spatial.units import M2_PER_KM2
from spatial.validate.coverage import matched_coverage
from spatial.validate.inputs import FULL_CHECK_MAX_FEATURES
from spatial.validate.pairs import inside_by_cells, intersecting_pairs, overlapping_pairs

__all__ = ["RULE_KINDS", "RuleKind", "check_rules", "rule_kind"]

PASS, FAIL = Status.PASS, Status.FAIL


def _blank(rule: Rule) -> dict[str, Any]:
    """Return a row of ``rule`` before its figures: all but ``id``, ``value`` and ``status``."""
    return {
        "rule": rule.id,
        "kind": rule.kind,
        "other_id": "",
        "measure": "",
        "bound": "",
        "limit": np.nan,
        "unit": "",
        "reason": "",
        "constraint": "",
        "occupied_m2": np.nan,
        "outside_m2": np.nan,
    }


def _row(rule: Rule, feature_id: str, **values: Any) -> dict[str, Any]:
    row = _blank(rule) | {"id": feature_id, "value": np.nan} | values
    if "status" not in row:
        ok = row["value"] <= row["limit"] if row["bound"] == "max" else row["value"] >= row["limit"]
        row["status"] = PASS if ok else FAIL
    return row


def _statuses(values: npt.NDArray[np.float64], bound: str, limit: float) -> list[Status]:
    """Each value's status against the limit, as :func:`_row` decides one (NaN fails)."""
    ok = values <= limit if bound == "max" else values >= limit
    return [PASS if one else FAIL for one in ok.tolist()]


def _block_of(
    rule: Rule, ids: list[str], values: npt.NDArray[np.float64], **fields: Any
) -> RowBlock:
    """Return the rows :func:`_row` makes of each ``(id, value)``, as columns."""
    shared = _blank(rule) | fields
    columns = shared | {
        "id": list(ids),
        "value": [float(v) for v in values.tolist()],
        "status": _statuses(values, shared["bound"], shared["limit"]),
    }
    return RowBlock(len(ids), columns)


def _with_reasons(block: RowBlock, reason_of: Callable[[float], str]) -> RowBlock:
    """Return the block with ``reason_of(value)`` the reason of each FAIL row."""
    status, values = block.columns["status"], block.columns["value"]
    reasons = [reason_of(v) if st == FAIL else "" for st, v in zip(status, values, strict=True)]
    return RowBlock(block.size, {**block.columns, "reason": reasons})


def _rows_frame(parts: Iterable[dict[str, Any] | RowBlock]) -> pd.DataFrame:
    """One table of rule rows, :data:`RULE_COLUMNS`, built column by column.

    The same table as ``pd.DataFrame(rows, columns=RULE_COLUMNS)`` of the rows
    one dict each (values, order and dtypes), without a dict per row.
    """
    columns: dict[str, list[Any]] = {name: [] for name in RULE_COLUMNS}
    for part in parts:
        if isinstance(part, RowBlock):
            for name, column in columns.items():
                value = part.columns.get(name, np.nan)
                column.extend(value if isinstance(value, list) else [value] * part.size)
        else:
            for name, column in columns.items():
                column.append(part.get(name, np.nan))
    return pd.DataFrame(columns, columns=RULE_COLUMNS)


def _missing_row(rule: Rule, feature_id: str, reason: str) -> dict[str, Any]:
    return _row(rule, feature_id, status=FAIL, reason=reason)


def _features(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule
) -> tuple[dict[str, shapely.Geometry], list[str]]:
    """Return the rule's features as {id: geometry}, and the ids it names that are missing."""
    layer = layers.get(rule.layer)
    if layer is None:
        return {}, list(rule.ids or [f"(layer {rule.layer})"])
    geoms = dict(zip(layer["id"], np.asarray(layer.geometry.array, dtype=object), strict=True))
    if rule.ids is None:  # every feature, in layer order: the dict itself, none missing
        return geoms, []
    wanted = list(rule.ids)
    return {i: geoms[i] for i in wanted if i in geoms}, [i for i in wanted if i not in geoms]


def _find(
    layers: Mapping[str, gpd.GeoDataFrame], layer_name: str, feature_id: str
) -> shapely.Geometry | None:
    layer = layers.get(layer_name)
    if layer is None:
        return None
    found = layer.geometry[layer["id"] == feature_id]
    return found.iloc[0] if len(found) == 1 else None


def _km2(geom: shapely.Geometry, crs: CRS) -> float:
    return float(_km2_each(np.array([geom], dtype=object), crs)[0])


def _km2_each(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Area of record (km²) of each of an array of pieces stored in ``crs``, in one call."""
    if not len(geoms):
        return np.zeros(0)
    return ellipsoidal_area_m2(gpd.GeoSeries(geoms, crs=crs)) / M2_PER_KM2


def _gk(layers: Mapping[str, gpd.GeoDataFrame]) -> CRS | None:
    """Return the Gauss–Krüger zone of all layers; None when no layer has a feature.

    Lon/lat layers not yet converted (:class:`~spatial.checks.prepare.LonLatLayers`)
    are converted only if their bounds do not settle the zone.
    """
    if isinstance(layers, LonLatLayers):
        return layers.gk_zone()
    try:
        return gk_zone_crs_for(*layers.values())
    except CRSError:
        return None


def _dist_m(a: shapely.Geometry, b: shapely.Geometry, crs: CRS, gk: CRS | None) -> float:
    """Distance in metres in ``gk``, or in the two features' own zone when none was chosen.

    ``a`` and ``b`` are stored in ``crs``; nothing moves when it is ``gk`` itself.
    """
    pair = gpd.GeoSeries([a, b], crs=crs)
    projected = reproject(pair, gk if gk is not None else gk_zone_crs_for(pair))
    return float(projected.iloc[0].distance(projected.iloc[1]))


def _missing_rows(rule: Rule, missing: list[str]) -> list[dict[str, Any]]:
    return [_missing_row(rule, i, f"{i} not found in layer {rule.layer}") for i in missing]


@dataclass(frozen=True)
class _Reference:
    """A rule that measures each feature against one reference feature of another layer."""

    layer_param: str  # the parameter naming the reference's layer
    id_param: str  # the parameter naming the reference feature
    what: str  # how a message names the reference ("district", "band", "avenue")


def _against_reference(
    layers: Mapping[str, gpd.GeoDataFrame],
    rule: Rule,
    ref: _Reference,
    values_of: Callable[[npt.NDArray[np.object_], shapely.Geometry, CRS], npt.NDArray[np.float64]],
    reason_of: Callable[[float], str],
    **fields: Any,
) -> RuleRows:
    """Rows of a reference rule: one per feature, FAIL rows for the missing ones.

    ``values_of`` takes every feature's geometry at once and the reference's,
    both in the frame of the two layers (:func:`_pair_frame`) and that frame,
    and returns one value per feature; ``fields`` are the rows' fixed columns
    (``measure``, ``bound``, ``limit``, ``unit``); ``reason_of(value)`` is the
    reason of every measured FAIL row. The features' rows come as one
    :class:`RowBlock`. A feature that is missing, or every feature when the
    reference is missing, fails with what is missing as its reason (nothing was
    measured).
    """
    p = rule.params
    framed, crs = _pair_frame(layers, rule.layer, p[ref.layer_param])
    features, missing = _features(framed, rule)
    reference = _find(framed, p[ref.layer_param], p[ref.id_param])
    if reference is None:
        reason = f"{ref.what} {p[ref.id_param]} not found in layer {p[ref.layer_param]}"
        return [_missing_row(rule, i, reason) for i in [*features, *missing]]
    shapely.prepare(reference)
    values = values_of(np.array(list(features.values()), dtype=object), reference, crs)
    values = np.asarray(values, dtype=np.float64)
    block = _block_of(rule, list(features), values, other_id=p[ref.id_param], **fields)
    return [_with_reasons(block, reason_of), *_missing_rows(rule, missing)]


def _pair_frame(
    layers: Mapping[str, gpd.GeoDataFrame], name: str, other: str
) -> tuple[dict[str, gpd.GeoDataFrame], CRS]:
    """Return layers ``name`` and ``other`` in one frame (:func:`in_frame`), and the frame.

    ``name`` must be present; ``other`` is left out when absent (the rule then
    reports it missing) and the frame is ``name``'s own CRS.
    """
    layer, reference = layers[name], layers.get(other)
    if reference is None or other == name:
        return {name: layer}, CRS.from_user_input(layer.crs)
    layer, reference, crs = in_frame(layer, reference)
    return {name: layer, other: reference}, crs


#: Cells a side of the grid that tells features inside the district by their boxes.
_DISTRICT_CELLS = 128


def _outside_km2(
    geoms: npt.NDArray[np.object_], district: shapely.Geometry, crs: CRS
) -> npt.NDArray[np.float64]:
    """Area of each feature outside the district; only features not wholly inside are cut.

    On a layer of more than :data:`~spatial.validate.inputs.FULL_CHECK_MAX_FEATURES`
    features, those whose box lies in the district's interior cells
    (:func:`~spatial.validate.pairs.inside_by_cells`) are inside without a GEOS
    test; the others are tested (``covers``) and cut as on a small layer: the
    same figures.
    """
    outside = np.zeros(len(geoms))
    rest = np.arange(len(geoms))
    if len(geoms) > FULL_CHECK_MAX_FEATURES:
        inside = inside_by_cells(district, shapely.bounds(geoms), _DISTRICT_CELLS)
        rest = np.flatnonzero(~inside)
    crossing = rest[~shapely.covers(district, geoms[rest])] if len(rest) else rest
    outside[crossing] = _km2_each(shapely.difference(geoms[crossing], district), crs)
    return outside


def _inside_km2(
    geoms: npt.NDArray[np.object_], band: shapely.Geometry, crs: CRS
) -> npt.NDArray[np.float64]:
    """Area of each feature inside the band; features that miss it are not cut."""
    inside = np.zeros(len(geoms))
    meets = shapely.intersects(band, geoms) if len(geoms) else np.zeros(0, dtype=bool)
    inside[meets] = _km2_each(shapely.intersection(geoms[meets], band), crs)
    return inside


@rule_kind("within_district")
def _within_district(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, gk: CRS | None
) -> RuleRows:
    """Each feature's area outside the district, at most ``max_outside_m2``."""
    p = rule.params
    return _against_reference(
        layers,
        rule,
        _Reference("district_layer", "district_id", "district"),
        _outside_km2,
        lambda value: f"{value:.4f} km² lies outside {p['district_id']}",
        measure="area outside",
        bound="max",
        limit=p["max_outside_m2"] / M2_PER_KM2,
        unit="km2",
    )


@rule_kind("meets_corridor")
def _meets_corridor(layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, gk: CRS | None) -> RuleRows:
    """Each feature's area inside the corridor band, at least ``min_in_band_m2``."""
    p = rule.params
    return _against_reference(
        layers,
        rule,
        _Reference("corridor_layer", "band_id", "band"),
        _inside_km2,
        lambda value: f"only {value:.4f} km² within {p['band_id']}",
        measure="area in band",
        bound="min",
        limit=p["min_in_band_m2"] / M2_PER_KM2,
        unit="km2",
    )


@rule_kind("within_reach_of_avenue")
def _within_reach(layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, gk: CRS | None) -> RuleRows:
    """Each feature's distance to the avenue (metres, Gauss–Krüger), at most ``reach_m``."""
    p = rule.params

    def distance_m(
        geoms: npt.NDArray[np.object_], avenue: shapely.Geometry, crs: CRS
    ) -> npt.NDArray[np.float64]:
        return np.array([_dist_m(geom, avenue, crs, gk) for geom in geoms])

    return _against_reference(
        layers,
        rule,
        _Reference("corridor_layer", "avenue_id", "avenue"),
        distance_m,
        lambda value: f"{value:.0f} m from {p['avenue_id']}, beyond {p['reach_m']:g} m",
        measure="distance to avenue",
        bound="max",
        limit=float(p["reach_m"]),
        unit="m",
    )


def _nesting_rows(
    rule: Rule, features: dict[str, shapely.Geometry], limit_km2: float, crs: CRS
) -> list[dict[str, Any]]:
    rows = []
    for inner, outer in rule.params["allowed_nesting"]:
        if inner not in features or outer not in features:
            continue
        outside = _km2(shapely.difference(features[inner], features[outer]), crs)
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


def _pair_overlaps_km2(
    features: dict[str, shapely.Geometry],
    allowed: set[frozenset[str]],
    crs: CRS,
    name: str,
    touching: bool = True,
) -> dict[frozenset[str], float]:
    """Overlap area (km²) of every pair of features that intersect, not declared nested.

    The features are stored in ``crs``, where their overlaps are cut.

    Candidate pairs come from an STRtree query (``intersects``), each pair once;
    their intersections are cut and measured in two vectorised calls, so the
    cost grows with the number of features and of touching pairs, not its square
    (more than :data:`~spatial.validate.pairs.MAX_PAIRS` pairs are refused).
    Pairs that do not intersect are left out (their overlap is 0); without
    ``touching``, so are the pairs that only touch (their overlap is 0 too:
    :func:`~spatial.validate.pairs.overlapping_pairs`, the pairs bounded then
    being those that overlap). A layer its matched edges show to be a valid
    coverage (:func:`~spatial.validate.coverage.matched_coverage`, exact) has
    no two interiors meeting: no pair is looked for at all.
    """
    ids = list(features)
    geoms = np.array(list(features.values()), dtype=object)
    if len(geoms) < 2:
        return {}
    if touching:
        left, right = intersecting_pairs(geoms, name)
    elif _polygonal(geoms) and matched_coverage(shapely.orient_polygons(geoms)):
        return {}  # a valid coverage: no pair overlaps
    else:
        left, right = overlapping_pairs(geoms, name)
    if allowed:
        keep = [
            frozenset((ids[i], ids[j])) not in allowed for i, j in zip(left, right, strict=True)
        ]
        left, right = left[np.array(keep, dtype=bool)], right[np.array(keep, dtype=bool)]
    order = np.lexsort((right, left))  # in layer order, as the rows and messages read
    left, right = left[order], right[order]
    areas_km2 = _km2_each(shapely.intersection(geoms[left], geoms[right]), crs)
    return {
        frozenset((ids[i], ids[j])): float(area)
        for i, j, area in zip(left, right, areas_km2, strict=True)
    }


def _polygonal(geoms: npt.NDArray[np.object_]) -> bool:
    """Whether every geometry is a Polygon or a MultiPolygon (what the coverage test reads)."""
    return bool(np.isin(shapely.get_type_id(geoms), (3, 6)).all())


@rule_kind("no_overlap")
def _no_overlap(layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, gk: CRS | None) -> RuleRows:
    """One row per feature: its largest overlap with any one other feature, against the limit.

    The limit applies per pair: a feature fails when it overlaps some other
    feature by more than ``max_overlap_m2``; ``value`` is its largest overlap
    with one other feature, so status, ``other_id`` (every feature it overlaps
    by more than the limit) and ``reason`` all follow from the same figures.
    Overlaps are decided in the layer's own CRS: no layer is moved.

    On a layer of more than :data:`~spatial.validate.inputs.FULL_CHECK_MAX_FEATURES`
    features with a limit of 0 or more, the pairs that only touch are left out
    before any is cut (their overlap, 0, neither fails nor raises a feature's
    largest overlap above 0) and the features that overlap none share one row's
    figures: the same rows, without cutting a coverage's every shared edge.
    """
    features, missing = _features(layers, rule)
    crs = CRS.from_user_input(layers[rule.layer].crs)
    allowed = {frozenset(pair) for pair in rule.params["allowed_nesting"]}
    limit_km2 = rule.params["max_overlap_m2"] / M2_PER_KM2
    touching = len(features) <= FULL_CHECK_MAX_FEATURES or limit_km2 < 0
    position = {fid: n for n, fid in enumerate(features)}
    shared: dict[str, dict[str, float]] = {}
    pairs = _pair_overlaps_km2(features, allowed, crs, rule.layer, touching)
    for pair, area in pairs.items():
        a, b = sorted(pair, key=position.__getitem__)
        shared.setdefault(a, {})[b] = area
        shared.setdefault(b, {})[a] = area
    alone = _overlap_row(rule, "", {}, limit_km2)  # a feature overlapping none
    columns = {name: [value] * len(features) for name, value in alone.items()}
    columns["id"] = list(features)
    for fid, overlaps in shared.items():  # the few that overlap another: a row each
        others = dict(sorted(overlaps.items(), key=lambda item: position[item[0]]))
        at = position[fid]
        for name, value in _overlap_row(rule, fid, others, limit_km2).items():
            columns[name][at] = value
    block = RowBlock(len(features), columns)
    return [block, *_nesting_rows(rule, features, limit_km2, crs), *_missing_rows(rule, missing)]


def _overlap_row(
    rule: Rule, fid: str, others: dict[str, float], limit_km2: float
) -> dict[str, Any]:
    """Return the no-overlap row of ``fid``, given its overlaps (km²) with others, in order."""
    hit = {o: a for o, a in others.items() if a > limit_km2}
    row = _row(
        rule,
        fid,
        other_id=", ".join(hit),
        measure="largest overlap with one feature",
        value=max(others.values(), default=0.0),
        bound="max",
        limit=limit_km2,
        unit="km2",
    )
    if row["status"] == FAIL:
        row["reason"] = "overlaps " + ", ".join(f"{o} by {a:.4f} km²" for o, a in hit.items())
    return row


def _assigned_polygon(
    frames: Mapping[str, tuple[dict[str, gpd.GeoDataFrame], CRS]],
    rule: Rule,
    feature_id: str,
    assigned: str,
) -> tuple[shapely.Geometry, shapely.Geometry, CRS] | None:
    """Return the feature and its assigned polygon in the frame of their two layers, and it."""
    for name in rule.params["target_layers"]:
        if name not in frames:
            continue
        framed, crs = frames[name]
        polygon = _find(framed, name, assigned)
        if polygon is not None:
            layer = framed[rule.layer]
            return layer.geometry[layer["id"] == feature_id].iloc[-1], polygon, crs
    return None


@rule_kind("platform_in_assigned")
def _platform_in_assigned(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, gk: CRS | None
) -> list[dict[str, Any]]:
    """Each feature covered by the polygon its property names, decided in their layers' frame."""
    features, missing = _features(layers, rule)
    prop = rule.params["assigned_property"]
    frames = {
        name: _pair_frame(layers, rule.layer, name)
        for name in rule.params["target_layers"]
        if name in layers
    }
    rows = []
    for fid in features:
        layer = layers[rule.layer]  # present: it holds the feature
        values = layer.loc[layer["id"] == fid, prop] if prop in layer.columns else pd.Series([])
        assigned = values.iloc[0] if len(values) and isinstance(values.iloc[0], str) else ""
        found = _assigned_polygon(frames, rule, fid, assigned) if assigned else None
        if found is None:
            reason = (
                f"{prop} {assigned!r} not found in {', '.join(rule.params['target_layers'])}"
                if assigned
                else f"no {prop} property"
            )
            rows.append(_missing_row(rule, fid, reason) | {"other_id": assigned})
            continue
        geom, polygon, crs = found
        inside = bool(shapely.covers(polygon, geom))
        row = _row(
            rule,
            fid,
            other_id=assigned,
            measure="distance to assigned",
            value=0.0 if inside else _dist_m(geom, polygon, crs, gk),
            bound="max",
            limit=0.0,
            unit="m",
            status=PASS if inside else FAIL,
        )
        if not inside:
            row["reason"] = f"lies {row['value']:.0f} m outside {assigned}"
        rows.append(row)
    return rows + _missing_rows(rule, missing)


def check_rules(layers: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule]) -> pd.DataFrame:
    """Run the plan's spatial rules on ``layers`` and return one row per feature checked.

    Parameters
    ----------
    layers : mapping of str to geopandas.GeoDataFrame
        Layers by name (``zones``, ``clusters``, ``district``...), each with an
        ``id`` column and a CRS; each is validated in its own CRS and stays
        there (see :func:`prepare_layers`): every rule decides its topology in
        the frame of its layers.
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
    >>> from spatial.io.layers import load_plan_layers
    >>> from spatial.plan import load_rules
    >>> table = check_rules(load_plan_layers(), load_rules())
    >>> row = table[table["id"] == "town-dingjia"].iloc[0]
    >>> row["measure"], round(float(row["value"]), -2), float(row["limit"]), row["status"]
    ('distance to avenue', 4600.0, 5000.0, 'PASS')
    """
    prepared = prepare_layers(layers)
    return _check_prepared_rules(prepared.own, rules, prepared.lonlat)


def _check_prepared_rules(
    prepared: Mapping[str, gpd.GeoDataFrame],
    rules: Iterable[Rule],
    lonlat: Mapping[str, gpd.GeoDataFrame],
) -> pd.DataFrame:
    """Run :func:`check_rules` on layers already through :func:`prepare_layers`.

    ``prepared`` holds the layers in their own CRS (where the rules decide),
    ``lonlat`` the same in EPSG:4326 (the Gauss–Krüger zone of the distances is
    chosen from their bounds, no layer reprojected again for it).
    """
    gk = _gk(lonlat)
    rows: list[dict[str, Any] | RowBlock] = []
    for rule in rules:
        if rule.layer not in prepared:
            rows.append(_missing_row(rule, "", f"layer {rule.layer} not given"))
            continue
        rows.extend(RULE_KINDS[rule.kind].run(prepared, rule, gk))
    return _rows_frame(rows)


# The 三区三线 kinds (must_not_occupy, must_lie_within) register themselves in RULE_KINDS.
from spatial.checks import constraints as _constraints  # noqa: E402, F401
