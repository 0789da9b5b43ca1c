"""What ``spatial diff`` names before the diff loads: a feature's statuses and the tolerance.

:mod:`spatial.cli.diff` shows them in its help and orders its terminal table by
them, importing no pandas, geopandas or GEOS (``spatial diff --help`` took 0.5 s
for them); :mod:`spatial.review.diff` takes them from here.
"""

from __future__ import annotations

__all__ = ["GEOMETRY_TOLERANCE_M2", "STATUSES"]

#: The statuses, in the order a report lists them.
STATUSES = ("added", "removed", "geometry_changed", "attributes_changed", "unchanged")
#: Symmetric difference (m²) below which two versions of a feature count as the same geometry.
GEOMETRY_TOLERANCE_M2 = 0.01
