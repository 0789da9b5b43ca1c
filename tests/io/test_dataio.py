"""A planner's own data in and out (issue 12): ids and names, frames, CAD, Excel, QGIS, File GDB.

Each test reproduces a failure a new user met with their own files; the figures
are checked against independent computations (pyproj's geodesic areas).
"""

from __future__ import annotations

import json
import sqlite3

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
from shapely.geometry import LineString
from strip_reference import area_m2 as strip_reference_m2

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.measure.gcj02 import wgs84_to_gcj02_geometry


def _zones() -> gpd.GeoDataFrame:
    return read_layer(bundled_layer_path("zones"))


def _km2(geom) -> float:
    """The area of record by an independent implementation of the strip rule, km²."""
    return strip_reference_m2(geom) / 1e6


def _csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.lstrip("\ufeff").splitlines()]


# --- ids and names ------------------------------------------------------------------


def test_other_ids_with_the_plan_names_pass_and_say_matched_by_name(tmp_path, capsys):
    zones = _zones().assign(id=["A1", "A2", "A3", "A4", "A5"])
    path = tmp_path / "mine.geojson"
    zones.to_file(path)
    assert main(["check", "--zones", str(path)]) == 0
    err = capsys.readouterr().err
    assert "target zone-kcxz (西部（重庆）科技创新小镇) matched by name: feature A1" in err


def test_unknown_ids_and_names_list_the_closest_names(tmp_path, capsys):
    zones = _zones().assign(id=["A1", "A2", "A3", "A4", "A5"])
    zones.loc[0, "name_zh"] = "西部科技创新小镇"  # not the plan's name exactly
    path = tmp_path / "mine.geojson"
    zones.to_file(path)
    assert main(["check", "--zones", str(path), "--format", "csv"]) == 1
    err = capsys.readouterr().err
    assert "FAIL target zone-kcxz: not found in the layer (closest: 西部科技创新小镇 (id A1)" in err


def test_id_field_for_every_input_and_for_one(tmp_path, capsys):
    zones = _zones().rename(columns={"id": "CODE"})
    path = tmp_path / "coded.gpkg"
    zones.to_file(path)
    assert (
        main(["check", "--zones", str(path), "--id-field", "CODE", "--name-field", "zones=name_en"])
        == 0
    )
    assert "ids from field 'CODE', names from field 'name_en'" in capsys.readouterr().err
    assert main(["check", "--zones", str(path), "--id-field", "zones=NOPE"]) == 2
    assert "no field 'NOPE' for --id-field; its fields are CODE, name_zh" in capsys.readouterr().err
    assert main(["check", "--zones", str(path), "--id-field", "towns=CODE"]) == 2
    assert "--id-field towns=CODE: no input 'towns' here; inputs: zones" in capsys.readouterr().err


def test_kml_id_renamed_by_gdal_is_found_by_validate_and_check(tmp_path, capsys):
    path = tmp_path / "zones.kml"
    pyogrio.write_dataframe(_zones(), path, driver="KML")
    assert "id2" in pyogrio.read_dataframe(path).columns  # what GDAL does to the id field
    assert read_layer(path)["id"].tolist() == _zones()["id"].tolist()
    assert main(["validate", str(path)]) == 0
    assert main(["check", "--zones", str(path)]) == 0
    assert "ids from field 'id2' (the KML driver reads the placemark id" in capsys.readouterr().err


# --- frames -----------------------------------------------------------------------------


def test_crs_rescues_a_geojson_in_metres_without_a_crs_member(tmp_path, capsys):
    gk = json.loads(_zones().to_crs(4544).to_json())
    gk.pop("crs", None)
    path = tmp_path / "gk.geojson"
    path.write_text(json.dumps(gk), encoding="utf-8")
    assert main(["check", "--zones", str(path)]) == 2
    assert "give --crs EPSG:4544" in capsys.readouterr().err
    assert main(["validate", str(path), "--crs", "EPSG:4544"]) == 0
    assert (
        main(["check", "--zones", str(path), "--crs", "zones=EPSG:4544", "--format", "json"]) == 0
    )
    captured = capsys.readouterr()
    assert "coordinates read as EPSG:4544, as --crs says, not as EPSG:4326" in captured.err
    rows = {r["id"]: r for r in json.loads(captured.out)["targets"]}
    expected = _km2(_zones().set_index("id").geometry["zone-kcxz"])
    assert rows["zone-kcxz"]["measured_km2"] == pytest.approx(expected, rel=1e-6)


def test_shapefile_without_prj_in_zone_prefixed_metres_names_its_zone(tmp_path, capsys):
    path = tmp_path / "noprj.shp"
    pyogrio.write_dataframe(_zones().to_crs(4523)[["id", "geometry"]], path)
    path.with_suffix(".prj").unlink()
    assert main(["check", "--zones", str(path)]) == 2
    err = capsys.readouterr().err
    assert "zone 35 (CM 105°E), easting with zone prefix: give --crs EPSG:4523" in err
    assert "crs='" not in err


@pytest.mark.parametrize("command", ["check", "map", "validate", "overlay"])
def test_crs_nonsense_is_a_bad_call_exit_2(command, tmp_path, capsys):
    path = str(bundled_layer_path("zones"))
    html = str(tmp_path / "m.html")
    args = {
        "check": ["--zones", path],
        "map": ["--zones", path, "--offline", "--out", html],
        "validate": [path],
        "overlay": [path, path],
    }[command]
    assert main([command, *args, "--crs", "nonsense"]) == 2
    assert "--crs nonsense: not a CRS; give an EPSG code" in capsys.readouterr().err
    assert not (tmp_path / "m.html").exists()


def test_gcj02_export_is_converted_on_reading_and_said(tmp_path, capsys):
    zones = _zones()
    shifted = zones.set_geometry(wgs84_to_gcj02_geometry(zones.geometry.array), crs=4326)
    path = tmp_path / "amap.geojson"
    shifted.to_file(path)
    back = read_layer(path, input_frame="gcj02")
    for a, b in zip(back.geometry, zones.geometry, strict=True):
        assert a.hausdorff_distance(b) < 1e-7  # degrees: about 1 cm
    assert main(["check", "--zones", str(path), "--input-frame", "zones=gcj02"]) == 0
    err = capsys.readouterr().err
    assert "converted from GCJ-02 (AMap/奥维) to WGS84 on reading (moved" in err
    assert main(["check", "--zones", str(path), "--input-frame", "mars"]) == 2


# --- CAD ------------------------------------------------------------------------------------


def test_dxf_closed_polylines_become_polygons_open_ones_reported_by_handle(tmp_path, capsys):
    zones = _zones().to_crs(4544)
    outlines = zones.assign(Layer=zones["id"]).set_geometry(zones.boundary)[["Layer", "geometry"]]
    road = gpd.GeoDataFrame(
        {"Layer": ["ROAD"]}, geometry=[LineString([(421000, 3270000), (425000, 3275000)])], crs=4544
    )
    path = tmp_path / "plan.dxf"
    pyogrio.write_dataframe(
        gpd.GeoDataFrame(gpd.pd.concat([outlines, road], ignore_index=True), crs=4544),
        path,
        driver="DXF",
    )
    assert main(["check", "--zones", str(path), "--crs", "EPSG:4544"]) == 2
    err = capsys.readouterr().err
    default = "(the default id field: neither --id-field nor spatial.toml's id_field names one)"
    assert f"no field 'id' {default}; its fields are Layer, " in err
    args = [
        "check",
        "--zones",
        str(path),
        "--crs",
        "EPSG:4544",
        "--polygonize",
        "--id-field",
        "Layer",
    ]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "5 closed polyline(s) made polygons, 0 hatch(es) kept" in err
    assert "1 open polyline(s) left out: handle " in err and "(layer ROAD)" in err


# --- outputs for office tools ---------------------------------------------------------------


def test_csv_starts_with_a_bom_unless_no_bom(tmp_path, capsys):
    assert main(["check", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufefftable,id,name_zh")
    assert main(["check", "--format", "csv", "--no-bom"]) == 0
    assert capsys.readouterr().out.startswith("table,id,name_zh")
    target = tmp_path / "r.csv"
    assert main(["overlay", str(bundled_layer_path("zones")), str(bundled_layer_path("clusters")),
                 "--out", str(target)]) == 0  # fmt: skip
    assert target.read_bytes().startswith(b"\xef\xbb\xbfa_id,b_id,area_km2")


def test_xlsx_has_units_in_headers_and_numbers_as_numbers(tmp_path):
    out = tmp_path / "check.xlsx"
    assert main(["check", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["targets", "rules"]
    sheet = book["targets"]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["id", "name_zh", "measured_km2 (km²)", "target_km2 (km²)"]
    row = {h: c.value for h, c in zip(headers, sheet[2], strict=True)}
    assert row["id"] == "zone-kcxz" and isinstance(row["measured_km2 (km²)"], float)
    expected = _km2(_zones().set_index("id").geometry["zone-kcxz"])
    assert row["measured_km2 (km²)"] == pytest.approx(expected, rel=1e-9)
    ov = tmp_path / "ov.xlsx"
    zones, clusters = str(bundled_layer_path("zones")), str(bundled_layer_path("clusters"))
    assert main(["overlay", zones, clusters, "--format", "xlsx", "--out", str(ov)]) == 0
    assert openpyxl.load_workbook(ov)["intersection"]["C1"].value == "area_km2 (km²)"
    assert main(["overlay", zones, clusters, "--format", "xlsx"]) == 2  # a workbook needs --out


# --- where the data lives -------------------------------------------------------------------


def test_geopackage_results_carry_qgis_styles(tmp_path):
    out = tmp_path / "plan.gpkg"
    assert main(["check", "--out", str(out)]) == 0
    layers = dict(pyogrio.list_layers(out))
    assert {"targets", "rules", "zones", "district", "towns"} <= set(layers)
    with sqlite3.connect(out) as db:
        styles = dict(
            db.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault")
        )
    assert {"targets", "zones", "district", "corridor", "towns"} <= set(styles)
    assert 'attr="style_class"' in styles["zones"] and "26,152,80" in styles["zones"]  # #1a9850
    zones = read_layer(f"{out}::zones")
    assert set(zones["style_class"]) == {"PASS"} and set(zones["status"]) == {"PASS"}


def test_file_geodatabase_written_and_read_back_by_layer(tmp_path, capsys):
    gdb = tmp_path / "PLAN.gdb"
    assert main(["check", "--out", str(gdb)]) == 0
    zones = read_layer(f"{gdb}::zones")
    assert sorted(zones["id"]) == sorted(_zones()["id"])
    assert main(["check", "--zones", f"{gdb}::zones"]) == 0
    assert main(["check", "--out", str(gdb)]) == 0  # written again, replaced whole
    assert main(["check", "--zones", f"{gdb}::GHFQ"]) == 2
    err = capsys.readouterr().err
    assert "wrote " + f"{gdb}::corridor_lines" in err  # a feature class holds one geometry type
    assert "has no layer 'GHFQ'; its layers are targets, rules" in err


# --- choosing features ----------------------------------------------------------------------


def test_coverage_of_the_corridor_needs_a_choice_and_where_gives_it(capsys):
    zones, corridor = str(bundled_layer_path("zones")), str(bundled_layer_path("corridor"))
    base = [
        "overlay",
        zones,
        corridor,
        "--op",
        "coverage",
        "--distance-m",
        "1000",
        "--format",
        "json",
    ]
    assert main(base) == 2
    assert "mixes 1 lines, 1 polygons" in capsys.readouterr().err
    assert main([*base, "--where", "b:kind=avenue"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["zone-kcxz"]["share_within"] == pytest.approx(
        0.132, abs=0.001
    )  # the 13.2 %
    assert main(["overlay", zones, corridor, "--where", "b:kind=corridor", "--format", "json"]) == 0
    assert main([*base, "--where", "b:kind=nothing"]) == 2
    assert "chooses no feature; kind holds avenue, corridor" in capsys.readouterr().err


def test_overlaps_and_matrix_refuse_a_b_they_do_not_use(capsys):
    zones = str(bundled_layer_path("zones"))
    assert main(["overlay", zones, zones, "--op", "overlaps"]) == 2
    assert "does not use B" in capsys.readouterr().err
    assert main(["overlay", zones, "--op", "matrix", "--format", "csv"]) == 0


# --- the Python API -------------------------------------------------------------------------


def test_render_map_with_the_layers_first_is_refused_in_one_line(tmp_path):
    from spatial import load_plan_layers, render_map  # noqa: PLC0415

    with pytest.raises(TypeError, match=r"the output path comes first, got dict \(the layers\?\)"):
        render_map(load_plan_layers(), tmp_path / "m.html")
    assert not (tmp_path / "m.html").exists()


def test_check_report_shows_as_html_in_a_notebook():
    from spatial import run_checks  # noqa: PLC0415

    html = run_checks()._repr_html_()
    assert html.startswith("<p><b>all pass: 5/5 targets PASS, 46/46 rule checks PASS</b></p>")
    assert "<h4>Area targets</h4>" in html and "zone-kcxz" in html and "15.0003" in html


def test_read_layer_takes_the_same_options_as_the_command_line(tmp_path):
    path = tmp_path / "coded.gpkg"
    _zones().rename(columns={"id": "CODE", "name_zh": "名称"}).to_file(path)
    mine = read_layer(path, crs="EPSG:4490", id_field="CODE", name_field="名称")
    assert mine.crs.to_epsg() == 4490 and {"id", "name_zh"} <= set(mine.columns)
    assert mine.attrs["read_notes"][-1].endswith("ids from field 'CODE', names from field '名称'")


def test_overlay_functions_take_one_set_of_id_keywords_and_zeros_on_request():
    from spatial import (  # noqa: PLC0415
        assign_points,
        buffer_coverage,
        difference,
        load_plan_layers,
        overlap_matrix,
        overlaps,
        tabulate_intersection,
    )

    layers = load_plan_layers()
    zones = layers["zones"].rename(columns={"id": "code"})
    band = layers["corridor"][layers["corridor"]["id"] == "corridor-band"]
    avenue = layers["corridor"][layers["corridor"]["id"] != "corridor-band"]
    assert list(difference(zones, band, a_id_field="code")["code"]) == list(zones["code"])
    assert "code" in buffer_coverage(zones, avenue, 500.0, a_id_field="code").columns
    assert overlap_matrix(zones, id_field="code", form="square").shape == (5, 5)
    assert set(overlaps(zones, id_field="code")["a_id"]) <= set(zones["code"])
    assert len(assign_points(layers["platforms"], zones, b_id_field="code")) >= 4
    # the older keywords still work, and one of each pair is asked for
    assert overlaps(zones, a_id="code").equals(overlaps(zones, id_field="code"))
    older = assign_points(layers["platforms"], zones, polygon_id="code")
    assert older.equals(assign_points(layers["platforms"], zones, b_id_field="code"))
    with pytest.raises(TypeError, match="give a_id_field= or id_col=, not both"):
        difference(zones, band, a_id_field="code", id_col="code")
    table = tabulate_intersection(zones, band, a_id_field="code", all_a=True)
    assert sorted(table["a_id"]) == sorted(zones["code"])  # every zone, the untouched last
    outside = table.set_index("a_id").loc["zone-community"]
    assert outside["area_km2"] == 0.0 and outside["b_id"] is None
