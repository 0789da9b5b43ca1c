"""A project's id and name fields (``DYBH``, ``DYMC``) name every table, on pages too.

The project: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544,
zones with ids in ``DYBH`` and names in ``DYMC``, the land use with ids in
``BSM``, its 01 (farmland) parcels as 永久基本农田, a plan giving zone A 2,000 亩
and B1 60 ha, and a previous zones version in which B1 was 60 m smaller all
round (its target FAIL then, PASS now). Found by a new planner: diff's status
tables, the review's report.html and its atlas said ``id``/``zone_id``/``name_zh``
where the terminal and CSV tables say ``DYBH``; the review's targets were in km².
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from survey import oracle_area_m2, survey_parcels, survey_zones

from spatial.cli import main

M2_PER_MU = 10_000 / 15
PLAN = (
    '[[targets]]\nid = "A"\nlayer = "zones"\nname_zh = "甲区"\nvalue = 2000\nunit = "mu"\n\n'
    '[[targets]]\nid = "B1"\nlayer = "zones"\nname_zh = "乙一"\nvalue = 60\nunit = "ha"\n'
)
PROJECT = (
    '[project]\nplan = "plan.toml"\n\n'
    '[layers.zones]\npath = "zones.shp"\nid_field = "DYBH"\nname_field = "DYMC"\n\n'
    '[landuse]\npath = "landuse.gpkg"\nid_field = "BSM"\nclass_field = "YDYHFLDM"\n\n'
    '[constraints."永久基本农田"]\npath = "farmland.gpkg"\nid_field = "BSM"\n'
)
TOOLKIT_HEADERS = ("<th>id</th>", "<th>zone_id</th>", "<th>name_zh</th>")
POPPLER = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    not POPPLER and os.environ.get("CI") != "true", reason="poppler-utils not installed"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("planner-names")
    zones = survey_zones()
    zones.to_file(folder / "zones.shp", encoding="utf-8")
    smaller = zones.copy()
    smaller.loc[1, "geometry"] = smaller.geometry[1].buffer(-60)  # B1: its target FAIL then
    smaller.to_file(folder / "zones_2023.gpkg")
    parcels = survey_parcels()
    parcels.to_file(folder / "landuse.gpkg")
    farmland = parcels[parcels["YDYHFLDM"].astype(str).str.startswith("01")]
    farmland[["BSM", "geometry"]].to_file(folder / "farmland.gpkg")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def review(project: Path) -> Path:
    call = ["review", "--project", str(project / "spatial.toml")]
    out = project / "review"
    assert (
        main([*call, "--previous", f"zones={project / 'zones_2023.gpkg'}", "--out", str(out)]) == 1
    )
    return out


def _sections(review: Path) -> dict[str, str]:
    page = (review / "report.html").read_text(encoding="utf-8")
    found = re.findall(r'<section id="([a-z]+)">(.*?)</section>', page, flags=re.S)
    return dict(found)


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", markup)).split())


def test_the_review_page_names_ids_and_names_by_their_fields(review: Path) -> None:
    sections = _sections(review)
    for key in ("targets", "rules", "conflicts", "balance", "changes"):
        assert not any(h in sections[key] for h in TOOLKIT_HEADERS), key
    assert "<th>DYBH</th><th>DYMC</th>" in sections["targets"]
    assert "<th>DYBH</th>" in sections["rules"] and "<th>DYBH</th>" in sections["conflicts"]
    assert "<th>DYBH</th><th>row</th>" in sections["balance"]  # the subtotals
    changes = _text(sections["changes"])
    assert (
        "状态变化的目标 targets whose status changed DYBH old_status new_status B1 FAIL PASS"
        in (changes)
    )
    assert "features changed DYBH status" in changes
    assert "synthetic" not in sections["conflicts"]  # their data, not example data


def test_the_review_targets_are_shown_in_the_plans_units(review: Path) -> None:
    zones = survey_zones()
    area_m2 = {z: oracle_area_m2(g) for z, g in zip(zones["DYBH"], zones.geometry, strict=True)}
    text = _text(_sections(review)["targets"])
    a_mu, b1_ha = area_m2["A"] / M2_PER_MU, area_m2["B1"] / 10_000
    a_pct = f"{(a_mu / 2000 - 1) * 100:+.2f} %".replace("-", "\u2212")
    assert f"A 甲区 {a_mu:,.1f} 亩 2,000 亩 {a_pct} FAIL" in text  # measured first, as check
    assert f"B1 乙一 {b1_ha:,.2f} 公顷 ha 60 公顷 ha" in text


def test_the_tables_json_names_status_tables_beside_the_ids(review: Path) -> None:
    tables = json.loads((review / "tables.json").read_text(encoding="utf-8"))
    assert tables["status_targets_zones"] == [
        {"DYBH": "B1", "id": "B1", "old_status": "FAIL", "new_status": "PASS"}
    ]
    assert tables["targets"][0]["DYMC"] == tables["targets"][0]["name_zh"] == "甲区"


@needs_poppler
def test_the_atlas_names_ids_by_their_field(review: Path) -> None:
    pdf = subprocess.run(
        ["pdftotext", "-layout", str(review / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "DYBH" in pdf
    assert "zone_id" not in pdf and "name_zh" not in pdf


def test_diff_status_tables_name_ids_by_their_field(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    shutil.copy(project / "zones_2023.gpkg", project / "old.gpkg")
    survey_zones().to_file(project / "new.gpkg")
    assert main(["diff", "old.gpkg", "new.gpkg", "--id-field", "DYBH"]) == 0  # FAIL -> PASS
    out = capsys.readouterr().out
    lines = out.split("Targets whose status changed")[1].split("Rules")[0].strip().splitlines()
    assert lines[0].split() == ["DYBH", "old_status", "new_status"]
    assert lines[2].split() == ["B1", "FAIL", "PASS"]
    assert main(["diff", "old.gpkg", "new.gpkg", "--id-field", "DYBH", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["targets"] == [
        {"DYBH": "B1", "id": "B1", "old_status": "FAIL", "new_status": "PASS"}
    ]


def test_check_names_the_targets_names_by_their_field(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["check", "--format", "csv"]) == 1
    header = capsys.readouterr().out.lstrip("\ufeff").splitlines()[0].split(",")
    assert header[:3] == ["table", "DYBH", "DYMC"] and "name_zh" not in header
