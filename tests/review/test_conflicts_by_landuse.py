"""三区三线 conflicts split by the land-use class they lie on (``spatial review --landuse``).

On tests/survey.py's synthetic (示例数据) EPSG:4544 coverage: zone A occupies a
made-up 永久基本农田 box that lies over four parcels of three classes and the
road. Every figure is checked against an independent cut made here with shapely
on the survey's own geometries in EPSG:4544 and measured by the tests' own
strip-rule oracle (vertices to EPSG:4490, ``strip_reference``).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import CRS
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels, survey_zones

from spatial.checks import run_checks
from spatial.checks.constraints import constraint_rule
from spatial.cli import main
from spatial.landuse.classes import load_classes
from spatial.review.balance import UNCOVERED_NAME
from spatial.review.occupied import LANDUSE_COLUMNS, conflicts_by_landuse, largest_adjustment

FARMLAND = "永久基本农田"
#: The raw rows against the oracle (the survey rule, measured two ways).
REL = 1e-9
#: The farmland box, metres east and north of X0, Y0: x 100..300 (its east edge on the
#: edge between parcels N00 and N01, and S01's x=150 inside), y 200..900 over the road.
BOX = (100.0, 200.0, 300.0, 900.0)


def _farmland() -> gpd.GeoDataFrame:
    x1, y1, x2, y2 = BOX
    geom = shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)
    return gpd.GeoDataFrame({"id": ["F1"], "note": ["示例数据 synthetic"]}, geometry=[geom], crs=GK)


def _zones() -> gpd.GeoDataFrame:
    return survey_zones().rename(columns={"DYBH": "id"})


def _pieces() -> gpd.GeoDataFrame:
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 1.0)
    report = run_checks({"zones": _zones(), FARMLAND: _farmland()}, targets=[], rules=[rule])
    assert report.conflicts is not None
    return report.conflicts


def _split(parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    return conflicts_by_landuse(
        _pieces(), parcels, class_field="YDYHFLDM", frames={FARMLAND: CRS(GK)}
    )


def _oracle(
    parcels: gpd.GeoDataFrame, conflict: shapely.Geometry | None = None
) -> dict[str | None, float]:
    """A conflict (zone A's farmland) per class: cut here in EPSG:4544, each piece by the oracle."""
    if conflict is None:
        conflict = shapely.intersection(_zones().geometry.iloc[0], _farmland().geometry.iloc[0])
    rows: dict[str | None, float] = {}
    for code, parcel in zip(parcels["YDYHFLDM"], parcels.geometry, strict=True):
        piece = shapely.intersection(conflict, parcel)
        if piece.area > 0:  # GK m², only to skip parcels the conflict merely touches
            rows[code] = rows.get(code, 0.0) + oracle_area_m2(piece)
    outside = shapely.difference(conflict, shapely.union_all(parcels.geometry.to_numpy()))
    if outside.area > 0:
        rows[None] = oracle_area_m2(outside)
    return rows


def test_a_conflict_over_several_classes_is_split_into_the_oracle_figures() -> None:
    parcels = survey_parcels()
    table = _split(parcels)
    assert list(table.columns) == LANDUSE_COLUMNS
    oracle = _oracle(parcels)
    # 水田 (S00), 旱地 (S01), 城镇住宅用地 (N00) and the road: N01 (工业用地) only touched
    assert set(oracle) == {"0101", "0103", "0701", "1207"}
    assert list(table["landuse_class"]) == sorted(oracle)
    for row in table.itertuples():
        assert row.area_raw_m2 == pytest.approx(oracle[row.landuse_class], rel=REL, abs=0)
        assert row.landuse_name == load_classes()[row.landuse_class].name_zh
    assert set(table["landuse_name"]) == {"水田", "旱地", "城镇住宅用地", "城镇村道路用地"}
    assert (table[["constraint", "zone_id", "class_code"]].drop_duplicates().to_numpy()
            == [[FARMLAND, "A", "-"]]).all()  # fmt: skip


def test_the_class_rows_add_up_to_the_conflicts_own_figure() -> None:
    parcels = survey_parcels()
    table, pieces = _split(parcels), _pieces()
    whole_m2 = float(pieces["area_m2"].sum())
    conflict = shapely.intersection(_zones().geometry.iloc[0], _farmland().geometry.iloc[0])
    assert whole_m2 == pytest.approx(oracle_area_m2(conflict), rel=REL, abs=0)
    assert float(table["area_m2"].sum()) == pytest.approx(whole_m2, rel=1e-14, abs=0)
    assert table["area_ha"].to_list() == pytest.approx((table["area_m2"] / 1e4).to_list())
    assert table["area_mu"].to_list() == pytest.approx((table["area_m2"] * 15 / 1e4).to_list())
    adjustment = (table["area_m2"] - table["area_raw_m2"]).abs().max()
    assert 0 < adjustment < 1e-6 * whole_m2  # a round trip's residue, not a misplaced parcel
    line = largest_adjustment(table)
    assert f"largest adjustment {adjustment:.6f} m² ({adjustment / whole_m2:.2e} of A's" in line


def test_the_part_of_a_conflict_on_no_parcel_is_its_own_row() -> None:
    parcels = survey_parcels()
    gone = parcels["BSM"].isin(["S00", "S01"])  # the 水田 and 旱地 under the farmland
    table = _split(parcels[~gone].reset_index(drop=True))
    oracle = _oracle(parcels[~gone])
    uncovered = table[table["landuse_class"].isna()]
    assert len(uncovered) == 1
    assert uncovered["landuse_name"].iloc[0] == UNCOVERED_NAME
    x1, y1, x2, _ = BOX
    hole = shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + 500.0)
    assert oracle[None] == pytest.approx(oracle_area_m2(hole), rel=REL)
    assert uncovered["area_raw_m2"].iloc[0] == pytest.approx(oracle[None], rel=REL, abs=0)
    assert set(table["landuse_class"].dropna()) == {"0701", "1207"}
    assert float(table["area_m2"].sum()) == pytest.approx(
        float(_pieces()["area_m2"].sum()), rel=1e-14, abs=0
    )


def test_no_conflict_gives_an_empty_table_with_the_columns() -> None:
    empty = _pieces().iloc[:0]
    assert list(conflicts_by_landuse(empty, survey_parcels()).columns) == LANDUSE_COLUMNS


PROJECT = """
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
id_field = "BSM"
"""


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """The review's tables with the project's land use, and without it."""
    tmp = tmp_path_factory.mktemp("review")
    return _review_plain(tmp, PROJECT), _review_plain(
        tmp, PROJECT.split("[landuse]", maxsplit=1)[0]
    )


def _review_plain(tmp: Path, project: str) -> dict:
    folder = tmp / ("with" if "[landuse]" in project else "without")
    folder.mkdir()
    survey_zones().to_file(folder / "zones.gpkg")
    survey_parcels().to_file(folder / "landuse.gpkg")
    _farmland().to_file(folder / "farmland.gpkg")
    (folder / "spatial.toml").write_text(project, encoding="utf-8")
    call = ["review", "--project", str(folder / "spatial.toml"), "--constraint",
            f"{FARMLAND}={folder / 'farmland.gpkg'}", "--out", str(folder / "r")]  # fmt: skip
    assert main(call) == 1  # zone A occupies the farmland by far more than 1 m²
    tables = json.loads((folder / "r" / "tables.json").read_text(encoding="utf-8"))
    tables["__page__"] = (folder / "r" / "report.html").read_text(encoding="utf-8")
    return tables


def test_review_with_a_landuse_layer_writes_the_split_table(reviews) -> None:
    tables, _ = reviews
    rows = tables["conflicts"]
    expected = _split(survey_parcels())
    assert [r["landuse_class"] for r in rows] == expected["landuse_class"].to_list()
    assert [r["YDYHFLDM"] for r in rows] == expected["landuse_class"].to_list()  # its field
    assert [r["area_m2"] for r in rows] == pytest.approx(expected["area_m2"].to_list(), rel=1e-12)
    assert {r["zone_id"] for r in rows} == {"A"} and all(r["DYBH"] == "A" for r in rows)


def test_review_without_a_landuse_layer_keeps_the_table_as_it_was(reviews) -> None:
    with_landuse, without = reviews
    rows = without["conflicts"]
    assert [list(r) for r in rows] == [
        ["constraint", "DYBH", "zone_id", "class_code", "area_m2", "area_ha", "area_mu",
         "area_raw_m2"]
    ]  # fmt: skip
    assert rows[0]["class_code"] == "-"
    assert rows[0]["area_m2"] == pytest.approx(float(_pieces()["area_m2"].sum()), rel=1e-12)
    # the split rows of the same conflict add up to the unsplit row
    split = sum(r["area_m2"] for r in with_landuse["conflicts"])
    assert split == pytest.approx(rows[0]["area_m2"], rel=1e-14, abs=0)
    assert with_landuse["conflict_pieces"] == without["conflict_pieces"]


def test_the_review_page_shows_the_split_and_says_how_it_adds_up(reviews) -> None:
    with_landuse, without = reviews
    page = with_landuse["__page__"]
    assert "class rows add up to its m² exactly (spatial.measure.reconcile)" in page
    assert "YDYHFLDM" in page and "城镇住宅用地" in page and "旱地" in page
    assert "class rows add up" not in without["__page__"]


def _gk_box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def test_a_conflict_along_parcel_edges_has_no_sliver_rows() -> None:
    """B2 outside a boundary ending at x = 2000: its edge y = 500 runs along the S parcels'."""
    boundary = gpd.GeoDataFrame(
        {"id": ["U"], "synthetic": [True]}, geometry=[_gk_box(0, 0, 2000, 1000)], crs=GK
    )
    rule = constraint_rule("must_lie_within", "城镇开发边界", "zones", 1.0)
    zones = _zones()
    report = run_checks({"zones": zones, "城镇开发边界": boundary}, targets=[], rules=[rule])
    assert report.conflicts is not None
    pieces = report.conflicts[report.conflicts["zone_id"] == "B2"]
    parcels = survey_parcels()
    table = conflicts_by_landuse(pieces, parcels, frames={"城镇开发边界": CRS(GK)})
    oracle = _oracle(parcels, _gk_box(2000, 500, 2400, 1000))
    assert list(table["landuse_class"]) == sorted(oracle)  # no S parcel (0702) below y = 500
    assert "0702" not in set(table["landuse_class"])
    for row in table.itertuples():
        assert row.area_raw_m2 == pytest.approx(oracle[row.landuse_class], rel=REL, abs=0)
    assert float(table["area_m2"].sum()) == pytest.approx(
        float(pieces["area_m2"].sum()), rel=1e-14, abs=0
    )


def test_conflict_pieces_carry_synthetic_only_when_an_input_is_marked() -> None:
    theirs = _farmland().drop(columns="note")  # a planner's own layer: no synthetic property
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 1.0)
    plain = run_checks({"zones": _zones(), FARMLAND: theirs}, targets=[], rules=[rule])
    assert plain.conflicts is not None and len(plain.conflicts)
    assert "synthetic" not in plain.conflicts.columns
    marked = theirs.assign(synthetic=True)
    other = constraint_rule("must_not_occupy", "marked", "zones", 1.0)
    both = run_checks(
        {"zones": _zones(), FARMLAND: theirs, "marked": marked}, targets=[], rules=[rule, other]
    )
    assert both.conflicts is not None
    flags = dict(zip(both.conflicts["constraint"], both.conflicts["synthetic"], strict=True))
    assert flags == {FARMLAND: False, "marked": True}
    assert both.conflicts["synthetic"].dtype == bool


def test_a_conflict_of_many_parts_cut_in_tiles_gives_the_same_rows(monkeypatch) -> None:
    """A conflict in tiles of its parts (a large 永久基本农田): the same rows, the oracle's."""
    import spatial.review.occupied as occupied  # noqa: PLC0415

    boxes = [(100, 200, 300, 900), (500, 100, 700, 450), (800, 600, 1100, 950)]
    farmland = gpd.GeoDataFrame(
        {"id": ["F1", "F2", "F3"], "synthetic": [True] * 3},
        geometry=[_gk_box(*b) for b in boxes],
        crs=GK,
    )
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 1.0)
    report = run_checks({"zones": _zones(), FARMLAND: farmland}, targets=[], rules=[rule])
    assert report.conflicts is not None
    parcels = survey_parcels()
    whole = conflicts_by_landuse(report.conflicts, parcels, frames={FARMLAND: CRS(GK)})
    tiles, owner = occupied._tiles(occupied._conflicts(report.conflicts)[1])
    assert len(tiles) == 1 and list(owner) == [0]  # a few vertices: one tile, the conflict
    monkeypatch.setattr(occupied, "_TILE_VERTICES", 1)
    tiles, owner = occupied._tiles(occupied._conflicts(report.conflicts)[1])
    assert len(tiles) == 3 and list(owner) == [0, 0, 0]  # each part a tile of its own
    tiled = conflicts_by_landuse(report.conflicts, parcels, frames={FARMLAND: CRS(GK)})
    assert tiled["landuse_class"].to_list() == whole["landuse_class"].to_list()
    assert tiled["area_raw_m2"].to_list() == pytest.approx(
        whole["area_raw_m2"].to_list(), rel=1e-12
    )
    oracle = _oracle(parcels, shapely.union_all([_gk_box(*b) for b in boxes]))
    for row in tiled.itertuples():
        assert row.area_raw_m2 == pytest.approx(oracle[row.landuse_class], rel=REL, abs=0)


def _check(folder: Path, project: str, capsys: pytest.CaptureFixture[str]) -> str:
    folder.mkdir()
    survey_zones().to_file(folder / "zones.gpkg")
    survey_parcels().to_file(folder / "landuse.gpkg")
    _farmland().to_file(folder / "farmland.gpkg")
    (folder / "spatial.toml").write_text(project, encoding="utf-8")
    call = ["check", "--project", str(folder / "spatial.toml"), "--constraint",
            f"{FARMLAND}={folder / 'farmland.gpkg'}"]  # fmt: skip
    assert main(call) == 1
    return capsys.readouterr().out


def test_check_in_a_project_with_land_use_prints_the_split_table(tmp_path, capsys) -> None:
    out = _check(tmp_path / "with", PROJECT, capsys)
    assert "(split by the land-use layer's class)" in out
    lines = [line.split() for line in out.splitlines()]
    header = next(line for line in lines if "YDYHFLDM" in line)
    # the farmland has no class: no class_code column of '-' (test_conflicts_blank_class.py)
    assert header[:4] == ["constraint", "DYBH", "YDYHFLDM", "landuse_name"]
    rows = [line for line in lines if line[:2] == [FARMLAND, "A"]]
    expected = _split(survey_parcels())
    assert [row[2] for row in rows] == expected["landuse_class"].to_list()
    assert [row[3] for row in rows] == expected["landuse_name"].to_list()
    assert [float(row[4]) for row in rows] == pytest.approx(expected["area_m2"].to_list(), abs=1e-4)
    assert "class rows reconciled to each conflict's m²" in out
    without = _check(tmp_path / "without", PROJECT.split("[landuse]", maxsplit=1)[0], capsys)
    assert "YDYHFLDM" not in without and "split by" not in without
    row = next(line.split() for line in without.splitlines() if line.startswith(FARMLAND))
    assert row[:2] == [FARMLAND, "A"] and "-" not in row  # no class column of '-'
    assert "class_code" not in without
    assert float(row[2]) == pytest.approx(float(_pieces()["area_m2"].sum()), abs=1e-4)
