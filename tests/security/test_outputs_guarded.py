"""Nothing is written over what was not asked for (issue 23, "What to build" 3).

An output that is also an input (after links) is refused, exit 2, a GeoPackage
included (results as extra layers would break the next read of it); an existing
``.gdb`` folder is replaced only if the toolkit wrote it and it holds nothing
else; an existing GeoPackage keeps its other layers. An output path that no
file system holds is one line, exit 2.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from spatial.cli import main
from spatial.export.layers import GDB_MARK
from spatial.io.atomic import GPKG_MARK
from spatial.io.layers import bundled_layer_path

ZONES = bundled_layer_path("zones")


def _one_line_exit_2(status: int, err: str, *words: str) -> None:
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    for word in words:
        assert word in err, err


@pytest.fixture
def zones(tmp_path: Path) -> Path:
    path = tmp_path / "A.geojson"
    shutil.copyfile(ZONES, path)
    return path


@pytest.fixture
def plan_gpkg(tmp_path: Path) -> Path:
    """A planner's GeoPackage: ``parcels_2019`` (5 features) and ``zones`` (2), not ours."""
    path = tmp_path / "plan.gpkg"
    frame = gpd.read_file(ZONES)
    pyogrio.write_dataframe(frame, path, layer="parcels_2019", driver="GPKG")
    pyogrio.write_dataframe(frame.head(2), path, layer="zones", driver="GPKG")
    return path


def _layers(path: Path) -> dict[str, int]:
    return {name: len(gpd.read_file(path, layer=name)) for name, _ in pyogrio.list_layers(path)}


@pytest.mark.parametrize("via", ["itself", "symlink", "hardlink"])
def test_overlay_out_over_its_own_input_is_refused_and_the_input_kept(
    zones: Path, tmp_path: Path, via: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = zones.read_bytes()
    named = zones
    if via == "symlink":
        named = tmp_path / "link.geojson"
        named.symlink_to(zones)
    elif via == "hardlink":
        named = tmp_path / "hard.geojson"
        named.hardlink_to(zones)
    status = main(["overlay", str(named), str(ZONES), "--op", "difference", "--out", str(zones)])
    _one_line_exit_2(status, capsys.readouterr().err, "--out is also an input")
    assert zones.read_bytes() == before


def test_validate_repair_onto_its_input_is_refused(
    zones: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = zones.read_bytes()
    status = main(["validate", str(zones), "--repair", str(zones)])
    _one_line_exit_2(status, capsys.readouterr().err, "--repair is also an input")
    assert zones.read_bytes() == before


def test_plan_file_as_report_output_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.html"  # an input file whatever its suffix: --plan names it
    plan.write_text('[[targets]]\nid = "x"\n', encoding="utf-8")
    before = plan.read_bytes()
    status = main(["check", "--plan", str(plan), "--format", "csv", "--out", str(plan)])
    _one_line_exit_2(status, capsys.readouterr().err, "is also an input")
    assert plan.read_bytes() == before


def test_gdb_folder_of_someone_else_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project.gdb"
    project.mkdir()
    (project / "notes.txt").write_text("site visit 3 May", encoding="utf-8")
    status = main(["check", "--out", str(project)])
    _one_line_exit_2(status, capsys.readouterr().err, "project.gdb", "left alone")
    assert [p.name for p in project.iterdir()] == ["notes.txt"]


def test_gdb_the_toolkit_wrote_is_replaced_but_not_once_a_file_is_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.gdb"
    assert main(["check", "--out", str(out)]) == 0
    assert (out / GDB_MARK).is_file()
    assert main(["check", "--out", str(out)]) == 0  # ours: replaced by the second run
    assert len(gpd.read_file(out, layer="targets")) == 5
    capsys.readouterr()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    status = main(["check", "--out", str(out)])
    _one_line_exit_2(status, capsys.readouterr().err, "notes.txt", "left alone")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_gpkg_output_that_is_an_input_is_refused_and_the_input_kept(
    plan_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Extra layers in an input GeoPackage would break the next command reading it as one layer."""
    before = plan_gpkg.read_bytes()
    a = f"{plan_gpkg}::zones"
    status = main(["overlay", a, str(ZONES), "--op", "difference", "--out", str(plan_gpkg)])
    _one_line_exit_2(status, capsys.readouterr().err, "--out is also an input")
    assert plan_gpkg.read_bytes() == before


def test_check_into_a_gpkg_input_never_replaces_its_zones(
    plan_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = plan_gpkg.read_bytes()
    status = main(["check", "--zones", f"{plan_gpkg}::zones", "--out", str(plan_gpkg)])
    _one_line_exit_2(status, capsys.readouterr().err, "--out is also an input")
    assert plan_gpkg.read_bytes() == before


def test_existing_gpkg_keeps_its_layers_and_ours_are_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.gpkg"
    frame = gpd.read_file(ZONES)
    pyogrio.write_dataframe(frame, out, layer="parcels_2019", driver="GPKG")
    assert main(["check", "--out", str(out)]) == 0
    assert main(["check", "--out", str(out)]) == 0  # our layers replace ours
    layers = _layers(out)
    assert layers["parcels_2019"] == 5 and layers["targets"] == 5
    with sqlite3.connect(out) as db:
        marks = dict(db.execute("SELECT table_name, description FROM gpkg_contents"))
        styles = db.execute(
            "SELECT count(*) FROM layer_styles WHERE f_table_name = 'targets'"
        ).fetchone()
    assert marks["targets"] == GPKG_MARK and marks["parcels_2019"] == ""
    assert styles == (1,)  # one default style, not one per run


def test_existing_gpkg_layer_of_the_same_name_not_ours_is_refused(
    plan_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = plan_gpkg.read_bytes()
    status = main(["check", "--out", str(plan_gpkg)])  # would write a layer 'zones'
    _one_line_exit_2(status, capsys.readouterr().err, "'zones'", "did not write")
    assert plan_gpkg.read_bytes() == before


def test_a_file_named_gpkg_that_is_not_one_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "notes.gpkg"
    out.write_text("not a GeoPackage", encoding="utf-8")
    status = main(["check", "--out", str(out)])
    _one_line_exit_2(status, capsys.readouterr().err, "is not a GeoPackage")
    assert out.read_text(encoding="utf-8") == "not a GeoPackage"


@pytest.mark.parametrize(
    ("command", "out"),
    [
        (["check", "--out"], "A.geojson/x.gdb"),
        (["check", "--out"], "A.geojson/sub/x.gdb"),
        (["check", "--out"], "a" * 300 + ".csv"),
        (["map", "--out"], "a" * 300 + ".html"),
        (["check", "--out"], "a" * 300 + ".gdb"),
    ],
)
def test_an_output_no_file_system_holds_is_one_line_exit_2(
    zones: Path, command: list[str], out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([*command, str(zones.parent / out)])
    _one_line_exit_2(status, capsys.readouterr().err)
    assert zones.read_bytes() == ZONES.read_bytes()


@pytest.mark.parametrize(
    "out", ["A.geojson/out.csv", "missing/../A.geojson/out.csv", "d/" + "b" * 260 + "/t.csv"]
)
def test_outputs_under_a_file_or_too_long_stay_one_line(
    zones: Path, out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Held before the guard too (atomic_path); kept so the guard keeps them."""
    status = main(["overlay", str(zones), "--op", "overlaps", "--out", str(zones.parent / out)])
    _one_line_exit_2(status, capsys.readouterr().err)
