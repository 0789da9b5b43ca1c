"""The survey coverage of ``tests/survey.py`` with one of each planted defect, and without.

Synthetic (示例数据). Both layers carry ``BSM`` ids, ``YDYHFLDM`` codes, the
guide's ``YDYHFLMC`` names and ``TBMJ`` areas computed by the tests' own oracle
(``oracle_area_m2``: vertices to lon/lat, the strip rule), rounded to 0.01 m².
The clean one keeps the survey's T-junctions (the road's long edges have no
vertex where the neighbours' corners lie on them).

Planted defects (metres east/north of ``X0, Y0``, EPSG:4544):

- ``GAP``: a 4 m x 5 m notch cut from N03 at its east edge (against N04): a 20 m² gap;
- ``OVERLAP``: S02 drawn 2 m into S03: a 2 m x 500 m overlap;
- ``SL``: a 0.5 m x 0.1 m feature (0.05 m²) cut out of N05;
- ``BT``: a bow-tie, 10 m east of the coverage;
- N06 coded ``0799`` (no such class); S04 (0103 旱地) named 水田;
- S05's TBMJ 10 % above its area; S08 carrying S07's id.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from survey import GK, X0, Y0, oracle_area_m2, survey_parcels

from spatial.landuse import load_classes

__all__ = ["BOWTIE", "GAP", "OVERLAP", "SLIVER", "clean_layer", "planted_layer"]

GAP = (1196.0, 700.0, 1200.0, 705.0)
OVERLAP = (750.0, 0.0, 752.0, 500.0)
SLIVER = (1500.0, 990.0, 1500.5, 990.1)
BOWTIE = [(2410.0, 0.0), (2420.0, 10.0), (2420.0, 0.0), (2410.0, 10.0)]


def box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    """A box in metres east and north of the coverage's corner (EPSG:4544)."""
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _attributes(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    classes = load_classes()
    layer = layer.copy()
    layer["YDYHFLMC"] = [classes[c].name_zh if c in classes else "" for c in layer["YDYHFLDM"]]
    valid = shapely.make_valid(layer.geometry.to_numpy())
    layer["TBMJ"] = [round(oracle_area_m2(g), 2) for g in valid]
    return layer


def clean_layer() -> gpd.GeoDataFrame:
    """The survey coverage with names and TBMJ: no defect, T-junctions kept."""
    return _attributes(survey_parcels())


def _set(layer: gpd.GeoDataFrame, bsm: str, field: str, value: object) -> None:
    layer.loc[layer["BSM"] == bsm, field] = value


def planted_layer() -> gpd.GeoDataFrame:
    """The survey coverage with one of each defect (see the module docstring)."""
    layer = survey_parcels()
    geoms = dict(zip(layer["BSM"], layer.geometry, strict=True))
    geoms["N03"] = geoms["N03"].difference(box(*GAP))
    geoms["S02"] = geoms["S02"].union(box(*OVERLAP))
    geoms["N05"] = geoms["N05"].difference(box(*SLIVER))
    layer = layer.set_geometry([geoms[b] for b in layer["BSM"]], crs=GK)
    extra = gpd.GeoDataFrame(
        {"BSM": ["SL", "BT"], "YDYHFLDM": ["0103", "0103"], "note": "示例数据 synthetic"},
        geometry=[box(*SLIVER), shapely.Polygon([(X0 + x, Y0 + y) for x, y in BOWTIE])],
        crs=GK,
    )
    rows = np.concatenate([layer.to_numpy(), extra.to_numpy()])
    layer = gpd.GeoDataFrame(rows, columns=layer.columns).set_geometry("geometry").set_crs(GK)
    layer = _attributes(layer)
    _set(layer, "N06", "YDYHFLDM", "0799")
    _set(layer, "S04", "YDYHFLMC", "水田")
    _set(
        layer,
        "S05",
        "TBMJ",
        round(float(layer.loc[layer["BSM"] == "S05", "TBMJ"].iloc[0]) * 1.1, 2),
    )
    _set(layer, "S08", "BSM", "S07")
    return layer
