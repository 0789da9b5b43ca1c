"""Spatial planning toolkit for the Bishan piece (璧山片区) of the Western (Chongqing) Science City.

Layers are GeoDataFrames in WGS84 lon/lat (EPSG:4326); areas of record are
ellipsoidal on the CGCS2000 ellipsoid; distances are metres in the CGCS2000
3-degree Gauss–Krüger zone of the data.

The public names below are imported on first use, so ``import spatial`` does not
load geopandas, folium or the web map until a function needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatial._lazy import lazy_exports

if TYPE_CHECKING:
    from spatial.checked.report import CheckReport
    from spatial.checked.snapshot import PlanSnapshot
    from spatial.checked.status import Status
    from spatial.checks.rules import check_rules
    from spatial.checks.run import run_checks
    from spatial.checks.snapshot import take_snapshot
    from spatial.checks.targets import check_targets
    from spatial.errors import (
        CRSError,
        CRSMismatchWarning,
        LayerError,
        LayerReadError,
        PlanDataError,
        SpatialError,
    )
    from spatial.io.layers import LAYER_NAMES, bundled_layer_path, load_plan_layers, read_layer
    from spatial.landuse.classes import load_classes
    from spatial.landuse.fields import check_class_field
    from spatial.maps import build_map, render_map
    from spatial.measure.area import area_table, ellipsoidal_area_m2, planar_area_m2
    from spatial.overlay.operations import (
        assign_points,
        buffer_coverage,
        difference,
        overlap_matrix,
        overlaps,
        tabulate_intersection,
    )
    from spatial.plan import load_plan, load_rules, load_targets
    from spatial.review.balance import balance_table, compare_balance
    from spatial.review.diff import diff_layers
    from spatial.units import convert_area
    from spatial.validate.problems import (
        Problem,
        ensure_valid,
        repair_layer,
        validate_file,
        validate_layer,
    )
    from spatial.webmap.build import MapOptions

_EXPORTS = {
    "area_table": "spatial.measure.area",
    "ellipsoidal_area_m2": "spatial.measure.area",
    "planar_area_m2": "spatial.measure.area",
    "convert_area": "spatial.units",
    "CheckReport": "spatial.checked.report",
    "Status": "spatial.checked.status",
    "check_rules": "spatial.checks.rules",
    "check_targets": "spatial.checks.targets",
    "run_checks": "spatial.checks.run",
    "PlanSnapshot": "spatial.checked.snapshot",
    "take_snapshot": "spatial.checks.snapshot",
    "CRSError": "spatial.errors",
    "CRSMismatchWarning": "spatial.errors",
    "LayerError": "spatial.errors",
    "LayerReadError": "spatial.errors",
    "PlanDataError": "spatial.errors",
    "SpatialError": "spatial.errors",
    "LAYER_NAMES": "spatial.io.layers",
    "bundled_layer_path": "spatial.io.layers",
    "load_plan_layers": "spatial.io.layers",
    "read_layer": "spatial.io.layers",
    "assign_points": "spatial.overlay.operations",
    "buffer_coverage": "spatial.overlay.operations",
    "difference": "spatial.overlay.operations",
    "overlap_matrix": "spatial.overlay.operations",
    "overlaps": "spatial.overlay.operations",
    "tabulate_intersection": "spatial.overlay.operations",
    "load_classes": "spatial.landuse.classes",
    "check_class_field": "spatial.landuse.fields",
    "balance_table": "spatial.review.balance",
    "compare_balance": "spatial.review.balance",
    "diff_layers": "spatial.review.diff",
    "load_plan": "spatial.plan",
    "load_rules": "spatial.plan",
    "load_targets": "spatial.plan",
    "Problem": "spatial.validate.problems",
    "ensure_valid": "spatial.validate.problems",
    "repair_layer": "spatial.validate.problems",
    "validate_file": "spatial.validate.problems",
    "validate_layer": "spatial.validate.problems",
    "MapOptions": "spatial.webmap.build",
    "build_map": "spatial.maps",  # the plan checked once (take_snapshot), then drawn
    "render_map": "spatial.maps",
}

__all__ = [
    "LAYER_NAMES",
    "CRSError",
    "CRSMismatchWarning",
    "CheckReport",
    "LayerError",
    "LayerReadError",
    "MapOptions",
    "PlanDataError",
    "PlanSnapshot",
    "Problem",
    "SpatialError",
    "Status",
    "area_table",
    "assign_points",
    "balance_table",
    "buffer_coverage",
    "build_map",
    "bundled_layer_path",
    "check_class_field",
    "check_rules",
    "check_targets",
    "compare_balance",
    "convert_area",
    "diff_layers",
    "difference",
    "ellipsoidal_area_m2",
    "ensure_valid",
    "load_classes",
    "load_plan",
    "load_plan_layers",
    "load_rules",
    "load_targets",
    "overlap_matrix",
    "overlaps",
    "planar_area_m2",
    "read_layer",
    "render_map",
    "repair_layer",
    "run_checks",
    "tabulate_intersection",
    "take_snapshot",
    "validate_file",
    "validate_layer",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
