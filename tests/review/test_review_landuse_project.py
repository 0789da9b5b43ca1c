"""``spatial review --landuse OTHER`` in a project: OTHER is read as the project's land use.

Another version of the land-use layer (a GeoJSON written without its CRS, ids in
``BSM``) takes the project's land-use id field and CRS, as ``spatial diff`` matches
any two versions by that id field. 示例数据: tests/survey.py's EPSG:4544 coverage.
"""

from __future__ import annotations

import json
from pathlib import Path

from survey import survey_parcels, survey_parcels_revised, survey_zones

from spatial.cli import main

PROJECT = """
[layers.zones]
path = "zones.gpkg"
id_field = "DYBH"

[landuse]
path = "landuse.gpkg"
class_field = "YDYHFLDM"
id_field = "BSM"
crs = "EPSG:4544"
"""


def _without_crs(gdf, path: Path) -> str:
    """Write ``gdf`` as GeoJSON in its own metres with no ``crs`` member (a CAD export's way)."""
    text = json.loads(gdf.to_json(drop_id=True))
    text.pop("crs", None)
    path.write_text(json.dumps(text, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_landuse_given_takes_the_projects_id_field_and_crs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    survey_zones().to_file(tmp_path / "zones.gpkg")
    survey_parcels().to_file(tmp_path / "landuse.gpkg")
    (tmp_path / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    other = _without_crs(survey_parcels_revised(), tmp_path / "landuse_2025.geojson")
    call = ["review", "--landuse", other, "--previous", "landuse=landuse.gpkg", "--out", "r"]
    assert main(call) in (0, 1), capsys.readouterr().err
    tables = json.loads((tmp_path / "r" / "tables.json").read_text(encoding="utf-8"))
    review_rows = tables["changes_landuse"]
    capsys.readouterr()
    diff = ["diff", "landuse.gpkg", other, "--crs", "EPSG:4544", "--no-checks", "--format", "json"]
    assert main(diff) == 0
    diff_rows = json.loads(capsys.readouterr().out)["features"]
    assert review_rows == diff_rows
    statuses = {row["id"]: row["status"] for row in review_rows}
    old, new = set(survey_parcels()["BSM"]), set(survey_parcels_revised()["BSM"])
    # the road split R -> R1 + R2 keeps its land: removed/added by id, each naming the other side
    named = {row["id"] for row in review_rows if row.get("new_ids") or row.get("old_ids")}
    assert named == (old - new) | (new - old)
    assert {i for i, s in statuses.items() if s in ("removed", "added")} == named
