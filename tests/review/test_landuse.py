"""The land-use classes as data and the checks of a layer's class field."""

from __future__ import annotations

import tomllib

import geopandas as gpd
import pytest
from shapely.geometry import box
from tiny_geoms import square

from spatial.cli import main
from spatial.errors import LayerError
from spatial.landuse import check_class_field, load_classes
from spatial.landuse.classes import DATA_FILE


def test_every_code_has_its_parent_and_a_level_from_its_length():
    classes = load_classes()
    assert len(classes) == 174
    counts = {level: sum(c.level == level for c in classes.values()) for level in (1, 2, 3)}
    assert counts == {1: 24, 2: 110, 3: 40}
    for code, klass in classes.items():
        assert len(code) in {2, 4, 6} and code.isdigit()
        assert klass.parent is None or klass.parent in classes, code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "耕地"),
        ("0101", "水田"),
        ("0204", "油料园地"),  # new in 2023 (the 2020 trial had no such class)
        ("060102", "田间道"),
        ("070101", "一类城镇住宅用地"),
        ("0903", "娱乐用地"),
        ("1207", "城镇村道路用地"),
        ("16", "留白用地"),
        ("2302", "后备耕地"),
    ],
)
def test_codes_and_names_as_transcribed(code, name):
    assert load_classes()[code].name_zh == name


def test_the_file_cites_its_source_and_says_what_it_leaves_out():
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert data["source"]["document"] == "自然资发〔2023〕234号"
    assert "not sourced" in data["source"]["construction_flag"]
    assert "not sourced" in data["source"]["colours"]
    assert data["source"]["omitted_codes"] == ["2005"]
    assert "2005" not in load_classes()
    # nothing but codes and names: no colour or flag slipped in unsourced
    assert all(isinstance(v, str) for v in data["classes"].values())
    assert "234号" in load_classes().citation()


def _layer(codes, names=None, **extra):
    data = {"id": [f"f{i}" for i in range(len(codes))], "YDYHFLDM": codes, **extra}
    if names is not None:
        data["YDYHFLMC"] = names
    return gpd.GeoDataFrame(data, geometry=[box(0, 0, 1, 1)] * len(codes), crs=4326)


def test_unknown_blank_misnamed_and_wrong_level_are_each_reported():
    layer = _layer(["0101", "0199", None, "0102", "07"], ["水田", "x", "", "旱地", "居住用地"])
    problems = check_class_field(layer, "lu.gpkg", levels={2, 3})
    assert [(p.feature, p.kind) for p in problems] == [
        ("f1", "unknown"),
        ("f2", "blank"),
        ("f3", "name"),
        ("f4", "level"),
    ]
    assert (
        str(problems[2])
        == "lu.gpkg: feature f3: land-use name '旱地' disagrees with code '0102' (水浇地)"
    )
    assert "07" in str(problems[3]) and "4-digit or 6-digit" in str(problems[3])


def test_a_code_stored_as_a_number_is_named_not_guessed():
    problems = check_class_field(_layer([101]), "lu.shp")
    assert problems[0].kind == "unknown" and "leading zero" in problems[0].message


def test_field_names_are_configurable_and_a_missing_field_is_refused():
    layer = _layer(["0101"]).rename(columns={"YDYHFLDM": "DLBM"}).assign(DLMC=["旱地"])
    assert check_class_field(layer, "x", code_field="DLBM", name_field="DLMC")[0].kind == "name"
    with pytest.raises(
        LayerError, match=r"x: no field 'YDYHFLDM' for --class-field; its fields are "
    ):
        check_class_field(layer, "x")


def test_validate_checks_the_class_field_on_request(tmp_path, capsys):
    path = tmp_path / "lu.gpkg"
    layer = _layer(["0101", "0199", "07"], ["水田", "x", "居住用地"])
    layer.geometry = [square(i, 0) for i in range(3)]
    layer.to_file(path)
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["validate", str(path), "--class-field", "YDYHFLDM", "--class-level", "2,3"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{path}: feature f1: land-use code '0199' is not in the 2023 classification",
        f"{path}: feature f2: land-use code '07' is 2-digit; this layer needs 4-digit or 6-digit",
    ]
    assert main(["validate", str(path), "--class-field", "DLBM"]) == 2
    assert "no field 'DLBM'" in capsys.readouterr().err
