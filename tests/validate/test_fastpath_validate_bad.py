"""``spatial validate``'s fast paths name every bad feature as the full validator does.

The batched validator (:func:`spatial.validate.batched.validate_file_batched`:
GeoParquet through pyarrow, GeoPackage through pyogrio's Arrow stream) reads a
batch at a time and settles convex parcels from their WKB without GEOS
(:mod:`spatial.validate.convex`); the in-memory one
(:func:`spatial.validate.vectorised.validate_layer_vectorised`) flags rows in one
vectorised call. Each kind of bad feature of :mod:`fastpath_bad` is placed first,
on both sides of a batch's edge and last, among convex boxes the shortcut settles,
and the lines must be those of the full validator, word for word (synthetic
parcels, 示例数据, EPSG:4544).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from fastpath_bad import GEOMETRY_KINDS, KINDS, assert_same_outcome, outcome, spoil, write_layer
from grids import grid_parcels

from spatial.validate import batched, vectorised
from spatial.validate.problems import validate_file, validate_layer

BATCH_ROWS = 16
N = 60
#: first, both sides of the first batch's edge, last
PLACES = {"first": 0, "edge-1": BATCH_ROWS - 1, "edge": BATCH_ROWS, "last": N - 1}
ORIGIN = (620_000.0, 3_280_000.0)
#: Kinds ``validate`` does not name (a layer's geometry kind is asked by the command using it).
UNNAMED = {"line", "point"}


def _grid(n: int = N) -> gpd.GeoDataFrame:
    layer = grid_parcels(10, n // 10 + 1, ["0103"], ORIGIN, id_digits=4, synthetic=True)
    return layer.iloc[:n].reset_index(drop=True)


def _bad(kind: str, k: int) -> gpd.GeoDataFrame:
    layer = _grid()
    x, y = layer.geometry.iloc[k].bounds[:2]
    return spoil(layer, k, kind, (x + 20.0, y + 20.0))


def _lines(problems: list[object]) -> list[str]:
    return [str(p) for p in problems]


#: Every place in GeoParquet; a batch's edge and the last in GeoPackage.
WHERE = [(".parquet", name) for name in PLACES] + [(".gpkg", "edge-1"), (".gpkg", "last")]


#: Each kind at each place; an unclosed ring in GeoParquet only (GDAL closes a ring it writes).
CASES = [
    (kind, suffix, where)
    for kind in KINDS
    for suffix, where in WHERE
    if kind != "unclosed" or suffix == ".parquet"
]


@pytest.mark.parametrize(
    ("kind", "suffix", "where"), CASES, ids=[f"{k}-{s[1:]}-{w}" for k, s, w in CASES]
)
def test_batched_lines_are_the_full_validators(
    tmp_path: Path, kind: str, suffix: str, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = PLACES[where]
    path = write_layer(_bad(kind, place), tmp_path / f"bad{suffix}")
    expected = outcome(lambda: _lines(validate_file(path, required=("id",))))
    if kind != "unclosed":  # a WKB GEOS cannot build goes to the full validator by design

        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("the batched path fell back to validate_file")

        monkeypatch.setattr(batched, "validate_file", refuse)
    got = outcome(
        lambda: _lines(
            batched.validate_file_batched(
                path, required=("id",), batch_rows=BATCH_ROWS, threads=2, progress=False
            )
        )
    )
    assert_same_outcome(got, expected)
    if kind == "unclosed":  # refused whole, as the full read refuses it (exit 2)
        assert expected[0] == "LayerError"
        return
    lines = expected[1]
    if kind in UNNAMED:
        assert lines == []
        return
    assert any(f"lu-{place:04d}" in line or f"#{place}" in line for line in lines), lines


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_a_clean_grid_has_no_lines_either_way(tmp_path: Path, suffix: str) -> None:
    path = write_layer(_grid(), tmp_path / f"clean{suffix}")
    got = batched.validate_file_batched(path, required=("id",), batch_rows=BATCH_ROWS)
    assert _lines(got) == _lines(validate_file(path, required=("id",))) == []


@pytest.mark.parametrize("place", [0, 2_399], ids=["first", "last"])
@pytest.mark.parametrize("kind", [*GEOMETRY_KINDS, "duplicate id", "null id"])
def test_vectorised_lines_are_the_full_validators(
    kind: str, place: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = grid_parcels(60, 40, ["0103"], ORIGIN, id_digits=4, synthetic=True)
    x, y = layer.geometry.iloc[place].bounds[:2]
    layer = spoil(layer, place, kind, (x + 20.0, y + 20.0))
    expected = _lines(validate_layer(layer, "lu.gpkg", ("id",)))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the vectorised path fell back to validate_layer")

    monkeypatch.setattr(vectorised, "validate_layer", refuse)
    got = _lines(vectorised.validate_layer_vectorised(layer, "lu.gpkg", ("id",), threads=2))
    assert got == expected
    assert bool(expected) != (kind in UNNAMED)
