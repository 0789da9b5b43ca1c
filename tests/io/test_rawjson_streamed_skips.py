"""The streamed raw-JSON scan skips its walks over every number and text when they find nothing.

Synthetic features (示例数据): an overflowing coordinate (1e999), a quoted coordinate
and an escaped lone surrogate are reported as the whole-file parse reports them,
and a file with none of them is walked without those walks.
"""

from __future__ import annotations

import json

import pytest

from spatial.io import rawjson
from spatial.validate.problems import validate_file


def _square(k: int) -> dict[str, object]:
    x = 106.2 + 0.01 * k
    ring = [[x, 29.6], [x + 0.005, 29.6], [x + 0.005, 29.605], [x, 29.605], [x, 29.6]]
    return {"type": "Polygon", "coordinates": [ring]}


def _write(tmp_path, features: list[dict[str, object]], name: str = "raw.geojson"):
    path = tmp_path / name
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def _feature(ident: str, k: int, **props: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"id": ident, "note": "示例数据", **props},
        "geometry": _square(k),
    }


@pytest.mark.parametrize("trouble", ["overflow", "surrogate", "quoted"])
def test_streamed_walk_finds_what_the_whole_parse_finds(tmp_path, monkeypatch, trouble):
    features = [_feature(f"f{k}", k) for k in range(6)]
    path = _write(tmp_path, features)
    text = path.read_text(encoding="utf-8")
    if trouble == "overflow":
        text = text.replace("106.23", "1e999", 1)
    elif trouble == "quoted":
        text = text.replace("106.23", '"106.23"', 1)
    else:
        text = text.replace('"f4"', '"f4", "name": "\\udc8f\\udcab"', 1)
    path.write_text(text, encoding="utf-8")
    whole = [str(p) for p in validate_file(path, required=("id",))]
    monkeypatch.setattr(rawjson, "STREAM_FROM_BYTES", 1)  # streamed, where the stream takes it
    streamed = [str(p) for p in validate_file(path, required=("id",))]
    assert streamed == whole
    said = {
        "overflow": "NaN or infinity",
        "surrogate": "is not UTF-8 text",
        "quoted": "coordinates contain text",
    }[trouble]
    assert any(said in line for line in streamed), streamed


def test_a_plain_file_skips_both_walks(tmp_path, monkeypatch):
    path = _write(tmp_path, [_feature(f"f{k}", k, name="璧山") for k in range(4)])
    monkeypatch.setattr(rawjson, "STREAM_FROM_BYTES", 1)
    monkeypatch.setattr(rawjson, "_numbers", lambda v: pytest.fail("coordinates walked"))
    monkeypatch.setattr(rawjson, "_has_surrogates", lambda v: pytest.fail("text walked"))
    scan = rawjson.scan_raw(path)
    assert scan.findings == [] and scan.labels == ["f0", "f1", "f2", "f3"]
