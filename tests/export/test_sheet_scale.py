"""The A3 sheet framed on the planner's zones at a standard scale (issue 19, item 5).

Zones from ``tests/survey.py`` (2.4 km x 1 km, EPSG:4544, synthetic 示例数据):
the map frame is 0.56 x 420 mm by 0.86 x 297 mm; with 4 % margins the zones need
1:11,020, so the sheet is drawn at the next scale of the series, 1:20,000, says
so, and its scale bar measures true on the paper at that scale.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.patches import Rectangle

from spatial.checks.snapshot import take_snapshot
from spatial.cli import main
from spatial.publish.sheet import SCALE_SERIES, draw_sheet, sheet_scale

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import survey_zones

FRAME_MM = (0.56 * 420.0, 0.86 * 297.0)


@pytest.mark.parametrize(
    ("width_m", "expected"),
    [
        (100.0, 500),
        (1_000.0, 5_000),
        (2_400.0, 20_000),
        (30_000.0, 200_000),
        (300_000.0, 1_400_000),
    ],
)
def test_sheet_scale_is_the_next_of_the_series(width_m, expected):
    needed = width_m * 1.08 / FRAME_MM[0] * 1000  # the denominator that just fits, by hand
    assert sheet_scale((0.0, 0.0, width_m, 10.0), FRAME_MM) == expected
    assert expected >= needed
    smaller = [s for s in SCALE_SERIES if s < expected]
    assert not smaller or smaller[-1] < needed


def _their_zones():
    zones = survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})
    return take_snapshot({"zones": zones}, {"zones": "zones_gk.shp"}, targets=(), rules=())


def test_sheet_opens_on_their_zones_at_1_20000_and_its_bar_agrees():
    fig = draw_sheet(_their_zones())
    ax = fig.axes[0]
    width_mm = ax.get_position(original=True).width * fig.get_figwidth() * 25.4
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert (x1 - x0) * 1000 / width_mm == pytest.approx(20_000, rel=1e-9)
    zx0, zy0, zx1, zy1 = survey_zones().total_bounds
    assert x0 < zx0 < zx1 < x1 and y0 < zy0 < zy1 < y1
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx(((zx0 + zx1) / 2, (zy0 + zy1) / 2))
    texts = [t.get_text() for t in fig.texts]
    assert any("比例尺 scale 1:20,000 (A3)" in t for t in texts)
    bar = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 10]
    assert len(bar) == 4 and {round(p.get_width(), 6) for p in bar} == {250.0}
    # 4 x 250 m at 1:20,000 is 50 mm on the paper, labelled 0, 0.5, 1 km
    assert 4 * 250.0 / 20_000 * 1000 == pytest.approx(50.0)
    labels = [t.get_text() for t in ax.texts if t.get_zorder() == 10 and t.get_text()]
    assert labels == ["0", "0.5", "1", "km"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_report_pdf_states_the_scale(tmp_path, capsys):
    zones = tmp_path / "zones_gk.shp"
    survey_zones().to_file(zones, encoding="utf-8")
    pdf = tmp_path / "sheet.pdf"
    call = ["report", "--zones", str(zones), "--id-field", "zones=DYBH"]
    assert main([*call, "--out", str(tmp_path / "r.html"), "--pdf", str(pdf)]) in (0, 1)
    capsys.readouterr()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "比例尺 scale 1:20,000 (A3)" in text  # as the bundled Bishan sheet said 1:139,000
    bar = [line.split() for line in text.splitlines() if line.split()[:1] == ["0"]]
    assert bar == [["0", "0.5", "1"]]  # 4 x 250 m: 1 km, 50 mm at 1:20,000
