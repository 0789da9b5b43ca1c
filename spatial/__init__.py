"""Spatial planning toolkit for the Bishan piece (璧山片区) of the Western (Chongqing) Science City.

Layers are GeoDataFrames in WGS84 lon/lat (EPSG:4326); areas of record are
ellipsoidal on the CGCS2000 ellipsoid; distances are metres in the CGCS2000
3-degree Gauss–Krüger zone of the data.
"""

from spatial.errors import CRSError, LayerError, LayerReadError, PlanDataError, SpatialError
from spatial.layers import LAYER_NAMES, bundled_layer_path, load_plan_layers, read_layer

__all__ = [
    "LAYER_NAMES",
    "CRSError",
    "LayerError",
    "LayerReadError",
    "PlanDataError",
    "SpatialError",
    "bundled_layer_path",
    "load_plan_layers",
    "read_layer",
]
