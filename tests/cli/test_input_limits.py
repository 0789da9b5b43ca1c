"""Options and values out of range: each case the audit saw reach exit 3 is now exit 1 or 2."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pytest
import shapely

from spatial.cli import main
from spatial.errors import CRSMismatchWarning, LayerError
from spatial.io.layers import bundled_layer_path
from spatial.io.properties import parse_properties

ZONES = str(bundled_layer_path("zones"))
TOWNS = str(bundled_layer_path("towns"))


def _one_line_error(capsys, command: str) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    err = [line for line in lines if not line.startswith(f"spatial {command}: warning: ")]
    assert len(err) == 1 and err[0].startswith(f"spatial {command}: "), err
    assert "internal error" not in err[0] and "Traceback" not in err[0]
    return err[0]


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--decimals", "0", "--decimals must be a number from 4 to 10 decimal places, got 0"),
        ("--decimals", "-3", "got -3"),
        ("--decimals", "99999", "got 99999"),
        ("--simplify-m", "-5", "--simplify-m must be a number from 0 to 1,000 metres, got -5"),
        ("--simplify-m", "nan", "got nan"),
        ("--simplify-m", "inf", "got inf"),
    ],
)
def test_map_options_out_of_range_are_exit_2_before_any_work(tmp_path, capsys, option, value, said):
    out = tmp_path / "map.html"
    assert main(["map", "--out", str(out), option, value]) == 2
    assert said in _one_line_error(capsys, "map")
    assert not out.exists()


def test_distance_beyond_the_zone_is_exit_2(capsys):
    argv = ["overlay", ZONES, TOWNS, "--op", "coverage", "--distance-m", "1e308"]
    assert main(argv) == 2
    assert "--distance-m must be a number above 0 to 100,000 metres, got 1e+308" in (
        _one_line_error(capsys, "overlay")
    )


def _zones_file(tmp_path, edit, name="zones.geojson"):
    data = json.loads(bundled_layer_path("zones").read_text(encoding="utf-8"))
    edit(data["features"])
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _huge(features):
    ring = [[1e308, 1e308], [1.7e308, 1e308], [1.7e308, 1.7e308], [1e308, 1e308]]
    features[0]["geometry"] = {"type": "Polygon", "coordinates": [ring]}


def test_coordinates_near_1e308_are_named_by_validate_check_and_map(tmp_path, capsys):
    path = _zones_file(tmp_path, _huge)
    said = "coordinates are no positions on Earth in any CRS (x=1.35e+308, y=1.35e+308)"
    assert main(["validate", str(path)]) == 1
    assert said in capsys.readouterr().out
    assert main(["check", "--zones", str(path)]) == 2
    assert said in _one_line_error(capsys, "check")
    assert main(["map", "--zones", str(path), "--out", str(tmp_path / "m.html")]) == 2
    assert said in _one_line_error(capsys, "map")


def test_a_list_valued_property_is_mapped(tmp_path, capsys):
    def tag(features):
        features[0]["properties"]["tags"] = ["教育", "科研"]

    path = _zones_file(tmp_path, tag)
    out = tmp_path / "m.html"
    assert main(["map", "--zones", str(path), "--out", str(out)]) in (0, 1)
    assert "教育" in out.read_text(encoding="utf-8")


def _plan_file(tmp_path, layer, edit):
    data = json.loads(bundled_layer_path(layer).read_text(encoding="utf-8"))
    edit(data["features"])
    path = tmp_path / f"{layer}.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_corridor_length_as_text_is_refused_naming_the_feature(tmp_path, capsys):
    def text(features):
        for feature in features:
            if "length_km" in feature["properties"]:
                feature["properties"]["length_km"] = "about 30"

    path = _plan_file(tmp_path, "corridor", text)
    assert main(["map", "--corridor", str(path), "--out", str(tmp_path / "m.html")]) == 2
    line = _one_line_error(capsys, "map")
    assert f"{path}: feature avenue-daishan: length_km is 'about 30', not a finite number" in line


def test_cluster_order_superscript_two_is_refused(tmp_path, capsys):
    def superscript(features):
        features[0]["properties"]["order_north_to_south"] = "²"

    path = _plan_file(tmp_path, "clusters", superscript)
    assert main(["map", "--clusters", str(path), "--out", str(tmp_path / "m.html")]) == 2
    assert "order_north_to_south is '²', not a whole number" in _one_line_error(capsys, "map")


def test_corridor_town_false_as_text_is_no(tmp_path):
    def as_text(features):
        for feature in features:
            feature["properties"]["corridor_town"] = "false"

    path = _plan_file(tmp_path, "towns", as_text)
    out = tmp_path / "m.html"
    assert main(["map", "--towns", str(path), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "是 yes" not in page and "否 no" in page


@pytest.mark.parametrize(
    ("value", "read"), [("false", False), ("是", True), (0, False), (True, True), (None, None)]
)
def test_booleans_are_read_by_their_type(value, read):
    towns = gpd.GeoDataFrame(
        {"id": ["t"], "corridor_town": [value]}, geometry=[shapely.Point(106.2, 29.6)], crs=4326
    )
    assert parse_properties(towns, "towns", "t.geojson")["corridor_town"].iloc[0] == read


def test_an_unreadable_boolean_is_refused():
    towns = gpd.GeoDataFrame(
        {"id": ["t"], "corridor_town": ["maybe"]}, geometry=[shapely.Point(106.2, 29.6)], crs=4326
    )
    with pytest.raises(LayerError, match="feature t: corridor_town is 'maybe', not true or false"):
        parse_properties(towns, "towns", "t.geojson")


def test_a_id_geometry_is_refused_naming_the_file(capsys):
    assert main(["overlay", ZONES, "--op", "overlaps", "--a-id", "geometry"]) == 2
    line = _one_line_error(capsys, "overlay")
    assert f"{ZONES}: 'geometry' is the geometry column, not an id column" in line


def test_no_id_column_names_the_file(tmp_path, capsys):
    def drop_ids(features):
        for feature in features:
            del feature["properties"]["id"]

    path = _zones_file(tmp_path, drop_ids)
    assert main(["check", "--zones", str(path)]) == 2
    default = "(the default id field: neither --id-field nor spatial.toml's id_field names one)"
    assert f"{path}: no field 'id' {default}; its fields are " in _one_line_error(capsys, "check")


@pytest.mark.parametrize("cpg", [".cpg", ".CPG"])
def test_a_lying_cpg_is_named(tmp_path, capsys, cpg):
    zones = gpd.GeoDataFrame(
        {"id": ["z"], "name_zh": ["璧山"]},
        geometry=[shapely.box(106.2, 29.6, 106.21, 29.61)],
        crs=4326,
    )
    path = tmp_path / "zones.shp"
    zones.to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink()
    path.with_suffix(cpg).write_text("UTF-8")  # GDAL reads zones.CPG when there is no zones.cpg
    assert main(["check", "--zones", str(path)]) == 2
    line = _one_line_error(capsys, "check")
    declared = f"zones{cpg}"
    assert f"text is not UTF-8 as {declared} declares" in line and f"correct {declared}" in line


def test_z_coordinates_raise_no_crs_warning(tmp_path, capsys):
    def add_z(features):
        for feature in features:
            for ring in feature["geometry"]["coordinates"]:
                for position in ring:
                    position.append(250.0)

    path = _zones_file(tmp_path, add_z)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CRSMismatchWarning)
        assert main(["check", "--zones", str(path)]) == 0
    assert "4979" not in capsys.readouterr().err


def test_a_path_with_a_newline_is_one_line(tmp_path, capsys):
    assert main(["check", "--zones", str(tmp_path / "a\nb.geojson")]) == 2
    assert "a\\nb.geojson: file not found" in _one_line_error(capsys, "check")
