"""A GBK Shapefile whose fields are Chinese (单元编号, 单元名称): no standard id field to find.

``spatial init`` writes a commented ``id_field`` line listing the layer's fields
and says so; a bare ``spatial check`` then says the missing ``id`` is the
default, not an option the planner never gave. Synthetic zones (示例数据,
``tests/survey.py``'s, EPSG:4544).
"""

from __future__ import annotations

import re

import pytest
from survey import survey_zones

from spatial.cli import main
from spatial.project import load_project

FIELDS = "单元编号, 单元名称"


def _gbk_zones(folder, count: int = 3) -> None:
    zones = survey_zones().iloc[:count]
    zones = zones.rename(columns={"DYBH": "单元编号", "DYMC": "单元名称"}).drop(columns="note")
    zones.to_file(folder / "分区.shp", encoding="gbk")
    assert (folder / "分区.cpg").read_text().strip().upper() in ("GBK", "CP936")


@pytest.fixture
def inited(tmp_path, monkeypatch, capsys):
    _gbk_zones(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["init", "分区.shp"]) == 0
    return tmp_path, capsys.readouterr().err


def test_init_writes_a_commented_id_field_line_listing_the_fields(inited):
    folder, _ = inited
    text = (folder / "spatial.toml").read_text(encoding="utf-8")
    line = re.search(r"^# id_field = .*$", text, re.M)
    assert line is not None, text
    assert line.group(0).startswith('# id_field = "单元编号"  # no id field found')
    assert line.group(0).endswith(f"one of {FIELDS}")
    assert load_project(folder / "spatial.toml").layers["zones"].id_field is None  # commented


def test_init_says_no_id_field_was_found_on_the_terminal(inited):
    _, err = inited
    said = [line for line in err.splitlines() if "no id field found" in line]
    assert len(said) == 1, err
    assert f"one of {FIELDS}" in said[0] and "id_field line in spatial.toml" in said[0]


def test_the_uncommented_line_is_read_by_check(inited, capsys):
    folder, _ = inited
    project = folder / "spatial.toml"
    text = project.read_text(encoding="utf-8")
    project.write_text(text.replace('# id_field = "单元编号"', 'id_field = "单元编号"'), "utf-8")
    assert main(["check"]) == 0
    assert "no field" not in capsys.readouterr().err


def test_a_bare_check_says_the_missing_id_is_the_default(inited, capsys):
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "分区.shp: no field 'id' (the default id field: neither --id-field nor spatial.toml's "
        f"id_field names one); its fields are {FIELDS}"
    ), err
    assert "for --id-field" not in err


def test_a_field_named_with_the_option_is_blamed_on_it(inited, capsys):
    assert main(["check", "--id-field", "编号"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"分区.shp: no field '编号' for --id-field; its fields are {FIELDS}"), err


def test_init_counts_one_feature_in_the_singular(tmp_path, monkeypatch, capsys):
    _gbk_zones(tmp_path, count=1)
    monkeypatch.chdir(tmp_path)
    assert main(["init", "分区.shp"]) == 0
    err = capsys.readouterr().err
    assert "分区.shp: 1 Polygon feature, CRS EPSG:4544" in err, err
    assert "1 Polygon features" not in err
