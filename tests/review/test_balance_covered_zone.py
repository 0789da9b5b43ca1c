"""A zone the land use covers whole: its 未覆盖 row is known empty without the union, bit for bit.

``balance --zones`` measured each zone's 未覆盖 (not covered) part as the zone
less the union of the whole features reaching it (``shapely.coverage_union_all``,
a third of the zones' work at a million parcels). Where the features are a
matched coverage whose union's boundary (the edges no two features share,
:func:`spatial.validate.coverage.matched_coverage_edges`) meets no point of the
zone, and a point of each of the zone's polygons lies in a feature, the zone lies
inside the union and the union is not built (:func:`spatial.review.balance._covers`).
Each table here is compared, exactly, with the one the union always built gives.
Layers are synthetic (示例数据): a grid of 100 m parcels in EPSG:4544 near 璧山.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.review import balance as balance_module
from spatial.validate.coverage import matched_coverage_edges
from tests.grids import grid_parcels

GK = "EPSG:4544"
X0, Y0 = 620_000.0, 3_280_000.0
COLS, ROWS = 24, 16
CODES = ["0101", "0103", "0701", "1001", "1207"]


def _grid(drop: tuple[int, ...] = ()) -> gpd.GeoDataFrame:
    lu = grid_parcels(COLS, ROWS, CODES, (X0, Y0), id_digits=4)
    return lu.drop(index=list(drop)).reset_index(drop=True)


def _zones(*geoms: shapely.Geometry) -> gpd.GeoDataFrame:
    ids = [f"z-{k}" for k in range(len(geoms))]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据 synthetic"}, geometry=list(geoms), crs=GK)


#: Zones: inside the grid off its lines (covered); two parts, both inside (covered); past the
#: grid's edge (未覆盖); along the grid's lines (edges shared with the union's boundary: not
#: known, the union built); around a missing parcel (a gap: 未覆盖 inside).
INSIDE = shapely.box(X0 + 130, Y0 + 170, X0 + 1240, Y0 + 960)
TWO_PARTS = shapely.MultiPolygon(
    [
        shapely.box(X0 + 1350, Y0 + 150, X0 + 1560, Y0 + 390),
        shapely.box(X0 + 1810, Y0 + 50, X0 + 2210, Y0 + 1420),
    ]
)
PAST_EDGE = shapely.Polygon([(X0 + 900, Y0 + 420), (X0 + 2650, Y0 + 380), (X0 + 1720, Y0 + 2300)])
ON_LINES = shapely.box(X0 + 200, Y0 + 1000, X0 + 700, Y0 + 1500)
#: The parcel at column 15, row 12 is left out of the grid: a hole in the coverage.
GAP_PARCEL = 12 * COLS + 15
AROUND_GAP = shapely.box(X0 + 1420, Y0 + 1130, X0 + 1690, Y0 + 1370)


@pytest.fixture
def decided(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record what :func:`_covers` answers for each zone asked."""
    answers: list[bool] = []
    real = balance_module._covers

    def spy(zone: shapely.Geometry, geoms: np.ndarray, boundary: np.ndarray) -> bool:
        answers.append(real(zone, geoms, boundary))
        return answers[-1]

    monkeypatch.setattr(balance_module, "_covers", spy)
    return answers


def _tables(
    lu: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table with the shortcut, then with the union always built."""
    kw = {"fast": fast, "threads": 2}
    shortcut = balance_module.balance_table(lu, zones, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(balance_module, "_covers", lambda *args: False)
    built = balance_module.balance_table(lu, zones, **kw)  # type: ignore[arg-type]
    return shortcut, built


@pytest.mark.parametrize("fast", [False, True])
def test_covered_zones_skip_the_union_same_table(
    fast: bool, decided: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(balance_module, "FAST_MIN_FEATURES", 0)
    zones = _zones(INSIDE, TWO_PARTS, PAST_EDGE, ON_LINES, AROUND_GAP)
    shortcut, built = _tables(_grid((GAP_PARCEL,)), zones, monkeypatch, fast)
    pd.testing.assert_frame_equal(shortcut, built, check_exact=True)
    assert shortcut.attrs == built.attrs
    # covered: the first two; past the edge, along the lines and around the gap: not known
    assert sorted(decided) == [False, False, False, True, True]
    uncovered = shortcut[shortcut["class_code"].isna()]
    assert set(uncovered["zone_id"]) == {"z-2", "z-4"}
    # around the gap, 未覆盖 is the missing parcel: 100 m x 100 m in the plane (scale ~1)
    gap_m2 = float(uncovered.loc[uncovered["zone_id"] == "z-4", "area_raw_m2"].iloc[0])
    assert gap_m2 == pytest.approx(10_000.0, rel=2e-3)


def test_boundary_is_the_unmatched_edges() -> None:
    """The edges no two parcels share: the grid's outline and the gap's four sides."""
    lu = _grid((GAP_PARCEL,))
    rings = shapely.orient_polygons(lu.geometry.to_numpy())
    edges = matched_coverage_edges(rings)
    assert edges is not None
    length = np.hypot(edges[:, 2] - edges[:, 0], edges[:, 3] - edges[:, 1]).sum()
    assert length == pytest.approx(2 * 100.0 * (COLS + ROWS) + 4 * 100.0)
    union = shapely.coverage_union_all(rings)
    lines = shapely.linestrings(edges.reshape(-1, 2, 2))
    assert shapely.covers(union.boundary, lines).all()


def test_a_zone_outside_the_features_is_not_covered() -> None:
    """A zone no parcel reaches (its point in none) is not covered, whatever the edges say."""
    lu = _grid()
    rings = np.asarray(shapely.orient_polygons(lu.geometry.to_numpy()), dtype=object)
    edges = matched_coverage_edges(rings)
    assert edges is not None
    far = shapely.box(X0 - 900, Y0 - 900, X0 - 100, Y0 - 100)
    assert not balance_module._covers(far, rings, edges)
    assert balance_module._covers(INSIDE, rings, edges)


def _ragged_edges(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edges, geometry, ring and shell flag of each ring, in ``shapely.to_ragged_array`` order."""
    _, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    ring_offsets = offsets[0]
    part_of_ring = np.repeat(np.arange(len(offsets[1]) - 1), np.diff(offsets[1]))
    geom_of_part = np.repeat(np.arange(len(offsets[2]) - 1), np.diff(offsets[2]))
    exterior = np.zeros(len(ring_offsets) - 1, dtype=bool)
    exterior[offsets[1][:-1][np.diff(offsets[1]) > 0]] = True
    ring_of_coord = np.repeat(np.arange(len(ring_offsets) - 1), np.diff(ring_offsets))
    starts = np.ones(len(coords) - 1, dtype=bool)
    starts[ring_offsets[1:-1] - 1] = False
    at = np.flatnonzero(starts)
    ring = ring_of_coord[at]
    edges = np.column_stack([coords[at], coords[at + 1]])
    return edges, geom_of_part[part_of_ring[ring]], ring, exterior


def test_ring_edges_in_the_order_of_to_ragged_array() -> None:
    """Plain polygons, holes, a MultiPolygon of a holed part and an empty one, interleaved."""
    from spatial.validate.coverage import ring_edges  # noqa: PLC0415

    holed = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))
    two_holes = shapely.Polygon(
        shapely.box(20, 0, 30, 10).exterior.coords,
        [shapely.box(21, 1, 22, 2).exterior.coords, shapely.box(23, 3, 24, 4).exterior.coords],
    )
    multi = shapely.MultiPolygon([shapely.box(10, 0, 11, 1), two_holes])
    geoms = np.array(
        [shapely.box(0, 0, 1, 1), holed, multi, shapely.Polygon(), shapely.box(5, 5, 6, 7)],
        dtype=object,
    )
    found = ring_edges(geoms)
    assert found is not None
    for got, want in zip(found, _ragged_edges(geoms), strict=True):
        assert got.shape == want.shape and (got == want).all()
    with_missing = np.array([None, *geoms[:3], None], dtype=object)  # no ring, as there
    for got, want in zip(ring_edges(with_missing), _ragged_edges(with_missing), strict=True):  # type: ignore[arg-type]
        assert got.shape == want.shape and (got == want).all()
    assert ring_edges(np.array([shapely.box(0, 0, 1, 1), shapely.Point(0, 0)])) is None
    assert ring_edges(np.array([None, None])) is None


def test_counter_clockwise_rings_kept_the_rest_oriented_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The features cut: a settled counter-clockwise ring as decoded, every other one oriented.

    Every third parcel is stored clockwise, every seventh has a collinear vertex
    (left to GEOS); the geometries are those of ``orient_polygons(from_wkb(...))``.
    """
    import pyarrow as pa  # noqa: PLC0415

    from spatial.review import balance_scan  # noqa: PLC0415

    monkeypatch.setattr(balance_scan, "_SLICE", 50)  # several slices, decoded on two threads
    geoms = _grid().geometry.to_numpy().copy()
    for k in range(0, len(geoms), 3):
        geoms[k] = shapely.reverse(geoms[k])
    for k in range(0, len(geoms), 7):
        x0, y0, x1, y1 = geoms[k].bounds
        geoms[k] = shapely.Polygon([(x0, y0), ((x0 + x1) / 2, y0), (x1, y0), (x1, y1), (x0, y1)])
    wkb = pa.chunked_array([pa.array(shapely.to_wkb(part)) for part in np.array_split(geoms, 3)])
    scanned = balance_scan.scan_wkb(wkb, threads=2)
    decoded = shapely.from_wkb(shapely.to_wkb(geoms))
    settled = np.ones(len(geoms), dtype=bool)
    settled[scanned.built] = False
    ccw = np.array([shapely.is_ccw(g.exterior) for g in decoded])
    assert np.array_equal(scanned.ccw, settled & ccw)
    assert scanned.ccw.sum() > len(geoms) // 2 and (settled & ~ccw).any()
    lu = gpd.GeoDataFrame({"id": np.arange(len(geoms))}, geometry=list(decoded), crs=GK)
    at = np.flatnonzero(np.arange(len(geoms)) % 5 != 1)
    codes = np.full(len(geoms), "0101", dtype=object)
    got = balance_module._features(lu, codes, "lu", at, orient=True, threads=2, wkb=scanned)
    want = shapely.orient_polygons(decoded[at])
    assert [shapely.to_wkb(g) for g in got.geoms] == [shapely.to_wkb(g) for g in want]


def test_rings_from_the_wkb_measure_and_match_as_geos_lays_them_out() -> None:
    """Parcels wholly inside a zone measured from their WKB's rings: ``area_m2``'s figures exactly.

    Plain parcels, some stored clockwise, one with a hole, one of two parts (the
    second holed); the rings oriented as the features are, and the edges no two
    parcels share, are those of the oriented geometries laid out by GEOS.
    """
    import pyarrow as pa  # noqa: PLC0415

    from spatial.measure.record import layout_area_of_record_m2  # noqa: PLC0415
    from spatial.review import balance_scan  # noqa: PLC0415
    from spatial.review._pieces import area_m2  # noqa: PLC0415

    geoms = _grid().geometry.to_numpy().copy()
    for k in range(0, len(geoms), 4):
        geoms[k] = shapely.reverse(geoms[k])
    x0, y0, x1, y1 = geoms[30].bounds
    geoms[30] = shapely.box(x0, y0, x1, y1).difference(
        shapely.box(x0 + 20, y0 + 20, x0 + 40, y0 + 45)
    )
    x0, y0, _, _ = geoms[77].bounds
    holed = shapely.Polygon(
        shapely.box(x0 + 50, y0, x0 + 100, y0 + 100).exterior.coords[::-1],
        [shapely.box(x0 + 60, y0 + 10, x0 + 70, y0 + 30).exterior.coords],
    )
    geoms[77] = shapely.MultiPolygon([shapely.box(x0, y0, x0 + 40, y0 + 100), holed])
    wkb = pa.chunked_array([pa.array(shapely.to_wkb(geoms))])
    scanned = balance_scan.scan_wkb(wkb, threads=2)
    lu = gpd.GeoDataFrame({"id": np.arange(len(geoms))}, geometry=list(geoms), crs=GK)
    at = np.flatnonzero(np.arange(len(geoms)) % 9 != 4)
    codes = np.full(len(geoms), "0101", dtype=object)
    features = balance_module._features(lu, codes, "lu", at, orient=True, threads=2, wkb=scanned)
    some = np.flatnonzero(np.arange(len(at)) % 3 != 0)
    some = np.union1d(some, np.searchsorted(at, [30, 77]))[::-1].copy()  # any order
    rings = features.rings(some)
    assert rings is not None
    got = layout_area_of_record_m2(rings, len(some), features.crs)
    want = area_m2(features.geoms[some], features.crs)
    assert got.tobytes() == want.tobytes()
    assert want.max() > 9_000 and np.isin([30, 77], at[some]).all()
    from spatial.validate.coverage import ring_edges  # noqa: PLC0415

    by_wkb, by_geos = ring_edges(features.geoms[some], rings), ring_edges(features.geoms[some])
    assert by_wkb is not None and by_geos is not None
    for a, b in zip(by_wkb, by_geos, strict=True):
        assert a.tobytes() == b.tobytes()
    # without the parcel of two parts (not matched to its neighbours): a coverage, one boundary
    plain = some[at[some] != 77]
    rings = features.rings(plain)
    edges = matched_coverage_edges(features.geoms[plain], rings)
    assert edges is not None
    assert edges.tobytes() == matched_coverage_edges(features.geoms[plain]).tobytes()  # type: ignore[union-attr]
