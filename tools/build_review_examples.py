"""Write the synthetic (示例数据) layers the review commands' tests and README examples use.

No real 三区三线 or land-use data is published for Bishan, so these layers are
made up: a 2 x 4 grid of land-use parcels (an existing and a planned version),
two zones, and three made-up protected layers (生态保护红线, 永久基本农田,
城镇开发边界). Every feature says so in its properties (``synthetic`` true and a
``note`` 示例数据), and its name carries 示例; they must never be read as the
district's lines. The grid sits in open country south-west of 璧山 only so that
the numbers are of a realistic size.

Geometry: boxes on a 0.005 degree grid in WGS84 lon/lat (EPSG:4326), written as
RFC 7946 GeoJSON (outer rings counter-clockwise), so every area is known by hand
as a sum of grid cells. Also written: ``plan.toml`` (an area target per zone)
and ``rules.toml`` (the zones must not overlap; a ``must_not_occupy`` rule
stated in the rules file) for ``spatial check --plan ... --rules ...``.

Run from the repository root:

    uv run python tools/build_review_examples.py --out examples/review
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import box, mapping

from spatial.io.atomic import write_text_atomic
from spatial.landuse import load_classes
from spatial.measure.area import ellipsoidal_area_m2

NOTE = "示例数据 synthetic example data, made up for tests and examples: not to be read as real"
SOURCE = "tools/build_review_examples.py (synthetic)"
#: South-west corner of the grid (lon, lat) and the cell size, degrees.
X0, Y0, CELL = 106.100, 29.400, 0.005

#: Class codes of the 2 x 4 grid, row by row from the south, existing (现状) then planned (规划).
EXISTING = [["0101", "0103", "0301", "1704"], ["070301", "0101", "1202", "0301"]]
PLANNED = [["0101", "070102", "0301", "1704"], ["0702", "100101", "1202", "1401"]]


def _cell(col: float, row: float, cols: float = 1.0, rows: float = 1.0):
    x, y = X0 + col * CELL, Y0 + row * CELL
    return box(round(x, 6), round(y, 6), round(x + cols * CELL, 6), round(y + rows * CELL, 6))


def _marked(props: dict[str, Any]) -> dict[str, Any]:
    return {**props, "synthetic": True, "note": NOTE, "source": SOURCE}


def _collection(name: str, features: list[tuple[dict[str, Any], Any]]) -> str:
    data = {
        "type": "FeatureCollection",
        "name": name,
        "features": [
            {"type": "Feature", "properties": _marked(props), "geometry": mapping(geom)}
            for props, geom in features
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def landuse(codes: list[list[str]], version: str) -> list[tuple[dict[str, Any], Any]]:
    """Return the grid's parcels; in the planned version lu-01 gives its east half to lu-02."""
    classes = load_classes()
    features = []
    for row, line in enumerate(codes):
        for col, code in enumerate(line):
            n = row * 4 + col + 1
            geom = _cell(col, row)
            if version == "planned" and n == 1:
                geom = _cell(0, 0, cols=0.5)
            if version == "planned" and n == 2:
                geom = _cell(0.5, 0, cols=1.5)
            props = {
                "id": f"lu-{n:02d}",
                "name_zh": f"示例地块{n}",
                "YDYHFLDM": code,
                "YDYHFLMC": classes[code].name_zh,
            }
            features.append((props, geom))
    return features


def zones() -> list[tuple[dict[str, Any], Any]]:
    """Return zone A (the west half of the grid) and B (the east half and 0.0025° beyond it)."""
    return [
        (
            {"id": "demo-zone-a", "name_zh": "示例分区A", "name_en": "Demo zone A"},
            _cell(0, 0, cols=2, rows=2),
        ),
        (
            {"id": "demo-zone-b", "name_zh": "示例分区B", "name_en": "Demo zone B"},
            _cell(2, 0, cols=2.5, rows=2),
        ),
    ]


def constraints() -> dict[str, list[tuple[dict[str, Any], Any]]]:
    """Return the made-up protected layers, by file name."""
    return {
        "redline": [
            ({"id": "redline-1", "name_zh": "示例生态保护红线"}, _cell(3.5, 1, cols=1, rows=1))
        ],
        "farmland": [({"id": "farmland-1", "name_zh": "示例永久基本农田"}, _cell(0, 0))],
        "ukb": [
            ({"id": "ukb-1", "name_zh": "示例城镇开发边界"}, _cell(0, -0.4, cols=3.6, rows=2.8))
        ],
    }


def _area_km2(geom) -> float:
    return float(ellipsoidal_area_m2(gpd.GeoSeries([geom], crs=4326))[0]) / 1e6


def plan_toml() -> str:
    lines = ["# Area targets of the synthetic zones (示例数据): not a plan, a test fixture.", ""]
    for props, geom in zones():
        lines += [
            "[[targets]]",
            f'id = "{props["id"]}"',
            'layer = "zones"',
            f'name_zh = "{props["name_zh"]}"',
            f'name_en = "{props["name_en"]}"',
            f"value = {_area_km2(geom):.2f}",
            'unit = "km2"',
            "tolerance_pct = 5.0",
            'phrase = "示例数据"',
            "",
        ]
    lines += [
        "[[headlines]]",
        'id = "demo"',
        'label_zh = "示例数据"',
        'label_en = "synthetic example"',
        "value = 0",
        'unit = ""',
        "",
    ]
    return "\n".join(lines)


RULES_TOML = """# Rules of the synthetic zones (示例数据). The must_not_occupy rule names its constraint
# layer; give the layer with --constraint 永久基本农田=examples/review/farmland.geojson.
[[rules]]
id = "demo-zones-no-overlap"
kind = "no_overlap"
layer = "zones"
max_overlap_m2 = 1.0
allowed_nesting = []

[[rules]]
id = "demo-zones-not-on-farmland"
kind = "must_not_occupy"
layer = "zones"
constraint_layer = "永久基本农田"
max_occupied_m2 = 1.0
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("examples/review"))
    out = parser.parse_args().out
    files = {
        "landuse_existing.geojson": _collection("landuse_existing", landuse(EXISTING, "existing")),
        "landuse_planned.geojson": _collection("landuse_planned", landuse(PLANNED, "planned")),
        "zones.geojson": _collection("zones", zones()),
        **{f"{n}.geojson": _collection(n, f) for n, f in constraints().items()},
        "plan.toml": plan_toml(),
        "rules.toml": RULES_TOML,
    }
    for name, text in files.items():
        write_text_atomic(out / name, text)
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
