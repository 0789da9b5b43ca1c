"""``spatial qc`` reads a planner's inputs as every other command does (a new planner's trial).

On the synthetic (示例数据) survey coverage of ``tests/survey.py``: a GBK Shapefile
without its ``.cpg`` is refused in the words of every other command, exit 2; a
zones file in a project folder is inspected by its own fields, not the land
use's; ``init`` records the class name field ``YDYHFLMC`` and ``qc`` then compares
names with codes; the terminal table names a layer by its file, a source cut short.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from survey import X0, Y0, survey_parcels, survey_zones

from spatial.cli import main
from spatial.errors import LayerError
from spatial.landuse import load_classes
from spatial.qc.outputs import SOURCE_COLUMNS
from spatial.table_formats._cells import display_width
from spatial.validate.problems import validate_layer
from spatial.validate.vectorised import ensure_text_decoded

#: The two text columns holding Chinese text: ``note`` (示例数据 synthetic) and ``YDYHFLMC``.
TEXT_COLUMNS = ("note", "YDYHFLMC")
#: The class whose name a planted row (N00, 城镇住宅用地 0701) is given instead of its own.
WRONG_NAME = "旱地"


def _named_parcels() -> gpd.GeoDataFrame:
    """The survey parcels with their 2023 class names in ``YDYHFLMC`` (the guide's own)."""
    parcels = survey_parcels()
    classes = load_classes()
    parcels["YDYHFLMC"] = [classes[code].name_zh for code in parcels["YDYHFLDM"]]
    return parcels


def _gbk_without_cpg(folder: Path) -> Path:
    """Write the named parcels as a GBK Shapefile and delete its ``.cpg`` (older ArcGIS exports)."""
    path = folder / "lu_nocpg.shp"
    _named_parcels().to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    assert path.with_suffix(".dbf").read_bytes().find("城镇住宅用地".encode("gbk")) > 0
    return path


def _bowtie_zones(path: Path) -> Path:
    """The survey zones plus a self-intersecting zone BOW (a bow-tie, 100 m across)."""
    zones = survey_zones()
    bowtie = shapely.Polygon(
        [(X0 + 2500, Y0), (X0 + 2600, Y0 + 100), (X0 + 2600, Y0), (X0 + 2500, Y0 + 100)]
    )
    zones.loc[len(zones)] = {"DYBH": "BOW", "DYMC": "示例", "note": "示例数据", "geometry": bowtie}
    zones.to_file(path)
    return path


def _err_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- 1. a GBK Shapefile without a .cpg --------------------------------------------------------


def test_a_gbk_shapefile_without_cpg_is_refused_as_check_refuses_it(tmp_path, capsys):
    path = _gbk_without_cpg(tmp_path)
    assert main(["qc", str(path), "--class-name-field", "YDYHFLMC"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # no findings table: no false code_name_mismatch
    refused = [line for line in _err_lines(err) if not line.startswith("spatial qc: note:")]
    assert len(refused) == 1
    # 18 parcels, each with two mis-encoded text values: one line, the first and 35 more
    assert len(survey_parcels()) * len(TEXT_COLUMNS) - 1 == 35
    said = refused[0].removeprefix("spatial qc: ")
    assert said == (
        f"{path}: feature R: property 'note' is mis-encoded text (GBK read as LATIN-1: "
        "示例数据 synthetic); a Shapefile in GBK needs a .cpg file beside its .shp holding the "
        "word GBK (or re-export it as UTF-8) (and 35 more)"
    )
    # the very line check gives of the same file as --zones
    assert main(["check", "--zones", str(path), "--id-field", "BSM"]) == 2
    assert said in capsys.readouterr().err


def test_a_gbk_shapefile_as_the_projects_land_use_is_refused_too(tmp_path, capsys, monkeypatch):
    _gbk_without_cpg(tmp_path)
    (tmp_path / "spatial.toml").write_text(
        '[landuse]\npath = "lu_nocpg.shp"\nid_field = "BSM"\nclass_field = "YDYHFLDM"\n'
        'class_name_field = "YDYHFLMC"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert main(["qc"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "lu_nocpg.shp: feature R: property 'note' is mis-encoded text" in err
    assert "needs a .cpg file" in err and "(and 35 more)" in err


def test_with_its_cpg_the_same_file_passes(tmp_path, capsys):
    path = _gbk_without_cpg(tmp_path)
    path.with_suffix(".cpg").write_text("GBK", encoding="ascii")
    assert main(["qc", str(path), "--class-name-field", "YDYHFLMC", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


# --- 2. a zones file in a project folder ------------------------------------------------------


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder: the land use (YDYHFLDM, YDYHFLMC; N00 misnamed) and the zones, by init."""
    parcels = _named_parcels()
    parcels.loc[parcels["BSM"] == "N00", "YDYHFLMC"] = WRONG_NAME
    parcels.to_file(tmp_path / "lu.gpkg", layer="lu")
    survey_zones().to_file(tmp_path / "zones.gpkg", layer="zones")
    monkeypatch.chdir(tmp_path)
    assert main(["init", "lu.gpkg", "zones.gpkg"]) == 0
    return tmp_path


def test_a_zones_file_given_in_a_project_is_inspected_by_its_own_fields(project, capsys):
    capsys.readouterr()
    _bowtie_zones(project / "other_zones.shp")
    assert main(["qc", "other_zones.shp", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert "YDYHFLDM" not in err  # the land use's class field is not the zones'
    findings = json.loads(out)["findings"]
    assert [(f["kind"], f["feature_id"]) for f in findings] == [("invalid_geometry", "BOW")]
    assert findings[0]["value"] == "Self-intersection[617550 3276050]"
    assert "other_zones.shp: ids from DYBH (unique, standard field)" in err


def test_outside_the_project_the_same_call_finds_the_same(project, tmp_path_factory, capsys):
    outside = tmp_path_factory.mktemp("outside")
    path = _bowtie_zones(outside / "other_zones.shp")
    assert main(["qc", str(path), "--format", "json"]) == 1
    kinds = [(f["kind"], f["feature_id"]) for f in json.loads(capsys.readouterr().out)["findings"]]
    assert kinds == [("invalid_geometry", "BOW")]


def test_a_class_field_typed_still_applies_to_every_layer(project, capsys):
    _bowtie_zones(project / "other_zones.shp")
    capsys.readouterr()
    assert main(["qc", "other_zones.shp", "--class-field", "YDYHFLDM"]) == 2
    err = capsys.readouterr().err
    assert "other_zones.shp: no field 'YDYHFLDM' for --class-field" in err


def test_the_projects_zones_and_land_use_given_each_their_own_fields(project, capsys):
    capsys.readouterr()
    assert main(["qc", "lu.gpkg", "zones.gpkg", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["kind"], f["layer"], f["feature_id"]) for f in findings] == [
        ("code_name_mismatch", "lu.gpkg", "N00")
    ]


# --- 3. init records YDYHFLMC; qc and review --qc compare names with codes ---------------------


def test_init_records_the_class_name_field(project):
    text = (project / "spatial.toml").read_text(encoding="utf-8")
    landuse = text[text.index("[landuse]") : text.index("[layers.zones]")]
    assert 'class_field = "YDYHFLDM"\nclass_name_field = "YDYHFLMC"\n' in landuse
    assert "class field YDYHFLDM, class name field YDYHFLMC" in text  # said in its comment
    zones = text[text.index("[layers.zones]") :]
    assert "class_name_field" not in zones


def test_qc_in_the_project_compares_the_name_with_the_code(project, capsys):
    capsys.readouterr()
    assert main(["qc", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert len(findings) == 1
    found = findings[0]
    assert (found["kind"], found["feature_id"], found["value"]) == (
        "code_name_mismatch",
        "N00",
        WRONG_NAME,
    )
    code = survey_parcels().set_index("BSM").loc["N00", "YDYHFLDM"]
    assert found["message"] == (
        f"land-use name '{WRONG_NAME}' disagrees with code '{code}' "
        f"({load_classes()[code].name_zh})"
    )


def test_a_project_class_name_field_the_file_lacks_is_blamed_on_its_line(project, capsys):
    toml = project / "spatial.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"YDYHFLMC"', '"MC2"'), "utf-8")
    capsys.readouterr()
    assert main(["qc"]) == 2
    err = capsys.readouterr().err
    assert "no field 'MC2' for --class-name-field" in err
    assert '[landuse] class_name_field = "MC2"' in err


def test_review_qc_compares_the_name_with_the_code(project, capsys):
    capsys.readouterr()
    out = project / "review"
    assert main(["review", "--qc", "--out", str(out)]) == 1
    tables = json.loads((out / "tables.json").read_text(encoding="utf-8"))
    rows = tables["qc_findings"]
    rows = rows if isinstance(rows, list) else rows["rows"]
    assert [(r["kind"], r["feature_id"], r["value"]) for r in rows] == [
        ("code_name_mismatch", "N00", WRONG_NAME)
    ]


# --- 4. the terminal table ---------------------------------------------------------------------


def test_the_terminal_names_the_file_and_cuts_the_source(project, capsys, monkeypatch):
    capsys.readouterr()
    assert main(["qc"]) == 1
    table = capsys.readouterr().out
    row = next(line for line in table.splitlines() if line.startswith("code_name_mismatch"))
    assert " lu.gpkg::lu " in row and str(project) not in table
    source = "自然资源部《国土空间调查、规划、用途管制用地用海分类指南》"
    assert source[:10] in row and "…" in row and "the name belonging to the code" not in row
    cut = row[row.index(source[:10]) : row.index("…") + 1]
    assert display_width(cut) <= SOURCE_COLUMNS
    # the whole path and source in a file
    assert main(["qc", "--out", "findings.csv"]) == 1
    text = (project / "findings.csv").read_text(encoding="utf-8-sig")
    assert f"{project / 'lu.gpkg'}::lu" in text and "the name belonging to the code" in text


def test_the_projects_fields_go_to_its_layer_however_named_and_to_no_copy(project, capsys):
    toml = project / "spatial.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"YDYHFLMC"', '"MC2"'), "utf-8")
    (project / "copy.gpkg").write_bytes((project / "lu.gpkg").read_bytes())
    capsys.readouterr()
    # lu.gpkg is the project's lu.gpkg::lu (its one layer): the project's (wrong) name field
    assert main(["qc", "lu.gpkg"]) == 2
    assert '[landuse] class_name_field = "MC2"' in capsys.readouterr().err
    # a copy is another file: its standard fields, N00's name found disagreeing
    assert main(["qc", "copy.gpkg", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["kind"], f["feature_id"]) for f in findings] == [("code_name_mismatch", "N00")]


@pytest.mark.parametrize("position", [0, 9, 17])
def test_the_text_check_alone_says_the_validators_line(position):
    parcels = _named_parcels()
    mangled = "城镇住宅用地".encode("gbk").decode("latin-1")  # GBK read as Latin-1
    parcels.loc[position, "YDYHFLMC"] = mangled
    parcels = parcels.rename(columns={"BSM": "id"})
    problems = validate_layer(parcels, "lu.shp", required=())
    expected = [str(p) for p in problems if "mis-encoded" in str(p)]
    assert len(expected) == 1
    with pytest.raises(LayerError) as refused:
        ensure_text_decoded(parcels, "lu.shp")
    assert str(refused.value) == expected[0]
    assert f"feature {parcels['id'][position]}:" in expected[0]


# --- 5. with each layer's own ids (c9-ids): the project's id for its layer, the standard for others


def test_the_projects_id_names_its_layer_and_every_other_layer_its_own(
    project, capsys, monkeypatch
):
    """The one rule: the project's id field for its layer, each other layer its standard one."""
    parcels = gpd.read_file(project / "lu.gpkg", layer="lu")
    parcels["TBBH"] = "T" + parcels["BSM"]  # the project's own id field, not the standard BSM
    (project / "lu.gpkg").unlink()
    parcels.to_file(project / "lu.gpkg", layer="lu")
    toml = project / "spatial.toml"
    text = toml.read_text(encoding="utf-8").replace('id_field = "BSM"', 'id_field = "TBBH"')
    toml.write_text(text, encoding="utf-8")
    _bowtie_zones(project / "other_zones.shp")
    capsys.readouterr()
    argv = ["qc", "lu.gpkg", "other_zones.shp"]
    assert main([*argv, "--format", "json", "--errors-out", "e.gpkg"]) == 1
    out, err = capsys.readouterr()
    found = [(f["kind"], f["layer"], f["feature_id"]) for f in json.loads(out)["findings"]]
    assert found == [
        ("code_name_mismatch", "lu.gpkg", "TN00"),
        ("invalid_geometry", "other_zones.shp", "BOW"),
    ]
    assert "other_zones.shp: ids from DYBH (unique, standard field)" in err
    assert "lu.gpkg: ids from" not in err  # the project's, said by no note
    written = {
        name: gpd.read_file(project / "e.gpkg", layer=f"qc_findings_{name}").columns
        for name in ("lu", "other_zones")
    }
    assert "TBBH" in written["lu"] and "DYBH" in written["other_zones"]
    # on a terminal: each rule's count first, then the head, each layer by its file, sources cut
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("LINES", "1")
    monkeypatch.setenv("COLUMNS", "400")
    assert main(argv) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Findings by rule", ""]
    assert lines[2].split() == ["rule", "kind", "severity", "count"]
    row = next(line for line in lines if line.startswith("code_name_mismatch") and "TN00" in line)
    assert " lu.gpkg " in row and "…" in row and str(project) not in "\n".join(lines)
    assert lines[-1].startswith("… 1 more rows (2 in all)")
