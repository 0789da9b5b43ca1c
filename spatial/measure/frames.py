"""Geodetic coordinates of vertices stored in any CRS, for the area of record.

The area of record (:mod:`spatial.measure.strip`) is computed from each
vertex's geodetic longitude and latitude on CGCS2000. Layers stored in
longitude/latitude (EPSG:4326, EPSG:4490) give them directly. Layers stored in
a projected CRS, a CGCS2000 Gauss–Krüger zone say (EPSG:4534–4554, 4513–4533,
4491–4512), have their vertices converted to EPSG:4490 by PROJ (for the
Gauss–Krüger zones: the inverse transverse Mercator, Poder/Engsager's exact
series, nanometre accuracy; no datum shift), in vectorised calls.

PROJ converts each point on its own, so a vertex's geodetic coordinates do not
depend on the other vertices converted with it, nor on the thread converting
them (:func:`geodetic_lonlat_on_threads`). Parcels of a survey share each
vertex about three ways: :func:`geodetic_lonlat_distinct` converts each
distinct coordinate pair (the same float64 bits) once, on threads, and gives
every vertex the very figures :func:`geodetic_lonlat` gives it.

This is the land-survey rule for data in a Gauss–Krüger frame (国土调查办发
〔2008〕32号): the vertices' geodetic coordinates, strips between meridians.
Nothing is reprojected as geometry, no vertex is added or moved.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

from spatial.crs import CGCS2000, transformer

__all__ = [
    "geodetic_lonlat",
    "geodetic_lonlat_distinct",
    "geodetic_lonlat_on_threads",
    "is_lonlat",
    "same_pair",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Fewest vertices worth a thread of their own (a thread builds its own PROJ object).
MIN_THREAD_VERTICES = 65_536
# Multiplier of the hash (2^64 / golden ratio): spreads the float64 bits over the high bits.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# Hashing rounds: each finds again the pairs whose slot another pair took in the round before.
_ROUNDS = 3
# Pairs compared with their slot's holder at a time (their copies stay in cache).
_COMPARE_BLOCK = 1 << 16


def is_lonlat(crs: CRS) -> bool:
    """Whether ``crs`` stores geodetic longitude/latitude degrees (EPSG:4326, EPSG:4490…).

    Examples
    --------
    >>> is_lonlat(CRS.from_epsg(4490)), is_lonlat(CRS.from_epsg(4544))
    (True, False)
    """
    return bool(crs.is_geographic)


@cache
def _to_cgcs2000(wkt: str) -> Transformer:
    return transformer(CRS.from_wkt(wkt), CGCS2000)


def geodetic_lonlat(xy: FloatArray, crs: CRS) -> tuple[FloatArray, FloatArray]:
    """Return the geodetic longitude and latitude (degrees) of coordinates stored in ``crs``.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Coordinates in ``crs``, x = longitude or easting (the GIS order, as
        shapely and geopandas store them, whatever the CRS's axis order).
    crs : pyproj.CRS
        Their CRS.

    Examples
    --------
    >>> lon, lat = geodetic_lonlat(np.array([[620_000.0, 3_280_000.0]]), CRS.from_epsg(4544))
    >>> round(float(lon[0]), 6), round(float(lat[0]), 6)
    (106.239108, 29.632339)
    """
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    if is_lonlat(crs):
        return x, y
    lon, lat = _to_cgcs2000(crs.to_wkt()).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def same_pair(xy: FloatArray) -> IntArray:
    """Return, for each coordinate pair, the position of a pair with the very same float64 bits.

    Every returned position ``r`` is its own representative (``same_pair(xy)[r] == r``),
    so the distinct pairs are ``np.flatnonzero(rep == np.arange(len(rep)))``. Pairs are
    equal when their bits are (0.0 and -0.0 differ); a pair found equal to no other is
    its own representative. Hash slots decide which pair represents which: that choice
    does not matter, equal bits give equal results.

    Parameters
    ----------
    xy : numpy.ndarray of float64, shape (n, 2)
        Coordinates, any CRS.

    Examples
    --------
    >>> same_pair(np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [-0.0, 2.0], [0.0, 2.0]]))[[0, 2]]
    array([2, 2])
    >>> rep = same_pair(np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [-0.0, 2.0], [0.0, 2.0]]))
    >>> int((rep == np.arange(5)).sum())
    4
    """
    pairs = np.ascontiguousarray(xy, dtype=np.float64).view(np.complex128).ravel()  # 16 bytes
    rep: IntArray = np.arange(len(pairs), dtype=np.intp)
    held, found = _slot_holders(pairs)
    np.copyto(rep, held, where=found)
    todo: IntArray = np.flatnonzero(~found)
    for _ in range(_ROUNDS - 1):
        if len(todo) < 2:
            break
        held, found = _slot_holders(np.take(pairs, todo))
        rep[todo[found]] = todo[held[found]]
        todo = todo[~found]
    return rep


def _slot_holders(pairs: npt.NDArray[np.complex128]) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Hash each pair's bits to a slot: the position holding its slot, and if its bits match.

    Of the pairs hashed to one slot, the one written last holds it.
    """
    bits = pairs.view(np.uint64).reshape(-1, 2)
    slot_bits = max(int(len(pairs) - 1).bit_length(), 1)
    slot = bits[:, 0] * _GOLDEN
    slot ^= bits[:, 1]
    slot *= _GOLDEN
    slot >>= np.uint64(64 - slot_bits)
    at = slot.view(np.int64)  # below 2^63 after the shift
    table = np.empty(1 << slot_bits, dtype=np.intp)
    table[at] = np.arange(len(pairs), dtype=np.intp)
    held: IntArray = np.take(table, at, out=at)  # buffered (mode "raise"): in place of the slots
    del table
    found = np.empty(len(pairs), dtype=bool)
    for lo in range(0, len(pairs), _COMPARE_BLOCK):  # the pairs read back a block at a time
        hi = lo + _COMPARE_BLOCK
        got = np.take(pairs, held[lo:hi]).view(np.uint64).reshape(-1, 2)  # one read of 16 bytes
        np.equal(got[:, 0], bits[lo:hi, 0], out=found[lo:hi])
        found[lo:hi] &= got[:, 1] == bits[lo:hi, 1]
    return held, found


def geodetic_lonlat_distinct(
    xy: FloatArray, crs: CRS, threads: int = 1
) -> tuple[FloatArray, FloatArray]:
    """Return :func:`geodetic_lonlat` of ``xy``, bit for bit, converting each distinct pair once.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Coordinates in ``crs`` (x = longitude or easting).
    crs : pyproj.CRS
        Their CRS.
    threads : int
        Threads converting; each converts a contiguous run of the distinct pairs
        (PROJ releases the GIL). The figures do not depend on it.

    Examples
    --------
    >>> xy = np.array([[620_000.0, 3_280_000.0], [620_100.0, 3_280_000.0]])[[0, 1, 0]]
    >>> lon, lat = geodetic_lonlat_distinct(xy, CRS.from_epsg(4544))
    >>> [np.array_equal(a, b) for a, b in zip((lon, lat), geodetic_lonlat(xy, CRS.from_epsg(4544)))]
    [True, True]
    """
    if is_lonlat(crs) or not len(xy):
        return geodetic_lonlat(xy, crs)
    rep = same_pair(xy)
    own = np.flatnonzero(rep == np.arange(len(rep)))
    lon, lat = np.take(xy[:, 0], own), np.take(xy[:, 1], own)  # copies: converted in place
    _transform_in_place(_to_cgcs2000(crs.to_wkt()), lon, lat, threads)
    where = np.empty(len(rep), dtype=np.intp)
    where[own] = np.arange(len(own))
    where = np.take(where, rep)
    return np.take(lon, where), np.take(lat, where)


def geodetic_lonlat_on_threads(
    xy: FloatArray, crs: CRS, threads: int = 1
) -> tuple[FloatArray, FloatArray]:
    """Return :func:`geodetic_lonlat` of ``xy``, bit for bit, converting on ``threads`` threads.

    Examples
    --------
    >>> xy = np.array([[620_000.0, 3_280_000.0], [620_100.0, 3_280_000.0]])
    >>> lon, lat = geodetic_lonlat_on_threads(xy, CRS.from_epsg(4544), 2)
    >>> [np.array_equal(a, b) for a, b in zip((lon, lat), geodetic_lonlat(xy, CRS.from_epsg(4544)))]
    [True, True]
    """
    if is_lonlat(crs) or not len(xy):
        return geodetic_lonlat(xy, crs)
    lon, lat = xy[:, 0].copy(), xy[:, 1].copy()  # converted in place
    _transform_in_place(_to_cgcs2000(crs.to_wkt()), lon, lat, threads)
    return lon, lat


def _transform_in_place(
    transformer: Transformer, x: FloatArray, y: FloatArray, threads: int
) -> None:
    """Convert ``x``, ``y`` in place, in contiguous runs on up to ``threads`` threads."""
    runs = max(1, min(threads, len(x) // MIN_THREAD_VERTICES))
    if runs == 1:
        transformer.transform(x, y, inplace=True)
        return
    cuts = np.linspace(0, len(x), runs + 1).astype(np.intp)
    with ThreadPoolExecutor(max_workers=runs) as pool:  # one PROJ object per thread (pyproj)
        done = [
            pool.submit(transformer.transform, x[a:b], y[a:b], inplace=True)
            for a, b in itertools.pairwise(cuts)
        ]
        for run in done:
            run.result()
