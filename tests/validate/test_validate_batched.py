"""``validate_file_batched`` gives validate_file's problems, line for line, whatever the batches.

Synthetic layers (示例数据) in EPSG:4544 and EPSG:4326 with every kind of bad
feature the validator names, spread so that they fall in different batches and
row groups: each file is validated by the full path (``validate_file``) and by
the batched one, with batches of several sizes and one or two threads, and the
batched path is checked to have run (its fallback is made to fail).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from survey import X0, Y0

from spatial.validate import batched
from spatial.validate.problems import validate_file

#: A clean 100 m parcel at position ``k`` (EPSG:4544 metres).
STEP_M = 150.0


def _parcel(k: int) -> shapely.Polygon:
    x, y = X0 + STEP_M * (k % 20), Y0 + STEP_M * (k // 20)
    return shapely.box(x, y, x + 100.0, y + 100.0)


def _bad_layer(n: int = 60) -> gpd.GeoDataFrame:
    """``n`` parcels, every kind of problem placed at spread positions (示例数据)."""
    geoms = [_parcel(k) for k in range(n)]
    ids: list[object] = [f"p{k:03d}" for k in range(n)]
    names = ["示例数据 地块"] * n
    accuracy: list[object] = ["official"] * n
    x, y = X0 + 10.0, Y0 + 10.0
    geoms[2] = None  # null
    geoms[5] = shapely.Polygon()  # empty
    geoms[9] = shapely.Polygon([(x, y), (x + 50, y + 50), (x + 50, y), (x, y + 50)])  # bow-tie
    geoms[13] = shapely.box(106.2, 29.6, 106.3, 29.7)  # degrees labelled as metres
    geoms[17] = shapely.GeometryCollection([_parcel(17)])
    geoms[23] = shapely.box(2_000_000, 9_000_000, 2_000_100, 9_000_100)  # far away
    with np.errstate(invalid="ignore"):
        geoms[31] = shapely.Polygon([(x, y), (x + 9, y), (x + 9, y + np.nan), (x, y)])  # NaN
    geoms[44] = shapely.Polygon([(x, y), (x + 50, y + 50), (x + 50, y), (x, y + 50)])
    ids[29] = "p001"  # duplicate of an earlier one
    ids[37] = " p003 "  # duplicate once stripped
    ids[41] = "   "  # blank: missing, no label
    ids[43] = None  # null: missing
    ids[44] = "p009"  # duplicate, and invalid too
    names[19] = "ç’§å±±"  # mojibake
    names[47] = "坏\ufffd"  # replacement character
    names[53] = None
    accuracy[7] = "rough"
    accuracy[53] = "   "  # blank: not reported as a wrong accuracy
    accuracy[59] = "Official"
    return gpd.GeoDataFrame(
        {"id": ids, "name_zh": names, "accuracy": accuracy}, geometry=geoms, crs="EPSG:4544"
    )


def _write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        gdf.to_parquet(path, row_group_size=7)
    elif path.suffix == ".gpkg":
        gdf.to_file(path, engine="pyogrio")
    elif path.suffix == ".geojson":  # GDAL writes no NaN to GeoJSON
        gdf.drop(index=[31]).to_file(path, engine="pyogrio")
    else:  # nor to FlatGeobuf, whose Arrow stream breaks at a null geometry (below)
        gdf = gdf.drop(index=[2, 5, 31])
        gdf.to_file(path, engine="pyogrio", layer_options={"SPATIAL_INDEX": "NO"})
    return path


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the full path fail inside the batched one: the batches must decide."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the batched path fell back to validate_file")

    monkeypatch.setattr(batched, "validate_file", refuse)


REQUIRED = ("id", "name_zh", "accuracy")


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".fgb"])
@pytest.mark.parametrize(("batch_rows", "threads"), [(5, 1), (11, 2), (1000, 2)])
def test_every_bad_feature_same_lines(
    tmp_path: Path, suffix: str, batch_rows: int, threads: int, no_fallback: None
) -> None:
    path = _write(_bad_layer(), tmp_path / f"bad{suffix}")
    expected = validate_file(path, required=REQUIRED)
    got = batched.validate_file_batched(
        path, required=REQUIRED, batch_rows=batch_rows, threads=threads, progress=False
    )
    assert [str(p) for p in got] == [str(p) for p in expected]
    lines = "\n".join(str(p) for p in got)
    # every kind is there (so the comparison is not of two empty lists)
    if suffix == ".fgb":  # written without the null, empty and NaN features: positions move
        assert len(got) == len(expected) >= 14
        return
    for said in (
        "feature p002: geometry is null",
        "feature p005: geometry is empty",
        "feature p009: invalid geometry: Self-intersection",
        "feature p013: coordinates look like degrees",
        "feature p017: is a GeometryCollection",
        "feature p023: position",
        "feature p001: duplicate id: feature #29 reuses the id of feature #1",
        "feature p003: duplicate id: feature #37 reuses the id of feature #3",
        "feature #41: missing required property: id",
        "feature #43: missing required property: id",
        "feature p007: accuracy is 'rough'",
        "feature p059: accuracy is 'Official'",
        "feature p019: property 'name_zh' is mis-encoded text",
        "feature p047: property 'name_zh' contains replacement characters",
        "feature p053: missing required properties: name_zh, accuracy",
    ):
        assert said in lines, said
    assert "feature p053: accuracy" not in lines
    # feature #44 reuses p009's id and its bow-tie: its geometry line is #9's, said once
    p009 = [str(p) for p in got if ": feature p009: " in str(p)]
    assert [line.split(": ", 2)[2][:9] for line in p009] == ["invalid g", "duplicate"]


def test_nan_coordinate_reported_in_parquet(tmp_path: Path, no_fallback: None) -> None:
    path = _write(_bad_layer(), tmp_path / "bad.parquet")
    lines = [str(p) for p in batched.validate_file_batched(path, required=REQUIRED, batch_rows=4)]
    assert any("feature p031: " in line and "NaN" in line for line in lines)


def test_integer_ids_and_lonlat(tmp_path: Path, no_fallback: None) -> None:
    layer = _bad_layer().to_crs(4326)
    layer["id"] = np.arange(len(layer), dtype=np.int64)
    layer.loc[33, "id"] = 4  # a duplicate integer id
    geoms = layer.geometry.array.copy()
    geoms[3] = shapely.box(29.6, 106.2, 29.7, 106.3)  # swapped
    layer.geometry = geoms
    path = _write(layer, tmp_path / "ints.parquet")
    expected = validate_file(path, required=("id",))
    got = batched.validate_file_batched(path, required=("id",), batch_rows=8)
    assert [str(p) for p in got] == [str(p) for p in expected]
    lines = "\n".join(str(p) for p in got)
    assert "feature 4: duplicate id: feature #33 reuses the id of feature #4" in lines
    assert "feature 3: latitude and longitude appear swapped" in lines


def test_clean_geojson_batched(tmp_path: Path, no_fallback: None) -> None:
    path = _write(_bad_layer(), tmp_path / "bad.geojson")  # without NaN (the raw JSON's)
    expected = validate_file(path, required=REQUIRED)
    got = batched.validate_file_batched(path, required=REQUIRED, batch_rows=9)
    assert [str(p) for p in got] == [str(p) for p in expected]
    assert len(got) >= 14


def test_full_path_for_what_batches_leave(tmp_path: Path) -> None:
    """No CRS, an option, a Shapefile: the full validator's own lines."""
    layer = _bad_layer()
    no_crs = _write(layer.set_crs(None, allow_override=True), tmp_path / "nocrs.parquet")
    assert [str(p) for p in batched.validate_file_batched(no_crs, required=REQUIRED)] == [
        str(p) for p in validate_file(no_crs, required=REQUIRED)
    ]
    shp = _write(layer[layer.geometry.geom_type != "GeometryCollection"], tmp_path / "bad.shp")
    assert [str(p) for p in batched.validate_file_batched(shp, required=("id",))] == [
        str(p) for p in validate_file(shp, required=("id",))
    ]


def test_flatgeobuf_null_geometry_full_path(tmp_path: Path) -> None:
    """GDAL's FlatGeobuf Arrow stream breaks its offsets at a null geometry: read otherwise."""
    layer = _bad_layer().drop(index=[31])
    path = tmp_path / "nulls.fgb"
    layer.to_file(path, engine="pyogrio", layer_options={"SPATIAL_INDEX": "NO"})
    got = batched.validate_file_batched(path, required=REQUIRED, batch_rows=10)
    assert [str(p) for p in got] == [str(p) for p in validate_file(path, required=REQUIRED)]
    assert any("feature p002: geometry is null" in str(p) for p in got)


def test_points_and_lines_with_nan_or_infinity(tmp_path: Path, no_fallback: None) -> None:
    """GEOS's validity finds what the validator's finite test finds, for every geometry type."""
    x, y = X0 + 10.0, Y0 + 10.0
    with np.errstate(invalid="ignore"):
        geoms = [
            shapely.Point(x, y),
            shapely.Point(np.nan, y),
            shapely.Point(x, np.inf),
            shapely.LineString([(x, y), (x + 5, np.nan)]),
            shapely.MultiPoint([(x, y), (np.inf, y)]),
            shapely.Point(x, y, np.nan),  # a NaN z: neither reports it
            shapely.LineString([(x, y), (x + 5, y)]),
        ]
    layer = gpd.GeoDataFrame({"id": [f"g{k}" for k in range(7)]}, geometry=geoms, crs=4544)
    path = tmp_path / "mixed.parquet"
    layer.to_parquet(path)
    expected = [str(p) for p in validate_file(path, required=("id",))]
    got = [str(p) for p in batched.validate_file_batched(path, required=("id",), batch_rows=3)]
    assert got == expected
    assert [line.split(": ")[1] for line in got if "NaN" in line or "finite" in line] == [
        "feature g1",
        "feature g2",
        "feature g3",
        "feature g4",
    ]


def test_the_command_prints_the_batched_lines_and_a_progress_line_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_fallback: None
) -> None:
    from spatial.cli import main  # noqa: PLC0415

    path = _write(_bad_layer(), tmp_path / "bad.gpkg")
    expected = [str(p) for p in validate_file(path, required=("id",))]
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == expected
    batched.validate_file_batched(path, required=("id",), batch_rows=25, progress=True)
    err = capsys.readouterr().err
    assert f"\rspatial validate: {path}: 25 of 60 features (42%)" in err
    assert err.endswith("60 of 60 features (100%)\n")


def test_a_geojson_with_raw_findings_is_walked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spatial.io import rawjson  # noqa: PLC0415

    path = _write(_bad_layer(), tmp_path / "bad.geojson")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"p004"', '"p004", "extra": NaN', 1), encoding="utf-8")
    expected = [str(p) for p in validate_file(path, required=REQUIRED)]
    walks = []
    real = rawjson.scan_raw
    monkeypatch.setattr(rawjson, "scan_raw", lambda p: walks.append(p) or real(p))
    got = [str(p) for p in batched.validate_file_batched(path, required=REQUIRED)]
    assert got == expected and len(walks) == 1
    assert any("feature p004: property 'extra' is nan" in line for line in got)


def test_huge_integer_ids_with_nulls_are_named_as_pandas_reads_them(tmp_path: Path) -> None:
    """An integer id column with nulls is read as floats: the full path's labels, as they are."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    layer = _bad_layer().iloc[:6].copy()
    path = tmp_path / "ints.parquet"
    layer.to_parquet(path)
    table = pq.read_table(path)
    ids = pa.array([2**60 + 1, None, 2**60 + 1, 3, 4, 5], pa.int64())
    pq.write_table(table.set_column(table.schema.get_field_index("id"), "id", ids), path)
    expected = [str(p) for p in validate_file(path, required=("id",))]
    assert [str(p) for p in batched.validate_file_batched(path, required=("id",))] == expected
    assert any("duplicate id" in line for line in expected)
