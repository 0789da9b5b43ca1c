"""What changed between two versions of a layer: per feature, as pieces, and per class.

Features are matched by an id field (``id`` by default). Each feature gets one
status, geometry winning over attributes:

* ``added`` (in NEW only), ``removed`` (in OLD only);
* ``geometry_changed``: the symmetric difference of its two versions has more
  than ``tolerance_m2`` of area (so re-digitising noise or a new vertex on the
  same edge is not a change);
* ``attributes_changed``: same geometry, some property differs (``changed_fields``);
* ``unchanged``;
A re-id is a feature in one version only (``removed`` or ``added``: the
statuses stay the five of the stated interface) whose land is, within
``tolerance_m2``, exactly the land of features in the other version only (a
road split into two ids, a parcel renumbered): one removed equal to one added,
or one to the union of several (:func:`_reids`). It names the other side
(``new_ids`` on the OLD feature's row, ``old_ids`` on the NEW one's,
:func:`reid_rows`), has no 调入/调出 (0 m², no piece), and its land's class
change, if any, is in the matrix (which cuts land, not ids). These two columns
are added only when some feature is a re-id: a diff without one is as before.

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS

from spatial.cpus import usable_cpus
from spatial.crs import WGS84, reproject
from spatial.landuse.fields import require_field
from spatial.preconditions import require_crs
from spatial.review._fast import FAST_MIN_FEATURES, box_candidates, orient_in_place, ready_fast
from spatial.review._pieces import (
    area_m2,
    cut_pairs,
    cut_run,
    polygonal,
    ready_layers,
    require_unique,
)
from spatial.review._twins import UndecodedTwins, ready_twins, same_objects
from spatial.review.terms import GEOMETRY_TOLERANCE_M2, STATUSES  # named without pandas
from spatial.validate.inputs import Repair

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "FEATURE_COLUMNS",
    "GEOMETRY_TOLERANCE_M2",
    "REID_COLUMNS",
    "STATUSES",
    "LayerDiff",
    "diff_layers",
    "reid_rows",
]

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
#: Columns added to the feature table when some feature is a re-id (the other side's ids).
REID_COLUMNS = ["old_ids", "new_ids"]
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
        (``class_code``, and under the class field's own name, ``YDYHFLDM``, when
        one is given; ``synthetic`` when the inputs mark made-up features so).
    matrix : pandas.DataFrame or None
        From-class (rows) × to-class (columns) area in m², when a class field is given.
    repairs : list of Repair
        Geometries repaired on request.
    compared : (GeoDataFrame, GeoDataFrame)
        OLD and NEW as compared, their rings oriented unless ``oriented`` is
        False (a large pair's unchanged twins are left as read:
        :func:`~spatial.review._twins.ready_twins`); read :attr:`versions`.
    oriented : bool
        Whether every ring of ``compared`` is oriented.
    twins : (ndarray, ndarray) or None
        Where ``compared`` is not oriented: positions in OLD and in NEW of the
        unchanged features, some of them twins (one geometry object in both),
        oriented once for both when :attr:`versions` is first asked.
    undecoded : UndecodedTwins or None
        Twins never built (None in both ``compared`` versions): built from
        OLD's WKB, then oriented, when :attr:`versions` is first asked.
    """

    features: pd.DataFrame
    pieces: gpd.GeoDataFrame
    matrix: pd.DataFrame | None
    repairs: list[Repair]
    compared: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]
    oriented: bool = True
    twins: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None = None
    undecoded: UndecodedTwins | None = None

    @property
    def versions(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """OLD and NEW as compared: validated, repaired on request, rings oriented.

        In the CRS they were compared in (what a map of the comparison must
        draw). Twins left as read are oriented here, once, when first asked:
        a twin stays one geometry shared by both versions.
        """
        if self.undecoded is not None:
            self.compared = self.undecoded.filled(*self.compared)
            self.undecoded = None
        if not self.oriented:
            self.compared = _versions_oriented(self.compared, self.twins)
            self.oriented, self.twins = True, None
        return self.compared

    @versions.setter
    def versions(self, value: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
        self.compared, self.oriented, self.twins, self.undecoded = value, True, None, None


def _versions_oriented(
    compared: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
    twins: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]] | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return OLD and NEW with every ring oriented, each twin oriented once and shared.

    ``twins``: positions in OLD and in NEW of features that may be one object in
    both (those that are get OLD's oriented copy in NEW too; the others of NEW
    are oriented on their own). The same geometries as ``shapely.orient_polygons``
    of each version, bit for bit, with two sets of geometries alive at most
    (as read and oriented), not three.
    """
    old, new = compared
    og = orient_in_place(np.array(old.geometry.array, dtype=object), usable_cpus())
    ng = np.array(new.geometry.array, dtype=object)
    rest = np.ones(len(ng), dtype=bool)  # NEW features that are no twin
    if twins is not None and len(twins[0]):
        old_pos, new_pos = twins
        one = same_objects(np.asarray(old.geometry.array, dtype=object)[old_pos], ng[new_pos])
        ng[new_pos[one]] = og[old_pos[one]]  # the one oriented copy
        rest[new_pos[one]] = False
    orient_in_place(ng, usable_cpus(), at=rest)
    return (
        old.set_geometry(gpd.GeoSeries(og, index=old.index, crs=old.crs)),
        new.set_geometry(gpd.GeoSeries(ng, index=new.index, crs=new.crs)),
    )


def _same(a: object, b: object) -> bool:
    missing_a = a is None or (isinstance(a, float) and np.isnan(a))
    missing_b = b is None or (isinstance(b, float) and np.isnan(b))
    if missing_a or missing_b:
        return missing_a and missing_b
    return bool(a == b) or str(a) == str(b)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _values(gdf: gpd.GeoDataFrame, field: str, at: np.ndarray) -> np.ndarray:
    """Values of ``field`` at positions ``at`` (-1: no such feature, None), as objects."""
    if field not in gdf.columns:
        return np.full(len(at), None, dtype=object)
    values = np.empty(len(gdf) + 1, dtype=object)
    values[:-1] = gdf[field].to_numpy(dtype=object)
    values[-1] = None
    picked: np.ndarray = values[np.where(at >= 0, at, len(gdf))]
    return picked


def _differ(a: np.ndarray, b: np.ndarray, both: np.ndarray) -> np.ndarray:
    """Where ``a`` and ``b`` are both present and not :func:`_same` (equal values tested once).

    Values equal by ``==`` are the same; only the others (a NaN, a number
    against its text, a real change) are looked at one by one.
    """
    try:
        equal = np.asarray(a == b, dtype=bool)
    except (TypeError, ValueError):  # a value whose == is no bool (pd.NA): one by one
        equal = np.zeros(len(a), dtype=bool)
    if equal.shape != a.shape:
        equal = np.zeros(len(a), dtype=bool)
    out = np.zeros(len(a), dtype=bool)
    for k in np.flatnonzero(both & ~equal):
        out[k] = not _same(a[k], b[k])
    return out


def _is_text(gdf: gpd.GeoDataFrame, field: str) -> bool:
    """Whether ``field`` is a text column whose missing values are NaN (pandas' ``str``)."""
    dtype = gdf[field].dtype if field in gdf.columns else None
    if not isinstance(dtype, pd.StringDtype):
        return False
    return isinstance(dtype.na_value, float) and np.isnan(dtype.na_value)


def _field_differs(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    field: str,
    at: tuple[np.ndarray, np.ndarray],
    both: np.ndarray,
) -> np.ndarray:
    """Where a feature in both versions has another value of ``field`` (:func:`_same`).

    Two text columns are compared as columns (two missing values are the
    same, one missing is a change); any other pair value by value.
    """
    oi, ni = at
    if not both.any():  # no feature in both (an empty version): nothing changed a field
        return np.zeros(len(oi), dtype=bool)
    if not (_is_text(old, field) and _is_text(new, field)):
        return _differ(_values(old, field, oi), _values(new, field, ni), both)
    a = old[field].array.take(np.where(both, oi, 0))
    b = new[field].array.take(np.where(both, ni, 0))
    missing_a, missing_b = np.asarray(a.isna()), np.asarray(b.isna())
    equal = np.asarray(a == b, dtype=bool) | (missing_a & missing_b)
    out: np.ndarray = both & ~equal
    return out


def _changed_fields(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    oi: np.ndarray,
    ni: np.ndarray,
    fields: Sequence[str],
) -> np.ndarray:
    """For each pair of positions, the fields whose values differ, joined by ", " (objects).

    Only a feature in both versions has changed fields: one added or removed has none.
    Each field is compared over every feature at once; names are joined only
    where some field differs.
    """
    both = (oi >= 0) & (ni >= 0)
    differ = [_field_differs(old, new, f, (oi, ni), both) for f in fields]
    changed = np.full(len(oi), "", dtype=object)
    if not differ:
        return changed
    table = np.column_stack(differ)
    for k in np.flatnonzero(table.any(axis=1)):
        changed[k] = ", ".join(f for f, d in zip(fields, table[k], strict=True) if d)
    return changed


def _classes(gdf: gpd.GeoDataFrame, field: str | None, at: np.ndarray) -> np.ndarray:
    """Return the class at each position (-1: none) as objects, None where missing (None, NaN).

    A text column (missing values NaN) gives one object per distinct class, not per row.
    """
    if field is None:
        return np.full(len(at), None, dtype=object)
    if _is_text(gdf, field):
        codes, uniques = pd.factorize(gdf[field])  # missing: -1
        distinct = np.empty(len(uniques) + 1, dtype=object)
        distinct[:-1] = np.asarray(uniques, dtype=object)
        distinct[-1] = None
        number = np.where(at >= 0, codes[np.maximum(at, 0)] if len(codes) else -1, -1)
        picked: np.ndarray = distinct[number]
        return picked
    values = _values(gdf, field, at)
    maybe = np.flatnonzero(pd.isna(values))  # pd.NA too: looked at one by one
    values[[k for k in maybe if _is_missing(values[k])]] = None
    return values


def _flagged(gdf: gpd.GeoDataFrame, ids: list[str]) -> set[str]:
    """Ids of the features marked ``synthetic`` (made-up data stays marked)."""
    if "synthetic" not in gdf.columns:
        return set()
    return {
        i
        for i, v in zip(ids, gdf["synthetic"].to_numpy(dtype=object), strict=True)
        if not _is_missing(v) and bool(v)
    }


def _order(o_ids: list[str], n_ids: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the ids in report order (OLD's, then NEW's additions) and each one's positions.

    Positions in OLD and in NEW, -1 where the version has no such feature
    (ids are unique in each version: matched in bulk, by Arrow's hash index).
    """
    if o_ids == n_ids:  # the same ids in the same order (a revision exported alike)
        every = np.arange(len(o_ids), dtype=np.intp)
        return list(o_ids), every, every.copy()
    old_ids, new_ids = pa.array(o_ids, pa.large_string()), pa.array(n_ids, pa.large_string())
    in_old = _positions_in(new_ids, old_ids)
    added = np.flatnonzero(in_old < 0)
    order = [*o_ids, *(n_ids[k] for k in added)]
    oi = np.full(len(order), -1, dtype=np.intp)
    oi[: len(o_ids)] = np.arange(len(o_ids))
    ni = np.concatenate([_positions_in(old_ids, new_ids), added]).astype(np.intp)
    return order, oi, ni


def _positions_in(values: pa.Array, value_set: pa.Array) -> np.ndarray:
    """Position of each of ``values`` in ``value_set`` (unique), -1 where it is not there."""
    if not len(values):
        return np.zeros(0, dtype=np.intp)
    found = pc.fill_null(pc.index_in(values, value_set=value_set), -1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)


def _sides(
    og: np.ndarray, ng: np.ndarray, oi: np.ndarray, ni: np.ndarray, same: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (gained, lost, moved): NEW less OLD and OLD less NEW per feature, in the work frame.

    ``same`` are the rows whose two versions have the same coordinates
    (:func:`_unchanged`): not differenced. ``moved``: the rows in both
    versions that were differenced.
    """
    n = len(oi)
    empty = shapely.Polygon()
    gained = np.full(n, empty, dtype=object)
    lost = np.full(n, empty, dtype=object)
    only_new, only_old = oi < 0, ni < 0
    gained[only_new] = ng[ni[only_new]]
    lost[only_old] = og[oi[only_old]]
    both = ~only_new & ~only_old
    both[same] = False
    moved = np.flatnonzero(both)
    a, b = og[oi[moved]], ng[ni[moved]]
    gained[moved] = shapely.difference(b, a)
    lost[moved] = shapely.difference(a, b)
    return gained, lost, moved


#: The statuses as objects, in the order :func:`_statuses` numbers them (one object each).
_STATUS_OBJECTS = np.array(
    ["added", "removed", "geometry_changed", "attributes_changed", "unchanged"], dtype=object
)


def _statuses(
    oi: np.ndarray, ni: np.ndarray, moved_m2: np.ndarray, changed: np.ndarray, tolerance_m2: float
) -> np.ndarray:
    """Each row's status (objects): the first of added, removed, geometry, attributes that holds.

    A million rows share five string objects rather than holding one each.
    """
    has_fields = np.asarray(changed != "", dtype=bool)
    number = np.select(
        [oi < 0, ni < 0, moved_m2 > tolerance_m2, has_fields], [0, 1, 2, 3], default=4
    )
    status: np.ndarray = _STATUS_OBJECTS[number]
    return status


def _pieces(
    order: list[str],
    sides: tuple[np.ndarray, np.ndarray],
    areas: tuple[np.ndarray, np.ndarray],
    classes: tuple[np.ndarray, np.ndarray],
    ends: tuple[np.ndarray, np.ndarray],
    tolerance_m2: float,
) -> pd.DataFrame:
    """Return the 调入 (added) and 调出 (removed) pieces per feature in ``order``, added first."""
    (gained, lost), (gained_m2, lost_m2), (old_class, new_class) = sides, areas, classes
    only_new, only_old = ends
    take_added = (gained_m2 > tolerance_m2) | (only_new & (gained_m2 > 0))
    take_removed = (lost_m2 > tolerance_m2) | (only_old & (lost_m2 > 0))
    rows = []
    for k in np.flatnonzero(take_added | take_removed):
        if take_added[k]:
            rows.append((order[k], "added", new_class[k], gained[k]))
        if take_removed[k]:
            rows.append((order[k], "removed", old_class[k], lost[k]))
    return pd.DataFrame(rows, columns=["id", "change", "class_code", "geometry"])


def _with_class_field(pieces: gpd.GeoDataFrame, class_field: str) -> gpd.GeoDataFrame:
    """Return the pieces with their class also under the layers' own field (``YDYHFLDM``).

    Beside ``class_code`` (kept for scripts), so a written layer names the class
    as the planner's layers do.
    """
    if class_field in pieces.columns:
        return pieces
    out = pieces.copy()
    out.insert(list(out.columns).index("class_code") + 1, class_field, out["class_code"])
    return out


def _outside_m2(
    geoms: np.ndarray, mine: np.ndarray, theirs: np.ndarray, others: np.ndarray, crs: CRS
) -> np.ndarray:
    """Area (m²) of each geometry outside every geometry of the other version.

    ``mine``/``theirs`` are the pairs of :func:`cut_pairs` (positions in
    ``geoms`` and in ``others`` that share area). A geometry covered by one of
    its partners (an unchanged feature) has none; the rest are differenced from
    the union of their partners only, not of the whole other version.
    """
    outside_m2 = np.zeros(len(geoms))
    covered = np.zeros(len(geoms), dtype=bool)
    covered[mine[shapely.covered_by(geoms[mine], others[theirs])]] = True
    rest = np.flatnonzero(~covered)
    if not len(rest):
        return outside_m2
    order = np.argsort(mine, kind="stable")
    mine, theirs = mine[order], theirs[order]
    first = np.searchsorted(mine, rest, side="left")
    last = np.searchsorted(mine, rest, side="right")
    left = [
        shapely.difference(geoms[i], shapely.union_all(others[theirs[s:e]])) if e > s else geoms[i]
        for i, s, e in zip(rest, first, last, strict=True)
    ]
    outside_m2[rest] = area_m2(left, crs)
    return outside_m2


def _unchanged(
    oi: np.ndarray, ni: np.ndarray, og: np.ndarray, ng: np.ndarray, *, shared: bool = False
) -> np.ndarray:
    """Rows of ``order`` whose feature is in both versions with the same coordinates.

    ``shared``: the versions were readied clean by :func:`ready_twins`, so a
    geometry that is one object in both (a twin) has finite coordinates and
    equals itself exactly; only the others are compared by GEOS.
    """
    both = np.flatnonzero((oi >= 0) & (ni >= 0))
    a, b = og[oi[both]], ng[ni[both]]
    same = same_objects(a, b) if shared else np.zeros(len(both), dtype=bool)
    rest = np.flatnonzero(~same)
    same[rest] = shapely.equals_exact(a[rest], b[rest], tolerance=0.0)
    unchanged: np.ndarray = both[same]
    return unchanged


def _cut_frame(
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray], from_: Any, to: Any, crs: CRS
) -> pd.DataFrame:
    """Rows ``from, to, m2`` of cut pieces (``from_``/``to``: each pair's classes)."""
    return pd.DataFrame({"from": from_, "to": to, "m2": area_m2(pairs[2], crs)})


def _class_values(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, field: str) -> tuple[Any, Any]:
    """Both versions' class values, to be taken at positions for the matrix's frame.

    Text columns (missing values NaN) stay text arrays (no object per row: the
    frame converts them to text all the same); any other column as objects.
    """
    if _is_text(old, field) and _is_text(new, field):
        return old[field].array, new[field].array
    return old[field].to_numpy(dtype=object), new[field].to_numpy(dtype=object)


def _split(n: int, unchanged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the positions ``0..n-1`` not in ``unchanged``, and those in it, both ascending."""
    mask = np.zeros(n, dtype=bool)
    mask[unchanged] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _cut_few(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~spatial.review._pieces.cut_pairs` of ``a`` by ``b``, the tree on the smaller side.

    The same pairs in the same order (sorted by ``a``, then ``b``) and the same
    pieces: a box pair meets either way round. A few changed features against a
    million build a tree of the few, not of the million; none build none.
    """
    if not len(a) or not len(b):
        return cut_pairs(a, b[:0])
    if len(a) >= len(b):
        return cut_pairs(a, b)
    bi, ai = shapely.STRtree(a).query(b)
    order = np.lexsort((bi, ai))
    ai, bi, pieces, _ = cut_run(a, b, ai[order], bi[order], np.zeros((0, 4)), 0)
    return ai, bi, pieces


def _matrix(
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
    geoms: tuple[np.ndarray, np.ndarray],
    class_field: str,
    crs: CRS,
    same: tuple[np.ndarray, np.ndarray],
    old_whole_m2: np.ndarray,
) -> pd.DataFrame:
    """From-class × to-class areas (m²): OLD cut by NEW in ``crs``, plus what is in one only.

    ``same`` gives the positions in OLD and in NEW of the features that did
    not change (same id, same coordinates): each counts whole, uncut, from its
    old class to its new one. Only the others are cut: each changed or removed
    OLD feature by every NEW one, each changed or added NEW feature by the
    unchanged OLD ones, and only their parts outside the other version are
    measured (``old_whole_m2``: each OLD feature's area of record, m²). Two
    different features that did not change count no area between them (an
    overlap within the layer is no change). ``geoms``: the versions'
    geometries, oriented wherever a box meets a changed feature's.
    """
    (old, new), (og, ng) = versions, geoms
    oc, nc = _class_values(old, new, class_field)
    u_old, u_new = same
    c_old, u_sorted = _split(len(og), u_old)
    c_new, _ = _split(len(ng), u_new)
    ai, bi, pieces = _cut_few(og[c_old], ng)  # changed OLD against all of NEW
    ni3, ui3, pieces3 = _cut_few(ng[c_new], og[u_sorted])  # changed NEW against unchanged OLD
    in_new = np.full(len(ng), -1, dtype=np.intp)
    in_new[c_new] = np.arange(len(c_new))
    to_changed = in_new[bi] >= 0
    only_old = _outside_m2(og[c_old], ai, bi, ng, crs)
    only_new = _outside_m2(
        ng[c_new],
        np.concatenate([in_new[bi[to_changed]], ni3]),
        np.concatenate([c_old[ai[to_changed]], u_sorted[ui3]]),
        og,
        crs,
    )
    frame = pd.concat(
        [
            pd.DataFrame({"from": oc[u_old], "to": nc[u_new], "m2": old_whole_m2[u_old]}),
            _cut_frame((ai, bi, pieces), oc[c_old[ai]], nc[bi], crs),
            _cut_frame((ni3, ui3, pieces3), oc[u_sorted[ui3]], nc[c_new[ni3]], crs),
            pd.DataFrame({"from": oc[c_old], "to": "(none)", "m2": only_old}),
            pd.DataFrame({"from": "(none)", "to": nc[c_new], "m2": only_new}),
        ],
        ignore_index=True,
    )
    frame = frame[frame["m2"] > 0].astype({"from": str, "to": str})
    return frame.pivot_table(index="from", columns="to", values="m2", aggfunc="sum", fill_value=0.0)


#: Geometries measured in one call by :func:`_area_m2` (their coordinates in memory at once).
_AREA_CHUNK = 100_000


def _area_m2(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """:func:`~spatial.review._pieces.area_m2` in slices on the usable CPUs.

    Each geometry's figure is its own (the same bits in any slice, on any thread).
    """
    if len(geoms) <= _AREA_CHUNK:
        return area_m2(geoms, crs) if len(geoms) else np.zeros(0)
    starts = range(0, len(geoms), _AREA_CHUNK)
    threads = min(usable_cpus(), len(starts))
    if threads <= 1:
        return np.concatenate([area_m2(geoms[s : s + _AREA_CHUNK], crs) for s in starts])
    with ThreadPoolExecutor(max_workers=threads) as pool:
        parts = list(pool.map(lambda s: area_m2(geoms[s : s + _AREA_CHUNK], crs), starts))
    return np.concatenate(parts)


def _one_by_one(layers: list[tuple[gpd.GeoDataFrame, str, str]]) -> bool:
    """Whether the versions can be readied one after the other: all large, in one CRS."""
    crs = [gdf.crs for gdf, _, _ in layers]
    large = all(len(gdf) > FAST_MIN_FEATURES for gdf, _, _ in layers)
    return large and crs[0] is not None and all(c is not None and c.equals(crs[0]) for c in crs)


def _orient_near_changes(
    og: np.ndarray,
    ng: np.ndarray,
    same: tuple[np.ndarray, np.ndarray],
    undecoded: UndecodedTwins | None = None,
) -> None:
    """Orient, in ``og`` and ``ng``, each unchanged feature whose box meets a changed one's.

    ``same``: positions in OLD and in NEW of the unchanged features (a twin is
    one object in both: both get the one oriented copy). Only these can be cut
    against a changed feature (the cuts pair features whose boxes meet), so
    every geometry GEOS cuts has its rings oriented. A twin left undecoded
    (``undecoded``) is tested by its box from the WKB and built only if near.
    """
    u_old, u_new = same
    changed = np.concatenate([og[_split(len(og), u_old)[0]], ng[_split(len(ng), u_new)[0]]])
    if not len(changed) or not len(u_old):
        return
    if undecoded is None:
        near = np.unique(shapely.STRtree(changed).query(og[u_old])[0])
    else:  # the boxes STRtree.query compares, from the WKB where a twin is not built
        boxes = undecoded.scan.bounds[u_old]
        built = np.flatnonzero(~shapely.is_missing(og[u_old]))
        boxes[built] = shapely.bounds(og[u_old[built]])
        near = box_candidates(boxes, changed[~shapely.is_empty(changed)])
        undecoded.fill(og, ng, u_old[near])
    fresh = shapely.orient_polygons(og[u_old[near]])
    og[u_old[near]] = fresh
    ng[u_new[near]] = fresh


def _old_area_m2(
    geoms: np.ndarray, crs: CRS, *, oriented: bool, undecoded: UndecodedTwins | None = None
) -> np.ndarray:
    """Areas of record of OLD's geometries (m²), as oriented (:func:`_area_m2` where they are).

    Where some rings may turn the other way (twins left as read), each is
    measured as its oriented copy would be (the same figures, bit for bit), in
    slices on the usable CPUs, no copy built.
    """
    if oriented or not len(geoms):
        return _area_m2(geoms, crs)
    if undecoded is not None:
        return _old_area_from_wkb_m2(geoms, crs, undecoded)
    from spatial.measure.area import ellipsoidal_area_m2  # noqa: PLC0415

    starts = range(0, len(geoms), _AREA_CHUNK)
    threads = min(usable_cpus(), len(starts))

    def one(start: int) -> np.ndarray:
        return ellipsoidal_area_m2(
            gpd.GeoSeries(geoms[start : start + _AREA_CHUNK], crs=crs), oriented=True
        )

    if threads <= 1:
        return np.concatenate([one(s) for s in starts])
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return np.concatenate(list(pool.map(one, starts)))


def _old_area_from_wkb_m2(geoms: np.ndarray, crs: CRS, undecoded: UndecodedTwins) -> np.ndarray:
    """:func:`_old_area_m2` of OLD, its undecoded twins (None) measured from their WKB.

    Each feature's figure is that of its oriented geometry, bit for bit,
    whichever way it is measured; slices on the usable CPUs.
    """
    missing = np.asarray(shapely.is_missing(geoms), dtype=bool)
    areas = np.zeros(len(geoms))
    built = np.flatnonzero(~missing)
    areas[built] = _old_area_m2(geoms[built], crs, oriented=False)
    left = np.flatnonzero(missing)
    starts = range(0, len(left), _AREA_CHUNK)
    threads = min(usable_cpus(), len(starts))

    def one(start: int) -> np.ndarray:
        return undecoded.areas_m2(left[start : start + _AREA_CHUNK], crs)

    if threads <= 1:
        parts = [one(s) for s in starts]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(one, starts))
    if parts:
        areas[left] = np.concatenate(parts)
    return areas


def _ready_versions(
    layers: list[tuple[gpd.GeoDataFrame, str, str]],
    *,
    repair: bool,
    fast: bool,
    undecoded: UndecodedTwins | None = None,
) -> tuple[list[gpd.GeoDataFrame], list[Repair], bool]:
    """:func:`_ready_one_by_one`, or :func:`ready_twins` for versions sharing geometries.

    The third item says whether the versions came out of :func:`ready_twins`
    (clean, a twin one geometry object in both, or None in both where
    ``undecoded`` names it). Where they do not, every twin is built first:
    the plain path sees the versions as read.
    """
    if fast and not repair and len(layers) == 2:
        twins = ready_twins(layers, usable_cpus(), undecoded)
        if twins is not None:
            return twins, [], True
    if undecoded is not None:
        _build_twins(layers, undecoded)
    ready, repairs = _ready_one_by_one(layers, repair=repair, fast=fast)
    return ready, repairs, False


def _build_twins(
    layers: list[tuple[gpd.GeoDataFrame, str, str]], undecoded: UndecodedTwins
) -> None:
    """Replace the versions in ``layers`` by their frames with every twin built (as read)."""
    (old, old_name, old_id), (new, new_name, new_id) = layers
    old, new = undecoded.filled(old, new)
    layers[:] = [(old, old_name, old_id), (new, new_name, new_id)]


def _ready_one_by_one(
    layers: list[tuple[gpd.GeoDataFrame, str, str]], *, repair: bool, fast: bool
) -> tuple[list[gpd.GeoDataFrame], list[Repair]]:
    """Validate the versions and orient their rings (:func:`ready_fast`, else the plain path).

    Large versions in one CRS are readied one after the other, each replaced
    in ``layers`` by its readied copy: a version handed over whole (referenced
    nowhere else) is freed before the next is copied, so a pair of a million
    features never holds four copies of its geometries. The outcome is that of
    readying them together: one CRS needs no common frame, and when a version
    fails the fast test the plain path takes them all (those already readied
    are clean and oriented, which it leaves as they are).
    """
    if fast and not repair and _one_by_one(layers):
        for k, (_, name, id_field) in enumerate(layers):
            ready = ready_fast([layers[k]], usable_cpus())
            if ready is None:
                return ready_layers(layers, repair=repair)
            layers[k] = (ready[0], name, id_field)
        return [gdf for gdf, _, _ in layers], []
    ready = ready_fast(layers, usable_cpus()) if fast and not repair else None
    if ready is None:
        return ready_layers(layers, repair=repair)
    return ready, []


def _new_m2(
    ng: np.ndarray, ni: np.ndarray, oi: np.ndarray, same: np.ndarray, old_m2: np.ndarray, crs: CRS
) -> np.ndarray:
    """Return each NEW feature's area of record, m² (an unchanged one's is its OLD twin's)."""
    new_m2 = np.zeros(len(ng))
    new_m2[ni[same]] = old_m2[oi[same]]
    rest = np.ones(len(ng), dtype=bool)
    rest[ni[same]] = False
    new_m2[rest] = _area_m2(ng[rest], crs)
    return new_m2


def _moved_m2(
    sides: tuple[np.ndarray, np.ndarray],
    moved: np.ndarray,
    ends: tuple[np.ndarray, np.ndarray],
    whole_m2: tuple[np.ndarray, np.ndarray],
    crs: CRS,
) -> tuple[np.ndarray, np.ndarray]:
    """Areas (m²) of the gained and lost sides, measured only where something moved.

    An added feature gains its whole area, a removed one loses its whole; a
    feature in both versions with the same coordinates gains and loses none.
    """
    (gained, lost), (oi, ni), (old_m2, new_m2) = sides, ends, whole_m2
    gained_m2, lost_m2 = np.zeros(len(oi)), np.zeros(len(oi))
    gained_m2[moved] = _area_m2(gained[moved], crs)
    lost_m2[moved] = _area_m2(lost[moved], crs)
    added, removed = np.flatnonzero(oi < 0), np.flatnonzero(ni < 0)
    gained_m2[added] = new_m2[ni[added]]
    lost_m2[removed] = old_m2[oi[removed]]
    return gained_m2, lost_m2


def _good(geoms: np.ndarray) -> np.ndarray:
    """Where a geometry may be a re-id: present, not empty, valid, polygonal with area."""
    present = np.asarray(~shapely.is_missing(geoms), dtype=bool)
    good: np.ndarray = present.copy()
    good[present] = (
        ~shapely.is_empty(geoms[present])
        & shapely.is_valid(geoms[present])
        & (shapely.area(geoms[present]) > 0)
    )
    return good


def _components(n: int, pairs: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """Return the groups of nodes ``0..n-1`` joined by ``pairs`` (only nodes in some pair)."""
    parent = list(range(n))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in zip(*pairs, strict=True):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[ra] = rb
    joined = np.unique(np.concatenate(pairs))
    roots = np.array([root(int(k)) for k in joined], dtype=np.intp)
    by_root = np.argsort(roots, kind="stable")  # grouped in one sort, not one scan per group
    cuts = np.flatnonzero(np.diff(roots[by_root])) + 1
    return np.split(joined[by_root], cuts)


#: Slack of :func:`_box_within`, as a share of the larger box's diagonal (frame units).
_BOX_SLACK = 1e-6


def _box_within(one: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Where one bounding box lies within the other (either way), up to :data:`_BOX_SLACK`.

    ``one``, ``other``: ``(n, 4)`` bounds (xmin, ymin, xmax, ymax) in the work
    frame. Land re-identified lies within the bounds of the land it was (a part
    within its whole, or the same); two neighbours that only touch or share a
    sliver do not, and are not cut to find so.
    """
    diagonal = np.maximum(
        np.hypot(one[:, 2] - one[:, 0], one[:, 3] - one[:, 1]),
        np.hypot(other[:, 2] - other[:, 0], other[:, 3] - other[:, 1]),
    )
    slack = (diagonal * _BOX_SLACK)[:, None]
    low, high = np.array([1, 1, -1, -1]), np.array([-1, -1, 1, 1])
    a_in_b = np.all((one - other) * low >= -slack, axis=1)
    b_in_a = np.all((one - other) * high >= -slack, axis=1)
    out: np.ndarray = a_in_b | b_in_a
    return out


def reid_rows(features: pd.DataFrame) -> pd.Series:
    """Return which rows of a diff's feature table are re-ids (same land, new ids).

    Their status is ``removed`` (OLD's row, ``new_ids`` set) or ``added`` (NEW's
    row, ``old_ids`` set); all False when the table has no re-id columns.
    """
    if "new_ids" not in features.columns:
        return pd.Series(False, index=features.index)
    named = [features[c].fillna("").astype(str) != "" for c in REID_COLUMNS]
    return named[0] | named[1]


def _reids(
    order: list[str],
    geoms: tuple[np.ndarray, np.ndarray],
    ends: tuple[np.ndarray, np.ndarray],
    crs: CRS,
    tolerance_m2: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's re-id partners: (``old_ids``, ``new_ids``), "" where it is none.

    A feature removed from OLD and features added in NEW (or the reverse) are
    the same land when, in the work frame ``crs``, the symmetric difference of
    the one and the union of the others is at most ``tolerance_m2`` m² (the
    rule for "geometry unchanged"): one-to-one, one-to-many or many-to-one.
    Candidates are the removed and added features one of whose bounds lies
    within the other's (:func:`_box_within`) sharing more than
    ``tolerance_m2`` m² of area, grouped; a group with several on both sides
    is no re-id. A missing, empty or invalid geometry never matches.
    """
    (og, ng), (oi, ni) = geoms, ends
    old_ids = np.full(len(order), "", dtype=object)
    new_ids = np.full(len(order), "", dtype=object)
    removed, added = np.flatnonzero(ni < 0), np.flatnonzero(oi < 0)
    if not len(removed) or not len(added):
        return old_ids, new_ids
    rg, ag = og[oi[removed]], ng[ni[added]]
    removed, rg = removed[_good(rg)], rg[_good(rg)]
    added, ag = added[_good(ag)], ag[_good(ag)]
    if not len(removed) or not len(added):
        return old_ids, new_ids
    r, a = shapely.STRtree(ag).query(rg, predicate="intersects")
    inside = _box_within(shapely.bounds(rg[r]), shapely.bounds(ag[a]))
    r, a = r[inside], a[inside]
    if len(r):
        shared = _area_m2(shapely.intersection(rg[r], ag[a]), crs) > tolerance_m2
        r, a = r[shared], a[shared]
    if not len(r):
        return old_ids, new_ids
    groups = []
    for group in _components(len(rg) + len(ag), (r, a + len(rg))):
        mine, theirs = group[group < len(rg)], group[group >= len(rg)] - len(rg)
        if len(mine) == 1 or len(theirs) == 1:  # several on both sides: no re-id
            groups.append((mine, theirs))
    if not groups:
        return old_ids, new_ids
    ones = [shapely.union_all(rg[m]) if len(m) > 1 else rg[m[0]] for m, _ in groups]
    others = [shapely.union_all(ag[t]) if len(t) > 1 else ag[t[0]] for _, t in groups]
    apart = shapely.symmetric_difference(
        np.array(ones, dtype=object), np.array(others, dtype=object)
    )
    apart_m2 = _area_m2(np.asarray(apart, dtype=object), crs)  # measured at once
    for (mine, theirs), m2 in zip(groups, apart_m2, strict=True):
        if m2 > tolerance_m2:
            continue
        old_rows, new_rows = removed[mine], added[theirs]
        new_ids[old_rows] = ", ".join(order[k] for k in new_rows)
        old_ids[new_rows] = ", ".join(order[k] for k in old_rows)
    return old_ids, new_ids


def diff_layers(  # noqa: PLR0913 - keyword-only options past the two versions
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    *,
    id_field: str = "id",
    class_field: str | None = None,
    tolerance_m2: float = GEOMETRY_TOLERANCE_M2,
    names: tuple[str, str] = ("old", "new"),
    repair: bool = False,
    fast: bool = True,
    undecoded: UndecodedTwins | None = None,
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
    fast : bool
        Check a version of more than :data:`~spatial.review._fast.FAST_MIN_FEATURES`
        features with the validator's vectorised mirror
        (:func:`~spatial.review._fast.ready_fast`) instead of feature by feature;
        the result, a refusal and its message are the same either way.
    undecoded : UndecodedTwins, optional
        Twins of a large pair left undecoded by
        :func:`~spatial.review._twins.read_twins_undecoded` (None in both
        versions): built only where a step must see them; the result is the same.

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
    layers = [(old, names[0], id_field), (new, names[1], id_field)]
    del old, new  # versions handed over whole are freed as they are readied
    (o, n), repairs, shared = _ready_versions(layers, repair=repair, fast=fast, undecoded=undecoded)
    undecoded = undecoded if shared else None  # built whole for the other paths
    del layers
    if class_field is not None:
        for gdf, source in ((o, names[0]), (n, names[1])):
            require_field(gdf, source, class_field, "--class-field")
    crs = require_crs(o, names[0])
    validated = shared and id_field == "id"  # the validator's mirror found no repeated id
    o_ids = require_unique(o, names[0], id_field, validated=validated)
    n_ids = require_unique(n, names[1], id_field, validated=validated)
    fields = [
        c
        for c in dict.fromkeys([*o.columns, *n.columns])
        if c not in _NOT_COMPARED and c != id_field
    ]
    order, oi, ni = _order(o_ids, n_ids)
    og = np.array(o.geometry.array, dtype=object)  # own arrays: twins near a change get oriented
    ng = np.array(n.geometry.array, dtype=object)
    same = _unchanged(oi, ni, og, ng, shared=shared)
    if shared:  # twins as read: oriented only where GEOS cuts them
        _orient_near_changes(og, ng, (oi[same], ni[same]), undecoded)
    gained, lost, moved = _sides(og, ng, oi, ni, same)
    old_whole_m2 = _old_area_m2(og, crs, oriented=not shared, undecoded=undecoded)
    new_whole_m2 = _new_m2(ng, ni, oi, same, old_whole_m2, crs)
    gained_m2, lost_m2 = _moved_m2(
        (gained, lost), moved, (oi, ni), (old_whole_m2, new_whole_m2), crs
    )
    changed = _changed_fields(o, n, oi, ni, fields)
    classes = (_classes(o, class_field, oi), _classes(n, class_field, ni))
    status = _statuses(oi, ni, gained_m2 + lost_m2, changed, tolerance_m2)
    reid_old, reid_new = _reids(order, (og, ng), (oi, ni), crs, tolerance_m2)
    reid = (reid_old != "") | (reid_new != "")  # removed/added by id, the same land
    gained_m2[reid], lost_m2[reid] = 0.0, 0.0  # the same land: no 调入, no 调出, no piece
    table = pd.DataFrame(
        {
            "id": order,
            "status": status,
            "added_m2": gained_m2.astype(float),
            "removed_m2": lost_m2.astype(float),
            "changed_fields": changed,
            "old_class": classes[0],
            "new_class": classes[1],
            "old_m2": np.where(oi >= 0, old_whole_m2[np.maximum(oi, 0)], 0.0) if len(og) else 0.0,
            "new_m2": np.where(ni >= 0, new_whole_m2[np.maximum(ni, 0)], 0.0) if len(ng) else 0.0,
        }
    )
    frame = _pieces(
        order, (gained, lost), (gained_m2, lost_m2), classes, (oi < 0, ni < 0), tolerance_m2
    )
    geoms = polygonal(np.asarray(frame["geometry"], dtype=object)) if len(frame) else np.empty(0)
    layer = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(geoms), crs=crs)
    layer["area_m2"] = area_m2(geoms, crs) if len(layer) else []
    layer = reproject(layer, WGS84)  # the output layer stays lon/lat: its vertices moved, last
    if "synthetic" in o.columns or "synthetic" in n.columns:  # made-up data stays marked
        marked = _flagged(o, o_ids) | _flagged(n, n_ids)
        layer["synthetic"] = [i in marked for i in layer["id"]]
    if class_field:
        matrix = _matrix((o, n), (og, ng), class_field, crs, (oi[same], ni[same]), old_whole_m2)
        layer = _with_class_field(layer, class_field)
    else:
        matrix = None
    columns = FEATURE_COLUMNS
    if reid.any():  # only then: a diff without a re-id keeps its columns
        table["old_ids"], table["new_ids"] = reid_old, reid_new
        columns = [*FEATURE_COLUMNS, *REID_COLUMNS]
    twins = (oi[same], ni[same]) if shared else None
    return LayerDiff(table[columns], layer, matrix, repairs, (o, n), not shared, twins, undecoded)
