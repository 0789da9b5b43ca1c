"""The pages, maps, 质检 control check and conflict split move CGCS2000 ↔ lon/lat by one route.

``spatial.crs.reproject`` (PROJ's pipeline to or from CGCS2000's own lon/lat,
EPSG:4490, its transformer built once a process) in place of ``to_crs`` in
``webmap/``, ``publish/``, ``qc/control.py`` and ``review/occupied.py``. Every call
those modules make while the commands run on the synthetic (示例数据) EPSG:4544
survey of ``tests/survey.py`` is shadowed here by geopandas' own ``to_crs`` and
the two compared bit for bit (WKB): the pages and layers they feed hold the same
coordinates as before. (The pages themselves carry their time and random ids, so
their bytes differ run to run either way.)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from survey import GK, survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main
from spatial.qc import inspect

MODULES = (
    "spatial.webmap.build",
    "spatial.webmap.compare",
    "spatial.webmap.geojson",
    "spatial.publish.atlas",
    "spatial.publish.sheet",
    "spatial.qc.control",
    "spatial.review.occupied",
)
CONTROL_PACK = """
[pack]
name = "control"

[rules.unit_area]
kind = "control_area_mismatch"
severity = "error"
source = "《第二次全国土地调查数据库面积汇总统计规定》: a unit's control area = the sum of its 图斑"
control_layer = "units"
unit_field = "ZLDWDM"
control_id_field = "DYBH"
"""


def _wkb(layer: Any) -> list[bytes]:
    return list(shapely.to_wkb(np.asarray(layer.geometry.array, dtype=object)))


class Shadow:
    """Each module's ``reproject`` calls, each checked against ``to_crs`` bit for bit."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = dict.fromkeys(MODULES, 0)
        self.pairs: set[tuple[int | None, int | None]] = set()

    def wrap(self, module: str, route: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def checked(layer: Any, crs: Any) -> Any:
            moved = route(layer, crs)
            plain = layer.to_crs(crs)
            assert _wkb(moved) == _wkb(plain), module
            assert CRS.from_user_input(moved.crs).equals(plain.crs), module
            self.calls[module] += 1
            self.pairs.add((CRS.from_user_input(layer.crs).to_epsg(), plain.crs.to_epsg()))
            return moved

        return checked


@pytest.fixture
def shadow(monkeypatch: pytest.MonkeyPatch) -> Shadow:
    seen = Shadow()
    for name in MODULES:
        module = importlib.import_module(name)
        monkeypatch.setattr(module, "reproject", seen.wrap(name, module.reproject))
    return seen


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    survey_zones().to_file(tmp_path / "zones.gpkg")
    parcels = survey_parcels()
    parcels.to_file(tmp_path / "parcels.gpkg")
    survey_parcels_revised().to_file(tmp_path / "revised.gpkg")
    farm = parcels[parcels["YDYHFLDM"] == "0101"].drop(columns=["YDYHFLDM"])
    farm.to_file(tmp_path / "farm.gpkg")
    (tmp_path / "control.toml").write_text(CONTROL_PACK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _units_in_lonlat() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The parcels cut by the zones (their unit in ZLDWDM), and the zones in EPSG:4326."""
    cut = gpd.overlay(survey_parcels(), survey_zones(), how="intersection", keep_geom_type=True)
    cut["BSM"] = cut["BSM"] + "-" + cut["DYBH"]
    cut = cut.rename(columns={"DYBH": "ZLDWDM", "note_1": "note"})
    return cut[["BSM", "ZLDWDM", "note", "geometry"]], survey_zones().to_crs(4326)


def test_every_move_is_the_same_floats_as_to_crs(
    folder: Path, shadow: Shadow, capsys: pytest.CaptureFixture[str]
) -> None:
    farm = ["--constraint", "永久基本农田=farm.gpkg"]
    assert main(["map", "--offline", "--zones", "zones.gpkg", "--out", "m.html"]) == 0
    assert (
        main(["report", "--zones", "zones.gpkg", *farm, "--out", "r.html", "--pdf", "r.pdf"]) == 1
    )
    review = ["review", "--zones", "zones.gpkg", "--landuse", "parcels.gpkg", *farm]
    assert main([*review, "--class-field", "YDYHFLDM", "--out", "rv"]) == 1
    assert (
        main(["diff", "parcels.gpkg", "revised.gpkg", "--id-field", "BSM", "--map", "d.html"]) == 0
    )
    capsys.readouterr()
    parcels, units = _units_in_lonlat()
    layers = {"parcels.gpkg": parcels, "units.gpkg": units}
    findings = inspect(layers, id_field="BSM", packs=[str(folder / "control.toml")]).findings
    assert not [f for f in findings if f.rule == "unit_area"]  # the units moved, none off
    assert {name: n > 0 for name, n in shadow.calls.items()} == dict.fromkeys(MODULES, True)
    gk = CRS.from_user_input(GK).to_epsg()
    assert {(gk, 4326), (4326, gk)} <= shadow.pairs  # both ways between CGCS2000 and lon/lat
