"""``run_validate``: layer files checked (geometry, coordinates, CRS, ids, properties, classes).

The library function behind ``spatial validate`` (:mod:`spatial.cli.validate`):
every file checked even when an earlier one is unreadable, problems one line each
(``PATH: feature ID: problem``); on request the single input's invalid geometries
repaired with ``make_valid`` (the area each repair changed, m², ellipsoidal).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from spatial.export.frame import OutputFrame
    from spatial.io.options import ReadOptions

__all__ = ["FileCheck", "ValidateRequest", "ValidateResult", "required_for", "run_validate"]


@dataclass(frozen=True)
class ValidateRequest:
    """What ``spatial validate`` is asked.

    Attributes
    ----------
    paths : tuple of str
        The files (or ``postgresql://...?table=T``) checked.
    require : str, optional
        Comma-separated properties every feature must carry (default: all of
        the bundled layers' for a file of the bundled ``geodata/``, else ``id``;
        ``""`` for none).
    class_field, class_name_field : str, optional
        A land-use class field checked against the 2023 用地用海分类, and the
        class name field compared with the code.
    class_levels : frozenset of int, optional
        The class levels allowed (1, 2, 3).
    options : tuple of ReadOptions
        Reading options of each path, in order (empty: every file as it is).
    class_fields : tuple of str or None
        The land-use class field of each path, in order, where the project names
        the path as its land-use layer: checked as ``class_field`` is, when that
        is not given.
    repair : bool
        Also repair the single input's invalid geometries (``make_valid``).
    out_crs : str, optional
        The CRS the repaired layer is written in (default: the input's own).
    """

    paths: tuple[str, ...]
    require: str | None = None
    class_field: str | None = None
    class_name_field: str | None = None
    class_levels: frozenset[int] | None = None
    options: tuple[ReadOptions, ...] = ()
    class_fields: tuple[str | None, ...] = ()
    repair: bool = False
    out_crs: str | None = None

    def reading(self, index: int) -> ReadOptions:
        """Return the reading options of the ``index``-th path."""
        from spatial.io.options import ReadOptions  # noqa: PLC0415

        return self.options[index] if index < len(self.options) else ReadOptions()

    def class_field_of(self, index: int) -> str | None:
        """Return the class field checked in path ``index``: the call's, else the project's."""
        if self.class_field is not None:
            return self.class_field
        return self.class_fields[index] if index < len(self.class_fields) else None


@dataclass(frozen=True)
class FileCheck:
    """What checking one file found: its problems, or why it could not be read.

    ``status``: 0 no problems, 1 problems found, 2 unreadable.
    """

    path: str
    problems: tuple[str, ...] = ()
    error: str | None = None

    @property
    def status(self) -> int:
        """0 no problems, 1 problems found, 2 unreadable."""
        return 2 if self.error is not None else (1 if self.problems else 0)


@dataclass(frozen=True)
class ValidateResult:
    """Every file's check and, on request, the repaired layer.

    Attributes
    ----------
    files : tuple of FileCheck
        In the order given.
    repaired : GeoDataFrame, optional
        The single input with its invalid geometries repaired (unless unreadable).
    repairs : DataFrame, optional
        One row per feature repaired: ``id, reason, area_before_m2,
        area_after_m2, area_changed_m2``.
    frame : OutputFrame, optional
        The frame the repaired layer goes out in (the input's CRS unless
        ``out_crs``, its id and name fields written back as the planner's), as
        the ``"input"`` layer; its ``notes`` say what was chosen.
    """

    files: tuple[FileCheck, ...]
    repaired: gpd.GeoDataFrame | None = None
    repairs: pd.DataFrame | None = None
    frame: OutputFrame | None = None

    @property
    def table(self) -> pd.DataFrame:
        """One row per problem: ``path, problem``."""
        import pandas as pd  # noqa: PLC0415

        rows = [(f.path, p) for f in self.files for p in f.problems]
        return pd.DataFrame(rows, columns=["path", "problem"])

    @property
    def summary(self) -> str:
        """One line: how many files were checked, how many had problems."""
        bad = sum(1 for f in self.files if f.status != 0)
        found = "no problems found" if not bad else f"{bad} with problems or unreadable"
        return f"{len(self.files)} file(s) checked, {found}"

    @property
    def exit_status(self) -> int:
        """The highest of the files': 0 no problems, 1 problems found, 2 unreadable."""
        return max((f.status for f in self.files), default=0)


def required_for(path: Path, require: str | None) -> tuple[str, ...]:
    """Return the properties required of ``path``: ``require`` if given, else the default.

    Examples
    --------
    >>> required_for(Path("mine.geojson"), None)
    ('id',)
    >>> required_for(Path("mine.geojson"), "id, name_zh")
    ('id', 'name_zh')
    >>> required_for(Path("mine.geojson"), "")
    ()
    """
    from spatial.io.bundled import REQUIRED_PROPERTIES, bundled_dir  # noqa: PLC0415

    if require is not None:
        return tuple(name.strip() for name in require.split(",") if name.strip())
    try:
        bundled = bundled_dir("geodata").resolve()
    except FileNotFoundError:
        bundled = None
    if bundled is not None and path.resolve().parent == bundled:
        return REQUIRED_PROPERTIES
    return ("id",)


def _as_read(required: tuple[str, ...], options: ReadOptions) -> tuple[str, ...]:
    """Return ``required`` as the layer is read: its id and name fields as ``id``, ``name_zh``.

    The project's (or ``--id-field``'s) fields are read into the toolkit's columns
    (:func:`spatial.io.fields.map_fields`), so ``--require DYBH,DYMC`` on a layer whose
    ``id_field`` is ``DYBH`` asks for ``id`` and ``name_zh`` of the layer as read.

    Examples
    --------
    >>> from spatial.io.options import ReadOptions
    >>> _as_read(("DYBH", "DYMC", "YDYHFLDM"), ReadOptions(None, None, "DYBH", "DYMC"))
    ('id', 'name_zh', 'YDYHFLDM')
    """
    if options.id_field is None and options.name_field is None:
        return tuple(dict.fromkeys(required))  # as read; io.fields loads geopandas
    from spatial.io.fields import ID_COLUMN, NAME_COLUMN  # noqa: PLC0415

    read_as = {options.id_field: ID_COLUMN, options.name_field: NAME_COLUMN}
    return tuple(dict.fromkeys(read_as.get(name, name) for name in required))


def _class_problems(path: Path | str, request: ValidateRequest, index: int) -> list[str]:
    field = request.class_field_of(index)  # the call's, else the project's land-use layer's
    if field is None:
        return []
    from spatial.io.layers import read_layer_tolerant  # noqa: PLC0415
    from spatial.landuse.fields import CLASS_NAME_FIELD, check_class_field  # noqa: PLC0415

    options = request.reading(index)
    gdf = read_layer_tolerant(path, crs=options.crs)
    found = check_class_field(
        gdf,
        str(path),
        code_field=field,
        name_field=request.class_name_field or CLASS_NAME_FIELD,
        id_field=options.id_field or "id",  # features named as the other problems name them
        levels=None if request.class_levels is None else set(request.class_levels),
    )
    return [str(p) for p in found]


def _check_one(path: Path | str, request: ValidateRequest, index: int) -> FileCheck:
    from spatial.errors import SpatialError  # noqa: PLC0415
    from spatial.io.sandbox import refuse_missing_source  # noqa: PLC0415

    options = request.reading(index)
    try:
        refuse_missing_source(path)  # before the readers load (most of a second)
        from spatial.validate.batched import validate_file_batched  # noqa: PLC0415

        required = required_for(path, request.require) if isinstance(path, Path) else ("id",)
        required = _as_read(required, options)
        problems = validate_file_batched(  # every feature in batches; the validator where flagged
            path,
            required=required,
            crs=options.crs,
            input_frame=options.input_frame,
            id_field=options.id_field,
            name_field=options.name_field,
        )
        found = [str(p) for p in problems] + _class_problems(path, request, index)
    except SpatialError as exc:
        return FileCheck(str(path), error=str(exc))
    return FileCheck(str(path), problems=tuple(found))


def run_validate(request: ValidateRequest) -> ValidateResult:
    """Check every file; repair the single input on request.

    Raises
    ------
    UsageError
        ``repair`` with more than one path.
    SpatialError
        The repair could not read the input.
    """
    from spatial.errors import UsageError  # noqa: PLC0415
    from spatial.io.postgis import is_postgis_url  # noqa: PLC0415

    if request.repair and len(request.paths) != 1:
        raise UsageError("--repair takes exactly one PATH")
    paths = [p if is_postgis_url(p) else Path(p) for p in request.paths]
    files = tuple(_check_one(p, request, i) for i, p in enumerate(paths))
    if not request.repair or max(f.status for f in files) == 2:
        return ValidateResult(files)
    # a repair reads the layer whole, with geopandas (loaded only then)
    from spatial.commands._inputs import output_frame_for  # noqa: PLC0415
    from spatial.io.layers import read_layer  # noqa: PLC0415
    from spatial.validate.problems import repair_layer  # noqa: PLC0415

    layer = read_layer(paths[0], **vars(request.reading(0)))
    repaired, report = repair_layer(layer, str(paths[0]))
    # its CRS and its field names, unless out_crs says otherwise
    frame = output_frame_for(request.out_crs, {"input": layer}, {"input": request.reading(0)})
    return ValidateResult(files, repaired=repaired, repairs=report, frame=frame)
