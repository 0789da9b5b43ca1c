"""Spatial planning toolkit for the Bishan piece (璧山片区) of the Western (Chongqing) Science City.

Layers are GeoDataFrames in WGS84 lon/lat (EPSG:4326); areas of record are
ellipsoidal on the CGCS2000 ellipsoid; distances are metres in the CGCS2000
3-degree Gauss–Krüger zone of the data.
"""

from spatial.area import area_table, convert_area, ellipsoidal_area_m2, planar_area_m2
from spatial.check import CheckReport, check_rules, check_targets, run_checks
from spatial.errors import (
    CRSError,
    CRSMismatchWarning,
    LayerError,
    LayerReadError,
    PlanDataError,
    SpatialError,
)
from spatial.layers import LAYER_NAMES, bundled_layer_path, load_plan_layers, read_layer
from spatial.overlay import (
    assign_points,
    buffer_coverage,
    difference,
    overlap_matrix,
    overlaps,
    tabulate_intersection,
)
from spatial.plan import load_plan, load_rules, load_targets
from spatial.validate import Problem, ensure_valid, repair_layer, validate_file, validate_layer
from spatial.webmap import MapOptions, build_map, render_map

__all__ = [
    "LAYER_NAMES",
    "CRSError",
    "CRSMismatchWarning",
    "CheckReport",
    "LayerError",
    "LayerReadError",
    "MapOptions",
    "PlanDataError",
    "Problem",
    "SpatialError",
    "area_table",
    "assign_points",
    "buffer_coverage",
    "build_map",
    "bundled_layer_path",
    "check_rules",
    "check_targets",
    "convert_area",
    "difference",
    "ellipsoidal_area_m2",
    "ensure_valid",
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
    "validate_file",
    "validate_layer",
]
