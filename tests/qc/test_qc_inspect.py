"""spatial.qc.inspect on the survey coverage: each planted defect found, the clean layer clean.

Every figure is held against an independent answer: pieces cut with shapely in
EPSG:4544 from the planted boxes and measured by the tests' own strip-rule
oracle (``oracle_area_m2``), not by the toolkit's area of record.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from qc_layers import BOWTIE, GAP, OVERLAP, SLIVER, box, clean_layer, planted_layer
from survey import GK, X0, Y0, oracle_area_m2

from spatial.errors import LayerError, PlanDataError
from spatial.qc import KINDS, inspect

FIELDS = {
    "id_field": "BSM",
    "class_field": "YDYHFLDM",
    "class_name_field": "YDYHFLMC",
    "area_field": "TBMJ",
}


@pytest.fixture(scope="module")
def planted():
    return inspect({"lu.gpkg": planted_layer()}, **FIELDS)


def test_clean_survey_coverage_with_t_junctions_gives_no_finding():
    result = inspect({"lu.gpkg": clean_layer()}, **FIELDS)
    assert result.findings == ()
    assert result.summary()["passed"] is True
    assert result.summary()["features"] == 18


def test_each_planted_defect_is_found_once_with_its_kind_and_ids(planted):
    found = sorted((f.kind, f.feature_id, f.other_id) for f in planted.findings)
    assert found == sorted(
        [
            ("gap", None, None),
            ("overlap", "S02", "S03"),
            ("sliver", "SL", None),
            ("invalid_geometry", "BT", None),
            ("unknown_code", "N06", None),
            ("code_name_mismatch", "S04", None),
            ("area_mismatch", "S05", None),
            ("duplicate_id", "S07", "S07"),
        ]
    )
    assert planted.has_errors
    assert {f.kind for f in planted.findings} <= set(KINDS)


def test_every_finding_names_a_source_and_a_layer(planted):
    for finding in planted.findings:
        assert finding.source.strip(), finding
        assert finding.layer == "lu.gpkg"
        assert str(finding.severity) in ("error", "warning")


def test_gap_area_is_the_notch_and_names_its_neighbours(planted):
    (gap,) = [f for f in planted.findings if f.kind == "gap"]
    assert gap.value == pytest.approx(oracle_area_m2(box(*GAP)), rel=1e-9)
    assert 19.9 < gap.value < 20.0  # 20 m² drawn in GK, its area of record a little less
    assert gap.unit == "m2"
    assert "N03" in gap.message and "N04" in gap.message
    assert shapely.equals_exact(shapely.normalize(gap.geometry), shapely.normalize(box(*GAP)), 1e-6)


def test_overlap_area_is_the_strip_drawn_into_the_neighbour(planted):
    (overlap,) = [f for f in planted.findings if f.kind == "overlap"]
    assert overlap.value == pytest.approx(oracle_area_m2(box(*OVERLAP)), rel=1e-9)
    assert overlap.geometry.area == pytest.approx(2.0 * 500.0)


def test_sliver_and_bowtie(planted):
    (sliver,) = [f for f in planted.findings if f.kind == "sliver"]
    assert sliver.value == pytest.approx(oracle_area_m2(box(*SLIVER)), rel=1e-9)
    assert sliver.value == pytest.approx(0.05, rel=1e-3)
    (bowtie,) = [f for f in planted.findings if f.kind == "invalid_geometry"]
    assert "Self-intersection" in bowtie.message
    (x, y) = BOWTIE[0][0] + 5.0, 5.0  # the bow-tie's waist
    assert (bowtie.geometry.x, bowtie.geometry.y) == pytest.approx((X0 + x, Y0 + y))


def test_area_mismatch_is_ten_percent(planted):
    (off,) = [f for f in planted.findings if f.kind == "area_mismatch"]
    assert off.value == pytest.approx(10.0, abs=0.01)
    assert off.unit == "pct"


def test_no_options_no_attribute_findings():
    result = inspect({"lu.gpkg": planted_layer()})
    kinds = {f.kind for f in result.findings}
    assert kinds == {"gap", "overlap", "sliver", "invalid_geometry"}
    assert all(f.feature_id is None or f.feature_id.startswith("#") for f in result.findings)


def test_a_field_named_but_absent_is_refused_in_one_line():
    """A wrong option is the caller's error (exit 2 on the command line), not a finding."""
    layer = clean_layer().drop(columns=["TBMJ"])
    with pytest.raises(LayerError) as caught:
        inspect({"lu.gpkg": layer}, **FIELDS)
    assert str(caught.value) == (
        "lu.gpkg: no field 'TBMJ' for --area-field; its fields are BSM, YDYHFLDM, note, YDYHFLMC"
    )


def test_code_stored_as_number_is_a_wrong_type_and_blank_ids_found():
    layer = clean_layer()
    layer["YDYHFLDM"] = layer["YDYHFLDM"].astype(int)  # 0101 -> 101: the leading zero lost
    layer.loc[0, "BSM"] = "  "
    result = inspect({"lu.gpkg": layer}, **FIELDS)
    kinds = [f.kind for f in result.findings]
    assert kinds.count("wrong_type") == 1
    assert ("blank_value", "#0") in [(f.kind, f.feature_id) for f in result.findings]
    assert "unknown_code" in kinds  # '101' is no class: judged as the text it holds


def test_a_planners_pack_changes_a_threshold(tmp_path):
    pack = tmp_path / "mine.toml"
    pack.write_text(
        '[rules.sliver]\nkind = "sliver"\nseverity = "warning"\n'
        'source = "project default: under 0.01 m²"\nmax_area_m2 = 0.01\nmin_width_m = 0.05\n'
        '[rules.small]\nkind = "below_min_area"\nseverity = "warning"\n'
        'source = "project default: 100 m²"\nmin_area_m2 = 100.0\n',
        encoding="utf-8",
    )
    result = inspect({"lu.gpkg": planted_layer()}, **FIELDS, packs=["default", str(pack)])
    assert [f.kind for f in result.findings].count("sliver") == 0  # 0.05 m², 0.083 m wide: kept
    small = [f.feature_id for f in result.findings if f.kind == "below_min_area"]
    assert small == ["SL", "BT"]  # the bow-tie's two triangles: 2 x 25 m²


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[rules.x]\nkind = "nonsense"\nsource = "s"\n', "not a rule kind"),
        ('[rules.x]\nkind = "gap"\n', "no source"),
        ('[rules.x]\nkind = "gap"\nsource = "s"\nmin_area = 1\n', "unknown parameter"),
        ('[rules.x]\nkind = "gap"\nsource = "s"\nmin_area_m2 = "big"\n', "must be float"),
        ('[rules.x]\nkind = "gap"\nsource = "s"\nseverity = "fatal"\n', "choose error or warning"),
        ("[rules\n", "not a valid TOML"),
    ],
)
def test_a_bad_pack_is_one_line_naming_file_and_rule(tmp_path, text, said):
    pack = tmp_path / "bad.toml"
    pack.write_text(text, encoding="utf-8")
    with pytest.raises(PlanDataError, match=said) as caught:
        inspect({"lu.gpkg": clean_layer()}, packs=[str(pack)])
    assert str(pack) in str(caught.value) and "\n" not in str(caught.value)


def test_a_line_layer_is_refused():
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=4544)
    with pytest.raises(LayerError, match="only Polygon"):
        inspect({"roads.gpkg": lines})


@pytest.mark.parametrize(
    ("inner", "area_m2"),
    [
        ((0.0, 0.0, 100.0, 100.0), 100.0 * 100.0),  # the same square twice
        ((40.0, 40.0, 60.0, 60.0), 20.0 * 20.0),  # a square inside another
    ],
)
def test_duplicate_and_contained_features_overlap(inner, area_m2):
    outer = box(0.0, 0.0, 100.0, 100.0)
    layer = gpd.GeoDataFrame({"BSM": ["a", "b"]}, geometry=[outer, box(*inner)], crs=GK)
    result = inspect({"lu.gpkg": layer}, id_field="BSM")
    (overlap,) = [f for f in result.findings if f.kind == "overlap"]
    assert (overlap.feature_id, overlap.other_id) == ("a", "b")
    assert overlap.value == pytest.approx(oracle_area_m2(box(*inner)), rel=1e-9)
    assert overlap.geometry.area == pytest.approx(area_m2)


def test_a_schema_pack_finds_missing_and_mistyped_fields(tmp_path):
    pack = tmp_path / "schema.toml"
    pack.write_text(
        '[rules.fields]\nkind = "missing_field"\nsource = "project default: test schema"\n'
        'fields = {BSM = "text", TBMJ = "real", XZQDM = "text"}\n'
        '[rules.types]\nkind = "wrong_type"\nsource = "project default: test schema"\n'
        'fields = {BSM = "text", TBMJ = "integer"}\n',
        encoding="utf-8",
    )
    result = inspect({"lu.gpkg": clean_layer()}, packs=[str(pack)])
    assert sorted((f.kind, f.value) for f in result.findings) == [
        ("missing_field", "XZQDM"),
        ("wrong_type", "TBMJ"),  # float64, not integer
    ]


def test_a_schema_field_type_outside_the_three_is_refused(tmp_path):
    pack = tmp_path / "schema.toml"
    pack.write_text(
        '[rules.types]\nkind = "wrong_type"\nsource = "s"\nfields = {BSM = "varchar"}\n',
        encoding="utf-8",
    )
    with pytest.raises(PlanDataError, match="BSM = 'varchar': a field type is one of text"):
        inspect({"lu.gpkg": clean_layer()}, packs=[str(pack)])
