"""``spatial review --qc``: the 质检 findings name their features by the land use's id field
(``BSM``) in tables.xlsx as in findings.gpkg, one name for one column.

Synthetic survey parcels (示例数据, ``tests/survey.py``) with their 2023 class names in
``YDYHFLMC``, parcel N00's name wrong (旱地 beside code 0701): one code_name_mismatch finding.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
from survey import survey_parcels, survey_zones

from spatial.cli import main
from spatial.landuse.classes import load_classes


def test_review_qc_findings_are_keyed_by_bsm_everywhere(tmp_path, monkeypatch):
    parcels = survey_parcels()
    classes = load_classes()
    parcels["YDYHFLMC"] = [classes[code].name_zh for code in parcels["YDYHFLDM"]]
    parcels.loc[parcels["BSM"] == "N00", "YDYHFLMC"] = "旱地"
    parcels.to_file(tmp_path / "lu.gpkg", layer="lu")
    survey_zones().to_file(tmp_path / "zones.gpkg", layer="zones")
    monkeypatch.chdir(tmp_path)
    assert main(["init", "lu.gpkg", "zones.gpkg"]) == 0
    assert main(["review", "--qc", "--out", "review"]) == 1
    layer = gpd.read_file(tmp_path / "review" / "findings.gpkg", layer="qc_findings")
    sheet = pd.read_excel(tmp_path / "review" / "tables.xlsx", sheet_name="qc_findings")
    tables = json.loads((tmp_path / "review" / "tables.json").read_text(encoding="utf-8"))
    rows = tables["qc_findings"]
    rows = rows if isinstance(rows, list) else rows["rows"]
    assert layer["BSM"].tolist() == ["N00"] and "feature_id" not in layer.columns
    assert sheet["BSM"].tolist() == ["N00"] and "feature_id" not in sheet.columns
    assert [r["kind"] for r in rows] == ["code_name_mismatch"]
    assert rows[0].get("BSM", rows[0]["feature_id"]) == "N00"
