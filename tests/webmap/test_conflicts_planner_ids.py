"""A conflict layer written with the planner's id fields (DYBH, BSM) is drawn with its ids.

``spatial check --conflicts-out`` writes ``zone_id`` as the zones' field (``DYBH``;
``constraint_ids``, several features' ids joined, keeps its name);
``spatial map --layer conflicts=...`` draws that file with the conflict style,
whose popup must still name the checked and the constraint feature.
示例数据: tests/survey.py's EPSG:4544 zones and a synthetic 永久基本农田 box.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from survey import GK, X0, Y0, survey_zones

from spatial.cli import main


def _escaped(html: str) -> str:
    return html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')


def test_the_popup_names_both_features_under_the_planners_fields(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    survey_zones().to_file("zones.gpkg")
    farmland = shapely.box(X0 + 1_000.0, Y0 + 100.0, X0 + 1_400.0, Y0 + 300.0)
    gpd.GeoDataFrame({"BSM": ["JBNT1"], "note": ["示例数据"]}, geometry=[farmland], crs=GK).to_file(
        "farm.gpkg"
    )
    check = [
        "check",
        "--zones",
        "zones.gpkg",
        "--id-field",
        "DYBH",
        "--constraint",
        "永久基本农田=farm.gpkg",
        "--id-field",
        "永久基本农田=BSM",
        "--conflicts-out",
        "c.gpkg",
    ]
    main(check)
    written = gpd.read_file("c.gpkg")
    assert {"DYBH", "constraint_ids"} <= set(written.columns) and "zone_id" not in written.columns
    call = ["map", "--zones", "zones.gpkg", "--id-field", "DYBH", "--layer", "conflicts=c.gpkg"]
    main([*call, "--out", "m.html"])
    capsys.readouterr()
    page = _escaped((tmp_path / "m.html").read_text(encoding="utf-8"))
    for zone in sorted(set(written["DYBH"])):
        assert f"<th>规划要素 Checked feature</th><td>{zone}</td>" in page
    assert page.count("<th>管控要素 Constraint feature(s)</th><td>JBNT1</td>") == len(written)
    assert "<th>DYBH</th>" not in page
