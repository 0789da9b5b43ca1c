"""The overlay scan's outcome is the plain path's for every kind of bad feature, wherever it sits.

``overlay --op intersection|difference|coverage`` of a layer file runs through the
scan (:mod:`spatial.overlay.parquet`, :mod:`spatial.overlay.scan_ops`): a unit of
rows at a time, boxes from the WKB, features whose box misses every zone's passed
without GEOS. Each kind of bad feature of :mod:`fastpath_bad` is put far from every
zone (where the scan skips GEOS) or inside zone-cjrh (where it cuts), first, on a
unit's edge or last; the outcome (the rows bit for bit, or the refusal's type and
one-line message) must be that of ``read_layer`` and the operation. Synthetic
parcels (示例数据, EPSG:4544) over the bundled zones; 2,100 of them, above the 2,000
the full validator takes whole. Each kind goes far from the zones at one place and
inside a zone at another, the places taken in turn, so that every place meets both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import grid_parcels_gk
from fastpath_bad import KINDS, assert_same_outcome, outcome, spoil, write_layer

from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay.operations import buffer_coverage, difference, tabulate_intersection
from spatial.overlay.parquet import tabulate_parquet
from spatial.overlay.scan_ops import coverage_file, difference_file

ZONES = read_layer(bundled_layer_path("zones"))
ZONE = ZONES.to_crs(4544).set_index("id").geometry["zone-cjrh"]
UNIT_ROWS = 700
DISTANCE_M = 100.0
N_NEAR, N_FAR = 1600, 500
#: first, both sides of the first unit's edge, last
PLACES = {"first": 0, "edge-1": UNIT_ROWS - 1, "edge": UNIT_ROWS, "last": N_NEAR + N_FAR - 1}


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    near = grid_parcels_gk(40)
    far = near.iloc[:N_FAR].copy()
    far = far.set_geometry(far.geometry.translate(0, -20_000))
    far["id"] = [f"q{i:05d}" for i in range(N_FAR)]
    layer = pd.concat([near, far], ignore_index=True)
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=4544)


def _at(where: str) -> tuple[float, float]:
    """A corner inside zone-cjrh (``near``) or 20 km south of every zone (``far``), m."""
    inside = ZONE.representative_point()
    return (inside.x, inside.y) if where == "near" else (inside.x, inside.y - 20_000.0)


def _plain(op: str, path: Path) -> Any:
    names = (str(path), "layer B")
    a = read_layer(path)
    if op == "intersection":
        return tabulate_intersection(a, ZONES, names=names)
    if op == "difference":
        return difference(a, ZONES, "id", names=names)
    return buffer_coverage(a, ZONES, DISTANCE_M, "id", names=names)


FAST: dict[str, Callable[..., Any]] = {
    "intersection": lambda path, **split: tabulate_parquet(path, ZONES, **split),
    "difference": lambda path, **split: difference_file(path, ZONES, "id", **split),
    "coverage": lambda path, **split: coverage_file(path, ZONES, DISTANCE_M, "id", **split),
}


def _fast(op: str, path: Path) -> Any:
    return FAST[op](path, unit_rows=UNIT_ROWS, threads=2)


def _no_plain_path(*args: object, **kwargs: object) -> None:
    raise AssertionError("the plain path was taken")


def _compare(path: Path) -> None:
    for op in FAST:
        assert_same_outcome(outcome(partial(_fast, op, path)), outcome(partial(_plain, op, path)))


#: Kinds whose place matters: built by GEOS and cut only near a zone (the others are found
#: by the scan's first stage, a box or a null, wherever they lie).
NEAR_MATTERS = {"bowtie", "self-touching", "unclosed", "line", "point"}


def _scenes(kinds: list[str], wheres: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(kind, place, where): kind ``i`` far at place ``i``, inside a zone at place ``i + 2``."""
    names = list(PLACES)
    scenes = []
    for i, kind in enumerate(kinds):
        for where, shift in zip(wheres, (0, 2), strict=False):
            if where == "near" and kind not in NEAR_MATTERS:
                continue  # found by the first stage's checks wherever it lies, or an id
            scenes.append((kind, names[(i + shift) % len(names)], where))
    return scenes


def _ids(scenes: list[tuple[str, str, str]]) -> list[str]:
    return ["-".join(scene) for scene in scenes]


PARQUET_SCENES = _scenes(KINDS, ("far", "near"))
GPKG_SCENES = _scenes([k for k in KINDS if k != "unclosed"][::-2], ("far",))


@pytest.mark.parametrize(("kind", "place", "where"), PARQUET_SCENES, ids=_ids(PARQUET_SCENES))
def test_geoparquet_same_outcome(parcels, tmp_path, kind, place, where):
    k = PLACES[place]
    _compare(write_layer(spoil(parcels, k, kind, _at(where)), tmp_path / "bad.parquet"))


@pytest.mark.parametrize(("kind", "place", "where"), GPKG_SCENES, ids=_ids(GPKG_SCENES))
def test_geopackage_same_outcome(parcels, tmp_path, kind, place, where):
    _compare(write_layer(spoil(parcels, PLACES[place], kind, _at(where)), tmp_path / "bad.gpkg"))


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_a_clean_layer_takes_the_scan_and_gives_the_plain_rows(
    parcels, tmp_path, suffix, monkeypatch
):
    path = write_layer(parcels, tmp_path / f"clean{suffix}")
    expected = {op: outcome(partial(_plain, op, path)) for op in FAST}
    monkeypatch.setattr("spatial.io.layers.read_layer", _no_plain_path)  # the scan decides
    for op, (kind, rows) in expected.items():
        assert kind == "rows"
        assert len(rows) > 100
        assert_same_outcome(outcome(partial(_fast, op, path)), (kind, rows))
    # the far parcels passed whole: their part is the parcel, in lon/lat
    table = expected["difference"][1].set_index("id")
    far = table.loc["q00007"]
    assert far["share_of_a"] == 1.0
    assert shapely.equals(far["geometry"], parcels.to_crs(4326).geometry.iloc[N_NEAR + 7])
