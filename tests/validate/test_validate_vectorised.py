"""The vectorised validator gives the full validator's problems, line for line, on large layers.

Synthetic layers (示例数据) of 2,500 parcels in EPSG:4544 and EPSG:4326 (more than
the 2,000 above which the checks take the vectorised form), with every kind of
bad feature the validator names placed first, last, side by side and spread:
null, empty, GeometryCollection, invalid, NaN and infinite coordinates, numbers
that are no position, degrees labelled as metres, far outside China, swapped
lon/lat, duplicate ids (text, padded, integer, float), missing properties,
mis-encoded text (also in a column mixing numbers and text, and a categorical
one), a wrong ``accuracy``. Each is compared with
:func:`spatial.validate.problems.validate_layer` run on the same layer, and the
vectorised path is checked to have decided (its fallback to the whole
validator is made to fail).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from survey import X0, Y0

from spatial.checks.prepare import prepare_layers
from spatial.errors import LayerError
from spatial.validate import inputs, problems, vectorised
from spatial.validate.problems import ensure_valid, validate_layer

N = 2_500
STEP_M = 150.0
REQUIRED = ("id", "name_zh", "accuracy")


def _parcel(k: int) -> shapely.Polygon:
    x, y = X0 + STEP_M * (k % 50), Y0 + STEP_M * (k // 50)
    return shapely.box(x, y, x + 100.0, y + 100.0)


def _clean(n: int = N) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": [f"p{k:04d}" for k in range(n)],
            "name_zh": ["示例数据 地块"] * n,
            "accuracy": ["official"] * n,
            "area_m2": np.full(n, 10_000.0),
        },
        geometry=[_parcel(k) for k in range(n)],
        crs="EPSG:4544",
    )


def _bowtie(k: int) -> shapely.Polygon:
    x, y = X0 + STEP_M * (k % 50) + 10, Y0 + STEP_M * (k // 50) + 10
    return shapely.Polygon([(x, y), (x + 50, y + 50), (x + 50, y), (x, y + 50)])


def _bad(n: int = N) -> gpd.GeoDataFrame:
    """Every kind of problem at spread positions, first and last included (示例数据)."""
    layer = _clean(n)
    geoms = list(layer.geometry)
    ids: list[object] = list(layer["id"])
    names: list[object] = list(layer["name_zh"])
    accuracy: list[object] = list(layer["accuracy"])
    x, y = X0 + 10.0, Y0 + 10.0
    geoms[0] = None  # null, first
    geoms[1] = shapely.Polygon()  # empty, right after
    geoms[9] = _bowtie(9)
    geoms[13] = shapely.box(106.2, 29.6, 106.3, 29.7)  # degrees labelled as metres
    geoms[17] = shapely.GeometryCollection([_parcel(17)])
    geoms[23] = shapely.box(2_000_000, 9_000_000, 2_000_100, 9_000_100)  # far away
    geoms[24] = shapely.box(1e12, 1e12, 1e12 + 100, 1e12 + 100)  # no position at all
    with np.errstate(invalid="ignore"):
        geoms[31] = shapely.Polygon([(x, y), (x + 9, y), (x + 9, y + np.nan), (x, y)])
        geoms[32] = shapely.Polygon([(x, y), (x + 9, y), (x + 9, np.inf), (x, y)])
    geoms[1200] = shapely.MultiPolygon([_parcel(1200), _parcel(1201)])  # valid: parts apart
    geoms[1777] = _bowtie(1777)
    geoms[n - 1] = _bowtie(n - 1)  # last
    ids[29] = "p0001"  # duplicate of an earlier one
    ids[37] = " p0003 "  # duplicate once stripped
    ids[41] = "   "  # blank: missing, no label
    ids[43] = None  # null: missing
    ids[1777] = "p0009"  # duplicate, and invalid like p0009
    ids[n - 2] = "p0002"
    names[19] = "ç’§å±±"  # mojibake
    names[47] = "坏\ufffd"  # replacement character
    names[53] = None
    names[2000] = "ç’§å±±"
    names[n - 1] = " "  # blank: missing
    accuracy[7] = "rough"
    accuracy[53] = "   "  # blank: missing, not a wrong accuracy
    accuracy[59] = "Official"
    accuracy[n - 1] = np.nan
    layer = layer.assign(id=ids, name_zh=names, accuracy=accuracy)
    mixed: list[object] = list(range(n))
    mixed[101] = "ç’§å±±"  # text among numbers
    mixed[102] = "璧山"  # fine
    layer["code"] = pd.Series(mixed, dtype=object)
    kinds = ["示例数据"] * n
    kinds[1500] = "ç’§å±±"
    layer["kind"] = pd.Categorical(kinds)
    return layer.set_geometry(gpd.GeoSeries(geoms, crs=layer.crs))


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the whole validator fail inside the vectorised one: the flags must decide."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the vectorised path fell back to validate_layer")

    monkeypatch.setattr(vectorised, "validate_layer", refuse)


def no_feature_by_feature(*args: object, **kwargs: object) -> None:
    raise AssertionError("a large layer went through the validator feature by feature")


def _lines(found: list[problems.Problem]) -> list[str]:
    return [str(p) for p in found]


@pytest.mark.parametrize("required", [REQUIRED, ()])
@pytest.mark.parametrize("threads", [1, 2])
def test_every_bad_feature_same_lines(
    required: tuple[str, ...], threads: int, no_fallback: None
) -> None:
    layer = _bad()
    expected = _lines(validate_layer(layer, "bad.gpkg", required))
    got = _lines(vectorised.validate_layer_vectorised(layer, "bad.gpkg", required, threads))
    assert got == expected
    text = "\n".join(got)
    for said in (
        "feature p0000: geometry is null",
        "feature p0001: geometry is empty",
        "feature p0009: invalid geometry: Self-intersection",
        "feature p0013: coordinates look like degrees",
        "feature p0017: is a GeometryCollection",
        "feature p0023: position",
        "feature p0024: coordinates out of range of",
        "feature p0031: coordinates contain NaN or infinity",
        "feature p0032: coordinates contain NaN or infinity",
        "feature p0001: duplicate id: feature #29 reuses the id of feature #1",
        "feature p0003: duplicate id: feature #37 reuses the id of feature #3",
        "feature p0007: accuracy is 'rough'",
        "feature p0019: property 'name_zh' is mis-encoded text",
        "feature p0047: property 'name_zh' contains replacement characters",
        "feature p0101: property 'code' is mis-encoded text",
        "feature p1500: property 'kind' is mis-encoded text",
        "feature p2499: invalid geometry",
        f"feature p0002: duplicate id: feature #{N - 2} reuses the id of feature #2",
    ):
        assert said in text, said
    assert "p0102" not in text  # 璧山 is right
    assert "p1200" not in text  # a valid MultiPolygon
    if required:
        assert "feature #41: missing required property: id" in text
        assert "feature p0053: missing required properties: name_zh, accuracy" in text
        assert "feature p2499: missing required properties: name_zh, accuracy" in text
    assert "feature p0053: accuracy" not in text


def test_refusal_reads_the_same() -> None:
    layer = _bad()
    with pytest.raises(LayerError) as full:
        ensure_valid(layer, "bad.gpkg")
    with pytest.raises(LayerError) as fast:
        vectorised.ensure_valid_vectorised(layer, "bad.gpkg", threads=2)
    assert str(fast.value) == str(full.value)
    assert str(fast.value).startswith("bad.gpkg: feature p0000: geometry is null (and ")


@pytest.mark.parametrize("position", [0, 1234, N - 1])
def test_one_bad_feature_anywhere(position: int, no_fallback: None) -> None:
    layer = _clean()
    geoms = layer.geometry.array.copy()
    geoms[position] = _bowtie(position)
    layer = layer.set_geometry(gpd.GeoSeries(geoms, crs=layer.crs))
    expected = _lines(validate_layer(layer, "one.parquet", ()))
    assert len(expected) == 1
    assert _lines(vectorised.validate_layer_vectorised(layer, "one.parquet")) == expected


def test_lonlat_layer_swapped_and_out_of_range(no_fallback: None) -> None:
    layer = _clean().to_crs(4326)
    geoms = layer.geometry.array.copy()
    geoms[3] = shapely.box(29.6, 106.2, 29.7, 106.3)  # swapped
    geoms[4] = shapely.box(500_000, 3_300_000, 500_100, 3_300_100)  # metres as degrees
    geoms[5] = shapely.box(200.0, 10.0, 200.1, 10.1)  # out of range
    geoms[6] = shapely.box(-70.0, 40.0, -69.9, 40.1)  # far from China
    layer = layer.set_geometry(gpd.GeoSeries(geoms, crs=layer.crs))
    layer["id"] = np.arange(N, dtype=np.int64)
    layer.loc[N - 1, "id"] = 4  # a duplicate integer id
    expected = _lines(validate_layer(layer, "ll.geojson", ()))
    assert len(expected) == 5
    assert _lines(vectorised.validate_layer_vectorised(layer, "ll.geojson")) == expected


def test_float_and_text_ids_alike(no_fallback: None) -> None:
    layer = _clean()
    layer["id"] = pd.Series([float(k) for k in range(N)], dtype=object)
    layer.loc[100, "id"] = "7"  # 7.0 and "7" are one id
    layer.loc[200, "id"] = np.nan  # missing
    expected = _lines(validate_layer(layer, "f.gpkg", ()))
    assert expected == ["f.gpkg: feature 7: duplicate id: feature #100 reuses the id of feature #7"]
    assert _lines(vectorised.validate_layer_vectorised(layer, "f.gpkg")) == expected


def test_categorical_blank_is_missing(no_fallback: None) -> None:
    layer = _clean()
    names = ["示例数据 地块"] * N
    names[10], names[N - 1] = "  ", "ç’§å±±"
    layer["name_zh"] = pd.Categorical(names)
    expected = _lines(validate_layer(layer, "c.gpkg", REQUIRED))
    assert len(expected) == 2
    assert "feature p0010: missing required property: name_zh" in expected[0]
    got = vectorised.validate_layer_vectorised(layer, "c.gpkg", REQUIRED)
    assert _lines(got) == expected


def test_accuracy_of_other_kinds(no_fallback: None) -> None:
    layer = _clean()
    accuracy: list[object] = ["official"] * N
    accuracy[3], accuracy[4], accuracy[N - 1] = pd.NaT, None, 7
    layer["accuracy"] = pd.Series(accuracy, dtype=object)
    expected = _lines(validate_layer(layer, "a.gpkg", ()))
    assert len(expected) == 2  # NaT and 7 are no accuracy; None is missing, not required
    assert _lines(vectorised.validate_layer_vectorised(layer, "a.gpkg")) == expected


def test_clean_layer_has_none(no_fallback: None) -> None:
    layer = _clean()
    assert validate_layer(layer, "ok.gpkg", REQUIRED) == []
    assert vectorised.validate_layer_vectorised(layer, "ok.gpkg", REQUIRED) == []
    assert vectorised.clean_under_validator(layer, threads=2)
    assert not vectorised.clean_under_validator(_bad())


def test_unreadable_column_goes_whole() -> None:
    layer = _bad()
    layer["accuracy"] = [["official"]] * N  # lists: unhashable
    expected = _lines(validate_layer(layer, "l.gpkg", ()))
    assert _lines(vectorised.validate_layer_vectorised(layer, "l.gpkg", ())) == expected


def test_only_flagged_rows_reach_the_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    check = vectorised._geometry_findings

    def counted(part: gpd.GeoDataFrame, skip: frozenset[int]) -> list[tuple[int, str]]:
        seen.append(len(part))
        return check(part, skip)

    monkeypatch.setattr(vectorised, "_geometry_findings", counted)
    vectorised.validate_layer_vectorised(_bad(), "bad.gpkg", REQUIRED)
    assert seen and seen[0] < 40  # the flagged features, not the 2,500


def test_checks_refuse_a_large_layer_in_the_validators_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layer = _bad()
    layer["id"] = [f"z{k}" for k in range(N)]
    geoms = layer.geometry.array.copy()
    geoms[17] = _parcel(17)  # a collection is refused first, as no polygon, on either path
    layer = layer.set_geometry(gpd.GeoSeries(geoms, crs=layer.crs))
    with pytest.raises(LayerError) as full:
        ensure_valid(layer, "zones.gpkg")
    monkeypatch.setattr(inputs, "ensure_valid", no_feature_by_feature)
    with pytest.raises(LayerError) as checked:
        prepare_layers({"zones": layer}, sources={"zones": "zones.gpkg"})
    assert str(checked.value) == str(full.value)
