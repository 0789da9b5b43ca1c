"""``spatial report``: the offline HTML report and the A3 PDF sheet, read back as a reader would.

The PDF is read with poppler (pdffonts, pdftotext, pdfinfo, pdftoppm); its
pages are kept as PNG in test-artifacts/. The HTML is opened in Chromium with
every request blocked.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from map_fixtures import embedded_font_chars, rendered_fonts, shown_chars, write_layer
from PIL import Image
from report_fixtures import moved_zones, official_zones

from spatial.checked.provenance import layer_provenance, plan_title
from spatial.cli import main
from spatial.io.layers import load_plan_layers
from spatial.publish.fonts import FONT_FAMILY, FONT_SHA256, font_path
from spatial.publish.palette import FAIL_RED

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(
    not POPPLER and os.environ.get("CI") != "true",  # in CI a missing poppler fails the tests
    reason="poppler-utils not installed",
)


def _run(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """The report and sheet of the bundled plan and of a moved zone, written once."""
    root = tmp_path_factory.mktemp("report")
    moved = write_layer(moved_zones(), root / "moved.geojson")
    out = {}
    for name, extra, status in (("bundled", [], 0), ("moved", ["--zones", str(moved)], 1)):
        html, pdf = root / f"{name}.html", root / f"{name}.pdf"
        assert main(["report", *extra, "--out", str(html), "--pdf", str(pdf)]) == status
        out[name] = {"html": html, "pdf": pdf}
    return out


def test_font_is_the_published_noto_sans_sc():
    assert hashlib.sha256(font_path().read_bytes()).hexdigest() == FONT_SHA256


def test_html_report_has_every_section_and_no_external_reference(reports):
    html = reports["moved"]["html"].read_text(encoding="utf-8")
    for heading in ("规划图 Map", "面积目标 Area targets", "空间规则 Spatial rules", "Provenance"):
        assert heading in html
    assert "<script" not in html
    assert re.findall(r"(?:src|href)\s*=\s*[\"']?(?!#|data:)[^\s\"'>]+", html) == []
    assert re.findall(r"url\((?!data:|#)", html) == []
    assert "<metadata" not in html
    assert "@font-face" in html and "data:font/otf;base64," in html
    fail = '<tr class="fail"><td class="id">zones-no-overlap</td><td class="id">zone-kcxz</td>'
    assert fail in html  # ids whole on one line (td.id), as the review's
    assert "未绘制 not drawn: functional_areas, clusters" in html


@pytest.mark.browser
def test_html_report_opens_offline_in_chromium(reports, open_map, tmp_path):
    flagged = tmp_path / "report.html"  # the fixture waits for the map flag; a report has none
    text = reports["moved"]["html"].read_text(encoding="utf-8")
    flagged.write_text(text.replace("<html ", '<html data-map-ready="1" '), encoding="utf-8")
    visit = open_map(flagged, viewport={"width": 1366, "height": 768})
    visit.screenshot("report-moved")
    assert [u for u in visit.requests if not u.startswith(("file:", "data:"))] == []
    assert visit.page_errors == [] and visit.console_errors == []
    assert visit.js("document.fonts.check('12px \"Noto Sans SC\"', '璧山')")
    assert visit.js("document.querySelectorAll('figure svg').length") == 2
    # Chromium sees no CJK font (tests/conftest.py): every text is in the embedded one
    assert rendered_fonts(visit.page).keys() == {f"{FONT_FAMILY} (embedded)"}
    assert shown_chars(visit.page) - embedded_font_chars(text) == set()


@needs_poppler
@pytest.mark.parametrize("name", ["bundled", "moved"])
def test_pdf_sheet_is_a3_landscape_with_every_font_embedded(reports, name):
    pdf = reports[name]["pdf"]
    info = _run("pdfinfo", str(pdf))
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert "1190.55 x 841.89 pts" in info  # A3 landscape: 420 x 297 mm
    fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts, "the sheet embeds no font"
    for line in fonts:
        assert "NotoSansSC" in line and " yes yes yes " in line, line


@needs_poppler
def test_pdf_sheet_text_can_be_found_chinese_included(reports):
    text = _run("pdftotext", "-layout", str(reports["moved"]["pdf"]), "-")
    for expected in (
        "西部（重庆）科学城璧山片区规划示意图",
        "图例 Legend",
        "规划分区 Planned zones",
        "西部（重庆）科技创新小镇",
        "CGCS2000 / 3° GK CM 105°E",
        "zones-no-overlap: zone-kcxz",
        "坐标北 grid north",
        "制图日期 Date",
        "数据来源与精度 Sources and accuracy",
    ):
        assert expected in text, expected


def _red_share(png: Path) -> float:
    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    red = np.array([int(FAIL_RED[i : i + 2], 16) for i in (1, 3, 5)])
    close = np.abs(pixels - red).sum(axis=2) < 60
    return float(close.mean())


@needs_poppler
def test_pdf_sheet_draws_the_overlap_in_red(reports):
    ARTIFACTS.mkdir(exist_ok=True)
    shares = {}
    for name in ("bundled", "moved"):
        prefix = ARTIFACTS / f"sheet-{name}"
        _run("pdftoppm", "-r", "60", "-png", "-singlefile", str(reports[name]["pdf"]), str(prefix))
        shares[name] = _red_share(prefix.with_suffix(".png"))
    assert shares["bundled"] < 0.0005  # red only in the legend swatch
    assert shares["moved"] > 3 * shares["bundled"] + 0.0005


def test_official_zones_are_not_called_indicative(tmp_path):
    zones = write_layer(official_zones(), tmp_path / "official.geojson")
    out = tmp_path / "r.html"
    assert main(["report", "--zones", str(zones), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<h1>西部（重庆）科学城璧山片区规划示意图" in html  # corridor, platforms stay 示意
    only_zones = {"zones": official_zones(), "district": load_plan_layers()["district"]}
    assert plan_title(layer_provenance(only_zones))[0] == "西部（重庆）科学城璧山片区规划图"


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--out", "report.png"],
        ["report", "--out", "r.html", "--pdf", "sheet.png"],
        ["report", "--out", "r.html", "--style-field", "kind"],
    ],
)
def test_report_refuses_a_bad_call_before_writing(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert list(tmp_path.iterdir()) == []
    assert capsys.readouterr().err.startswith("spatial report: ")
