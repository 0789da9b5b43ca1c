"""The nearest zone's distance in numpy: GEOS's float, bit for bit, and the tree's zone.

:func:`spatial.overlay._segments.point_to_segment` takes GEOS's steps for the distance
from a point to a segment; :func:`spatial.overlay._nearest.nearest_polygons` and
``nearest_xy`` take the least over the rings' segments a quadtree leaves near each
point. Every figure is compared with GEOS's own (``shapely.distance``) and the
STRtree's nearest polygon, on synthetic (示例数据) points in EPSG:4544 around the
bundled zones, squares, a zone with a hole and one of two parts.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import shapely

from spatial.crs import CGCS2000, WGS84
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay import _gkzone, _nearest, _segments
from spatial.overlay._gkzone import lonlat_bounds
from spatial.overlay._nearest import nearest_polygons, nearest_xy
from spatial.overlay._segments import Segments, nearest_segments, point_to_segment

X0, Y0 = 616_000.0, 3_280_000.0  # metres, EPSG:4544 (Bishan)
ORIGIN = np.array([X0, Y0])
ZONES = np.asarray(read_layer(bundled_layer_path("zones")).to_crs(4544).geometry.array)


def _bits(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    return np.asarray(values, dtype=np.float64).view(np.int64)


def _tree(polygons: npt.NDArray[np.object_], points: npt.NDArray[np.object_]) -> _nearest.Ties:
    tree = shapely.STRtree(polygons)

    def ties(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        jp, jq = tree.query_nearest(points[positions], all_matches=False)
        found = np.full(len(positions), -1, dtype=np.intp)
        found[jp] = jq
        return found

    return ties


def _trees_answer(
    polygons: npt.NDArray[np.object_], points: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """What assign measured before: the tree's nearest polygon, GEOS's distance to it."""
    _, found = shapely.STRtree(polygons).query_nearest(points, all_matches=False)
    return found, shapely.distance(points, polygons[found])


def _outside(
    polygons: npt.NDArray[np.object_], xy: npt.NDArray[np.float64]
) -> npt.NDArray[np.object_]:
    points = shapely.points(xy)
    met = shapely.intersects(points[:, None], polygons[None, :]).any(axis=1)
    return np.asarray(points[~met], dtype=object)


def test_point_to_segment_is_geoss_float() -> None:
    rng = np.random.default_rng(9)
    a = rng.uniform(-500, 500, (4000, 2)) + ORIGIN
    b = a + rng.uniform(-300, 300, (4000, 2))
    b[::50] = a[::50]  # a segment of one point: GEOS measures to it
    b[1::50, 0] = a[1::50, 0]  # upright and level segments
    b[2::50, 1] = a[2::50, 1]
    p = rng.uniform(-900, 900, (4000, 2)) + ORIGIN
    p[3::50] = a[3::50] + (b[3::50] - a[3::50]) * 2.0  # beyond B, on the segment's line
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    rings = shapely.polygons(
        shapely.linearrings(np.stack([a, b, a + np.array([0.0, 1.0]), a], axis=1))
    )
    seg = Segments.of(rings)
    assert seg is not None
    first = np.arange(0, 3 * len(a), 3)  # each triangle's first side, A -> B
    assert np.array_equal(seg.ax[first], a[:, 0]) and np.array_equal(seg.by[first], b[:, 1])
    got = point_to_segment(p[:, 0], p[:, 1], seg, first)
    expected = shapely.distance(shapely.points(p), segments)
    assert np.array_equal(_bits(got), _bits(expected))


def test_nearest_segments_is_the_least_distance_to_each_zone() -> None:
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = shapely.total_bounds(ZONES)
    points = _outside(ZONES, rng.uniform((x0 - 5000, y0 - 5000), (x1 + 5000, y1 + 5000), (5000, 2)))
    seg = Segments.of(ZONES)
    assert seg is not None
    xy = shapely.get_coordinates(points)
    owner, least, tie = nearest_segments(xy[:, 0], xy[:, 1], seg)
    every = shapely.distance(points[:, None], ZONES[None, :])
    assert np.array_equal(owner, every.argmin(axis=1))
    assert np.array_equal(_bits(least), _bits(every.min(axis=1)))
    assert not tie.any()


@pytest.mark.parametrize("split_points", [1, 32, 10_000])
@pytest.mark.parametrize("threads", [1, 2])
def test_nearest_xy_is_the_trees_answer_without_geos(
    split_points: int, threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_segments, "SPLIT_POINTS", split_points)
    monkeypatch.setattr(_segments, "BLOCK_PAIRS", 97)  # many blocks
    monkeypatch.setattr(_nearest, "CHUNK_POINTS", 1000)
    monkeypatch.setattr(_nearest, "_by_geos", _no_geos)
    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = shapely.total_bounds(ZONES)
    xy = np.round(rng.uniform((x0 - 3000, y0 - 3000), (x1 + 3000, y1 + 3000), (6000, 2)))
    points = _outside(ZONES, xy)
    x, y = shapely.get_x(points), shapely.get_y(points)
    found, distance = nearest_xy(x, y, ZONES, _tree(ZONES, points), threads)
    expected, expected_d = _trees_answer(ZONES, points)
    assert np.array_equal(found, expected)
    assert np.array_equal(_bits(distance), _bits(expected_d))


def _no_geos(*args: object) -> None:
    raise AssertionError("GEOS measured every point")


def _squares() -> npt.NDArray[np.object_]:
    """Nine 100 m squares 100 m apart, with a ring vertex repeated: many exact ties."""
    corners = [(X0 + 200 * i, Y0 + 200 * j) for i in range(3) for j in range(3)]
    squares = [shapely.box(x, y, x + 100, y + 100) for x, y in corners]
    x, y = corners[4]
    squares[4] = shapely.Polygon(
        [(x, y), (x + 100, y), (x + 100, y), (x + 100, y + 100), (x, y + 100)]
    )
    return np.array(squares, dtype=object)


def test_ties_are_the_trees_and_only_ties_are_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_nearest, "_by_geos", _no_geos)
    polys = _squares()
    assert shapely.is_valid(polys).all()
    rng = np.random.default_rng(24)
    xy = np.round(rng.uniform(-300, 800, (4000, 2)) / 25) * 25 + ORIGIN  # a 25 m grid
    points = _outside(polys, xy)
    asked: list[int] = []
    tree_ties = _tree(polys, points)

    def ties(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        asked.extend(positions.tolist())
        return tree_ties(positions)

    found, distance = nearest_polygons(points, polys, ties)
    expected, expected_d = _trees_answer(polys, points)
    assert np.array_equal(found, expected)
    assert np.array_equal(_bits(distance), _bits(expected_d))
    every = shapely.distance(points[:, None], polys[None, :])
    tied = np.flatnonzero((every == every.min(axis=1)[:, None]).sum(axis=1) > 1)
    assert len(tied) > 100
    assert sorted(asked) == tied.tolist()


def test_a_hole_and_two_parts_are_measured_to_every_ring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_nearest, "_by_geos", _no_geos)
    holed = shapely.Polygon(
        [(X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000), (X0, Y0 + 1000)],
        [[(X0 + 300, Y0 + 300), (X0 + 700, Y0 + 300), (X0 + 700, Y0 + 700), (X0 + 300, Y0 + 700)]],
    )
    two = shapely.MultiPolygon(
        [
            shapely.box(X0 + 1500, Y0, X0 + 1600, Y0 + 100),
            shapely.box(X0 + 1500, Y0 + 900, X0 + 1600, Y0 + 1000),
        ]
    )
    polys = np.array([holed, two], dtype=object)
    rng = np.random.default_rng(7)
    points = _outside(polys, rng.uniform(-400, 2000, (3000, 2)) + ORIGIN)
    in_hole = shapely.contains(shapely.Polygon(holed.interiors[0]), points)
    assert in_hole.sum() > 50  # points in the hole: measured to the hole's ring
    found, distance = nearest_polygons(points, polys, _tree(polys, points))
    expected, expected_d = _trees_answer(polys, points)
    assert np.array_equal(found, expected)
    assert np.array_equal(_bits(distance), _bits(expected_d))


def test_geos_answers_when_numpy_differs_in_a_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = shapely.total_bounds(ZONES)
    points = _outside(ZONES, rng.uniform((x0 - 3000, y0 - 3000), (x1 + 3000, y1 + 3000), (2000, 2)))
    original = _segments.point_to_segment

    def fused(*args: object) -> npt.NDArray[np.float64]:
        return np.nextafter(original(*args), np.inf)  # type: ignore[arg-type]

    monkeypatch.setattr(_segments, "point_to_segment", fused)
    found, distance = nearest_polygons(points, ZONES, _tree(ZONES, points))
    expected, expected_d = _trees_answer(ZONES, points)
    assert np.array_equal(found, expected)
    assert np.array_equal(_bits(distance), _bits(expected_d))


def test_a_point_a_zone_covers_is_measured_by_geos() -> None:
    """Points moved into another CRS may fall in a zone: GEOS measures 0 there, not the ring."""
    square = np.array([shapely.box(X0, Y0, X0 + 100, Y0 + 100)], dtype=object)
    points = np.array(
        [
            shapely.Point(X0 + 50, Y0 + 50),
            shapely.Point(X0 + 100, Y0 + 30),
            shapely.Point(X0 - 7, Y0),
        ],
        dtype=object,
    )
    found, distance = nearest_polygons(points, square, _tree(square, points))
    assert found.tolist() == [0, 0, 0]
    assert distance.tolist() == [0.0, 0.0, 7.0]


def test_segments_refuse_what_geos_would_divide_by_zero() -> None:
    tiny = shapely.Polygon([(0, 0), (1e-170, 0), (1e-170, 1e-170), (0, 1e-170)])
    assert Segments.of(np.array([tiny], dtype=object)) is None
    assert Segments.of(np.array([shapely.Polygon()], dtype=object)) is None


@pytest.mark.parametrize("epsg", [4544, 4490, 32648, 4214])
def test_lonlat_bounds_are_to_crs_wgs84s(epsg: int) -> None:
    """Through CGCS2000's own lon/lat where the layer is on it: the same floats, a quicker PROJ."""
    zones = read_layer(bundled_layer_path("zones")).to_crs(epsg)
    expected = zones.to_crs(4326).total_bounds.reshape(1, 4)
    got = lonlat_bounds(np.asarray(zones.geometry.array), zones.crs)
    assert np.array_equal(_bits(got), _bits(expected))
    target = _gkzone.to_lonlat(zones.crs).target_crs
    assert target is not None
    assert target.name.startswith((CGCS2000 if epsg in (4544, 4490) else WGS84).name)
