"""The compare map's class-change layer, from the diff's feature table (issue 21).

Two versions of the synthetic (示例数据) survey of ``tests/survey.py``: the
revision reclassifies parcel N01 (1001 → 0701) and splits the road R into R1
and R2. Only N01 changed class: R is gone, R1 and R2 are new, and a feature in
one version only has no class change.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import shapely

from spatial.landuse import load_classes
from spatial.review.diff import diff_layers
from spatial.webmap.compare import _removed_on_top, build_compare_map, class_changes

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import RECLASSIFIED, survey_parcels, survey_parcels_revised


def _diff():
    old, new = survey_parcels(), survey_parcels_revised()
    return old, new, diff_layers(old, new, id_field="BSM", class_field="YDYHFLDM")


def test_only_the_reclassified_parcel_is_a_class_change():
    _, new, result = _diff()
    changes = class_changes(new, result.features, "BSM")
    feature_id, before, after = RECLASSIFIED
    names = load_classes()
    assert changes["id"].tolist() == [feature_id]
    assert changes["old_class"].tolist() == [before]
    assert changes["new_class"].tolist() == [after]
    expected = f"{before} {names[before].name_zh} → {after} {names[after].name_zh}"
    assert changes["class_change"].tolist() == [expected]
    revised = new.set_index("BSM").geometry[feature_id]
    assert changes.geometry.iloc[0].equals(revised) and changes.crs == new.crs


def test_no_class_field_means_no_class_change_layer():
    old, new = survey_parcels(), survey_parcels_revised()
    result = diff_layers(old, new, id_field="BSM")
    changes = class_changes(new, result.features, "BSM")
    assert len(changes) == 0
    m = build_compare_map(old, new, result.pieces, changes=changes)
    assert "diff_classes" not in m.get_root().render()


def test_removed_pieces_are_drawn_after_the_added_ones():
    pieces = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d"], "change": ["removed", "added", "removed", "added"]},
        geometry=[shapely.box(0, 0, 1, 1)] * 4,
        crs=4544,
    )
    ordered = _removed_on_top(pieces)
    assert ordered["id"].tolist() == ["b", "d", "a", "c"]  # stable within each kind
