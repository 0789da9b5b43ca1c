"""A reference rule's FAIL row for something missing says what is missing, not "nan km²".

The district, corridor-band and avenue rules measure each feature against one
reference feature. A feature the rule names that the layer lacks, or a
reference the other layer lacks, is measured by nothing: its row must keep the
reason naming what is missing (before, the measured rows' reason, built from
the NaN value, overwrote it: "nan km² lies outside district-500120").
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from spatial.checks import check_rules
from spatial.io.layers import load_plan_layers
from spatial.plan import load_rules

#: Each reference rule of the bundled plan: its id, its reference's id parameter and noun.
REFERENCE_RULES = [
    ("zones-within-district", "district_id", "district"),
    ("clusters-meet-corridor", "band_id", "band"),
    ("corridor-towns-within-reach", "avenue_id", "avenue"),
]


@pytest.fixture(scope="module")
def layers():
    return load_plan_layers()


def _rule(rule_id: str):
    return next(rule for rule in load_rules() if rule.id == rule_id)


@pytest.mark.parametrize(("rule_id", "id_param", "noun"), REFERENCE_RULES)
def test_a_missing_feature_keeps_its_reason(layers, rule_id, id_param, noun) -> None:
    rule = _rule(rule_id)
    present = rule.ids[0] if rule.ids else str(layers[rule.layer]["id"].iloc[0])
    rule = dataclasses.replace(rule, ids=(present, "no-such-feature"))
    table = check_rules(layers, [rule]).set_index("id")
    missing = table.loc["no-such-feature"]
    assert missing["status"] == "FAIL"
    assert missing["reason"] == f"no-such-feature not found in layer {rule.layer}"
    assert math.isnan(missing["value"])
    assert table.loc[present, "status"] == "PASS"  # the feature present is measured
    assert table.loc[present, "reason"] == ""


@pytest.mark.parametrize(("rule_id", "id_param", "noun"), REFERENCE_RULES)
def test_a_missing_reference_is_the_reason_of_every_row(layers, rule_id, id_param, noun) -> None:
    rule = _rule(rule_id)
    rule = dataclasses.replace(rule, params={**rule.params, id_param: "gone"})
    table = check_rules(layers, [rule])
    layer_param = next(k for k in rule.params if k.endswith("_layer"))
    expected = f"{noun} gone not found in layer {rule.params[layer_param]}"
    assert len(table) == len(rule.ids or layers[rule.layer])
    assert (table["status"] == "FAIL").all()
    assert (table["reason"] == expected).all()
    assert not table["reason"].str.contains("nan").any()
