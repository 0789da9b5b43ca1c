"""Validation: each class of bad input, written as a tiny file, gives its exact problem line."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, Polygon
from tiny_geoms import cell, quadrangle_area_m2

from spatial.cli import main
from spatial.cli.validate import required_for
from spatial.errors import CRSError, LayerError, LayerReadError
from spatial.io.layers import LAYER_NAMES, REQUIRED_PROPERTIES, bundled_layer_path, read_layer
from spatial.validate.problems import (
    FILE_LEVEL,
    Problem,
    ensure_valid,
    mojibake_reading,
    repair_layer,
    validate_file,
    validate_layer,
)

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
PROPS = {
    "name_zh": "璧山",
    "name_en": "Bishan",
    "kind": "zone",
    "source": "test",
    "accuracy": "indicative",
}
# A 0.1° bow-tie near Bishan: its two lobes cross at (106.25, 29.55).
BOWTIE = [[106.2, 29.5], [106.3, 29.6], [106.3, 29.5], [106.2, 29.6], [106.2, 29.5]]
SQUARE = [[106.2, 29.5], [106.3, 29.5], [106.3, 29.6], [106.2, 29.6], [106.2, 29.5]]


def feature(fid: str | None, geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    properties = {"id": fid, **PROPS, **props} if fid is not None else {**PROPS, **props}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y]}


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


def write_fc(path: Path, *features: dict[str, Any], **members: Any) -> Path:
    data = {"type": "FeatureCollection", **members, "features": list(features)}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def lines(path: Path) -> list[str]:
    return [str(p) for p in validate_file(path)]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["validate", *argv])
    out, err = capsys.readouterr()
    return status, out, err


# --- the bundled layers are clean ------------------------------------------------


def test_bundled_layers_are_clean(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(bundled_layer_path(name)) for name in LAYER_NAMES]
    status, out, err = cli(capsys, *paths)
    assert (status, out) == (0, "")
    assert "7 file(s) checked, no problems found" in err


def test_bundled_layers_need_every_required_property(tmp_path: Path) -> None:
    zones = json.loads((GEODATA / "zones.geojson").read_text(encoding="utf-8"))
    del zones["features"][1]["properties"]["name_en"]
    broken = tmp_path / "zones.geojson"
    broken.write_text(json.dumps(zones, ensure_ascii=False), encoding="utf-8")
    assert lines(broken) == [f"{broken}: feature zone-szjj: missing required property: name_en"]


# --- geometry --------------------------------------------------------------------


def test_invalid_geometry_reason_and_location(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "bowtie.geojson", feature("z1", polygon(BOWTIE)))
    assert lines(path) == [f"{path}: feature z1: invalid geometry: Self-intersection[106.25 29.55]"]


def test_unclosed_ring(tmp_path: Path) -> None:
    ring = [*SQUARE[:-1], [106.2, 29.59]]
    path = write_fc(tmp_path / "open.geojson", feature("z1", polygon(ring)), feature("z2", None))
    assert lines(path) == [
        f"{path}: feature z1: ring 1 is not closed (first position [106.2, 29.5], "
        "last [106.2, 29.59]); the first and last positions must be equal",
        f"{path}: feature z2: geometry is null",
    ]


def test_unclosed_ring_in_second_polygon_of_multipolygon(tmp_path: Path) -> None:
    far = [[x + 0.5, y] for x, y in SQUARE]
    geometry = {"type": "MultiPolygon", "coordinates": [[SQUARE], [far[:-1]]]}
    path = write_fc(tmp_path / "multi.geojson", feature("m", geometry))
    assert lines(path) == [
        f"{path}: feature m: ring 1 of polygon 2 is not closed (first position "
        "[106.7, 29.5], last [106.7, 29.6]); the first and last positions must be equal"
    ]


def test_ring_with_too_few_positions(tmp_path: Path) -> None:
    ring = [[106.2, 29.5], [106.3, 29.5], [106.2, 29.5]]
    path = write_fc(tmp_path / "thin.geojson", feature("z1", polygon(ring)))
    assert lines(path) == [
        f"{path}: feature z1: ring 1 has 3 positions; a closed ring needs at least 4"
    ]


def test_null_and_empty_geometries(tmp_path: Path) -> None:
    path = write_fc(
        tmp_path / "nothing.geojson",
        feature("n", None),
        feature("e", {"type": "Polygon", "coordinates": []}),
    )
    assert lines(path) == [
        f"{path}: feature n: geometry is null",
        f"{path}: feature e: geometry is empty",
    ]


# --- numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_coordinate_in_json(tmp_path: Path, token: str) -> None:
    path = tmp_path / "nan.geojson"
    good = json.dumps(feature("ok", point(106.2, 29.6)), ensure_ascii=False)
    bad = json.dumps(feature("bad", point(106.2, 29.6)), ensure_ascii=False).replace("29.6", token)
    path.write_text(f'{{"type": "FeatureCollection", "features": [{good}, {bad}]}}', "utf-8")
    found = lines(path)
    if token == "1e999":  # GDAL refuses the number itself; the raw check still names the feature
        assert found.pop(0).startswith(f"{path}: feature -: cannot be read as a layer until fixed")
    assert found == [f"{path}: feature bad: coordinates contain NaN or infinity"]


def test_nan_in_a_polygon_ring_is_one_line_and_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ring = [[106.2, 29.6], [106.3, 29.6], [106.3, 29.7], [106.2, 29.6]]
    text = json.dumps(feature("z", polygon(ring))).replace("29.7", "NaN")
    path = tmp_path / "nanpoly.geojson"
    path.write_text(f'{{"type": "FeatureCollection", "features": [{text}]}}', "utf-8")
    assert main(["validate", "--require", "id", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{path}: feature z: coordinates contain NaN or infinity"]
    assert "Warning" not in err and len(err.splitlines()) == 1


def test_non_finite_property_in_json(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "p.geojson", feature("t", point(106.2, 29.6), area_km2=math.nan))
    assert lines(path) == [f"{path}: feature t: property 'area_km2' is nan, not a finite number"]


def test_non_finite_coordinate_in_geopackage(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"id": ["a", "b"], **{k: [v, v] for k, v in PROPS.items()}},
        geometry=[Point(106.2, 29.6), Point(106.2, np.inf)],
        crs=4326,
    )
    path = tmp_path / "inf.gpkg"
    gdf.to_file(path)
    assert lines(path) == [f"{path}: feature b: coordinates contain NaN or infinity"]


# --- coordinates, axis order, units ----------------------------------------------


def test_coordinates_out_of_range(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "range.geojson", feature("p", point(106.2, 95.0)))
    assert lines(path) == [
        f"{path}: feature p: coordinates out of range (x=106.2000, y=95.0000): "
        "longitude must be within ±180°, latitude within ±90°"
    ]


def test_latitude_and_longitude_swapped(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "swap.geojson", feature("p", point(29.6, 106.2)))
    assert lines(path) == [
        f"{path}: feature p: latitude and longitude appear swapped (x=29.6000, y=106.2000); "
        "EPSG:4326 coordinates are x = longitude, y = latitude"
    ]


def test_projected_metres_labelled_as_degrees(tmp_path: Path) -> None:
    # Bishan in CGCS2000 / 3-degree GK CM 105E, written to a GeoJSON (which means degrees).
    x, y = 621_000.0, 3_275_000.0
    path = write_fc(tmp_path / "metres.geojson", feature("p", point(x, y)))
    assert lines(path) == [
        f"{path}: feature p: projected metres labelled as degrees (x=621,000, y=3,275,000 under "
        "EPSG:4326); the coordinates look like Gauss-Kruger metres without a zone prefix, "
        "which do not tell the zone; EPSG:4544 is CGCS2000 3-degree CM 105°E, the zone of "
        "Bishan: give --crs EPSG:4544"
    ]


def test_zone_prefixed_metres_suggest_their_zone(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "zoned.geojson", feature("p", point(35_621_000.0, 3_275_000.0)))
    (problem,) = validate_file(path)
    assert "zone 35 (CM 105°E), easting with zone prefix: give --crs EPSG:4523" in problem.message
    # the suggested CRS puts the point back in Bishan
    back = gpd.GeoSeries([Point(35_621_000.0, 3_275_000.0)], crs=4523).to_crs(4326)
    assert 105.5 < back.x[0] < 106.5 and 29 < back.y[0] < 30


def test_degrees_labelled_as_metres() -> None:
    gdf = gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(106.2, 29.6)], crs=4544)
    assert [str(p) for p in validate_layer(gdf, "x.gpkg", required=())] == [
        "x.gpkg: feature p: coordinates look like degrees (x=106.2000, y=29.6000) but the CRS "
        "EPSG:4544 is in metres; declare EPSG:4326 for longitude/latitude"
    ]


def test_projected_layer_in_china_is_clean() -> None:
    gdf = gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(621_000, 3_275_000)], crs=4544)
    assert validate_layer(gdf, "x.gpkg", required=("id",)) == []


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_position_far_outside_china(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "paris.geojson", feature("p", point(2.35, 48.85)))
    (problem,) = validate_file(path)
    assert problem.feature == "p"
    assert problem.message.startswith("position (2.3500°E, 48.8500°N) is far outside China, ")
    reported_km = float(problem.message.split("China, ")[1].split(" km")[0].replace(",", ""))
    # nearest point of the 73–136°E, 3–54°N box is (73°E, 48.85°N); sphere vs ellipsoid ≈ 0.5%
    assert reported_km == pytest.approx(_haversine_km(2.35, 48.85, 73.0, 48.85), rel=0.006)


def test_projected_position_far_outside_china() -> None:
    # Paris in Lambert-93 metres: a real CRS, but not this plan's place.
    gdf = gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(652_000, 6_862_000)], crs=2154)
    (problem,) = validate_layer(gdf, "paris.gpkg", required=())
    assert "is far outside China" in problem.message


# --- CRS -------------------------------------------------------------------------


def test_unresolvable_crs_member(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "EPSG:99999"}}
    path = write_fc(tmp_path / "crs.geojson", feature("p", point(106.2, 29.6)), crs=crs)
    assert lines(path) == [
        f"{path}: feature -: the CRS 'EPSG:99999' named in the file cannot be resolved"
    ]
    with pytest.raises(CRSError, match=r"crs.geojson: the CRS 'EPSG:99999' named in the file"):
        read_layer(path)


def test_resolvable_crs_member_is_honoured(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4544"}}
    path = write_fc(tmp_path / "gk.geojson", feature("p", point(621_000, 3_275_000)), crs=crs)
    assert lines(path) == []
    assert read_layer(path).crs.to_epsg() == 4544


def _shapefile(tmp_path: Path, name: str, prj: str | None) -> Path:
    gdf = gpd.GeoDataFrame(
        {"id": ["s1"], **{k: [v] for k, v in PROPS.items()}},
        geometry=[Point(106.2, 29.6)],
        crs=4326,
    )
    path = tmp_path / f"{name}.shp"
    pyogrio.write_dataframe(gdf, path, encoding="UTF-8")
    if prj is None:
        path.with_suffix(".prj").unlink()
    else:
        path.with_suffix(".prj").write_text(prj)
    return path


def test_shapefile_with_garbage_prj(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _shapefile(tmp_path, "garbage", prj="not a CRS at all")
    assert lines(path) == [
        f"{path}: feature -: the CRS in garbage.prj cannot be resolved",
        f"{path}: feature -: the layer has no CRS; the coordinates look like CGCS2000 "
        "longitude/latitude degrees (WGS84, EPSG:4326, is as good): give --crs EPSG:4490",
    ]
    with pytest.raises(CRSError, match=r"the CRS in garbage.prj cannot be resolved"):
        read_layer(path)


def test_shapefile_without_prj(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _shapefile(tmp_path, "noprj", prj=None)
    no_crs = (
        "the layer has no CRS; the coordinates look like CGCS2000 longitude/latitude degrees "
        "(WGS84, EPSG:4326, is as good): give --crs EPSG:4490"
    )
    assert cli(capsys, str(path))[:2] == (1, f"{path}: feature -: {no_crs}\n")
    assert cli(capsys, str(path), "--crs", "EPSG:4326")[:2] == (0, "")
    status, out, err = cli(capsys, str(path), "--crs", "EPSG:99999")  # a bad call: exit 2
    assert (status, out) == (2, "")
    assert "spatial validate: --crs EPSG:99999: not a CRS; give an EPSG code" in err


# --- ids and properties ----------------------------------------------------------


def test_duplicate_ids(tmp_path: Path) -> None:
    path = write_fc(
        tmp_path / "dup.geojson",
        feature("a", point(106.2, 29.6)),
        feature("b", point(106.21, 29.6)),
        feature("a", point(106.22, 29.6)),
        feature("a", point(106.23, 29.6)),
    )
    assert lines(path) == [
        f"{path}: feature a: duplicate id: feature #2 reuses the id of feature #0",
        f"{path}: feature a: duplicate id: feature #3 reuses the id of feature #0",
    ]


def test_missing_required_properties_and_position_label(tmp_path: Path) -> None:
    bare = {"type": "Feature", "properties": {"name_zh": "璧山"}, "geometry": point(106.2, 29.6)}
    path = write_fc(tmp_path / "bare.geojson", feature("a", point(106.2, 29.6)), bare)
    assert lines(path) == [
        f"{path}: feature #1: missing required properties: id, name_en, kind, source, accuracy"
    ]
    assert [str(p) for p in validate_file(path, required=("id",))] == [
        f"{path}: feature #1: missing required property: id"
    ]
    assert validate_file(path, required=()) == []


def test_blank_property_counts_as_missing(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "blank.geojson", feature("a", point(106.2, 29.6), name_en="  "))
    assert lines(path) == [f"{path}: feature a: missing required property: name_en"]


def test_feature_level_id_is_the_label(tmp_path: Path) -> None:
    bare = {"type": "Feature", "id": "top-1", "properties": {}, "geometry": point(29.6, 106.2)}
    path = write_fc(tmp_path / "top.geojson", bare)
    (problem,) = validate_file(path, required=("id",))
    assert problem.feature == "top-1" and "swapped" in problem.message


def test_accuracy_must_be_official_or_indicative(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "acc.geojson", feature("a", point(106.2, 29.6), accuracy="示意"))
    assert lines(path) == [
        f"{path}: feature a: accuracy is '示意'; use 'official' or 'indicative' (示意)"
    ]


def test_cli_require_option_and_default_for_a_planners_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    light = {"type": "Feature", "properties": {"id": "mine"}, "geometry": point(106.2, 29.6)}
    path = write_fc(tmp_path / "mine.geojson", light)
    assert cli(capsys, str(path))[:2] == (0, "")  # a planner's file needs only id
    status, out, _ = cli(capsys, str(path), "--require", "id,name_zh")
    assert (status, out) == (1, f"{path}: feature mine: missing required property: name_zh\n")
    assert cli(capsys, str(path), "--require", ",".join(REQUIRED_PROPERTIES))[0] == 1


# --- text encoding ---------------------------------------------------------------


def test_gbk_bytes_in_geojson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gbk.geojson"
    data = {"type": "FeatureCollection", "features": [feature("a", point(106.2, 29.6))]}
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("gbk"))
    expected = (
        f"{path}: feature a: property 'name_zh' is not UTF-8 text (reads as GBK: '璧山'); "
        "re-save the file as UTF-8"
    )
    assert lines(path) == [expected]
    assert cli(capsys, str(path))[:2] == (1, expected + "\n")
    with pytest.raises(LayerReadError, match="not UTF-8 text"):
        read_layer(path)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("璧山".encode().decode("cp1252"), "UTF-8 read as CP1252: 璧山"),
        ("璧山区".encode("gbk").decode("latin-1"), "GBK read as LATIN-1: 璧山区"),
        ("璧山".encode().decode("gbk"), "UTF-8 read as GBK: 璧山"),
    ],
)
def test_mojibake_in_properties(tmp_path: Path, text: str, reading: str) -> None:
    path = write_fc(tmp_path / "moji.geojson", feature("a", point(106.2, 29.6), name_zh=text))
    advice = (
        "a Shapefile in GBK needs a .cpg file beside its .shp holding the word GBK (or re-export "
        "it as UTF-8)"
        if reading.startswith("GBK read as")
        else "re-export it as UTF-8"
    )
    assert lines(path) == [
        f"{path}: feature a: property 'name_zh' is mis-encoded text ({reading}); {advice}"
    ]


def test_replacement_characters(tmp_path: Path) -> None:
    path = write_fc(
        tmp_path / "lost.geojson", feature("a", point(106.2, 29.6), name_zh="\ufffd\ufffd山")
    )
    assert lines(path) == [
        f"{path}: feature a: property 'name_zh' contains replacement characters (\\ufffd): text "
        "was decoded with the wrong encoding and is lost; re-export it as UTF-8"
    ]


def test_gbk_shapefile_without_cpg(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"id": ["s1"], **{k: [v] for k, v in PROPS.items()}, "town": ["璧城街道"]},
        geometry=[Point(106.2, 29.6)],
        crs=4326,
    )
    path = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    assert lines(path) == []  # the .cpg says GBK, so GDAL decodes it right
    path.with_suffix(".cpg").unlink()
    problems = validate_file(path)
    assert [(p.feature, p.message.split(" (")[0]) for p in problems] == [
        ("s1", "property 'name_zh' is mis-encoded text"),
        ("s1", "property 'town' is mis-encoded text"),
    ]
    assert "GBK read as LATIN-1: 璧城街道" in problems[1].message


@pytest.mark.parametrize(
    "text", ["Zürich", "café", "naïve", "Señor Müller", "璧山区", "西部（重庆）科学城", "–", "“x”"]
)
def test_correct_text_is_not_mojibake(text: str) -> None:
    assert mojibake_reading(text) is None


# --- unreadable files: one line, exit 2, never a traceback -------------------------


def _unreadable_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = write_fc(tmp_path / "good.geojson", feature("a", point(106.2, 29.6)))
    text = good.read_text(encoding="utf-8")
    cases = {
        "missing": (tmp_path / "nope.geojson", "file not found"),
        "empty": (tmp_path / "empty.geojson", "file is empty"),
        "truncated": (tmp_path / "cut.geojson", "truncated (line 1"),
        "not JSON": (tmp_path / "prose.geojson", "not valid JSON (line 1, column 1"),
        "JSON, not GeoJSON": (tmp_path / "list.json", "valid JSON but not GeoJSON"),
        "folder": (tmp_path / "folder.geojson", "is a folder"),
        "garbage GeoPackage": (tmp_path / "junk.gpkg", "cannot be read as a layer"),
        "truncated GeoParquet": (tmp_path / "cut.parquet", "cannot be read as a layer"),
    }
    (tmp_path / "empty.geojson").write_bytes(b"")
    (tmp_path / "cut.geojson").write_text(text[: len(text) // 2], encoding="utf-8")
    (tmp_path / "prose.geojson").write_text("the zones of Bishan\n", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2, 3]", encoding="utf-8")
    (tmp_path / "folder.geojson").mkdir()
    (tmp_path / "junk.gpkg").write_bytes(b"SQLite format 3\x00" + b"\x07" * 200)
    gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(106.2, 29.6)], crs=4326).to_parquet(
        tmp_path / "whole.parquet"
    )
    (tmp_path / "cut.parquet").write_bytes((tmp_path / "whole.parquet").read_bytes()[:300])
    return cases


def test_unreadable_files_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for case, (path, reason) in _unreadable_cases(tmp_path).items():
        status, out, err = cli(capsys, str(path))
        assert status == 2, case
        assert out == "", case
        first, summary = err.splitlines()
        assert first.startswith(f"spatial validate: {path}: {reason}"), (case, first)
        assert summary == "spatial validate: 1 file(s) checked, 1 with problems or unreadable"
        assert "Traceback" not in err
        with pytest.raises(LayerReadError):
            validate_file(path)
        with pytest.raises(LayerReadError):
            read_layer(path)


def test_every_file_is_checked_and_the_worst_status_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    swapped = write_fc(tmp_path / "swap.geojson", feature("p", point(29.6, 106.2)))
    clean = str(bundled_layer_path("towns"))
    status, out, err = cli(capsys, str(tmp_path / "missing.geojson"), str(swapped), clean)
    assert status == 2
    assert out.startswith(f"{swapped}: feature p: latitude and longitude appear swapped")
    assert err.startswith(f"spatial validate: {tmp_path / 'missing.geojson'}: file not found")
    assert cli(capsys, str(swapped), clean)[0] == 1


# --- Problem, ensure_valid -------------------------------------------------------


def test_problem_format() -> None:
    assert (
        str(Problem("a.geojson", "z1", "geometry is null"))
        == "a.geojson: feature z1: geometry is null"
    )
    assert str(Problem("a.shp", FILE_LEVEL, "x")) == "a.shp: feature -: x"


def test_ensure_valid_first_problem_and_count() -> None:
    gdf = gpd.GeoDataFrame(
        {"id": ["ok", "bow", "nul", "swap"]},
        geometry=[Point(106.2, 29.6), Polygon(BOWTIE), None, Point(29.6, 106.2)],
        crs=4326,
    )
    with pytest.raises(LayerError) as info:
        ensure_valid(gdf, "mine.geojson")
    assert str(info.value) == (
        "mine.geojson: feature bow: invalid geometry: Self-intersection[106.25 29.55] (and 2 more)"
    )
    ensure_valid(gdf.iloc[[0]], "mine.geojson")  # clean: returns quietly


def test_ensure_valid_refuses_a_layer_without_crs() -> None:
    gdf = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(106.2, 29.6)])
    with pytest.raises(CRSError, match="mine: feature -: the layer has no CRS"):
        ensure_valid(gdf, "mine")


# --- repair ----------------------------------------------------------------------


def _equal_area_km2(geom: shapely.Geometry) -> float:
    """Area on a local Albers equal-area projection (independent of pyproj.Geod)."""
    albers = "+proj=aea +lat_1=29 +lat_2=30 +lat_0=29.5 +lon_0=106.25 +ellps=GRS80 +units=m"
    return float(gpd.GeoSeries([geom], crs=4326).to_crs(albers).area.iloc[0]) / 1e6


def test_repair_bowtie_reports_area_changed() -> None:
    gdf = gpd.GeoDataFrame(
        {"id": ["ok", "bow"]}, geometry=[Polygon(SQUARE), Polygon(BOWTIE)], crs=4326
    )
    repaired, report = repair_layer(gdf, "mine.geojson")
    assert repaired.geometry.iloc[0] is gdf.geometry.iloc[0]  # valid features untouched
    assert repaired.is_valid.all() and gdf.geometry.iloc[1].is_valid is False
    assert list(report.columns) == [
        "id",
        "reason",
        "area_before_m2",
        "area_after_m2",
        "area_changed_m2",
    ]
    assert report["id"].tolist() == ["bow"]
    assert report.loc[0, "reason"] == "Self-intersection[106.25 29.55]"
    # The lobes are mirror images, so a naive signed area cancels to about zero.
    assert report.loc[0, "area_before_m2"] < 1e4
    # The repaired two triangles cover half the square.
    half_square_km2 = _equal_area_km2(Polygon(SQUARE)) / 2
    assert report.loc[0, "area_after_m2"] / 1e6 == pytest.approx(half_square_km2, rel=1e-3)
    assert report.loc[0, "area_changed_m2"] == pytest.approx(
        report.loc[0, "area_after_m2"] - report.loc[0, "area_before_m2"]
    )
    assert validate_layer(repaired, "r", required=()) == []


@pytest.mark.parametrize("reverse_shell", [False, True])
@pytest.mark.parametrize("reverse_hole", [False, True])
def test_repair_area_does_not_depend_on_ring_orientation(
    reverse_shell: bool, reverse_hole: bool
) -> None:
    # A holed cell with a zero-width spike (out along a parallel and back): invalid,
    # and its area is the cell minus the hole both before and after the repair.
    shell = list(cell(106.2, 29.6, 106.22, 29.62).exterior.coords)
    hole = list(cell(106.205, 29.605, 106.21, 29.61).exterior.coords)
    corner = shell.index((106.22, 29.6))
    shell = [*shell[: corner + 1], (106.23, 29.6), (106.22, 29.6), *shell[corner + 1 :]]
    shell = shell[::-1] if reverse_shell else shell
    hole = hole[::-1] if reverse_hole else hole
    gdf = gpd.GeoDataFrame({"id": ["spike"]}, geometry=[Polygon(shell, [hole])], crs=4326)
    _, report = repair_layer(gdf, "mine.geojson")
    expected_m2 = quadrangle_area_m2(106.2, 29.6, 106.22, 29.62) - quadrangle_area_m2(
        106.205, 29.605, 106.21, 29.61
    )
    assert report.loc[0, "reason"] == "Self-intersection[106.23 29.6]"
    assert report.loc[0, "area_before_m2"] == pytest.approx(expected_m2, rel=1e-6)
    assert report.loc[0, "area_after_m2"] == pytest.approx(expected_m2, rel=1e-6)
    assert abs(report.loc[0, "area_changed_m2"]) < 1e-3 * expected_m2


def test_repair_clean_layer_reports_nothing() -> None:
    gdf = gpd.read_file(bundled_layer_path("zones"))
    repaired, report = repair_layer(gdf, "zones")
    assert report.empty and repaired.geometry.equals(gdf.geometry)


def test_repair_reprojects_cgcs2000_and_refuses_naive() -> None:
    gdf = gpd.GeoDataFrame({"id": ["bow"]}, geometry=[Polygon(BOWTIE)], crs=4490)
    repaired, report = repair_layer(gdf, "cgcs")
    assert repaired.crs.to_epsg() == 4326 and len(report) == 1
    with pytest.raises(CRSError, match="naive: the layer has no CRS"):
        repair_layer(gdf.set_crs(None, allow_override=True), "naive")


def test_repair_projected_layer_measures_on_the_ellipsoid() -> None:
    bow_4326 = gpd.GeoSeries([Polygon(BOWTIE)], crs=4326)
    gdf = gpd.GeoDataFrame({"id": ["bow"]}, geometry=bow_4326.to_crs(4544).values, crs=4544)
    repaired, report = repair_layer(gdf, "gk")
    assert repaired.crs.to_epsg() == 4544
    half_square_km2 = _equal_area_km2(Polygon(SQUARE)) / 2
    assert report.loc[0, "area_after_m2"] / 1e6 == pytest.approx(half_square_km2, rel=2e-3)


def test_cli_repair_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_fc(tmp_path / "bow.geojson", feature("z1", polygon(BOWTIE)))
    out_path = tmp_path / "fixed.gpkg"
    status, out, err = cli(capsys, str(path), "--repair", str(out_path))
    assert status == 1  # the input had a problem
    assert out.splitlines()[1].startswith(
        f"{path}: feature z1: repaired (Self-intersection[106.25 29.55]): area "
    )
    assert f"{out_path}: written, 1 feature(s) repaired" in err
    assert validate_file(out_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bow.geojson", "fixed.gpkg"]
    status, _, err = cli(capsys, str(path), "--repair", str(tmp_path / "fixed.shp"))
    assert status == 2 and "cannot write .shp" in err
    assert not (tmp_path / "fixed.shp").exists()


def test_cli_default_requirements() -> None:
    assert required_for(bundled_layer_path("zones"), None) == REQUIRED_PROPERTIES
    assert required_for(Path("zones.geojson"), None) == ("id",)  # same name, planner's folder
    assert required_for(bundled_layer_path("zones"), "id") == ("id",)


@pytest.mark.parametrize("suffix", [".geojson", ".parquet", ".fgb"])
def test_cli_repair_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    path = write_fc(tmp_path / "bow.geojson", feature("z1", polygon(BOWTIE)))
    out_path = tmp_path / f"fixed{suffix}"
    assert cli(capsys, str(path), "--repair", str(out_path))[0] == 1
    fixed = read_layer(out_path)
    assert fixed.crs.to_epsg() == 4326 and fixed.is_valid.all()
    assert fixed["id"].tolist() == ["z1"]
