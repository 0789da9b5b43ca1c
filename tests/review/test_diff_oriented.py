"""A twin left as read: measured as oriented, oriented only where cut, the same rows as before.

``spatial diff`` of two large versions no longer copies a million unchanged
twins to orient their rings: their areas of record are summed from their
coordinates with each ring ``shapely.orient_polygons`` would reverse reversed
(:func:`spatial.measure.oriented.oriented_area_of_record_m2`), and a twin is
oriented only where a changed feature's box meets it. Checked here against the
oriented geometries themselves (bit for bit), and the diff against reading each
version whole (every geometry its own, all oriented: the plain path), with bad
features (null, empty, invalid, NaN, duplicate id) first, on a decoding slice's
edge and last, in OLD and in NEW, on changed and unchanged features, in
GeoParquet and GeoPackage, and on the survey coverage of ``tests/survey.py``
(示例数据, BSM ids, EPSG:4544). A large OLD beside a NEW read otherwise is read once.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS

from spatial.commands.diff import DiffRequest, run_diff
from spatial.errors import SpatialError
from spatial.io import wkb_frame
from spatial.measure import oriented
from spatial.measure.oriented import oriented_area_of_record_m2, rings_to_reverse
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import ring_layout
from spatial.review import _twins
from tests.review.test_diff_twins import (
    EDGES,
    SLICE,
    X0,
    Y0,
    _assert_same,
    _new,
    _old,
    _outcome,
    _read_whole,
    _write,
    small_is_large,
)
from tests.survey import survey_parcels, survey_parcels_revised

__all__ = ["small_is_large"]  # the fixture, shared with test_diff_twins

GK = CRS.from_epsg(4544)


def _holed(x: float, y: float) -> shapely.Polygon:
    return shapely.box(x, y, x + 100, y + 100).difference(
        shapely.box(x + 20, y + 20, x + 40, y + 40)
    )


def _mixed_rings() -> np.ndarray:
    """Polygons, holed polygons and multipolygons, rings either way round, a null and an empty."""
    geoms: list[shapely.Geometry | None] = []
    for k in range(60):
        x, y = X0 + 200 * (k % 10), Y0 + 200 * (k // 10)
        shape = _holed(x, y) if k % 2 else shapely.box(x, y, x + 90, y + 60)
        if k % 3 == 0:
            shape = shapely.reverse(shape)  # shell clockwise, hole counter-clockwise
        if k % 5 == 0:
            far = shapely.reverse(shapely.box(x + 150, y, x + 160, y + 10))
            shape = shapely.MultiPolygon([shape, far])
        geoms.append(shape)
    geoms += [None, shapely.Polygon()]
    return np.array(geoms, dtype=object)


def _survey_geoms() -> np.ndarray:
    geoms = np.asarray(survey_parcels().geometry.array, dtype=object)
    geoms[::2] = shapely.reverse(geoms[::2])
    return geoms


@pytest.mark.parametrize(
    ("geoms", "crs"),
    [
        (_mixed_rings(), GK),
        (_survey_geoms(), GK),
        (shapely.transform(_survey_geoms(), lambda xy: xy / 1e5), CRS.from_epsg(4490)),
    ],
    ids=["holes and parts", "survey", "lon/lat"],
)
def test_oriented_area_is_the_oriented_geometries_area_bit_for_bit(
    geoms: np.ndarray, crs: CRS
) -> None:
    expected = area_of_record_m2(shapely.orient_polygons(geoms), crs)
    found = oriented_area_of_record_m2(geoms, crs)
    assert found.tobytes() == expected.tobytes()
    unoriented = area_of_record_m2(geoms, crs)
    assert np.allclose(found, unoriented, rtol=1e-12, atol=0)  # the same land either way
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    assert (found[present] > 0).all() and (found[~present] == 0.0).all()


def test_rings_reversed_are_those_geos_reverses() -> None:
    geoms = _mixed_rings()
    rings = ring_layout(geoms)
    start = np.cumsum(rings.ring_size) - rings.ring_size
    each = [
        shapely.LinearRing(rings.xy[s : s + n]) for s, n in zip(start, rings.ring_size, strict=True)
    ]
    ccw = shapely.is_ccw(np.array(each, dtype=object))
    expected = ccw != (rings.ring_sign > 0)
    assert rings_to_reverse(rings).tolist() == expected.tolist()
    assert expected.any() and not expected.all()


def test_rings_too_close_to_call_asked_of_geos(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no rounding trusted, every ring's turn comes from GEOS: the same areas."""
    geoms = _mixed_rings()
    expected = area_of_record_m2(shapely.orient_polygons(geoms), GK)
    monkeypatch.setattr(oriented, "_EPS", 1.0)
    asked: list[int] = []
    by_geos = oriented._ccw_by_geos

    def spy(rings: object, start: np.ndarray, which: np.ndarray) -> np.ndarray:
        asked.append(len(which))
        return by_geos(rings, start, which)  # type: ignore[arg-type]

    monkeypatch.setattr(oriented, "_ccw_by_geos", spy)
    assert oriented_area_of_record_m2(geoms, GK).tobytes() == expected.tobytes()
    assert asked == [len(ring_layout(geoms).ring_size)]


def test_a_sliver_ring_is_judged_as_geos_judges_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A needle whose shoelace terms cancel to below their rounding: GEOS is asked."""
    needle = shapely.Polygon([(0.0, 0.0), (1000.0, 1000.0), (1000.0, 1000.0 + 1e-12)])
    geoms = np.array([needle, shapely.reverse(needle), shapely.box(0, 0, 1, 1)], dtype=object)
    asked: list[int] = []
    by_geos = oriented._ccw_by_geos

    def spy(rings: object, start: np.ndarray, which: np.ndarray) -> np.ndarray:
        asked.append(len(which))
        return by_geos(rings, start, which)  # type: ignore[arg-type]

    monkeypatch.setattr(oriented, "_ccw_by_geos", spy)
    exteriors = shapely.get_exterior_ring(geoms)
    expected = ~shapely.is_ccw(exteriors)
    assert rings_to_reverse(ring_layout(geoms)).tolist() == expected.tolist()
    assert asked == [2]  # the two needles, not the box
    assert expected[0] != expected[1]


def _empty_at(gdf: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.to_numpy().copy()
    geoms[k] = shapely.Polygon()
    return gdf.set_geometry(list(geoms), crs=gdf.crs)


def _null_at(gdf: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.to_numpy().copy()
    geoms[k] = None
    return gdf.set_geometry(list(geoms), crs=gdf.crs)


def _nan_at(gdf: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.to_numpy().copy()
    x0, y0, x1, y1 = geoms[k].bounds
    with np.errstate(invalid="ignore"):
        geoms[k] = shapely.Polygon([(x0, y0), (x1, y0), (np.nan, y1), (x0, y1)])
    return gdf.set_geometry(list(geoms), crs=gdf.crs)


def _bad(kind: str, gdf: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    if kind == "duplicate id":
        out = gdf.copy()
        out.loc[k, "id"] = out.loc[(k + 7) % len(out), "id"]
        return out
    return {"null": _null_at, "empty": _empty_at, "NaN": _nan_at}[kind](gdf, k)


def _bad_pairs() -> list[tuple[str, gpd.GeoDataFrame, gpd.GeoDataFrame]]:
    old = _old()
    new = _new(old)
    cases = []
    for kind in ("null", "empty", "NaN", "duplicate id"):
        for k in (0, SLICE, -1):  # first, a decoding slice's edge, last
            cases.append((f"{kind} old {k}", _bad(kind, old, k % len(old)), _new(old)))
            cases.append((f"{kind} new {k}", old, _bad(kind, new, k % len(new))))
        cases.append((f"{kind} unchanged twin", _bad(kind, old, 200), _new(_bad(kind, old, 200))))
    return cases


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize(
    ("label", "old", "new"), _bad_pairs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_bad_features_the_same_outcome_as_read_whole(
    tmp_path: Path,
    suffix: str,
    label: str,
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    small_is_large: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_path = _write(old, tmp_path / f"old{suffix}")
    new_path = _write(new, tmp_path / f"new{suffix}")
    found = _outcome(old_path, new_path)
    expected = _read_whole(monkeypatch, old_path, new_path)
    if isinstance(expected, str):
        assert found == expected
        assert f"old{suffix}" in found or f"new{suffix}" in found
    else:
        _assert_same(found, expected)


def _near_changes() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Clockwise twins all round three reshaped features: each cut against its neighbours."""
    old = _old()
    old = old.set_geometry(list(shapely.reverse(old.geometry.to_numpy())), crs=old.crs)
    new = old.copy()
    geoms = new.geometry.to_numpy().copy()
    for k in (31, 32, 465):  # grown 30 m into the next parcel east (a twin)
        x0, y0, x1, y1 = geoms[k].bounds
        geoms[k] = shapely.box(x0, y0, x1 + 30, y1)
    return old, new.set_geometry(list(geoms), crs=old.crs)


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_twins_cut_by_a_change_are_oriented_first(
    tmp_path: Path, suffix: str, small_is_large: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = _near_changes()
    old_path = _write(old, tmp_path / f"old{suffix}")
    new_path = _write(new, tmp_path / f"new{suffix}")
    found = _outcome(old_path, new_path)
    assert small_is_large == [True]
    _assert_same(found, _read_whole(monkeypatch, old_path, new_path))
    features = found[0].set_index("id")  # type: ignore[index]
    assert (features["status"] == "geometry_changed").sum() == 3
    matrix = found[3]  # type: ignore[index]
    # independent figure: three 30 m x 100 m strips taken from the next parcels east
    moved_m2 = matrix.to_numpy().sum() - np.diag(matrix.to_numpy()).sum()
    assert moved_m2 <= 3 * 3000.0 * 1.001


def test_versions_left_as_read_are_oriented_when_asked(
    tmp_path: Path, small_is_large: list[bool]
) -> None:
    old, new = _near_changes()
    old_path = _write(old, tmp_path / "old.parquet")
    new_path = _write(new, tmp_path / "new.parquet")
    found = run_diff(DiffRequest(old=old_path, new=new_path, class_field="YDYHFLDM", checks=False))
    diff = found.diff
    assert not diff.oriented
    compared = diff.compared[0].geometry.array
    assert not shapely.is_ccw(shapely.get_exterior_ring(compared[101]))  # a twin, as read
    versions = diff.versions
    assert diff.oriented
    exteriors = shapely.get_exterior_ring(np.asarray(versions[0].geometry.array, dtype=object))
    assert shapely.is_ccw(exteriors).all()


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_survey_versions_the_same_outcome(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The survey coverage (BSM, EPSG:4544), rings clockwise: N01 reclassified, the road split."""
    monkeypatch.setattr(_twins, "FAST_MIN_FEATURES", 0)
    old, new = survey_parcels(), survey_parcels_revised()
    for frame in (old, new):
        frame.geometry = shapely.reverse(frame.geometry.to_numpy())
    old_path = _write(old, tmp_path / f"old{suffix}")
    new_path = _write(new, tmp_path / f"new{suffix}")

    def outcome() -> pd.DataFrame:
        request = DiffRequest(
            old=old_path, new=new_path, id_field="BSM", class_field="YDYHFLDM", checks=False
        )
        found = run_diff(request)
        assert found.diff.matrix is not None
        return pd.concat([found.features, found.diff.matrix.reset_index()], axis=1)

    shared = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(_twins, "read_twins_undecoded", lambda *args, **kwargs: None)
        whole = outcome()
    pd.testing.assert_frame_equal(shared, whole, check_exact=True)
    status = shared.set_index("id")["status"]
    assert status["N01"] == "attributes_changed" and status["S03"] == "unchanged"


@pytest.mark.parametrize("new_suffix", [".geojson", ".parquet"])
def test_a_large_old_beside_a_new_read_otherwise_is_read_once(
    tmp_path: Path,
    new_suffix: str,
    small_is_large: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = _old()
    new = _new(old)
    if new_suffix == ".parquet":
        new = new.iloc[:SLICE].reset_index(drop=True)  # small: not read as WKB
    old_path = _write(old, tmp_path / "old.parquet")
    new_path = str(tmp_path / f"new{new_suffix}")
    if new_suffix == ".geojson":
        new.to_file(new_path, engine="pyogrio")
    else:
        new.to_parquet(new_path)
    monkeypatch.setattr(_twins, "FAST_MIN_FEATURES", SLICE)
    reads: list[str] = []
    real = wkb_frame._read_quietly

    def counted(path: Path, suffix: str) -> object:
        reads.append(Path(path).name)
        return real(path, suffix)

    monkeypatch.setattr(wkb_frame, "_read_quietly", counted)
    import spatial.io.layers as layers  # noqa: PLC0415

    read_layer = layers.read_layer
    whole: list[str] = []

    def spied(path: str, **kwargs: object) -> gpd.GeoDataFrame:
        whole.append(Path(path).name)
        return read_layer(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(layers, "read_layer", spied)
    found = _outcome(old_path, new_path)
    assert "old.parquet" not in whole and reads.count("old.parquet") == 1
    assert whole == [Path(new_path).name]
    expected = _read_whole(monkeypatch, old_path, new_path)
    _assert_same(found, expected)
    assert not isinstance(found, str) and (found[0]["status"] != "unchanged").any()


def test_bad_old_beside_a_new_read_otherwise_refused_alike(
    tmp_path: Path, small_is_large: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    old_path = _write(_nan_at(_old(), EDGES[2]), tmp_path / "old.parquet")
    new_path = str(tmp_path / "new.geojson")
    _new(_old()).to_file(new_path, engine="pyogrio")
    found = _outcome(old_path, new_path)
    assert isinstance(found, str) and "old.parquet" in found
    assert found == _read_whole(monkeypatch, old_path, new_path)


def test_errors_are_spatial_errors() -> None:
    with pytest.raises(SpatialError):
        oriented_area_of_record_m2([shapely.Point(Y0, X0)], GK)


def test_the_command_orients_no_twin_it_does_not_draw(
    tmp_path: Path, small_is_large: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --map, ``spatial diff`` lets go of the versions unoriented (no copy of a twin)."""
    import spatial.review.diff as diff_module  # noqa: PLC0415
    from spatial.cli import main  # noqa: PLC0415

    old, new = _near_changes()
    old_path = _write(old, tmp_path / "old.parquet")
    new_path = _write(new, tmp_path / "new.parquet")
    oriented_frames: list[int] = []
    real = diff_module._versions_oriented

    def spy(compared: tuple[gpd.GeoDataFrame, ...], twins: object) -> object:
        oriented_frames.extend(len(frame) for frame in compared)
        return real(compared, twins)  # type: ignore[arg-type]

    monkeypatch.setattr(diff_module, "_versions_oriented", spy)
    out = tmp_path / "features.csv"
    argv = ["diff", old_path, new_path, "--no-checks", "--format", "csv", "--out", str(out)]
    assert main(argv) == 0
    assert small_is_large == [True] and oriented_frames == []
    assert pd.read_csv(out)["status"].value_counts()["geometry_changed"] == 3
