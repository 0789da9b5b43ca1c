"""Exceptions raised by the toolkit.

Every error a planner can cause (a missing file, a broken feature, a CRS that
cannot be resolved) is one of these, and its message is one line naming the
file, the feature and the problem, so the command line can print it as is.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "CRSMismatchWarning",
    "LayerError",
    "LayerReadError",
    "LayerReadWarning",
    "OutputError",
    "PlanDataError",
    "SpatialError",
    "one_line",
]


class SpatialError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class LayerReadError(SpatialError, OSError):
    """A layer file cannot be read at all (missing, empty, truncated, not a layer)."""


class LayerError(SpatialError, ValueError):
    """A layer was read but its content cannot be used as asked."""


class CRSError(LayerError):
    """A coordinate reference system is missing, unresolvable or unsuitable."""


class OutputError(SpatialError, OSError):
    """An output file cannot be written where asked (a folder, no permission, disk full)."""


class PlanDataError(SpatialError, ValueError):
    """The plan's data files (targets, rules) are missing or malformed."""


class CRSMismatchWarning(UserWarning):
    """Two inputs arrived in different CRSs and were reprojected to EPSG:4326 to be combined."""


class LayerReadWarning(UserWarning):
    """A layer was read, but something in it was taken differently than written (said aloud).

    A property renamed because GDAL cannot keep its name, ids of mixed types
    read as text: the data is all there, the message says where it went.
    """


def one_line(text: str) -> str:
    r"""Return ``text`` with line breaks and other control characters escaped, for one line.

    A file name may hold a newline; the message naming it must still be one line.

    Examples
    --------
    >>> one_line("a\nb.geojson: file not found")
    'a\\nb.geojson: file not found'
    """
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
