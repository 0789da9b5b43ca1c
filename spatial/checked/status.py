"""The outcome of one check row: a :class:`Status` that is also its own text."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status"]


class Status(StrEnum):
    """PASS, FAIL or NO TARGET; compares equal to (and prints as) its text.

    Examples
    --------
    >>> Status.PASS == "PASS", str(Status.NO_TARGET)
    (True, 'NO TARGET')
    """

    PASS = "PASS"
    FAIL = "FAIL"
    NO_TARGET = "NO TARGET"
