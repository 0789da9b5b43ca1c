"""The 用地平衡表 (land-use balance table): area by land-use class, per zone or for the whole layer.

Each land-use feature is cut by each zone in the layers' storage frame (a
Gauss–Krüger survey layer stays in its plane, :func:`spatial.review._pieces.ready_layers`);
the pieces are measured by the survey rule (:func:`spatial.measure.record.area_of_record_m2`)
and summed per class. The part of a zone no land-use feature covers is its own
row (``class_code`` None, ``class_name`` 未覆盖): the zone less the union of the
whole land-use features that reach it. A zone's rows are then reconciled to the
zone's area of record by the land survey's proportional adjustment
(:mod:`spatial.measure.reconcile`, where the model is documented), so they add
up to ``zone_area_m2`` exactly; ``area_raw_m2`` keeps each row as measured and
``largest_adjustment_m2``/``_rel`` state the zone's largest adjustment.

Land-use features that overlap each other would be counted twice. Inside one
zone an overlap is tolerated only when it is small in m² and against the
features' size: at most :data:`OVERLAP_TOLERANCE_M2` in the zone, and each
pair's at most :data:`OVERLAP_TOLERANCE_REL` of the smaller of the two whole
features; a larger one is refused. A tolerated overlap is counted once (it goes
to the feature that comes first in the layer), its area is the zone's
``overlap_m2`` and the pairs are listed in ``attrs["overlaps"]``.

Units: ``area_m2`` square metres, ``area_ha`` hectares, ``area_mu`` 亩
(10000/15 m²); ``share_of_zone`` a fraction of the zone's area (of the layer's
whole area without zones).

The 建设用地 (construction land) classes are not in the land-use data (their
source could not be found): a subtotal is given when the caller names them
(``construction=("07", "08", ...)``, codes or code prefixes), and every row then
says whether it is construction land.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS

from spatial.cpus import usable_cpus
from spatial.errors import LayerError
from spatial.io.geoparquet import PolygonArrays
from spatial.landuse.classes import LEVEL_DIGITS, load_classes
from spatial.landuse.fields import (
    CLASS_CODE_FIELD,
    ClassFieldProblem,
    check_class_field,
    class_codes,
)
from spatial.measure.kept import lost_nothing
from spatial.measure.oriented import oriented_rings
from spatial.measure.reconcile import Reconciled, reconcile_groups
from spatial.measure.record import layout_area_of_record_m2
from spatial.measure.rings import RingLayout
from spatial.preconditions import feature_label, require_crs
from spatial.review._fast import (
    FAST_MIN_FEATURES,
    box_candidates,
    clean_under_validator,
    on_threads,
)
from spatial.review._pieces import (
    area_m2,
    cut_pairs_marked,
    overlapping_features,
    polygonal,
    ready_layers,
    require_unique,
)
from spatial.review.balance_scan import WkbGeometries, clean_under_validator_wkb, rings_of
from spatial.units import M2_PER_HA, M2_PER_MU
from spatial.validate.coverage import matched_coverage_edges
from spatial.validate.frame import into_crs
from spatial.validate.inputs import LayerInput, Repair, prepare_inputs

__all__ = [
    "BALANCE_COLUMNS",
    "COMPARE_COLUMNS",
    "OVERLAP_COLUMNS",
    "OVERLAP_TOLERANCE_M2",
    "OVERLAP_TOLERANCE_REL",
    "RECONCILIATION_COLUMNS",
    "UNCOVERED_NAME",
    "balance_table",
    "compare_balance",
    "name_problems",
    "reconciliation",
    "subtotals",
]

#: Columns of a balance table, in order. The last four (raw area, the zone's largest
#: adjustment in m² and relative to the zone, the zone's tolerated overlap) came after the
#: others: scripts read those by name.
BALANCE_COLUMNS = [
    "zone_id",
    "class_code",
    "class_name",
    "level",
    "construction_land",
    "area_m2",
    "area_ha",
    "area_mu",
    "share_of_zone",
    "zone_area_m2",
    "area_raw_m2",
    "largest_adjustment_m2",
    "largest_adjustment_rel",
    "overlap_m2",
]
#: Overlap between land-use features inside one zone above which the layer is refused (m²).
OVERLAP_TOLERANCE_M2 = 1.0
#: Overlap of two land-use features above which the layer is refused, relative to the
#: smaller of the two whole features (so 1 m² passes between two parcels of 1000 m² and
#: more, never on a parcel of 1 m²).
OVERLAP_TOLERANCE_REL = 1e-3
#: Keys of each record of ``attrs["overlaps"]`` (a tolerated overlap; ``kept_by`` counts it).
OVERLAP_COLUMNS = ["zone_id", "kept_by", "trimmed_from", "overlap_m2"]
#: Cells along each side of the grid laid under a zone: a feature whose box lies in cells the
#: zone contains properly is known to lie inside it (no GEOS predicate, never cut).
_ZONE_CELLS = 64
#: Features in one part of a layer asked whether it is a coverage (:func:`_coverage_in_parts`).
_COVERAGE_PART = 100_000
#: Name of the row for the part of a zone no land-use feature covers.
UNCOVERED_NAME = "未覆盖 not covered by the land-use layer"


def _cut_to(codes: list[str], level: int | None) -> list[str]:
    return codes if level is None else [c[: LEVEL_DIGITS[level]] for c in codes]


def _field_text(landuse: gpd.GeoDataFrame, field: str) -> np.ndarray:
    """Return the field as :func:`~spatial.landuse.fields.class_codes` reads it (vectorised)."""
    values = landuse[field]
    if pd.api.types.is_string_dtype(values.dtype) and not values.isna().any():
        return values.astype(str).str.strip().to_numpy(dtype=object)
    return np.asarray(class_codes(landuse, field), dtype=object)


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """Return a text field's distinct values as :func:`_field_text` reads them, and each feature's.

    ``(distinct, at)``: ``distinct[at]`` is :func:`_field_text` of the field, each
    distinct value read (stripped) once. None when the field is not text
    without nulls (then it is read value by value).
    """
    if not pd.api.types.is_string_dtype(values.dtype) or values.isna().any():
        return None
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    encoded = pc.dictionary_encode(array)
    texts = pd.Series(encoded.dictionary.to_pylist(), dtype=values.dtype)
    distinct = texts.astype(str).str.strip().to_numpy(dtype=object)
    return distinct, encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)


def _distinct_pairs(landuse: gpd.GeoDataFrame, first: str, second: str) -> pd.DataFrame:
    """Return the distinct pairs (``code``, ``name``) of two fields, read as :func:`_field_text`."""
    a, b = _distinct_text(landuse[first]), _distinct_text(landuse[second])
    if a is None or b is None:
        return pd.DataFrame(
            {"code": _field_text(landuse, first), "name": _field_text(landuse, second)}
        ).drop_duplicates()
    pair = np.unique(a[1].astype(np.int64) * len(b[0]) + b[1])
    return pd.DataFrame({"code": a[0][pair // len(b[0])], "name": b[0][pair % len(b[0])]})


def name_problems(
    landuse: gpd.GeoDataFrame, source: str, code_field: str, name_field: str | None
) -> list[ClassFieldProblem]:
    """Return the features whose class name disagrees with their code (``kind`` "name").

    The problems :func:`~spatial.landuse.check_class_field` finds of that kind, in
    its words; each distinct pair of code and name is looked at once first, and
    the layer is walked feature by feature only when one disagrees.
    """
    if code_field not in landuse.columns or not name_field or name_field not in landuse.columns:
        return _names_walked(landuse, source, code_field, name_field)
    pairs = _distinct_pairs(landuse, code_field, name_field)
    classes = load_classes()
    if not any(
        name and code in classes and name != classes[code].name_zh
        for code, name in zip(pairs["code"], pairs["name"], strict=True)
    ):
        return []
    return _names_walked(landuse, source, code_field, name_field)


def _names_walked(
    landuse: gpd.GeoDataFrame, source: str, code_field: str, name_field: str | None
) -> list[ClassFieldProblem]:
    found = check_class_field(landuse, source, code_field=code_field, name_field=name_field)
    return [p for p in found if p.kind == "name"]


def _codes_fast(landuse: gpd.GeoDataFrame, field: str, level: int | None) -> np.ndarray | None:
    """Return the class codes as :func:`_codes` gives them, from each distinct value once.

    None when a code is blank or unknown, or the field is missing: the plain
    path then names the problem.
    """
    if field not in landuse.columns:
        return None
    found = _distinct_text(landuse[field])
    if found is None:
        text = _field_text(landuse, field)
        distinct, inverse = np.unique(text.astype(str), return_inverse=True)
    else:  # the same codes, each distinct value looked at once
        distinct, inverse = found
    classes = load_classes()
    if any(not code or code not in classes for code in distinct):
        return None
    return np.asarray(_cut_to([str(c) for c in distinct], level), dtype=object)[inverse]


def _codes(landuse: gpd.GeoDataFrame, source: str, field: str, level: int | None) -> list[str]:
    """Return the class codes, checked (unknown or blank refused), cut to ``level`` if given."""
    problems = [
        p
        for p in check_class_field(landuse, source, code_field=field, name_field=None)
        if p.kind in {"blank", "unknown"}
    ]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LayerError(f"{problems[0]}{more}")
    return _cut_to([str(v).strip() for v in landuse[field]], level)


def _is_construction(code: str | None, construction: Collection[str] | None) -> bool | None:
    if construction is None or code is None:
        return None
    return any(code.startswith(prefix) for prefix in construction)


@dataclass(frozen=True)
class _Features:
    """The land-use features that take part, as the zones see them.

    All of the layer's features on the plain path; on the fast path only those
    whose box meets a zone's (the others share no area with any zone). Each
    keeps its position in the layer (``#N`` in messages), its id and class code;
    whole areas are measured only for features that overlap (each alone, so
    the same figure whichever features are measured with it).
    """

    geoms: np.ndarray
    ids: np.ndarray
    positions: np.ndarray
    codes: np.ndarray
    crs: CRS
    source: str
    arrays: PolygonArrays | None = None

    def whole_m2(self, at: np.ndarray) -> np.ndarray:
        """Return the whole areas of record (m²) of the features at ``at``, measured when asked."""
        return area_m2(self.geoms[at], self.crs)

    def rings(self, at: np.ndarray) -> RingLayout | None:
        """Return the rings of ``geoms[at]`` from the file's WKB, oriented as they are, or None.

        The coordinates :func:`~spatial.measure.rings.ring_layout` of those
        geometries gives, bit for bit, read without GEOS (None: a layer read
        otherwise).
        """
        found = None if self.arrays is None else rings_of(self.arrays, at)
        return None if found is None else oriented_rings(found)

    def label(self, k: int) -> str:
        """Return feature ``k``'s label in messages (its id, or ``#N``: its position)."""
        return feature_label(self.ids[k], int(self.positions[k]))


def _features(
    lu: gpd.GeoDataFrame,
    codes: list[str] | np.ndarray,
    source: str,
    at: np.ndarray | None = None,
    orient: bool = False,
    threads: int = 1,
    wkb: WkbGeometries | None = None,
) -> _Features:
    """Return the features at positions ``at`` (all by default) of the layer ``lu``.

    ``orient``: orient their rings as :func:`~spatial.review._pieces.ready_layers` does
    (the fast path orients the features taking part only), on ``threads`` threads.
    ``wkb``: the layer's geometries, built from it for ``at`` only (``lu``'s
    geometry column is not looked at).
    """
    at = np.arange(len(lu)) if at is None else at
    arrays = None
    if wkb is None:
        geoms = np.asarray(lu.geometry.array, dtype=object)[at]
        if orient:
            geoms = on_threads(shapely.orient_polygons, geoms, threads)
    elif orient:  # the settled ones built from their coordinates, already oriented
        arrays = wkb.arrays(at)
        geoms = wkb.oriented(at, arrays, threads)
    else:
        geoms = wkb.geometries(at, threads)
    ids = lu["id"].take(at).to_numpy(dtype=object) if "id" in lu.columns else np.full(len(at), None)
    crs = require_crs(lu, source)
    code_array = np.asarray(codes, dtype=object)[at]
    return _Features(geoms, ids, at, code_array, crs, source, arrays)


@dataclass(frozen=True)
class _Whole:
    """The whole features that reach a zone: a coverage or not, their union.

    A valid polygonal coverage (``shapely.coverage_is_valid``: no two interiors
    meet, shared edges matched vertex for vertex, as a survey's 图斑 are) has no
    overlapping pair and is unioned by ``shapely.coverage_union_all``; any other
    set has its pairs whose interiors meet found
    (:func:`~spatial.review._pieces.overlapping_features`) and is unioned by
    ``shapely.union_all``.
    """

    pairs: tuple[np.ndarray, np.ndarray]
    union: shapely.Geometry | None


def _whole(
    geoms: np.ndarray,
    union: bool = True,
    zone: shapely.Geometry | None = None,
    rings: RingLayout | None = None,
) -> _Whole:
    """Classify and union whole features (positions in ``geoms``, in layer order).

    A coverage is first recognised by its matched edges
    (:func:`~spatial.validate.coverage.matched_coverage_edges`, exact and cheap), then by
    ``shapely.coverage_is_valid``: the same answer, the same union. ``union``
    False: the pairs only (the union is then an empty polygon). ``zone``: the
    union is not built (None) where the matched edges show it covers the zone
    (:func:`_covers`): the zone less the union is then empty. ``rings``: the
    geometries' rings, laid out already (:meth:`_Features.rings`).
    """
    none = np.zeros(0, dtype=np.intp)
    boundary = matched_coverage_edges(geoms, rings)
    if boundary is not None and zone is not None and union and _covers(zone, geoms, boundary):
        return _Whole((none, none), None)
    if boundary is not None or shapely.coverage_is_valid(geoms):
        return _Whole((none, none), _union(geoms, union, shapely.coverage_union_all))
    return _Whole(overlapping_features(geoms), _union(geoms, union, shapely.union_all))


def _covers(zone: shapely.Geometry, geoms: np.ndarray, boundary: np.ndarray) -> bool:
    """Whether a valid coverage whose union's boundary lies in ``boundary`` covers ``zone`` whole.

    ``boundary``: the edges no two of ``geoms`` share (rows ``x0, y0, x1, y1``:
    :func:`~spatial.validate.coverage.matched_coverage_edges`). When none of
    them meets the closed zone, each of the zone's polygons (connected) lies
    wholly inside the union or wholly outside it; it lies inside when a point
    of it lies in one of ``geoms``. False: not known (the union is then built).
    """
    boxes = np.column_stack(
        [
            np.minimum(boundary[:, 0], boundary[:, 2]),
            np.minimum(boundary[:, 1], boundary[:, 3]),
            np.maximum(boundary[:, 0], boundary[:, 2]),
            np.maximum(boundary[:, 1], boundary[:, 3]),
        ]
    )
    x0, y0, x1, y1 = shapely.bounds(zone)
    near = np.flatnonzero(
        (boxes[:, 2] >= x0) & (boxes[:, 0] <= x1) & (boxes[:, 3] >= y0) & (boxes[:, 1] <= y1)
    )
    own = shapely.from_wkb(shapely.to_wkb(zone))  # an exact copy, prepared on this thread only
    shapely.prepare(own)
    lines = shapely.linestrings(boundary[near].reshape(-1, 2, 2))
    if shapely.intersects(own, lines).any():
        return False
    parts = np.asarray(shapely.get_parts(own), dtype=object)
    if not len(parts) or shapely.is_empty(parts).any():
        return False
    points = shapely.point_on_surface(parts)
    return all(bool(shapely.intersects(geoms, point).any()) for point in points)


def _coverage_in_parts(geoms: np.ndarray, threads: int) -> bool:
    """Whether whole features are shown a valid coverage by their matched edges, in parts.

    The layer is cut along x into parts of about :data:`_COVERAGE_PART` features,
    each holding every feature whose box meets its x range, and each part is asked
    on ``threads`` threads. Whether polygons form a valid coverage is decided pair
    by pair between polygons whose boxes meet (no two interiors overlap, shared
    edges matched), and two such polygons are in one part together; so every part
    a coverage means the whole is one, and the answer "a coverage" is the one
    ``matched_coverage_edges(geoms)`` gives. False is "not known": ask the whole. The
    parts hold a fraction of the edges at once (a million parcels: about 0.9 GB
    less at the peak).
    """
    parts = len(geoms) // _COVERAGE_PART
    if parts < 2:
        return False
    bounds = shapely.bounds(geoms)
    cuts = np.quantile((bounds[:, 0] + bounds[:, 2]) / 2, np.linspace(0, 1, parts + 1))
    cuts[0], cuts[-1] = -np.inf, np.inf

    def one(k: int) -> bool:
        member = (bounds[:, 2] >= cuts[k]) & (bounds[:, 0] <= cuts[k + 1])
        return matched_coverage_edges(geoms[member]) is not None

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return all(pool.map(one, range(parts)))


def _union(
    geoms: np.ndarray, wanted: bool, how: Callable[[np.ndarray], shapely.Geometry]
) -> shapely.Geometry:
    return how(geoms) if wanted else shapely.Polygon()


def _overlapping_pairs(
    pieces: np.ndarray, whole: _Whole, crs: CRS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(first, second, m2)``: pieces sharing area, ``first`` of the earlier feature.

    Piece ``k`` is cut from whole feature ``k`` (features in layer order); only
    pieces of features whose interiors meet can share area, and only those
    pairs are cut.
    """
    a, b = whole.pairs
    shared_m2 = area_m2(shapely.intersection(pieces[a], pieces[b]), crs)  # lines count 0
    some = shared_m2 > 0
    return a[some], b[some], shared_m2[some]


def _refuse_overlap(
    zone_id: str | None,
    lu: _Features,
    first: np.ndarray,
    second: np.ndarray,
    rel: np.ndarray,
    shared_m2: np.ndarray,
) -> None:
    worst = int(np.argmax(rel))
    where = f" inside zone {zone_id}" if zone_id is not None else ""
    pair = f"features {lu.label(first[worst])} and {lu.label(second[worst])}"
    raise LayerError(
        f"{lu.source}: land-use features overlap each other by {shared_m2.sum():,.1f} m²{where} "
        f"({pair} share {shared_m2[worst]:,.2f} m², {rel[worst]:.2%} of the smaller); a balance "
        f"table needs features that do not overlap (tolerated: {OVERLAP_TOLERANCE_M2:g} m² per "
        f"zone and {OVERLAP_TOLERANCE_REL:.1%} of the smaller feature)"
    )


def _disjoint(
    zone_id: str | None, pieces: np.ndarray, owner: np.ndarray, lu: _Features, whole: _Whole
) -> tuple[np.ndarray, list[dict[str, object]], float]:
    """Return the pieces made disjoint, the overlaps tolerated and their m²; refuse a larger one.

    ``owner`` gives each piece's feature position. Overlaps are measured pair by
    pair (the area two pieces share), not as the sum less the union, so they do
    not depend on areas adding up exactly. A tolerated overlap stays with the
    piece of the earlier feature and is cut out of the later one's.
    """
    first, second, shared_m2 = _overlapping_pairs(pieces, whole, lu.crs)
    if not len(first):
        return pieces, [], 0.0
    smaller_m2 = np.minimum(lu.whole_m2(owner[first]), lu.whole_m2(owner[second]))
    rel = np.divide(shared_m2, smaller_m2, out=np.full(len(first), np.inf), where=smaller_m2 > 0)
    if shared_m2.sum() > OVERLAP_TOLERANCE_M2 or (rel > OVERLAP_TOLERANCE_REL).any():
        _refuse_overlap(zone_id, lu, owner[first], owner[second], rel, shared_m2)
    out = pieces.copy()
    for later in np.unique(second):
        earlier = pieces[first[second == later]]
        out[later] = polygonal(
            np.array([shapely.difference(pieces[later], shapely.union_all(earlier))])
        )[0]
    found: list[dict[str, object]] = [
        {
            "zone_id": zone_id,
            "kept_by": lu.label(owner[i]),
            "trimmed_from": lu.label(owner[j]),
            "overlap_m2": float(m2),
        }
        for i, j, m2 in zip(first, second, shared_m2, strict=True)
    ]
    return out, found, float(shared_m2.sum())


@dataclass
class _Raw:
    """Rows as measured: the zone position, class code (None: uncovered) and raw m² of each."""

    group: list[int]
    codes: list[str | None]
    raw_m2: list[float]

    def add(self, z: int, codes: np.ndarray, piece_m2: np.ndarray, uncovered_m2: float) -> None:
        by_class = pd.Series(piece_m2).groupby(pd.Series(codes, dtype=object)).sum()
        items: list[tuple[str | None, float]] = [(str(c), float(a)) for c, a in by_class.items()]
        if uncovered_m2 > 0:
            items.append((None, uncovered_m2))
        for code, m2 in items:
            self.group.append(z)
            self.codes.append(code)
            self.raw_m2.append(m2)


def _rows(
    zone_ids: list[str | None],
    zone_m2: np.ndarray,
    raw: _Raw,
    overlap_m2: np.ndarray,
    construction: Collection[str] | None,
) -> list[dict[str, object]]:
    """Return the table's rows: each zone's raw rows reconciled to its area of record."""
    classes = load_classes()
    rec: Reconciled = reconcile_groups(raw.raw_m2, raw.group, zone_m2)
    rows: list[dict[str, object]] = []
    for k, (z, code) in enumerate(zip(raw.group, raw.codes, strict=True)):
        known = classes.get(code) if code is not None else None
        m2, whole = float(rec.area_m2[k]), float(zone_m2[z])
        rows.append(
            {
                "zone_id": zone_ids[z],
                "class_code": code,
                "class_name": known.name_zh if known else UNCOVERED_NAME,
                "level": known.level if known else None,
                "construction_land": _is_construction(code, construction),
                "area_m2": m2,
                "area_ha": m2 / M2_PER_HA,
                "area_mu": m2 / M2_PER_MU,
                "share_of_zone": m2 / whole if whole > 0 else np.nan,
                "zone_area_m2": whole,
                "area_raw_m2": float(rec.raw_m2[k]),
                "largest_adjustment_m2": float(rec.largest_adjustment_m2[z]),
                "largest_adjustment_rel": float(rec.largest_adjustment_rel[z]),
                "overlap_m2": float(overlap_m2[z]),
            }
        )
    return rows


def _whole_layer(
    lu: _Features, threads: int = 1
) -> tuple[_Raw, np.ndarray, np.ndarray, list[dict[str, object]]]:
    """Rows of the layer without zones: its features made disjoint; the whole is their sum.

    A layer shown a coverage part by part (:func:`_coverage_in_parts`) has no
    overlapping pair, as :func:`_whole` would find; any other is asked whole.
    """
    owner = np.arange(len(lu.geoms))
    none = np.zeros(0, dtype=np.intp)
    covered = _coverage_in_parts(lu.geoms, threads)
    whole = _Whole((none, none), shapely.Polygon()) if covered else _whole(lu.geoms, union=False)
    pieces, overlaps, overlap_m2 = _disjoint(None, lu.geoms, owner, lu, whole)
    piece_m2 = area_m2(pieces, lu.crs)
    raw = _Raw([], [], [])
    raw.add(0, lu.codes, piece_m2, 0.0)
    return raw, np.array([piece_m2.sum()]), np.array([overlap_m2]), overlaps


@dataclass(frozen=True)
class _ZoneRows:
    """One zone's outcome: its pieces' codes and raw m², 未覆盖 m², overlaps tolerated."""

    codes: np.ndarray
    piece_m2: np.ndarray
    uncovered_m2: float
    overlaps: list[dict[str, object]]
    overlap_m2: float


def _zone_rows(
    zone_id: str,
    zone: shapely.Geometry,
    pieces: np.ndarray,
    owner: np.ndarray,
    lu: _Features,
    inside: np.ndarray | None = None,
) -> _ZoneRows:
    """Cut one zone's pieces disjoint; 未覆盖 is the zone less the union of WHOLE features.

    A union of cut pieces would drop micro-gaps. ``inside``: which pieces are
    their whole feature (uncut); with the features' rings from their WKB
    (:meth:`_Features.rings`) those are measured from the rings, not laid out
    again by GEOS: the same figures.
    """
    rings = lu.rings(owner) if inside is not None else None
    whole = _whole(lu.geoms[owner], zone=zone, rings=rings)
    disjoint, found, overlap_m2 = _disjoint(zone_id, pieces, owner, lu, whole)
    uncovered_m2 = 0.0  # the features cover the zone (no row)
    if whole.union is not None:
        uncovered = polygonal(np.array([shapely.difference(zone, whole.union)]))
        uncovered_m2 = float(area_m2(uncovered, lu.crs)[0])
    if rings is None or inside is None or found:  # a piece trimmed: measure them as they are
        piece_m2 = area_m2(disjoint, lu.crs)
    else:
        piece_m2 = layout_area_of_record_m2(rings, len(owner), lu.crs, lu.source, threads=1)
        cut = np.flatnonzero(~inside)
        if len(cut):
            piece_m2[cut] = area_m2(disjoint[cut], lu.crs)
    return _ZoneRows(lu.codes[owner], piece_m2, uncovered_m2, found, overlap_m2)


def _whole_where_covered(
    pieces: np.ndarray, inside: np.ndarray, features: np.ndarray, crs: CRS
) -> np.ndarray:
    """Return the pieces, a feature its zone covers whole being its own piece (its geometry).

    GEOS cuts a feature touching its zone's edge from inside; where the zone has
    a corner on the feature's edge the piece gets that vertex, and its area of
    record (edges straight in lon/lat between vertices) loses the edge's lens:
    tens of m² on a 2.4 km road. A piece that lost nothing in the plane
    (:func:`spatial.measure.kept.lost_nothing`) and gained vertices is the
    feature itself; any other piece is left as GEOS cut it.
    """
    cut = np.flatnonzero(~inside)
    if not len(cut):
        return pieces
    renoded = shapely.get_num_coordinates(pieces[cut]) != shapely.get_num_coordinates(features[cut])
    cut = cut[renoded]
    whole = cut[lost_nothing(features[cut], pieces[cut], crs)]
    if not len(whole):
        return pieces
    out = pieces.copy()
    out[whole] = features[whole]
    return out


def _by_zone(
    lu: _Features, zone_geoms: np.ndarray, zone_ids: list[str], threads: int = 1
) -> tuple[_Raw, np.ndarray, np.ndarray, list[dict[str, object]]]:
    """Rows per zone: pieces cut in the storage frame, made disjoint, 未覆盖 from whole features.

    Zones run on ``threads`` threads (GEOS releases the GIL); the rows do not depend on it.
    """
    zone_m2 = area_m2(zone_geoms, lu.crs)
    zi, li, pieces, inside = cut_pairs_marked(zone_geoms, lu.geoms, threads, _ZONE_CELLS)
    pieces = _whole_where_covered(pieces, inside, lu.geoms[li], lu.crs)
    bounds = np.searchsorted(zi, np.arange(len(zone_ids) + 1))

    def one(z: int) -> _ZoneRows:
        s, e = bounds[z], bounds[z + 1]
        return _zone_rows(zone_ids[z], zone_geoms[z], pieces[s:e], li[s:e], lu, inside[s:e])

    if threads > 1 and len(zone_ids) > 1:
        # the zones with most pieces first, so that no thread is left with a large one at the end
        largest_first = np.argsort(-np.diff(bounds), kind="stable")
        with ThreadPoolExecutor(max_workers=threads) as pool:
            found = dict(zip(largest_first, pool.map(one, largest_first), strict=True))
        done = [found[z] for z in range(len(zone_ids))]
    else:
        done = [one(z) for z in range(len(zone_ids))]
    raw = _Raw([], [], [])
    overlap_m2 = np.zeros(len(zone_ids))
    overlaps: list[dict[str, object]] = []
    for z, rows in enumerate(done):
        overlaps += rows.overlaps
        overlap_m2[z] = rows.overlap_m2
        raw.add(z, rows.codes, rows.piece_m2, rows.uncovered_m2)
    return raw, zone_m2, overlap_m2, overlaps


@overload
def balance_table(
    landuse: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    *,
    class_field: str = ...,
    id_field: str = ...,
    level: int | None = ...,
    construction: Collection[str] | None = ...,
    names: tuple[str, str] = ...,
    repair: bool = ...,
    fast: bool = ...,
    threads: int | None = ...,
    oriented: bool = ...,
    wkb: None = ...,
) -> pd.DataFrame: ...


@overload
def balance_table(
    landuse: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    *,
    class_field: str = ...,
    id_field: str = ...,
    level: int | None = ...,
    construction: Collection[str] | None = ...,
    names: tuple[str, str] = ...,
    repair: bool = ...,
    fast: Literal["only"],
    threads: int | None = ...,
    oriented: bool = ...,
    wkb: WkbGeometries | None = ...,
) -> pd.DataFrame | None: ...


def balance_table(  # noqa: PLR0913 - keyword-only options past the two layers
    landuse: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    *,
    class_field: str = CLASS_CODE_FIELD,
    id_field: str = "id",
    level: int | None = None,
    construction: Collection[str] | None = None,
    names: tuple[str, str] = ("landuse", "zones"),
    repair: bool = False,
    fast: bool | Literal["only"] = True,
    threads: int | None = None,
    oriented: bool = False,
    wkb: WkbGeometries | None = None,
) -> pd.DataFrame | None:
    """Return the 用地平衡表: one row per zone and land-use class, areas in m², ha and 亩.

    Parameters
    ----------
    landuse : geopandas.GeoDataFrame
        Land-use polygons with a class code in ``class_field`` (any explicit
        CRS; cut in the CRS shared with ``zones``, or the larger layer's).
    zones : geopandas.GeoDataFrame, optional
        Zones to tabulate by; the whole land-use layer (``zone_id`` None) when None.
    class_field : str
        Field of the class code (``YDYHFLDM`` by default). Blank or unknown
        codes are refused (see :func:`spatial.landuse.check_class_field`).
    id_field : str
        Field naming each zone.
    level : {1, 2, 3}, optional
        Tabulate at this level (2-, 4- or 6-digit codes); codes coarser than
        the level stay as they are. The codes as given by default.
    construction : collection of str, optional
        Codes (or prefixes, e.g. ``"07"``) counted as 建设用地; sets the
        ``construction_land`` column (None when not given).
    names : (str, str)
        How to name the two layers in messages (their files).
    repair : bool
        Repair invalid geometries instead of refusing them.
    fast : bool or "only"
        Take the fast path for a land-use layer of more than
        :data:`~spatial.review._fast.FAST_MIN_FEATURES` features that the
        validator would pass (:mod:`spatial.review._fast`: vectorised checks,
        only features whose box meets a zone's cut); the table, a refusal and
        its message are the same either way. False: the plain path always.
        ``"only"``: the fast path alone, None where it would take the plain
        one; for a layer read with only the columns the validator and the
        balance look at (:func:`spatial.io.arrow_frame.read_arrow_frame`), whose
        caller then reads it whole and calls again (``fast=False``), which names
        any problem. Not with ``repair``.
    threads : int, optional
        Threads for the checks and the zones (default: the CPUs this process may
        use); the table does not depend on it.
    oriented : bool
        The layer's rings are oriented already
        (:func:`spatial.review._fast.oriented_frame`): the fast path does not
        orient them again.
    wkb : WkbGeometries, optional
        With ``fast="only"`` and zones: the layer's geometries as WKB
        (:func:`spatial.review.balance_scan.scan_wkb`; ``landuse``'s geometry
        column is then not looked at): the validator's mirror asked of them
        (:func:`~spatial.review.balance_scan.clean_under_validator_wkb`), and only
        the features cut built by GEOS. None where that mirror flags anything:
        the caller decodes the layer whole and asks again (the same table, bit
        for bit, either way).

    Returns
    -------
    pandas.DataFrame or None
        None only with ``fast="only"``, where the fast path declines. Columns
        :data:`BALANCE_COLUMNS`; per zone, its rows' ``area_m2`` add up
        to ``zone_area_m2`` (the zone's area of record; the layer's whole area
        without zones) and ``share_of_zone`` to 1, after the proportional
        adjustment of :mod:`spatial.measure.reconcile`: ``area_raw_m2`` is each
        row as measured, ``largest_adjustment_m2`` and ``largest_adjustment_rel``
        the zone's largest ``|area_m2 - area_raw_m2|`` (m², and over the zone's
        area), ``overlap_m2`` the zone's tolerated overlap, counted once.
        ``attrs["repairs"]`` lists the repairs made, ``attrs["overlaps"]`` the
        tolerated overlaps (records with the keys :data:`OVERLAP_COLUMNS`).

    Raises
    ------
    LayerError
        An unknown or blank class code; land-use features overlapping by more
        than the tolerance (:data:`OVERLAP_TOLERANCE_M2`, :data:`OVERLAP_TOLERANCE_REL`).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lu = gpd.GeoDataFrame({"YDYHFLDM": ["0701", "1001"]},
    ...     geometry=[box(106.0, 29.5, 106.01, 29.51), box(106.01, 29.5, 106.02, 29.51)], crs=4326)
    >>> zone = gpd.GeoDataFrame({"id": ["z"]}, geometry=[box(106.005, 29.5, 106.02, 29.51)],
    ...     crs=4326)
    >>> table = balance_table(lu, zone)
    >>> table[["class_code", "share_of_zone"]].round(4).to_dict("list")
    {'class_code': ['0701', '1001'], 'share_of_zone': [0.3333, 0.6667]}
    """
    threads = usable_cpus() if threads is None else max(1, threads)
    if fast == "only" and repair:
        raise ValueError("balance_table: fast='only' does not repair; give fast=False")
    if wkb is not None and (fast != "only" or zones is None):
        raise ValueError("balance_table: wkb= goes with fast='only' and zones")
    found = None
    if fast and not repair:
        found = _fast_inputs(
            landuse,
            zones,
            class_field,
            id_field,
            level,
            names,
            threads,
            oriented=oriented,
            wkb=wkb,
        )
    if found is None and fast == "only":
        return None
    repairs: list[Repair] = []
    if found is None:
        found, repairs = _plain_inputs(landuse, zones, class_field, id_field, level, names, repair)
    return _tabulate(found, repairs, construction, threads)


def _tabulate(
    found: _Inputs, repairs: list[Repair], construction: Collection[str] | None, threads: int
) -> pd.DataFrame:
    """Return the balance table of the inputs taken (see :func:`balance_table`)."""
    lu, zone_geoms, ids = found
    if zone_geoms is None:
        zone_ids: list[str | None] = [None]
        raw, zone_m2, overlap_m2, overlaps = _whole_layer(lu, threads)
    else:
        raw, zone_m2, overlap_m2, overlaps = _by_zone(lu, zone_geoms, ids, threads)
        zone_ids = list(ids)
    rows = _rows(zone_ids, zone_m2, raw, overlap_m2, construction)
    table = pd.DataFrame(rows, columns=BALANCE_COLUMNS)
    table["level"] = pd.Series([r["level"] for r in rows], dtype=object)
    table.attrs["repairs"] = repairs
    table.attrs["overlaps"] = overlaps  # records, not a frame: pandas compares attrs on merge
    return table


_Inputs = tuple[_Features, np.ndarray | None, list[str]]


def _plain_inputs(
    landuse: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None,
    class_field: str,
    id_field: str,
    level: int | None,
    names: tuple[str, str],
    repair: bool,
) -> tuple[_Inputs, list[Repair]]:
    """Every feature through the full validator (or repaired), all of them taking part."""
    layers = [(landuse, names[0], "")]
    layers += [(zones, names[1], id_field)] if zones is not None else []
    ready, repairs = ready_layers(layers, repair=repair)
    lu = _features(ready[0], _codes(ready[0], names[0], class_field, level), names[0])
    if zones is None:
        return (lu, None, []), repairs
    ids = require_unique(ready[1], names[1], id_field)
    return (lu, np.asarray(ready[1].geometry.array, dtype=object), ids), repairs


def _fast_inputs(  # noqa: PLR0913 - balance_table's, and how the layer was read
    landuse: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None,
    class_field: str,
    id_field: str,
    level: int | None,
    names: tuple[str, str],
    threads: int,
    *,
    oriented: bool = False,
    wkb: WkbGeometries | None = None,
) -> _Inputs | None:
    """Return the inputs of the fast path, or None: the plain path then names any problem.

    A land-use layer of more features than the zones and than
    :data:`FAST_MIN_FEATURES`, that the validator would pass, with known codes;
    the zones checked as the plain path checks them and moved, like it, into
    the land-use layer's CRS; only the features whose box meets a zone's.
    With ``wkb`` (and zones), the layer's geometries are that (see
    :func:`balance_table`).
    """
    n = len(landuse)
    if n <= FAST_MIN_FEATURES or (zones is not None and len(zones) >= n):
        return None
    if wkb is not None and zones is not None:
        clean = clean_under_validator_wkb(landuse, wkb)
    else:
        clean = clean_under_validator(landuse, threads)
    if not clean:
        return None
    codes = _codes_fast(landuse, class_field, level)
    if codes is None:
        return None
    crs = require_crs(landuse, names[0])
    plain = landuse.reset_index(drop=True)
    if zones is None:
        return _features(plain, codes, names[0], orient=not oriented, threads=threads), None, []
    (ready,) = prepare_inputs(
        [LayerInput(zones, names[1], id_field, "polygon")], policy="full", frame="largest"
    ).layers
    ready, _ = into_crs(ready, names[1], crs, names[0], stacklevel=5)
    ready = ready.reset_index(drop=True)
    ids = require_unique(ready, names[1], id_field)
    zone_geoms = shapely.orient_polygons(np.asarray(ready.geometry.array, dtype=object))
    if wkb is None:
        bounds = shapely.bounds(np.asarray(plain.geometry.array, dtype=object))
    else:
        bounds = wkb.bounds
    at = box_candidates(bounds, zone_geoms)
    lu = _features(plain, codes, names[0], at, orient=not oriented, threads=threads, wkb=wkb)
    return lu, zone_geoms, ids


def subtotals(table: pd.DataFrame) -> pd.DataFrame:
    """Return per zone the 建设用地 subtotal (when known) and the total, for display.

    Columns ``zone_id, row, area_m2, area_ha, area_mu, share_of_zone``; ``row`` is
    ``建设用地 construction land`` or ``合计 total``.
    """
    rows = []
    for zone_id, group in table.groupby("zone_id", dropna=False, sort=False):
        zone_m2 = float(group["zone_area_m2"].iloc[0])
        parts = [("合计 total", group)]
        if group["construction_land"].notna().any():
            built = group[group["construction_land"].astype(bool)]
            parts.insert(0, ("建设用地 construction land", built))
        for label, part in parts:
            m2 = float(part["area_m2"].sum())
            rows.append(
                {
                    "zone_id": None if pd.isna(zone_id) else zone_id,
                    "row": label,
                    "area_m2": m2,
                    "area_ha": m2 / M2_PER_HA,
                    "area_mu": m2 / M2_PER_MU,
                    "share_of_zone": m2 / zone_m2 if zone_m2 > 0 else np.nan,
                }
            )
    return pd.DataFrame(
        rows, columns=["zone_id", "row", "area_m2", "area_ha", "area_mu", "share_of_zone"]
    )


#: Columns of :func:`reconciliation`, in order.
RECONCILIATION_COLUMNS = [
    "zone_id",
    "zone_area_m2",
    "raw_sum_m2",
    "closure_m2",
    "largest_adjustment_m2",
    "largest_adjustment_rel",
    "overlap_m2",
]


def reconciliation(table: pd.DataFrame) -> pd.DataFrame:
    """Return per zone of a balance table how its rows were reconciled to it (m², relative).

    ``raw_sum_m2`` is the sum of the rows as measured, ``closure_m2`` the zone's
    area less it (闭合差, spread in proportion: :mod:`spatial.measure.reconcile`),
    ``largest_adjustment_m2``/``_rel`` the largest change made to one row (m², and
    over the zone's area), ``overlap_m2`` the overlap tolerated and counted once.
    """
    rows = []
    for zone_id, group in table.groupby("zone_id", dropna=False, sort=False):
        first = group.iloc[0]
        raw_m2 = float(group["area_raw_m2"].sum())
        rows.append(
            {
                "zone_id": None if pd.isna(zone_id) else zone_id,
                "zone_area_m2": float(first["zone_area_m2"]),
                "raw_sum_m2": raw_m2,
                "closure_m2": float(first["zone_area_m2"]) - raw_m2,
                "largest_adjustment_m2": float(first["largest_adjustment_m2"]),
                "largest_adjustment_rel": float(first["largest_adjustment_rel"]),
                "overlap_m2": float(first["overlap_m2"]),
            }
        )
    return pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)


#: Columns of an existing-against-planned comparison, in order.
COMPARE_COLUMNS = [
    "zone_id",
    "class_code",
    "class_name",
    "construction_land",
    "existing_m2",
    "planned_m2",
    "change_m2",
    "existing_ha",
    "planned_ha",
    "change_ha",
    "existing_mu",
    "planned_mu",
    "change_mu",
    "existing_share",
    "planned_share",
    "existing_raw_m2",
    "planned_raw_m2",
    "largest_adjustment_m2",
    "largest_adjustment_rel",
]


def compare_balance(existing: pd.DataFrame, planned: pd.DataFrame) -> pd.DataFrame:
    """Set two balance tables side by side (现状 existing, 规划 planned) with the change per class.

    Both come from :func:`balance_table` on the same zones. A class present in
    one only counts 0 in the other; ``change_*`` is planned minus existing, of
    the reconciled areas (each side adds up to the zone). ``existing_raw_m2``
    and ``planned_raw_m2`` are the rows as measured; ``largest_adjustment_m2``
    and ``_rel`` the zone's larger of the two tables' largest adjustments.
    """
    keys = ["zone_id", "class_code"]
    cols = [*keys, "class_name", "construction_land", "area_m2", "share_of_zone", "area_raw_m2"]
    both = existing[cols].merge(
        planned[cols], on=keys, how="outer", suffixes=("_e", "_p"), sort=False
    )
    out = pd.DataFrame({"zone_id": both["zone_id"], "class_code": both["class_code"]})
    out["class_name"] = both["class_name_e"].fillna(both["class_name_p"])
    out["construction_land"] = both["construction_land_e"].combine_first(
        both["construction_land_p"]
    )
    out["existing_m2"] = both["area_m2_e"].fillna(0.0)
    out["planned_m2"] = both["area_m2_p"].fillna(0.0)
    out["change_m2"] = out["planned_m2"] - out["existing_m2"]
    for unit, per in (("ha", M2_PER_HA), ("mu", M2_PER_MU)):
        for kind in ("existing", "planned", "change"):
            out[f"{kind}_{unit}"] = out[f"{kind}_m2"] / per
    out["existing_share"] = both["share_of_zone_e"].fillna(0.0)
    out["planned_share"] = both["share_of_zone_p"].fillna(0.0)
    out["existing_raw_m2"] = both["area_raw_m2_e"].fillna(0.0)
    out["planned_raw_m2"] = both["area_raw_m2_p"].fillna(0.0)
    for column in ("largest_adjustment_m2", "largest_adjustment_rel"):
        per_zone = pd.concat([existing, planned]).groupby("zone_id", dropna=False)[column].max()
        out[column] = [_per_zone(per_zone, z) for z in out["zone_id"]]
    return out[COMPARE_COLUMNS].reset_index(drop=True)


def _per_zone(per_zone: pd.Series, zone_id: object) -> float:
    """Return the zone's figure from a Series indexed by zone id (None: the whole layer)."""
    if zone_id is None or (isinstance(zone_id, float) and np.isnan(zone_id)):
        nulls = per_zone[per_zone.index.isna()]
        return float(nulls.iloc[0]) if len(nulls) else 0.0
    return float(per_zone.get(zone_id, 0.0))
