"""``spatial map`` in a planner's project: its area-check table is headed by their fields.

A new planner's trial (DYBH/DYMC zones) found the table headed ``id``/``name_zh``
where ``spatial check`` and the review say DYBH and DYMC. 示例数据: tests/survey.py's
EPSG:4544 zones A, B1, B2.
"""

from __future__ import annotations

from survey import survey_zones

from spatial.cli import main

PROJECT = """
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"
name_field = "DYMC"
crs = "EPSG:4544"
"""


def _head(out: str) -> list[str]:
    lines = out.splitlines()
    headings = ("zones coloured", "zones: measured")  # judged by targets; or none judges them
    at = next(i for i, line in enumerate(lines) if line.startswith(headings))
    return lines[at + 1].split()


def test_the_maps_table_names_the_planners_fields(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    survey_zones().to_file(tmp_path / "zones.gpkg")
    (tmp_path / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    assert main(["map", "--offline", "--basemap", "none", "--out", "m.html"]) in (0, 1)
    out = capsys.readouterr().out
    assert _head(out)[:2] == ["DYBH", "DYMC"], out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[-6:] if " 示例" in line}
    assert rows == dict(zip(survey_zones()["DYBH"], survey_zones()["DYMC"], strict=True))


def test_without_fields_the_table_keeps_id_and_name_zh(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    zones = survey_zones().rename(columns={"DYBH": "id", "DYMC": "name_zh"})
    zones.to_file(tmp_path / "zones.gpkg")
    argv = ["map", "--zones", "zones.gpkg", "--offline", "--basemap", "none", "--out", "m.html"]
    assert main(argv) in (0, 1)
    assert _head(capsys.readouterr().out)[:2] == ["id", "name_zh"]


def test_the_maps_popups_name_the_planners_fields(tmp_path, monkeypatch, capsys):
    # the zones' popups label their id and name by DYBH/DYMC, as the review's map does
    monkeypatch.chdir(tmp_path)
    survey_zones().to_file(tmp_path / "zones.gpkg")
    (tmp_path / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    assert main(["map", "--offline", "--basemap", "none", "--out", "m.html"]) in (0, 1)
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    page = page.replace("\\u003c", "<").replace("\\u003e", ">")  # popups sit in escaped JSON
    for zone_id in survey_zones()["DYBH"]:
        assert f"编号 DYBH</th><td>{zone_id}</td>" in page
    assert "编号 ID</th>" not in page
