"""The frame layers meet in: a CGCS2000 Gauss–Krüger one beside lon/lat, else most features.

On tests/survey.py's synthetic (示例数据) EPSG:4544 zones and lon/lat boxes made from
them; the densified move is held against shapely's ``segmentize`` and pyproj's own
transformer, not against ``spatial``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from survey import GK, X0, Y0, gk_to_lonlat, survey_zones

from spatial.checks.prepare import frame_of, in_frame
from spatial.validate.frame import DENSIFY_DEG, frame_index, into_frame, is_survey_frame

XIAN80_GK = CRS.from_epsg(2383)  # Xian 1980 / 3-degree Gauss-Kruger CM 114E: not CGCS2000
UTM48N = CRS.from_epsg(32648)  # WGS 84 / UTM zone 48N: projected, not Gauss–Krüger on CGCS2000


def _lonlat_boxes(count: int, crs: int = 4490) -> gpd.GeoDataFrame:
    boxes = [shapely.box(X0 + 10 * i, Y0, X0 + 10 * i + 5, Y0 + 5) for i in range(count)]
    return gpd.GeoDataFrame(
        {"id": [f"U{i}" for i in range(count)], "note": "示例数据"},
        geometry=[gk_to_lonlat(g) for g in boxes],
        crs=crs,
    )


@pytest.mark.parametrize(
    ("epsg", "expected"),
    [(4544, True), (4534, True), (4554, True), (4490, False), (4326, False), (2383, False)],
)
def test_a_survey_frame_is_cgcs2000_gauss_kruger(epsg: int, expected: bool) -> None:
    assert is_survey_frame(CRS.from_epsg(epsg)) is expected
    assert not is_survey_frame(UTM48N)


@pytest.mark.parametrize("lonlat_epsg", [4490, 4326])
def test_a_larger_lonlat_layer_meets_the_survey_zones_in_their_frame(lonlat_epsg: int) -> None:
    zones = survey_zones().rename(columns={"DYBH": "id"})
    lonlat = _lonlat_boxes(len(zones) + 5, lonlat_epsg)
    gk = CRS.from_user_input(GK)
    assert frame_of(zones, lonlat).equals(gk)
    assert frame_of(lonlat, zones).equals(gk)
    a, b, crs = in_frame(lonlat, zones)
    assert crs.equals(gk) and b is zones and CRS.from_user_input(a.crs).equals(gk)


def test_the_lonlat_layer_is_moved_in_densified() -> None:
    zones = survey_zones().rename(columns={"DYBH": "id"})
    lonlat = _lonlat_boxes(len(zones) + 5)
    moved, kept, _ = in_frame(lonlat, zones)
    assert kept is zones
    to_gk = Transformer.from_crs(4490, 4544, always_xy=True)
    for geom, got in zip(lonlat.geometry, moved.geometry, strict=True):
        dense = shapely.get_coordinates(shapely.segmentize(geom, DENSIFY_DEG))
        x, y = to_gk.transform(dense[:, 0], dense[:, 1])
        np.testing.assert_allclose(shapely.get_coordinates(got), np.c_[x, y], rtol=0, atol=1e-6)


def test_the_overlays_frame_keeps_the_most_features() -> None:
    """``into_frame`` (overlay, balance, diff and their fast paths) keeps the larger layer's CRS."""
    zones = survey_zones().rename(columns={"DYBH": "id"})
    lonlat = _lonlat_boxes(len(zones) + 5)
    moved, kept = into_frame([(zones, "zones"), (lonlat, "farmland")], "combined")
    assert kept is lonlat and CRS.from_user_input(moved.crs).equals(CRS.from_epsg(4490))


@pytest.mark.parametrize(
    ("crss", "counts", "expected"),
    [
        ([GK, "EPSG:4490"], [2, 5], 0),  # the survey's frame, though fewer
        (["EPSG:4490", GK], [5, 2], 1),
        ([GK, "EPSG:4490", "EPSG:4326"], [1, 3, 4], 0),
        ([GK, "EPSG:4545", "EPSG:4490"], [1, 2, 5], 2),  # two projected frames: most features
        ([GK, "EPSG:4545"], [1, 2], 1),
        ([XIAN80_GK, "EPSG:4490"], [2, 5], 1),  # not CGCS2000: most features
        ([UTM48N, "EPSG:4326"], [2, 5], 1),
        (["EPSG:4490", "EPSG:4326"], [5, 5], 0),  # a tie: the first
        ([GK, GK], [1, 2], 1),
    ],
)
def test_the_frame_rule(crss: list[object], counts: list[int], expected: int) -> None:
    assert frame_index([CRS.from_user_input(c) for c in crss], counts) == expected
