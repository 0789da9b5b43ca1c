"""Twins are oriented once: in the versions a map draws, and when the twin path readies them.

``spatial diff`` of two large versions shares each unchanged geometry (a twin)
between OLD and NEW. Asked for its versions, the diff orients OLD and gives each
NEW twin OLD's oriented copy (one object in both, as read), the same rings as
orienting each version whole; readying the pair orients the features that are
no twin in the caller's own arrays, slice by slice of their positions. 示例数据:
tests/review/test_diff_twins.py's grid of 900 parcels, every other ring clockwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from spatial.commands.diff import DiffRequest, run_diff
from spatial.io.layers import read_layer
from spatial.review import _fast, _twins
from tests.review.test_diff_twins import (  # noqa: F401
    _new,
    _old,
    _read_built,
    _write,
    small_is_large,
)

#: Twins of the pair: 900 parcels less 2 removed and 4 whose bytes changed (3 reshaped, 1 reversed).
TWINS = 900 - 2 - 4


def _wkb_twins(old_path: str, new_path: str) -> set[str]:
    """Ids whose WKB is byte for byte the same in both files (independently of the diff)."""
    old, new = read_layer(old_path), read_layer(new_path)
    old_wkb = dict(zip(old["id"], shapely.to_wkb(old.geometry.to_numpy()), strict=True))
    new_wkb = dict(zip(new["id"], shapely.to_wkb(new.geometry.to_numpy()), strict=True))
    return {i for i, wkb in new_wkb.items() if old_wkb.get(i) == wkb}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    return _write(_old(), tmp_path / "old.parquet"), _write(_new(_old()), tmp_path / "new.parquet")


def test_versions_orient_each_twin_once_and_keep_it_shared(
    pair: tuple[str, str],
    small_is_large: list[bool],  # noqa: F811
) -> None:
    found = run_diff(DiffRequest(old=pair[0], new=pair[1], class_field="YDYHFLDM", checks=False))
    assert small_is_large == [True] and not found.diff.oriented
    old, new = found.diff.versions
    by_id = dict(zip(old["id"], old.geometry.array, strict=True))
    shared = {i for i, g in zip(new["id"], new.geometry.array, strict=True) if by_id.get(i) is g}
    expected = _wkb_twins(*pair)
    assert len(expected) == TWINS
    assert shared == expected  # every twin one oriented object in both versions
    for version, path in zip((old, new), pair, strict=True):
        whole = read_layer(path)  # every geometry its own, oriented whole
        oriented = shapely.orient_polygons(whole.geometry.to_numpy())
        assert list(version["id"]) == list(whole["id"])
        assert list(shapely.to_wkb(version.geometry.array)) == list(shapely.to_wkb(oriented))


def test_readying_orients_only_what_is_no_twin_in_the_callers_arrays(
    pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_twins, "FAST_MIN_FEATURES", 0)
    calls: list[tuple[int, int]] = []
    real = _twins.orient_in_place

    def spy(geoms: np.ndarray, threads: int = 1, at: np.ndarray | None = None) -> np.ndarray:
        calls.append((len(geoms), len(geoms) if at is None else int(at.sum())))
        return real(geoms, threads, at=at)

    monkeypatch.setattr(_twins, "orient_in_place", spy)
    read = _read_built(*pair)
    ready = _twins.ready_twins([(read[0], "old", "id"), (read[1], "new", "id")])
    assert ready is not None
    # OLD: 900, of which 6 are no twin (2 removed, 4 changed); NEW: 899, of which 5 (4 and lu-new)
    assert calls == [(900, 900 - TWINS), (899, 899 - TWINS)]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(
    "chosen", [[0], [0, 1, 2, 3, 4], [3, 4, 5, 6], [19], [0, 7, 8, 19], list(range(20))]
)
def test_a_position_mask_orients_those_in_place(
    chosen: list[int], threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_fast, "_ORIENT_SLICE", 2)  # mask positions split over slice edges
    clockwise = shapely.reverse(shapely.box(0, 0, 1, 1))
    geoms = np.array([shapely.affinity.translate(clockwise, k) for k in range(20)], dtype=object)
    before = geoms.copy()
    at = np.zeros(20, dtype=bool)
    at[chosen] = True
    assert _fast.orient_in_place(geoms, threads, at=at) is geoms
    for k in range(20):
        if at[k]:
            assert shapely.to_wkb(geoms[k]) == shapely.to_wkb(shapely.orient_polygons(before[k]))
            assert shapely.is_ccw(geoms[k].exterior)
        else:
            assert geoms[k] is before[k]  # left as it was, the very object


def test_a_slice_is_written_back_before_the_next_is_oriented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The caller's array lets go of each slice's originals as it goes (no whole copy)."""
    monkeypatch.setattr(_fast, "_ORIENT_SLICE", 2)
    geoms = np.array([shapely.reverse(shapely.box(k, 0, k + 1, 1)) for k in range(9)], dtype=object)
    originals = geoms.copy()
    at = np.array([k % 3 != 1 for k in range(9)])  # positions 0 2 3 5 6 8: slices (0 2) (3 5) (6 8)
    seen: list[list[int]] = []
    real = shapely.orient_polygons

    def watching(values: np.ndarray) -> np.ndarray:
        seen.append([k for k in np.flatnonzero(at) if geoms[k] is not originals[k]])
        return real(values)

    monkeypatch.setattr(shapely, "orient_polygons", watching)
    _fast.orient_in_place(geoms, 1, at=at)
    assert seen == [[], [0, 2], [0, 2, 3, 5]]
