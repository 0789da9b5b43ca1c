"""``spatial diff`` through its twins refuses every bad feature as reading each version whole.

diff's fast path (:mod:`spatial.review._twins`) matches the versions by id, takes
a NEW feature whose WKB is its OLD twin's as that twin (checked once, oriented
only where a change meets it) and decodes the versions in slices.
``tests/review/test_diff_twins.py`` and ``test_diff_oriented.py`` place a null,
empty, bow-tie, NaN and duplicate-id feature; here the other kinds of
:mod:`fastpath_bad` (a ring touching itself, a line, a point, an infinite
coordinate, a ring not closed, a missing id) go first, on a decoding slice's
edge or last (taken in turn), in OLD and in NEW, and in both as an unchanged twin
(GeoPackage: the twin); the outcome
(features, pieces, matrix, versions, or the refusal's words) must be that of
each version read by ``read_layer`` (synthetic grid, 示例数据, EPSG:4544).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from fastpath_bad import spoil, write_layer

from tests.review.test_diff_twins import (
    SLICE,
    _assert_same,
    _new,
    _old,
    _outcome,
    _read_whole,
    small_is_large,
)

__all__ = ["small_is_large"]  # the fixture, shared with test_diff_twins

KINDS = ["self-touching", "line", "point", "inf", "unclosed", "null id"]
TWIN = 200  # a parcel NEW keeps as it is in OLD


def _bad(gdf: gpd.GeoDataFrame, k: int, kind: str) -> gpd.GeoDataFrame:
    x, y = gdf.geometry.iloc[k].bounds[:2]
    return spoil(gdf, k, kind, (x + 20.0, y + 20.0))


def _cases() -> list[tuple[str, str, gpd.GeoDataFrame, gpd.GeoDataFrame]]:
    old = _old()
    new = _new(old)
    cases = []
    places = (0, SLICE, -1)  # first, a decoding slice's edge, last: taken in turn
    for i, kind in enumerate(KINDS):
        k_old, k_new = places[i % 3], places[(i + 1) % 3]
        cases.append((f"{kind} old {k_old}", kind, _bad(old, k_old % len(old), kind), new))
        cases.append((f"{kind} new {k_new}", kind, old, _bad(new, k_new % len(new), kind)))
        twin_old = _bad(old, TWIN, kind)
        twin_new = _new(twin_old)
        if kind == "unclosed":  # the same open ring in NEW, where _new put the twin
            at = twin_new.index[twin_new["id"] == twin_old["id"].iloc[TWIN]][0]
            twin_new.attrs["unclosed"] = [int(at), twin_old.attrs["unclosed"][1]]
        cases.append((f"{kind} unchanged twin", kind, twin_old, twin_new))
    return cases


def _with_suffixes() -> list[tuple[str, str, str, gpd.GeoDataFrame, gpd.GeoDataFrame]]:
    """Every case in GeoParquet; in GeoPackage the twins and a missing id (GDAL closes rings)."""
    found = []
    for label, kind, old, new in _cases():
        found.append((".parquet", label, kind, old, new))
        if kind != "unclosed" and ("twin" in label or kind == "null id"):
            found.append((".gpkg", label, kind, old, new))
    return found


@pytest.mark.parametrize(
    ("suffix", "label", "kind", "old", "new"),
    _with_suffixes(),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_features_the_same_outcome_as_read_whole(
    tmp_path: Path,
    suffix: str,
    label: str,
    kind: str,
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    small_is_large: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_path = str(write_layer(old, tmp_path / f"old{suffix}", row_group_size=SLICE))
    new_path = str(write_layer(new, tmp_path / f"new{suffix}", row_group_size=SLICE))
    found = _outcome(old_path, new_path)
    expected = _read_whole(monkeypatch, old_path, new_path)
    if isinstance(expected, str):
        assert found == expected
        assert f"old{suffix}" in found or f"new{suffix}" in found
        assert "\n" not in found
    else:
        _assert_same(found, expected)
