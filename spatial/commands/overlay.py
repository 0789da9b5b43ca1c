"""``run_overlay``: overlay analyses between two layers (areas km², ellipsoidal; distances m).

The library function behind ``spatial overlay A [B]`` (:mod:`spatial.cli.overlay`):
``intersection`` (``a_id, b_id, area_km2, share_of_a, share_of_b``; with
``raw_areas`` also ``raw_area_km2, adjustment_m2``), ``difference``,
``overlaps``, ``matrix``, ``coverage`` (within ``distance_m`` metres, drawn in the
Gauss–Krüger zone of the data) and ``assign``. Areas are ellipsoidal
(GRS80/CGCS2000); pieces cut in the layers' projected CRS are reconciled to each
feature's area of record. A layer A read as it is (GeoParquet, GeoPackage, Shapefile,
FlatGeobuf) is tabulated, cut, covered or assigned straight from the file
(:data:`SCANNED_OPERATIONS`);
``scheduler`` runs the intersection on dask.

Imports no geopandas or pandas until a command runs (``spatial overlay --help``
reads the constants below).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from spatial.commands._inputs import output_frame_for, read_notes

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from spatial.export.frame import OutputFrame
    from spatial.io.options import ReadOptions
    from spatial.io.where import Where
    from spatial.overlay.scan import ParquetScan

__all__ = [
    "DISTANCE_MAX_M",
    "NEED_B",
    "OGR_SCANNED",
    "OPERATIONS",
    "PARQUET",
    "SCANNED_OPERATIONS",
    "SQUARE_MAX_FEATURES",
    "OverlayRequest",
    "OverlayResult",
    "adjustment_note",
    "difference_layer",
    "run_overlay",
]

#: Operations that need a second layer B.
NEED_B = frozenset({"intersection", "difference", "coverage", "assign"})
OPERATIONS = ("intersection", "difference", "overlaps", "matrix", "coverage", "assign")
#: Suffixes of a GeoParquet layer A, tabulated straight from the file.
PARQUET = frozenset({".parquet", ".geoparquet"})
#: Suffixes of a GDAL layer A tabulated from the file too, through pyogrio's Arrow stream
#: (GeoJSON is not: its raw JSON is checked first, for what GDAL hides).
OGR_SCANNED = frozenset({".gpkg", ".shp", ".fgb"})
#: Operations whose layer A is read from the file unit by unit (when read as it is).
SCANNED_OPERATIONS = frozenset({"intersection", "difference", "coverage", "assign"})
#: ``distance_m`` at most 100 km: the Gauss–Krüger zone the buffer is drawn in holds no more.
DISTANCE_MAX_M = 100_000.0
#: Above this many features a square matrix is refused: n² cells (10,000 zones: 100 million).
SQUARE_MAX_FEATURES = 2_000


@dataclass(frozen=True)
class OverlayRequest:
    """What ``spatial overlay`` is asked.

    Attributes
    ----------
    a : str
        Layer A (polygons; points for ``assign``): a file, a GeoParquet file or
        partitioned folder, ``FILE.gdb::LAYER``, ``postgresql://...?table=T``.
    b : str, optional
        Layer B (needed by ``intersection``, ``difference``, ``coverage``, ``assign``).
    op : str
        One of :data:`OPERATIONS`.
    a_id_field, b_id_field : str
        The id columns of A and B.
    distance_m : float, optional
        ``coverage``'s buffer distance, metres (above 0, at most :data:`DISTANCE_MAX_M`).
    wheres : mapping of str to tuple of Where
        Feature selections of ``a`` and ``b`` (all must hold).
    options : mapping of str to ReadOptions
        Reading options of ``a`` and ``b``.
    square : bool
        ``matrix``: the n x n table instead of one row per non-zero cell.
    square_max_features : int
        The most features a square matrix is written for.
    scheduler : str, optional
        ``intersection`` on dask: ``processes`` (a local cluster) or a scheduler address.
    raw_areas : bool
        ``intersection``: keep ``raw_area_km2`` and ``adjustment_m2``.
    repair : bool
        Repair invalid geometries instead of refusing them.
    out_crs : str, optional
        The CRS a layer result is written in (default: A's and B's common CRS).
    """

    a: str
    b: str | None = None
    op: str = "intersection"
    a_id_field: str = "id"
    b_id_field: str = "id"
    distance_m: float | None = None
    wheres: Mapping[str, tuple[Where, ...]] = field(default_factory=dict)
    options: Mapping[str, ReadOptions] = field(default_factory=dict)
    square: bool = False
    square_max_features: int = SQUARE_MAX_FEATURES
    scheduler: str | None = None
    raw_areas: bool = False
    repair: bool = False
    out_crs: str | None = None

    def reading(self, role: str) -> ReadOptions:
        """Return the reading options of ``a`` or ``b`` (defaults when none are given)."""
        from spatial.io.options import ReadOptions  # noqa: PLC0415

        return self.options.get(role, ReadOptions())


@dataclass(frozen=True)
class OverlayResult:
    """The operation's table (a layer for ``difference``) and A and B as read.

    Attributes
    ----------
    table : DataFrame or GeoDataFrame
        The result, in the columns the command writes.
    inputs : mapping of str to GeoDataFrame, optional
        A and B as read (None when A was tabulated from the file or on dask; for a
        difference read from the file, A without features: its CRS).
    out_crs : str, optional
        The CRS asked for layers.
    notes : tuple of str
        Read notes, features chosen, the largest reconciling adjustment.
    """

    table: pd.DataFrame
    inputs: Mapping[str, gpd.GeoDataFrame] | None = None
    out_crs: str | None = None
    notes: tuple[str, ...] = ()
    a_path: str | None = None

    def layer(self, op: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
        """Return the result as a layer is written (GeoPackage, GeoJSON), and what to say of it.

        ``difference``'s layer holds A's own fields beside ``area_km2`` and
        ``share_of_a``, and only the features with a part outside B (as PostGIS's
        ``ST_Difference`` kept where ``NOT ST_IsEmpty``): a feature wholly inside
        B is no row of it, while the table (CSV, the terminal) lists every
        feature of A, one wholly removed with 0 km². Any other result as it is.
        """
        if op != "difference":
            return self.table, ()
        return difference_layer(cast("gpd.GeoDataFrame", self.table), self._fields_of_a())

    def _fields_of_a(self) -> pd.DataFrame:
        """Return A's own fields, a row per feature in A's order (read again when A was scanned)."""
        import pandas as pd  # noqa: PLC0415

        a = (self.inputs or {}).get("a")
        if self.a_path is not None:  # A was cut from the file: its fields were not read
            a = _read_fields(self.a_path)
        if a is None:
            raise AssertionError("a difference's layer A is always read or scanned")
        return pd.DataFrame(a.drop(columns=a.geometry.name))

    def frame(self) -> OutputFrame | None:
        """Return the frame a layer result is written in (None: as computed); notes say why."""
        if self.inputs is None and self.out_crs is None:
            return None
        return output_frame_for(self.out_crs, self.inputs or {})

    @property
    def exit_status(self) -> int:
        """Always 0: an overlay finds no problems (bad input raises)."""
        return 0


#: The measures of a difference's rows (A's fields of these names are kept as ``<name>_orig``).
_MEASURES = ("area_km2", "share_of_a")


def difference_layer(
    table: gpd.GeoDataFrame, fields: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """Return a difference's layer: A's fields, its measures, only the parts left; and a note.

    Parameters
    ----------
    table : geopandas.GeoDataFrame
        The difference, one row per feature of A in A's order (``difference``:
        the id column, ``area_km2``, ``share_of_a``, the part outside B, empty
        when none is left).
    fields : pandas.DataFrame
        A's own fields, one row per feature in the same order. A field named
        ``area_km2`` or ``share_of_a`` makes way for the measure, kept as
        ``<name>_orig``.

    Returns
    -------
    (geopandas.GeoDataFrame, tuple of str)
        A's fields, ``area_km2``, ``share_of_a`` and the geometry, without the
        features wholly inside B; a note counting those, when there are any.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Polygon, box
    >>> table = gpd.GeoDataFrame({"BSM": ["a", "b"], "area_km2": [1.0, 0.0],
    ...     "share_of_a": [0.5, 0.0]}, geometry=[box(0, 0, 1, 1), Polygon()], crs=4326)
    >>> fields = pd.DataFrame({"BSM": ["a", "b"], "DLMC": ["旱地", "水田"]})
    >>> layer, notes = difference_layer(table, fields)
    >>> list(layer.columns), list(layer["DLMC"])
    (['BSM', 'DLMC', 'area_km2', 'share_of_a', 'geometry'], ['旱地'])
    >>> print(notes[0])
    1 feature(s) of A lie wholly inside B: no row of the layer (the table lists them, area_km2 0)
    """
    import geopandas as gpd  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    kept = {c: f"{c}_orig" for c in _MEASURES if c in fields.columns}  # A's own make way
    own = fields.reset_index(drop=True).rename(columns=kept)
    ids = str(table.columns[0])  # the id column, --a-id: A's own field, in A's order
    if len(own) != len(table) or (
        ids in own.columns and not np.array_equal(own[ids].to_numpy(), table[ids].to_numpy())
    ):
        raise AssertionError("a difference's rows are not A's features in A's order")
    geoms = np.asarray(table.geometry.array, dtype=object)
    left = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    columns = {str(c): own[c].to_numpy() for c in own.columns}
    columns |= {c: table[c].to_numpy() for c in _MEASURES}
    layer = gpd.GeoDataFrame(columns, geometry=geoms, crs=table.crs)[left]
    removed = int((~left).sum())
    note = (
        f"{removed:,} feature(s) of A lie wholly inside B: no row of the layer (the table "
        "lists them, area_km2 0)"
    )
    return layer.reset_index(drop=True), (note,) if removed else ()


def _read_fields(path: str) -> gpd.GeoDataFrame:
    """Return the layer file ``path`` as read, its geometries not decoded when it can."""
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.io.wkb_frame import read_wkb_frame  # noqa: PLC0415

    found = read_wkb_frame(path)  # GeoParquet, a one-layer GeoPackage: fields and WKB apart
    return found[0] if found is not None else read_layer(path)


def _from_parquet_file(request: OverlayRequest) -> bool:
    """Whether A is a GeoParquet, GeoPackage, Shapefile or FlatGeobuf file to run on as read.

    Read as it is: straight from the file, through the scan (pyogrio's Arrow stream for GDAL).
    """
    path = Path(request.a)
    return (
        request.op in SCANNED_OPERATIONS
        and request.b is not None
        and not request.repair
        and request.scheduler is None
        and not request.wheres.get("a")
        and _plain(request.reading("a"), ())
        and path.suffix.lower() in PARQUET | OGR_SCANNED
        and path.is_file()
    )


def _matrix(request: OverlayRequest, a: gpd.GeoDataFrame) -> pd.DataFrame:
    from spatial.io.postgis import database_label  # noqa: PLC0415
    from spatial.overlay import operations as ops  # noqa: PLC0415

    form = "square" if request.square else "long"
    name = database_label(request.a)
    matrix = ops.overlap_matrix(a, request.a_id_field, repair=request.repair, form=form, name=name)
    return matrix if form == "long" else matrix.reset_index(names=request.a_id_field)


def _names(request: OverlayRequest) -> tuple[str, Any]:
    """Name A and B as messages do: a file by its path, a database without its password.

    B is None for an operation on A alone, as ``request.b`` is.
    """
    from spatial.io.postgis import database_label  # noqa: PLC0415

    return database_label(request.a), database_label(request.b) if request.b is not None else None


def _needed_b(request: OverlayRequest, b: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Return B, which :func:`_check_call` has already required for ``--op`` (narrows the type)."""
    from spatial.errors import UsageError  # noqa: PLC0415

    if b is None:
        raise UsageError(f"--op {request.op} needs a second layer B")
    return b


def _distance_m(request: OverlayRequest) -> float:
    """Return ``coverage``'s distance, metres: given, above 0, at most :data:`DISTANCE_MAX_M`."""
    from spatial.errors import UsageError  # noqa: PLC0415

    distance = request.distance_m
    if distance is None:
        raise UsageError("--op coverage needs --distance-m (metres)")
    if not 0 < distance <= DISTANCE_MAX_M:
        raise UsageError(
            f"--distance-m must be a number above 0 to {DISTANCE_MAX_M:,g} metres, got {distance:g}"
        )
    return distance


def _compute(
    request: OverlayRequest, a: gpd.GeoDataFrame, b: gpd.GeoDataFrame | None
) -> pd.DataFrame:
    """Run the operation; every input is validated once, inside it, named by its file."""
    from spatial.overlay import operations as ops  # noqa: PLC0415

    repair, names = request.repair, _names(request)
    if request.op == "intersection":
        return ops.tabulate_intersection(
            a,
            _needed_b(request, b),
            request.a_id_field,
            request.b_id_field,
            repair=repair,
            names=names,
        )
    if request.op == "difference":
        return ops.difference(
            a, _needed_b(request, b), request.a_id_field, repair=repair, names=names
        )
    if request.op == "overlaps":
        return ops.overlaps(a, request.a_id_field, repair=repair, name=names[0])
    if request.op == "matrix":
        return _matrix(request, a)
    if request.op == "coverage":
        return ops.buffer_coverage(
            a,
            _needed_b(request, b),
            _distance_m(request),
            request.a_id_field,
            repair=repair,
            names=names,
        )
    return ops.assign_points(
        a, _needed_b(request, b), request.a_id_field, request.b_id_field, repair=repair, names=names
    )


def _plain(options: ReadOptions, wheres: tuple[Where, ...]) -> bool:
    """Whether an input is read as it is: no --crs, frame, field options or --where."""
    return not wheres and options == type(options)()


def _parquet_result(
    request: OverlayRequest, b: gpd.GeoDataFrame | None, scan: ParquetScan[Any] | None
) -> pd.DataFrame:
    """Run the operation on A from the file (its scan, if started): GEOS only where B may touch."""
    from spatial.overlay.parquet import tabulate_parquet  # noqa: PLC0415
    from spatial.overlay.scan_assign import assign_file  # noqa: PLC0415
    from spatial.overlay.scan_ops import coverage_file, difference_file  # noqa: PLC0415

    source = scan if scan is not None else request.a
    names, b = _names(request), _needed_b(request, b)
    if request.op == "assign":
        return assign_file(source, b, request.a_id_field, request.b_id_field, names=names)
    if request.op == "difference":
        return difference_file(source, b, request.a_id_field, names=names)
    if request.op == "coverage":
        return coverage_file(source, b, _distance_m(request), request.a_id_field, names=names)
    return tabulate_parquet(source, b, request.a_id_field, request.b_id_field, names=names)


def _scanned_inputs(
    request: OverlayRequest, b: gpd.GeoDataFrame | None
) -> Mapping[str, gpd.GeoDataFrame] | None:
    """Return A (no features: its CRS) and B, for a difference read from the file.

    A layer result is then written in their common CRS, as the plain path writes it.

    None for the tables, which have no geometries.
    """
    if request.op != "difference" or b is None:
        return None
    import geopandas as gpd  # noqa: PLC0415

    from spatial.io.sources import open_source  # noqa: PLC0415

    return {"a": gpd.GeoDataFrame(geometry=[], crs=open_source(request.a).crs), "b": b}


def _dask_result(request: OverlayRequest, b: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Tabulate A by partitions on a dask.distributed cluster (local processes or ADDRESS)."""
    try:
        import dask_geopandas  # noqa: PLC0415 - optional dependency
        from distributed import Client, LocalCluster  # noqa: PLC0415
    except ImportError:
        from spatial.errors import UsageError  # noqa: PLC0415

        raise UsageError("--scheduler needs the dask extra: uv sync --extra dask") from None
    from spatial.overlay.distributed import tabulate_intersection_dask  # noqa: PLC0415

    if request.op != "intersection":
        raise UsageError(f"--scheduler applies to --op intersection only, not --op {request.op}")
    path = Path(request.a)
    if not (path.is_dir() or path.suffix.lower() in PARQUET):
        raise UsageError(f"{path}: --scheduler reads a GeoParquet file or a partitioned folder")
    if not path.exists():
        raise UsageError(f"{path}: file not found")
    if not path.is_dir():
        from spatial.io.sandbox import require_named_source  # noqa: PLC0415 - no GDAL needed

        require_named_source(path)  # a FIFO or device is refused, not waited on
    a = dask_geopandas.read_parquet(path)  # lazily: each worker reads its own partitions
    cluster = None
    try:
        if request.scheduler == "processes":
            # distributed leaves these calls unannotated
            cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")  # type: ignore[no-untyped-call]
            client = Client(cluster)  # type: ignore[no-untyped-call]
        else:
            client = Client(request.scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise UsageError(f"cannot reach the dask scheduler {request.scheduler}: {exc}") from None
    try:
        return tabulate_intersection_dask(
            a, _needed_b(request, b), request.a_id_field, request.b_id_field
        )
    finally:
        client.close()  # type: ignore[no-untyped-call]  # distributed's Client.close is unannotated
        if cluster is not None:
            cluster.close()


def adjustment_note(table: pd.DataFrame) -> str | None:
    """Word the largest reconciling adjustment of a tabulation as a note (None if none).

    Relative to the smaller of the piece's two features (their areas of record,
    from the row's areas and shares).
    """
    if "adjustment_m2" not in table.columns or not len(table):
        return None
    import numpy as np  # noqa: PLC0415

    from spatial.units import M2_PER_KM2  # noqa: PLC0415

    adjust_m2 = table["adjustment_m2"].to_numpy(float)
    i = int(np.argmax(adjust_m2))
    if not adjust_m2[i] > 0:
        return None

    def column(name: str) -> float:
        return float(table[name].to_numpy(float)[i])

    features_m2 = [
        column(area) * M2_PER_KM2 / column(share)
        for area, share in (("area_km2", "share_of_a"), ("raw_area_km2", "share_of_b"))
        if column(share) > 0
    ]
    relative = adjust_m2[i] / min(features_m2) if features_m2 else 0.0
    pair = f"{table['a_id'].iloc[i]} x {table['b_id'].iloc[i]}"
    return (
        "pieces cut in the layers' projected CRS are reconciled to each feature's area of "
        "record (area_km2, shares; the pieces as cut with --raw-areas); largest adjustment "
        f"{adjust_m2[i]:.3g} m² ({relative:.1e} of its feature), {pair}"
    )


def _read(
    path: str, options: ReadOptions, wheres: tuple[Where, ...], notes: list[str]
) -> gpd.GeoDataFrame:
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.io.where import select_features  # noqa: PLC0415

    gdf = read_layer(path, **vars(options))
    notes += read_notes(gdf)
    for where in wheres:
        gdf = select_features(gdf, path, where)
    if wheres:
        chosen = " and ".join(str(w) for w in wheres)
        notes.append(f"{path}: {len(gdf)} feature(s) chosen by {chosen}")
    return gdf


def _finish(request: OverlayRequest, table: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Note the largest adjustment; keep the stated five columns unless raw areas are asked."""
    from spatial.overlay.operations import RECONCILED_COLUMNS  # noqa: PLC0415

    if request.op != "intersection":
        return table
    note = adjustment_note(table)
    if note is not None:
        notes.append(note)
    if not request.raw_areas:  # the tabulation's five columns, as stated
        table = table.drop(columns=list(RECONCILED_COLUMNS), errors="ignore")
    return table


def run_overlay(request: OverlayRequest, scan: ParquetScan[Any] | None = None) -> OverlayResult:
    """Run one overlay operation; return its table and A and B as read.

    ``scan`` is A's GeoParquet scan when the caller started one early.

    Raises
    ------
    SpatialError
        An input cannot be read or is invalid, or the operation cannot run on
        it (exit 2 on the command line).
    """
    from spatial.errors import UsageError  # noqa: PLC0415

    notes: list[str] = []
    b = None
    if request.b is not None:
        b = _read(request.b, request.reading("b"), request.wheres.get("b", ()), notes)
    if request.scheduler is not None:
        if not _plain(request.reading("a"), request.wheres.get("a", ())):
            raise UsageError("--scheduler reads A as it is: drop --where and A's reading options")
        table = _finish(request, _dask_result(request, b), notes)
        return OverlayResult(table, None, request.out_crs, tuple(notes))
    if _from_parquet_file(request):
        table = _finish(request, _parquet_result(request, b, scan), notes)
        inputs = _scanned_inputs(request, b)
        return OverlayResult(table, inputs, request.out_crs, tuple(notes), request.a)
    a = _read(request.a, request.reading("a"), request.wheres.get("a", ()), notes)
    if request.square and len(a) > request.square_max_features:
        raise UsageError(
            f"{request.a}: --square with {len(a):,} features would write {len(a) ** 2:,} cells; "
            f"it is for up to {request.square_max_features:,} features: drop --square for one "
            "row per non-zero cell"
        )
    if request.op == "coverage" and b is not None:
        from spatial.overlay.operations import require_one_dimension  # noqa: PLC0415

        require_one_dimension(b, _names(request)[1])  # here, so the message names the file
    table = _finish(request, _compute(request, a, b), notes)
    inputs = {"a": a} | ({"b": b} if b is not None else {})
    return OverlayResult(table, inputs, request.out_crs, tuple(notes))
