"""diff of two large files with shared twins gives the rows of reading each whole, bit for bit.

A NEW feature whose WKB is byte for byte its OLD twin's holds the twin's geometry
object (``review._twins``): read once, checked once, oriented once. Compared with
the versions read by ``read_layer`` (every geometry its own): the same features,
pieces (WKB), matrix, versions and refusals, in GeoParquet and GeoPackage. 示例数据:
a synthetic grid of 100 m parcels in EPSG:4544 (tests/grids.py), every other ring
clockwise (as a Shapefile writes it), some reclassified, reshaped at the decoding
slices' edges, renamed, removed and added, and bad features first, middle and last.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.commands.diff import DiffRequest, run_diff
from spatial.errors import SpatialError
from spatial.io.geoparquet import write_geoparquet
from spatial.io.layers import read_layer
from spatial.io.wkb_frame import read_wkb_frame
from spatial.review import _twins
from tests.grids import grid_parcels

X0, Y0 = 620_000.0, 3_280_000.0
CODES = ["0101", "0103", "0701", "1001"]
N = 30  # 900 parcels; decoded in slices of 64 (monkeypatched) so reshapes fall on edges
SLICE = 64
EDGES = (0, SLICE - 1, SLICE, 2 * SLICE - 1, N * N - 1)


def _old() -> gpd.GeoDataFrame:
    old = grid_parcels(N, N, CODES, (X0, Y0), id_digits=4, synthetic=True)
    geoms = old.geometry.to_numpy().copy()
    geoms[::2] = shapely.reverse(geoms[::2])  # clockwise exteriors: oriented on readying
    old["name"] = [f"图斑{k}" for k in range(len(old))]
    old["area_hint"] = np.arange(len(old), dtype=float)
    return old.set_geometry(list(geoms), crs=old.crs)


def _new(old: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    new = old.copy()
    new.loc[[3, 40, 41], "YDYHFLDM"] = "0701"  # same WKB, another class
    new.loc[5, "name"] = None  # same WKB, a property missing
    new.loc[6, "area_hint"] = 6.5  # same WKB, a number changed
    geoms = new.geometry.to_numpy().copy()
    for k in EDGES[1:4]:  # reshaped at the slices' edges: grows 20 m east, in NEW only
        x0, y0, x1, y1 = geoms[k].bounds
        geoms[k] = shapely.box(x0, y0, x1 + 20, y1)
    geoms[EDGES[0]] = shapely.reverse(geoms[EDGES[0]])  # the same ring the other way round
    new = new.set_geometry(list(geoms), crs=old.crs).drop(index=[60, 61]).reset_index(drop=True)
    added = gpd.GeoDataFrame(
        {"id": ["lu-new"], "YDYHFLDM": ["1001"], "synthetic": True, "note": "示例数据 synthetic"},
        geometry=[shapely.box(X0 - 100, Y0, X0, Y0 + 100)],
        crs=old.crs,
    )
    new = gpd.GeoDataFrame(pd.concat([new, added], ignore_index=True), crs=old.crs)
    return new.iloc[::-1].reset_index(drop=True)  # twins found by id, not by position


def _write(gdf: gpd.GeoDataFrame, path: Path) -> str:
    if path.suffix == ".gpkg":
        gdf.to_file(path, driver="GPKG", engine="pyogrio")
    else:
        gdf.to_parquet(path)
    return str(path)


@pytest.fixture
def small_is_large(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Let 900 parcels take the twin path, decoded in slices of 64; record when it is taken."""
    monkeypatch.setattr(_twins, "FAST_MIN_FEATURES", 0)
    monkeypatch.setattr(_twins, "_DECODE_SLICE", SLICE)
    taken: list[bool] = []
    original = _twins.ready_twins

    def spy(*args: object, **kwargs: object) -> object:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    import spatial.review.diff as diff_module  # noqa: PLC0415

    monkeypatch.setattr(diff_module, "ready_twins", spy)
    return taken


def _outcome(old: str, new: str) -> object:
    """The features, pieces (WKB), matrix and versions (WKB) of ``run_diff``, or its refusal."""
    try:
        found = run_diff(DiffRequest(old=old, new=new, class_field="YDYHFLDM", checks=False))
    except SpatialError as exc:
        return f"{type(exc).__name__}: {exc}"
    pieces = found.diff.pieces
    return (
        found.features,
        pd.DataFrame(pieces.drop(columns="geometry")),
        list(shapely.to_wkb(pieces.geometry.array)),
        found.diff.matrix,
        [list(shapely.to_wkb(v.geometry.array)) for v in found.diff.versions],
        [pd.DataFrame(v.drop(columns=v.geometry.name)) for v in found.diff.versions],
    )


def _read_whole(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> object:
    """The outcome with each version read by ``read_layer`` (no twins)."""
    with monkeypatch.context() as patch:
        patch.setattr(_twins, "read_twins_undecoded", lambda *args, **kwargs: None)
        return _outcome(old, new)


def _read_built(
    old_path: str, new_path: str, threads: int = 1
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Both versions as ``read_twins_undecoded`` reads them, every twin built (one object)."""
    read = _twins.read_twins_undecoded(old_path, new_path, "id", threads)
    assert read is not None
    old, new, undecoded = read
    return (old, new) if undecoded is None else undecoded.filled(old, new)


def _assert_same(a: object, b: object) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert isinstance(a, tuple) and isinstance(b, tuple)
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    assert a[2] == b[2] and a[4] == b[4]
    pd.testing.assert_frame_equal(a[3], b[3], check_exact=True)
    for x, y in zip(a[5], b[5], strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("extra", ["text and reals", "integers with a null", "dates", "booleans"])
def test_frame_as_read_layer_reads_it(tmp_path: Path, suffix: str, extra: str) -> None:
    old = _old()
    old.loc[7, "name"] = None
    old.loc[9, "area_hint"] = np.nan
    if extra == "integers with a null":
        old["count"] = pd.array([k if k != 11 else None for k in range(len(old))], dtype="Int64")
    elif extra == "dates":
        old["surveyed"] = pd.Timestamp("2023-06-30") + pd.to_timedelta(np.arange(len(old)), "D")
    elif extra == "booleans":
        old["checked"] = np.arange(len(old)) % 3 == 0
    geoms = old.geometry.to_numpy().copy()
    geoms[8] = None  # a null geometry: WKB null, None as read_layer gives it
    path = _write(old.set_geometry(list(geoms), crs=old.crs), tmp_path / f"v{suffix}")
    read = read_wkb_frame(path)
    assert read is not None
    frame, wkb = read
    whole = read_layer(path)
    assert list(frame.columns) == list(whole.columns)
    assert frame.geometry.name == whole.geometry.name and frame.crs == whole.crs
    assert frame.attrs == whole.attrs and frame.index.equals(whole.index)
    pd.testing.assert_frame_equal(
        pd.DataFrame(frame.drop(columns=frame.geometry.name)),
        pd.DataFrame(whole.drop(columns=whole.geometry.name)),
        check_exact=True,
    )
    assert frame.geometry.isna().all()
    decoded = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    assert list(shapely.to_wkb(decoded)) == list(shapely.to_wkb(whole.geometry.array))
    assert decoded[8] is None and wkb[8].as_py() is None


def test_covering_column_left_out_as_geopandas_does(tmp_path: Path) -> None:
    path = tmp_path / "covered.parquet"
    write_geoparquet(_old(), path)  # GeoParquet 1.1: a bbox covering column, sorted
    read = read_wkb_frame(path)
    assert read is not None
    whole = read_layer(path)
    assert "bbox" not in read[0].columns and list(read[0].columns) == list(whole.columns)
    assert list(read[1].to_pylist()) == list(shapely.to_wkb(whole.geometry.array))


def test_unusual_files_are_left_to_read_layer(tmp_path: Path) -> None:
    assert read_wkb_frame(tmp_path / "missing.parquet") is None
    path = _write(_old(), tmp_path / "v.parquet")
    assert read_wkb_frame(f"{path}::layer") is None
    assert read_wkb_frame(path, min_rows=N * N) is None  # not large enough
    geojson = tmp_path / "v.geojson"
    _old().to_crs(4326).to_file(geojson)
    assert read_wkb_frame(geojson) is None


def test_twins_share_one_geometry_and_read_as_read_layer(
    tmp_path: Path, small_is_large: list[bool]
) -> None:
    old, new = _old(), _new(_old())
    old_path = _write(old, tmp_path / "old.parquet")
    new_path = _write(new, tmp_path / "new.parquet")
    o, n = _read_built(old_path, new_path, threads=2)
    for got, path in ((o, old_path), (n, new_path)):
        whole = read_layer(path)
        wkb = list(shapely.to_wkb(whole.geometry.array))
        assert list(shapely.to_wkb(got.geometry.array)) == wkb
    og = dict(zip(o["id"], o.geometry.array, strict=True))
    shared = {i for i, g in zip(n["id"], n.geometry.array, strict=True) if og.get(i) is g}
    changed = {f"lu-{k:04d}" for k in EDGES[:4]}  # reshaped, or the ring reversed
    assert shared == set(og) - changed - {"lu-0060", "lu-0061"}


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_clean_versions_same_outcome(
    tmp_path: Path, suffix: str, small_is_large: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _write(_old(), tmp_path / f"old{suffix}")
    new = _write(_new(_old()), tmp_path / f"new{suffix}")
    twins = _outcome(old, new)
    assert small_is_large == [True]
    _assert_same(twins, _read_whole(monkeypatch, old, new))
    features = twins[0].set_index("id")  # type: ignore[index]
    status = features["status"]
    assert [status[f"lu-{k:04d}"] for k in EDGES[1:4]] == ["geometry_changed"] * 3
    assert status["lu-0000"] == "unchanged"  # the ring reversed: the same land
    assert status["lu-0003"] == "attributes_changed"
    assert features.loc["lu-0005", "changed_fields"] == "name"
    assert features.loc["lu-0006", "changed_fields"] == "area_hint"
    assert status["lu-0060"] == "removed" and status["lu-new"] == "added"
    # independent figure: a 20 m x 100 m strip gained (GK scale near the central meridian)
    assert features.loc["lu-0063", "added_m2"] == pytest.approx(2000.0, rel=2e-3)


def _bowtie(gdf: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    x0, y0, _, _ = gdf.geometry.iloc[k].bounds
    ring = [(x0, y0), (x0 + 100, y0 + 100), (x0 + 100, y0), (x0, y0 + 100)]
    geoms = gdf.geometry.to_numpy().copy()
    geoms[k] = shapely.Polygon(ring)
    return gdf.set_geometry(list(geoms), crs=gdf.crs)


def _bad_cases() -> list[tuple[str, gpd.GeoDataFrame, gpd.GeoDataFrame]]:
    old = _old()
    new = _new(old)
    last = len(new) - 1
    cases = [(f"bowtie old {k}", _bowtie(old, k), _new(old)) for k in (0, 450, N * N - 1)]
    cases += [(f"bowtie new {k}", old, _bowtie(new, k)) for k in (0, SLICE, last)]
    # the same bow-tie in both versions: a twin, shared, and refused in both
    cases += [("bowtie twin", _bowtie(old, 100), _new(_bowtie(old, 100)))]
    dup = new.copy()
    dup.loc[last, "id"] = dup.loc[0, "id"]
    cases += [("duplicate id new", old, dup)]
    padded = new.copy()
    padded.loc[10, "id"] = f" {padded.loc[20, 'id']}"  # a repeat once stripped, not as read
    cases += [("padded duplicate new", old, padded)]
    reuse = new.copy()
    reuse.loc[0, "id"] = reuse.loc[500, "id"]  # the added feature takes a twin's id
    cases += [("added reuses a twin's id", old, reuse)]
    mojibake = new.copy()
    mojibake.loc[300, "name"] = "ç’§å±±"  # mis-encoded text on a twin
    cases += [("mojibake twin", old, mojibake)]
    null = new.copy()
    geoms = null.geometry.to_numpy().copy()
    geoms[SLICE - 1] = None
    cases += [("null new", old, null.set_geometry(list(geoms), crs=old.crs))]
    return cases


@pytest.mark.parametrize(
    ("label", "old", "new"), _bad_cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_bad_features_refused_in_the_same_words(
    tmp_path: Path,
    label: str,
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    small_is_large: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_path = _write(old, tmp_path / "old.parquet")
    new_path = _write(new, tmp_path / "new.parquet")
    twins = _outcome(old_path, new_path)
    assert small_is_large == [False]  # not clean: the plain path names the problem
    assert twins == _read_whole(monkeypatch, old_path, new_path)
    assert isinstance(twins, str) and ("old.parquet" in twins or "new.parquet" in twins)


def test_versions_in_one_order_same_outcome(
    tmp_path: Path, small_is_large: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same ids in the same order (a revision exported alike): matched without hashing."""
    old = _old()
    new = old.copy()
    new.loc[[3, 500], "YDYHFLDM"] = "0701"
    geoms = new.geometry.to_numpy().copy()
    x0, y0, x1, y1 = geoms[SLICE].bounds
    geoms[SLICE] = shapely.box(x0, y0, x1 + 20, y1)
    new = new.set_geometry(list(geoms), crs=old.crs)
    old_path = _write(old, tmp_path / "old.parquet")
    new_path = _write(new, tmp_path / "new.parquet")
    twins = _outcome(old_path, new_path)
    assert small_is_large == [True]
    _assert_same(twins, _read_whole(monkeypatch, old_path, new_path))
    status = twins[0].set_index("id")["status"]  # type: ignore[index]
    assert status[f"lu-{SLICE:04d}"] == "geometry_changed"
    assert (status == "attributes_changed").sum() == 2 and (status == "unchanged").sum() == 897


@pytest.mark.parametrize(("few", "many"), [(0, 50), (3, 400), (40, 41), (400, 3)])
def test_few_cut_against_many_as_cut_pairs(few: int, many: int) -> None:
    """The tree built on the smaller side: the same pairs, order and pieces as ``cut_pairs``."""
    from spatial.review._pieces import cut_pairs  # noqa: PLC0415
    from spatial.review.diff import _cut_few  # noqa: PLC0415

    rng = np.random.default_rng(24)

    def boxes(n: int, size_m: float) -> np.ndarray:
        x, y = rng.uniform(0, 2_000, n) + X0, rng.uniform(0, 2_000, n) + Y0
        return np.asarray(shapely.box(x, y, x + size_m, y + size_m), dtype=object)

    a, b = boxes(few, 300.0), boxes(many, 150.0)
    if many:
        b[many // 2] = shapely.Polygon()  # an empty geometry meets nothing either way
    expected, found = cut_pairs(a, b), _cut_few(a, b)
    assert found[0].tolist() == expected[0].tolist() and found[1].tolist() == expected[1].tolist()
    assert list(shapely.to_wkb(found[2])) == list(shapely.to_wkb(expected[2]))
    if few and many > few:
        assert len(found[0]) > 0  # some pairs were cut


def test_only_changed_features_go_to_the_validator(
    tmp_path: Path, small_is_large: list[bool]
) -> None:
    """A twin with its OLD twin's properties is not checked again; every other NEW feature is."""
    old_path = _write(_old(), tmp_path / "old.parquet")
    new_path = _write(_new(_old()), tmp_path / "new.parquet")
    old, new = _read_built(old_path, new_path)
    rows = _twins._rows_to_check(old, new, _twins._shared(old, new, "id"))
    assert rows is not None
    checked = set(new["id"].iloc[rows])
    reshaped = {f"lu-{k:04d}" for k in EDGES[:4]}  # and the ring reversed: bytes differ
    properties = {"lu-0003", "lu-0040", "lu-0041", "lu-0005", "lu-0006"}
    assert checked == reshaped | properties | {"lu-new"}


def test_a_twin_whose_id_may_repeat_a_checked_one_is_checked_too() -> None:
    ids = pd.Series(["a-1", "b", " c", "c", "a1", "d"], dtype="str")
    checked = np.array([False, False, True, False, False, False])
    # " c" stripped repeats "c"; "a-1" and "a1" share their letters and digits (a superset)
    assert _twins._may_repeat(ids, checked).tolist() == [False, False, True, True, False, False]
    checked[0] = True
    assert _twins._may_repeat(ids, checked).tolist() == [True, False, True, True, True, False]
