"""The area of record: strips on the CGCS2000 ellipsoid, every edge straight in longitude/latitude.

The edge model
--------------
A polygon's edge is a straight line in geodetic longitude/latitude: the
meaning RFC 7946 gives a GeoJSON edge, the model of the national land-survey
rule for ellipsoidal areas (国土调查办发〔2008〕32号, 图斑椭球面积: vertices in
geodetic coordinates, strips between meridians) and of GRASS GIS
(``lib/gis/area_poly1.c``). The ellipsoid is CGCS2000's, GRS80 parameters
(a = 6378137 m, 1/f = 298.257222101).

The rule
--------
Let Q(φ) be the area, per radian of longitude, between the equator and the
parallel φ:

    Q(φ) = b² sin φ · Σₖ (k+1)/(2k+1) · (e² sin² φ)ᵏ
         = (b²/2) · [sin φ / (1 − e² sin² φ) + atanh(e sin φ) / e]

(so Q'(φ) = b² cos φ / (1 − e² sin² φ)², the area element M N cos φ). A ring's
area is ``|Σ Δλ · Q̄|`` over its edges, Q̄ the mean of Q along the edge. On an
edge straight in lon/lat, φ is linear in λ, so Q̄ is the mean of Q over the
edge's latitude interval [φ₁, φ₂], exactly; with h = (φ₂ − φ₁)/2 it is

    Q̄ = (Q(φ₁) + Q(φ₂))/2 − (h²/3)·(Q''(φ₁) + Q''(φ₂))/2 + (2/15)·h⁴·Q⁗ + O(h⁶ Q⁽⁶⁾)

(the trapezoid rule and its Euler–Maclaurin corrections). Edges spanning more
than :data:`MAX_EDGE_LAT_RAD` of latitude are cut into equal parts first (the
integral is additive along an edge), so the neglected term stays below 1e-6 m²
per radian of longitude: the rule is exact per edge to rounding. Parallel and
meridian edges are exact in closed form (h = 0, or Δλ = 0).

Everything is computed over all vertices of all polygons at once (numpy): no
projection, no Python loop per polygon. Q is taken relative to the ring's first
vertex, so a ring's figure does not depend on the other geometries measured
with it (batches give bit-identical results), and the cancellation between
strips is small (about 1e-12 relative on a 100 m parcel). The edges are
summed in fixed blocks of vertices, on threads for large layers (numpy
releases the GIL): each edge's term is computed from its own two vertices
alone, so the figures do not depend on the blocks or the threads.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from spatial.measure.rings import RingLayout, check_lonlat, polygonal_mask, ring_layout

__all__ = [
    "A_M",
    "B2_M2",
    "E2",
    "FLATTENING",
    "MAX_EDGE_LAT_RAD",
    "layout_area_m2",
    "strip_area_m2",
    "strip_q_m2",
]

FloatArray = npt.NDArray[np.float64]

#: Semi-major axis of CGCS2000 / GRS80, metres.
A_M = 6378137.0
#: Flattening of GRS80 (CGCS2000's 1/298.257222101).
FLATTENING = 1.0 / 298.257222101
#: First eccentricity squared.
E2 = FLATTENING * (2.0 - FLATTENING)
#: Semi-minor axis squared, m².
B2_M2 = A_M * A_M * (1.0 - E2)
#: Longest latitude span (radians, about 6.4 km) of an edge summed in one step; longer ones are cut.
MAX_EDGE_LAT_RAD = 0.001
# Coefficients of (e² sin² φ)^k in Q. Beyond k = 6 they add < 4e-16 of Q, and smoothly: an
# area changes by its derivative, < 1e-14 relative.
_SERIES = tuple((k + 1) / (2 * k + 1) for k in range(7))
_DEG = math.pi / 180.0
_CHUNK = 32_768  # vertices per block
#: Fewest blocks of vertices worth a thread of their own.
MIN_THREAD_BLOCKS = 4


def strip_q_m2(sin_lat: FloatArray) -> FloatArray:
    """Return Q(φ), the area in m² per radian of longitude from the equator to latitude φ.

    Parameters
    ----------
    sin_lat : numpy.ndarray
        sin φ of geodetic latitudes (GRS80).

    Examples
    --------
    Half the ellipsoid's area is 2π·Q(90°):

    >>> round(float(4 * math.pi * strip_q_m2(np.array([1.0]))[0]) / 1e12, 6)  # million km²
    510.065622
    """
    u = E2 * sin_lat * sin_lat
    series = np.full_like(u, _SERIES[-1])
    for coefficient in _SERIES[-2::-1]:
        series *= u
        series += coefficient
    return B2_M2 * sin_lat * series


def _vertex_terms(lat_deg: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sin φ, Q(φ) and Q''(φ)/6 at every vertex: the edge sums need nothing else.

    Q''(φ) = b² sin φ (4 e² cos² φ − W²) / W⁶, with W² = 1 − e² sin² φ.
    """
    sin_lat = np.sin(lat_deg * _DEG)
    sin2 = sin_lat * sin_lat
    w2 = 1.0 - E2 * sin2
    q2_sixth = (4.0 * E2) * (1.0 - sin2)
    q2_sixth -= w2
    q2_sixth *= sin_lat
    w2 *= w2 * w2
    q2_sixth /= w2
    q2_sixth *= B2_M2 / 6.0
    return sin_lat, strip_q_m2(sin_lat), q2_sixth


def _edge_sum(
    lon0: FloatArray,
    lat0: FloatArray,
    lon1: FloatArray,
    lat1: FloatArray,
    v0: tuple[FloatArray, FloatArray, FloatArray],
    v1: tuple[FloatArray, FloatArray, FloatArray],
) -> FloatArray:
    """Δλ·Q̄ of each edge from the vertex terms of its two ends (Q relative to a reference)."""
    (s0, q0, q2_0), (s1, q1, q2_1) = v0, v1
    h2 = (lat1 - lat0) * (_DEG / 2.0)
    h2 *= h2
    q_mean = q0 + q1
    q_mean *= 0.5
    q_mean -= h2 * (q2_0 + q2_1)
    # The h⁴ term, Q⁗ taken as b² sin φ (its e² part adds < 1e-9 of the term): under
    # 1e-6 m² per radian of longitude for edges spanning less than 2e-5 rad (130 m).
    tall = np.flatnonzero(h2 > 1e-10)
    if tall.size:
        h4 = h2[tall] * h2[tall]
        q_mean[tall] += h4 * (B2_M2 / 15.0) * (s0[tall] + s1[tall])
    q_mean *= (lon1 - lon0) * _DEG
    return q_mean


def _long_edge_terms(
    lon: FloatArray, lat: FloatArray, start: npt.NDArray[np.int64], q_ref: FloatArray
) -> FloatArray:
    """Δλ·(Q̄ − Q_ref) of long edges (from vertex ``start`` to the next), cut into short parts."""
    span = np.abs(lat[start + 1] - lat[start]) * _DEG
    n = np.ceil(span / MAX_EDGE_LAT_RAD).astype(np.int64)
    edge = np.repeat(np.arange(len(start)), n)
    step = np.arange(len(edge)) - np.repeat(np.cumsum(n) - n, n)
    x0, y0 = lon[start][edge], lat[start][edge]
    dx, dy = (lon[start + 1] - lon[start])[edge], (lat[start + 1] - lat[start])[edge]
    t0, t1 = step / n[edge], (step + 1) / n[edge]
    # the parts' ends are exactly the edge's ends, so the cut edge is the same edge
    end = step + 1 == n[edge]
    x1 = np.where(end, lon[start + 1][edge], x0 + dx * t1)
    y1 = np.where(end, lat[start + 1][edge], y0 + dy * t1)
    x0, y0 = x0 + dx * t0, y0 + dy * t0
    s0, q0, q2_0 = _vertex_terms(y0)
    s1, q1, q2_1 = _vertex_terms(y1)
    ref = q_ref[edge]
    terms = _edge_sum(x0, y0, x1, y1, (s0, q0 - ref, q2_0), (s1, q1 - ref, q2_1))
    # weighted bincount is float64 (the stub says intp): astype(copy=False) is a no-op
    return np.bincount(edge, weights=terms, minlength=len(start)).astype(np.float64, copy=False)


def _block_terms(
    lon_deg: FloatArray, lat_deg: FloatArray, q_ref: FloatArray, terms: FloatArray, lo: int
) -> None:
    """Write Δλ·(Q̄ − Q_ref) of the edges from vertices ``lo`` .. ``lo + _CHUNK`` into ``terms``."""
    hi = min(lo + _CHUNK, len(terms))
    sin_lat, q, q2_sixth = _vertex_terms(lat_deg[lo : hi + 1])
    q -= q_ref[lo : hi + 1]
    terms[lo:hi] = _edge_sum(
        lon_deg[lo:hi],
        lat_deg[lo:hi],
        lon_deg[lo + 1 : hi + 1],
        lat_deg[lo + 1 : hi + 1],
        (sin_lat[:-1], q[:-1], q2_sixth[:-1]),
        (sin_lat[1:], q[1:], q2_sixth[1:]),
    )


def _all_terms(
    lon_deg: FloatArray, lat_deg: FloatArray, q_ref: FloatArray, threads: int
) -> FloatArray:
    """Δλ·(Q̄ − Q_ref) of every edge (vertex i to i + 1), in blocks that stay in cache (2-3x faster).

    Large layers are summed on ``threads`` threads, each a contiguous run of blocks.
    """
    terms = np.empty(len(lon_deg) - 1)
    blocks = range(0, len(terms), _CHUNK)
    runs = max(1, min(threads, len(blocks) // MIN_THREAD_BLOCKS))
    if runs == 1:
        for lo in blocks:
            _block_terms(lon_deg, lat_deg, q_ref, terms, lo)
        return terms
    cuts = np.linspace(0, len(blocks), runs + 1).astype(np.intp)

    def run(k: int) -> None:
        for lo in blocks[cuts[k] : cuts[k + 1]]:
            _block_terms(lon_deg, lat_deg, q_ref, terms, lo)

    with ThreadPoolExecutor(max_workers=runs) as pool:
        list(pool.map(run, range(runs)))
    return terms


def layout_area_m2(
    lon_deg: FloatArray, lat_deg: FloatArray, rings: RingLayout, n: int, threads: int = 1
) -> FloatArray:
    """Area of record (m²) of ``n`` geometries from the geodetic coordinates of their rings.

    Parameters
    ----------
    lon_deg, lat_deg : numpy.ndarray
        Geodetic longitude and latitude (degrees, CGCS2000/WGS84) of every
        coordinate of ``rings``, in its order.
    rings : RingLayout
        The rings (closed), their sizes, geometries and signs.
    n : int
        Number of geometries; those without rings get 0.
    threads : int
        Threads summing the edges; the figures do not depend on it.

    Returns
    -------
    numpy.ndarray
        ``n`` areas, m²: each ring ``|Σ Δλ·Q̄|``, holes subtracted.
    """
    out = np.zeros(n, dtype=float)
    if len(lon_deg) < 2:
        return out
    lon_deg, lat_deg = np.ascontiguousarray(lon_deg), np.ascontiguousarray(lat_deg)
    starts = np.cumsum(rings.ring_size) - rings.ring_size
    q_ref = np.repeat(strip_q_m2(np.sin(lat_deg[starts] * _DEG)), rings.ring_size)
    terms = _all_terms(lon_deg, lat_deg, q_ref, threads)
    last = starts + rings.ring_size - 1
    last = last[last < len(terms)]
    terms[last] = 0.0  # a ring's last vertex does not pair with the next ring's first
    long_edge = np.abs(lat_deg[1:] - lat_deg[:-1]) > MAX_EDGE_LAT_RAD / _DEG
    long_edge[last] = False
    if long_edge.any():
        idx = np.flatnonzero(long_edge)
        terms[idx] = _long_edge_terms(lon_deg, lat_deg, idx, q_ref[idx])
    ring_sum = np.add.reduceat(np.append(terms, 0.0), starts)
    out += np.bincount(rings.ring_geom, rings.ring_sign * np.abs(ring_sum), minlength=n)
    return out


def strip_area_m2(geoms: npt.ArrayLike, what: str = "layer") -> FloatArray:
    """Return the area of record (m²) of each polygon given in geodetic longitude/latitude.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        (Multi)Polygons in EPSG:4326 or EPSG:4490 (x = longitude, y = latitude,
        degrees; WGS84 and CGCS2000 coordinates differ by centimetres). Edges
        are straight in longitude/latitude and must not cross ±180°. Missing
        and empty geometries have area 0; holes are subtracted, whatever the
        orientation of the rings.
    what : str
        How to name the input in an error message.

    Returns
    -------
    numpy.ndarray of float
        Areas in square metres on the CGCS2000 (GRS80) ellipsoid.

    Raises
    ------
    LayerError
        A geometry is not polygonal.
    CRSError
        Coordinates fall outside lon/lat degrees (a projected layer passed by mistake).

    Examples
    --------
    A 0.001° square at Bishan's latitude is about 10,700 m²; a quadrangle
    between two parallels and two meridians is (Δλ)·(Q(φ₂) − Q(φ₁)) exactly:

    >>> import shapely
    >>> float(strip_area_m2([shapely.box(106.2, 29.6, 106.201, 29.601)])[0].round(1))
    10737.7
    >>> quad = strip_area_m2([shapely.box(106.0, 29.0, 107.0, 30.0)])[0]
    >>> s = np.sin(np.radians([29.0, 30.0]))
    >>> bool(abs(quad / (math.radians(1) * np.diff(strip_q_m2(s))[0]) - 1) < 1e-13)
    True
    """
    geoms = np.asarray(geoms, dtype=object).ravel()
    polygonal_mask(geoms, what)
    rings = ring_layout(geoms)
    if len(rings.xy):
        check_lonlat(rings.xy, rings.vertex_geom(), what)
    return layout_area_m2(rings.xy[:, 0], rings.xy[:, 1], rings, len(geoms))
