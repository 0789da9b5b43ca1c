"""``difference`` and ``coverage`` of a layer file, unit by unit: the plain rows, bit for bit.

A synthetic (示例数据) grid of 2,500 parcels over zone-cjrh (EPSG:4544) and 1,000 more
20 km south of every zone (passed whole without GEOS), as GeoParquet and GeoPackage,
against the bundled zones. Every kind of bad feature is placed where the fast path
skips GEOS (far from the zones) and where it cuts; the outcome (rows, or the refusal)
must be the plain path's.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import grid_parcels_gk
from pyproj import CRS, Transformer

from spatial.cli import main
from spatial.commands import overlay as overlay_command
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.measure.record import area_of_record_m2
from spatial.overlay import scan_ops
from spatial.overlay.operations import buffer_coverage, difference
from spatial.overlay.scan_ops import coverage_file, difference_file

ZONES = read_layer(bundled_layer_path("zones"))
SPLITS = [(217, 1), (600, 2), (500_000, 2)]  # (unit rows, threads)
DISTANCE_M = 100.0


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    near = grid_parcels_gk(50)
    far = grid_parcels_gk(40).iloc[:1000].copy()
    far = far.set_geometry(far.geometry.translate(0, -20_000))
    far["id"] = [f"q{i:05d}" for i in range(len(far))]
    layer = pd.concat([near, far], ignore_index=True)
    assert not ZONES.to_crs(4544).geometry.buffer(1000).intersects(far.union_all()).any()
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=4544)


def _write(layer: gpd.GeoDataFrame, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".parquet":
            layer.to_parquet(path, row_group_size=300)
        else:
            layer.to_file(path, engine="pyogrio")
    return path


@pytest.fixture(scope="module", params=[".parquet", ".gpkg"])
def parcels_file(request, tmp_path_factory, parcels) -> Path:
    return _write(parcels, tmp_path_factory.mktemp("scan_ops") / f"parcels{request.param}")


def plain_difference(path: Path) -> gpd.GeoDataFrame:
    return difference(read_layer(path), ZONES, "id", names=(str(path), "layer B"))


def plain_coverage(path: Path) -> pd.DataFrame:
    return buffer_coverage(read_layer(path), ZONES, DISTANCE_M, "id", names=(str(path), "layer B"))


def fast_difference(path: Path, unit_rows: int = 600, threads: int = 2) -> gpd.GeoDataFrame:
    return difference_file(path, ZONES, "id", unit_rows=unit_rows, threads=threads)


def fast_coverage(path: Path, unit_rows: int = 600, threads: int = 2) -> pd.DataFrame:
    return coverage_file(path, ZONES, DISTANCE_M, "id", unit_rows=unit_rows, threads=threads)


def no_plain_path(*args: object, **kwargs: object) -> None:
    raise AssertionError("the plain path was taken")


def assert_same_parts(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    """Same ids, areas and shares (bit for bit) and the same parts (WKB), in the same CRS."""
    assert list(got.columns) == list(expected.columns)
    assert got.crs == expected.crs
    pd.testing.assert_frame_equal(got.drop(columns="geometry"), expected.drop(columns="geometry"))
    wkb_got = shapely.to_wkb(np.asarray(got.geometry.array))
    wkb_expected = shapely.to_wkb(np.asarray(expected.geometry.array))
    assert (wkb_got == wkb_expected).all()


@pytest.mark.parametrize(("unit_rows", "threads"), SPLITS)
def test_difference_gives_the_plain_rows_bit_for_bit(parcels_file, unit_rows, threads, monkeypatch):
    expected = plain_difference(parcels_file)
    cut = (expected.share_of_a < 1).sum()
    assert cut > 100 and (expected.share_of_a == 1).sum() > 1000  # pieces cut, wholes passed
    monkeypatch.setattr(scan_ops, "_read_whole", no_plain_path)
    assert_same_parts(fast_difference(parcels_file, unit_rows, threads), expected)


@pytest.mark.parametrize(("unit_rows", "threads"), SPLITS)
def test_coverage_gives_the_plain_rows_bit_for_bit(parcels_file, unit_rows, threads, monkeypatch):
    expected = plain_coverage(parcels_file)
    within = expected.within_km2.to_numpy()
    assert (within > 0).sum() > 100 and (within == 0).sum() > 1000
    monkeypatch.setattr(scan_ops, "_read_whole", no_plain_path)
    pd.testing.assert_frame_equal(fast_coverage(parcels_file, unit_rows, threads), expected)


def test_a_far_parcel_passes_whole_and_a_parcel_in_a_zone_loses_its_part(parcels, tmp_path):
    """Independent figures: a far parcel keeps its area of record; one in a zone keeps nothing."""
    path = _write(parcels, tmp_path / "parcels.parquet")
    table = fast_difference(path).set_index("id")
    far = parcels.set_index("id").geometry["q00000"]
    far_km2 = area_of_record_m2([far], parcels.crs)[0] / 1e6
    assert table.loc["q00000", "area_km2"] == far_km2 and table.loc["q00000", "share_of_a"] == 1.0
    zone = ZONES.to_crs(4544).set_index("id").geometry["zone-cjrh"]
    inside = parcels.geometry.within(zone.buffer(-1))
    some_inside = parcels.loc[inside, "id"].iloc[0]
    assert table.loc[some_inside, "area_km2"] == 0.0
    assert table.loc[some_inside, "geometry"].is_empty


def outcome(run: Callable[[], Any]) -> tuple[str, Any]:
    """What a call gives: ("rows", frame) or (exception type, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "rows", run()
    except Exception as exc:  # compared as they are
        return type(exc).__name__, str(exc)


def assert_same_outcome(got: tuple[str, Any], expected: tuple[str, Any]) -> None:
    assert got[0] == expected[0], (got, expected)
    if expected[0] != "rows":
        assert got[1] == expected[1]
    elif isinstance(expected[1], gpd.GeoDataFrame):
        assert_same_parts(got[1], expected[1])
    else:
        pd.testing.assert_frame_equal(got[1], expected[1])


def _bowtie(x: float, y: float, size: float = 10.0) -> shapely.Polygon:
    return shapely.Polygon([(x, y), (x + size, y + size), (x + size, y), (x, y + size), (x, y)])


def _nan_polygon(x: float, y: float) -> shapely.Polygon:
    with np.errstate(invalid="ignore"):
        return shapely.Polygon([(x, y), (x + 5, y), (x + 5, np.nan), (x, y)])


def spoiled(parcels: gpd.GeoDataFrame, kind: str, where: str) -> gpd.GeoDataFrame:
    """The layer with one bad feature: far from the zones (``far``) or in zone-cjrh (``near``)."""
    layer = parcels.copy()
    zone = ZONES.to_crs(4544).set_index("id").geometry["zone-cjrh"]
    inside = np.flatnonzero(layer.geometry.within(zone).to_numpy())[3]
    k = int(inside) if where == "near" else len(layer) - 7
    x, y = layer.geometry.iloc[k].bounds[:2]
    geoms = layer.geometry.array.copy()
    if kind == "duplicate id":
        layer.loc[k, "id"] = layer["id"].iloc[0]
        return layer
    if kind == "null id":
        layer["id"] = layer["id"].astype(object)
        layer.loc[k, "id"] = None
        return layer
    geoms[k] = {
        "null": None,
        "empty": shapely.Polygon(),
        "invalid": _bowtie(x, y),
        "nan": _nan_polygon(x, y),
        "huge": shapely.box(1e15, 1e15, 1e15 + 5, 1e15 + 5),
        "point": shapely.Point(x, y),
    }[kind]
    return layer.set_geometry(gpd.GeoSeries(geoms, crs=layer.crs))


BAD = ["null", "empty", "invalid", "nan", "huge", "point", "duplicate id", "null id"]


@pytest.mark.parametrize("where", ["far", "near"])
@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_a_bad_feature_gives_the_plain_outcome(parcels, tmp_path, kind, where, suffix):
    path = _write(spoiled(parcels, kind, where), tmp_path / f"bad{suffix}")
    expected_difference = outcome(lambda: plain_difference(path))
    expected_coverage = outcome(lambda: plain_coverage(path))
    for split in SPLITS[:2]:
        got = outcome(partial(fast_difference, path, *split))
        assert_same_outcome(got, expected_difference)
        assert_same_outcome(outcome(partial(fast_coverage, path, *split)), expected_coverage)


@pytest.mark.parametrize("kind", ["invalid", "null", "nan"])
def test_the_refusals_name_the_file_and_the_feature(parcels, tmp_path, kind):
    path = _write(spoiled(parcels, kind, "near"), tmp_path / "bad.parquet")
    for run in (fast_difference, fast_coverage):
        kind_seen, message = outcome(lambda run=run: run(path))
        assert kind_seen == "LayerError"
        assert message.startswith(f"{path}: feature p")
        if kind == "invalid":
            assert ": invalid geometry: Self-intersection" in message


def test_an_invalid_feature_near_comes_after_a_cheap_problem_far(parcels, tmp_path):
    """The plain path runs the cheap checks on every feature first, then cuts; so does the scan."""
    layer = spoiled(parcels, "invalid", "near")
    geoms = layer.geometry.array.copy()
    geoms[len(layer) - 1] = None  # the last unit's
    layer = layer.set_geometry(gpd.GeoSeries(geoms, crs=layer.crs))
    path = _write(layer, tmp_path / "two.parquet")
    got = outcome(lambda: fast_difference(path, 217, 2))
    assert got == outcome(lambda: plain_difference(path))
    assert "q00999" in got[1] and "null" in got[1]


def test_coverage_of_a_layer_outside_the_zone_takes_the_plain_path(parcels, tmp_path, monkeypatch):
    """Lon/lat parcels: the plain path moves them into the zone; the scan leaves it to it."""
    path = _write(parcels.to_crs(4326), tmp_path / "lonlat.parquet")
    taken = []
    read_whole = scan_ops._read_whole
    monkeypatch.setattr(scan_ops, "_read_whole", lambda *a: taken.append(a) or read_whole(*a))
    got = fast_coverage(path)
    assert taken
    pd.testing.assert_frame_equal(got, plain_coverage(path))


def test_the_zone_is_decided_from_the_boxes_corners():
    gk = CRS.from_epsg(4544)  # central meridian 105°E, the zone from 103.5°E to 106.5°E
    to_gk = Transformer.from_crs(4326, gk, always_xy=True)
    x0, y0 = to_gk.transform(106.2, 29.6)
    x1, y1 = to_gk.transform(106.3, 29.7)
    near_edge = scan_ops._lon_range(np.array([[x0, y0, x1, y1]]), gk)
    assert near_edge.west[0] <= 106.2 <= near_edge.west[1]
    assert near_edge.east[0] <= 106.3 <= near_edge.east[1]
    no_b = np.full((1, 4), np.nan)
    assert scan_ops._zone_is(gk, [near_edge], no_b)
    x2, _ = to_gk.transform(107.5, 29.7)  # a layer reaching past the zone's edge: 106.85 centre
    across = scan_ops._lon_range(np.array([[x0, y0, x2, y1]]), gk)
    assert not scan_ops._zone_is(gk, [across], no_b)


def test_the_command_writes_the_plain_rows(parcels_file, tmp_path, monkeypatch):
    expected = plain_difference(parcels_file).drop(columns="geometry")
    monkeypatch.setattr(scan_ops, "_read_whole", no_plain_path)
    out = tmp_path / "difference.csv"
    args = ["overlay", str(parcels_file), str(bundled_layer_path("zones"))]
    assert main([*args, "--op", "difference", "--out", str(out)]) == 0
    written = pd.read_csv(out, encoding="utf-8-sig")
    assert written["id"].tolist() == expected["id"].tolist()
    np.testing.assert_allclose(written["area_km2"], expected["area_km2"], rtol=1e-12, atol=0)
    out = tmp_path / "coverage.csv"
    coverage = ["--op", "coverage", "--distance-m", str(DISTANCE_M), "--out", str(out)]
    assert main([*args, *coverage]) == 0
    written = pd.read_csv(out, encoding="utf-8-sig")
    np.testing.assert_allclose(
        written["within_km2"], plain_coverage(parcels_file)["within_km2"], rtol=1e-12, atol=0
    )


def test_a_difference_layer_is_written_as_the_plain_path_writes_it(parcels, tmp_path, monkeypatch):
    path = _write(parcels, tmp_path / "parcels.parquet")
    zones = _write(ZONES.to_crs(4544), tmp_path / "zones.parquet")
    written = {}
    for way in ("fast", "plain"):
        out = tmp_path / f"{way}.gpkg"
        if way == "plain":
            monkeypatch.setattr(overlay_command, "_from_parquet_file", lambda request: False)
        else:
            monkeypatch.setattr(scan_ops, "_read_whole", no_plain_path)
        args = ["overlay", str(path), str(zones), "--op", "difference", "--out", str(out)]
        assert main(args) == 0
        written[way] = gpd.read_file(out, layer="difference")
    assert written["fast"].crs.to_epsg() == 4544  # A's and B's CRS
    assert_same_parts(written["fast"], written["plain"])


def test_progress_is_reported_unit_by_unit(parcels, tmp_path):
    path = _write(parcels, tmp_path / "parcels.parquet")
    seen: list[tuple[int, int]] = []
    difference_file(path, ZONES, unit_rows=600, progress=lambda d, t, w: seen.append((d, t)))
    assert seen[-1] == (len(parcels), len(parcels))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 2


def test_a_problem_of_a_is_named_before_one_of_b(parcels, tmp_path):
    """The plain path checks A before B: a null feature of A, then an invalid zone."""
    path = _write(spoiled(parcels, "null", "far"), tmp_path / "null.parquet")
    zones = ZONES.copy()
    x0, y0 = zones.geometry.iloc[0].bounds[:2]
    zones.loc[0, "geometry"] = _bowtie(x0, y0, 0.001)
    for fast, plain in ((difference_file, difference), (coverage_file, buffer_coverage)):
        extra = (DISTANCE_M,) if fast is coverage_file else ()
        got = outcome(lambda fast=fast, extra=extra: fast(path, zones, *extra, "id"))
        expected = outcome(
            lambda plain=plain, extra=extra: plain(
                read_layer(path), zones, *extra, "id", names=(str(path), "layer B")
            )
        )
        assert got == expected and "null" in got[1] and "q00993" in got[1]


def test_coverage_of_a_mixed_layer_b_names_it(parcels, tmp_path, capsys):
    path = _write(parcels, tmp_path / "parcels.parquet")
    point = ZONES.iloc[:1].set_geometry(ZONES.geometry.iloc[:1].representative_point())
    mixed = pd.concat([ZONES, point])
    b = _write(gpd.GeoDataFrame(mixed, crs=ZONES.crs).to_crs(4544), tmp_path / "mixed.parquet")
    args = ["overlay", str(path), str(b), "--op", "coverage", "--distance-m", "100"]
    assert main(args) == 2
    assert f"{b}: mixes" in capsys.readouterr().err


def test_a_large_layer_shows_its_progress_on_a_terminal(parcels, tmp_path, capsys, monkeypatch):
    path = _write(parcels, tmp_path / "parcels.parquet")
    monkeypatch.setattr(scan_ops, "PROGRESS_MIN_ROWS", 1_000)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    difference_file(path, ZONES, unit_rows=600)
    err = capsys.readouterr().err
    assert f"spatial overlay: {path}: 3,500 of 3,500 features (100%)\n" in err
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    coverage_file(path, ZONES, DISTANCE_M, unit_rows=600)
    assert capsys.readouterr().err == ""
