"""Coordinate reference systems used by the toolkit.

Layers are stored and exchanged in WGS84 longitude/latitude (EPSG:4326,
x = longitude, y = latitude, as RFC 7946 requires). Areas of record are
ellipsoidal on the CGCS2000 ellipsoid (GRS80 parameters); planar distances and
buffers are computed in metres in the CGCS2000 3-degree Gauss–Krüger zone that
contains the data (EPSG:4534–4554, central meridians 75°E–135°E). Web Mercator
is never used for a measurement.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from collections.abc import Sequence
from typing import Any, TypeVar, cast

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError

from spatial.errors import CRSError, CRSMismatchWarning, first_line

__all__ = [
    "CGCS2000",
    "GK_EPSG_FIRST",
    "GK_EPSG_LAST",
    "WGS84",
    "align_crs",
    "crs_label",
    "datum_family",
    "gk_zone_crs",
    "gk_zone_crs_for",
    "gk_zone_epsg",
    "likely_crs",
    "likely_crs_hint",
    "proj_network_off",
    "reproject",
    "require_usable_crs",
    "transformer",
]

#: WGS84 geographic, longitude/latitude in degrees (the storage CRS of every layer).
WGS84 = CRS.from_epsg(4326)
#: CGCS2000 geographic (China Geodetic Coordinate System 2000), degrees.
CGCS2000 = CRS.from_epsg(4490)

#: EPSG code of "CGCS2000 / 3-degree Gauss-Kruger CM 75E".
GK_EPSG_FIRST = 4534
#: EPSG code of "CGCS2000 / 3-degree Gauss-Kruger CM 135E".
GK_EPSG_LAST = 4554
_FIRST_CM_DEG = 75


def gk_zone_epsg(lon_deg: float) -> int:
    """Return the EPSG code of the CGCS2000 3-degree Gauss–Krüger zone for a longitude.

    Parameters
    ----------
    lon_deg : float
        Longitude in degrees east (WGS84/CGCS2000), for example the centre of a layer.

    Returns
    -------
    int
        EPSG code in 4534–4554 (the "CM" variants, without zone prefix in the easting).

    Raises
    ------
    CRSError
        When the longitude is not a finite number or lies outside 73.5°E–136.5°E,
        the range these zones cover.

    Examples
    --------
    >>> gk_zone_epsg(106.22)  # Bishan: central meridian 105°E
    4544
    >>> gk_zone_epsg(116.4)   # Beijing: central meridian 117°E
    4548

    A longitude on a zone boundary belongs to the zone east of it, on every
    boundary alike (Python's ``round`` would send 103.5 west and 106.5 east):

    >>> gk_zone_epsg(103.5), gk_zone_epsg(106.5)  # central meridians 105°E, 108°E
    (4544, 4545)
    """
    if not math.isfinite(lon_deg) or not 73.5 <= lon_deg < 136.5:
        raise CRSError(
            f"longitude {float(lon_deg):.6f} is outside the CGCS2000 3-degree Gauss-Kruger zones "
            "(73.5°E to 136.5°E); is the layer in degrees, longitude first?"
        )
    central_meridian = 3 * math.floor(lon_deg / 3 + 0.5)
    return GK_EPSG_FIRST + (central_meridian - _FIRST_CM_DEG) // 3


def gk_zone_crs(lon_deg: float) -> CRS:
    """Return the CGCS2000 3-degree Gauss–Krüger CRS (metres) for a longitude in degrees.

    Examples
    --------
    >>> gk_zone_crs(106.22).name
    'CGCS2000 / 3-degree Gauss-Kruger CM 105E'
    """
    return CRS.from_epsg(gk_zone_epsg(lon_deg))


def _on_cgcs2000(crs: CRS) -> bool:
    """Whether ``crs`` is CGCS2000 lon/lat or a 2D CRS projected from it, with no datum step.

    A bound CRS (``+towgs84``) carries its own step to WGS84 and a compound or 3D CRS
    heights: neither is taken as CGCS2000 here.
    """
    if crs.is_bound or crs.is_compound or len(crs.axis_info) != 2:
        return False
    geodetic = crs.geodetic_crs
    return geodetic is not None and geodetic.equals(CGCS2000)


def _via_cgcs2000(source: CRS, target: CRS) -> tuple[CRS, CRS]:
    """Return the pair PROJ is asked for: CGCS2000's lon/lat for WGS84's beside a CGCS2000 CRS.

    PROJ has no datum step between CGCS2000 and WGS84; it joins them by a
    "ballpark geographic offset", a zero shift, so ``EPSG:4544 -> EPSG:4326`` runs
    the very pipeline of ``EPSG:4544 -> EPSG:4490`` (the same floats,
    ``tests/measure/test_crs_transformer.py``) but takes PROJ 0.1-0.4 s to find,
    against under a millisecond.
    """
    if target.equals(WGS84) and _on_cgcs2000(source):
        return source, CGCS2000
    if source.equals(WGS84) and _on_cgcs2000(target):
        return CGCS2000, target
    return source, target


@functools.lru_cache(maxsize=64)
def _built(source: CRS, target: CRS, always_xy: bool) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=always_xy)


def transformer(source: Any, target: Any, *, always_xy: bool = True) -> Transformer:
    """Return the process's one transformer from ``source`` to ``target`` (built once).

    Between a CGCS2000 CRS (EPSG:4490, the Gauss-Kruger zones EPSG:4491-4554...) and
    WGS84 lon/lat (EPSG:4326) it is the transformer to or from CGCS2000's own lon/lat
    (EPSG:4490): PROJ's step between the two datums is a zero offset, so the floats
    are the same, bit for bit, and the transformer is built in under a millisecond
    instead of 0.1-0.4 s. Any other pair is PROJ's own.

    Safe to share between threads: a pyproj Transformer (pyproj >= 3.1) keeps one
    PROJ object per thread, built on the thread's first use (again 0.1-0.4 s for a
    transform to EPSG:4326, under a millisecond for one to EPSG:4490).

    Parameters
    ----------
    source, target : pyproj.CRS or anything ``CRS.from_user_input`` reads
        The CRSs of the coordinates given and returned.
    always_xy : bool
        x = longitude or easting, in and out (the GIS order, as shapely stores it).

    Examples
    --------
    >>> to_lonlat = transformer(4544, 4326)
    >>> to_lonlat is transformer(CRS.from_epsg(4544), WGS84)
    True
    >>> to_lonlat.target_crs.name  # CGCS2000's own lon/lat, the same degrees
    'China Geodetic Coordinate System 2000 (with axis order normalized for visualization)'
    """
    pair = _via_cgcs2000(CRS.from_user_input(source), CRS.from_user_input(target))
    return _built(*pair, always_xy)


#: A GeoDataFrame or GeoSeries (geopandas is not imported here: the CLI's help loads this module).
_Layer = TypeVar("_Layer")


def reproject(layer: _Layer, crs: Any) -> _Layer:
    """Return ``layer.to_crs(crs)`` (a GeoDataFrame or GeoSeries), bit for bit, labelled ``crs``.

    Between a CGCS2000 CRS and WGS84 (EPSG:4326) the vertices are moved by
    :func:`transformer`'s pipeline (to or from CGCS2000's lon/lat, the same
    floats) and the result labelled ``crs``. A layer without a CRS is refused by
    geopandas' own ``to_crs`` error.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> gk = gpd.GeoSeries([Point(620_000.0, 3_280_000.0)], crs=4544)
    >>> moved = reproject(gk, WGS84)
    >>> moved.crs.to_epsg(), bool(moved.geom_equals_exact(gk.to_crs(WGS84), 0.0).all())
    (4326, True)
    """
    return cast("_Layer", _reprojected(layer, CRS.from_user_input(crs)))


def _reprojected(frame: Any, target: CRS) -> Any:
    if frame.crs is None:
        return frame.to_crs(target)
    start = CRS.from_user_input(frame.crs)
    source, via = _via_cgcs2000(start, target)
    if source is start and via is target:
        return frame.to_crs(target)
    if source.is_exact_same(via):  # CGCS2000 lon/lat to or from WGS84: PROJ's no-op
        return frame.set_crs(target, allow_override=True)
    if source is not start:  # WGS84 lon/lat read as CGCS2000's, the same degrees
        return frame.set_crs(source, allow_override=True).to_crs(target)
    moved = frame.to_crs(via)  # a new geometry array: relabelled in place
    moved.set_crs(target, allow_override=True, inplace=True)
    return moved


def _lonlat_bounds(source: Any) -> np.ndarray:
    """Bounds rows (min lon, min lat, max lon, max lat) of a layer or of given bounds."""
    if not hasattr(source, "total_bounds"):
        return np.asarray(source, dtype=float).reshape(-1, 4)
    if source.crs is None:
        raise CRSError("a layer carries no CRS: cannot choose a Gauss-Kruger zone for it")
    if len(source) == 0:
        return np.empty((0, 4))
    lonlat = source if source.crs.equals(WGS84) else reproject(source, WGS84)
    return np.asarray(lonlat.total_bounds, dtype=float).reshape(-1, 4)


def gk_zone_crs_for(*sources: Any) -> CRS:
    """Return the Gauss–Krüger zone (CRS, metres) of the centre of several layers together.

    The zone is the one of the centre longitude of the union of the bounds
    (EPSG:4544, central meridian 105°E, for Bishan).

    Parameters
    ----------
    *sources : GeoDataFrame, GeoSeries or bounds
        Layers with a CRS (reprojected to EPSG:4326 first when in another one),
        or bounds ``(min lon, min lat, max lon, max lat)`` in degrees (EPSG:4326).
        Empty layers and bounds holding NaN (missing or empty geometries) are ignored.

    Raises
    ------
    CRSError
        A layer carries no CRS, or nothing is left to choose a zone from.

    Examples
    --------
    >>> gk_zone_crs_for((106.0, 29.3, 106.4, 29.8)).to_epsg()
    4544
    >>> gk_zone_crs_for([float("nan")] * 4)
    Traceback (most recent call last):
    ...
    spatial.errors.CRSError: no features to choose a Gauss-Kruger zone from
    """
    bounds = np.concatenate([np.empty((0, 4)), *(_lonlat_bounds(s) for s in sources)])
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    if not len(bounds):
        raise CRSError("no features to choose a Gauss-Kruger zone from")
    return gk_zone_crs((float(bounds[:, 0].min()) + float(bounds[:, 2].max())) / 2.0)


def crs_label(crs: CRS) -> str:
    """Name a CRS in a message: ``EPSG:code`` when it has one, else its name.

    Examples
    --------
    >>> crs_label(CRS.from_epsg(4544))
    'EPSG:4544'
    """
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def proj_network_off() -> None:
    """Turn PROJ's network access off, over ``PROJ_NETWORK=ON`` in the environment.

    For pyproj's PROJ and, through the environment it reads when it makes a
    context, GDAL's own copy of PROJ. The toolkit fetches no grid (see
    :mod:`spatial.io.sandbox`).
    """
    from pyproj._network import set_network_enabled  # noqa: PLC0415 - as pyproj.network

    os.environ["PROJ_NETWORK"] = "OFF"
    set_network_enabled(False)


@functools.lru_cache(maxsize=64)
def _unusable_reason(srs: str) -> str | None:
    proj_network_off()  # a --crs is checked before any layer is read
    try:
        Transformer.from_crs(CRS.from_user_input(srs), WGS84, always_xy=True)
    except ProjError as exc:
        return first_line(exc)
    return None


def _names_a_grid(crs: CRS) -> bool:
    """Whether the CRS names a grid file (a PROJ ``+nadgrids``, a WKT ``PARAMETERFILE``)."""
    return "grids" in crs.srs.lower() or "PARAMETERFILE" in (crs.to_wkt() or "")


def require_usable_crs(crs: CRS, source: str) -> CRS:
    """Return ``crs`` when PROJ can transform it to WGS84 with what is installed here.

    A CRS may name a grid file (``+nadgrids=``, ``+geoidgrids=``, a
    ``hgridshift`` step). PROJ's network is off (the toolkit fetches nothing,
    :mod:`spatial.io.sandbox`), so a remote or missing grid cannot be used:
    such a CRS is refused when it is read, in one line, rather than failing
    inside a transformation later.

    Raises
    ------
    CRSError
        No transformation to WGS84 (EPSG:4326) can be built for ``crs``.

    Examples
    --------
    >>> require_usable_crs(CRS.from_epsg(4544), "zones.shp").to_epsg()
    4544
    """
    if not _names_a_grid(crs):
        return crs  # PROJ needs no file to use it (building a transformer costs 0.1-0.2 s)
    reason = _unusable_reason(crs.srs)
    if reason is not None:
        raise CRSError(
            f"{source}: the CRS {crs_label(crs)!r} cannot be used here ({reason}); a grid file "
            "it names is missing, and the toolkit fetches none: give the CRS as an EPSG code "
            "such as EPSG:4544"
        )
    return crs


#: Datums treated as one at map and plan scale: WGS84 and CGCS2000 agree to a few
#: centimetres (both realise the ITRF), far below any planning drawing's accuracy.
_SAME_DATUMS = {
    "World Geodetic System 1984": "WGS84/CGCS2000",
    "World Geodetic System 1984 ensemble": "WGS84/CGCS2000",
    "China 2000": "WGS84/CGCS2000",
}


def datum_family(crs: CRS) -> str:
    """Name the datum of a CRS, WGS84 and CGCS2000 counted as one (``"WGS84/CGCS2000"``).

    Examples
    --------
    >>> datum_family(CRS.from_epsg(4544)), datum_family(CRS.from_epsg(4326))
    ('WGS84/CGCS2000', 'WGS84/CGCS2000')
    >>> datum_family(CRS.from_epsg(2383))  # Xian 1980 / 3-degree Gauss-Kruger CM 114E
    'Xian 1980'
    """
    geodetic = crs.geodetic_crs or crs
    name = geodetic.datum.name if geodetic.datum is not None else geodetic.name
    return _SAME_DATUMS.get(name, name)


def align_crs(layers: Sequence[tuple[Any, str]], purpose: str, stacklevel: int = 3) -> list[Any]:
    """Bring layers to EPSG:4326, warning once when their datums really differ.

    The policy: reprojection between CRSs of one datum is exact (EPSG:4544
    Gauss–Krüger metres and EPSG:4326 degrees, say), and WGS84 and CGCS2000
    (EPSG:4490, 4513–4554) agree to centimetres, so layers in these are
    combined without a warning, the normal case in China. A layer on another
    datum (Beijing 1954, Xian 1980...) is warned about: its shift to WGS84
    depends on a local transformation PROJ may not have (tens of metres).

    Parameters
    ----------
    layers : sequence of (GeoDataFrame, name)
        Layers, each with a CRS (callers refuse naive layers first), and how to
        name them in the warning.
    purpose : str
        What the layers are brought together for, ending the warning
        ("combined", "checked").
    stacklevel : int
        Passed to :func:`warnings.warn`.

    Warns
    -----
    CRSMismatchWarning
        Naming each layer's CRS and datum, e.g. ``zones in EPSG:2383 (Xian 1980);
        district in EPSG:4326 (WGS84/CGCS2000)``.
    """
    families = {datum_family(gdf.crs) for gdf, _ in layers}
    if len(families) > 1:
        by_crs: dict[str, list[str]] = {}
        for gdf, name in layers:
            label = f"{crs_label(gdf.crs)} ({datum_family(gdf.crs)})"
            by_crs.setdefault(label, []).append(name)
        described = "; ".join(f"{', '.join(names)} in {label}" for label, names in by_crs.items())
        warnings.warn(
            f"inputs are on different datums ({described}); they are {purpose} together "
            "without a local datum transformation, which may shift them by tens of metres",
            CRSMismatchWarning,
            stacklevel=stacklevel + 1,
        )
    return [gdf if gdf.crs.equals(WGS84) else reproject(gdf, WGS84) for gdf, _ in layers]


#: EPSG code of "CGCS2000 / 3-degree Gauss-Kruger zone 25" (easting with zone prefix).
_GK3_ZONE_EPSG_FIRST, _GK3_ZONE_FIRST, _GK3_ZONE_LAST = 4513, 25, 45
#: EPSG code of "CGCS2000 / Gauss-Kruger zone 13" (6-degree zones, easting with zone prefix).
_GK6_ZONE_EPSG_FIRST, _GK6_ZONE_FIRST, _GK6_ZONE_LAST = 4491, 13, 23
#: Gauss-Kruger false easting, metres, and the half-width of any zone's eastings.
_FALSE_EASTING_M, _EASTING_HALF_WIDTH_M = 500_000, 400_000


def likely_crs(x: float, y: float) -> tuple[str, str] | None:  # noqa: PLR0911 - one per case
    """Guess the CRS of a layer from a coordinate near its centre: ``(EPSG code, description)``.

    Gauss–Krüger eastings with a zone prefix (``35 500 000`` m) name their zone:
    3-degree zones 25–45 (EPSG:4513–4533) or 6-degree zones 13–23 (EPSG:4491–4501).
    Eastings without a prefix (``500 000 ± 400 000`` m) cannot tell their zone; the
    guess is then the zone of Bishan (CM 105°E, EPSG:4544) and the description says
    so. Degrees within China's box are CGCS2000 or WGS84 longitude/latitude.

    Parameters
    ----------
    x, y : float
        Easting and northing (metres) or longitude and latitude (degrees).

    Returns
    -------
    (str, str) or None
        None when the numbers fit none of these.

    Examples
    --------
    >>> likely_crs(35_420_000, 3_275_000)
    ('EPSG:4523', 'CGCS2000 3-degree Gauss-Kruger zone 35 (CM 105°E), easting with zone prefix')
    >>> likely_crs(421_000, 3_275_000)[0]
    'EPSG:4544'
    >>> likely_crs(106.2, 29.5)[0]
    'EPSG:4490'
    """
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    if 73 <= x <= 136 and 3 <= y <= 54:
        return "EPSG:4490", "CGCS2000 longitude/latitude degrees (WGS84, EPSG:4326, is as good)"
    if not 2_000_000 <= y <= 6_100_000:  # northings of China, metres
        return None
    zone, easting = divmod(x, 1_000_000)
    if abs(easting - _FALSE_EASTING_M) <= _EASTING_HALF_WIDTH_M:
        if _GK3_ZONE_FIRST <= zone <= _GK3_ZONE_LAST:
            epsg = _GK3_ZONE_EPSG_FIRST + int(zone) - _GK3_ZONE_FIRST
            text = f"zone {int(zone)} (CM {int(zone) * 3}°E), easting with zone prefix"
            return f"EPSG:{epsg}", f"CGCS2000 3-degree Gauss-Kruger {text}"
        if _GK6_ZONE_FIRST <= zone <= _GK6_ZONE_LAST:
            epsg = _GK6_ZONE_EPSG_FIRST + int(zone) - _GK6_ZONE_FIRST
            text = f"zone {int(zone)} (CM {int(zone) * 6 - 3}°E), easting with zone prefix"
            return f"EPSG:{epsg}", f"CGCS2000 6-degree Gauss-Kruger {text}"
        if zone == 0:
            return "EPSG:4544", (
                "Gauss-Kruger metres without a zone prefix, which do not tell the zone; "
                "EPSG:4544 is CGCS2000 3-degree CM 105°E, the zone of Bishan"
            )
    return None


def likely_crs_hint(bounds: Sequence[float] | np.ndarray) -> str:
    """One clause telling the planner which ``--crs`` the coordinates suggest.

    Examples
    --------
    >>> likely_crs_hint((35_400_000, 3_260_000, 35_440_000, 3_290_000))
    'the coordinates look like CGCS2000 3-degree Gauss-Kruger zone 35 (CM 105°E),
    easting with zone prefix: give --crs EPSG:4523'
    >>> likely_crs_hint((1.0, 2.0, 3.0, 4.0))
    'give its CRS with --crs, e.g. --crs EPSG:4490 for CGCS2000 degrees or
    EPSG:4544 for Gauss-Kruger CM 105°E metres'
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    guess = likely_crs((minx + maxx) / 2, (miny + maxy) / 2)
    if guess is None:
        return (
            "give its CRS with --crs, e.g. --crs EPSG:4490 for CGCS2000 degrees or "
            "EPSG:4544 for Gauss-Kruger CM 105°E metres"
        )
    code, description = guess
    return f"the coordinates look like {description}: give --crs {code}"
