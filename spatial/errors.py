"""Exceptions raised by the toolkit.

Every error a planner can cause (a missing file, a broken feature, a CRS that
cannot be resolved) is one of these, and its message is one line naming the
file, the feature and the problem, so the command line can print it as is.

Messages quote text from the planner's files (ids, names, file names). That
text may hold control characters: a carriage return and ANSI codes can make a
terminal show "no problems" over the real line. :func:`printable` is the one
place such text is made visible; every :class:`SpatialError` message passes
through it, and so does every other line the command line prints that quotes
a file's text.
"""

from __future__ import annotations

import re

__all__ = [
    "CRSError",
    "CRSMismatchWarning",
    "FieldError",
    "IdColumnError",
    "LayerError",
    "LayerReadError",
    "LayerReadWarning",
    "OutputError",
    "PlanDataError",
    "RepairWarning",
    "SpatialError",
    "UsageError",
    "first_line",
    "printable",
]

# C0 and C1 controls, DEL, the line and paragraph separators, and the bidirectional
# marks, embeddings, overrides and isolates (which reorder what a terminal shows).
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def first_line(exc: BaseException) -> str:
    r"""Return the first line of an exception's message (its class name when it has none).

    How a library's failure is quoted inside a one-line message of ours.

    Examples
    --------
    >>> first_line(ValueError("bad header\nat byte 7")), first_line(KeyError())
    ('bad header', 'KeyError')
    """
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def printable(value: object) -> str:
    r"""Return ``value`` as one line of text in which every control character is visible.

    Control characters, line and paragraph separators and bidirectional controls
    become Python-style escapes (``\r``, ``\x1b``, ``\u202e``); everything else,
    Chinese included, is kept as it is.

    Examples
    --------
    >>> printable("zone-1\r\x1b[32mall features valid")
    'zone-1\\r\\x1b[32mall features valid'
    >>> printable("璧山\u2028区"), printable(12)
    ('璧山\\u2028区', '12')
    """
    return _INVISIBLE.sub(_escape, str(value))


class SpatialError(Exception):
    """Base class of every error the toolkit raises on purpose; its text is :func:`printable`."""

    def __str__(self) -> str:
        return printable(super().__str__())


class LayerReadError(SpatialError, OSError):
    """A layer file cannot be read at all (missing, empty, truncated, not a layer)."""


class LayerError(SpatialError, ValueError):
    """A layer was read but its content cannot be used as asked."""


class CRSError(LayerError):
    """A coordinate reference system is missing, unresolvable or unsuitable."""


class FieldError(LayerError):
    """A layer lacks a field a command reads (ids, classes, names); the one message for it.

    ``SOURCE: no field 'FIELD' for OPTION; its fields are A, B``: ``option`` is
    the flag that names the field (``--id-field``, ``--class-field``,
    ``--name-field``), ``fields`` the layer's property fields as the file names them.

    Examples
    --------
    >>> print(FieldError("lu.gpkg", "DLBM", "--class-field", ("BSM", "YDYHFLDM")))
    lu.gpkg: no field 'DLBM' for --class-field; its fields are BSM, YDYHFLDM

    A field no one named (``default=True``: the default ``id``) is said to be the
    default, with the two places that name it instead of the option alone:

    >>> print(FieldError("分区.shp", "id", "--id-field", ("单元编号",), default=True))
    分区.shp: no field 'id' (the default id field: neither --id-field nor spatial.toml's id_field names one); its fields are 单元编号
    """  # noqa: E501

    def __init__(
        self,
        source: str,
        field: str,
        option: str,
        fields: tuple[str, ...],
        *,
        default: bool = False,
    ) -> None:
        listed = ", ".join(fields) or "none"
        named = f"for {option}"
        if default:
            named = (
                f"(the default id field: neither {option} nor spatial.toml's id_field names one)"
            )
        super().__init__(f"{source}: no field {field!r} {named}; its fields are {listed}")
        self.source, self.field, self.option, self.fields = source, field, option, fields
        self.default = default


class IdColumnError(FieldError):
    """A layer lacks the column its features' ids are read from (:class:`FieldError`'s words).

    ``columns`` are the layer's property columns; ``option`` the flag the command
    at hand takes the field by: the library's ``--id-field`` unless the command
    line says its own (:meth:`naming`: ``balance``'s ``--zone-id-field FIELD``,
    ``review``'s ``--id-field landuse=FIELD``; a trailing `` FIELD`` is dropped).

    Examples
    --------
    >>> print(IdColumnError("z.gpkg", "id", ("BSM",)).naming("--a-id FIELD"))
    z.gpkg: no field 'id' for --a-id; its fields are BSM
    """

    def __init__(
        self,
        source: str,
        column: str,
        columns: tuple[str, ...],
        option: str = "--id-field",
        *,
        default: bool = False,
    ) -> None:
        super().__init__(source, column, option.removesuffix(" FIELD"), columns, default=default)
        self.column, self.columns = column, columns

    def naming(self, option: str, *, default: bool = False) -> IdColumnError:
        """Return the same error naming ``option`` as the way to name the field.

        ``default``: the field was no one's choice (the default ``id``), and is said so.
        """
        return IdColumnError(self.source, self.column, self.columns, option, default=default)


class OutputError(SpatialError, OSError):
    """An output file cannot be written where asked (a folder, no permission, disk full)."""


class PlanDataError(SpatialError, ValueError):
    """The plan's data files (targets, rules) are missing or malformed."""


class UsageError(SpatialError, ValueError):
    """A call was wrong: an option out of range, two options that exclude each other."""


class CRSMismatchWarning(UserWarning):
    """Two inputs on different datums were combined without a local datum transformation."""


class LayerReadWarning(UserWarning):
    """A layer was read, but something in it was taken differently than written (said aloud).

    A property renamed because GDAL cannot keep its name, ids of mixed types
    read as text: the data is all there, the message says where it went.
    """


class RepairWarning(UserWarning):
    """A geometry was repaired on request (``repair=True``); the message gives the area changed.

    ``repair`` holds the :class:`spatial.validate.inputs.Repair` it describes.
    """

    def __init__(self, repair: object) -> None:
        super().__init__(getattr(repair, "describe", lambda: str(repair))())
        self.repair = repair
