"""Figures as the printed pages set them: a target in the plan's own unit, a signed percentage.

A plan gives a zone's target in km², ha, 亩 or m² (:data:`spatial.units.AREA_UNITS`);
the pages show it in that unit, as the planner wrote it (``1000 亩``, not
``0.666667 km²``), with the measured area in the same unit beside it. A
difference is printed with its sign (a true minus, U+2212) and enough digits to
be read: ``−0.03 %``, never ``-0.0%``. The checks' own reasons (a target's FAIL
line) and the pages use this one helper (:mod:`spatial.publish.figures` re-exports it).
"""

from __future__ import annotations

import math

from spatial.units import M2_PER_KM2, convert_area

__all__ = ["UNIT_LABELS", "area_text", "pct_text"]

#: How each unit of :data:`spatial.units.AREA_UNITS` is printed.
UNIT_LABELS = {"km2": "km²", "ha": "公顷 ha", "mu": "亩", "m2": "m²"}
#: Decimals of a measured area, by unit (about 1 m² or finer in each).
_DECIMALS = {"km2": 2, "ha": 2, "mu": 1, "m2": 0}
_MINUS = "\u2212"


def area_text(area_km2: float, unit: str, *, exact: bool = False) -> str:
    """Return an area (given in km²) printed in ``unit``: ``'999.8 亩'``; ``'—'`` when NaN.

    ``exact`` prints the figure with all its digits (a plan's stated target),
    else with the unit's decimals (a measured area). An unknown unit is km².

    Examples
    --------
    >>> area_text(1000 * 10_000 / 15 / 1e6, "mu", exact=True)
    '1,000 亩'
    >>> area_text(0.66655, "mu"), area_text(1.19966, "km2"), area_text(float("nan"), "ha")
    ('999.8 亩', '1.20 km²', '—')
    """
    if math.isnan(area_km2):
        return "—"
    unit = unit if unit in UNIT_LABELS else "km2"
    value = convert_area(area_km2 * M2_PER_KM2, unit)
    shown = format(value, ",.10g") if exact else f"{value:,.{_DECIMALS[unit]}f}"
    return f"{shown} {UNIT_LABELS[unit]}"


def pct_text(pct: float) -> str:
    """Return a signed percentage readable in sign and size: ``'−0.03 %'``; ``'—'`` when NaN.

    Two decimals; a difference smaller than 0.005 % keeps two significant
    digits, so no nonzero difference prints as zero.

    Examples
    --------
    >>> pct_text(-0.0283), pct_text(4.5), pct_text(-0.0012), pct_text(0.0)
    ('−0.03 %', '+4.50 %', '−0.0012 %', '0 %')
    """
    if math.isnan(pct):
        return "—"
    if pct == 0:
        return "0 %"
    shown = f"{pct:+.2f}" if abs(pct) >= 0.005 else f"{pct:+.2g}"
    return f"{shown.replace('-', _MINUS)} %"
