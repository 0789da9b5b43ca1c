"""Figures as the printed pages set them: a target in the plan's own unit, a signed percentage.

A plan gives a zone's target in km², ha, 亩 or m² (:data:`spatial.units.AREA_UNITS`);
the pages show it in that unit, as the planner wrote it (``1000 亩``, not
``0.666667 km²``), with the measured area in the same unit beside it. A
difference is printed with its sign (a true minus, U+2212) and enough digits to
be read: ``−0.03 %``, never ``-0.0%``. A measured km² has the 4 decimals of
``spatial check``'s table (``1.1996 km²``), so no page rounds a figure the
terminal shows. A rule's limit is printed in a unit that keeps its figure
(``≤ 1 m²``, not ``0.0000 km2``), and a table's number never rounds a nonzero
value to zero (:func:`number_text`). The checks' own reasons (a target's FAIL
line) and the pages use these helpers (:mod:`spatial.publish.figures` re-exports them).
"""

from __future__ import annotations

import math

from spatial.units import M2_PER_KM2, convert_area

__all__ = [
    "UNIT_LABELS",
    "area_text",
    "limit_text",
    "number_text",
    "pct_text",
    "quantity_text",
    "table_number_text",
]

#: How each unit of :data:`spatial.units.AREA_UNITS` is printed.
UNIT_LABELS = {"km2": "km²", "ha": "公顷 ha", "mu": "亩", "m2": "m²"}
#: Decimals of a measured area, by unit: km² as ``spatial check``'s table prints it (100 m²),
#: ha to 100 m², 亩 to 0.1 亩 (67 m²), m² to 1 m².
_DECIMALS = {"km2": 4, "ha": 2, "mu": 1, "m2": 0}
#: Below this (1 ha) a km² quantity, a rule's limit, is printed in m²: ``1e-06 km2`` reads ``1 m²``.
_SMALL_KM2 = 0.01
_MINUS = "\u2212"
#: Most decimals of a tiny figure in fixed notation (``0.000040``); past them, ``3.2e-10``.
_MAX_DIGITS = 8
#: Decimal places of a table's column by its unit suffix (``area_ha``), as the review's page,
#: the atlas and check's tables show them (their JSON and CSV keep every digit).
_COLUMN_PLACES: tuple[tuple[str, int], ...] = (
    ("_km2", 4),
    ("_m2", 1),
    ("_ha", 4),
    ("_mu", 2),
    ("_pct", 2),
    ("_rel", 6),
    ("share", 4),
)


def area_text(area_km2: float, unit: str, *, exact: bool = False) -> str:
    """Return an area (given in km²) printed in ``unit``: ``'999.8 亩'``; ``'—'`` when NaN.

    ``exact`` prints the figure with all its digits (a plan's stated target),
    else with the unit's decimals (a measured area). An unknown unit is km².

    Examples
    --------
    >>> area_text(1000 * 10_000 / 15 / 1e6, "mu", exact=True)
    '1,000 亩'
    >>> area_text(0.66655, "mu"), area_text(1.19966, "km2"), area_text(float("nan"), "ha")
    ('999.8 亩', '1.1997 km²', '—')
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


def number_text(value: float, places: int) -> str:
    """Return a table's number with ``places`` decimals and thousands separators; '' when NaN.

    A nonzero value that would round to zero keeps two significant digits
    (``-0.0031``, not ``-0.0``), so a table never hides a figure or prints a
    negative zero.

    Examples
    --------
    >>> number_text(1199604.5, 1), number_text(-0.0031, 1), number_text(4e-05, 4)
    ('1,199,604.5', '-0.0031', '0.000040')
    >>> number_text(3.2e-10, 6)
    '3.2e-10'
    >>> number_text(0.0, 4), number_text(-0.0, 1)
    ('0.0000', '0.0')
    """
    if math.isnan(value):
        return ""
    if value == 0:
        return f"{0.0:.{places}f}"
    if abs(value) < 0.5 * 10.0**-places:  # two significant digits, in fixed notation to 1e-8
        digits = 1 - math.floor(math.log10(abs(value)))
        return f"{value:.{digits}f}" if digits <= _MAX_DIGITS else f"{value:.2g}"
    return f"{value:,.{places}f}"


def quantity_text(value: float, unit: str) -> str:
    """Return a rule's quantity (a limit, a value) in ``unit`` with a unit that keeps its figure.

    ``unit`` is a rule's unit: ``km2`` (a quantity under 0.01 km², 1 ha, is
    printed in m²), ``m`` (metres) or ``''`` (a count). All significant digits
    are kept; '—' when NaN.

    Examples
    --------
    >>> quantity_text(1e-06, "km2"), quantity_text(0.5, "km2"), quantity_text(0.0, "km2")
    ('1 m²', '0.5 km²', '0 m²')
    >>> quantity_text(25.0, "m"), quantity_text(3.0, "")
    ('25 m', '3')
    """
    if math.isnan(value):
        return "—"
    if unit == "km2":
        if abs(value) < _SMALL_KM2:
            return f"{value * M2_PER_KM2:,.6g} m²"
        return f"{value:,.10g} km²"
    return f"{value:,.10g} {unit}".rstrip()


def limit_text(bound: object, limit: float, unit: str) -> str:
    """Return a rule's limit as ``'≤ 1 m²'`` (``bound`` ``max``) or ``'≥ 25 m'``; '-' for no bound.

    Examples
    --------
    >>> limit_text("max", 1e-06, "km2"), limit_text("min", 25.0, "m"), limit_text("", 0.0, "")
    ('≤ 1 m²', '≥ 25 m', '-')
    """
    if bound not in {"max", "min"}:
        return "-"
    return f"{'≤' if bound == 'max' else '≥'} {quantity_text(float(limit), unit)}"


def table_number_text(value: float, column: str) -> str:
    """Return a table's number with the decimals of its column's unit: ``area_ha`` 4, ``_m2`` 1.

    :func:`number_text` with the places of the column's unit suffix (4 when it
    has none), so the review's page and the atlas print a column alike.

    Examples
    --------
    >>> table_number_text(5.99803, "area_ha"), table_number_text(-0.0012, "diff_m2")
    ('5.9980', '-0.0012')
    """
    places = next((n for suffix, n in _COLUMN_PLACES if column.endswith(suffix)), 4)
    return number_text(value, places)
