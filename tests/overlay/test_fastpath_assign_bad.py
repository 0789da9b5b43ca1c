"""``overlay --op assign`` by the scan: a line, an infinite point, a bow-tie, the plain outcome.

The scan (:func:`spatial.overlay.scan_assign.assign_file`) takes x and y straight
from each point's WKB and builds no shapely point for those inside a zone;
``tests/overlay/test_assign_scan.py`` places null, empty, NaN, huge, polygonal,
3-D, repeated-id and missing-id points. Here the other kinds of
:mod:`fastpath_bad` that a point layer can hold wrongly (a line, an infinite
coordinate, an invalid polygon) go first, on a unit's edge and last, in
GeoParquet and GeoPackage; the outcome (rows bit for bit, or the refusal's words)
must be that of ``read_layer`` and ``assign_points`` (synthetic points, 示例数据).
A point with an infinite y is refused by name, as ``spatial validate`` names it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from fastpath_bad import bad_geometry
from test_assign_scan import POINTS, UNIT, Y0, ZONES, _outcome, _write, plain

from spatial.overlay.scan_assign import assign_file

PLACES = {"first": 0, "unit-edge": UNIT, "last": len(POINTS) - 1}
KINDS = ["line", "inf", "bowtie"]


def _bad_layer(kind: str, place: int) -> gpd.GeoDataFrame:
    geoms = np.asarray(POINTS.geometry.array).copy()
    x = float(POINTS.geometry.iloc[place].x)
    geoms[place] = shapely.Point(x, np.inf) if kind == "inf" else bad_geometry(kind, x, Y0)
    return gpd.GeoDataFrame(
        {"id": POINTS["id"], "note": "示例数据"}, geometry=list(geoms), crs=4544
    )


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_bad_points_give_the_plain_outcome(kind: str, place: int, suffix: str, tmp_path: Path):
    path = _write(_bad_layer(kind, place), tmp_path / f"points{suffix}")
    expected = _outcome(lambda: plain(path))
    got = _outcome(lambda: assign_file(path, ZONES, unit_rows=UNIT, threads=2))
    if isinstance(expected, str):
        assert got == expected
        assert str(path) in got and "\n" not in got
    else:
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    if kind == "inf":  # refused by name (it was left out of the table, with a numpy warning)
        assert got == f"LayerError: {path}: feature {POINTS['id'].iloc[place]}: " + (
            "coordinates contain NaN or infinity"
        )
