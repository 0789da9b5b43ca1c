"""The fast tabulation engine against geopandas.overlay, pyproj.Geod and the dask path.

Small data only (a few hundred Voronoi parcels): the timings live in
benchmarks/bench_tabulate.py, not in tests.
"""

from __future__ import annotations

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from oracles import geod_area_m2
from pyproj import Transformer
from shapely.geometry import Polygon
from strip_reference import area_m2 as strip_reference_m2
from tiny_geoms import LAT0, LON0, cell, layer, quadrangle_area_m2, square, square_area_m2

from spatial.errors import CRSError, LayerError
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.measure import area
from spatial.measure.strip import strip_area_m2
from spatial.overlay import _engine as _fast_overlay
from spatial.overlay._engine import (
    InvalidFeatureError,
    Tuning,
    intersection_areas,
    tabulation_frame,
)
from spatial.overlay.distributed import tabulate_intersection_dask
from spatial.overlay.operations import RECONCILED_COLUMNS, tabulate_intersection
from spatial.validate.inputs import Known


def voronoi_parcels(
    n: int, bounds: tuple[float, float, float, float], seed: int
) -> gpd.GeoDataFrame:
    """``n`` Voronoi parcels tiling ``bounds`` (lon/lat), drawn in Gauss-Kruger metres."""
    to_gk = Transformer.from_crs(4326, 4544, always_xy=True)
    to_ll = Transformer.from_crs(4544, 4326, always_xy=True)
    x0, y0 = to_gk.transform(bounds[0], bounds[1])
    x1, y1 = to_gk.transform(bounds[2], bounds[3])
    xy = np.random.default_rng(seed).uniform((x0, y0), (x1, y1), size=(n, 2))
    frame = shapely.box(x0, y0, x1, y1)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=frame))
    cells = shapely.intersection(cells, frame)
    ll = shapely.transform(cells, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))
    return gpd.GeoDataFrame({"id": [f"p{i:04d}" for i in range(len(ll))]}, geometry=ll, crs=4326)


@pytest.fixture(scope="module")
def plan_zones() -> gpd.GeoDataFrame:
    zones = read_layer(bundled_layer_path("zones"))
    clusters = read_layer(bundled_layer_path("clusters"))
    return pd.concat([zones, clusters], ignore_index=True)[["id", "geometry"]]


@pytest.fixture(scope="module")
def parcels(plan_zones) -> gpd.GeoDataFrame:
    # A box over zone-cjrh, zone-community(-phase1) and the clusters' edges: parcels
    # wholly inside, crossing and outside zones, and zones nested three deep.
    community = plan_zones.set_index("id").geometry["zone-community"]
    lon, lat = community.centroid.x, community.centroid.y
    return voronoi_parcels(400, (lon - 0.03, lat - 0.03, lon + 0.03, lat + 0.03), seed=7)


def overlay_reference(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, area) -> pd.Series:
    """geopandas.overlay in lon/lat, each piece measured with ``area``: (a_id, b_id) -> m²."""
    pieces = gpd.overlay(
        a.rename(columns={"id": "a_id"}),
        b.rename(columns={"id": "b_id"}),
        how="intersection",
        keep_geom_type=True,
    )
    pieces["area_m2"] = area(np.asarray(pieces.geometry.array))
    pieces = pieces[pieces.area_m2 > 0]
    return pieces.groupby(["a_id", "b_id"])["area_m2"].sum()


# ---------------------------------------------------------------- against geopandas.overlay


def test_fast_path_equals_geopandas_overlay_pair_by_pair(parcels, plan_zones):
    ours = tabulate_intersection(parcels, plan_zones).set_index(["a_id", "b_id"]).area_km2 * 1e6
    # geopandas' pieces measured by the same rule: the same pairs, the same areas
    theirs = overlay_reference(parcels, plan_zones, strip_area_m2)
    assert sorted(ours.index) == sorted(theirs.index)
    kinds = ours.groupby(level="b_id").size()
    assert kinds["zone-community-phase1"] > 3 and kinds["zone-cjrh"] > 100  # a real mix
    np.testing.assert_allclose(ours.reindex(theirs.index), theirs, rtol=1e-9, atol=0)


def test_fast_path_per_zone_equals_overlay_measured_by_an_independent_strip_rule(
    parcels, plan_zones
):
    ours = tabulate_intersection(parcels, plan_zones).groupby("b_id").area_km2.sum() * 1e6
    theirs = (
        overlay_reference(
            parcels, plan_zones, lambda g: np.array([strip_reference_m2(x) for x in g])
        )
        .groupby(level="b_id")
        .sum()
    )
    np.testing.assert_allclose(ours.reindex(theirs.index), theirs, rtol=1e-9, atol=0)


def test_geodesic_edges_differ_from_the_record_by_the_lens_only(parcels, plan_zones):
    # pyproj.Geod (PostGIS geography, QGIS) measures the same vertices with geodesic
    # edges: on 300 m parcels the two models differ by under 1e-5, on the zones by 2e-5
    pieces = gpd.overlay(parcels, plan_zones, how="intersection", keep_geom_type=True)
    geod = np.array([geod_area_m2(g) for g in pieces.geometry])
    ours = strip_area_m2(np.asarray(pieces.geometry.array))
    assert np.abs(geod / ours - 1).max() < 3e-5
    assert np.abs(geod / ours - 1).max() > 1e-9  # two models, not one


def test_shares_use_each_feature_own_area(parcels, plan_zones):
    table = tabulate_intersection(parcels, plan_zones)
    zone_area = dict(zip(plan_zones.id, map(strip_reference_m2, plan_zones.geometry), strict=True))
    parcel_area = dict(zip(parcels.id, map(strip_reference_m2, parcels.geometry), strict=True))
    share_b = table.area_km2 * 1e6 / table.b_id.map(zone_area)
    share_a = table.area_km2 * 1e6 / table.a_id.map(parcel_area)
    np.testing.assert_allclose(table.share_of_b, share_b, rtol=1e-9)
    np.testing.assert_allclose(table.share_of_a, share_a.clip(upper=1), rtol=1e-9)
    assert (share_a <= 1 + 1e-9).all() and (share_b <= 1 + 1e-9).all()
    # parcels wholly inside zone-cjrh count whole: share exactly 1
    assert (table.share_of_a == 1.0).sum() > 100


def test_zones_as_a_and_parcels_as_b_give_the_same_pairs(parcels, plan_zones):
    forward = tabulate_intersection(parcels, plan_zones)
    backward = tabulate_intersection(plan_zones, parcels)
    merged = forward.merge(
        backward, left_on=["a_id", "b_id"], right_on=["b_id", "a_id"], suffixes=("", "_r")
    )
    assert len(merged) == len(forward) == len(backward)
    np.testing.assert_allclose(merged.area_km2, merged.area_km2_r, rtol=1e-9)
    np.testing.assert_allclose(merged.share_of_a, merged.share_of_b_r, rtol=1e-9)


# ---------------------------------------------------------------- dask path and threads


@pytest.mark.parametrize(("npartitions", "scheduler"), [(1, "synchronous"), (3, "threads")])
def test_dask_path_identical_to_fast_path(parcels, plan_zones, npartitions, scheduler):
    fast = tabulate_intersection(parcels, plan_zones)
    parts = dask_geopandas.from_geopandas(parcels, npartitions=npartitions)
    dask = tabulate_intersection_dask(parts, plan_zones, scheduler=scheduler)
    pd.testing.assert_frame_equal(dask, fast, check_exact=True)


def test_dask_path_works_in_the_layers_gauss_kruger_crs_and_splits_a_plain_layer(
    parcels, plan_zones
):
    # both in EPSG:4544: cut there, measured from geodetic vertices, as the one-process path
    a_gk, b_gk = parcels.to_crs(4544), plan_zones.to_crs(4544)
    fast = tabulate_intersection(a_gk, b_gk)
    dask = tabulate_intersection_dask(a_gk, b_gk, npartitions=2, scheduler="synchronous")
    assert list(dask.a_id) == list(fast.a_id)
    np.testing.assert_allclose(dask.area_km2, fast.area_km2, rtol=1e-12)
    # zones in lon/lat are moved into the parcels' CRS, densified, by both paths alike
    # (one datum, CGCS2000 and WGS84: no warning)
    mixed = tabulate_intersection_dask(a_gk, plan_zones, npartitions=3, scheduler="threads")
    one = tabulate_intersection(a_gk, plan_zones)
    np.testing.assert_allclose(mixed.area_km2, one.area_km2, rtol=1e-12)


def test_dask_path_refuses_an_invalid_parcel_naming_it(plan_zones):
    zone = plan_zones.set_index("id").geometry["zone-community"]
    x, y = zone.centroid.x, zone.centroid.y
    d = 0.0005
    bowtie = Polygon([(x - d, y - d), (x + d, y + d), (x + d, y - d), (x - d, y + d)])
    parts = dask_geopandas.from_geopandas(layer(["bow"], [bowtie]), npartitions=1)
    with pytest.raises(LayerError, match="layer A: feature bow: invalid geometry: Self-int"):
        tabulate_intersection_dask(parts, plan_zones, scheduler="synchronous")


def test_threads_give_identical_results(parcels, plan_zones):
    a, b = np.asarray(parcels.geometry.array), np.asarray(plan_zones.geometry.array)
    one = intersection_areas(a, b, threads=1)
    three = intersection_areas(a, b, threads=3, tuning=Tuning(min_chunk=50))  # split 400 parcels
    for field in ("a_index", "b_index", "area_m2", "a_area_m2", "b_area_m2"):
        np.testing.assert_array_equal(getattr(three, field), getattr(one, field))


def test_known_type_ids_and_bounds_are_used_and_change_nothing(parcels, plan_zones):
    a = np.asarray(parcels.geometry.array).copy()
    a[[3, 200]] = None  # nulls: the engine takes the polygons' rows of what it is given
    b = np.asarray(plan_zones.geometry.array)
    split = Tuning(min_chunk=50)
    plain = intersection_areas(a, b, threads=3, tuning=split)
    known_a = Known(shapely.get_type_id(a), shapely.bounds(a))
    known = (known_a, Known(type_id=shapely.get_type_id(b)))
    reused = intersection_areas(a, b, threads=3, tuning=split, known=known)
    assert len(plain) > 100
    for field in ("a_index", "b_index", "area_m2", "a_area_m2", "b_area_m2"):
        np.testing.assert_array_equal(getattr(reused, field), getattr(plain, field))
    far_away = Known(bounds=np.zeros((len(a), 4)))  # used, not recomputed: no candidate left
    assert len(intersection_areas(a, b, known=(far_away, None))) == 0
    with pytest.raises(ValueError, match="known bounds: 2 rows for 400 features"):
        intersection_areas(a, b, known=(Known(bounds=np.zeros((2, 4))), None))


# ---------------------------------------------------------------- tiny cases by hand

ZONE = cell(LON0, LAT0, LON0 + 0.03, LAT0 + 0.03)  # 3 x 3 grid squares of 0.01°
HOLE = (LON0 + 0.01, LAT0 + 0.01, LON0 + 0.02, LAT0 + 0.02)  # the middle square
ZONE_WITH_HOLE = Polygon(ZONE.exterior, [cell(*HOLE).exterior.coords[::-1]])


def pair_areas(parcels: list, zones: list) -> dict[tuple[int, int], float]:
    pairs = intersection_areas(parcels, zones)
    return {
        (int(i), int(j)): float(m2)
        for i, j, m2 in zip(pairs.a_index, pairs.b_index, pairs.area_m2, strict=True)
    }


def test_inside_crossing_outside_by_hand():
    inside = square(1, 1, 0.005)  # wholly inside the zone
    crossing = cell(LON0 + 0.025, LAT0, LON0 + 0.035, LAT0 + 0.01)  # half in, half out
    outside = square(5, 5)
    got = pair_areas([inside, crossing, outside], [ZONE])
    assert set(got) == {(0, 0), (1, 0)}
    assert got[(0, 0)] == pytest.approx(square_area_m2(0.5, 0.5, 0.01, 0.5, 0.5), rel=1e-8)
    assert got[(1, 0)] == pytest.approx(square_area_m2(2.5, 0, 0.01, 0.5, 1), rel=1e-8)


def test_zone_with_a_hole():
    in_hole = cell(LON0 + 0.0125, LAT0 + 0.0125, LON0 + 0.0175, LAT0 + 0.0175)  # no area shared
    across_hole_edge = cell(LON0 + 0.005, LAT0 + 0.01, LON0 + 0.015, LAT0 + 0.02)
    got = pair_areas([in_hole, across_hole_edge], [ZONE_WITH_HOLE])
    assert set(got) == {(1, 0)}
    assert got[(1, 0)] == pytest.approx(square_area_m2(0.5, 1, 0.01, 0.5, 1), rel=1e-8)
    whole = strip_area_m2([ZONE_WITH_HOLE])[0]
    assert whole == pytest.approx(8 * square_area_m2(0, 1), rel=2e-4)  # 8 of 9 squares
    assert whole == pytest.approx(strip_reference_m2(ZONE_WITH_HOLE), rel=1e-12)


def test_multipolygon_zone_and_parcel():
    zone = shapely.MultiPolygon([square(0, 0), square(2, 0)])
    parcel = shapely.MultiPolygon([cell(LON0 + 0.005, LAT0, LON0 + 0.025, LAT0 + 0.01)])
    got = pair_areas([parcel], [zone])
    # half of square 0 and half of square 2; square 1 between them is not in the zone
    expected = square_area_m2(0.5, 0, 0.01, 0.5, 1) + square_area_m2(2, 0, 0.01, 0.5, 1)
    assert got[(0, 0)] == pytest.approx(expected, rel=1e-8)


def test_touching_only_and_empty_results():
    touching = square(3, 0)  # shares the zone's east edge only
    assert pair_areas([touching], [ZONE]) == {}
    table = tabulate_intersection(layer(["t"], [touching]), layer(["z"], [ZONE]))
    assert table.empty
    assert list(table.columns) == [*_fast_overlay.TABULATION_COLUMNS, *RECONCILED_COLUMNS]
    assert pair_areas([], [ZONE]) == {} and pair_areas([None, shapely.Polygon()], [ZONE]) == {}


def test_strip_area_matches_the_independent_rule_on_parcels_holes_and_multipolygons(parcels):
    two_squares = shapely.MultiPolygon([square(0, 0), square(2, 0)])
    geoms = [*parcels.geometry, ZONE_WITH_HOLE, two_squares]
    ours = strip_area_m2(geoms)
    ref = np.array([strip_reference_m2(g) for g in geoms])
    assert np.abs(ours / ref - 1).max() < 1e-9


def test_strip_area_of_a_quadrangle_in_closed_form():
    quad = cell(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    exact = quadrangle_area_m2(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    assert strip_area_m2([quad])[0] == pytest.approx(exact, rel=1e-10)


# ---------------------------------------------------------------- refusals


def test_invalid_feature_in_a_large_layer_is_refused_by_id(plan_zones):
    bowtie = Polygon([(106.2, 29.62), (106.3, 29.66), (106.3, 29.62), (106.2, 29.66)])
    bad = layer(["ok", "bow"], [square(0, 0), bowtie])
    with pytest.raises(LayerError, match="layer A: feature bow: invalid geometry: Self-inter"):
        tabulate_intersection(bad, plan_zones, full_check_max_features=1)  # large-layer route
    with pytest.raises(InvalidFeatureError) as info:
        intersection_areas(np.asarray(bad.geometry.array), np.asarray(plan_zones.geometry.array))
    assert (info.value.layer, info.value.position) == ("a", 1)


def test_points_and_projected_coordinates_are_refused():
    with pytest.raises(LayerError, match="position 1 is a Point"):
        intersection_areas([ZONE, shapely.Point(LON0, LAT0)], [ZONE])
    with pytest.raises(CRSError, match="outside lon/lat degrees"):
        strip_area_m2([shapely.box(500_000, 3_300_000, 500_100, 3_300_100)])


def test_tabulation_frame_clips_shares_and_keeps_ids():
    pairs = intersection_areas([square(0, 0)], [square(0, 0)])
    table = tabulation_frame(pairs, ["a"], ["b"])
    assert table.to_dict("records")[0]["share_of_a"] == 1.0
    assert table.a_id.tolist() == ["a"] and table.b_id.tolist() == ["b"]


def test_tree_route_for_many_zones_gives_identical_results(parcels, plan_zones):
    a, b = np.asarray(parcels.geometry.array), np.asarray(plan_zones.geometry.array)
    grid = intersection_areas(a, b)
    tree = intersection_areas(a, b, tuning=Tuning(few_small=0))  # as if the zones were many
    for field in ("a_index", "b_index", "area_m2", "a_area_m2", "b_area_m2"):
        np.testing.assert_array_equal(getattr(tree, field), getattr(grid, field))


def test_detailed_zones_cut_into_tiles_give_the_same_areas(parcels, plan_zones):
    a, b = np.asarray(parcels.geometry.array), np.asarray(plan_zones.geometry.array)
    whole = intersection_areas(a, b)
    tiled = intersection_areas(a, b, tuning=Tuning(max_tile_vertices=16))  # all "detailed"
    np.testing.assert_array_equal(tiled.a_index, whole.a_index)
    np.testing.assert_array_equal(tiled.b_index, whole.b_index)
    # Tiles overlap, and a crossing parcel meets one tile holding its whole box:
    # its piece is the very piece cut from the whole zone (rounding aside)
    np.testing.assert_allclose(tiled.area_m2, whole.area_m2, rtol=1e-9)
    per_zone = [np.bincount(p.b_index, p.area_m2, minlength=len(b)) for p in (tiled, whole)]
    np.testing.assert_allclose(per_zone[0], per_zone[1], rtol=1e-11)
    tiles, owner, boxes = _fast_overlay._tiles(b, np.arange(len(b)), 16)
    assert len(tiles) > 3 * len(b) and len(boxes) == len(tiles)
    grown = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    assert shapely.covers(grown, tiles).all()  # each tile lies in its grown box
    for j in range(len(b)):
        leaves = [shapely.box(*leaf) for leaf in _fast_overlay._leaf_boxes(b[j], 16)]
        parts = shapely.intersection(b[j], leaves)
        assert shapely.get_num_coordinates(parts).max() <= 16 + 8  # halved until few vertices
        covered = shapely.union_all(tiles[owner == j])  # the tiles cover the zone, no more
        assert shapely.area(shapely.symmetric_difference(covered, b[j])) < 1e-12 * b[j].area


def test_km2_come_from_the_area_module_constant():
    assert _fast_overlay.M2_PER_KM2 is area.M2_PER_KM2  # one constant, not a copy
    table = tabulation_frame(intersection_areas([square(0, 0)], [square(0, 0)]), ["a"], ["b"])
    assert table.area_km2.iloc[0] == pytest.approx(square_area_m2(0, 0) / 1e6, rel=1e-8)


@pytest.mark.parametrize("where", ["a", "b"])
def test_dask_path_refuses_bad_features_that_overlap_nothing(parcels, plan_zones, where):
    swapped = shapely.box(29.6, 106.2, 29.61, 106.21)  # overlaps no zone: was dropped silently
    if where == "a":
        a = pd.concat([parcels, layer(["swap"], [swapped])], ignore_index=True)
        b, name = plan_zones, "layer A"
    else:
        a = parcels
        b, name = pd.concat([plan_zones, layer(["swap"], [swapped])], ignore_index=True), "layer B"
    parts = dask_geopandas.from_geopandas(a, npartitions=2)
    with pytest.raises(LayerError, match=f"^{name}: feature swap: latitude and longitude appear"):
        tabulate_intersection_dask(parts, b, scheduler="synchronous")
