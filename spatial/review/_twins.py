"""Two versions of a large layer held as one: a feature whose bytes did not change is one geometry.

``spatial diff`` of a million parcels of which a few thousand changed reads,
checks and orients two million geometries where one million and a few
thousand differ. Here:

* :func:`read_twins` reads both versions as :func:`~spatial.io.layers.read_layer`
  would (:func:`~spatial.io.wkb_frame.read_wkb_frame`: the same frames), but a
  NEW feature whose WKB is byte for byte that of the OLD feature with its id
  (its twin) is given the twin's geometry object itself instead of a decoded
  copy: the same geometry, built once. Every later step sees two ordinary frames.
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
import os
import platform
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.errors import GEOSException

from spatial.io.wkb_frame import read_wkb_frame
from spatial.preconditions import require_crs, require_id_column
from spatial.review._fast import FAST_MIN_FEATURES, orient_in_place
from spatial.validate.vectorised import clean_under_validator

__all__ = ["read_twins", "ready_twins", "same_objects"]

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


def read_twins(
    old_path: str | os.PathLike[str],
    new_path: str | os.PathLike[str],
    id_field: str,
    threads: int = 1,
    read_new: Callable[[str | os.PathLike[str]], gpd.GeoDataFrame] | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None:
    """Read two versions of a layer, a NEW feature with its twin's bytes given the twin's geometry.

    Parameters
    ----------
    old_path, new_path : path-like
        The versions (GeoParquet or one-layer GeoPackage, no reading options).
    id_field : str
        The field matching a feature across versions (its values as read).
    threads : int
        Threads decoding WKB; the geometries do not depend on it.
    read_new : callable, optional
        How NEW is read when it is not read so (``read_layer``): OLD, read
        already, is then decoded whole rather than read a second time.

    Returns
    -------
    (GeoDataFrame, GeoDataFrame) or None
        What ``read_layer`` gives for each (the same properties, CRS, columns
        and geometries); None when OLD, or NEW without ``read_new``, is not
        read so (small, unusual, a problem): read them with ``read_layer``,
        which names any problem.
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
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None:
    """Decode the versions read by :func:`read_twins`, a twin's geometry shared (see there)."""
    if new_read is None:
        if read_new is None:
            return None
        old, old_wkb = old_read
        del old_read
        old = _with_geometry(old, _decode(old_wkb, threads))
        del old_wkb
        pa.default_memory_pool().release_unused()
        return old, read_new(new_path)
    (old, old_wkb), (new, new_wkb) = old_read, new_read
    old_geoms = _decode(old_wkb, threads)
    decode = np.ones(len(new), dtype=bool)
    if id_field in old.columns and id_field in new.columns:
        new_pos, old_pos = _twin_positions(old[id_field], new[id_field])
        same = _same_bytes(old_wkb, new_wkb, (new_pos, old_pos))  # a null is decoded
        new_pos, old_pos = new_pos[same], old_pos[same]
        decode[new_pos] = False
    else:
        new_pos = old_pos = np.zeros(0, dtype=np.intp)
    del old_wkb
    new_geoms = np.empty(len(new), dtype=object)
    new_geoms[new_pos] = old_geoms[old_pos]
    rest = np.flatnonzero(decode)
    new_geoms[rest] = _decode(_take(new_wkb, rest), threads)
    del new_wkb
    pa.default_memory_pool().release_unused()  # the read buffers' pages, back to the system
    _trim_freed_memory()  # GDAL's and the WKB bytes' (glibc's heap)
    return _with_geometry(old, old_geoms), _with_geometry(new, new_geoms)


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
    """Where ``a[k]`` is ``b[k]``: one geometry object in both (a twin shared)."""
    return np.fromiter((x is y for x, y in zip(a, b, strict=True)), dtype=bool, count=len(a))


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
    layers: Sequence[tuple[gpd.GeoDataFrame, str, str]], threads: int = 1
) -> list[gpd.GeoDataFrame] | None:
    """Ready OLD and NEW sharing geometries as :func:`~spatial.review._fast.ready_fast` would.

    Parameters
    ----------
    layers : [(OLD, name, id field), (NEW, name, id field)]
        The two versions, large (more than ``FAST_MIN_FEATURES`` each), in one
        CRS, some NEW geometries the very objects of OLD's (:func:`read_twins`).
        ``layers`` is emptied: versions handed over are released as they are oriented.
    threads : int
        Threads for the validator's mirror and the orientation.

    Returns
    -------
    list of GeoDataFrame or None
        OLD and NEW with plain indexes, each twin still one object shared by
        both and left as read, every other feature's rings oriented (a twin
        is oriented only where the comparison cuts it, and measured as
        oriented: :func:`spatial.measure.oriented.oriented_area_of_record_m2`);
        None when this does not apply or a version is not clean (the plain
        path then names what is wrong).
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
    if not len(new_pos) or not clean_under_validator(old, threads):
        return None
    if not _new_clean(old, new, (old_pos, new_pos), threads):
        return None
    require_crs(old, old_name)
    require_id_column(old, old_name, id_field)
    require_crs(new, new_name)
    require_id_column(new, new_name, id_field)
    og = np.array(old.geometry.array, dtype=object)  # their own references
    ng = np.array(new.geometry.array, dtype=object)
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


def _rebuilt(empty: gpd.GeoDataFrame, rest: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the frame of ``empty``'s columns, CRS and geometry name holding ``rest``'s rows."""
    name, crs = empty.geometry.name, empty.crs
    frame = rest.copy(deep=False)
    frame[name] = gpd.GeoSeries(np.full(len(rest), None, dtype=object), index=rest.index, crs=crs)
    out = gpd.GeoDataFrame(frame[list(empty.columns)], geometry=name, crs=crs)
    out.attrs = dict(empty.attrs)
    return out
