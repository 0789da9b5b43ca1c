"""A new planner's review names each zone by its own id (DYBH: A, B1, B2), never 1/2/3; its
sources list every layer read, the previous version and the land use too, once.

A planner's trial (示例数据: tests/survey.py's EPSG:4544 coverage, the project ``spatial
init`` writes) found report.html's "In the plan's units" table and the atlas numbering
the zones 1/2/3 beside tables that use DYBH, and report.pdf's sources and the page's
accuracy table leaving out the previous version (and the PDF the land use). The page
is read back as HTML, the atlas with poppler's pdftotext, the map's labels from the
figure itself.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from planner_review_folder import ZONES, write_planner_review
from survey import survey_parcels, survey_zones

from spatial.checks.snapshot import take_snapshot
from spatial.cli import main
from spatial.publish.fonts import in_noto
from spatial.publish.sheet import draw_sheet

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")


@pytest.fixture(scope="module")
def review(tmp_path_factory) -> Path:
    return write_planner_review(tmp_path_factory.mktemp("planner-ids"))


def _table_after(page: str, caption: str) -> list[list[str]]:
    """Return the rows (header first) of the table following the ``<h3>`` ``caption``."""
    start = page.index(f"<h3>{caption}</h3>")
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table)
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)] for r in rows]


def _pdf_text(path: Path, page: int) -> str:
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_the_plan_units_table_names_zones_by_dybh_and_dymc(review) -> None:
    page = (review / "report.html").read_text(encoding="utf-8")
    header, *rows = _table_after(page, "按规划所给单位 In the plan&#x27;s units")
    assert header[:2] == ["DYBH", "DYMC"]  # as the next table ("As spatial check gives them")
    assert _table_after(page, "核查数值 As spatial check gives them "
                        "(km², CGCS2000 ellipsoidal)")[0][:2] == ["DYBH", "DYMC"]  # fmt: skip
    assert {r[0]: r[1] for r in rows} == ZONES
    assert [r[2] for r in rows] == ["1,799.4 亩", "59.98 公顷 ha", "0.5998 km²"]


@needs_poppler
def test_the_atlas_names_zones_by_their_ids_not_numbers(review) -> None:
    overview = _pdf_text(review / "report.pdf", 1)
    for zone_id, name in ZONES.items():
        assert re.search(rf"\n\s*{zone_id}\s+{name}\s+\S", overview), zone_id
    assert not re.search(r"(^|\s)[123]\s+示例单元", overview)
    assert "编号 No." not in overview
    assert re.search(r"DYBH\s+DYMC\s+实测 Measured", overview)  # as the zone sheets name them
    for page, (zone_id, name) in enumerate(ZONES.items(), 2):
        sheet = _pdf_text(review / "report.pdf", page)
        assert f"{zone_id} {name} · 分区图" in sheet and f"Zone sheet {zone_id}" in sheet
        assert re.search(rf"DYBH\s+DYMC.*\n\s*{zone_id}\s+{name}\s", sheet), zone_id
        assert not re.search(r"Zone sheet \d", sheet)


def test_the_map_labels_each_zone_with_its_id() -> None:
    zones = survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})
    snapshot = take_snapshot(
        {"zones": zones},
        {"zones": "zones.gpkg"},
        {"landuse": survey_parcels()},
        targets=(),
        rules=(),
    )
    with in_noto(lambda: draw_sheet(snapshot)) as fig:
        labels = sorted(
            t.get_text()
            for t in fig.axes[0].texts
            if (t.get_gid() or "").startswith("zone-marker-")
        )
    assert labels == sorted(ZONES)


@needs_poppler
def test_every_layer_read_is_in_the_sources_once(review) -> None:
    manifest = json.loads((review / "manifest.json").read_text(encoding="utf-8"))
    roles = [r["role"] for r in manifest["layers_read"]]
    assert sorted(roles) == sorted(["zones", "landuse", "永久基本农田", "previous_landuse"])
    overview = _pdf_text(review / "report.pdf", 1)
    sources = overview[overview.index("数据来源与精度 Sources and accuracy") :]
    for line in (
        "规划分区 Planned zones [zones.gpkg",
        "用地 Land use (--landuse) [landuse.gpkg",
        "永久基本农田 [farmland.gpkg]",
        "上一版本 Previous version: 用地 Land use (--landuse) [landuse_old.gpkg]",
    ):
        assert sources.count(line) == 1, line
    page = (review / "report.html").read_text(encoding="utf-8")
    _, *rows = _table_after(page, "图层精度与来源 Layers: accuracy and sources")
    files = sorted(r[1].split("::")[0] for r in rows)  # a GeoPackage's layer may be named
    assert files == sorted(["zones.gpkg", "landuse.gpkg", "farmland.gpkg", "landuse_old.gpkg"])
    previous = next(r for r in rows if r[1].startswith("landuse_old.gpkg"))
    assert previous[0] == "上一版本 Previous version: 用地 Land use (--landuse)"
    assert previous[2] == f"{len(survey_parcels()):,}"  # the previous version's features


def test_diff_help_names_both_map_forms(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["diff", "--help"])
    assert "--map FILE.html|DIR/" in capsys.readouterr().out
