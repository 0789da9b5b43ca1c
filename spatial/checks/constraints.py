"""三区三线 constraint rules: ``must_not_occupy`` and ``must_lie_within``.

* ``must_not_occupy``: a checked feature (a zone, a parcel) must not occupy a
  protected area (生态保护红线, 永久基本农田): ``occupied_m2`` is the area it
  shares with the constraint layer, FAIL above ``max_occupied_m2``;
* ``must_lie_within``: a feature must lie inside the constraint layer (城镇开发边界):
  ``outside_m2`` is its area outside, FAIL above ``max_outside_m2``.

The constraint layer is any layer of the check (its ``constraint_layer``), read
with ``spatial check --constraint NAME=PATH`` or ``--within NAME=PATH``; its
features are unioned. Areas are ellipsoidal (GRS80/CGCS2000), m².
:func:`conflict_pieces` returns the pieces themselves (occupied parts, or parts
outside), each with the ids on both sides and, when the checked layer has a
land-use class field, the class, so the occupied area can be read per class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.checks.rules import rule_kind
from spatial.checks.status import Status
from spatial.crs import WGS84
from spatial.measure.area import ellipsoidal_area_m2
from spatial.plan import NUMBER, Rule
from spatial.synthetic import is_synthetic
from spatial.units import M2_PER_HA, M2_PER_KM2, M2_PER_MU

__all__ = [
    "CONFLICT_COLUMNS",
    "CONSTRAINT_KINDS",
    "conflict_pieces",
    "constraint_rule",
    "must_lie_within",
    "must_not_occupy",
]

#: The constraint rule kinds and the name of their tolerance parameter (m²).
CONSTRAINT_KINDS: dict[str, str] = {
    "must_not_occupy": "max_occupied_m2",
    "must_lie_within": "max_outside_m2",
}
#: Columns of the conflict pieces layer (besides geometry), in order.
CONFLICT_COLUMNS = [
    "kind",
    "constraint",
    "zone_id",
    "constraint_ids",
    "class_code",
    "area_m2",
    "area_ha",
    "area_mu",
    "synthetic",
]

PASS, FAIL = Status.PASS, Status.FAIL


def constraint_rule(kind: str, name: str, layer: str, tolerance_m2: float) -> Rule:
    """Return the rule ``kind`` of ``layer``'s features against constraint layer ``name``."""
    return Rule(
        id=f"{layer}-{kind.replace('_', '-')}-{name}",
        kind=kind,
        layer=layer,
        params={"constraint_layer": name, CONSTRAINT_KINDS[kind]: tolerance_m2},
    )


def _m2(geoms: list[shapely.Geometry]) -> np.ndarray:
    return ellipsoidal_area_m2(gpd.GeoSeries(geoms, crs=WGS84))


def _features(layers: Mapping[str, gpd.GeoDataFrame], rule: Rule) -> gpd.GeoDataFrame:
    layer = layers[rule.layer]
    if rule.ids is None:
        return layer
    return layer[layer["id"].isin(rule.ids)]


def _measured(layers, rule: Rule) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray] | None:
    """Return the checked features, their parts in (or outside) the constraint, and their m²."""
    constraint = layers.get(rule.params["constraint_layer"])
    if constraint is None:
        return None
    features = _features(layers, rule)
    geoms = np.asarray(features.geometry.array, dtype=object)
    union = shapely.union_all(np.asarray(constraint.geometry.array, dtype=object))
    if rule.kind == "must_not_occupy":
        parts = shapely.intersection(geoms, union)
    else:
        parts = shapely.difference(geoms, union)
    return features, parts, _m2(list(parts))


def _rows(layers, rule: Rule) -> list[dict[str, Any]]:
    """Return one rule row per checked feature."""
    p = rule.params
    limit_m2 = float(p[CONSTRAINT_KINDS[rule.kind]])
    figure = "occupied_m2" if rule.kind == "must_not_occupy" else "outside_m2"
    base = {
        "rule": rule.id,
        "kind": rule.kind,
        "constraint": p["constraint_layer"],
        "unit": "km2",
        "bound": "max",
        "limit": limit_m2 / M2_PER_KM2,
        "other_id": p["constraint_layer"],
        "measure": "",
        "value": np.nan,
        "occupied_m2": np.nan,
        "outside_m2": np.nan,
        "reason": "",
    }
    measured = _measured(layers, rule)
    if measured is None:
        reason = f"constraint layer {p['constraint_layer']} not given"
        return [base | {"id": "", "status": FAIL, "reason": reason}]
    features, _, area = measured
    measure = "area occupied" if rule.kind == "must_not_occupy" else "area outside"
    rows = []
    for fid, m2 in zip(features["id"], area, strict=True):
        ok = m2 <= limit_m2
        row = base | {
            "id": fid,
            "measure": measure,
            "value": m2 / M2_PER_KM2,
            figure: float(m2),
            "status": PASS if ok else FAIL,
            "reason": "",
        }
        if not ok:
            verb = "occupies" if rule.kind == "must_not_occupy" else "lies outside"
            row["reason"] = (
                f"{verb} {p['constraint_layer']} by {m2:,.1f} m² "
                f"({m2 / M2_PER_HA:.4f} ha, {m2 / M2_PER_MU:.2f} 亩)"
            )
        rows.append(row)
    found = set(features["id"])
    missing = [i for i in (rule.ids or ()) if i not in found]
    reason = "{} not found in layer " + rule.layer
    return rows + [base | {"id": i, "status": FAIL, "reason": reason.format(i)} for i in missing]


@rule_kind("must_not_occupy", constraint_layer=(str,), max_occupied_m2=NUMBER)
def must_not_occupy(layers, rule: Rule, gk: object = None) -> list[dict[str, Any]]:
    """Each feature's area shared with the constraint layer, at most ``max_occupied_m2``."""
    return _rows(layers, rule)


@rule_kind("must_lie_within", constraint_layer=(str,), max_outside_m2=NUMBER)
def must_lie_within(layers, rule: Rule, gk: object = None) -> list[dict[str, Any]]:
    """Each feature's area outside the constraint layer, at most ``max_outside_m2``."""
    return _rows(layers, rule)


def _pieces_of(layers, rule: Rule, class_field: str | None) -> list[dict[str, Any]]:
    if rule.layer not in layers:
        return []
    measured = _measured(layers, rule)
    if measured is None:
        return []
    features, _, _ = measured
    constraint = layers[rule.params["constraint_layer"]]
    synthetic = is_synthetic(features, constraint)
    c_geoms = np.asarray(constraint.geometry.array, dtype=object)
    c_ids = [str(i) for i in constraint["id"]]
    classes = features[class_field] if class_field and class_field in features.columns else None
    tree = shapely.STRtree(c_geoms)
    out = []
    for k, (fid, geom) in enumerate(zip(features["id"], features.geometry, strict=True)):
        hits = tree.query(geom, predicate="intersects")
        if rule.kind == "must_not_occupy":
            pieces = [(shapely.intersection(geom, c_geoms[j]), c_ids[j]) for j in hits]
        else:
            inside = shapely.union_all(c_geoms[hits]) if len(hits) else shapely.Polygon()
            pieces = [(shapely.difference(geom, inside), "")]
        for piece, cid in pieces:
            out.append(
                {
                    "kind": rule.kind,
                    "constraint": rule.params["constraint_layer"],
                    "zone_id": fid,
                    "constraint_ids": cid,
                    "class_code": None if classes is None else classes.iloc[k],
                    "synthetic": synthetic,
                    "geometry": piece,
                }
            )
    return out


def conflict_pieces(
    layers: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule], class_field: str | None = None
) -> gpd.GeoDataFrame:
    """Return the conflict pieces of every constraint rule, as a layer (EPSG:4326).

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layers through :func:`~spatial.checks.prepare.prepare_layers` (EPSG:4326, ids as text).
    rules : iterable of Rule
        Rules; those not of a constraint kind are skipped.
    class_field : str, optional
        Land-use class field of the checked layer, copied to ``class_code``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`CONFLICT_COLUMNS`: one polygonal piece per checked feature
        and constraint feature it occupies (``must_not_occupy``), or per checked
        feature's part outside (``must_lie_within``, ``constraint_ids`` empty);
        pieces without area are dropped. Areas ellipsoidal, m², ha and 亩.
    """
    from spatial.review._pieces import polygonal  # noqa: PLC0415 - avoid a package cycle

    rows = [
        r
        for rule in rules
        if rule.kind in CONSTRAINT_KINDS
        for r in _pieces_of(layers, rule, class_field)
    ]
    frame = pd.DataFrame(rows, columns=[*CONFLICT_COLUMNS, "geometry"])
    geoms = polygonal(np.asarray(frame["geometry"], dtype=object)) if len(frame) else np.empty(0)
    pieces = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(geoms), crs=WGS84)
    area = ellipsoidal_area_m2(pieces) if len(pieces) else np.zeros(0)
    pieces["area_m2"], pieces["area_ha"], pieces["area_mu"] = (
        area,
        area / M2_PER_HA,
        area / M2_PER_MU,
    )
    return pieces[area > 0].reset_index(drop=True)
