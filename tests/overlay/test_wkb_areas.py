"""The area of record from a unit's WKB (``overlay --op coverage``'s wholes), without GEOS.

:func:`spatial.overlay._wkb_areas.wkb_area_of_record_m2` must lay the rings out
as :func:`spatial.measure.rings.ring_layout` lays out the geometries GEOS builds
from the same WKB, array for array, so that every area is the same float. The
layers are synthetic (示例数据): the grid of ``conftest.grid_parcels_gk`` with
holed parcels, MultiPolygons (of one part, of two, with a holed part) and
big-endian WKB placed first, among the others, at a unit's edge and last.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import geoarrow.pyarrow as ga
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
import wkb_fuzz
from conftest import grid_parcels_gk
from pyproj import CRS

from spatial.io import geoparquet
from spatial.io.geoparquet import polygon_arrays, polygon_bounds
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import ring_layout
from spatial.overlay import scan_ops
from spatial.overlay._wkb_areas import _multipolygons, wkb_area_of_record_m2, wkb_ring_layout
from spatial.overlay.operations import buffer_coverage
from spatial.overlay.scan_ops import coverage_file

ZONES = read_layer(bundled_layer_path("zones"))
GK = CRS.from_epsg(4544)
DISTANCE_M = 100.0


def _holed(cell: shapely.Polygon) -> shapely.Polygon:
    """The cell with two square holes (one ring clockwise, one not)."""
    x0, y0, x1, y1 = cell.bounds
    w, h = (x1 - x0) / 8, (y1 - y0) / 8
    holes = [
        shapely.box(x0 + w, y0 + h, x0 + 3 * w, y0 + 3 * h).exterior.coords[::-1],
        shapely.box(x0 + 4 * w, y0 + 4 * h, x0 + 6 * w, y0 + 7 * h).exterior.coords,
    ]
    return shapely.Polygon(cell.exterior.coords, holes)


def _odd_layer(n_side: int = 30) -> gpd.GeoDataFrame:
    """The grid, every 7th parcel holed, MultiPolygons of one part, of two and with a hole."""
    layer = grid_parcels_gk(n_side)
    cells = np.asarray(layer.geometry.array).copy()
    n = len(cells)
    odd = cells.copy()
    odd[::7] = [_holed(c) for c in cells[::7]]
    for k in (0, 1, 217, 433, n // 2, n - 2):  # first, at a unit's edge, among, last
        odd[k] = shapely.MultiPolygon([cells[k], cells[(k + 2) % n]])
    for k in (3, 216, n - 1):
        odd[k] = shapely.MultiPolygon([cells[k]])
    for k in (5, 650, n - 3):
        odd[k] = shapely.MultiPolygon([_holed(cells[k]), cells[(k + 80) % n]])
    return layer.set_geometry(odd)


def _wkb(geoms: np.ndarray, big_endian_every: int = 0) -> pa.Array:
    values = list(shapely.to_wkb(geoms))
    if big_endian_every:
        for k in range(0, len(values), big_endian_every):
            values[k] = shapely.to_wkb(geoms[k], byte_order=0)
    return pa.array(values, type=pa.binary())


@pytest.mark.parametrize("big_endian_every", [0, 5])
def test_the_rings_are_laid_out_as_from_the_geometries(big_endian_every):
    geoms = np.asarray(_odd_layer().geometry.array)
    wkb = _wkb(geoms, big_endian_every)
    built = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    expected = ring_layout(built)
    arrays = polygon_arrays(wkb)
    assert arrays is not None
    got = wkb_ring_layout(arrays, _multipolygons(wkb))
    assert (expected.ring_sign < 0).sum() > 100  # holes
    assert len(np.unique(expected.ring_geom)) < len(expected.ring_geom)  # several rings a feature
    for name in ("xy", "ring_size", "ring_geom", "ring_sign"):
        assert getattr(got, name).dtype == getattr(expected, name).dtype, name
        assert np.array_equal(getattr(got, name), getattr(expected, name)), name


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("epsg", [4544, 4490])
def test_the_areas_are_those_of_the_geometries_bit_for_bit(threads, epsg):
    layer = _odd_layer().to_crs(epsg)
    geoms = np.asarray(layer.geometry.array)
    wkb = _wkb(geoms, big_endian_every=3)
    crs = CRS.from_epsg(epsg)
    expected = area_of_record_m2(shapely.from_wkb(wkb.to_numpy(zero_copy_only=False)), crs)
    got = wkb_area_of_record_m2(wkb, crs, threads=threads)
    assert got is not None
    assert got.tobytes() == expected.tobytes()
    assert 1e3 < expected.min() and expected.max() < 1e6  # the grid's cells, in m²


def test_the_areas_of_a_geoarrow_extension_array():
    geoms = np.asarray(_odd_layer(30).geometry.array)
    wkb = ga.as_wkb(_wkb(geoms))
    got = wkb_area_of_record_m2(wkb, GK)
    assert got is not None and got.tobytes() == area_of_record_m2(geoms, GK).tobytes()


@pytest.mark.parametrize(
    "odd",
    [
        None,
        shapely.Point(1, 2),
        shapely.LineString([(0, 0), (1, 1)]),
        shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 0, 1)]),
    ],
)
def test_what_is_not_plain_polygons_is_left_to_geos(odd):
    values = [shapely.to_wkb(shapely.box(0, 0, 1, 1)), None if odd is None else shapely.to_wkb(odd)]
    assert wkb_area_of_record_m2(pa.array(values, type=pa.binary()), GK) is None


def _write(layer: gpd.GeoDataFrame, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".parquet":
            layer.to_parquet(path, row_group_size=300)
        else:
            layer.to_file(path, engine="pyogrio")
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize(("unit_rows", "threads"), [(217, 1), (600, 2)])
def test_coverage_builds_only_the_features_near_the_buffer(
    tmp_path, monkeypatch, suffix, unit_rows, threads
):
    near = _odd_layer(50)  # more than the full validator takes (2,000) with the far ones
    far = _odd_layer(30)
    far = far.set_geometry(far.geometry.translate(0, -20_000))
    far["id"] = [f"q{i:05d}" for i in range(len(far))]
    layer = gpd.GeoDataFrame(pd.concat([near, far], ignore_index=True), crs=4544)
    path = _write(layer, tmp_path / f"odd{suffix}")
    expected = buffer_coverage(
        read_layer(path), ZONES, DISTANCE_M, "id", names=(str(path), "layer B")
    )
    built: list[int] = []
    original = geoparquet.wkb_geometries

    def counted(wkb: pa.Array, rows: np.ndarray | None = None) -> np.ndarray:
        built.append(len(wkb) if rows is None else len(rows))
        return original(wkb, rows)

    def no_plain_path(*args: object, **kwargs: object) -> None:
        raise AssertionError("the plain path was taken")

    monkeypatch.setattr(scan_ops, "wkb_geometries", counted)
    monkeypatch.setattr(scan_ops, "_read_whole", no_plain_path)
    got = coverage_file(path, ZONES, DISTANCE_M, "id", unit_rows=unit_rows, threads=threads)
    pd.testing.assert_frame_equal(got, expected)
    within = expected.within_km2.to_numpy()
    assert (within > 0).sum() > 100 and (within == 0).sum() > 200
    assert 0 < sum(built) <= len(near)  # GEOS built none of the far features


def _outcome(measure: Callable[[], np.ndarray | None]) -> tuple[str, bytes | str]:
    try:
        got = measure()
    except Exception as exc:  # the same refusal, in the same words, is the answer
        return type(exc).__name__, str(exc)
    assert got is not None
    return "areas", got.tobytes()


@pytest.mark.parametrize("crs", [None, GK])
def test_mutated_wkb_the_scan_accepts_is_measured_as_geos_reads_it(crs):
    rng = np.random.default_rng(24)
    pool = wkb_fuzz.seeds()
    accepted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(1500):
            value = wkb_fuzz.mutated(rng, pool[int(rng.integers(len(pool)))])
            if polygon_bounds(pa.array([value], pa.binary())) is not None:
                accepted.append(value)
        assert len(accepted) > 100
        values = pa.array(pool + accepted + pool, pa.binary())
        geoms = shapely.from_wkb(values.to_numpy(zero_copy_only=False))
        for part in (values, values.slice(len(pool), len(accepted))):
            chunk = shapely.from_wkb(part.to_numpy(zero_copy_only=False))
            expected = _outcome(lambda g=chunk: area_of_record_m2(g, crs))
            assert _outcome(lambda w=part: wkb_area_of_record_m2(w, crs)) == expected
    assert len(geoms) == len(values)


@pytest.mark.parametrize("offset", [0, 1])
def test_the_type_of_each_value_is_read_in_its_own_byte_order(offset: int) -> None:
    """Polygons and MultiPolygons, big- and little-endian, in a sliced array: as shapely says."""
    box = shapely.box(0.0, 0.0, 10.0, 10.0)
    geoms = [box, shapely.MultiPolygon([box]), box, shapely.MultiPolygon([box, box.buffer(-2)])]
    wkb = pa.array([shapely.to_wkb(g, byte_order=k % 2) for k, g in enumerate(geoms)], pa.binary())[
        offset:
    ]
    expected = shapely.get_type_id(geoms[offset:]) == shapely.GeometryType.MULTIPOLYGON
    assert _multipolygons(wkb).tolist() == expected.tolist()
    assert geoparquet.wkb_type_codes(wkb).tolist() == [[3, 6, 3, 6][k] for k in range(offset, 4)]
