"""``spatial review``'s manifest as evidence: what it read of each layer, the project, the rule.

A synthetic (示例数据) project on tests/survey.py's EPSG:4544 coverage: the zones
(ids ``DYBH``, names ``DYMC``) and the land use (ids ``BSM``, classes ``YDYHFLDM``)
in GeoPackages named by a ``spatial.toml``, the previous land use a GBK Shapefile
with its ``.cpg``, a 永久基本农田 layer whose ids are its ``BSM``. Every figure of
``layers_read`` is held against an independent reading: sha256 by hashlib, counts
by pyogrio, CRS by pyproj, encoding by the ``.cpg`` itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
from datetime import datetime
from pathlib import Path

import pyogrio
import pytest
from pyproj import CRS
from survey import survey_parcels, survey_parcels_revised, survey_zones

from spatial.checked.provenance import layer_read
from spatial.cli import main
from spatial.commands._inputs import read_constraint_layer
from spatial.commands.review import _id_column
from spatial.io.options import ReadOptions
from spatial.io.postgis import database_label

PROJECT = """
# 示例数据: a synthetic project on tests/survey.py's coverage
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
"""


PREVIOUS = "landuse_2024.shp"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """Run the review once in a project folder; return the folder, the manifest and stdout."""
    folder = tmp_path_factory.mktemp("evidence")
    survey_zones().to_file(folder / "zones.gpkg", layer="zones")
    survey_parcels_revised().to_file(folder / "landuse.gpkg", layer="landuse")
    previous = survey_parcels()
    previous["DLMC"] = "示例数据 水田"  # Chinese text the GBK .cpg must decode
    previous.to_file(folder / "landuse_2024.shp", encoding="GBK")
    farmland = survey_parcels().iloc[[1, 2]][["BSM", "note", "geometry"]]
    farmland.to_file(folder / "farmland.gpkg", layer="farmland")
    (folder / "spatial.toml").write_text(PROJECT, encoding="utf-8")
    cwd, out = Path.cwd(), io.StringIO()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out):
            status = main(
                ["review", "--previous", "landuse=landuse_2024.shp", "--qc", "--out", "r"]
            )
    finally:
        os.chdir(cwd)
    assert status in (0, 1)
    manifest = json.loads((folder / "r" / "manifest.json").read_text(encoding="utf-8"))
    return folder, manifest, out.getvalue()


def _read(manifest: dict, role: str) -> dict:
    (found,) = [r for r in manifest["layers_read"] if r["role"] == role]
    return found


def test_every_layer_read_is_listed_once_with_its_file_and_layer(reviewed):
    folder, manifest, _ = reviewed
    roles = [r["role"] for r in manifest["layers_read"]]
    assert roles == ["zones", "永久基本农田", "landuse", "previous_landuse"]
    landuse = _read(manifest, "landuse")
    assert landuse["path"] == str(folder / "landuse.gpkg")
    assert landuse["layer"] == "landuse" and landuse["driver"] == "GPKG"
    previous = _read(manifest, "previous_landuse")
    assert previous["path"] == str(folder / "landuse_2024.shp")
    assert previous["driver"] == "ESRI Shapefile"
    # the same path as its entries in "inputs", whose keys keep their meaning
    paths = {f["path"] for f in manifest["inputs"]}
    assert {r["path"] for r in manifest["layers_read"]} <= paths
    assert all(set(f) == {"role", "path", "bytes", "sha256"} for f in manifest["inputs"])


def test_hashes_and_counts_are_the_files_own(reviewed):
    folder, manifest, _ = reviewed
    files = {
        "zones": "zones.gpkg",
        "永久基本农田": "farmland.gpkg",
        "landuse": "landuse.gpkg",
        "previous_landuse": "landuse_2024.shp",
    }
    for role, name in files.items():
        read = _read(manifest, role)
        path = folder / name
        assert read["sha256"] == _sha256(path), role
        assert read["bytes"] == path.stat().st_size, role
        assert read["features"] == pyogrio.read_info(path)["features"], role
    assert _read(manifest, "landuse")["features"] == len(survey_parcels_revised()) == 19
    assert _read(manifest, "previous_landuse")["features"] == len(survey_parcels()) == 18


def test_crs_is_the_one_read_and_areas_are_measured_geodetically(reviewed):
    folder, manifest, _ = reviewed
    expected = CRS.from_user_input(pyogrio.read_info(folder / "landuse_2024.shp")["crs"])
    for read in manifest["layers_read"]:
        assert read["crs_epsg"] == 4544 == expected.to_epsg()
        assert read["crs_name"] == expected.name == "CGCS2000 / 3-degree Gauss-Kruger CM 105E"
        assert read["crs_from"] == "file"
        assert read["geodetic_for_area"] is True  # a projected frame: vertices to EPSG:4490
    rule = manifest["area_rule"]
    assert "国土调查办发〔2008〕32号" in rule["rule"] and rule["geodetic_crs"] == "EPSG:4490"
    assert rule["function"] == "spatial.measure.record.area_of_record_m2"


def test_fields_used_name_the_files_own_fields(reviewed):
    _, manifest, _ = reviewed
    assert _read(manifest, "zones")["fields"] == {"id": "DYBH", "class": None, "name": "DYMC"}
    landuse = {"id": "BSM", "class": "YDYHFLDM", "name": None}
    assert _read(manifest, "landuse")["fields"] == landuse
    assert _read(manifest, "previous_landuse")["fields"] == landuse
    assert _read(manifest, "永久基本农田")["fields"]["id"] == "BSM"  # its standard id field


def test_encoding_is_the_cpg_for_a_shapefile_and_utf8_for_a_geopackage(reviewed):
    folder, manifest, _ = reviewed
    previous = _read(manifest, "previous_landuse")
    declared = (folder / "landuse_2024.cpg").read_text(encoding="ascii").strip()
    assert declared == "GBK"
    assert (previous["encoding"], previous["encoding_from"]) == ("GBK", "landuse_2024.cpg")
    assert (
        _read(manifest, "landuse")["encoding"],
        _read(manifest, "landuse")["encoding_from"],
    ) == (
        "UTF-8",
        "format",
    )


def test_project_file_commit_and_time_are_recorded(reviewed):
    folder, manifest, _ = reviewed
    project = folder / "spatial.toml"
    assert manifest["project"] == {
        "path": str(project),
        "bytes": project.stat().st_size,
        "sha256": _sha256(project),
    }
    commit = manifest["commit"]
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit)
    local = datetime.fromisoformat(manifest["made_local"])
    assert local == datetime.fromisoformat(manifest["made_utc"])  # the same instant


def test_report_lists_every_layer_read_the_previous_version_included(reviewed):
    folder, manifest, _ = reviewed
    html = (folder / "r" / "report.html").read_text(encoding="utf-8")
    table = html[html.index("Layers read") : html.index("Layers: accuracy and sources")]
    assert "landuse.gpkg::landuse" in table and "landuse_2024.shp" in table
    assert "previous_landuse" in table and "GBK" in table
    body = table[table.index("<tbody>") :]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", body)]
    by_role = {row[0]: row for row in rows}
    assert len(rows) == len(by_role) == len(manifest["layers_read"])  # one row per layer read
    for read in manifest["layers_read"]:
        _, _, crs, area, features, _, _, sha = by_role[read["role"]]
        assert sha == f"{read['sha256'][:12]}…"
        assert features == str(read["features"])
        assert crs == "EPSG:4544 CGCS2000 / 3-degree Gauss-Kruger CM 105E"
        assert area == "geodetic EPSG:4490"


def test_closing_line_sums_all_the_review_judged_and_where(reviewed):
    folder, _, stdout = reviewed
    last = stdout.strip().splitlines()[-1]
    assert last.startswith("spatial review: ")
    tables = json.loads((folder / "r" / "tables.json").read_text(encoding="utf-8"))
    targets, rules = tables["targets"], tables["rules"]
    ok_r = sum(r["status"] == "PASS" for r in rules)
    ok_t = sum(t["status"] == "PASS" for t in targets)
    assert f"{ok_t}/{len(targets)} targets PASS" in last
    assert f"{ok_r}/{len(rules)} rule checks PASS" in last
    pieces = tables["conflict_pieces"]
    area_ha = sum(p["area_m2"] for p in pieces) / 10_000
    assert f"{len(pieces)} conflict piece(s), {area_ha:.4f} ha" in last
    errors = sum(f["severity"] == "error" for f in tables["qc_findings"])
    assert f"qc {errors} error(s), {len(tables['qc_findings']) - errors} warning(s)" in last
    (changes,) = tables["changes"]
    changed = changes["geometry_changed"] + changes["attributes_changed"]
    reid = f", {changes['reid']} renumbered" if changes["reid"] else ""
    said = f"landuse {changes['added']} added, {changes['removed']} removed, {changed} changed"
    assert f"{said}{reid} since the previous version" in last
    assert last.endswith(f"review in {folder / 'r'}")


def test_a_constraint_numbered_for_want_of_an_id_field_names_no_field(tmp_path):
    lines = survey_parcels().iloc[[1, 2]][["note", "geometry"]]  # no id field at all
    lines.to_file(tmp_path / "redline.gpkg", layer="redline")
    layer = read_constraint_layer("生态保护红线", str(tmp_path / "redline.gpkg"), ReadOptions())
    assert list(layer["id"]) == ["生态保护红线#0", "生态保护红线#1"]
    assert _id_column(layer, "id") is None


def test_a_database_table_is_named_without_its_password_and_not_hashed():
    url = "postgresql://planner:S3cret@db.example/gis?table=landuse"
    read = layer_read(
        "landuse",
        url,
        survey_parcels(),
        fields={"id": "BSM", "class": "YDYHFLDM", "name": None},
        hashes={},
        label=database_label(url),
    )
    assert "S3cret" not in json.dumps(read.__dict__, ensure_ascii=False)
    assert (read.path, read.driver, read.sha256, read.bytes) == (
        "postgresql://planner@db.example/gis?table=landuse",
        "PostGIS",
        None,
        None,
    )
    assert (read.crs_epsg, read.features, read.encoding) == (4544, 18, None)
