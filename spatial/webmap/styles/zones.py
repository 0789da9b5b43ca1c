"""Planned zones coloured by their area check: green within tolerance, red outside, grey unchecked.

The class of a zone is the ``status`` column that :mod:`spatial.webmap.areas`
adds (``PASS``, ``FAIL`` or ``NO TARGET``); the popup shows measured against
target area.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

import pandas as pd

from spatial.checked.figures import area_text as plan_area_text
from spatial.checked.figures import pct_text
from spatial.webmap.styles._base import Field, LayerStyle, LegendEntry, Row, is_blank

__all__ = ["LABEL_ZOOM", "ZONES", "area_text", "zone_style"]


def _classify(row: Row) -> str:
    status = row.get("status")
    return status if status in {"PASS", "FAIL"} else "NO TARGET"


#: Zone labels show from this zoom level on when the map shows the district: in the
#: district-wide view the zones are a few dozen pixels across and their long names would
#: cover each other and the towns'. Every zone has a label; the page places each inside
#: its zone when it fits (led aside or set smaller to clear the others: ``controls.js``).
LABEL_ZOOM = 11.5

_STATUS = {"PASS": "符合 PASS", "FAIL": "不符合 FAIL", "NO TARGET": "无目标 no target"}


def _number(row: Row, column: str) -> float | None:
    """Return the value in ``column`` as a float; None when absent or missing (NaN, NA)."""
    value = row.get(column)
    return None if value is None or pd.isna(value) else float(value)


def _unit(row: Row) -> str:
    """Return the unit of the zone's target as the plan gave it (``mu``); ``km2`` without one."""
    unit = row.get("target_unit")
    return unit if isinstance(unit, str) and unit else "km2"


def _measured_text(row: Row, measured_km2: float) -> str:
    """Return the zone's measured area: in its target's unit, and in m² when no target judges it.

    A zone no target judges also shows m² (the survey's unit), as the terminal
    and the report list it, so the three say the same figure.

    Examples
    --------
    >>> _measured_text({"status": "NO TARGET"}, 0.59979)
    '0.5998 km² (59.98 公顷 ha), 599,790 m²'
    """
    text = area_text(measured_km2, _unit(row))
    if _number(row, "target_km2") is None and _classify(row) == "NO TARGET":
        return f"{text}, {area_text(measured_km2, 'm2')}"
    return text


def area_text(area_km2: float, unit: str = "km2", *, exact: bool = False) -> str:
    """Return an area in km² as the pages print it in ``unit``; a km² area under 1 km² with ha.

    :func:`spatial.checked.figures.area_text` (km² to ``spatial check``'s 4
    decimals, 亩 and ha as the atlas prints them); ``exact`` for a plan's target.

    Examples
    --------
    >>> area_text(20.0), area_text(0.59979)
    ('20.0000 km²', '0.5998 km² (59.98 公顷 ha)')
    >>> area_text(0.59979, "mu"), area_text(0.6, "ha", exact=True)
    ('899.7 亩', '60 公顷 ha')
    """
    text = plan_area_text(area_km2, unit, exact=exact)
    if unit != "km2" or exact or area_km2 >= 1:
        return text
    return f"{text} ({plan_area_text(area_km2, 'ha')})"


def _rows(row: Row) -> list[tuple[str, object]]:
    measured, target = _number(row, "measured_km2"), _number(row, "target_km2")
    unit = _unit(row)
    rows: list[tuple[str, object]] = []
    if measured is not None:
        rows.append(("实测面积 Measured area", _measured_text(row, measured)))
    if target is not None:
        tolerance = _number(row, "tolerance_pct")
        diff = _number(row, "diff_pct")
        diff_text = "—" if diff is None else pct_text(diff)
        tolerance_text = "" if tolerance is None else f" (容差 tolerance ±{tolerance:g}%)"
        rows += [
            ("规划目标 Target area", area_text(target, unit, exact=True)),
            ("差异 Difference", diff_text + tolerance_text),
        ]
    rows.append(("面积核查 Area check", _STATUS[_classify(row)]))
    return rows


def _fill(colour: str) -> dict[str, object]:
    return {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.35}


ZONES = LayerStyle(
    name="zones",
    title_zh="规划分区（面积核查）",
    title_en="Planned zones (area check)",
    paths={"PASS": _fill("#1a9850"), "FAIL": _fill("#d73027"), "NO TARGET": _fill("#969696")},
    classify=_classify,
    legend=(
        LegendEntry("PASS", "polygon", "面积符合目标", "area within tolerance"),
        LegendEntry("FAIL", "polygon", "面积超出容差", "area outside tolerance"),
        LegendEntry("NO TARGET", "polygon", "无面积目标", "no area target", always=False),
    ),
    z_index=440,
    popup_rows=_rows,
    label=True,
    label_direction="center",
    label_zoom=(LABEL_ZOOM, 99),
    fields=(Field("part_of", "所属 Part of"),),
    hidden=frozenset(
        {"kind", "target_km2", "measured_km2", "diff_pct", "tolerance_pct", "status"}
        | {"target_value", "target_unit"}
    ),
)


def _area_note(row: Row) -> str:
    area = row.get("measured_km2")
    return "" if is_blank(area) else _measured_text(row, float(cast(float, area)))


def zone_style(zones: pd.DataFrame, label_from: float = LABEL_ZOOM) -> LayerStyle:
    """Return the zones' style for this map: each zone its own colour, a failed check edged red.

    ``label_from`` is the zoom level the permanent labels show from (0 on a
    planner's map framed on their zones: legible as it opens).

    Colours are ColorBrewer Dark2 by zone order (:func:`spatial.publish.palette.zone_colours`),
    the same as on the printed sheet; class keys are positions (``z0``, ``z1``…),
    never ids, so no text of the file reaches the page's styles. The legend
    names each zone with its measured area.
    """
    from spatial.publish.palette import FAIL_RED, zone_colours  # noqa: PLC0415 - shared palette

    rows: list[Row] = [
        {str(k): v for k, v in r.items()}
        for r in zones.drop(columns=zones.geometry.name).to_dict("records")
    ]
    ids = [str(r.get("id", n)) for n, r in enumerate(rows)]
    colours = zone_colours(ids)
    keys = {zone_id: f"z{n}" for n, zone_id in enumerate(dict.fromkeys(ids))}
    paths: dict[str, dict[str, object]] = {}
    legend = []
    for row, zone_id in zip(rows, ids, strict=True):
        key, fill = keys[zone_id], _fill(colours[zone_id])
        if _classify(row) == "FAIL":
            fill = {**fill, "color": FAIL_RED, "weight": 3, "dashArray": "6 3"}
        paths[key] = fill
        area_label = _area_note(row)
        name = row.get("name_zh") if not is_blank(row.get("name_zh")) else zone_id
        status = _STATUS[_classify(row)]
        legend.append(LegendEntry(key, "polygon", str(name), f"{area_label} · {status}"))

    def classify(row: Row) -> str:
        return keys.get(str(row.get("id")), "z0")

    return replace(
        ZONES,
        tooltip_note=_area_note,
        paths=paths,
        classify=classify,
        legend=tuple(legend),
        label_zoom=(label_from, 99),
    )
