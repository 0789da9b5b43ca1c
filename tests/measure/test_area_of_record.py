"""One area of record everywhere: tilings add up, shares stay within 1, models are named.

Every area the toolkit reports is the strip rule (CGCS2000, edges straight in
lon/lat). These tests tile each bundled zone into grid cells and Voronoi cells,
in lon/lat and in Gauss-Kruger metres, and check that the pieces add up to the
zone's area of record, that the tabulation and the check agree, and that the
figures equal an independent plain-Python strip rule (tests/strip_reference.py).
"""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon
from strip_reference import area_m2 as reference_m2
from tiny_geoms import quadrangle_area_m2

from spatial.checks import check_targets
from spatial.io.layers import LAYER_GEOMETRY, bundled_layer_path, read_layer
from spatial.measure.area import ellipsoidal_area_m2, geodesic_area_m2
from spatial.measure.record import area_of_record_m2
from spatial.measure.strip import strip_area_m2
from spatial.overlay.operations import DENSIFY_DEG, difference, tabulate_intersection
from spatial.plan import load_targets

GK = CRS.from_epsg(4544)
_TO_GK = Transformer.from_crs(4326, 4544, always_xy=True)
ZONES = read_layer(bundled_layer_path("zones"))


def to_gk(geoms):
    return shapely.transform(geoms, lambda xy: np.column_stack(_TO_GK.transform(*xy.T)))


def grid_pieces(zone, n: int = 7):
    x0, y0, x1, y1 = zone.bounds
    xs, ys = np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1)
    cells = [
        shapely.box(a, b, c, d)
        for a, c in itertools.pairwise(xs)
        for b, d in itertools.pairwise(ys)
    ]
    return _polygonal(shapely.intersection(np.array(cells), zone))


def voronoi_pieces(zone, n: int = 60, seed: int = 1):
    x0, y0, x1, y1 = zone.bounds
    pts = np.random.default_rng(seed).uniform((x0, y0), (x1, y1), (n, 2))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=zone))
    return _polygonal(shapely.intersection(cells, zone))


def _polygonal(pieces):
    pieces = np.array(
        [shapely.union_all([p for p in shapely.get_parts(g) if p.area > 0]) for g in pieces],
        dtype=object,
    )
    return pieces[~shapely.is_empty(pieces)]


TILINGS = {"grid": grid_pieces, "voronoi": voronoi_pieces}


def zone_in_gk(zone):
    """The zone in EPSG:4544, densified as the tabulation moves it (its edges kept)."""
    return to_gk(shapely.segmentize(zone, DENSIFY_DEG))


def tiling_of(zone, tiling: str, crs: str):
    """Pieces tiling the zone, cut in lon/lat or in Gauss-Kruger metres (EPSG:4544)."""
    if crs == "EPSG:4326":
        return TILINGS[tiling](zone)
    return TILINGS[tiling](zone_in_gk(zone))


@pytest.mark.parametrize("tiling", TILINGS)
@pytest.mark.parametrize("zone_id", list(ZONES.id))
def test_pieces_of_a_tiling_add_up_to_the_zone_in_lonlat_and_in_gauss_kruger(zone_id, tiling):
    zone = ZONES.set_index("id").geometry[zone_id]
    record = float(ellipsoidal_area_m2(ZONES[ZONES.id == zone_id])[0])
    pieces = TILINGS[tiling](zone)
    assert len(pieces) > 10
    lonlat = strip_area_m2(pieces).sum()
    moved = area_of_record_m2(to_gk(pieces), GK).sum()  # the same vertices, stored in metres
    cut_in_gk = area_of_record_m2(tiling_of(zone, tiling, "EPSG:4544"), GK).sum()
    assert lonlat == pytest.approx(record, rel=1e-9)
    assert moved == pytest.approx(record, rel=1e-9)
    assert cut_in_gk == pytest.approx(record, rel=1e-9)
    # the zone itself stored in EPSG:4544 has the same area of record (survey rule)
    assert float(area_of_record_m2([to_gk(zone)], GK)[0]) == pytest.approx(record, rel=1e-9)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4544"])
@pytest.mark.parametrize("tiling", TILINGS)
def test_tabulated_pieces_add_up_to_the_checked_area_and_shares_stay_within_one(tiling, crs):
    ids, geoms = [], []
    for zone_id, zone in zip(ZONES.id, ZONES.geometry, strict=True):
        pieces = tiling_of(zone, tiling, crs)
        ids += [f"{zone_id}/{k}" for k in range(len(pieces))]
        geoms += list(pieces)
    parcels = gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs=crs)
    # one datum (CGCS2000 Gauss-Kruger and WGS84 lon/lat): moved into one frame without a warning
    with _no_warning():
        table = tabulate_intersection(parcels, ZONES)
    assert (table.share_of_a <= 1 + 1e-9).all() and (table.share_of_b <= 1 + 1e-9).all()
    own = table[table.a_id.str.split("/").str[0] == table.b_id]
    per_zone_km2 = own.groupby("b_id").area_km2.sum()
    checked = check_targets(ZONES, load_targets()).set_index("id").measured_km2
    for zone_id in checked.index:
        assert per_zone_km2[zone_id] == pytest.approx(checked[zone_id], rel=1e-9)
        shares = own[own.b_id == zone_id].share_of_b.sum()
        assert shares == pytest.approx(1.0, rel=1e-9) and shares <= 1 + 1e-9


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("name", [n for n, kind in LAYER_GEOMETRY.items() if kind != "point"])
def test_bundled_areas_equal_an_independent_strip_rule(name):
    layer = read_layer(bundled_layer_path(name))
    ours = ellipsoidal_area_m2(layer)
    polygonal = layer.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    ref = np.array(
        [reference_m2(g) if p else 0.0 for g, p in zip(layer.geometry, polygonal, strict=False)]
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=0)
    assert (ours[polygonal] > 0).all()


@pytest.mark.parametrize(
    ("lon1", "lat1", "lon2", "lat2"),
    [(106.0, 29.0, 106.001, 29.001), (106.0, 29.5, 106.5, 30.0), (100.0, 20.0, 110.0, 45.0)],
)
def test_quadrangles_between_parallels_and_meridians_are_closed_form(lon1, lat1, lon2, lat2):
    # parallel edges (h = 0) and meridian edges (no longitude) are exact, however long
    exact = quadrangle_area_m2(lon1, lat1, lon2, lat2)
    assert strip_area_m2([shapely.box(lon1, lat1, lon2, lat2)])[0] == pytest.approx(
        exact, rel=1e-10
    )


def test_a_15_km_edge_equals_the_independent_rule_and_is_cut_exactly():
    # a triangle with a 15 km diagonal edge: the rule cuts it into parts of 0.001 rad
    tri = Polygon([(106.0, 29.5), (106.1, 29.6), (106.0, 29.6)])
    lon, lat = np.array(tri.exterior.coords)[:2].T
    length_m = Geod(ellps="GRS80").inv(lon[0], lat[0], lon[1], lat[1])[2]
    assert 14_000 < length_m < 16_000
    assert strip_area_m2([tri])[0] == pytest.approx(reference_m2(tri), rel=1e-12)
    # the same edge split at its midpoint in lon/lat: the same area
    split = Polygon([(106.0, 29.5), (106.05, 29.55), (106.1, 29.6), (106.0, 29.6)])
    assert strip_area_m2([split])[0] == pytest.approx(strip_area_m2([tri])[0], rel=1e-13)


def test_geodesic_cross_check_equals_pyproj_geod():
    geod = Geod(ellps="GRS80")
    expected = [
        abs(geod.geometry_area_perimeter(shapely.orient_polygons(g))[0]) for g in ZONES.geometry
    ]
    np.testing.assert_allclose(geodesic_area_m2(ZONES), expected, rtol=1e-14)
    # and it is a different model: 288 m² on zone-kcxz's long east-west edge
    diff = pd.Series(geodesic_area_m2(ZONES) - ellipsoidal_area_m2(ZONES), index=ZONES.id)
    assert diff["zone-kcxz"] == pytest.approx(-288.5, abs=0.1)


def test_holes_multipolygons_and_ring_orientation():
    shell = shapely.box(106.0, 29.5, 106.02, 29.52)
    hole = shapely.box(106.005, 29.505, 106.01, 29.51)
    holed = shell.difference(hole)
    reverse = shapely.orient_polygons(holed, exterior_cw=True)
    multi = shapely.MultiPolygon([holed, shapely.box(106.1, 29.5, 106.11, 29.51)])
    got = strip_area_m2([holed, reverse, multi, None, shapely.Polygon()])
    assert got[0] == pytest.approx(reference_m2(shell) - reference_m2(hole), rel=1e-12)
    assert got[1] == got[0]
    assert got[2] == pytest.approx(got[0] + reference_m2(multi.geoms[1]), rel=1e-12)
    assert got[3] == 0.0 and got[4] == 0.0
    assert math.isfinite(got.sum())


def test_own_area_minus_difference_is_the_intersection():
    # issue 14: the 科技创新小镇组团 against the corridor band disagreed by 877 m²
    clusters = read_layer(bundled_layer_path("clusters"))
    corridor = read_layer(bundled_layer_path("corridor"))
    band = corridor[corridor.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    assert len(band) == 1
    outside = difference(clusters, band).set_index("id").area_km2
    shared = tabulate_intersection(clusters, band).groupby("a_id").area_km2.sum()
    own = pd.Series(ellipsoidal_area_m2(clusters) / 1e6, index=clusters.id)
    for cluster_id in shared.index:
        assert own[cluster_id] - outside[cluster_id] == pytest.approx(shared[cluster_id], rel=1e-9)
