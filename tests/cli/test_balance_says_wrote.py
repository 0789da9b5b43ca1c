"""``spatial balance --out FILE`` says where it wrote, as every command writing a file does."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from spatial.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "review"  # 示例数据


@pytest.mark.parametrize("name", ["bal.xlsx", "bal.json"])
def test_balance_out_says_wrote_file(tmp_path, capsys, name):
    out = tmp_path / name
    call = [
        "balance",
        str(EXAMPLE / "landuse_existing.geojson"),
        "--zones",
        str(EXAMPLE / "zones.geojson"),
        "--out",
        str(out),
    ]
    assert main(call) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # the data went to the file
    assert f"spatial balance: wrote {out}" in captured.err.splitlines()
    if name.endswith(".xlsx"):
        assert "balance" in openpyxl.load_workbook(out).sheetnames
    else:
        assert json.loads(out.read_text(encoding="utf-8"))


def test_balance_to_the_terminal_says_nothing_of_a_file(capsys):
    call = ["balance", str(EXAMPLE / "landuse_existing.geojson")]
    assert main(call) == 0
    assert "wrote" not in capsys.readouterr().err
