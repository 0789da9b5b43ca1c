"""``spatial balance --zones`` scanning the land use's WKB gives the usual outcome, bit for bit.

The command reads a land-use file from Arrow, settles convex parcels from their
WKB and has GEOS build only the rest and the parcels cut
(:mod:`spatial.review.balance_scan`). Each outcome here (the table, its attrs,
totals, notes, problems, or a refusal's type and words) is compared with the
same command reading the file the usual way. Layers are synthetic (示例数据):
a grid of 100 m parcels in EPSG:4544 near 璧山, some with a collinear vertex
(left to GEOS), and the survey of :mod:`tests.survey`; bad features go first,
on both sides of a scan slice's edge, last, inside a zone and outside every zone.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely

from spatial.review import _fast, balance_scan
from spatial.review import balance as balance_module
from tests.grids import grid_parcels
from tests.survey import survey_parcels, survey_zones

GK = "EPSG:4544"
X0, Y0 = 620_000.0, 3_280_000.0
COLS, ROWS = 30, 20
CODES = ["0101", "0103", "0701", "1001", "1207"]
#: Features a scan slice holds in these tests (the command's is 65,536).
SLICE = 64


def _grid() -> gpd.GeoDataFrame:
    """The grid, every seventh parcel with a vertex halfway along its south edge (not settled)."""
    lu = grid_parcels(COLS, ROWS, CODES, (X0, Y0), id_digits=4)
    geoms = lu.geometry.to_numpy().copy()
    for k in range(0, len(geoms), 7):
        x0, y0, x1, y1 = geoms[k].bounds
        geoms[k] = shapely.Polygon([(x0, y0), ((x0 + x1) / 2, y0), (x1, y0), (x1, y1), (x0, y1)])
    return lu.set_geometry(list(geoms), crs=GK)


def _zones() -> gpd.GeoDataFrame:
    """Two zones cutting the grid off its lines; the second reaches past the layer (未覆盖)."""
    return gpd.GeoDataFrame(
        {"id": ["z-a", "z-b"], "note": "示例数据 synthetic"},
        geometry=[
            shapely.box(X0 + 130, Y0 + 170, X0 + 1240, Y0 + 960),
            shapely.Polygon([(X0 + 900, Y0 + 420), (X0 + 1650, Y0 + 380), (X0 + 1720, Y0 + 2300)]),
        ],
        crs=GK,
    )


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small layers take the fast path, slices of :data:`SLICE`; count the WKB values decoded."""
    monkeypatch.setattr(balance_module, "FAST_MIN_FEATURES", 0)
    monkeypatch.setattr(_fast, "FAST_MIN_FEATURES", 0)
    monkeypatch.setattr(balance_scan, "_SLICE", SLICE)
    decoded: list[int] = []
    real = balance_scan._decode

    def counted(values: pa.Array) -> np.ndarray:
        decoded.append(len(values))
        return real(values)

    monkeypatch.setattr(balance_scan, "_decode", counted)
    return decoded


def _write(layer: gpd.GeoDataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        layer.to_parquet(path, row_group_size=100)  # several row groups: several Arrow chunks
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a GeoPackage of mixed geometry types
            layer.to_file(path)


def _outcomes(request: object, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list, list]:
    """Run the command reading from Arrow, then the usual way; what each gave, and the reads."""
    from spatial.commands import balance as command  # noqa: PLC0415

    taken: list[object] = []
    original = command._read_fast

    def spy(*args: object) -> object:
        layer = original(*args)  # type: ignore[arg-type]
        taken.append(None if layer is None else layer.wkb is not None)  # type: ignore[attr-defined]
        return layer

    found = []
    for reader in (spy, lambda *args: None):
        monkeypatch.setattr(command, "_read_fast", reader)
        if reader is not spy:  # the usual way reads nothing early either
            monkeypatch.setattr(command, "_EarlyScans", lambda request: None)
        try:
            result = command.run_balance(request)  # type: ignore[arg-type]
        except Exception as exc:  # compared below, type and words
            found.append([type(exc), str(exc)])
        else:
            table = result.table
            found.append(
                [
                    table,
                    table.attrs,
                    result.totals,
                    result.adjustment,
                    result.problems,
                    result.notes,
                ]
            )
    return found[0], found[1], taken


def _same(arrow: list, usual: list) -> None:
    assert len(arrow) == len(usual)
    for a, u in zip(arrow, usual, strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, u, check_exact=True)
        else:
            assert a == u


def _request(path: Path, zones: Path, **kw: object) -> object:
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    return BalanceRequest(landuse=str(path), zones=str(zones), **kw)  # type: ignore[arg-type]


#: Where a bad feature goes: first, last in a slice, first of the next, inside zone A, last
#: (the far corner, outside every zone).
PLACES = {"first": 0, "slice end": SLICE - 1, "next slice": SLICE, "in zone": 3 * COLS + 4}


def _place(name: str, n: int) -> int:
    return n - 1 if name == "last" else PLACES[name]


def _bad(kind: str, k: int) -> gpd.GeoDataFrame:
    lu = _grid()
    geoms = lu.geometry.to_numpy().copy()
    x, y = geoms[k].bounds[:2]
    if kind == "invalid":
        geoms[k] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    elif kind == "empty":
        geoms[k] = shapely.Polygon()
    elif kind == "null":
        geoms[k] = None
    elif kind == "nan":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # shapely: a NaN in a ring
            geoms[k] = shapely.Polygon([(x, y), (x + 100, y), (x + 100, np.nan), (x, y)])
    lu = lu.set_geometry(list(geoms), crs=GK)
    if kind == "duplicate_id":
        lu.loc[k, "id"] = lu.loc[1 if k == 0 else 0, "id"]
    return lu


def test_scan_builds_the_geometries_of_a_whole_decode_bit_for_bit(small: list[int]) -> None:
    """Boxes, the parcels built and every geometry: those of ``shapely.from_wkb``, exactly."""
    geoms = _grid().geometry.to_numpy()
    wkb = pa.chunked_array(
        [pa.array(shapely.to_wkb(part), pa.binary()) for part in np.array_split(geoms, 5)]
    )
    scanned = balance_scan.scan_wkb(wkb, threads=2)
    whole = shapely.from_wkb(shapely.to_wkb(geoms))
    assert np.array_equal(scanned.bounds, shapely.bounds(whole))
    # only the parcels with a collinear vertex were built (every seventh)
    assert scanned.built.tolist() == list(range(0, len(geoms), 7))
    assert sum(small) == len(scanned.built)
    at = np.array([0, 1, SLICE - 1, SLICE, 200, len(geoms) - 1])
    for got, want in zip(scanned.geometries(at), whole[at], strict=True):
        assert shapely.to_wkb(got) == shapely.to_wkb(want)
    assert all(
        shapely.to_wkb(a) == shapely.to_wkb(b) for a, b in zip(scanned.every(), whole, strict=True)
    )
    assert scanned.plain


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_clean_grid_read_by_its_wkb_same_outcome_fewer_built(
    suffix: str, small: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lu = _grid()
    _write(lu, tmp_path / f"lu{suffix}")
    _write(_zones(), tmp_path / "zones.parquet")
    request = _request(tmp_path / f"lu{suffix}", tmp_path / "zones.parquet")
    arrow, usual, taken = _outcomes(request, monkeypatch)
    assert taken == [True]  # the WKB scanned, the fast path took it
    _same(arrow, usual)
    # GEOS decoded only the 86 parcels with a collinear vertex: the parcels cut among the
    # others were built from their coordinates (oriented), none decoded from WKB
    cut = balance_module.box_candidates(shapely.bounds(lu.geometry.to_numpy()), _zones().geometry)
    assert sum(small) == len(set(range(0, len(lu), 7))) < len(set(cut.tolist()))
    assert isinstance(arrow[0], pd.DataFrame) and set(arrow[0]["zone_id"]) == {"z-a", "z-b"}


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("place", [*PLACES, "last"])
@pytest.mark.parametrize("kind", ["null", "empty", "invalid", "nan", "duplicate_id"])
def test_bad_feature_anywhere_refused_in_the_usual_words(
    kind: str,
    place: str,
    suffix: str,
    small: list[int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    n = COLS * ROWS
    lu = _bad(kind, _place(place, n))
    path = tmp_path / f"lu{suffix}"
    _write(lu, path)
    _write(_zones(), tmp_path / "zones.gpkg")
    arrow, usual, taken = _outcomes(_request(path, tmp_path / "zones.gpkg"), monkeypatch)
    assert taken in ([True], [False])  # scanned (then asked whole), or left to read_arrow_frame
    _same(arrow, usual)
    assert issubclass(arrow[0], Exception)
    assert str(path) in str(arrow[1])


def test_survey_by_its_bsm_same_outcome(
    small: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The survey (示例数据: T-junctions, ids in BSM, zones in DYBH) from GeoParquet."""
    from spatial.io.options import ReadOptions  # noqa: PLC0415

    _write(survey_parcels(), tmp_path / "survey.parquet")
    _write(survey_zones(), tmp_path / "zones.parquet")
    request = _request(
        tmp_path / "survey.parquet",
        tmp_path / "zones.parquet",
        id_field="DYBH",
        options={"landuse": ReadOptions(id_field="BSM")},
    )
    arrow, usual, taken = _outcomes(request, monkeypatch)
    assert taken == [True]
    _same(arrow, usual)
    table = arrow[0]
    assert isinstance(table, pd.DataFrame)
    assert set(table["zone_id"]) == {"A", "B1", "B2"}
    # each zone's rows add up to the zone (the survey leaves no part uncovered)
    for _, rows in table.groupby("zone_id"):
        assert rows["area_m2"].sum() == pytest.approx(rows["zone_area_m2"].iloc[0], rel=1e-12)
        assert rows["class_code"].notna().all()


@pytest.mark.parametrize("pair", [False, True])
def test_pair_read_early_same_outcome(
    pair: bool, small: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``--existing/--planned`` from GeoParquet: both scanned on the early thread, in turn."""
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    lu = _grid()
    planned = lu.copy()
    planned.loc[planned.index[:40], "YDYHFLDM"] = "1207"
    _write(lu, tmp_path / "lu.parquet")
    _write(planned, tmp_path / "planned.parquet")
    _write(_zones(), tmp_path / "zones.parquet")
    zones = str(tmp_path / "zones.parquet")
    if pair:
        request = BalanceRequest(
            existing=str(tmp_path / "lu.parquet"),
            planned=str(tmp_path / "planned.parquet"),
            zones=zones,
        )
    else:
        request = BalanceRequest(landuse=str(tmp_path / "planned.parquet"), zones=zones)
    arrow, usual, taken = _outcomes(request, monkeypatch)
    assert taken == [True] * (1 + pair)
    _same(arrow, usual)


@pytest.mark.parametrize("failure", ["scan", "thread"])
def test_early_scan_that_fails_reads_as_before(
    failure: str, small: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A scan that raises, or a thread that dies before it reads, leaves the read as before."""
    from spatial import cpus  # noqa: PLC0415
    from spatial.commands import balance as command  # noqa: PLC0415

    def boom(*args: object) -> None:
        raise RuntimeError("示例 failure")

    if failure == "scan":
        monkeypatch.setattr(command, "_scan_file", boom)
    else:  # the thread's first call fails: no role may be waited for in vain
        monkeypatch.setattr(cpus, "usable_cpus", boom)
        monkeypatch.setattr(command, "_scan_file", boom)
    _write(_grid(), tmp_path / "lu.parquet")
    _write(_zones(), tmp_path / "zones.parquet")
    request = _request(tmp_path / "lu.parquet", tmp_path / "zones.parquet")
    if failure == "thread":
        monkeypatch.setattr(command, "_read_fast", lambda *args: None)
        early = command._EarlyScans(request)  # type: ignore[arg-type]
        assert early.take("landuse") is None
        return
    arrow, usual, taken = _outcomes(request, monkeypatch)
    assert taken == [False]  # read by read_arrow_frame, decoded whole
    _same(arrow, usual)


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("role", ["existing", "planned"])
@pytest.mark.parametrize("place", ["first", "slice end", "next slice", "last"])
@pytest.mark.parametrize("kind", ["invalid", "null", "duplicate_id"])
def test_pair_bad_feature_in_either_layer_refused_in_the_usual_words(
    kind: str,
    place: str,
    role: str,
    suffix: str,
    small: list[int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """``--existing/--planned``: a bad feature in either layer, anywhere, refused as before."""
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    paths = {name: tmp_path / f"{name}{suffix}" for name in ("existing", "planned")}
    for name, path in paths.items():
        _write(_bad(kind, _place(place, COLS * ROWS)) if name == role else _grid(), path)
    _write(_zones(), tmp_path / "zones.parquet")
    request = BalanceRequest(
        existing=str(paths["existing"]),
        planned=str(paths["planned"]),
        zones=str(tmp_path / "zones.parquet"),
    )
    arrow, usual, _ = _outcomes(request, monkeypatch)
    _same(arrow, usual)
    assert issubclass(arrow[0], Exception)
    assert str(paths[role]) in str(arrow[1])
