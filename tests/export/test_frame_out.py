"""Layers written in the planner's frame and with their field names (issue 19, item 4).

Zones from ``tests/survey.py`` (EPSG:4544, ids ``DYBH``, names ``DYMC``; synthetic
示例数据) are checked with ``--out plan.gpkg`` and read back with pyogrio: the
layers are in EPSG:4544 (or ``--out-crs``), their coordinates the file's own,
``DYBH`` and ``DYMC`` kept with the toolkit's columns beside them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from spatial.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from survey import GK, survey_parcels, survey_zones


@pytest.fixture
def zones_gk(tmp_path: Path) -> Path:
    path = tmp_path / "zones_gk.shp"
    survey_zones().to_file(path, encoding="utf-8")
    return path


def _same(a: shapely.Geometry, b: shapely.Geometry, tolerance: float) -> bool:
    """The same shape to ``tolerance`` (CRS units), whatever the ring's start and direction."""
    return bool(shapely.hausdorff_distance(a, b) < tolerance)


def _plan(folder: Path, zones: tuple[str, ...] = ("A", "B1", "B2")) -> str:
    """Write a plan of the planner's with a target on each of ``zones`` (their area, km²)."""
    km2 = {"A": 1.2, "B1": 0.6, "B2": 0.6}
    plan = folder / "mine.toml"
    plan.write_text(
        "\n".join(
            f'[[targets]]\nid = "{z}"\nlayer = "zones"\nname_zh = "{z}"\n'
            f'value = {km2.get(z, 1.0)}\nunit = "km2"\ntolerance_pct = 1.0\n'
            for z in zones
        ),
        encoding="utf-8",
    )
    return str(plan)


def _check(zones: Path, out: Path, *extra: str) -> int:
    call = ["check", "--zones", str(zones), "--id-field", "zones=DYBH"]
    call += ["--name-field", "zones=DYMC"]
    return main([*call, "--out", str(out), *extra])


def test_check_out_gpkg_is_in_the_inputs_crs_with_their_fields(zones_gk, tmp_path, capsys):
    out = tmp_path / "plan.gpkg"
    assert _check(zones_gk, out, "--plan", _plan(tmp_path)) == 0
    zones = gpd.read_file(out, layer="zones", engine="pyogrio")
    assert zones.crs.to_epsg() == 4544
    assert {"DYBH", "DYMC", "status"} <= set(zones.columns)
    assert "id" not in zones.columns and "name_zh" not in zones.columns
    given = survey_zones().set_index("DYBH")
    for row in zones.itertuples():
        expected = given.loc[row.DYBH]
        assert row.DYMC == expected.DYMC
        # back in their frame: the very coordinates of the file, to a millimetre
        assert _same(row.geometry, expected.geometry, 1e-3)
    assert sorted(zones.geometry.area.round(1)) == [600_000.0, 600_000.0, 1_200_000.0]
    for layer in ("targets", "zones"):
        assert pyogrio.read_info(out, layer=layer)["crs"] == "EPSG:4544"
    # the targets (all on the zones here) name their features' ids as the zones do
    targets = gpd.read_file(out, layer="targets", engine="pyogrio")
    assert "DYBH" in targets.columns and "id" not in targets.columns


def test_out_crs_overrides_the_inputs_crs(zones_gk, tmp_path):
    out = tmp_path / "plan.gpkg"
    assert _check(zones_gk, out, "--out-crs", "EPSG:4490") in (0, 1)
    zones = gpd.read_file(out, layer="zones", engine="pyogrio")
    assert zones.crs.to_epsg() == 4490
    expected = survey_zones().to_crs("EPSG:4490").set_index("DYBH")
    for row in zones.itertuples():
        assert _same(row.geometry, expected.loc[row.DYBH].geometry, 1e-8)


def test_a_bad_out_crs_is_one_line_exit_2(zones_gk, tmp_path, capsys):
    assert _check(zones_gk, tmp_path / "plan.gpkg", "--out-crs", "EPSG:nope") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out-crs EPSG:nope: not a CRS" in err[0]
    assert not (tmp_path / "plan.gpkg").exists()


def test_conflict_pieces_are_in_the_inputs_crs(zones_gk, tmp_path):
    farmland = tmp_path / "farmland.gpkg"
    parcels = survey_parcels()
    parcels[parcels["YDYHFLDM"].str.startswith("01")].to_file(farmland, engine="pyogrio")
    pieces_out = tmp_path / "conflicts.gpkg"
    code = _check(
        zones_gk,
        tmp_path / "plan.csv",
        "--constraint",
        f"farmland={farmland}",
        "--conflicts-out",
        str(pieces_out),
    )
    assert code in (0, 1)
    pieces = gpd.read_file(pieces_out, layer="conflicts", engine="pyogrio")
    assert pieces.crs.to_epsg() == 4544
    assert len(pieces) > 0
    # the pieces lie on the farmland, in metres: their area is a part of it
    farm = shapely.union_all(gpd.read_file(farmland).geometry.values)
    assert pieces.geometry.area.sum() == pytest.approx(
        shapely.intersection(farm, shapely.union_all(survey_zones().geometry.values)).area,
        rel=1e-6,
    )


def test_inputs_in_several_crs_are_written_in_lonlat_and_said(zones_gk, tmp_path, capsys):
    lonlat = tmp_path / "clusters.geojson"
    survey_zones().rename(columns={"DYBH": "id"}).to_crs("EPSG:4326").to_file(lonlat)
    out = tmp_path / "plan.gpkg"
    call = ["check", "--zones", str(zones_gk), "--id-field", "zones=DYBH"]
    code = main([*call, "--clusters", str(lonlat), "--out", str(out)])
    assert code in (0, 1)
    assert "several CRS" in capsys.readouterr().err
    assert gpd.read_file(out, layer="zones", engine="pyogrio").crs.to_epsg() == 4326
    assert GK == "EPSG:4544"


def test_overlay_difference_layer_in_their_crs_and_geojson_in_lonlat(zones_gk, tmp_path, capsys):
    parcels = tmp_path / "parcels.gpkg"
    south = survey_parcels()  # south of the road only: the zones' northern halves are left
    south[south.geometry.bounds["maxy"] <= south.geometry.bounds["miny"].min() + 500.5].to_file(
        parcels, engine="pyogrio"
    )
    out = tmp_path / "diff.gpkg"
    call = ["overlay", str(zones_gk), str(parcels), "--op", "difference"]
    assert main([*call, "--id-field", "zones_gk=DYBH", "--out", str(out)]) == 0
    layer = gpd.read_file(out, layer="difference", engine="pyogrio")
    assert layer.crs.to_epsg() == 4544
    # in metres, within the zones' extent (EPSG:4544 bounds, to a metre)
    x0, y0, x1, y1 = survey_zones().total_bounds
    bx0, by0, bx1, by1 = layer.total_bounds
    assert x0 - 1 <= bx0 <= bx1 <= x1 + 1 and y0 - 1 <= by0 <= by1 <= y1 + 1
    geojson = tmp_path / "diff.geojson"
    capsys.readouterr()
    code = main([*call, "--id-field", "zones_gk=DYBH", "--out", str(geojson), "--out-crs", GK])
    assert code == 0
    assert "GeoJSON is lon/lat (EPSG:4326, RFC 7946)" in capsys.readouterr().err
    assert gpd.read_file(geojson).total_bounds[0] == pytest.approx(106.2, abs=0.1)


def test_diff_pieces_in_their_crs(tmp_path):
    old, new = tmp_path / "old.gpkg", tmp_path / "new.gpkg"
    from survey import survey_parcels_revised  # noqa: PLC0415

    survey_parcels().to_file(old, engine="pyogrio")
    survey_parcels_revised().to_file(new, engine="pyogrio")
    pieces = tmp_path / "pieces.gpkg"
    call = ["diff", str(old), str(new), "--id-field", "BSM", "--no-checks"]
    code = main([*call, "--pieces-out", str(pieces)])
    assert code in (0, 1)
    assert gpd.read_file(pieces, layer="diff_pieces", engine="pyogrio").crs.to_epsg() == 4544
    code = main([*call, "--pieces-out", str(pieces), "--out-crs", "EPSG:4490"])
    assert code in (0, 1)
    assert gpd.read_file(pieces, layer="diff_pieces", engine="pyogrio").crs.to_epsg() == 4490


def test_check_out_gdb_in_their_crs_with_unfound_targets_as_a_table(zones_gk, tmp_path):
    out = tmp_path / "plan.gdb"
    unfound = _plan(tmp_path, ("C1", "C2", "C3", "C4", "C5"))  # no feature of their zones
    assert _check(zones_gk, out, "--plan", unfound) == 1
    zones = pyogrio.read_info(out, layer="zones")
    assert zones["crs"] == "EPSG:4544" and {"DYBH", "DYMC", "status"} <= set(zones["fields"])
    targets = pyogrio.read_info(out, layer="targets")  # no geometry at all: a table
    assert targets["geometry_type"] is None and targets["features"] == 5


def test_their_plan_writes_their_layers_only(zones_gk, tmp_path):
    """Only where the bundled plan judges do its reference layers (district, corridor...) go out."""
    from spatial.io.layers import bundled_layer_path  # noqa: PLC0415

    bundled, alone, theirs = (tmp_path / f"{n}.gpkg" for n in ("bundled", "alone", "theirs"))
    revised = gpd.read_file(bundled_layer_path("zones")).to_crs(GK)  # the bundled ids: judged
    revised.to_file(tmp_path / "revised.gpkg")
    assert main(["check", "--zones", str(tmp_path / "revised.gpkg"), "--out", str(bundled)]) == 0
    assert {"district", "corridor"} <= set(pyogrio.list_layers(bundled)[:, 0])  # can fail
    layers = ["layer_styles", "rules", "targets", "zones"]
    assert _check(zones_gk, alone) == 0  # the bundled plan judges none of their zones
    assert sorted(pyogrio.list_layers(alone)[:, 0]) == layers
    assert _check(zones_gk, theirs, "--plan", _plan(tmp_path)) == 0
    assert sorted(pyogrio.list_layers(theirs)[:, 0]) == layers
