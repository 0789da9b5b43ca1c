"""Two versions of a large layer held as one: a feature whose bytes did not change is one geometry.

``spatial diff`` of a million parcels of which a few thousand changed reads,
checks and orients two million geometries where one million and a few
thousand differ. Here:

* :func:`read_twins_undecoded` reads both versions as :func:`~spatial.io.layers.read_layer`
  would (:func:`~spatial.io.wkb_frame.read_wkb_frame`: the same frames), but a
  NEW feature whose WKB is byte for byte that of the OLD feature with its id
  (its twin) is given the twin's geometry object itself instead of a decoded
  copy (the same geometry, built once), or, where the convex test settles the
  twin, None in both until a step must see it (:class:`UndecodedTwins`;
  :meth:`UndecodedTwins.filled` gives the two ordinary frames).
* :func:`ready_twins` readies such a pair as the review's fast path
  (:func:`~spatial.review._fast.ready_fast`) readies each version: the
  validator's vectorised mirror on OLD, and on NEW only where a feature is no
  twin or its properties changed (the validator judges a feature by its
  geometry, the CRS and its own values, so a twin with its clean OLD twin's
  values is clean: :func:`_rows_to_check`); then the rings of every feature
  that is no twin oriented. A twin is left as read: the comparison measures it
  as oriented from its coordinates
  (:func:`~spatial.measure.oriented.oriented_area_of_record_m2`) and orients
  it only where it cuts it (near a changed feature). None when a version is
  not clean: the plain path names the problem.

A million twins then cost one set of geometries (about 0.45 GB), not four
(two versions, each with an oriented copy), and no GEOS copy at all.
"""

from __future__ import annotations

import ctypes
import operator
import os
import platform
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from spatial.io.geoparquet import PolygonArrays, polygon_arrays
from spatial.io.wkb_frame import read_wkb_frame
from spatial.measure.area import ellipsoidal_area_m2
from spatial.measure.oriented import oriented_rings
from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import RingLayout
from spatial.preconditions import require_crs, require_id_column
from spatial.review._fast import FAST_MIN_FEATURES, orient_in_place
from spatial.review.balance_scan import WkbGeometries, clean_under_validator_wkb, scan_wkb
from spatial.validate.vectorised import clean_under_validator

__all__ = [
    "UndecodedTwins",
    "read_twins_undecoded",
    "ready_twins",
    "same_objects",
    "wkb_oriented_area_m2",
]

#: Most WKB values decoded at once by one thread.
_DECODE_SLICE = 65_536


def _decode(wkb: pa.ChunkedArray, threads: int) -> npt.NDArray[np.object_]:
    """``shapely.from_wkb`` of Arrow WKB (null: None), slice by slice on ``threads`` threads.

    Each slice becomes Python bytes only as it is decoded: the WKB of a million
    features is never held as bytes objects at once.
    """
    out = np.empty(len(wkb), dtype=object)
    starts = range(0, len(wkb), _DECODE_SLICE)

    def one(start: int) -> None:
        values = wkb.slice(start, _DECODE_SLICE).to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            out[start : start + len(values)] = shapely.from_wkb(values)

    if threads <= 1 or len(starts) <= 1:
        for start in starts:
            one(start)
        return out
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, starts))
    return out


def _take(values: pa.ChunkedArray, at: npt.NDArray[np.intp]) -> pa.ChunkedArray:
    """Return ``values`` at positions ``at`` (Arrow ``take``)."""
    return values.take(pa.array(np.asarray(at, dtype=np.int64)))


def _twin_positions(
    old_ids: pd.Series, new_ids: pd.Series
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positions in NEW, and in OLD, of the NEW features whose id value (as read) OLD has.

    Matched in Arrow (the first OLD feature with that value). A twin is only
    ever a geometry built once: whatever OLD feature a NEW one is matched to,
    their geometries are the same when their bytes are, so repeated or odd ids
    do no harm here (the review refuses them later, in its own words).
    """
    none = np.zeros(0, dtype=np.intp)
    try:
        old_values, new_values = pa.array(old_ids), pa.array(new_ids)
        if _in_one_order(old_values, new_values):
            every = np.arange(len(new_values), dtype=np.intp)
            return every, every
        at = pc.index_in(new_values, value_set=old_values)
    except (pa.ArrowException, TypeError, ValueError):  # ids Arrow cannot compare: no twins
        return none, none
    positions = np.asarray(pc.fill_null(at, -1).to_numpy(zero_copy_only=False), dtype=np.intp)
    new_pos = np.flatnonzero(positions >= 0)
    return new_pos, positions[new_pos]


def _in_one_order(old_ids: pa.Array, new_ids: pa.Array) -> bool:
    """Whether both versions hold the same ids (none null) in the same order."""
    if len(old_ids) != len(new_ids) or old_ids.null_count or new_ids.null_count:
        return False
    return bool(pc.all(pc.equal(old_ids, new_ids)).as_py())


def _same_bytes(
    old_wkb: pa.ChunkedArray, new_wkb: pa.ChunkedArray, at: tuple[npt.NDArray[np.intp], ...]
) -> npt.NDArray[np.bool_]:
    """Whether ``new_wkb[new_pos]`` equals ``old_wkb[old_pos]`` byte for byte (null: False)."""
    new_pos, old_pos = at
    if len(old_wkb) == len(new_wkb) and np.array_equal(new_pos, old_pos):  # in the same order
        equal = pc.fill_null(pc.equal(old_wkb, new_wkb), False).to_numpy(zero_copy_only=False)
        same: npt.NDArray[np.bool_] = np.asarray(equal, dtype=bool)[new_pos]
        return same
    equal = pc.equal(_take(old_wkb, old_pos), _take(new_wkb, new_pos))
    return np.asarray(pc.fill_null(equal, False).to_numpy(zero_copy_only=False), dtype=bool)


@dataclass
class UndecodedTwins:
    """OLD's WKB where the twins are left undecoded: their geometry is None in both frames.

    A twin (a NEW feature whose WKB is byte for byte that of the OLD feature
    with its id) that the convex test settled (:func:`~spatial.review.balance_scan.scan_wkb`)
    is built by GEOS only where a step must see it (a change's box meets it,
    the validator must look at NEW's row, a map draws it); its box, the
    validator's geometry check and its area of record come from the WKB.

    Attributes
    ----------
    scan : WkbGeometries
        OLD's WKB (every feature, in order), boxes (as ``shapely.bounds``) and
        whether every feature passes the validator's geometry check.
    old_pos, new_pos : numpy.ndarray of intp
        Positions in OLD and in NEW of the twins left undecoded (None in both).
    threads : int
        Threads decoding the twins when they are built (those the versions were
        read with); the geometries do not depend on it.
    """

    scan: WkbGeometries
    old_pos: npt.NDArray[np.intp]
    new_pos: npt.NDArray[np.intp]
    threads: int = 1

    def fill(
        self,
        og: npt.NDArray[np.object_],
        ng: npt.NDArray[np.object_],
        old_at: npt.NDArray[np.intp] | None = None,
    ) -> None:
        """Build, in ``og`` and ``ng``, the undecoded twins at OLD positions ``old_at`` (all: None).

        Each twin is ``shapely.from_wkb`` of OLD's bytes, one object in both
        versions (the geometry the full read gives it). Positions already
        built are left as they are.
        """
        wanted = np.ones(len(self.old_pos), dtype=bool)
        if old_at is not None:
            wanted = np.isin(self.old_pos, old_at)
        wanted &= np.asarray(shapely.is_missing(og[self.old_pos]), dtype=bool)
        old_pos, new_pos = self.old_pos[wanted], self.new_pos[wanted]
        if not len(old_pos):
            return
        distinct, inverse = np.unique(old_pos, return_inverse=True)
        built = _decode(_take(self.scan.wkb, distinct), self.threads)
        og[distinct] = built
        ng[new_pos] = built[inverse]

    def filled(
        self, old: gpd.GeoDataFrame, new: gpd.GeoDataFrame
    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Return OLD and NEW with every twin built: ``read_layer``'s frames, a twin one object."""
        og = np.array(old.geometry.array, dtype=object)
        ng = np.array(new.geometry.array, dtype=object)
        self.fill(og, ng)
        return _with_geometry(old, og), _with_geometry(new, ng)

    def areas_m2(self, old_at: npt.NDArray[np.intp], crs: CRS) -> npt.NDArray[np.float64]:
        """Areas of record (m², as oriented) of OLD's features at ``old_at``, from their WKB."""
        return wkb_oriented_area_m2(_take(self.scan.wkb, old_at), crs)


def _ring_layout(arrays: PolygonArrays) -> RingLayout:
    """Lay out the rings of ``arrays`` as :func:`~spatial.measure.rings.ring_layout` does.

    Each feature's rings in its WKB's order (a polygon's shell, then its holes;
    polygon after polygon): the order GEOS gives them, so each feature's strips
    are summed in the same order; features follow one another.
    """
    features = len(arrays.features) - 1
    rings_of_polygon = np.diff(arrays.polygons)
    polygon_of_feature = np.repeat(np.arange(features), np.diff(arrays.features))
    sign = -np.ones(len(arrays.rings) - 1)
    sign[arrays.polygons[:-1][rings_of_polygon > 0]] = 1.0  # each polygon's first ring: its shell
    return RingLayout(
        np.column_stack([arrays.x, arrays.y]),
        np.diff(arrays.rings).astype(np.int64),
        np.repeat(polygon_of_feature, rings_of_polygon).astype(np.int64),
        sign,
    )


def wkb_oriented_area_m2(wkb: pa.ChunkedArray, crs: CRS) -> npt.NDArray[np.float64]:
    """Area of record (m²) of WKB (Multi)Polygons as oriented, without building them.

    The figures of ``ellipsoidal_area_m2(from_wkb(wkb), oriented=True)``, bit for
    bit: the same coordinates, rings and order per feature
    (:func:`_ring_layout`), handed to :func:`~spatial.measure.record.area_of_record_m2`
    as its layout. Values the flat reader does not take (a null, another type)
    are decoded and measured so.

    Parameters
    ----------
    wkb : pyarrow.ChunkedArray
        WKB values in ``crs`` (any CRS, as the review's working frame).
    crs : pyproj.CRS
        Their CRS.
    """
    whole = wkb.combine_chunks() if isinstance(wkb, pa.ChunkedArray) else wkb
    arrays = polygon_arrays(whole) if len(whole) and not whole.null_count else None
    if arrays is None:
        geoms = _decode(pa.chunked_array([whole]), 1)
        return ellipsoidal_area_m2(gpd.GeoSeries(geoms, crs=crs), oriented=True)
    layout = oriented_rings(_ring_layout(arrays))
    holders = np.full(len(whole), None, dtype=object)  # the layout stands in for their rings
    return area_of_record_m2(holders, crs, arrange=lambda _: layout)


def read_twins_undecoded(
    old_path: str | os.PathLike[str],
    new_path: str | os.PathLike[str],
    id_field: str,
    threads: int = 1,
    read_new: Callable[[str | os.PathLike[str]], gpd.GeoDataFrame] | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, UndecodedTwins | None] | None:
    """Read two versions of a layer, a NEW feature with its twin's bytes given the twin's geometry.

    A twin the convex test settles is left undecoded: None in both frames.

    Parameters
    ----------
    old_path, new_path : path-like
        The versions (GeoParquet or one-layer GeoPackage, no reading options).
    id_field : str
        The field matching a feature across versions (its values as read).
    threads : int
        Threads decoding WKB (now, and when a twin is built); the geometries do
        not depend on it.
    read_new : callable, optional
        How NEW is read when it is not read so (``read_layer``): OLD, read
        already, is then decoded whole rather than read a second time.

    Returns
    -------
    (OLD, NEW, UndecodedTwins or None) or None
        What ``read_layer`` gives for each (the same properties, CRS, columns
        and geometries, a twin one object in both) but for the twins
        ``UndecodedTwins`` names (None: every geometry built; build them with
        :meth:`UndecodedTwins.filled`); None when OLD, or NEW without
        ``read_new``, is not read so (small, unusual, a problem): read them
        with ``read_layer``, which names any problem.
    """
    old_read = read_wkb_frame(old_path, min_rows=FAST_MIN_FEATURES)
    if old_read is None:
        return None
    new_read = read_wkb_frame(new_path, min_rows=FAST_MIN_FEATURES)
    try:
        return _decoded(old_read, new_read, new_path, id_field, threads, read_new)
    except GEOSException:  # a WKB GEOS cannot build (a ring not closed): read_layer names it
        return None


_Read = tuple[gpd.GeoDataFrame, pa.ChunkedArray]


def _decoded(
    old_read: _Read,
    new_read: _Read | None,
    new_path: str | os.PathLike[str],
    id_field: str,
    threads: int,
    read_new: Callable[[str | os.PathLike[str]], gpd.GeoDataFrame] | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, UndecodedTwins | None] | None:
    """Decode the versions :func:`read_twins_undecoded` read, a twin's geometry shared."""
    if new_read is None:
        if read_new is None:
            return None
        old, old_wkb = old_read
        del old_read
        old = _with_geometry(old, _decode(old_wkb, threads))
        del old_wkb
        pa.default_memory_pool().release_unused()
        return old, read_new(new_path), None
    (old, old_wkb), (new, new_wkb) = old_read, new_read
    del old_read, new_read
    twins = np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)  # NEW, OLD positions
    if id_field in old.columns and id_field in new.columns:
        new_pos, old_pos = _twin_positions(old[id_field], new[id_field])
        same = _same_bytes(old_wkb, new_wkb, (new_pos, old_pos))  # a null is decoded
        twins = new_pos[same], old_pos[same]
    scan = _scanned(old_wkb, threads)
    og = np.empty(len(old), dtype=object)
    if scan is None:  # a value GEOS cannot read: decoded whole, as the full read raises
        og[:] = _decode(old_wkb, threads)
    else:
        og[scan.built] = scan.geoms
    is_twin = np.zeros(len(old), dtype=bool)
    is_twin[twins[1]] = True
    alone = np.flatnonzero(~is_twin & shapely.is_missing(og))  # no twin, not built by the scan
    og[alone] = _decode(_take(old_wkb, alone), threads)
    ng = np.empty(len(new), dtype=object)
    ng[twins[0]] = og[twins[1]]
    decode = np.ones(len(new), dtype=bool)
    decode[twins[0]] = False
    rest = np.flatnonzero(decode)
    ng[rest] = _decode(_take(new_wkb, rest), threads)
    del new_wkb
    pa.default_memory_pool().release_unused()  # the read buffers' pages, back to the system
    _trim_freed_memory()  # GDAL's and the WKB bytes' (glibc's heap)
    left = np.asarray(shapely.is_missing(og[twins[1]]), dtype=bool)
    old, new = _with_geometry(old, og), _with_geometry(new, ng)
    if scan is None or not left.any():
        return old, new, None
    return old, new, UndecodedTwins(scan, twins[1][left], twins[0][left], threads)


def _scanned(wkb: pa.ChunkedArray, threads: int) -> WkbGeometries | None:
    """:func:`~spatial.review.balance_scan.scan_wkb` of OLD; None where GEOS cannot read a value."""
    try:
        return scan_wkb(wkb, threads)
    except shapely.errors.ShapelyError:
        return None


def _trim_freed_memory() -> None:
    """Return glibc's freed heap pages to the system (``malloc_trim``); elsewhere, nothing."""
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # no malloc_trim: the pages stay for reuse
        return


def _with_geometry(frame: gpd.GeoDataFrame, geoms: npt.NDArray[np.object_]) -> gpd.GeoDataFrame:
    """Return ``frame`` with ``geoms`` as its geometry (same column, index and CRS)."""
    name, crs = frame.geometry.name, frame.crs
    frame[name] = gpd.GeoSeries(geoms, index=frame.index, crs=crs)
    return frame


def same_objects(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Where ``a[k]`` is ``b[k]``: one geometry object in both (a twin shared).

    ``operator.is_`` mapped in C: no Python frame per pair (a million pairs in
    about 0.05 s, where a generator took 0.3 s).

    Examples
    --------
    >>> one = shapely.box(0, 0, 1, 1)
    >>> a = np.array([one, one, None], dtype=object)
    >>> same_objects(a, np.array([one, shapely.box(0, 0, 1, 1), None], dtype=object)).tolist()
    [True, False, True]
    """
    if len(a) != len(b):
        raise ValueError(f"same_objects: {len(a)} and {len(b)} geometries")
    return np.fromiter(map(operator.is_, a, b), dtype=bool, count=len(a))


def _shared(
    old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, id_field: str
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positions in OLD and in NEW of the features whose geometry is one object (twins)."""
    og = np.asarray(old.geometry.array, dtype=object)
    ng = np.asarray(new.geometry.array, dtype=object)
    new_pos, old_pos = _twin_positions(old[id_field], new[id_field])
    same = same_objects(og[old_pos], ng[new_pos])
    return old_pos[same], new_pos[same]


def _new_clean(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    twins: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
    threads: int,
) -> bool:
    """Whether NEW is clean, OLD being clean and ``twins`` (OLD, NEW positions) shared.

    A twin whose every property is its OLD twin's is clean as its twin is: the
    validator judges a feature by its geometry, the CRS and its own values, and
    two such twins cannot repeat an id (their OLD twins do not). The validator's
    mirror runs on the other features only (:func:`_rows_to_check`), or, where
    that cannot be told, on every feature with each shared geometry stood in for
    by one OLD geometry found clean.
    """
    rows = _rows_to_check(old, new, twins)
    if rows is not None:
        return not len(rows) or clean_under_validator(new.iloc[rows], threads)
    geoms = np.array(new.geometry.array, dtype=object)
    geoms[twins[1]] = np.asarray(old.geometry.array, dtype=object)[twins[0][0]]
    probe = gpd.GeoDataFrame(
        pd.DataFrame(new.drop(columns=new.geometry.name)),
        geometry=gpd.GeoSeries(geoms, index=new.index, crs=new.crs),
        crs=new.crs,
    )
    return clean_under_validator(probe, threads)


def _rows_to_check(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    twins: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
) -> npt.NDArray[np.intp] | None:
    """NEW's features the validator must see: all but the twins whose properties did not change.

    With them, the twins whose ``id`` could repeat one of theirs once white
    space is stripped (letters and digits alike: a superset). None when it
    cannot be told so (other columns or kinds, ``id`` not text, one OLD feature
    twin to several NEW ones, values that do not compare).
    """
    old_pos, new_pos = twins
    columns = [c for c in new.columns if c != new.geometry.name]
    same_kinds = list(old.columns) == list(new.columns) and all(
        old[c].dtype == new[c].dtype for c in columns
    )
    id_text = "id" not in new.columns or isinstance(new["id"].dtype, pd.StringDtype)
    once = np.zeros(len(old), dtype=bool)
    once[old_pos] = True
    if not same_kinds or not id_text or int(once.sum()) != len(old_pos):
        return None
    in_place = len(old) == len(new) == len(old_pos) and np.array_equal(old_pos, new_pos)
    unchanged = np.zeros(len(new), dtype=bool)
    unchanged[new_pos] = True
    try:
        for name in columns:
            a, b = old[name].array, new[name].array  # in one order: compared as they are
            if not in_place:
                a, b = a.take(old_pos), b.take(new_pos)
            missing = np.asarray(pd.isna(a)) & np.asarray(pd.isna(b))
            equal = np.asarray(a == b, dtype=bool) | missing
            unchanged[new_pos[~equal]] = False
    except (TypeError, ValueError):  # a value whose == is no bool: every feature checked
        return None
    if "id" in new.columns and not unchanged.all():
        unchanged &= ~_may_repeat(new["id"], ~unchanged)
    return np.flatnonzero(~unchanged)


def _may_repeat(ids: pd.Series, checked: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Which ids equal one of the ``checked`` rows' ids on their letters and digits alone.

    Stripping white space removes no letter or digit, so two ids equal once
    stripped are equal here too (a superset: ``a-1`` meets ``a1``).
    """
    keys = pc.replace_substring_regex(pa.array(ids), r"[^\p{L}\p{N}]", "")
    found = pc.is_in(keys, value_set=pc.unique(keys.filter(pa.array(checked))))
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def _oriented(frame: gpd.GeoDataFrame, geoms: npt.NDArray[np.object_]) -> gpd.GeoDataFrame:
    """Return ``frame`` with a plain index and ``geoms`` (oriented) as its geometry."""
    plain = frame.reset_index(drop=True)
    return plain.set_geometry(gpd.GeoSeries(geoms, index=plain.index, crs=plain.crs))


def ready_twins(
    layers: Sequence[tuple[gpd.GeoDataFrame, str, str]],
    threads: int = 1,
    undecoded: UndecodedTwins | None = None,
) -> list[gpd.GeoDataFrame] | None:
    """Ready OLD and NEW sharing geometries as :func:`~spatial.review._fast.ready_fast` would.

    Parameters
    ----------
    layers : [(OLD, name, id field), (NEW, name, id field)]
        The two versions, large (more than ``FAST_MIN_FEATURES`` each), in one
        CRS, some NEW geometries the very objects of OLD's (:func:`read_twins_undecoded`).
        ``layers`` is emptied: versions handed over are released as they are oriented.
    threads : int
        Threads for the validator's mirror and the orientation.
    undecoded : UndecodedTwins, optional
        The twins left undecoded (None in both versions): OLD is then checked
        from its WKB (:func:`~spatial.review.balance_scan.clean_under_validator_wkb`)
        and only the twins NEW's check must see are built; where that does not
        tell (a check flags a feature, NEW's rows to check cannot be told),
        every twin is built and the versions asked as they would be read.

    Returns
    -------
    list of GeoDataFrame or None
        OLD and NEW with plain indexes, each twin still one object shared by
        both (or None in both, undecoded) and left as read, every other
        feature's rings oriented (a twin is oriented only where the
        comparison cuts it, and measured as oriented:
        :func:`spatial.measure.oriented.oriented_area_of_record_m2`);
        None when this does not apply or a version is not clean (the plain
        path then names what is wrong; where twins were undecoded, the
        versions in ``layers`` may then hold them built).
    """
    (old, old_name, id_field), (new, new_name, _) = layers
    usable = (
        len(old) > FAST_MIN_FEATURES
        and len(new) > FAST_MIN_FEATURES
        and old.crs is not None
        and new.crs is not None
        and old.crs.equals(new.crs)
        and bool(id_field)
        and id_field in old.columns
        and id_field in new.columns
    )
    if not usable:
        return None
    old_pos, new_pos = _shared(old, new, id_field)
    if not len(new_pos):
        return None
    og = np.array(old.geometry.array, dtype=object)  # their own references
    ng = np.array(new.geometry.array, dtype=object)
    known = None
    if undecoded is not None:
        known = _clean_undecoded((old, new), (og, ng), (old_pos, new_pos), undecoded, threads)
        if known is None:  # not known so: every twin built, asked the usual way
            undecoded.fill(og, ng)
            old, new = _with_geometry(old, og), _with_geometry(new, ng)
            og = np.array(old.geometry.array, dtype=object)
            ng = np.array(new.geometry.array, dtype=object)
    if known is None:
        if not clean_under_validator(old, threads):
            return None
        if not _new_clean(old, new, (old_pos, new_pos), threads):
            return None
    elif not known:
        return None
    require_crs(old, old_name)
    require_id_column(old, old_name, id_field)
    require_crs(new, new_name)
    require_id_column(new, new_name, id_field)
    old_rest = pd.DataFrame(old.drop(columns=old.geometry.name))
    new_rest = pd.DataFrame(new.drop(columns=new.geometry.name))
    frames = (old.iloc[:0].copy(), new.iloc[:0].copy())  # names, CRS, columns (no view)
    del old, new
    if isinstance(layers, list):
        layers.clear()  # the caller's references to the versions as read
    alone = np.ones(len(og), dtype=bool)  # OLD features that are no twin
    alone[old_pos] = False
    orient_in_place(og, threads, at=alone)  # released slice by slice, as NEW's
    rest = np.ones(len(ng), dtype=bool)
    rest[new_pos] = False
    orient_in_place(ng, threads, at=rest)
    return [
        _oriented(_rebuilt(frames[0], old_rest), og),
        _oriented(_rebuilt(frames[1], new_rest), ng),
    ]


def _clean_undecoded(
    versions: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
    geoms: tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]],
    twins: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
    undecoded: UndecodedTwins,
    threads: int,
) -> bool | None:
    """OLD's and NEW's check (:func:`_new_clean`) where twins are undecoded (None in ``geoms``).

    OLD is checked from its WKB's boxes and convex test and its properties
    (the validator's question, answered as :func:`clean_under_validator` answers
    it, or False: not known); NEW's rows to check (:func:`_rows_to_check`) with
    their twins built in ``geoms`` (OLD's and NEW's own arrays, ``twins``: OLD
    and NEW positions of the shared features). True: both clean; False: NEW
    is not; None: not known so (a check flags an OLD feature, the rows cannot
    be told), the caller builds every twin and asks the usual way.
    """
    old, new = versions
    if not clean_under_validator_wkb(old, undecoded.scan):
        return None
    rows = _rows_to_check(old, new, twins)
    if rows is None:
        return None
    if not len(rows):
        return True
    og, ng = geoms
    undecoded.fill(og, ng, undecoded.old_pos[np.isin(undecoded.new_pos, rows)])
    probe = new.iloc[rows].copy()
    return clean_under_validator(_with_geometry(probe, ng[rows]), threads)


def _rebuilt(empty: gpd.GeoDataFrame, rest: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the frame of ``empty``'s columns, CRS and geometry name holding ``rest``'s rows."""
    name, crs = empty.geometry.name, empty.crs
    frame = rest.copy(deep=False)
    frame[name] = gpd.GeoSeries(np.full(len(rest), None, dtype=object), index=rest.index, crs=crs)
    out = gpd.GeoDataFrame(frame[list(empty.columns)], geometry=name, crs=crs)
    out.attrs = dict(empty.attrs)
    return out
