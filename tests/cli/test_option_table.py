"""The command line's one option table and its one ``[NAME=]VALUE`` parser (issue 19, item 3)."""

from __future__ import annotations

import pytest

from spatial.cli._options import OPTIONS, OUTPUT_OPTIONS, keyed, named
from spatial.errors import UsageError


def test_every_file_a_command_writes_is_an_output_row():
    assert OUTPUT_OPTIONS == {
        "out": "--out",
        "pdf": "--pdf",
        "map": "--map",
        "conflicts_out": "--conflicts-out",
        "pieces_out": "--pieces-out",
        "repair": "--repair",
        "errors_out": "--errors-out",
    }
    assert {row.flag for row in OPTIONS.values() if row.output} == set(OUTPUT_OPTIONS.values())


def test_the_project_fills_only_rows_that_say_so():
    """The options ``spatial.toml`` may fill are rows marked ``project`` (the layer flags aside)."""
    filled = {"--plan", "--rules", "--crs", "--input-frame", "--id-field", "--name-field"}
    filled |= {"--constraint", "--within", "--class-field", "--out-crs"}
    filled |= {"--landuse"}  # review's and balance's land use: the project's when unsaid
    assert {row.flag for row in OPTIONS.values() if row.project} == filled


@pytest.mark.parametrize(
    ("flag", "spec", "expected"),
    [
        ("--id-field", "永久基本农田=BSM", ("永久基本农田", "BSM")),
        ("--crs", "EPSG:4544", (None, "EPSG:4544")),
        ("--crs", "+proj=tmerc +lon_0=105 +k=1", (None, "+proj=tmerc +lon_0=105 +k=1")),
        ("--crs", "zones=EPSG:4544", ("zones", "EPSG:4544")),
        ("--id-field", "3rd=BSM", (None, "3rd=BSM")),  # a key starts with a letter
    ],
)
def test_an_optional_name_is_split_off(flag, spec, expected):
    assert keyed(flag, spec) == expected


@pytest.mark.parametrize(
    ("flag", "spec", "expected"),
    [
        ("--constraint", "生态保护红线=redline.gpkg", ("生态保护红线", "redline.gpkg")),
        ("--within", " 城镇开发边界 =ukb.gpkg", ("城镇开发边界", "ukb.gpkg")),
        ("--layer", "p=postgresql://u@h/db?table=t", ("p", "postgresql://u@h/db?table=t")),
    ],
)
def test_a_required_name_is_everything_before_the_first_equals(flag, spec, expected):
    assert named(flag, spec) == expected


@pytest.mark.parametrize("spec", ["redline.gpkg", "=redline.gpkg", "name=", " =x"])
def test_a_missing_name_or_path_is_one_line_naming_the_option(spec):
    with pytest.raises(UsageError) as error:
        named("--constraint", spec)
    assert str(error.value) == (
        f"--constraint {spec!r}: expected NAME=PATH (e.g. 生态保护红线=redline.gpkg)"
    )
