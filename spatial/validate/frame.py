"""Moving a layer into another layer's CRS without changing its edge model.

Every area of record treats an edge as a straight line in geodetic lon/lat
(:mod:`spatial.measure.strip`). A lon/lat layer moved into a projected CRS (a
Gauss–Krüger zone) therefore has its edges densified first, so that the chords
in the plane follow the lon/lat lines: cuts made there put their vertices where
the lon/lat model has the edge. A layer moved into lon/lat only has its
vertices converted (its model is already straight in lon/lat between them).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from spatial.crs import CGCS2000, WGS84, crs_label, datum_family, reproject
from spatial.errors import CRSMismatchWarning
from spatial.preconditions import require_crs

__all__ = [
    "DENSIFY_DEG",
    "frame_index",
    "into_crs",
    "into_frame",
    "is_survey_frame",
    "move_into",
    "warn_datums",
]

#: Longest edge (degrees of lon/lat, about 10 m) of a layer moved into a projected CRS.
#: Measured at Bishan (EPSG:4490 to EPSG:4544, 106.2°E 29.6°N, and the same across the
#: zone: it is the curvature of a parallel), a lon/lat-straight edge of this length lies
#: up to 1.05e-6 m from its chord in the plane east–west (1.3e-6 m diagonally, 4e-8 m
#: north–south). The moved layer's own areas do not change (its new vertices lie on its
#: lon/lat edges); a cut made in the plane across one of its chords puts a vertex up to
#: that far off the lon/lat edge, which moves the piece's area of record by at most the
#: lens of that chord, 7e-6 m² (7e-10 of a 1 ha parcel), where the undensified 1 km edge
#: would have moved it by 7.4 m².
DENSIFY_DEG = 1e-4


def move_into(gdf: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Move a layer into ``crs`` keeping its edge model (straight in lon/lat)."""
    source = require_crs(gdf, "layer")
    lonlat, lonlat_crs = (gdf, source) if source.is_geographic else (reproject(gdf, WGS84), WGS84)
    if crs.is_geographic:
        return reproject(lonlat, crs) if not lonlat_crs.equals(crs) else lonlat
    dense = lonlat.set_geometry(shapely.segmentize(np.asarray(lonlat.geometry.array), DENSIFY_DEG))
    return reproject(dense, crs)  # from WGS84 through CGCS2000's lon/lat: the same floats


def is_survey_frame(crs: CRS) -> bool:
    """Whether ``crs`` is a CGCS2000 Gauss–Krüger frame (a survey's: 2D, transverse Mercator).

    Examples
    --------
    >>> is_survey_frame(CRS.from_epsg(4544)), is_survey_frame(CRS.from_epsg(4490))
    (True, False)
    >>> is_survey_frame(CRS.from_epsg(32648))  # WGS 84 / UTM zone 48N
    False
    """
    if not crs.is_projected or crs.is_bound or len(crs.axis_info) != 2:
        return False
    geodetic, operation = crs.geodetic_crs, crs.coordinate_operation
    on_cgcs2000 = geodetic is not None and geodetic.equals(CGCS2000)
    return on_cgcs2000 and operation is not None and "Transverse Mercator" in operation.method_name


def frame_index(crss: Sequence[CRS], counts: Sequence[int]) -> int:
    """Return the index of the layer whose CRS layers of ``crss`` (``counts`` features) meet in.

    The rule of the check's cuts (:func:`spatial.checks.prepare.frame_of`).

    A CGCS2000 Gauss–Krüger frame (:func:`is_survey_frame`) among lon/lat ones
    only: its first layer, whatever the feature counts, so that a survey's
    edges stay straight where it was surveyed and a lon/lat layer is moved in
    densified. Otherwise (one CRS, two different projected frames, a projected
    frame that is not CGCS2000's): the layer with most features, the first on
    a tie.

    Examples
    --------
    >>> gk, lonlat = CRS.from_epsg(4544), CRS.from_epsg(4490)
    >>> frame_index([gk, lonlat], [2, 5]), frame_index([lonlat, lonlat], [2, 5])
    (0, 1)
    >>> frame_index([gk, CRS.from_epsg(4545), lonlat], [1, 2, 5])  # two projected: most features
    2
    """
    largest = max(range(len(crss)), key=lambda i: counts[i])
    projected = [i for i, crs in enumerate(crss) if not crs.is_geographic]
    if not projected or len(projected) == len(crss):
        return largest  # all lon/lat, or all projected (one CRS or several): as before
    survey = crss[projected[0]]
    if all(crss[i].equals(survey) for i in projected) and is_survey_frame(survey):
        return projected[0]
    return largest


def into_frame(
    layers: Sequence[tuple[gpd.GeoDataFrame, str]], purpose: str, stacklevel: int = 3
) -> list[gpd.GeoDataFrame]:
    """Bring layers into the CRS of the one with most features, moving (densified) the rest.

    Nothing is reprojected when they share a CRS. A warning is given only when
    the datums differ, as :func:`spatial.crs.align_crs` does: a Gauss–Krüger
    layer and a lon/lat one of CGCS2000/WGS84 are combined without one. (The
    overlay, balance and diff keep this rule, which their fast paths follow:
    the check's cuts take :func:`frame_index` instead.)

    Warns
    -----
    CRSMismatchWarning
        The layers are on different datums.

    Raises
    ------
    CRSError
        A layer carries no CRS (naming it).
    """
    crss = [require_crs(gdf, name) for gdf, name in layers]
    frame = crss[max(range(len(layers)), key=lambda i: len(layers[i][0]))]
    named = [(name, crs) for (_, name), crs in zip(layers, crss, strict=True)]
    warn_datums(named, frame, purpose, stacklevel + 1)
    return [
        gdf if crs.equals(frame) else move_into(gdf, frame)
        for (gdf, _), crs in zip(layers, crss, strict=True)
    ]


def into_crs(
    gdf: gpd.GeoDataFrame,
    name: str,
    crs: CRS,
    crs_of: str,
    purpose: str = "combined",
    stacklevel: int = 3,
) -> tuple[gpd.GeoDataFrame, bool]:
    """Move a layer into ``crs``, the CRS of the layer named ``crs_of``, as :func:`into_frame` does.

    For a large layer that is not a GeoDataFrame (a GeoParquet file read unit by
    unit, dask partitions): densified into a projected CRS, with the warning of
    :func:`warn_datums` when the datums differ.

    Returns
    -------
    (geopandas.GeoDataFrame, bool)
        The layer (itself when already in ``crs``) and whether the datums differed
        (the warning was given).
    """
    source = require_crs(gdf, name)
    if source.equals(crs):
        return gdf, False
    warn_datums([(crs_of, crs), (name, source)], crs, purpose, stacklevel + 1)
    return move_into(gdf, crs), datum_family(source) != datum_family(crs)


def warn_datums(
    named: Sequence[tuple[str, CRS]], frame: CRS, purpose: str, stacklevel: int = 3
) -> None:
    """Warn when the layers ``(name, CRS)`` brought into ``frame`` are on different datums.

    The one wording of that warning, for every path that moves a layer into
    another's CRS (:func:`into_frame`, the GeoParquet and the dask tabulations).

    Warns
    -----
    CRSMismatchWarning
        The layers are on different datums (CGCS2000 and WGS84 count as one).
    """
    if len({datum_family(crs) for _, crs in named}) <= 1:
        return
    moved = [name for name, crs in named if not crs.equals(frame)]
    described = "; ".join(
        f"{name} in {crs_label(crs)} ({datum_family(crs)})" for name, crs in named
    )
    warnings.warn(
        f"inputs are on different datums ({described}); {', '.join(moved)} moved into "
        f"{crs_label(frame)} to be {purpose}, which may shift them by tens of metres "
        "without a local datum transformation",
        CRSMismatchWarning,
        stacklevel=stacklevel + 1,
    )
