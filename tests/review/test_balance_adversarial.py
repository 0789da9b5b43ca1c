"""Adversarial inputs for the balance's shortcuts: never "a coverage", "inside" where GEOS says not.

:func:`~spatial.validate.coverage.matched_coverage` may say "not known" (False)
for a valid coverage; it must never say True where ``shapely.coverage_is_valid``
says False. :func:`~spatial.review._pieces.inside_by_cells` may say "not
known"; it must never say "inside" where ``contains_properly`` says not. GEOS
is the independent judge of every case. Coordinates are synthetic (示例数据):
EPSG:4544 metres near 璧山 unless a case says otherwise (huge, tiny, degrees).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from spatial.review import balance as balance_module
from spatial.review._pieces import cut_pairs_marked, inside_by_cells
from spatial.review.balance import balance_table
from spatial.validate.coverage import matched_coverage
from tests.grids import grid_parcels

X0, Y0 = 620_000.0, 3_280_000.0


def _oriented(geoms: list[shapely.Geometry], dx: float = X0, dy: float = Y0) -> np.ndarray:
    moved = [shapely.affinity.translate(g, dx, dy) for g in geoms]
    out = shapely.orient_polygons(np.asarray(moved, dtype=object))
    assert shapely.is_valid(out).all()  # the shortcut's precondition: valid polygons
    return out


def _agrees(geoms: np.ndarray) -> bool:
    """Assert the shortcut is sound on ``geoms``; return what GEOS says."""
    geos = bool(shapely.coverage_is_valid(geoms))
    if matched_coverage(geoms):
        assert geos, "matched_coverage claims a coverage GEOS rejects"
    return geos


def _holed(shell: Polygon, *holes: Polygon) -> Polygon:
    return Polygon(shell.exterior.coords, [h.exterior.coords for h in holes])


# --- cases with an answer known by hand ----------------------------------------------------

INVALID = {
    # a hole touching its shell at a point of the shell's edge (no vertex there): the filler's
    # vertex lies on the shell's edge, a T-junction to GEOS
    "a hole touching its shell mid-edge, filled": [
        Polygon([(0, 0), (30, 0), (30, 30), (0, 30)], [[(0, 15), (10, 10), (10, 20)]]),
        Polygon([(0, 15), (10, 10), (10, 20)]),
    ],
    # a part of a multipolygon touching another part mid-edge, the corner between them filled
    "multipolygon parts touching mid-edge, filled": [
        MultiPolygon([box(0, 0, 20, 10), Polygon([(10, 10), (20, 20), (0, 20)])]),
        Polygon([(10, 10), (20, 10), (20, 20)]),
        Polygon([(0, 10), (10, 10), (0, 20)]),
    ],
    # one shared edge split at different vertices on the two sides: collinear, not matched
    "collinear edges split differently": [
        Polygon([(0, 0), (10, 0), (10, 5), (10, 10), (0, 10)]),
        Polygon([(10, 0), (20, 0), (20, 10), (10, 10), (10, 3)]),
    ],
    # one side split, the other not: a vertex on the neighbour's edge
    "a vertex on a neighbour's edge (thirds)": [
        Polygon([(0, 0), (0.3, 0), (0.3, 0.1), (0.3, 0.3), (0, 0.3)]),
        box(0.3, 0, 0.6, 0.3),
    ],
    # the hole's rim vertex on the filler's edge, the filler a little large
    "a hole filled by a polygon a hair larger": [
        _holed(box(0, 0, 30, 30), box(10, 10, 20, 20)),
        box(10, 10, 20, 20 + 1e-9),
    ],
    # two polygons each with one part on the other's part
    "multipolygons whose parts overlap": [
        MultiPolygon([box(0, 0, 10, 10), box(20, 0, 30, 10)]),
        MultiPolygon([box(10, 0, 20, 10), box(25, 5, 35, 15)]),
    ],
    # the same edges twice and a third polygon whose edges cancel the pair (met once each way)
    "a polygon stacked over two that tile it": [
        box(0, 0, 20, 10),
        box(0, 0, 10, 10),
        box(10, 0, 20, 10),
    ],
    "a polygon with the same edges as two tiles, plus those tiles": [
        Polygon([(0, 0), (10, 0), (20, 0), (20, 10), (10, 10), (0, 10)]),
        box(0, 0, 10, 10),
        box(10, 0, 20, 10),
    ],
    # a neighbour whose vertex sits on the hole's rim (touches the filler at a point of its edge)
    "a filler and a polygon in the hole touching its edge": [
        _holed(box(0, 0, 30, 30), box(10, 10, 20, 20)),
        Polygon([(10, 10), (20, 10), (15, 15)]),
        Polygon([(10, 10), (15, 15), (20, 10), (20, 20), (10, 20)]),
        box(12, 12, 13, 13),
    ],
}

VALID = {
    # the hole touching its shell mid-edge, filled, that edge shared (matched) with a neighbour:
    # GEOS (3.14) calls it valid; the shortcut says "not known" (its answer then GEOS's)
    "a hole touching its shell mid-edge, filled, the edge shared": [
        Polygon([(0, 0), (30, 0), (30, 30), (0, 30)], [[(0, 15), (10, 10), (10, 20)]]),
        Polygon([(0, 15), (10, 10), (10, 20)]),
        box(-10, 0, 0, 30),
    ],
    # a hole touching the shell at one point: valid in GEOS; a filler shares every edge
    "a hole touching its shell at a point, filled": [
        Polygon([(0, 0), (30, 0), (30, 30), (0, 30), (0, 15)], [[(0, 15), (10, 10), (10, 20)]]),
        Polygon([(0, 15), (10, 10), (10, 20)]),
    ],
    # two holes touching each other at a point, each filled
    "two holes touching at a point, both filled": [
        Polygon(
            [(0, 0), (30, 0), (30, 30), (0, 30)],
            [[(5, 5), (15, 5), (15, 15)], [(15, 15), (25, 15), (25, 25)]],
        ),
        Polygon([(5, 5), (15, 5), (15, 15)]),
        Polygon([(15, 15), (25, 15), (25, 25)]),
    ],
    # a multipolygon whose two parts share one vertex, with its neighbours around
    "multipolygon parts sharing a vertex": [
        MultiPolygon([box(0, 0, 10, 10), box(10, 10, 20, 20)]),
        box(10, 0, 20, 10),
        box(0, 10, 10, 20),
    ],
    # a grid with a repeated edge direction along a long straight line (collinear, matched)
    "a strip of collinear matched edges": [box(i, 0, i + 1, 1) for i in range(20)]
    + [box(i, 1, i + 1, 2) for i in range(20)],
    "a single triangle": [Polygon([(0, 0), (1, 0), (0, 1)])],
}


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_coverages_are_never_claimed(name: str) -> None:
    geoms = _oriented(INVALID[name])
    assert not shapely.coverage_is_valid(geoms)  # GEOS: invalid, by hand too
    assert not matched_coverage(geoms)


@pytest.mark.parametrize("name", list(VALID))
def test_valid_coverages_with_odd_rings_agree(name: str) -> None:
    geoms = _oriented(VALID[name])
    assert shapely.coverage_is_valid(geoms)
    _agrees(geoms)


@pytest.mark.parametrize("scale", [1e-9, 1e-4, 1.0, 1e4])
@pytest.mark.parametrize("offset", [0.0, X0, 1e12])
def test_huge_and_tiny_coordinates(scale: float, offset: float) -> None:
    """Grids and broken grids scaled tiny or huge, far from or at the origin."""
    for case in (*VALID.values(), *INVALID.values()):
        scaled = [shapely.affinity.scale(g, scale, scale, origin=(0, 0)) for g in case]
        geoms = shapely.orient_polygons(
            np.asarray([shapely.affinity.translate(g, offset, offset) for g in scaled])
        )
        if not shapely.is_valid(geoms).all():
            continue  # rounding at 1e12 made a ring invalid: outside the precondition
        _agrees(geoms)


def test_degrees_epsg_4326() -> None:
    """A 0.0001° grid near 璧山 in EPSG:4326 (coordinates not multiples of the spacing)."""
    grid = grid_parcels(8, 6, ["0101"], (X0, Y0), id_digits=4).to_crs(4326)
    geoms = shapely.orient_polygons(np.asarray(grid.geometry.array, dtype=object))
    assert _agrees(geoms)
    nudged = geoms.copy()
    coords = shapely.get_coordinates(nudged[10])
    coords[1] = (coords[1] + coords[2]) / 2  # a corner moved onto its own edge's line
    coords[-1] = coords[0]
    nudged[10] = shapely.orient_polygons(Polygon(coords))
    if shapely.is_valid(nudged[10]):
        _agrees(nudged)


def test_reversed_orientation_is_never_claimed() -> None:
    """Rings wound the wrong way (a precondition broken): still never "a coverage" wrongly."""
    outer, inner = box(0, 0, 30, 30), box(10, 10, 20, 20)
    cases = [
        [outer, inner.reverse()],  # one inside another: the reversed one cancels the overlap
        [outer.reverse(), inner],
        [outer.reverse(), inner.reverse()],
        [box(0, 0, 10, 10), box(10, 0, 20, 10).reverse()],
        [_holed(outer, inner.reverse()), inner],  # hole wound like a shell
    ]
    for geoms in cases:
        moved = np.asarray([shapely.affinity.translate(g, X0, Y0) for g in geoms], dtype=object)
        _agrees(moved)


def test_structured_damage_along_shared_edges() -> None:
    """A grid, one shared edge split on one side or both, or a vertex slid along it."""
    rng = np.random.default_rng(7)
    base = [box(i * 10, j * 10, i * 10 + 10, j * 10 + 10) for i in range(4) for j in range(4)]
    claimed = 0
    for _ in range(150):
        geoms = list(base)
        k = int(rng.integers(0, len(geoms)))
        coords = shapely.get_coordinates(geoms[k])[:-1].tolist()
        side = int(rng.integers(0, 4))
        a, b = np.array(coords[side]), np.array(coords[(side + 1) % 4])
        t = float(rng.choice([0.5, 1 / 3, 0.25, 1e-9]))
        coords.insert(side + 1, list(a + t * (b - a)))  # a vertex on the edge, one side only
        geoms[k] = Polygon(coords)
        if rng.random() < 0.5:  # the neighbour split too, at the same or another point
            x, y = a + t * (b - a)
            for n, g in enumerate(geoms):
                if n != k and shapely.intersects(g, shapely.Point(x, y)):
                    ring = shapely.get_coordinates(g)[:-1].tolist()
                    for m in range(len(ring)):
                        p, q = np.array(ring[m]), np.array(ring[(m + 1) % len(ring)])
                        seg = shapely.LineString([p, q])
                        if shapely.distance(seg, shapely.Point(x, y)) == 0 and not (
                            np.allclose(p, (x, y), rtol=0, atol=0)
                            or np.allclose(q, (x, y), rtol=0, atol=0)
                        ):
                            shift = 0.0 if rng.random() < 0.5 else 1.0
                            u = (x, y) if shift == 0 else tuple(p + 0.5 * (q - p))
                            ring.insert(m + 1, list(u))
                            geoms[n] = Polygon(ring)
                            break
        oriented = _oriented(geoms)
        if matched_coverage(oriented):
            claimed += 1
        _agrees(oriented)
    assert claimed > 0  # both sides split at the same point: a coverage still


@pytest.mark.parametrize("collide", ["all", "by x0"])
@pytest.mark.parametrize("name", list(INVALID) + list(VALID))
def test_colliding_hashes_on_the_odd_cases(
    name: str, collide: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every edge one hash, or edges sharing a first x one hash: never "a coverage" wrongly."""
    from spatial.validate import coverage as _coverage  # noqa: PLC0415 - the hash patched below

    def hashed(key: np.ndarray) -> np.ndarray:
        if collide == "all":
            return np.zeros(len(key), dtype=np.uint64)
        return np.ascontiguousarray(key[:, 0]).view(np.uint64).copy()

    monkeypatch.setattr(_coverage, "_hashed", hashed)
    cases = {**INVALID, **VALID}
    _agrees(_oriented(cases[name]))


def test_voronoi_coverages_damaged_at_random() -> None:
    """Voronoi cells (a coverage, vertices at irrational points) with one polygon edited."""
    rng = np.random.default_rng(24)
    claimed = 0
    for _ in range(60):
        points = shapely.multipoints(rng.uniform(0, 1000, size=(25, 2)))
        cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=box(0, 0, 1000, 1000)))
        cells = shapely.intersection(cells, box(0, 0, 1000, 1000))
        geoms = list(_oriented(list(cells)))
        k = int(rng.integers(0, len(geoms)))
        ring = shapely.get_coordinates(geoms[k])[:-1]
        edit = rng.choice(["none", "split", "move", "reverse", "hole", "merge"])
        if edit == "split":  # a vertex inserted in one polygon's edge only
            m = int(rng.integers(0, len(ring)))
            mid = (ring[m] + ring[(m + 1) % len(ring)]) / 2
            geoms[k] = Polygon(np.insert(ring, m + 1, mid, axis=0))
        elif edit == "move":  # one shared vertex moved in one polygon only
            ring[int(rng.integers(0, len(ring)))] += rng.normal(0, 1, 2)
            geoms[k] = Polygon(ring)
        elif edit == "reverse":
            geoms[k] = geoms[k].reverse()
        elif edit == "hole":  # a hole with its filler
            hole = shapely.buffer(shapely.centroid(geoms[k]), 1.0, quad_segs=2)
            if shapely.contains_properly(geoms[k], hole):
                geoms[k] = _holed(geoms[k], hole)
                geoms.append(hole)
        elif edit == "merge":  # a polygon joined to another as a multipolygon
            j = (k + 1) % len(geoms)
            if not shapely.intersects(geoms[k], geoms[j]):
                geoms[k] = MultiPolygon([geoms[k], geoms[j]])
                geoms.pop(j)
        array = np.asarray(geoms, dtype=object)
        if edit != "reverse":
            array = shapely.orient_polygons(array)
        if not shapely.is_valid(array).all():
            continue
        claimed += bool(matched_coverage(array))
        _agrees(array)
    assert claimed > 0


def test_empty_polygons_are_not_known_or_agree() -> None:
    """Empty geometries among the polygons (refused earlier by the validator): no error."""
    empty, square = Polygon(), box(X0, Y0, X0 + 10, Y0 + 10)
    assert not matched_coverage(np.asarray([empty], dtype=object))
    assert not matched_coverage(np.asarray([MultiPolygon(), empty], dtype=object))
    _agrees(np.asarray([empty, square], dtype=object))
    _agrees(np.asarray([MultiPolygon(), square], dtype=object))


# --- inside_by_cells -----------------------------------------------------------------------


def _sound_inside(zone: shapely.Geometry, boxes: np.ndarray, cells: int) -> np.ndarray:
    shapely.prepare(zone)
    known = inside_by_cells(zone, boxes, cells)
    truth = shapely.contains_properly(zone, shapely.box(*boxes.T))
    assert not (known & ~truth).any(), boxes[known & ~truth][:3]
    return known


@pytest.mark.parametrize("offset", [0.0, X0, 1e9, 1e13])
@pytest.mark.parametrize("size", [1e-6, 1.0, 1e3, 1e6])
def test_boxes_on_the_cell_lines_huge_and_tiny(offset: float, size: float) -> None:
    """Boxes whose sides lie exactly on the grid's lines, or one ulp either side of them."""
    zone = shapely.Polygon(
        [
            (0, 0),
            (size, 0),
            (size, 0.4 * size),
            (0.4 * size, 0.4 * size),
            (0.4 * size, size),
            (0, size),
        ]
    )
    zone = shapely.affinity.translate(zone, offset, offset)
    cells = 16
    x0, y0, x1, y1 = zone.bounds
    lines_x = x0 + np.arange(cells + 1) * ((x1 - x0) / cells)
    lines_y = y0 + np.arange(cells + 1) * ((y1 - y0) / cells)
    near_x = np.concatenate(
        [lines_x, np.nextafter(lines_x, -np.inf), np.nextafter(lines_x, np.inf)]
    )
    near_y = np.concatenate(
        [lines_y, np.nextafter(lines_y, -np.inf), np.nextafter(lines_y, np.inf)]
    )
    rng = np.random.default_rng(11)
    ax, bx = rng.choice(near_x, 4000), rng.choice(near_x, 4000)
    ay, by = rng.choice(near_y, 4000), rng.choice(near_y, 4000)
    boxes = np.column_stack([np.minimum(ax, bx), np.minimum(ay, by), np.maximum(ax, bx)])
    boxes = np.column_stack([boxes, np.maximum(ay, by)])
    known = _sound_inside(zone, boxes, cells)
    if size / cells > 100 * np.spacing(offset + size):  # cells wider than rounding
        assert known.any()  # not merely timid


def test_zone_with_a_hole_on_the_cell_lines_and_a_multipolygon() -> None:
    shell = box(X0, Y0, X0 + 640, Y0 + 640)
    hole = box(X0 + 200, Y0 + 200, X0 + 440, Y0 + 440)  # on lines of a 64-cell grid (10 m)
    zones = [
        _holed(shell, hole),
        MultiPolygon(
            [box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 540, Y0 + 540, X0 + 640, Y0 + 640)]
        ),
        shapely.Polygon([(X0, Y0), (X0 + 640, Y0 + 640), (X0, Y0 + 640)]),  # a diagonal
    ]
    parcels = grid_parcels(32, 32, ["0101"], (X0, Y0), id_digits=4)
    bounds = shapely.bounds(np.asarray(parcels.geometry.array, dtype=object))
    bounds = np.concatenate([bounds, bounds / 2 + bounds[:, [2, 3, 0, 1]] / 2 - 0.5])
    bounds[len(bounds) // 2 :, 2:] += 1.0  # 1 m boxes at every parcel's middle
    for zone in zones:
        _sound_inside(zone, bounds, 64)


def test_degrees_zone() -> None:
    zone = shapely.Polygon([(106.20, 29.55), (106.25, 29.55), (106.25, 29.60), (106.21, 29.60)])
    rng = np.random.default_rng(3)
    lo = rng.uniform([106.19, 29.54], [106.26, 29.61], size=(5000, 2))
    boxes = np.column_stack([lo, lo + rng.uniform(1e-6, 3e-3, size=(5000, 2))])
    assert _sound_inside(zone, boxes, 64).any()


def test_cut_pieces_equal_with_the_grid_on_adversarial_zones() -> None:
    parcels = shapely.orient_polygons(
        np.asarray(grid_parcels(20, 20, ["0101"], (X0, Y0), id_digits=4).geometry.array)
    )
    zones = shapely.orient_polygons(
        np.asarray(
            [
                _holed(
                    box(X0, Y0, X0 + 1280, Y0 + 1280), box(X0 + 400, Y0 + 400, X0 + 800, Y0 + 800)
                ),
                MultiPolygon(
                    [
                        box(X0 + 1300, Y0, X0 + 1600, Y0 + 300),
                        box(X0 + 1600, Y0 + 300, X0 + 2000, Y0 + 700),
                    ]
                ),
            ],
            dtype=object,
        )
    )
    plain = cut_pairs_marked(zones, parcels)
    gridded = cut_pairs_marked(zones, parcels, 1, cells=64)
    for left, right in zip(plain[:2] + plain[3:], gridded[:2] + gridded[3:], strict=True):
        assert np.array_equal(left, right)
    assert (shapely.to_wkb(plain[2]) == shapely.to_wkb(gridded[2])).all()


# --- the balance table: the fast path against the plain one --------------------------------


@pytest.fixture
def fast_for_small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(balance_module, "FAST_MIN_FEATURES", 0)


def _same(lu: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None) -> pd.DataFrame:
    fast = balance_table(lu, zones)
    plain = balance_table(lu, zones, fast=False)
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert fast.attrs == plain.attrs
    return fast


@pytest.mark.usefixtures("fast_for_small")
def test_balance_on_zones_along_the_cell_lines_and_in_degrees() -> None:
    lu = grid_parcels(16, 16, ["0101", "0701"], (X0, Y0), id_digits=4)
    zones = gpd.GeoDataFrame(
        {"id": ["hole", "diag"], "note": "示例数据 synthetic"},
        geometry=[
            _holed(box(X0, Y0, X0 + 1280, Y0 + 1280), box(X0 + 400, Y0 + 400, X0 + 800, Y0 + 800)),
            shapely.Polygon([(X0, Y0), (X0 + 1600, Y0 + 1600), (X0, Y0 + 1600)]),
        ],
        crs="EPSG:4544",
    )
    table = _same(lu, zones)
    hole = table[table["zone_id"] == "hole"]
    assert hole["zone_area_m2"].iloc[0] == pytest.approx(1280**2 - 400**2, rel=2e-3)
    _same(lu.to_crs(4326), zones.to_crs(4326))
    _same(lu, None)
    flipped = lu.set_geometry(shapely.orient_polygons(lu.geometry.array, exterior_cw=True))
    _same(flipped, zones)  # rings wound as a Shapefile stores them
