"""A survey-style coverage in CGCS2000 Gauss–Krüger (EPSG:4544), clean in that frame, for the tests.

Synthetic (示例数据), shaped like a district's land-use survey: a 2.4 km road
parcel whose long edges have no vertex where the neighbours' corners lie on
them (T-junctions), parcels north and south of it with their corners offset,
ids in ``BSM``, classes in ``YDYHFLDM`` (2023 guide codes), and zones with ids
in ``DYBH`` that share edges, one of them with a T-junction (zone A's east edge
has no vertex where zones B1 and B2 meet on it).

In EPSG:4544 there is no gap and no overlap anywhere; moved to lon/lat vertex
by vertex, the road's 2.4 km edges bow from the neighbours' corners by a lens
of about 100 m² (L³·tanφ/(12R)), which is what the toolkit must not turn into
invented overlaps, gaps or class changes.

Layout (metres east and north of ``X0, Y0``, about 106.2°E 29.6°N)::

    y=1000  +---------- parcels N: 300 m wide, x = 0,300,...,2400 ------------+
            |                                                                 |
    y=520   +======================= road R (no vertex between its ends) ====+
    y=500   +---------- parcels S: 300 m wide, x = 0,150,450,...,2250,2400 ---+
            |                                                                 |
    y=0     +-----------------------------------------------------------------+

    zones: A = x 0..1200, y 0..1000 (no vertex at y=500 on its east edge)
           B1 = x 1200..2400, y 0..500;  B2 = x 1200..2400, y 500..1000
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from strip_reference import area_m2 as strip_area_m2

__all__ = [
    "GK",
    "ROAD_LENGTH_M",
    "X0",
    "Y0",
    "gk_to_lonlat",
    "oracle_area_m2",
    "survey_parcels",
    "survey_parcels_revised",
    "survey_zones",
]

GK = "EPSG:4544"
#: South-west corner of the coverage, EPSG:4544 metres (about 106.19°E, 29.58°N, in Bishan).
X0, Y0 = 615_000.0, 3_276_000.0
ROAD_LENGTH_M = 2_400.0
ROAD_S, ROAD_N = 500.0, 520.0
_TO_LONLAT = Transformer.from_crs(GK, "EPSG:4490", always_xy=True)


def _box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _frame(rows: list[tuple[str, str, shapely.Geometry]], crs: str = GK) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "BSM": [r[0] for r in rows],
            "YDYHFLDM": [r[1] for r in rows],
            "note": ["示例数据 synthetic"] * len(rows),
        },
        geometry=[r[2] for r in rows],
        crs=crs,
    )


def _north_south(
    classes_n: list[str], classes_s: list[str]
) -> list[tuple[str, str, shapely.Geometry]]:
    rows = []
    xs_n = np.arange(0.0, ROAD_LENGTH_M + 1, 300.0)
    for i, (x1, x2) in enumerate(itertools.pairwise(xs_n)):
        rows.append((f"N{i:02d}", classes_n[i % len(classes_n)], _box(x1, ROAD_N, x2, 1000.0)))
    xs_s = np.array([0.0, *np.arange(150.0, ROAD_LENGTH_M, 300.0), ROAD_LENGTH_M])
    for i, (x1, x2) in enumerate(itertools.pairwise(xs_s)):
        rows.append((f"S{i:02d}", classes_s[i % len(classes_s)], _box(x1, 0.0, x2, ROAD_S)))
    return rows


_CLASSES_N = ["0701", "1001", "0103"]
_CLASSES_S = ["0101", "0103", "0702"]


def survey_parcels() -> gpd.GeoDataFrame:
    """Return the land-use coverage: road ``R`` (1207) and 8 + 9 parcels, EPSG:4544, ids in BSM."""
    rows = [("R", "1207", _box(0.0, ROAD_S, ROAD_LENGTH_M, ROAD_N))]
    return _frame(rows + _north_south(_CLASSES_N, _CLASSES_S))


#: The parcel reclassified in :func:`survey_parcels_revised`, its class before and after.
RECLASSIFIED = ("N01", "1001", "0701")
#: Where the revised version splits the road (metres east of ``X0``; no neighbour's corner there).
ROAD_SPLIT_X = 1_300.0


def survey_parcels_revised() -> gpd.GeoDataFrame:
    """Return the next version: parcel N01 reclassified 1001 → 0701, the road split at x = 1300 m.

    Nothing else changes: every other parcel keeps its id, class and geometry.
    """
    parcels = survey_parcels()
    road = parcels[parcels["BSM"] == "R"]
    rest = parcels[parcels["BSM"] != "R"].copy()
    rest.loc[rest["BSM"] == RECLASSIFIED[0], "YDYHFLDM"] = RECLASSIFIED[2]
    halves = _frame(
        [
            ("R1", "1207", _box(0.0, ROAD_S, ROAD_SPLIT_X, ROAD_N)),
            ("R2", "1207", _box(ROAD_SPLIT_X, ROAD_S, ROAD_LENGTH_M, ROAD_N)),
        ]
    )
    assert len(road) == 1
    out = gpd.GeoDataFrame(
        np.concatenate([halves.to_numpy(), rest.to_numpy()]), columns=halves.columns
    )
    return out.set_geometry("geometry").set_crs(GK)


def survey_zones() -> gpd.GeoDataFrame:
    """Return zones A, B1, B2 (ids DYBH, names DYMC), EPSG:4544, sharing edges with a T-junction."""
    return gpd.GeoDataFrame(
        {
            "DYBH": ["A", "B1", "B2"],
            "DYMC": ["示例单元A", "示例单元B1", "示例单元B2"],
            "note": ["示例数据 synthetic"] * 3,
        },
        geometry=[
            _box(0.0, 0.0, 1200.0, 1000.0),
            _box(1200.0, 0.0, 2400.0, 500.0),
            _box(1200.0, 500.0, 2400.0, 1000.0),
        ],
        crs=GK,
    )


def gk_to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """Move a geometry's vertices (only) from EPSG:4544 to CGCS2000 lon/lat (EPSG:4490)."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_LONLAT.transform(*xy.T)))


def oracle_area_m2(geom_gk: shapely.Geometry) -> float:
    """The survey rule, independently: vertices to lon/lat, then the tests' own strip integral."""
    return strip_area_m2(gk_to_lonlat(geom_gk))
