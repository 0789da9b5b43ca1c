"""``overlay --op assign`` and ``--op coverage``: the CSV main wrote, byte for byte.

Main (0b71670) measured every point outside the zones with GEOS
(``_nearest._by_geos``) and cut every 图斑 meeting the buffer's box with GEOS's
``intersection``; both are put back here by monkeypatching, and the command's
CSV (or its refusal and exit code) compared with today's, on synthetic (示例数据)
layers in EPSG:4544 against the bundled zones, as GeoParquet and GeoPackage, in
units of a few hundred rows, with a bad feature first, at a unit's edge and last,
inside a zone and far from it, and points exactly as near to two zones.
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
from conftest import grid_parcels_gk

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.overlay import _nearest, operations, scan
from spatial.overlay.operations import assign_points, require_valid_at
from spatial.overlay.scan_assign import assign_file

ZONES = read_layer(bundled_layer_path("zones")).to_crs(4544)[["id", "geometry"]]
UNIT = 350  # rows a unit (scan.MIN_UNIT_ROWS lowered): many unit edges
KINDS = ["null", "empty", "invalid", "nan", "duplicate id"]
PLACES = {
    "first-inside": (0, "inside"),
    "edge-outside": (UNIT, "outside"),
    "last-inside": (-1, "inside"),
}


def mains_within(geoms: npt.NDArray[np.object_], zone: shapely.Geometry) -> npt.NDArray[np.object_]:
    """``within_zone`` as main had it: refuse, then GEOS's overlay for every feature."""
    require_valid_at(geoms, np.flatnonzero(shapely.intersects(geoms, zone)))
    parts: npt.NDArray[np.object_] = shapely.intersection(geoms, zone)
    return parts


def _mains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations, "parts_within", mains_within)
    monkeypatch.setattr(_nearest, "_by_segments", lambda *args: None)


def _command(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = main([*args, "--format", "csv", "--out", str(out)])
    err = capsys.readouterr().err
    return code, out.read_bytes() if code == 0 else err


def _both(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[Any, Any]:
    monkeypatch.setattr(scan, "MIN_UNIT_ROWS", UNIT)
    today = _command(args, tmp_path / "today.csv", capsys)
    with monkeypatch.context() as m:
        _mains(m)
        before = _command(args, tmp_path / "main.csv", capsys)
    return today, before


def _write(layer: gpd.GeoDataFrame, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".parquet":
            layer.to_parquet(path, row_group_size=UNIT)
        else:
            layer.to_file(path, engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def zones_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(ZONES, tmp_path_factory.mktemp("zones") / "zones.parquet")


# --- coverage ----------------------------------------------------------------


def _parcels() -> gpd.GeoDataFrame:
    """A grid over zone-cjrh, clockwise and counter-clockwise, and 1,000 parcels far south."""
    near = grid_parcels_gk(50)
    near.loc[::2, "geometry"] = shapely.reverse(near.geometry.to_numpy()[::2])
    far = grid_parcels_gk(40).iloc[:1000].copy()
    far = far.set_geometry(far.geometry.translate(0, -20_000))
    far["id"] = [f"q{i:05d}" for i in range(len(far))]
    return gpd.GeoDataFrame(pd.concat([near, far], ignore_index=True), crs=4544)


PARCELS = _parcels()


def _bowtie(x: float, y: float) -> shapely.Polygon:
    return shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)])


def _spoiled(layer: gpd.GeoDataFrame, kind: str, place: int, where: str) -> gpd.GeoDataFrame:
    """``layer`` with a bad feature at ``place``, lying inside zone-cjrh or far from it."""
    layer = layer.copy()
    place = place % len(layer)
    zone = ZONES.set_index("id").geometry["zone-cjrh"]
    x, y = zone.representative_point().coords[0] if where == "inside" else (600_000.0, 3_200_000.0)
    if kind == "duplicate id":
        layer.loc[place, "id"] = layer["id"].iloc[(place + 1) % len(layer)]
        return layer
    geoms = layer.geometry.array.copy()
    with np.errstate(invalid="ignore"):
        geoms[place] = {
            "null": None,
            "empty": shapely.Polygon() if layer.geom_type.iloc[1] != "Point" else shapely.Point(),
            "invalid": _bowtie(x, y)
            if layer.geom_type.iloc[1] != "Point"
            else shapely.box(x, y, x + 1, y + 1),
            "nan": shapely.Polygon([(x, y), (x + 5, y), (x + 5, np.nan), (x, y)])
            if layer.geom_type.iloc[1] != "Point"
            else shapely.Point(np.nan, y),
        }[kind]
    return layer.set_geometry(gpd.GeoSeries(geoms, crs=layer.crs))


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_coverage_writes_mains_csv(suffix, zones_file, tmp_path, monkeypatch, capsys) -> None:
    path = _write(PARCELS, tmp_path / f"parcels{suffix}")
    args = ["overlay", str(path), str(zones_file), "--op", "coverage", "--distance-m", "100"]
    today, before = _both(args, tmp_path, monkeypatch, capsys)
    assert today[0] == 0 and today == before
    table = pd.read_csv(tmp_path / "today.csv", encoding="utf-8-sig")
    share = table.share_within.to_numpy()
    assert (share == 1).sum() > 300 and ((share > 0) & (share < 1)).sum() > 100  # inside, cut


@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_coverage_of_a_bad_feature_is_mains(
    kind, place, suffix, zones_file, tmp_path, monkeypatch, capsys
):
    path = _write(_spoiled(PARCELS, kind, *place), tmp_path / f"parcels{suffix}")
    args = ["overlay", str(path), str(zones_file), "--op", "coverage", "--distance-m", "100"]
    today, before = _both(args, tmp_path, monkeypatch, capsys)
    assert today == before


# --- assign ------------------------------------------------------------------


def _points() -> gpd.GeoDataFrame:
    """Points on a 1 m grid around the zones, and points as near to two squares (a tie)."""
    rng = np.random.default_rng(12)
    x0, y0, x1, y1 = ZONES.total_bounds
    xs = np.round(rng.uniform(x0 - 3000, x1 + 3000, 3000))
    ys = np.round(rng.uniform(y0 - 3000, y1 + 3000, 3000))
    return gpd.GeoDataFrame(
        {"id": [f"pt{i:05d}" for i in range(len(xs))], "note": "示例数据"},
        geometry=shapely.points(xs, ys),
        crs=4544,
    )


def _two_squares() -> gpd.GeoDataFrame:
    """The bundled zones and two 100 m squares 200 m apart: points midway are tied."""
    x, y = 625_500.0, 3_280_000.0
    added = gpd.GeoDataFrame(
        {
            "id": ["west", "east"],
            "geometry": [
                shapely.box(x, y, x + 100, y + 100),
                shapely.box(x + 300, y, x + 400, y + 100),
            ],
        },
        crs=4544,
    )
    return gpd.GeoDataFrame(pd.concat([ZONES, added], ignore_index=True), crs=4544)


POINTS = _points()


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_assign_writes_mains_csv_with_ties(suffix, tmp_path, monkeypatch, capsys) -> None:
    x, y = 625_500.0, 3_280_000.0
    midway = shapely.points(np.full(40, x + 200), np.linspace(y - 300, y + 400, 40))
    tied = gpd.GeoDataFrame(
        {"id": [f"tie{i:02d}" for i in range(40)], "note": "示例数据"}, geometry=midway, crs=4544
    )
    layer = gpd.GeoDataFrame(
        pd.concat([POINTS.iloc[:1500], tied, POINTS.iloc[1500:]], ignore_index=True), crs=4544
    )
    path = _write(layer, tmp_path / f"points{suffix}")
    zones = _write(_two_squares(), tmp_path / "zones.parquet")
    args = ["overlay", str(path), str(zones), "--op", "assign"]
    today, before = _both(args, tmp_path, monkeypatch, capsys)
    assert today[0] == 0 and today == before
    table = pd.read_csv(tmp_path / "today.csv", encoding="utf-8-sig")
    assert set(table.polygon_id[table.point_id.str.startswith("tie")]) == {"west"}  # the tree's


@pytest.mark.parametrize("place", PLACES.values(), ids=PLACES.keys())
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_assign_of_a_bad_point_is_mains(
    kind, place, suffix, zones_file, tmp_path, monkeypatch, capsys
):
    path = _write(_spoiled(POINTS, kind, *place), tmp_path / f"points{suffix}")
    args = ["overlay", str(path), str(zones_file), "--op", "assign"]
    today, before = _both(args, tmp_path, monkeypatch, capsys)
    assert today == before


@pytest.mark.parametrize("kind", ["text", "integer"])
def test_the_point_ids_are_the_plain_paths_column(kind, zones_file, tmp_path) -> None:
    """Text ids go from arrow to pandas' string column, others through numpy: the same frame."""
    layer = POINTS.copy()
    if kind == "integer":
        layer["id"] = np.arange(len(layer), dtype=np.int64) * 7 + 10**12
    path = _write(layer, tmp_path / "points.parquet")
    got = assign_file(path, ZONES, "id", "id", unit_rows=UNIT, threads=2)
    expected = assign_points(read_layer(path), ZONES, "id", "id", names=(str(path), "layer B"))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.point_id.dtype == (np.int64 if kind == "integer" else pd.Series(["x"]).dtype)
