"""The area of record converted once per distinct vertex, on threads: bit for bit the old path.

``area_of_record_m2`` converts each distinct vertex (the same float64 bits) once,
on threads, and sums the strips on threads. These tests hold it, element for
element with ``np.array_equal`` (not a tolerance), to ``_oracle_area_of_record_m2``:
a copy of the implementation as it stood before (main f6c0505: every vertex but
each ring's closing one through PROJ in one call, the strips in one loop of
blocks), on randomised coverages that share their vertices, with holes,
multi-parts, missing and empty geometries, lon/lat layers, one feature and many,
blocks and threads cut small so that every edge of a block and of a thread's run
falls inside the layers. Layers are synthetic (示例数据).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from pyproj import CRS, Transformer
from survey import gk_to_lonlat, survey_parcels, survey_zones

from spatial.errors import CRSError, LayerError
from spatial.measure import frames, record, strip
from spatial.measure import rings as ring_module
from spatial.measure.frames import (
    geodetic_lonlat,
    geodetic_lonlat_distinct,
    geodetic_lonlat_on_threads,
    same_pair,
)
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import check_lonlat, polygonal_mask

GK = CRS.from_epsg(4544)
LONLAT = CRS.from_epsg(4490)
X0, Y0 = 615_000.0, 3_276_000.0  # about 106.19°E, 29.58°N (Bishan)

# --- the oracle: today's implementation as it stood before this change (f6c0505) ----------

_A = 6378137.0
_F = 1.0 / 298.257222101
_E2 = _F * (2.0 - _F)
_B2 = _A * _A * (1.0 - _E2)
_MAX_EDGE = 0.001
_SERIES = tuple((k + 1) / (2 * k + 1) for k in range(7))
_DEG = math.pi / 180.0
_CHUNK = 32_768


def _q(sin_lat):
    u = _E2 * sin_lat * sin_lat
    series = np.full_like(u, _SERIES[-1])
    for coefficient in _SERIES[-2::-1]:
        series *= u
        series += coefficient
    return _B2 * sin_lat * series


def _vertex_terms(lat_deg):
    sin_lat = np.sin(lat_deg * _DEG)
    sin2 = sin_lat * sin_lat
    w2 = 1.0 - _E2 * sin2
    q2_sixth = (4.0 * _E2) * (1.0 - sin2)
    q2_sixth -= w2
    q2_sixth *= sin_lat
    w2 *= w2 * w2
    q2_sixth /= w2
    q2_sixth *= _B2 / 6.0
    return sin_lat, _q(sin_lat), q2_sixth


def _edge_sum(lon0, lat0, lon1, lat1, v0, v1):
    (s0, q0, q2_0), (s1, q1, q2_1) = v0, v1
    h2 = (lat1 - lat0) * (_DEG / 2.0)
    h2 *= h2
    q_mean = q0 + q1
    q_mean *= 0.5
    q_mean -= h2 * (q2_0 + q2_1)
    tall = np.flatnonzero(h2 > 1e-10)
    if tall.size:
        h4 = h2[tall] * h2[tall]
        q_mean[tall] += h4 * (_B2 / 15.0) * (s0[tall] + s1[tall])
    q_mean *= (lon1 - lon0) * _DEG
    return q_mean


def _long_edge_terms(lon, lat, start, q_ref):
    span = np.abs(lat[start + 1] - lat[start]) * _DEG
    n = np.ceil(span / _MAX_EDGE).astype(np.int64)
    edge = np.repeat(np.arange(len(start)), n)
    step = np.arange(len(edge)) - np.repeat(np.cumsum(n) - n, n)
    x0, y0 = lon[start][edge], lat[start][edge]
    dx, dy = (lon[start + 1] - lon[start])[edge], (lat[start + 1] - lat[start])[edge]
    t0, t1 = step / n[edge], (step + 1) / n[edge]
    end = step + 1 == n[edge]
    x1 = np.where(end, lon[start + 1][edge], x0 + dx * t1)
    y1 = np.where(end, lat[start + 1][edge], y0 + dy * t1)
    x0, y0 = x0 + dx * t0, y0 + dy * t0
    s0, q0, q2_0 = _vertex_terms(y0)
    s1, q1, q2_1 = _vertex_terms(y1)
    ref = q_ref[edge]
    terms = _edge_sum(x0, y0, x1, y1, (s0, q0 - ref, q2_0), (s1, q1 - ref, q2_1))
    return np.bincount(edge, weights=terms, minlength=len(start)).astype(np.float64, copy=False)


def _oracle_layout_area_m2(lon_deg, lat_deg, rings, n):
    out = np.zeros(n, dtype=float)
    if len(lon_deg) < 2:
        return out
    lon_deg, lat_deg = np.ascontiguousarray(lon_deg), np.ascontiguousarray(lat_deg)
    size, ring_geom, ring_sign = rings
    starts = np.cumsum(size) - size
    q_ref = np.repeat(_q(np.sin(lat_deg[starts] * _DEG)), size)
    terms = np.empty(len(lon_deg) - 1)
    for lo in range(0, len(terms), _CHUNK):
        hi = min(lo + _CHUNK, len(terms))
        sin_lat, q, q2_sixth = _vertex_terms(lat_deg[lo : hi + 1])
        q -= q_ref[lo : hi + 1]
        terms[lo:hi] = _edge_sum(
            lon_deg[lo:hi],
            lat_deg[lo:hi],
            lon_deg[lo + 1 : hi + 1],
            lat_deg[lo + 1 : hi + 1],
            (sin_lat[:-1], q[:-1], q2_sixth[:-1]),
            (sin_lat[1:], q[1:], q2_sixth[1:]),
        )
    last = starts + size - 1
    last = last[last < len(terms)]
    terms[last] = 0.0
    long_edge = np.abs(lat_deg[1:] - lat_deg[:-1]) > _MAX_EDGE / _DEG
    long_edge[last] = False
    if long_edge.any():
        idx = np.flatnonzero(long_edge)
        terms[idx] = _long_edge_terms(lon_deg, lat_deg, idx, q_ref[idx])
    ring_sum = np.add.reduceat(np.append(terms, 0.0), starts)
    out += np.bincount(ring_geom, ring_sign * np.abs(ring_sum), minlength=n)
    return out


def _oracle_ring_layout(geoms):
    type_id = shapely.get_type_id(geoms)
    simple = (type_id == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    simple &= ~shapely.is_empty(geoms)
    simple_idx = np.flatnonzero(simple)
    other_idx = np.flatnonzero(~simple & ((type_id == 3) | (type_id == 6)))
    simple_geoms = geoms[simple_idx]
    xy = shapely.get_coordinates(simple_geoms)
    ring_size = shapely.get_num_coordinates(simple_geoms).astype(np.int64)
    ring_geom, ring_sign = simple_idx.astype(np.int64), np.ones(len(simple_idx))
    if other_idx.size:
        parts, part_of = shapely.get_parts(geoms[other_idx], return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        shell = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else np.zeros(0, bool)
        xy = np.concatenate([xy, shapely.get_coordinates(rings)])
        ring_size = np.concatenate([ring_size, shapely.get_num_coordinates(rings)])
        ring_geom = np.concatenate([ring_geom, other_idx[part_of[ring_part]]])
        ring_sign = np.concatenate([ring_sign, np.where(shell, 1.0, -1.0)])
    return xy, (ring_size.astype(np.int64), ring_geom.astype(np.int64), ring_sign)


@cache
def _oracle_transformer(wkt):
    return Transformer.from_crs(CRS.from_wkt(wkt), CRS.from_epsg(4490), always_xy=True)


def _oracle_area_of_record_m2(geoms, crs=None, what="layer"):
    """``area_of_record_m2`` as it stood before (f6c0505), copied whole."""
    geoms = np.asarray(geoms, dtype=object).ravel()
    polygonal_mask(geoms, what)
    xy, rings = _oracle_ring_layout(geoms)
    size, ring_geom, _ = rings
    if crs is None or crs.is_geographic:
        if len(xy):
            check_lonlat(xy, np.repeat(ring_geom, size), what)
        lon, lat = xy[:, 0], xy[:, 1]
    else:
        starts = np.cumsum(size) - size
        last = starts + size - 1
        inner = np.ones(len(xy), dtype=bool)
        inner[last] = False
        lon, lat = np.empty(len(xy)), np.empty(len(xy))
        inner_xy = xy[inner]
        x, y = np.ascontiguousarray(inner_xy[:, 0]), np.ascontiguousarray(inner_xy[:, 1])
        lon_i, lat_i = _oracle_transformer(crs.to_wkt()).transform(x, y)
        lon[inner], lat[inner] = np.asarray(lon_i), np.asarray(lat_i)
        lon[last], lat[last] = lon[starts], lat[starts]
    return _oracle_layout_area_m2(lon, lat, rings, len(geoms))


# --- synthetic layers (示例数据) --------------------------------------------------------------


def random_coverage(rng: np.random.Generator, nx: int, ny: int) -> npt.NDArray[np.object_]:
    """A jittered grid of parcels in EPSG:4544 sharing their corners and edge vertices.

    Every cell has its four corners and, at random, a vertex on its edges shared with
    the neighbour; some cells have a hole, some pairs are MultiPolygons, some are
    missing (None) or empty, and one column of cells is 15 km tall (long edges, cut).
    """
    step = rng.uniform(20.0, 400.0)
    gx = X0 + np.arange(nx + 1) * step + rng.normal(0.0, step / 10, (ny + 1, nx + 1))
    gy = Y0 + np.arange(ny + 1)[:, None] * step + rng.normal(0.0, step / 10, (ny + 1, nx + 1))
    gy[:, 0] = gy[0, 0] + np.arange(ny + 1) * 15_000.0 if rng.random() < 0.5 else gy[:, 0]
    mid_h = rng.random((ny + 1, nx)) < 0.5  # a shared vertex on the edge between two corners
    cells = []
    for j in range(ny):
        for i in range(nx):
            ring = [(gx[j, i], gy[j, i])]
            if mid_h[j, i]:
                ring.append(((gx[j, i] + gx[j, i + 1]) / 2, (gy[j, i] + gy[j, i + 1]) / 2))
            ring += [(gx[j, i + 1], gy[j, i + 1]), (gx[j + 1, i + 1], gy[j + 1, i + 1])]
            if mid_h[j + 1, i]:
                ring.append(
                    ((gx[j + 1, i] + gx[j + 1, i + 1]) / 2, (gy[j + 1, i] + gy[j + 1, i + 1]) / 2)
                )
            ring.append((gx[j + 1, i], gy[j + 1, i]))
            cell = shapely.Polygon(ring)
            roll = rng.random()
            if roll < 0.1:
                c = cell.centroid
                cell = shapely.Polygon(
                    ring, [shapely.box(c.x - 1, c.y - 1, c.x + 1, c.y + 1).exterior.coords]
                )
            elif roll < 0.15:
                cell = None
            elif roll < 0.2:
                cell = shapely.Polygon()
            elif roll < 0.25:
                cell = shapely.MultiPolygon()
            cells.append(cell)
    geoms = np.array(cells, dtype=object)
    pairs = (
        rng.choice(len(geoms), size=(len(geoms) // 10, 2), replace=False) if len(geoms) > 20 else []
    )
    for a, b in pairs:
        if geoms[a] is not None and geoms[b] is not None and not geoms[a].is_empty:
            parts = [g for g in (geoms[a], geoms[b]) if g.geom_type == "Polygon" and not g.is_empty]
            geoms[a] = shapely.MultiPolygon(parts)
    return geoms[rng.permutation(len(geoms))]


def assert_bit_for_bit(geoms, crs, **kwargs):
    expected = _oracle_area_of_record_m2(geoms, crs)
    got = area_of_record_m2(geoms, crs, **kwargs)
    assert got.dtype == np.float64 and expected.dtype == np.float64
    assert np.array_equal(got, expected), np.flatnonzero(got != expected)[:5]
    return got


@pytest.fixture(params=["distinct", "every vertex"])
def small_blocks(monkeypatch, request):
    """Blocks of 7 vertices; threads from 2 blocks, 3 vertices or 2 features: every edge inside."""
    monkeypatch.setattr(ring_module, "MIN_THREAD_GEOMS", 2)
    monkeypatch.setattr(strip, "_CHUNK", 7)
    monkeypatch.setattr(strip, "MIN_THREAD_BLOCKS", 2)
    monkeypatch.setattr(frames, "MIN_THREAD_VERTICES", 3)
    monkeypatch.setattr(frames, "_COMPARE_BLOCK", 5)
    if request.param == "every vertex":  # the path of layers too large for the hash
        monkeypatch.setattr(record, "DISTINCT_MAX_VERTICES", 0)


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("threads", [1, 2])
def test_random_coverages_bit_for_bit_in_gauss_kruger_and_lonlat(seed, threads, small_blocks):
    rng = np.random.default_rng(seed)
    geoms = random_coverage(rng, int(rng.integers(1, 14)), int(rng.integers(1, 9)))
    areas = assert_bit_for_bit(geoms, GK, threads=threads)
    present = np.array([g is not None and not g.is_empty for g in geoms])
    assert (areas[~present] == 0).all() and (areas[present] > 0).all()
    lonlat = np.array([None if g is None else gk_to_lonlat(g) for g in geoms], dtype=object)
    assert_bit_for_bit(lonlat, LONLAT, threads=threads)
    assert_bit_for_bit(lonlat, None, threads=threads)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("max_vertices", [1 << 21, 0])
def test_a_layer_of_many_blocks_at_the_real_block_size(threads, max_vertices, monkeypatch):
    """About 200k vertices: blocks of 32,768 and runs on threads at their real thresholds."""
    monkeypatch.setattr(record, "DISTINCT_MAX_VERTICES", max_vertices)
    geoms = random_coverage(np.random.default_rng(7), 120, 220)
    assert_bit_for_bit(geoms, GK, threads=threads)


def test_single_features_and_all_missing(small_blocks):
    geoms = random_coverage(np.random.default_rng(3), 6, 5)
    for g in geoms:  # each feature alone: the figure a whole layer gives it
        assert_bit_for_bit(np.array([g], dtype=object), GK, threads=2)
    for empty in ([], [None], [shapely.Polygon()], [None, shapely.MultiPolygon()]):
        assert_bit_for_bit(np.array(empty, dtype=object), GK, threads=2)
    whole = area_of_record_m2(geoms, GK)
    alone = np.array([area_of_record_m2([g], GK)[0] for g in geoms])
    assert np.array_equal(whole, alone)


@pytest.mark.parametrize("threads", [1, 2])
def test_survey_coverage_and_zones_bit_for_bit(threads, small_blocks):
    for layer in (survey_parcels(), survey_zones()):
        geoms = np.asarray(layer.geometry.values, dtype=object)
        areas = assert_bit_for_bit(geoms, GK, threads=threads)
        assert areas.sum() > 0
        lonlat = np.array([gk_to_lonlat(g) for g in geoms], dtype=object)
        assert_bit_for_bit(lonlat, LONLAT, threads=threads)


def test_closing_vertex_that_differs_in_its_bits_takes_the_first_ones_figures(small_blocks):
    """A ring closed by -0.0 where it opens with 0.0 (equal to GEOS, not in its bits)."""
    ring = [(0.0, 3_300_000.0), (500_000.0, 3_300_000.0), (500_000.0, 3_300_100.0)]
    opened = shapely.Polygon([*ring, (0.0, 3_300_100.0)])
    coords = shapely.get_coordinates(opened)
    coords[-1, 0] = -0.0
    closed_by_minus_zero = shapely.set_coordinates(opened, coords)
    assert np.signbit(shapely.get_coordinates(closed_by_minus_zero)[-1, 0])
    assert_bit_for_bit(np.array([closed_by_minus_zero, opened], dtype=object), GK, threads=1)


def test_errors_are_the_old_ones():
    for bad, crs, error in (
        ([shapely.box(0, 0, 1, 1), shapely.Point(0, 0)], GK, LayerError),
        ([shapely.box(620_000, 3_280_000, 620_001, 3_280_001)], None, CRSError),
    ):
        geoms = np.array(bad, dtype=object)
        with pytest.raises(error) as old:
            _oracle_area_of_record_m2(geoms, crs, "parcels.gpkg")
        with pytest.raises(error) as new:
            area_of_record_m2(geoms, crs, "parcels.gpkg")
        assert str(new.value) == str(old.value)


@pytest.mark.parametrize("block", [1 << 16, 7])
def test_same_pair_finds_equal_bits_only(block, monkeypatch):
    monkeypatch.setattr(frames, "_COMPARE_BLOCK", block)
    rng = np.random.default_rng(11)
    distinct = rng.uniform(0, 1e6, (5_000, 2))
    distinct[:10] = [[0.0, 1.0]] * 5 + [[-0.0, 1.0]] * 5  # 0.0 and -0.0 differ in their bits
    xy = distinct[rng.integers(0, len(distinct), 40_000)]
    rep = same_pair(xy)
    bits = xy.view(np.uint64)
    assert (bits[rep] == bits).all()  # each pair's representative has its very bits
    assert (rep[rep] == rep).all()  # and represents itself
    own = np.flatnonzero(rep == np.arange(len(rep)))
    n_distinct = len(np.unique(bits, axis=0))
    assert n_distinct <= len(own) <= 1.01 * n_distinct  # three hashing rounds find nearly all


@pytest.mark.parametrize("threads", [1, 2])
def test_distinct_conversion_equals_one_conversion_of_every_vertex(threads, monkeypatch):
    monkeypatch.setattr(frames, "MIN_THREAD_VERTICES", 5)
    rng = np.random.default_rng(5)
    pool = np.column_stack([rng.uniform(500_000, 700_000, 300), rng.uniform(3.2e6, 3.4e6, 300)])
    xy = pool[rng.integers(0, 300, 2_000)]
    want = geodetic_lonlat(xy, GK)
    for convert in (geodetic_lonlat_distinct, geodetic_lonlat_on_threads):
        got = convert(xy, GK, threads)
        assert all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))


@pytest.mark.parametrize("threads", [2, 3])
def test_ring_layout_on_threads_is_the_layout_of_the_whole(threads, monkeypatch):
    geoms = random_coverage(np.random.default_rng(9), 9, 7)
    whole = ring_module.ring_layout(geoms)
    monkeypatch.setattr(ring_module, "MIN_THREAD_GEOMS", 2)
    runs = ring_module.ring_layout(geoms, threads)
    for name in ("xy", "ring_size", "ring_geom", "ring_sign"):
        assert np.array_equal(getattr(runs, name), getattr(whole, name)), name
    assert np.array_equal(whole.xy, _oracle_ring_layout(geoms)[0])


def test_threads_default_to_the_cpus_in_the_main_thread_and_one_in_a_pool(monkeypatch):
    monkeypatch.setattr(record, "usable_cpus", lambda: 7)
    assert record._default_threads() == 7
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(record._default_threads).result() == 1
    geoms = random_coverage(np.random.default_rng(2), 8, 6)
    with ThreadPoolExecutor(2) as pool:  # inside a caller's pool: the same figures
        inside = pool.submit(area_of_record_m2, geoms, GK).result()
    assert np.array_equal(inside, _oracle_area_of_record_m2(geoms, GK))
