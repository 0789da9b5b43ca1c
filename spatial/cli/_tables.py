"""Tables several commands print alike on the terminal.

The zones no target judges (``spatial map`` and ``spatial report``), rounded as
the map's popups and the report print them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the help and a refused call load none of them (pandas)
    from spatial.checked.snapshot import PlanSnapshot
    from spatial.commands._inputs import PlanLayers

__all__ = ["UNJUDGED_HEADING", "zone_areas_text"]

#: The heading of the zones' table no target judges (``spatial map``, ``spatial report``).
UNJUDGED_HEADING = "zones: measured, no target judges them (areas ellipsoidal, CGCS2000):"


def zone_areas_text(snapshot: PlanSnapshot, inputs: PlanLayers) -> str | None:
    """Return the zones no target judges with their measured areas (m², the plan's unit).

    ``spatial map`` and ``spatial report`` print it where no target judges any
    zone drawn (:attr:`~spatial.checked.snapshot.PlanSnapshot.unjudged_zones`: a
    planner's zones the bundled plan does not judge, a project naming no
    targets), as the map's popups and the report's table show them; None
    otherwise. Ids and names headed by the planner's fields (``DYBH``).
    """
    from spatial.checked.figures import area_text  # noqa: PLC0415
    from spatial.report import format_table  # noqa: PLC0415 - pandas: the map is drawn by now
    from spatial.table_formats._ids import planner_ids  # noqa: PLC0415 - as every table
    from spatial.units import M2_PER_KM2  # noqa: PLC0415

    zones = snapshot.unjudged_zones
    if not len(zones):
        return None
    table = zones.dropna(axis="columns", how="all")  # no name field: no name column
    km2 = zones["measured_m2"].astype(float) / M2_PER_KM2
    for unit in snapshot.zone_units:  # rounded as the map's popups and the report print them
        table = table.assign(**{f"measured_{unit}": [area_text(a, unit) for a in km2]})
    table = table.assign(status="NO TARGET")
    options = inputs.options_of("zones")
    theirs = {"id": options.id_field, "name_zh": options.name_field}
    fields = {c: f for c, f in theirs.items() if f is not None and f != c}
    return "\n".join([UNJUDGED_HEADING, format_table(planner_ids(table, fields, "table"))])
