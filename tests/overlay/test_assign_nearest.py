"""``overlay --op assign``: the nearest zone from boxes, on threads: the tree's rows, bit for bit.

The plain path (what :func:`spatial.overlay.operations.assign_points` did before) is
the STRtree's ``query_nearest`` then ``shapely.distance`` for every point outside the
zones, in the zone ``gk_zone_crs_for`` chooses from every point moved to lon/lat. It is
put back here by monkeypatching, and its outcome (the rows, or the refusal) compared
with the fast path's on synthetic (示例数据) points in EPSG:4544 around the bundled zones,
as GeoParquet and GeoPackage, with bad points first, last and at the chunks' edges.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import shapely

from spatial.cli import main
from spatial.crs import gk_zone_crs_for
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay import _nearest, operations
from spatial.overlay._nearest import gk_zone_of, nearest_polygons

ZONES = read_layer(bundled_layer_path("zones"))[["id", "geometry"]]
ZONES_GK = ZONES.to_crs(4544)
CHUNK = 7  # points a chunk, in these tests: many chunk edges
X0, Y0 = 616_000.0, 3_280_000.0  # metres, EPSG:4544 (Bishan)


def _tree_nearest(
    points: npt.NDArray[np.object_], polys: gpd.GeoDataFrame
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """The plain path: the tree's nearest polygon of every point, and the distance to it."""
    jp, jq = polys.sindex.nearest(points, return_all=False)
    found = np.full(len(points), -1, dtype=np.intp)
    found[jp] = jq
    distance = np.full(len(points), np.nan)
    distance[jp] = shapely.distance(points[jp], np.asarray(polys.geometry.array)[jq])
    return found, distance


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations, "_nearest_outside", _tree_nearest)
    monkeypatch.setattr(operations, "_assign_zone", gk_zone_crs_for)


def _outcome(run: Any) -> Any:
    try:
        return run()
    except Exception as exc:  # the refusal is the outcome compared
        return f"{type(exc).__name__}: {exc}"


def _points(n: int, seed: int) -> gpd.GeoDataFrame:
    """Points over the zones' box grown by 3 km, on a 1 m grid (many exact ties)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = ZONES_GK.total_bounds
    xs = np.round(rng.uniform(x0 - 3000, x1 + 3000, n))
    ys = np.round(rng.uniform(y0 - 3000, y1 + 3000, n))
    ids = [f"pt{i:05d}" for i in range(n)]
    return gpd.GeoDataFrame(
        {"id": ids, "note": "示例数据"}, geometry=shapely.points(xs, ys), crs=4544
    )


# --- the nearest polygon -------------------------------------------------------


def _squares() -> npt.NDArray[np.object_]:
    """Nine 100 m squares 100 m apart (integer corners): points between are often tied."""
    corners = [(X0 + 200 * i, Y0 + 200 * j) for i in range(3) for j in range(3)]
    return np.array([shapely.box(x, y, x + 100, y + 100) for x, y in corners])


@pytest.mark.parametrize("threads", [1, 2])
def test_nearest_polygons_is_the_trees_answer_with_ties(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_nearest, "CHUNK_POINTS", CHUNK)
    polys = _squares()
    rng = np.random.default_rng(24)
    xy = np.round(rng.uniform(-300, 800, (3000, 2)) / 25) * 25 + (X0, Y0)  # a 25 m grid
    points = shapely.points(xy)
    tree = shapely.STRtree(polys)
    ip, expected = tree.query_nearest(points, all_matches=False)
    assert np.array_equal(ip, np.arange(len(points)))
    asked: list[int] = []

    def ties(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        asked.extend(positions.tolist())
        return tree.query_nearest(points[positions], all_matches=False)[1]  # type: ignore[no-any-return]

    found, distance = nearest_polygons(points, polys, ties, threads)
    assert np.array_equal(found, expected)
    exact = shapely.distance(points, polys[expected])
    assert np.array_equal(distance.view(np.int64), exact.view(np.int64))
    # ties are real here, and only they (no box is empty) went to the tree
    all_d = shapely.distance(points[:, None], polys[None, :])
    tied = np.flatnonzero((all_d == all_d.min(axis=1)[:, None]).sum(axis=1) > 1)
    assert len(tied) > 100
    assert sorted(asked) == tied.tolist()


def test_nearest_polygons_asks_the_tree_for_empty_points_and_many_polygons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    polys = _squares()
    points = np.array([shapely.Point(X0 - 10, Y0), shapely.Point(), shapely.Point(X0 + 150, Y0)])
    tree = shapely.STRtree(polys)

    def ties(positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        jp, jq = tree.query_nearest(points[positions], all_matches=False)
        found = np.full(len(positions), -1, dtype=np.intp)
        found[jp] = jq
        return found

    found, distance = nearest_polygons(points, polys, ties)
    assert found.tolist()[1] == -1 and np.isnan(distance[1])
    assert distance[0] == 10.0 and distance[2] == 50.0
    monkeypatch.setattr(_nearest, "MAX_POLYGONS", 3)  # the tree for every point
    again, distance_again = nearest_polygons(points, polys, ties)
    assert np.array_equal(again, found)
    assert np.array_equal(distance_again, distance, equal_nan=True)


def test_the_zone_is_told_from_the_boxes_only_when_they_settle_it() -> None:
    pts = _points(500, 1)
    lonlat = ZONES_GK.to_crs(4326).total_bounds.reshape(1, 4)
    bounds = shapely.bounds(np.asarray(pts.geometry.array))
    assert gk_zone_crs_for(pts, ZONES_GK).equals(ZONES_GK.crs)
    assert gk_zone_of(bounds, ZONES_GK.crs, lonlat)
    # zones in lon/lat: not their own storage frame's zone, so the boxes do not tell it
    in_lonlat = shapely.bounds(np.asarray(pts.to_crs(4326).geometry.array))
    assert not gk_zone_of(in_lonlat, ZONES.crs, ZONES.total_bounds.reshape(1, 4))
    # a huge coordinate: no zone from the boxes, and no error
    huge = np.vstack([bounds, [1e300, Y0, 1e300, Y0]])
    assert not gk_zone_of(huge, ZONES_GK.crs, lonlat)
    # points straddling 106.5°E (the zone's edge, about 630 km east): the full rule decides
    edge = pts.set_geometry(pts.geometry.translate(xoff=130_000))
    assert not gk_zone_of(shapely.bounds(np.asarray(edge.geometry.array)), edge.crs, lonlat)
    assert np.isnan(bounds[:0]).all() and not gk_zone_of(bounds[:0], ZONES_GK.crs, lonlat)


# --- assign_points and the command --------------------------------------------


@pytest.mark.parametrize("zones", [ZONES_GK, ZONES], ids=["zones-4544", "zones-4326"])
def test_assign_points_gives_the_plain_rows_bit_for_bit(
    zones: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_nearest, "CHUNK_POINTS", 97)
    pts = _points(4000, 2)
    fast = operations.assign_points(pts, zones)
    with monkeypatch.context() as m:
        _plain(m)
        plain = operations.assign_points(pts, zones)
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert 0 < fast.inside.sum() < len(pts) // 2  # both kinds of row
    assert fast.point_id.nunique() == len(pts)


BAD: dict[str, Any] = {
    "null": None,
    "empty": shapely.Point(),
    "nan": shapely.Point(np.nan, Y0),
    "huge": shapely.Point(1e300, Y0),
    "polygon": shapely.box(X0, Y0, X0 + 5, Y0 + 5),
    "duplicate-id": "dup",
    "null-id": "null-id",
}
PLACES = {"first": 0, "chunk-edge": CHUNK, "last": -1}


@pytest.fixture(params=[".parquet", ".gpkg"])
def suffix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _bad_layer(kind: str, place: int) -> gpd.GeoDataFrame:
    pts = _points(60, 3)
    ids = pts["id"].to_numpy(dtype=object, copy=True)
    geoms = np.asarray(pts.geometry.array).copy()
    if kind == "duplicate-id":
        ids[place] = ids[1] if place != 1 else ids[2]
    elif kind == "null-id":
        ids[place] = None
    else:
        geoms[place] = BAD[kind]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=list(geoms), crs=4544)


def _write(layer: gpd.GeoDataFrame, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".parquet":
            layer.to_parquet(path)
        else:
            layer.to_file(path, engine="pyogrio")
    return path


@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
@pytest.mark.parametrize("kind", BAD)
def test_bad_points_give_the_plain_outcome_from_the_file(
    kind: str,
    place: int,
    suffix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(_nearest, "CHUNK_POINTS", CHUNK)
    points = _write(_bad_layer(kind, place), tmp_path / f"points{suffix}")
    zones = _write(ZONES_GK, tmp_path / f"zones{suffix}")

    def command(out: Path) -> tuple[str] | str:
        args = ["overlay", str(points), str(zones), "--op", "assign", "--format", "csv"]
        code = main([*args, "--out", str(out)])
        err = capsys.readouterr().err
        if code:
            return f"{code}: {err}"
        return (out.read_text(encoding="utf-8"),)

    fast = _outcome(lambda: command(tmp_path / "fast.csv"))
    with monkeypatch.context() as m:
        _plain(m)
        plain = _outcome(lambda: command(tmp_path / "plain.csv"))
    assert fast == plain  # the CSV's text, or the refusal
    if isinstance(plain, str):
        assert plain.startswith("2: ") and plain.count("\n") == 1 and str(points) in plain
    else:
        assert plain[0].count("\n") == 61  # header and a row a point (none is in two zones)
