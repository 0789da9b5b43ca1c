"""The ground of failed rules: only the layers of a failed row's rule are made valid again.

Synthetic (示例数据): the survey zones of ``tests/survey.py`` (EPSG:4544) with
zone B1 stretched over A (a failed ``no_overlap``) and 2,500 parcels of 100 m
as a 三区三线 layer the zones occupy (failed ``must_not_occupy`` rows, which
have no piece here: their conflict pieces are the rule's own). The pieces are
those the eager path gives (every layer made valid first), row for row and
vertex for vertex; the constraint layer is never made valid again.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from grids import grid_parcels
from survey import X0, Y0, _box, survey_zones

from spatial.checks import pieces
from spatial.checks.constraints import constraint_rule
from spatial.checks.pieces import failure_pieces
from spatial.checks.run import run_checks
from spatial.io.layers import load_plan_layers
from spatial.plan import Rule

FARMLAND = "永久基本农田"
NO_OVERLAP = Rule(
    id="zones-no-overlap",
    kind="no_overlap",
    layer="zones",
    params={"max_overlap_m2": 0.0, "allowed_nesting": []},
)


def _layers() -> dict[str, gpd.GeoDataFrame]:
    zones = survey_zones().rename(columns={"DYBH": "id"})
    zones.loc[zones["id"] == "B1", "geometry"] = _box(1100.0, 0.0, 2400.0, 500.0)  # over A
    farmland = grid_parcels(50, 50, ["0101", "0103"], (X0 - 1_000.0, Y0 - 1_000.0), id_digits=4)
    return {**load_plan_layers(), "zones": zones, FARMLAND: farmland}


def test_only_the_failed_rules_layers_are_made_valid(monkeypatch) -> None:
    layers = _layers()
    rules = [NO_OVERLAP, constraint_rule("must_not_occupy", FARMLAND, "zones", 0.0)]
    report = run_checks(layers, rules=rules, targets=[])
    assert set(report.rules.loc[report.rules["status"] == "FAIL", "rule"]) == {r.id for r in rules}
    made: list[int] = []
    checked = pieces._checked

    def counting(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        made.append(len(gdf))
        return checked(gdf)

    monkeypatch.setattr(pieces, "_checked", counting)
    got = failure_pieces(layers, report.rules, rules)
    assert made == [len(layers["zones"])]  # the zones, once; not the 2,500 parcels
    monkeypatch.setattr(
        pieces,
        "_CheckedLayers",
        lambda given: {n: checked(g) for n, g in given.items() if "id" in g.columns},
    )
    eager = failure_pieces(layers, report.rules, rules)
    pd.testing.assert_frame_equal(
        got.drop(columns="geometry"), eager.drop(columns="geometry"), check_exact=True
    )
    assert list(got.geometry.to_wkb()) == list(eager.geometry.to_wkb())
    assert list(got["piece"]) == ["overlap"]
    overlap = shapely.intersection(_box(0.0, 0.0, 1200.0, 1000.0), _box(1100.0, 0.0, 2400.0, 500.0))
    assert overlap.area == 100.0 * 500.0
    # the area of record (ellipsoidal) against the Gauss-Krueger plane's
    assert float(got["area_km2"].iloc[0]) * 1e6 == pytest.approx(overlap.area, rel=1e-3)
