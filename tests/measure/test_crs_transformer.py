"""The one transformer between two CRSs: built once, and through CGCS2000's lon/lat the same floats.

``spatial.crs.transformer`` asks PROJ for EPSG:4544 -> EPSG:4490 where a caller asks
for EPSG:4544 -> EPSG:4326. These tests hold it to PROJ's own EPSG:4326 transformer,
bit for bit, on the synthetic survey (示例数据) and on random points over Bishan, in its
zone and the neighbouring ones, and check which CRSs it leaves alone.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from survey import survey_parcels

from spatial.crs import CGCS2000, WGS84, reproject, transformer

#: Bishan's extent, degrees (a little beyond the district on every side).
BISHAN_LON, BISHAN_LAT = (105.95, 106.55), (29.30, 29.90)
#: CGCS2000 lon/lat and projected CRSs: Bishan's zone, its neighbours, a zone-prefixed
#: 3-degree zone (35, CM 105°E) and a 6-degree one (18, CM 105°E).
CGCS2000_CRSS = (4490, 4543, 4544, 4545, 4523, 4496)


def _bishan_points(crs: int, n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(crs)
    lon = rng.uniform(*BISHAN_LON, n)
    lat = rng.uniform(*BISHAN_LAT, n)
    x, y = Transformer.from_crs(4490, crs, always_xy=True).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return np.asarray(a).tobytes() == np.asarray(b).tobytes()


@pytest.mark.parametrize("epsg", CGCS2000_CRSS)
def test_to_lonlat_is_proj_own_bit_for_bit(epsg: int) -> None:
    x, y = _bishan_points(epsg)
    proj_own = Transformer.from_crs(epsg, 4326, always_xy=True).transform(x, y)
    ours = transformer(epsg, WGS84)
    # the cheap pipeline, not PROJ's search
    assert ours.target_crs.equals(CGCS2000, ignore_axis_order=True)
    got = ours.transform(x, y)
    assert _same_bits(got[0], proj_own[0])
    assert _same_bits(got[1], proj_own[1])


@pytest.mark.parametrize("epsg", [4543, 4544, 4545])
def test_from_lonlat_is_proj_own_bit_for_bit(epsg: int) -> None:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(*BISHAN_LON, 20_000), rng.uniform(*BISHAN_LAT, 20_000)
    proj_own = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    got = transformer(WGS84, epsg).transform(lon, lat)
    assert transformer(WGS84, epsg).source_crs.equals(CGCS2000, ignore_axis_order=True)
    assert _same_bits(got[0], proj_own[0]) and _same_bits(got[1], proj_own[1])


@pytest.mark.parametrize("epsg", [4544, 4545])
def test_same_pipeline_as_proj_search(epsg: int) -> None:
    """PROJ runs the same steps: the datum step it finds is a zero offset."""
    searched = Transformer.from_crs(epsg, 4326, always_xy=True)
    assert "Ballpark geographic offset" in searched.description
    assert transformer(epsg, 4326).definition == searched.definition


def test_survey_layer_moves_bit_for_bit() -> None:
    parcels = survey_parcels()
    assert parcels.crs.to_epsg() == 4544
    expected = parcels.to_crs(WGS84)
    got = reproject(parcels, WGS84)
    assert got.crs.equals(WGS84) and got.crs.to_epsg() == 4326
    wkb = shapely.to_wkb(got.geometry.array).tolist()
    assert wkb == shapely.to_wkb(expected.geometry.array).tolist()
    assert got.drop(columns="geometry").equals(expected.drop(columns="geometry"))
    back = reproject(expected, 4544)
    assert shapely.to_wkb(back.geometry.array).tolist() == (
        shapely.to_wkb(expected.to_crs(4544).geometry.array).tolist()
    )
    assert parcels.crs.to_epsg() == 4544 and expected.crs.to_epsg() == 4326  # inputs untouched


@pytest.mark.parametrize("source", [4490, 4326])
def test_lonlat_to_lonlat_is_a_relabel(source: int) -> None:
    x, y = _bishan_points(4490, 500)
    layer = gpd.GeoSeries(shapely.points(x, y), crs=source)
    target = 4326 if source == 4490 else 4490
    expected = layer.to_crs(target)
    got = reproject(layer, target)
    assert got.crs.to_epsg() == target and layer.crs.to_epsg() == source
    assert shapely.to_wkb(got.array).tolist() == shapely.to_wkb(expected.array).tolist()


def test_built_once_and_shared() -> None:
    assert transformer(4544, 4326) is transformer(CRS.from_epsg(4544), "EPSG:4326")
    assert transformer(4544, 4326, always_xy=False) is not transformer(4544, 4326)


@pytest.mark.parametrize(
    "source",
    [
        "+proj=tmerc +lon_0=105 +ellps=GRS80 +x_0=500000 +units=m +towgs84=1,2,3,0,0,0,0",
        2383,  # Xian 1980 / 3-degree Gauss-Kruger CM 114E
        4547,  # CGCS2000 / 3-degree Gauss-Kruger CM 114E, to another zone: PROJ's own
    ],
)
def test_other_crs_left_to_proj(source: object) -> None:
    target = 4326 if source != 4547 else 4544
    ours = transformer(source, target)
    assert not ours.target_crs.equals(CGCS2000, ignore_axis_order=True)
    assert ours.description == Transformer.from_crs(source, target, always_xy=True).description


def test_bound_crs_is_not_taken_for_cgcs2000() -> None:
    """A +towgs84 CRS on the GRS80 ellipsoid moves by its own shift: not the zero offset."""
    bound = "+proj=tmerc +lon_0=105 +ellps=GRS80 +x_0=500000 +units=m +towgs84=100,0,0,0,0,0,0"
    x, y = _bishan_points(4544, 10)
    lon, _ = transformer(bound, 4326).transform(x, y)
    lon_cgcs, _ = transformer(4544, 4326).transform(x, y)
    assert np.abs(lon - lon_cgcs).min() > 1e-5  # ~100 m apart: the shift was applied


def test_no_crs_refused_as_geopandas_does() -> None:
    with pytest.raises(ValueError, match="naive geometries"):
        reproject(gpd.GeoSeries([shapely.Point(0, 0)]), WGS84)


def test_shared_between_threads_same_bits() -> None:
    """pyproj (>= 3.1) gives each thread its own PROJ object inside one Transformer."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    x, y = _bishan_points(4544, 40_000)
    shared = transformer(4544, WGS84)
    alone = shared.transform(x, y)
    parts = np.array_split(np.arange(len(x)), 8)
    with ThreadPoolExecutor(max_workers=4) as pool:
        moved = list(pool.map(lambda at: transformer(4544, WGS84).transform(x[at], y[at]), parts))
    assert _same_bits(np.concatenate([m[0] for m in moved]), alone[0])
    assert _same_bits(np.concatenate([m[1] for m in moved]), alone[1])
