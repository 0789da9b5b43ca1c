"""``spatial map --layer 质检=errors.gpkg::qc_findings`` draws the error layer of ``spatial qc``.

No browser: the page's data block (the GeoJSON the map embeds) is read back and
held against the findings ``spatial qc --format json`` printed. Synthetic (示例数据).
"""

from __future__ import annotations

import html
import json
import re

import shapely
from pyproj import Transformer
from qc_layers import GAP, planted_layer
from survey import GK, X0, Y0

from spatial.cli import main

FIELDS = [
    "--id-field", "BSM", "--class-field", "YDYHFLDM",
    "--class-name-field", "YDYHFLMC", "--area-field", "TBMJ",
]  # fmt: skip


def _collections(page: str) -> list[dict]:
    decoder = json.JSONDecoder()
    starts = re.finditer(r'\{"type": ?"FeatureCollection"', page)
    return [decoder.raw_decode(page, m.start())[0] for m in starts]


def _cell(popup: str, name: str) -> str:
    match = re.search(rf"<th>{name}</th><td>(.*?)</td>", popup)
    assert match, f"no {name} in the popup"
    return html.unescape(match[1])


def test_the_map_embeds_one_feature_per_finding_where_it_was_found(tmp_path, capsys):
    planted, errors, page = tmp_path / "planted.gpkg", tmp_path / "errors.gpkg", tmp_path / "m.html"
    planted_layer().to_file(planted)
    qc = ["qc", str(planted), *FIELDS, "--format", "json", "--errors-out", str(errors)]
    assert main(qc) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    layer = f"质检={errors}::qc_findings"
    assert main(["map", "--offline", "--layer", layer, "--out", str(page)]) == 0
    drawn = [
        c for c in _collections(page.read_text(encoding="utf-8"))
        if "errors.gpkg::qc_findings" in c["features"][0]["properties"]["p"]
    ]  # fmt: skip
    assert len(drawn) == 1
    features = drawn[0]["features"]
    popups = [f["properties"]["p"] for f in features]
    assert sorted((_cell(p, "kind"), _cell(p, "message")) for p in popups) == sorted(
        (f["kind"], f["message"]) for f in findings
    )
    assert all(_cell(p, "来源 Source") == _source(p, findings) for p in popups)
    (gap,) = [f for f, p in zip(features, popups, strict=True) if _cell(p, "kind") == "gap"]
    to_lonlat = Transformer.from_crs(GK, "EPSG:4326", always_xy=True)
    x1, y1, x2, y2 = GAP
    corners = [to_lonlat.transform(X0 + x, Y0 + y) for x, y in ((x1, y1), (x2, y2))]
    drawn_bounds = shapely.geometry.shape(gap["geometry"]).bounds
    expected = (corners[0][0], corners[0][1], corners[1][0], corners[1][1])
    assert all(abs(a - b) < 2e-6 for a, b in zip(drawn_bounds, expected, strict=True))


def _source(popup: str, findings: list[dict]) -> str:
    message = _cell(popup, "message")
    return next(f["source"] for f in findings if f["message"] == message)
