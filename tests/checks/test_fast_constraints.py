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


def test_rows_and_pieces_share_one_cut_per_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    from spatial.checks.prepare import prepare_layers  # noqa: PLC0415 - as run_checks has them
    from spatial.checks.run import run_checks  # noqa: PLC0415 - the whole check

    layers = {"zones": _zones(), "永久基本农田": _farmland()}
    within = constraint_rule("must_lie_within", "永久基本农田", "zones", 1.0)
    own = prepare_layers(layers).own
    rows = pd.DataFrame(must_not_occupy(own, RULE))  # each cut on its own, the plain way
    pieces = conflict_pieces(own, [RULE, within], class_field="YDYHFLDM")
    cuts: list[str] = []
    real = constraints_module._cut

    def counted(layers, rule, *class_field):  # type: ignore[no-untyped-def]
        cuts.append(rule.id)
        return real(layers, rule, *class_field)

    monkeypatch.setattr(constraints_module, "_cut", counted)
    report = run_checks(layers, targets=[], rules=[RULE, within], class_field="YDYHFLDM")
    assert sorted(cuts) == sorted([RULE.id, within.id])  # once each, for rows and pieces
    got = report.rules[report.rules["rule"] == RULE.id].reset_index(drop=True)
    pd.testing.assert_frame_equal(got[rows.columns], rows, check_dtype=False)
    pd.testing.assert_frame_equal(report.conflicts, pieces)
    assert set(pieces["kind"]) == {"must_not_occupy", "must_lie_within"}
    assert (got["occupied_m2"] > 0).all()  # both zones lie partly on the farmland
    # outside the context, each call cuts again
    cuts.clear()
    must_not_occupy(layers, RULE)
    must_not_occupy(layers, RULE)
    assert cuts == [RULE.id, RULE.id]
