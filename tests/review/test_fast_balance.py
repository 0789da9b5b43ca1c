"""The balance table's fast path gives the plain path's rows, refusals and messages, bit for bit.

Layers are synthetic (示例数据): a grid of 100 m parcels in EPSG:4544 near 璧山
and zones that cut it; bad features are put in the far corner, where the fast
path cuts nothing (their box meets no zone's), so only its checks can find them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.landuse import check_class_field
from spatial.review import balance as balance_module
from spatial.review.balance import balance_table, name_problems
from tests.grids import grid_parcels
from tests.survey import survey_parcels, survey_zones

GK = "EPSG:4544"
X0, Y0 = 620_000.0, 3_280_000.0
COLS, ROWS = 30, 20
CODES = ["0101", "0103", "0701", "1001", "1207"]


def _grid() -> gpd.GeoDataFrame:
    return grid_parcels(COLS, ROWS, CODES, (X0, Y0), id_digits=4)


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
def fast_for_small(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Let layers of any size take the fast path; record whether each call took it."""
    monkeypatch.setattr(balance_module, "FAST_MIN_FEATURES", 0)
    taken: list[bool] = []
    original = balance_module._fast_inputs

    def spy(*args: object, **kwargs: object) -> object:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    monkeypatch.setattr(balance_module, "_fast_inputs", spy)
    return taken


def _both(lu: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None, **kw: object) -> tuple:
    fast = balance_table(lu, zones, **kw)  # type: ignore[arg-type]
    plain = balance_table(lu, zones, fast=False, **kw)  # type: ignore[arg-type]
    return fast, plain


def _same(fast: pd.DataFrame, plain: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert fast.attrs == plain.attrs


def test_clean_grid_takes_the_fast_path_with_the_same_rows(fast_for_small: list[bool]) -> None:
    fast, plain = _both(_grid(), _zones())
    assert fast_for_small == [True]
    _same(fast, plain)
    # independent figures: zone A holds 1110 m x 790 m of parcels, all covered
    zone_a = fast[fast["zone_id"] == "z-a"]
    assert zone_a["area_m2"].sum() == pytest.approx(zone_a["zone_area_m2"].iloc[0], rel=1e-12)
    assert zone_a["zone_area_m2"].iloc[0] == pytest.approx(1110 * 790, rel=2e-3)  # GK scale
    uncovered = fast[(fast["zone_id"] == "z-b") & fast["class_code"].isna()]
    assert len(uncovered) == 1 and uncovered["area_raw_m2"].iloc[0] > 1e4  # past y = +2000 m


def test_more_features_than_the_threshold_same_rows() -> None:
    rows = []
    for k in range(4):  # 2,400 parcels in four strips of the grid
        strip = _grid()
        strip = strip.set_geometry(strip.translate(0, 100 * ROWS * k))
        strip["id"] = strip["id"] + f"-{k}"
        rows.append(strip)
    lu = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=GK)
    assert len(lu) > balance_module.FAST_MIN_FEATURES
    assert (
        balance_module._fast_inputs(lu, _zones(), "YDYHFLDM", "id", None, ("lu", "zones"), 1)
        is not None
    )
    _same(*_both(lu, _zones()))


def test_tolerated_overlap_and_level_same_rows(fast_for_small: list[bool]) -> None:
    lu = _grid()
    k = 3 * COLS + 4  # a parcel inside zone A grows 5 mm into its east neighbour: 0.5 m²
    geoms = lu.geometry.to_numpy()
    x0, y0, x1, y1 = geoms[k].bounds
    geoms[k] = shapely.box(x0, y0, x1 + 0.005, y1)
    lu = lu.set_geometry(list(geoms), crs=GK)
    fast, plain = _both(lu, _zones(), level=1, construction=("07",))
    assert fast_for_small == [True]
    _same(fast, plain)
    (overlap,) = fast.attrs["overlaps"]
    assert overlap["kept_by"] == "lu-0094"
    assert overlap["overlap_m2"] == pytest.approx(0.5, rel=1e-2)


def test_whole_layer_without_zones_same_rows(fast_for_small: list[bool]) -> None:
    fast, plain = _both(_grid(), None)
    assert fast_for_small == [True]
    _same(fast, plain)


def test_survey_coverage_with_t_junctions_same_rows(fast_for_small: list[bool]) -> None:
    parcels, zones = survey_parcels(), survey_zones()
    fast = balance_table(parcels, zones, id_field="DYBH")
    plain = balance_table(parcels, zones, id_field="DYBH", fast=False)
    assert fast_for_small == [True]
    _same(fast, plain)


def test_zones_in_another_crs_same_rows_and_warnings(fast_for_small: list[bool]) -> None:
    zones = _zones().to_crs(4326)
    with warnings.catch_warnings(record=True) as fast_warned:
        warnings.simplefilter("always")
        fast = balance_table(_grid(), zones)
    with warnings.catch_warnings(record=True) as plain_warned:
        warnings.simplefilter("always")
        plain = balance_table(_grid(), zones, fast=False)
    assert fast_for_small == [True]
    _same(fast, plain)
    assert [str(w.message) for w in fast_warned] == [str(w.message) for w in plain_warned]


def _corner(lu: gpd.GeoDataFrame) -> int:
    """The parcel in the far corner: its box meets no zone's."""
    return len(lu) - 1


def _bad(kind: str) -> gpd.GeoDataFrame:
    lu = _grid()
    k = _corner(lu)
    geoms = lu.geometry.to_numpy().copy()
    x, y = X0 + 100 * (COLS - 1), Y0 + 100 * (ROWS - 1)
    if kind == "invalid":
        geoms[k] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    elif kind == "empty":
        geoms[k] = shapely.Polygon()
    elif kind == "null":
        geoms[k] = None
    elif kind == "line":
        geoms[k] = shapely.LineString([(x, y), (x + 100, y + 100)])
    elif kind == "collection":
        geoms[k] = shapely.GeometryCollection([geoms[k]])
    elif kind == "huge":
        geoms[k] = shapely.box(1e12, 1e12, 1e12 + 100, 1e12 + 100)
    elif kind == "nan":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # shapely: a NaN in a ring
            geoms[k] = shapely.Polygon([(x, y), (x + 100, y), (x + 100, np.nan), (x, y)])
    elif kind == "degrees":
        geoms[k] = shapely.box(106.2, 29.6, 106.201, 29.601)
    lu = lu.set_geometry(list(geoms), crs=GK)
    if kind == "duplicate_id":
        lu.loc[k, "id"] = lu.loc[0, "id"]
    elif kind == "unknown_code":
        lu.loc[k, "YDYHFLDM"] = "0799"
    elif kind == "blank_code":
        lu.loc[k, "YDYHFLDM"] = "  "
    elif kind == "mojibake":
        lu.loc[k, "note"] = "ç’§å±±"
    elif kind == "accuracy":
        lu["accuracy"] = "official"
        lu.loc[k, "accuracy"] = "roughly"
    return lu


BAD_KINDS = [
    "invalid",
    "empty",
    "null",
    "line",
    "collection",
    "huge",
    "nan",
    "degrees",
    "duplicate_id",
    "unknown_code",
    "blank_code",
    "mojibake",
    "accuracy",
]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_feature_far_from_the_zones_refused_in_the_same_words(
    kind: str, fast_for_small: list[bool]
) -> None:
    lu = _bad(kind)
    with pytest.raises(Exception) as fast_error:
        balance_table(lu, _zones(), names=("lu.parquet", "zones.gpkg"))
    with pytest.raises(Exception) as plain_error:
        balance_table(lu, _zones(), names=("lu.parquet", "zones.gpkg"), fast=False)
    assert fast_for_small == [False]  # the checks sent it the plain way
    assert type(fast_error.value) is type(plain_error.value)
    assert str(fast_error.value) == str(plain_error.value)
    assert "lu.parquet" in str(fast_error.value)


@pytest.mark.parametrize("kind", ["invalid", "duplicate_id", "unknown_code"])
def test_bad_feature_without_zones_refused_in_the_same_words(
    kind: str, fast_for_small: list[bool]
) -> None:
    lu = _bad(kind)
    with pytest.raises(Exception) as fast_error:
        balance_table(lu, None)
    with pytest.raises(Exception) as plain_error:
        balance_table(lu, None, fast=False)
    assert str(fast_error.value) == str(plain_error.value)


def test_bad_zone_refused_in_the_same_words(fast_for_small: list[bool]) -> None:
    zones = _zones()
    zones.loc[1, "id"] = "z-a"
    with pytest.raises(Exception) as fast_error:
        balance_table(_grid(), zones)
    with pytest.raises(Exception) as plain_error:
        balance_table(_grid(), zones, fast=False)
    assert str(fast_error.value) == str(plain_error.value)


@pytest.mark.parametrize("misnamed", [False, True])
def test_name_problems_match_the_feature_walk(misnamed: bool) -> None:
    lu = _grid()
    lu["YDYHFLMC"] = lu["YDYHFLDM"].map(
        {
            "0101": "水田",
            "0103": "旱地",
            "0701": "城镇住宅用地",
            "1001": "工业用地",
            "1207": "城镇村道路用地",
        }
    )
    if misnamed:
        lu.loc[7, "YDYHFLMC"] = "旱地"
    walked = [p for p in check_class_field(lu, "lu.gpkg") if p.kind == "name"]
    found = name_problems(lu, "lu.gpkg", "YDYHFLDM", "YDYHFLMC")
    assert [str(p) for p in found] == [str(p) for p in walked]
    assert len(found) == int(misnamed)


def test_many_zones_same_rows(fast_for_small: list[bool]) -> None:
    """More zones than the numpy loop takes (their boxes go through an STR tree)."""
    cells = [
        shapely.box(
            X0 + 37 + 210 * i, Y0 + 23 + 190 * j, X0 + 37 + 210 * (i + 1), Y0 + 23 + 190 * (j + 1)
        )
        for j in range(9)
        for i in range(12)
    ]
    zones = gpd.GeoDataFrame(
        {"id": [f"z-{k:03d}" for k in range(len(cells))], "note": "示例数据 synthetic"},
        geometry=cells,
        crs=GK,
    )
    assert len(zones) > 64
    fast, plain = _both(_grid(), zones)
    assert fast_for_small == [True]
    _same(fast, plain)
    assert fast["zone_id"].nunique() == len(zones)


def test_lonlat_layers_same_rows(fast_for_small: list[bool]) -> None:
    """Both layers in EPSG:4326: the geographic box tests and lon/lat areas of record."""
    fast, plain = _both(_grid().to_crs(4326), _zones().to_crs(4326))
    assert fast_for_small == [True]
    _same(fast, plain)


@pytest.mark.parametrize("case", ["grid", "overlap", "survey", "whole layer"])
def test_matched_edges_give_the_rows_of_geos_coverage_test(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cheap coverage test changes no figure: the same rows as ``coverage_is_valid`` alone."""
    lu, zones, kw = _grid(), _zones(), {}
    if case == "overlap":  # a parcel 5 mm into its neighbour: union_all and the pair path
        geoms = lu.geometry.to_numpy()
        x0, y0, x1, y1 = geoms[3 * COLS + 4].bounds
        geoms[3 * COLS + 4] = shapely.box(x0, y0, x1 + 0.005, y1)
        lu = lu.set_geometry(list(geoms), crs=GK)
    elif case == "survey":
        lu, zones, kw = survey_parcels(), survey_zones(), {"id_field": "DYBH"}
    elif case == "whole layer":
        zones = None
    seen: list[bool] = []
    real = balance_module.matched_coverage_edges

    def spy(geoms: np.ndarray, rings: object = None) -> np.ndarray | None:
        found = real(geoms, rings)  # type: ignore[arg-type]
        seen.append(found is not None)
        return found

    monkeypatch.setattr(balance_module, "matched_coverage_edges", spy)
    cheap = balance_table(lu, zones, **kw)  # type: ignore[arg-type]
    assert seen and all(seen) == (case in {"grid", "whole layer"})
    monkeypatch.setattr(balance_module, "matched_coverage_edges", lambda geoms, rings=None: None)
    _same(cheap, balance_table(lu, zones, **kw))  # type: ignore[arg-type]


def test_threads_change_no_figure(
    fast_for_small: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pairs cut, features oriented and zones tabulated on two threads: the one-thread rows."""
    from spatial.review import _pieces  # noqa: PLC0415 - the knobs patched below
    from spatial.validate import vectorised  # noqa: PLC0415 - on_threads moved there

    monkeypatch.setattr(_pieces, "_MIN_PAIRS_PER_THREAD", 1)
    monkeypatch.setattr(vectorised, "_MIN_CHUNK", 1)
    moved = _zones().assign(id=["z-c", "z-d"])
    moved = moved.set_geometry(moved.translate(-100, 50))
    zones = gpd.GeoDataFrame(pd.concat([_zones(), moved], ignore_index=True), crs=GK)
    one = balance_table(_grid(), zones, threads=1)
    two = balance_table(_grid(), zones, threads=2)
    assert fast_for_small == [True, True]
    _same(two, one)
    _same(two, balance_table(_grid(), zones, threads=2, fast=False))


@pytest.mark.parametrize("padded", [" 0701", "0701 ", "\u30000701"])
def test_padded_codes_read_once_each_give_the_plain_rows(
    padded: str, fast_for_small: list[bool]
) -> None:
    """Codes are read per distinct value (stripped as the plain path strips them): the same rows."""
    lu = _grid()
    lu.loc[lu["YDYHFLDM"] == "0701", "YDYHFLDM"] = padded
    fast, plain = _both(lu, _zones(), level=1)
    assert fast_for_small == [True]
    _same(fast, plain)
    assert "07" in set(fast["class_code"])


@pytest.mark.parametrize("name", [" 旱地", "旱地\u3000", "水田"])
def test_names_read_once_each_match_the_feature_walk(name: str) -> None:
    """A padded name agrees with its code; another code's name is found, in its words."""
    lu = _grid()
    names = {"0101": "水田", "0103": "旱地", "0701": "城镇住宅用地", "1001": "工业用地"}
    lu["YDYHFLMC"] = lu["YDYHFLDM"].map(names | {"1207": "城镇村道路用地"})
    first = int(np.flatnonzero(lu["YDYHFLDM"] == "0103")[0])
    lu.loc[first, "YDYHFLMC"] = name
    walked = [p for p in check_class_field(lu, "lu.gpkg") if p.kind == "name"]
    found = name_problems(lu, "lu.gpkg", "YDYHFLDM", "YDYHFLMC")
    assert [str(p) for p in found] == [str(p) for p in walked]
    assert len(found) == int(name == "水田")


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_files_read_as_the_command_reads_them_same_rows(
    suffix: str, fast_for_small: list[bool], tmp_path: Path
) -> None:
    """A GeoPackage and a GeoParquet of one layer: fast and plain rows equal, and equal across."""
    from spatial.io.layers import read_layer  # noqa: PLC0415 - the command's reader

    lu, zones = _grid(), _zones()
    lu.loc[3, "YDYHFLDM"] = " 0701"  # a padded code, read per distinct value
    for name, layer in (("lu", lu), ("zones", zones)):
        path = tmp_path / f"{name}{suffix}"
        layer.to_file(path) if suffix == ".gpkg" else layer.to_parquet(path)
    read_lu, read_zones = (
        read_layer(tmp_path / f"lu{suffix}"),
        read_layer(tmp_path / f"zones{suffix}"),
    )
    fast, plain = _both(read_lu, read_zones)
    assert fast_for_small == [True]
    _same(fast, plain)
    _same(fast, balance_table(lu, zones, fast=False))  # the layer in memory, the plain way


# --- the command's reading from Arrow (spatial.io.arrow_frame) ---------------------------------


def _write(layer: gpd.GeoDataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        layer.to_parquet(path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a Shapefile's long names, a mixed geometry type
            layer.to_file(path)


def _run_both(
    request: object, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[object], list[object], list[bool]]:
    """Run the command's function reading from Arrow, then the usual way; what each gave."""
    from spatial.commands import balance as command  # noqa: PLC0415
    from spatial.review import _fast  # noqa: PLC0415 - the threshold the command reads by

    monkeypatch.setattr(_fast, "FAST_MIN_FEATURES", balance_module.FAST_MIN_FEATURES)
    taken: list[bool] = []
    original = command._read_fast

    def spy(*args: object) -> object:
        frame = original(*args)  # type: ignore[arg-type]
        taken.append(frame is not None)
        return frame

    outcomes = []
    for reader in (spy, lambda *args: None):
        monkeypatch.setattr(command, "_read_fast", reader)
        try:
            result = command.run_balance(request)  # type: ignore[arg-type]
        except Exception as exc:  # compared below, type and words
            outcomes.append([type(exc), str(exc)])
        else:
            table, attrs = result.table, result.table.attrs
            outcomes.append(
                [table, attrs, result.totals, result.adjustment, result.problems, result.notes]
            )
    return outcomes[0], outcomes[1], taken


def _same_outcome(arrow: list[object], usual: list[object]) -> None:
    assert len(arrow) == len(usual)
    for a, u in zip(arrow, usual, strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, u, check_exact=True)  # type: ignore[arg-type]
        else:
            assert a == u


def _with_other_columns(lu: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Numbers and a misnamed class: columns the Arrow read leaves out, and a name problem."""
    lu = lu.copy()
    lu["ZDMJ"] = np.arange(len(lu), dtype=np.float64) * 0.5  # not text: not read
    lu["BSM"] = np.arange(len(lu), dtype=np.int64)
    lu["YDYHFLMC"] = lu["YDYHFLDM"].map({"0101": "水田", "0103": "旱地", "0701": "城镇住宅用地"})
    lu.loc[5, "YDYHFLMC"] = "水田"  # disagrees with its code unless it is 0101
    return lu


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".shp", ".fgb"])
@pytest.mark.parametrize("pair", [False, True])
def test_command_reading_from_arrow_gives_the_same_result(
    suffix: str,
    pair: bool,
    fast_for_small: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    lu = _with_other_columns(_grid())
    planned = lu.copy()
    planned.loc[planned.index[:40], "YDYHFLDM"] = "1207"
    planned.loc[planned.index[:40], "YDYHFLMC"] = None
    _write(lu, tmp_path / f"lu{suffix}")
    _write(planned, tmp_path / f"planned{suffix}")
    _write(_zones(), tmp_path / "zones.parquet")
    zones = str(tmp_path / "zones.parquet")
    if pair:
        request = BalanceRequest(
            existing=str(tmp_path / f"lu{suffix}"),
            planned=str(tmp_path / f"planned{suffix}"),
            zones=zones,
        )
    else:
        request = BalanceRequest(landuse=str(tmp_path / f"lu{suffix}"), zones=zones)
    arrow, usual, taken = _run_both(request, monkeypatch)
    assert taken == [True] * (1 + pair)  # read from Arrow, and the fast path took it
    assert fast_for_small[: 1 + pair] == [True] * (1 + pair)
    _same_outcome(arrow, usual)
    problems = arrow[4]
    assert len(problems) == (1 + pair) * int(lu.loc[5, "YDYHFLDM"] != "0101")  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("pair", [False, True])
def test_command_without_zones_orients_as_it_reads_and_gives_the_same_result(
    suffix: str,
    pair: bool,
    fast_for_small: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Without zones the layer is oriented as read (the originals let go): the same outcome."""
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415
    from spatial.review import _fast  # noqa: PLC0415

    lu = _with_other_columns(_grid())
    lu = lu.set_geometry(shapely.reverse(lu.geometry.to_numpy()), crs=GK)  # clockwise: all turned
    assert not shapely.is_ccw(shapely.get_exterior_ring(lu.geometry.to_numpy())).any()
    planned = lu.copy()
    planned.loc[planned.index[:40], "YDYHFLDM"] = "1207"
    _write(lu, tmp_path / f"lu{suffix}")
    _write(planned, tmp_path / f"planned{suffix}")
    oriented: list[int] = []
    original = _fast.oriented_frame

    def spy(*args: object) -> object:
        frame = original(*args)  # type: ignore[arg-type]
        oriented.append(len(frame))  # type: ignore[arg-type]
        return frame

    monkeypatch.setattr(_fast, "oriented_frame", spy)
    if pair:
        paths = {
            "existing": str(tmp_path / f"lu{suffix}"),
            "planned": str(tmp_path / f"planned{suffix}"),
        }
        request = BalanceRequest(**paths)
    else:
        request = BalanceRequest(landuse=str(tmp_path / f"lu{suffix}"))
    arrow, usual, taken = _run_both(request, monkeypatch)
    assert taken == [True] * (1 + pair)
    assert oriented == [len(lu)] * (1 + pair)
    assert fast_for_small[: 1 + pair] == [True] * (1 + pair)
    _same_outcome(arrow, usual)
    table = arrow[0]
    assert table["zone_id"].isna().all()  # type: ignore[index]


@pytest.mark.parametrize("kind", ["invalid", "null", "collection", "duplicate_id", "mojibake"])
def test_command_without_zones_refuses_a_bad_feature_in_the_same_words(
    kind: str, fast_for_small: list[bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bad feature in a layer oriented as it was read: the usual refusal, word for word."""
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    path = tmp_path / "lu.parquet"
    _write(_bad(kind), path)
    arrow, usual, taken = _run_both(BalanceRequest(landuse=str(path)), monkeypatch)
    assert taken == [True]
    _same_outcome(arrow, usual)
    assert issubclass(arrow[0], Exception)  # type: ignore[arg-type]
    assert not fast_for_small[0]


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("kind", BAD_KINDS)
def test_command_reading_from_arrow_refuses_a_bad_feature_in_the_same_words(
    kind: str,
    suffix: str,
    fast_for_small: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    path = tmp_path / f"lu{suffix}"
    _write(_bad(kind), path)
    _write(_zones(), tmp_path / "zones.gpkg")
    request = BalanceRequest(landuse=str(path), zones=str(tmp_path / "zones.gpkg"))
    arrow, usual, taken = _run_both(request, monkeypatch)
    assert taken == [True]  # read from Arrow; then declined by the fast path
    _same_outcome(arrow, usual)
    assert issubclass(arrow[0], Exception)  # type: ignore[arg-type]
    assert str(path) in str(arrow[1])
    assert not fast_for_small[0]  # the fast path declined what the Arrow read gave it


def test_reading_options_and_repair_go_the_usual_way(
    fast_for_small: list[bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415
    from spatial.io.options import ReadOptions  # noqa: PLC0415

    _write(_grid(), tmp_path / "lu.parquet")
    _write(_zones(), tmp_path / "zones.parquet")
    paths = {"landuse": str(tmp_path / "lu.parquet"), "zones": str(tmp_path / "zones.parquet")}
    for request in (
        BalanceRequest(**paths, options={"landuse": ReadOptions(crs="EPSG:4544")}),
        BalanceRequest(**paths, repair=True),
    ):
        arrow, usual, taken = _run_both(request, monkeypatch)
        assert taken == [False]
        _same_outcome(arrow, usual)


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
@pytest.mark.parametrize("case", ["BSM", "BSM duplicated", "ID duplicated", "no such field"])
def test_an_id_field_is_read_from_arrow_as_the_usual_reader_maps_it(
    suffix: str,
    case: str,
    fast_for_small: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """``--id-field landuse=BSM`` (and a file's ``ID``) read from Arrow: the usual outcome."""
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415
    from spatial.io.options import ReadOptions  # noqa: PLC0415

    lu = _with_other_columns(_grid())
    lu["BSM"] = [f"5001{k:06d}" for k in range(len(lu))]
    field: str | None = "BSM"
    if case == "BSM duplicated":
        lu.loc[len(lu) - 1, "BSM"] = lu.loc[0, "BSM"]
    elif (
        case == "ID duplicated"
    ):  # no id field given: a file's ID is its id, as read_layer reads it
        lu = lu.drop(columns=["id"]).assign(ID=np.arange(len(lu)))
        lu.loc[len(lu) - 1, "ID"] = 0
        field = None
    elif case == "no such field":
        field = "BSM2"
    _write(lu, tmp_path / f"lu{suffix}")
    _write(_zones(), tmp_path / "zones.parquet")
    request = BalanceRequest(
        landuse=str(tmp_path / f"lu{suffix}"),
        zones=str(tmp_path / "zones.parquet"),
        options={"landuse": ReadOptions(id_field=field)},
    )
    arrow, usual, taken = _run_both(request, monkeypatch)
    _same_outcome(arrow, usual)
    assert taken == [case != "no such field"]  # a field the file lacks: named by the usual reader
    if case == "BSM":
        assert fast_for_small[0]
        assert not isinstance(arrow[0], type)
    else:  # refused, in the usual reader's and validator's words
        assert issubclass(arrow[0], Exception)  # type: ignore[arg-type]
        expected = {
            "BSM duplicated": "feature 5001000000: duplicate id: feature #599 reuses the id of",
            "ID duplicated": "feature 0: duplicate id: feature #599 reuses the id of feature #0",
            "no such field": "no field 'BSM2' for --id-field; its fields are id, YDYHFLDM, note, "
            "ZDMJ, BSM",  # every field of the file, numbers too
        }[case]
        assert expected in str(arrow[1])


@pytest.mark.parametrize("damage", ["wkb", "file"])
def test_a_damaged_geoparquet_is_refused_in_the_usual_words(
    damage: str, fast_for_small: list[bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A WKB GEOS cannot read, a file cut short: the usual reader's refusal, not a traceback."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    path = tmp_path / "lu.parquet"
    _write(_grid(), path)
    if damage == "wkb":
        table = pq.read_table(path)
        at = table.schema.get_field_index("geometry")
        wkb = table.column(at).to_pylist()
        wkb[-1] = b"\x01\x03\x00\x00"  # a polygon's header, cut short
        column = pa.array(wkb, table.schema.field(at).type)
        pq.write_table(table.set_column(at, table.schema.field(at), column), path)
    else:
        path.write_bytes(path.read_bytes()[:-200])
    _write(_zones(), tmp_path / "zones.gpkg")
    request = BalanceRequest(landuse=str(path), zones=str(tmp_path / "zones.gpkg"))
    arrow, usual, taken = _run_both(request, monkeypatch)
    assert taken == [False]
    _same_outcome(arrow, usual)
    assert str(path) in str(arrow[1])


def test_a_small_layer_is_read_the_usual_way(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """At most FAST_MIN_FEATURES features: not read from Arrow (the fast path would decline it)."""
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    _write(_grid(), tmp_path / "lu.gpkg")
    _write(_zones(), tmp_path / "zones.gpkg")
    request = BalanceRequest(landuse=str(tmp_path / "lu.gpkg"), zones=str(tmp_path / "zones.gpkg"))
    arrow, usual, taken = _run_both(request, monkeypatch)
    assert taken == [False]  # 600 features
    _same_outcome(arrow, usual)


def test_a_shapefile_without_its_encoding_is_read_the_usual_way(
    fast_for_small: list[bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from spatial.commands.balance import BalanceRequest  # noqa: PLC0415

    _write(_grid(), tmp_path / "lu.shp")
    (tmp_path / "lu.cpg").unlink()
    _write(_zones(), tmp_path / "zones.gpkg")
    request = BalanceRequest(landuse=str(tmp_path / "lu.shp"), zones=str(tmp_path / "zones.gpkg"))
    arrow, usual, taken = _run_both(request, monkeypatch)
    assert taken == [False]
    _same_outcome(arrow, usual)


def test_arrow_frame_holds_the_usual_geometries_and_text(tmp_path: Path) -> None:
    from spatial.io.arrow_frame import read_arrow_frame  # noqa: PLC0415
    from spatial.io.layers import read_layer  # noqa: PLC0415

    lu = _with_other_columns(_bad("invalid"))  # a bow tie, decoded as it is
    lu.loc[7, "note"] = None
    for suffix in (".parquet", ".gpkg", ".fgb"):
        path = tmp_path / f"lu{suffix}"
        _write(lu, path)
        arrow = read_arrow_frame(path, ("id", "BSM"), threads=2)
        usual = read_layer(path)
        assert arrow is not None
        assert "ZDMJ" not in arrow.columns  # numbers not named are left out
        assert arrow.crs == usual.crs
        assert list(shapely.to_wkb(arrow.geometry.array)) == list(
            shapely.to_wkb(usual.geometry.array)
        )
        for name in ("id", "BSM", "YDYHFLDM", "YDYHFLMC", "note"):
            assert _values(arrow[name]) == _values(usual[name]), name
        assert _values(arrow["note"]).count(None) == 1  # FlatGeobuf reorders features


def _values(column: pd.Series) -> list[object]:
    """The values as Python objects, a missing one None."""
    return column.astype(object).where(column.notna(), None).tolist()


# --- rings oriented in place, the originals let go (spatial.review._fast) ----------------------


def _mixed_rings() -> np.ndarray:
    """Clockwise and counter-clockwise shells, holes either way, parts, nulls and non-polygons."""
    shell = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]  # clockwise
    hole = [(2, 2), (4, 2), (4, 4), (2, 4), (2, 2)]  # counter-clockwise
    geoms = [
        shapely.Polygon(shell),
        shapely.Polygon(shell[::-1]),
        shapely.Polygon(shell, [hole]),
        shapely.Polygon(shell[::-1], [hole[::-1]]),
        shapely.MultiPolygon([shapely.Polygon(shell), shapely.box(20, 0, 30, 10)]),
        None,
        shapely.Polygon(),
        shapely.LineString([(0, 0), (1, 1)]),
        shapely.GeometryCollection([shapely.Polygon(shell)]),
    ]
    return np.array(geoms * 7, dtype=object)


@pytest.mark.parametrize("threads", [1, 2])
def test_orient_in_place_gives_orient_polygons_bit_for_bit(
    threads: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spatial.review import _fast  # noqa: PLC0415

    monkeypatch.setattr(_fast, "_ORIENT_SLICE", 4)  # slices that split the kinds
    geoms = _mixed_rings()
    expected = shapely.to_wkb(shapely.orient_polygons(geoms))
    same = _fast.orient_in_place(geoms, threads)
    assert same is geoms
    assert list(shapely.to_wkb(geoms)) == list(expected)
    shells = shapely.get_exterior_ring(geoms[shapely.get_type_id(geoms) == 3])
    assert shapely.is_ccw(shells[~shapely.is_empty(shells)]).all()


def test_oriented_frame_keeps_columns_crs_and_text(tmp_path: Path) -> None:
    from spatial.io.arrow_frame import read_arrow_frame  # noqa: PLC0415
    from spatial.review._fast import oriented_frame  # noqa: PLC0415

    lu = _with_other_columns(_grid())
    lu.to_parquet(tmp_path / "lu.parquet")
    read = read_arrow_frame(tmp_path / "lu.parquet", ("id", "BSM"))
    assert read is not None
    out = oriented_frame(lambda: read_arrow_frame(tmp_path / "lu.parquet", ("id", "BSM")), 2)
    assert out is not None
    assert list(out.columns) == list(read.columns)
    assert out.crs == read.crs
    assert out.geometry.name == read.geometry.name
    pd.testing.assert_frame_equal(out.drop(columns="geometry"), read.drop(columns="geometry"))
    expected = shapely.to_wkb(shapely.orient_polygons(read.geometry.to_numpy()))
    assert list(shapely.to_wkb(out.geometry.to_numpy())) == list(expected)
    assert oriented_frame(lambda: None) is None


# --- without zones: the coverage test in parts along x (review.balance._coverage_in_parts) ---


@pytest.mark.parametrize("layer", ["grid", "overlap", "t_junctions", "reversed"])
def test_whole_layer_coverage_in_parts_same_rows(
    layer: str, fast_for_small: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts of 100 features (6 for the grid): the plain path's rows, whatever the parts say."""
    monkeypatch.setattr(balance_module, "_COVERAGE_PART", 100)
    answers: list[bool] = []
    original = balance_module._coverage_in_parts

    def spy(*args: object) -> bool:
        answers.append(original(*args))  # type: ignore[arg-type]
        return answers[-1]

    monkeypatch.setattr(balance_module, "_coverage_in_parts", spy)
    lu = _grid()
    if layer == "overlap":  # a parcel grows 5 mm into its east neighbour: tolerated, 0.5 m²
        geoms = lu.geometry.to_numpy()
        x0, y0, x1, y1 = geoms[94].bounds
        geoms[94] = shapely.box(x0, y0, x1 + 0.005, y1)
        lu = lu.set_geometry(list(geoms), crs=GK)
    elif layer == "t_junctions":
        lu = survey_parcels()  # 18 parcels in parts of 6
        monkeypatch.setattr(balance_module, "_COVERAGE_PART", 6)
    elif layer == "reversed":  # clockwise shells: oriented before the test
        lu = lu.set_geometry(shapely.reverse(lu.geometry.to_numpy()), crs=GK)
    fast, plain = _both(lu, None)
    monkeypatch.setattr(balance_module, "_COVERAGE_PART", 10**9)  # no parts: the whole asked
    whole = balance_table(lu, None, fast=False)
    assert fast_for_small == [True]
    _same(fast, plain)
    _same(fast, whole)
    covered = layer in ("grid", "reversed")  # a coverage only where it is one
    assert answers == [covered, covered, False]
    if layer == "overlap":
        assert fast.attrs["overlaps"][0]["overlap_m2"] == pytest.approx(0.5, rel=1e-2)


def test_coverage_in_parts_agrees_with_the_whole_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every part a coverage only where the whole is one (GEOS), on grids damaged or not."""
    from spatial.review.balance import _coverage_in_parts  # noqa: PLC0415

    monkeypatch.setattr(balance_module, "_COVERAGE_PART", 100)
    rng = np.random.default_rng(24)
    base = shapely.orient_polygons(_grid().geometry.to_numpy())
    for _ in range(20):
        geoms = base.copy()
        k = int(rng.integers(len(geoms)))
        x0, y0, x1, y1 = geoms[k].bounds
        grow = float(rng.choice([0.0, 0.5, 3.0]))
        geoms[k] = shapely.orient_polygons(shapely.box(x0, y0, x1 + grow, y1 + grow))
        parts = _coverage_in_parts(geoms, 2)
        assert parts == (grow == 0.0)  # the grid as it is; an overlap (0.5, 3 m) is no coverage
        assert parts == bool(shapely.coverage_is_valid(geoms))


def test_fast_only_gives_the_same_table_or_none(fast_for_small: list[bool]) -> None:
    """``fast="only"`` (the Arrow read's entry): the fast table, or None where it declines."""
    zones = _zones()
    _same(balance_table(_grid(), zones, fast="only"), balance_table(_grid(), zones, fast=False))
    bad = _grid()
    geoms = bad.geometry.to_numpy()
    x0, y0 = geoms[-1].bounds[:2]  # the far corner: a bow-tie no zone's box meets
    geoms[-1] = shapely.Polygon([(x0, y0), (x0 + 9, y0 + 9), (x0 + 9, y0), (x0, y0 + 9)])
    bad = bad.set_geometry(list(geoms), crs=GK)
    assert balance_table(bad, zones, fast="only") is None
    assert fast_for_small == [True, False]
    with pytest.raises(ValueError, match="does not repair"):
        balance_table(_grid(), zones, fast="only", repair=True)
