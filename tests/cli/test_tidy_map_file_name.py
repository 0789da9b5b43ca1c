"""The default map's name, taken from a file's layer or a PostGIS table, is a valid file name.

A layer or table may be named with characters no Windows file name holds
(``GHFQ:2035``, ``a/b``, ``"v2"?``): each becomes ``_``; nothing left is
``maps/plan.html`` (示例数据: the survey's made-up zones).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey import survey_zones

from spatial.cli import main
from spatial.commands._inputs import PlanInput, PlanLayers
from spatial.commands.map import default_map


@pytest.mark.parametrize(
    ("source", "written"),
    [
        ("postgresql://h/db?table=GHFQ:2035", "maps/GHFQ_2035.html"),
        ("postgresql://h/db?table=a%2Fb", "maps/a_b.html"),
        ('plan.gdb::规划 "v2"?', "maps/规划 _v2__.html"),
        ("plan.gdb::<|>", "maps/plan.html"),
        ("plan.gdb::a\tb\x01", "maps/a_b_.html"),
        ("plan.gdb::NUL", "maps/_NUL.html"),
        ("plan.gdb::..", "maps/plan.html"),
        ("d/mine.gpkg", "maps/mine.html"),
    ],
)
def test_a_layer_or_table_name_makes_a_valid_file_name(source, written):
    path = default_map(PlanInput(), PlanLayers({"zones": source}))
    assert path.as_posix() == written
    assert not set(path.name) & set('/\\:*?"<>|')
    assert all(ord(c) >= 32 for c in path.name)


def test_the_bundled_example_and_a_project_keep_their_names():
    assert default_map(PlanInput()).as_posix() == "maps/bishan.html"
    assert default_map(PlanInput(own=True, name="璧山:2035")).as_posix() == "maps/璧山_2035.html"
    assert default_map(PlanInput(own=True, name="??")).as_posix() == "maps/plan.html"


def test_the_command_writes_the_map_of_a_layer_named_with_a_colon(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    survey_zones().to_file(tmp_path / "mine.gpkg", layer="GHFQ:2035")
    assert main(["map", "--offline", "--zones", "mine.gpkg::GHFQ:2035"]) == 0
    assert "wrote maps/GHFQ_2035.html" in capsys.readouterr().out
    assert [p.name for p in Path("maps").iterdir()] == ["GHFQ_2035.html"]
