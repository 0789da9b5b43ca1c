"""A constraint layer's features are named by its own id field (``BSM``), as ``qc`` names them.

A planner's 永久基本农田 file carries its ids in ``BSM``, not in a field named
``id``; ``check --constraint`` numbered its features ``永久基本农田#3`` while ``qc``
named the same broken parcel by its ``BSM``. Synthetic data (示例数据,
``tests/survey.py``): the survey's farmland parcels, one of them made a bow-tie.
"""

from __future__ import annotations

import shapely
from survey import survey_parcels, survey_zones

from spatial.cli import main

FARMLAND = "永久基本农田"


def _bowtie_farmland():
    """Farmland parcels (ids ``BSM``) with the fourth one a self-intersecting bow-tie."""
    parcels = survey_parcels()
    farmland = parcels[parcels["YDYHFLDM"].isin(["0101", "0103"])].reset_index(drop=True)
    x1, y1, x2, y2 = farmland.geometry[3].bounds
    farmland.loc[3, "geometry"] = shapely.Polygon([(x1, y1), (x2, y2), (x2, y1), (x1, y2)])
    return farmland


def test_a_broken_constraint_feature_is_named_by_its_bsm(tmp_path, capsys):
    farmland = _bowtie_farmland()
    bsm = str(farmland["BSM"][3])
    zones, land = tmp_path / "zones.gpkg", tmp_path / "farmland.shp"
    survey_zones().to_file(zones)
    farmland.to_file(land, encoding="utf-8")
    args = ["check", "--zones", str(zones), "--id-field", "zones=DYBH"]
    assert main([*args, "--constraint", f"{FARMLAND}={land}"]) == 2
    err = capsys.readouterr().err
    assert f"feature {bsm}: invalid geometry: Self-intersection" in err
    assert f"{FARMLAND}#" not in err


def test_a_constraint_without_a_usable_id_field_is_still_numbered(tmp_path, capsys):
    farmland = _bowtie_farmland()
    farmland["BSM"] = "same"  # not unique: no id field to name them by
    zones, land = tmp_path / "zones.gpkg", tmp_path / "farmland.gpkg"
    survey_zones().to_file(zones)
    farmland.to_file(land)
    args = ["check", "--zones", str(zones), "--id-field", "zones=DYBH"]
    assert main([*args, "--constraint", f"{FARMLAND}={land}"]) == 2
    assert f"feature {FARMLAND}#3: invalid geometry" in capsys.readouterr().err
