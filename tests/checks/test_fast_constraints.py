"""Constraint occupancy dissolves only the constraint's features near the checked ones.

A synthetic (示例数据) 永久基本农田 of 100 m parcels in EPSG:4544 near 璧山, most of
it far from two zones; the rows and pieces equal those of dissolving the whole
layer (to 1e-9: a union of fewer features has other last bits), and a
constraint with nothing near the zones occupies nothing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.checks import constraints as constraints_module
from spatial.checks.constraints import conflict_pieces, constraint_rule, must_not_occupy

GK = "EPSG:4544"
X0, Y0 = 620_000.0, 3_280_000.0


def _farmland() -> gpd.GeoDataFrame:
    cells = [
        shapely.box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
        for j in range(30)
        for i in range(40)
        if (i + j) % 3  # a third of the cells are no farmland
    ]
    return gpd.GeoDataFrame(
        {
            "id": [f"nt-{k:04d}" for k in range(len(cells))],
            "YDYHFLDM": ["0101" if k % 2 else "0103" for k in range(len(cells))],
            "synthetic": True,
        },
        geometry=cells,
        crs=GK,
    )


def _zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["z-a", "z-b"], "synthetic": True},
        geometry=[
            shapely.box(X0 + 130, Y0 + 170, X0 + 640, Y0 + 560),
            shapely.Polygon([(X0 + 900, Y0 + 420), (X0 + 1350, Y0 + 380), (X0 + 1120, Y0 + 930)]),
        ],
        crs=GK,
    )


RULE = constraint_rule("must_not_occupy", "永久基本农田", "zones", 1.0)


def _outcome(zones: gpd.GeoDataFrame, farmland: gpd.GeoDataFrame) -> tuple:
    layers = {"zones": zones, "永久基本农田": farmland}
    rows = pd.DataFrame(must_not_occupy(layers, RULE))
    pieces = conflict_pieces(layers, [RULE], class_field="YDYHFLDM")
    return rows, pieces


def test_near_features_are_few() -> None:
    near = constraints_module._near(_farmland(), _zones(), _zones().crs)
    assert 0 < len(near) < len(_farmland()) / 2


@pytest.mark.parametrize("zones_crs", [GK, "EPSG:4326"])
def test_rows_and_pieces_as_when_dissolving_everything(zones_crs: str) -> None:
    zones = _zones().to_crs(zones_crs)
    rows, pieces = _outcome(zones, _farmland())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            constraints_module,
            "_near",
            lambda constraint, features, crs: np.arange(len(constraint)),
        )
        all_rows, all_pieces = _outcome(zones, _farmland())
    assert list(rows["status"]) == list(all_rows["status"]) == ["FAIL", "FAIL"]
    np.testing.assert_allclose(rows["occupied_m2"], all_rows["occupied_m2"], rtol=1e-9)
    assert list(pieces["zone_id"]) == list(all_pieces["zone_id"])
    assert list(pieces["class_code"]) == list(all_pieces["class_code"])
    assert list(pieces["constraint_ids"]) == list(all_pieces["constraint_ids"])
    np.testing.assert_allclose(pieces["area_m2"], all_pieces["area_m2"], rtol=1e-9)
    assert pieces["synthetic"].all()


def test_occupied_area_is_the_farmland_inside_the_zone() -> None:
    """Independent figure: zone A over the farmland cells, by shapely in the plane."""
    rows, _ = _outcome(_zones(), _farmland())
    zone_a = _zones().geometry.iloc[0]
    planar_m2 = sum(zone_a.intersection(c).area for c in _farmland().geometry)
    occupied = rows.set_index("id").loc["z-a", "occupied_m2"]
    assert occupied == pytest.approx(planar_m2, rel=2e-3)  # GK scale factor and the ellipsoid


def test_farmland_far_from_every_zone_occupies_nothing() -> None:
    far = _farmland()
    far = far.set_geometry(far.translate(50_000, 0))
    rows, pieces = _outcome(_zones(), far)
    assert list(rows["status"]) == ["PASS", "PASS"]
    assert list(rows["occupied_m2"]) == [0.0, 0.0]
    assert len(pieces) == 0
