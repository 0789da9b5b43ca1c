"""The frame a planner's coordinates are in: a CRS given on the command line, or GCJ-02.

``--crs`` names the CRS of an input's coordinates: it supplies one where the
file declares none (a Shapefile or DXF without ``.prj``) and overrides the
file's where it is wrong (a GeoJSON in Gauss–Krüger metres without a ``crs``
member, which GDAL reads as EPSG:4326, as RFC 7946 says). ``--input-frame
gcj02`` says the layer was exported from AMap or 奥维 in GCJ-02, which no EPSG
code names: it is brought to WGS84 on reading (:mod:`spatial.measure.gcj02`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyproj import CRS, Geod
from pyproj.exceptions import CRSError as ProjCRSError

from spatial.crs import WGS84, crs_label, require_usable_crs
from spatial.errors import CRSError, LayerError

if TYPE_CHECKING:  # resolve_crs checks a --crs or a project's CRS before geopandas loads
    import geopandas as gpd

__all__ = ["INPUT_FRAMES", "apply_crs", "apply_input_frame", "resolve_crs"]

#: Frames ``--input-frame`` accepts: ``wgs84`` (as declared, the default) and ``gcj02``.
INPUT_FRAMES: tuple[str, ...] = ("wgs84", "gcj02")
_GEOD = Geod(ellps="WGS84")


def resolve_crs(crs: str | int | CRS, option: str = "--crs") -> CRS:
    """Return the CRS ``crs`` names, or refuse it in one line (a bad call, exit 2).

    Examples
    --------
    >>> resolve_crs("EPSG:4544").name
    'CGCS2000 / 3-degree Gauss-Kruger CM 105E'
    >>> resolve_crs("nonsense")
    Traceback (most recent call last):
    ...
    spatial.errors.CRSError: --crs nonsense: not a CRS; give an EPSG code such as
    EPSG:4490 (CGCS2000 degrees) or EPSG:4544 (CGCS2000 Gauss-Kruger CM 105°E metres)
    """
    try:
        resolved = CRS.from_user_input(crs)
    except ProjCRSError:
        raise CRSError(
            f"{option} {crs}: not a CRS; give an EPSG code such as EPSG:4490 (CGCS2000 degrees) "
            "or EPSG:4544 (CGCS2000 Gauss-Kruger CM 105°E metres)"
        ) from None
    return require_usable_crs(resolved, f"{option} {crs}")


def apply_crs(
    gdf: gpd.GeoDataFrame, source: str, crs: str | int | CRS | None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Give the layer the CRS ``crs`` names (supplying or overriding its own); return notes."""
    if crs is None:
        return gdf, []
    wanted = resolve_crs(crs)
    if gdf.crs is None:
        return gdf.set_crs(wanted), []
    if gdf.crs.equals(wanted):
        return gdf, []
    note = (
        f"{source}: coordinates read as {crs_label(wanted)}, as --crs says, "
        f"not as {crs_label(gdf.crs)}"
    )
    return gdf.set_crs(wanted, allow_override=True), [note]


def _shift_m(before: gpd.GeoSeries, after: gpd.GeoSeries) -> float:
    """Median distance, metres, between the representative points of two versions of a layer."""
    import numpy as np  # noqa: PLC0415 - here: resolve_crs loads no numpy

    p, q = before.representative_point(), after.representative_point()
    keep = ~(p.is_empty | q.is_empty | p.isna() | q.isna())
    if not keep.any():
        return 0.0
    dist_m = _GEOD.inv(
        p.x[keep].to_numpy(), p.y[keep].to_numpy(), q.x[keep].to_numpy(), q.y[keep].to_numpy()
    )[2]
    return float(np.median(dist_m))


def apply_input_frame(
    gdf: gpd.GeoDataFrame, source: str, frame: str | None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Bring a GCJ-02 layer (AMap, 奥维 exports) to WGS84 lon/lat (EPSG:4326); return notes.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, with a geographic CRS (its lon/lat are GCJ-02 ones).
    source : str
        How to name the layer in a message.
    frame : {"wgs84", "gcj02"} or None
        ``gcj02`` converts; ``wgs84`` or None leaves the layer as it is.

    Raises
    ------
    LayerError
        An unknown frame, or GCJ-02 said of a layer in metres (GCJ-02 is lon/lat only).
    """
    if frame is None or frame == "wgs84":
        return gdf, []
    if frame != "gcj02":
        raise LayerError(f"--input-frame {frame}: choose one of {', '.join(INPUT_FRAMES)}")
    if gdf.crs is None or not gdf.crs.is_geographic:
        label = "no CRS" if gdf.crs is None else crs_label(gdf.crs)
        raise CRSError(
            f"{source}: --input-frame gcj02 needs longitude/latitude coordinates, but the layer "
            f"is in {label}; GCJ-02 exports (AMap, 奥维) are degrees"
        )
    import numpy as np  # noqa: PLC0415

    from spatial.measure.gcj02 import gcj02_to_wgs84_geometry  # noqa: PLC0415

    lonlat = gdf if gdf.crs.equals(WGS84) else gdf.set_crs(WGS84, allow_override=True)
    converted = lonlat.set_geometry(
        gcj02_to_wgs84_geometry(np.asarray(lonlat.geometry.array)), crs=WGS84
    )
    shift_m = _shift_m(lonlat.geometry, converted.geometry)
    return converted, [
        f"{source}: converted from GCJ-02 (AMap/奥维) to WGS84 on reading (moved {shift_m:,.0f} m)"
    ]
