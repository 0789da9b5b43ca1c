"""The ground of failed rules (:func:`spatial.checks.pieces.failure_pieces`), in red on top."""

from __future__ import annotations

from spatial.checked.figures import number_text
from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row

__all__ = ["FAILURES"]

_RED = "#d7191c"  # spatial.publish.palette.FAIL_RED


def _path(dash: str | None = None) -> dict[str, object]:
    path: dict[str, object] = {"color": _RED, "weight": 2, "fillColor": _RED, "fillOpacity": 0.6}
    return {**path, "dashArray": dash} if dash else path


def _classify(row: Row) -> str:
    return {"overlap": "overlap", "outside district": "outside"}.get(
        str(row.get("piece")), "nesting"
    )


FAILURES = LayerStyle(
    name="failures",
    title_zh="规则不符",
    title_en="Failed rules",
    paths={"overlap": _path(), "outside": _path("4 3"), "nesting": _path("1 3")},
    classify=_classify,
    legend=(
        LegendEntry("overlap", "polygon", "重叠", "overlap"),
        LegendEntry("outside", "polygon", "区界外", "outside the district", always=False),
        LegendEntry(
            "nesting", "polygon", "超出所属分区", "outside its declared outer zone", always=False
        ),
    ),
    z_index=475,
    fields=(
        Field("rule", "规则 Rule"),
        Field("piece", "类型 Piece"),
        Field("other_id", "相关要素 Other feature"),
        Field("area_km2", "面积 Area", lambda v: f"{number_text(float(v), 4)} km²"),
    ),
    hidden=frozenset(),
)
