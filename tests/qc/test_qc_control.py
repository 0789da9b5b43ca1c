"""``control_area_mismatch``: each unit's 图斑 add up to its control area and lie inside it.

Synthetic (示例数据): the survey coverage of ``tests/survey.py`` cut by its zones
(A, B1, B2, ids ``DYBH``), each piece carrying its zone in ``ZLDWDM``. The zones'
edges have no vertex where the parcels' corners lie on them, so the pieces add up
to each zone only to the lenses of :mod:`spatial.measure.reconcile` (here 0.001-0.002 m²),
which the stated tolerance absorbs; a unit off is found against the tests' own
area oracle.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from survey import X0, Y0, oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main
from spatial.errors import LayerError
from spatial.qc import inspect
from spatial.qc.packs import load_packs

PACK = """
[pack]
name = "control"

[rules.unit_area]
kind = "control_area_mismatch"
severity = "error"
source = "《第二次全国土地调查数据库面积汇总统计规定》: a unit's control area = the sum of its 图斑"
control_layer = "units"
unit_field = "ZLDWDM"
control_id_field = "DYBH"
"""
#: Zone B2 grown 10 m north, beyond every parcel: the unit off.
STRIP = shapely.box(X0 + 1200.0, Y0 + 1000.0, X0 + 2400.0, Y0 + 1010.0)


def pieces() -> gpd.GeoDataFrame:
    """The parcels cut by the zones: each piece's unit in ZLDWDM, its id BSM-unit."""
    cut = gpd.overlay(survey_parcels(), survey_zones(), how="intersection", keep_geom_type=True)
    cut["BSM"] = cut["BSM"] + "-" + cut["DYBH"]
    cut = cut.rename(columns={"DYBH": "ZLDWDM", "note_1": "note"})
    return cut[["BSM", "ZLDWDM", "note", "geometry"]].reset_index(drop=True)


def grown_zones() -> gpd.GeoDataFrame:
    zones = survey_zones()
    b2 = zones["DYBH"] == "B2"
    zones.loc[b2, "geometry"] = zones.loc[b2, "geometry"].union(STRIP)
    return zones


@pytest.fixture
def pack(tmp_path):
    path = tmp_path / "control.toml"
    path.write_text(PACK, encoding="utf-8")
    return str(path)


def _control(parcels, zones, pack):
    layers = {"parcels.gpkg": parcels, "units.gpkg": zones}
    return inspect(layers, id_field="BSM", packs=[pack]).findings


def test_the_rule_reads_its_parameters_and_the_stated_default_tolerance(pack):
    rule = load_packs([pack])["unit_area"]
    assert rule.params == {
        "control_layer": "units",
        "unit_field": "ZLDWDM",
        "control_id_field": "DYBH",
        "tolerance_pct": 0.01,
        "tolerance_m2": 1.0,
    }


def test_units_whose_pieces_add_up_give_no_finding_despite_the_lenses(pack):
    parcels = pieces()
    units = parcels["ZLDWDM"].to_numpy()
    zones = survey_zones()
    closures = []
    for zone, geom in zip(zones["DYBH"], zones.geometry, strict=True):
        total = sum(
            oracle_area_m2(g) for g, u in zip(parcels.geometry, units, strict=True) if u == zone
        )
        closure = abs(total - oracle_area_m2(geom))
        assert closure < 1e-4 * oracle_area_m2(geom)  # inside the tolerance
        closures.append(closure)
    assert max(closures) > 1e-4  # the lenses are there: the pieces do not add up exactly
    assert _control(parcels, zones, pack) == ()


def test_one_unit_off_is_found_with_its_difference(pack):
    parcels, zones = pieces(), grown_zones()
    found = _control(parcels, zones, pack)
    assert [(f.kind, f.layer, f.feature_id, f.unit) for f in found] == [
        ("control_area_mismatch", "units.gpkg", "B2", "m2")
    ]
    b2 = zones.geometry[zones["DYBH"] == "B2"].iloc[0]
    total = sum(oracle_area_m2(g) for g in parcels.geometry[parcels["ZLDWDM"] == "B2"])
    assert found[0].value == pytest.approx(total - oracle_area_m2(b2), abs=0.01)
    assert found[0].value == pytest.approx(
        -oracle_area_m2(STRIP), abs=20.0
    )  # the strip, ~12,000 m²
    assert found[0].source.startswith("《第二次全国土地调查数据库面积汇总统计规定》")


def test_a_piece_outside_its_unit_is_found_with_the_area_outside(pack):
    parcels = pieces()
    moved = parcels.index[parcels["BSM"] == "N00-A"][0]
    parcels.loc[moved, "ZLDWDM"] = "B1"
    found = _control(parcels, survey_zones(), pack)
    units = {(f.feature_id, round(float(f.value))) for f in found if f.layer == "units.gpkg"}
    piece_m2 = oracle_area_m2(parcels.geometry[moved])
    assert units == {("A", round(-piece_m2)), ("B1", round(piece_m2))}
    (outside,) = [f for f in found if f.layer == "parcels.gpkg"]
    assert (outside.feature_id, outside.unit) == ("N00-A", "m2")
    assert outside.value == pytest.approx(piece_m2, rel=1e-9)
    assert outside.geometry.area == pytest.approx(parcels.geometry[moved].area, rel=1e-12)


def test_a_piece_naming_an_unknown_unit_is_found(pack):
    parcels = pieces()
    parcels.loc[0, "ZLDWDM"] = "Z9"
    found = [f for f in _control(parcels, survey_zones(), pack) if f.layer == "parcels.gpkg"]
    assert [(f.feature_id, f.value) for f in found] == [(parcels["BSM"][0], "Z9")]


def test_on_the_command_line_one_unit_off_exits_1(pack, tmp_path, capsys):
    parcels, units = tmp_path / "parcels.gpkg", tmp_path / "units.gpkg"
    pieces().to_file(parcels)
    grown_zones().to_file(units)
    assert main(["qc", str(parcels), str(units), "--pack", pack, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["feature_id"]) for f in data["findings"]] == [
        ("control_area_mismatch", "B2")
    ]


def test_a_control_layer_not_given_is_exit_2(pack, tmp_path, capsys):
    parcels = tmp_path / "parcels.gpkg"
    pieces().to_file(parcels)
    assert main(["qc", str(parcels), "--pack", pack]) == 2
    err = capsys.readouterr().err
    assert "control_layer 'units' is not among the layers given" in err and "Traceback" not in err


def test_a_missing_unit_field_is_exit_2(pack, tmp_path, capsys):
    parcels, units = tmp_path / "parcels.gpkg", tmp_path / "units.gpkg"
    pieces().drop(columns="ZLDWDM").to_file(parcels)
    survey_zones().to_file(units)
    assert main(["qc", str(parcels), str(units), "--pack", pack]) == 2
    err = capsys.readouterr().err
    assert "parcels.gpkg: no field 'ZLDWDM'" in err and "unit_field" in err


def test_geometries_in_gk_and_the_control_in_lonlat_agree(pack):
    zones = grown_zones().to_crs(4490)
    found = _control(pieces(), zones, pack)
    assert [(f.feature_id, f.layer) for f in found] == [("B2", "units.gpkg")]


def test_the_error_layer_holds_the_unit_off_in_the_control_layers_crs(pack, tmp_path):
    parcels, units, errors = (tmp_path / n for n in ("parcels.gpkg", "units.gpkg", "e.gpkg"))
    pieces().to_file(parcels)
    grown_zones().to_crs(4490).to_file(units)
    assert main(["qc", str(parcels), str(units), "--pack", pack, "--errors-out", str(errors)]) == 1
    drawn = gpd.read_file(errors, layer="qc_findings_units")
    # the unit named by its layer's own id field (control_id_field), as the planner reads it
    assert drawn.crs.to_epsg() == 4490 and list(drawn["DYBH"]) == ["B2"]
    b2 = grown_zones().to_crs(4490).geometry[2]
    assert drawn.geometry[0].equals_exact(b2, tolerance=1e-12)
    assert gpd.read_file(errors, layer="qc_findings_parcels").empty


def test_a_control_layer_need_not_hold_the_fields_named(pack):
    """``--id-field BSM --class-field ...`` name the 图斑's fields; units.gpkg has DYBH only."""
    parcels, zones = pieces(), grown_zones()
    parcels["YDYHFLDM"] = "0101"
    layers = {"parcels.gpkg": parcels, "units.gpkg": zones}
    found = inspect(layers, id_field="BSM", class_field="YDYHFLDM", packs=["default", pack])
    assert [(f.kind, f.layer) for f in found.findings] == [("control_area_mismatch", "units.gpkg")]
    with pytest.raises(LayerError, match=r"parcels\.gpkg: no field 'DYBH' for --id-field"):
        inspect(layers, id_field="DYBH", packs=["default", pack])
