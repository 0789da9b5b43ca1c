"""Coverage topology of one layer, judged in its own CRS: invalid geometry, overlaps, gaps, slivers.

A land-use layer is a coverage: its features tile their outline without holes
or shared area. A neighbour's vertex lying on an edge (a T-junction, as survey
data has everywhere) is no error here: overlaps are decided by the DE-9IM
relation of the interiors (``2********``, an area in common) and gaps by the
holes of the union, neither of which a T-junction makes. Pairs are examined
only from the features :func:`shapely.coverage_invalid_edges` flags (one of
every overlapping pair is), and the union merges the others by their matched
edges (:func:`shapely.coverage_union_all`): a clean vertex-matched export costs
one coverage validation and one coverage union.

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
from spatial.qc.findings import Finding
from spatial.qc.layer import QcLayer
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
    present = np.flatnonzero(layer.present)
    flagged = np.flatnonzero(layer.off_coverage)
    tree = shapely.STRtree(geoms[present])
    source, hit = tree.query(geoms[flagged], predicate="intersects")
    i, j = flagged[source], present[hit]
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


def _union(layer: QcLayer) -> shapely.Geometry:
    """Return the layer's union: features on the coverage merged by matched edges, then the rest."""
    on = layer.geoms[layer.present & ~layer.off_coverage]
    off = layer.geoms[layer.off_coverage]
    merged = shapely.coverage_union_all(on)
    return shapely.union_all([merged, *off]) if len(off) else merged


#: Fewest features for which :func:`gaps` first asks :func:`_surely_no_gaps`.
_MIN_LOCAL = 2_000


def _edge_keys(edges: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], np.ndarray]:
    """Return each edge's endpoints in a canonical order and one 64-bit hash of them."""
    from spatial.validate.coverage import _canonical, _hashed  # noqa: PLC0415

    key, _ = _canonical(edges)
    return key, _hashed(key)


def _matched(
    key: npt.NDArray[np.float64], hashed: np.ndarray, owner: npt.NDArray[np.intp], off: np.ndarray
) -> npt.NDArray[np.bool_]:
    """Which edges are held, exactly, by two features and no more, neither off the coverage."""
    order = np.argsort(hashed, kind="stable")
    ordered = hashed[order]
    start = np.r_[True, ordered[1:] != ordered[:-1]] if len(order) else np.zeros(0, dtype=bool)
    group = np.cumsum(start) - 1
    size = np.bincount(group)[group] if len(order) else np.zeros(0, dtype=np.intp)
    at = np.flatnonzero(start & (size == 2))
    a, b = order[at], order[at + 1]
    both = (key[a] == key[b]).all(axis=1) & ~off[owner[a]] & ~off[owner[b]]
    matched = np.zeros(len(key), dtype=bool)
    matched[a[both]] = True
    matched[b[both]] = True
    return matched


#: Features whose edges :func:`_local_features` matches at a time (with their box-neighbours).
_EDGE_PART = 100_000


def _edges_of(
    layer: QcLayer, tree: shapely.STRtree, own: npt.NDArray[np.intp]
) -> (
    tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], np.ndarray, npt.NDArray[np.bool_]]
    | None
):
    """Return the edges of the features at ``own``, canonical, hashed, and which are matched.

    ``own`` are positions in the layer; None when the edges cannot be read.

    An edge's other holder is a box-neighbour, so the edges of ``own`` are matched among those
    of every feature whose box meets one of theirs.
    """
    from spatial.validate.coverage import _ring_edges  # noqa: PLC0415

    present = np.flatnonzero(layer.present)
    near = present[np.unique(tree.query(layer.geoms[own])[1])]
    found = _ring_edges(layer.geoms[near])
    if found is None:
        return None
    edges, geom, _, _ = found
    owner = near[geom]
    key, hashed = _edge_keys(edges)
    matched = _matched(key, hashed, owner, layer.off_coverage)
    mine = np.isin(owner, own)
    return edges[mine], key[mine], hashed[mine], matched[mine]


def _local_features(
    layer: QcLayer,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], np.ndarray] | None:
    """Return the features meeting an unmatched edge or off the coverage, and their matched edges.

    The edges as canonical endpoints and their hashes; None when the edges cannot be read.
    The edges are matched a part of :data:`_EDGE_PART` features at a time.
    """
    present = np.flatnonzero(layer.present)
    if len(present) < _MIN_LOCAL:
        return None
    tree = shapely.STRtree(layer.geoms[present])
    local = layer.off_coverage.copy()
    bounds = shapely.bounds(layer.geoms[present])
    along_x = present[np.argsort(bounds[:, 0] + bounds[:, 2], kind="stable")]  # parts: strips
    for own in np.array_split(along_x, max(1, -(-len(present) // _EDGE_PART))):
        found = _edges_of(layer, tree, own)
        if found is None:
            return None
        edges, _, _, matched = found
        # every feature meeting an unmatched edge, even at a point: a hole's corner can touch one
        lines = shapely.linestrings(edges[~matched].reshape(-1, 2, 2))
        local[present[tree.query(lines, predicate="intersects")[1]]] = True
    found = _edges_of(layer, tree, np.flatnonzero(local & layer.present))
    if found is None:
        return None
    _, key, hashed, matched = found  # a filled hole's ring is made of these
    return local, key[matched], hashed[matched]


def _surely_no_gaps(layer: QcLayer) -> bool:
    """Whether the layer's union surely has no hole, told from its unmatched edges alone.

    Every hole of the union is bounded by edges held by one feature only (the
    other side is empty). The features meeting such an edge (even at a point),
    with those off the coverage, are united alone (a few thousand of a million:
    the outline's, the gaps' and the T-junctions'); a hole of that union is a
    hole of the whole union when its ring has no edge two features (neither off
    the coverage) hold exactly, and is else filled by the features left out.
    True when every hole is filled so; False when any may be a gap, or when not
    known (the caller then unites everything, as before).
    """
    found = _local_features(layer)
    if found is None:
        return False
    local, held_key, held_hash = found
    on = layer.geoms[layer.present & ~layer.off_coverage & local]
    off = layer.geoms[layer.off_coverage]
    merged = shapely.coverage_union_all(on)
    holes = _holes(shapely.union_all([merged, *off]) if len(off) else merged)
    if not len(holes):
        return True
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(holes), return_index=True)
    same = ring[1:] == ring[:-1]
    segments = np.column_stack([coords[:-1], coords[1:]])[same]
    seg_key, seg_hash = _edge_keys(segments)
    exact = {row.tobytes() for row in held_key[np.isin(held_hash, seg_hash)]}
    candidate = np.array([row.tobytes() in exact for row in seg_key], dtype=bool)
    filled = np.zeros(len(holes), dtype=bool)
    filled[ring[1:][same][candidate]] = True
    return bool(filled.all())


def gaps(layer: QcLayer, rule: Rule) -> list[Finding]:
    """One finding per hole between features inside the layer's outline, over ``min_area_m2``.

    A hole holding features of its own (an island parcel) counts only its empty part.
    A layer whose unmatched edges show it has no hole (:func:`_surely_no_gaps`) is
    not united whole.
    """
    if _surely_no_gaps(layer):
        return []
    geoms = layer.geoms
    holes = _holes(_union(layer))
    if not len(holes):
        return []
    tree = shapely.STRtree(geoms)
    pieces = np.empty(len(holes), dtype=object)
    neighbours: list[list[int]] = []
    for k, hole in enumerate(holes):
        near = tree.query(hole, predicate="intersects")
        inside = near[shapely.relate_pattern(geoms[near], hole, _INTERIORS)]
        pieces[k] = (
            shapely.difference(hole, shapely.union_all(geoms[inside])) if inside.size else hole
        )
        neighbours.append(sorted(set(near.tolist()) - set(inside.tolist())))
    area = area_of_record_m2(polygonal_parts(pieces), layer.crs, layer.name)
    found = []
    for piece, area_m2, around in zip(pieces, area, neighbours, strict=True):
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
