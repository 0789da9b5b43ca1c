"""Every feature accounted for: what GDAL would skip, drop or misread is named, never lost."""

from __future__ import annotations

import json

import pytest

from spatial.cli import main
from spatial.errors import CRSError, LayerError, LayerReadError, LayerReadWarning
from spatial.io import rawjson
from spatial.io.layers import read_layer
from spatial.validate.problems import validate_file

S = 0.01


def _square(i: int) -> dict:
    x, y = 106.2 + i * 0.02, 29.6
    ring = [[x, y], [x + S, y], [x + S, y + S], [x, y + S], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(fid: str, geometry: dict | None = None, kind: str | None = "Feature", **props):
    feature = {"geometry": geometry or _square(0), "properties": {"id": fid, **props}}
    if kind is not None:
        feature["type"] = kind
    return feature


def _write(tmp_path, features, name="layer.geojson", **top):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **top}))
    return path


@pytest.mark.parametrize("kind", ["feature", "FEATURE", "Feature ", None])
def test_a_feature_whose_type_is_not_feature_is_named_not_lost(tmp_path, kind):
    features = [_feature("a", _square(0)), _feature("b", _square(1), kind=kind)]
    path = _write(tmp_path, features)
    problems = [str(p) for p in validate_file(path, required=("id",))]
    assert len(problems) == 1 and problems[0].startswith(f"{path}: feature b: ")
    assert "GDAL skips it" in problems[0] and '"Feature"' in problems[0]
    with pytest.raises(LayerError, match=r"feature b \(#1\): .*GDAL skips it"):
        read_layer(path)


def test_later_messages_name_the_right_feature_after_a_skipped_one(tmp_path):
    # GDAL reads rows a, c; c's missing name must not be pinned on b
    features = [
        _feature("a", _square(0), name="x"),
        _feature("b", _square(1), kind="feature", name="y"),
        _feature("c", _square(2)),
        {"type": "Feature", "geometry": _square(3), "properties": {"name": "no id"}},
    ]
    path = _write(tmp_path, features)
    problems = [str(p) for p in validate_file(path, required=("id", "name"))]
    assert problems == [
        f"{path}: feature b: "
        '"type" is "feature", not "Feature", so GDAL skips it; write "type": "Feature"',
        f"{path}: feature c: missing required property: name",
        f"{path}: feature #3: missing required property: id",
    ]


def test_duplicate_keys_are_refused_in_one_line(tmp_path):
    path = tmp_path / "dup.geojson"
    first = json.dumps(_feature("a"))
    path.write_text(f'{{"type": "FeatureCollection", "features": [{first}], "features": []}}')
    assert main(["validate", str(path)]) == 2
    with pytest.raises(LayerReadError, match="'features' appears twice in one JSON object"):
        read_layer(path)


def test_duplicate_keys_inside_a_feature_are_refused(tmp_path):
    path = tmp_path / "dup.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [_feature("a", name="x")]})
    path.write_text(text.replace('"name": "x"', '"name": "x", "name": "y"'))
    with pytest.raises(LayerReadError, match="'name' appears twice"):
        read_layer(path)


def test_a_property_named_geometry_is_renamed_and_said(tmp_path, capsys):
    named = _feature("a", _square(0))
    named["properties"]["geometry"] = "survey 2024"
    path = _write(tmp_path, [named, _feature("b", _square(1))])
    with pytest.warns(LayerReadWarning, match="read as 'geometry_property'"):
        gdf = read_layer(path)
    assert gdf["geometry_property"].iloc[0] == "survey 2024" and gdf["geometry_property"].isna()[1]
    assert gdf.geometry.geom_type.tolist() == ["Polygon", "Polygon"]
    problems = [str(p) for p in validate_file(path, required=("id",))]
    assert problems == [
        f"{path}: feature a: property 'geometry' has the name of the geometry column; it is "
        "read as geometry_property: rename it in the file (e.g. geometry_note)"
    ]
    assert main(["overlay", str(path), "--op", "matrix", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "geometry_property" in err and len(err.splitlines()) == 1


def test_mixed_id_types_are_one_line_naming_the_file(tmp_path, capsys):
    path = _write(tmp_path, [_feature("a", _square(0)), _feature(5, _square(1))])
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"spatial validate: warning: {path}: property 'id' mixes numbers and text across "
        "features; all its values are read as text"
    )
    assert not any("UserWarning" in line or "pyogrio" in line for line in err)


@pytest.mark.parametrize(
    ("coordinates", "said"),
    [
        ([[["106.2", "29.6"], ["106.3", "29.6"], ["106.3", "29.7"], ["106.2", "29.6"]]], "text"),
        ([[106.2, 29.6], [106.3, 29.6], [106.3, 29.7], [106.2, 29.6]], "nested 2 deep"),
    ],
)
def test_string_coordinates_and_wrong_nesting_are_named(tmp_path, coordinates, said):
    path = _write(tmp_path, [_feature("a", {"type": "Polygon", "coordinates": coordinates})])
    problems = [str(p) for p in validate_file(path, required=("id",))]
    assert len(problems) == 1 and said in problems[0] and "null" not in problems[0]
    with pytest.raises(LayerError, match=said):
        read_layer(path)


def test_geometry_collection_is_said_by_validate_as_check_will_refuse_it(tmp_path):
    collection = {"type": "GeometryCollection", "geometries": [_square(0)]}
    path = _write(tmp_path, [_feature("a", collection)])
    problems = [str(p) for p in validate_file(path, required=("id",))]
    assert (
        len(problems) == 1
        and "GeometryCollection; check, map and overlay refuse it" in (problems[0])
    )
    assert main(["validate", str(path)]) == 1


def test_utf16_is_named_not_invalid_json(tmp_path):
    path = tmp_path / "utf16.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [_feature("a")]})
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(LayerReadError, match="is UTF-16 text; GeoJSON must be UTF-8"):
        read_layer(path)


@pytest.fixture
def streamed(monkeypatch):
    """Make every GeoJSON file count as large, so its header checks are streamed."""
    monkeypatch.setattr(rawjson, "STREAM_FROM_BYTES", 1)


def test_streamed_header_reads_a_good_file(tmp_path, streamed):
    path = _write(tmp_path, [_feature("a", _square(0)), _feature("b", _square(1))])
    assert read_layer(path)["id"].tolist() == ["a", "b"]


def test_streamed_header_refuses_a_misspelled_type(tmp_path, streamed):
    path = _write(tmp_path, [_feature("a", _square(0)), _feature("b", _square(1), kind="feature")])
    with pytest.raises(LayerError, match=r"feature b \(#1\): \"type\" is \"feature\".*GDAL skips"):
        read_layer(path)


def test_streamed_check_refuses_a_feature_without_type(tmp_path, streamed):
    path = _write(tmp_path, [_feature("a", _square(0)), _feature("b", _square(1), kind=None)])
    with pytest.raises(LayerError, match=r"feature b \(#1\): has no \"type\" member"):
        read_layer(path)


def test_streamed_header_refuses_an_unresolvable_crs(tmp_path, streamed):
    crs = {"type": "name", "properties": {"name": "EPSG:999999"}}
    path = _write(tmp_path, [_feature("a")], crs=crs)
    with pytest.raises(CRSError, match="EPSG:999999"):
        read_layer(path)


def test_streamed_header_refuses_text_that_is_not_utf8(tmp_path, streamed):
    path = tmp_path / "gbk.geojson"
    text = json.dumps(
        {"type": "FeatureCollection", "features": [_feature("a", name="璧山")]}, ensure_ascii=False
    )
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(LayerReadError, match="not UTF-8 text"):
        read_layer(path)


def test_streamed_header_does_not_parse_the_file_whole(tmp_path, streamed, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a large file was parsed whole")

    monkeypatch.setattr(rawjson, "load_raw", refuse)
    path = _write(tmp_path, [_feature("a", _square(0))])
    assert len(read_layer(path)) == 1


def _troubled(tmp_path):
    features = [
        _feature("a", _square(0), name="x"),
        _feature("b", _square(1), kind="feature", name="y"),
        _feature("c", {"type": "Polygon", "coordinates": [[106.2, 29.6], [106.3, 29.6]]}),
        _feature(
            "d",
            {
                "type": "Polygon",
                "coordinates": [[[106.2, 29.6], [106.3, 29.6], [106.3, 29.7], [106.2, 29.7]]],
            },
        ),
        {"type": "Feature", "geometry": _square(4), "properties": {"name": "no id"}},
    ]
    features[0]["properties"]["geometry"] = "kept"
    return _write(tmp_path, features, crs={"type": "name", "properties": {"name": "EPSG:4326"}})


def test_validate_streamed_says_what_the_whole_parse_says(tmp_path, monkeypatch):
    path = _troubled(tmp_path)
    whole = [str(p) for p in validate_file(path, required=("id", "name"))]
    monkeypatch.setattr(rawjson, "STREAM_FROM_BYTES", 1)

    def refuse(*args, **kwargs):
        raise AssertionError("a large file was parsed whole")

    monkeypatch.setattr(rawjson, "load_raw", refuse)
    streamed = [str(p) for p in validate_file(path, required=("id", "name"))]
    assert streamed == whole and len(whole) >= 5
    assert any("feature b: " in line and "GDAL skips it" in line for line in streamed)


def test_validate_streamed_refuses_duplicate_keys_in_a_feature(tmp_path, streamed):
    path = tmp_path / "dup.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [_feature("a", name="x")]})
    path.write_text(text.replace('"name": "x"', '"name": "x", "name": "y"'))
    with pytest.raises(LayerReadError, match="'name' appears twice"):
        validate_file(path)
