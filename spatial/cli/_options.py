"""The command line's one option table, its one ``[NAME=]VALUE`` parser, and the input options.

Every option shared by several subcommands, and every option that names an output
or that the project fills, is one row of :data:`OPTIONS` (an :class:`Option`: its
flag, help, metavar, kind, whether it names an output, whether the project may
fill it); a subcommand adds it with :func:`add_option`. Options whose value may
name one input (``--crs zones=EPSG:4544``, ``--id-field 永久基本农田=BSM``) or
must name one (``--constraint 生态保护红线=redline.gpkg``, ``--layer parcels=p.gpkg``)
are split by the one parser, :func:`keyed`. Where results go (``--out``,
``--format``...) and the check that an output is no input are
:mod:`spatial.cli._outputs`.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from spatial.commands._inputs import DEFAULT_TOLERANCE_M2
from spatial.errors import OutputError, UsageError

if TYPE_CHECKING:
    from spatial.io.options import ReadOptions

__all__ = [
    "COMMAND_HELP",
    "EVERY_INPUT_OPTIONS",
    "OPTIONS",
    "OUTPUT_OPTIONS",
    "Input",
    "Option",
    "add_input_options",
    "add_option",
    "add_plan_files",
    "add_repair_option",
    "construction_codes",
    "id_field_option",
    "keyed",
    "keyed_value",
    "layer_flag",
    "named",
    "read_options",
    "require_in_range",
    "require_suffix",
    "standard_field",
    "standard_id_options",
    "standard_ids",
]

#: Each subcommand's one-line help, shown by ``spatial --help`` without importing the
#: subcommand's module (which imports geopandas, folium...; ``spatial --help`` stays fast).
COMMAND_HELP: dict[str, str] = {
    "map": "write the plan as an interactive HTML map",
    "check": "check zones against the plan's area targets and spatial rules",
    "overlay": "tabulate intersections, differences, overlaps, buffer coverage, point assignment",
    "validate": "check layer files: geometry, coordinates, CRS, ids, properties, encoding",
    "balance": "用地平衡表: area by land-use class per zone (ha, 亩, %%)",
    "diff": "what changed between two versions of a layer (调入/调出, status changes)",
    "report": "write the checked plan as an offline HTML report and an A3 PDF map sheet",
    "init": "write a commented spatial.toml project from your files (fields and CRS detected)",
    "qc": "成果质检: inspect layers (topology, 用地用海 codes, ids, areas), each finding sourced",
    "review": "the whole review in one folder: report, A3 atlas, tables, findings, manifest",
    "serve": "serve a map folder (map --out DIR/) on this machine, with HTTP range requests",
}

#: How an option takes its value: ``value`` once; ``flag`` none (true when given);
#: ``keyed`` repeatable ``[NAME=]VALUE`` (every input, or the one NAME names);
#: ``named`` repeatable ``NAME=VALUE`` (a NAME is required).
OptionKind = Literal["value", "flag", "keyed", "named"]


@dataclass(frozen=True)
class Option:
    """One row of the option table: a flag as every subcommand that has it shows it.

    ``output``: the value names a file the command writes (checked by
    :func:`spatial.cli._outputs.guard_outputs` before any work: never an input).
    ``project``: the project (``spatial.toml``) may fill it when the call leaves it
    unsaid (:mod:`spatial.cli._project`). ``ids_of``: the value names the field
    holding the ids of the input of that role (``--zone-id-field``: ``zones``), the
    option a missing id column's message names (:func:`id_field_option`).
    """

    flag: str
    help: str
    metavar: str | None = None
    kind: OptionKind = "value"
    output: bool = False
    project: bool = False
    dest: str | None = None
    example: str = ""
    ids_of: str | None = None

    @property
    def attribute(self) -> str:
        """The namespace attribute the value lands in (``--out-crs`` -> ``out_crs``)."""
        return self.dest or self.flag.lstrip("-").replace("-", "_")


#: The option table: every shared, output or project-filled option, by its flag.
_ROWS = (
    Option("--plan", "your targets file: your plan replaces the bundled one whole (no bundled "
           "rule runs without --rules); default: the project's, else seeds/plan.toml",
           "TOML", project=True),
    Option("--rules", "your rules file (default: the project's; seeds/rules.toml only when no "
           "plan and no project is given)", "TOML", project=True),
    Option("--repair", "repair invalid geometries (make_valid) instead of refusing them; "
           "reports the area each repair changed", kind="flag"),
    Option("--crs", "CRS of the coordinates (supplies a missing one, overrides a wrong one, e.g. "
           "a GeoJSON in metres): every input, or LAYER=CRS for one (e.g. zones=EPSG:4544); "
           "repeatable", "[LAYER=]CRS", kind="keyed", project=True),
    Option("--input-frame", "gcj02 for AMap/奥维 exports, converted to WGS84 on reading (default "
           "wgs84): every input, or LAYER=gcj02 for one; repeatable", "[LAYER=]FRAME",
           kind="keyed", project=True),
    Option("--id-field", "the field holding feature ids (default id, else a unique standard "
           "field such as BSM or DYBH; a KML's id2 is found by itself): the plan layers given "
           "(not --constraint/--within/--layer ones), or "
           "LAYER=FIELD for one; repeatable", "[LAYER=]FIELD", kind="keyed", project=True),
    Option("--zone-id-field", "zone id field (default: the project's zones' id field, else id)",
           ids_of="zones"),
    Option("--a-id", "id column of A (default: id, else a unique standard field: BSM)", ids_of="a"),
    Option("--b-id", "id column of B (default: id, else a unique standard field: BSM)", ids_of="b"),
    Option("--name-field", "the field holding Chinese names (default name_zh), used to find a "
           "target whose id is not in the file: the plan layers given, or LAYER=FIELD for one; "
           "repeatable", "[LAYER=]FIELD", kind="keyed", project=True),
    Option("--polygonize", "make polygons of a CAD drawing's (DXF) closed polylines and hatches; "
           "the CAD layer name is kept in the Layer field, open polylines are reported by handle",
           kind="flag"),
    Option("--constraint", "a protected layer the zones must not occupy (must_not_occupy), e.g. "
           "生态保护红线=redline.gpkg; repeatable", "NAME=PATH", kind="named", project=True,
           example=" (e.g. 生态保护红线=redline.gpkg)"),
    Option("--within", "a layer the zones must lie within (must_lie_within), e.g. "
           "城镇开发边界=ukb.gpkg", "NAME=PATH", kind="named", project=True,
           example=" (e.g. 生态保护红线=redline.gpkg)"),
    Option("--layer", "an extra layer of yours, drawn beneath the plan (repeatable); NAME names "
           "it in the legend and must not be a plan layer name (use --zones etc. for those)",
           "NAME=PATH", kind="named"),
    Option("--style-field", "colour the --layer features by the categories of this field (e.g. "
           "用地性质)", "FIELD"),
    Option("--class-field", "land-use class field", project=True),
    Option("--class-name-field", "class name field compared with the class code"),
    Option("--landuse", "land-use layer: the 用地平衡表 per zone (default: the project's)", "PATH",
           project=True),
    Option("--construction", "comma-separated codes or prefixes counted as 建设用地 (e.g. "
           "07,08,09); the classification data carry no such flag (no source was found)",
           "CODES"),
    Option("--previous", "an earlier version of a layer (zones, landuse...): what changed since; "
           "repeatable", "LAYER=PATH", kind="named", example=" (e.g. landuse=landuse_2024.gpkg)"),
    Option("--pack", "质检 rule pack, bundled (default) or a TOML file; repeatable, merged in "
           "order (a later rule of the same id replaces an earlier one)", "NAME|FILE.toml"),
    Option("--tolerance-m2", f"area occupied or outside tolerated per zone, m² (default "
           f"{DEFAULT_TOLERANCE_M2:g})"),
    Option("--out-crs", "write layers in this CRS (e.g. EPSG:4490); default: the inputs' common "
           "CRS (EPSG:4544 when every input is CGCS2000 Gauss-Kruger CM 105E), EPSG:4326 for the "
           "bundled plan; GeoJSON is always EPSG:4326 (RFC 7946)", "CRS", project=True),
    Option("--format", "output format"),
    Option("--out", "write the result to PATH (atomically)", "PATH", output=True),
    Option("--no-bom", "CSV without the UTF-8 byte-order mark (by default CSV starts with one, so "
           "Excel and WPS on Chinese Windows read the Chinese names)", kind="flag"),
    Option("--db", "write the results to this PostGIS database", "URL"),
    Option("--table", "the PostGIS table for --db", "T"),
    Option("--pdf", "also write the A3 map sheet", "PDF", output=True),
    Option("--map", "write an offline compare map", "FILE.html", output=True),
    Option("--conflicts-out", "write the conflict pieces as a layer", "FILE.gpkg", output=True),
    Option("--pieces-out", "write the 调入/调出 pieces", "FILE.gpkg", output=True),
    Option("--errors-out", "write one feature per finding (the gap, overlap or sliver piece, or "
           "the feature) in the data's CRS, styled for QGIS", "FILE.gpkg", output=True),
    # validate --repair OUT: the same flag as a file written (the row above is the switch)
    Option("--repair", "write the (single) input with invalid geometries repaired to OUT",
           "OUT", output=True, dest="repair_out"),
)  # fmt: skip

#: The option table by flag (``validate``'s ``--repair OUT`` as ``--repair OUT``).
OPTIONS: dict[str, Option] = {
    (row.flag if row.dest is None else f"{row.flag} {row.metavar}"): row for row in _ROWS
}

#: Namespace attributes that name an output file, and the flag each comes from.
OUTPUT_OPTIONS: dict[str, str] = {
    ("repair" if row.dest == "repair_out" else row.attribute): row.flag
    for row in _ROWS
    if row.output
}


def _kind_arguments(kind: OptionKind) -> dict[str, Any]:
    """Return argparse's keyword arguments for ``kind``.

    A repeatable option gets a fresh list as its default each time: the project
    appends to it (:mod:`spatial.cli._project`).
    """
    if kind == "flag":
        return {"action": "store_true"}
    return {"action": "append", "default": []} if kind in ("keyed", "named") else {}


def add_option(parser: argparse.ArgumentParser, flag: str, **overrides: Any) -> None:
    """Add the option ``flag`` of :data:`OPTIONS` to ``parser``, as the table says.

    ``overrides`` are argparse keyword arguments a subcommand states for itself
    (a ``default``, a ``type``, its own ``help`` wording).

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> add_option(parser, "--constraint")
    >>> parser.parse_args(["--constraint", "生态保护红线=r.gpkg"]).constraint
    ['生态保护红线=r.gpkg']
    """
    row = OPTIONS[flag]
    arguments: dict[str, Any] = {"help": row.help, **_kind_arguments(row.kind)}
    if row.metavar is not None and row.kind != "flag":
        arguments["metavar"] = row.metavar
    if row.dest is not None:
        arguments["dest"] = "repair" if row.dest == "repair_out" else row.dest
    parser.add_argument(row.flag, **{**arguments, **overrides})


def layer_flag(layer: str) -> str:
    """Return the command-line flag naming a plan layer, e.g. ``--functional-areas``.

    Examples
    --------
    >>> layer_flag("functional_areas")
    '--functional-areas'
    """
    return "--" + layer.replace("_", "-")


def add_plan_files(parser: argparse.ArgumentParser) -> None:
    """Add ``--plan`` and ``--rules``: the planner's targets and rules files.

    Either replaces the bundled plan whole (:func:`spatial.plan.load_plan_input`).
    """
    add_option(parser, "--plan")
    add_option(parser, "--rules")


def add_repair_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--repair``: repair invalid geometries on request, reporting the area changed."""
    add_option(parser, "--repair")


def require_suffix(path: os.PathLike[str] | str, suffixes: tuple[str, ...], what: str) -> None:
    """Refuse an output file whose suffix does not name what is written to it (exit 2).

    Examples
    --------
    >>> require_suffix("map.html", (".html", ".htm"), "an interactive map")
    >>> require_suffix("map.png", (".html", ".htm"), "an interactive map")
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: map.png: an interactive map is written as .html or .htm, not .png
    """
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a folder; give the output a file name")
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in suffixes:
        wanted = " or ".join(suffixes)
        raise UsageError(f"{path}: {what} is written as {wanted}, not {suffix or 'no suffix'}")


# --- the one [NAME=]VALUE parser

#: ``LAYER=VALUE``: a layer key, then ``=``; CRS strings such as ``+proj=...`` or WKT never match.
_KEYED = re.compile(r"^([^\W\d][\w.-]*)=(.+)$")  # a letter first: 永久基本农田=BSM too


def construction_codes(text: str | None) -> tuple[str, ...] | None:
    """Split ``--construction 07,08,09`` into its codes (checked by the command).

    The one reading of the option, for ``spatial balance`` and ``spatial review``.

    Examples
    --------
    >>> construction_codes(" 07, 08,,09 "), construction_codes(None)
    (('07', '08', '09'), None)
    """
    if text is None:
        return None
    return tuple(c.strip() for c in text.split(",") if c.strip())


def keyed(
    flag: str, spec: str, *, required: bool = False, example: str = ""
) -> tuple[str | None, str]:
    """Split an option's ``[NAME=]VALUE`` into its NAME (None when bare) and its VALUE.

    Without ``required`` the NAME is optional and must look like a layer key (a
    letter first, then letters, digits, ``.``, ``-``): ``+proj=tmerc ...`` and
    WKT stay whole values. With ``required`` everything before the first ``=`` is
    the NAME (stripped), and a spec without one is a bad call naming ``flag``
    and ``example``.

    Raises
    ------
    UsageError
        ``required`` and no ``NAME=`` or no value (one line, exit 2).

    Examples
    --------
    >>> keyed("--id-field", "永久基本农田=BSM")
    ('永久基本农田', 'BSM')
    >>> keyed("--crs", "+proj=tmerc +lon_0=105")
    (None, '+proj=tmerc +lon_0=105')
    >>> keyed("--layer", "parcels=p.gpkg", required=True)
    ('parcels', 'p.gpkg')
    >>> keyed("--layer", "p.gpkg", required=True)
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: --layer 'p.gpkg': expected NAME=PATH
    """
    if required:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip() or not value:
            raise UsageError(f"{flag} {spec!r}: expected NAME=PATH{example}")
        return name.strip(), value
    match = _KEYED.match(spec)
    return (match.group(1), match.group(2)) if match else (None, spec)


def keyed_value(value: str) -> tuple[str | None, str]:
    """Split a per-input option's value into its ``LAYER`` key (None when bare) and value.

    :func:`keyed` without a required NAME.

    Examples
    --------
    >>> keyed_value("永久基本农田=BSM")
    ('永久基本农田', 'BSM')
    """
    return keyed("", value)


def named(flag: str, spec: str) -> tuple[str, str]:
    """Split the ``NAME=PATH`` value of the ``named`` option ``flag`` (:func:`keyed`, required).

    A bad spec's message shows the table row's example.

    Examples
    --------
    >>> named("--constraint", " 生态保护红线 =redline.gpkg")
    ('生态保护红线', 'redline.gpkg')
    """
    name, value = keyed(flag, spec, required=True, example=OPTIONS[flag].example)
    return str(name), value


# --- how to read each input: --crs, --input-frame, --id-field, --name-field, --polygonize

#: The per-input options (rows of :data:`OPTIONS`), each applied to every input or the one named.
_PER_INPUT = ("--crs", "--input-frame", "--id-field", "--name-field")


def add_input_options(
    parser: argparse.ArgumentParser,
    polygonize: bool = True,
    flags: tuple[str, ...] = ("--crs", "--input-frame", "--id-field", "--name-field"),
) -> None:
    """Add the per-input ``flags`` (all four by default) and ``--polygonize``."""
    for flag in _PER_INPUT:
        if flag in flags:
            add_option(parser, flag)
    if polygonize:
        add_option(parser, "--polygonize")


@dataclass(frozen=True)
class Input:
    """One input of a command: its role (``zones``, ``a``), its path, and the keys naming it.

    ``main``: a bare ``--id-field``/``--name-field`` applies to it (the zones, the one
    layer a command is about), not to a constraint or extra layer beside it.
    """

    role: str
    path: str
    main: bool = True

    @property
    def keys(self) -> tuple[str, ...]:
        """Names a ``LAYER=`` prefix may use: the role, the file's stem and its name."""
        name = os.fspath(self.path).partition("::")[2] or Path(os.fspath(self.path)).name
        # a PostGIS table is named by its table, a file by its stem (k.geojson -> k)
        stem = name.rpartition("?table=")[2] if "?table=" in name else Path(name).stem
        return tuple(dict.fromkeys([self.role, stem, name]))


#: Per-input options whose bare value applies to every input; a bare ``--id-field`` or
#: ``--name-field`` applies to the main inputs only (:class:`Input`).
EVERY_INPUT_OPTIONS = ("crs", "input_frame")


def _split(flag: str, values: list[str]) -> tuple[str | None, dict[str, str]]:
    every, keyed = None, {}
    for value in values:
        key, text = keyed_value(value)
        if key is not None:
            keyed[key] = text
        elif every is not None and every != value:
            raise UsageError(f"{flag} is given twice for every input ({every}, {value})")
        else:
            every = value
    return every, keyed


def _check_value(flag: str, value: str) -> None:
    from spatial.io.frames import INPUT_FRAMES, resolve_crs  # noqa: PLC0415 - pyproj is heavy

    if flag == "--crs":
        resolve_crs(value)
    elif flag == "--input-frame" and value not in INPUT_FRAMES:
        raise UsageError(f"--input-frame {value}: choose one of {', '.join(INPUT_FRAMES)}")


def read_options(
    args: argparse.Namespace, inputs: list[Input], *, find_ids: bool = False
) -> dict[str, ReadOptions]:
    """Return the ReadOptions of every input, by role, from the per-input flags.

    ``find_ids``: an input whose ids nothing names takes its standard id field
    on reading (``find_id``, :func:`_finds_id`), as ``check`` and ``map`` do.

    A ``LAYER=`` prefix must name one of ``inputs`` (by role or file stem);
    ``--crs`` must name a CRS and ``--input-frame`` a frame. Each is a bad call
    (exit 2), refused in one line before anything is read.
    """
    from spatial.io.options import ReadOptions  # noqa: PLC0415

    args._inputs = inputs  # which input a message names (id_field_option)
    known = {key: item for item in inputs for key in item.keys}
    known |= {item.role: item for item in inputs}  # a role before a file's stem (landuse.gpkg)
    chosen: dict[str, dict[str, str]] = {item.role: {} for item in inputs}
    for flag in _PER_INPUT:
        dest = OPTIONS[flag].attribute
        given = getattr(args, dest, None)
        if not isinstance(given, list):  # not added by add_input_options on this command
            continue
        every, keyed = _split(flag, given)
        for value in [every, *keyed.values()]:
            if value is not None:
                _check_value(flag, value)
        for key, value in keyed.items():
            if key not in known and not inputs:
                raise UsageError(
                    f"{flag} {key}={value}: no input file is given, so there is no {key!r} to "
                    "apply it to (the bundled plan is read as it is)"
                )
            if key not in known:
                from spatial.io.postgis import database_label  # noqa: PLC0415

                named = ", ".join(f"{i.role} ({database_label(i.path)})" for i in inputs)
                raise UsageError(f"{flag} {key}={value}: no input {key!r} here; inputs: {named}")
            chosen[known[key].role][dest] = value
        if every is not None:
            for item in inputs:
                if item.main or dest in EVERY_INPUT_OPTIONS:
                    chosen[item.role].setdefault(dest, every)
    polygonize = bool(getattr(args, "polygonize", False))
    return {
        role: ReadOptions(
            polygonize=polygonize, find_id=find_ids and _finds_id(args, role), **values
        )
        for role, values in chosen.items()
    }


def _finds_id(args: argparse.Namespace, role: str) -> bool:
    """Whether the input ``role`` may take a standard id field (``BSM``) when none is named.

    The one rule of a layer's ids: ``--id-field`` first, then the project's field
    (both reach :class:`~spatial.io.options.ReadOptions` as ``id_field``), else a
    unique, never-blank standard field (:func:`spatial.io.fields.standard_id_field`)
    taken on reading; not where the command's own option names that input's ids
    (``--a-id BSM``, ``--zone-id-field DYBH``), which reads the field as it is.

    Examples
    --------
    >>> _finds_id(argparse.Namespace(a_id="BSM", b_id="id"), "a")
    False
    >>> _finds_id(argparse.Namespace(a_id="BSM", b_id="id"), "b")
    True
    """
    own = [getattr(args, row.attribute, None) for row in _ROWS if row.ids_of == role]
    single = getattr(args, "id_field", None)  # diff's one --id-field, read as it is
    own += [single] if isinstance(single, str) else []
    return all(value in (None, "id") for value in own)


def require_in_range(
    value: float | None, flag: str, low: float, high: float, unit: str, *, low_open: bool = False
) -> None:
    """Refuse an option value that is not finite or lies outside ``[low, high]`` (one line).

    ``low_open`` excludes ``low`` itself (a distance that must be positive).
    Checked before any work starts, so no option value reaches an internal error.

    Raises
    ------
    UsageError
        Naming the option, the value, the range and its unit.

    Examples
    --------
    >>> require_in_range(5.0, "--simplify-m", 0, 1000, "metres")
    >>> require_in_range(float("nan"), "--simplify-m", 0, 1000, "metres")
    Traceback (most recent call last):
    ...
    spatial.errors.UsageError: --simplify-m must be a number from 0 to 1,000 metres, got nan
    """
    if value is None:
        return
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        lower = f"above {low:,g}" if low_open else f"from {low:,g}"
        raise UsageError(f"{flag} must be a number {lower} to {high:,g} {unit}, got {value:g}")


def id_field_option(args: argparse.Namespace, source: str) -> str:
    """Return the option (with its value) naming the id field of the input ``source`` names.

    ``source`` is the input as a message names it (its path, its label, its role).
    A command's own option for that input's ids (a row with ``ids_of``, such as
    ``balance --zone-id-field``) comes first; then ``--id-field FIELD`` where a bare
    value reaches that input alone, else ``--id-field LAYER=FIELD``.

    Examples
    --------
    >>> args = argparse.Namespace(id_field=[], _inputs=[Input("zones", "z.gpkg"),
    ...                           Input("landuse", "p.gpkg", main=False)])
    >>> id_field_option(args, "z.gpkg"), id_field_option(args, "p.gpkg")
    ('--id-field FIELD', '--id-field landuse=FIELD')
    """
    from spatial.io.postgis import database_label  # noqa: PLC0415

    inputs: list[Input] = getattr(args, "_inputs", [])
    found = [i for i in inputs if source in (i.path, database_label(i.path), *i.keys)]
    item = found[0] if found else None
    for row in _ROWS:
        if item is not None and row.ids_of == item.role and hasattr(args, row.attribute):
            return f"{row.flag} FIELD"
    per_input = isinstance(getattr(args, "id_field", None), list)  # not diff's one --id-field
    if item is None or not per_input or (item.main and sum(i.main for i in inputs) == 1):
        return "--id-field FIELD"
    return f"--id-field {item.role}=FIELD"


def id_field_defaulted(args: argparse.Namespace, column: str) -> bool:
    """Whether the id field ``column`` a layer lacks was no one's choice: the default ``id``.

    Neither an ``--id-field`` value (the command line's or the project's, which
    reach the same list) nor a command's own id option (``--zone-id-field``) says ``id``.

    Examples
    --------
    >>> defaulted = argparse.Namespace(id_field=["zones=DYBH"])
    >>> id_field_defaulted(defaulted, "id"), id_field_defaulted(defaulted, "DYBH")
    (True, False)
    >>> id_field_defaulted(argparse.Namespace(id_field=["landuse=id"]), "id")
    False
    """
    if column != "id":
        return False
    given = getattr(args, "id_field", None)
    values = given if isinstance(given, list) else [given]
    said: list[object] = [keyed_value(v)[1] for v in values if isinstance(v, str)]
    defaulted = getattr(args, "defaulted_ids", ())  # left unnamed: see default_ids
    said += [
        getattr(args, row.attribute, None)
        for row in _ROWS
        if row.ids_of is not None and row.attribute not in defaulted
    ]
    return "id" not in said


def default_ids(args: argparse.Namespace, attributes: tuple[str, ...]) -> None:
    """Set each of a command's own id options no one named (None) to the default ``id``.

    Called once the project's field and the standard field (:func:`standard_ids`)
    had their turn; the options so set are remembered in ``args.defaulted_ids``,
    so a missing ``id`` is said to be the default (:func:`id_field_defaulted`),
    not blamed on an option the planner never typed.

    Examples
    --------
    >>> args = argparse.Namespace(a_id=None, b_id="DYBH")
    >>> default_ids(args, ("a_id", "b_id"))
    >>> args.a_id, args.b_id, args.defaulted_ids, id_field_defaulted(args, "id")
    ('id', 'DYBH', ('a_id',), True)
    """
    unnamed = tuple(name for name in attributes if getattr(args, name, None) is None)
    for name in unnamed:
        setattr(args, name, "id")
    args.defaulted_ids = unnamed


# --- the one rule of a layer's ids when the call names none


def _say_ids(command: str, path: str, field: str) -> None:
    from spatial.errors import printable  # noqa: PLC0415
    from spatial.io.fields import id_note  # noqa: PLC0415

    print(f"spatial {command}: note: {printable(id_note(path, field))}", file=sys.stderr)


def _file_id_field(path: str) -> str | None:
    """Return the file's standard id field (:func:`spatial.io.fields.file_id_field`), or None."""
    if not os.path.exists(path.partition("::")[0]):
        return None  # a missing file is refused by the reader, in its words
    from spatial.io.fields import file_id_field  # noqa: PLC0415

    return file_id_field(path)


def standard_field(command: str, path: str) -> str | None:
    """Return the file's standard id field (``DYBH``), said on standard error; None if none."""
    found = _file_id_field(path)
    if found is not None:
        _say_ids(command, path, found)
    return found


def _id_field_named(args: argparse.Namespace, attribute: str, path: str) -> bool:
    """Whether ``--id-field`` names the ids of the input ``path`` (bare, or by its key).

    A command's single ``--id-field`` (``diff``'s, the option itself) is never
    another's; a bare per-input one reaches the main inputs (``--a-id``'s A and B).
    """
    given = getattr(args, "id_field", None)
    if not isinstance(given, list) or attribute == "id_field":
        return False
    role = next((row.ids_of for row in _ROWS if row.attribute == attribute), None) or ""
    keys = Input(role, path).keys
    for value in given:
        key, _ = keyed_value(value)
        if key is None or key in keys:
            return True
    return False


def standard_ids(args: argparse.Namespace, command: str, ids: dict[str, str | None]) -> None:
    """Fill a command's own id options (``--a-id``) left at ``id`` by the file's standard field.

    ``ids`` maps each option's attribute (``a_id``) to the file it names the ids
    of. The one rule of a layer's ids: the option (or ``--id-field``, or the
    project's field) first; else a unique, never-blank standard field
    (``BSM``: :func:`spatial.io.fields.file_id_field`), said on standard error;
    else the option stays as it is (``no id column 'id'``).
    """
    found: dict[str, str | None] = {}  # each file looked at, and said, once
    for attribute, path in ids.items():
        if path is None or getattr(args, attribute, None) not in (None, "id"):
            continue
        if _id_field_named(args, attribute, path):  # --id-field: the layer read as it says
            continue
        if path not in found:
            found[path] = standard_field(command, path)
        if found[path] is not None:
            setattr(args, attribute, found[path])


def standard_id_options(
    command: str, inputs: list[Input], options: dict[str, ReadOptions]
) -> dict[str, ReadOptions]:
    """Return ``options`` with each input's standard id field where none is named.

    The one rule of a layer's ids (:func:`standard_ids`) for a command that reads
    its layers by :class:`~spatial.io.options.ReadOptions`: ``--id-field`` or the
    project's field first, else the file's unique, never-blank standard field
    (``BSM``), said on standard error, as if ``--id-field BSM`` were given.
    """
    from dataclasses import replace  # noqa: PLC0415

    chosen = dict(options)
    for item in inputs:
        given = chosen.get(item.role)
        if given is None or given.id_field is not None:
            continue
        found = standard_field(command, item.path)
        if found is not None:
            chosen[item.role] = replace(given, id_field=found)
    return chosen
