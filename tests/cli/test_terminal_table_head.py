"""A table longer than the terminal shows its head, the rows left out and its area totals.

Layers: the synthetic (示例数据) survey of ``tests/survey.py`` in EPSG:4544 (ids
in ``BSM``), 18 parcels; a screen of 10 lines is set with ``LINES``. Piped or
written to a file, every row, as before.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from survey import survey_parcels

from spatial.cli import main
from spatial.report import format_table
from spatial.table_formats.txt import HEAD_ROWS, screen_rows


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    parcels = survey_parcels()
    parcels.to_file(tmp_path / "landuse.gpkg")
    farmland = parcels[parcels["YDYHFLDM"].astype(str).str.startswith("01")]
    farmland[["BSM", "geometry"]].to_file(tmp_path / "farmland.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _on_terminal(monkeypatch: pytest.MonkeyPatch, lines: int) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("LINES", str(lines))


DIFFERENCE = ["overlay", "landuse.gpkg", "farmland.gpkg", "--op", "difference", "--a-id", "BSM"]


def _full_table(capsys: pytest.CaptureFixture[str]) -> pd.DataFrame:
    assert main([*DIFFERENCE, "--format", "csv"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out.lstrip("\ufeff")), dtype={"BSM": str})


def test_a_long_table_on_a_terminal_shows_its_head_and_totals(
    layers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    full = _full_table(capsys)
    assert len(full) == 18 and full["area_km2"].sum() > 0
    _on_terminal(monkeypatch, 10)
    assert main(DIFFERENCE) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + 10 + 1  # heading, rule, the head (the screen is 10 rows), the cut line
    assert [line.split()[0] for line in lines[2:12]] == list(full["BSM"].head(10))
    total = f"{full['area_km2'].sum():.4f}"
    assert lines[-1] == (
        f"… 8 more rows (18 in all); totals of all rows: area_km2 {total}; "
        "every row: --out FILE.csv or --format csv"
    )


def test_a_table_that_fits_or_is_piped_keeps_every_row(
    layers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    full = _full_table(capsys)
    assert main(DIFFERENCE) == 0  # not a terminal: piped (| head) or redirected (> file)
    piped = capsys.readouterr().out.splitlines()
    assert len(piped) == 2 + len(full) and "more rows" not in piped[-1]
    _on_terminal(monkeypatch, 40)  # a screen taller than the table
    assert main(DIFFERENCE) == 0
    assert capsys.readouterr().out.splitlines() == piped
    _on_terminal(monkeypatch, 10)  # --out: every row in the file, even from a terminal
    assert main([*DIFFERENCE, "--out", "difference.txt"]) == 0
    assert (layers / "difference.txt").read_text(encoding="utf-8").splitlines() == piped


def test_the_cut_line_totals_every_area_unit_and_nothing_else() -> None:
    frame = pd.DataFrame(
        {
            "DYBH": [f"Z{i}" for i in range(30)],
            "area_m2": [1000.25] * 30,
            "area_ha": [0.100025] * 30,
            "area_mu": [1.500375] * 30,
            "area_km2": [0.00100025] * 30,
            "share_of_a": [0.5] * 30,
            "diff_pct": [-1.0] * 30,
        }
    )
    text = format_table(frame, max_rows=25).splitlines()
    assert len(text) == 2 + HEAD_ROWS + 1
    assert text[-1] == (
        "… 10 more rows (30 in all); totals of all rows: area_m2 30007.5000, area_ha 3.0008, "
        "area_mu 45.0112, area_km2 0.0300; every row: --out FILE.csv or --format csv"
    )
    assert format_table(frame, max_rows=30) == format_table(frame)  # fits: whole
    with screen_rows(25):
        assert format_table(frame) == "\n".join(text)
    assert format_table(frame) == format_table(frame, max_rows=None)  # outside: every row
