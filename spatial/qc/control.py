"""Control areas: whether each unit's 图斑 add up to the unit's control area, and lie inside it.

The survey's aggregation rule (《第二次全国土地调查数据库面积汇总统计规定》, as
cited in :mod:`spatial.measure.reconcile`): a village unit's control area equals
the sum of its 图斑 areas. A ``control_area_mismatch`` rule names the control
layer among the layers inspected (``control_layer``, its file stem), the field
of the 图斑 layer naming each feature's unit (``unit_field``) and the control
layer's id field (``control_id_field``). Per unit, the sum of its 图斑's areas
of record (:func:`spatial.measure.record.area_of_record_m2`, each layer's own
CRS) is compared with the unit's own area of record; a unit is off when they
differ by more than ``tolerance_pct`` of the control area or ``tolerance_m2``,
whichever is larger. The tolerance absorbs the lenses between a unit's long
edges and its 图斑's corners on them (:mod:`spatial.measure.reconcile`: about
7 m² for a 1 km edge at Bishan's latitude), not a missing or extra 图斑.

The geometric side, decided in the 图斑 layer's own frame: a 图斑 whose part
outside its unit is over ``tolerance_m2`` is a finding (the outside piece, its
area of record), and so is a 图斑 naming no unit, or one the control layer lacks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from spatial.crs import reproject
from spatial.errors import PlanDataError, printable
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import polygonal_parts
from spatial.preconditions import id_text
from spatial.qc.findings import Finding
from spatial.qc.layer import QcLayer
from spatial.qc.packs import Rule

__all__ = ["control_area_mismatches", "layer_stem"]


def layer_stem(name: str) -> str:
    """Return the file stem a rule names a layer by (``data/units.gpkg`` -> ``units``)."""
    return Path(name.split("::", maxsplit=1)[0]).stem


def _labels(layer: QcLayer, field: str, what: str, rule: Rule) -> list[str | None]:
    if field not in layer.frame.columns:
        raise PlanDataError(
            f"{printable(layer.name)}: no field {field!r}, which rule {rule.id} "
            f"(control_area_mismatch) names as its {what}"
        )
    texts = (id_text(v) for v in layer.frame[field])
    return [t.strip() if t is not None and t.strip() else None for t in texts]


def _unit_findings(layer: QcLayer, control: QcLayer, rule: Rule, sums: pd.Series) -> list[Finding]:
    found = []
    for k, unit in enumerate(control.ids):
        total_m2 = float(sums.get(unit, 0.0))
        control_m2 = float(control.area_m2[k])
        diff_m2 = total_m2 - control_m2
        allowed_m2 = max(
            control_m2 * rule.params["tolerance_pct"] / 100.0, rule.params["tolerance_m2"]
        )
        if abs(diff_m2) > allowed_m2:
            message = (
                f"unit {unit}: its 图斑 in {printable(layer.name)} add up to {total_m2:,.2f} m², "
                f"its control area is {control_m2:,.2f} m² ({diff_m2:+,.2f} m²; "
                f"allowed ±{allowed_m2:,.2f} m²)"
            )
            found.append(control.finding(rule, message, feature=k, value=diff_m2, unit="m2"))
    return found


def _wholes(
    unit_geoms: dict[str, shapely.Geometry], units: list[str | None], rows: npt.NDArray[np.intp]
) -> npt.NDArray[np.object_]:
    """Return the unit geometry of each 图斑 at ``rows`` (each names a known unit)."""
    out = np.empty(len(rows), dtype=object)
    for k, i in enumerate(rows):
        out[k] = unit_geoms[str(units[i])]
    return out


def _outside_findings(
    layer: QcLayer, rule: Rule, units: list[str | None], unit_geoms: dict[str, shapely.Geometry]
) -> list[Finding]:
    found = []
    known = np.array([u in unit_geoms for u in units], dtype=bool)
    for i in np.flatnonzero(layer.present & ~known):
        said = (
            "names no unit"
            if units[i] is None
            else f"names unit {units[i]}, not in the control layer"
        )
        found.append(layer.finding(rule, f"图斑 {said}", feature=int(i), value=units[i]))
    rows = np.flatnonzero(layer.present & known)
    if not rows.size:
        return found
    wholes = _wholes(unit_geoms, units, rows)
    rows = rows[~shapely.covered_by(layer.geoms[rows], wholes)]
    wholes = _wholes(unit_geoms, units, rows)
    pieces = polygonal_parts(shapely.difference(layer.geoms[rows], wholes))
    outside_m2 = area_of_record_m2(pieces, layer.crs, layer.name)
    for i, piece, area_m2 in zip(rows, pieces, outside_m2, strict=True):
        if area_m2 > rule.params["tolerance_m2"]:
            message = f"图斑 lies {area_m2:,.2f} m² outside its unit {units[i]}"
            found.append(
                layer.finding(
                    rule, message, feature=int(i), value=float(area_m2), unit="m2", geometry=piece
                )
            )
    return found


def _unit_geometries(layer: QcLayer, control: QcLayer) -> dict[str, shapely.Geometry]:
    """Each unit's geometry in the 图斑 layer's CRS (the first of a repeated id)."""
    geoms: npt.NDArray[np.object_] = control.geoms
    if layer.crs is not None and control.crs is not None and not layer.crs.equals(control.crs):
        moved = reproject(control.frame.set_geometry(list(geoms)), layer.crs)
        geoms = np.asarray(moved.geometry.array)
    out: dict[str, shapely.Geometry] = {}
    for k, unit in enumerate(control.ids):
        if control.present[k]:
            out.setdefault(unit, geoms[k])
    shapely.prepare(np.asarray(list(out.values()), dtype=object))  # each is tested many times
    return out


def control_area_mismatches(layer: QcLayer, control: QcLayer, rule: Rule) -> list[Finding]:
    """Return the findings of a 图斑 layer against its control layer (ids in ``control.id_field``).

    One finding per unit whose 图斑's areas of record do not add up to its own
    (``value`` the sum less the control area, m²; on the control layer), and one
    per 图斑 lying outside its unit (``value`` the area outside, m²) or naming no
    known unit.

    Raises
    ------
    PlanDataError
        A layer lacks the field the rule names.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from spatial.qc.kinds import Severity
    >>> from spatial.qc.packs import Rule
    >>> rule = Rule("units", "control_area_mismatch", Severity.ERROR, "示例", {
    ...     "unit_field": "ZL", "control_id_field": "DYBH", "control_layer": "units",
    ...     "tolerance_pct": 0.01, "tolerance_m2": 1.0})
    >>> units = gpd.GeoDataFrame({"DYBH": ["A"]}, geometry=[
    ...     shapely.box(615000, 3276000, 615100, 3276100)], crs=4544)
    >>> parcels = gpd.GeoDataFrame({"ZL": ["A"]}, geometry=[
    ...     shapely.box(615000, 3276000, 615100, 3276050)], crs=4544)
    >>> [(f.feature_id, round(f.value)) for f in control_area_mismatches(
    ...     QcLayer("parcels", parcels), QcLayer("units", units, "DYBH"), rule)]
    [('A', -4998)]
    """
    units = _labels(layer, rule.params["unit_field"], "unit_field", rule)
    _labels(control, rule.params["control_id_field"], "control_id_field", rule)
    present = layer.present
    keyed = pd.Series(layer.area_m2[present], index=np.asarray(units, dtype=object)[present])
    sums = keyed[keyed.index.notna()].groupby(level=0).sum()
    found = _unit_findings(layer, control, rule, sums)
    return found + _outside_findings(layer, rule, units, _unit_geometries(layer, control))
