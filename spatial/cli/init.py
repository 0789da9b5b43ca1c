"""``spatial init FILE...``: write a commented ``spatial.toml`` project from the planner's files.

For each file (each layer of a GeoPackage or File Geodatabase) it detects and
says, on standard error and as comments in the project: the CRS, the id field
(the first of :data:`ID_FIELDS` that is unique and never blank), the name field
(:data:`NAME_FIELDS`), the land-use class field (:data:`CLASS_FIELDS`) and, beside
a 2023 用地用海 code field, its class name field (:data:`CLASS_NAME_FIELDS`), and
the role it gives the layer: a layer with a class field is the land-use layer;
one whose file name says 农田/红线/开发边界 (``farmland``, ``redline``,
``boundary``...) a constraint, named by the file's stem (as ``check --constraint
永久基本农田=永久基本农田.gpkg`` names it; by its layer in a file of several layers);
the first other polygon layer the zones. Edit the
project to say otherwise. ``--plan`` and ``--rules`` name the planner's targets
and rules files in it. The project's ``title`` is written set, to the folder's
name marked as a placeholder (else the maps took the zones file's stem:
"zones图"), unless the plan states its own ``[document] title``.

It never overwrites an existing project (one line, exit 2, unless ``--force``)
and writes it atomically (:mod:`spatial.io.atomic`).

Exit status: 0 written; 2 a file could not be read, or the project exists.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spatial.cli._options import COMMAND_HELP
from spatial.cli._output import ExitCode
from spatial.errors import LayerReadError, OutputError, printable
from spatial.landuse.fields import CLASS_CODE_FIELD, CLASS_NAME_FIELD
from spatial.project import ID_FIELDS, PROJECT_FILE, unique_field

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CLASS_FIELDS", "CLASS_NAME_FIELDS", "ID_FIELDS", "NAME_FIELDS", "register", "run"]

#: Name fields looked for, in order: 单元名称, 名称, then the usual English ones.
NAME_FIELDS = ("DYMC", "MC", "name_zh", "name", "NAME", "Name", "名称", "QSDWMC")
#: Land-use class fields: 用地用海分类代码 (2023 guide), 地类编码 (三调).
CLASS_FIELDS = ("YDYHFLDM", "DLBM")
#: Class name fields, by the class field they name: 用地用海分类名称 beside 用地用海分类代码, the
#: database standard's pair (:mod:`spatial.landuse.fields`); none is sourced for 三调's DLBM.
CLASS_NAME_FIELDS = {CLASS_CODE_FIELD: CLASS_NAME_FIELD}
#: Words in a file name that make it a constraint (must not occupy) or a boundary (lie within).
_CONSTRAINT_WORDS = ("农田", "红线", "farmland", "jbnt", "redline", "stbh", "protect")
_WITHIN_WORDS = ("开发边界", "boundary", "kfbj", "ukb")


@dataclass(frozen=True)
class Found:
    """What was detected of one layer: its path (with ``::LAYER``), CRS, fields, kind."""

    path: str
    crs: str | None
    id_field: str | None
    name_field: str | None
    class_field: str | None
    geometry_type: str
    features: int
    #: What is wrong with its text encoding (a GBK Shapefile without a ``.cpg``), if anything.
    encoding_problem: str | None = None
    #: The class name field beside the class field (``YDYHFLMC``), if the layer has it.
    class_name_field: str | None = None
    #: Whether it is its file's only layer (a Shapefile; a GeoPackage of one layer).
    sole: bool = True
    #: The layer's property fields, as the file names them.
    fields: tuple[str, ...] = ()
    #: Without an id field: the first field unique and never blank (``单元编号``), suggested.
    id_guess: str | None = None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``init`` subcommand."""
    parser = subparsers.add_parser(
        "init",
        help=COMMAND_HELP["init"],
        description="Write a commented spatial.toml from your layer files: CRS, id, name and "
        "class fields detected and said. Never overwrites one unless --force.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="your layer files")
    parser.add_argument(
        "--out", default=PROJECT_FILE, metavar="TOML", help=f"default {PROJECT_FILE}"
    )
    parser.add_argument("--plan", metavar="TOML", help="your targets file, named in the project")
    parser.add_argument("--rules", metavar="TOML", help="your rules file, named in the project")
    parser.add_argument("--force", action="store_true", help="replace an existing project file")
    parser.set_defaults(handler=run)


def _first(columns: Container[str], candidates: tuple[str, ...]) -> str | None:
    return next((name for name in candidates if name in columns), None)


def _layers_of(path: str) -> list[str | None]:
    """Return the layers of ``path`` that have geometry (``[None]`` for a file of one layer).

    An attribute table of a GeoPackage (``pyogrio.list_layers`` gives it no geometry
    type) is no layer of the plan: it is neither named nor counted.
    """
    import pyogrio  # noqa: PLC0415

    if Path(path).suffix.lower() not in (".gpkg", ".gdb"):
        return [None]
    layers: list[str | None] = [
        str(name) for name, kind in pyogrio.list_layers(path) if kind is not None
    ]
    if not layers:
        raise LayerReadError(f"{path}: no layer with a geometry column, only tables")
    return layers


def _found(path: str, layer: str | None, *, sole: bool = True) -> Found:
    import pyogrio  # noqa: PLC0415

    info = pyogrio.read_info(path, layer=layer)
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    class_field = _first(frame.columns, CLASS_FIELDS)
    id_field = unique_field(frame, ID_FIELDS)
    name_of_class = CLASS_NAME_FIELDS.get(class_field or "")
    return Found(
        path=path if layer is None else f"{path}::{layer}",
        crs=info["crs"],
        id_field=id_field,
        name_field=_first(frame.columns, NAME_FIELDS),
        class_field=class_field,
        geometry_type=str(info["geometry_type"]),
        features=int(info["features"]),
        encoding_problem=_encoding_problem(path, frame),
        class_name_field=name_of_class if name_of_class in frame.columns else None,
        sole=sole,
        fields=tuple(str(c) for c in frame.columns),
        id_guess=None if id_field is not None else unique_field(frame, tuple(frame.columns)),
    )


#: Distinct values of a text field looked at for mis-encoded text.
_TEXT_SAMPLE = 200


def _encoding_problem(path: str, frame: pd.DataFrame) -> str | None:
    """Return what the first mis-encoded text field says (a GBK Shapefile read as Latin-1), if any.

    Every other command refuses such a layer (:mod:`spatial.validate.problems`);
    ``init`` says so at once, in the same words, for the first field found.
    """
    from pandas.api.types import is_string_dtype  # noqa: PLC0415

    from spatial.validate.messages import text_message  # noqa: PLC0415

    for name in frame.columns:
        if not is_string_dtype(frame[name]):
            continue
        for value in frame[name].dropna().unique()[:_TEXT_SAMPLE]:
            message = text_message(str(name), value) if isinstance(value, str) else None
            if message is not None:
                return f"{path}: {message}; the other commands refuse it until then"
    return None


def detect(path: str) -> list[Found]:
    """Return what each layer of the file ``path`` holds (refused in one line if unreadable)."""
    if not os.path.exists(path):
        raise LayerReadError(f"{path}: file not found")
    try:
        layers = _layers_of(path)
        return [_found(path, layer, sole=len(layers) == 1) for layer in layers]
    except LayerReadError:
        raise
    except Exception as exc:  # GDAL's errors, said in one line
        raise LayerReadError(f"{path}: cannot be read as a layer ({printable(exc)})") from None


def _name(found: Found, table: str, taken: set[str]) -> str:
    """Return the name a layer's table gets: its file's stem, as the planner names the file.

    ``永久基本农田.gpkg`` holding a layer ``farm`` is ``永久基本农田``, the name
    ``check --constraint 永久基本农田=永久基本农田.gpkg`` gives it and every table and
    page prints; a Shapefile's stem is its layer's name. A layer of a file holding
    several (a GeoPackage, a File Geodatabase), or one whose stem another layer's
    table already has, is named by its layer. Every name is checked against the
    tables ``taken``: when each candidate is taken the first gets ``_2`` (``_3``, ...),
    so no table is declared twice (TOML refuses a project that does).
    """
    stem = Path(found.path.partition("::")[0]).stem
    layer = found.path.partition("::")[2]
    candidates = [stem, layer] if found.sole else [layer]
    candidates = [name for name in candidates if name]
    free = next((name for name in candidates if f"{table}.{name}" not in taken), None)
    if free is not None:
        return free
    number = 2
    while f"{table}.{candidates[0]}_{number}" in taken:
        number += 1
    return f"{candidates[0]}_{number}"


def _role(found: Found, taken: set[str]) -> str:
    """``landuse``, ``constraints.NAME``, ``within.NAME``, ``layers.zones`` or ``layers.NAME``."""
    stem = Path(found.path.partition("::")[0]).stem
    lowered = found.path.partition("::")[2].lower() + " " + stem.lower()
    if found.class_field is not None and "landuse" not in taken:
        return "landuse"
    if any(word in lowered for word in _CONSTRAINT_WORDS):
        return f"constraints.{_name(found, 'constraints', taken)}"
    if any(word in lowered for word in _WITHIN_WORDS):
        return f"within.{_name(found, 'within', taken)}"
    if "Polygon" in found.geometry_type and "layers.zones" not in taken:
        return "layers.zones"
    return f"# layers.{_name(found, '# layers', taken)}"  # not a plan layer: for the planner


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(role: str) -> str:
    """Return a table name as TOML writes it: ``constraints."永久基本农田"`` (bare keys: ASCII)."""
    table, dot, name = role.partition(".")
    bare = name.isascii() and name.replace("_", "").replace("-", "").isalnum()
    return role if not dot or bare else f"{table}.{_quoted(name)}"


def _described(found: Found) -> str:
    plural = "" if found.features == 1 else "s"
    return (
        f"{found.path}: {found.features} {found.geometry_type} feature{plural}, CRS "
        f"{found.crs or 'none declared'}; id field {found.id_field or 'none found'}, "
        f"name field {found.name_field or 'none found'}, class field "
        f"{found.class_field or 'none found'}"
        + (f", class name field {found.class_name_field}" if found.class_name_field else "")
    )


def _table(role: str, found: Found, folder: Path) -> list[str]:
    path, sep, layer = found.path.partition("::")
    shown = os.path.relpath(Path(path).absolute(), folder.absolute()) + sep + layer
    said = f"# {_described(found)}"
    comment = "# " if role.startswith("#") else ""
    lines = [
        said,
        f"{comment}[{_key(role.removeprefix('# '))}]",
        f"{comment}path = {_quoted(shown)}",
    ]
    for key in ("id_field", "name_field", "crs"):
        value = getattr(found, key)
        if value is not None:
            lines.append(f"{comment}{key} = {_quoted(value)}")
    if _wants_id(role, found):
        guess = found.id_guess or (found.fields[0] if found.fields else "FIELD")
        lines.append(f"# id_field = {_quoted(guess)}  # {_no_id_said(found)}")
    if found.crs is None:
        lines.append('# crs = "EPSG:4544"  # the file declares none: say which it is')
    if role == "landuse" and found.class_field is not None:
        lines.append(f"class_field = {_quoted(found.class_field)}")
        if found.class_name_field is not None:  # qc compares each name with its code's
            lines.append(f"class_name_field = {_quoted(found.class_name_field)}")
    return [*lines, ""]


def _wants_id(role: str, found: Found) -> bool:
    """Whether a layer needs an id field named: a plan layer's or the land use's, none found.

    A constraint's features are numbered ``NAME#i`` without one; a layer left
    commented out is the planner's to write.
    """
    return found.id_field is None and role.startswith(("layers.", "landuse"))


def _no_id_said(found: Found) -> str:
    """Return why the ``id_field`` line is commented: none of the standard fields, its fields."""
    return (
        f"no id field found ({', '.join(ID_FIELDS[:3])}...): name the field that identifies each "
        f"feature, one of {', '.join(found.fields) or 'none'}"
    )


def _plan_title(plan: str | None) -> str | None:
    """Return the ``[document] title`` of the plan file ``plan``; None if none or unreadable."""
    from spatial.errors import SpatialError  # noqa: PLC0415
    from spatial.plan import load_title  # noqa: PLC0415

    if plan is None:
        return None
    try:
        return load_title(plan)
    except (OSError, SpatialError):  # a plan not written yet: its errors are check's to say
        return None


def _title_line(args: argparse.Namespace, folder: Path) -> str:
    """Return the project's title line: the folder's name as a placeholder, unless the plan has one.

    Without a title the maps were titled by the zones file's stem ("zones图").
    """
    title = _plan_title(args.plan)
    if title is not None:
        return f"# title = {_quoted(title)}  # on maps, reports and the atlas (now the plan's)"
    return (
        f"title = {_quoted(folder.absolute().name or 'plan')}  # placeholder (this folder's name): "
        "your plan's title, on maps, reports and the atlas"
    )


def _plan_lines(args: argparse.Namespace, folder: Path, found: list[Found]) -> list[str]:
    lines = ["[project]", _title_line(args, folder)]
    crss = {f.crs for f in found if f.crs}
    if len(crss) == 1:
        lines.append(f"out_crs = {_quoted(crss.pop())}  # the layers' common CRS")
    for key in ("plan", "rules"):
        value = getattr(args, key)
        if value is not None:
            lines.append(f"{key} = {_quoted(os.path.relpath(Path(value).absolute(), folder))}")
    if args.plan is None:
        lines += [
            '# plan = "plan.toml"    # your [[targets]]: id, layer, name_zh, value, unit '
            "(km2, ha, m2, mu)",
        ]
    if args.rules is None:
        lines += ['# rules = "rules.toml"  # your [[rules]]; constraints are checked without one']
    return [*lines, ""]


def project_text(args: argparse.Namespace, found: list[Found], folder: Path) -> str:
    """Return the commented project for the layers ``found``, paths relative to ``folder``."""
    head = [
        "# spatial.toml: your project, written by `spatial init` (edit it freely).",
        "# Every spatial command run in this folder reads it; options on the command line",
        "# override it. Paths are read against this file's folder.",
        "",
    ]
    body: list[str] = []
    taken: set[str] = set()
    for item in found:
        role = _role(item, taken)
        taken.add(role)
        body += _table(role, item, folder)
    return "\n".join([*head, *_plan_lines(args, folder, found), *body])


def run(args: argparse.Namespace) -> int:
    """Detect each file's fields and CRS, write the project; return 0."""
    out = Path(args.out)
    if out.exists() and not args.force:
        raise OutputError(f"{out}: a project is already there; give --force to replace it")
    found = [item for path in args.files for item in detect(path)]
    text = project_text(args, found, out.absolute().parent)
    from spatial.io.atomic import write_text_atomic  # noqa: PLC0415

    taken: set[str] = set()
    for item in found:
        print(f"spatial init: {printable(_described(item))}", file=sys.stderr)
        role = _role(item, taken)
        taken.add(role)
        if _wants_id(role, item):
            said = f"{item.path}: {_no_id_said(item)} (uncomment the id_field line in {out})"
            print(f"spatial init: {printable(said)}", file=sys.stderr)
        if item.encoding_problem is not None:
            print(f"spatial init: warning: {printable(item.encoding_problem)}", file=sys.stderr)
    write_text_atomic(out, text)
    print(f"spatial init: wrote {out}", file=sys.stderr)
    return ExitCode.OK
