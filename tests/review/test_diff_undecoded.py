"""diff of a large pair never decodes an unchanged twin, and gives the bytes of reading each whole.

A NEW feature whose WKB is byte for byte its OLD twin's, settled by the convex
test, is left undecoded (``review._twins.UndecodedTwins``): OLD is checked from
its WKB, a twin's area of record is measured from its WKB's rings, and a twin is
built only where a change's box meets it, NEW's check must see it or a map draws
it. Compared with the versions read by ``read_layer`` (the plain path): the same
features, pieces, matrix, versions, CSV and JSON bytes, and refusals word for
word, with every kind of bad feature first, on the scan's slice edge and last,
in OLD and in NEW, on a twin and on a changed feature. 示例数据: a synthetic grid
of 100 m parcels in EPSG:4544 (tests/grids.py), some rings clockwise, one
L-shaped (concave: built by the scan).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from pyproj import CRS

from spatial.cli import main
from spatial.commands.diff import DiffRequest, run_diff
from spatial.errors import SpatialError
from spatial.measure.area import ellipsoidal_area_m2
from spatial.review import _pieces, _twins, balance_scan
from tests.grids import grid_parcels

X0, Y0 = 620_000.0, 3_280_000.0
CODES = ["0101", "0103", "0701", "1001"]
N = 20  # 400 parcels, scanned and decoded in slices of 64 (monkeypatched)
SLICE = 64
PLACES = {"first": 0, "edge": SLICE, "last": N * N - 1}


def _old() -> gpd.GeoDataFrame:
    old = grid_parcels(N, N, CODES, (X0, Y0), id_digits=4, synthetic=True)
    geoms = old.geometry.to_numpy().copy()
    geoms[::3] = shapely.reverse(geoms[::3])  # clockwise exteriors: measured as oriented
    x0, y0, _, _ = geoms[150].bounds  # an L (concave): the scan builds it with GEOS
    geoms[150] = shapely.Polygon(
        [(x0, y0), (x0 + 100, y0), (x0 + 100, y0 + 50), (x0 + 50, y0 + 50), (x0 + 50, y0 + 100),
         (x0, y0 + 100)]
    )  # fmt: skip
    old["name"] = [f"图斑{k}" for k in range(len(old))]
    return old.set_geometry(list(geoms), crs=old.crs)


def _new(old: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    new = old.copy()
    new.loc[[3, 200], "YDYHFLDM"] = "0701"  # same WKB, another class: twins checked in NEW
    geoms = new.geometry.to_numpy().copy()
    for k in (SLICE - 1, 210):  # grown 30 m east into a neighbour twin, which is then cut
        x0, y0, x1, y1 = geoms[k].bounds
        geoms[k] = shapely.box(x0, y0, x1 + 30, y1)
    new = new.set_geometry(list(geoms), crs=old.crs).drop(index=[300]).reset_index(drop=True)
    added = gpd.GeoDataFrame(
        {"id": ["lu-new"], "YDYHFLDM": ["1001"], "synthetic": True, "note": "示例数据 synthetic"},
        geometry=[shapely.box(X0 - 100, Y0, X0, Y0 + 100)],
        crs=old.crs,
    )
    return gpd.GeoDataFrame(pd.concat([new, added], ignore_index=True), crs=old.crs)


def _write(gdf: gpd.GeoDataFrame, path: Path) -> str:
    if path.suffix == ".gpkg":
        gdf.to_file(path, driver="GPKG", engine="pyogrio")
    else:
        gdf.to_parquet(path)
    return str(path)


@pytest.fixture
def undecoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Let 400 parcels take the twin path in slices of 64; record how many twins stay undecoded."""
    monkeypatch.setattr(_twins, "FAST_MIN_FEATURES", 0)
    monkeypatch.setattr(_twins, "_DECODE_SLICE", SLICE)
    monkeypatch.setattr(balance_scan, "_SLICE", SLICE)
    left: list[int] = []
    original = _twins.read_twins_undecoded

    def spy(*args: object, **kwargs: object) -> object:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        left.append(0 if found is None or found[2] is None else len(found[2].old_pos))
        return found

    monkeypatch.setattr(_twins, "read_twins_undecoded", spy)
    return left


def _outcome(old: str, new: str) -> object:
    """The features, pieces (WKB), matrix and versions (WKB) of ``run_diff``, or its refusal."""
    try:
        found = run_diff(DiffRequest(old=old, new=new, class_field="YDYHFLDM", checks=False))
    except SpatialError as exc:
        return f"{type(exc).__name__}: {exc}"
    pieces = found.diff.pieces
    versions = found.diff.versions
    return (
        found.features,
        pd.DataFrame(pieces.drop(columns="geometry")),
        list(shapely.to_wkb(pieces.geometry.array)),
        found.diff.matrix,
        [list(shapely.to_wkb(v.geometry.array)) for v in versions],
        [pd.DataFrame(v.drop(columns=v.geometry.name)) for v in versions],
    )


def _plain(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> object:
    """The outcome with each version read by ``read_layer`` (no twins, every feature decoded)."""
    with monkeypatch.context() as patch:
        patch.setattr(_twins, "read_twins_undecoded", lambda *args, **kwargs: None)
        return _outcome(old, new)


def _assert_same(a: object, b: object) -> None:
    assert isinstance(a, tuple) and isinstance(b, tuple)
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    assert a[2] == b[2] and a[4] == b[4]
    pd.testing.assert_frame_equal(a[3], b[3], check_exact=True)
    for x, y in zip(a[5], b[5], strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_twins_left_undecoded_same_outcome(
    tmp_path: Path, suffix: str, undecoded: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _write(_old(), tmp_path / f"old{suffix}")
    new = _write(_new(_old()), tmp_path / f"new{suffix}")
    got = _outcome(old, new)
    # every twin but the L (built by the scan): 400 less two reshaped, one removed, the L
    assert undecoded == [N * N - 4]
    _assert_same(got, _plain(monkeypatch, old, new))
    features = got[0].set_index("id")  # type: ignore[index]
    status = features["status"]
    assert status[f"lu-{SLICE - 1:04d}"] == "geometry_changed"
    assert status["lu-0200"] == "attributes_changed" and status["lu-0300"] == "removed"
    # independent figures: a 30 m x 100 m strip gained (GK scale near the central meridian),
    # the L three quarters of a cell
    assert features.loc["lu-0210", "added_m2"] == pytest.approx(3000.0, rel=2e-3)
    assert features.loc["lu-0150", "old_m2"] == pytest.approx(7500.0, rel=2e-3)
    assert features.loc["lu-0151", "old_m2"] == pytest.approx(10_000.0, rel=2e-3)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_command_output_bytes_as_the_plain_path(
    tmp_path: Path, fmt: str, undecoded: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _write(_old(), tmp_path / "old.parquet")
    new = _write(_new(_old()), tmp_path / "new.parquet")
    outs = []
    for plain in (False, True):
        out = tmp_path / f"out_{plain}.{fmt}"
        with monkeypatch.context() as patch:
            if plain:
                patch.setattr(_twins, "read_twins_undecoded", lambda *args, **kwargs: None)
            argv = ["diff", old, new, "--class-field", "YDYHFLDM", "--format", fmt]
            assert main([*argv, "--out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert undecoded == [N * N - 4]
    assert outs[0] == outs[1] and b"lu-0210" in outs[0]


def _bad_geometry(kind: str, at: shapely.Geometry) -> shapely.Geometry | None:
    x0, y0, _, _ = at.bounds
    if kind == "bowtie":
        return shapely.Polygon([(x0, y0), (x0 + 100, y0 + 100), (x0 + 100, y0), (x0, y0 + 100)])
    if kind == "empty":
        return shapely.Polygon()
    if kind == "point":  # mixed types
        return shapely.Point(x0 + 50, y0 + 50)
    return None  # a null geometry


def _with_bad(gdf: gpd.GeoDataFrame, kind: str, k: int) -> gpd.GeoDataFrame:
    bad = gdf.copy()
    if kind == "duplicate id":
        bad.loc[k, "id"] = bad.loc[1 if k != 1 else 2, "id"]
        return bad
    geoms = bad.geometry.to_numpy().copy()
    geoms[k] = _bad_geometry(kind, geoms[k])
    return bad.set_geometry(list(geoms), crs=gdf.crs)


def _bad_cases() -> list[tuple[str, str, str, str]]:
    kinds = ["bowtie", "empty", "null", "point", "duplicate id"]
    return [
        (kind, where, version, how)
        for kind in kinds
        for where in PLACES
        for version in ("old", "new")
        for how in ("twin", "changed")
    ]


@pytest.mark.parametrize(("kind", "where", "version", "how"), _bad_cases())
def test_bad_feature_refused_in_the_same_words(
    tmp_path: Path,
    kind: str,
    where: str,
    version: str,
    how: str,
    undecoded: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bad feature in OLD or NEW, alone (changed) or in both alike (a twin): the plain refusal."""
    k = PLACES[where]
    old = _old()
    new = old.copy()  # in one order: twins by position, every row a twin but the bad one
    if how == "twin" or version == "old":
        old = _with_bad(old, kind, k)
    if how == "twin" or version == "new":
        new = _with_bad(new, kind, k)
    old_path = _write(old, tmp_path / "old.parquet")
    new_path = _write(new, tmp_path / "new.parquet")
    got = _outcome(old_path, new_path)
    assert got == _plain(monkeypatch, old_path, new_path)
    assert isinstance(got, str) and ("old.parquet" in got or "new.parquet" in got)
    assert undecoded and undecoded[0] > 0  # the twins were left undecoded, then built to refuse


def test_new_in_another_crs_as_the_plain_path(
    tmp_path: Path, undecoded: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _write(_old(), tmp_path / "old.parquet")
    new = _write(_new(_old()).to_crs(4490), tmp_path / "new.parquet")
    got = _outcome(old, new)
    plain = _plain(monkeypatch, old, new)
    if isinstance(got, str):
        assert got == plain
    else:
        _assert_same(got, plain)


def _shapes() -> list[shapely.Geometry]:
    box = shapely.box(X0, Y0, X0 + 100, Y0 + 80)
    holed = box.difference(shapely.box(X0 + 10, Y0 + 10, X0 + 30, Y0 + 40))
    two = shapely.MultiPolygon([shapely.box(X0 + 200, Y0, X0 + 260, Y0 + 50), holed])
    round_ = shapely.Point(X0 + 517.3, Y0 + 211.9).buffer(73.31, quad_segs=40)
    return [
        box,
        shapely.reverse(box),
        holed,
        shapely.reverse(holed),  # shell clockwise, hole counter-clockwise
        two,
        shapely.reverse(two),
        shapely.Polygon([(X0, Y0), (X0 + 1e-3, Y0), (X0, Y0 + 1e-3)]),  # a sliver
        round_,  # many vertices: their sum's order shows
        shapely.reverse(round_),
    ]


@pytest.mark.parametrize("epsg", [4544, 4490])
def test_wkb_areas_are_the_oriented_areas_bit_for_bit(epsg: int) -> None:
    geoms = np.array(_shapes(), dtype=object)
    if epsg == 4490:
        geoms = gpd.GeoSeries(geoms, crs=4544).to_crs(4490).to_numpy()
    crs = CRS.from_epsg(epsg)
    wkb = pa.chunked_array([pa.array(list(shapely.to_wkb(geoms)))])
    got = _twins.wkb_oriented_area_m2(wkb, crs)
    expected = ellipsoidal_area_m2(gpd.GeoSeries(geoms, crs=crs), oriented=True)
    assert got.tobytes() == expected.tobytes()
    assert got[0] == pytest.approx(8000.0, rel=2e-3)  # independent: 100 m x 80 m
    assert got[2] == pytest.approx(8000.0 - 600.0, rel=2e-3)  # less a 20 m x 30 m hole


def test_ids_unique_by_arrow_refuse_in_the_plain_words() -> None:
    layer = grid_parcels(3, 3, CODES, (X0, Y0), id_digits=2)
    assert _pieces.require_unique(layer, "v.parquet", "id") == list(layer["id"])
    layer.loc[8, "id"] = layer.loc[4, "id"]
    with pytest.raises(SpatialError) as refused:
        _pieces.require_unique(layer, "v.parquet", "id")
    assert str(refused.value) == "v.parquet: feature lu-04: id appears more than once in 'id'"


def _plain_ids(values: list[object]) -> list[str] | str:
    """What ``require_unique`` gave before it read text in Arrow (pandas, value by value)."""
    from spatial.preconditions import feature_error, feature_label, id_text  # noqa: PLC0415

    layer = pd.DataFrame({"id": values})
    try:
        ids = []
        for position, value in enumerate(values):
            text = id_text(value)
            if text is None or not text.strip():
                raise feature_error("v", feature_label(None, position), "no id")
            ids.append(text.strip())
        _pieces.require_unique_ids(layer, "v", "id")
        for position, text in enumerate(ids):  # a repeat once stripped: the validator's words
            if text in ids[:position]:
                earlier = ids.index(text)
                problem = f"duplicate id: feature #{position} reuses the id of feature #{earlier}"
                raise feature_error("v", feature_label(values[position], position), problem)
    except SpatialError as exc:
        return str(exc)
    return ids


@pytest.mark.parametrize(
    "values",
    [
        ["a", "b", "c"],
        ["a", " b", "c"],  # padded: stripped
        ["a", "", "c"],  # blank
        ["a", "\u3000", "c"],  # blank once stripped (an ideographic space)
        ["a", "b", "a"],  # a repeat
        ["a", "a ", "b"],  # a repeat once stripped only: refused in the validator's words
        ["a", None, "c"],  # missing
        [1, 2, 2],  # numbers
        [],
        ["a", "b", "b"],  # a repeat in increasing order (ids_unique's one-pass test)
        ["c", "b", "a"],  # distinct, not in order (its hash table)
        [" a", " a", "b"],  # a padded repeat as read: refused by pandas
        ["a ", "", "c"],  # blank beside a padded id
        ["\u3000a", "b", "c"],  # padded by an ideographic space
    ],
)
def test_ids_as_text_as_before(values: list[object]) -> None:
    for dtype in ("str", object):
        frame = pd.DataFrame({"id": pd.Series(values, dtype=dtype if values else object)})
        try:
            got: list[str] | str = _pieces.require_unique(frame, "v", "id")
        except SpatialError as exc:
            got = str(exc)
        assert got == _plain_ids(values)


def test_checks_see_every_twin_built(
    tmp_path: Path, undecoded: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules given for the call judge both versions whole: the twins are built for them first."""
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rules]]\nid = "no-overlap"\nkind = "no_overlap"\nlayer = "zones"\n'
        "max_overlap_m2 = 1.0\nallowed_nesting = []\n",
        encoding="utf-8",
    )
    old = _write(_old(), tmp_path / "old.parquet")
    new = _write(_new(_old()), tmp_path / "new.parquet")
    outs = []
    for plain in (False, True):
        out = tmp_path / f"out_{plain}.json"
        with monkeypatch.context() as patch:
            if plain:
                patch.setattr(_twins, "read_twins_undecoded", lambda *args, **kwargs: None)
            argv = ["diff", old, new, "--rules", str(rules), "--format", "json"]
            assert main([*argv, "--out", str(out)]) == 1  # PASS -> FAIL: the grown parcels overlap
        outs.append(out.read_bytes())
    assert undecoded == [N * N - 4]
    assert outs[0] == outs[1]
    rows = json.loads(outs[0].decode("utf-8-sig"))["rules"]
    failed = {row["id"] for row in rows if row["new_status"] == "FAIL"}
    # lu-0063 grown 30 m east over lu-0064, lu-0210 over lu-0211 (a 30 m x 100 m overlap each)
    assert {"lu-0063", "lu-0064", "lu-0210", "lu-0211"} <= failed


@pytest.mark.parametrize("why", ["rules", "repair"])
def test_twins_built_whole_are_decoded_on_the_threads_read_with(
    tmp_path: Path, why: str, undecoded: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules (every twin built for the checks) or repair (the plain path): decoded on all CPUs."""
    import spatial.cpus as cpus  # noqa: PLC0415

    old = _write(_old(), tmp_path / "old.parquet")
    new = _write(_new(_old()), tmp_path / "new.parquet")
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rules]]\nid = "no-overlap"\nkind = "no_overlap"\nlayer = "zones"\n'
        "max_overlap_m2 = 1.0\nallowed_nesting = []\n",
        encoding="utf-8",
    )
    argv = ["diff", old, new, "--format", "json"]
    argv += ["--rules", str(rules)] if why == "rules" else ["--repair", "--no-checks"]
    outs = []
    decoded: list[tuple[int, int]] = []
    for plain in (False, True):
        out = tmp_path / f"out_{plain}.json"
        with monkeypatch.context() as patch:
            patch.setattr(cpus, "usable_cpus", lambda: 3)
            real = _twins._decode

            def spy(wkb: pa.ChunkedArray, threads: int, real: object = real) -> np.ndarray:
                decoded.append((len(wkb), threads))
                return real(wkb, threads)  # type: ignore[operator,no-any-return]

            patch.setattr(_twins, "_decode", spy)
            if plain:
                patch.setattr(_twins, "read_twins_undecoded", lambda *args, **kwargs: None)
            assert main([*argv, "--out", str(out)]) in (0, 1)
        outs.append(out.read_bytes())
    assert undecoded == [N * N - 4]
    assert outs[0] == outs[1] and b"lu-0210" in outs[0]
    assert (N * N - 4, 3) in decoded  # every twin built at once, on the 3 threads read with
    assert {threads for _, threads in decoded} == {3}
