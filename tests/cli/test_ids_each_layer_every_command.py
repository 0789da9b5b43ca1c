"""Each layer's ids by the one rule in every command, and what a terminal shows of them.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544 (land use
ids in ``BSM``, classes in ``YDYHFLDM``; zones ids in ``DYBH``, names in ``DYMC``), no
``spatial.toml`` unless a test writes one. The rule
(:func:`spatial.io.fields.standard_id_field`): ``--id-field``, the project's field,
else a unique, never-blank standard field, said in one line a layer. Areas are
compared with the survey rule computed apart (:func:`survey.oracle_area_m2`).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main
from spatial.table_formats._cells import display_width

BSM_NOTE = "parcels.gpkg: ids from BSM (unique, standard field); --id-field to choose another"
DYBH_NOTE = "zones.gpkg: ids from DYBH (unique, standard field); --id-field to choose another"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    survey_parcels().to_file(tmp_path / "parcels.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _parcel(bsm: str) -> shapely.Geometry:
    parcels = survey_parcels()
    return parcels.loc[parcels["BSM"] == bsm, "geometry"].iloc[0]


def _zone(dybh: str) -> shapely.Geometry:
    zones = survey_zones()
    return zones.loc[zones["DYBH"] == dybh, "geometry"].iloc[0]


# ------------------------------------------------------------------ 1. review


def test_review_reads_each_layer_by_its_standard_field(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    survey_parcels_revised().to_file(folder / "revised.gpkg")
    argv = ["review", "--zones", "zones.gpkg", "--landuse", "revised.gpkg", "--qc"]
    argv += ["--previous", "landuse=parcels.gpkg", "--out", "rv"]
    assert main(argv) in (0, 1)
    err = capsys.readouterr().err
    assert DYBH_NOTE in err  # the zones: DYBH taken as their ids on reading
    assert "revised.gpkg: ids from BSM (unique, standard field)" in err  # the land use: BSM
    assert "no id column" not in err
    tables = json.loads((folder / "rv" / "tables.json").read_text(encoding="utf-8"))
    status = {r["BSM"]: r["status"] for r in tables["changes_landuse"]}  # versions by BSM
    assert status["N01"] == "attributes_changed" and status["N00"] == "unchanged"
    assert status["R"] == "removed"  # split into R1, R2 in the revision
    zone_a = [r for r in tables["balance"] if r["zone_id"] == "A"]  # zones named by DYBH
    assert {r["zone_id"] for r in tables["balance"]} == {"A", "B1", "B2"}
    total_m2 = sum(r["area_m2"] for r in zone_a)
    assert math.isclose(total_m2, oracle_area_m2(_zone("A")), rel_tol=1e-6)


# ------------------------------------------------------------------ 2. qc


def _overlapping_layers(folder: Path) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Write parcels whose N01 reaches 50 m into N02, zones whose B2 reaches 100 m into A."""
    parcels = survey_parcels()
    at = parcels.index[parcels["BSM"] == "N01"][0]
    parcels.loc[at, "geometry"] = _box(300.0, 520.0, 650.0, 1000.0)  # N02 is x 600..900
    parcels.to_file(folder / "parcels.gpkg")
    zones = survey_zones()
    zones.loc[zones["DYBH"] == "B2", "geometry"] = _box(1100.0, 500.0, 2400.0, 1000.0)
    zones.to_file(folder / "zones.gpkg")
    return _box(600.0, 520.0, 650.0, 1000.0), _box(1100.0, 500.0, 1200.0, 1000.0)


def test_qc_names_each_layers_findings_by_its_own_field(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    in_parcels, in_zones = _overlapping_layers(folder)
    argv = ["qc", "parcels.gpkg", "zones.gpkg", "--format", "csv", "--out", "q.csv"]
    assert main([*argv, "--errors-out", "e.gpkg"]) == 1
    err = capsys.readouterr().err
    assert BSM_NOTE in err and DYBH_NOTE in err  # one line a layer, each its own field
    overlaps = {
        (r["layer"], r["feature_id"], r["other_id"]): float(r["value"])
        for r in _rows(folder / "q.csv")
        if r["kind"] == "overlap"
    }
    assert set(overlaps) == {("parcels.gpkg", "N01", "N02"), ("zones.gpkg", "A", "B2")}
    got = overlaps[("parcels.gpkg", "N01", "N02")]
    assert math.isclose(got, oracle_area_m2(in_parcels), rel_tol=1e-6)
    assert math.isclose(overlaps[("zones.gpkg", "A", "B2")], oracle_area_m2(in_zones), rel_tol=1e-6)
    written = {
        name: gpd.read_file(folder / "e.gpkg", layer=f"qc_findings_{name}")
        for name in ("parcels", "zones")
    }
    assert "BSM" in written["parcels"].columns and "DYBH" in written["zones"].columns


# ------------------------------------------------------------------ 3. diff


def test_diff_refuses_versions_whose_standard_fields_differ(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    revised = survey_parcels_revised().rename(columns={"BSM": "DYBH"})
    revised.to_file(folder / "revised.gpkg")
    assert main(["diff", "parcels.gpkg", "revised.gpkg", "--no-checks"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "spatial diff: parcels.gpkg names its features by BSM, revised.gpkg by DYBH (each its "
        "unique standard field): say which field matches them with --id-field FIELD"
    ]


def test_diff_takes_the_field_both_versions_hold(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    survey_parcels_revised().to_file(folder / "revised.gpkg")
    argv = ["diff", "parcels.gpkg", "revised.gpkg", "--no-checks", "--format", "csv"]
    assert main([*argv, "--out", "d.csv"]) == 0
    err = capsys.readouterr().err
    assert BSM_NOTE in err and "revised.gpkg: ids from BSM (unique, standard field)" in err
    rows = {r["BSM"]: r for r in _rows(folder / "d.csv")}
    assert rows["N01"]["status"] == "attributes_changed"
    assert math.isclose(float(rows["N01"]["old_m2"]), oracle_area_m2(_parcel("N01")), rel_tol=1e-6)


# ------------------------------------------------------------------ 4. balance


def test_balance_says_the_zones_field_its_project_names(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "spatial.toml").write_text(
        '[project]\ntitle = "示例数据"\n\n[layers.zones]\npath = "zones.gpkg"\n'
        'id_field = "DYBH"\ncrs = "EPSG:4544"\n',
        encoding="utf-8",
    )
    argv = ["balance", "parcels.gpkg", "--format", "csv", "--out", "b.csv"]
    assert main(argv) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "zones.gpkg" in line]
    assert len(notes) == 1 and notes[0].startswith("spatial balance: note: ")
    assert notes[0].endswith("zones.gpkg: ids from field 'DYBH'")
    rows = _rows(folder / "b.csv")
    total_m2 = sum(float(r["area_m2"]) for r in rows if r["DYBH"] == "B1")
    assert math.isclose(total_m2, oracle_area_m2(_zone("B1")), rel_tol=1e-6)


# ------------------------------------------------------------------ 5. check --landuse


def test_check_landuse_splits_the_conflicts_by_its_class(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parcels = survey_parcels()
    farm = parcels[parcels["YDYHFLDM"].isin(["0101", "0103"])].copy()  # 永久基本农田: no class
    farm = farm.assign(id=[f"F{i}" for i in range(len(farm))]).drop(columns=["BSM", "YDYHFLDM"])
    farm.to_file(folder / "farm.gpkg")
    argv = ["check", "--zones", "zones.gpkg", "--constraint", "永久基本农田=farm.gpkg"]
    assert main([*argv, "--format", "json"]) == 1  # without: by zone alone
    plain = json.loads(capsys.readouterr().out)["conflicts"]
    assert {c["class_code"] for c in plain} == {None}
    assert main(argv) == 1
    assert "Constraint conflicts by zone\n" in capsys.readouterr().out  # no class: said so
    assert main([*argv, "--format", "json"]) == 1
    occupied = {r["id"]: r["occupied_m2"] for r in json.loads(capsys.readouterr().out)["rules"]}
    argv += ["--landuse", "parcels.gpkg", "--class-field", "YDYHFLDM"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    head = "Constraint conflicts by zone and land-use class (split by the land-use layer's class)"
    table = out.split(head + "\n\n")[1].splitlines()
    columns = table[0].split()
    assert columns[:4] == ["constraint", "zone_id", "YDYHFLDM", "landuse_name"]  # no class: -
    body = [line.split() for line in table[2:] if line.startswith("永久基本农田")]
    zone_a = [dict(zip(columns, r, strict=True)) for r in body if r[1] == "A"]
    for code in ("0101", "0103"):  # each class's land in zone A, measured apart
        land = shapely.union_all(list(parcels.geometry[parcels["YDYHFLDM"] == code]))
        expected = oracle_area_m2(shapely.intersection(land, _zone("A")))
        got = sum(float(r["area_m2"]) for r in zone_a if r["YDYHFLDM"] == code)
        assert math.isclose(got, expected, rel_tol=1e-5)
    total = sum(float(r["area_m2"]) for r in zone_a)  # the class rows add up to the rule's
    assert math.isclose(total, occupied["A"], abs_tol=1e-3)
    assert main(["check", "--zones", "zones.gpkg", "--landuse", "parcels.gpkg"]) == 2
    assert "--landuse splits the 三区三线 conflicts" in capsys.readouterr().err


# ------------------------------------------------------------------ 6. the terminal


def _on_terminal(monkeypatch: pytest.MonkeyPatch, lines: int, columns: int = 400) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("LINES", str(lines))
    monkeypatch.setenv("COLUMNS", str(columns))


def test_assign_counts_of_many_zones_wrap_within_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # 60 zones of 100 m x 100 m in a row, 2 points in each, 3 points south of them all
    zones = gpd.GeoDataFrame(
        {"DYBH": [f"Z{i:02d}" for i in range(60)], "note": "示例数据 synthetic"},
        geometry=[_box(100.0 * i, 0.0, 100.0 * i + 100, 100.0) for i in range(60)],
        crs=GK,
    )
    xy = [(100.0 * i + dx, 50.0) for i in range(60) for dx in (30.0, 70.0)]
    xy += [(50.0, -100.0), (150.0, -100.0), (250.0, -100.0)]
    points = gpd.GeoDataFrame(
        {"PID": [f"P{i:03d}" for i in range(len(xy))], "note": "示例数据 synthetic"},
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy],
        crs=GK,
    )
    zones.to_file(tmp_path / "zones.gpkg")
    points.to_file(tmp_path / "points.gpkg")
    monkeypatch.chdir(tmp_path)
    _on_terminal(monkeypatch, 8, columns=60)
    argv = ["overlay", "points.gpkg", "zones.gpkg", "--op", "assign", "--a-id", "PID"]
    assert main([*argv, "--b-id", "DYBH"]) == 0
    lines = capsys.readouterr().out.splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("… "))
    assert lines[cut] == "… 115 more rows (123 in all); every row: --out FILE.csv or --format csv"
    block = lines[cut + 1 :]
    assert block[0] == "points per zone (61 values):"
    assert all(display_width(line) <= 60 for line in block)
    said = ", ".join(line.strip().rstrip(",") for line in block[1:]).split(", ")
    listed = [item for item in said if item.startswith("Z")]
    assert all(item.endswith(" 2") for item in listed)  # each zone's own 2 points
    (more,) = [item for item in said if item.startswith("… ")]
    left = int(more.split()[1])
    assert len(listed) + left == 60 and more == f"… {left} more: {2 * left} rows"
    assert said[-1] == "outside any zone 3"


def test_qc_on_a_terminal_counts_each_rule_before_its_head(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _overlapping_layers(folder)
    assert main(["qc", "parcels.gpkg", "zones.gpkg", "--format", "csv"]) == 1
    every = list(csv.DictReader(capsys.readouterr().out.lstrip("\ufeff").splitlines()))
    _on_terminal(monkeypatch, 1)  # one finding shown, the other cut
    assert main(["qc", "parcels.gpkg", "zones.gpkg"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Findings by rule", ""]
    assert lines[2].split() == ["rule", "kind", "severity", "count"]
    assert lines[4].split() == ["overlap", "overlap", "error", str(len(every))]
    assert lines[5:8] == ["", "Findings", ""]
    assert lines[-1].startswith(f"… {len(every) - 1} more rows ({len(every)} in all)")
