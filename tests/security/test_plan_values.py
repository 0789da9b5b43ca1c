"""Plan and rules values are refused when read if they cannot be shown or checked.

Non-finite numbers (TOML's ``inf``, ``nan``) would reach the JSON output and the
comparisons; a 200,000-character name would make every figure and table that
carries it slow. Both are one line naming the file and the key, exit 2, at once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from spatial.cli import main
from spatial.errors import PlanDataError
from spatial.plan import (
    MAX_NAME_CHARS,
    load_headlines,
    load_rules,
    load_targets,
    plan_path,
    rules_path,
)


def _edited(source: Path, old: str, new: str, folder: Path) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = folder / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("number", ["inf", "-inf", "nan", "+inf"])
@pytest.mark.parametrize(
    ("old", "load", "where"),
    [
        ("value = 15\n", load_targets, "targets[0] (zone-kcxz): 'value'"),
        ("value = 170\n", load_headlines, "headlines[0] (high-tech-enterprises): 'value'"),
    ],
)
def test_a_non_finite_plan_value_is_refused_naming_file_and_key(
    tmp_path: Path, number: str, old: str, load, where: str
) -> None:
    path = _edited(plan_path(), old, old.replace(old.rsplit(maxsplit=1)[-1], number), tmp_path)
    with pytest.raises(PlanDataError) as refused:
        load(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {where}") and "finite" in message, message


@pytest.mark.parametrize("number", ["inf", "nan"])
def test_a_non_finite_rule_parameter_is_refused(tmp_path: Path, number: str) -> None:
    path = _edited(rules_path(), "max_outside_m2 = 100.0", f"max_outside_m2 = {number}", tmp_path)
    with pytest.raises(PlanDataError) as refused:
        load_rules(path)
    assert "'max_outside_m2' must be a finite number" in str(refused.value)


def test_check_with_an_inf_target_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _edited(plan_path(), "value = 15\n", "value = inf\n", tmp_path)
    status = main(["check", "--plan", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 2 and out == "", err
    assert err.count("\n") == 1 and "'value' must be a finite number, got inf" in err


def test_a_200000_character_target_name_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "科" * 200_000
    path = _edited(
        plan_path(), 'name_zh = "西部（重庆）科技创新小镇"', f'name_zh = "{name}"', tmp_path
    )
    started = time.perf_counter()
    status = main(["report", "--plan", str(path), "--out", str(tmp_path / "r.html")])
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and len(err) < 500, err[:500]
    assert f"'name_zh' is 200,000 characters long; at most {MAX_NAME_CHARS}" in err
    assert seconds < 30, seconds  # refused when the plan is read, before any figure


def test_names_at_the_bound_are_read(tmp_path: Path) -> None:
    name = "科" * MAX_NAME_CHARS
    path = _edited(
        plan_path(), 'name_zh = "西部（重庆）科技创新小镇"', f'name_zh = "{name}"', tmp_path
    )
    assert load_targets(path)[0].name_zh == name
