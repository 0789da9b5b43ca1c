"""Text is text in figures: no name is read as matplotlib mathtext (issue 23, part 5).

matplotlib reads ``$...$`` in a label as mathtext: ``$\\frac{1}{2}$`` would print
as a fraction and ``$\\undefinedmacro{x}$`` stop the drawing (exit 3). Every
figure (the report's SVG chart and map, the A3 sheet) is built in
:func:`spatial.publish.fonts.in_noto`, with ``text.parse_math`` off.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.plan import plan_path

FRACTION = r"$\frac{1}{2}$"
UNDEFINED = r"$\undefinedmacro{x}$"


@pytest.fixture
def dollar_plan(tmp_path: Path) -> tuple[Path, Path]:
    """A plan whose first two targets are named as mathtext, and towns all named so."""
    text = plan_path().read_text(encoding="utf-8")
    names = re.findall(r'^name_zh = "[^"]*"$', text, flags=re.MULTILINE)[:2]
    text = text.replace(names[0], f"name_zh = '{FRACTION}'", 1)
    text = text.replace(names[1], f"name_zh = '{UNDEFINED}'", 1)
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    towns = read_layer(bundled_layer_path("towns"))
    towns["name_zh"] = [FRACTION if i % 2 else UNDEFINED for i in range(len(towns))]
    path = tmp_path / "towns.geojson"
    towns.to_file(path, driver="GeoJSON")
    return plan, path


def test_report_and_sheet_print_dollar_names_as_typed(
    dollar_plan: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, towns = dollar_plan
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    status = main(
        ["report", "--plan", str(plan), "--towns", str(towns), "--out", str(out), "--pdf", str(pdf)]
    )
    err = capsys.readouterr().err
    assert status == 0, err
    page = out.read_text(encoding="utf-8")
    # the SVG chart draws its letters as outlines named by code point: '$' (24) and '\' (5c)
    # are drawn, as they would not be if the names were read as mathtext
    assert re.search(r'id="NotoSansSC[0-9a-f]*-24"', page)
    assert re.search(r'id="NotoSansSC[0-9a-f]*-5c"', page)
    if shutil.which("pdftotext") is None:  # pragma: no cover - poppler-utils is installed in CI
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert FRACTION in text and UNDEFINED in text
