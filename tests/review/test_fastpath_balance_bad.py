"""``spatial balance --zones`` through its WKB scan refuses every bad feature as the usual read.

:mod:`spatial.review.balance_scan` settles convex parcels from their WKB without
GEOS and builds only the rest and the parcels cut; the validator's mirror must
still see every feature. ``tests/review/test_balance_wkb_scan.py`` places a null,
empty, bow-tie, NaN and duplicate-id feature; here the other kinds of
:mod:`fastpath_bad` (a ring touching itself, a line, a point, an infinite
coordinate, a ring not closed, a missing id) go first, on both sides of a scan
slice's edge, inside a zone and last (outside every zone), and the outcome (the
table and its attrs, or the refusal's type and words) is compared with the same
command reading the file the usual way and with ``balance_table(fast=False)``,
the plain path (synthetic grid, 示例数据, EPSG:4544).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from fastpath_bad import spoil, write_layer

from spatial.io.layers import read_layer
from spatial.review.balance import balance_table
from tests.review.test_balance_wkb_scan import (
    COLS,
    PLACES,
    ROWS,
    SLICE,
    _grid,
    _outcomes,
    _place,
    _request,
    _same,
    _write,
    _zones,
    small,
)

__all__ = ["small"]  # the fixture, from the WKB scan's tests

KINDS = ["self-touching", "line", "point", "inf", "unclosed", "null id"]


def _plain(path: Path, zones: Path) -> list[object]:
    """``balance_table`` on the layers read whole, the fast path off: its table or refusal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = balance_table(
                read_layer(path), read_layer(zones), names=(str(path), str(zones)), fast=False
            )
    except Exception as exc:  # compared below, type and words
        return [type(exc), str(exc)]
    return [table]


def _scenes() -> list[tuple[str, str, str]]:
    """(kind, suffix, place): in GeoParquet each kind inside a zone and at two more places, in
    turn; in GeoPackage each at a slice's edge or last."""
    names = [*PLACES, "last"]
    scenes = []
    for i, kind in enumerate(KINDS):
        places = {"in zone", names[i % 5], names[(i + 2) % 5]}
        scenes += [(kind, ".parquet", place) for place in names if place in places]
        if kind != "unclosed":  # GDAL closes a ring it writes
            scenes.append((kind, ".gpkg", "next slice" if i % 2 else "last"))
    return scenes


SCENES = _scenes()


@pytest.mark.parametrize(
    ("kind", "suffix", "place"), SCENES, ids=[f"{k}-{s[1:]}-{p}" for k, s, p in SCENES]
)
def test_bad_feature_anywhere_same_outcome(
    kind: str,
    place: str,
    suffix: str,
    small: list[int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    k = _place(place, COLS * ROWS)
    lu = _grid()
    x, y = lu.geometry.iloc[k].bounds[:2]
    path = write_layer(spoil(lu, k, kind, (x + 20.0, y + 20.0)), tmp_path / f"lu{suffix}", 100)
    _write(_zones(), tmp_path / "zones.gpkg")
    arrow, usual, taken = _outcomes(_request(path, tmp_path / "zones.gpkg"), monkeypatch)
    # scanned (then asked whole), or left to read_arrow_frame; a WKB GEOS cannot build is read
    # the usual way from the start
    assert taken in ([True], [False]) or (kind == "unclosed" and taken == [None])
    _same(arrow, usual)
    plain = _plain(path, tmp_path / "zones.gpkg")
    if isinstance(plain[0], pd.DataFrame):
        pd.testing.assert_frame_equal(arrow[0], plain[0], check_exact=True)
    else:
        assert arrow[:2] == plain
        assert str(path) in str(arrow[1])
        assert "\n" not in str(arrow[1])
    assert SLICE < COLS * ROWS  # the slices' edge is inside the layer
