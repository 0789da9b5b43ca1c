"""``run_balance``: the 用地平衡表 (land-use balance table), per zone or for the whole layer.

The library function behind ``spatial balance`` (:mod:`spatial.cli.balance`).
One row per zone and land-use class (``zone_id, class_code, class_name, level,
construction_land, area_m2, area_ha, area_mu, share_of_zone, zone_area_m2``,
then the raw areas and adjustments); an existing and a planned layer side by
side with the change per class. Layers are cut in their own frame and areas are
of record (the survey rule, CGCS2000); each zone's rows are reconciled to its
area (:mod:`spatial.measure.reconcile`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from spatial.landuse.fields import CLASS_CODE_FIELD, CLASS_NAME_FIELD

if TYPE_CHECKING:  # loaded by the tables: a refused call or missing file loads neither
    import geopandas as gpd
    import pandas as pd

    from spatial.io.arrow_frame import ArrowParts
    from spatial.io.options import ReadOptions
    from spatial.review.balance_scan import WkbGeometries

__all__ = ["BalanceRequest", "BalanceResult", "check_construction", "run_balance"]


@dataclass(frozen=True)
class BalanceRequest:
    """What ``spatial balance`` is asked: one land-use layer, or an existing and a planned one.

    Attributes
    ----------
    landuse : str, optional
        The land-use layer (a file, ``FILE.gdb::LAYER``, ``postgresql://...``).
    existing, planned : str, optional
        现状 and 规划 land-use layers, set side by side (both, instead of ``landuse``).
    zones : str, optional
        Zones to tabulate by; without, one row per class for the whole layer.
    class_field, class_name_field : str
        The class code field (``YDYHFLDM``) and the class name field checked
        against the code when present (``YDYHFLMC``).
    id_field : str
        The zones' id field.
    level : {1, 2, 3}, optional
        Tabulate at this level (2-, 4-, 6-digit codes).
    construction : tuple of str, optional
        Codes or prefixes counted as 建设用地 (the 2023 classification carries no
        such flag).
    options : mapping of str to ReadOptions
        Reading options by role (``landuse``, ``existing``, ``planned``, ``zones``).
    repair : bool
        Repair invalid geometries instead of refusing them.
    """

    landuse: str | None = None
    existing: str | None = None
    planned: str | None = None
    zones: str | None = None
    class_field: str = CLASS_CODE_FIELD
    class_name_field: str = CLASS_NAME_FIELD
    id_field: str = "id"
    level: int | None = None
    construction: tuple[str, ...] | None = None
    options: Mapping[str, ReadOptions] = field(default_factory=dict)
    repair: bool = False

    def reading(self, role: str) -> ReadOptions:
        """Return the reading options of ``role`` (defaults when none are given)."""
        from spatial.io.options import ReadOptions  # noqa: PLC0415

        return self.options.get(role, ReadOptions())

    def roles(self) -> dict[str, str]:
        """Return the land-use layers by role: ``landuse``, or ``existing`` and ``planned``.

        Raises
        ------
        UsageError
            Neither, both kinds, or one of the pair alone is given.
        """
        from spatial.errors import UsageError  # noqa: PLC0415

        pair = self.existing is not None or self.planned is not None
        if pair and (self.existing is None or self.planned is None):
            raise UsageError("--existing and --planned go together: give both")
        if pair and self.landuse is not None:
            raise UsageError("give LANDUSE or --existing/--planned, not both")
        if self.existing is not None and self.planned is not None:
            return {"existing": self.existing, "planned": self.planned}
        if self.landuse is None:
            raise UsageError("give a land-use layer (LANDUSE), or --existing A --planned B")
        return {"landuse": self.landuse}


@dataclass(frozen=True)
class BalanceResult:
    """The balance table, its totals and how its rows were reconciled.

    Attributes
    ----------
    table : DataFrame
        The rows (they sum to each zone): areas m², ha, 亩, shares; with a pair,
        ``existing_m2, planned_m2, change_m2`` and the same in ha and 亩.
    totals : DataFrame
        Per zone, the 建设用地 subtotal (when known) and the total.
    adjustment : DataFrame
        Per zone, how its rows were reconciled to its area (m², relative).
    problems : tuple of str
        Class names that disagree with their codes, one line each.
    notes : tuple of str
        Overlaps tolerated, codes coarser than the level asked.
    """

    table: pd.DataFrame
    totals: pd.DataFrame
    adjustment: pd.DataFrame
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def single(self) -> bool:
        """Whether one layer was tabulated (not an existing and a planned one)."""
        return "existing_m2" not in self.table.columns

    @property
    def exit_status(self) -> int:
        """0 done; 1 class names disagree with their codes."""
        return 1 if self.problems else 0


def check_construction(codes: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Return ``codes`` (``--construction``) when each is a code of the 2023 classification.

    Raises
    ------
    UsageError
        A code the classification does not have (one line, exit 2).
    """
    from spatial.errors import UsageError  # noqa: PLC0415
    from spatial.landuse import load_classes  # noqa: PLC0415

    classes = load_classes()
    for code in codes or ():
        if code not in classes:
            raise UsageError(f"--construction: {code!r} is not a code of the 2023 classification")
    return codes


def _coarser_notes(path: str, table: pd.DataFrame, level: int | None) -> list[str]:
    """Say when ``level`` asked for finer codes than the layer holds (they stay as they are)."""
    if level is None:
        return []
    rows = zip(table["class_code"], table["level"], strict=True)
    coarser = sorted({code for code, held in rows if held and held < level})
    if not coarser:
        return []
    shown = ", ".join(coarser[:5]) + (" ..." if len(coarser) > 5 else "")
    return [
        f"{path}: --level {level} asked for finer codes than {len(coarser)} class(es) hold "
        f"({shown}); those rows stay at their own level"
    ]


def _overlap_notes(path: str, table: pd.DataFrame) -> list[str]:
    """Name each overlap tolerated, and which feature's row counts it."""
    notes = []
    for o in table.attrs.get("overlaps", []):
        where = f" in zone {o['zone_id']}" if o["zone_id"] is not None else ""
        notes.append(
            f"{path}: features {o['kept_by']} and {o['trimmed_from']} overlap by "
            f"{o['overlap_m2']:.3f} m²{where} (tolerated; counted once, in {o['kept_by']})"
        )
    return notes


def adjustments(table: pd.DataFrame, single: bool) -> pd.DataFrame:
    """Return per zone how its rows were reconciled, or (a comparison) the largest adjustment."""
    from spatial.review.balance import reconciliation  # noqa: PLC0415

    if single:
        return reconciliation(table)
    cols = ["zone_id", "largest_adjustment_m2", "largest_adjustment_rel"]
    return table[cols].drop_duplicates("zone_id").reset_index(drop=True)


def compare_subtotals(table: pd.DataFrame) -> pd.DataFrame:
    """Per zone: 建设用地 (when known) and total, existing against planned, m² and ha."""
    import pandas as pd  # noqa: PLC0415

    rows = []
    for zone_id, group in table.groupby("zone_id", dropna=False, sort=False):
        parts = [("合计 total", group)]
        if group["construction_land"].notna().any():
            built = group[group["construction_land"].fillna(False).astype(bool)]
            parts.insert(0, ("建设用地 construction land", built))
        for label, part in parts:
            row = {"zone_id": None if pd.isna(zone_id) else zone_id, "row": label}
            for kind in ("existing", "planned", "change"):
                row[f"{kind}_m2"] = float(part[f"{kind}_m2"].sum())
                row[f"{kind}_ha"] = float(part[f"{kind}_ha"].sum())
            rows.append(row)
    return pd.DataFrame(rows)


def _name_problems(gdf: gpd.GeoDataFrame, path: str, request: BalanceRequest) -> list[str]:
    from spatial.review.balance import name_problems  # noqa: PLC0415

    # each distinct (code, name) pair looked at once; the features walked only when one disagrees
    found = name_problems(gdf, path, request.class_field, request.class_name_field)
    return [str(p) for p in found]


#: Every spelling of ``id``: a file's ``ID`` is its id when it has no ``id`` (``read_layer``).
_ID_SPELLINGS = ("id", "ID", "Id", "iD")


@dataclass
class _ArrowLayer:
    """A land-use layer read from Arrow: its frame and, with zones, its WKB not yet all decoded.

    ``wkb`` None: ``frame`` is the layer :func:`spatial.io.arrow_frame.read_arrow_frame`
    gives. Otherwise ``frame``'s geometry column is empty (None) and the
    geometries are ``wkb``'s; :meth:`whole` gives that frame.
    """

    frame: gpd.GeoDataFrame
    wkb: WkbGeometries | None = None
    parts: ArrowParts | None = None
    path: str = ""
    id_field: str | None = None

    def whole(self) -> gpd.GeoDataFrame:
        """Return the layer as :func:`spatial.io.arrow_frame.read_arrow_frame` reads it."""
        from spatial.io.fields import map_fields  # noqa: PLC0415

        if self.wkb is None or self.parts is None:
            return self.frame
        return map_fields(self.parts.frame(self.wkb.every()), self.path, self.id_field)[0]


def _reads_plainly(request: BalanceRequest, role: str) -> bool:
    """Whether a role's file may be read from Arrow: no options but its id field, no repairs."""
    from spatial.io.options import ReadOptions  # noqa: PLC0415

    return not request.repair and replace(request.reading(role), id_field=None) == ReadOptions()


def _named(request: BalanceRequest, role: str) -> list[str]:
    """Return the columns read from Arrow whatever their kind: ids, ``accuracy``, class fields."""
    id_field = request.reading(role).id_field
    named = [*_ID_SPELLINGS, "accuracy", request.class_field, request.class_name_field]
    return named + ([id_field] if id_field is not None else [])


_Scanned = tuple["ArrowParts", "WkbGeometries"]


def _scan_file(path: str, named: list[str], threads: int) -> _Scanned | None:
    """Read a land-use file's parts from Arrow and scan its WKB, or None (read it otherwise).

    Loads neither pandas nor geopandas for GeoParquet. None: a file
    :func:`spatial.io.arrow_frame.read_arrow_parts` does not read, a WKB value
    GEOS cannot read (:func:`spatial.io.arrow_frame.read_arrow_frame` then decides).
    """
    import pyarrow as pa  # noqa: PLC0415
    from shapely.errors import ShapelyError  # noqa: PLC0415

    from spatial.io.arrow_frame import read_arrow_parts  # noqa: PLC0415
    from spatial.review.balance_scan import scan_wkb  # noqa: PLC0415

    parts = read_arrow_parts(path, named, threads=threads)  # the caller applies the threshold
    if parts is None:
        return None
    try:
        wkb = scan_wkb(parts.wkb, threads)
    except ShapelyError:
        return None
    pa.default_memory_pool().release_unused()  # the file's pages Arrow freed
    return parts, wkb


#: Land-use files read and scanned on a thread of their own, started before the readers load.
_EARLY_SUFFIXES = frozenset({".parquet", ".geoparquet"})


class _EarlyScans:
    """GeoParquet land-use layers read and scanned in turn on a thread started early.

    With zones, each role's GeoParquet file read plainly is read and scanned
    (:func:`_scan_file`) on one thread, one role after the other, while the
    command loads pandas and geopandas and reads the zones: the thread loads
    neither. Nothing it finds is said from here: where it gives None (or fails)
    the role is read as before, which decides.
    """

    def __init__(self, request: BalanceRequest) -> None:
        from pathlib import Path  # noqa: PLC0415

        jobs = [
            (role, path, _named(request, role))
            for role, path in request.roles().items()
            if request.zones is not None
            and _reads_plainly(request, role)
            and Path(path).suffix.lower() in _EARLY_SUFFIXES
        ]
        self._done: dict[str, Future[_Scanned | None]] = {role: Future() for role, _, _ in jobs}
        if jobs:
            threading.Thread(target=self._run, args=(jobs,), daemon=True).start()

    def _run(self, jobs: list[tuple[str, str, list[str]]]) -> None:
        try:
            with contextlib.suppress(Exception):  # a role not done is read as before
                self._scan(jobs)
        finally:  # whatever stopped the thread, no role is waited for in vain
            for done in self._done.values():
                if not done.done():
                    done.set_result(None)

    def _scan(self, jobs: list[tuple[str, str, list[str]]]) -> None:
        from spatial.cpus import usable_cpus  # noqa: PLC0415

        threads = usable_cpus()
        for role, path, named in jobs:
            try:
                found = _scan_file(path, named, threads)
            except Exception:  # read as before, which says what is wrong
                found = None
            self._done[role].set_result(found)

    def take(self, role: str) -> _Scanned | bool | None:
        """Return the role's scan (None: read it otherwise); False when it was not started."""
        done = self._done.get(role)
        return False if done is None else done.result()


def _read_fast(
    path: str, request: BalanceRequest, role: str, early: _EarlyScans | None = None
) -> _ArrowLayer | None:
    """Read a land-use file from Arrow with the columns balance and the validator use, or None.

    Only for a file read without options but its id field (``--id-field``), and
    a table without repairs; None (anything unusual, an id field the file lacks)
    sends the layer the usual way (:func:`_table`). The id field is mapped as
    :func:`spatial.io.layers.read_layer` maps it. With zones, the WKB is decoded
    only where the convex test cannot settle a feature
    (:func:`spatial.review.balance_scan.scan_wkb`): the parcels cut are built
    later, the others never; a GeoParquet file's scan is ``early``'s, begun
    while the command loaded its readers. Without zones every feature takes part,
    so its rings are oriented as it is read, the originals released as they go
    (:func:`spatial.review._fast.oriented_frame`: one set of a million polygons
    in memory, not two).
    """
    import pyarrow as pa  # noqa: PLC0415

    from spatial.cpus import usable_cpus  # noqa: PLC0415
    from spatial.io.arrow_frame import read_arrow_frame  # noqa: PLC0415
    from spatial.io.fields import map_fields  # noqa: PLC0415

    id_field = request.reading(role).id_field
    if not _reads_plainly(request, role):
        return None
    from spatial.review import _fast  # noqa: PLC0415 - its threshold, read when called

    named = _named(request, role)
    threads = usable_cpus()

    def read() -> gpd.GeoDataFrame | None:
        # a small layer would be declined by the fast path: read once, the usual way
        frame = read_arrow_frame(path, named, threads=threads, min_rows=_fast.FAST_MIN_FEATURES)
        # Arrow's allocator keeps the WKB and the file's pages it freed (0.4 GB a million)
        pa.default_memory_pool().release_unused()
        if frame is None or (id_field is not None and id_field not in frame.columns):
            return None  # the usual reader names a missing field among all the file's fields
        return map_fields(frame, path, id_field)[0]

    if request.zones is None:
        oriented = _fast.oriented_frame(read, threads)
        return None if oriented is None else _ArrowLayer(oriented)
    found = early.take(role) if early is not None else False
    if found is False:
        found = _scan_file(path, named, threads)
    if isinstance(found, tuple) and len(found[1].bounds) > _fast.FAST_MIN_FEATURES:
        scanned = _scanned_layer(found, path, id_field)
        if scanned is not None:
            return scanned
    frame = read()  # what the scan could not say: read_arrow_frame decides
    return None if frame is None else _ArrowLayer(frame)


def _scanned_layer(found: _Scanned, path: str, id_field: str | None) -> _ArrowLayer | None:
    """Return the layer of a scan, its id field mapped (None: a field the file lacks)."""
    import numpy as np  # noqa: PLC0415

    from spatial.io.fields import map_fields  # noqa: PLC0415

    parts, wkb = found
    empty = parts.frame(np.full(len(wkb.bounds), None, dtype=object))
    if id_field is not None and id_field not in empty.columns:
        return None
    return _ArrowLayer(map_fields(empty, path, id_field)[0], wkb, parts, path, id_field)


def _read_fast_roles(request: BalanceRequest) -> dict[str, _ArrowLayer | None]:
    """Return :func:`_read_fast` of each land-use role, a missing file refused before it loads.

    A role's file is refused here (:func:`spatial.io.sandbox.refuse_missing_source`,
    the readers' own words) only where the usual read would refuse it next:
    while every earlier role was read from Arrow. After a role the fast read
    declined, that role's usual read comes first and may refuse it otherwise.
    The GeoParquet layers are read early (:class:`_EarlyScans`), once the first
    role is known to exist.
    """
    from spatial.io.sandbox import refuse_missing_source  # noqa: PLC0415

    arrow: dict[str, _ArrowLayer | None] = {}
    early = None
    for role, path in request.roles().items():
        if all(frame is not None for frame in arrow.values()):
            refuse_missing_source(path)  # before geopandas, pyarrow, GDAL load
        early = early or _EarlyScans(request)
        arrow[role] = _read_fast(path, request, role, early)
    return arrow


def _table(
    request: BalanceRequest,
    role: str,
    gdf: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None,
    construction: tuple[str, ...] | None,
    fast: bool | None,
    wkb: WkbGeometries | None = None,
) -> pd.DataFrame | None:
    """Return the balance table of one layer, or None where the fast path alone declines it.

    ``fast``: None the fast path alone (a layer read by :func:`_read_fast`:
    None when it declines); True the fast path where it takes the layer, else
    the plain one; False the plain path straight away (the fast one already
    declined the layer).
    """
    from spatial.io.postgis import database_label  # noqa: PLC0415
    from spatial.review.balance import balance_table  # noqa: PLC0415

    path = database_label(request.roles()[role])
    keywords: dict[str, Any] = {
        "class_field": request.class_field,
        "id_field": request.id_field,
        "level": request.level,
        "construction": construction,
        "names": (path, database_label(request.zones or "")),
    }
    if fast is None:  # read by _read_fast: oriented there when there are no zones
        return balance_table(gdf, zones, fast="only", oriented=zones is None, wkb=wkb, **keywords)
    return balance_table(gdf, zones, repair=request.repair, fast=fast, **keywords)


def _layer_table(
    request: BalanceRequest,
    role: str,
    layer: gpd.GeoDataFrame | _ArrowLayer,
    zones: gpd.GeoDataFrame | None,
    construction: tuple[str, ...] | None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Return one layer's balance table and the layer it was made of.

    A layer read from Arrow (:class:`_ArrowLayer`) that the fast path declines is
    asked again decoded whole where only its WKB was scanned, then read whole
    and tabulated by the plain path, which names any problem.
    """
    from spatial.io.layers import read_layer  # noqa: PLC0415

    if isinstance(layer, _ArrowLayer):
        gdf = layer.frame
        table = _table(request, role, gdf, zones, construction, fast=None, wkb=layer.wkb)
        if table is None and layer.wkb is not None:  # a check flagged something: ask it whole
            gdf = layer.whole()
            table = _table(request, role, gdf, zones, construction, fast=None)
        if table is not None:
            return table, gdf
        gdf = read_layer(request.roles()[role], **vars(request.reading(role)))
        fast = False
    else:
        gdf, fast = layer, True
    table = _table(request, role, gdf, zones, construction, fast=fast)
    if table is None:  # never: the plain path always gives a table
        raise AssertionError("balance_table gave no table")
    return table, gdf


def run_balance(request: BalanceRequest) -> BalanceResult:
    """Tabulate the land-use layer(s) by class, per zone; return the table and its totals.

    A land-use file of GeoParquet, GeoPackage, Shapefile or FlatGeobuf read
    without options is first read from Arrow with only the columns the
    validator and the table use (:func:`spatial.io.arrow_frame.read_arrow_frame`)
    and tabulated by the fast path; where that path would not take it, the
    file is read whole and tabulated by the plain path: the same table, and a
    refusal in the same words, either way.

    Raises
    ------
    SpatialError
        An input cannot be read, a class code is unknown or blank, land-use
        features overlap (exit 2 on the command line).
    """
    roles = request.roles()
    construction = check_construction(request.construction)
    arrow = _read_fast_roles(request)
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.io.postgis import database_label  # noqa: PLC0415
    from spatial.review.balance import compare_balance, subtotals  # noqa: PLC0415

    layers: dict[str, gpd.GeoDataFrame | _ArrowLayer] = {
        role: frame if frame is not None else read_layer(roles[role], **vars(request.reading(role)))
        for role, frame in arrow.items()
    }
    arrow.clear()  # each layer held once, by ``layers``, and let go once tabulated
    zones = None
    if request.zones is not None:
        zones = read_layer(request.zones, **vars(request.reading("zones")))
    tables, notes, problems = [], [], []
    for role in roles:
        path = database_label(roles[role])
        table, layer = _layer_table(request, role, layers.pop(role), zones, construction)
        problems += _name_problems(layer, roles[role], request)
        del layer  # its geometries: before the next layer is tabulated
        notes += _overlap_notes(path, table) + _coarser_notes(path, table, request.level)
        tables.append(table)
    single = len(tables) == 1
    table = tables[0] if single else compare_balance(*tables)
    return BalanceResult(
        table=table,
        totals=subtotals(table) if single else compare_subtotals(table),
        adjustment=adjustments(table, single),
        problems=tuple(problems),
        notes=tuple(notes),
    )
