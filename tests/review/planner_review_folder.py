"""A new planner's review folder, for the tests of its pages (示例数据, tests/survey.py).

The project ``spatial init`` writes for DYBH/DYMC zones (A, B1, B2) and a
BSM/YDYHFLDM land use, with a plan whose targets are in 亩, 公顷 and km², a
永久基本农田 constraint (one rule failing in zone A, so the rules table has a
reason) and the previous version of the land use: ``spatial review --previous
landuse=landuse_old.gpkg --out review``.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import shapely
from survey import GK, survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main

__all__ = ["ZONES", "write_planner_review"]

#: The zones' ids (DYBH) and names (DYMC), in the layer's order.
ZONES = dict(zip(survey_zones()["DYBH"], survey_zones()["DYMC"], strict=True))

PLAN = """
[[targets]]
id = "A"
layer = "zones"
name_zh = "示例单元A"
value = 1800
unit = "mu"

[[targets]]
id = "B1"
layer = "zones"
name_zh = "示例单元B1"
value = 60
unit = "ha"

[[targets]]
id = "B2"
layer = "zones"
name_zh = "示例单元B2"
value = 0.6
unit = "km2"
"""
PROJECT = """
[project]
title = "示例单元规划"
plan = "plan.toml"

[layers.zones]
path = "zones.gpkg::zones"
id_field = "DYBH"
name_field = "DYMC"
crs = "EPSG:4544"

[landuse]
path = "landuse.gpkg::landuse"
class_field = "YDYHFLDM"
id_field = "BSM"
crs = "EPSG:4544"

[constraints."永久基本农田"]
path = "farmland.gpkg"
id_field = "BSM"
crs = "EPSG:4544"
"""


def write_planner_review(folder: Path) -> Path:
    """Write the project's layers in ``folder``, review it; return the review folder."""
    zones = survey_zones()
    zones.to_file(folder / "zones.gpkg", layer="zones")
    survey_parcels_revised().to_file(folder / "landuse.gpkg", layer="landuse")
    survey_parcels().to_file(folder / "landuse_old.gpkg", layer="landuse_old")
    x0, y0 = zones.geometry[0].bounds[:2]
    farmland = gpd.GeoDataFrame(
        {"BSM": ["JBNT1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(x0 + 100, y0 + 100, x0 + 400, y0 + 300)],
        crs=GK,
    )
    farmland.to_file(folder / "farmland.gpkg")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    out = folder / "review"
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        assert main(["review", "--previous", "landuse=landuse_old.gpkg", "--out", "review"]) == 1
    finally:
        os.chdir(cwd)
    return out
