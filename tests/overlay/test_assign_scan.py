"""``overlay --op assign`` of a point layer file through the scan: the plain rows, bit for bit.

The fast path (:func:`spatial.overlay.scan_assign.assign_file`) takes each point's
coordinates from its WKB and builds no shapely point for those inside a zone; its
outcome (the rows, or the refusal) must be that of ``read_layer`` and
``assign_points``. Synthetic (示例数据) points in EPSG:4544 (and the same moved to
EPSG:4326) around the bundled zones with three zones added: two sharing an edge and
one inside zone-cjrh, so that points lie on shared edges, on vertices and in two
zones at once; on a 1 m grid, so that many are exactly as near to two zones. Bad
points (null, empty, NaN, huge, a polygon, a 3D point, a duplicate or null id) first,
at a unit's edge and last, in GeoParquet and GeoPackage.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely

from spatial.cli import main
from spatial.commands import overlay as overlay_command
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay import scan_assign
from spatial.overlay._points import point_bounds
from spatial.overlay.operations import assign_points
from spatial.overlay.scan_assign import assign_file

X0, Y0 = 625_500.0, 3_280_000.0  # metres, EPSG:4544: the added zones' corner (Bishan)
UNIT = 217  # points a unit, in these tests: many unit edges
SPLITS = [(UNIT, 1), (600, 2), (500_000, 2)]  # (unit rows, threads)
N_RANDOM = 2_400  # more than FULL_CHECK_MAX_FEATURES with the placed points


def _zones() -> gpd.GeoDataFrame:
    bundled = read_layer(bundled_layer_path("zones")).to_crs(4544)[["id", "geometry"]]
    cjrh = bundled.set_index("id").geometry["zone-cjrh"]
    cx, cy = cjrh.representative_point().coords[0]
    added = gpd.GeoDataFrame(
        {
            "id": ["west", "east", "inner"],
            "geometry": [
                shapely.box(X0, Y0, X0 + 400, Y0 + 300),
                shapely.box(X0 + 400, Y0, X0 + 800, Y0 + 300),  # shares an edge with west
                shapely.box(cx - 150, cy - 150, cx + 150, cy + 150),  # inside zone-cjrh
            ],
        },
        crs=4544,
    )
    return gpd.GeoDataFrame(pd.concat([bundled, added], ignore_index=True), crs=4544)


ZONES = _zones()


def _points() -> gpd.GeoDataFrame:
    """Random points on a 1 m grid, then every zone vertex and points on the shared edge."""
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = ZONES.total_bounds
    xs = np.round(rng.uniform(x0 - 2000, x1 + 2000, N_RANDOM))
    ys = np.round(rng.uniform(y0 - 2000, y1 + 2000, N_RANDOM))
    placed = [shapely.points(xs, ys)]
    placed.append(shapely.points(shapely.get_coordinates(ZONES.geometry.to_numpy())))
    edge = np.linspace(Y0, Y0 + 300, 31)
    placed.append(shapely.points(np.full(len(edge), X0 + 400), edge))
    inner = ZONES.set_index("id").geometry["inner"].centroid
    placed.append(np.array([inner] * 5, dtype=object))
    geoms = np.concatenate(placed)
    order = rng.permutation(len(geoms))  # the placed points spread over the units
    ids = [f"pt{i:05d}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=geoms[order], crs=4544)


POINTS = _points()


def _write(layer: gpd.GeoDataFrame, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".parquet":
            layer.to_parquet(path, row_group_size=300)
        else:
            layer.to_file(path, engine="pyogrio")
    return path


def _outcome(run: Any) -> Any:
    try:
        return run()
    except Exception as exc:  # the refusal is the outcome compared
        return f"{type(exc).__name__}: {exc}"


def plain(path: Path) -> pd.DataFrame:
    return assign_points(read_layer(path), ZONES, "id", "id", names=(str(path), "layer B"))


def no_plain_path(*args: object, **kwargs: object) -> None:
    raise AssertionError("the plain path was taken")


# --- coordinates from the WKB ------------------------------------------------


def test_point_bounds_are_the_coordinates_shapely_reads() -> None:
    geoms = np.asarray(POINTS.geometry.array)
    wkb = pa.array(shapely.to_wkb(geoms))
    xy = shapely.get_coordinates(geoms)
    bounds = point_bounds(wkb)
    assert bounds is not None
    assert (bounds == np.column_stack([xy, xy])).all()
    sliced = point_bounds(wkb.slice(7, 30))  # an array that starts inside its buffers
    assert sliced is not None and (sliced[:, :2] == xy[7:37]).all()
    large = point_bounds(wkb.cast(pa.large_binary()))
    assert large is not None and (large == bounds).all()


@pytest.mark.parametrize(
    "geometry",
    [
        None,
        shapely.Point(),
        shapely.Point(np.nan, Y0),
        shapely.Point(X0, np.inf),
        shapely.Point(X0, Y0, 3.0),
        shapely.box(X0, Y0, X0 + 1, Y0 + 1),
        shapely.MultiPoint([(X0, Y0)]),
    ],
    ids=["null", "empty", "nan", "inf", "3d", "polygon", "multipoint"],
)
def test_point_bounds_leave_anything_but_a_plain_point_to_the_validator(geometry: Any) -> None:
    wkb = [shapely.to_wkb(shapely.Point(X0, Y0)), None if geometry is None else geometry.wkb]
    assert point_bounds(pa.array(wkb, pa.binary())) is None


def test_point_bounds_leave_big_endian_points_to_the_validator() -> None:
    wkb = shapely.to_wkb(shapely.Point(X0, Y0), byte_order=0)
    assert point_bounds(pa.array([wkb])) is None


# --- the rows ----------------------------------------------------------------


@pytest.fixture(scope="module", params=[".parquet", ".gpkg"])
def suffix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=[4544, 4326], ids=["points-4544", "points-4326"])
def points_file(request, suffix, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("assign_scan")
    return _write(POINTS.to_crs(request.param), folder / f"points{suffix}")


@pytest.mark.parametrize(("unit_rows", "threads"), SPLITS)
def test_assign_file_gives_the_plain_rows_bit_for_bit(
    points_file, unit_rows, threads, monkeypatch
) -> None:
    expected = plain(points_file)
    counts = expected.groupby("point_id").size()
    on_edge = 31 if read_layer(points_file).crs.equals(ZONES.crs) else 0  # moved: off it
    assert (counts == 2).sum() >= 5 + on_edge  # the inner zone's points, the shared edge's
    assert expected.inside.sum() > 100 and (~expected.inside).sum() > 1000
    monkeypatch.setattr(scan_assign, "_read_whole", no_plain_path)
    got = assign_file(points_file, ZONES, unit_rows=unit_rows, threads=threads)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_point_on_the_shared_edge_is_in_both_zones_and_a_far_one_is_measured(tmp_path):
    """Independent figures: the edge x = X0 + 400 m is in west and east; a point 250 m east of
    east's box (its nearest zone) is 250 m from it."""
    extra = gpd.GeoDataFrame(
        {"id": ["edge", "far"], "note": "示例数据"},
        geometry=[shapely.Point(X0 + 400, Y0 + 100), shapely.Point(X0 + 1050, Y0 + 150)],
        crs=4544,
    )
    layer = gpd.GeoDataFrame(pd.concat([POINTS, extra], ignore_index=True), crs=4544)
    path = _write(layer, tmp_path / "points.parquet")
    rows = assign_file(path, ZONES, unit_rows=UNIT).set_index("point_id")
    assert sorted(rows.loc["edge", "polygon_id"]) == ["east", "west"]
    assert rows.loc["edge", "inside"].all()
    far = rows.loc["far"]
    assert far["polygon_id"] == "east" and not far["inside"] and far["dist_m"] == 250.0


# --- bad points ----------------------------------------------------------------

BAD: dict[str, Any] = {
    "null": None,
    "empty": shapely.Point(),
    "nan": shapely.Point(np.nan, Y0),
    "huge": shapely.Point(1e300, Y0),
    "polygon": shapely.box(X0, Y0, X0 + 5, Y0 + 5),
    "3d": shapely.Point(X0 + 10, Y0 + 10, 250.0),
    "duplicate-id": "dup",
    "null-id": "null-id",
}
PLACES = {"first": 0, "unit-edge": UNIT, "last": -1}


def _bad_layer(kind: str, place: int) -> gpd.GeoDataFrame:
    ids = POINTS["id"].to_numpy(dtype=object, copy=True)
    geoms = np.asarray(POINTS.geometry.array).copy()
    if kind == "duplicate-id":
        ids[place] = ids[1] if place != 1 else ids[2]
    elif kind == "null-id":
        ids[place] = None
    else:
        geoms[place] = BAD[kind]
    return gpd.GeoDataFrame({"id": ids, "note": "示例数据"}, geometry=list(geoms), crs=4544)


@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
@pytest.mark.parametrize("kind", BAD)
def test_bad_points_give_the_plain_outcome(kind, place, suffix, tmp_path) -> None:
    path = _write(_bad_layer(kind, place), tmp_path / f"points{suffix}")
    expected = _outcome(lambda: plain(path))
    got = _outcome(lambda: assign_file(path, ZONES, unit_rows=UNIT, threads=2))
    if isinstance(expected, str):
        assert got == expected
    else:
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_the_command_assigns_from_the_scan_the_plain_csv(suffix, tmp_path, monkeypatch, capsys):
    points = _write(POINTS, tmp_path / f"points{suffix}")
    zones = _write(ZONES, tmp_path / f"zones{suffix}")

    def command(out: Path) -> str:
        args = ["overlay", str(points), str(zones), "--op", "assign", "--format", "csv"]
        assert main([*args, "--out", str(out)]) == 0, capsys.readouterr().err
        return out.read_text(encoding="utf-8")

    with monkeypatch.context() as m:
        m.setattr(scan_assign, "_read_whole", no_plain_path)
        fast = command(tmp_path / "fast.csv")
    scanned = overlay_command.SCANNED_OPERATIONS - {"assign"}
    monkeypatch.setattr(overlay_command, "SCANNED_OPERATIONS", scanned)
    monkeypatch.setattr("spatial.cli._overlay_args.SCANNED_OPERATIONS", scanned)
    assert fast == command(tmp_path / "plain.csv")
    assert fast.count("\n") == len(plain(points)) + 1


def _warned(run: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = _outcome(run)
    return outcome, [str(w.message) for w in caught]


@pytest.mark.parametrize("bad", [False, True], ids=["plain-points", "a-3d-point-last"])
def test_points_on_another_datum_warn_once_as_the_plain_path(bad, tmp_path) -> None:
    """Points in EPSG:4214 (Beijing 1954) moved into the zones' EPSG:4544 (CGCS2000): the plain
    path's one warning of different datums, from the fast path and from its fall-back alike."""
    layer = _bad_layer("3d", -1) if bad else POINTS  # 3D: the fall-back, which assigns it
    path = _write(layer.to_crs(4214), tmp_path / "points.parquet")
    expected, expected_warnings = _warned(lambda: plain(path))
    got, got_warnings = _warned(lambda: assign_file(path, ZONES, unit_rows=UNIT, threads=2))
    assert len(expected_warnings) == 1 and "different datums" in expected_warnings[0]
    assert got_warnings == expected_warnings
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_many_zones_take_the_trees_answer_the_same_rows(tmp_path, monkeypatch) -> None:
    """Above MAX_POLYGONS zones (here 3) the inside test and the nearest zone are the tree's."""
    path = _write(POINTS, tmp_path / "points.parquet")
    expected = plain(path)
    monkeypatch.setattr(scan_assign, "MAX_POLYGONS", 3)
    monkeypatch.setattr("spatial.overlay._nearest.MAX_POLYGONS", 3)
    monkeypatch.setattr(scan_assign, "_read_whole", no_plain_path)
    got = assign_file(path, ZONES, unit_rows=UNIT, threads=2)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
