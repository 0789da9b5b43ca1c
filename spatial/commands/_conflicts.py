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

__all__ = ["class_source", "cut_frames", "split_by_landuse"]


def cut_frames(layers: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule]) -> dict[str, CRS]:
    """Return, by constraint layer, the CRS its conflicts were cut in (as the check cuts them).

    For pieces that name none themselves: what they carry
    (:data:`spatial.checked.report.CUT_FRAMES_ATTR`) is the one source where
    they do. A constraint whose rules cut in different frames is left out
    (:func:`spatial.checks.constraints.agreed_frames`), as the check leaves it.
    """
    from spatial.checks.constraints import CONSTRAINT_KINDS, agreed_frames  # noqa: PLC0415
    from spatial.checks.prepare import frame_of  # noqa: PLC0415

    frames: dict[str, CRS] = {}
    named: list[dict[str, str]] = []
    for rule in rules:
        name = str(rule.params.get("constraint_layer", ""))
        if rule.kind in CONSTRAINT_KINDS and rule.layer in layers and name in layers:
            frames[name] = frame_of(layers[rule.layer], layers[name])
            named.append({name: frames[name].to_wkt()})
    return {name: frames[name] for name in agreed_frames(named)}


def class_source(
    layers: Mapping[str, gpd.GeoDataFrame], rules: Iterable[Rule], class_field: str
) -> str | None:
    """Return what the conflicts' ``class_code`` holds, in words; None when no rule has a class.

    As the check splits them (:func:`spatial.checks.constraints.conflict_pieces`):
    the checked layer's class when it has ``class_field``, else, for
    ``must_not_occupy``, the class of the constraint's land when its layer has it.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from spatial.plan import Rule
    >>> zones = gpd.GeoDataFrame({"id": ["A"]}, geometry=[None])
    >>> farmland = gpd.GeoDataFrame({"YDYHFLDM": ["0101"]}, geometry=[None])
    >>> rule = Rule("r", "must_not_occupy", "zones", params={"constraint_layer": "永久基本农田"})
    >>> class_source({"zones": zones, "永久基本农田": farmland}, [rule], "YDYHFLDM")
    "the constraint's class YDYHFLDM"
    >>> class_source({"zones": zones.assign(YDYHFLDM="0701")}, [rule], "YDYHFLDM")
    "the zones layer's class YDYHFLDM"
    """
    from spatial.checks.constraints import CONSTRAINT_KINDS  # noqa: PLC0415

    for rule in rules:
        if rule.kind not in CONSTRAINT_KINDS or rule.layer not in layers:
            continue
        if class_field in layers[rule.layer].columns:
            return f"the {rule.layer} layer's class {class_field}"
        constraint = layers.get(str(rule.params.get("constraint_layer", "")))
        if rule.kind == "must_not_occupy" and constraint is not None:
            if class_field in constraint.columns:
                return f"the constraint's class {class_field}"
    return None


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

    The table (``conflicts_by_landuse``) and the pieces written
    (``conflict_pieces_by_landuse``, the class in ``class_field``).

    Nothing is split when the report has no conflict or the land use lacks ``class_field``.
    """
    if report.conflicts is None or not len(report.conflicts) or class_field not in landuse:
        return report
    from spatial.review.occupied import conflicts_by_landuse, pieces_by_landuse  # noqa: PLC0415

    frames = cut_frames(layers, rules)
    table = conflicts_by_landuse(
        report.conflicts,
        landuse,
        class_field=class_field,
        source=source,
        repair=repair,
        frames=frames,
    )
    pieces = pieces_by_landuse(report.conflicts, landuse, class_field=class_field, frames=frames)
    return dataclasses.replace(
        report, conflicts_by_landuse=table, conflict_pieces_by_landuse=pieces
    )
