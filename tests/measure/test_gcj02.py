"""GCJ-02 ↔ WGS84 against the published pairs in the reference tables."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import shapely

from spatial.measure.gcj02 import (
    gcj02_to_wgs84,
    gcj02_to_wgs84_geometry,
    wgs84_to_gcj02,
    wgs84_to_gcj02_geometry,
)

REFERENCE = Path(__file__).resolve().parents[2] / "tools" / "reference"
# The tables give 5 decimals (about 1 m); allow 1.5 rounding steps.
TOLERANCE_DEG = 1.5e-5


def _rows() -> list[dict[str, str]]:
    rows = []
    for name in ("bishan_town_seats.csv", "bishan_key_points.csv"):
        with open(REFERENCE / name, encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


ROWS = _rows()


@pytest.mark.parametrize("row", ROWS, ids=[r.get("name_zh") or r["name"] for r in ROWS])
def test_gcj02_to_wgs84_matches_published(row: dict[str, str]) -> None:
    lon, lat = gcj02_to_wgs84(float(row["lon_gcj02"]), float(row["lat_gcj02"]))
    assert abs(float(lon) - float(row["lon_wgs84"])) < TOLERANCE_DEG
    assert abs(float(lat) - float(row["lat_wgs84"])) < TOLERANCE_DEG


@pytest.mark.parametrize("row", ROWS, ids=[r.get("name_zh") or r["name"] for r in ROWS])
def test_wgs84_to_gcj02_matches_published(row: dict[str, str]) -> None:
    lon, lat = wgs84_to_gcj02(float(row["lon_wgs84"]), float(row["lat_wgs84"]))
    assert abs(float(lon) - float(row["lon_gcj02"])) < TOLERANCE_DEG
    assert abs(float(lat) - float(row["lat_gcj02"])) < TOLERANCE_DEG


def test_offset_near_bishan_is_the_documented_shift() -> None:
    lon, lat = wgs84_to_gcj02(106.22, 29.55)
    assert 0.0035 < float(lon) - 106.22 < 0.0042
    assert -0.0030 < float(lat) - 29.55 < -0.0024


def test_round_trip_is_exact_to_1e9_degrees() -> None:
    rng = np.random.default_rng(0)
    lon = rng.uniform(73.0, 135.0, 1000)
    lat = rng.uniform(18.0, 53.0, 1000)
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.max(np.abs(back_lon - lon)) < 1e-9
    assert np.max(np.abs(back_lat - lat)) < 1e-9


def test_outside_china_is_unchanged() -> None:
    lon, lat = wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    np.testing.assert_array_equal(lon, [2.35, -74.0])
    np.testing.assert_array_equal(lat, [48.85, 40.7])


def test_geometry_helpers_shift_every_vertex() -> None:
    square = shapely.box(106.2, 29.5, 106.21, 29.51)
    shifted = wgs84_to_gcj02_geometry(square)
    assert shifted.bounds[0] - 106.2 > 0.003
    back = gcj02_to_wgs84_geometry(shifted)
    assert shapely.equals_exact(back, square, tolerance=1e-9)
