"""The rule kinds' parameters are the plan reader's; the checks implement each (issue 19).

Reading a rules file imports no check (the import contract has no named exception
left), and every kind declared for reading has exactly one implementation.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from spatial.checks.kinds import rule_kind
from spatial.checks.rules import RULE_KINDS
from spatial.errors import PlanDataError
from spatial.plan import RULE_PARAMS, load_rules


def test_every_declared_kind_is_implemented_with_its_parameters():
    assert set(RULE_KINDS) == set(RULE_PARAMS)
    for name, kind in RULE_KINDS.items():
        assert kind.params is RULE_PARAMS[name]
        assert callable(kind.run)


def test_reading_the_rules_imports_no_check():
    probe = (
        "import json, sys\nfrom spatial.plan import load_rules\nrules = load_rules()\n"
        "names = sorted(m for m in sys.modules if m.startswith('spatial.'))\n"
        "print(json.dumps([len(rules), names]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    count, modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert count == len(load_rules()) > 0
    assert not [m for m in modules if m.startswith("spatial.checks")]


def test_an_unknown_kind_names_the_declared_ones_in_order(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[[rules]]\nid = "r"\nkind = "nope"\nlayer = "zones"\n', encoding="utf-8")
    with pytest.raises(PlanDataError, match="kind 'nope' is not one of within_district, "):
        load_rules(path)


def test_a_kind_the_reader_does_not_declare_cannot_register():
    with pytest.raises(KeyError, match="no parameters"):
        rule_kind("undeclared")
