"""The 用地平衡表 (land-use balance table): area by land-use class, per zone or for the whole layer.

Each land-use feature is cut by each zone; the pieces are measured on the
ellipsoid (GRS80/CGCS2000, :func:`spatial.measure.area.ellipsoidal_area_m2`) and
summed per class. The part of a zone no land-use feature covers is its own row
(``class_code`` None, ``class_name`` 未覆盖), so a zone's rows add up to the
zone's own measured area. Land-use features that overlap each other would be
counted twice: a layer whose features overlap by more than
:data:`OVERLAP_TOLERANCE_M2` inside one zone is refused.

Units: ``area_m2`` square metres, ``area_ha`` hectares, ``area_mu`` 亩
(10000/15 m²); ``share_of_zone`` a fraction of the zone's area (of the layer's
whole area without zones).

The 建设用地 (construction land) classes are not in the land-use data (their
source could not be found): a subtotal is given when the caller names them
(``construction=("07", "08", ...)``, codes or code prefixes), and every row then
says whether it is construction land.
"""

from __future__ import annotations

from collections.abc import Collection

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.errors import LayerError
from spatial.landuse.classes import LEVEL_DIGITS, load_classes
from spatial.landuse.fields import CLASS_CODE_FIELD, check_class_field
from spatial.review._pieces import area_m2, cut_pairs, ready_layers, require_unique
from spatial.units import M2_PER_HA, M2_PER_MU

__all__ = [
    "BALANCE_COLUMNS",
    "COMPARE_COLUMNS",
    "OVERLAP_TOLERANCE_M2",
    "UNCOVERED_NAME",
    "balance_table",
    "compare_balance",
    "subtotals",
]

#: Columns of a balance table, in order.
BALANCE_COLUMNS = [
    "zone_id",
    "class_code",
    "class_name",
    "level",
    "construction_land",
    "area_m2",
    "area_ha",
    "area_mu",
    "share_of_zone",
    "zone_area_m2",
]
#: Overlap between land-use features inside one zone above which the layer is refused (m²).
OVERLAP_TOLERANCE_M2 = 1.0
#: Name of the row for the part of a zone no land-use feature covers.
UNCOVERED_NAME = "未覆盖 not covered by the land-use layer"


def _codes(landuse: gpd.GeoDataFrame, source: str, field: str, level: int | None) -> list[str]:
    """Return the class codes, checked (unknown or blank refused), cut to ``level`` if given."""
    problems = [
        p
        for p in check_class_field(landuse, source, code_field=field, name_field=None)
        if p.kind in {"blank", "unknown"}
    ]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LayerError(f"{problems[0]}{more}")
    codes = [str(v).strip() for v in landuse[field]]
    return codes if level is None else [c[: LEVEL_DIGITS[level]] for c in codes]


def _is_construction(code: str | None, construction: Collection[str] | None) -> bool | None:
    if construction is None or code is None:
        return None
    return any(code.startswith(prefix) for prefix in construction)


def _check_overlap(zone_id: str | None, pieces: np.ndarray, source: str) -> shapely.Geometry:
    """Return the union of the pieces; refuse pieces that overlap each other.

    The overlap is measured pair by pair (the area two pieces share), not as
    the sum of the pieces less their union, so it does not depend on areas
    adding up exactly.
    """
    tree = shapely.STRtree(pieces)
    a, b = tree.query(pieces, predicate="intersects")
    pair = a < b
    shared_m2 = area_m2(shapely.intersection(pieces[a[pair]], pieces[b[pair]])).sum()
    if shared_m2 > OVERLAP_TOLERANCE_M2:
        where = f" inside zone {zone_id}" if zone_id is not None else ""
        raise LayerError(
            f"{source}: land-use features overlap each other by {shared_m2:,.1f} m²{where}; "
            "a balance table needs features that do not overlap"
        )
    return shapely.union_all(pieces)


def _rows(
    zone_id: str | None,
    codes: list[str],
    piece_m2: np.ndarray,
    uncovered_m2: float | None,
    zone_m2: float,
    construction: Collection[str] | None,
) -> list[dict[str, object]]:
    classes = load_classes()
    by_class = pd.Series(piece_m2).groupby(pd.Series(codes, dtype=object)).sum()
    items: list[tuple[str | None, float]] = [(str(c), float(a)) for c, a in by_class.items()]
    if uncovered_m2 is not None and uncovered_m2 > 0:
        items.append((None, uncovered_m2))
    rows: list[dict[str, object]] = []
    for code, m2 in items:
        known = classes.get(code) if code is not None else None
        rows.append(
            {
                "zone_id": zone_id,
                "class_code": code,
                "class_name": known.name_zh if known else UNCOVERED_NAME,
                "level": known.level if known else None,
                "construction_land": _is_construction(code, construction),
                "area_m2": m2,
                "area_ha": m2 / M2_PER_HA,
                "area_mu": m2 / M2_PER_MU,
                "share_of_zone": m2 / zone_m2 if zone_m2 > 0 else np.nan,
                "zone_area_m2": zone_m2,
            }
        )
    return rows


def balance_table(
    landuse: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    *,
    class_field: str = CLASS_CODE_FIELD,
    zone_id_field: str = "id",
    level: int | None = None,
    construction: Collection[str] | None = None,
    names: tuple[str, str] = ("landuse", "zones"),
    repair: bool = False,
) -> pd.DataFrame:
    """Return the 用地平衡表: one row per zone and land-use class, areas in m², ha and 亩.

    Parameters
    ----------
    landuse : geopandas.GeoDataFrame
        Land-use polygons with a class code in ``class_field`` (any explicit CRS).
    zones : geopandas.GeoDataFrame, optional
        Zones to tabulate by; the whole land-use layer (``zone_id`` None) when None.
    class_field : str
        Field of the class code (``YDYHFLDM`` by default). Blank or unknown
        codes are refused (see :func:`spatial.landuse.check_class_field`).
    zone_id_field : str
        Field naming each zone.
    level : {1, 2, 3}, optional
        Tabulate at this level (2-, 4- or 6-digit codes); codes coarser than
        the level stay as they are. The codes as given by default.
    construction : collection of str, optional
        Codes (or prefixes, e.g. ``"07"``) counted as 建设用地; sets the
        ``construction_land`` column (None when not given).
    names : (str, str)
        How to name the two layers in messages (their files).
    repair : bool
        Repair invalid geometries instead of refusing them.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BALANCE_COLUMNS`; per zone, its rows' ``area_m2`` add up
        to ``zone_area_m2`` (the zone's measured area; the layer's whole area
        without zones) and ``share_of_zone`` to 1. ``attrs["repairs"]`` lists
        the repairs made.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lu = gpd.GeoDataFrame({"YDYHFLDM": ["0701", "1001"]},
    ...     geometry=[box(106.0, 29.5, 106.01, 29.51), box(106.01, 29.5, 106.02, 29.51)], crs=4326)
    >>> zone = gpd.GeoDataFrame({"id": ["z"]}, geometry=[box(106.005, 29.5, 106.02, 29.51)],
    ...     crs=4326)
    >>> table = balance_table(lu, zone)
    >>> table[["class_code", "share_of_zone"]].round(4).to_dict("list")
    {'class_code': ['0701', '1001'], 'share_of_zone': [0.3333, 0.6667]}
    """
    layers = [(landuse, names[0], "")]
    layers += [(zones, names[1], zone_id_field)] if zones is not None else []
    ready, repairs = ready_layers(layers, repair=repair)
    lu = ready[0]
    codes = _codes(lu, names[0], class_field, level)
    lu_geoms = np.asarray(lu.geometry.array, dtype=object)
    rows: list[dict[str, object]] = []
    if zones is None:
        piece_m2 = area_m2(lu_geoms)
        _check_overlap(None, lu_geoms, names[0])
        rows = _rows(None, codes, piece_m2, None, float(piece_m2.sum()), construction)
    else:
        zone_ids = require_unique(ready[1], names[1], zone_id_field)
        zone_geoms = np.asarray(ready[1].geometry.array, dtype=object)
        zone_m2 = area_m2(zone_geoms)
        zi, li, pieces = cut_pairs(zone_geoms, lu_geoms)
        piece_m2 = area_m2(pieces)
        for z, zone_id in enumerate(zone_ids):
            mine = zi == z
            covered = _check_overlap(zone_id, pieces[mine], names[0])
            uncovered = float(area_m2([shapely.difference(zone_geoms[z], covered)])[0])
            rows += _rows(
                zone_id,
                [codes[i] for i in li[mine]],
                piece_m2[mine],
                uncovered,
                float(zone_m2[z]),
                construction,
            )
    table = pd.DataFrame(rows, columns=BALANCE_COLUMNS)
    table["level"] = pd.Series([r["level"] for r in rows], dtype=object)
    table.attrs["repairs"] = repairs
    return table


def subtotals(table: pd.DataFrame) -> pd.DataFrame:
    """Return per zone the 建设用地 subtotal (when known) and the total, for display.

    Columns ``zone_id, row, area_m2, area_ha, area_mu, share_of_zone``; ``row`` is
    ``建设用地 construction land`` or ``合计 total``.
    """
    rows = []
    for zone_id, group in table.groupby("zone_id", dropna=False, sort=False):
        zone_m2 = float(group["zone_area_m2"].iloc[0])
        parts = [("合计 total", group)]
        if group["construction_land"].notna().any():
            built = group[group["construction_land"].astype(bool)]
            parts.insert(0, ("建设用地 construction land", built))
        for label, part in parts:
            m2 = float(part["area_m2"].sum())
            rows.append(
                {
                    "zone_id": None if pd.isna(zone_id) else zone_id,
                    "row": label,
                    "area_m2": m2,
                    "area_ha": m2 / M2_PER_HA,
                    "area_mu": m2 / M2_PER_MU,
                    "share_of_zone": m2 / zone_m2 if zone_m2 > 0 else np.nan,
                }
            )
    return pd.DataFrame(
        rows, columns=["zone_id", "row", "area_m2", "area_ha", "area_mu", "share_of_zone"]
    )


#: Columns of an existing-against-planned comparison, in order.
COMPARE_COLUMNS = [
    "zone_id",
    "class_code",
    "class_name",
    "construction_land",
    "existing_m2",
    "planned_m2",
    "change_m2",
    "existing_ha",
    "planned_ha",
    "change_ha",
    "existing_mu",
    "planned_mu",
    "change_mu",
    "existing_share",
    "planned_share",
]


def compare_balance(existing: pd.DataFrame, planned: pd.DataFrame) -> pd.DataFrame:
    """Set two balance tables side by side (现状 existing, 规划 planned) with the change per class.

    Both come from :func:`balance_table` on the same zones. A class present in
    one only counts 0 in the other; ``change_*`` is planned minus existing.
    """
    keys = ["zone_id", "class_code"]
    cols = [*keys, "class_name", "construction_land", "area_m2", "share_of_zone"]
    both = existing[cols].merge(
        planned[cols], on=keys, how="outer", suffixes=("_e", "_p"), sort=False
    )
    out = pd.DataFrame({"zone_id": both["zone_id"], "class_code": both["class_code"]})
    out["class_name"] = both["class_name_e"].fillna(both["class_name_p"])
    out["construction_land"] = both["construction_land_e"].combine_first(
        both["construction_land_p"]
    )
    out["existing_m2"] = both["area_m2_e"].fillna(0.0)
    out["planned_m2"] = both["area_m2_p"].fillna(0.0)
    out["change_m2"] = out["planned_m2"] - out["existing_m2"]
    for unit, per in (("ha", M2_PER_HA), ("mu", M2_PER_MU)):
        for kind in ("existing", "planned", "change"):
            out[f"{kind}_{unit}"] = out[f"{kind}_m2"] / per
    out["existing_share"] = both["share_of_zone_e"].fillna(0.0)
    out["planned_share"] = both["share_of_zone_p"].fillna(0.0)
    return out[COMPARE_COLUMNS].reset_index(drop=True)
