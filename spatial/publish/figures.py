"""Figures as the printed pages set them: see :mod:`spatial.checked.figures` (one helper).

The helper lives with the checked plan, so the checks' own reasons (a target's
FAIL line) print a target in the plan's unit as the pages do.
"""

from __future__ import annotations

from spatial.checked.figures import (
    UNIT_LABELS,
    area_text,
    limit_text,
    number_text,
    pct_text,
    quantity_text,
    table_number_text,
)

__all__ = [
    "UNIT_LABELS",
    "area_text",
    "limit_text",
    "number_text",
    "pct_text",
    "quantity_text",
    "table_number_text",
]
