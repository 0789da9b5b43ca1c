"""Layers moved to lon/lat only when something draws them: a CSV check never moves the constraint.

Synthetic (示例数据): the survey zones of ``tests/survey.py`` (EPSG:4544) and a
constraint of 100 m parcels over them (``tests/grids.py``). A ``check`` written
as CSV or JSON reads no layer in lon/lat but the zones (their area targets);
the 三区三线 layer, judged in its own CRS, is never converted, and its
Gauss–Krüger zone (for the rules' distances) is told from its bounds. A map
(the snapshot) still draws it, moved exactly as ``to_crs`` moves it; the zone
chosen from bounds is the one every layer in lon/lat gives, near a zone's edge
too (where the layer is converted to decide).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from grids import grid_parcels
from pyproj import Transformer
from survey import X0, Y0, survey_zones

from spatial.checks import prepare
from spatial.checks.constraints import constraint_rule
from spatial.checks.prepare import LonLatLayers, select_layers
from spatial.checks.run import run_checks
from spatial.checks.snapshot import take_snapshot
from spatial.cli import main
from spatial.crs import gk_zone_crs_for
from spatial.io.layers import load_plan_layers

FARMLAND = "永久基本农田"
CODES = ["0101", "0102", "0103"]


def _farmland() -> gpd.GeoDataFrame:
    """2,500 parcels of 100 m over the survey zones (and beyond), EPSG:4544, 示例数据."""
    grid = grid_parcels(50, 50, CODES, (X0 - 1_000.0, Y0 - 1_000.0), id_digits=4)
    return grid.assign(note="示例数据 synthetic")


def _zones() -> gpd.GeoDataFrame:
    return survey_zones().rename(columns={"DYBH": "id"})


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The ids of every layer :func:`prepare.to_lonlat` moves, in order."""
    calls: list[set[str]] = []
    original = prepare.to_lonlat

    def recording(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        calls.append(set(gdf["id"].astype(str)) if "id" in gdf.columns else set())
        return original(gdf)

    monkeypatch.setattr(prepare, "to_lonlat", recording)
    return calls


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_table_run_never_moves_the_constraint(fmt, tmp_path, moved) -> None:
    zones, farmland = tmp_path / "zones.parquet", tmp_path / "farmland.parquet"
    _zones().to_parquet(zones)
    _farmland().to_parquet(farmland)
    out = tmp_path / f"check.{fmt}"
    args = ["check", "--zones", str(zones), "--constraint", f"{FARMLAND}={farmland}"]
    assert main([*args, "--format", fmt, "--out", str(out)]) == 1  # the zones occupy farmland
    constraint_ids = set(_farmland()["id"])
    assert moved, "the zones' targets read them in lon/lat"
    assert not any(ids & constraint_ids for ids in moved)
    assert {"A", "B1", "B2"} in moved  # the zones were


def test_the_report_moves_a_layer_when_read_and_once() -> None:
    layers = {**load_plan_layers(), "zones": _zones(), FARMLAND: _farmland()}
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 0.0)
    report = run_checks(layers, rules=[rule], targets=[], sources={"zones": "z"})
    assert isinstance(report.layers, LonLatLayers)
    assert FARMLAND in report.layers and FARMLAND not in report.layers.converted
    drawn = report.layers[FARMLAND]
    assert report.layers[FARMLAND] is drawn  # once
    expected = _farmland().to_crs(4326)
    assert list(drawn.geometry.to_wkb()) == list(expected.geometry.to_wkb())
    assert list(drawn["id"]) == list(expected["id"])
    theirs = select_layers(report.layers, ["zones", FARMLAND])
    assert list(theirs) == ["zones", FARMLAND]
    assert theirs[FARMLAND] is drawn  # the conversion shared, not made again
    alone = select_layers(report.layers, [FARMLAND])
    assert "zones" in report.layers.converted and alone.converted == {FARMLAND}
    with pytest.raises(KeyError):
        alone["zones"]  # moved for the report, yet not one of these layers


def test_a_map_draws_the_constraint_as_before() -> None:
    layers = {**load_plan_layers(), "zones": _zones(), FARMLAND: _farmland()}
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 0.0)
    files = {"zones": "zones.parquet", FARMLAND: "farmland.parquet"}
    snap = take_snapshot(layers, files, rules=[rule], targets=[], bundled=False)
    drawn = snap.drawn[FARMLAND]
    expected = _farmland().to_crs(4326)
    assert drawn.crs.equals(expected.crs)
    assert list(drawn.geometry.to_wkb()) == list(expected.geometry.to_wkb())
    pd.testing.assert_frame_equal(  # ids as text (object), as the checks make them
        drawn.drop(columns="geometry"), expected.drop(columns="geometry"), check_dtype=False
    )
    assert float(snap.report.conflicts["area_m2"].sum()) > 0


def _eager_zone(layers: dict[str, gpd.GeoDataFrame]):
    return gk_zone_crs_for(*(gdf.to_crs(4326) for gdf in layers.values()))


def test_the_zone_from_bounds_is_the_zone_of_the_layers_moved() -> None:
    layers = {"zones": _zones(), FARMLAND: _farmland()}
    lonlat = LonLatLayers(layers)
    assert lonlat.gk_zone().equals(_eager_zone(layers))
    assert lonlat.gk_zone().to_epsg() == 4544
    assert lonlat.converted == {"zones"}  # the small layer read exactly, the large one bounded


def _grid_at(lon_deg: float, lat_deg: float, epsg: int) -> gpd.GeoDataFrame:
    """2,500 parcels of 100 m whose south-west corner is at ``lon_deg, lat_deg``, in ``epsg``."""
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon_deg, lat_deg)
    return grid_parcels(50, 50, CODES, (x, y), id_digits=4).to_crs(epsg)


@pytest.mark.parametrize("offset_deg", [-0.05, -0.0254, -0.0001, 0.0, 0.0001, 0.03])
def test_near_a_zone_edge_the_layer_is_moved_to_decide(offset_deg) -> None:
    # the farmland spans about 0.052° of longitude; its centre falls near 106.5°E, an edge
    farmland = _grid_at(106.5 - 0.026 + offset_deg, 29.6, 4544)
    layers = {FARMLAND: farmland}
    lonlat = LonLatLayers(layers)
    got = lonlat.gk_zone()
    assert got.equals(_eager_zone(layers))
    if abs(offset_deg) < 0.001:
        assert FARMLAND in lonlat.converted  # the bounds could not settle it
    if abs(offset_deg) > 0.02:
        assert FARMLAND not in lonlat.converted


def test_layers_with_no_feature_and_empty_geometries() -> None:
    farmland = _farmland()
    farmland.loc[:9, "geometry"] = shapely.Polygon()  # empty: no box, as to_crs leaves them
    empty = farmland.iloc[:0]
    assert LonLatLayers({"e": empty}).gk_zone() is None
    layers = {"e": empty, FARMLAND: farmland}
    assert LonLatLayers(layers).gk_zone().equals(_eager_zone(layers))
    plain = select_layers(dict(layers), [FARMLAND])
    assert isinstance(plain, dict) and list(plain) == [FARMLAND]
    assert pd.isna(prepare._total_bounds(empty)).all()
