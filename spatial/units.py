"""Area units: square metres, hectares, square kilometres and 亩 (mu).

Every area the toolkit computes is in square metres first; these constants and
:func:`convert_area` are the one place the other units are defined.
"""

from __future__ import annotations

__all__ = ["AREA_UNITS", "M2_PER_HA", "M2_PER_KM2", "M2_PER_MU", "UNIT_ALIASES", "convert_area"]

#: Square metres in one hectare.
M2_PER_HA = 10_000.0
#: Square metres in one square kilometre.
M2_PER_KM2 = 1_000_000.0
#: Square metres in one 亩 (mu): 10000/15 m², about 666.67 m².
M2_PER_MU = 10_000.0 / 15.0

#: Square metres per unit, keyed by the unit names the toolkit accepts.
AREA_UNITS: dict[str, float] = {
    "m2": 1.0,
    "ha": M2_PER_HA,
    "km2": M2_PER_KM2,
    "mu": M2_PER_MU,
}

#: The units as a Chinese plan writes them, each read as one of :data:`AREA_UNITS`
#: (a plan file may say ``unit = "亩"``; the toolkit stores and prints ``mu`` / 亩).
UNIT_ALIASES: dict[str, str] = {
    "亩": "mu",
    "公顷": "ha",
    "平方公里": "km2",
    "km²": "km2",
    "平方米": "m2",
    "m²": "m2",
}


def convert_area(value_m2: float, unit: str) -> float:
    """Convert an area in square metres to ``unit`` (``m2``, ``ha``, ``km2`` or ``mu`` = 亩).

    Raises
    ------
    ValueError
        When ``unit`` is not one of :data:`AREA_UNITS`; the message lists them.

    Examples
    --------
    >>> convert_area(2_500_000, "km2")
    2.5
    >>> convert_area(10_000, "ha")
    1.0
    >>> convert_area(10_000, "mu")
    15.0
    """
    try:
        per_unit = AREA_UNITS[unit]
    except KeyError:
        raise ValueError(
            f"unknown area unit {unit!r}; choose one of {', '.join(AREA_UNITS)}"
        ) from None
    return value_m2 / per_unit
