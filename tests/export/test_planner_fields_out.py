"""Every layer written keeps the planner's id fields (issue 19, item 4): BSM, DYBH.

The synthetic survey coverage of ``tests/survey.py`` (示例数据, EPSG:4544, parcel
ids in ``BSM``, zone ids in ``DYBH``): ``diff --pieces-out``, ``qc --errors-out``
and the review's ``findings.gpkg`` are read back with geopandas; their id columns
are named as the planner's fields, hold the right ids (computed here from the
layers themselves) and are in EPSG:4544.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import X0, Y0, survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main

#: A synthetic 永久基本农田 box (metres east and north of X0, Y0): across zones A and B1.
FARMLAND = (1_000.0, 100.0, 1_400.0, 300.0)
#: How far N05 is grown south over the road (m): an overlap 质检 finds (N05 and R1/R2).
OVERLAP_M = 5.0


def _box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _changed_ids(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> set[tuple[str, str]]:
    """(BSM, added/removed) of the features whose geometry is not the same in both versions."""
    before = dict(zip(old["BSM"], old.geometry, strict=True))
    after = dict(zip(new["BSM"], new.geometry, strict=True))
    changed = set()
    for bsm in before.keys() | after.keys():
        a, b = before.get(bsm), after.get(bsm)
        if a is not None and b is not None and a.equals(b):
            continue
        if b is not None and (a is None or not b.difference(a).is_empty):
            changed.add((bsm, "added"))
        if a is not None and (b is None or not a.difference(b).is_empty):
            changed.add((bsm, "removed"))
    return changed


def _with_gap() -> gpd.GeoDataFrame:
    """The revised parcels with N05's south edge raised 5 cm off the road (a gap, for the review).

    The review's 质检 refuses nothing the balance needs; the gap is a finding of no
    feature (its ``BSM`` empty): the values are held in the qc test above.
    """
    parcels = survey_parcels_revised()
    at = parcels.index[parcels["BSM"] == "N05"][0]
    x1, _, x2, y2 = parcels.geometry[at].bounds
    parcels.loc[at, "geometry"] = shapely.box(x1, Y0 + 520.05, x2, y2)
    return parcels


def _overlapping() -> gpd.GeoDataFrame:
    """The revised parcels with N05 grown 5 m south over the road (an overlap)."""
    parcels = survey_parcels_revised()
    at = parcels.index[parcels["BSM"] == "N05"][0]
    x1, _, x2, y2 = parcels.geometry[at].bounds
    parcels.loc[at, "geometry"] = shapely.box(x1, Y0 + 520.0 - OVERLAP_M, x2, y2)
    return parcels


def test_diff_pieces_out_names_the_pieces_by_bsm_in_the_survey_crs(tmp_path: Path) -> None:
    old, new = survey_parcels(), survey_parcels_revised()
    new = new[new["BSM"] != "R2"]  # the road halved, not split on the same land (a re-id): pieces
    old.to_file(tmp_path / "old.gpkg")
    new.to_file(tmp_path / "new.gpkg")
    out = tmp_path / "pieces.gpkg"
    call = ["diff", str(tmp_path / "old.gpkg"), str(tmp_path / "new.gpkg"), "--id-field", "BSM"]
    assert main([*call, "--no-checks", "--pieces-out", str(out)]) in (0, 1)
    pieces = gpd.read_file(out, layer="diff_pieces")
    assert pieces.crs.to_epsg() == 4544
    assert "BSM" in pieces.columns and "id" not in pieces.columns
    assert set(zip(pieces["BSM"], pieces["change"], strict=True)) == _changed_ids(old, new)
    road = pieces[(pieces["BSM"] == "R") & (pieces["change"] == "removed")]
    assert road.geometry.area.sum() == pytest.approx(2_400.0 * 20.0, rel=1e-9)  # GK metres


def test_qc_errors_out_names_the_features_by_bsm(tmp_path: Path) -> None:
    parcels = _overlapping()
    parcels.to_file(tmp_path / "landuse.gpkg")
    out = tmp_path / "errors.gpkg"
    call = ["qc", str(tmp_path / "landuse.gpkg"), "--id-field", "BSM"]
    assert main([*call, "--errors-out", str(out)]) == 1
    errors = gpd.read_file(out, layer="qc_findings")
    assert errors.crs.to_epsg() == 4544
    assert "BSM" in errors.columns and "feature_id" not in errors.columns
    overlaps = errors[errors["kind"] == "overlap"]
    n05 = parcels.geometry[parcels["BSM"] == "N05"].iloc[0]
    under = set(parcels.loc[parcels.geometry.overlaps(n05), "BSM"])  # R1 and R2 (the road)
    pairs = {frozenset((a, b)) for a, b in zip(overlaps["BSM"], overlaps["other_id"], strict=True)}
    assert pairs == {frozenset(("N05", other)) for other in under}
    assert overlaps.geometry.area.sum() == pytest.approx(300.0 * OVERLAP_M, rel=1e-6)


PROJECT = """
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"
name_field = "DYMC"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
id_field = "BSM"

[constraints."永久基本农田"]
path = "farmland.gpkg"
id_field = "BSM"
"""


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("planner_fields")
    survey_zones().to_file(folder / "zones.gpkg")
    _with_gap().to_file(folder / "landuse.gpkg")
    survey_parcels().to_file(folder / "landuse_2024.gpkg")
    farmland = gpd.GeoDataFrame(
        {"BSM": ["JBNT1"], "note": ["示例数据 synthetic"]},
        geometry=[_box(*FARMLAND)],
        crs="EPSG:4544",
    )
    farmland.to_file(folder / "farmland.gpkg")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    out = folder / "review"
    previous = f"landuse={folder / 'landuse_2024.gpkg'}"
    call = ["review", "--project", str(folder / "spatial.toml"), "--previous", previous]
    assert main([*call, "--qc", "--out", str(out)]) in (0, 1)
    return out / "findings.gpkg"


def test_review_conflicts_name_the_zone_by_dybh_and_keep_constraint_ids(findings: Path) -> None:
    conflicts = gpd.read_file(findings, layer="conflicts")
    assert conflicts.crs.to_epsg() == 4544
    # the farmland's ids (several features' joined) in constraint_ids, as check writes them
    assert {"DYBH", "constraint_ids"} <= set(conflicts.columns)
    assert not {"zone_id", "BSM"} & set(conflicts.columns)
    zones = survey_zones()
    box = _box(*FARMLAND)
    crossed = set(zones.loc[zones.geometry.intersection(box).area > 0, "DYBH"])
    assert set(conflicts["DYBH"]) == crossed == {"A", "B1"}
    assert set(conflicts["constraint_ids"]) == {"JBNT1"}


def test_review_diff_pieces_and_qc_findings_name_parcels_by_bsm(findings: Path) -> None:
    pieces = gpd.read_file(findings, layer="diff_pieces_landuse")
    assert pieces.crs.to_epsg() == 4544
    assert "BSM" in pieces.columns and "id" not in pieces.columns
    # the road split R -> R1 + R2 keeps its land (a re-id): no piece of it
    changed = {
        c for c in _changed_ids(survey_parcels(), _with_gap()) if c[0] not in ("R", "R1", "R2")
    }
    assert set(zip(pieces["BSM"], pieces["change"], strict=True)) == changed
    qc = gpd.read_file(findings, layer="qc_findings")
    assert qc.crs.to_epsg() == 4544
    assert "BSM" in qc.columns and "feature_id" not in qc.columns
    assert qc.loc[qc["kind"] == "gap", "BSM"].isna().all()  # a hole is no feature's


@pytest.mark.parametrize(
    ("farmland_field", "named"),
    [("BSM", {"zone_id": "DYBH"}), ("DYBH", {"zone_id": "DYBH"})],
)
def test_check_conflicts_out_names_the_zone_and_keeps_constraint_ids(
    tmp_path: Path, farmland_field: str, named: dict[str, str]
) -> None:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    farmland = gpd.GeoDataFrame(
        {farmland_field: ["JBNT1"], "note": ["示例数据 synthetic"]},
        geometry=[_box(*FARMLAND)],
        crs="EPSG:4544",
    )
    farmland.to_file(tmp_path / "farmland.gpkg")
    out = tmp_path / "conflicts.gpkg"
    call = ["check", "--zones", str(tmp_path / "zones.gpkg"), "--id-field", "zones=DYBH"]
    call += ["--constraint", f"farmland={tmp_path / 'farmland.gpkg'}"]
    call += ["--id-field", f"farmland={farmland_field}", "--conflicts-out", str(out)]
    assert main(call) in (0, 1)
    conflicts = gpd.read_file(out)
    assert conflicts.crs.to_epsg() == 4544
    kept = {"zone_id", "constraint_ids"} - named.keys()  # a name taken: the toolkit's stays
    assert set(named.values()) | kept <= set(conflicts.columns)
    assert not set(named) & set(conflicts.columns)
    zones = survey_zones()
    crossed = set(zones.loc[zones.geometry.intersection(_box(*FARMLAND)).area > 0, "DYBH"])
    assert set(conflicts["DYBH"]) == crossed == {"A", "B1"}
    constraint_ids = named.get("constraint_ids", "constraint_ids")
    assert set(conflicts[constraint_ids]) == {"JBNT1"}
