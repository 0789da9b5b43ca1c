"""``spatial diff``: a zone moved, one enlarged, one removed, one renamed, known by hand."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
from shapely import affinity
from tiny_geoms import LAT0, LON0, cell, square, square_area_m2

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.review.diff import diff_layers

D = 0.01


def _cells(i0: float, i1: float, j: float = 0):
    return cell(LON0 + i0 * D, LAT0 + j * D, LON0 + i1 * D, LAT0 + (j + 1) * D)


def _versions():
    old = gpd.GeoDataFrame(
        {
            "id": ["moved", "enlarged", "removed", "renamed", "same"],
            "name": ["M", "E", "R", "D", "S"],
            "YDYHFLDM": ["0101", "0301", "1704", "0701", "1202"],
        },
        geometry=[square(0, 0), square(2, 0), square(4, 0), square(6, 0), square(8, 0)],
        crs=4326,
    )
    new = gpd.GeoDataFrame(
        {
            "id": ["moved", "enlarged", "renamed", "same", "added"],
            "name": ["M", "E", "D2", "S", "A"],
            "YDYHFLDM": ["0101", "0301", "0701", "1202", "1401"],
        },
        geometry=[_cells(0.5, 1.5), _cells(2, 3.5), square(6, 0), square(8, 0), square(10, 0)],
        crs=4326,
    )
    return old, new


@pytest.fixture(scope="module")
def result():
    old, new = _versions()
    return diff_layers(old, new, class_field="YDYHFLDM")


def test_each_feature_gets_exactly_its_change(result):
    rows = result.features.set_index("id")
    assert rows.status.to_dict() == {
        "moved": "geometry_changed",
        "enlarged": "geometry_changed",
        "removed": "removed",
        "renamed": "attributes_changed",
        "same": "unchanged",
        "added": "added",
    }
    assert rows.loc["renamed", "changed_fields"] == "name"
    assert (rows.loc["same", "added_m2"], rows.loc["same", "removed_m2"]) == (0.0, 0.0)


def test_areas_added_and_removed_are_the_hand_known_cells(result):
    rows = result.features.set_index("id")
    assert rows.loc["moved", "added_m2"] == pytest.approx(square_area_m2(1, 0, di=0.5), rel=1e-6)
    assert rows.loc["moved", "removed_m2"] == pytest.approx(square_area_m2(0, 0, di=0.5), rel=1e-6)
    assert rows.loc["enlarged", "added_m2"] == pytest.approx(square_area_m2(3, 0, di=0.5), rel=1e-6)
    assert rows.loc["enlarged", "removed_m2"] == 0.0
    assert rows.loc["removed", "removed_m2"] == pytest.approx(square_area_m2(4, 0), rel=1e-6)
    assert rows.loc["added", "added_m2"] == pytest.approx(square_area_m2(10, 0), rel=1e-6)
    pieces = result.pieces.groupby(["id", "change"]).area_m2.sum()
    assert pieces[("moved", "added")] == pytest.approx(rows.loc["moved", "added_m2"], rel=1e-12)
    assert set(pieces.index) == {
        ("moved", "added"),
        ("moved", "removed"),
        ("enlarged", "added"),
        ("removed", "removed"),
        ("added", "added"),
    }


def test_geometry_wins_over_attributes():
    old, new = _versions()
    new.loc[new.id == "moved", "name"] = "M2"
    rows = diff_layers(old, new).features.set_index("id")
    assert rows.loc["moved", "status"] == "geometry_changed"
    assert rows.loc["moved", "changed_fields"] == "name"  # still listed


def test_from_class_to_class_matrix(result):
    m = result.matrix
    assert m.loc["0101", "0101"] == pytest.approx(square_area_m2(0.5, 0, di=0.5), rel=1e-6)
    assert m.loc["0101", "(none)"] == pytest.approx(square_area_m2(0, 0, di=0.5), rel=1e-6)
    assert m.loc["(none)", "0101"] == pytest.approx(square_area_m2(1, 0, di=0.5), rel=1e-6)
    assert m.loc["1704", "(none)"] == pytest.approx(square_area_m2(4, 0), rel=1e-6)
    assert m.loc["(none)", "1401"] == pytest.approx(square_area_m2(10, 0), rel=1e-6)


def _write(gdf, path):
    driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "shp": "ESRI Shapefile"}[path.suffix[1:]]
    gdf.to_file(path, driver=driver)
    return str(path)


@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "shp"])
def test_cli_json_on_each_format(suffix, tmp_path, capsys):
    old, new = _versions()
    a, b = _write(old, tmp_path / f"old.{suffix}"), _write(new, tmp_path / f"new.{suffix}")
    pieces = tmp_path / "pieces.gpkg"
    args = ["diff", a, b, "--no-checks", "--class-field", "YDYHFLDM", "--pieces-out", str(pieces)]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"features", "targets", "rules"}
    rows = {r["id"]: r for r in data["features"]}
    assert rows["renamed"]["status"] == "attributes_changed"
    assert rows["moved"]["added_m2"] == pytest.approx(square_area_m2(1, 0, di=0.5), rel=1e-6)
    assert set(rows["moved"]) >= {"id", "status", "added_m2", "removed_m2", "changed_fields"}
    assert len(gpd.read_file(pieces)) == 5


def test_cli_id_field_picks_the_matching_field(tmp_path, capsys):
    old, new = _versions()
    old, new = old.rename(columns={"id": "BSM"}), new.rename(columns={"id": "BSM"})
    a, b = _write(old, tmp_path / "old.gpkg"), _write(new, tmp_path / "new.gpkg")
    # no --id-field: BSM, unique and never blank, is taken (the rule of spatial init)
    assert main(["diff", a, b, "--no-checks", "--format", "json"]) == 0
    taken = capsys.readouterr()
    assert "old.gpkg: ids from BSM (unique, standard field)" in taken.err
    assert main(["diff", a, b, "--no-checks", "--id-field", "BSM", "--format", "json"]) == 0
    given = json.loads(capsys.readouterr().out)["features"]
    assert len(given) == 6
    assert json.loads(taken.out)["features"] == given  # the same table either way


def test_cli_a_target_going_from_pass_to_fail_exits_1(tmp_path, capsys):
    zones = read_layer(bundled_layer_path("zones"))
    scale = math.sqrt(1.1)
    grown = zones.copy()
    mask = grown.id == "zone-szjj"
    geom = grown.geometry[mask].iloc[0]
    grown.loc[mask, "geometry"] = affinity.scale(geom, scale, scale, origin=geom.centroid)
    new = _write(grown, tmp_path / "zones_v2.geojson")
    assert main(["diff", str(bundled_layer_path("zones")), new, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    target = {r["id"]: r for r in data["targets"]}["zone-szjj"]
    assert (target["old_status"], target["new_status"]) == ("PASS", "FAIL")
    assert len(data["targets"]) == 1  # only the rows whose status changed
    feature = {r["id"]: r for r in data["features"]}["zone-szjj"]
    assert feature["status"] == "geometry_changed"
    # the way back is an improvement, not a failure
    assert main(["diff", new, str(bundled_layer_path("zones")), "--format", "json"]) == 0
    capsys.readouterr()


def test_cli_a_rule_going_from_pass_to_fail_exits_1(tmp_path, capsys):
    # the old 'moved' ends where the red line starts; the new one overlaps it
    redline = gpd.GeoDataFrame({"id": ["r1"]}, geometry=[_cells(1, 1.4)], crs=4326)
    redline_path = _write(redline, tmp_path / "redline.geojson")
    old, new = _versions()
    a, b = _write(old, tmp_path / "old.gpkg"), _write(new, tmp_path / "new.gpkg")
    args = [
        "diff",
        a,
        b,
        "--rules",
        str(tmp_path / "rules.toml"),
        "--constraint",
        f"生态保护红线={redline_path}",
    ]
    (tmp_path / "rules.toml").write_text(
        '[[rules]]\nid = "no-overlap"\nkind = "no_overlap"\nlayer = "zones"\n'
        "max_overlap_m2 = 1.0\nallowed_nesting = []\n",
        encoding="utf-8",
    )
    assert main([*args, "--format", "json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    rules = {r["id"]: r for r in data["rules"] if r["kind"] == "must_not_occupy"}
    assert (rules["moved"]["old_status"], rules["moved"]["new_status"]) == ("PASS", "FAIL")
    assert (rules["added"]["old_status"], rules["added"]["new_status"]) == (None, "PASS")
    assert "PASS -> FAIL: zones-must-not-occupy-生态保护红线: moved" in captured.err


def test_cli_an_overlap_appearing_is_a_rule_going_from_pass_to_fail(tmp_path, capsys):
    # the no_overlap row names what the zone overlaps, so it must be matched without that name
    zones = read_layer(bundled_layer_path("zones"))
    moved = zones.copy()
    mask = moved.id == "zone-szjj"
    moved.loc[mask, "geometry"] = affinity.translate(moved.geometry[mask].iloc[0], yoff=-0.01)
    moved = moved.rename(columns={"id": "BSM"})
    new = _write(moved, tmp_path / "moved.gpkg")
    old = _write(zones.rename(columns={"id": "BSM"}), tmp_path / "old.gpkg")
    assert main(["diff", old, new, "--id-field", "BSM", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    rows = {(r["rule"], r["id"]): r for r in data["rules"]}
    row = rows[("zones-no-overlap", "zone-szjj")]
    assert (row["old_status"], row["new_status"], row["other_id"]) == ("PASS", "FAIL", "zone-kcxz")
    assert data["targets"] == []  # moved, not resized: the area target holds


def test_cli_says_what_an_empty_status_section_means_and_hints_at_the_class_field(examples, capsys):
    old, new = examples / "landuse_existing.geojson", examples / "landuse_planned.geojson"
    assert main(["diff", str(old), str(new)]) == 0
    captured = capsys.readouterr()
    assert "--class-field YDYHFLDM adds the from-class x to-class matrix" in captured.err
    # the bundled plan judges its own zones, not these parcels: neither its targets nor its
    # rules are run over them (issue 24; before, its rules ran and said "as before"), and one
    # line says so and how to ask for a plan
    said = [line for line in captured.err.splitlines() if "the bundled plan (Bishan)" in line]
    assert len(said) == 1
    assert "its 5 targets and 9 rules were not run" in said[0]
    assert "--plan FILE" in said[0] and "spatial init" in said[0]
    assert captured.out.count("(not checked: no plan judges these layers)") == 2
    assert main(["diff", str(old), str(new), "--class-field", "YDYHFLDM", "--no-checks"]) == 0
    captured = capsys.readouterr()
    assert "--class-field" not in captured.err and "(not checked: --no-checks)" in captured.out
