"""Duplicate ids in the vectorised validator: a text column Arrow finds unique stays in Arrow.

Synthetic (示例数据) 10 m boxes in EPSG:4544. Whatever the ids (text as Arrow
or as Python objects, repeated first, last or side by side, blank, missing,
padded), :func:`validate_layer_vectorised` gives what the full validator
gives, line for line; a text column without a repeat is never turned into
Python objects for the duplicate test.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spatial.validate import vectorised
from spatial.validate.problems import validate_layer
from spatial.validate.vectorised import validate_layer_vectorised

N = 60


def _layer(ids: list[object], dtype: str) -> gpd.GeoDataFrame:
    x0, y0 = 620_000.0, 3_280_000.0
    boxes = [shapely.box(x0 + 20 * k, y0, x0 + 20 * k + 10, y0 + 10) for k in range(N)]
    return gpd.GeoDataFrame(
        {"id": pd.Series(ids, dtype=dtype), "note": ["示例数据 synthetic"] * N},
        geometry=boxes,
        crs="EPSG:4544",
    )


def _ids(**changed: object) -> list[object]:
    ids: list[object] = [f"p{k:03d}" for k in range(N)]
    for at, value in changed.items():
        ids[int(at.lstrip("_"))] = value
    return ids


CASES = {
    "unique": _ids(),
    "first and last": _ids(_59="p000"),
    "side by side": _ids(_31="p030"),
    "three times": _ids(_10="p005", _50="p005"),
    "blank and missing repeat": _ids(_3="", _4="", _7=None, _8=None),
    "padded": _ids(_20=" p019"),
}


@pytest.mark.parametrize("dtype", ["str", "object", "category"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_same_lines_as_the_validator(case, dtype) -> None:
    layer = _layer(CASES[case], dtype)
    expected = validate_layer(layer, "f.parquet", ())
    assert validate_layer_vectorised(layer, "f.parquet") == expected
    repeats = case not in {"unique", "blank and missing repeat"}
    assert any("duplicate id" in str(p) for p in expected) == repeats


def test_unique_text_ids_are_not_read_in_python(monkeypatch) -> None:
    layer = _layer(CASES["unique"], "str")

    def refused(values):
        raise AssertionError("ids read one by one")

    monkeypatch.setattr(vectorised, "_id_texts", refused)
    assert validate_layer_vectorised(layer, "f.parquet") == []
    with pytest.raises(AssertionError, match="one by one"):
        validate_layer_vectorised(_layer(CASES["side by side"], "str"), "f.parquet")


def test_unique_category_ids_are_answered_by_arrow(monkeypatch) -> None:
    """A category column's dictionary is decoded: Arrow answers, no id made a Python object."""
    layer = _layer(CASES["unique"], "category")

    def refused(values):
        raise AssertionError("ids read one by one")

    monkeypatch.setattr(vectorised, "_id_texts", refused)
    assert validate_layer_vectorised(layer, "f.parquet") == []
    assert vectorised._no_duplicate_ids(layer) is True


@pytest.mark.parametrize(
    ("ids", "dtype", "unique"),
    [
        (list(range(N)), "int64", True),
        ([*range(N - 1), 0], "int64", False),  # the first id again, last
        (_ids(_20=" p019"), "str", False),  # padded: "p019" twice once stripped
        (_ids(_20=" p020"), "str", True),
    ],
)
def test_arrow_is_asked_once_when_it_cannot_say(monkeypatch, ids, dtype, unique) -> None:
    layer = _layer(ids, dtype)
    expected = validate_layer(layer, "f.parquet", ())
    assert (not any("duplicate id" in str(p) for p in expected)) == unique
    asked = []
    ask = vectorised._ids_unique

    def counted(values):
        asked.append(ask(values))
        return asked[-1]

    monkeypatch.setattr(vectorised, "_ids_unique", counted)
    assert vectorised._no_duplicate_ids(layer) is unique
    assert asked == [None]  # Arrow could not say, and was not asked again
