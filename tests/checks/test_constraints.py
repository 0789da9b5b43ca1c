"""三区三线 constraint rules: must_not_occupy and must_lie_within, known by hand."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from strip_reference import area_m2 as strip_reference_m2
from tiny_geoms import cell, quadrangle_area_m2

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.measure.area import ellipsoidal_area_m2

#: A 0.01° cell wholly inside zone-kcxz and no other zone.
INSIDE_KCXZ = (106.197, 29.620, 106.207, 29.630)
#: A cell far from every zone.
AWAY = (106.05, 29.40, 106.06, 29.41)
DRIVERS = {"geojson": "GeoJSON", "gpkg": "GPKG", "shp": "ESRI Shapefile"}


def _m2(geom) -> float:
    return float(ellipsoidal_area_m2(gpd.GeoSeries([geom], crs=4326))[0])


def _write(tmp_path, name, boxes, suffix="geojson", ids=True):
    props = (
        {"id": [f"{name}-{i + 1}" for i in range(len(boxes))]} if ids else {"n": [1] * len(boxes)}
    )
    gdf = gpd.GeoDataFrame(props, geometry=[cell(*b) for b in boxes], crs=4326)
    path = tmp_path / f"{name}.{suffix}"
    gdf.to_file(path, driver=DRIVERS[suffix])
    return str(path)


def _rows(capsys, kind):
    data = json.loads(capsys.readouterr().out)
    return {r["id"]: r for r in data["rules"] if r["kind"] == kind}, data


@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "shp"])
def test_occupied_area_is_the_known_overlap_and_fails(suffix, tmp_path, capsys):
    redline = _write(tmp_path, "redline", [INSIDE_KCXZ], suffix)
    assert main(["check", "--constraint", f"生态保护红线={redline}", "--format", "json"]) == 1
    rows, _ = _rows(capsys, "must_not_occupy")
    kcxz = rows["zone-kcxz"]
    assert (kcxz["constraint"], kcxz["status"]) == ("生态保护红线", "FAIL")
    assert kcxz["occupied_m2"] == pytest.approx(_m2(cell(*INSIDE_KCXZ)), rel=1e-9)
    assert kcxz["occupied_m2"] == pytest.approx(quadrangle_area_m2(*INSIDE_KCXZ), rel=1e-6)
    others = [r for i, r in rows.items() if i != "zone-kcxz"]
    assert len(others) == 4 and all(r["status"] == "PASS" and r["occupied_m2"] == 0 for r in others)


def test_no_overlap_passes_and_the_tolerance_is_in_m2(tmp_path, capsys):
    away = _write(tmp_path, "away", [AWAY])
    assert main(["check", "--constraint", f"永久基本农田={away}", "--format", "json"]) == 0
    rows, _ = _rows(capsys, "must_not_occupy")
    assert {r["status"] for r in rows.values()} == {"PASS"}
    redline = _write(tmp_path, "redline", [INSIDE_KCXZ])
    area = _m2(cell(*INSIDE_KCXZ))
    for tolerance, code in ((area * 1.001, 0), (area * 0.999, 1)):
        args = [
            "check",
            "--constraint",
            f"生态保护红线={redline}",
            "--tolerance-m2",
            str(tolerance),
        ]
        assert main([*args, "--format", "json"]) == code
        capsys.readouterr()


def test_must_lie_within_reports_the_area_outside(tmp_path, capsys):
    ukb = _write(tmp_path, "ukb", [INSIDE_KCXZ], ids=False)  # ids made up from the name
    assert main(["check", "--within", f"城镇开发边界={ukb}", "--format", "json"]) == 1
    rows, data = _rows(capsys, "must_lie_within")
    zones = read_layer(bundled_layer_path("zones"))
    kcxz = zones.geometry[zones.id == "zone-kcxz"].iloc[0]
    expected = _m2(kcxz.difference(cell(*INSIDE_KCXZ)))
    assert rows["zone-kcxz"]["outside_m2"] == pytest.approx(expected, rel=1e-9)
    assert rows["zone-kcxz"]["outside_m2"] == pytest.approx(
        _m2(kcxz) - _m2(cell(*INSIDE_KCXZ)), rel=1e-9
    )
    assert all(r["status"] == "FAIL" for r in rows.values())
    assert "conflicts" in data


def test_a_rules_file_states_the_kind_and_its_own_tolerance(tmp_path, capsys):
    redline = _write(tmp_path, "redline", [INSIDE_KCXZ])
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rules]]\nid = "redline"\nkind = "must_not_occupy"\nlayer = "zones"\n'
        'ids = ["zone-kcxz"]\nconstraint_layer = "生态保护红线"\nmax_occupied_m2 = 2e6\n',
        encoding="utf-8",
    )
    args = ["check", "--rules", str(rules), "--constraint", f"生态保护红线={redline}"]
    assert main([*args, "--format", "json"]) == 0  # 1.07 km² is under the file's 2 km²
    rows, _ = _rows(capsys, "must_not_occupy")
    assert list(rows) == ["zone-kcxz"] and rows["zone-kcxz"]["rule"] == "redline"
    assert main(["check", "--rules", str(rules), "--format", "json"]) == 1  # layer not given
    assert "constraint layer 生态保护红线 not given" in capsys.readouterr().err


def test_conflict_pieces_as_a_layer_with_ids_and_classes(tmp_path, capsys):
    redline = _write(tmp_path, "redline", [INSIDE_KCXZ, AWAY])
    out = tmp_path / "conflicts.gpkg"
    args = ["check", "--constraint", f"生态保护红线={redline}", "--conflicts-out", str(out)]
    assert main([*args, "--format", "json"]) == 1
    _, data = _rows(capsys, "must_not_occupy")
    pieces = gpd.read_file(out, layer="conflicts")
    assert len(pieces) == 1
    piece = pieces.iloc[0]
    assert (piece.zone_id, piece.constraint_ids, piece.constraint) == (
        "zone-kcxz",
        "redline-1",
        "生态保护红线",
    )
    assert piece.area_m2 == pytest.approx(_m2(cell(*INSIDE_KCXZ)), rel=1e-9)
    assert piece.area_mu == pytest.approx(piece.area_m2 * 15 / 10_000, rel=1e-12)
    assert data["conflicts"][0]["area_m2"] == pytest.approx(piece.area_m2, rel=1e-12)


def test_conflicts_per_land_use_class(tmp_path, capsys):
    # two parcels under the red line, of two classes: the occupied area per class
    w, s, e, n = INSIDE_KCXZ
    mid = (w + e) / 2
    parcels = gpd.GeoDataFrame(
        {"id": ["p1", "p2"], "YDYHFLDM": ["0101", "1001"]},
        geometry=[cell(w, s, mid, n), cell(mid, s, e, n)],
        crs=4326,
    )
    parcels_path = tmp_path / "parcels.gpkg"
    parcels.to_file(parcels_path)
    redline = _write(tmp_path, "redline", [(w, s, mid + 0.0025, n)])
    args = ["check", "--zones", str(parcels_path), "--constraint", f"生态保护红线={redline}"]
    assert main([*args, "--format", "json"]) == 1
    _, data = _rows(capsys, "must_not_occupy")
    by_class = {c["class_code"]: c["area_m2"] for c in data["conflicts"]}
    assert by_class["0101"] == pytest.approx(_m2(cell(w, s, mid, n)), rel=1e-9)
    assert by_class["1001"] == pytest.approx(_m2(cell(mid, s, mid + 0.0025, n)), rel=1e-9)
    assert main([*args]) == 1  # headed by what the class is: the zones' own YDYHFLDM
    assert "Constraint conflicts by zone and the zones layer's class YDYHFLDM" in (
        capsys.readouterr().out
    )


def test_duplicate_constraint_features_are_land_counted_once(tmp_path, capsys):
    """Two identical features over half of zone-kcxz's cell, and one overlapping both.

    The rule, the per-class table and --conflicts-out all give the area of the
    constraint's land (their union) inside the zone, never the sum of the features'.
    """
    w, s, e, n = INSIDE_KCXZ
    mid = (w + e) / 2
    boxes = [(w, s, mid, n), (w, s, mid, n), ((w + mid) / 2, s, (mid + e) / 2, n)]
    farmland = _write(tmp_path, "farmland", boxes)
    out = tmp_path / "conflicts.gpkg"
    args = ["check", "--constraint", f"永久基本农田={farmland}", "--conflicts-out", str(out)]
    assert main([*args, "--format", "json"]) == 1
    rows, data = _rows(capsys, "must_not_occupy")
    expected = strip_reference_m2(cell(w, s, (mid + e) / 2, n))  # the union, measured apart
    assert rows["zone-kcxz"]["occupied_m2"] == pytest.approx(expected, rel=1e-9)
    table = [c for c in data["conflicts"] if c["zone_id"] == "zone-kcxz"]
    assert sum(c["area_m2"] for c in table) == pytest.approx(expected, rel=1e-9)
    assert table[0]["constraint_ids"] == "farmland-1, farmland-2, farmland-3"
    pieces = gpd.read_file(out, layer="conflicts")
    assert pieces["area_m2"].sum() == pytest.approx(expected, rel=1e-9)
    assert main(args) == 1
    printed = capsys.readouterr().out.split("Constraint conflicts by zone\n")[1]  # no class
    assert f"{expected:.4f}" in printed and f"{2 * expected:.4f}" not in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--constraint", "redline.gpkg"], "expected NAME=PATH"),
        (["--constraint", "zones=x.gpkg"], "already a layer's name"),
        (["--conflicts-out", "c.gpkg"], "--conflicts-out needs --constraint"),
        (["--within", "城镇开发边界=missing.gpkg"], "file not found"),
    ],
)
def test_bad_calls_exit_2(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if "zones=x.gpkg" in args:
        _write(tmp_path, "x", [AWAY], "gpkg")
    assert main(["check", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_named_zone_that_is_missing_fails_with_the_reason(tmp_path, capsys):
    redline = _write(tmp_path, "redline", [AWAY])
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rules]]\nid = "redline"\nkind = "must_not_occupy"\nlayer = "zones"\n'
        'ids = ["zone-kcxz", "zone-nowhere"]\nconstraint_layer = "生态保护红线"\n'
        "max_occupied_m2 = 1.0\n",
        encoding="utf-8",
    )
    args = ["check", "--rules", str(rules), "--constraint", f"生态保护红线={redline}"]
    assert main([*args, "--format", "json"]) == 1
    rows, _ = _rows(capsys, "must_not_occupy")
    assert rows["zone-kcxz"]["status"] == "PASS"
    assert rows["zone-nowhere"]["reason"] == "zone-nowhere not found in layer zones"
