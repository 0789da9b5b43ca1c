"""Area consistency: a layer's area field (e.g. TBMJ) against each feature's area of record.

The area of record is :func:`spatial.measure.record.area_of_record_m2` in the
layer's own CRS (the survey rule for a Gauss–Krüger layer: its vertices to
CGCS2000 geodetic coordinates, then the ellipsoidal area), rounded to the
rule's ``decimals`` as the attribute is stored. A feature is off when the two
differ by more than ``tolerance_pct`` of the area of record or ``tolerance_m2``,
whichever is larger.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spatial.qc.findings import Finding
from spatial.qc.layer import QcLayer
from spatial.qc.packs import Rule

__all__ = ["area_mismatches"]


def _diff_pct(stated: float, record: float) -> float | None:
    """Return (stated - record) / record in percent, rounded to 0.01; None when record is 0."""
    return round(float((stated - record) / record * 100.0), 2) if record else None


def area_mismatches(layer: QcLayer, rule: Rule, field: str) -> list[Finding]:
    """One finding per feature whose ``field`` (m²) is off its area of record.

    ``value`` is the difference in percent of the area of record (attribute less record).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from spatial.qc.packs import load_packs
    >>> frame = gpd.GeoDataFrame({"TBMJ": [110.0, 100.0]}, geometry=[
    ...     shapely.box(615000, 3276000, 615010, 3276010)] * 2, crs=4544)
    >>> rule = load_packs()["area_of_record"]
    >>> [f.value for f in area_mismatches(QcLayer("t", frame), rule, "TBMJ")]
    [10.03]
    """
    if field not in layer.frame.columns:
        return []
    stated = pd.to_numeric(layer.frame[field], errors="coerce").to_numpy(dtype=float)
    record = np.round(layer.area_m2, rule.params["decimals"])
    allowed = np.maximum(record * rule.params["tolerance_pct"] / 100.0, rule.params["tolerance_m2"])
    off = np.isfinite(stated) & (np.abs(stated - record) > allowed)
    found = []
    for i in np.flatnonzero(off):
        diff_pct = _diff_pct(stated[i], record[i])
        said = f"{diff_pct:+.2f} %" if diff_pct is not None else "no area of record"
        message = (
            f"{field} {stated[i]:,.2f} m² against the area of record {record[i]:,.2f} m² "
            f"({said}; allowed ±{allowed[i]:,.2f} m²)"
        )
        found.append(layer.finding(rule, message, feature=int(i), value=diff_pct, unit="pct"))
    return found
