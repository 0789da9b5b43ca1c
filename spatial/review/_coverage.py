"""The matched-edges coverage test, kept here for the review's callers.

It lives in :mod:`spatial.validate.coverage` (one copy, shared with the checks).
"""

from __future__ import annotations

from spatial.validate.coverage import matched_coverage

__all__ = ["matched_coverage"]
