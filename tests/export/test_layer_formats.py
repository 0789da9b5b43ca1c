"""The one registry of layer formats; FlatGeobuf added to it as one module (issue 19, item 3)."""

from __future__ import annotations

import pkgutil
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

import spatial.export.layer_formats as registry
from spatial.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import survey_parcels, survey_zones


def test_every_module_of_the_package_is_a_registered_format():
    modules = {m.name for m in pkgutil.iter_modules(registry.__path__)}
    assert modules == {"fgb", "gdb", "gpkg", "postgis"}
    found = {fmt.name: fmt for fmt in registry.layer_formats()}
    assert sorted(found) == ["File Geodatabase", "FlatGeobuf", "GeoPackage", "PostGIS"]
    assert registry.format_for("parts.FGB") is found["FlatGeobuf"]
    assert registry.format_for("postgresql://u@h/db?table=t") is found["PostGIS"]
    assert registry.format_for("plan.csv") is None
    assert not found["FlatGeobuf"].multi_layer and found["FlatGeobuf"].streaming


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    zones, parcels = tmp_path / "zones.gpkg", tmp_path / "parcels.gpkg"
    survey_zones().to_file(zones, engine="pyogrio")
    # the parcels south of the road only: the northern half of each zone is left
    south = survey_parcels()
    south = south[south.geometry.bounds["maxy"] <= south.geometry.bounds["miny"].min() + 500.5]
    south.to_file(parcels, engine="pyogrio")
    return zones, parcels


def test_overlay_writes_flatgeobuf(inputs, tmp_path, capsys):
    zones, parcels = inputs
    out = tmp_path / "parts.fgb"
    call = ["overlay", str(zones), str(parcels), "--op", "difference", "--id-field", "zones=DYBH"]
    assert main([*call, "--out", str(out)]) == 0
    assert f"wrote {out}::difference" in capsys.readouterr().err
    info = pyogrio.read_info(out)
    assert info["driver"] == "FlatGeobuf" and info["crs"] == "EPSG:4544"
    parts = gpd.read_file(out, engine="pyogrio")
    # what the southern parcels leave of the zones: their northern halves, 2,400 m x 500 m
    assert parts.geometry.area.sum() == pytest.approx(2_400 * 500, rel=1e-6)
    assert not list(tmp_path.glob(".parts.fgb*"))  # no temporary left behind


def test_flatgeobuf_refuses_several_layers_in_one_line(tmp_path, capsys):
    zones = tmp_path / "zones.gpkg"
    survey_zones().to_file(zones, engine="pyogrio")
    out = tmp_path / "plan.fgb"
    code = main(["check", "--zones", str(zones), "--id-field", "DYBH", "--out", str(out)])
    assert code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if "plan.fgb" in line]
    assert len(err) == 1 and "a FlatGeobuf file holds one layer" in err[0]
    assert not out.exists()
