r"""The planner's project: ``spatial.toml``, read and validated in one place.

A project names the planner's layers (path, id field, name field, CRS or input
frame), their targets and rules (in files, or inline as ``[[targets]]`` and
``[[rules]]``), the constraint layers (三区三线), the land-use layer and its
class code and name fields, and the output CRS. Every command reads it (``spatial.toml`` in the
working folder, or ``--project FILE``); the command line overrides it.

Relative paths are read against the project file's folder. Anything wrong is
one line naming the file, the key and the problem (:class:`ProjectError`, exit 2).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "zones.geojson").write_text("{}", encoding="utf-8")
>>> _ = (folder / "spatial.toml").write_text(
...     '[layers.zones]\npath = "zones.geojson"\nid_field = "DYBH"\n', encoding="utf-8")
>>> project = load_project(folder / "spatial.toml")
>>> project.layers["zones"].id_field
'DYBH'
>>> project.layers["zones"].path == str(folder / "zones.geojson")
True
>>> project.targets_file is None and project.rules_file is None
True
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spatial.errors import CRSError, PlanDataError
from spatial.io.fields import ID_FIELDS, unique_field  # the one rule of an id field, re-exported

if TYPE_CHECKING:
    pass

__all__ = [
    "ID_FIELDS",
    "MAX_PROJECT_BYTES",
    "PROJECT_FILE",
    "Project",
    "ProjectError",
    "ProjectLayer",
    "find_project",
    "load_project",
    "unique_field",
]

#: The project file a command looks for in the working folder.
PROJECT_FILE = "spatial.toml"
#: The largest project file read, in bytes: a project names files, it holds no data.
MAX_PROJECT_BYTES = 1_000_000
#: The longest text value (a path, a field name, a CRS), in characters.
_MAX_TEXT_CHARS = 1_000

_LAYER_KEYS = ("path", "id_field", "name_field", "crs", "input_frame")
#: The land-use layer's keys beyond a layer's: its 用地用海 class code and name fields.
_LANDUSE_KEYS = ("class_field", "class_name_field")
_TOP_KEYS = ("project", "layers", "landuse", "constraints", "within", "targets", "rules")
_PROJECT_KEYS = ("plan", "rules", "out_crs", "title")


class ProjectError(PlanDataError):
    """The project file (``spatial.toml``) is missing, malformed or names what is not there."""


@dataclass(frozen=True)
class ProjectLayer:
    """One layer of the project: where it is and how to read it.

    ``path`` is absolute (or a ``postgresql://`` URL); ``crs`` is the CRS of its
    coordinates when the file declares none or a wrong one; ``input_frame`` is
    ``gcj02`` for AMap exports; ``class_field`` is the land-use class field and
    ``class_name_field`` its class name field (``YDYHFLMC``, which ``qc`` compares
    with the code).
    """

    path: str
    id_field: str | None = None
    name_field: str | None = None
    crs: str | None = None
    input_frame: str | None = None
    class_field: str | None = None
    class_name_field: str | None = None

    def options(self) -> dict[str, str]:
        """Return the reading options the project states, by ``ReadOptions`` field name."""
        given = {
            "crs": self.crs,
            "input_frame": self.input_frame,
            "id_field": self.id_field,
            "name_field": self.name_field,
        }
        return {name: value for name, value in given.items() if value is not None}


@dataclass(frozen=True)
class Project:
    """A planner's project, as read from its file (see the module's docstring).

    ``targets_file`` and ``rules_file`` hold the ``[[targets]]`` and ``[[rules]]``
    (the project file itself when they are inline); None when the project has none.
    ``title`` is the title its map and report carry (``[project] title``), if given.
    """

    file: Path
    layers: dict[str, ProjectLayer] = field(default_factory=dict)
    constraints: dict[str, ProjectLayer] = field(default_factory=dict)
    within: dict[str, ProjectLayer] = field(default_factory=dict)
    landuse: ProjectLayer | None = None
    targets_file: Path | None = None
    rules_file: Path | None = None
    out_crs: str | None = None
    title: str | None = None

    @property
    def name(self) -> str:
        """The project's name: its folder's for ``spatial.toml``, else the file's stem.

        Its outputs are named after it (``spatial map`` writes ``maps/<name>.html``).

        Examples
        --------
        >>> Project(Path("/work/survey/spatial.toml")).name, Project(Path("/w/dy.toml")).name
        ('survey', 'dy')
        """
        if self.file.name == PROJECT_FILE and self.file.parent.name:
            return self.file.parent.name
        return self.file.stem

    def every_layer(self) -> dict[str, ProjectLayer]:
        """Return every layer the project names, by its key (``layers.zones``, ``landuse``...)."""
        found = {f"layers.{name}": layer for name, layer in self.layers.items()}
        found.update({"landuse": self.landuse} if self.landuse is not None else {})
        found.update({f'constraints."{n}"': layer for n, layer in self.constraints.items()})
        found.update({f'within."{n}"': layer for n, layer in self.within.items()})
        return found


def _read(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_PROJECT_BYTES:
            raise ProjectError(
                f"{path}: {size:,} bytes; a project file is at most {MAX_PROJECT_BYTES:,} bytes"
            )
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ProjectError(f"{path}: project file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path}: cannot be read ({exc})") from None


def _text(file: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProjectError(f"{file}: {key}: must be a non-empty text, got {value!r}")
    if len(value) > _MAX_TEXT_CHARS:
        raise ProjectError(f"{file}: {key}: {len(value):,} characters; at most {_MAX_TEXT_CHARS:,}")
    return value


def _unknown(file: Path, where: str, table: dict[str, Any], known: tuple[str, ...]) -> None:
    extra = sorted(set(table) - set(known))
    if extra:
        prefix = f"{where}." if where else ""
        raise ProjectError(
            f"{file}: {prefix}{extra[0]}: unknown key; the keys here are {', '.join(known)}"
        )


def _resolve(file: Path, key: str, value: str) -> str:
    """Return ``value`` as a path against the project's folder; refuse a missing file."""
    if value.startswith(("postgresql://", "postgres://")):
        return value
    name, sep, layer = value.partition("::")
    path = Path(name).expanduser()
    path = path if path.is_absolute() else file.parent / path
    if not path.exists():
        raise ProjectError(f"{file}: {key}: no such file {name!r} (read against {file.parent})")
    return f"{path}{sep}{layer}"


def _check_crs(file: Path, key: str, value: str) -> str:
    from spatial.io.frames import resolve_crs  # noqa: PLC0415 - pyproj is heavy

    try:
        resolve_crs(value)
    except CRSError:  # its message names an option; here it is a key
        raise ProjectError(
            f"{file}: {key}: {value!r} is not a CRS; give an EPSG code such as EPSG:4544"
        ) from None
    return value


def _layer(file: Path, where: str, table: Any, extra: tuple[str, ...] = ()) -> ProjectLayer:
    if not isinstance(table, dict):
        raise ProjectError(f"{file}: {where}: must be a table with a path, got {table!r}")
    _unknown(file, where, table, (*_LAYER_KEYS, *extra))
    if "path" not in table:
        raise ProjectError(f"{file}: {where}.path: missing (the layer's file)")
    values = {
        k: _text(file, f"{where}.{k}", table[k]) for k in (*_LAYER_KEYS, *extra) if k in table
    }
    values["path"] = _resolve(file, f"{where}.path", values["path"])
    if "crs" in values:
        _check_crs(file, f"{where}.crs", values["crs"])
    frame = values.get("input_frame")
    if frame is not None and frame not in ("wgs84", "gcj02"):
        raise ProjectError(f"{file}: {where}.input_frame: {frame!r}; choose wgs84 or gcj02")
    return ProjectLayer(**values)


def _layers(
    file: Path, key: str, table: Any, names: tuple[str, ...] = ()
) -> dict[str, ProjectLayer]:
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ProjectError(f"{file}: {key}: must be a table of layers ([{key}.NAME])")
    for name in table:
        if names and name not in names:
            raise ProjectError(
                f"{file}: {key}.{name}: not a plan layer; the plan layers are {', '.join(names)}"
            )
    return {name: _layer(file, f"{key}.{name}", spec) for name, spec in table.items()}


def _plan_file(file: Path, data: dict[str, Any], settings: dict[str, Any], key: str) -> Path | None:
    """Return the file holding ``[[key]]``: the one ``[project]`` names, or this one."""
    option = "plan" if key == "targets" else "rules"
    named = settings.get(option)
    if named is not None and key in data:
        raise ProjectError(
            f"{file}: project.{option}: the [[{key}]] are also written inline; keep one of the two"
        )
    if named is not None:
        return Path(_resolve(file, f"project.{option}", _text(file, f"project.{option}", named)))
    return file if key in data else None


def _validate_plan(targets: Path | None, rules: Path | None) -> None:
    from spatial.plan import load_rules, load_targets  # noqa: PLC0415 - plan imports io

    if targets is not None:
        load_targets(targets)
    if rules is not None:
        load_rules(rules)


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and validate a project file; relative paths against its folder.

    Raises
    ------
    ProjectError
        The file is missing, larger than :data:`MAX_PROJECT_BYTES` or not TOML;
        a key is unknown; a layer names no path, a missing file, an unknown
        plan layer, a CRS pyproj does not know; the plan is both named and inline.
    PlanDataError
        A target or rule (inline or in the file named) is malformed.
    """
    from spatial.io.bundled import LAYER_NAMES  # noqa: PLC0415

    file = Path(path).expanduser().absolute()
    data = _read(file)
    _unknown(file, "", data, _TOP_KEYS)
    settings = data.get("project", {})
    if not isinstance(settings, dict):
        raise ProjectError(f"{file}: project: must be a table ([project])")
    _unknown(file, "project", settings, _PROJECT_KEYS)
    out_crs = settings.get("out_crs")
    if out_crs is not None:
        _check_crs(file, "project.out_crs", _text(file, "project.out_crs", out_crs))
    title = settings.get("title")
    landuse = data.get("landuse")
    project = Project(
        file=file,
        layers=_layers(file, "layers", data.get("layers"), tuple(LAYER_NAMES)),
        constraints=_layers(file, "constraints", data.get("constraints")),
        within=_layers(file, "within", data.get("within")),
        landuse=None if landuse is None else _layer(file, "landuse", landuse, _LANDUSE_KEYS),
        targets_file=_plan_file(file, data, settings, "targets"),
        rules_file=_plan_file(file, data, settings, "rules"),
        out_crs=out_crs,
        title=None if title is None else _text(file, "project.title", title),
    )
    _validate_plan(project.targets_file, project.rules_file)
    return project


def find_project(
    given: str | os.PathLike[str] | None, folder: str | os.PathLike[str] = "."
) -> Project | None:
    """Return the project ``given`` names, else ``spatial.toml`` in ``folder``, else None."""
    if given is not None:
        return load_project(given)
    default = Path(folder) / PROJECT_FILE
    return load_project(default) if default.is_file() else None
