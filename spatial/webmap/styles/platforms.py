"""The innovation platforms (三大平台), as large dots coloured by the kind of platform."""

from __future__ import annotations

from spatial.webmap.styles._base import LayerStyle, LegendEntry, Row

__all__ = ["PLATFORMS"]

_KINDS = {
    "Technology commercialisation platform": ("commercialisation", "#6a3d9a", "科技成果产业化平台"),
    "Specialised technology platform": ("specialised", "#1f78b4", "专业技术平台"),
    "Government-industry-university-research platform": (
        "integration",
        "#ff7f00",
        "政产学研融合平台",
    ),
}
_OTHER_COLOUR = "#33a02c"


def _classify(row: Row) -> str:
    kind = _KINDS.get(str(row.get("platform_kind_en")))
    return kind[0] if kind else "other"


def _dot(colour: str) -> dict[str, object]:
    return {
        "radius": 8,
        "color": "#ffffff",
        "weight": 2,
        "fillColor": colour,
        "fillOpacity": 0.95,
    }


def _rows(row: Row) -> list[tuple[str, object]]:
    return [
        (
            "平台类型 Platform kind",
            f"{row.get('platform_kind_zh', '')} {row.get('platform_kind_en', '')}",
        ),
        ("所属 Assigned to", row.get("assigned_to")),
    ]


_HIDDEN = frozenset({"kind", "platform_kind_zh", "platform_kind_en", "assigned_to"})


PLATFORMS = LayerStyle(
    name="platforms",
    title_zh="创新平台",
    title_en="Innovation platforms",
    paths={
        **{key: _dot(colour) for key, colour, _ in _KINDS.values()},
        "other": _dot(_OTHER_COLOUR),
    },
    classify=_classify,
    legend=(
        *(LegendEntry(key, "point", zh, en.lower()) for en, (key, _, zh) in _KINDS.items()),
        LegendEntry("other", "point", "其他平台", "other platform", always=False),
    ),
    z_index=490,  # above the town dots: a platform can sit on a town seat
    popup_rows=_rows,
    hidden=_HIDDEN,
)
