"""The convex shortcut of ``spatial validate``: what it settles GEOS would find valid, bit for bit.

Every feature :func:`spatial.validate.convex.simple_convex` settles without GEOS
must be one GEOS finds valid, not empty, finite, with the box ``shapely.bounds``
gives; and the batched validator must print the full validator's lines with bad
features (invalid, concave, winding twice, NaN, misplaced boxes, null) placed
first, last and on both sides of every batch edge, where the shortcut decides
their neighbours. Synthetic geometries (示例数据) in EPSG:4544 metres.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pytest
import shapely
from survey import X0, Y0

from spatial.io.geoparquet import polygon_arrays
from spatial.validate import batched, convex
from spatial.validate.problems import validate_file

PENTAGRAM = shapely.Polygon(
    [(np.cos(a) * 50.0, np.sin(a) * 50.0) for a in np.pi / 2 + 4 * np.pi / 5 * np.arange(5)]
)


def _decide(geoms: list[shapely.Geometry]) -> tuple[np.ndarray, np.ndarray]:
    arrays = polygon_arrays(pa.array([shapely.to_wkb(g) for g in geoms]))
    assert arrays is not None
    return convex.simple_convex(arrays)


def _moved(geom: shapely.Geometry, dx: float = X0, dy: float = Y0) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: xy + np.array([dx, dy]))


def _random_polygons(rng: np.random.Generator, n: int) -> list[shapely.Geometry]:
    """Hulls, random rings (mostly self-crossing), slivers, both orientations (示例数据)."""
    out: list[shapely.Geometry] = []
    for k in range(n):
        centre = np.array([X0, Y0]) + rng.uniform(0, 5_000, 2)
        points = centre + rng.normal(0, 30, (int(rng.integers(3, 12)), 2))
        kind = k % 4
        if kind == 0:  # a convex hull (a triangle or more), either way round
            hull = shapely.convex_hull(shapely.MultiPoint(points))
            out.append(hull.reverse() if k % 8 == 0 else hull)
        elif kind == 1:  # a ring through random points: often self-crossing, sometimes concave
            out.append(shapely.Polygon(points))
        elif kind == 2:  # a sliver: nearly collinear, a vertex 1e-9 m off the line
            a, b = points[0], points[1]
            mid = (a + b) / 2 + rng.choice([-1.0, 1.0]) * 1e-9
            out.append(shapely.Polygon([a, mid, b]))
        else:  # a hull with a vertex pushed inwards: concave
            hull = np.asarray(shapely.convex_hull(shapely.MultiPoint(points)).exterior.coords)
            if len(hull) > 4:
                hull[1] = (hull[0] + hull[2]) / 2 + (centre - (hull[0] + hull[2]) / 2) * 0.2
                hull[-1] = hull[0]
            out.append(shapely.Polygon(hull))
    return out


def test_settled_features_are_valid_by_geos() -> None:
    geoms = _random_polygons(np.random.default_rng(24), 4_000)
    decided, bounds = _decide(geoms)
    geos = np.array(geoms, dtype=object)
    assert shapely.is_valid(geos[decided]).all()
    np.testing.assert_array_equal(bounds[decided], shapely.bounds(geos[decided]))
    assert np.isnan(bounds[~decided]).all()
    hulls = decided[0::4]
    assert hulls.mean() > 0.99  # the shortcut settles convex hulls (the rest: GEOS)
    # of the random rings GEOS finds valid, the convex ones are settled, no invalid one is
    randoms = geos[1::4]
    assert not decided[1::4][~shapely.is_valid(randoms)].any()
    assert decided[1::4].any()


@pytest.mark.parametrize(
    ("geom", "settled"),
    [
        (shapely.box(0, 0, 100, 50), True),
        (shapely.box(0, 0, 100, 50).reverse(), True),  # clockwise
        (shapely.Polygon([(0, 0), (10, 0), (0, 10)]), True),  # a triangle
        (PENTAGRAM, False),  # every turn one way, but winding twice: self-crossing
        (shapely.Polygon([(0, 0), (5, 5), (5, 0), (0, 5)]), False),  # bow-tie
        (shapely.Polygon([(0, 0), (5, 0), (10, 0), (10, 10), (0, 10)]), False),  # collinear
        (shapely.Polygon([(0, 0), (10, 0), (10, 0), (10, 10), (0, 10)]), False),  # repeated
        (shapely.Polygon([(0, 0), (10, 0), (5, 2), (10, 10), (0, 10)]), False),  # concave
        (shapely.Polygon([(0, 0), (10, 0), (0, 0), (0, 0)]), False),  # zero area
        (shapely.box(0, 0, 100, 100).difference(shapely.box(10, 10, 20, 20)), False),  # a hole
        (shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]), True),  # one part, one ring
        (shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)]), False),
    ],
)
def test_kinds(geom: shapely.Geometry, settled: bool) -> None:
    decided, _ = _decide([_moved(geom)])
    assert bool(decided[0]) is settled
    if settled:
        assert shapely.is_valid(_moved(geom))


def test_near_collinear_left_to_geos() -> None:
    """A vertex pushed off the line by less than x's precision: collinear once rounded, to GEOS."""
    x = X0 + 0.5
    off = np.spacing(x) / 4  # below the precision of x: the computed turn is noise
    geom = shapely.Polygon([(x, Y0), (x + 1e-3, Y0 + off), (x + 2e-3, Y0), (x + 1e-3, Y0 + 5)])
    decided, _ = _decide([geom])
    assert not decided[0]


def test_turn_whose_float_sign_is_wrong_left_to_geos() -> None:
    """At b, floating point says a left turn (+2.8e-14); exactly it is a right one (-7.3e-15).

    The ring is then not convex, though the other turns are left ones: only the
    error bound keeps the shortcut from settling it (with a bound of 0 it would).
    """
    a = (0.7157846911461385, 0.5174419240750305)
    b = (4.341870361242473, 6.410659006716021)
    c = (14.437771183289094, 22.818802829626218)
    exact = (Fraction(a[0]) - Fraction(c[0])) * (Fraction(b[1]) - Fraction(c[1])) - (
        Fraction(a[1]) - Fraction(c[1])
    ) * (Fraction(b[0]) - Fraction(c[0]))
    floating = (a[0] - c[0]) * (b[1] - c[1]) - (a[1] - c[1]) * (b[0] - c[0])
    assert floating > 0 > exact
    decided, _ = _decide([shapely.Polygon([a, b, c, (0.0, 20.0)])])
    assert not decided[0]


def _ring_wkb(points: list[tuple[float, float]]) -> bytes:
    """A one-ring Polygon's WKB, little-endian, as given (closed or not)."""
    body = struct.pack("<BIII", 1, 3, 1, len(points))
    return body + b"".join(struct.pack("<dd", x, y) for x, y in points)


@pytest.mark.parametrize(
    "points",
    [
        [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)],  # open
        [(0.0, 0.0), (10.0, 0.0), (0.0, 0.0)],  # three points
        [(0.0, 0.0), (np.nan, 0.0), (10.0, 10.0), (0.0, 0.0)],
        [(0.0, 0.0), (np.inf, 0.0), (10.0, 10.0), (0.0, 0.0)],
        [(np.inf, 0.0), (10.0, 0.0), (10.0, 10.0), (np.inf, 0.0)],  # closed through infinity
        [(0.0, 0.0), (1e300, 0.0), (1e300, 1e300), (0.0, 0.0)],  # products overflow
    ],
)
def test_rings_geos_must_judge(points: list[tuple[float, float]]) -> None:
    arrays = polygon_arrays(pa.array([_ring_wkb(points), shapely.to_wkb(shapely.box(0, 0, 1, 1))]))
    assert arrays is not None
    decided, _ = convex.simple_convex(arrays)
    assert decided.tolist() == [False, True]


# --- the batched validator with the shortcut: the full validator's lines -------------------


def _parcel(k: int) -> shapely.Geometry:
    """A clean convex parcel (a skewed quadrilateral), 150 m apart."""
    x, y = X0 + 150.0 * (k % 20), Y0 + 150.0 * (k // 20)
    return shapely.Polygon([(x, y), (x + 100, y + 7), (x + 93, y + 100), (x - 4, y + 90)])


#: Positions of bad features: first, last, and both sides of the edges of batches of 10.
PLACES = (0, 9, 10, 19, 20, 29, 30, 39, 40, 49)


def _layer(n: int = 50) -> gpd.GeoDataFrame:
    geoms: list[shapely.Geometry | None] = [_parcel(k) for k in range(n)]
    x, y = X0 + 10.0, Y0 + 10.0
    with np.errstate(invalid="ignore"):
        bad: list[shapely.Geometry | None] = [
            shapely.Polygon([(x, y), (x + 50, y + 50), (x + 50, y), (x, y + 50)]),  # bow-tie
            shapely.box(106.2, 29.6, 106.3, 29.7),  # convex, but degrees labelled as metres
            shapely.box(2_000_000, 9_000_000, 2_000_100, 9_000_100),  # convex, far away
            _moved(PENTAGRAM, x, y),  # winding twice
            shapely.Polygon([(x, y), (x + 9, y), (x + 9, y + np.nan), (x, y + 9)]),  # NaN
            None,
            shapely.box(x, y, x + 9, y + 9).union(shapely.box(x + 20, y, x + 29, y + 9)),
            shapely.Polygon(
                [(x, y), (x + 20, y), (x + 20, y + 20), (x, y + 20)],
                [[(x + 30, y), (x + 40, y), (x + 40, y + 5), (x + 30, y)]],  # hole outside
            ),
            shapely.Polygon([(x, y), (x + 10, y), (x + 5, y + 2), (x + 10, y + 10), (x, y + 10)]),
            shapely.box(x, y, x + 50, y + 50).reverse(),  # clean, clockwise
        ]
    for place, geom in zip(PLACES, bad, strict=True):
        geoms[place] = geom
    ids = [f"p{k:03d}" for k in range(n)]
    names = ["示例数据 地块"] * n
    return gpd.GeoDataFrame({"id": ids, "name_zh": names}, geometry=geoms, crs="EPSG:4544")


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize(("batch_rows", "threads"), [(10, 1), (10, 2), (7, 2), (1000, 1)])
def test_bad_features_at_batch_edges(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
    batch_rows: int,
    threads: int,
) -> None:
    layer = _layer()
    path = tmp_path / f"edges{suffix}"
    if suffix == ".parquet":
        layer.to_parquet(path, row_group_size=10)
    else:
        layer.to_file(path, engine="pyogrio")
    settled: list[int] = []
    real = convex.simple_convex

    def counted(arrays: object) -> tuple[np.ndarray, np.ndarray]:
        decided, bounds = real(arrays)  # type: ignore[arg-type]
        settled.append(int(decided.sum()))
        return decided, bounds

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the batched path fell back to validate_file")

    monkeypatch.setattr(batched, "simple_convex", counted)
    monkeypatch.setattr(batched, "validate_file", refuse)
    got = batched.validate_file_batched(
        path, required=("id", "name_zh"), batch_rows=batch_rows, threads=threads, progress=False
    )
    monkeypatch.undo()
    expected = validate_file(path, required=("id", "name_zh"))
    assert [str(p) for p in got] == [str(p) for p in expected]
    lines = "\n".join(str(p) for p in got)
    for said in (
        "feature p000: invalid geometry: Self-intersection",
        "feature p009: coordinates look like degrees",
        "feature p010: position",
        "feature p019: invalid geometry: Self-intersection",
        "feature p029: geometry is null",
        "feature p039: invalid geometry: Hole lies outside shell",
    ):
        assert said in lines, said
    assert len(got) == 7  # + the NaN feature; the concave, two-part and clockwise ones are valid
    # the shortcut settled every clean convex parcel, the clockwise box, and the two boxes
    # whose coordinates the box tests report: 40 + 3 (the rest went to GEOS)
    assert sum(settled) == 43


@pytest.mark.parametrize("part", [1, 3, 7, 64])
def test_parts_of_a_batch_decide_as_the_batch_whole(
    monkeypatch: pytest.MonkeyPatch, part: int
) -> None:
    """Tested in parts of ``part`` features: the same answers and boxes as all at once.

    Multi-part features, holes, empty and NaN features fall first, last and on every
    part's edge (parts of 1, 3, 7 and 64 features), where the offsets are cut.
    """
    rng = np.random.default_rng(part)
    geoms: list[shapely.Geometry] = _random_polygons(rng, 200)
    with np.errstate(invalid="ignore"):  # the NaN vertex
        odd = [
            shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)]),
            shapely.box(0, 0, 9, 9).difference(shapely.box(3, 3, 6, 6)),  # a hole
            shapely.Polygon(),
            shapely.Polygon([(0, 0), (np.nan, 1), (1, 1), (0, 0)]),
            shapely.MultiPolygon(),
        ]
        for at in [0, 1, part - 1, part, 2 * part, len(geoms) - 1]:
            geoms.insert(at, _moved(odd[at % len(odd)]))
        geoms.append(_moved(odd[0]))
    whole_decided, whole_bounds = _decide(geoms)
    monkeypatch.setattr(convex, "_PART_FEATURES", part)
    decided, bounds = _decide(geoms)
    np.testing.assert_array_equal(decided, whole_decided)
    np.testing.assert_array_equal(bounds, whole_bounds)
    assert 0 < decided.sum() < len(geoms)


def test_settled_geometries_are_what_the_wkb_test_settles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built geometries (a layer in memory) settle as their WKB does; GEOS finds each valid.

    Nulls, empty, multi-part, holed, NaN and collection geometries among them; slices of
    50 geometries, so that the layout is cut between polygons.
    """
    monkeypatch.setattr(convex, "_GEOMETRY_SLICE", 50)
    rng = np.random.default_rng(7)
    polygons = [_moved(shapely.box(0, 0, 10 + k, 10)) for k in range(40)]
    polygons += _random_polygons(rng, 400)
    with np.errstate(invalid="ignore"):
        odd = [
            None,
            shapely.Polygon(),
            shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)]),
            shapely.box(0, 0, 9, 9).difference(shapely.box(3, 3, 6, 6)),
            shapely.Polygon([(0, 0), (np.nan, 1), (1, 1), (0, 0)]),
            shapely.GeometryCollection([shapely.box(0, 0, 1, 1)]),
            shapely.Polygon([(0, 0, 5), (1, 0, 6), (1, 1, 7), (0, 0, 5)]),
        ]
    geoms = np.array(polygons, dtype=object)
    for k, g in enumerate(odd):
        geoms = np.insert(geoms, [0, 49, 50, 51, 199, 200, len(geoms)][k], g)
    settled = convex.settled_geometries(geoms)
    with np.errstate(invalid="ignore"):
        assert shapely.is_valid(geoms[settled]).all()
        assert not shapely.is_empty(geoms[settled]).any()
    assert np.isfinite(shapely.get_coordinates(geoms[settled])).all()
    plain = np.array([g is not None and g.geom_type == "Polygon" for g in geoms])
    polygon_rows = np.flatnonzero(plain)
    decided, _ = _decide(list(shapely.force_2d(geoms[polygon_rows])))  # GEOS validity: 2-D
    expected = np.zeros(len(geoms), dtype=bool)
    expected[polygon_rows] = decided
    expected[polygon_rows[[len(g.interiors) > 0 for g in geoms[polygon_rows]]]] = False
    np.testing.assert_array_equal(settled, expected)
    np.testing.assert_array_equal(convex.settled_geometries(geoms, threads=3), expected)
    assert settled.sum() > 40


def test_a_concave_start_leaves_the_rest_to_geos(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the first slice is mostly not convex, the layer's rest is not tested (GEOS's)."""
    monkeypatch.setattr(convex, "_GEOMETRY_SLICE", 10)
    concave = _moved(shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 2), (0, 10)]))
    geoms = np.array([concave] * 10 + [_moved(shapely.box(0, 0, 5, 5))] * 30, dtype=object)
    assert not convex.settled_geometries(geoms).any()
    geoms = geoms[::-1].copy()  # boxes first: settled, and the concave ones are not
    np.testing.assert_array_equal(convex.settled_geometries(geoms), np.arange(40) < 30)
