"""A conflicts table with no class anywhere shows no ``class_code`` column of ``-``.

On the synthetic (示例数据) EPSG:4544 survey of ``tests/survey.py``: zones A, B1,
B2 (no class field) and a made-up 永久基本农田 over the survey's 水田 and 旱地
parcels, with its class field dropped (no class) or kept (``YDYHFLDM``). The
terminal, Markdown, report.html and the atlas leave a column that holds only
``-`` out; CSV and JSON (what scripts read) keep it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from survey import survey_parcels, survey_zones

from spatial.cli import main

FARM = "永久基本农田"
CHECK = ["check", "--zones", "zones.gpkg", "--constraint", f"{FARM}=farm.gpkg"]


def _write(folder: Path, *, classed: bool) -> None:
    survey_zones().to_file(folder / "zones.gpkg")
    parcels = survey_parcels()
    farm = parcels[parcels["YDYHFLDM"].isin(["0101", "0103"])].copy()
    farm = farm.assign(id=[f"F{i}" for i in range(len(farm))]).drop(columns=["BSM"])
    (farm if classed else farm.drop(columns=["YDYHFLDM"])).to_file(folder / "farm.gpkg")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _write(tmp_path, classed=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _conflicts_head(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The header line of the conflicts table ``check`` prints."""
    assert main(argv) == 1
    out = capsys.readouterr().out
    after = out.split("Constraint conflicts by zone", 1)[1].splitlines()
    return next(line for line in after[1:] if "zone_id" in line)


def test_check_leaves_a_blank_class_out_of_the_terminal_and_markdown(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = _conflicts_head(CHECK, capsys)
    assert terminal.split() == ["constraint", "zone_id", "area_m2", "area_ha", "area_mu",
                                "area_raw_m2"]  # fmt: skip
    markdown = _conflicts_head([*CHECK, "--format", "markdown"], capsys)
    assert "class_code" not in markdown and "| constraint | zone_id | area_m2 |" in markdown
    assert main([*CHECK, "--format", "json"]) == 1  # scripts: the column kept, null
    rows = json.loads(capsys.readouterr().out)["conflicts"]
    assert rows and all("class_code" in r and r["class_code"] is None for r in rows)


def test_a_class_the_constraint_gives_is_still_shown(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(folder, classed=True)
    assert main(CHECK) == 1
    out = capsys.readouterr().out.split("Constraint conflicts by zone and the constraint's class")[
        1
    ]
    lines = out.splitlines()
    head = next(line for line in lines if "zone_id" in line).split()
    assert head[:3] == ["constraint", "zone_id", "class_code"]
    codes = {line.split()[2] for line in lines if line.startswith(FARM)}
    assert codes == {"0101", "0103"}


def _headers(html: str, section: str) -> list[list[str]]:
    """Each table's header cells in one section of report.html."""
    body = html.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
    return [
        re.findall(r"<th>(.*?)</th>", head) for head in re.findall(r"<thead>(.*?)</thead>", body)
    ]


def test_the_review_pages_leave_it_out_and_its_tables_keep_it(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["review", "--zones", "zones.gpkg", "--constraint", f"{FARM}=farm.gpkg", "--out", "rv"]
    assert main(argv) == 1
    capsys.readouterr()
    html = (folder / "rv" / "report.html").read_text(encoding="utf-8")
    by_class, pieces = _headers(html, "conflicts")
    assert "area_m2" in by_class and "class_code" not in by_class
    assert "constraint_ids" in pieces and "class_code" not in pieces
    tables = json.loads((folder / "rv" / "tables.json").read_text(encoding="utf-8"))
    assert {r["class_code"] for r in tables["conflicts"]} == {"-"}  # the data keep it
    assert {r["class_code"] for r in tables["conflict_pieces"]} == {None}
    atlas = subprocess.run(
        ["pdftotext", "-layout", str(folder / "rv" / "report.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "area_m2" in atlas and "class_code" not in atlas  # each zone's conflicts table
