"""Balance and diff on a survey-style coverage in EPSG:4544, decided in that frame (issue 18).

The coverage (tests/survey.py) is clean in its own Gauss–Krüger plane: a 2.4 km
road with its neighbours' corners on its long edges and no vertex there, zones
sharing an edge with a T-junction. Every figure is checked against an
independent cut made here with shapely in EPSG:4544 and measured by the tests'
own strip-rule oracle (vertices to EPSG:4490, ``strip_reference``).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from strip_reference import area_m2 as strip_area_m2
from survey import (
    GK,
    RECLASSIFIED,
    X0,
    Y0,
    oracle_area_m2,
    survey_parcels,
    survey_parcels_revised,
    survey_zones,
)

from spatial.cli import main
from spatial.errors import LayerError
from spatial.review.balance import OVERLAP_TOLERANCE_M2, balance_table
from spatial.review.diff import diff_layers

REL = 1e-9


def _write(gdf: gpd.GeoDataFrame, path: Path) -> str:
    if path.suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        gdf.to_file(path, driver={".gpkg": "GPKG", ".shp": "ESRI Shapefile"}[path.suffix])
    return str(path)


def _oracle_rows(parcels: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> dict[tuple, float]:
    """Each zone's area per class: parcels cut here in EPSG:4544, pieces measured by the oracle."""
    rows: dict[tuple, float] = {}
    for zone_id, zone in zip(zones["DYBH"], zones.geometry, strict=True):
        for code, parcel in zip(parcels["YDYHFLDM"], parcels.geometry, strict=True):
            piece = shapely.intersection(zone, parcel)
            if piece.area > 0:  # GK m², only to skip pieces that merely touch
                rows[(zone_id, code)] = rows.get((zone_id, code), 0.0) + oracle_area_m2(piece)
    return rows


def _cli_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, object, str]:
    status = main([*args, "--format", "json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out) if captured.out else None, captured.err


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return balance_table(survey_parcels(), survey_zones(), id_field="DYBH")


def test_balance_rows_add_up_to_each_zone_area_of_record(table: pd.DataFrame) -> None:
    zones = survey_zones()
    for zone_id, zone in zip(zones["DYBH"], zones.geometry, strict=True):
        rows = table[table.zone_id == zone_id]
        assert rows.area_m2.sum() == pytest.approx(oracle_area_m2(zone), rel=REL, abs=0)
        assert rows.share_of_zone.sum() == pytest.approx(1.0, rel=REL)
        assert rows.class_code.notna().all()  # the coverage leaves no part of a zone uncovered
        assert (rows.overlap_m2 == 0).all()  # and nothing overlaps in its own frame


def test_each_raw_class_row_is_the_oracle_cut_in_epsg4544(table: pd.DataFrame) -> None:
    expected = _oracle_rows(survey_parcels(), survey_zones())
    got = table.set_index(["zone_id", "class_code"])["area_raw_m2"]
    assert set(got.index) == set(expected)
    for key, m2 in expected.items():
        assert got[key] == pytest.approx(m2, rel=REL, abs=0), key


def test_the_largest_adjustment_is_stated_per_zone_and_is_the_change_made(
    table: pd.DataFrame,
) -> None:
    for _, rows in table.groupby("zone_id"):
        change = (rows.area_m2 - rows.area_raw_m2).abs().max()
        assert rows.largest_adjustment_m2.iloc[0] == pytest.approx(change, rel=1e-6, abs=1e-12)
        rel = rows.largest_adjustment_m2.iloc[0] / rows.zone_area_m2.iloc[0]
        assert rows.largest_adjustment_rel.iloc[0] == pytest.approx(rel, rel=1e-12)
        assert rows.largest_adjustment_rel.iloc[0] < 1e-8  # a lens, not a gap or an overlap


def test_lonlat_zones_move_into_the_parcels_frame_not_the_parcels_out_of_it() -> None:
    # zones in EPSG:4490 (fewer features): moved, densified, into the parcels' EPSG:4544
    zones = survey_zones().to_crs(4490)
    table = balance_table(survey_parcels(), zones, id_field="DYBH")
    for zone_id, zone in zip(zones["DYBH"], zones.geometry, strict=True):
        rows = table[table.zone_id == zone_id]
        assert rows.area_m2.sum() == pytest.approx(strip_area_m2(zone), rel=REL, abs=0)
        assert (rows.overlap_m2 == 0).all()
        assert rows.largest_adjustment_rel.iloc[0] < 1e-6  # lenses of the zones' 1.2 km edges
        # uncovered: only the lens between a zone's lon/lat-straight outer edge and the
        # coverage's GK-straight one, 12.2 m² on a 1.2 km east-west edge (L³·tanφ/(12R))
        assert rows[rows.class_code.isna()].area_m2.sum() < 12.5


def test_cli_balance_exits_0_and_prints_the_largest_adjustment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parcels = _write(survey_parcels(), tmp_path / "parcels.gpkg")
    zones = _write(survey_zones(), tmp_path / "zones.gpkg")
    assert main(["balance", parcels, "--zones", zones, "--zone-id-field", "DYBH"]) == 0
    out = capsys.readouterr().out
    assert "Largest adjustment per zone" in out and "closure_m2" in out
    for zone_id in ("A", "B1", "B2"):
        assert any(line.startswith(f"{zone_id} ") and "e-" in line for line in out.splitlines())


def test_cli_existing_against_planned_on_the_survey_coverage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _write(survey_parcels(), tmp_path / "old.gpkg")
    new = _write(survey_parcels_revised(), tmp_path / "new.gpkg")
    zones = _write(survey_zones(), tmp_path / "zones.gpkg")
    args = ["balance", "--existing", old, "--planned", new, "--zones", zones]
    status, rows, err = _cli_json([*args, "--zone-id-field", "DYBH"], capsys)
    assert status == 0, err
    by_key = {(r["zone_id"], r["class_code"]): r for r in rows}
    zones_gk = survey_zones()
    zone_m2 = {z: oracle_area_m2(g) for z, g in zip(zones_gk.DYBH, zones_gk.geometry, strict=True)}
    for zone_id, whole in zone_m2.items():
        mine = [r for r in rows if r["zone_id"] == zone_id]
        assert sum(r["existing_m2"] for r in mine) == pytest.approx(whole, rel=REL, abs=0)
        assert sum(r["planned_m2"] for r in mine) == pytest.approx(whole, rel=REL, abs=0)
        assert all(r["largest_adjustment_rel"] < 1e-8 for r in mine)
    # N01 is zone A's only 1001 parcel: the change is all of it, raw as the oracle, reconciled
    # within the zone's stated largest adjustment
    n01 = survey_parcels().set_index("BSM").geometry[RECLASSIFIED[0]]
    was, now = by_key[("A", "1001")], by_key[("A", "0701")]
    assert (was["planned_m2"], was["planned_raw_m2"]) == (0.0, 0.0)
    assert was["existing_raw_m2"] == pytest.approx(oracle_area_m2(n01), rel=REL)
    assert abs(was["existing_m2"] - was["existing_raw_m2"]) <= was["largest_adjustment_m2"]
    assert was["change_m2"] == -was["existing_m2"]
    assert now["change_m2"] == pytest.approx(-was["change_m2"], rel=1e-8)
    others = [r for k, r in by_key.items() if k not in {("A", "1001"), ("A", "0701")}]
    assert max(abs(r["change_m2"]) for r in others) < 0.01  # the road split moves no class


# Finding 3: an overlap tolerated whatever the zone's size, and counted twice.


def _gk_box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _lu(rows: list[tuple[str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "YDYHFLDM": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=GK,
    )


def _zone(geom: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["z"]}, geometry=[geom], crs=GK)


def test_a_small_parcel_wholly_overlapping_a_small_zone_is_refused() -> None:
    # 100 m² zone covered by one parcel, and a 0.9 m² parcel on top: under 1 m², but all of it
    lu = _lu([("big", "0101", _gk_box(0, 0, 10, 10)), ("tiny", "0701", _gk_box(2, 2, 3, 2.9))])
    assert 0.9 < OVERLAP_TOLERANCE_M2
    with pytest.raises(LayerError, match=r"lu\.gpkg: land-use features overlap each other by 0\.9"):
        balance_table(lu, _zone(_gk_box(0, 0, 10, 10)), names=("lu.gpkg", "z.gpkg"))


def test_a_small_overlap_of_large_parcels_is_tolerated_counted_once_and_reported() -> None:
    # two parcels of 5,000 m² overlapping by a 5 mm x 100 m strip (0.5 m², 1e-4 of either)
    west, east = _gk_box(0, 0, 50.005, 100), _gk_box(50, 0, 100, 100)
    zone = _gk_box(0, 0, 100, 100)
    table = balance_table(_lu([("w", "0101", west), ("e", "0701", east)]), _zone(zone))
    overlap_m2 = oracle_area_m2(shapely.intersection(west, east))
    assert table.area_m2.sum() == pytest.approx(oracle_area_m2(zone), rel=REL, abs=0)
    rows = table.set_index("class_code")
    assert rows.loc["0101", "area_raw_m2"] == pytest.approx(oracle_area_m2(west), rel=REL)
    trimmed = shapely.difference(east, west)  # the overlap goes to the earlier feature only
    assert rows.loc["0701", "area_raw_m2"] == pytest.approx(oracle_area_m2(trimmed), rel=REL)
    assert (table.overlap_m2 == table.overlap_m2.iloc[0]).all()
    assert table.overlap_m2.iloc[0] == pytest.approx(overlap_m2, rel=1e-6)
    [found] = table.attrs["overlaps"]
    assert (found["zone_id"], found["kept_by"], found["trimmed_from"]) == ("z", "w", "e")


def test_cli_names_a_tolerated_overlap_and_refuses_a_large_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    west, east = _gk_box(0, 0, 50.005, 100), _gk_box(50, 0, 100, 100)
    lu = _write(_lu([("w", "0101", west), ("e", "0701", east)]), tmp_path / "lu.gpkg")
    zones = _write(_zone(_gk_box(0, 0, 100, 100)), tmp_path / "z.gpkg")
    assert main(["balance", lu, "--zones", zones, "--format", "json"]) == 0
    assert "features w and e overlap by 0.500 m² in zone z (tolerated" in capsys.readouterr().err
    tiny = _lu([("big", "0101", _gk_box(0, 0, 10, 10)), ("tiny", "0701", _gk_box(2, 2, 3, 2.9))])
    small = _write(tiny, tmp_path / "tiny.gpkg")
    zone = _write(_zone(_gk_box(0, 0, 10, 10)), tmp_path / "small_zone.gpkg")
    assert main(["balance", small, "--zones", zone]) == 2
    assert "features big and tiny share 0.90 m², 100.00% of the smaller" in capsys.readouterr().err


# Finding 5: 未覆盖 from the union of cut pieces dropped micro-gaps.


def _gapped_strips(gap_deg: float = 1e-10, n: int = 22, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` skewed lon/lat parcels side by side, each pair apart by a ``gap_deg`` micro-gap."""
    rng = np.random.default_rng(seed)
    x0, y0, size = 106.2, 29.6, 0.01
    edges = np.concatenate([[0.0], np.sort(rng.uniform(0, size, n - 1)), [size]])
    parcels = []
    for i in range(n):
        a, b = edges[i], edges[i + 1] - (gap_deg if i < n - 1 else 0.0)
        ring = [(a, 0), (b, 0), (b + size / 10, size), (a + size / 10, size)]
        parcels.append(shapely.Polygon([(x0 + x, y0 + y) for x, y in ring]))
    return gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(n)], "YDYHFLDM": ["0101"] * n}, geometry=parcels, crs=4326
    )


def test_uncovered_keeps_the_micro_gaps_between_whole_parcels() -> None:
    # 21 gaps 1e-10° (about 10 µm) wide: the union of the pieces cut by the zone closes and
    # bends them (0.12485 m² uncovered); the union of the whole parcels keeps them (0.12381)
    parcels = _gapped_strips()
    x0, y0, size = 106.2, 29.6, 0.01
    corners = [(0.05, 0.02), (1.0, 0.1), (0.9, 0.9), (0.1, 0.7)]
    zone = shapely.Polygon([(x0 + size * u, y0 + size * v) for u, v in corners])
    table = balance_table(parcels, gpd.GeoDataFrame({"id": ["z"]}, geometry=[zone], crs=4326))
    # independently: the zone less the sum of the parcels' pieces (disjoint, lon/lat-straight
    # edges, so the strip areas add up; the difference of two 1e6 m² sums is good to 1e-7 m²)
    covered_m2 = sum(strip_area_m2(shapely.intersection(zone, p)) for p in parcels.geometry)
    expected = strip_area_m2(zone) - covered_m2
    uncovered = table[table.class_code.isna()].iloc[0]
    assert expected == pytest.approx(0.12381, rel=1e-4)
    assert uncovered.area_m2 == pytest.approx(expected, rel=0, abs=1e-6)
    assert uncovered.area_raw_m2 == pytest.approx(expected, rel=0, abs=1e-6)


# spatial diff: exactly the reclassification and the road split.


@pytest.fixture(scope="module")
def survey_diff():
    return diff_layers(
        survey_parcels(), survey_parcels_revised(), id_field="BSM", class_field="YDYHFLDM"
    )


def test_diff_reports_exactly_the_reclassification_and_the_road_split(survey_diff) -> None:
    features = survey_diff.features.set_index("id")
    changed = features[features.status != "unchanged"]
    # the road split keeps its land: a re-id (same land, new ids), no 调入/调出
    assert changed.status.to_dict() == {
        "R": "removed",
        "N01": "attributes_changed",
        "R1": "added",
        "R2": "added",
    }
    assert (changed[["added_m2", "removed_m2"]].to_numpy() == 0).all()
    assert features.loc["R", "new_ids"] == "R1, R2"
    assert features.loc["R1", "old_ids"] == features.loc["R2", "old_ids"] == "R"
    assert features.loc["N01", "changed_fields"] == "YDYHFLDM"
    for ident in ("R", "R1", "R2"):  # in one version only: no field compared
        assert features.loc[ident, "changed_fields"] == ""
        assert features.loc[ident, "added_m2"] == features.loc[ident, "removed_m2"] == 0.0
    unchanged = features[features.status == "unchanged"]
    assert (unchanged.added_m2 + unchanged.removed_m2).max() <= 1e-6
    revised = survey_parcels_revised().set_index("BSM").geometry
    for ident in ("R1", "R2"):
        assert features.loc[ident, "new_m2"] == pytest.approx(
            oracle_area_m2(revised[ident]), rel=REL
        )
    road = survey_parcels().set_index("BSM").geometry["R"]
    assert features.loc["R", "old_m2"] == pytest.approx(oracle_area_m2(road), rel=REL)


def test_diff_class_matrix_has_one_change_and_nothing_else_above_a_hundredth(survey_diff) -> None:
    cells = survey_diff.matrix.stack()
    off_diagonal = cells[[a != b for a, b in cells.index]]
    assert list(off_diagonal[off_diagonal > 0.01].index) == [(RECLASSIFIED[1], RECLASSIFIED[2])]
    n01 = survey_parcels().set_index("BSM").geometry[RECLASSIFIED[0]]
    assert off_diagonal[(RECLASSIFIED[1], RECLASSIFIED[2])] == pytest.approx(
        oracle_area_m2(n01), rel=REL
    )
    revised = survey_parcels_revised().set_index("BSM").geometry
    road = survey_parcels().set_index("BSM").geometry["R"]
    split = sum(oracle_area_m2(shapely.intersection(road, revised[r])) for r in ("R1", "R2"))
    assert cells[("1207", "1207")] == pytest.approx(split, rel=REL)


def test_diff_pieces_stay_lon_lat_and_measure_as_the_oracle(survey_diff) -> None:
    assert survey_diff.pieces.crs.to_epsg() == 4326
    assert survey_diff.pieces.empty  # the road split is a re-id: no piece
    # the road replaced by its west half only: R is removed whole, R1 added (not the same land)
    revised_all = survey_parcels_revised()
    halved = diff_layers(survey_parcels(), revised_all[revised_all["BSM"] != "R2"], id_field="BSM")
    pieces = halved.pieces.set_index("id")
    assert pieces.crs.to_epsg() == 4326
    assert sorted(pieces.index) == ["R", "R1"]
    revised = revised_all.set_index("BSM").geometry
    road = survey_parcels().set_index("BSM").geometry["R"]
    assert pieces.loc["R1", "area_m2"] == pytest.approx(oracle_area_m2(revised["R1"]), rel=REL)
    assert strip_area_m2(pieces.geometry["R"]) == pytest.approx(oracle_area_m2(road), rel=1e-9)


def test_cli_diff_exits_0_with_the_one_class_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _write(survey_parcels(), tmp_path / "old.gpkg")
    new = _write(survey_parcels_revised(), tmp_path / "new.gpkg")
    args = ["diff", old, new, "--id-field", "BSM", "--class-field", "YDYHFLDM", "--no-checks"]
    status, report, err = _cli_json(args, capsys)
    assert status == 0, err
    moved = [
        (row["from_class"], to, m2)
        for row in report["matrix"]
        for to, m2 in row.items()
        if to not in {"from_class", row["from_class"]} and m2 > 0.01
    ]
    assert [(a, b) for a, b, _ in moved] == [(RECLASSIFIED[1], RECLASSIFIED[2])]


# The same layers as GeoParquet, GeoPackage and Shapefile give the same results.


@pytest.mark.parametrize("command", ["balance", "diff"])
def test_geoparquet_geopackage_and_shapefile_copies_give_identical_results(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = []
    for suffix in (".parquet", ".gpkg", ".shp"):
        folder = tmp_path / suffix[1:]
        folder.mkdir()
        old = _write(survey_parcels(), folder / f"old{suffix}")
        new = _write(survey_parcels_revised(), folder / f"new{suffix}")
        zones = _write(survey_zones(), folder / f"zones{suffix}")
        if command == "balance":
            args = ["balance", old, "--zones", zones, "--zone-id-field", "DYBH"]
        else:
            args = ["diff", old, new, "--id-field", "BSM", "--class-field", "YDYHFLDM"]
            args += ["--no-checks"]
        status, report, err = _cli_json(args, capsys)
        assert status == 0, (suffix, err)
        results.append(report)
    assert results[0] == results[1] == results[2]


def test_cli_says_when_level_asks_for_finer_codes_than_the_layer_holds(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    parcels, zones = tmp_path / "parcels.gpkg", tmp_path / "zones.gpkg"
    survey_parcels().to_file(parcels)
    survey_zones().to_file(zones)
    status = main(
        ["balance", str(parcels), "--zones", str(zones), "--zone-id-field", "DYBH", "--level", "3"]
    )
    err = capsys.readouterr().err
    assert status == 0, err
    assert "--level 3 asked for finer codes than 6 class(es) hold" in err
