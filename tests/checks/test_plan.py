"""The plan's data files: bundled content, and one clear line for each kind of mistake."""

from __future__ import annotations

import pytest

from spatial.checks.constraints import CONSTRAINT_KINDS
from spatial.checks.rules import RULE_KINDS
from spatial.errors import PlanDataError
from spatial.plan import load_headlines, load_plan, load_rules, load_targets


def test_bundled_targets_in_km2():
    targets = {t.id: t for t in load_targets()}
    assert {k: t.target_km2 for k, t in targets.items()} == {
        "zone-kcxz": 15.0,
        "zone-szjj": 10.0,
        "zone-cjrh": 20.0,
        "zone-community": 0.3,
        "zone-community-phase1": 0.1,
    }
    assert all(t.tolerance_pct == 5 for t in targets.values())


def test_bundled_rules_cover_every_kind_and_the_five_corridor_towns():
    rules = load_rules()
    # the 三区三线 kinds need a constraint layer the plan does not publish (--constraint)
    assert {r.kind for r in rules} == set(RULE_KINDS) - set(CONSTRAINT_KINDS)
    reach = next(r for r in rules if r.kind == "within_reach_of_avenue")
    assert reach.ids == (
        "town-bicheng",
        "town-biquan",
        "town-qinggang",
        "town-laifeng",
        "town-dingjia",
    )
    assert reach.params["reach_m"] == 5000


def test_headlines_load():
    assert {h.id for h in load_headlines()} >= {"high-tech-enterprises", "rd-share-gdp"}
    assert len(load_plan().rules) == len(load_rules())


RULE_HEAD = '[[rules]]\nid = "r"\nlayer = "zones"\n'
WITHIN = 'kind = "within_district"\ndistrict_layer = "district"\ndistrict_id = "d"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (RULE_HEAD + 'kind = "inside"\n', r"rules\[0\] \(r\): kind 'inside' is not one of"),
        (RULE_HEAD + WITHIN, r"rules\[0\] \(r\): missing 'max_outside_m2'"),
        (RULE_HEAD + WITHIN + 'max_outside_m2 = "1"\n', r"'max_outside_m2' must be int or float"),
        (RULE_HEAD + WITHIN + "max_outside_m2 = -1\n", "must not be negative"),
        (RULE_HEAD + WITHIN + "max_outside_m2 = 1\nmax_outsde_m2 = 2\n", "unknown key"),
        (RULE_HEAD + WITHIN + "max_outside_m2 = 1\nids = [1]\n", "list of strings"),
        (
            RULE_HEAD + 'kind = "no_overlap"\nmax_overlap_m2 = 1\nallowed_nesting = [["a"]]\n',
            r"\[inner_id, outer_id\]",
        ),
        (
            RULE_HEAD
            + WITHIN
            + "max_outside_m2 = 1\n"
            + RULE_HEAD
            + WITHIN
            + "max_outside_m2 = 1\n",
            r"rules\[1\] \(r\): duplicate id",
        ),
        ("title = 1\n", "no \\[\\[rules\\]\\] entries"),
    ],
)
def test_rule_mistakes_are_one_line_naming_file_and_entry(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanDataError, match=message) as info:
        load_rules(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


TARGET = '[[targets]]\nid = "t"\nlayer = "zones"\nname_zh = "区"\nunit = "km2"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TARGET + "value = 0\n", "value must be positive"),
        (
            TARGET + "value = 1\ntolerance_pct = 0\n",
            r"tolerance_pct must be a number in \(0, 100\)",
        ),
        (TARGET + "value = true\n", "'value' must be int or float"),
        (TARGET.replace('name_zh = "区"\n', "") + "value = 1\n", "missing 'name_zh'"),
    ],
)
def test_target_mistakes(tmp_path, text, message):
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanDataError, match=message):
        load_targets(path)


def test_missing_file(tmp_path):
    with pytest.raises(PlanDataError, match="file not found"):
        load_rules(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("written", "read", "m2_per_unit"),
    [
        ("亩", "mu", 10_000 / 15),
        ("公顷", "ha", 10_000.0),
        ("平方公里", "km2", 1e6),
        ("m²", "m2", 1.0),
    ],
)
def test_a_unit_as_a_chinese_plan_writes_it(tmp_path, written, read, m2_per_unit):
    path = tmp_path / "plan.toml"
    path.write_text(TARGET.replace('"km2"', f'"{written}"') + "value = 1000\n", encoding="utf-8")
    (target,) = load_targets(path)
    assert target.unit == read
    assert target.target_m2 == pytest.approx(1000 * m2_per_unit, rel=1e-15)


def test_an_unknown_unit_lists_every_accepted_spelling(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(TARGET.replace('"km2"', '"acre"') + "value = 1\n", encoding="utf-8")
    with pytest.raises(PlanDataError, match=r"unit 'acre' is not one of m2, ha, km2, mu, 亩, 公顷"):
        load_targets(path)
