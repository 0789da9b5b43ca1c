"""What several commands share lives in one shared module, not in another command's.

``spatial report`` prints the unjudged zones' table without loading ``spatial
map``'s module, ``spatial review`` reads ``--construction`` without loading
``spatial balance``'s, and the command layer's wrapper of the bundled plan's
rule no longer shares its name with the rule (another signature).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import spatial.checks.run
import spatial.commands._inputs
from spatial.cli._options import construction_codes

CLI = Path(spatial.commands._inputs.__file__).parents[1] / "cli"


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


COMMANDS = sorted(p for p in CLI.glob("*.py") if not p.name.startswith("_"))


def test_every_command_module_is_seen():
    assert {"balance.py", "map.py", "report.py", "review.py"} <= {p.name for p in COMMANDS}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: p.stem)
def test_a_command_imports_no_other_commands_module(path):
    others = {f"spatial.cli.{p.stem}" for p in COMMANDS if p != path}
    assert not _imported(path) & others


def test_report_and_map_print_the_one_table():
    for name in ("map.py", "report.py"):
        assert "spatial.cli._tables" in _imported(CLI / name)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("07,08,09", ("07", "08", "09")),
        (" 07 , 08 ,", ("07", "08")),
        ("1201", ("1201",)),
        (",,", ()),
        (None, None),
    ],
)
def test_construction_codes_are_split_once(text, codes):
    assert construction_codes(text) == codes


def test_the_wrapper_and_the_rule_have_their_own_names():
    wrapper = spatial.commands._inputs.bundled_plan_skipped
    rule = spatial.checks.run.bundled_plan_note
    assert not hasattr(spatial.commands._inputs, "bundled_plan_note")
    assert list(inspect.signature(wrapper).parameters) == ["plan", "theirs", "files", "judging"]
    assert list(inspect.signature(rule).parameters) != list(inspect.signature(wrapper).parameters)
