"""What changed between two versions of a layer: per feature, as pieces, and per class.

Features are matched by an id field (``id`` by default). Each feature gets one
status, geometry winning over attributes:

* ``added`` (in NEW only), ``removed`` (in OLD only);
* ``geometry_changed``: the symmetric difference of its two versions has more
  than ``tolerance_m2`` of area (so re-digitising noise or a new vertex on the
  same edge is not a change);
* ``attributes_changed``: same geometry, some property differs (``changed_fields``);
* ``unchanged``.

Geometries are compared, differenced and cut in the layers' storage frame (a
Gauss–Krüger survey layer stays in its plane, :func:`spatial.review._pieces.ready_layers`),
so a version that is clean in its own frame gains no invented change; every
area is the area of record by the survey rule in that frame
(:func:`spatial.measure.record.area_of_record_m2`; the model:
:mod:`spatial.measure.reconcile`). Nothing here is tabulated to a whole, so no
figure is reconciled: each is a piece as measured.

``added_m2`` is the area in NEW not in OLD (调入), ``removed_m2`` the area in
OLD not in NEW (调出), both ellipsoidal (GRS80/CGCS2000) in m²; an added feature
has ``added_m2`` its whole area, a removed one ``removed_m2``. The 调入/调出
pieces form a layer (:attr:`LayerDiff.pieces`). With a class field, the
from-class × to-class matrix (:attr:`LayerDiff.matrix`, m²) comes from cutting
OLD by NEW: the area each old class became each new class (``None`` for area
that is in one version only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.crs import WGS84
from spatial.landuse.fields import require_field
from spatial.preconditions import require_crs
from spatial.review._pieces import area_m2, cut_pairs, polygonal, ready_layers, require_unique
from spatial.validate.inputs import Repair

__all__ = [
    "FEATURE_COLUMNS",
    "GEOMETRY_TOLERANCE_M2",
    "STATUSES",
    "LayerDiff",
    "diff_layers",
]

#: The statuses, in the order a report lists them.
STATUSES = ("added", "removed", "geometry_changed", "attributes_changed", "unchanged")
#: Columns of the feature table, in order.
FEATURE_COLUMNS = [
    "id",
    "status",
    "added_m2",
    "removed_m2",
    "old_m2",
    "new_m2",
    "changed_fields",
    "old_class",
    "new_class",
]
#: Symmetric difference (m²) below which two versions of a feature count as the same geometry.
GEOMETRY_TOLERANCE_M2 = 0.01
_NOT_COMPARED = {"geometry"}


@dataclass
class LayerDiff:
    """The outcome of :func:`diff_layers`.

    Attributes
    ----------
    features : pandas.DataFrame
        One row per id (:data:`FEATURE_COLUMNS`), in OLD's order then NEW's additions.
    pieces : geopandas.GeoDataFrame
        The 调入 (``change`` = ``added``) and 调出 (``removed``) pieces, EPSG:4326,
        with ``id``, ``area_m2`` and the feature's class on the side it belongs to
        (and ``synthetic`` when the inputs mark made-up features so).
    matrix : pandas.DataFrame or None
        From-class (rows) × to-class (columns) area in m², when a class field is given.
    repairs : list of Repair
        Geometries repaired on request.
    versions : (GeoDataFrame, GeoDataFrame)
        OLD and NEW as compared: validated, repaired on request, in the CRS they
        were compared in (what a map of the comparison must draw).
    """

    features: pd.DataFrame
    pieces: gpd.GeoDataFrame
    matrix: pd.DataFrame | None
    repairs: list[Repair]
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]


def _same(a: object, b: object) -> bool:
    missing_a = a is None or (isinstance(a, float) and np.isnan(a))
    missing_b = b is None or (isinstance(b, float) and np.isnan(b))
    if missing_a or missing_b:
        return missing_a and missing_b
    return bool(a == b) or str(a) == str(b)


def _changed_fields(old: pd.Series, new: pd.Series, fields: Sequence[str]) -> list[str]:
    return [f for f in fields if not _same(old.get(f), new.get(f))]


def _class(row: pd.Series | None, field: str | None) -> object:
    if row is None or field is None:
        return None
    value = row.get(field)
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _flag(row: pd.Series) -> bool:
    value = row.get("synthetic")
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and bool(value)


def _piece_rows(ident, change, geom, klass) -> dict[str, object]:
    return {"id": ident, "change": change, "class_code": klass, "geometry": geom}


def _compare(old_row, new_row, ident, fields, class_field, tolerance_m2, crs):
    """Return the feature row and its 调入/调出 pieces (geometries in ``crs``, the work frame)."""
    old_g = None if old_row is None else old_row.geometry
    new_g = None if new_row is None else new_row.geometry
    empty = shapely.Polygon()
    if old_g is None:
        gained, lost = new_g, empty
    elif new_g is None:
        gained, lost = empty, old_g
    else:
        gained, lost = shapely.difference(new_g, old_g), shapely.difference(old_g, new_g)
    gained_m2, lost_m2 = area_m2([gained, lost], crs)
    if old_row is None:
        status, changed = "added", []
    elif new_row is None:
        status, changed = "removed", []
    else:
        changed = _changed_fields(old_row, new_row, fields)
        if gained_m2 + lost_m2 > tolerance_m2:
            status = "geometry_changed"
        else:
            status = "attributes_changed" if changed else "unchanged"
    row = {
        "id": ident,
        "status": status,
        "added_m2": float(gained_m2),
        "removed_m2": float(lost_m2),
        "changed_fields": ", ".join(changed),
        "old_class": _class(old_row, class_field),
        "new_class": _class(new_row, class_field),
    }
    pieces = []
    if gained_m2 > tolerance_m2 or (old_row is None and gained_m2 > 0):
        pieces.append(_piece_rows(ident, "added", gained, row["new_class"]))
    if lost_m2 > tolerance_m2 or (new_row is None and lost_m2 > 0):
        pieces.append(_piece_rows(ident, "removed", lost, row["old_class"]))
    return row, pieces


def _matrix(old, new, class_field: str, crs: CRS) -> pd.DataFrame:
    """From-class × to-class areas (m²): OLD cut by NEW in ``crs``, plus what is in one only."""
    og = np.asarray(old.geometry.array, dtype=object)
    ng = np.asarray(new.geometry.array, dtype=object)
    oi, ni, pieces = cut_pairs(og, ng)
    frame = pd.DataFrame(
        {
            "from": [old[class_field].iloc[i] for i in oi],
            "to": [new[class_field].iloc[j] for j in ni],
            "m2": area_m2(pieces, crs),
        }
    )
    new_union, old_union = shapely.union_all(ng), shapely.union_all(og)
    only_old = area_m2(shapely.difference(og, new_union), crs)
    only_new = area_m2(shapely.difference(ng, old_union), crs)
    frame = pd.concat(
        [
            frame,
            pd.DataFrame({"from": old[class_field].to_numpy(), "to": "(none)", "m2": only_old}),
            pd.DataFrame({"from": "(none)", "to": new[class_field].to_numpy(), "m2": only_new}),
        ],
        ignore_index=True,
    )
    frame = frame[frame["m2"] > 0].astype({"from": str, "to": str})
    return frame.pivot_table(index="from", columns="to", values="m2", aggfunc="sum", fill_value=0.0)


def diff_layers(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    *,
    id_field: str = "id",
    class_field: str | None = None,
    tolerance_m2: float = GEOMETRY_TOLERANCE_M2,
    names: tuple[str, str] = ("old", "new"),
    repair: bool = False,
) -> LayerDiff:
    """Compare two versions of a polygon layer, feature by feature, by area.

    Parameters
    ----------
    old, new : geopandas.GeoDataFrame
        The two versions (any explicit CRS each; compared in the CRS they share,
        or the larger one's; the pieces are returned in EPSG:4326).
    id_field : str
        Field matching a feature across versions (unique and non-blank in each).
    class_field : str, optional
        Land-use class field: fills ``old_class``/``new_class`` and the matrix.
    tolerance_m2 : float
        Symmetric difference (m²) up to which a geometry counts as unchanged.
    names : (str, str)
        How to name the versions in messages (their files).
    repair : bool
        Repair invalid geometries instead of refusing them.

    Returns
    -------
    LayerDiff

    Examples
    --------
    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame({"id": ["x"], "name": ["A"]}, geometry=[box(106, 29, 106.01, 29.01)],
    ...                      crs=4326)
    >>> b = a.assign(name=["B"])
    >>> diff_layers(a, b).features[["id", "status", "changed_fields"]].to_dict("records")
    [{'id': 'x', 'status': 'attributes_changed', 'changed_fields': 'name'}]
    """
    (o, n), repairs = ready_layers(
        [(old, names[0], id_field), (new, names[1], id_field)], repair=repair
    )
    if class_field is not None:
        for gdf, source in ((o, names[0]), (n, names[1])):
            require_field(gdf, source, class_field, "--class-field")
    crs = require_crs(o, names[0])
    o_ids = require_unique(o, names[0], id_field)
    n_ids = require_unique(n, names[1], id_field)
    fields = [
        c
        for c in dict.fromkeys([*o.columns, *n.columns])
        if c not in _NOT_COMPARED and c != id_field
    ]
    by_old = dict(zip(o_ids, (row for _, row in o.iterrows()), strict=True))
    by_new = dict(zip(n_ids, (row for _, row in n.iterrows()), strict=True))
    rows, pieces = [], []
    for ident in [*o_ids, *(i for i in n_ids if i not in by_old)]:
        old_row, new_row = by_old.get(ident), by_new.get(ident)
        row, found = _compare(old_row, new_row, ident, fields, class_field, tolerance_m2, crs)
        rows.append(row)
        pieces += found
    table = pd.DataFrame(rows)
    table["old_m2"] = [
        float(area_m2([by_old[i].geometry], crs)[0]) if i in by_old else 0.0 for i in table["id"]
    ]
    table["new_m2"] = [
        float(area_m2([by_new[i].geometry], crs)[0]) if i in by_new else 0.0 for i in table["id"]
    ]
    frame = pd.DataFrame(pieces, columns=["id", "change", "class_code", "geometry"])
    geoms = polygonal(np.asarray(frame["geometry"], dtype=object)) if len(frame) else np.empty(0)
    layer = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(geoms), crs=crs)
    layer["area_m2"] = area_m2(geoms, crs) if len(layer) else []
    layer = layer.to_crs(WGS84)  # the output layer stays lon/lat: its vertices moved, last
    if "synthetic" in o.columns or "synthetic" in n.columns:  # made-up data stays marked
        marked = {i for i, row in [*by_old.items(), *by_new.items()] if _flag(row)}
        layer["synthetic"] = [i in marked for i in layer["id"]]
    matrix = _matrix(o, n, class_field, crs) if class_field else None
    return LayerDiff(table[FEATURE_COLUMNS], layer, matrix, repairs, (o, n))
