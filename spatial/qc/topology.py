"""Coverage topology of one layer, judged in its own CRS: invalid geometry, overlaps, gaps, slivers.

A land-use layer is a coverage: its features tile their outline without holes
or shared area. A neighbour's vertex lying on an edge (a T-junction, as survey
data has everywhere) is no error here: overlaps are decided by the DE-9IM
relation of the interiors (``2********``, an area in common) and gaps by the
holes of the union, neither of which a T-junction makes. Pairs are examined
only from the features :func:`shapely.coverage_invalid_edges` flags (one of
every overlapping pair is), and gaps from the union of the features around the
edges no second feature holds (:func:`_local_holes`, merged by matched edges
with :func:`shapely.coverage_union_all`): a million 图斑 are never united whole
unless that cannot decide. Each gap is normalised before it is measured, so its
geometry and area do not depend on which union found it.

Every piece found (a gap, an overlap) is measured as an area of record in m²
(:func:`spatial.measure.record.area_of_record_m2`) in the layer's CRS.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Geod

from spatial.measure.frames import is_lonlat
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import polygonal_parts
from spatial.qc.edges import LayerEdges, layer_edges, segments_of_rings
from spatial.qc.findings import Finding
from spatial.qc.layer import QcLayer, release_freed_memory
from spatial.qc.packs import Rule

__all__ = ["gaps", "invalid_geometries", "mean_width_m", "multiparts", "overlaps", "slivers"]

_PLACE = re.compile(r"\[([-+\d.eE]+)\s+([-+\d.eE]+)\]")
_INTERIORS = "2********"


def multiparts(layer: QcLayer, rule: Rule) -> list[Finding]:
    """One finding per valid MultiPolygon of more than one part (``value`` the number of parts).

    A one-part MultiPolygon (as GeoPackages from ArcGIS store every polygon) is no finding.
    """
    many = layer.valid & (shapely.get_type_id(layer.raw) == 6)
    parts = shapely.get_num_geometries(layer.raw)
    return [
        layer.finding(
            rule,
            f"multipart feature: a MultiPolygon of {int(parts[i])} parts, which this pack forbids",
            feature=int(i),
            value=float(parts[i]),
            unit="parts",
        )
        for i in np.flatnonzero(many & (parts > 1))
    ]


def invalid_geometries(layer: QcLayer, rule: Rule) -> list[Finding]:
    """One finding per missing, empty or invalid geometry: GEOS's reason and place.

    With ``forbid_multipart`` also one per MultiPolygon of several parts (:func:`multiparts`).
    """
    found = _invalid(layer, rule)
    return found + multiparts(layer, rule) if rule.params.get("forbid_multipart") else found


def _invalid(layer: QcLayer, rule: Rule) -> list[Finding]:
    bad = np.flatnonzero(~layer.valid)
    reasons = shapely.is_valid_reason(layer.raw[bad])
    found = []
    for i, said in zip(bad, reasons, strict=True):
        reason = "no geometry" if said is None else str(said)
        if shapely.is_empty(layer.raw[i]) and reason == "Valid Geometry":
            reason = "empty geometry"
        match = _PLACE.search(reason)
        place = shapely.Point(float(match[1]), float(match[2])) if match else layer.raw[i]
        found.append(
            layer.finding(
                rule,
                f"invalid geometry: {reason}",
                feature=int(i),
                value=reason,
                geometry=place,
            )
        )
    return found


def _overlap_pairs(layer: QcLayer) -> tuple[npt.NDArray[np.intp], ...]:
    """Positions (i < j) of the pairs whose interiors share an area.

    Only features off the coverage (:attr:`QcLayer.off_coverage`) are looked from:
    one of every overlapping pair is among them.
    """
    geoms = layer.geoms
    flagged = np.flatnonzero(layer.off_coverage)
    source, j = layer.tree.query(geoms[flagged], predicate="intersects")
    i = flagged[source]
    once = (i < j) | ((i != j) & ~layer.off_coverage[j])  # a flagged pair is found from both sides
    i, j = np.minimum(i[once], j[once]), np.maximum(i[once], j[once])
    shared = shapely.relate_pattern(geoms[i], geoms[j], _INTERIORS)
    order = np.lexsort((j[shared], i[shared]))
    return i[shared][order], j[shared][order]


def overlaps(layer: QcLayer, rule: Rule) -> list[Finding]:
    """One finding per pair of features sharing an area over ``min_area_m2``: the pair, the area."""
    if not layer.off_coverage.any():
        return []
    i, j = _overlap_pairs(layer)
    geoms = layer.geoms
    pieces = polygonal_parts(shapely.intersection(geoms[i], geoms[j]))
    area = area_of_record_m2(pieces, layer.crs, layer.name)
    found = []
    for a, b, piece, area_m2 in zip(i, j, pieces, area, strict=True):
        if area_m2 > rule.params["min_area_m2"]:
            message = f"overlaps feature {layer.ids[b]} by {area_m2:,.2f} m² (near {_place(piece)})"
            found.append(
                layer.finding(
                    rule, message, feature=int(a), other=int(b), value=float(area_m2),
                    unit="m2", geometry=piece,
                )
            )  # fmt: skip
    return found


def _place(geom: shapely.Geometry) -> str:
    point = shapely.point_on_surface(geom)
    return f"{point.x:.2f} {point.y:.2f}"


def _holes(union: shapely.Geometry) -> npt.NDArray[np.object_]:
    polygons = shapely.get_parts(union)
    polygons = polygons[shapely.get_type_id(polygons) == 3]
    counts = shapely.get_num_interior_rings(polygons)
    holes = [
        shapely.Polygon(shapely.get_interior_ring(p, k))
        for p, n in zip(polygons, counts, strict=True)
        for k in range(int(n))
    ]
    return np.asarray(holes, dtype=object)


def _union(layer: QcLayer, local: npt.NDArray[np.bool_] | None = None) -> shapely.Geometry:
    """Return the union of the layer (or of its features at ``local``).

    The features on the coverage are merged by matched edges, then those off it added.
    """
    on = layer.present & ~layer.off_coverage
    merged = shapely.coverage_union_all(layer.geoms[on if local is None else on & local])
    off = layer.geoms[layer.off_coverage]
    return shapely.union_all([merged, *off]) if len(off) else merged


#: Fewest features for which :func:`gaps` unites only those around the unmatched edges.
_MIN_LOCAL = 2_000


def _filled(holes: npt.NDArray[np.object_], edges: LayerEdges) -> npt.NDArray[np.bool_]:
    """Which holes have an edge of their ring that two features hold exactly (a gap has none)."""
    segments, ring = segments_of_rings(shapely.get_exterior_ring(holes))
    filled = np.zeros(len(holes), dtype=bool)
    filled[ring[edges.held(segments)]] = True
    return filled


def _local_holes(layer: QcLayer) -> npt.NDArray[np.object_] | None:
    """Return the layer's gaps from the union of the features around its unmatched edges.

    Every gap is bounded by edges one feature holds (the other side is empty),
    and the features meeting such an edge (even at a point), with those off the
    coverage, are united alone (a few thousand of a million: the outline's, the
    gaps' and the T-junctions'). A hole of that union is the hole of the whole
    union with the same ring when no other feature meets its ring: then it is
    empty all along it. A hole with an edge two features (neither off the
    coverage) hold exactly is filled by the features left out, and dropped.
    None when the edges cannot be read, or when a hole without such an edge
    meets a feature left out (the caller then unites the whole layer).
    """
    edges = layer_edges(layer.geoms, layer.present, layer.off_coverage)
    if edges is None:
        return None
    local = layer.off_coverage.copy()
    local[layer.tree.query(edges.unmatched_lines(), predicate="intersects")[1]] = True
    holes = _holes(_union(layer, local))
    if not len(holes):
        return holes
    holes = holes[~_filled(holes, edges)]
    del edges
    meeting = layer.tree.query(shapely.get_exterior_ring(holes), predicate="intersects")[1]
    return holes if local[meeting].all() else None


def _gap_holes(layer: QcLayer) -> npt.NDArray[np.object_]:
    """Return the holes of the layer's union, normalised, in order of their rings' first vertex.

    Normalised (:func:`shapely.normalize`: the ring from its least vertex, x then
    y, clockwise), a hole is the same geometry whichever union found it and
    wherever its ring began; ties in the first vertex go by WKB.
    """
    holes = _local_holes(layer) if int(layer.present.sum()) >= _MIN_LOCAL else None
    release_freed_memory()  # the edges' arrays and the threads' temporaries
    if holes is None:
        holes = _holes(_union(layer))
    holes = shapely.normalize(holes)
    first = shapely.get_coordinates(shapely.get_point(shapely.get_exterior_ring(holes), 0))
    order = sorted(range(len(holes)), key=lambda k: (*first[k], shapely.to_wkb(holes[k])))
    return holes[np.asarray(order, dtype=np.intp)]


def _gap_piece(layer: QcLayer, hole: shapely.Geometry) -> tuple[shapely.Geometry, list[int]]:
    """Return a hole's empty part, normalised, and the features around it (layer positions).

    The features whose interiors meet the hole (islands in it, and neighbours
    whose edges the union's nodes leave a rounding inside it) are taken out. An
    island lying in the hole with a hole of its own keeps that inner hole out of
    this gap's area: the inner hole is a hole of the union, reported by itself.
    The features around are those meeting the hole, islands lying in it excepted.
    """
    geoms = layer.geoms
    near = layer.tree.query(hole, predicate="intersects")
    inside = near[shapely.relate_pattern(geoms[near], hole, _INTERIORS)]
    around = sorted(
        set(near.tolist()) - set(inside[shapely.covered_by(geoms[inside], hole)].tolist())
    )
    if not inside.size:
        return hole, around
    union = shapely.union_all(geoms[inside])
    piece = shapely.difference(hole, union)
    parts = shapely.get_parts(union)
    holed = parts[(shapely.get_num_interior_rings(parts) > 0) & shapely.covered_by(parts, hole)]
    if len(holed):
        inner = [shapely.Polygon(ring) for part in holed for ring in part.interiors]
        piece = shapely.difference(piece, shapely.union_all(inner))
    return shapely.normalize(piece), around


def gaps(layer: QcLayer, rule: Rule) -> list[Finding]:
    """One finding per hole between features inside the layer's outline, over ``min_area_m2``.

    A hole holding features of its own (an island parcel) counts only its empty
    part. Each gap is normalised (:func:`_gap_holes`) and its area of record
    measured from that ring; gaps come in order of their rings' least vertex.
    A layer of at least :data:`_MIN_LOCAL` features unites only the features
    around its unmatched edges (:func:`_local_holes`).
    """
    holes = _gap_holes(layer)
    if not len(holes):
        return []
    found_pieces = [_gap_piece(layer, hole) for hole in holes]
    pieces = np.asarray([piece for piece, _ in found_pieces], dtype=object)
    area = area_of_record_m2(polygonal_parts(pieces), layer.crs, layer.name)
    found = []
    for (piece, around), area_m2 in zip(found_pieces, area, strict=True):
        if area_m2 > rule.params["min_area_m2"]:
            named = ", ".join(layer.ids[n] for n in around[:8]) + (" ..." * (len(around) > 8))
            message = f"gap of {area_m2:,.2f} m² between features {named} (near {_place(piece)})"
            found.append(
                layer.finding(rule, message, value=float(area_m2), unit="m2", geometry=piece)
            )
    return found


def mean_width_m(geoms: npt.ArrayLike, area_m2: npt.ArrayLike, crs: CRS | None) -> np.ndarray:
    """Return each polygon's mean width, 2·area/perimeter, in metres.

    The perimeter is planar in a projected CRS in metres, geodesic (GRS80) in lon/lat.

    Examples
    --------
    >>> mean_width_m([shapely.box(0, 0, 10, 0.1)], [1.0], CRS.from_epsg(4544)).round(4).tolist()
    [0.099]
    """
    geoms = np.asarray(geoms, dtype=object)
    if crs is None or is_lonlat(crs):
        geod = Geod(ellps="GRS80")
        perimeter = np.array([geod.geometry_length(g) if g is not None else 0.0 for g in geoms])
    else:
        perimeter = shapely.length(geoms) * crs.axis_info[0].unit_conversion_factor
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(perimeter > 0, 2.0 * np.asarray(area_m2) / perimeter, 0.0)


def slivers(layer: QcLayer, rule: Rule) -> list[Finding]:
    """One finding per feature under ``max_area_m2`` or narrower than ``min_width_m`` on average."""
    present = layer.present
    width = mean_width_m(layer.geoms, layer.area_m2, layer.crs)
    small = present & (layer.area_m2 < rule.params["max_area_m2"])
    thin = present & (width < rule.params["min_width_m"])
    found = []
    for i in np.flatnonzero(small | thin):
        area_m2, width_m = float(layer.area_m2[i]), float(width[i])
        message = f"sliver: {area_m2:,.3f} m², mean width {width_m:.3f} m (2·area/perimeter)"
        found.append(
            layer.finding(
                rule, message, feature=int(i), value=area_m2, unit="m2", geometry=layer.geoms[i]
            )
        )
    return found
