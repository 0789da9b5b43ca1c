"""Multipart features where a pack forbids them: ``forbid_multipart`` on ``invalid_geometry``."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from survey import GK, X0, Y0

from spatial.errors import PlanDataError
from spatial.qc import inspect

FORBID = """
[rules.invalid_geometry]
kind = "invalid_geometry"
severity = "error"
source = "project default: one polygon per 图斑 (forbid_multipart = true)"
forbid_multipart = true
"""


def _box(x: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0, X0 + x + 10.0, Y0 + 10.0)


def layer() -> gpd.GeoDataFrame:
    """M2 of two parts, M1 a one-part MultiPolygon (as ArcGIS writes polygons), P a polygon."""
    return gpd.GeoDataFrame(
        {"BSM": ["P", "M1", "M2"], "note": "示例数据 synthetic"},
        geometry=[
            _box(0.0),
            shapely.MultiPolygon([_box(10.0)]),
            shapely.MultiPolygon([_box(20.0), _box(40.0)]),
        ],
        crs=GK,
    )


@pytest.fixture
def forbid(tmp_path):
    path = tmp_path / "forbid.toml"
    path.write_text(FORBID, encoding="utf-8")
    return str(path)


def test_a_pack_forbidding_multiparts_finds_the_two_part_feature_only(forbid):
    found = inspect({"lu.gpkg": layer()}, id_field="BSM", packs=["default", forbid]).findings
    assert [(f.kind, f.feature_id, f.value, f.unit) for f in found] == [
        ("invalid_geometry", "M2", 2.0, "parts")
    ]
    assert "multipart" in found[0].message and found[0].geometry.equals(layer().geometry[2])


def test_the_default_pack_allows_multiparts():
    assert inspect({"lu.gpkg": layer()}, id_field="BSM").findings == ()


def test_forbid_multipart_must_be_a_boolean(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        FORBID.replace("forbid_multipart = true\n", 'forbid_multipart = "yes"\n'), encoding="utf-8"
    )
    with pytest.raises(PlanDataError, match=r"bad.toml: rule invalid_geometry: forbid_multipart"):
        inspect({"lu.gpkg": layer()}, packs=[str(path)])
