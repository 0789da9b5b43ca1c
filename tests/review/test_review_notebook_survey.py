"""notebooks/review.ipynb on a planner's own project: DYBH zones, BSM land use, BSM 永久基本农田.

The project is the one ``spatial init`` writes for the survey layers of
``tests/survey.py`` (示例数据, :mod:`planner_review_folder`); the notebook's
``PROJECT`` and ``PREVIOUS`` lines are pointed at it, as a planner does, and it
runs top to bottom with every id and field taken from the project.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import nbformat
import pytest
import shapely
from planner_review_folder import PLAN, PROJECT
from survey import GK, oracle_area_m2, survey_parcels, survey_parcels_revised, survey_zones

from tests.notebooks import executed

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "review.ipynb"
EXAMPLE_PROJECT = 'PROJECT = Path("..") / "examples" / "own-plan" / "spatial.toml"'
EXAMPLE_PREVIOUS = 'Path("..") / "examples" / "review" / "landuse_existing.geojson"'


def _farmland(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one 永久基本农田 feature (BSM JBNT1) 300 m × 200 m inside zone A (示例数据)."""
    x0, y0 = zones.geometry[0].bounds[:2]
    return gpd.GeoDataFrame(
        {"BSM": ["JBNT1"], "note": ["示例数据 synthetic"]},
        geometry=[shapely.box(x0 + 100, y0 + 100, x0 + 400, y0 + 300)],
        crs=GK,
    )


def _write_project(folder: Path) -> gpd.GeoDataFrame:
    """Write the planner's project in ``folder``; return its 永久基本农田 layer."""
    zones = survey_zones()
    zones.to_file(folder / "zones.gpkg", layer="zones")
    survey_parcels_revised().to_file(folder / "landuse.gpkg", layer="landuse")
    survey_parcels().to_file(folder / "landuse_old.gpkg", layer="landuse_old")
    farmland = _farmland(zones)
    farmland.to_file(folder / "farmland.gpkg")
    (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    return farmland


def _pointed_at(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Return the notebook with its ▶ line at the project and PREVIOUS at the old land use."""
    first = notebook.cells[1].source
    assert EXAMPLE_PROJECT in first and EXAMPLE_PREVIOUS in first
    first = first.replace(EXAMPLE_PROJECT, f"PROJECT = Path({str(folder / 'spatial.toml')!r})")
    first = first.replace(EXAMPLE_PREVIOUS, f"Path({str(folder / 'landuse_old.gpkg')!r})")
    notebook.cells[1].source = first
    return notebook


def _texts(notebook: nbformat.NotebookNode) -> list[str]:
    """Each code cell's printed and shown text."""
    out = []
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        parts = [o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs]
        out.append("".join(parts))
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], gpd.GeoDataFrame]:
    folder = tmp_path_factory.mktemp("survey_project")
    farmland = _write_project(folder)
    (folder / "notebooks").mkdir()
    notebook = _pointed_at(nbformat.read(NOTEBOOK, as_version=4), folder)
    return _texts(executed(notebook, folder / "notebooks", timeout_s=300)), farmland


def test_notebook_reads_the_planners_layers(run):
    text, _ = run
    assert "'zones': 3" in text[0] and "'planned parcels': 19" in text[0]
    assert "'existing parcels': 18" in text[0]


def test_notebook_names_zone_ids_by_the_zones_field(run):
    text, _ = run
    for cell in (text[1], text[2], text[3]):  # balance, rules, conflicts
        header = cell.splitlines()[0]
        assert "DYBH" in header and "zone_id" not in header, header
    assert " id " not in text[2].splitlines()[0]


def test_notebook_checks_the_constraint_by_its_bsm_ids(run):
    text, farmland = run
    rows = text[2].splitlines()[1:]
    assert [r.split()[-1] for r in rows] == ["FAIL", "PASS", "PASS"]  # A occupies 永久基本农田
    expected_m2 = oracle_area_m2(farmland.geometry[0])  # the tests' own strip integral
    assert f"{expected_m2:.2f}" in text[3] and "永久基本农田" in text[3]


def test_notebook_compares_versions_by_bsm(run):
    text, _ = run
    header, *rows = text[4].splitlines()
    assert header.split()[0] == "BSM"
    by_id = {r.split()[1]: r.split()[2] for r in rows}
    assert by_id["N01"] == "attributes_changed"  # reclassified 1001 → 0701 (tests/survey.py)
    assert by_id["R"] == "removed" and by_id["R1"] == by_id["R2"] == "added"


def test_notebook_inspects_the_land_use_by_bsm(run):
    text, _ = run
    assert "'features': 19" in text[6] and "'findings': 0" in text[6]
    assert "review in" in text[7] and "review-out" in text[7]
