"""Rules and constraints decided in the data's own frame: a survey coverage in EPSG:4544.

Zones A, B1, B2 (``tests/survey.py``) share edges with a T-junction on A's east
edge; moved to lon/lat first, the GK-straight edges bow apart and the check
used to invent overlaps, outside slivers and occupied slivers. Every figure
here is held against an independent cut made with shapely in EPSG:4544 and
measured by the tests' own strip-rule oracle (``oracle_area_m2``).
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from survey import GK, _box, oracle_area_m2, survey_parcels, survey_zones

from spatial.checks import run_checks
from spatial.checks.constraints import constraint_rule
from spatial.checks.pieces import failure_pieces
from spatial.cli import main
from spatial.plan import Rule

FARMLAND = "永久基本农田"
NO_OVERLAP = Rule(
    id="zones-no-overlap",
    kind="no_overlap",
    layer="zones",
    params={"max_overlap_m2": 0.0, "allowed_nesting": []},
)
REL = 1e-9

RULES_TOML = """
[[rules]]
id = "zones-no-overlap"
kind = "no_overlap"
layer = "zones"
max_overlap_m2 = 0.0
allowed_nesting = []
"""
PLAN_TOML = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
name_en = "Zone A"
value = 1.2
unit = "km2"
tolerance_pct = 5.0
phrase = "示例数据"
"""


def _zones() -> gpd.GeoDataFrame:
    return survey_zones().rename(columns={"DYBH": "id"})


def _zone(zone_id: str) -> shapely.Geometry:
    zones = _zones()
    return zones.geometry[zones["id"] == zone_id].iloc[0]


def _farmland() -> gpd.GeoDataFrame:
    """Farmland as survey parcels of class 0101/0103 (ids BSM): corners on the zones' long edges."""
    parcels = survey_parcels()
    farmland = parcels[parcels["YDYHFLDM"].isin(["0101", "0103"])]
    return farmland.rename(columns={"BSM": "id"}).reset_index(drop=True)


def _occupied_oracle_m2(zone_id: str, land: shapely.Geometry) -> float:
    """The zone's occupied area: a shapely cut in EPSG:4544, measured by the tests' oracle."""
    cut = shapely.intersection(_zone(zone_id), land)
    parts = shapely.get_parts(shapely.get_parts(cut))  # the cut's polygons (not its lines)
    return sum(oracle_area_m2(p) for p in parts if p.geom_type == "Polygon")


def _files(tmp_path, constraint: gpd.GeoDataFrame | None = None) -> list[str]:
    zones, rules, plan = tmp_path / "zones.gpkg", tmp_path / "rules.toml", tmp_path / "plan.toml"
    survey_zones().to_file(zones)
    rules.write_text(RULES_TOML, encoding="utf-8")
    plan.write_text(PLAN_TOML, encoding="utf-8")
    args = ["check", "--zones", str(zones), "--id-field", "zones=DYBH"]
    args += ["--plan", str(plan), "--rules", str(rules), "--format", "json"]
    if constraint is not None:
        path = tmp_path / "farmland.gpkg"
        constraint.to_file(path)
        args += ["--constraint", f"{FARMLAND}={path}", "--conflicts-out", str(tmp_path / "c.gpkg")]
    return args


# --- no_overlap: zones sharing an edge with a T-junction -----------------------------------


def test_zones_sharing_an_edge_do_not_overlap():
    """In EPSG:4544 A, B1 and B2 only touch: no overlap at all, not a lens of lon/lat chords."""
    report = run_checks({"zones": _zones()}, targets=(), rules=[NO_OVERLAP])
    rules = report.rules
    assert list(rules["id"]) == ["A", "B1", "B2"]
    assert list(rules["status"]) == ["PASS"] * 3
    assert list(rules["value"]) == [0.0, 0.0, 0.0]
    assert len(failure_pieces({"zones": _zones()}, rules, [NO_OVERLAP])) == 0


def test_check_command_passes_the_survey_zones_and_targets_keep_the_area_of_record(
    tmp_path, capsys
):
    assert main(_files(tmp_path)) == 0
    data = json.loads(capsys.readouterr().out)
    assert {(r["id"], r["status"]) for r in data["rules"]} == {
        ("A", "PASS"),
        ("B1", "PASS"),
        ("B2", "PASS"),
    }
    (target,) = data["targets"]
    assert target["measured_km2"] * 1e6 == pytest.approx(oracle_area_m2(_zone("A")), rel=REL)


def test_a_real_overlap_is_cut_and_measured_in_the_layer_frame():
    """B1 moved 2 m west over A: the overlap is the 2 m x 500 m strip, piece and row alike."""
    zones = _zones()
    zones.loc[zones["id"] == "B1", "geometry"] = _box(1198.0, 0.0, 2400.0, 500.0)
    report = run_checks({"zones": zones}, targets=(), rules=[NO_OVERLAP])
    expected_m2 = oracle_area_m2(_box(1198.0, 0.0, 1200.0, 500.0))
    rows = report.rules.set_index("id")
    assert rows.loc["A", "status"] == rows.loc["B1", "status"] == "FAIL"
    assert rows.loc["A", "value"] * 1e6 == pytest.approx(expected_m2, rel=REL)
    assert rows.loc["B2", "status"] == "PASS" and rows.loc["B2", "value"] == 0.0
    pieces = failure_pieces({"zones": zones}, report.rules, [NO_OVERLAP])
    assert len(pieces) == 1 and pieces.crs.to_epsg() == 4326  # vertices converted at the end
    assert pieces["area_km2"].iloc[0] * 1e6 == pytest.approx(expected_m2, rel=REL)
    lonlat_m2 = oracle_area_m2(gpd.GeoSeries(pieces.geometry, crs=4326).to_crs(GK).iloc[0])
    assert lonlat_m2 == pytest.approx(expected_m2, rel=1e-7)


# --- two layers: the district in the same GK frame ------------------------------------------


def test_zones_inside_a_gk_district_lie_wholly_within_it():
    """A district whose 2.4 km edges have no vertex where the zones' corners lie on them."""
    district = gpd.GeoDataFrame({"id": ["D"]}, geometry=[_box(0.0, 0.0, 2400.0, 1000.0)], crs=GK)
    rule = Rule(
        id="zones-in-district",
        kind="within_district",
        layer="zones",
        params={"district_layer": "district", "district_id": "D", "max_outside_m2": 0.0},
    )
    report = run_checks({"zones": _zones(), "district": district}, targets=(), rules=[rule])
    assert list(report.rules["status"]) == ["PASS"] * 3
    assert list(report.rules["value"]) == [0.0, 0.0, 0.0]


def test_the_part_outside_a_gk_district_is_cut_there_in_the_row_and_the_piece():
    """A district ending at x = 1800 m: B1 and B2 each have a 600 m wide part outside it."""
    district = gpd.GeoDataFrame({"id": ["D"]}, geometry=[_box(0.0, 0.0, 1800.0, 1000.0)], crs=GK)
    rule = Rule(
        id="zones-in-district",
        kind="within_district",
        layer="zones",
        params={"district_layer": "district", "district_id": "D", "max_outside_m2": 0.0},
    )
    layers = {"zones": _zones(), "district": district}
    report = run_checks(layers, targets=(), rules=[rule])
    rows = report.rules.set_index("id")
    assert rows.loc["A", "status"] == "PASS" and rows.loc["A", "value"] == 0.0
    pieces = failure_pieces(layers, report.rules, [rule]).set_index("id")
    assert pieces.crs.to_epsg() == 4326 and sorted(pieces.index) == ["B1", "B2"]
    for zone_id, (y1, y2) in {"B1": (0.0, 500.0), "B2": (500.0, 1000.0)}.items():
        expected_m2 = oracle_area_m2(_box(1800.0, y1, 2400.0, y2))
        assert rows.loc[zone_id, "value"] * 1e6 == pytest.approx(expected_m2, rel=REL)
        assert pieces.loc[zone_id, "area_km2"] * 1e6 == pytest.approx(expected_m2, rel=REL)


# --- constraints: land, not features --------------------------------------------------------

HALF_A = _box(0.0, 0.0, 600.0, 1000.0)
ACROSS = _box(300.0, 200.0, 1500.0, 800.0)  # over A, B1 and B2, overlapping HALF_A


@pytest.mark.parametrize(
    "boxes",
    [
        pytest.param([HALF_A, HALF_A], id="two-identical-over-half-a-zone"),
        pytest.param([HALF_A, ACROSS, ACROSS], id="duplicates-and-partial-overlaps"),
    ],
)
def test_occupied_area_is_counted_once_in_the_rule_the_table_and_the_pieces(
    boxes, tmp_path, capsys
):
    farmland = gpd.GeoDataFrame(
        {"name": [f"f{i}" for i in range(len(boxes))]}, geometry=boxes, crs=GK
    )
    land = shapely.union_all(boxes)
    assert main(_files(tmp_path, farmland)) == 1  # A occupies farmland
    data = json.loads(capsys.readouterr().out)
    rows = {r["id"]: r for r in data["rules"] if r["kind"] == "must_not_occupy"}
    written = gpd.read_file(tmp_path / "c.gpkg")
    for zone_id in ("A", "B1", "B2"):
        expected = _occupied_oracle_m2(zone_id, land)
        assert rows[zone_id]["occupied_m2"] == pytest.approx(expected, rel=REL, abs=1e-6)
        table = sum(c["area_m2"] for c in data["conflicts"] if c["zone_id"] == zone_id)
        assert table == pytest.approx(expected, rel=REL, abs=1e-6)
        out = written.loc[written["DYBH"] == zone_id, "area_m2"].sum()  # the zones' own field
        assert out == pytest.approx(expected, rel=REL, abs=1e-6)
    (piece_a,) = [c for c in data["conflicts"] if c["zone_id"] == "A"]
    named = {f"{FARMLAND}#{i}" for i, box in enumerate(boxes) if box.intersection(_zone("A")).area}
    assert set(piece_a["constraint_ids"].split(", ")) == named  # every feature involved named


def test_a_lonlat_constraint_is_moved_into_the_zones_gk_frame():
    """A lon/lat constraint around zone A (50 m margin) and over a 50 m strip of B1 and B2.

    The zones have more features: the cut is made in EPSG:4544, the constraint
    moved there with its edges densified; A lies wholly inside it, so A's
    occupied area is A's own area of record, exactly.
    """
    ring = _box(-50.0, -50.0, 1250.0, 1050.0)
    to_lonlat = gpd.GeoSeries([ring], crs=GK).to_crs(4326)
    farmland = gpd.GeoDataFrame({"id": ["F"]}, geometry=list(to_lonlat), crs=4326)
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # CGCS2000 GK and WGS84 lon/lat: one datum, no warning
        report = run_checks({"zones": _zones(), FARMLAND: farmland}, targets=(), rules=[rule])
    rows = report.rules.set_index("id")
    assert rows.loc["A", "occupied_m2"] == pytest.approx(oracle_area_m2(_zone("A")), rel=REL)
    strip_m2 = oracle_area_m2(_box(1200.0, 0.0, 1250.0, 500.0))
    assert rows.loc["B1", "occupied_m2"] == pytest.approx(strip_m2, rel=1e-3)
    assert report.conflicts.crs.to_epsg() == 4326


def _farmland_by_class_report(farmland: gpd.GeoDataFrame):
    rule = constraint_rule("must_not_occupy", FARMLAND, "zones", 1.0)
    layers = {"zones": _zones(), FARMLAND: farmland}
    return run_checks(layers, targets=(), rules=[rule], class_field="YDYHFLDM")


def _class_lands(farmland: gpd.GeoDataFrame) -> dict[str, shapely.Geometry]:
    """Each class's land, cut in EPSG:4544; a place two classes cover goes to the earlier code."""
    lands, before = {}, shapely.Polygon()
    for code in sorted(set(farmland["YDYHFLDM"])):
        land = shapely.union_all(farmland.geometry[farmland["YDYHFLDM"] == code].to_numpy())
        lands[code] = land.difference(before)
        before = before.union(land)
    return lands


@pytest.mark.parametrize("extra", [False, True], ids=["survey-parcels", "with-overlaps"])
def test_occupied_area_per_zone_and_class_is_decided_in_the_survey_frame(extra):
    """Zones x farmland parcels whose corners lie on the zones' long edges (no vertex there)."""
    farmland = _farmland()
    if extra:  # a 0101 feature over a 0103 parcel, and a duplicate parcel
        more = gpd.GeoDataFrame(
            {"id": ["X1", "N05-dup"], "YDYHFLDM": ["0101", "0103"]},
            geometry=[_box(300.0, 100.0, 1300.0, 400.0), farmland.geometry.iloc[1]],
            crs=GK,
        )
        farmland = (
            gpd.GeoDataFrame(
                np.concatenate(
                    [farmland[["id", "YDYHFLDM", "geometry"]].to_numpy(), more.to_numpy()]
                ),
                columns=["id", "YDYHFLDM", "geometry"],
            )
            .set_geometry("geometry")
            .set_crs(GK)
        )
    report = _farmland_by_class_report(farmland)
    land = shapely.union_all(farmland.geometry.to_numpy())
    rows = report.rules.set_index("id")
    pieces = report.conflicts
    by_class = report._conflicts_by_class().set_index(["zone_id", "class_code"])
    lands = _class_lands(farmland)
    for zone_id in ("A", "B1", "B2"):
        whole = _occupied_oracle_m2(zone_id, land)
        assert rows.loc[zone_id, "occupied_m2"] == pytest.approx(whole, rel=REL)
        mine = pieces[pieces["zone_id"] == zone_id]
        assert mine["area_m2"].sum() == pytest.approx(whole, rel=REL)  # reconciled to the rule
        for code, class_land in lands.items():
            raw = _occupied_oracle_m2(zone_id, class_land)
            got = mine.loc[mine["class_code"] == code, "area_raw_m2"]
            if raw == 0:
                assert got.empty
                continue
            assert float(got.iloc[0]) == pytest.approx(raw, rel=REL)
            assert by_class.loc[(zone_id, code), "area_raw_m2"] == pytest.approx(raw, rel=REL)
        assert (mine["largest_adjustment_m2"] <= 1e-6 * whole).all()
    b2 = pieces[pieces["zone_id"] == "B2"]
    assert list(b2["class_code"]) == ["0103"]  # N05 only: no sliver of the S parcels below
    named = {"N05", "N05-dup"} if extra else {"N05"}
    assert set(b2["constraint_ids"].iloc[0].split(", ")) == named  # every feature involved


def _check_json(tmp_path, capsys, suffix: str) -> dict:
    tmp_path.mkdir()
    zones, farmland = tmp_path / f"zones.{suffix}", tmp_path / f"farmland.{suffix}"
    for gdf, path in ((survey_zones(), zones), (_farmland(), farmland)):
        if suffix == "parquet":
            gdf.to_parquet(path)
        else:
            gdf.to_file(path)
    args = _files(tmp_path)
    args[args.index("--zones") + 1] = str(zones)
    assert main([*args, "--constraint", f"{FARMLAND}={farmland}"]) == 1
    return json.loads(capsys.readouterr().out)


def test_geopackage_shapefile_and_geoparquet_copies_give_the_same_check(tmp_path, capsys):
    """The same survey layers in three formats: the same rows and pieces.

    A Shapefile stores its rings clockwise, so a cut may start at another
    vertex: figures agree to the last bits (1e-12), not bit for bit.
    """
    got = {s: _check_json(tmp_path / s, capsys, s) for s in ("gpkg", "shp", "parquet")}
    for suffix in ("shp", "parquet"):
        for table in ("targets", "rules", "conflicts"):
            for mine, theirs in zip(got["gpkg"][table], got[suffix][table], strict=True):
                assert mine.keys() == theirs.keys()
                for key, value in mine.items():
                    if isinstance(value, float):
                        assert theirs[key] == pytest.approx(value, rel=1e-12, abs=1e-12)
                    else:
                        assert theirs[key] == value, (suffix, table, key)
