"""``spatial review``: one folder whose figures are the single commands' (issue 21).

The project is the synthetic survey coverage of tests/survey.py (示例数据, EPSG:4544,
zone ids in DYBH, parcel ids in BSM): zones A, B1, B2, the revised parcels as the
land use, the first version as the previous one, and a synthetic 永久基本农田 box
across zones A and B1. Each section of the review is held against the command that
computes it alone (check, balance, diff, qc, run on the same files) and the conflict
areas against the tests' own strip integral.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main
from spatial.errors import OutputError

POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
needs_poppler = pytest.mark.skipif(
    not POPPLER and os.environ.get("CI") != "true", reason="poppler-utils not installed"
)

#: The synthetic 永久基本农田 box, metres east and north of (X0, Y0): across zones A and B1.
FARMLAND = (1_000.0, 100.0, 1_400.0, 300.0)
#: The gap the current land use has (N05's south edge raised 5 cm off the road), for 质检.
GAP = (1_500.0, 520.0, 1_800.0, 520.05)
ZONE_IDS = ["A", "B1", "B2"]

PLAN = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 1.2
unit = "km2"
tolerance_pct = 1.0
phrase = "示例数据"

[[targets]]
id = "B1"
layer = "zones"
name_zh = "示例单元B1"
value = 0.6
unit = "km2"
tolerance_pct = 1.0
phrase = "示例数据"

[[targets]]
id = "B2"
layer = "zones"
name_zh = "示例单元B2"
value = 0.6
unit = "km2"
tolerance_pct = 1.0
phrase = "示例数据"
"""

RULES = """
[[rules]]
id = "survey-zones-no-overlap"
kind = "no_overlap"
layer = "zones"
max_overlap_m2 = 1.0
allowed_nesting = []
"""

PROJECT = """
[project]
plan = "plan.toml"
rules = "rules.toml"

[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"
name_field = "DYMC"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
id_field = "BSM"

[constraints."永久基本农田"]
path = "farmland.gpkg"
"""


def _farmland() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"BSM": ["JBNT1"], "note": ["示例数据 synthetic"]}, geometry=[_box(*FARMLAND)], crs=GK
    )


def _box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _landuse() -> gpd.GeoDataFrame:
    """The revised parcels with a 15 m² gap under N05 (a 质检 error, and 未覆盖 in zone B2)."""
    parcels = survey_parcels_revised()
    at = parcels.index[parcels["BSM"] == "N05"][0]
    x1, y1, x2, y2 = GAP[0], GAP[3], GAP[2], 1_000.0
    parcels.loc[at, "geometry"] = _box(x1, y1, x2, y2)
    return parcels


def _project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    survey_zones().to_file(folder / "zones.gpkg", driver="GPKG")
    _landuse().to_file(folder / "landuse.gpkg", driver="GPKG")
    survey_parcels().to_file(folder / "landuse_2024.gpkg", driver="GPKG")
    _farmland().to_file(folder / "farmland.gpkg", driver="GPKG")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    (folder / "rules.toml").write_text(RULES, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    return folder / "spatial.toml"


def _review(project: Path, out: Path) -> int:
    previous = f"landuse={project.parent / 'landuse_2024.gpkg'}"
    call = ["review", "--project", str(project), "--previous", previous, "--qc"]
    return main([*call, "--construction", "07,08,09,10", "--out", str(out)])


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return _project(tmp_path_factory.mktemp("review-project") / "plan")


@pytest.fixture(scope="module")
def review(project: Path) -> Path:
    out = project.parent.parent / "review"
    assert _review(project, out) == 1  # the zones occupy the 永久基本农田: a problem found
    return out


@pytest.fixture(scope="module")
def tables(review: Path) -> dict:
    return json.loads((review / "tables.json").read_text(encoding="utf-8"))


def _json(args: list[str], out: Path) -> dict:
    main([*args, "--format", "json", "--out", str(out)])
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_folder_holds_every_file(review: Path) -> None:
    names = sorted(p.name for p in review.iterdir())
    files = ["report.html", "report.pdf", "tables.xlsx", "tables.json", "findings.gpkg"]
    assert names == sorted([*files, "manifest.json"])
    assert not [p for p in review.parent.iterdir() if p.name.startswith(".review.")]


def test_targets_rules_and_conflicts_are_the_checks(project: Path, review: Path, tables) -> None:
    checked = _json(["check", "--project", str(project)], review.parent / "check.json")
    assert tables["targets"] == checked["targets"]
    assert tables["rules"] == checked["rules"]
    assert tables["conflict_pieces"] == checked["conflicts"]
    failed = [r for r in tables["rules"] if r["status"] == "FAIL"]
    assert {(r["rule"], r["id"]) for r in failed} == {
        ("zones-must-not-occupy-永久基本农田", "A"),
        ("zones-must-not-occupy-永久基本农田", "B1"),
    }


def test_conflicts_per_zone_are_the_oracle_areas(tables) -> None:
    x1, y1, x2, y2 = FARMLAND
    expected = {
        "A": oracle_area_m2(_box(x1, y1, 1_200.0, y2)),
        "B1": oracle_area_m2(_box(1_200.0, y1, x2, y2)),
    }
    by_zone: dict[str, list[dict]] = {}  # a zone's conflict split by the land-use class
    for row in tables["conflicts"]:
        by_zone.setdefault(row["zone_id"], []).append(row)
    assert set(by_zone) == set(expected)
    for zone, area_m2 in expected.items():
        rows = by_zone[zone]
        assert sum(row["area_m2"] for row in rows) == pytest.approx(area_m2, rel=1e-7)
        assert sum(row["area_ha"] for row in rows) == pytest.approx(area_m2 / 1e4, rel=1e-7)
        assert sum(row["area_mu"] for row in rows) == pytest.approx(area_m2 * 15 / 1e4, rel=1e-7)
        assert {row["constraint"] for row in rows} == {"永久基本农田"}


def test_balance_is_the_balance_command(project: Path, review: Path, tables) -> None:
    balance = review.parent / "balance.json"
    rows = _json(["balance", "--project", str(project), "--construction", "07,08,09,10"], balance)
    assert tables["balance"] == rows
    assert {row["zone_id"] for row in rows} == set(ZONE_IDS)
    totals = {(r["zone_id"], r["row"]): r["area_m2"] for r in tables["balance_totals"]}
    for zone in ZONE_IDS:
        zone_rows = [r for r in rows if r["zone_id"] == zone]
        built = sum(r["area_m2"] for r in zone_rows if r["construction_land"])
        assert totals[(zone, "建设用地 construction land")] == pytest.approx(built, rel=1e-12)
        assert totals[(zone, "合计 total")] == pytest.approx(zone_rows[0]["zone_area_m2"])


def test_changes_are_the_diff_command(project: Path, review: Path, tables) -> None:
    old, new = project.parent / "landuse_2024.gpkg", project.parent / "landuse.gpkg"
    call = ["diff", str(old), str(new), "--id-field", "BSM", "--class-field", "YDYHFLDM"]
    diffed = _json([*call, "--no-checks"], review.parent / "diff.json")
    assert tables["changes_landuse"] == diffed["features"]
    assert tables["matrix_landuse"] == diffed["matrix"]
    status = {row["id"]: row["status"] for row in diffed["features"]}
    assert status["N01"] == "attributes_changed" and status["R"] == "removed"  # split, same land
    (summary,) = tables["changes"]
    # R -> R1 + R2 is a re-id (same land): neither added nor removed any more
    assert summary["added"] == 0 and summary["removed"] == 0 and summary["reid"] == 1  # R
    assert sum(bool(r.get("new_ids") or r.get("old_ids")) for r in diffed["features"]) == 3
    assert summary["added_m2"] == pytest.approx(sum(r["added_m2"] for r in diffed["features"]))


def test_quality_findings_are_the_qc_command(project: Path, review: Path, tables) -> None:
    landuse = project.parent / "landuse.gpkg"
    call = ["qc", str(landuse), "--id-field", "BSM", "--class-field", "YDYHFLDM"]
    inspected = _json(call, review.parent / "qc.json")
    # the same findings; the review's table also names the ids by the land use's field (c10-nufix)
    rows = tables["qc_findings"]
    assert [r["BSM"] for r in rows] == [f["feature_id"] for f in inspected["findings"]]
    # qc's JSON carries BSM beside feature_id too (c10-ids2): the rest of each row the same
    assert [{k: v for k, v in r.items() if k != "BSM"} for r in rows] == [
        {k: v for k, v in f.items() if k != "BSM"} for f in inspected["findings"]
    ]
    assert all(f["BSM"] == f["feature_id"] for f in inspected["findings"])
    assert sum(r["count"] for r in tables["qc_summary"]) == inspected["summary"]["findings"]
    (gap,) = tables["qc_findings"]
    assert gap["kind"] == "gap" and gap["severity"] == "error"
    assert gap["value"] == pytest.approx(oracle_area_m2(_box(*GAP)), rel=1e-6)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_hashes_match_the_inputs(project: Path, review: Path) -> None:
    manifest = json.loads((review / "manifest.json").read_text(encoding="utf-8"))
    inputs = {row["role"]: row for row in manifest["inputs"]}
    folder = project.parent
    files = {
        "zones": folder / "zones.gpkg",
        "landuse": folder / "landuse.gpkg",
        "永久基本农田": folder / "farmland.gpkg",
        "previous_landuse": folder / "landuse_2024.gpkg",
    }
    assert set(inputs) == set(files)
    for role, path in files.items():
        assert Path(inputs[role]["path"]).resolve() == path.resolve()
        assert inputs[role]["bytes"] == path.stat().st_size
        assert inputs[role]["sha256"] == _sha256(path)
    plan = {row["role"]: row["sha256"] for row in manifest["plan"]}
    assert plan == {"plan": _sha256(folder / "plan.toml"), "rules": _sha256(folder / "rules.toml")}
    assert [p["role"] for p in manifest["rule_packs"]] == ["default"]
    assert manifest["crs"] == "EPSG:4544" and manifest["tool"] == "spatial review"
    assert manifest["made_utc"].endswith("+00:00")
    assert "--qc" in manifest["command_line"] and manifest["options"]["qc"] is True
    tables_text = (review / "tables.json").read_text(encoding="utf-8")
    assert manifest["tables_sha256"] == hashlib.sha256(tables_text.encode()).hexdigest()


def test_report_shows_every_section_verdict_first_and_the_manifest_digest(review: Path) -> None:
    html = (review / "report.html").read_text(encoding="utf-8")
    keys = ["verdict", "targets", "rules", "conflicts", "balance", "changes", "qc", "map"]
    at = [html.index(f'id="{key}"') for key in [*keys, "provenance"]]
    assert at == sorted(at)  # the verdict first, the sections in the order
    assert "审查发现问题 problems found" in html
    assert html.index("zones-must-not-occupy-永久基本农田") < html.index('id="targets"')
    assert html.index("qc gap:") < html.index('id="targets"')  # each problem named up front
    assert _sha256(review / "manifest.json") in html
    for text in ("建设用地 construction land", "类别转移矩阵", "m², ha, 亩", "调入/调出"):
        assert text in html
    assert "<iframe" in html and "srcdoc=" in html


def test_findings_are_in_the_project_crs_with_qgis_styles(review: Path, tables) -> None:
    import sqlite3  # noqa: PLC0415

    path = review / "findings.gpkg"
    conflicts = gpd.read_file(path, layer="conflicts")
    assert conflicts.crs.to_epsg() == 4544
    # the check's pieces cut by the land use's class (c10-nufix): each piece's m² add up to its row
    by_piece: dict[tuple, float] = {}
    for row in conflicts.itertuples():
        key = (row.constraint, row.DYBH, row.constraint_ids)  # zone_id written as its field
        by_piece[key] = by_piece.get(key, 0.0) + row.area_m2
    assert len(conflicts) > len(tables["conflict_pieces"]) == len(by_piece)
    for piece in tables["conflict_pieces"]:
        key = (piece["constraint"], piece["zone_id"], piece["constraint_ids"])
        assert by_piece[key] == pytest.approx(piece["area_m2"], rel=1e-12)
    pieces = gpd.read_file(path, layer="diff_pieces_landuse")
    assert pieces.crs.to_epsg() == 4544 and len(pieces) > 0
    (gap,) = gpd.read_file(path, layer="qc_findings").geometry
    assert gap.area == pytest.approx(300 * 0.05, rel=1e-6)  # in EPSG:4544 metres
    with sqlite3.connect(path) as db:
        styled = {row[0] for row in db.execute("SELECT f_table_name FROM layer_styles")}
    assert {"conflicts", "diff_pieces_landuse", "qc_findings"} <= styled


@needs_poppler
def test_the_atlas_has_a_page_per_zone_holding_its_table(review: Path, tables) -> None:
    pdf = review / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(s for s in info.stdout.splitlines() if s.startswith("Pages:")).split()[1])
    assert pages == 1 + len(ZONE_IDS)
    for page, zone in enumerate(ZONE_IDS, start=2):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # the atlas's zone sheet: "Zone sheet ID" (the planner's id, not a number), its tables
        assert f"Zone sheet {zone}" in text and "用地平衡表" in text
        rows = [r for r in tables["balance"] if r["zone_id"] == zone]
        assert all(r["class_code"] in text for r in rows if r["class_code"] is not None)
        assert ("未覆盖" in text) == any(r["class_code"] is None for r in rows)  # the gap, in B2


def test_twice_on_the_same_inputs_gives_identical_tables(project: Path, review: Path) -> None:
    again = review.parent / "review-again"
    assert _review(project, again) == 1
    assert (again / "tables.json").read_bytes() == (review / "tables.json").read_bytes()
    first = json.loads((review / "manifest.json").read_text(encoding="utf-8"))
    second = json.loads((again / "manifest.json").read_text(encoding="utf-8"))
    assert first["table_sha256"] == second["table_sha256"]


def test_a_failing_step_leaves_the_earlier_review_whole(project: Path, tmp_path, monkeypatch):
    out = tmp_path / "review"
    out.mkdir()
    (out / "manifest.json").write_text('{"tool": "spatial review"}', encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    from spatial.commands.review import ReviewRequest, run_review  # noqa: PLC0415
    from spatial.io.options import ReadOptions  # noqa: PLC0415

    monkeypatch.setattr("spatial.publish.atlas.write_atlas", broken)
    with pytest.raises(OutputError, match="No space left on device"):
        zones = {"zones": str(project.parent / "zones.gpkg")}
        options = {"zones": ReadOptions(id_field="DYBH")}
        run_review(ReviewRequest(out=out, layers=zones, options=options))
    assert [p.name for p in out.iterdir()] == ["manifest.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["review"]  # no private folder left


def test_a_folder_holding_the_inputs_or_other_files_is_refused(project, capsys, monkeypatch):
    assert main(["review", "--project", str(project), "--out", str(project.parent)]) == 2
    assert "is (or holds) the input" in capsys.readouterr().err
    other = project.parent.parent / "documents"
    other.mkdir()
    (other / "thesis.docx").write_bytes(b"mine")
    assert main(["review", "--project", str(project), "--out", str(other)]) == 2
    assert "not a review" in capsys.readouterr().err
    assert (other / "thesis.docx").read_bytes() == b"mine"
    empty = project.parent.parent / "here"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert main(["review", "--project", str(project), "--out", "."]) == 2
    assert "working folder" in capsys.readouterr().err and list(empty.iterdir()) == []


@pytest.mark.browser
def test_report_opens_offline_in_chromium_with_every_layer_on_its_map(review, open_map, tmp_path):
    flagged = tmp_path / "report.html"  # the fixture waits for a map flag; the page has none
    text = (review / "report.html").read_text(encoding="utf-8")
    flagged.write_text(text.replace("<html ", '<html data-map-ready="1" ', 1), encoding="utf-8")
    visit = open_map(flagged, viewport={"width": 1366, "height": 900})
    (frame,) = [f for f in visit.page.frames if f != visit.page.main_frame]
    frame.wait_for_selector("html[data-map-ready]", state="attached", timeout=60_000)
    labels = frame.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(label => label.textContent)"
    )
    for title in ("三区三线冲突", "调入/调出", "qc_findings", "规划分区"):
        assert any(title in label for label in labels), (title, labels)
    visit.page.locator("#map").scroll_into_view_if_needed()
    visit.screenshot("review-report")
    assert [u for u in visit.requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert visit.blocked == [] and visit.failed == []
    assert visit.page_errors == [] and visit.console_errors == []
    assert visit.js("document.fonts.check('12px \"Noto Sans SC\"', '审查')")
    phone = open_map(flagged, viewport={"width": 390, "height": 844})
    assert phone.js("document.documentElement.scrollWidth") <= 390  # wide tables scroll inside
    phone.screenshot("review-report-phone")
    assert phone.page_errors == [] and phone.blocked == []


def test_every_input_is_read_once(project: Path, tmp_path, monkeypatch) -> None:
    import spatial.commands.review as review_module  # noqa: PLC0415
    import spatial.io.layers as layers_module  # noqa: PLC0415

    read: list[str] = []
    original = layers_module.read_layer

    def counted(path, *args, **kwargs):
        read.append(str(Path(path).resolve()))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(review_module, "read_layer", counted)
    monkeypatch.setattr(layers_module, "read_layer", counted)
    assert _review(project, tmp_path / "review") == 1
    folder = project.parent
    files = ["zones.gpkg", "landuse.gpkg", "farmland.gpkg", "landuse_2024.gpkg"]
    theirs = [r for r in read if Path(r).parent == folder.resolve()]
    assert sorted(theirs) == sorted(str((folder / f).resolve()) for f in files)


def test_the_bundled_plan_alone_gives_the_whole_folder(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)  # no spatial.toml here: the bundled plan
    assert main(["review", "--out", "review"]) == 0
    out = tmp_path / "review"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "report.html",
            "report.pdf",
            "tables.xlsx",
            "tables.json",
            "findings.gpkg",
            "manifest.json",
        ]
    )
    assert "report.pdf (6 pages)" in capsys.readouterr().out  # the overview and the 5 zones
    assert len(gpd.read_file(out / "findings.gpkg", layer="conflicts")) == 0  # none looked for
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [row["role"] for row in manifest["plan"]] == ["plan (bundled)", "rules (bundled)"]
    assert manifest["inputs"] == [] and manifest["crs"] == "EPSG:4326"


def test_the_workbook_has_a_sheet_per_table_units_in_headers(review: Path, tables) -> None:
    from openpyxl import load_workbook  # noqa: PLC0415

    book = load_workbook(review / "tables.xlsx", read_only=True)
    assert book.sheetnames == list(tables)
    headers = [cell.value for cell in next(book["conflicts"].iter_rows(max_row=1))]
    assert headers[-4:] == ["area_m2 (m²)", "area_ha (ha)", "area_mu (亩)", "area_raw_m2 (m²)"]
    first = [cell.value for cell in next(book["conflicts"].iter_rows(min_row=2, max_row=2))]
    assert first[headers.index("area_m2 (m²)")] == pytest.approx(tables["conflicts"][0]["area_m2"])


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--previous", "parcels=old.gpkg"], "LAYER one of"),
        (["--previous", "zones=a.gpkg", "--previous", "zones=b.gpkg"], "given twice"),
        (["--tolerance-m2", "-1"], "--tolerance-m2 must be"),
        (["--previous", "towns=old.gpkg"], "no current towns layer"),
        (["--construction", "99"], "not a code"),
    ],
)
def test_a_bad_call_is_one_line_and_writes_nothing(project, tmp_path, capsys, extra, said):
    out = tmp_path / "review"
    assert main(["review", "--project", str(project), *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


@needs_poppler
def test_their_review_draws_their_plan_alone(review: Path) -> None:
    """A planner's plan over their layers: no bundled Bishan layer or title on any atlas page."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(review / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for bundled in ("璧山区界", "黛山大道", "创新平台", "镇街驻地", "璧山片区"):
        assert bundled not in text
    assert "规划分区" in text  # their zones are in the legend
