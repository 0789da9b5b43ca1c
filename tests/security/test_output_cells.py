"""CSV and Markdown outputs cannot run as spreadsheet formulas; JSON keeps the text exact.

Every command that writes a table is run on layers whose ids (and, for
``check``, target names) are the payloads; the bytes written are then read
back cell by cell: no cell may begin with ``= + - @``, tab or CR unless it is a
number, and each payload is there, readable, behind its ``'``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from payloads import ALL, FORMULA, FORMULA_STARTS, ids
from test_template_injection import write_geojson

from spatial.cli import main
from spatial.io.layers import bundled_layer_path, read_layer
from spatial.report import format_csv, format_json, format_markdown

FORMULA_TEXTS = [text for _, text in FORMULA]
MD_SPLIT = re.compile(r"(?<!\\)\|")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def markdown_cells(text: str) -> list[str]:
    cells = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells += [c.strip(" ") for c in MD_SPLIT.split(line)[1:-1]]
    return cells


def assert_inert(cells: list[str]) -> None:
    live = [c for c in cells if c.startswith(FORMULA_STARTS) and not _is_number(c) and c != "-"]
    assert live == []


@pytest.mark.parametrize(("label", "text"), ALL, ids=ids(ALL))
def test_csv_and_markdown_cells_are_inert_and_json_is_exact(label, text):
    frame = pd.DataFrame({"id": [text, "ok"], text: [text, None], "diff_pct": [-2.5, 3.0]})
    csv_text = format_csv(frame)
    assert_inert(csv_cells(csv_text))
    expected = "'" + text if text.startswith(FORMULA_STARTS) else text
    assert csv_cells(csv_text)[:3] == [
        "id",
        expected,
        "diff_pct",
    ] and csv_cells(csv_text)[3:6] == [expected, expected, "-2.5"]
    md = format_markdown(frame)
    assert_inert(markdown_cells(md))
    assert "<" not in md.replace("\\<", "") and ">" not in md.replace("\\>", "")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", md)
    assert len(md.splitlines()) == 4  # nothing in a cell starts a new row
    assert json.loads(format_json(frame))[0] == {"id": text, text: text, "diff_pct": -2.5}


def _cells(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return csv_cells(text) if path.suffix == ".csv" else markdown_cells(text)


def _squares(texts: list[str], x0: float) -> gpd.GeoDataFrame:
    boxes = [
        shapely.box(x0 + i * 0.01, 29.6, x0 + i * 0.01 + 0.012, 29.61) for i in range(len(texts))
    ]
    return gpd.GeoDataFrame({"id": texts}, geometry=boxes, crs=4326)


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cells")
    a = _squares(FORMULA_TEXTS, 106.2)
    b = _squares([f"{t} B" for t in FORMULA_TEXTS], 106.205)
    inside = [shapely.Point(106.2005 + i * 0.01, 29.605) for i in range(len(FORMULA_TEXTS))]
    points = gpd.GeoDataFrame({"id": FORMULA_TEXTS}, geometry=inside, crs=4326)
    return {
        "a": write_geojson(a, root / "a.geojson"),
        "b": write_geojson(b, root / "b.geojson"),
        "points": write_geojson(points, root / "points.geojson"),
    }


OPS = [
    ("intersection", "a", "b", []),
    ("difference", "a", "b", []),
    ("overlaps", "a", None, []),
    ("matrix", "a", None, []),
    ("coverage", "a", "b", ["--distance-m", "50"]),
    ("assign", "points", "a", []),
]


@pytest.mark.parametrize("suffix", [".csv", ".md"])
@pytest.mark.parametrize(("op", "a", "b", "extra"), OPS, ids=[op[0] for op in OPS])
def test_every_overlay_table_is_inert(layers, tmp_path, op, a, b, extra, suffix):
    out = tmp_path / f"out{suffix}"
    args = ["overlay", str(layers[a]), *([str(layers[b])] if b else []), "--op", op]
    assert main([*args, *extra, "--out", str(out)]) == 0
    cells = _cells(out)
    assert_inert(cells)
    shown = {c.replace("\\|", "|").replace("\\t", "\t").replace("\\r", "\r") for c in cells}
    assert {"'" + t for t in FORMULA_TEXTS} & shown, "the payload ids are in the table, behind '"


@pytest.fixture
def hostile_plan(tmp_path) -> tuple[Path, Path]:
    """A plan whose first target's id and name are a formula, and zones carrying that id."""
    evil_id, evil_name = FORMULA_TEXTS[0], FORMULA_TEXTS[1]
    plan = Path(bundled_layer_path("zones")).parents[1] / "seeds" / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    text = text.replace('id = "zone-kcxz"', f"id = {json.dumps(evil_id)}", 1)
    text = text.replace(
        'name_zh = "西部（重庆）科技创新小镇"', f"name_zh = {json.dumps(evil_name)}", 1
    )
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text(text, encoding="utf-8")
    zones = read_layer(bundled_layer_path("zones")).to_crs(4326)
    zones.loc[zones["id"] == "zone-kcxz", "id"] = evil_id
    return plan_path, write_geojson(zones, tmp_path / "zones.geojson")


@pytest.mark.parametrize("suffix", [".csv", ".md"])
def test_check_report_is_inert(hostile_plan, tmp_path, suffix):
    plan, zones = hostile_plan
    out = tmp_path / f"report{suffix}"
    status = main(["check", "--plan", str(plan), "--zones", str(zones), "--out", str(out)])
    assert status in (0, 1)
    cells = _cells(out)
    assert_inert(cells)
    assert "'" + FORMULA_TEXTS[0] in [c.replace("\\|", "|") for c in cells]
    assert "'" + FORMULA_TEXTS[1] in [c.replace("\\|", "|") for c in cells]


def test_check_json_keeps_the_text_exact(hostile_plan, tmp_path):
    plan, zones = hostile_plan
    out = tmp_path / "report.json"
    main(["check", "--plan", str(plan), "--zones", str(zones), "--out", str(out)])
    ids_ = [row["id"] for row in json.loads(out.read_text(encoding="utf-8"))["targets"]]
    assert FORMULA_TEXTS[0] in ids_
