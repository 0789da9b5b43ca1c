"""The outcome of one check row (:class:`~spatial.checked.status.Status`, kept here for callers)."""

from __future__ import annotations

from spatial.checked.status import Status

__all__ = ["Status"]
