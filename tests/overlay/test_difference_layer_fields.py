"""``overlay --op difference`` written as a layer keeps A's fields and writes no empty geometry.

Synthetic (示例数据) survey of ``tests/survey.py`` (EPSG:4544, ids ``BSM``, classes
``YDYHFLDM`` and their names ``YDYHFLMC``); B is a farmland box over S01..S03 that
wholly covers S02 (x 450..750 m, y 0..500 m). PostGIS's ``ST_Difference`` with
``NOT ST_IsEmpty`` gives every parcel but S02; the table (CSV) still lists S02 with 0.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import X0, Y0, survey_parcels

from spatial.cli import main

NAMES = {"0701": "城镇住宅用地", "1001": "铁路用地", "0103": "旱地", "0101": "水田",
         "0702": "农村宅基地", "1207": "城镇村道路用地"}  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    parcels = survey_parcels()
    parcels["YDYHFLMC"] = parcels["YDYHFLDM"].map(NAMES)
    parcels.to_file(tmp_path / "landuse.gpkg")
    parcels.to_file(tmp_path / "landuse.geojson")  # read whole: the plain path
    farmland = gpd.GeoDataFrame(
        {"BSM": ["F1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(X0 + 300.0, Y0, X0 + 900.0, Y0 + 500.0)],
        crs="EPSG:4544",
    )
    farmland.to_file(tmp_path / "farmland.gpkg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("a", ["landuse.gpkg", "landuse.geojson"])
def test_layer_keeps_fields_and_drops_wholly_removed(
    folder: Path, capsys: pytest.CaptureFixture[str], a: str
) -> None:
    argv = ["overlay", a, "farmland.gpkg", "--op", "difference"]
    assert main([*argv, "--out", "d.gpkg"]) == 0
    err = capsys.readouterr().err
    assert (
        "spatial overlay: note: 1 feature(s) of A lie wholly inside B: no row of the layer "
        "(the table lists them, area_km2 0)\n"
    ) in err
    layer = gpd.read_file(folder / "d.gpkg", layer="difference")
    parcels = survey_parcels()
    assert list(layer.columns)[:6] == [
        "BSM",
        "YDYHFLDM",
        "note",
        "YDYHFLMC",
        "area_km2",
        "share_of_a",
    ]
    assert list(layer["BSM"]) == [b for b in parcels["BSM"] if b != "S02"]
    assert not layer.geometry.is_empty.any() and layer.crs.to_epsg() == 4544
    by_id = layer.set_index("BSM")
    for bsm, code in zip(parcels["BSM"], parcels["YDYHFLDM"], strict=True):
        if bsm != "S02":
            assert by_id.loc[bsm, "YDYHFLDM"] == code and by_id.loc[bsm, "YDYHFLMC"] == NAMES[code]
    # S01 (x 150..450) keeps x 150..300 and S03 (x 750..1050) keeps x 900..1050: planar, in GK
    assert by_id.loc["S01", "geometry"].area == pytest.approx(150.0 * 500.0, rel=1e-9)
    assert by_id.loc["S03", "geometry"].area == pytest.approx(150.0 * 500.0, rel=1e-9)
    assert main([*argv, "--format", "csv", "--out", "d.csv"]) == 0
    with (folder / "d.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = {r["BSM"]: r for r in csv.DictReader(f)}
    assert list(next(iter(rows.values()))) == ["BSM", "area_km2", "share_of_a"]  # as before
    assert float(rows["S02"]["area_km2"]) == 0.0 and len(rows) == len(parcels)
    for bsm in ("S01", "S03", "N00"):  # the layer's measures are the table's
        assert by_id.loc[bsm, "area_km2"] == pytest.approx(float(rows[bsm]["area_km2"]), rel=1e-12)


def test_geojson_layer_has_no_empty_geometry(folder: Path) -> None:
    argv = ["overlay", "landuse.gpkg", "farmland.gpkg", "--op", "difference", "--out", "d.geojson"]
    assert main(argv) == 0
    layer = gpd.read_file(folder / "d.geojson")
    assert "S02" not in set(layer["BSM"]) and layer.geometry.notna().all()
    assert {"YDYHFLDM", "YDYHFLMC", "note"} <= set(layer.columns)
