"""三区三线 conflict pieces (``spatial check --conflicts-out``): red, with area and both ids.

The popup gives the piece's area in m², 公顷 and 亩, the checked feature's id
(``zone_id``), the constraint and the ids of its features (``constraint_ids``),
and the land-use class when known; made-up (示例数据) pieces say so first.
"""

from __future__ import annotations

import geopandas as gpd

from spatial.checked.figures import number_text
from spatial.synthetic import SYNTHETIC_NOTE
from spatial.units import M2_PER_HA, M2_PER_MU
from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row, is_blank

__all__ = ["CONFLICTS", "area_lines", "synthetic_lines", "with_toolkit_ids"]

_KIND = {"must_not_occupy": "占用 occupies", "must_lie_within": "超出 lies outside"}
#: The pieces' id columns, in the order a conflict layer holds them right after ``constraint``.
_ID_COLUMNS = ("zone_id", "constraint_ids")
#: The columns written after them (``spatial check --conflicts-out``), never an id.
_AFTER_IDS = frozenset({"class_code", "area_m2", "area_ha", "area_mu", "synthetic"})


def with_toolkit_ids(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a conflict layer with its id columns under the toolkit's names.

    ``spatial check --conflicts-out`` (and the review's ``findings.gpkg``) write
    ``zone_id`` and ``constraint_ids`` as the planner's id fields (``DYBH``,
    ``BSM``), in that order right after ``constraint``; drawn again, they are the
    popup's checked feature and constraint features.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> written = gpd.GeoDataFrame({"kind": ["must_not_occupy"], "constraint": ["永久基本农田"],
    ...     "DYBH": ["A"], "BSM": ["JBNT1"], "area_m2": [1.0]}, geometry=[box(0, 0, 1, 1)])
    >>> list(with_toolkit_ids(written).columns)[:4]
    ['kind', 'constraint', 'zone_id', 'constraint_ids']
    """
    columns = [str(c) for c in gdf.columns]
    if "constraint" not in columns:
        return gdf
    after = columns[columns.index("constraint") + 1 :][: len(_ID_COLUMNS)]
    renames = {
        theirs: toolkit
        for theirs, toolkit in zip(after, _ID_COLUMNS, strict=False)
        if theirs not in (*_ID_COLUMNS, *_AFTER_IDS, gdf.geometry.name) and toolkit not in columns
    }
    return gdf.rename(columns=renames) if renames else gdf


def area_lines(area_m2: float | None) -> list[tuple[str, object]]:
    """Return the popup line of an area in m², with 公顷 and 亩 beside it.

    Examples
    --------
    >>> area_lines(6666.67)
    [('面积 Area', '6,666.7 m² = 0.6667 ha = 10.00 亩')]
    >>> area_lines(0.4)  # a sliver keeps its figure in every unit
    [('面积 Area', '0.4 m² = 0.000040 ha = 0.00060 亩')]
    """
    if area_m2 is None or is_blank(area_m2):
        return []
    m2 = float(area_m2)
    ha, mu = number_text(m2 / M2_PER_HA, 4), number_text(m2 / M2_PER_MU, 2)
    return [("面积 Area", f"{number_text(m2, 1)} m² = {ha} ha = {mu} 亩")]


def synthetic_lines(row: Row) -> list[tuple[str, object]]:
    """Return the 示例数据 line for a feature marked synthetic (none otherwise)."""
    flag = row.get("synthetic")
    return [("数据 Data", SYNTHETIC_NOTE)] if not is_blank(flag) and bool(flag) else []


def _rows(row: Row) -> list[tuple[str, object]]:
    kind = _KIND.get(str(row.get("kind")), row.get("kind"))
    lines = [*synthetic_lines(row), ("冲突 Conflict", f"{kind} {row.get('constraint', '')}")]
    return lines + area_lines(row.get("area_m2"))


CONFLICTS = LayerStyle(
    name="conflicts",
    title_zh="三区三线冲突",
    title_en="Conflicts with protected lines",
    paths={
        "conflict": {"color": "#b2182b", "weight": 2, "fillColor": "#d6604d", "fillOpacity": 0.6}
    },
    classify=lambda row: "conflict",
    legend=(LegendEntry("conflict", "polygon", "冲突图斑", "conflict piece"),),
    z_index=480,
    popup_rows=_rows,
    fields=(
        Field("zone_id", "规划要素 Checked feature"),
        Field("constraint_ids", "管控要素 Constraint feature(s)"),
        Field("class_code", "地类 Land-use class"),
    ),
    hidden=frozenset(
        {"kind", "constraint", "area_m2", "area_ha", "area_mu", "synthetic", "area_raw_m2"}
        | {"largest_adjustment_m2", "largest_adjustment_rel", "name_zh", "id"}  # bookkeeping
    ),
)
