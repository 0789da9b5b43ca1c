"""One layer as an inspection sees it: name, ids, geometries (repaired for topology), CRS, areas.

The geometries stay in the layer's own CRS: topology is judged in the frame the
layer was drawn in (a Gauss–Krüger layer is never moved to lon/lat to decide a
gap or an overlap), and areas are the area of record
(:func:`spatial.measure.record.area_of_record_m2`) of each geometry in that CRS.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from spatial.measure.record import area_of_record_m2
from spatial.measure.rings import polygonal_mask, polygonal_parts
from spatial.preconditions import feature_label
from spatial.qc.findings import Finding
from spatial.qc.packs import Rule

__all__ = ["QcLayer", "off_coverage", "release_freed_memory", "text_values"]

#: Fewest features worth a part of their own in :func:`off_coverage`.
_MIN_PART = 20_000
#: Parts per thread in :func:`off_coverage` (the work of a part varies with its edges).
_PARTS_PER_THREAD = 4
#: Fewest polygons for which :func:`off_coverage` first tries the matched-coverage test.
_MIN_MATCHED = 2_000
#: Polygons in a part of the matched-coverage test (its edges are held a part at a time).
_MATCHED_PART = 100_000
#: Features measured (or validated) at a time by :attr:`QcLayer.area_m2` (:attr:`QcLayer.valid`).
_AREA_PART = 100_000


def _judged(
    geoms: npt.NDArray[np.object_], tree: shapely.STRtree, own: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """Return the flags of the polygons at ``own``, each judged with its box-neighbours."""
    near = np.unique(tree.query(geoms[own])[1])  # boxes meeting the part's boxes (and its own)
    edges = shapely.coverage_invalid_edges(geoms[near])
    flagged = near[~shapely.is_empty(edges)]
    return np.isin(own, flagged)


def _off_coverage_matched(
    geoms: npt.NDArray[np.object_],
    suspects: npt.NDArray[np.bool_],
    threads: int = 1,
    part_size: int | None = None,
) -> tuple[npt.NDArray[np.bool_], bool]:
    """Return the flags of :func:`off_coverage`, asking the matched-edges test part by part.

    The suspects and the polygons whose boxes meet theirs are judged by GEOS.
    The others are cut into parts along x; a part's polygons, with every
    polygon whose box meets theirs (no suspect among them), are tested with
    :func:`spatial.validate.coverage.matched_coverage`: where they form a valid
    coverage, no polygon of the part has an edge GEOS would reject (its
    box-neighbours are all in the test), so its flag is False; a part the test
    cannot decide is judged by GEOS. Also whether the test decided every part.
    """
    from spatial.validate.coverage import matched_coverage  # noqa: PLC0415

    tree = shapely.STRtree(geoms)
    flags = np.zeros(len(geoms), dtype=bool)
    by_geos = np.zeros(len(geoms), dtype=bool)
    if suspects.any():
        by_geos[np.unique(tree.query(geoms[np.flatnonzero(suspects)])[1])] = True
    bounds = shapely.bounds(geoms)
    order = np.argsort(bounds[:, 0] + bounds[:, 2], kind="stable")
    order = order[~by_geos[order]]
    size = _MATCHED_PART if part_size is None else max(part_size, 1)
    parts = [p for p in np.array_split(order, max(1, -(-len(order) // size))) if len(p)]

    def test(own: npt.NDArray[np.intp]) -> bool:
        near = np.unique(tree.query(geoms[own])[1])
        near = near[~suspects[near]]
        if matched_coverage(shapely.orient_polygons(geoms[near])):
            return True
        flags[own] = _judged(geoms, tree, own)
        return False

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        decided = all(list(pool.map(test, parts)))
    judged = np.flatnonzero(by_geos)
    if len(judged):
        flags[judged] = _judged(geoms, tree, judged)
    return flags, decided


def off_coverage(
    geoms: npt.NDArray[np.object_],
    threads: int | None = None,
    min_part: int | None = None,
    suspects: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """Which polygons have an edge :func:`shapely.coverage_invalid_edges` rejects, on threads.

    GEOS judges each polygon of a coverage against the polygons whose boxes meet
    its box only, so the polygons are cut into parts along x (by their boxes'
    centres), each part judged with every polygon whose box meets one of its
    own: each flag is the one of a single call on all of them.

    With ``suspects`` (e.g. the repaired invalid polygons), the others are first
    tested for a matched coverage in parts (:func:`_off_coverage_matched`, a few
    seconds a million, a part's edges at a time); GEOS judges the suspects, their
    box-neighbours and any part the test cannot decide. Either way each flag is
    the one of a single call.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons, none missing or empty, in one CRS.
    threads : int, optional
        Threads (default: the CPUs this process may use); flags do not depend on it.
    min_part : int, optional
        Fewest polygons in a part (default :data:`_MIN_PART`; fewer polygons: one call).
    """
    from spatial.cpus import usable_cpus  # noqa: PLC0415

    threads = max(1, threads if threads is not None else usable_cpus())
    if suspects is not None and len(geoms) >= _MIN_MATCHED:
        return _off_coverage_matched(geoms, suspects, threads)[0]
    least = _MIN_PART if min_part is None else max(min_part, 1)
    parts = min(threads * _PARTS_PER_THREAD, len(geoms) // least)
    if parts < 2:
        return ~shapely.is_empty(shapely.coverage_invalid_edges(geoms))
    bounds = shapely.bounds(geoms)
    order = np.argsort(bounds[:, 0] + bounds[:, 2], kind="stable")
    tree = shapely.STRtree(geoms)
    flags = np.zeros(len(geoms), dtype=bool)

    def judge(own: npt.NDArray[np.intp]) -> None:
        flags[own] = _judged(geoms, tree, own)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(judge, np.array_split(order, parts)))
    return flags


def release_freed_memory() -> None:
    """Give the C heap's freed pages back to the system (glibc's ``malloc_trim``), if it has it.

    GEOS and numpy temporaries freed on worker threads stay in those threads'
    malloc arenas, held by the process (about 200 MB after the coverage check of
    a million features) until trimmed; elsewhere this does nothing.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # no C library to ask, or not glibc
        return
    trim(0)


def _text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def text_values(column: pd.Series) -> npt.NDArray[np.object_]:
    """Return a field's values as stripped text ("" for a blank; ``101.0`` read as ``101``).

    Each distinct value is converted once (a layer holds few distinct codes).

    Examples
    --------
    >>> text_values(pd.Series(["0101 ", None, 101.0, " "])).tolist()
    ['0101', '', '101', '']
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # all str: strip in one call
        stripped = pd.Series(values, dtype=object).str.strip().to_numpy(dtype=object)
        texts = np.append(stripped, np.array([""], dtype=object))
    else:
        texts = np.array([*(_text(v) for v in values), ""], dtype=object)
    return texts[codes]  # a missing value's code is -1: the "" at the end


class _Labels(Sequence[str]):
    """Features' labels (:func:`spatial.preconditions.feature_label`), each made when asked.

    A layer of a million features names a few dozen in its findings.
    """

    def __init__(self, values: object, size: int) -> None:
        self._values = values  # the id column's array (None: no ids, ``#N``)
        self._size = size

    def __len__(self) -> int:
        return self._size

    def _label(self, i: int) -> str:
        if self._values is None:
            return f"#{i}"
        value = self._values[i]  # type: ignore[index]
        if isinstance(value, np.generic):  # as iterating the column gives it
            value = value.item()
        return feature_label(value, i)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if not -self._size <= i < self._size:
            raise IndexError(i)
        return self._label(int(i) % self._size)

    def __iter__(self) -> Iterator[str]:
        return (self._label(i) for i in range(self._size))


@dataclass
class QcLayer:
    """A layer under inspection.

    Attributes
    ----------
    name : str
        How findings name the layer (its file as given).
    frame : geopandas.GeoDataFrame
        The features as read (attributes and geometries, in their CRS).
    id_field : str or None
        The field of the feature ids; None (or absent) names features ``#N``.
    """

    name: str
    frame: gpd.GeoDataFrame
    id_field: str | None = None
    _texts: dict[str, npt.NDArray[np.object_]] = field(default_factory=dict, repr=False)

    @property
    def crs(self) -> CRS | None:
        """The layer's own CRS (every geometry and piece is in it)."""
        return self.frame.crs

    @cached_property
    def ids(self) -> Sequence[str]:
        """Each feature's label: its id as text, else ``#N`` (0-based position), made when asked."""
        field = self.id_field
        if field is None or field not in self.frame.columns:
            return _Labels(None, len(self.frame))
        return _Labels(self.frame[field].array, len(self.frame))

    def text(self, field: str) -> npt.NDArray[np.object_]:
        """Return a field's values as stripped text, converted once for every check.

        See :func:`text_values`.
        """
        if field not in self._texts:
            self._texts[field] = text_values(self.frame[field])
        return self._texts[field]

    @cached_property
    def raw(self) -> npt.NDArray[np.object_]:
        """The geometries as read (None for a missing one)."""
        geoms = np.asarray(self.frame.geometry.array, dtype=object)
        polygonal_mask(geoms, self.name)  # a point or line layer is refused here, in one line
        return geoms

    @cached_property
    def valid(self) -> npt.NDArray[np.bool_]:
        """Which geometries are present, not empty, and valid (in parts, on threads)."""
        raw = self.raw
        if len(raw) <= _AREA_PART:
            return shapely.is_valid(raw) & ~shapely.is_empty(raw)
        from spatial.cpus import usable_cpus  # noqa: PLC0415

        starts = range(0, len(raw), _AREA_PART)
        with ThreadPoolExecutor(max_workers=usable_cpus()) as pool:  # GEOS: no GIL
            parts = pool.map(lambda k: shapely.is_valid(raw[k : k + _AREA_PART]), starts)
            return np.concatenate(list(parts)) & ~shapely.is_empty(raw)

    @cached_property
    def geoms(self) -> npt.NDArray[np.object_]:
        """The geometries for topology: an invalid one made valid (its polygonal parts).

        One with a NaN or infinite coordinate cannot be made valid (GEOS raises): it
        takes no part (None), its invalid geometry the finding.
        """
        geoms = self.raw.copy()
        bad = np.flatnonzero(~self.valid & ~shapely.is_missing(geoms))
        if bad.size:
            coords, at = shapely.get_coordinates(geoms[bad], return_index=True)
            finite = np.ones(bad.size, dtype=bool)
            np.logical_and.at(finite, at, np.isfinite(coords).all(axis=1))
            geoms[bad[~finite]] = None
            repair = bad[finite]
            geoms[repair] = polygonal_parts(shapely.make_valid(geoms[repair]))
        return geoms

    @cached_property
    def present(self) -> npt.NDArray[np.bool_]:
        """Which features have a geometry with an area to measure (an invalid one repaired)."""
        return ~shapely.is_missing(self.geoms) & ~shapely.is_empty(self.geoms)

    @cached_property
    def off_coverage(self) -> npt.NDArray[np.bool_]:
        """Which features have an edge :func:`shapely.coverage_invalid_edges` rejects.

        An edge is rejected when it is not matched by a neighbour's and lies in or
        crosses a neighbour's interior, or repeats a neighbour's: of every pair of
        features sharing an area, one at least is flagged. A T-junction flags both
        sides too (its long edge is not matched vertex by vertex), so a flag alone is
        no finding.
        """
        flags = np.zeros(len(self.geoms), dtype=bool)
        present = np.flatnonzero(self.present)
        flags[present] = off_coverage(self.geoms[present], suspects=~self.valid[present])
        release_freed_memory()
        return flags

    @cached_property
    def tree(self) -> shapely.STRtree:
        """A tree of the (repaired) geometries; a query answers layer positions (present ones)."""
        return shapely.STRtree(self.geoms)

    @cached_property
    def area_m2(self) -> npt.NDArray[np.float64]:
        """The area of record of each (repaired) geometry, m² on the CGCS2000 ellipsoid.

        In a projected CRS, :data:`_AREA_PART` features at a time on threads (each
        area is its own rings' alone: the same figures, the vertex arrays a part's).
        """
        from spatial.cpus import usable_cpus  # noqa: PLC0415
        from spatial.measure.frames import is_lonlat  # noqa: PLC0415

        geoms, crs = self.geoms, self.crs
        if crs is None or is_lonlat(crs) or len(geoms) <= _AREA_PART:
            return area_of_record_m2(geoms, crs, self.name)  # a lon/lat error names the feature
        starts = range(0, len(geoms), _AREA_PART)
        with ThreadPoolExecutor(max_workers=usable_cpus()) as pool:  # PROJ and numpy: no GIL
            parts = pool.map(
                lambda k: area_of_record_m2(geoms[k : k + _AREA_PART], crs, self.name), starts
            )
            areas = np.concatenate(list(parts))
        release_freed_memory()
        return areas

    def finding(
        self,
        rule: Rule,
        message: str,
        *,
        feature: int | None = None,
        other: int | None = None,
        value: float | str | None = None,
        unit: str | None = None,
        geometry: shapely.Geometry | None = None,
    ) -> Finding:
        """Return a finding of ``rule`` about feature (position) ``feature`` of this layer.

        Its geometry is ``geometry``, else the feature's own (as read).
        """
        return Finding(
            kind=rule.kind,
            rule=rule.id,
            severity=rule.severity,
            layer=self.name,
            feature_id=None if feature is None else self.ids[feature],
            other_id=None if other is None else self.ids[other],
            value=value,
            unit=unit,
            source=rule.source,
            message=message,
            geometry=geometry if geometry is not None or feature is None else self.raw[feature],
        )
