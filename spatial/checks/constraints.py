"""三区三线 constraint rules: ``must_not_occupy`` and ``must_lie_within``.

* ``must_not_occupy``: a checked feature (a zone, a parcel) must not occupy a
  protected area (生态保护红线, 永久基本农田): ``occupied_m2`` is the area it
  shares with the constraint layer, FAIL above ``max_occupied_m2``;
* ``must_lie_within``: a feature must lie inside the constraint layer (城镇开发边界):
  ``outside_m2`` is its area outside, FAIL above ``max_outside_m2``.

The constraint layer is any layer of the check (its ``constraint_layer``), read
with ``spatial check --constraint NAME=PATH`` or ``--within NAME=PATH``.

A constraint layer is land, not features: its features are dissolved first, in
the constraint's own CRS, so a place two features cover (a duplicate, an
overlap, as real constraint databases hold) is counted once in the rule, in the
conflict pieces and in the table per class.
The checked features are cut against that land in the frame of the two layers
(a Gauss–Krüger layer's CRS beside a lon/lat one, else the CRS of the one with
more features, the other moved with its edges kept:
:func:`spatial.checks.prepare.in_frame`), never after moving a Gauss–Krüger
layer to lon/lat, and each piece is measured there by the survey rule (areas of
record, GRS80/CGCS2000, m²). :func:`conflict_pieces` returns the pieces
themselves (one occupied part, or part outside, per checked feature and
constraint, or per feature and class of the constraint's land), each with the
ids on both sides and the land-use class, so the occupied area can be read per
class; the pieces of one feature are reconciled to the rule's figure, raw areas
kept (the model, and the rule followed, in :mod:`spatial.measure.reconcile`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from spatial.checked.report import CUT_FRAMES_ATTR
from spatial.checked.status import Status
from spatial.checks.kinds import rule_kind
from spatial.checks.prepare import frame_of, into
from spatial.cpus import usable_cpus
from spatial.crs import WGS84, reproject
from spatial.measure.area import ellipsoidal_area_m2
from spatial.measure.reconcile import reconcile_groups
from spatial.measure.rings import polygonal
from spatial.plan import Rule
from spatial.synthetic import SYNTHETIC_FIELD, is_synthetic
from spatial.units import M2_PER_HA, M2_PER_KM2, M2_PER_MU

__all__ = [
    "CONFLICT_COLUMNS",
    "CONSTRAINT_KINDS",
    "agreed_frames",
    "conflict_id_layers",
    "conflict_pieces",
    "constraint_rule",
    "must_lie_within",
    "must_not_occupy",
    "shared_cuts",
]

#: The constraint rule kinds and the name of their tolerance parameter (m²).
CONSTRAINT_KINDS: dict[str, str] = {
    "must_not_occupy": "max_occupied_m2",
    "must_lie_within": "max_outside_m2",
}
#: Columns of the conflict pieces layer (besides geometry), in order; ``synthetic`` only
#: when an input marks example data (示例数据), as :func:`spatial.synthetic.marked_only` writes.
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
    "area_raw_m2",
    "largest_adjustment_m2",
    "largest_adjustment_rel",
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


def conflict_id_layers(rules: Iterable[Rule]) -> dict[str, set[str]]:
    """Return, by id column of the conflict pieces, the layers whose features' ids it holds.

    ``zone_id``: the layers the constraint rules check; ``constraint_ids``: their
    constraint layers (what :meth:`spatial.export.frame.OutputFrame.naming_ids` takes).

    Examples
    --------
    >>> conflict_id_layers([constraint_rule("must_not_occupy", "farmland", "zones", 1.0)])
    {'zone_id': {'zones'}, 'constraint_ids': {'farmland'}}
    """
    on_constraints = [r for r in rules if r.kind in CONSTRAINT_KINDS]
    return {
        "zone_id": {r.layer for r in on_constraints},
        "constraint_ids": {str(r.params["constraint_layer"]) for r in on_constraints},
    }


#: Separator of the constraint feature ids of one piece (``constraint_ids``).
ID_SEPARATOR = ", "


def _m2(geoms: npt.NDArray[np.object_], crs: CRS) -> npt.NDArray[np.float64]:
    """Area of record (m²) of pieces stored in ``crs`` (lines and points count 0)."""
    if not len(geoms):
        return np.zeros(0)
    return ellipsoidal_area_m2(gpd.GeoSeries(geoms, crs=crs))


def _features(layers: Mapping[str, gpd.GeoDataFrame], rule: Rule) -> gpd.GeoDataFrame:
    layer = layers[rule.layer]
    if rule.ids is None:
        return layer
    return layer[layer["id"].isin(rule.ids)]


@dataclass(frozen=True)
class _Cut:
    """A constraint rule's checked features cut against the constraint's land, in one frame."""

    features: gpd.GeoDataFrame  # the checked features, in the frame
    constraint: gpd.GeoDataFrame  # the constraint's features near them, in the frame
    near: gpd.GeoDataFrame  # the same features, in the constraint's own CRS
    whole: gpd.GeoDataFrame  # every constraint feature, in its own CRS
    parts: npt.NDArray[np.object_]  # each feature's part in (or outside) the land
    area_m2: npt.NDArray[np.float64]  # each part's area of record
    crs: CRS  # the frame
    coverage: bool = False  # ``near`` is a valid polygonal coverage (so is any part of it)
    class_lands: Future[gpd.GeoDataFrame] | None = None  # ``near``'s land per class, made beside


def _is_coverage(geoms: npt.NDArray[np.object_]) -> bool:
    """Whether polygons (more than one) meet edge to edge without overlapping."""
    return len(geoms) > 1 and bool(shapely.coverage_is_valid(geoms))


def _dissolved(geoms: npt.NDArray[np.object_], within_coverage: bool = False) -> shapely.Geometry:
    """Return the union of polygons: a valid coverage (a survey's 图斑) by its edges, else whole.

    ``shapely.coverage_union_all`` (a few times faster) only where
    ``shapely.coverage_is_valid`` says the polygons meet edge to edge without
    overlapping; any other set by ``shapely.union_all``. ``within_coverage``:
    the polygons are part of a set found a valid coverage, so are one (the
    test, as costly as the union, is not repeated for each part).
    """
    if len(geoms) > 1 and (within_coverage or _is_coverage(geoms)):
        return shapely.coverage_union_all(geoms)
    return shapely.union_all(geoms)


def _land(
    constraint: gpd.GeoDataFrame, coverage: bool | None = None
) -> tuple[gpd.GeoDataFrame, bool]:
    """Return the constraint's features dissolved (its own CRS) and whether they are a coverage.

    ``coverage``: whether they are, when already known (:func:`_is_coverage`).
    """
    geoms = np.asarray(constraint.geometry.array, dtype=object)
    coverage = _is_coverage(geoms) if coverage is None else coverage
    union = _dissolved(geoms, coverage)
    return gpd.GeoDataFrame({"id": ["land"]}, geometry=[union], crs=constraint.crs), coverage


#: Most checked features whose boxes are tested against the constraint's one by one (numpy).
_LOOP_MAX_BOXES = 64


def _near(
    constraint: gpd.GeoDataFrame, features: gpd.GeoDataFrame, crs: CRS
) -> npt.NDArray[np.intp]:
    """Positions of the constraint's features whose box (in the frame) meets a checked feature's.

    Boxes are padded by 1e-7 of the largest coordinate (0.3 m in a Gauss–Krüger
    frame, 1e-5° in lon/lat), so a feature that shares area with a checked one
    is never left out; the others cannot change the checked features' parts.
    """
    moved = into(constraint, crs)
    theirs = shapely.bounds(np.asarray(moved.geometry.array, dtype=object))
    ours = shapely.bounds(np.asarray(features.geometry.array, dtype=object))
    if not len(theirs) or not len(ours):
        return np.zeros(0, dtype=np.intp)
    with np.errstate(invalid="ignore"):
        pad = 1e-7 * max(1.0, float(np.nanmax(np.abs(ours))))
    ours = ours + np.array([-pad, -pad, pad, pad])
    if len(ours) <= _LOOP_MAX_BOXES:
        near = np.zeros(len(theirs), dtype=bool)
        for x0, y0, x1, y1 in ours:
            near |= (
                (theirs[:, 2] >= x0)
                & (theirs[:, 0] <= x1)
                & (theirs[:, 3] >= y0)
                & (theirs[:, 1] <= y1)
            )
        return np.flatnonzero(near)
    tree = shapely.STRtree(np.asarray(shapely.box(*ours.T), dtype=object))
    found, _ = tree.query(np.asarray(shapely.box(*theirs.T), dtype=object))
    return np.unique(found)


#: Within :func:`shared_cuts`: each rule's cut, by the rule and the two layers it was made of
#: (held with it, so that their ids stay theirs); None outside.
_CUTS: ContextVar[dict[tuple[int, int, int], tuple[_Cut | None, tuple[object, ...]]] | None] = (
    ContextVar("_CUTS", default=None)
)


@contextmanager
def shared_cuts() -> Iterator[None]:
    """Within it, each constraint rule cuts its land once, for its rows and its conflict pieces.

    :func:`spatial.checks.run_checks` takes the rule rows and the conflict
    pieces of the same layers within it; the cut (the dissolve of the land and
    the features cut against it, in the frame of the two layers) is made for
    the first and reused, the same objects, by the second.
    """
    token = _CUTS.set({})
    try:
        yield
    finally:
        _CUTS.reset(token)


def _measured(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, class_field: str | None = None
) -> _Cut | None:
    """Return the rule's cut (:func:`_cut`), once per rule and layers within :func:`shared_cuts`."""
    cuts = _CUTS.get()
    if cuts is None:
        return _cut(layers, rule, class_field)
    checked, constraint = layers.get(rule.layer), layers.get(rule.params["constraint_layer"])
    key = (id(rule), id(checked), id(constraint))
    if key not in cuts:
        cuts[key] = (_cut(layers, rule, class_field), (rule, checked, constraint))
    return cuts[key][0]


def _lands_beside(
    near: gpd.GeoDataFrame, class_field: str, coverage: bool
) -> Future[gpd.GeoDataFrame]:
    """Start :func:`_class_lands` of ``near`` on a thread of its own; return its future.

    The thread works on copies of the features, vertex for vertex (no GEOS
    object read by two threads), so its lands are those made here, byte for
    byte; it runs while the cut dissolves the whole land and cuts the features.
    """
    geoms = np.asarray(near.geometry.array, dtype=object)
    copies = near.set_geometry(shapely.from_wkb(shapely.to_wkb(geoms)), crs=near.crs)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(_class_lands, copies, class_field, coverage)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its work


def _cut(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, class_field: str | None = None
) -> _Cut | None:
    """Return the checked features cut against the constraint's land (None: no constraint layer).

    The land is dissolved in the constraint's CRS, then the features, the land
    and the constraint's features are brought into the frame of the checked and
    the constraint layers (:func:`~spatial.checks.prepare.frame_of`), where the
    cut is made and measured. Only the constraint's features near the checked
    ones (:func:`_near`) are dissolved: a district's 永久基本农田 of a million
    图斑 is not unioned whole to be cut by a few zones. With ``class_field``
    (the pieces are split by the constraint's class: :func:`_by_class`), the
    land per class is started beside the cut (:func:`_lands_beside`).
    """
    constraint = layers.get(rule.params["constraint_layer"])
    if constraint is None:
        return None
    crs = frame_of(layers[rule.layer], constraint)
    features = into(_features(layers, rule), crs)
    near = constraint.iloc[_near(constraint, features, crs)]
    coverage = _is_coverage(np.asarray(near.geometry.array, dtype=object))
    classes = None if class_field is None else _lands_beside(near, class_field, coverage)
    dissolved, coverage = _land(near, coverage)
    land = into(dissolved, crs).geometry.iloc[0]
    geoms = np.asarray(features.geometry.array, dtype=object)
    if rule.kind == "must_not_occupy":
        parts = shapely.intersection(geoms, land)
    else:
        parts = shapely.difference(geoms, land)
    area_m2 = _m2(parts, crs)
    return _Cut(features, into(near, crs), near, constraint, parts, area_m2, crs, coverage, classes)


def _rows(layers: Mapping[str, gpd.GeoDataFrame], rule: Rule) -> list[dict[str, Any]]:
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
    features, area = measured.features, measured.area_m2
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


@rule_kind("must_not_occupy")
def must_not_occupy(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, gk: object = None
) -> list[dict[str, Any]]:
    """Each feature's area shared with the constraint layer, at most ``max_occupied_m2``."""
    return _rows(layers, rule)


@rule_kind("must_lie_within")
def must_lie_within(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, gk: object = None
) -> list[dict[str, Any]]:
    """Each feature's area outside the constraint layer, at most ``max_outside_m2``."""
    return _rows(layers, rule)


def _constraint_ids(geoms: npt.NDArray[np.object_], constraint: gpd.GeoDataFrame) -> list[str]:
    """For each checked geometry, the ids of the constraint features whose interiors it meets.

    In the constraint layer's order.
    """
    c_geoms = np.asarray(constraint.geometry.array, dtype=object)
    c_ids = np.array([str(i) for i in constraint["id"]], dtype=object)
    if not len(c_geoms) or not len(geoms):
        return [""] * len(geoms)
    feature, hit = shapely.STRtree(c_geoms).query(geoms, predicate="intersects")
    order = np.lexsort((hit, feature))  # ids in the layer's order, whatever the tree holds
    feature, hit = feature[order], hit[order]
    inside = ~shapely.touches(geoms[feature], c_geoms[hit])  # interiors meet
    ids: list[list[str]] = [[] for _ in geoms]
    for k, j in zip(feature[inside], hit[inside], strict=True):
        ids[k].append(c_ids[j])
    return [ID_SEPARATOR.join(dict.fromkeys(found)) for found in ids]


@dataclass(frozen=True)
class _Split:
    """A rule's pieces before they are measured: whose they are, their class, the features named."""

    owner: npt.NDArray[np.intp]  # each piece's checked feature (position in the cut)
    parts: npt.NDArray[np.object_]  # each piece, in the frame of the cut
    class_code: list[Any]
    constraint_ids: list[str]


def _code(value: object) -> str | None:
    """Return a class code as text; None when it is missing."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    return None if missing else str(value)


def _whole(cut: _Cut, rule: Rule, classes: pd.Series | None) -> _Split:
    """One piece per checked feature: its part in (or outside) the whole land."""
    n = len(cut.features)
    geoms = np.asarray(cut.features.geometry.array, dtype=object)
    occupy = rule.kind == "must_not_occupy"
    return _Split(
        np.arange(n),
        cut.parts,
        [None] * n if classes is None else list(classes),
        _constraint_ids(geoms, cut.constraint) if occupy else [""] * n,
    )


def _class_lands(
    constraint: gpd.GeoDataFrame, class_field: str, coverage: bool = False
) -> gpd.GeoDataFrame:
    """Return the constraint's land per class, in its own CRS, made disjoint.

    Each class's features are dissolved (the classes on the usable CPUs; with
    ``coverage``, the features are known to be a valid coverage, and so is each
    class's part); a place that features of two classes cover goes to the
    class first in code order (each land less the lands before it), so that it
    is counted once. Each difference runs on a thread beside the union of the
    lands before the next class (the last class's union, read by none, is not
    made).
    """
    codes = [_code(v) for v in constraint[class_field]]
    geoms = np.asarray(constraint.geometry.array, dtype=object)
    order = sorted(set(codes), key=lambda c: (c is None, c or ""))
    with ThreadPoolExecutor(max_workers=usable_cpus()) as pool:  # GEOS releases the GIL
        dissolved = list(
            pool.map(lambda code: _dissolved(geoms[[c == code for c in codes]], coverage), order)
        )
        cuts = []
        before: shapely.Geometry = shapely.Polygon()
        for k, land in enumerate(dissolved):  # the thread cuts copies of its own
            cuts.append(pool.submit(shapely.difference, _copy(land), _copy(before)))
            if k + 1 < len(dissolved):  # read by the next class's difference only
                before = shapely.union(before, land)
        lands = [cut.result() for cut in cuts]
    return gpd.GeoDataFrame({"class_code": order}, geometry=lands, crs=constraint.crs)


def _copy(geom: shapely.Geometry) -> shapely.Geometry:
    """Return a copy of a geometry, vertex for vertex (no GEOS object read by two threads)."""
    return shapely.from_wkb(shapely.to_wkb(geom))


def _by_class(cut: _Cut, constraint: gpd.GeoDataFrame, class_field: str) -> _Split:
    """One piece per checked feature and class of the constraint's land (the cut's frame)."""
    if cut.class_lands is not None:  # started beside the cut, of the same features
        own = cut.class_lands.result()
    else:
        own = _class_lands(constraint, class_field, cut.coverage)
    lands = into(own, cut.crs)
    geoms = np.asarray(cut.features.geometry.array, dtype=object)
    land_geoms = np.asarray(lands.geometry.array, dtype=object)
    n, m = len(geoms), len(land_geoms)
    owner, which = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    codes = [_code(v) for v in cut.constraint[class_field]]
    ids = [
        _constraint_ids(geoms, cut.constraint[[c == code for c in codes]])
        for code in lands["class_code"]
    ]
    return _Split(
        owner,
        shapely.intersection(geoms[owner], land_geoms[which]),
        [lands["class_code"].iloc[j] for j in which],
        [ids[j][k] for k, j in zip(owner, which, strict=True)],
    )


def _split(
    layers: Mapping[str, gpd.GeoDataFrame], cut: _Cut, rule: Rule, class_field: str | None
) -> _Split:
    """Split the rule's pieces per checked feature, or per feature and constraint class.

    The class is the checked feature's when its layer has ``class_field``;
    otherwise, for ``must_not_occupy``, the class of the constraint's land when
    the constraint layer has it (a zone's occupied area per class of 永久基本农田).
    """
    features = cut.features
    if class_field and class_field in features.columns:
        return _whole(cut, rule, features[class_field])
    if _by_constraint_class(layers, rule, class_field):
        assert class_field is not None
        return _by_class(cut, cut.near, class_field)
    return _whole(cut, rule, None)


def _by_constraint_class(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, class_field: str | None
) -> bool:
    """Whether the rule's pieces are split by the constraint land's class (:func:`_split`)."""
    if not class_field or rule.kind != "must_not_occupy" or class_field in layers[rule.layer]:
        return False
    constraint = layers.get(rule.params["constraint_layer"])
    return constraint is not None and class_field in constraint.columns


def _pieces_of(
    layers: Mapping[str, gpd.GeoDataFrame], rule: Rule, class_field: str | None
) -> gpd.GeoDataFrame | None:
    """Return the rule's pieces in EPSG:4326, measured and reconciled in the frame of the cut.

    The pieces of one checked feature are reconciled to its occupied (or
    outside) area, the rule's figure (:func:`spatial.measure.reconcile.reconcile_groups`):
    ``area_m2`` adjusted, ``area_raw_m2`` as measured, and the largest adjustment
    of the feature's pieces in m² and relative to the rule's figure (0 when the
    feature has one piece).
    """
    if rule.layer not in layers:
        return None
    by_class = _by_constraint_class(layers, rule, class_field)
    cut = _measured(layers, rule, class_field if by_class else None)
    if cut is None:
        return None
    split = _split(layers, cut, rule, class_field)
    # a piece per feature is the feature's cut part, already measured
    raw = cut.area_m2 if split.parts is cut.parts else _m2(split.parts, cut.crs)
    fitted = reconcile_groups(raw, split.owner, cut.area_m2)
    n = len(split.owner)
    frame = pd.DataFrame(
        {
            "kind": [rule.kind] * n,
            "constraint": [rule.params["constraint_layer"]] * n,
            "zone_id": cut.features["id"].to_numpy()[split.owner],
            "constraint_ids": split.constraint_ids,
            "class_code": split.class_code,
            "area_m2": fitted.area_m2,
            "area_raw_m2": raw,
            "largest_adjustment_m2": fitted.largest_adjustment_m2[split.owner],
            "largest_adjustment_rel": fitted.largest_adjustment_rel[split.owner],
        }
    )
    if is_synthetic(cut.features, cut.whole):  # example data only (spatial.synthetic.marked_only)
        frame[SYNTHETIC_FIELD] = True  # placed by CONFLICT_COLUMNS in conflict_pieces
    pieces = gpd.GeoDataFrame(frame, geometry=list(polygonal(split.parts)), crs=cut.crs)
    out = reproject(pieces[raw > 0], WGS84)  # vertices converted at the end
    out.attrs[CUT_FRAMES_ATTR] = {str(rule.params["constraint_layer"]): cut.crs.to_wkt()}
    return out


def agreed_frames(named: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Return, by constraint layer, the frame (WKT) every rule on it was cut in.

    Rules on one constraint but different checked layers may cut in different
    frames (:func:`~spatial.checks.prepare.frame_of`: a lon/lat constraint beside
    zones in Gauss–Krüger and plots in lon/lat): such a constraint is left out,
    its pieces named by no frame (moved with their edges densified), not by
    whichever rule came last.

    Examples
    --------
    >>> agreed_frames([{"farmland": "A"}, {"farmland": "A", "forest": "B"}, {"forest": "C"}])
    {'farmland': 'A'}
    """
    seen: dict[str, set[str]] = {}
    for frames in named:
        for name, wkt in frames.items():
            seen.setdefault(str(name), set()).add(str(wkt))
    return {name: next(iter(wkts)) for name, wkts in seen.items() if len(wkts) == 1}


def conflict_pieces(
    layers: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule], class_field: str | None = None
) -> gpd.GeoDataFrame:
    """Return the conflict pieces of every constraint rule, as a layer (EPSG:4326).

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layers through :func:`~spatial.checks.prepare.prepare_layers` (``own``: each in
        its own CRS, ids as text).
    rules : iterable of Rule
        Rules; those not of a constraint kind are skipped.
    class_field : str, optional
        Land-use class field of the checked layer, copied to ``class_code``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`CONFLICT_COLUMNS` (``synthetic`` only when a checked or
        constraint feature is marked so, True then on every piece of that
        rule and False on the others), EPSG:4326: per checked feature and
        constraint, its part in the constraint's dissolved land
        (``must_not_occupy``; ``constraint_ids`` names every constraint feature
        whose interior meets it, joined by ``", "``) or outside it
        (``must_lie_within``, ``constraint_ids`` empty); a place covered by
        several constraint features is counted once. When the checked layer
        has no ``class_field`` but the constraint layer has, an occupied part is
        split per class of the constraint's land (see :func:`_class_lands`).
        Pieces without area are dropped. ``attrs[CUT_FRAMES_ATTR]`` names, by
        constraint layer, the CRS (WKT) its pieces were cut in (not one whose
        rules cut in different frames: :func:`agreed_frames`), so that they can
        go back into it vertex by vertex
        (:func:`spatial.review.occupied.conflicts_by_landuse`).
        Areas of record measured in the frame of the cut (before the
        vertices are converted to lon/lat), m², ha and 亩; the pieces of one
        feature add up to the rule row's figure
        (``area_m2`` reconciled, ``area_raw_m2`` as measured, the largest
        adjustment per feature in ``largest_adjustment_m2`` and, relative to
        the rule's figure, ``largest_adjustment_rel``).
    """
    frames = [
        pieces
        for rule in rules
        if rule.kind in CONSTRAINT_KINDS
        for pieces in [_pieces_of(layers, rule, class_field)]
        if pieces is not None and len(pieces)
    ]
    if not frames:
        empty = pd.DataFrame(columns=[c for c in CONFLICT_COLUMNS if c != SYNTHETIC_FIELD])
        return gpd.GeoDataFrame(empty, geometry=[], crs=WGS84)
    cut_in = agreed_frames(f.attrs[CUT_FRAMES_ATTR] for f in frames)
    pieces = pd.concat(frames, ignore_index=True)
    area = pieces["area_m2"].to_numpy(dtype=float)
    pieces["area_ha"], pieces["area_mu"] = area / M2_PER_HA, area / M2_PER_MU
    if SYNTHETIC_FIELD in pieces.columns:  # a rule on a planner's own layers is not marked
        pieces[SYNTHETIC_FIELD] = pieces[SYNTHETIC_FIELD].eq(True)
    columns = [c for c in CONFLICT_COLUMNS if c in pieces.columns]
    out = gpd.GeoDataFrame(pieces[[*columns, "geometry"]], crs=WGS84)
    out.attrs[CUT_FRAMES_ATTR] = cut_in
    return out
