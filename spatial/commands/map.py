"""``run_map``: the plan checked once and drawn as an interactive HTML map.

The library function behind ``spatial map`` (:mod:`spatial.cli.map`): the
planner's layers read and checked once (:func:`spatial.commands._snapshot.checked_plan`),
drawn from that one snapshot (a zone's colour, popup, legend and the verdict
from the same row) and written as one HTML file (atomically).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.commands._inputs import PlanInput, PlanLayers
from spatial.commands._snapshot import CheckedTables
from spatial.io.atomic import made_folder

if TYPE_CHECKING:
    import geopandas as gpd

    from spatial.checked.snapshot import PlanSnapshot
    from spatial.webmap.build import MapOptions

__all__ = [
    "BUNDLED_NAME",
    "DEFAULT_MAP",
    "OWN_NAME",
    "MapRequest",
    "MapResult",
    "default_map",
    "file_stem",
    "run_map",
]

#: Where ``spatial map`` writes the page by default: ``maps/<name>.html``.
MAP_FOLDER = Path("maps")
#: The name of the bundled example plan's map, when no plan of the planner's judges.
BUNDLED_NAME = "bishan"
#: The map's name when the planner's plan has none that makes a file name.
OWN_NAME = "plan"
#: Characters no Windows file name holds (besides the control characters).
_NOT_IN_FILE_NAMES = frozenset('/\\:*?"<>|')
#: Device names Windows reserves, with any suffix (``NUL.html``).
_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)]
)
#: The bundled example's map (only without a project, a plan or rules of the planner's).
DEFAULT_MAP = MAP_FOLDER / f"{BUNDLED_NAME}.html"


def default_map(plan: PlanInput, inputs: PlanLayers | None = None) -> Path:
    """Return where the map of ``plan`` over ``inputs`` is written by default: ``maps/<name>.html``.

    Decided before anything is read, from the call alone: the name is the
    project's, else the plan file's stem, else the rules file's, else the
    planner's plan layers' (their zones file's stem: ``--zones mine.gpkg`` writes
    ``maps/mine.html``, judged or not); ``bishan`` (the bundled example) only when
    neither a plan nor a plan layer of the planner's is given.

    Examples
    --------
    >>> [default_map(p).as_posix() for p in (PlanInput(), PlanInput("plans/b_2035.toml"))]
    ['maps/bishan.html', 'maps/b_2035.html']
    >>> default_map(PlanInput(own=True, name="璧山新城")).as_posix()
    'maps/璧山新城.html'
    >>> default_map(PlanInput(), PlanLayers({"zones": "data/mine.gpkg"})).as_posix()
    'maps/mine.html'
    >>> default_map(PlanInput(), PlanLayers(extra={"parcels": "p.gpkg"})).as_posix()
    'maps/bishan.html'
    """
    if plan.name:
        return MAP_FOLDER / f"{file_stem(plan.name)}.html"
    for path in (plan.plan, plan.rules):
        if path is not None:
            return MAP_FOLDER / f"{file_stem(Path(path).stem)}.html"
    stem = None if inputs is None else inputs.stem
    if stem is not None:  # a GDB layer named "a/b" does not pick a folder
        return MAP_FOLDER / f"{file_stem(stem)}.html"
    return DEFAULT_MAP if not plan.is_own else MAP_FOLDER / f"{OWN_NAME}.html"


def file_stem(name: str) -> str:
    r"""Return ``name`` made a file name valid on Windows and POSIX alike (no folder, no suffix).

    Each character no Windows file name may hold (``/ \ : * ? " < > |`` and the
    control characters) becomes ``_``; leading and trailing dots and spaces go
    (Windows drops the trailing ones); a device name Windows reserves (``CON``,
    ``NUL``, ``COM1``...) gets a ``_`` in front. A name of a file or a PostGIS
    table with nothing left is :data:`OWN_NAME` (``plan``).

    Examples
    --------
    >>> file_stem("规划单元"), file_stem("a/b"), file_stem('GHFQ:2035*"v2"?')
    ('规划单元', 'a_b', 'GHFQ_2035__v2__')
    >>> file_stem("x<1>|\\y\t\x7f"), file_stem(" ..zones. "), file_stem("con"), file_stem("LPT1")
    ('x_1___y__', 'zones', '_con', '_LPT1')
    >>> file_stem("..."), file_stem(" "), file_stem("/"), file_stem(":*?")
    ('plan', 'plan', 'plan', 'plan')
    """
    replaced = "".join(
        "_" if c in _NOT_IN_FILE_NAMES or ord(c) < 32 or c == "\x7f" else c for c in name
    )
    stem = replaced.strip(". ")
    if not stem.strip("_. "):
        return OWN_NAME  # nothing of the name is left
    return f"_{stem}" if stem.split(".")[0].upper() in _RESERVED_NAMES else stem


@dataclass(frozen=True)
class MapRequest:
    """What ``spatial map`` is asked: the plan, the planner's layers, how to draw them.

    Attributes
    ----------
    plan : PlanInput
        The targets and rules that judge (default: the bundled plan).
    inputs : PlanLayers
        The planner's plan layers, extra layers and constraint layers.
    out : Path, optional
        The HTML file written (atomically); default :func:`default_map` of ``plan``
        and ``inputs`` (the project's name, the plan file's, the zones file's; the
        bundled example's ``maps/bishan.html`` only without any of them).
    basemap : str, optional
        ``osm``, ``amap`` (overlays shifted to GCJ-02 for display), ``tianditu``, ``none``.
    offline : bool
        One self-contained file making no network request.
    tiles_dir : Path, optional
        A local ``{z}/{x}/{y}`` tile folder.
    tianditu_key : str, optional
        The 天地图 key for ``basemap="tianditu"``.
    decimals : int, optional
        Decimal places of a degree kept (EPSG:4326 on the page; 4 is about 11 m).
    simplify_m : float, optional
        Outline simplification tolerance, metres.
    style_field : str, optional
        The extra layers' field whose categories colour them.
    repair : bool
        Repair invalid geometries instead of refusing them.
    tiles_from : int, optional
        An extra layer of at least this many features is drawn as vector tiles
        (default :attr:`spatial.webmap.LayerOptions.tiles_from`).
    archive_dir : Path, optional
        The folder the tiled layers' ``.pmtiles`` archives are written to, beside
        the page (for ``spatial serve``); None embeds them in the page.
    """

    plan: PlanInput = field(default_factory=PlanInput)
    inputs: PlanLayers = field(default_factory=PlanLayers)
    out: Path | None = None
    basemap: str | None = None
    offline: bool = False
    tiles_dir: Path | None = None
    tianditu_key: str | None = None
    decimals: int | None = None
    simplify_m: float | None = None
    style_field: str | None = None
    repair: bool = False
    tiles_from: int | None = None
    archive_dir: Path | None = None


@dataclass(frozen=True)
class MapResult(CheckedTables):
    """The map written and the checked plan it draws.

    Attributes
    ----------
    path : Path
        The HTML file written.
    snapshot : PlanSnapshot
        The one checked plan the page draws.
    options : MapOptions
        How it was drawn (base map, offline...).
    notes : tuple of str
        What reading and matching said.
    archives : tuple of Path
        The tiled layers' ``.pmtiles`` files written beside the page (``archive_dir``).
    stale_archives : tuple of Path
        Other ``.pmtiles`` files in that folder, an earlier map's, which the page does not read.
    """

    path: Path
    snapshot: PlanSnapshot
    options: MapOptions
    notes: tuple[str, ...] = ()
    archives: tuple[Path, ...] = ()
    stale_archives: tuple[Path, ...] = ()

    @property
    def zones(self) -> gpd.GeoDataFrame | None:
        """The zones drawn with their area check (``measured_km2, target_km2, ..., status``)."""
        from spatial.webmap.planfacts import with_area_checks  # noqa: PLC0415

        if "zones" not in self.snapshot.drawn:
            return None
        return with_area_checks(self.snapshot.drawn["zones"], self.snapshot.zone_checks)


def _tiled_ids(
    snapshot: PlanSnapshot, extra: Iterable[str], tiles_from: int
) -> tuple[PlanSnapshot, tuple[str, ...]]:
    """Name the features of each extra layer drawn as tiles by its survey id (``BSM``), if unnamed.

    A layer of ``tiles_from`` features or more without an ``id`` (no ``--id-field``,
    no project ``id_field``) takes the first of :data:`spatial.project.ID_FIELDS` that
    is unique and never blank, as a constraint layer does, so a clicked parcel shows
    its 标识码; the tiles name it by its own field. Returns the snapshot (the same one
    when nothing was named) and a note for each layer named.
    """
    from spatial.io.fields import FIELD_NAMES, ID_COLUMN  # noqa: PLC0415
    from spatial.project import ID_FIELDS, unique_field  # noqa: PLC0415

    drawn, notes = dict(snapshot.drawn), []
    for name in extra:
        gdf = drawn.get(name)
        if gdf is None or ID_COLUMN in gdf.columns or len(gdf) < tiles_from:
            continue
        found = unique_field(gdf.drop(columns=gdf.geometry.name), ID_FIELDS)
        if found is None:
            continue
        named = gdf.assign(**{ID_COLUMN: gdf[found].astype(str)})
        named.attrs = {
            **gdf.attrs,
            FIELD_NAMES: {**gdf.attrs.get(FIELD_NAMES, {}), ID_COLUMN: found},
        }
        drawn[name] = named
        notes.append(
            f"{name}: ids from field {found!r} (--id-field {name}=FIELD to choose another)"
        )
    if not notes:
        return snapshot, ()
    return replace(snapshot, drawn=drawn), tuple(notes)


def _planner_fields(inputs: PlanLayers) -> dict[str, dict[str, str]]:
    """Return, by plan layer, the planner's field each toolkit column was read from.

    ``{"zones": {"id": "DYBH", "name_zh": "DYMC"}}`` from the layers' reading
    options (a project's or ``--id-field``'s), as the review's map is given them:
    the popups label the id and name by those fields.
    """
    fields = {}
    for role in inputs.layers:
        options = inputs.options_of(role)
        named = (("id", options.id_field), ("name_zh", options.name_field))
        fields[role] = {column: field for column, field in named if field is not None}
    return {role: named for role, named in fields.items() if named}


def run_map(request: MapRequest) -> MapResult:
    """Check the plan as ``run_check`` does, draw it and write the page; return what was drawn.

    Raises
    ------
    SpatialError
        An input cannot be read or is invalid; nothing is written.
    """
    from spatial.commands._snapshot import checked_plan  # noqa: PLC0415

    snapshot, notes = checked_plan(  # a missing first file is refused before folium loads
        request.plan, request.inputs, style_field=request.style_field, repair=request.repair
    )
    from spatial.webmap import LayerOptions, MapOptions, render_map  # noqa: PLC0415

    tiles_from = {} if request.tiles_from is None else {"tiles_from": request.tiles_from}
    threshold = LayerOptions(**tiles_from).tiles_from
    snapshot, named = _tiled_ids(snapshot, request.inputs.extra, threshold)
    notes = (*notes, *named)
    options = MapOptions(
        basemap=request.basemap,
        offline=request.offline,
        tiles_dir=request.tiles_dir,
        tianditu_key=request.tianditu_key,
        layer=LayerOptions(decimals=request.decimals, simplify_m=request.simplify_m, **tiles_from),
        layer_sources=snapshot.files,
        snapshot=snapshot,
        style_field=request.style_field,
        archive_dir=request.archive_dir,
        fields=_planner_fields(request.inputs),
    )
    out = request.out if request.out is not None else default_map(request.plan, request.inputs)
    before = _archives_in(request.archive_dir)
    with made_folder(request.archive_dir):  # made only now: every input was read and checked
        path = render_map(out, None, options)  # the snapshot's layers, validated once
    after = _archives_in(request.archive_dir)
    written = tuple(p for p, stamp in after.items() if before.get(p) != stamp)
    stale = tuple(p for p in after if p not in written)
    return MapResult(
        path=path,
        snapshot=snapshot,
        options=options,
        notes=notes,
        archives=written,
        stale_archives=stale,
    )


def _archives_in(folder: Path | None) -> dict[Path, tuple[int, int]]:
    """Return the ``.pmtiles`` files in ``folder`` with their modification time (ns) and size."""
    if folder is None or not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.glob("*.pmtiles")):
        stat = path.stat()
        found[path] = (stat.st_mtime_ns, stat.st_size)
    return found
