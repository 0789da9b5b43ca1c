"""The 三区三线 conflicts split by the land-use class they lie on, for ``check`` and ``review``.

Both commands hand the checked report, the layers as read and the land-use
layer to :func:`split_by_landuse`; the split itself is
:func:`spatial.review.occupied.conflicts_by_landuse`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from spatial.checked.report import CheckReport
    from spatial.plan import Rule

__all__ = ["cut_frames", "split_by_landuse"]


def cut_frames(layers: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule]) -> dict[str, CRS]:
    """Return, by constraint layer, the CRS its conflicts were cut in (as the check cuts them)."""
    from spatial.checks.constraints import CONSTRAINT_KINDS  # noqa: PLC0415
    from spatial.checks.prepare import frame_of  # noqa: PLC0415

    frames: dict[str, CRS] = {}
    for rule in rules:
        name = str(rule.params.get("constraint_layer", ""))
        if rule.kind in CONSTRAINT_KINDS and rule.layer in layers and name in layers:
            frames[name] = frame_of(layers[rule.layer], layers[name])
    return frames


def split_by_landuse(
    report: CheckReport,
    layers: Mapping[str, gpd.GeoDataFrame],
    rules: Iterable[Rule],
    landuse: gpd.GeoDataFrame,
    *,
    class_field: str,
    source: str,
    repair: bool = False,
) -> CheckReport:
    """Return ``report`` with its conflicts split by ``landuse``'s class (as it is without one).

    Nothing is split when the report has no conflict or the land use lacks ``class_field``.
    """
    if report.conflicts is None or not len(report.conflicts) or class_field not in landuse:
        return report
    from spatial.review.occupied import conflicts_by_landuse  # noqa: PLC0415

    table = conflicts_by_landuse(
        report.conflicts,
        landuse,
        class_field=class_field,
        source=source,
        repair=repair,
        frames=cut_frames(layers, rules),
    )
    return dataclasses.replace(report, conflicts_by_landuse=table)
